package postgres

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/ninshou/ninshou/internal/store"
	"github.com/ninshou/ninshou/internal/store/storetest"
)

// The tests need a PostgreSQL server. NINSHOU_TEST_POSTGRES names it (a
// DSN); the default is a local server with trust authentication. Each test
// store lives in a fresh schema, ninshou_test_<random>, dropped afterwards.
//
// Without a reachable server the tests skip, loudly, except under CI (the
// CI environment variable set), where they fail: CI must never pass by
// testing nothing.
const defaultDSN = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"

func testDSN() string {
	if dsn := os.Getenv("NINSHOU_TEST_POSTGRES"); dsn != "" {
		return dsn
	}
	return defaultDSN
}

// reachable connects once per test binary.
var reachable = sync.OnceValue(func() error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, testDSN())
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	return conn.Ping(ctx)
})

func needServer(t testing.TB) {
	t.Helper()
	if err := reachable(); err != nil {
		// Name the server without printing a DSN that may hold a password.
		where := "the default " + defaultDSN
		if os.Getenv("NINSHOU_TEST_POSTGRES") != "" {
			where = "$NINSHOU_TEST_POSTGRES"
		}
		if os.Getenv("CI") != "" {
			t.Fatalf("PostgreSQL at %s is unreachable, and CI is set: %v", where, err)
		}
		t.Skipf("SKIPPING: no PostgreSQL at %s: %v\n"+
			"*** the postgres backend is NOT tested; set NINSHOU_TEST_POSTGRES or start a server ***", where, err)
	}
}

// freshSchema creates an empty schema and drops it (with everything in it)
// when the test ends.
func freshSchema(t testing.TB) string {
	t.Helper()
	needServer(t)
	b := make([]byte, 8)
	rand.Read(b)
	name := "ninshou_test_" + hex.EncodeToString(b)
	admin(t, "CREATE SCHEMA "+pgx.Identifier{name}.Sanitize())
	t.Cleanup(func() { admin(t, "DROP SCHEMA "+pgx.Identifier{name}.Sanitize()+" CASCADE") })
	return name
}

// admin runs one statement on a connection of its own.
func admin(t testing.TB, sql string, args ...any) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, testDSN())
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, sql, args...); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

// openIn opens a store in schema; the test closes it at cleanup.
func openIn(t testing.TB, schema string, opts ...Option) *Store {
	t.Helper()
	s, err := Open(context.Background(), testDSN(), append([]Option{WithSchema(schema)}, opts...)...)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestConformance(t *testing.T) {
	needServer(t)
	storetest.Run(t, func(t *testing.T) store.Store {
		s, err := Open(context.Background(), testDSN(), WithSchema(freshSchema(t)))
		if err != nil {
			t.Fatalf("Open: %v", err)
		}
		return s // the suite closes it, before the schema is dropped
	})
}

// TestMigrationsUnderConcurrentOpen: nodes starting together on one empty
// schema all open it, and the migrations run once.
func TestMigrationsUnderConcurrentOpen(t *testing.T) {
	schema := freshSchema(t)
	const nodes = 5
	stores := make([]*Store, nodes)
	errs := make([]error, nodes)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range nodes {
		wg.Go(func() {
			<-start
			stores[i], errs[i] = Open(context.Background(), testDSN(), WithSchema(schema))
		})
	}
	close(start)
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("Open %d: %v", i, err)
			continue
		}
		defer stores[i].Close()
	}
	ms, err := migrations()
	if err != nil {
		t.Fatal(err)
	}
	var n, maxV int
	err = stores[0].pool.QueryRow(context.Background(),
		`SELECT count(*), coalesce(max(version), 0) FROM schema_migrations`).Scan(&n, &maxV)
	if err != nil {
		t.Fatal(err)
	}
	if n != len(ms) || maxV != len(ms) {
		t.Errorf("schema_migrations has %d rows up to version %d, want %d", n, maxV, len(ms))
	}
	// Every node works on the migrated schema.
	for i, s := range stores {
		if s == nil {
			continue
		}
		err := s.Update(context.Background(), func(tx store.Tx) error {
			return tx.Pools().Create(&store.Pool{ID: fmt.Sprintf("pool-%d", i)})
		})
		if err != nil {
			t.Errorf("node %d: Create: %v", i, err)
		}
	}
}

// TestMigrate: Migrate migrates a schema that Open then finds current, and
// both refuse a schema newer than the binary.
func TestMigrate(t *testing.T) {
	schema := freshSchema(t)
	ctx := context.Background()
	for range 2 {
		if err := Migrate(ctx, testDSN(), WithSchema(schema)); err != nil {
			t.Fatalf("Migrate: %v", err)
		}
	}
	s := openIn(t, schema)
	if _, err := s.pool.Exec(ctx, `INSERT INTO schema_migrations (version, name) VALUES (9999, 'future')`); err != nil {
		t.Fatal(err)
	}
	if err := Migrate(ctx, testDSN(), WithSchema(schema)); !errors.Is(err, ErrSchemaTooNew) {
		t.Errorf("Migrate of a newer schema: %v, want ErrSchemaTooNew", err)
	}
	if s, err := Open(ctx, testDSN(), WithSchema(schema)); !errors.Is(err, ErrSchemaTooNew) {
		if s != nil {
			s.Close()
		}
		t.Errorf("Open of a newer schema: %v, want ErrSchemaTooNew", err)
	}
}

// TestOpenMissingSchema: a search_path naming no schema is an error at
// Open, not tables created somewhere else.
func TestOpenMissingSchema(t *testing.T) {
	needServer(t)
	s, err := Open(context.Background(), testDSN(), WithSchema("ninshou_test_does_not_exist"))
	if err == nil {
		s.Close()
		t.Fatal("Open with a missing schema succeeded")
	}
}

// TestUnreachableServerFailsFast: a server that is not there is an error
// within the connect timeout.
func TestUnreachableServerFailsFast(t *testing.T) {
	start := time.Now()
	// Port 1 on localhost: nothing listens there.
	s, err := Open(context.Background(), "postgres://postgres@127.0.0.1:1/test?sslmode=disable",
		WithConnectTimeout(2*time.Second))
	if err == nil {
		s.Close()
		t.Fatal("Open of an unreachable server succeeded")
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("Open took %v to fail", d)
	}
}

// seedUser creates pool A and user sub-1 in it.
func seedUser(t *testing.T, s *Store) {
	t.Helper()
	err := s.Update(context.Background(), func(tx store.Tx) error {
		if err := tx.Pools().Create(&store.Pool{ID: "A"}); err != nil {
			return err
		}
		return tx.Users().Create(&store.User{PoolID: "A", Sub: "sub-1", Username: "alice", UsernameKey: "alice"})
	})
	if err != nil {
		t.Fatalf("seed: %v", err)
	}
}

// TestUpdateSerializesAcrossStores: two stores (two nodes) on one schema,
// 2x50 concurrent read-modify-write increments of one user's failure
// counter, each a Get then an Update inside Update: none is lost, and none
// fails, because the Get locks the row until commit.
func TestUpdateSerializesAcrossStores(t *testing.T) {
	schema := freshSchema(t)
	nodes := []*Store{openIn(t, schema), openIn(t, schema)}
	seedUser(t, nodes[0])
	const perNode = 50
	var wg sync.WaitGroup
	for _, s := range nodes {
		for range perNode {
			wg.Go(func() {
				err := s.Update(context.Background(), func(tx store.Tx) error {
					u, err := tx.Users().Get("A", "sub-1")
					if err != nil {
						return err
					}
					u.FailedAttempts++
					return tx.Users().Update(u)
				})
				if err != nil {
					t.Errorf("increment: %v", err)
				}
			})
		}
	}
	wg.Wait()
	err := nodes[1].View(context.Background(), func(tx store.Tx) error {
		u, err := tx.Users().Get("A", "sub-1")
		if err != nil {
			return err
		}
		if u.FailedAttempts != 2*perNode || u.Version != 2*perNode+1 {
			t.Errorf("FailedAttempts = %d, Version = %d; want %d, %d", u.FailedAttempts, u.Version, 2*perNode, 2*perNode+1)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestOutboxClaimAcrossStores: dispatchers on two nodes claiming at once
// never get the same message, and between them get every message.
func TestOutboxClaimAcrossStores(t *testing.T) {
	schema := freshSchema(t)
	nodes := []*Store{openIn(t, schema), openIn(t, schema)}
	ctx := context.Background()
	now := time.Now()
	const messages = 300
	err := nodes[0].Update(ctx, func(tx store.Tx) error {
		for i := range messages {
			m := &store.Message{PoolID: "A", Channel: "email", To: fmt.Sprintf("u%d@example.com", i), CreatedAt: now}
			if err := tx.Outbox().Enqueue(m); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	claimedBy := map[int64]int{}
	var wg sync.WaitGroup
	for n, s := range nodes {
		for range 4 { // dispatcher goroutines per node
			wg.Go(func() {
				for {
					var got []*store.Message
					err := s.Update(ctx, func(tx store.Tx) (err error) {
						got, err = tx.Outbox().Claim(now, now.Add(time.Hour), 7)
						return err
					})
					if err != nil {
						t.Errorf("Claim: %v", err)
						return
					}
					if len(got) == 0 {
						return
					}
					mu.Lock()
					for _, m := range got {
						if prev, dup := claimedBy[m.ID]; dup {
							t.Errorf("message %d claimed twice (nodes %d and %d)", m.ID, prev, n)
						}
						claimedBy[m.ID] = n
					}
					mu.Unlock()
				}
			})
		}
	}
	wg.Wait()
	if len(claimedBy) != messages {
		t.Errorf("%d messages claimed, want %d", len(claimedBy), messages)
	}
	perNode := map[int]int{}
	for _, n := range claimedBy {
		perNode[n]++
	}
	t.Logf("claims per node: %v", perNode)
}

// TestUpdateRetriesDeadlock: two transactions lock two users in opposite
// orders. PostgreSQL aborts one as the deadlock victim; Update runs its fn
// again, and both succeed.
func TestUpdateRetriesDeadlock(t *testing.T) {
	schema := freshSchema(t)
	nodes := []*Store{openIn(t, schema), openIn(t, schema)}
	seedUser(t, nodes[0])
	err := nodes[0].Update(context.Background(), func(tx store.Tx) error {
		return tx.Users().Create(&store.User{PoolID: "A", Sub: "sub-2", Username: "bob", UsernameKey: "bob"})
	})
	if err != nil {
		t.Fatal(err)
	}
	var runs atomic.Int32
	var locked sync.WaitGroup // both first locks held, on the first run
	locked.Add(2)
	order := [][2]string{{"sub-1", "sub-2"}, {"sub-2", "sub-1"}}
	errs := make([]error, 2)
	var wg sync.WaitGroup
	for i := range 2 {
		first := true
		wg.Go(func() {
			errs[i] = nodes[i].Update(context.Background(), func(tx store.Tx) error {
				runs.Add(1)
				a, err := tx.Users().Get("A", order[i][0])
				if err != nil {
					t.Logf("tx %d: first Get: %v", i, err)
					return err
				}
				if first {
					first = false
					locked.Done()
					locked.Wait()
				}
				b, err := tx.Users().Get("A", order[i][1])
				if err != nil {
					t.Logf("tx %d: second Get: %v", i, err)
					return err
				}
				a.FailedAttempts++
				b.FailedAttempts++
				if err := tx.Users().Update(a); err != nil {
					t.Logf("tx %d: Update: %v", i, err)
					return err
				}
				if err := tx.Users().Update(b); err != nil {
					t.Logf("tx %d: Update: %v", i, err)
					return err
				}
				return nil
			})
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("Update %d: %v", i, err)
		}
	}
	// One victim, run again once; a further retry is allowed, not needed.
	if n := runs.Load(); n < 3 {
		t.Errorf("fn ran %d times, want at least 3 (the deadlock victim's fn again)", n)
	}
	err = nodes[0].View(context.Background(), func(tx store.Tx) error {
		for _, sub := range []string{"sub-1", "sub-2"} {
			u, err := tx.Users().Get("A", sub)
			if err != nil {
				return err
			}
			if u.FailedAttempts != 2 {
				t.Errorf("%s: FailedAttempts = %d, want 2", sub, u.FailedAttempts)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestLockWaitIsBounded: a read that waits for a row lock held by a stuck
// transaction fails at the statement timeout instead of hanging.
func TestLockWaitIsBounded(t *testing.T) {
	schema := freshSchema(t)
	holder := openIn(t, schema)
	waiter := openIn(t, schema, WithStatementTimeout(300*time.Millisecond), WithRetries(0))
	seedUser(t, holder)
	held, release := make(chan struct{}), make(chan struct{})
	done := make(chan error)
	go func() {
		done <- holder.Update(context.Background(), func(tx store.Tx) error {
			if _, err := tx.Users().Get("A", "sub-1"); err != nil {
				return err
			}
			close(held)
			<-release
			return nil
		})
	}()
	<-held
	start := time.Now()
	err := waiter.Update(context.Background(), func(tx store.Tx) error {
		_, err := tx.Users().Get("A", "sub-1")
		return err
	})
	elapsed := time.Since(start)
	close(release)
	if err := <-done; err != nil {
		t.Errorf("holder: %v", err)
	}
	var pe *pgconn.PgError
	if !errors.As(err, &pe) || pe.Code != "57014" { // query_canceled
		t.Errorf("Get of a locked row: %v, want statement timeout (57014)", err)
	}
	if elapsed > 5*time.Second {
		t.Errorf("lock wait lasted %v", elapsed)
	}
}

// TestFailedReadKeepsTransaction: text PostgreSQL cannot store is looked
// up as "not found", and the transaction goes on.
func TestFailedReadKeepsTransaction(t *testing.T) {
	s := openIn(t, freshSchema(t))
	seedUser(t, s)
	err := s.Update(context.Background(), func(tx store.Tx) error {
		for _, bad := range []string{"nul\x00", "\xff\xfe"} {
			if _, err := tx.Users().GetByUsername("A", bad); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("GetByUsername(%q) = %v, want ErrNotFound", bad, err)
			}
			if err := tx.Users().Create(&store.User{PoolID: "A", Sub: "s-" + bad, Username: bad, UsernameKey: bad}); err == nil {
				t.Errorf("Create with username %q succeeded", bad)
			}
		}
		_, err := tx.Users().Get("A", "sub-1")
		return err
	})
	if err != nil {
		t.Errorf("transaction after failed calls: %v", err)
	}
}

// TestBadCursor: a cursor that is not ours is an error, not a silent
// restart from the first page.
func TestBadCursor(t *testing.T) {
	s := openIn(t, freshSchema(t))
	for _, c := range []string{"!!not base64!!", encodeCursor("no colon"), encodeCursor("1:\xff")} {
		err := s.View(context.Background(), func(tx store.Tx) error {
			_, _, err := tx.Pools().List(store.Page{After: c})
			return err
		})
		if !errors.Is(err, store.ErrBadCursor) {
			t.Errorf("List with cursor %q: %v, want ErrBadCursor", c, err)
		}
	}
}

// TestRuntimeParams: the session settings that bound waits are in place,
// and an explicit DSN setting wins over the default.
func TestRuntimeParams(t *testing.T) {
	schema := freshSchema(t)
	s := openIn(t, schema)
	var st, idle, path string
	err := s.pool.QueryRow(context.Background(),
		`SELECT current_setting('statement_timeout'), current_setting('idle_in_transaction_session_timeout'), current_schema()`).
		Scan(&st, &idle, &path)
	if err != nil {
		t.Fatal(err)
	}
	if st != "10s" || idle != "1min" || path != schema {
		t.Errorf("statement_timeout %q, idle_in_transaction_session_timeout %q, schema %q; want 10s, 1min, %s", st, idle, path, schema)
	}
	cfg, _, err := parseConfig("postgres://u@127.0.0.1/db?statement_timeout=1234", nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := cfg.ConnConfig.RuntimeParams["statement_timeout"]; got != "1234" {
		t.Errorf("DSN statement_timeout = %q, want it kept", got)
	}
}

// TestExists: a schema without Ninshou's tables holds no store, and asking
// creates none there; once a store is opened in it, it does.
func TestExists(t *testing.T) {
	needServer(t)
	schema := freshSchema(t)
	ctx := context.Background()
	for range 2 {
		if ok, err := Exists(ctx, testDSN(), WithSchema(schema)); err != nil || ok {
			t.Fatalf("Exists in an empty schema = %v, %v; want false", ok, err)
		}
	}
	openIn(t, schema)
	if ok, err := Exists(ctx, testDSN(), WithSchema(schema)); err != nil || !ok {
		t.Errorf("Exists after Open = %v, %v; want true", ok, err)
	}
}
