package app

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"github.com/ninshou/ninshou/internal/config"
	"github.com/ninshou/ninshou/internal/store"
	"github.com/ninshou/ninshou/internal/store/postgres"
	"github.com/ninshou/ninshou/internal/store/sqlite"
)

// Option adjusts how New (and OpenStore) build an App.
type Option func(*buildOptions)

type buildOptions struct {
	postgres []postgres.Option
}

// WithPostgres passes options to the PostgreSQL store when --db names one
// (for example postgres.WithStats in the benchmark, or a longer transaction
// timeout for export and import). Ignored for SQLite.
func WithPostgres(opts ...postgres.Option) Option {
	return func(b *buildOptions) { b.postgres = append(b.postgres, opts...) }
}

// IsPostgres reports whether cfg stores in PostgreSQL.
func IsPostgres(cfg config.Config) bool { return cfg.DB != "" }

// OpenStore opens the store cfg names: SQLite in cfg.DataDir when cfg.DB is
// empty, else the PostgreSQL database cfg.DB. Either way pending migrations
// are applied first (on PostgreSQL under an advisory lock, so nodes
// starting together migrate once).
func OpenStore(ctx context.Context, cfg config.Config, opts ...Option) (store.Store, error) {
	var b buildOptions
	for _, o := range opts {
		o(&b)
	}
	if IsPostgres(cfg) {
		st, err := postgres.Open(ctx, cfg.DB, b.postgres...)
		if err != nil {
			return nil, fmt.Errorf("open store %s: %w", cfg.RedactedDB(), err)
		}
		return st, nil
	}
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("data directory: %w", err)
	}
	st, err := sqlite.Open(sqlitePath(cfg))
	if err != nil {
		return nil, fmt.Errorf("open store: %w", err)
	}
	return st, nil
}

// Migrate applies pending migrations to the store cfg names and returns
// (ninshou migrate).
func Migrate(ctx context.Context, cfg config.Config, opts ...Option) error {
	if IsPostgres(cfg) {
		var b buildOptions
		for _, o := range opts {
			o(&b)
		}
		if err := postgres.Migrate(ctx, cfg.DB, b.postgres...); err != nil {
			return fmt.Errorf("migrate %s: %w", cfg.RedactedDB(), err)
		}
		return nil
	}
	st, err := OpenStore(ctx, cfg, opts...) // SQLite migrates at Open
	if err != nil {
		return err
	}
	return st.Close()
}

// StoreName describes the store cfg names, for the banner and the log,
// without any password.
func StoreName(cfg config.Config) string {
	if !IsPostgres(cfg) {
		return sqlitePath(cfg) + " (SQLite)"
	}
	u, err := url.Parse(cfg.DB)
	if err != nil {
		return "(PostgreSQL)"
	}
	u.User = nil
	q := u.Query()
	for k := range q {
		if strings.Contains(strings.ToLower(k), "pass") {
			q.Del(k)
		}
	}
	u.RawQuery = q.Encode()
	return u.String() + " (PostgreSQL)"
}

func sqlitePath(cfg config.Config) string { return filepath.Join(cfg.DataDir, "ninshou.db") }

// RequireExisting refuses a store that is not there yet, for the commands
// that read one (export, rotate-keys): opening it would create an empty
// store and read nothing from it, as from a mistyped --data or --db (whose
// database would get Ninshou's tables).
func RequireExisting(ctx context.Context, cfg config.Config, opts ...Option) error {
	if IsPostgres(cfg) {
		var b buildOptions
		for _, o := range opts {
			o(&b)
		}
		ok, err := postgres.Exists(ctx, cfg.DB, b.postgres...)
		if err != nil {
			return fmt.Errorf("open store %s: %w", cfg.RedactedDB(), err)
		}
		if !ok {
			return fmt.Errorf("no store in %s", cfg.RedactedDB())
		}
		return nil
	}
	if _, err := os.Stat(sqlitePath(cfg)); err != nil {
		return fmt.Errorf("no store at %s: %w", sqlitePath(cfg), err)
	}
	return nil
}
