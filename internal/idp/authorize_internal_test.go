package idp

import "testing"

// TestPKCE: the S256 example of RFC 7636 Appendix B is answered; another
// verifier, an empty one, or none at all for a challenge, is not; a code
// requested without a challenge needs no verifier.
func TestPKCE(t *testing.T) {
	const verifier, challenge = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk", "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
	if !pkceAnswers(challenge, verifier) {
		t.Error("RFC 7636's own example refused")
	}
	for _, v := range []string{"", "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXj", challenge} {
		if pkceAnswers(challenge, v) {
			t.Errorf("verifier %q accepted", v)
		}
	}
	if !pkceAnswers("", "") || !pkceAnswers("", "anything") {
		t.Error("a code without a challenge refused")
	}
}
