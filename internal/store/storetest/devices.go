package storetest

import (
	"fmt"
	"testing"
	"time"

	"github.com/ninshou/ninshou/internal/store"
)

func newDevice(poolID, sub, key string, lastAuth time.Time) *store.Device {
	return &store.Device{
		PoolID:     poolID,
		Sub:        sub,
		Key:        key,
		GroupKey:   "-group-" + key,
		Verifier:   []byte{0, 1, 0xff, 'v'},
		Salt:       []byte{0xff, 0, 's'},
		Status:     "remembered",
		Attributes: map[string]string{"device_name": "phone ✓", "last_ip_used": "192.0.2.1"},
		CreatedAt:  t0,
		UpdatedAt:  at(time.Minute),
		LastAuthAt: lastAuth,
	}
}

func testDevices(t *testing.T, f *fixture) {
	f.seedPools("A", "B")
	f.seedUsers("A", "sub-1", "sub-2")
	f.seedUsers("B", "sub-1")
	d := newDevice("A", "sub-1", "us-east-1_d1", at(time.Hour))
	f.update(func(tx store.Tx) error { return tx.Devices().Create(d) })
	get := func(pool, key string) (got *store.Device) {
		f.view(func(tx store.Tx) (err error) { got, err = tx.Devices().Get(pool, key); return err })
		return got
	}
	same(t, "Get after Create", get("A", d.Key), d)

	// An unconfirmed device: zero values round-trip.
	z := &store.Device{PoolID: "A", Sub: "sub-1", Key: "us-east-1_d0"}
	f.update(func(tx store.Tx) error { return tx.Devices().Create(z) })
	same(t, "Get zero device", get("A", z.Key), z)

	// A device key is unique in its pool, whoever's device it is.
	err := f.try(func(tx store.Tx) error { return tx.Devices().Create(newDevice("A", "sub-2", d.Key, t0)) })
	wantExists(t, "Create duplicate key", err, "device")
	f.update(func(tx store.Tx) error { return tx.Devices().Create(newDevice("B", "sub-1", d.Key, t0)) })
	err = f.try(func(tx store.Tx) error { return tx.Devices().Create(newDevice("A", "nope", "k", t0)) })
	wantErr(t, "Create for a missing user", err, store.ErrNotFound)
	err = f.try(func(tx store.Tx) error { return tx.Devices().Create(newDevice("nope", "sub-1", "k", t0)) })
	wantErr(t, "Create in a missing pool", err, store.ErrNotFound)

	// Update writes every field but the key and the owner.
	up := *d
	up.GroupKey, up.Verifier, up.Salt, up.Status = "-g2", []byte("v2"), nil, "not_remembered"
	up.Attributes = map[string]string{"device_name": "tablet"}
	up.CreatedAt, up.UpdatedAt, up.LastAuthAt = at(-time.Hour), at(2*time.Hour), at(3*time.Hour)
	f.update(func(tx store.Tx) error { return tx.Devices().Update(&up) })
	same(t, "Get after Update", get("A", d.Key), &up)
	same(t, "pool B's device after Update of A's", get("B", d.Key), newDevice("B", "sub-1", d.Key, t0))

	err = f.peek(func(tx store.Tx) error { _, err := tx.Devices().Get("A", "nope"); return err })
	wantErr(t, "Get missing", err, store.ErrNotFound)
	err = f.peek(func(tx store.Tx) error { _, err := tx.Devices().Get("nope", d.Key); return err })
	wantErr(t, "Get in a missing pool", err, store.ErrNotFound)
	err = f.try(func(tx store.Tx) error { return tx.Devices().Update(newDevice("A", "sub-1", "nope", t0)) })
	wantErr(t, "Update missing", err, store.ErrNotFound)
	err = f.try(func(tx store.Tx) error { return tx.Devices().Delete("A", "nope") })
	wantErr(t, "Delete missing", err, store.ErrNotFound)

	f.update(func(tx store.Tx) error { return tx.Devices().Delete("A", d.Key) })
	err = f.peek(func(tx store.Tx) error { _, err := tx.Devices().Get("A", d.Key); return err })
	wantErr(t, "Get after Delete", err, store.ErrNotFound)
	same(t, "pool B's device after Delete of A's", get("B", d.Key), newDevice("B", "sub-1", d.Key, t0))
}

// testDevicesList: a user's devices, newest LastAuthAt first, ties broken
// by Key; every row exactly once with small pages.
func testDevicesList(t *testing.T, f *fixture) {
	f.seedPools("A", "B")
	f.seedUsers("A", "sub-1", "sub-2")
	f.seedUsers("B", "sub-1")
	const n = 9
	f.update(func(tx store.Tx) error {
		for _, i := range []int{4, 0, 8, 2, 6, 1, 7, 3, 5} {
			// Pairs share a LastAuthAt.
			for _, d := range []*store.Device{
				newDevice("A", "sub-1", fmt.Sprintf("k%d", i), at(time.Duration(i/2)*time.Minute)),
				newDevice("A", "sub-2", fmt.Sprintf("other%d", i), at(time.Duration(i)*time.Minute)),
				newDevice("B", "sub-1", fmt.Sprintf("k%d", i), at(time.Duration(i)*time.Minute)),
			} {
				if err := tx.Devices().Create(d); err != nil {
					return err
				}
			}
		}
		return nil
	})
	var want []*store.Device
	for _, i := range []int{8, 6, 7, 4, 5, 2, 3, 0, 1} {
		want = append(want, newDevice("A", "sub-1", fmt.Sprintf("k%d", i), at(time.Duration(i/2)*time.Minute)))
	}
	for _, limit := range []int{1, 2, n, n + 1} {
		f.view(func(tx store.Tx) error {
			got := pages(t, func(p store.Page) ([]*store.Device, string, error) {
				return tx.Devices().List("A", "sub-1", p)
			}, limit)
			same(t, fmt.Sprintf("List(A, sub-1) with limit %d", limit), got, want)
			return nil
		})
	}
	f.view(func(tx store.Tx) error {
		got, next, err := tx.Devices().List("A", "nope", store.Page{})
		if err != nil || len(got) != 0 || next != "" {
			t.Errorf("List(missing user) = %v, %q, %v; want empty", got, next, err)
		}
		return nil
	})
}
