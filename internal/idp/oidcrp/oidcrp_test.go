package oidcrp

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"math/big"
	"strings"
	"testing"
	"time"
)

var b64 = base64.RawURLEncoding

func rsaJWK(kid string, pub *rsa.PublicKey) map[string]any {
	return map[string]any{"kty": "RSA", "kid": kid, "use": "sig", "alg": "RS256",
		"n": b64.EncodeToString(pub.N.Bytes()), "e": b64.EncodeToString(big.NewInt(int64(pub.E)).Bytes())}
}

func jwks(keys ...map[string]any) []byte {
	b, _ := json.Marshal(map[string]any{"keys": keys})
	return b
}

func signRS256(t *testing.T, key *rsa.PrivateKey, kid string, claims map[string]any) string {
	t.Helper()
	h, _ := json.Marshal(map[string]string{"alg": "RS256", "kid": kid, "typ": "JWT"})
	c, _ := json.Marshal(claims)
	signed := b64.EncodeToString(h) + "." + b64.EncodeToString(c)
	sum := sha256.Sum256([]byte(signed))
	sig, err := rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA256, sum[:])
	if err != nil {
		t.Fatal(err)
	}
	return signed + "." + b64.EncodeToString(sig)
}

func TestVerifyIDToken(t *testing.T) {
	key, _ := rsa.GenerateKey(rand.Reader, 2048)
	other, _ := rsa.GenerateKey(rand.Reader, 2048)
	set := jwks(rsaJWK("k1", &key.PublicKey), rsaJWK("k2", &other.PublicKey))
	now := time.Unix(1_800_000_000, 0)
	good := func() map[string]any {
		return map[string]any{"iss": "https://idp.example/", "aud": "rp-client", "sub": "u-1",
			"exp": now.Add(time.Hour).Unix(), "iat": now.Unix(), "nonce": "n-1", "email": "a@b.c", "email_verified": true}
	}
	check := Check{Issuer: "https://idp.example", Audience: "rp-client", Nonce: "n-1", Now: now}

	cl, err := VerifyIDToken(signRS256(t, key, "k1", good()), set, check)
	if err != nil {
		t.Fatalf("a good token: %v", err)
	}
	if cl.Subject() != "u-1" {
		t.Errorf("sub = %q", cl.Subject())
	}
	if v, ok := cl.String("email_verified"); !ok || v != "true" {
		t.Errorf("email_verified = %q %v, want \"true\"", v, ok)
	}
	if v, ok := cl.String("exp"); !ok || v != "1800003600" {
		t.Errorf("exp as a string = %q, want the integer unchanged", v)
	}
	if _, ok := cl.String("missing"); ok {
		t.Error("an absent claim is reported present")
	}

	withAud := good()
	withAud["aud"] = []any{"someone-else", "rp-client"}
	if _, err := VerifyIDToken(signRS256(t, key, "k1", withAud), set, check); err != nil {
		t.Errorf("aud as a list with the client: %v", err)
	}

	bad := map[string]func() string{
		"signed by another key": func() string { return signRS256(t, other, "k1", good()) },
		"unknown kid":           func() string { return signRS256(t, key, "k9", good()) },
		"other issuer": func() string {
			c := good()
			c["iss"] = "https://evil.example"
			return signRS256(t, key, "k1", c)
		},
		"other audience": func() string {
			c := good()
			c["aud"] = "another-client"
			return signRS256(t, key, "k1", c)
		},
		"expired": func() string {
			c := good()
			c["exp"] = now.Add(-Leeway - time.Second).Unix()
			return signRS256(t, key, "k1", c)
		},
		"no exp": func() string {
			c := good()
			delete(c, "exp")
			return signRS256(t, key, "k1", c)
		},
		"other nonce": func() string {
			c := good()
			c["nonce"] = "n-2"
			return signRS256(t, key, "k1", c)
		},
		"no sub": func() string {
			c := good()
			delete(c, "sub")
			return signRS256(t, key, "k1", c)
		},
		"tampered claims": func() string {
			tok := strings.Split(signRS256(t, key, "k1", good()), ".")
			c := good()
			c["sub"] = "admin"
			b, _ := json.Marshal(c)
			return tok[0] + "." + b64.EncodeToString(b) + "." + tok[2]
		},
		"alg none": func() string {
			h, _ := json.Marshal(map[string]string{"alg": "none", "kid": "k1"})
			c, _ := json.Marshal(good())
			return b64.EncodeToString(h) + "." + b64.EncodeToString(c) + "."
		},
		"not a JWT": func() string { return "abc" },
	}
	for name, tok := range bad {
		if _, err := VerifyIDToken(tok(), set, check); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestVerifyIDTokenES256(t *testing.T) {
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	pt, _ := key.PublicKey.Bytes()
	set := jwks(map[string]any{"kty": "EC", "crv": "P-256", "kid": "e1",
		"x": b64.EncodeToString(pt[1:33]), "y": b64.EncodeToString(pt[33:])})
	now := time.Unix(1_800_000_000, 0)
	h, _ := json.Marshal(map[string]string{"alg": "ES256", "kid": "e1"})
	c, _ := json.Marshal(map[string]any{"iss": "https://idp.example", "aud": "rp", "sub": "s", "exp": now.Unix() + 60})
	signed := b64.EncodeToString(h) + "." + b64.EncodeToString(c)
	sum := sha256.Sum256([]byte(signed))
	r, s, err := ecdsa.Sign(rand.Reader, key, sum[:])
	if err != nil {
		t.Fatal(err)
	}
	sig := make([]byte, 64)
	r.FillBytes(sig[:32])
	s.FillBytes(sig[32:])
	check := Check{Issuer: "https://idp.example", Audience: "rp", Now: now}
	if _, err := VerifyIDToken(signed+"."+b64.EncodeToString(sig), set, check); err != nil {
		t.Fatalf("ES256: %v", err)
	}
	sig[5] ^= 1
	if _, err := VerifyIDToken(signed+"."+b64.EncodeToString(sig), set, check); err == nil {
		t.Fatal("ES256 with a flipped bit: accepted")
	}
}
