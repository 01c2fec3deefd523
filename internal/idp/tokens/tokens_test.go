package tokens_test

import (
	"bytes"
	"context"
	"crypto"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/google/go-cmp/cmp"

	"github.com/ninshou/ninshou/internal/idp/tokens"
	"github.com/ninshou/ninshou/internal/store"
	"github.com/ninshou/ninshou/internal/store/sqlite"
)

const (
	publicURL = "http://localhost:9229"
	poolA     = "us-east-1_AAAAAAAAA"
	poolB     = "us-east-1_BBBBBBBBB"
)

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

type env struct {
	st  *sqlite.Store
	svc *tokens.Service
	now time.Time
}

func newEnv(t testing.TB) *env {
	t.Helper()
	st, err := sqlite.Open(filepath.Join(t.TempDir(), "ninshou.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	e := &env{st: st, now: t0}
	e.svc = &tokens.Service{PublicURL: publicURL, Now: func() time.Time { return e.now }}
	e.update(t, func(tx store.Tx) error {
		for _, id := range []string{poolA, poolB} {
			if err := tx.Pools().Create(&store.Pool{ID: id, Name: id, CreatedAt: t0, UpdatedAt: t0}); err != nil {
				return err
			}
			if err := e.svc.EnsureKeys(tx, id); err != nil {
				return err
			}
		}
		return nil
	})
	return e
}

func (e *env) update(t testing.TB, fn func(tx store.Tx) error) {
	t.Helper()
	if err := e.st.Update(context.Background(), fn); err != nil {
		t.Fatal(err)
	}
}

func (e *env) keys(t testing.TB, poolID string) []*store.SigningKey {
	t.Helper()
	var keys []*store.SigningKey
	e.update(t, func(tx store.Tx) (err error) {
		keys, err = tx.Keys().List(poolID)
		return err
	})
	return keys
}

func (e *env) issueID(t testing.TB, in tokens.IDTokenInput) (string, time.Time) {
	t.Helper()
	var tok string
	var exp time.Time
	e.update(t, func(tx store.Tx) (err error) {
		tok, exp, err = e.svc.IssueID(tx, in)
		return err
	})
	return tok, exp
}

func (e *env) issueAccess(t testing.TB, in tokens.AccessTokenInput) (string, time.Time) {
	t.Helper()
	var tok string
	var exp time.Time
	e.update(t, func(tx store.Tx) (err error) {
		tok, exp, err = e.svc.IssueAccess(tx, in)
		return err
	})
	return tok, exp
}

func (e *env) verify(token string) (*tokens.AccessClaims, error) {
	var c *tokens.AccessClaims
	err := e.st.View(context.Background(), func(tx store.Tx) (err error) {
		c, err = e.svc.VerifyAccess(tx, token)
		return err
	})
	return c, err
}

func (e *env) jwks(t testing.TB, poolID string) []byte {
	t.Helper()
	var b []byte
	e.update(t, func(tx store.Tx) (err error) {
		b, err = e.svc.JWKS(tx, poolID)
		return err
	})
	return b
}

func baseClaims() tokens.Claims {
	return tokens.Claims{
		PoolID:    poolA,
		ClientID:  "61ocakkq1t8p7nb3lcmd2rl893",
		Sub:       "29d88ca7-5f0c-4f7c-9d7e-2a6f0c1b2c3d",
		Username:  "alice",
		Groups:    []string{"admins", "staff"},
		AuthTime:  t0.Add(-10 * time.Minute),
		EventID:   "da865873-1111-4222-8333-444455556666",
		OriginJTI: "0b1c2d3e-aaaa-4bbb-8ccc-ddddeeeeffff",
	}
}

// parts decodes a token's header and payload.
func parts(t testing.TB, token string) (header []byte, payload map[string]any) {
	t.Helper()
	seg := strings.Split(token, ".")
	if len(seg) != 3 {
		t.Fatalf("token has %d segments", len(seg))
	}
	header, err := base64.RawURLEncoding.DecodeString(seg[0])
	if err != nil {
		t.Fatal(err)
	}
	p, err := base64.RawURLEncoding.DecodeString(seg[1])
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(p, &payload); err != nil {
		t.Fatal(err)
	}
	return header, payload
}

// activeKID is the kid of the pool's active key of one use.
func activeKID(t testing.TB, keys []*store.SigningKey, use string) string {
	t.Helper()
	for _, k := range keys {
		if k.Active && k.Use == use {
			return k.KID
		}
	}
	t.Fatalf("no active %s key", use)
	return ""
}

var kidShape = regexp.MustCompile(`^[A-Za-z0-9+/]{43}=$`)

func checkHeader(t *testing.T, header []byte, wantKID string) {
	t.Helper()
	if want := `{"kid":"` + wantKID + `","alg":"RS256"}`; string(header) != want {
		t.Errorf("header = %s, want %s", header, want)
	}
	if !kidShape.MatchString(wantKID) {
		t.Errorf("kid %q is not 44 characters of standard base64", wantKID)
	}
}

func num(tm time.Time) float64 { return float64(tm.Unix()) }

func TestIDTokenClaims(t *testing.T) {
	e := newEnv(t)
	in := tokens.IDTokenInput{
		Claims: baseClaims(),
		Attributes: map[string]string{
			"sub":                   "must-not-override",
			"email":                 "alice@example.com",
			"email_verified":        "true",
			"phone_number":          "+15555550100",
			"phone_number_verified": "false",
			"custom:tier":           "7",
			"address":               "1 Main St",
			"updated_at":            "1700000000",
			"iss":                   "https://evil.example",
		},
		Validity: 30 * time.Minute,
	}
	tok, exp := e.issueID(t, in)
	header, got := parts(t, tok)
	checkHeader(t, header, activeKID(t, e.keys(t, poolA), tokens.UseID))

	jti, _ := got["jti"].(string)
	if len(jti) != 36 {
		t.Errorf("jti = %q, want a UUID", jti)
	}
	want := map[string]any{
		"sub":                   in.Sub,
		"cognito:groups":        []any{"admins", "staff"},
		"iss":                   publicURL + "/" + poolA,
		"cognito:username":      "alice",
		"origin_jti":            in.OriginJTI,
		"aud":                   in.ClientID,
		"event_id":              in.EventID,
		"token_use":             "id",
		"auth_time":             num(in.AuthTime),
		"iat":                   num(t0),
		"exp":                   num(t0.Add(30 * time.Minute)),
		"jti":                   jti,
		"email":                 "alice@example.com",
		"email_verified":        true,
		"phone_number":          "+15555550100",
		"phone_number_verified": false,
		"custom:tier":           "7",
		"address":               map[string]any{"formatted": "1 Main St"},
		"updated_at":            float64(1700000000),
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("ID token claims (-want +got):\n%s", diff)
	}
	if !exp.Equal(t0.Add(30 * time.Minute)) {
		t.Errorf("exp = %v", exp)
	}
}

func TestIDTokenWithoutRevocationOrGroups(t *testing.T) {
	e := newEnv(t)
	c := baseClaims()
	c.Groups = nil
	c.DisableRevocation = true
	tok, _ := e.issueID(t, tokens.IDTokenInput{Claims: c})
	_, got := parts(t, tok)
	want := map[string]any{
		"sub":              c.Sub,
		"iss":              publicURL + "/" + poolA,
		"cognito:username": "alice",
		"aud":              c.ClientID,
		"event_id":         c.EventID,
		"token_use":        "id",
		"auth_time":        num(c.AuthTime),
		"iat":              num(t0),
		"exp":              num(t0.Add(tokens.DefaultValidity)),
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("ID token claims (-want +got):\n%s", diff)
	}
}

func TestAccessTokenClaims(t *testing.T) {
	e := newEnv(t)
	in := tokens.AccessTokenInput{Claims: baseClaims(), DeviceKey: "us-east-1_0f0e0d0c-1234", Validity: 5 * time.Minute}
	tok, exp := e.issueAccess(t, in)
	header, got := parts(t, tok)
	checkHeader(t, header, activeKID(t, e.keys(t, poolA), tokens.UseAccess))
	jti, _ := got["jti"].(string)
	if len(jti) != 36 {
		t.Errorf("jti = %q, want a UUID", jti)
	}
	want := map[string]any{
		"sub":            in.Sub,
		"cognito:groups": []any{"admins", "staff"},
		"device_key":     in.DeviceKey,
		"iss":            publicURL + "/" + poolA,
		"client_id":      in.ClientID,
		"origin_jti":     in.OriginJTI,
		"event_id":       in.EventID,
		"token_use":      "access",
		"scope":          "aws.cognito.signin.user.admin",
		"auth_time":      num(in.AuthTime),
		"iat":            num(t0),
		"exp":            num(t0.Add(5 * time.Minute)),
		"jti":            jti,
		"username":       "alice",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("access token claims (-want +got):\n%s", diff)
	}
	if !exp.Equal(t0.Add(5 * time.Minute)) {
		t.Errorf("exp = %v", exp)
	}

	// Minimal: no groups, no device, custom scope.
	c := baseClaims()
	c.Groups = nil
	tok, _ = e.issueAccess(t, tokens.AccessTokenInput{Claims: c, Scope: "openid email"})
	_, got = parts(t, tok)
	for _, absent := range []string{"cognito:groups", "device_key", "aud"} {
		if _, ok := got[absent]; ok {
			t.Errorf("claim %s present", absent)
		}
	}
	if got["scope"] != "openid email" {
		t.Errorf("scope = %v", got["scope"])
	}
}

func TestIssuePairSharesOneKeyringRead(t *testing.T) {
	e := newEnv(t)
	c := baseClaims()
	var id, access tokens.Issued
	e.update(t, func(tx store.Tx) (err error) {
		id, access, err = e.svc.Issue(tx, tokens.IDTokenInput{Claims: c}, tokens.AccessTokenInput{Claims: c, Validity: 2 * time.Hour})
		return err
	})
	hi, pi := parts(t, id.Token)
	ha, pa := parts(t, access.Token)
	if bytes.Equal(hi, ha) {
		t.Error("ID and access tokens signed with the same key")
	}
	if pi["token_use"] != "id" || pa["token_use"] != "access" || pi["iat"] != pa["iat"] {
		t.Errorf("id %v / access %v", pi, pa)
	}
	if !access.ExpiresAt.Equal(t0.Add(2*time.Hour)) || !id.ExpiresAt.Equal(t0.Add(time.Hour)) {
		t.Errorf("expiries %v %v", id.ExpiresAt, access.ExpiresAt)
	}
}

// verifyWithJWKS checks a token as an independent verifier would: with
// go-jose, the published JWKS and nothing else.
func verifyWithJWKS(t *testing.T, jwks []byte, token string) map[string]any {
	t.Helper()
	var set jose.JSONWebKeySet
	if err := json.Unmarshal(jwks, &set); err != nil {
		t.Fatal(err)
	}
	jws, err := jose.ParseSignedCompact(token, []jose.SignatureAlgorithm{jose.RS256})
	if err != nil {
		t.Fatal(err)
	}
	kid := jws.Signatures[0].Header.KeyID
	keys := set.Key(kid)
	if len(keys) != 1 {
		t.Fatalf("kid %s: %d keys in JWKS", kid, len(keys))
	}
	payload, err := jws.Verify(keys[0])
	if err != nil {
		t.Fatalf("verify with JWKS: %v", err)
	}
	var claims map[string]any
	if err := json.Unmarshal(payload, &claims); err != nil {
		t.Fatal(err)
	}
	return claims
}

func TestJWKSVerifiesBothTokens(t *testing.T) {
	e := newEnv(t)
	c := baseClaims()
	idTok, _ := e.issueID(t, tokens.IDTokenInput{Claims: c})
	accTok, _ := e.issueAccess(t, tokens.AccessTokenInput{Claims: c})
	jwks := e.jwks(t, poolA)

	var raw struct {
		Keys []map[string]string `json:"keys"`
	}
	if err := json.Unmarshal(jwks, &raw); err != nil {
		t.Fatal(err)
	}
	if len(raw.Keys) != 2 {
		t.Fatalf("JWKS has %d keys, want 2", len(raw.Keys))
	}
	stored := e.keys(t, poolA)
	for i, k := range raw.Keys {
		n, err := base64.RawURLEncoding.DecodeString(k["n"])
		if err != nil || len(n) != 256 {
			t.Errorf("key %d: n of %d bytes (%v)", i, len(n), err)
		}
		want := map[string]string{"alg": "RS256", "e": "AQAB", "kid": stored[i].KID, "kty": "RSA", "n": k["n"], "use": "sig"}
		if diff := cmp.Diff(want, k); diff != "" {
			t.Errorf("key %d (-want +got):\n%s", i, diff)
		}
	}
	if got := verifyWithJWKS(t, jwks, idTok); got["token_use"] != "id" {
		t.Errorf("ID token claims %v", got)
	}
	if got := verifyWithJWKS(t, jwks, accTok); got["token_use"] != "access" {
		t.Errorf("access token claims %v", got)
	}
}

func TestEnsureKeysIsIdempotent(t *testing.T) {
	e := newEnv(t)
	before := e.keys(t, poolA)
	e.update(t, func(tx store.Tx) error { return e.svc.EnsureKeys(tx, poolA) })
	after := e.keys(t, poolA)
	if len(after) != 2 || after[0].KID != before[0].KID || after[1].KID != before[1].KID {
		t.Errorf("keys changed: %d -> %d", len(before), len(after))
	}
	seen := map[string]bool{}
	for _, p := range []string{poolA, poolB} {
		for _, k := range e.keys(t, p) {
			if seen[k.KID] {
				t.Errorf("kid %s used twice", k.KID)
			}
			seen[k.KID] = true
		}
	}
}

func TestVerifyAccessAccepts(t *testing.T) {
	e := newEnv(t)
	in := tokens.AccessTokenInput{Claims: baseClaims(), DeviceKey: "dk", Validity: time.Hour}
	tok, _ := e.issueAccess(t, in)
	_, payload := parts(t, tok)
	e.now = t0.Add(59*time.Minute + 59*time.Second)
	got, err := e.verify(tok)
	if err != nil {
		t.Fatal(err)
	}
	want := &tokens.AccessClaims{
		PoolID:    poolA,
		Sub:       in.Sub,
		Username:  in.Username,
		ClientID:  in.ClientID,
		JTI:       payload["jti"].(string),
		OriginJTI: in.OriginJTI,
		EventID:   in.EventID,
		Scope:     tokens.DefaultScope,
		Groups:    in.Groups,
		DeviceKey: "dk",
		AuthTime:  in.AuthTime,
		IssuedAt:  t0,
		ExpiresAt: t0.Add(time.Hour),
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("claims (-want +got):\n%s", diff)
	}
}

// forge builds a compact JWS from raw header and payload JSON, signed by sign.
func forge(header, payload string, sign func(signingInput []byte) []byte) string {
	enc := base64.RawURLEncoding
	in := enc.EncodeToString([]byte(header)) + "." + enc.EncodeToString([]byte(payload))
	return in + "." + enc.EncodeToString(sign([]byte(in)))
}

func rs256(key *rsa.PrivateKey) func([]byte) []byte {
	return func(in []byte) []byte {
		d := sha256.Sum256(in)
		sig, err := rsa.SignPKCS1v15(nil, key, crypto.SHA256, d[:])
		if err != nil {
			panic(err)
		}
		return sig
	}
}

func storedKey(t *testing.T, keys []*store.SigningKey, use string) (*rsa.PrivateKey, string) {
	t.Helper()
	for _, k := range keys {
		if k.Active && k.Use == use {
			p, err := x509.ParsePKCS8PrivateKey(k.PrivateKeyDER)
			if err != nil {
				t.Fatal(err)
			}
			return p.(*rsa.PrivateKey), k.KID
		}
	}
	t.Fatalf("no %s key", use)
	return nil, ""
}

func TestVerifyAccessRejects(t *testing.T) {
	e := newEnv(t)
	c := baseClaims()
	access, _ := e.issueAccess(t, tokens.AccessTokenInput{Claims: c})
	idTok, _ := e.issueID(t, tokens.IDTokenInput{Claims: c})
	seg := strings.Split(access, ".")
	_, payload := parts(t, access)
	rawPayload, _ := base64.RawURLEncoding.DecodeString(seg[1])

	keysA := e.keys(t, poolA)
	privA, kidA := storedKey(t, keysA, tokens.UseAccess)
	idPrivA, idKidA := storedKey(t, keysA, tokens.UseID)
	privB, kidB := storedKey(t, e.keys(t, poolB), tokens.UseAccess)
	attacker, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	pubDER, _ := x509.MarshalPKIXPublicKey(&privA.PublicKey)

	withClaim := func(k string, v any) string {
		m := map[string]any{}
		for kk, vv := range payload {
			m[kk] = vv
		}
		if v == nil {
			delete(m, k)
		} else {
			m[k] = v
		}
		b, _ := json.Marshal(m)
		return string(b)
	}
	hdr := func(alg, kid string) string { return `{"kid":"` + kid + `","alg":"` + alg + `"}` }

	tampered := strings.Replace(string(rawPayload), `"username":"alice"`, `"username":"admin"`, 1)
	attackerJWK, _ := json.Marshal(jose.JSONWebKey{Key: &attacker.PublicKey, Algorithm: "RS256", Use: "sig"})

	cases := []struct {
		name  string
		token string
		now   time.Time
		msg   string
	}{
		{name: "empty", token: ""},
		{name: "garbage", token: "not a token"},
		{name: "three dots", token: "a.b.c"},
		{name: "ID token", token: idTok},
		{name: "tampered payload", token: seg[0] + "." + base64.RawURLEncoding.EncodeToString([]byte(tampered)) + "." + seg[2]},
		{name: "signature of another token", token: seg[0] + "." + seg[1] + "." + strings.Split(idTok, ".")[2]},
		{name: "alg none", token: forge(`{"kid":"`+kidA+`","alg":"none"}`, string(rawPayload), func([]byte) []byte { return nil })},
		{name: "alg None", token: forge(`{"kid":"`+kidA+`","alg":"None"}`, string(rawPayload), func([]byte) []byte { return nil })},
		{name: "HS256 keyed with the public key", token: forge(hdr("HS256", kidA), string(rawPayload), func(in []byte) []byte {
			m := hmac.New(sha256.New, pubDER)
			m.Write(in)
			return m.Sum(nil)
		})},
		{name: "HS256 keyed with the JWKS n", token: forge(hdr("HS256", kidA), string(rawPayload), func(in []byte) []byte {
			m := hmac.New(sha256.New, privA.PublicKey.N.Bytes())
			m.Write(in)
			return m.Sum(nil)
		})},
		{name: "PS256", token: forge(hdr("PS256", kidA), string(rawPayload), func(in []byte) []byte {
			d := sha256.Sum256(in)
			s, _ := rsa.SignPSS(rand.Reader, privA, crypto.SHA256, d[:], nil)
			return s
		})},
		{name: "wrong issuer", token: forge(hdr("RS256", kidA), withClaim("iss", "https://cognito-idp.us-east-1.amazonaws.com/"+poolA), rs256(privA))},
		{name: "issuer with path", token: forge(hdr("RS256", kidA), withClaim("iss", publicURL+"/"+poolA+"/x"), rs256(privA))},
		{name: "unknown kid", token: forge(hdr("RS256", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="), string(rawPayload), rs256(attacker))},
		{name: "kid injection", token: forge(hdr("RS256", "../../etc/passwd' OR '1'='1"), string(rawPayload), rs256(attacker))},
		{name: "kid of another pool", token: forge(hdr("RS256", kidB), string(rawPayload), rs256(privB))},
		{name: "ID key signs an access token", token: forge(hdr("RS256", idKidA), string(rawPayload), rs256(idPrivA))},
		{name: "embedded jwk", token: forge(`{"kid":"`+kidA+`","alg":"RS256","jwk":`+string(attackerJWK)+`}`, string(rawPayload), rs256(attacker))},
		{name: "jku", token: forge(`{"kid":"`+kidA+`","alg":"RS256","jku":"http://169.254.169.254/jwks"}`, string(rawPayload), rs256(attacker))},
		{name: "token_use id", token: forge(hdr("RS256", kidA), withClaim("token_use", "id"), rs256(privA))},
		{name: "exp missing", token: forge(hdr("RS256", kidA), withClaim("exp", nil), rs256(privA))},
		{name: "iat missing", token: forge(hdr("RS256", kidA), withClaim("iat", nil), rs256(privA))},
		{name: "iat a day ahead", token: forge(hdr("RS256", kidA), withClaim("iat", num(t0.Add(24*time.Hour))), rs256(privA))},
		{name: "nbf ahead", token: forge(hdr("RS256", kidA), withClaim("nbf", num(t0.Add(time.Hour))), rs256(privA))},
		{name: "expired", token: access, now: t0.Add(time.Hour), msg: tokens.MsgExpiredAccessToken},
		{name: "issued in the future", token: access, now: t0.Add(-61 * time.Second)},
		{name: "padded segments", token: seg[0] + "=." + seg[1] + "." + seg[2]},
		{name: "four segments", token: access + "." + seg[2]},
		{name: "two segments", token: seg[0] + "." + seg[1]},
		{name: "critical header, signed", token: forge(`{"kid":"`+kidA+`","alg":"RS256","crit":["exp"],"exp":1}`, string(rawPayload), rs256(privA))},
		{name: "header not an object", token: forge(`["RS256"]`, string(rawPayload), rs256(privA))},
		{name: "payload not an object", token: forge(hdr("RS256", kidA), `"`+publicURL+"/"+poolA+`"`, rs256(privA))},
		{name: "signature cut short", token: seg[0] + "." + seg[1] + "." + seg[2][:len(seg[2])-4]},
		{name: "empty signature", token: seg[0] + "." + seg[1] + "."},
		{name: "JSON serialization", token: `{"payload":"` + seg[1] + `","protected":"` + seg[0] + `","signature":"` + seg[2] + `"}`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e.now = t0
			if !tc.now.IsZero() {
				e.now = tc.now
			}
			if tc.msg == "" {
				tc.msg = tokens.MsgInvalidAccessToken
			}
			c, err := e.verify(tc.token)
			var te *tokens.Error
			if !errors.As(err, &te) {
				t.Fatalf("VerifyAccess = %+v, %v; want *tokens.Error", c, err)
			}
			t.Logf("cause: %v", te.Err)
			if te.ErrorCode() != "NotAuthorizedException" || te.ErrorMessage() != tc.msg {
				t.Errorf("error %q %q, want NotAuthorizedException %q (cause %v)", te.ErrorCode(), te.ErrorMessage(), tc.msg, te.Err)
			}
		})
	}

	// The forging helper itself is sound: a correctly signed copy passes.
	e.now = t0
	if _, err := e.verify(forge(hdr("RS256", kidA), string(rawPayload), rs256(privA))); err != nil {
		t.Errorf("re-signed original rejected: %v", err)
	}
}

// Every single-character change of a valid token is refused.
func TestVerifyAccessRejectsEveryMutation(t *testing.T) {
	e := newEnv(t)
	tok, _ := e.issueAccess(t, tokens.AccessTokenInput{Claims: baseClaims()})
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	for i := 0; i < len(tok); i++ {
		if tok[i] == '.' {
			continue
		}
		j := strings.IndexByte(alphabet, tok[i])
		for _, d := range []int{1, 32} { // a low bit and a high bit
			m := []byte(tok)
			m[i] = alphabet[(j+d)%len(alphabet)]
			if c, err := e.verify(string(m)); err == nil {
				t.Fatalf("mutation at %d accepted: %+v", i, c)
			}
		}
	}
}

func TestRotateKeys(t *testing.T) {
	e := newEnv(t)
	c := baseClaims()
	oldID, _ := e.issueID(t, tokens.IDTokenInput{Claims: c})
	oldAccess, _ := e.issueAccess(t, tokens.AccessTokenInput{Claims: c})
	oldKeys := e.keys(t, poolA)

	e.now = t0.Add(time.Minute)
	e.update(t, func(tx store.Tx) error { return e.svc.RotateKeys(tx, poolA) })
	keys := e.keys(t, poolA)
	if len(keys) != 4 {
		t.Fatalf("%d keys after rotation, want 4", len(keys))
	}
	for _, k := range keys {
		old := k.KID == oldKeys[0].KID || k.KID == oldKeys[1].KID
		if old && (k.Active || k.RetiredAt == nil || !k.RetiredAt.Equal(e.now)) {
			t.Errorf("old key %s: active %v retired %v", k.KID, k.Active, k.RetiredAt)
		}
		if !old && (!k.Active || k.RetiredAt != nil) {
			t.Errorf("new key %s: active %v retired %v", k.KID, k.Active, k.RetiredAt)
		}
	}

	// Old tokens still verify, with our verifier and with the JWKS.
	if _, err := e.verify(oldAccess); err != nil {
		t.Errorf("old access token: %v", err)
	}
	jwks := e.jwks(t, poolA)
	verifyWithJWKS(t, jwks, oldID)
	verifyWithJWKS(t, jwks, oldAccess)
	if n := strings.Count(string(jwks), `"kid"`); n != 4 {
		t.Errorf("JWKS lists %d keys, want 4", n)
	}

	// New tokens use the new keys.
	newID, _ := e.issueID(t, tokens.IDTokenInput{Claims: c})
	newAccess, _ := e.issueAccess(t, tokens.AccessTokenInput{Claims: c})
	hID, _ := parts(t, newID)
	hAcc, _ := parts(t, newAccess)
	checkHeader(t, hID, activeKID(t, keys, tokens.UseID))
	checkHeader(t, hAcc, activeKID(t, keys, tokens.UseAccess))
	for _, k := range oldKeys {
		if bytes.Contains(hID, []byte(k.KID)) || bytes.Contains(hAcc, []byte(k.KID)) {
			t.Errorf("new token signed with retired key %s", k.KID)
		}
	}
	if _, err := e.verify(newAccess); err != nil {
		t.Errorf("new access token: %v", err)
	}
	verifyWithJWKS(t, jwks, newID)
}

func TestRotateKeysPrunesAfterTTL(t *testing.T) {
	e := newEnv(t)
	e.svc.RetiredKeyTTL = 25 * time.Hour
	e.update(t, func(tx store.Tx) error { return e.svc.RotateKeys(tx, poolA) }) // first keys retired at t0
	e.now = t0.Add(25*time.Hour + time.Second)
	e.update(t, func(tx store.Tx) error { return e.svc.RotateKeys(tx, poolA) }) // first pruned, second retired
	keys := e.keys(t, poolA)
	active := 0
	for _, k := range keys {
		if k.Active {
			active++
		}
	}
	if len(keys) != 4 || active != 2 {
		t.Errorf("%d keys (%d active), want 4 (2 active)", len(keys), active)
	}
}

func TestIssueWithoutKeys(t *testing.T) {
	e := newEnv(t)
	c := baseClaims()
	c.PoolID = "us-east-1_NoKeysHere"
	err := e.st.View(context.Background(), func(tx store.Tx) error {
		_, _, err := e.svc.IssueAccess(tx, tokens.AccessTokenInput{Claims: c})
		return err
	})
	if err == nil {
		t.Fatal("issued a token for a pool without keys")
	}
}

func TestRefreshToken(t *testing.T) {
	shape := regexp.MustCompile(`^[A-Za-z0-9\-_=.]+$`)
	seen := map[string]bool{}
	for range 100 {
		v, h, err := tokens.NewRefreshToken(rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		if !shape.MatchString(v) {
			t.Fatalf("%q outside [A-Za-z0-9-_=.]+", v)
		}
		seg := strings.Split(v, ".")
		if len(seg) != 5 {
			t.Fatalf("%d segments", len(seg))
		}
		hdr, err := base64.RawURLEncoding.DecodeString(seg[0])
		if err != nil || string(hdr) != `{"cty":"JWT","enc":"A256GCM","alg":"RSA-OAEP"}` {
			t.Fatalf("header %s (%v)", hdr, err)
		}
		sum := sha256.Sum256([]byte(v))
		if !bytes.Equal(h, sum[:]) || !bytes.Equal(h, tokens.HashRefreshToken(v)) {
			t.Fatal("hash is not SHA-256 of the token")
		}
		if seen[v] {
			t.Fatal("duplicate refresh token")
		}
		seen[v] = true
	}
	if _, _, err := tokens.NewRefreshToken(bytes.NewReader(make([]byte, 10))); err == nil {
		t.Error("short random source accepted")
	}
}

func TestDiscovery(t *testing.T) {
	svc := &tokens.Service{PublicURL: publicURL}
	b, err := svc.Discovery(poolA)
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	iss := publicURL + "/" + poolA
	want := map[string]any{
		"issuer":                                iss,
		"jwks_uri":                              iss + "/.well-known/jwks.json",
		"authorization_endpoint":                publicURL + "/oauth2/authorize",
		"end_session_endpoint":                  publicURL + "/logout",
		"revocation_endpoint":                   publicURL + "/oauth2/revoke",
		"token_endpoint":                        publicURL + "/oauth2/token",
		"userinfo_endpoint":                     publicURL + "/oauth2/userInfo",
		"response_types_supported":              []any{"code", "token"},
		"scopes_supported":                      []any{"openid", "email", "phone", "profile"},
		"subject_types_supported":               []any{"public"},
		"id_token_signing_alg_values_supported": []any{"RS256"},
		"token_endpoint_auth_methods_supported": []any{"client_secret_basic", "client_secret_post"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("discovery (-want +got):\n%s", diff)
	}
}

func BenchmarkIssueIDAndAccess(b *testing.B) {
	e := newEnv(b)
	c := baseClaims()
	id := tokens.IDTokenInput{Claims: c, Attributes: map[string]string{"email": "alice@example.com", "email_verified": "true"}}
	acc := tokens.AccessTokenInput{Claims: c}
	b.Run("separate", func(b *testing.B) {
		err := e.st.View(context.Background(), func(tx store.Tx) error {
			for b.Loop() {
				if _, _, err := e.svc.IssueID(tx, id); err != nil {
					return err
				}
				if _, _, err := e.svc.IssueAccess(tx, acc); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	})
	b.Run("pair", func(b *testing.B) {
		err := e.st.View(context.Background(), func(tx store.Tx) error {
			for b.Loop() {
				if _, _, err := e.svc.Issue(tx, id, acc); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	})
}

func BenchmarkVerifyAccess(b *testing.B) {
	e := newEnv(b)
	tok, _ := e.issueAccess(b, tokens.AccessTokenInput{Claims: baseClaims()})
	err := e.st.View(context.Background(), func(tx store.Tx) error {
		for b.Loop() {
			if _, err := e.svc.VerifyAccess(tx, tok); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
}
