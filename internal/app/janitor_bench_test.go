package app

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/ninshou/ninshou/internal/store"
	"github.com/ninshou/ninshou/internal/store/sqlite"
)

// BenchmarkPurgeDeletedPool times the janitor removing a deleted pool of
// 20,000 users (SQLite) while another client writes a user every 2 ms, and
// reports the slowest of those writes: what a purge costs everyone else.
// One transaction for the whole pool would hold the writer throughout.
//
//	go test ./internal/app -run '^$' -bench PurgeDeletedPool -benchtime 3x
func BenchmarkPurgeDeletedPool(b *testing.B) {
	const users = 20000
	s, err := sqlite.Open(filepath.Join(b.TempDir(), "ninshou.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	now := time.Now()
	if err := s.Update(ctx, func(tx store.Tx) error {
		return tx.Pools().Create(&store.Pool{ID: "live", Name: "live", CreatedAt: now, UpdatedAt: now})
	}); err != nil {
		b.Fatal(err)
	}
	j := &Janitor{Store: s, Log: slog.New(slog.DiscardHandler)}
	var slowest time.Duration
	writes := 0
	for i := 0; b.Loop(); i++ {
		b.StopTimer()
		pool := fmt.Sprintf("gone%d", i)
		seedPool(b, s, pool, users, now)
		if err := s.Update(ctx, func(tx store.Tx) error { return tx.Pools().Delete(pool) }); err != nil {
			b.Fatal(err)
		}
		done, stopped := make(chan struct{}), make(chan struct{})
		go func() {
			defer close(stopped)
			for k := 0; ; k++ {
				select {
				case <-done:
					return
				case <-time.After(2 * time.Millisecond):
				}
				start := time.Now()
				sub := fmt.Sprintf("w%d-%d", i, k)
				if err := s.Update(ctx, func(tx store.Tx) error {
					return tx.Users().Create(&store.User{PoolID: "live", Sub: sub, Username: sub, UsernameKey: sub,
						Status: "CONFIRMED", Enabled: true, CreatedAt: now, UpdatedAt: now})
				}); err != nil {
					b.Error(err)
					return
				}
				slowest = max(slowest, time.Since(start))
				writes++
			}
		}()
		b.StartTimer()
		p, err := j.Purge(ctx)
		b.StopTimer()
		close(done)
		<-stopped
		if err != nil || p.OfDeletedPools != users+1 {
			b.Fatalf("Purge = %+v, %v; want %d users and the pool", p, err, users)
		}
		b.StartTimer()
	}
	b.ReportMetric(float64(users)*float64(b.N)/b.Elapsed().Seconds(), "users/s")
	b.ReportMetric(float64(slowest.Microseconds())/1000, "slowest-write-ms")
	b.ReportMetric(float64(writes)/float64(b.N), "writes/op")
}

// seedPool creates pool with n users, each with an email alias and three
// attributes (about 5 search entries), 1,000 per transaction.
func seedPool(b *testing.B, s store.Store, pool string, n int, now time.Time) {
	b.Helper()
	ctx := context.Background()
	if err := s.Update(ctx, func(tx store.Tx) error {
		return tx.Pools().Create(&store.Pool{ID: pool, Name: pool, CreatedAt: now, UpdatedAt: now})
	}); err != nil {
		b.Fatal(err)
	}
	for done := 0; done < n; done += 1000 {
		if err := s.UpdateBulk(ctx, func(tx store.Tx) error {
			for range min(1000, n-done) {
				id := uuid.NewString()
				if err := tx.Users().Create(&store.User{PoolID: pool, Sub: id, Username: id, UsernameKey: id,
					Status: "CONFIRMED", Enabled: true,
					Attributes: map[string]string{"email": id + "@example.com", "given_name": "Ada", "family_name": "Lovelace"},
					Aliases:    []store.Alias{{Kind: "email", Key: id + "@example.com"}},
					CreatedAt:  now, UpdatedAt: now}); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			b.Fatal(err)
		}
	}
}
