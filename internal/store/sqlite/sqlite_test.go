package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/ninshou/ninshou/internal/store"
	"github.com/ninshou/ninshou/internal/store/storetest"
)

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store {
		return openTemp(t)
	})
}

// openTemp opens a store in a fresh file; the caller closes it.
func openTemp(t testing.TB) *Store {
	t.Helper()
	s, err := Open(filepath.Join(t.TempDir(), "ninshou.db"))
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	return s
}

// TestOpenCreatesDirectoryAndPrivateFile: Open creates missing directories
// and a database file only its owner can read (it holds password hashes).
func TestOpenCreatesDirectoryAndPrivateFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "a", "b", "ninshou.db")
	s, err := Open(path)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer s.Close()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if perm := fi.Mode().Perm(); perm&0o077 != 0 {
		t.Errorf("database file mode %v, want no group/other access", perm)
	}
}

// TestPragmas: the writer runs WAL, synchronous=FULL, foreign keys on; a
// reader connection is read-only.
func TestPragmas(t *testing.T) {
	s := openTemp(t)
	defer s.Close()
	for _, c := range []struct {
		db     *sql.DB
		pragma string
		want   string
	}{
		{s.writer, "journal_mode", "wal"},
		{s.writer, "synchronous", "2"}, // FULL
		{s.writer, "foreign_keys", "1"},
		{s.writer, "busy_timeout", "10000"},
		{s.writer, "temp_store", "2"}, // MEMORY
		{s.reader, "journal_mode", "wal"},
		{s.reader, "busy_timeout", "10000"},
	} {
		var got string
		if err := c.db.QueryRow("PRAGMA " + c.pragma).Scan(&got); err != nil {
			t.Fatalf("PRAGMA %s: %v", c.pragma, err)
		}
		if got != c.want {
			t.Errorf("PRAGMA %s = %q, want %q", c.pragma, got, c.want)
		}
	}
	if _, err := s.reader.Exec(`INSERT INTO schema_migrations (version, applied_at) VALUES (999, 0)`); err == nil {
		t.Error("a write through the reader pool succeeded")
	}
}

// TestMigrationsRecorded: every embedded migration is applied once and
// recorded; reopening applies nothing new.
func TestMigrationsRecorded(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ninshou.db")
	ms, err := migrations()
	if err != nil {
		t.Fatal(err)
	}
	for range 2 {
		s, err := Open(path)
		if err != nil {
			t.Fatalf("Open: %v", err)
		}
		var n, maxV int
		if err := s.writer.QueryRow(`SELECT count(*), max(version) FROM schema_migrations`).Scan(&n, &maxV); err != nil {
			t.Fatal(err)
		}
		if n != len(ms) || maxV != len(ms) {
			t.Errorf("schema_migrations has %d rows up to version %d, want %d", n, maxV, len(ms))
		}
		s.Close()
	}
}

// TestOpenRefusesNewerSchema: a database migrated by a newer binary is not
// opened.
func TestOpenRefusesNewerSchema(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ninshou.db")
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.writer.Exec(`INSERT INTO schema_migrations (version, applied_at) VALUES (9999, 0)`); err != nil {
		t.Fatal(err)
	}
	s.Close()
	s, err = Open(path)
	if !errors.Is(err, ErrSchemaTooNew) {
		if s != nil {
			s.Close()
		}
		t.Fatalf("Open of a newer schema: err = %v, want ErrSchemaTooNew", err)
	}
}

// TestBadCursor: a cursor that is not ours is an error, not a silent
// restart from the first page.
func TestBadCursor(t *testing.T) {
	s := openTemp(t)
	defer s.Close()
	err := s.View(context.Background(), func(tx store.Tx) error {
		_, _, err := tx.Pools().List(store.Page{After: "!!not base64!!"})
		return err
	})
	if !errors.Is(err, errBadCursor) {
		t.Errorf("List with a bad cursor: %v, want errBadCursor", err)
	}
}

// TestStatementsPrepared: every registered statement prepares against the
// migrated schema (Open would fail otherwise), and lookups hit the cache.
func TestStatementsPrepared(t *testing.T) {
	s := openTemp(t)
	defer s.Close()
	if len(s.writeStmts) != len(registry) {
		t.Errorf("%d write statements prepared, registry has %d", len(s.writeStmts), len(registry))
	}
	if _, ok := s.readStmts[qUserGet]; !ok {
		t.Error("qUserGet is not prepared on the reader pool")
	}
}

func benchUser(i int) *store.User {
	name := fmt.Sprintf("user%07d", i)
	return &store.User{
		PoolID: "pool", Sub: fmt.Sprintf("sub-%07d", i), Username: name, UsernameKey: name,
		Status: "CONFIRMED", Enabled: true,
		Attributes:   map[string]string{"email": name + "@example.com", "email_verified": "true"},
		Aliases:      []store.Alias{{Kind: "email", Key: name + "@example.com"}},
		PasswordHash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNo",
		CreatedAt:    time.Now(), UpdatedAt: time.Now(),
	}
}

func benchStore(b *testing.B, users int) *Store {
	s := openTemp(b)
	b.Cleanup(func() { s.Close() })
	ctx := context.Background()
	err := s.Update(ctx, func(tx store.Tx) error {
		if err := tx.Pools().Create(&store.Pool{ID: "pool", Name: "bench"}); err != nil {
			return err
		}
		for i := range users {
			if err := tx.Users().Create(benchUser(i)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	return s
}

// BenchmarkGetUser reads one user with its aliases in a View, as
// AdminGetUser does.
func BenchmarkGetUser(b *testing.B) {
	const users = 10000
	s := benchStore(b, users)
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			i = (i + 7919) % users
			err := s.View(ctx, func(tx store.Tx) error {
				_, err := tx.Users().GetByUsername("pool", fmt.Sprintf("user%07d", i))
				return err
			})
			if err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// BenchmarkCreateUser commits one user per Update, each fsynced
// (synchronous=FULL): the cost of an acknowledged SignUp write.
func BenchmarkCreateUser(b *testing.B) {
	s := benchStore(b, 0)
	ctx := context.Background()
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		u := benchUser(i)
		i++
		if err := s.Update(ctx, func(tx store.Tx) error { return tx.Users().Create(u) }); err != nil {
			b.Fatal(err)
		}
	}
}
