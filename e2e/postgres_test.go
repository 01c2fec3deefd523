package e2e

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// PostgreSQL for the end-to-end tests. NINSHOU_TEST_POSTGRES names the
// server (a postgres:// URL), by default a local one with trust
// authentication. Each test gets a fresh schema, ninshou_test_<random>,
// dropped at cleanup, and passes it to Ninshou as the DSN's search_path.
//
// NINSHOU_E2E_DB=postgres runs every scenario of this package on
// PostgreSQL instead of SQLite (make test runs the package both ways). The
// tests that need PostgreSQL whatever the backend (several nodes on one
// database, faults) skip loudly without a server, and fail under CI.
const defaultPostgres = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"

func postgresDSN() string {
	if dsn := os.Getenv("NINSHOU_TEST_POSTGRES"); dsn != "" {
		return dsn
	}
	return defaultPostgres
}

// onPostgres reports whether the scenarios run on PostgreSQL.
func onPostgres() bool { return os.Getenv("NINSHOU_E2E_DB") == "postgres" }

var postgresReachable = sync.OnceValue(func() error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, postgresDSN())
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	return conn.Ping(ctx)
})

// needPostgres skips the test without a server, or fails it under CI (or
// when NINSHOU_E2E_DB=postgres asked for PostgreSQL explicitly).
func needPostgres(t testing.TB) {
	t.Helper()
	err := postgresReachable()
	if err == nil {
		return
	}
	where := "the default " + defaultPostgres
	if os.Getenv("NINSHOU_TEST_POSTGRES") != "" {
		where = "$NINSHOU_TEST_POSTGRES"
	}
	if os.Getenv("CI") != "" || onPostgres() {
		t.Fatalf("PostgreSQL at %s is unreachable: %v", where, err)
	}
	t.Skipf("SKIPPING: no PostgreSQL at %s: %v\n*** set NINSHOU_TEST_POSTGRES or start a server ***", where, err)
}

// freshDB creates an empty schema and returns the DSN that selects it; the
// schema is dropped at cleanup, after the servers using it have stopped
// (cleanups run last-registered first, so call this before starting them).
func freshDB(t testing.TB) string {
	t.Helper()
	needPostgres(t)
	b := make([]byte, 8)
	rand.Read(b)
	schema := "ninshou_test_" + hex.EncodeToString(b)
	pgExec(t, postgresDSN(), "CREATE SCHEMA "+pgx.Identifier{schema}.Sanitize())
	t.Cleanup(func() { pgExec(t, postgresDSN(), "DROP SCHEMA "+pgx.Identifier{schema}.Sanitize()+" CASCADE") })
	return withSearchPath(t, postgresDSN(), schema)
}

// withSearchPath adds search_path=schema to a postgres:// URL.
func withSearchPath(t testing.TB, dsn, schema string) string {
	t.Helper()
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatalf("NINSHOU_TEST_POSTGRES must be a postgres:// URL: %v", err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// pgExec runs one statement on a connection of its own.
func pgExec(t testing.TB, dsn, sql string, args ...any) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Errorf("connect: %v", err)
		return
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, sql, args...); err != nil {
		t.Errorf("%s: %v", sql, err)
	}
}

// backendFlags are the store flags of a scenario's server: none for SQLite
// in its --data directory, or --db with a fresh schema under
// NINSHOU_E2E_DB=postgres.
func backendFlags(t testing.TB) []string {
	t.Helper()
	if !onPostgres() {
		return nil
	}
	return []string{"--db", freshDB(t)}
}
