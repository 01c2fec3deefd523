package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"os"
	"strings"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/ninshou/ninshou/internal/app"
	"github.com/ninshou/ninshou/internal/config"
	"github.com/ninshou/ninshou/internal/store/postgres"
)

// defaultBenchPostgres is the server --db postgres uses unless
// NINSHOU_TEST_POSTGRES names another: the same as the tests'.
const defaultBenchPostgres = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"

// startCluster starts nodes Ninshou servers in this process on one store:
// SQLite in a temporary directory (db "sqlite", one node only), or a fresh
// schema of a PostgreSQL database (db "postgres" for NINSHOU_TEST_POSTGRES
// or the local default, or a postgres:// URL), dropped at Close. Every node
// has its own listener, the same public URL and the same server key, as
// behind a load balancer; the client spreads requests over them in turn.
// On PostgreSQL the nodes share one postgres.Stats, so the table reports
// the statements and round trips of the database per operation.
func startCluster(ctx context.Context, db string, nodes int, cost, crypto string, logLevel slog.Level) (*target, error) {
	start := time.Now()
	dir, err := os.MkdirTemp("", "ninshou-bench-")
	if err != nil {
		return nil, err
	}
	var cleanups []func() error
	stop := func() error {
		var errs []error
		for i := len(cleanups) - 1; i >= 0; i-- {
			errs = append(errs, cleanups[i]())
		}
		return errors.Join(append(errs, os.RemoveAll(dir))...)
	}
	var dsn, backend string
	var stats *postgres.Stats
	switch {
	case db == "" || db == "sqlite":
		backend = "sqlite"
		if nodes > 1 {
			return nil, errors.Join(errors.New("--nodes above 1 needs --db postgres: SQLite is one node's store"), stop())
		}
	default:
		backend = "postgres"
		base := db
		if db == "postgres" {
			base = os.Getenv("NINSHOU_TEST_POSTGRES")
			if base == "" {
				base = defaultBenchPostgres
			}
		}
		schema, drop, err := benchSchema(ctx, base)
		if err != nil {
			return nil, errors.Join(err, stop())
		}
		cleanups = append(cleanups, drop)
		u, err := url.Parse(base)
		if err != nil {
			return nil, errors.Join(err, stop())
		}
		q := u.Query()
		q.Set("search_path", schema)
		u.RawQuery = q.Encode()
		dsn = u.String()
		stats = &postgres.Stats{}
	}
	key := make([]byte, 32)
	rand.Read(key)
	var bases []string
	var lns []net.Listener
	for range nodes {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, errors.Join(err, stop())
		}
		lns = append(lns, ln)
		bases = append(bases, "http://"+ln.Addr().String())
	}
	publicURL := bases[0]
	var params string
	outbox := false
	for i, ln := range lns {
		args := []string{"--addr", ln.Addr().String(), "--data", dir, "--public-url", publicURL,
			"--password-cost", cost, "--crypto", crypto, "--server-key", hex.EncodeToString(key)}
		if dsn != "" {
			args = append(args, "--db", dsn)
		}
		cfg, err := config.Load(args, func(string) string { return "" })
		if err != nil {
			ln.Close()
			return nil, errors.Join(err, stop())
		}
		log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: logLevel})).With("node", i+1)
		var opts []app.Option
		if stats != nil {
			opts = append(opts, app.WithPostgres(postgres.WithStats(stats)))
		}
		a, err := app.New(cfg, log, opts...)
		if err != nil {
			ln.Close()
			return nil, errors.Join(err, stop())
		}
		sctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
		done := make(chan error, 1)
		go func() { done <- a.Serve(sctx, ln) }()
		cleanups = append(cleanups, func() error {
			cancel()
			return errors.Join(<-done, a.Close())
		})
		params, outbox = "argon2id "+a.PasswordParams.String()+" ("+cost+")", cfg.Outbox
	}
	probe := newClient(bases[0], "us-east-1", 1)
	defer probe.close()
	healthy, err := probe.waitHealthy(ctx, start, 30*time.Second)
	if err != nil {
		return nil, errors.Join(err, stop())
	}
	name := fmt.Sprintf("ninshou/%s/%dnode", backend, nodes)
	if nodes > 1 {
		name += "s"
	}
	return &target{
		Name:           name,
		BaseURL:        strings.Join(bases, ","),
		Bases:          bases,
		Kind:           "in-process",
		PID:            os.Getpid(),
		HealthyIn:      healthy,
		PasswordParams: params,
		Outbox:         outbox,
		DBStats:        stats,
		stop:           stop,
	}, nil
}

// benchSchema creates a schema of its own in the database at dsn and
// returns how to drop it.
func benchSchema(ctx context.Context, dsn string) (string, func() error, error) {
	cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	conn, err := pgx.Connect(cctx, dsn)
	if err != nil {
		return "", nil, fmt.Errorf("--db: %w", err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	b := make([]byte, 6)
	rand.Read(b)
	schema := "ninshou_bench_" + hex.EncodeToString(b)
	if _, err := conn.Exec(cctx, "CREATE SCHEMA "+pgx.Identifier{schema}.Sanitize()); err != nil {
		return "", nil, fmt.Errorf("--db: %w", err)
	}
	drop := func() error {
		dctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		conn, err := pgx.Connect(dctx, dsn)
		if err != nil {
			return err
		}
		defer conn.Close(dctx)
		_, err = conn.Exec(dctx, "DROP SCHEMA "+pgx.Identifier{schema}.Sanitize()+" CASCADE")
		return err
	}
	return schema, drop, nil
}

// roundRobin hands out bases in turn.
type roundRobin struct {
	bases []string
	next  atomic.Uint64
}

func (r *roundRobin) pick() string {
	if len(r.bases) == 1 {
		return r.bases[0]
	}
	return r.bases[(r.next.Add(1)-1)%uint64(len(r.bases))]
}
