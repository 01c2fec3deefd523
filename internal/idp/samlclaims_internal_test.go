package idp

import "testing"

// TestFormEncode: each value of a multi-valued SAML attribute is written as
// Java's URLEncoder.encode(v, UTF_8) writes it.
func TestFormEncode(t *testing.T) {
	for in, want := range map[string]string{
		"Admins":              "Admins",
		"a.b-c*d_e":           "a.b-c*d_e",
		"Domain Users":        "Domain+Users",
		"jo@corp.example":     "jo%40corp.example",
		"a,b":                 "a%2Cb",
		"~/+%":                "%7E%2F%2B%25",
		"Équipe":              "%C3%89quipe",
		"CN=Ops,OU=Groups,DC": "CN%3DOps%2COU%3DGroups%2CDC",
	} {
		if got := formEncode(in); got != want {
			t.Errorf("formEncode(%q) = %q; want %q", in, got, want)
		}
	}
}
