package storetest

import (
	"fmt"
	"testing"
	"time"

	"github.com/ninshou/ninshou/internal/store"
)

func testPools(t *testing.T, f *fixture) {
	p := newPool("us-east-1_aaa")
	f.update(func(tx store.Tx) error { return tx.Pools().Create(p) })
	if p.Version != 1 {
		t.Errorf("Create set Version = %d, want 1", p.Version)
	}
	var got *store.Pool
	f.view(func(tx store.Tx) (err error) { got, err = tx.Pools().Get(p.ID); return err })
	same(t, "Get after Create", got, p)

	err := f.try(func(tx store.Tx) error { return tx.Pools().Create(newPool(p.ID)) })
	wantExists(t, "Create duplicate pool", err, "pool")

	// Update writes every field and bumps the version.
	up := *got
	up.Name, up.Settings, up.UpdatedAt = "renamed", []byte("{}"), at(time.Hour)
	f.update(func(tx store.Tx) error { return tx.Pools().Update(&up) })
	if up.Version != 2 {
		t.Errorf("Update set Version = %d, want 2", up.Version)
	}
	f.view(func(tx store.Tx) (err error) { got, err = tx.Pools().Get(p.ID); return err })
	same(t, "Get after Update", got, &up)

	// A stale version loses.
	stale := up
	stale.Version = 1
	err = f.try(func(tx store.Tx) error { return tx.Pools().Update(&stale) })
	wantErr(t, "Update with stale version", err, store.ErrConflict)
	if stale.Version != 1 {
		t.Errorf("failed Update changed Version to %d", stale.Version)
	}

	// Lock reads the same pool, for writing.
	f.update(func(tx store.Tx) (err error) { got, err = tx.Pools().Lock(p.ID); return err })
	same(t, "Lock", got, &up)

	missing := newPool("nope")
	missing.Version = 1
	err = f.peek(func(tx store.Tx) error { _, err := tx.Pools().Get("nope"); return err })
	wantErr(t, "Get missing", err, store.ErrNotFound)
	err = f.try(func(tx store.Tx) error { _, err := tx.Pools().Lock("nope"); return err })
	wantErr(t, "Lock missing", err, store.ErrNotFound)
	err = f.try(func(tx store.Tx) error { return tx.Pools().Update(missing) })
	wantErr(t, "Update missing", err, store.ErrNotFound)
	err = f.try(func(tx store.Tx) error { return tx.Pools().Delete("nope") })
	wantErr(t, "Delete missing", err, store.ErrNotFound)

	f.update(func(tx store.Tx) error { return tx.Pools().Delete(p.ID) })
	err = f.peek(func(tx store.Tx) error { _, err := tx.Pools().Get(p.ID); return err })
	wantErr(t, "Get after Delete", err, store.ErrNotFound)
}

// testPoolsList: order by creation time then ID, every row exactly once with
// small pages; ties in creation time are broken by ID.
func testPoolsList(t *testing.T, f *fixture) {
	var want []*store.Pool
	f.update(func(tx store.Tx) error {
		// Create out of order; pairs share a creation time.
		for _, i := range []int{6, 2, 9, 0, 4, 7, 1, 8, 3, 5} {
			p := newPool(fmt.Sprintf("pool-%02d", i))
			p.CreatedAt = at(time.Duration(i/2) * time.Minute)
			if err := tx.Pools().Create(p); err != nil {
				return err
			}
		}
		return nil
	})
	for i := range 10 {
		p := newPool(fmt.Sprintf("pool-%02d", i))
		p.CreatedAt, p.Version = at(time.Duration(i/2)*time.Minute), 1
		want = append(want, p)
	}
	for _, limit := range []int{1, 3, 10, 11} {
		var got []*store.Pool
		f.view(func(tx store.Tx) error {
			got = pages(t, tx.Pools().List, limit)
			return nil
		})
		same(t, fmt.Sprintf("List with limit %d", limit), got, want)
	}
	// Limit <= 0 means a default page, not an empty one.
	f.view(func(tx store.Tx) error {
		got, next, err := tx.Pools().List(store.Page{})
		if err != nil {
			return err
		}
		if len(got) != 10 || next != "" {
			t.Errorf("List(Page{}) = %d rows, next %q; want 10, \"\"", len(got), next)
		}
		return nil
	})
}

func newClient(poolID, id string) *store.Client {
	return &store.Client{
		ID:        id,
		PoolID:    poolID,
		Name:      "app " + id,
		Settings:  []byte{0, 1, 2, 255},
		CreatedAt: t0,
		UpdatedAt: at(time.Millisecond),
	}
}

func testClients(t *testing.T, f *fixture) {
	f.seedPools("A", "B")
	c := newClient("A", "client1")
	f.update(func(tx store.Tx) error { return tx.Clients().Create(c) })
	if c.Version != 1 {
		t.Errorf("Create set Version = %d, want 1", c.Version)
	}
	var got *store.Client
	f.view(func(tx store.Tx) (err error) { got, err = tx.Clients().Get("client1"); return err })
	same(t, "Get after Create", got, c)

	// Client IDs are unique across pools.
	err := f.try(func(tx store.Tx) error { return tx.Clients().Create(newClient("B", "client1")) })
	wantExists(t, "Create duplicate client ID in another pool", err, "client")

	// Clarification: a client of a pool that does not exist is ErrNotFound.
	err = f.try(func(tx store.Tx) error { return tx.Clients().Create(newClient("nope", "client2")) })
	wantErr(t, "Create in missing pool", err, store.ErrNotFound)

	up := *got
	up.Name, up.Settings, up.UpdatedAt = "renamed", nil, at(time.Hour)
	f.update(func(tx store.Tx) error { return tx.Clients().Update(&up) })
	if up.Version != 2 {
		t.Errorf("Update set Version = %d, want 2", up.Version)
	}
	f.view(func(tx store.Tx) (err error) { got, err = tx.Clients().Get("client1"); return err })
	same(t, "Get after Update", got, &up)

	stale := up
	stale.Version = 1
	err = f.try(func(tx store.Tx) error { return tx.Clients().Update(&stale) })
	wantErr(t, "Update with stale version", err, store.ErrConflict)

	missing := newClient("A", "nope")
	missing.Version = 1
	err = f.peek(func(tx store.Tx) error { _, err := tx.Clients().Get("nope"); return err })
	wantErr(t, "Get missing", err, store.ErrNotFound)
	err = f.try(func(tx store.Tx) error { return tx.Clients().Update(missing) })
	wantErr(t, "Update missing", err, store.ErrNotFound)
	err = f.try(func(tx store.Tx) error { return tx.Clients().Delete("nope") })
	wantErr(t, "Delete missing", err, store.ErrNotFound)

	f.update(func(tx store.Tx) error { return tx.Clients().Delete("client1") })
	err = f.peek(func(tx store.Tx) error { _, err := tx.Clients().Get("client1"); return err })
	wantErr(t, "Get after Delete", err, store.ErrNotFound)
}

func testClientsList(t *testing.T, f *fixture) {
	f.seedPools("A", "B")
	var want []*store.Client
	f.update(func(tx store.Tx) error {
		for i := range 7 {
			c := newClient("A", fmt.Sprintf("a%d", 6-i))
			c.CreatedAt = at(time.Duration(i/2) * time.Second) // pairs tie: broken by ID
			if err := tx.Clients().Create(c); err != nil {
				return err
			}
			want = append(want, c)
			// Noise in pool B.
			if err := tx.Clients().Create(newClient("B", fmt.Sprintf("b%d", i))); err != nil {
				return err
			}
		}
		return nil
	})
	// Expected order: created_at, then ID.
	order := []string{"a5", "a6", "a3", "a4", "a1", "a2", "a0"}
	byID := map[string]*store.Client{}
	for _, c := range want {
		byID[c.ID] = c
	}
	want = want[:0]
	for _, id := range order {
		want = append(want, byID[id])
	}
	for _, limit := range []int{1, 2, 7, 100} {
		var got []*store.Client
		f.view(func(tx store.Tx) error {
			got = pages(t, func(p store.Page) ([]*store.Client, string, error) { return tx.Clients().List("A", p) }, limit)
			return nil
		})
		same(t, fmt.Sprintf("List(A) with limit %d", limit), got, want)
	}
	f.view(func(tx store.Tx) error {
		got, next, err := tx.Clients().List("nope", store.Page{})
		if err != nil || len(got) != 0 || next != "" {
			t.Errorf("List(missing pool) = %v, %q, %v; want empty", got, next, err)
		}
		return nil
	})
}
