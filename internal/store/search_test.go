package store

import (
	"strings"
	"testing"
)

// TestPrefixEnd: every string with the prefix sorts in [prefix, end), and
// the strings just outside do not.
func TestPrefixEnd(t *testing.T) {
	for _, c := range []struct {
		prefix, end string
		ok          bool
	}{
		{"", "", false},
		{"a", "b", true},
		{"a%", "a&", true},
		{`a\`, "a]", true},
		{"zo\u00eb", "zo\u00ec", true},
		{"a\U0010FFFF", "b", true},
		{"\U0010FFFF\U0010FFFF", "", false},
		{"a\uD7FF", "a\uE000", true},
		{"a\xff", "b", true}, // not UTF-8: byte by byte
		{"\xff", "", false},
	} {
		end, ok := PrefixEnd(c.prefix)
		if end != c.end || ok != c.ok {
			t.Errorf("PrefixEnd(%q) = %q, %v; want %q, %v", c.prefix, end, ok, c.end, c.ok)
		}
		if !ok {
			continue
		}
		for _, s := range []string{c.prefix, c.prefix + "\x00", c.prefix + "\U0010FFFF", c.prefix + "\xff\xff"} {
			if !(s >= c.prefix && s < end) {
				t.Errorf("PrefixEnd(%q): %q is outside [prefix, %q)", c.prefix, s, end)
			}
		}
		if strings.HasPrefix(end, c.prefix) {
			t.Errorf("PrefixEnd(%q) = %q starts with the prefix", c.prefix, end)
		}
	}
}

// TestSearchValues: status is Enabled/Disabled, attribute fields only when
// present, folded to lower case (ASCII only); username and the statuses
// as they are.
func TestSearchValues(t *testing.T) {
	u := &User{Sub: "S", Username: "Alice", Status: "CONFIRMED", Attributes: map[string]string{
		"email": "", "custom:x": "y", "name": "A Élan",
	}}
	got := SearchValues(u)
	want := map[string]string{"sub": "s", "username": "Alice", "cognito:user_status": "CONFIRMED",
		"status": "Disabled", "email": "", "name": "a Élan"}
	if len(got) != len(want) {
		t.Errorf("SearchValues = %v, want %v", got, want)
	}
	for k, v := range want {
		if g, ok := got[k]; !ok || g != v {
			t.Errorf("SearchValues[%q] = %q, %v; want %q", k, g, ok, v)
		}
	}
	for k := range got {
		if !IsSearchField(k) {
			t.Errorf("SearchValues has %q, which is not a search field", k)
		}
	}
}
