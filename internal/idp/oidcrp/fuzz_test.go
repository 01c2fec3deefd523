package oidcrp

import (
	"testing"
	"time"
)

// FuzzVerifyIDToken: any token against any JWKS is refused or accepted
// without a panic, and nothing is accepted against an empty key set.
func FuzzVerifyIDToken(f *testing.F) {
	f.Add("a.b.c", []byte(`{"keys":[]}`))
	f.Add("eyJhbGciOiJSUzI1NiJ9.e30.", []byte(`{"keys":[{"kty":"RSA","n":"AQAB","e":"AQAB"}]}`))
	f.Add("eyJhbGciOiJFUzI1NiJ9.e30.AA", []byte(`{"keys":[{"kty":"EC","crv":"P-256","x":"AA","y":"AA"}]}`))
	f.Fuzz(func(t *testing.T, token string, jwks []byte) {
		_, err := VerifyIDToken(token, jwks, Check{Issuer: "i", Audience: "a", Now: time.Now()})
		if err == nil && string(jwks) == `{"keys":[]}` {
			t.Fatal("accepted with no keys")
		}
	})
}
