package storetest

import (
	"errors"
	"testing"
	"time"

	"github.com/ninshou/ninshou/internal/store"
)

// seedUserData gives user sub of pool a group membership, a device, a
// passkey and an event.
func seedUserData(pool, sub string) func(tx store.Tx) error {
	return func(tx store.Tx) error {
		for _, err := range []error{
			tx.Groups().AddMember(pool, "admins", sub),
			tx.Devices().Create(newDevice(pool, sub, "dev-"+sub, t0)),
			tx.WebAuthn().Create(newCredential(pool, sub, []byte("cred-"+sub), t0)),
			tx.AuthEvents().Add(newAuthEvent(pool, sub, "ev-1", t0)),
		} {
			if err != nil {
				return err
			}
		}
		return nil
	}
}

// userData reports, by what, whether each of seedUserData's rows of user
// sub is there (nil) or gone (ErrNotFound), and whether Search finds it.
func (f *fixture) userData(pool, sub string) map[string]error {
	f.t.Helper()
	var errs map[string]error
	f.view(func(tx store.Tx) error {
		gone := func(n int, err error) error {
			if err == nil && n == 0 {
				return store.ErrNotFound
			}
			return err
		}
		groups, _, err := tx.Groups().ListForUser(pool, sub, store.Page{})
		gErr := gone(len(groups), err)
		members, _, err := tx.Groups().ListMembers(pool, "admins", store.Page{})
		mErr := store.ErrNotFound
		for _, u := range members {
			if u.Sub == sub {
				mErr = nil
			}
		}
		if err != nil {
			mErr = err
		}
		_, dErr := tx.Devices().Get(pool, "dev-"+sub)
		devices, _, err := tx.Devices().List(pool, sub, store.Page{})
		dlErr := gone(len(devices), err)
		_, cErr := tx.WebAuthn().Get(pool, []byte("cred-"+sub))
		creds, _, err := tx.WebAuthn().List(pool, sub, store.Page{})
		clErr := gone(len(creds), err)
		events, _, err := tx.AuthEvents().List(pool, sub, store.Page{})
		eErr := gone(len(events), err)
		found, _, err := tx.Users().Search(pool, store.UserFilter{Field: store.FieldSub, Value: sub}, store.Page{})
		sErr := gone(len(found), err)
		errs = map[string]error{
			"membership (ListForUser)": gErr, "membership (ListMembers)": mErr, "device": dErr,
			"device list": dlErr, "passkey": cErr, "passkey list": clErr, "events": eErr, "search entry": sErr,
		}
		return nil
	})
	return errs
}

func wantGone(t *testing.T, what string, errs map[string]error) {
	t.Helper()
	for k, err := range errs {
		if !errors.Is(err, store.ErrNotFound) {
			t.Errorf("%s, but its %s is still there (%v)", what, k, err)
		}
	}
}

func wantThere(t *testing.T, what string, errs map[string]error) {
	t.Helper()
	for k, err := range errs {
		if err != nil {
			t.Errorf("%s, and its %s is gone too (%v)", what, k, err)
		}
	}
}

// testUserDeleteCascades: deleting a user removes its memberships, devices,
// passkeys, events and search entries, and nothing of another user.
func testUserDeleteCascades(t *testing.T, f *fixture) {
	f.seedPools("A")
	f.seedUsers("A", "sub-1", "sub-2")
	f.update(func(tx store.Tx) error { return tx.Groups().Create(newGroup("A", "admins")) })
	f.update(seedUserData("A", "sub-1"))
	f.update(seedUserData("A", "sub-2"))
	f.update(func(tx store.Tx) error { return tx.Users().Delete("A", "sub-1") })
	wantGone(t, "user sub-1 deleted", f.userData("A", "sub-1"))
	wantThere(t, "user sub-1 deleted", f.userData("A", "sub-2"))
	// The keys are free again.
	f.seedUsers("A", "sub-1")
	f.update(seedUserData("A", "sub-1"))
}

// testPoolDeleteCascadesNew: deleting a pool deletes its groups,
// memberships, devices, passkeys, events and search entries, and nothing of
// another pool.
func testPoolDeleteCascadesNew(t *testing.T, f *fixture) {
	f.seedPools("A", "B")
	seed := func(pool string) {
		f.seedUsers(pool, "sub-1")
		f.update(func(tx store.Tx) error { return tx.Groups().Create(newGroup(pool, "admins")) })
		f.update(seedUserData(pool, "sub-1"))
	}
	seed("A")
	seed("B")
	f.update(func(tx store.Tx) error { return tx.Pools().Delete("A") })
	f.purge(100)
	wantGone(t, "pool A deleted", f.userData("A", "sub-1"))
	wantThere(t, "pool A deleted", f.userData("B", "sub-1"))
	for _, pool := range []string{"A", "B"} {
		var groups []*store.Group
		f.view(func(tx store.Tx) (err error) { groups, _, err = tx.Groups().List(pool, store.Page{}); return err })
		if want := map[string]int{"A": 0, "B": 1}[pool]; len(groups) != want {
			t.Errorf("pool A deleted: pool %s has %d groups, want %d", pool, len(groups), want)
		}
	}
	f.seedPools("A")
	seed("A")
}

// testNewReposViewCannotWrite: every write of the new repositories fails
// inside View, and writes nothing.
func testNewReposViewCannotWrite(t *testing.T, f *fixture) {
	f.seedPools("A")
	f.seedUsers("A", "sub-1")
	f.update(func(tx store.Tx) error { return tx.Groups().Create(newGroup("A", "admins")) })
	writes := map[string]func(tx store.Tx) error{
		"Groups.Create":    func(tx store.Tx) error { return tx.Groups().Create(newGroup("A", "g2")) },
		"Groups.AddMember": func(tx store.Tx) error { return tx.Groups().AddMember("A", "admins", "sub-1") },
		"Devices.Create":   func(tx store.Tx) error { return tx.Devices().Create(newDevice("A", "sub-1", "d", t0)) },
		"WebAuthn.Create": func(tx store.Tx) error {
			return tx.WebAuthn().Create(newCredential("A", "sub-1", []byte("c"), t0))
		},
		"AuthEvents.Add": func(tx store.Tx) error { return tx.AuthEvents().Add(newAuthEvent("A", "sub-1", "e", t0)) },
		"AuthEvents.SetFeedback": func(tx store.Tx) error {
			return tx.AuthEvents().SetFeedback("A", "sub-1", "ev-1", store.EventFeedback{Value: "Valid", Provider: "Admin", At: t0})
		},
		"AuthEvents.DeleteBefore": func(tx store.Tx) error {
			_, err := tx.AuthEvents().DeleteBefore(at(time.Hour))
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
	data := f.userData("A", "sub-1")
	delete(data, "search entry") // the user is there, and found
	wantGone(t, "only View wrote", data)
}
