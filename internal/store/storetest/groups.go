package storetest

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/ninshou/ninshou/internal/store"
)

func intPtr(n int) *int { return &n }

func newGroup(poolID, name string) *store.Group {
	return &store.Group{
		PoolID:      poolID,
		Name:        name,
		Description: "the " + name + " group ✓",
		RoleArn:     "arn:aws:iam::123456789012:role/" + name,
		Precedence:  intPtr(7),
		CreatedAt:   t0,
		UpdatedAt:   at(time.Second),
	}
}

// seedUsers creates users with the given subs in pool, named "user-<sub>".
func (f *fixture) seedUsers(pool string, subs ...string) {
	f.t.Helper()
	f.update(func(tx store.Tx) error {
		for _, sub := range subs {
			if err := tx.Users().Create(newUser(pool, sub, "user-"+sub)); err != nil {
				return err
			}
		}
		return nil
	})
}

func testGroups(t *testing.T, f *fixture) {
	f.seedPools("A", "B")
	f.seedUsers("A", "sub-1")
	f.seedUsers("B", "sub-b")
	g := newGroup("A", "admins")
	f.update(func(tx store.Tx) error { return tx.Groups().Create(g) })
	var got *store.Group
	f.view(func(tx store.Tx) (err error) { got, err = tx.Groups().Get("A", "admins"); return err })
	same(t, "Get after Create", got, g)

	// No precedence and precedence 0 are different things.
	none, zero := newGroup("A", "none"), newGroup("A", "zero")
	none.Precedence, zero.Precedence = nil, intPtr(0)
	none.Description, none.RoleArn, none.CreatedAt, none.UpdatedAt = "", "", time.Time{}, time.Time{}
	f.update(func(tx store.Tx) error {
		if err := tx.Groups().Create(none); err != nil {
			return err
		}
		return tx.Groups().Create(zero)
	})
	f.view(func(tx store.Tx) error {
		for _, want := range []*store.Group{none, zero} {
			got, err := tx.Groups().Get("A", want.Name)
			if err != nil {
				return err
			}
			same(t, "Get "+want.Name, got, want)
		}
		return nil
	})

	err := f.try(func(tx store.Tx) error { return tx.Groups().Create(newGroup("A", "admins")) })
	wantExists(t, "Create duplicate group", err, "group")
	err = f.try(func(tx store.Tx) error { return tx.Groups().Create(newGroup("nope", "admins")) })
	wantErr(t, "Create in missing pool", err, store.ErrNotFound)
	// The same name in another pool is another group.
	f.update(func(tx store.Tx) error { return tx.Groups().Create(newGroup("B", "admins")) })

	// Update writes every field but the key.
	up := *g
	up.Description, up.RoleArn, up.Precedence = "renamed", "", nil
	up.CreatedAt, up.UpdatedAt = at(-time.Hour), at(time.Hour)
	f.update(func(tx store.Tx) error { return tx.Groups().Update(&up) })
	f.view(func(tx store.Tx) (err error) { got, err = tx.Groups().Get("A", "admins"); return err })
	same(t, "Get after Update", got, &up)
	f.view(func(tx store.Tx) (err error) { got, err = tx.Groups().Get("B", "admins"); return err })
	same(t, "pool B's group after Update of A's", got, newGroup("B", "admins"))

	err = f.peek(func(tx store.Tx) error { _, err := tx.Groups().Get("A", "nope"); return err })
	wantErr(t, "Get missing", err, store.ErrNotFound)
	err = f.peek(func(tx store.Tx) error { _, err := tx.Groups().Get("nope", "admins"); return err })
	wantErr(t, "Get in missing pool", err, store.ErrNotFound)
	err = f.try(func(tx store.Tx) error { return tx.Groups().Update(newGroup("A", "nope")) })
	wantErr(t, "Update missing", err, store.ErrNotFound)
	err = f.try(func(tx store.Tx) error { return tx.Groups().Delete("A", "nope") })
	wantErr(t, "Delete missing", err, store.ErrNotFound)

	// Memberships: AddMember and RemoveMember are idempotent; a missing
	// group or user (a user of another pool is missing) is ErrNotFound.
	for range 2 {
		f.update(func(tx store.Tx) error { return tx.Groups().AddMember("A", "admins", "sub-1") })
	}
	for what, fn := range map[string]func(tx store.Tx) error{
		"missing group":         func(tx store.Tx) error { return tx.Groups().AddMember("A", "nope", "sub-1") },
		"missing user":          func(tx store.Tx) error { return tx.Groups().AddMember("A", "admins", "nope") },
		"user of another pool":  func(tx store.Tx) error { return tx.Groups().AddMember("A", "admins", "sub-b") },
		"group of another pool": func(tx store.Tx) error { return tx.Groups().AddMember("B", "none", "sub-b") },
	} {
		wantErr(t, "AddMember with a "+what, f.try(fn), store.ErrNotFound)
	}
	members := func(pool, name string) (users []*store.User) {
		f.view(func(tx store.Tx) (err error) {
			users, _, err = tx.Groups().ListMembers(pool, name, store.Page{})
			return err
		})
		return users
	}
	groupsOf := func(pool, sub string) (groups []*store.Group) {
		f.view(func(tx store.Tx) (err error) {
			groups, _, err = tx.Groups().ListForUser(pool, sub, store.Page{})
			return err
		})
		return groups
	}
	var alice *store.User
	f.view(func(tx store.Tx) (err error) { alice, err = tx.Users().Get("A", "sub-1"); return err })
	same(t, "ListMembers after AddMember twice", members("A", "admins"), []*store.User{alice})
	same(t, "ListForUser after AddMember twice", groupsOf("A", "sub-1"), []*store.Group{&up})
	same(t, "ListMembers of the same name in pool B", members("B", "admins"), []*store.User{})
	same(t, "ListForUser of the same sub in pool B", groupsOf("B", "sub-1"), []*store.Group{})

	// Count and CountForUser: pool A has admins, none and zero, B admins;
	// sub-1 belongs to one group of A (added twice), sub-b to none.
	counts := func() (a, b, sub1, subB int) {
		f.view(func(tx store.Tx) (err error) {
			if a, err = tx.Groups().Count("A"); err != nil {
				return err
			}
			if b, err = tx.Groups().Count("B"); err != nil {
				return err
			}
			if sub1, err = tx.Groups().CountForUser("A", "sub-1"); err != nil {
				return err
			}
			subB, err = tx.Groups().CountForUser("B", "sub-b")
			return err
		})
		return
	}
	if a, b, sub1, subB := counts(); a != 3 || b != 1 || sub1 != 1 || subB != 0 {
		t.Errorf("Count A, B, CountForUser sub-1, sub-b = %d, %d, %d, %d; want 3, 1, 1, 0", a, b, sub1, subB)
	}

	for range 2 {
		f.update(func(tx store.Tx) error { return tx.Groups().RemoveMember("A", "admins", "sub-1") })
	}
	f.update(func(tx store.Tx) error { return tx.Groups().RemoveMember("A", "nope", "nope") })
	same(t, "ListMembers after RemoveMember", members("A", "admins"), []*store.User{})
	same(t, "ListForUser after RemoveMember", groupsOf("A", "sub-1"), []*store.Group{})
	if _, _, sub1, _ := counts(); sub1 != 0 {
		t.Errorf("CountForUser after RemoveMember = %d, want 0", sub1)
	}

	// Deleting a group removes its memberships: a new group of the same
	// name starts empty.
	f.update(func(tx store.Tx) error { return tx.Groups().AddMember("A", "admins", "sub-1") })
	f.update(func(tx store.Tx) error { return tx.Groups().Delete("A", "admins") })
	err = f.peek(func(tx store.Tx) error { _, err := tx.Groups().Get("A", "admins"); return err })
	wantErr(t, "Get after Delete", err, store.ErrNotFound)
	same(t, "ListForUser after the group's Delete", groupsOf("A", "sub-1"), []*store.Group{})
	f.update(func(tx store.Tx) error { return tx.Groups().Create(newGroup("A", "admins")) })
	same(t, "ListMembers of a re-created group", members("A", "admins"), []*store.User{})

	// Deleting a user removes its memberships.
	f.update(func(tx store.Tx) error {
		if err := tx.Groups().AddMember("A", "admins", "sub-1"); err != nil {
			return err
		}
		return tx.Groups().AddMember("A", "zero", "sub-1")
	})
	f.update(func(tx store.Tx) error { return tx.Users().Delete("A", "sub-1") })
	same(t, "ListMembers after the user's Delete", members("A", "admins"), []*store.User{})
	same(t, "ListMembers(zero) after the user's Delete", members("A", "zero"), []*store.User{})
	f.seedUsers("A", "sub-1")
	same(t, "ListForUser of a re-created user", groupsOf("A", "sub-1"), []*store.Group{})
}

// testGroupsList: List and ListForUser order by name, ListMembers by
// UsernameKey; every row exactly once with small pages.
func testGroupsList(t *testing.T, f *fixture) {
	f.seedPools("A", "B")
	const n = 13
	var groups []*store.Group
	var users []*store.User
	f.update(func(tx store.Tx) error {
		// Created in reverse order, and subs that sort unlike the usernames.
		for i := n - 1; i >= 0; i-- {
			g := newGroup("A", fmt.Sprintf("group-%02d", i))
			u := newUser("A", fmt.Sprintf("sub-%02d", n-i), fmt.Sprintf("User%02d", i))
			for _, err := range []error{
				tx.Groups().Create(g),
				tx.Users().Create(u),
				tx.Groups().Create(newGroup("B", fmt.Sprintf("group-%02d", i))),
				tx.Users().Create(newUser("B", u.Sub, u.Username)),
			} {
				if err != nil {
					return err
				}
			}
			groups, users = append([]*store.Group{g}, groups...), append([]*store.User{u}, users...)
		}
		// Everyone in pool A's group-05; sub-01 in every group of A; the
		// same in pool B, as noise.
		for _, pool := range []string{"A", "B"} {
			for i := range n {
				if err := tx.Groups().AddMember(pool, "group-05", users[i].Sub); err != nil {
					return err
				}
				if err := tx.Groups().AddMember(pool, groups[i].Name, "sub-01"); err != nil {
					return err
				}
			}
		}
		return nil
	})
	// The users read back, as ListMembers returns them.
	f.view(func(tx store.Tx) error {
		for i, u := range users {
			got, err := tx.Users().Get("A", u.Sub)
			if err != nil {
				return err
			}
			users[i] = got
		}
		return nil
	})
	for _, limit := range []int{1, 4, n, n + 1} {
		f.view(func(tx store.Tx) error {
			got := pages(t, func(p store.Page) ([]*store.Group, string, error) { return tx.Groups().List("A", p) }, limit)
			same(t, fmt.Sprintf("List(A) with limit %d", limit), got, groups)
			got = pages(t, func(p store.Page) ([]*store.Group, string, error) {
				return tx.Groups().ListForUser("A", "sub-01", p)
			}, limit)
			same(t, fmt.Sprintf("ListForUser(A, sub-01) with limit %d", limit), got, groups)
			members := pages(t, func(p store.Page) ([]*store.User, string, error) {
				return tx.Groups().ListMembers("A", "group-05", p)
			}, limit)
			same(t, fmt.Sprintf("ListMembers(A, group-05) with limit %d", limit), members, users)
			return nil
		})
	}
	f.view(func(tx store.Tx) error {
		got, next, err := tx.Groups().List("nope", store.Page{})
		if err != nil || len(got) != 0 || next != "" {
			t.Errorf("List(missing pool) = %v, %q, %v; want empty", got, next, err)
		}
		got, next, err = tx.Groups().ListForUser("A", "nope", store.Page{})
		if err != nil || len(got) != 0 || next != "" {
			t.Errorf("ListForUser(missing user) = %v, %q, %v; want empty", got, next, err)
		}
		members, next, err := tx.Groups().ListMembers("A", "nope", store.Page{})
		if err != nil || len(members) != 0 || next != "" {
			t.Errorf("ListMembers(missing group) = %v, %q, %v; want empty", members, next, err)
		}
		_, _, err = tx.Groups().List("A", store.Page{After: "!!not a cursor!!"})
		if !errors.Is(err, store.ErrBadCursor) {
			t.Errorf("List with a bad cursor: %v, want ErrBadCursor", err)
		}
		return nil
	})
}
