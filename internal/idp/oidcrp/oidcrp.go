// Package oidcrp is the relying party's side of OpenID Connect that a user
// pool needs when it federates to an OIDC identity provider: checking the
// ID token the provider's token endpoint answers (signature against the
// provider's JWKS, issuer, audience, expiry, nonce) and turning its claims,
// or the userInfo endpoint's, into attribute values.
// https://openid.net/specs/openid-connect-core-1_0.html#IDTokenValidation
package oidcrp

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"strconv"
	"strings"
	"time"
)

// Leeway is the clock skew allowed on exp, iat and nbf.
const Leeway = 5 * time.Minute

// Check is what an ID token must satisfy.
type Check struct {
	Issuer string // the provider's oidc_issuer; a trailing slash is not significant
	// AltIssuer is another spelling of the issuer the provider signs with,
	// if it has one (Google: "accounts.google.com" beside its URL).
	AltIssuer string
	Audience  string // the pool's client ID at the provider
	Nonce     string // the nonce of the authorization request; "" if none was sent
	Now       time.Time
}

// Claims are a token's or a userInfo answer's claims.
type Claims map[string]any

// VerifyIDToken checks raw, signed by a key of jwks (a JWK Set document),
// against c and returns its claims.
func VerifyIDToken(raw string, jwks []byte, c Check) (Claims, error) {
	parts := strings.Split(raw, ".")
	if len(parts) != 3 {
		return nil, errors.New("oidcrp: the ID token is not a signed JWT")
	}
	var header struct {
		Alg string `json:"alg"`
		Kid string `json:"kid"`
	}
	if err := decodePart(parts[0], &header); err != nil {
		return nil, fmt.Errorf("oidcrp: the ID token's header: %w", err)
	}
	key, err := findKey(jwks, header.Kid, header.Alg)
	if err != nil {
		return nil, err
	}
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil {
		return nil, errors.New("oidcrp: the ID token's signature is not base64url")
	}
	if err := verify(header.Alg, key, []byte(parts[0]+"."+parts[1]), sig); err != nil {
		return nil, err
	}
	var claims Claims
	if err := decodePart(parts[1], &claims); err != nil {
		return nil, fmt.Errorf("oidcrp: the ID token's claims: %w", err)
	}
	return claims, claims.check(c)
}

func (cl Claims) check(c Check) error {
	if iss, _ := cl["iss"].(string); strings.TrimRight(iss, "/") != strings.TrimRight(c.Issuer, "/") &&
		(c.AltIssuer == "" || iss != c.AltIssuer) {
		return fmt.Errorf("oidcrp: the ID token's issuer %q is not %q", iss, c.Issuer)
	}
	if !cl.hasAudience(c.Audience) {
		return errors.New("oidcrp: the ID token is not for this client")
	}
	exp, ok := cl.time("exp")
	if !ok {
		return errors.New("oidcrp: the ID token has no exp")
	}
	if !c.Now.Before(exp.Add(Leeway)) {
		return errors.New("oidcrp: the ID token has expired")
	}
	if nbf, ok := cl.time("nbf"); ok && c.Now.Add(Leeway).Before(nbf) {
		return errors.New("oidcrp: the ID token is not valid yet")
	}
	if sub, _ := cl["sub"].(string); sub == "" {
		return errors.New("oidcrp: the ID token has no sub")
	}
	if c.Nonce != "" {
		if n, _ := cl["nonce"].(string); n != c.Nonce {
			return errors.New("oidcrp: the ID token's nonce is not the request's")
		}
	}
	return nil
}

func (cl Claims) hasAudience(aud string) bool {
	switch v := cl["aud"].(type) {
	case string:
		return v == aud
	case []any:
		for _, a := range v {
			if s, _ := a.(string); s == aud {
				return true
			}
		}
	}
	return false
}

func (cl Claims) time(name string) (time.Time, bool) {
	n, ok := cl[name].(json.Number)
	if !ok {
		return time.Time{}, false
	}
	f, err := n.Float64()
	if err != nil {
		return time.Time{}, false
	}
	return time.Unix(int64(f), 0), true
}

// Subject is the sub claim.
func (cl Claims) Subject() string {
	s, _ := cl["sub"].(string)
	return s
}

// String is a claim as an attribute value: a string as it is, a boolean
// "true" or "false", a number in decimal, anything else as JSON; "" and
// false when the claim is absent or null.
func (cl Claims) String(name string) (string, bool) {
	switch v := cl[name].(type) {
	case nil:
		return "", false
	case string:
		return v, true
	case bool:
		return strconv.FormatBool(v), true
	case json.Number:
		return v.String(), true
	default:
		b, err := json.Marshal(v)
		return string(b), err == nil
	}
}

// ParseClaims reads a JSON object (a userInfo answer) as claims.
func ParseClaims(b []byte) (Claims, error) {
	var cl Claims
	d := json.NewDecoder(strings.NewReader(string(b)))
	d.UseNumber()
	if err := d.Decode(&cl); err != nil {
		return nil, fmt.Errorf("oidcrp: not a JSON object: %w", err)
	}
	return cl, nil
}

func decodePart(s string, v any) error {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return errors.New("not base64url")
	}
	d := json.NewDecoder(strings.NewReader(string(b)))
	d.UseNumber()
	return d.Decode(v)
}

type jwk struct {
	Kty string `json:"kty"`
	Kid string `json:"kid"`
	Alg string `json:"alg"`
	Use string `json:"use"`
	N   string `json:"n"`
	E   string `json:"e"`
	Crv string `json:"crv"`
	X   string `json:"x"`
	Y   string `json:"y"`
}

// findKey is the public key of jwks that kid names (the only key of its
// type when the token names none) and alg may use.
func findKey(jwks []byte, kid, alg string) (crypto.PublicKey, error) {
	var set struct {
		Keys []jwk `json:"keys"`
	}
	if err := json.Unmarshal(jwks, &set); err != nil {
		return nil, fmt.Errorf("oidcrp: the provider's JWKS: %w", err)
	}
	kty := map[string]string{"RS256": "RSA", "RS384": "RSA", "RS512": "RSA", "ES256": "EC"}[alg]
	if kty == "" {
		return nil, fmt.Errorf("oidcrp: the ID token's algorithm %q is not supported", alg)
	}
	var found []jwk
	for _, k := range set.Keys {
		if k.Kty == kty && (k.Use == "" || k.Use == "sig") && (kid == "" || k.Kid == kid) && (k.Alg == "" || k.Alg == alg) {
			found = append(found, k)
		}
	}
	if len(found) != 1 {
		return nil, fmt.Errorf("oidcrp: no single key %q in the provider's JWKS", kid)
	}
	return found[0].publicKey()
}

func (k jwk) publicKey() (crypto.PublicKey, error) {
	num := func(s string) (*big.Int, error) {
		b, err := base64.RawURLEncoding.DecodeString(s)
		if err != nil || len(b) == 0 {
			return nil, fmt.Errorf("oidcrp: key %q has a malformed number", k.Kid)
		}
		return new(big.Int).SetBytes(b), nil
	}
	switch k.Kty {
	case "RSA":
		n, err := num(k.N)
		if err != nil {
			return nil, err
		}
		e, err := num(k.E)
		if err != nil {
			return nil, err
		}
		if n.BitLen() < 2048 || !e.IsInt64() || e.Int64() < 3 || e.Int64() > 1<<31-1 {
			return nil, fmt.Errorf("oidcrp: key %q is not a usable RSA key", k.Kid)
		}
		return &rsa.PublicKey{N: n, E: int(e.Int64())}, nil
	case "EC":
		if k.Crv != "P-256" {
			return nil, fmt.Errorf("oidcrp: key %q is on an unsupported curve", k.Kid)
		}
		x, errX := base64.RawURLEncoding.DecodeString(k.X)
		y, errY := base64.RawURLEncoding.DecodeString(k.Y)
		if errX != nil || errY != nil || len(x) != 32 || len(y) != 32 {
			return nil, fmt.Errorf("oidcrp: key %q has a malformed point", k.Kid)
		}
		pub, err := ecdsa.ParseUncompressedPublicKey(elliptic.P256(), append(append([]byte{4}, x...), y...))
		if err != nil {
			return nil, fmt.Errorf("oidcrp: key %q is not on its curve", k.Kid)
		}
		return pub, nil
	}
	return nil, fmt.Errorf("oidcrp: key type %q is not supported", k.Kty)
}

func verify(alg string, key crypto.PublicKey, signed, sig []byte) error {
	bad := errors.New("oidcrp: the ID token's signature does not verify")
	switch alg {
	case "RS256", "RS384", "RS512":
		pub, ok := key.(*rsa.PublicKey)
		if !ok {
			return bad
		}
		h, digest := rsaHash(alg, signed)
		if rsa.VerifyPKCS1v15(pub, h, digest, sig) != nil {
			return bad
		}
		return nil
	case "ES256":
		pub, ok := key.(*ecdsa.PublicKey)
		if !ok || len(sig) != 64 {
			return bad
		}
		sum := sha256.Sum256(signed)
		r, s := new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:])
		if !ecdsa.Verify(pub, sum[:], r, s) {
			return bad
		}
		return nil
	}
	return bad
}

func rsaHash(alg string, b []byte) (crypto.Hash, []byte) {
	switch alg {
	case "RS384":
		s := sha512.Sum384(b)
		return crypto.SHA384, s[:]
	case "RS512":
		s := sha512.Sum512(b)
		return crypto.SHA512, s[:]
	}
	s := sha256.Sum256(b)
	return crypto.SHA256, s[:]
}
