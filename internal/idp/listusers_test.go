package idp

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/ninshou/ninshou/internal/store"
)

// TestParseFilter: both operators, blanks, escapes, every searchable
// attribute, the case-insensitive status, and what Cognito refuses.
func TestParseFilter(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want store.UserFilter
		ok   bool
	}{
		{``, store.UserFilter{}, false},
		{"  \t", store.UserFilter{}, false},
		{`email = "a@example.com"`, store.UserFilter{Field: "email", Value: "a@example.com"}, true},
		{`email="a@example.com"`, store.UserFilter{Field: "email", Value: "a@example.com"}, true},
		{` given_name ^= "Jo" `, store.UserFilter{Field: "given_name", Value: "Jo", Prefix: true}, true},
		{`family_name^="O\"Brien"`, store.UserFilter{Field: "family_name", Value: `O"Brien`, Prefix: true}, true},
		{`name = "back\\slash"`, store.UserFilter{Field: "name", Value: `back\slash`}, true},
		{`name = ""`, store.UserFilter{Field: "name", Value: ""}, true},
		{`name = "a = \"b\" ^= c"`, store.UserFilter{Field: "name", Value: `a = "b" ^= c`}, true},
		{`cognito:user_status = "unconfirmed"`, store.UserFilter{Field: "cognito:user_status", Value: "UNCONFIRMED"}, true},
		{`status = "Enabled"`, store.UserFilter{Field: "status", Value: "Enabled"}, true},
		{`username ^= "Al"`, store.UserFilter{Field: "username", Value: "Al", Prefix: true}, true},
		{`sub = "1b2c"`, store.UserFilter{Field: "sub", Value: "1b2c"}, true},
		{`phone_number ^= "+1"`, store.UserFilter{Field: "phone_number", Value: "+1", Prefix: true}, true},
		{`preferred_username = "x"`, store.UserFilter{Field: "preferred_username", Value: "x"}, true},
		// The API reference's example (API_ListUsers.html#API_ListUsers_Examples).
		{`"email"^="testuser"`, store.UserFilter{Field: "email", Value: "testuser", Prefix: true}, true},
		{` "email" = "a"`, store.UserFilter{Field: "email", Value: "a"}, true},
	} {
		got, ok, err := ParseFilter(tc.in)
		if err != nil || ok != tc.ok || got != tc.want {
			t.Errorf("ParseFilter(%q) = %+v %v %v; want %+v %v", tc.in, got, ok, err, tc.want, tc.ok)
		}
	}
	for _, in := range []string{
		`email`, `email =`, `email = a@example.com`, `email == "a"`, `email != "a"`, `email ~= "a"`,
		`email = "a`, `email = "a" and name = "b"`, `email = "a" x`, `= "a"`, `"email = "a"`, `"" = "a"`, `"custom:x" = "a"`,
		`custom:role = "a"`, `Email = "a"`, `email_verified = "true"`, `email = "a\n"`, `email = "a\"`,
		`email = 'a'`, `email ^ = "a"`,
	} {
		if _, _, err := ParseFilter(in); !IsCode(err, InvalidParameterException) || err.(*Error).Message != "Error while parsing filter." {
			t.Errorf("ParseFilter(%q) = %v; want InvalidParameterException Error while parsing filter.", in, err)
		}
	}
}

// FuzzParseFilter: the parser never panics, and what it accepts is a
// searchable field whose value round-trips through quoting.
func FuzzParseFilter(f *testing.F) {
	for _, s := range []string{`email = "a"`, `name ^= "x\"y\\z"`, ``, `sub="`, `status = "Enabled"  `} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		got, ok, err := ParseFilter(in)
		if err != nil || !ok {
			return
		}
		if !searchable[got.Field] {
			t.Fatalf("ParseFilter(%q) accepted field %q", in, got.Field)
		}
		if got.Field == store.FieldStatus {
			return // upper-cased
		}
		op := " = "
		if got.Prefix {
			op = " ^= "
		}
		quoted := `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(got.Value) + `"`
		again, ok, err := ParseFilter(got.Field + op + quoted)
		if err != nil || !ok || again != got {
			t.Fatalf("round trip of %q: %+v %v %v; want %+v", in, again, ok, err, got)
		}
	})
}

// TestGroupClaims: token order by precedence (none last) then name; roles
// deduplicated; the preferred role only when the best-ranked groups with a
// role agree.
func TestGroupClaims(t *testing.T) {
	prec := func(n int) *int { return &n }
	g := func(name string, p *int, role string) *store.Group {
		return &store.Group{Name: name, Precedence: p, RoleArn: role}
	}
	for _, tc := range []struct {
		name      string
		groups    []*store.Group
		names     []string
		roles     []string
		preferred string
	}{
		{"none", nil, nil, nil, ""},
		{"no roles", []*store.Group{g("b", nil, ""), g("a", prec(3), "")}, []string{"a", "b"}, nil, ""},
		{"lowest precedence wins", []*store.Group{g("admins", prec(1), "arn:admin"), g("users", prec(5), "arn:user"), g("misc", nil, "arn:misc")},
			[]string{"admins", "users", "misc"}, []string{"arn:admin", "arn:user", "arn:misc"}, "arn:admin"},
		{"a group without a role does not count", []*store.Group{g("top", prec(0), ""), g("users", prec(5), "arn:user")},
			[]string{"top", "users"}, []string{"arn:user"}, "arn:user"},
		{"tie, different roles", []*store.Group{g("a", prec(1), "arn:a"), g("b", prec(1), "arn:b")},
			[]string{"a", "b"}, []string{"arn:a", "arn:b"}, ""},
		{"tie, same role", []*store.Group{g("a", prec(1), "arn:x"), g("b", prec(1), "arn:x"), g("c", prec(2), "arn:c")},
			[]string{"a", "b", "c"}, []string{"arn:x", "arn:c"}, "arn:x"},
		{"only groups without precedence", []*store.Group{g("a", nil, "arn:a"), g("b", nil, "arn:b")},
			[]string{"a", "b"}, []string{"arn:a", "arn:b"}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sorted := append([]*store.Group(nil), tc.groups...)
			sortGroups(sorted)
			names, roles, preferred := groupClaims(sorted)
			if diff := cmp.Diff(tc.names, names); diff != "" {
				t.Errorf("names (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tc.roles, roles); diff != "" {
				t.Errorf("roles (-want +got):\n%s", diff)
			}
			if preferred != tc.preferred {
				t.Errorf("preferred = %q; want %q", preferred, tc.preferred)
			}
		})
	}
}
