package sqlite

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/ninshou/ninshou/internal/store"
)

// TestGroupCommit: Updates queued behind a running one share its COMMIT,
// and one that fails in the middle of the queue leaves the others' writes
// alone. The queue is built deterministically: the first Update holds the
// writer until the others are waiting for it.
func TestGroupCommit(t *testing.T) {
	s := openTemp(t)
	defer s.Close()
	ctx := context.Background()
	if err := s.Update(ctx, func(tx store.Tx) error {
		return tx.Pools().Create(&store.Pool{ID: "pool", Name: "p"})
	}); err != nil {
		t.Fatal(err)
	}
	before := s.commits.Load()

	const queued = 10
	release, holding := make(chan struct{}), make(chan struct{})
	errs := make([]error, queued+1)
	var wg sync.WaitGroup
	wg.Go(func() {
		errs[0] = s.Update(ctx, func(tx store.Tx) error {
			close(holding)
			<-release
			return tx.Users().Create(benchUser(0))
		})
	})
	<-holding // the first holds the writer
	refused := errors.New("refused")
	for i := 1; i <= queued; i++ {
		wg.Go(func() {
			errs[i] = s.Update(ctx, func(tx store.Tx) error {
				if err := tx.Users().Create(benchUser(i)); err != nil {
					return err
				}
				if i == 5 {
					return refused
				}
				return nil
			})
		})
	}
	for s.waiting.Load() != queued {
		time.Sleep(time.Millisecond)
	}
	close(release)
	wg.Wait()

	if got := s.commits.Load() - before; got != 1 {
		t.Errorf("%d Updates (one refused) took %d COMMITs, want 1", queued+1, got)
	}
	for i, err := range errs {
		err2 := s.View(ctx, func(tx store.Tx) error {
			_, err := tx.Users().GetByUsername("pool", fmt.Sprintf("user%07d", i))
			return err
		})
		if i == 5 {
			if !errors.Is(err, refused) || !errors.Is(err2, store.ErrNotFound) {
				t.Errorf("refused Update: returned %v, user lookup %v; want refused, ErrNotFound", err, err2)
			}
			continue
		}
		if err != nil || err2 != nil {
			t.Errorf("Update %d: returned %v, user lookup %v; want nil, nil", i, err, err2)
		}
	}
}

// TestGroupCommitCanceledWaiter: an Update whose context ends while it
// queues returns the context's error, writes nothing, and does not strand
// the batch it would have joined.
func TestGroupCommitCanceledWaiter(t *testing.T) {
	s := openTemp(t)
	defer s.Close()
	ctx := context.Background()
	release, holding := make(chan struct{}), make(chan struct{})
	var first error
	var wg sync.WaitGroup
	wg.Go(func() {
		first = s.Update(ctx, func(tx store.Tx) error {
			close(holding)
			<-release
			return tx.Pools().Create(&store.Pool{ID: "p1", Name: "p1"})
		})
	})
	<-holding
	cctx, cancel := context.WithCancel(ctx)
	var second error
	wg.Go(func() {
		second = s.Update(cctx, func(tx store.Tx) error {
			return tx.Pools().Create(&store.Pool{ID: "p2", Name: "p2"})
		})
	})
	for s.waiting.Load() != 1 {
		time.Sleep(time.Millisecond)
	}
	cancel()
	close(release)
	wg.Wait()
	if first != nil || !errors.Is(second, context.Canceled) {
		t.Fatalf("first = %v, second = %v; want nil, context.Canceled", first, second)
	}
	s.View(ctx, func(tx store.Tx) error {
		if _, err := tx.Pools().Get("p1"); err != nil {
			t.Errorf("p1: %v, want committed", err)
		}
		if _, err := tx.Pools().Get("p2"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("p2: %v, want ErrNotFound", err)
		}
		return nil
	})
}

// TestUpdateBulkHasItsOwnTransaction: an UpdateBulk that queues behind a
// running Update does not join its batch (where it would run fenced in a
// savepoint, and SQLite would keep a copy of every page it touches in
// memory until it ended): the open batch commits first, and the bulk fn
// runs first in a new transaction, so the Updates queued behind it join it.
func TestUpdateBulkHasItsOwnTransaction(t *testing.T) {
	s := openTemp(t)
	defer s.Close()
	ctx := context.Background()
	if err := s.Update(ctx, func(tx store.Tx) error {
		return tx.Pools().Create(&store.Pool{ID: "pool", Name: "p"})
	}); err != nil {
		t.Fatal(err)
	}
	before := s.commits.Load()

	release, holding := make(chan struct{}), make(chan struct{})
	var first, bulk, after error
	membersBeforeBulk := -1
	var wg sync.WaitGroup
	wg.Go(func() {
		first = s.Update(ctx, func(tx store.Tx) error {
			close(holding)
			<-release
			return tx.Users().Create(benchUser(0))
		})
	})
	<-holding
	bulkRunning, bulkRelease := make(chan struct{}), make(chan struct{})
	wg.Go(func() {
		bulk = s.UpdateBulk(ctx, func(tx store.Tx) error {
			membersBeforeBulk = s.open.members // s.wmu is held: no race
			close(bulkRunning)
			<-bulkRelease
			for i := 1; i <= 100; i++ {
				if err := tx.Users().Create(benchUser(i)); err != nil {
					return err
				}
			}
			return nil
		})
	})
	for s.waiting.Load() != 1 {
		time.Sleep(time.Millisecond)
	}
	close(release)
	<-bulkRunning
	wg.Go(func() {
		after = s.Update(ctx, func(tx store.Tx) error {
			return tx.Users().Create(benchUser(101))
		})
	})
	for s.waiting.Load() != 1 {
		time.Sleep(time.Millisecond)
	}
	close(bulkRelease)
	wg.Wait()

	if first != nil || bulk != nil || after != nil {
		t.Fatalf("Update, UpdateBulk, Update = %v, %v, %v; want nil", first, bulk, after)
	}
	if membersBeforeBulk != 0 {
		t.Errorf("the bulk fn ran after %d other members in its transaction, want 0 (first)", membersBeforeBulk)
	}
	// One COMMIT for the running Update, one for the bulk write and the
	// Update that queued behind it and joined.
	if got := s.commits.Load() - before; got != 2 {
		t.Errorf("took %d COMMITs, want 2", got)
	}
	s.View(ctx, func(tx store.Tx) error {
		for i := 0; i <= 101; i++ {
			if _, err := tx.Users().GetByUsername("pool", fmt.Sprintf("user%07d", i)); err != nil {
				t.Errorf("user %d: %v", i, err)
			}
		}
		return nil
	})
}
