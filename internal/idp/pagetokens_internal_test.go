package idp

import (
	"crypto/sha256"
	"encoding/base64"
	"testing"

	"github.com/ninshou/ninshou/internal/store"
)

// A pagination token opens only under the server's secret and for the
// request that made it: a token built without the secret (here with a
// plain digest of the request) is refused, as is a real one elsewhere.
func TestBoundPageTokens(t *testing.T) {
	s := &Service{FakeSRPSecret: []byte("server secret")}
	scope := "ListUsers\x00us-east-1_a\x00"
	token := s.boundToken(scope, "Yg")
	if page, err := s.boundPage(scope, store.Page{After: token}); err != nil || page.After != "Yg" {
		t.Fatalf("its own token: %+v, %v", page, err)
	}
	if s.boundToken(scope, "") != "" {
		t.Error("a last page has a token")
	}
	digest := sha256.Sum256([]byte(scope))
	for what, tok := range map[string]string{
		"another request's":      token[:len("Yg")] + "." + s.pageMAC("ListUsers\x00us-east-1_b\x00", "Yg"),
		"another position's":     "Yh" + token[len("Yg"):],
		"one without the secret": "Yg." + base64.RawURLEncoding.EncodeToString(digest[:12]),
		"another server's":       (&Service{FakeSRPSecret: []byte("other")}).boundToken(scope, "Yg"),
		"no MAC":                 "Yg",
		"an empty cursor":        "." + s.pageMAC(scope, ""),
	} {
		if _, err := s.boundPage(scope, store.Page{After: tok}); !IsCode(err, InvalidParameterException) {
			t.Errorf("%s token: %v, want InvalidParameterException", what, err)
		}
	}
}
