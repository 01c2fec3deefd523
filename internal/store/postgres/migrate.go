package postgres

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"hash/fnv"
	"io/fs"
	"path"
	"regexp"
	"sort"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

type migration struct {
	version int
	name    string
	sql     string
}

var migrationName = regexp.MustCompile(`^(\d{4})_([a-z0-9_]+)\.sql$`)

// migrations returns the embedded migrations in version order. Versions must
// run 1, 2, 3, ... without gaps, so a missing file cannot go unnoticed.
func migrations() ([]migration, error) {
	entries, err := fs.ReadDir(migrationFS, "migrations")
	if err != nil {
		return nil, err
	}
	var ms []migration
	for _, e := range entries {
		m := migrationName.FindStringSubmatch(e.Name())
		if m == nil {
			return nil, fmt.Errorf("postgres: migration file %q is not named NNNN_name.sql", e.Name())
		}
		v, _ := strconv.Atoi(m[1])
		b, err := migrationFS.ReadFile(path.Join("migrations", e.Name()))
		if err != nil {
			return nil, err
		}
		ms = append(ms, migration{version: v, name: m[2], sql: string(b)})
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].version < ms[j].version })
	for i, m := range ms {
		if m.version != i+1 {
			return nil, fmt.Errorf("postgres: migration %04d_%s: want version %d", m.version, m.name, i+1)
		}
	}
	return ms, nil
}

// ErrSchemaTooNew is returned by Open and Migrate for a schema migrated by a
// newer binary: running older code against it could corrupt data it does not
// know.
var ErrSchemaTooNew = errors.New("postgres: database schema is newer than this binary")

// Migrate applies pending migrations to the database named by dsn (in the
// schema WithSchema names, if given) and returns. Open does the same; this
// is for running migrations as a step of their own (ninshou migrate).
func Migrate(ctx context.Context, dsn string, opts ...Option) error {
	cfg, o, err := parseConfig(dsn, opts)
	if err != nil {
		return err
	}
	return migrate(ctx, cfg.ConnConfig, o)
}

// migrate applies, forward only, every embedded migration newer than the
// schema's version, each in its own transaction together with its
// schema_migrations row, so a crash leaves the schema at a known version.
//
// It runs on a connection of its own, holding a session-level advisory lock
// keyed by the schema for the whole run: nodes starting together wait for
// the first one, then find nothing left to do. Closing the connection
// releases the lock, even if this process dies halfway.
func migrate(ctx context.Context, cc *pgx.ConnConfig, o options) error {
	ms, err := migrations()
	if err != nil {
		return err
	}
	cc = cc.Copy()
	// A migration may rewrite a big table; and waiting for another node's
	// migrations is the point of the lock. Both still end.
	cc.RuntimeParams["statement_timeout"] = millis(o.migrationTimeout)
	conn, err := pgx.ConnectConfig(ctx, cc)
	if err != nil {
		return fmt.Errorf("postgres: connect: %w", err)
	}
	defer func() {
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		conn.Close(cctx)
	}()

	var schema *string
	if err := conn.QueryRow(ctx, `SELECT current_schema()`).Scan(&schema); err != nil {
		return fmt.Errorf("postgres: read current schema: %w", err)
	}
	if schema == nil {
		return fmt.Errorf("postgres: no schema of search_path %q exists", cc.RuntimeParams["search_path"])
	}
	key := migrationLockKey(*schema)
	if _, err := conn.Exec(ctx, `SELECT pg_advisory_lock($1)`, key); err != nil {
		return fmt.Errorf("postgres: take migration lock: %w", err)
	}
	// Unlocking explicitly lets the pool-less connection close cleanly; if
	// this fails, closing the connection releases the lock anyway.
	defer conn.Exec(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock($1)`, key)

	if _, err := conn.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    integer     NOT NULL PRIMARY KEY,
		name       text        NOT NULL,
		applied_at timestamptz NOT NULL DEFAULT now()
	)`); err != nil {
		return fmt.Errorf("postgres: create schema_migrations: %w", err)
	}
	var current int
	if err := conn.QueryRow(ctx, `SELECT coalesce(max(version), 0) FROM schema_migrations`).Scan(&current); err != nil {
		return fmt.Errorf("postgres: read schema version: %w", err)
	}
	if current > len(ms) {
		return fmt.Errorf("%w: schema %q at version %d, binary knows %d", ErrSchemaTooNew, *schema, current, len(ms))
	}
	for _, m := range ms[current:] {
		if err := apply(ctx, conn, m); err != nil {
			return fmt.Errorf("postgres: migration %04d_%s: %w", m.version, m.name, err)
		}
	}
	return nil
}

func apply(ctx context.Context, conn *pgx.Conn, m migration) error {
	return pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
		// No arguments: pgx sends the file as one simple-protocol query,
		// which may hold many statements.
		if _, err := tx.Exec(ctx, m.sql); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `INSERT INTO schema_migrations (version, name) VALUES ($1, $2)`, m.version, m.name)
		return err
	})
}

// migrationLockKey is the advisory lock key of a schema's migrations: a hash
// of a name of our own, so that it is unlikely to meet another
// application's advisory locks in the same database, and so that two schemas
// migrate independently.
func migrationLockKey(schema string) int64 {
	h := fnv.New64a()
	h.Write([]byte("ninshou.schema_migrations:" + schema))
	return int64(h.Sum64())
}
