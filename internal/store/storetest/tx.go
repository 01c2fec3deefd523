package storetest

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/ninshou/ninshou/internal/store"
)

// testPoolDeleteCascades: deleting a pool deletes every row in it and
// nothing of another pool; outbox messages outlive it.
func testPoolDeleteCascades(t *testing.T, f *fixture) {
	f.seedPools("A", "B")
	var msg *store.Message
	seed := func(pool string) func(tx store.Tx) error {
		return func(tx store.Tx) error {
			for _, err := range []error{
				tx.Clients().Create(newClient(pool, "client-"+pool)),
				tx.Users().Create(fullUser(pool, "sub-1", "alice")),
				tx.Sessions().Create(newSession(pool, "s-"+pool)),
				tx.Codes().Put(newCode(pool, "sub-1", "signup")),
				tx.TokenFamilies().Create(newFamily(pool, "fam-"+pool, "sub-1")),
				tx.RefreshTokens().Create(newRefresh("fam-"+pool, "rt-"+pool)),
				tx.Keys().Create(newKey(pool, "k1", t0)),
			} {
				if err != nil {
					return err
				}
			}
			msg = newMessage(pool, "alice@example.com")
			return tx.Outbox().Enqueue(msg)
		}
	}
	f.update(seed("A"))
	f.update(seed("B"))
	f.update(func(tx store.Tx) error { return tx.Pools().Delete("A") })

	gone := func(pool string) map[string]error {
		var errs map[string]error
		f.view(func(tx store.Tx) error {
			_, pErr := tx.Pools().Get(pool)
			_, cErr := tx.Clients().Get("client-" + pool)
			_, uErr := tx.Users().Get(pool, "sub-1")
			_, aErr := tx.Users().GetByAlias(pool, store.Alias{Kind: "email", Key: "alice@example.com"})
			_, sErr := tx.Sessions().Get([]byte("hash-s-" + pool))
			_, kErr := tx.Codes().Get(pool, "sub-1", "signup")
			_, fErr := tx.TokenFamilies().Get("fam-" + pool)
			_, rErr := tx.RefreshTokens().Get([]byte("rt-" + pool))
			keys, err := tx.Keys().List(pool)
			if err != nil {
				return err
			}
			var keyErr error
			if len(keys) == 0 {
				keyErr = store.ErrNotFound
			}
			n, err := tx.Users().Count(pool)
			if err != nil {
				return err
			}
			var countErr error
			if n == 0 {
				countErr = store.ErrNotFound
			}
			errs = map[string]error{
				"pool": pErr, "client": cErr, "user": uErr, "alias": aErr, "session": sErr, "code": kErr,
				"family": fErr, "refresh": rErr, "keys": keyErr, "count": countErr,
			}
			return nil
		})
		return errs
	}
	// At once: everything reached without naming the pool.
	for what, err := range gone("A") {
		switch what {
		case "user", "alias", "count":
			continue // until purged
		}
		if !errors.Is(err, store.ErrNotFound) {
			t.Errorf("pool A deleted, but its %s is still there (%v)", what, err)
		}
	}
	f.purge(100)
	for what, err := range gone("A") {
		if !errors.Is(err, store.ErrNotFound) {
			t.Errorf("pool A deleted and purged, but its %s is still there (%v)", what, err)
		}
	}
	for what, err := range gone("B") {
		if err != nil {
			t.Errorf("pool A deleted, and pool B's %s is gone too (%v)", what, err)
		}
	}
	var ms []*store.Message
	f.view(func(tx store.Tx) (err error) { ms, err = tx.Outbox().List(0, 0); return err })
	if len(ms) != 2 {
		t.Errorf("outbox has %d messages after the pool delete, want 2 (messages outlive their pool)", len(ms))
	}

	// The pool's keys are free again once it is purged: the same IDs can be
	// created anew.
	f.seedPools("A")
	f.update(seed("A"))
}

var errAbort = errors.New("abort")

// testRollbackOnError: when fn returns an error, Update returns it and keeps
// nothing fn wrote.
func testRollbackOnError(t *testing.T, f *fixture) {
	f.seedPools("A")
	err := f.try(func(tx store.Tx) error {
		if err := tx.Users().Create(fullUser("A", "sub-1", "alice")); err != nil {
			return err
		}
		if err := tx.Pools().Create(newPool("B")); err != nil {
			return err
		}
		// Reads inside the transaction see its own writes.
		if _, err := tx.Users().Get("A", "sub-1"); err != nil {
			t.Errorf("Get inside the writing tx: %v", err)
		}
		return errAbort
	})
	wantErr(t, "Update", err, errAbort)
	assertEmpty(t, f)
}

// testRollbackOnPanic: when fn panics, Update rolls back and the panic goes
// on to the caller.
func testRollbackOnPanic(t *testing.T, f *fixture) {
	f.seedPools("A")
	func() {
		defer func() {
			if p := recover(); p != "boom" {
				t.Errorf("recovered %v, want the panic value \"boom\"", p)
			}
		}()
		_ = f.s.Update(f.ctx, func(tx store.Tx) error {
			if err := tx.Users().Create(fullUser("A", "sub-1", "alice")); err != nil {
				return err
			}
			if err := tx.Pools().Create(newPool("B")); err != nil {
				return err
			}
			panic("boom")
		})
		t.Error("Update returned instead of panicking")
	}()
	assertEmpty(t, f)
	// The store still works after the panic.
	f.update(func(tx store.Tx) error { return tx.Pools().Create(newPool("C")) })
}

// assertEmpty checks that pool A has no users and pool B does not exist.
func assertEmpty(t *testing.T, f *fixture) {
	t.Helper()
	f.view(func(tx store.Tx) error {
		if _, err := tx.Users().Get("A", "sub-1"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("user written by a rolled-back Update: Get = %v, want ErrNotFound", err)
		}
		if _, err := tx.Users().GetByAlias("A", store.Alias{Kind: "email", Key: "alice@example.com"}); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("alias written by a rolled-back Update: GetByAlias = %v, want ErrNotFound", err)
		}
		if _, err := tx.Pools().Get("B"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("pool written by a rolled-back Update: Get = %v, want ErrNotFound", err)
		}
		return nil
	})
}

// testViewCannotWrite: every write through a View transaction fails, and
// nothing is written.
func testViewCannotWrite(t *testing.T, f *fixture) {
	f.seedPools("A")
	writes := map[string]func(tx store.Tx) error{
		"Pools.Create": func(tx store.Tx) error { return tx.Pools().Create(newPool("B")) },
		"Pools.Delete": func(tx store.Tx) error { return tx.Pools().Delete("A") },
		"Users.Create": func(tx store.Tx) error { return tx.Users().Create(fullUser("A", "sub-1", "alice")) },
		"Outbox.Enqueue": func(tx store.Tx) error {
			return tx.Outbox().Enqueue(newMessage("A", "x@example.com"))
		},
		"Sessions.DeleteExpired": func(tx store.Tx) error {
			_, err := tx.Sessions().DeleteExpired(at(time.Hour))
			return err
		},
	}
	for name, w := range writes {
		var inner error
		err := f.peek(func(tx store.Tx) error { inner = w(tx); return nil })
		if inner == nil {
			t.Errorf("%s inside View succeeded, want an error", name)
		}
		if err != nil {
			t.Errorf("View after a failed %s: %v", name, err)
		}
	}
	f.view(func(tx store.Tx) error {
		if _, err := tx.Pools().Get("A"); err != nil {
			t.Errorf("pool A after Pools.Delete inside View: %v", err)
		}
		return nil
	})
	assertEmpty(t, f)
	var ms []*store.Message
	f.view(func(tx store.Tx) (err error) { ms, err = tx.Outbox().List(0, 0); return err })
	if len(ms) != 0 {
		t.Errorf("outbox has %d messages enqueued inside View", len(ms))
	}
}

// testVersionConflictAcrossTransactions: two writers that read the same
// version: the first Update wins, the second sees ErrConflict (for pools,
// clients and users alike).
func testVersionConflictAcrossTransactions(t *testing.T, f *fixture) {
	f.seedPools("A")
	f.update(func(tx store.Tx) error {
		if err := tx.Clients().Create(newClient("A", "c1")); err != nil {
			return err
		}
		return tx.Users().Create(newUser("A", "sub-1", "alice"))
	})
	var p1, p2 *store.Pool
	var c1, c2 *store.Client
	var u1, u2 *store.User
	f.view(func(tx store.Tx) (err error) {
		if p1, err = tx.Pools().Get("A"); err != nil {
			return err
		}
		if c1, err = tx.Clients().Get("c1"); err != nil {
			return err
		}
		u1, err = tx.Users().Get("A", "sub-1")
		return err
	})
	pc, cc, uc := *p1, *c1, *u1
	p2, c2, u2 = &pc, &cc, &uc
	p1.Name, c1.Name, u1.Status = "first", "first", "first"
	p2.Name, c2.Name, u2.Status = "second", "second", "second"
	f.update(func(tx store.Tx) error {
		if err := tx.Pools().Update(p1); err != nil {
			return err
		}
		if err := tx.Clients().Update(c1); err != nil {
			return err
		}
		return tx.Users().Update(u1)
	})
	wantErr(t, "second pool Update", f.try(func(tx store.Tx) error { return tx.Pools().Update(p2) }), store.ErrConflict)
	wantErr(t, "second client Update", f.try(func(tx store.Tx) error { return tx.Clients().Update(c2) }), store.ErrConflict)
	wantErr(t, "second user Update", f.try(func(tx store.Tx) error { return tx.Users().Update(u2) }), store.ErrConflict)
	f.view(func(tx store.Tx) error {
		p, err := tx.Pools().Get("A")
		if err != nil {
			return err
		}
		c, err := tx.Clients().Get("c1")
		if err != nil {
			return err
		}
		u, err := tx.Users().Get("A", "sub-1")
		if err != nil {
			return err
		}
		same(t, "pool", p, p1)
		same(t, "client", c, c1)
		same(t, "user", u, u1)
		return nil
	})
	// Updating again from the returned version works: Version was bumped.
	u1.Status = "third"
	f.update(func(tx store.Tx) error { return tx.Users().Update(u1) })
	if u1.Version != 3 {
		t.Errorf("Version after two updates = %d, want 3", u1.Version)
	}
}

// testConcurrentUpdatesIndependent: many Updates at once, a third of them
// failing after writing and a third panicking after writing. Every Update
// that returned nil has its writes; every other has none, and its failure
// reached only itself (a backend may let concurrent Updates share a commit,
// as the SQLite one does, but never their outcomes).
func testConcurrentUpdatesIndependent(t *testing.T, f *fixture) {
	f.seedPools("A")
	const n = 48
	errFail := errors.New("refused after writing")
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			defer func() {
				if p := recover(); p != nil {
					if p != "boom" {
						t.Errorf("Update %d: recovered %v, want \"boom\"", i, p)
					}
					errs[i] = errors.New("panicked")
				}
			}()
			errs[i] = f.s.Update(f.ctx, func(tx store.Tx) error {
				u := newUser("A", fmt.Sprintf("sub-%d", i), fmt.Sprintf("user-%d", i))
				u.Aliases = nil
				if err := tx.Users().Create(u); err != nil {
					return err
				}
				switch i % 3 {
				case 1:
					return errFail
				case 2:
					panic("boom")
				}
				return nil
			})
		})
	}
	wg.Wait()
	f.view(func(tx store.Tx) error {
		for i, err := range errs {
			_, getErr := tx.Users().Get("A", fmt.Sprintf("sub-%d", i))
			switch i % 3 {
			case 0:
				if err != nil || getErr != nil {
					t.Errorf("Update %d succeeds: returned %v, then Get = %v; want nil, nil", i, err, getErr)
				}
			case 1:
				if !errors.Is(err, errFail) || !errors.Is(getErr, store.ErrNotFound) {
					t.Errorf("Update %d fails: returned %v, then Get = %v; want its own error, ErrNotFound", i, err, getErr)
				}
			case 2:
				if err == nil || !errors.Is(getErr, store.ErrNotFound) {
					t.Errorf("Update %d panics: returned %v, then Get = %v; want the panic, ErrNotFound", i, err, getErr)
				}
			}
		}
		return nil
	})
}

// testUpdateBulk: UpdateBulk commits and rolls back as Update does, and
// its writes are seen by the next transaction.
func testUpdateBulk(t *testing.T, f *fixture) {
	f.seedPools("A")
	err := f.s.UpdateBulk(f.ctx, func(tx store.Tx) error {
		if err := tx.Users().Create(fullUser("A", "sub-1", "alice")); err != nil {
			return err
		}
		return errAbort
	})
	wantErr(t, "UpdateBulk", err, errAbort)
	assertEmpty(t, f)

	if err := f.s.UpdateBulk(f.ctx, func(tx store.Tx) error {
		for i := range 50 {
			if err := tx.Users().Create(newUser("A", fmt.Sprintf("sub-%d", i), fmt.Sprintf("user%d", i))); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatalf("UpdateBulk: %v", err)
	}
	f.view(func(tx store.Tx) error {
		for i := range 50 {
			if _, err := tx.Users().Get("A", fmt.Sprintf("sub-%d", i)); err != nil {
				t.Errorf("user %d after UpdateBulk: %v", i, err)
			}
		}
		return nil
	})
}

// testPoolPurgeInSteps: a deleted pool vanishes from every pool read at once
// and its ID stays taken; PurgeDeleted removes its users at most limit at a
// time, then the pool, then reports 0; another pool is untouched.
func testPoolPurgeInSteps(t *testing.T, f *fixture) {
	f.seedPools("A", "B")
	f.seedUsers("A", "s1", "s2", "s3", "s4", "s5")
	f.seedUsers("B", "s1", "s2")
	f.update(func(tx store.Tx) error { return tx.Pools().Delete("A") })

	err := f.try(func(tx store.Tx) error { return tx.Pools().Delete("A") })
	wantErr(t, "Delete of a deleted pool", err, store.ErrNotFound)
	err = f.try(func(tx store.Tx) error { _, err := tx.Pools().Lock("A"); return err })
	wantErr(t, "Lock of a deleted pool", err, store.ErrNotFound)
	err = f.try(func(tx store.Tx) error {
		p := newPool("A")
		p.Version = 1
		return tx.Pools().Update(p)
	})
	wantErr(t, "Update of a deleted pool", err, store.ErrNotFound)
	err = f.peek(func(tx store.Tx) error { _, err := tx.Pools().Get("A"); return err })
	wantErr(t, "Get of a deleted pool", err, store.ErrNotFound)
	f.view(func(tx store.Tx) error {
		pools, _, err := tx.Pools().List(store.Page{})
		if err != nil {
			return err
		}
		if len(pools) != 1 || pools[0].ID != "B" {
			t.Errorf("List after deleting A: %d pools, want only B", len(pools))
		}
		return nil
	})
	err = f.try(func(tx store.Tx) error { return tx.Pools().Create(newPool("A")) })
	wantErr(t, "Create with the ID of a deleted, unpurged pool", err, store.ErrExists)

	if diff := cmp.Diff([]int64{2, 2, 1, 1, 0}, f.purge(2)); diff != "" {
		t.Errorf("PurgeDeleted(2) per call (-want +got): 5 users, then the pool, then nothing:\n%s", diff)
	}
	f.view(func(tx store.Tx) error {
		if n, err := tx.Users().Count("A"); err != nil || n != 0 {
			t.Errorf("pool A purged: Count = %d, %v; want 0", n, err)
		}
		if n, err := tx.Users().Count("B"); err != nil || n != 2 {
			t.Errorf("pool A purged: pool B's Count = %d, %v; want 2", n, err)
		}
		return nil
	})
	f.seedPools("A")
	f.seedUsers("A", "s1")
}
