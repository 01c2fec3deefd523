package storetest

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/ninshou/ninshou/internal/store"
)

// race runs fn in n concurrent write transactions and checks that exactly
// one returned nil and every other one ErrConflict.
func race(t *testing.T, f *fixture, n int, fn func(store.Tx) error) {
	t.Helper()
	errs := make([]error, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			<-start
			errs[i] = f.try(fn)
		})
	}
	close(start)
	wg.Wait()
	wins := 0
	for i, err := range errs {
		switch {
		case err == nil:
			wins++
		case !errors.Is(err, store.ErrConflict):
			t.Errorf("goroutine %d: got %v, want nil or ErrConflict", i, err)
		}
	}
	if wins != 1 {
		t.Errorf("%d of %d consumers won, want exactly 1", wins, n)
	}
}

func newSession(poolID string, id string) *store.Session {
	return &store.Session{
		IDHash:    []byte("hash-" + id),
		PoolID:    poolID,
		ClientID:  "client1",
		Sub:       "sub-1",
		Challenge: "SMS_MFA",
		State:     []byte{1, 2, 3},
		Attempts:  1,
		CreatedAt: t0,
		ExpiresAt: at(3 * time.Minute),
	}
}

func testSessions(t *testing.T, f *fixture) {
	f.seedPools("A")
	s := newSession("A", "s1")
	f.update(func(tx store.Tx) error { return tx.Sessions().Create(s) })
	var got *store.Session
	f.view(func(tx store.Tx) (err error) { got, err = tx.Sessions().Get(s.IDHash); return err })
	same(t, "Get after Create", got, s)

	err := f.try(func(tx store.Tx) error { return tx.Sessions().Create(newSession("A", "s1")) })
	wantErr(t, "Create duplicate", err, store.ErrExists)
	err = f.try(func(tx store.Tx) error { return tx.Sessions().Create(newSession("nope", "s9")) })
	wantErr(t, "Create in missing pool", err, store.ErrNotFound)

	// AddAttempt counts from the stored value, one by one.
	for want := 2; want <= 4; want++ {
		var n int
		f.update(func(tx store.Tx) (err error) { n, err = tx.Sessions().AddAttempt(s.IDHash); return err })
		if n != want {
			t.Errorf("AddAttempt = %d, want %d", n, want)
		}
	}

	// Consume once; the second time is a conflict, and the first time stays.
	f.update(func(tx store.Tx) error { return tx.Sessions().Consume(s.IDHash, at(time.Minute)) })
	err = f.try(func(tx store.Tx) error { return tx.Sessions().Consume(s.IDHash, at(2*time.Minute)) })
	wantErr(t, "second Consume", err, store.ErrConflict)
	f.view(func(tx store.Tx) (err error) { got, err = tx.Sessions().Get(s.IDHash); return err })
	want := *s
	want.Attempts, want.ConsumedAt = 4, ptr(at(time.Minute))
	same(t, "Get after Consume", got, &want)

	missing := []byte("nope")
	err = f.peek(func(tx store.Tx) error { _, err := tx.Sessions().Get(missing); return err })
	wantErr(t, "Get missing", err, store.ErrNotFound)
	err = f.try(func(tx store.Tx) error { return tx.Sessions().Consume(missing, t0) })
	wantErr(t, "Consume missing", err, store.ErrNotFound)
	err = f.try(func(tx store.Tx) error { _, err := tx.Sessions().AddAttempt(missing); return err })
	wantErr(t, "AddAttempt missing", err, store.ErrNotFound)

	// DeleteExpired removes sessions that expired strictly before t.
	f.update(func(tx store.Tx) error {
		for i, exp := range []time.Duration{time.Minute, 2 * time.Minute, 10 * time.Minute} {
			s := newSession("A", fmt.Sprintf("e%d", i))
			s.ExpiresAt = at(exp)
			if err := tx.Sessions().Create(s); err != nil {
				return err
			}
		}
		return nil
	})
	var n int64
	// Expired before t0+3m: e0 (1m), e1 (2m); s1 expires at exactly 3m and stays.
	f.update(func(tx store.Tx) (err error) { n, err = tx.Sessions().DeleteExpired(at(3 * time.Minute)); return err })
	if n != 2 {
		t.Errorf("DeleteExpired = %d, want 2", n)
	}
	f.view(func(tx store.Tx) error {
		for id, want := range map[string]error{"s1": nil, "e0": store.ErrNotFound, "e1": store.ErrNotFound, "e2": nil} {
			if _, err := tx.Sessions().Get([]byte("hash-" + id)); !errors.Is(err, want) {
				t.Errorf("after DeleteExpired, Get(%s) = %v, want %v", id, err, want)
			}
		}
		return nil
	})
}

// testSessionsConcurrentConsume: of 32 transactions consuming one session,
// exactly one wins; concurrent AddAttempt loses no increment.
func testSessionsConcurrentConsume(t *testing.T, f *fixture) {
	f.seedPools("A")
	s := newSession("A", "s1")
	s.Attempts = 0
	f.update(func(tx store.Tx) error { return tx.Sessions().Create(s) })
	race(t, f, 32, func(tx store.Tx) error { return tx.Sessions().Consume(s.IDHash, t0) })

	var wg sync.WaitGroup
	for range 32 {
		wg.Go(func() {
			if err := f.try(func(tx store.Tx) error { _, err := tx.Sessions().AddAttempt(s.IDHash); return err }); err != nil {
				t.Errorf("AddAttempt: %v", err)
			}
		})
	}
	wg.Wait()
	f.view(func(tx store.Tx) error {
		got, err := tx.Sessions().Get(s.IDHash)
		if err == nil && got.Attempts != 32 {
			t.Errorf("after 32 concurrent AddAttempt, Attempts = %d", got.Attempts)
		}
		return err
	})
}

func newCode(poolID, sub, purpose string) *store.Code {
	return &store.Code{
		PoolID:    poolID,
		Sub:       sub,
		Purpose:   purpose,
		CodeHash:  []byte("code-hash-" + purpose),
		Attempts:  0,
		CreatedAt: t0,
		ExpiresAt: at(time.Hour),
	}
}

func testCodes(t *testing.T, f *fixture) {
	f.seedPools("A", "B")
	c := newCode("A", "sub-1", "signup")
	f.update(func(tx store.Tx) error { return tx.Codes().Put(c) })
	var got *store.Code
	f.view(func(tx store.Tx) (err error) { got, err = tx.Codes().Get("A", "sub-1", "signup"); return err })
	same(t, "Get after Put", got, c)

	// Other purposes, subs and pools are other codes.
	f.update(func(tx store.Tx) error {
		for _, o := range []*store.Code{
			newCode("A", "sub-1", "verify:email"), newCode("A", "sub-2", "signup"), newCode("B", "sub-1", "signup"),
		} {
			if err := tx.Codes().Put(o); err != nil {
				return err
			}
		}
		return nil
	})

	for want := 1; want <= 3; want++ {
		var n int
		f.update(func(tx store.Tx) (err error) { n, err = tx.Codes().AddAttempt("A", "sub-1", "signup"); return err })
		if n != want {
			t.Errorf("AddAttempt = %d, want %d", n, want)
		}
	}
	f.update(func(tx store.Tx) error { return tx.Codes().Consume("A", "sub-1", "signup", at(time.Second)) })
	err := f.try(func(tx store.Tx) error { return tx.Codes().Consume("A", "sub-1", "signup", at(2*time.Second)) })
	wantErr(t, "second Consume", err, store.ErrConflict)
	want := *c
	want.Attempts, want.ConsumedAt = 3, ptr(at(time.Second))
	f.view(func(tx store.Tx) (err error) { got, err = tx.Codes().Get("A", "sub-1", "signup"); return err })
	same(t, "Get after Consume", got, &want)

	// Put replaces the code, its attempts and its consumption.
	fresh := newCode("A", "sub-1", "signup")
	fresh.CodeHash, fresh.CreatedAt, fresh.ExpiresAt = []byte("new"), at(time.Minute), at(2*time.Hour)
	f.update(func(tx store.Tx) error { return tx.Codes().Put(fresh) })
	f.view(func(tx store.Tx) (err error) { got, err = tx.Codes().Get("A", "sub-1", "signup"); return err })
	same(t, "Get after replacing Put", got, fresh)
	f.view(func(tx store.Tx) error {
		o, err := tx.Codes().Get("B", "sub-1", "signup")
		if err == nil {
			same(t, "code of another pool", o, newCode("B", "sub-1", "signup"))
		}
		return err
	})

	err = f.peek(func(tx store.Tx) error { _, err := tx.Codes().Get("A", "sub-1", "nope"); return err })
	wantErr(t, "Get missing", err, store.ErrNotFound)
	err = f.try(func(tx store.Tx) error { return tx.Codes().Consume("A", "sub-1", "nope", t0) })
	wantErr(t, "Consume missing", err, store.ErrNotFound)
	err = f.try(func(tx store.Tx) error { _, err := tx.Codes().AddAttempt("A", "sub-1", "nope"); return err })
	wantErr(t, "AddAttempt missing", err, store.ErrNotFound)
	err = f.try(func(tx store.Tx) error { return tx.Codes().Delete("A", "sub-1", "nope") })
	wantErr(t, "Delete missing", err, store.ErrNotFound)
	err = f.try(func(tx store.Tx) error { return tx.Codes().Put(newCode("nope", "sub-1", "signup")) })
	wantErr(t, "Put in missing pool", err, store.ErrNotFound)

	f.update(func(tx store.Tx) error { return tx.Codes().Delete("A", "sub-1", "signup") })
	err = f.peek(func(tx store.Tx) error { _, err := tx.Codes().Get("A", "sub-1", "signup"); return err })
	wantErr(t, "Get after Delete", err, store.ErrNotFound)

	// Remaining: A/sub-1/verify:email, A/sub-2/signup, B/sub-1/signup, all
	// expiring at t0+1h. Expire one early.
	early := newCode("A", "sub-2", "signup")
	early.ExpiresAt = at(time.Minute)
	f.update(func(tx store.Tx) error { return tx.Codes().Put(early) })
	var n int64
	f.update(func(tx store.Tx) (err error) { n, err = tx.Codes().DeleteExpired(at(time.Hour)); return err })
	if n != 1 {
		t.Errorf("DeleteExpired(t0+1h) = %d, want 1", n)
	}
	f.update(func(tx store.Tx) (err error) { n, err = tx.Codes().DeleteExpired(at(time.Hour + 1)); return err })
	if n != 2 {
		t.Errorf("DeleteExpired(t0+1h+1ns) = %d, want 2", n)
	}
}

func testCodesConcurrentConsume(t *testing.T, f *fixture) {
	f.seedPools("A")
	f.update(func(tx store.Tx) error { return tx.Codes().Put(newCode("A", "sub-1", "forgot_password")) })
	race(t, f, 32, func(tx store.Tx) error { return tx.Codes().Consume("A", "sub-1", "forgot_password", t0) })
}

func newFamily(poolID, id, sub string) *store.TokenFamily {
	return &store.TokenFamily{
		ID:        id,
		PoolID:    poolID,
		ClientID:  "client1",
		Sub:       sub,
		DeviceKey: "us-east-1_device",
		AuthTime:  at(-time.Second),
		CreatedAt: t0,
		ExpiresAt: at(30 * 24 * time.Hour),
	}
}

func testTokenFamilies(t *testing.T, f *fixture) {
	f.seedPools("A", "B")
	fam := newFamily("A", "fam-1", "sub-1")
	f.update(func(tx store.Tx) error { return tx.TokenFamilies().Create(fam) })
	var got *store.TokenFamily
	f.view(func(tx store.Tx) (err error) { got, err = tx.TokenFamilies().Get("fam-1"); return err })
	same(t, "Get after Create", got, fam)

	// The scopes of an authorization code's family come back in order;
	// a family without any (an API sign-in) has none.
	scoped := newFamily("A", "fam-scoped", "sub-scoped")
	scoped.Scopes = []string{"openid", "email", "https://api.example.com/read"}
	f.update(func(tx store.Tx) error { return tx.TokenFamilies().Create(scoped) })
	f.view(func(tx store.Tx) (err error) { got, err = tx.TokenFamilies().Get("fam-scoped"); return err })
	same(t, "Get after Create with scopes", got, scoped)

	err := f.try(func(tx store.Tx) error { return tx.TokenFamilies().Create(newFamily("A", "fam-1", "x")) })
	wantErr(t, "Create duplicate", err, store.ErrExists)
	err = f.try(func(tx store.Tx) error { return tx.TokenFamilies().Create(newFamily("nope", "fam-9", "x")) })
	wantErr(t, "Create in missing pool", err, store.ErrNotFound)
	err = f.peek(func(tx store.Tx) error { _, err := tx.TokenFamilies().Get("nope"); return err })
	wantErr(t, "Get missing", err, store.ErrNotFound)
	err = f.try(func(tx store.Tx) error { return tx.TokenFamilies().Revoke("nope", t0) })
	wantErr(t, "Revoke missing", err, store.ErrNotFound)

	// Revoke sets RevokedAt once; revoking again succeeds and keeps it.
	f.update(func(tx store.Tx) error { return tx.TokenFamilies().Revoke("fam-1", at(time.Minute)) })
	f.update(func(tx store.Tx) error { return tx.TokenFamilies().Revoke("fam-1", at(time.Hour)) })
	f.view(func(tx store.Tx) (err error) { got, err = tx.TokenFamilies().Get("fam-1"); return err })
	want := *fam
	want.RevokedAt = ptr(at(time.Minute))
	same(t, "Get after Revoke", got, &want)

	// RevokeUser counts only live families of that user in that pool.
	now := at(time.Hour)
	f.update(func(tx store.Tx) error {
		expired := newFamily("A", "fam-expired", "sub-1")
		expired.ExpiresAt = at(time.Minute)
		revoked := newFamily("A", "fam-revoked", "sub-1")
		revoked.RevokedAt = ptr(at(time.Second))
		for _, x := range []*store.TokenFamily{
			newFamily("A", "fam-2", "sub-1"), newFamily("A", "fam-3", "sub-1"), expired, revoked,
			newFamily("A", "fam-other-user", "sub-2"), newFamily("B", "fam-other-pool", "sub-1"),
		} {
			if err := tx.TokenFamilies().Create(x); err != nil {
				return err
			}
		}
		return nil
	})
	var n int64
	f.update(func(tx store.Tx) (err error) { n, err = tx.TokenFamilies().RevokeUser("A", "sub-1", now); return err })
	if n != 2 {
		t.Errorf("RevokeUser = %d, want 2 (fam-2, fam-3)", n)
	}
	f.update(func(tx store.Tx) (err error) { n, err = tx.TokenFamilies().RevokeUser("A", "sub-1", now); return err })
	if n != 0 {
		t.Errorf("second RevokeUser = %d, want 0", n)
	}
	f.view(func(tx store.Tx) error {
		for id, wantRevoked := range map[string]*time.Time{
			"fam-1": ptr(at(time.Minute)), "fam-2": ptr(now), "fam-3": ptr(now), "fam-revoked": ptr(at(time.Second)),
			"fam-expired": nil, "fam-other-user": nil, "fam-other-pool": nil,
		} {
			got, err := tx.TokenFamilies().Get(id)
			if err != nil {
				return fmt.Errorf("Get(%s): %w", id, err)
			}
			same(t, id+".RevokedAt", got.RevokedAt, wantRevoked)
		}
		return nil
	})

	// DeleteExpired removes families expired before t, with their refresh tokens.
	f.update(func(tx store.Tx) error {
		return tx.RefreshTokens().Create(newRefresh("fam-expired", "rt-expired"))
	})
	f.update(func(tx store.Tx) (err error) { n, err = tx.TokenFamilies().DeleteExpired(at(time.Hour)); return err })
	if n != 1 {
		t.Errorf("DeleteExpired = %d, want 1", n)
	}
	f.view(func(tx store.Tx) error {
		if _, err := tx.TokenFamilies().Get("fam-expired"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("expired family after DeleteExpired: %v", err)
		}
		if _, err := tx.RefreshTokens().Get([]byte("rt-expired")); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("refresh token of a deleted family: %v, want ErrNotFound", err)
		}
		_, err := tx.TokenFamilies().Get("fam-2")
		return err
	})
}

func newRefresh(familyID, hash string) *store.RefreshToken {
	return &store.RefreshToken{
		Hash:      []byte(hash),
		FamilyID:  familyID,
		CreatedAt: t0,
		ExpiresAt: at(24 * time.Hour),
	}
}

func testRefreshTokens(t *testing.T, f *fixture) {
	f.seedPools("A")
	f.update(func(tx store.Tx) error { return tx.TokenFamilies().Create(newFamily("A", "fam-1", "sub-1")) })
	rt := newRefresh("fam-1", "rt-1")
	f.update(func(tx store.Tx) error { return tx.RefreshTokens().Create(rt) })
	var got *store.RefreshToken
	f.view(func(tx store.Tx) (err error) { got, err = tx.RefreshTokens().Get(rt.Hash); return err })
	same(t, "Get after Create", got, rt)

	err := f.try(func(tx store.Tx) error { return tx.RefreshTokens().Create(newRefresh("fam-1", "rt-1")) })
	wantErr(t, "Create duplicate", err, store.ErrExists)
	err = f.try(func(tx store.Tx) error { return tx.RefreshTokens().Create(newRefresh("nope", "rt-9")) })
	wantErr(t, "Create in missing family", err, store.ErrNotFound)

	f.update(func(tx store.Tx) error { return tx.RefreshTokens().MarkReplaced(rt.Hash, at(time.Minute)) })
	err = f.try(func(tx store.Tx) error { return tx.RefreshTokens().MarkReplaced(rt.Hash, at(time.Hour)) })
	wantErr(t, "second MarkReplaced", err, store.ErrConflict)
	f.view(func(tx store.Tx) (err error) { got, err = tx.RefreshTokens().Get(rt.Hash); return err })
	want := *rt
	want.ReplacedAt = ptr(at(time.Minute))
	same(t, "Get after MarkReplaced", got, &want)

	err = f.peek(func(tx store.Tx) error { _, err := tx.RefreshTokens().Get([]byte("nope")); return err })
	wantErr(t, "Get missing", err, store.ErrNotFound)
	err = f.try(func(tx store.Tx) error { return tx.RefreshTokens().MarkReplaced([]byte("nope"), t0) })
	wantErr(t, "MarkReplaced missing", err, store.ErrNotFound)

	f.update(func(tx store.Tx) error {
		short := newRefresh("fam-1", "rt-short")
		short.ExpiresAt = at(time.Hour)
		return tx.RefreshTokens().Create(short)
	})
	var n int64
	f.update(func(tx store.Tx) (err error) {
		n, err = tx.RefreshTokens().DeleteExpired(at(2 * time.Hour))
		return err
	})
	if n != 1 {
		t.Errorf("DeleteExpired = %d, want 1", n)
	}
	f.view(func(tx store.Tx) error {
		if _, err := tx.RefreshTokens().Get([]byte("rt-short")); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("expired token after DeleteExpired: %v", err)
		}
		_, err := tx.RefreshTokens().Get(rt.Hash)
		return err
	})
}

func testRefreshTokensConcurrentReplace(t *testing.T, f *fixture) {
	f.seedPools("A")
	f.update(func(tx store.Tx) error {
		if err := tx.TokenFamilies().Create(newFamily("A", "fam-1", "sub-1")); err != nil {
			return err
		}
		return tx.RefreshTokens().Create(newRefresh("fam-1", "rt-1"))
	})
	race(t, f, 32, func(tx store.Tx) error { return tx.RefreshTokens().MarkReplaced([]byte("rt-1"), t0) })
}
