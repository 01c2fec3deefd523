package storetest

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/ninshou/ninshou/internal/store"
)

// fullUser sets every field of a user to a non-zero value.
func fullUser(poolID, sub, username string) *store.User {
	u := newUser(poolID, sub, username)
	u.Status = "FORCE_CHANGE_PASSWORD"
	u.Aliases = []store.Alias{
		{Kind: "phone_number", Key: "+15550100"},
		{Kind: "email", Key: username + "@example.com"},
		{Kind: "preferred_username", Key: "pref-" + username},
	}
	u.Attributes["custom:tier"] = "gold ✓"
	u.PasswordHash = "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA"
	u.PasswordSetAt = at(time.Minute)
	u.MFAEnabled = []string{"SOFTWARE_TOKEN_MFA", "SMS_MFA"}
	u.MFAPreferred = "SOFTWARE_TOKEN_MFA"
	u.Extra = []byte{0, 0xff, 'x'}
	u.FailedAttempts = 3
	u.LastFailedAt = at(2 * time.Minute)
	u.LockedUntil = at(3 * time.Minute)
	u.TokensRevokedAt = at(4 * time.Minute)
	u.CreatedAt = at(-time.Hour)
	u.UpdatedAt = at(5 * time.Minute)
	return u
}

func testUsers(t *testing.T, f *fixture) {
	f.seedPools("A")
	u := fullUser("A", "sub-1", "alice")
	f.update(func(tx store.Tx) error { return tx.Users().Create(u) })
	if u.Version != 1 {
		t.Errorf("Create set Version = %d, want 1", u.Version)
	}
	f.view(func(tx store.Tx) error {
		got, err := tx.Users().Get("A", "sub-1")
		if err != nil {
			return err
		}
		same(t, "Get", got, u)
		got, err = tx.Users().GetByUsername("A", "alice")
		if err != nil {
			return err
		}
		same(t, "GetByUsername", got, u)
		for _, a := range u.Aliases {
			got, err = tx.Users().GetByAlias("A", a)
			if err != nil {
				return fmt.Errorf("GetByAlias(%v): %w", a, err)
			}
			same(t, fmt.Sprintf("GetByAlias(%v)", a), got, u)
		}
		n, err := tx.Users().Count("A")
		if err != nil || n != 1 {
			t.Errorf("Count = %d, %v; want 1", n, err)
		}
		return nil
	})

	// Zero values round-trip too: zero times, no aliases, nil slices.
	z := &store.User{PoolID: "A", Sub: "sub-0", Username: "zed", UsernameKey: "zed"}
	f.update(func(tx store.Tx) error { return tx.Users().Create(z) })
	f.view(func(tx store.Tx) error {
		got, err := tx.Users().Get("A", "sub-0")
		if err != nil {
			return err
		}
		same(t, "Get zero user", got, z)
		if got.Attributes == nil {
			t.Error("Get returned nil Attributes; want an empty, writable map")
		}
		return nil
	})

	err := f.peek(func(tx store.Tx) error { _, err := tx.Users().Get("A", "nope"); return err })
	wantErr(t, "Get missing", err, store.ErrNotFound)
	err = f.peek(func(tx store.Tx) error { _, err := tx.Users().GetByUsername("A", "nope"); return err })
	wantErr(t, "GetByUsername missing", err, store.ErrNotFound)
	err = f.peek(func(tx store.Tx) error {
		_, err := tx.Users().GetByAlias("A", store.Alias{Kind: "email", Key: "nope@example.com"})
		return err
	})
	wantErr(t, "GetByAlias missing", err, store.ErrNotFound)
	// An alias key is looked up under its own kind only.
	err = f.peek(func(tx store.Tx) error {
		_, err := tx.Users().GetByAlias("A", store.Alias{Kind: "phone_number", Key: "alice@example.com"})
		return err
	})
	wantErr(t, "GetByAlias with the wrong kind", err, store.ErrNotFound)
	missing := newUser("A", "nope", "nope")
	missing.Version = 1
	err = f.try(func(tx store.Tx) error { return tx.Users().Update(missing) })
	wantErr(t, "Update missing", err, store.ErrNotFound)
	err = f.try(func(tx store.Tx) error { return tx.Users().Delete("A", "nope") })
	wantErr(t, "Delete missing", err, store.ErrNotFound)
	err = f.try(func(tx store.Tx) error { return tx.Users().Create(newUser("nope", "s", "x")) })
	wantErr(t, "Create in missing pool", err, store.ErrNotFound)

	// Delete frees the username and the aliases.
	f.update(func(tx store.Tx) error { return tx.Users().Delete("A", "sub-1") })
	err = f.peek(func(tx store.Tx) error { _, err := tx.Users().Get("A", "sub-1"); return err })
	wantErr(t, "Get after Delete", err, store.ErrNotFound)
	err = f.peek(func(tx store.Tx) error {
		_, err := tx.Users().GetByAlias("A", store.Alias{Kind: "email", Key: "alice@example.com"})
		return err
	})
	wantErr(t, "GetByAlias after Delete", err, store.ErrNotFound)
	f.update(func(tx store.Tx) error { return tx.Users().Create(fullUser("A", "sub-2", "alice")) })
}

func testUsersUnique(t *testing.T, f *fixture) {
	f.seedPools("A", "B")
	f.update(func(tx store.Tx) error { return tx.Users().Create(newUser("A", "sub-1", "alice")) })

	dupName := newUser("A", "sub-2", "alice")
	dupName.Aliases = nil
	err := f.try(func(tx store.Tx) error { return tx.Users().Create(dupName) })
	wantExists(t, "Create duplicate username", err, "username")

	err = f.try(func(tx store.Tx) error { return tx.Users().Create(newUser("A", "sub-1", "other")) })
	var ee *store.ExistsError
	if !errors.As(err, &ee) {
		t.Errorf("Create duplicate sub: got %v, want *store.ExistsError", err)
	}

	dupAlias := newUser("A", "sub-3", "bob")
	dupAlias.Aliases = []store.Alias{{Kind: "phone_number", Key: "+1555"}, {Kind: "email", Key: "alice@example.com"}}
	err = f.try(func(tx store.Tx) error { return tx.Users().Create(dupAlias) })
	wantExists(t, "Create with a taken alias", err, "alias:email")

	// The same key under another kind is a different alias.
	other := newUser("A", "sub-4", "carol")
	other.Aliases = []store.Alias{{Kind: "preferred_username", Key: "alice@example.com"}}
	f.update(func(tx store.Tx) error { return tx.Users().Create(other) })

	// The same username, sub and alias in another pool are fine.
	f.update(func(tx store.Tx) error { return tx.Users().Create(newUser("B", "sub-1", "alice")) })

	// A failed Create leaves nothing behind, even when the transaction goes
	// on and commits: no user row without its aliases.
	f.update(func(tx store.Tx) error {
		err := tx.Users().Create(dupAlias)
		wantExists(t, "Create with a taken alias, in a committed tx", err, "alias:email")
		return nil
	})
	f.view(func(tx store.Tx) error {
		if _, err := tx.Users().Get("A", "sub-3"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("user of a failed Create: Get = %v, want ErrNotFound", err)
		}
		if _, err := tx.Users().GetByAlias("A", store.Alias{Kind: "phone_number", Key: "+1555"}); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("alias of a failed Create: GetByAlias = %v, want ErrNotFound", err)
		}
		n, err := tx.Users().Count("A")
		if err != nil || n != 2 {
			t.Errorf("Count(A) = %d, %v; want 2", n, err)
		}
		return nil
	})
}

func testUsersUpdate(t *testing.T, f *fixture) {
	f.seedPools("A")
	u := fullUser("A", "sub-1", "alice")
	f.update(func(tx store.Tx) error {
		if err := tx.Users().Create(u); err != nil {
			return err
		}
		return tx.Users().Create(newUser("A", "sub-2", "bob"))
	})

	// Update writes every field and replaces the aliases.
	up := *u
	up.Status, up.Enabled = "CONFIRMED", false
	up.Attributes = map[string]string{"email": "new@example.com"}
	up.Aliases = []store.Alias{{Kind: "email", Key: "new@example.com"}}
	up.PasswordHash, up.PasswordSetAt = "$argon2id$new", at(time.Hour)
	up.MFAEnabled, up.MFAPreferred, up.Extra = nil, "", []byte("e")
	up.FailedAttempts, up.LastFailedAt, up.LockedUntil = 0, time.Time{}, time.Time{}
	up.TokensRevokedAt, up.UpdatedAt = at(2*time.Hour), at(2*time.Hour)
	f.update(func(tx store.Tx) error { return tx.Users().Update(&up) })
	if up.Version != 2 {
		t.Errorf("Update set Version = %d, want 2", up.Version)
	}
	f.view(func(tx store.Tx) error {
		got, err := tx.Users().Get("A", "sub-1")
		if err != nil {
			return err
		}
		same(t, "Get after Update", got, &up)
		if _, err := tx.Users().GetByAlias("A", store.Alias{Kind: "phone_number", Key: "+15550100"}); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("replaced alias still resolves: %v", err)
		}
		got, err = tx.Users().GetByAlias("A", store.Alias{Kind: "email", Key: "new@example.com"})
		if err != nil {
			return err
		}
		same(t, "GetByAlias(new alias)", got, &up)
		return nil
	})

	stale := up
	stale.Version = 1
	err := f.try(func(tx store.Tx) error { return tx.Users().Update(&stale) })
	wantErr(t, "Update with stale version", err, store.ErrConflict)

	// Claiming another user's alias fails and changes nothing, even when
	// the transaction commits afterwards.
	grab := up
	grab.Status = "SHOULD_NOT_STICK"
	grab.Aliases = []store.Alias{{Kind: "phone_number", Key: "+1999"}, {Kind: "email", Key: "bob@example.com"}}
	f.update(func(tx store.Tx) error {
		err := tx.Users().Update(&grab)
		wantExists(t, "Update to a taken alias", err, "alias:email")
		if grab.Version != up.Version {
			t.Errorf("failed Update changed Version to %d", grab.Version)
		}
		return nil
	})
	f.view(func(tx store.Tx) error {
		got, err := tx.Users().Get("A", "sub-1")
		if err != nil {
			return err
		}
		same(t, "Get after a failed Update", got, &up)
		return nil
	})

	// Renaming to a taken username key is an ExistsError too.
	rename := up
	rename.Username, rename.UsernameKey = "bob", "bob"
	err = f.try(func(tx store.Tx) error { return tx.Users().Update(&rename) })
	wantExists(t, "Update to a taken username", err, "username")
}

// testUsersPoolIsolation: users of pool A are invisible through pool B's
// keys, for every lookup.
func testUsersPoolIsolation(t *testing.T, f *fixture) {
	f.seedPools("A", "B")
	a := fullUser("A", "sub-a", "alice")
	f.update(func(tx store.Tx) error { return tx.Users().Create(a) })
	f.view(func(tx store.Tx) error {
		if _, err := tx.Users().Get("B", "sub-a"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("Get(B, sub of A) = %v, want ErrNotFound", err)
		}
		if _, err := tx.Users().GetByUsername("B", "alice"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("GetByUsername(B, username of A) = %v, want ErrNotFound", err)
		}
		for _, al := range a.Aliases {
			if _, err := tx.Users().GetByAlias("B", al); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("GetByAlias(B, %v of A) = %v, want ErrNotFound", al, err)
			}
		}
		users, next, err := tx.Users().List("B", store.Page{})
		if err != nil || len(users) != 0 || next != "" {
			t.Errorf("List(B) = %d users, %q, %v; want none", len(users), next, err)
		}
		if n, err := tx.Users().Count("B"); err != nil || n != 0 {
			t.Errorf("Count(B) = %d, %v; want 0", n, err)
		}
		return nil
	})
	wrong := *a
	wrong.PoolID, wrong.Version = "B", 1
	err := f.try(func(tx store.Tx) error { return tx.Users().Update(&wrong) })
	wantErr(t, "Update through pool B", err, store.ErrNotFound)
	err = f.try(func(tx store.Tx) error { return tx.Users().Delete("B", "sub-a") })
	wantErr(t, "Delete through pool B", err, store.ErrNotFound)
	f.view(func(tx store.Tx) error {
		got, err := tx.Users().Get("A", "sub-a")
		if err != nil {
			return err
		}
		same(t, "user of A after attempts through B", got, a)
		return nil
	})
}

func testUsersList(t *testing.T, f *fixture) {
	f.seedPools("A", "B")
	const n = 23
	var want []*store.User
	f.update(func(tx store.Tx) error {
		// Created in reverse order; List orders by UsernameKey.
		for i := n - 1; i >= 0; i-- {
			u := newUser("A", fmt.Sprintf("sub-%d", i), fmt.Sprintf("User%03d", i))
			if err := tx.Users().Create(u); err != nil {
				return err
			}
			want = append([]*store.User{u}, want...)
			if err := tx.Users().Create(newUser("B", fmt.Sprintf("sub-%d", i), fmt.Sprintf("b%03d", i))); err != nil {
				return err
			}
		}
		return nil
	})
	for _, limit := range []int{1, 4, n, n + 1} {
		var got []*store.User
		f.view(func(tx store.Tx) error {
			got = pages(t, func(p store.Page) ([]*store.User, string, error) { return tx.Users().List("A", p) }, limit)
			return nil
		})
		same(t, fmt.Sprintf("List(A) with limit %d", limit), got, want)
	}
	f.view(func(tx store.Tx) error {
		if c, err := tx.Users().Count("A"); err != nil || c != n {
			t.Errorf("Count(A) = %d, %v; want %d", c, err, n)
		}
		got, _, err := tx.Users().List("A", store.Page{Limit: 0})
		if err != nil || len(got) != n {
			t.Errorf("List(A, Limit 0) = %d users, %v; want all %d (default page is 60)", len(got), err, n)
		}
		return nil
	})
}

// testUsersConcurrentCreate: many transactions racing to create one
// username: exactly one wins, the others see ExistsError{"username"}.
func testUsersConcurrentCreate(t *testing.T, f *fixture) {
	f.seedPools("A")
	const n = 32
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			u := newUser("A", fmt.Sprintf("sub-%d", i), "racer")
			u.Aliases = nil
			errs[i] = f.try(func(tx store.Tx) error { return tx.Users().Create(u) })
		})
	}
	wg.Wait()
	wins := 0
	for i, err := range errs {
		if err == nil {
			wins++
			continue
		}
		wantExists(t, fmt.Sprintf("racer %d", i), err, "username")
	}
	if wins != 1 {
		t.Errorf("%d creates won, want exactly 1", wins)
	}
}

// testUsersCount: Count follows every way a user comes or goes (Create,
// Delete, a rolled back Create, a failed one, UpdateBulk, concurrent
// writers, the purge of a deleted pool), and never counts another pool's.
func testUsersCount(t *testing.T, f *fixture) {
	f.seedPools("A", "B")
	count := func(pool string) int64 {
		t.Helper()
		var n int64
		f.view(func(tx store.Tx) (err error) { n, err = tx.Users().Count(pool); return err })
		return n
	}
	check := func(what string, a, b int64) {
		t.Helper()
		if got := count("A"); got != a {
			t.Errorf("%s: Count(A) = %d, want %d", what, got, a)
		}
		if got := count("B"); got != b {
			t.Errorf("%s: Count(B) = %d, want %d", what, got, b)
		}
	}
	check("no users", 0, 0)
	f.seedUsers("A", "a1", "a2", "a3")
	f.seedUsers("B", "b1")
	check("after Create", 3, 1)
	f.update(func(tx store.Tx) error { return tx.Users().Delete("A", "a2") })
	check("after Delete", 2, 1)
	errRollback := errors.New("roll back")
	err := f.try(func(tx store.Tx) error {
		if err := tx.Users().Create(newUser("A", "a4", "user-a4")); err != nil {
			return err
		}
		if err := tx.Users().Delete("A", "a1"); err != nil {
			return err
		}
		return errRollback
	})
	wantErr(t, "rolled back Create and Delete", err, errRollback)
	check("after a rolled back Create and Delete", 2, 1)
	f.update(func(tx store.Tx) error {
		if err := tx.Users().Create(newUser("A", "a1", "user-a1")); err == nil {
			t.Error("Create of an existing sub succeeded")
		}
		return tx.Users().Create(newUser("A", "a5", "user-a5"))
	})
	check("after a failed and a good Create", 3, 1)
	err = f.s.UpdateBulk(f.ctx, func(tx store.Tx) error {
		for i := range 10 {
			if err := tx.Users().Create(newUser("B", fmt.Sprintf("bulk-%d", i), fmt.Sprintf("bulk-%d", i))); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	check("after UpdateBulk", 3, 11)
	// Writers at once, on one pool: no increment is lost.
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Go(func() {
			for i := range 5 {
				sub := fmt.Sprintf("w%d-%d", w, i)
				err := f.s.Update(f.ctx, func(tx store.Tx) error {
					return tx.Users().Create(newUser("A", sub, sub))
				})
				if err != nil {
					t.Errorf("concurrent Create %s: %v", sub, err)
				}
			}
		})
	}
	wg.Wait()
	check("after 40 concurrent Creates", 43, 11)
	// A deleted pool's users go in purge steps; a new pool of the same ID
	// starts at 0.
	f.update(func(tx store.Tx) error { return tx.Pools().Delete("B") })
	f.purge(4)
	f.seedPools("B")
	check("B purged and created again", 43, 0)
	f.seedUsers("B", "again")
	check("a user in the new B", 43, 1)
}
