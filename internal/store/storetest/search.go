package storetest

import (
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/ninshou/ninshou/internal/store"
)

// searchUser is a user of pool with the given username (key: lower case)
// and attributes, and no aliases, so that values can repeat.
func searchUser(pool, sub, username string, attrs map[string]string) *store.User {
	u := newUser(pool, sub, username)
	u.Attributes, u.Aliases = attrs, nil
	return u
}

// search runs Search through every page of the given size.
func (f *fixture) search(pool string, flt store.UserFilter, limit int) (got []*store.User) {
	f.t.Helper()
	f.view(func(tx store.Tx) error {
		got = pages(f.t, func(p store.Page) ([]*store.User, string, error) {
			return tx.Users().Search(pool, flt, p)
		}, limit)
		return nil
	})
	return got
}

// wantSearch checks that Search finds exactly want (in UsernameKey order,
// or for a prefix in (value, UsernameKey) order), with small and large
// pages, each row once.
func wantSearch(t *testing.T, f *fixture, pool string, flt store.UserFilter, want ...*store.User) {
	t.Helper()
	want = append([]*store.User(nil), want...)
	sortFor(flt, want)
	for _, limit := range []int{1, 2, 60} {
		same(t, fmt.Sprintf("Search(%s, %+v) with limit %d", pool, flt, limit), f.search(pool, flt, limit), want)
	}
}

// sortFor puts us in the order Search gives flt: by UsernameKey for an
// exact search, by (value, UsernameKey) for a prefix, so that a broad prefix
// is one index range costing a page.
func sortFor(flt store.UserFilter, us []*store.User) {
	sort.Slice(us, func(i, j int) bool {
		if flt.Prefix {
			vi, vj := store.SearchValues(us[i])[flt.Field], store.SearchValues(us[j])[flt.Field]
			if vi != vj {
				return vi < vj
			}
		}
		return us[i].UsernameKey < us[j].UsernameKey
	})
}

func exact(field, value string) store.UserFilter { return store.UserFilter{Field: field, Value: value} }
func prefix(field, value string) store.UserFilter {
	return store.UserFilter{Field: field, Value: value, Prefix: true}
}

// testUsersSearch: exact and prefix search on every searchable field;
// matching is on the stored value, case-sensitive; a user without the
// attribute is not found by it, not even by the prefix ""; users come back
// whole (aliases included) in UsernameKey order (a prefix: value, then
// UsernameKey); pools do not see each other.
func testUsersSearch(t *testing.T, f *fixture) {
	f.seedPools("A", "B")
	alice := searchUser("A", "sub-a", "Alice", map[string]string{
		"email": "alice@example.com", "phone_number": "+15550100", "name": "Alice Liddell",
		"given_name": "Alice", "family_name": "Liddell", "preferred_username": "ally",
	})
	alice.Aliases = []store.Alias{{Kind: "email", Key: "alice@example.com"}}
	bob := searchUser("A", "sub-b", "bob", map[string]string{
		"email": "bob@example.org", "phone_number": "+15550199", "name": "Bob Liddell",
		"given_name": "Bob", "family_name": "Liddell", "preferred_username": "bobby",
	})
	bob.Status, bob.Enabled = "UNCONFIRMED", false
	carol := searchUser("A", "sub-c", "carol", map[string]string{"email": "carol@example.com"})
	carol.Status = "FORCE_CHANGE_PASSWORD"
	// Pool B holds the same values: never found through pool A.
	noise := []*store.User{
		searchUser("B", "sub-a", "Alice", alice.Attributes),
		searchUser("B", "sub-x", "alice2", map[string]string{"email": "alice@example.com"}),
	}
	f.update(func(tx store.Tx) error {
		for _, u := range append([]*store.User{alice, bob, carol}, noise...) {
			if err := tx.Users().Create(u); err != nil {
				return err
			}
		}
		return nil
	})
	none := []*store.User{}

	for _, c := range []struct {
		flt  store.UserFilter
		want []*store.User
	}{
		// username matches Username, case-sensitively, not UsernameKey.
		{exact("username", "Alice"), []*store.User{alice}},
		{exact("username", "alice"), none},
		{prefix("username", "Al"), []*store.User{alice}},
		{prefix("username", "al"), none},
		{prefix("username", ""), []*store.User{alice, bob, carol}},
		{exact("email", "alice@example.com"), []*store.User{alice}},
		{exact("email", "alice@example"), none},
		{prefix("email", "alice@example"), []*store.User{alice}},
		{prefix("email", "b"), []*store.User{bob}},
		{prefix("email", ""), []*store.User{alice, bob, carol}},
		{exact("phone_number", "+15550100"), []*store.User{alice}},
		{prefix("phone_number", "+1555"), []*store.User{alice, bob}},
		{exact("name", "Bob Liddell"), []*store.User{bob}},
		{prefix("name", "Bob L"), []*store.User{bob}},
		// carol has no name: not even the prefix "" finds her.
		{prefix("name", ""), []*store.User{alice, bob}},
		{exact("given_name", "Alice"), []*store.User{alice}},
		{prefix("given_name", "A"), []*store.User{alice}},
		{exact("family_name", "Liddell"), []*store.User{alice, bob}},
		{prefix("family_name", "Lidd"), []*store.User{alice, bob}},
		// Attributes and sub match without regard to case; username and
		// status do not.
		{exact("family_name", "liddell"), []*store.User{alice, bob}},
		{exact("email", "ALICE@Example.com"), []*store.User{alice}},
		{prefix("email", "ALI"), []*store.User{alice}},
		{prefix("name", "bob l"), []*store.User{bob}},
		{exact("preferred_username", "BOBBY"), []*store.User{bob}},
		{exact("sub", "SUB-B"), []*store.User{bob}},
		{exact("preferred_username", "bobby"), []*store.User{bob}},
		{prefix("preferred_username", "b"), []*store.User{bob}},
		{exact("cognito:user_status", "CONFIRMED"), []*store.User{alice}},
		{exact("cognito:user_status", "UNCONFIRMED"), []*store.User{bob}},
		{prefix("cognito:user_status", "FORCE"), []*store.User{carol}},
		{prefix("cognito:user_status", "CON"), []*store.User{alice}},
		{exact("status", "Enabled"), []*store.User{alice, carol}},
		{exact("status", "Disabled"), []*store.User{bob}},
		{prefix("status", "Dis"), []*store.User{bob}},
		{exact("status", "enabled"), none},
		{exact("sub", "sub-b"), []*store.User{bob}},
		{prefix("sub", "sub-"), []*store.User{alice, bob, carol}},
		{exact("sub", "sub-"), none},
	} {
		wantSearch(t, f, "A", c.flt, c.want...)
	}
	wantSearch(t, f, "B", exact("email", "alice@example.com"), f.get("B", "sub-a"), f.get("B", "sub-x"))
	wantSearch(t, f, "nope", prefix("email", ""))

	err := f.peek(func(tx store.Tx) error {
		_, _, err := tx.Users().Search("A", exact("custom:tier", "gold"), store.Page{})
		return err
	})
	if err == nil {
		t.Error("Search by a field that is not searchable succeeded, want an error")
	}
}

// get reads one user, failing the test if it is missing.
func (f *fixture) get(pool, sub string) (u *store.User) {
	f.t.Helper()
	f.view(func(tx store.Tx) (err error) { u, err = tx.Users().Get(pool, sub); return err })
	return u
}

// testUsersSearchLiteral: the value is matched literally: %, _ and \ are
// ordinary characters, in exact and prefix searches alike, and a prefix
// range is exact at the top of Unicode.
func testUsersSearchLiteral(t *testing.T, f *fixture) {
	f.seedPools("A")
	names := []string{
		`a%b`, `axb`, `a_b`, `a\b`, `a\\b`, `a%`, `a`, `ab`, `a%%`, `%`, `_`, `\`, `ab` + "\U0010FFFF",
		"ab\U0010FFFFz", "a\U0010FFFF", "\U0010FFFF!", "b", "zoë", "zoé", "\uD7FFx", "\uE000", `A%B`,
	}
	users := map[string]*store.User{}
	f.update(func(tx store.Tx) error {
		for i, name := range names {
			u := searchUser("A", fmt.Sprintf("sub-%02d", i), fmt.Sprintf("user%02d", i), map[string]string{"name": name})
			users[name] = u
			if err := tx.Users().Create(u); err != nil {
				return fmt.Errorf("create %q: %w", name, err)
			}
		}
		return nil
	})
	// matching is the reference: Go's own string comparison, of the values
	// folded as store.SearchKey folds them (A%B is a%b's twin).
	matching := func(flt store.UserFilter) []*store.User {
		var out []*store.User
		for name, u := range users {
			key, v := store.SearchKey("name", name), store.SearchKey("name", flt.Value)
			if key == v || flt.Prefix && strings.HasPrefix(key, v) {
				out = append(out, u)
			}
		}
		return out
	}
	for _, v := range []string{`a%`, `a_`, `a\`, `a\\`, `%`, `_`, `\`, `a%b`, `a_b`, `a\b`, `a`, `ab`,
		"ab\U0010FFFF", "a\U0010FFFF", "\U0010FFFF", "zo", "zoë", "\uD7FF", "A", `A%`} {
		for _, flt := range []store.UserFilter{exact("name", v), prefix("name", v)} {
			want := matching(flt)
			if len(want) == 0 && flt.Prefix {
				t.Fatalf("test bug: prefix %q matches nothing", v)
			}
			wantSearch(t, f, "A", flt, want...)
		}
	}
}

// testUsersSearchMaintained: Search follows Update (changed, added and
// removed attributes, a new username, status and enabled) and Delete.
func testUsersSearchMaintained(t *testing.T, f *fixture) {
	f.seedPools("A")
	u := searchUser("A", "sub-1", "alice", map[string]string{"email": "old@example.com", "name": "Alice"})
	f.update(func(tx store.Tx) error {
		if err := tx.Users().Create(u); err != nil {
			return err
		}
		return tx.Users().Create(searchUser("A", "sub-2", "bob", map[string]string{"email": "bob@example.com"}))
	})
	up := *u
	up.Username, up.UsernameKey = "Zed", "zed"
	up.Status, up.Enabled = "RESET_REQUIRED", false
	up.Attributes = map[string]string{"email": "new@example.com", "given_name": "Al"}
	f.update(func(tx store.Tx) error { return tx.Users().Update(&up) })
	none := []*store.User{}
	for _, c := range []struct {
		flt  store.UserFilter
		want []*store.User
	}{
		{exact("email", "old@example.com"), none},
		{exact("email", "new@example.com"), []*store.User{&up}},
		{exact("name", "Alice"), none},
		{prefix("name", ""), none},
		{exact("given_name", "Al"), []*store.User{&up}},
		{exact("username", "alice"), none},
		{exact("username", "Zed"), []*store.User{&up}},
		{exact("cognito:user_status", "CONFIRMED"), []*store.User{f.get("A", "sub-2")}},
		{exact("cognito:user_status", "RESET_REQUIRED"), []*store.User{&up}},
		{exact("status", "Disabled"), []*store.User{&up}},
		{exact("status", "Enabled"), []*store.User{f.get("A", "sub-2")}},
		// Ordered by value: bob@, then new@.
		{prefix("email", ""), []*store.User{f.get("A", "sub-2"), &up}},
	} {
		wantSearch(t, f, "A", c.flt, c.want...)
	}
	// A failed Update (a version conflict) leaves the index as it was.
	stale := up
	stale.Version = 1
	stale.Attributes = map[string]string{"email": "stale@example.com"}
	wantErr(t, "stale Update", f.try(func(tx store.Tx) error { return tx.Users().Update(&stale) }), store.ErrConflict)
	wantSearch(t, f, "A", exact("email", "stale@example.com"))
	wantSearch(t, f, "A", exact("email", "new@example.com"), &up)

	f.update(func(tx store.Tx) error { return tx.Users().Delete("A", "sub-1") })
	bob := f.get("A", "sub-2")
	for _, field := range store.SearchFields {
		var want []*store.User
		if _, ok := store.SearchValues(bob)[field]; ok {
			want = append(want, bob)
		}
		wantSearch(t, f, "A", prefix(field, ""), want...)
	}
}

// testUsersSearchPages: a search matching many users, exact and prefix,
// visits every one once in its order (UsernameKey; a prefix: value, then
// UsernameKey), however small the pages, also when values repeat.
func testUsersSearchPages(t *testing.T, f *fixture) {
	f.seedPools("A", "B")
	const n = 23
	var all []*store.User
	f.update(func(tx store.Tx) error {
		// Created in reverse; emails sort unlike usernames.
		for i := n - 1; i >= 0; i-- {
			u := searchUser("A", fmt.Sprintf("sub-%02d", i), fmt.Sprintf("User%02d", i),
				map[string]string{"email": fmt.Sprintf("%02d@example.com", n-i), "family_name": "Same"})
			if err := tx.Users().Create(u); err != nil {
				return err
			}
			all = append(all, u)
			if err := tx.Users().Create(searchUser("B", u.Sub, u.Username, u.Attributes)); err != nil {
				return err
			}
		}
		// One that matches neither.
		return tx.Users().Create(searchUser("A", "sub-x", "aaa", map[string]string{"email": "x@example.org"}))
	})
	sort.Slice(all, func(i, j int) bool { return all[i].UsernameKey < all[j].UsernameKey })
	for _, limit := range []int{1, 4, n, n + 1} {
		for _, flt := range []store.UserFilter{exact("family_name", "Same"), prefix("email", ""), prefix("family_name", "Sa")} {
			want := append([]*store.User(nil), all...)
			if flt.Field == "email" {
				want = append(want, f.get("A", "sub-x"))
			}
			sortFor(flt, want)
			same(t, fmt.Sprintf("Search(%+v) with limit %d", flt, limit), f.search("A", flt, limit), want)
		}
		want := filter(all, func(u *store.User) bool { return strings.HasPrefix(u.Attributes["email"], "0") })
		sortFor(prefix("email", "0"), want)
		same(t, fmt.Sprintf("Search(prefix email 0) with limit %d", limit), f.search("A", prefix("email", "0"), limit), want)
	}
	f.view(func(tx store.Tx) error {
		got, _, err := tx.Users().Search("A", exact("family_name", "Same"), store.Page{})
		if err != nil || len(got) != n {
			t.Errorf("Search(Limit 0) = %d users, %v; want all %d (default page is 60)", len(got), err, n)
		}
		return nil
	})
}

func filter(us []*store.User, keep func(*store.User) bool) []*store.User {
	out := []*store.User{}
	for _, u := range us {
		if keep(u) {
			out = append(out, u)
		}
	}
	return out
}
