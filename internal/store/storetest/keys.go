package storetest

import (
	"testing"
	"time"

	"github.com/ninshou/ninshou/internal/store"
)

func newKey(poolID, kid string, created time.Time) *store.SigningKey {
	return &store.SigningKey{
		PoolID:        poolID,
		KID:           kid,
		Use:           "access",
		PrivateKeyDER: []byte("der-" + kid),
		Active:        true,
		CreatedAt:     created,
	}
}

func testKeys(t *testing.T, f *fixture) {
	f.seedPools("A", "B")
	// Created out of order: List returns oldest first.
	k1, k2, k3 := newKey("A", "k1", at(time.Hour)), newKey("A", "k2", at(2*time.Hour)), newKey("A", "k3", at(3*time.Hour))
	k3.Use = "id"
	f.update(func(tx store.Tx) error {
		for _, k := range []*store.SigningKey{k3, k1, newKey("B", "k1", t0), k2} {
			if err := tx.Keys().Create(k); err != nil {
				return err
			}
		}
		return nil
	})
	list := func(pool string) (keys []*store.SigningKey) {
		f.view(func(tx store.Tx) (err error) { keys, err = tx.Keys().List(pool); return err })
		return keys
	}
	same(t, "List(A)", list("A"), []*store.SigningKey{k1, k2, k3})
	same(t, "List(B)", list("B"), []*store.SigningKey{newKey("B", "k1", t0)})
	same(t, "List(missing pool)", list("nope"), []*store.SigningKey{})

	err := f.try(func(tx store.Tx) error { return tx.Keys().Create(newKey("A", "k1", t0)) })
	wantExists(t, "Create duplicate kid", err, "key")
	err = f.try(func(tx store.Tx) error { return tx.Keys().Create(newKey("nope", "k9", t0)) })
	wantErr(t, "Create in missing pool", err, store.ErrNotFound)

	// Retire k1: Update writes Active and RetiredAt (and every other field).
	up := *k1
	up.Active, up.RetiredAt = false, ptr(at(4*time.Hour))
	f.update(func(tx store.Tx) error { return tx.Keys().Update(&up) })
	same(t, "List(A) after Update", list("A"), []*store.SigningKey{&up, k2, k3})
	same(t, "List(B) after Update of A's k1", list("B"), []*store.SigningKey{newKey("B", "k1", t0)})

	err = f.try(func(tx store.Tx) error { return tx.Keys().Update(newKey("A", "nope", t0)) })
	wantErr(t, "Update missing", err, store.ErrNotFound)
	err = f.try(func(tx store.Tx) error { return tx.Keys().Delete("A", "nope") })
	wantErr(t, "Delete missing", err, store.ErrNotFound)

	f.update(func(tx store.Tx) error { return tx.Keys().Delete("A", "k1") })
	same(t, "List(A) after Delete", list("A"), []*store.SigningKey{k2, k3})
	same(t, "List(B) after Delete of A's k1", list("B"), []*store.SigningKey{newKey("B", "k1", t0)})
}
