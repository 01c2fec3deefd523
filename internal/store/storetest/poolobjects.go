package storetest

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/ninshou/ninshou/internal/store"
)

func newPoolObject(pool, kind, key string) *store.PoolObject {
	return &store.PoolObject{PoolID: pool, Kind: kind, Key: key,
		Body:      []byte(`{"k":"` + key + `"}` + "\x00\xff"),
		CreatedAt: t0, UpdatedAt: at(time.Second)}
}

// testPoolObjects: Create, Get, Update with its version, Delete, Count,
// keys unique by pool and kind, and nothing written inside View.
func testPoolObjects(t *testing.T, f *fixture) {
	f.seedPools("A", "B")
	o := newPoolObject("A", "resource-server", "https://api.example.com")
	f.update(func(tx store.Tx) error { return tx.PoolObjects().Create(o) })
	if o.Version != 1 {
		t.Errorf("Create set Version = %d, want 1", o.Version)
	}
	get := func(pool, kind, key string) (*store.PoolObject, error) {
		var got *store.PoolObject
		err := f.peek(func(tx store.Tx) (err error) { got, err = tx.PoolObjects().Get(pool, kind, key); return err })
		return got, err
	}
	got, err := get("A", "resource-server", "https://api.example.com")
	if err != nil {
		t.Fatal(err)
	}
	same(t, "Get after Create", got, o)

	// The same key in another kind or pool is another object; in the same
	// pool and kind it exists.
	f.update(func(tx store.Tx) error {
		if err := tx.PoolObjects().Create(newPoolObject("A", "other-kind", o.Key)); err != nil {
			return err
		}
		return tx.PoolObjects().Create(newPoolObject("B", "resource-server", o.Key))
	})
	err = f.try(func(tx store.Tx) error { return tx.PoolObjects().Create(newPoolObject("A", "resource-server", o.Key)) })
	var ee *store.ExistsError
	if !errors.As(err, &ee) || ee.What != "resource-server" {
		t.Errorf("Create of an existing key: %v, want ExistsError{resource-server}", err)
	}
	err = f.try(func(tx store.Tx) error { return tx.PoolObjects().Create(newPoolObject("nope", "resource-server", "x")) })
	wantErr(t, "Create in a missing pool", err, store.ErrNotFound)
	// The transaction goes on after a failed Create.
	f.update(func(tx store.Tx) error {
		err := tx.PoolObjects().Create(newPoolObject("A", "resource-server", o.Key))
		if !errors.As(err, &ee) {
			t.Errorf("Create of an existing key, then more: %v", err)
		}
		return tx.PoolObjects().Create(newPoolObject("A", "resource-server", "second"))
	})

	// Update writes Body and UpdatedAt, bumps Version, and refuses a stale one.
	up := *got
	up.Body, up.UpdatedAt = []byte("{}"), at(time.Hour)
	f.update(func(tx store.Tx) error { return tx.PoolObjects().Update(&up) })
	if up.Version != 2 {
		t.Errorf("Update set Version = %d, want 2", up.Version)
	}
	got, err = get("A", "resource-server", o.Key)
	if err != nil {
		t.Fatal(err)
	}
	same(t, "Get after Update", got, &up)
	stale := up
	stale.Version = 1
	stale.Body = []byte("stale")
	err = f.try(func(tx store.Tx) error { return tx.PoolObjects().Update(&stale) })
	wantErr(t, "Update with a stale version", err, store.ErrConflict)
	missing := newPoolObject("A", "resource-server", "nope")
	missing.Version = 1
	err = f.try(func(tx store.Tx) error { return tx.PoolObjects().Update(missing) })
	wantErr(t, "Update of a missing object", err, store.ErrNotFound)

	count := func(pool, kind string) int {
		var n int
		f.view(func(tx store.Tx) (err error) { n, err = tx.PoolObjects().Count(pool, kind); return err })
		return n
	}
	for _, c := range []struct {
		pool, kind string
		want       int
	}{{"A", "resource-server", 2}, {"A", "other-kind", 1}, {"B", "resource-server", 1}, {"B", "other-kind", 0}, {"nope", "resource-server", 0}} {
		if n := count(c.pool, c.kind); n != c.want {
			t.Errorf("Count(%s, %s) = %d, want %d", c.pool, c.kind, n, c.want)
		}
	}

	// Delete removes one object; again, or a missing one, is ErrNotFound.
	f.update(func(tx store.Tx) error { return tx.PoolObjects().Delete("A", "resource-server", "second") })
	_, err = get("A", "resource-server", "second")
	wantErr(t, "Get after Delete", err, store.ErrNotFound)
	err = f.try(func(tx store.Tx) error { return tx.PoolObjects().Delete("A", "resource-server", "second") })
	wantErr(t, "Delete again", err, store.ErrNotFound)
	if n := count("A", "resource-server"); n != 1 {
		t.Errorf("Count after Delete = %d, want 1", n)
	}

	// No write works inside View, and none writes anything.
	writes := map[string]func(tx store.Tx) error{
		"Create": func(tx store.Tx) error { return tx.PoolObjects().Create(newPoolObject("A", "resource-server", "v")) },
		"Update": func(tx store.Tx) error { u := up; u.Body = []byte("view"); return tx.PoolObjects().Update(&u) },
		"Delete": func(tx store.Tx) error { return tx.PoolObjects().Delete("A", "resource-server", o.Key) },
	}
	for name, w := range writes {
		var inner error
		if err := f.peek(func(tx store.Tx) error { inner = w(tx); return nil }); err != nil {
			t.Errorf("View after a failed PoolObjects.%s: %v", name, err)
		}
		if inner == nil {
			t.Errorf("PoolObjects.%s inside View succeeded, want an error", name)
		}
	}
	got, err = get("A", "resource-server", o.Key)
	if err != nil {
		t.Fatal(err)
	}
	same(t, "Get after writes in View", got, &up)
	_, err = get("A", "resource-server", "v")
	wantErr(t, "Get of an object created in View", err, store.ErrNotFound)

	// Deleting the pool deletes its objects, and no other pool's.
	f.update(func(tx store.Tx) error { return tx.Pools().Delete("A") })
	if n := count("A", "resource-server"); n != 0 {
		t.Errorf("pool A deleted: Count = %d, want 0", n)
	}
	if n := count("B", "resource-server"); n != 1 {
		t.Errorf("pool A deleted: pool B's Count = %d, want 1", n)
	}
	f.purge(100)
	f.seedPools("A")
	f.update(func(tx store.Tx) error { return tx.PoolObjects().Create(newPoolObject("A", "resource-server", o.Key)) })
}

// testPoolObjectsList: a pool's objects of one kind by key, bytewise, each
// exactly once with small pages, none of another kind or pool.
func testPoolObjectsList(t *testing.T, f *fixture) {
	f.seedPools("A", "B")
	keys := []string{"b", "a", "https://z.example.com", "B", "é", "a/b", "~", "aa", "0", "Z"}
	f.update(func(tx store.Tx) error {
		for _, k := range keys {
			for _, o := range []*store.PoolObject{newPoolObject("A", "rs", k), newPoolObject("A", "other", k+"!"),
				newPoolObject("B", "rs", "b-"+k)} {
				if err := tx.PoolObjects().Create(o); err != nil {
					return err
				}
			}
		}
		return nil
	})
	// Bytewise order: digits, upper case, lower case, '~', then é (0xc3).
	want := []string{"0", "B", "Z", "a", "a/b", "aa", "b", "https://z.example.com", "~", "é"}
	for _, limit := range []int{1, 3, 9, 10, 11} {
		var got []*store.PoolObject
		f.view(func(tx store.Tx) error {
			got = pages(t, func(p store.Page) ([]*store.PoolObject, string, error) {
				return tx.PoolObjects().List("A", "rs", p)
			}, limit)
			return nil
		})
		var gotKeys []string
		for _, o := range got {
			if o.PoolID != "A" || o.Kind != "rs" {
				t.Errorf("List(A, rs) returned %s/%s/%s", o.PoolID, o.Kind, o.Key)
			}
			gotKeys = append(gotKeys, o.Key)
		}
		same(t, fmt.Sprintf("List keys, limit %d", limit), gotKeys, want)
	}
	// ListAll: every kind of the pool, by kind, then key.
	var wantAll []string
	for _, k := range want {
		wantAll = append(wantAll, "other/"+k+"!")
	}
	for _, k := range want {
		wantAll = append(wantAll, "rs/"+k)
	}
	// "0!" < "B!" < ... as "0" < "B" < ...: appending "!" keeps the order,
	// but for "a" and "a/b": "a!" < "a/b!" holds too ('!' < '/').
	for _, limit := range []int{1, 4, 19, 20, 21} {
		var got []*store.PoolObject
		f.view(func(tx store.Tx) error {
			got = pages(t, func(p store.Page) ([]*store.PoolObject, string, error) {
				return tx.PoolObjects().ListAll("A", p)
			}, limit)
			return nil
		})
		var gotKeys []string
		for _, o := range got {
			if o.PoolID != "A" {
				t.Errorf("ListAll(A) returned an object of pool %s", o.PoolID)
			}
			gotKeys = append(gotKeys, o.Kind+"/"+o.Key)
		}
		same(t, fmt.Sprintf("ListAll, limit %d", limit), gotKeys, wantAll)
	}
	f.view(func(tx store.Tx) error {
		objs, next, err := tx.PoolObjects().ListAll("C", store.Page{})
		if err != nil || len(objs) != 0 || next != "" {
			t.Errorf("ListAll(C) = %d, %q, %v; want none", len(objs), next, err)
		}
		for _, bad := range []string{"!!not a cursor!!", "bm90IGpzb24"} {
			if _, _, err := tx.PoolObjects().ListAll("A", store.Page{After: bad}); !errors.Is(err, store.ErrBadCursor) {
				t.Errorf("ListAll with the cursor %q: %v, want ErrBadCursor", bad, err)
			}
		}
		return nil
	})
	f.view(func(tx store.Tx) error {
		for _, k := range [][2]string{{"A", "none"}, {"C", "rs"}} {
			objs, next, err := tx.PoolObjects().List(k[0], k[1], store.Page{})
			if err != nil || len(objs) != 0 || next != "" {
				t.Errorf("List(%s, %s) = %d, %q, %v; want none", k[0], k[1], len(objs), next, err)
			}
		}
		_, _, err := tx.PoolObjects().List("A", "rs", store.Page{After: "!!not a cursor!!"})
		if !errors.Is(err, store.ErrBadCursor) {
			t.Errorf("List with a bad cursor: %v, want ErrBadCursor", err)
		}
		return nil
	})
}

// testPoolObjectsGlobal: a GlobalKind key is unique across pools and found
// by key alone; other kinds' keys repeat across pools; a deleted pool's
// global key is free again at once.
func testPoolObjectsGlobal(t *testing.T, f *fixture) {
	f.seedPools("A", "B")
	f.update(func(tx store.Tx) error {
		return tx.PoolObjects().Create(newPoolObject("A", store.GlobalKind, "my-app"))
	})
	err := f.try(func(tx store.Tx) error {
		return tx.PoolObjects().Create(newPoolObject("B", store.GlobalKind, "my-app"))
	})
	var ee *store.ExistsError
	if !errors.As(err, &ee) {
		t.Errorf("a global key taken by another pool: %v, want an ExistsError", err)
	}
	f.update(func(tx store.Tx) error {
		if err := tx.PoolObjects().Create(newPoolObject("B", "resource-server", "my-app")); err != nil {
			return err
		}
		return tx.PoolObjects().Create(newPoolObject("A", "resource-server", "my-app"))
	})
	find := func(key string) (*store.PoolObject, error) {
		var o *store.PoolObject
		err := f.peek(func(tx store.Tx) (err error) { o, err = tx.PoolObjects().Find(key); return err })
		return o, err
	}
	o, err := find("my-app")
	if err != nil || o.PoolID != "A" || o.Kind != store.GlobalKind {
		t.Errorf("Find(my-app) = %+v, %v; want pool A's domain", o, err)
	}
	_, err = find("other")
	wantErr(t, "Find of a missing key", err, store.ErrNotFound)
	// Inside Update too.
	f.update(func(tx store.Tx) error {
		o, err := tx.PoolObjects().Find("my-app")
		if err != nil || o.PoolID != "A" {
			t.Errorf("Find in Update = %+v, %v", o, err)
		}
		return nil
	})
	f.update(func(tx store.Tx) error { return tx.Pools().Delete("A") })
	_, err = find("my-app")
	wantErr(t, "Find after its pool was deleted", err, store.ErrNotFound)
	f.update(func(tx store.Tx) error {
		return tx.PoolObjects().Create(newPoolObject("B", store.GlobalKind, "my-app"))
	})
	if o, err := find("my-app"); err != nil || o.PoolID != "B" {
		t.Errorf("Find after pool B took the key = %+v, %v", o, err)
	}
}
