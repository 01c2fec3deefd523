package app

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/ninshou/ninshou/internal/store"
	"github.com/ninshou/ninshou/internal/store/postgres"
	"github.com/ninshou/ninshou/internal/store/sqlite"
)

// TestJanitorIdempotentOnSharedStore: two janitors (two nodes) purge one
// store at the same moment. Every expired row, and every user of a deleted
// pool, is deleted exactly once between them, live rows stay, and a second
// pass finds nothing.
func TestJanitorIdempotentOnSharedStore(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "ninshou.db")
		a, err := sqlite.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		defer a.Close()
		b, err := sqlite.Open(path) // a second process's view of the file
		if err != nil {
			t.Fatal(err)
		}
		defer b.Close()
		testJanitors(t, a, b)
	})
	t.Run("postgres", func(t *testing.T) {
		dsn, schema := testPostgres(t)
		var stores [2]store.Store
		for i := range stores {
			s, err := postgres.Open(context.Background(), dsn, postgres.WithSchema(schema))
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			stores[i] = s
		}
		testJanitors(t, stores[0], stores[1])
	})
}

func testJanitors(t *testing.T, a, b store.Store) {
	ctx := context.Background()
	now := time.Now().UTC()
	long := now.Add(-48 * time.Hour) // expired well past the grace
	const n = 20
	err := a.Update(ctx, func(tx store.Tx) error {
		if err := tx.Pools().Create(&store.Pool{ID: "us-east-1_pool", Name: "p", CreatedAt: now, UpdatedAt: now}); err != nil {
			return err
		}
		for i := range n {
			for _, exp := range []time.Time{long, now.Add(time.Hour)} {
				tag := fmt.Sprintf("%d-%d", i, exp.Unix())
				if err := tx.Sessions().Create(&store.Session{IDHash: []byte("s" + tag), PoolID: "us-east-1_pool",
					ClientID: "c", Sub: "u", Challenge: "X", CreatedAt: now, ExpiresAt: exp}); err != nil {
					return err
				}
				if err := tx.Codes().Put(&store.Code{PoolID: "us-east-1_pool", Sub: "u" + tag, Purpose: "signup",
					CodeHash: []byte("h"), CreatedAt: now, ExpiresAt: exp}); err != nil {
					return err
				}
				if err := tx.TokenFamilies().Create(&store.TokenFamily{ID: "f" + tag, PoolID: "us-east-1_pool",
					ClientID: "c", Sub: "u", AuthTime: now, CreatedAt: now, ExpiresAt: exp}); err != nil {
					return err
				}
				if err := tx.RefreshTokens().Create(&store.RefreshToken{Hash: []byte("r" + tag), FamilyID: "f" + tag,
					CreatedAt: now, ExpiresAt: exp}); err != nil {
					return err
				}
			}
			// An import job created two days ago and never started
			// expires; one created an hour ago does not.
			for _, created := range []time.Time{now.Add(-48 * time.Hour), now.Add(-time.Hour)} {
				id := fmt.Sprintf("import-%d-%d", i, created.Unix())
				if err := tx.ImportJobs().Create(&store.ImportJob{PoolID: "us-east-1_pool", ID: id, Name: "j",
					RoleArn: "arn:aws:iam::1:role/r", Status: "Created", UploadSecret: []byte("s"), CreatedAt: created}); err != nil {
					return err
				}
			}
			for _, created := range []time.Time{now.Add(-30 * 24 * time.Hour), now} {
				m := &store.Message{PoolID: "us-east-1_pool", Channel: "email", To: "a@example.com", Body: "b",
					Kind: "k", CreatedAt: created, State: "pending", NextAttemptAt: created}
				if err := tx.Outbox().Enqueue(m); err != nil {
					return err
				}
				if err := tx.Outbox().MarkSent(m.ID, created); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// A deleted pool with more users than one purge step takes.
	const goneUsers = 2*PurgeStep + 7
	err = a.Update(ctx, func(tx store.Tx) error {
		if err := tx.Pools().Create(&store.Pool{ID: "us-east-1_gone", Name: "g", CreatedAt: now, UpdatedAt: now}); err != nil {
			return err
		}
		for i := range goneUsers {
			name := fmt.Sprintf("user%d", i)
			if err := tx.Users().Create(&store.User{PoolID: "us-east-1_gone", Sub: fmt.Sprintf("sub-%d", i),
				Username: name, UsernameKey: name, Status: "CONFIRMED", Enabled: true,
				Attributes: map[string]string{"email": name + "@example.com"},
				CreatedAt:  now, UpdatedAt: now}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Update(ctx, func(tx store.Tx) error { return tx.Pools().Delete("us-east-1_gone") }); err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.DiscardHandler)
	clock := func() time.Time { return now }
	janitors := []*Janitor{{Store: a, Now: clock, Log: log}, {Store: b, Now: clock, Log: log}}
	var got [2]Purged
	var errs [2]error
	var wg sync.WaitGroup
	for i, j := range janitors {
		wg.Go(func() { got[i], errs[i] = j.Purge(ctx) })
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	sum := Purged{
		Sessions:      got[0].Sessions + got[1].Sessions,
		Codes:         got[0].Codes + got[1].Codes,
		TokenFamilies: got[0].TokenFamilies + got[1].TokenFamilies,
		RefreshTokens: got[0].RefreshTokens + got[1].RefreshTokens,
		Messages:      got[0].Messages + got[1].Messages,

		ExpiredImportJobs: got[0].ExpiredImportJobs + got[1].ExpiredImportJobs,

		OfDeletedPools: got[0].OfDeletedPools + got[1].OfDeletedPools,
	}
	// Refresh tokens go with their families (cascade), so the refresh-token
	// purge may find none of its own.
	want := Purged{Sessions: n, Codes: n, TokenFamilies: n, RefreshTokens: sum.RefreshTokens, Messages: n,
		ExpiredImportJobs: n, OfDeletedPools: goneUsers + 1}
	if sum != want {
		t.Errorf("purged together %+v; want %+v", sum, want)
	}
	again, err := janitors[0].Purge(ctx)
	if err != nil || again.Total() != 0 {
		t.Errorf("second pass purged %+v, %v; want nothing", again, err)
	}
	// The live rows are all there.
	err = a.View(ctx, func(tx store.Tx) error {
		for i := range n {
			tag := fmt.Sprintf("%d-%d", i, now.Add(time.Hour).Unix())
			if _, err := tx.Sessions().Get([]byte("s" + tag)); err != nil {
				return fmt.Errorf("live session: %w", err)
			}
			if _, err := tx.RefreshTokens().Get([]byte("r" + tag)); err != nil {
				return fmt.Errorf("live refresh token: %w", err)
			}
			gone := fmt.Sprintf("%d-%d", i, long.Unix())
			if _, err := tx.RefreshTokens().Get([]byte("r" + gone)); err == nil {
				return fmt.Errorf("expired refresh token %s survived", gone)
			}
			for created, status := range map[time.Time]string{now.Add(-48 * time.Hour): "Expired", now.Add(-time.Hour): "Created"} {
				j, err := tx.ImportJobs().Get("us-east-1_pool", fmt.Sprintf("import-%d-%d", i, created.Unix()))
				if err != nil {
					return err
				}
				if j.Status != status {
					return fmt.Errorf("import job created %v ago is %s, want %s", now.Sub(created), j.Status, status)
				}
			}
		}
		msgs, err := tx.Outbox().List(0, 10*n)
		if err == nil && len(msgs) != n {
			err = fmt.Errorf("%d messages left; want the %d recent ones", len(msgs), n)
		}
		return err
	})
	if err != nil {
		t.Error(err)
	}
}

// testPostgres gives the test a fresh schema on the test server
// (NINSHOU_TEST_POSTGRES, default a local trust server); it skips without
// one, except under CI, where it fails.
func testPostgres(t *testing.T) (dsn, schema string) {
	t.Helper()
	dsn = os.Getenv("NINSHOU_TEST_POSTGRES")
	if dsn == "" {
		dsn = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("PostgreSQL unreachable and CI is set: %v", err)
		}
		t.Skipf("SKIPPING: no PostgreSQL: %v", err)
	}
	defer conn.Close(context.Background())
	b := make([]byte, 8)
	rand.Read(b)
	schema = "ninshou_test_" + hex.EncodeToString(b)
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+pgx.Identifier{schema}.Sanitize()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		conn, err := pgx.Connect(context.Background(), dsn)
		if err != nil {
			t.Error(err)
			return
		}
		defer conn.Close(context.Background())
		conn.Exec(context.Background(), "DROP SCHEMA "+pgx.Identifier{schema}.Sanitize()+" CASCADE")
	})
	return dsn, schema
}
