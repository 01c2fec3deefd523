package e2e

import (
	"encoding/json"
	"sort"
	"testing"

	jose "github.com/go-jose/go-jose/v4"
)

// verifyJWT checks a token's signature against the pool's published JWKS,
// as an independent verifier would, and returns its claims.
func verifyJWT(t *testing.T, s *server, poolID, token string) map[string]any {
	t.Helper()
	body := poolJWKS(t, s, poolID)
	var set jose.JSONWebKeySet
	if err := json.Unmarshal(body, &set); err != nil {
		t.Fatalf("jwks: %v: %s", err, body)
	}
	jws, err := jose.ParseSigned(token, []jose.SignatureAlgorithm{jose.RS256})
	if err != nil {
		t.Fatalf("parse token: %v", err)
	}
	keys := set.Key(jws.Signatures[0].Header.KeyID)
	if len(keys) != 1 {
		t.Fatalf("kid %q not in the JWKS", jws.Signatures[0].Header.KeyID)
	}
	payload, err := jws.Verify(keys[0].Key)
	if err != nil {
		t.Fatalf("signature: %v", err)
	}
	var claims map[string]any
	if err := json.Unmarshal(payload, &claims); err != nil {
		t.Fatal(err)
	}
	if claims["iss"] != s.URL+"/"+poolID {
		t.Errorf("iss = %v", claims["iss"])
	}
	return claims
}

func sortStrings(s []string) []string { sort.Strings(s); return s }
