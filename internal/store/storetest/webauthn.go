package storetest

import (
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/ninshou/ninshou/internal/store"
)

func newCredential(poolID, sub string, id []byte, created time.Time) *store.WebAuthnCredential {
	return &store.WebAuthnCredential{
		PoolID:         poolID,
		Sub:            sub,
		ID:             id,
		PublicKey:      []byte{0xa5, 0x01, 0x02, 0x03, 0x26, 0x00},
		SignCount:      42,
		RelyingPartyID: "auth.example.com",
		FriendlyName:   "YubiKey ✓",
		Attachment:     "cross-platform",
		Transports:     []string{"usb", "nfc"},
		AAGUID:         []byte{0xee, 0x88, 0x28, 0x79, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff},
		CreatedAt:      created,
	}
}

func testWebAuthn(t *testing.T, f *fixture) {
	f.seedPools("A", "B")
	f.seedUsers("A", "sub-1", "sub-2")
	f.seedUsers("B", "sub-1")
	id := []byte{0, 0xff, 'c', 0, 1}
	c := newCredential("A", "sub-1", id, t0)
	c.SignCount = math.MaxUint32
	f.update(func(tx store.Tx) error { return tx.WebAuthn().Create(c) })
	get := func(pool string, id []byte) (got *store.WebAuthnCredential) {
		f.view(func(tx store.Tx) (err error) { got, err = tx.WebAuthn().Get(pool, id); return err })
		return got
	}
	same(t, "Get after Create", get("A", id), c)

	z := &store.WebAuthnCredential{PoolID: "A", Sub: "sub-1", ID: []byte{0}}
	f.update(func(tx store.Tx) error { return tx.WebAuthn().Create(z) })
	same(t, "Get zero credential", get("A", []byte{0}), z)

	// A credential ID is unique in its pool, whoever's it is.
	err := f.try(func(tx store.Tx) error { return tx.WebAuthn().Create(newCredential("A", "sub-2", id, t0)) })
	wantExists(t, "Create duplicate ID", err, "webauthn")
	f.update(func(tx store.Tx) error { return tx.WebAuthn().Create(newCredential("B", "sub-1", id, t0)) })
	err = f.try(func(tx store.Tx) error { return tx.WebAuthn().Create(newCredential("A", "nope", []byte("x"), t0)) })
	wantErr(t, "Create for a missing user", err, store.ErrNotFound)
	// IDs are bytes: a prefix of an ID is another ID.
	err = f.peek(func(tx store.Tx) error { _, err := tx.WebAuthn().Get("A", id[:4]); return err })
	wantErr(t, "Get by a prefix of an ID", err, store.ErrNotFound)

	f.update(func(tx store.Tx) error { return tx.WebAuthn().UpdateSignCount("A", id, 43) })
	up := *c
	up.SignCount = 43
	same(t, "Get after UpdateSignCount", get("A", id), &up)
	same(t, "pool B's credential after UpdateSignCount of A's", get("B", id), newCredential("B", "sub-1", id, t0))
	err = f.try(func(tx store.Tx) error { return tx.WebAuthn().UpdateSignCount("A", []byte("nope"), 1) })
	wantErr(t, "UpdateSignCount missing", err, store.ErrNotFound)

	// Delete names the owner: another user's credential is not found, and
	// stays.
	err = f.try(func(tx store.Tx) error { return tx.WebAuthn().Delete("A", "sub-2", id) })
	wantErr(t, "Delete of another user's credential", err, store.ErrNotFound)
	same(t, "Get after another user's Delete", get("A", id), &up)
	err = f.try(func(tx store.Tx) error { return tx.WebAuthn().Delete("A", "sub-1", []byte("nope")) })
	wantErr(t, "Delete missing", err, store.ErrNotFound)
	f.update(func(tx store.Tx) error { return tx.WebAuthn().Delete("A", "sub-1", id) })
	err = f.peek(func(tx store.Tx) error { _, err := tx.WebAuthn().Get("A", id); return err })
	wantErr(t, "Get after Delete", err, store.ErrNotFound)
	same(t, "pool B's credential after Delete of A's", get("B", id), newCredential("B", "sub-1", id, t0))
}

// testWebAuthnList: a user's credentials, oldest first, ties broken by ID
// (byte order); every row exactly once with small pages.
func testWebAuthnList(t *testing.T, f *fixture) {
	f.seedPools("A", "B")
	f.seedUsers("A", "sub-1", "sub-2")
	f.seedUsers("B", "sub-1")
	const n = 8
	cred := func(pool, sub string, i int) *store.WebAuthnCredential {
		// IDs whose byte order differs from i's: 0xff-i, then i.
		return newCredential(pool, sub, []byte{byte(0xff - i%2), byte(i)}, at(time.Duration(i/2)*time.Second))
	}
	f.update(func(tx store.Tx) error {
		for _, i := range []int{3, 7, 0, 5, 1, 6, 2, 4} {
			for _, c := range []*store.WebAuthnCredential{cred("A", "sub-1", i), cred("A", "sub-2", i+100), cred("B", "sub-1", i)} {
				if err := tx.WebAuthn().Create(c); err != nil {
					return err
				}
			}
		}
		return nil
	})
	var want []*store.WebAuthnCredential
	for _, i := range []int{1, 0, 3, 2, 5, 4, 7, 6} {
		want = append(want, cred("A", "sub-1", i))
	}
	for _, limit := range []int{1, 3, n, n + 1} {
		f.view(func(tx store.Tx) error {
			got := pages(t, func(p store.Page) ([]*store.WebAuthnCredential, string, error) {
				return tx.WebAuthn().List("A", "sub-1", p)
			}, limit)
			same(t, fmt.Sprintf("List(A, sub-1) with limit %d", limit), got, want)
			return nil
		})
	}
}
