package idp

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"strings"
	"time"

	"github.com/ninshou/ninshou/internal/idp/oidcrp"
)

// Sign in with Apple: an OpenID provider whose client secret is a JWT the
// client signs itself (ES256, with the key of key_id from the developer
// account of team_id), which answers by form post, and which tells the
// user's name only once, in the "user" field of its first answer, never in
// its ID token.
// https://developer.apple.com/documentation/accountorganizationaldatasharing/creating-a-client-secret
// https://developer.apple.com/documentation/signinwithapple/authenticating-users-with-sign-in-with-apple

// appleJWKS are Apple's published ID token keys.
const appleJWKS = "https://appleid.apple.com/auth/keys"

// appleSecretTTL is how long a client secret Ninshou makes is good for;
// Apple allows six months, one sign-in needs a few seconds.
const appleSecretTTL = 5 * time.Minute

// appleClientSecret is the client secret JWT of an Apple provider's
// details, signed now with its private_key (a PKCS #8 P-256 key, PEM, as
// Apple gives it in a .p8 file).
func appleClientSecret(d map[string]string, now time.Time) (string, error) {
	block, _ := pem.Decode([]byte(d["private_key"]))
	if block == nil {
		return "", errors.New("private_key is not PEM")
	}
	parsed, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return "", err
	}
	key, ok := parsed.(*ecdsa.PrivateKey)
	if !ok || key.Curve != elliptic.P256() {
		return "", errors.New("private_key is not a P-256 key")
	}
	header, _ := json.Marshal(map[string]string{"alg": "ES256", "kid": d["key_id"]})
	claims, _ := json.Marshal(map[string]any{"iss": d["team_id"], "iat": now.Unix(),
		"exp": now.Add(appleSecretTTL).Unix(), "aud": "https://appleid.apple.com", "sub": d["client_id"]})
	signed := base64.RawURLEncoding.EncodeToString(header) + "." + base64.RawURLEncoding.EncodeToString(claims)
	digest := sha256.Sum256([]byte(signed))
	r, sig, err := ecdsa.Sign(rand.Reader, key, digest[:])
	if err != nil {
		return "", err
	}
	raw := make([]byte, 64) // JWS: R and S, 32 bytes each (RFC 7518 §3.4)
	r.FillBytes(raw[:32])
	sig.FillBytes(raw[32:])
	return signed + "." + base64.RawURLEncoding.EncodeToString(raw), nil
}

// addAppleUser adds the name Apple's first answer gives ("user":
// {"name": {"firstName", "lastName"}, "email"}) to its ID token's claims,
// as firstName, lastName and name; the ID token's own claims win.
func addAppleUser(claims oidcrp.Claims, user string) {
	var u struct {
		Name struct {
			FirstName string `json:"firstName"`
			LastName  string `json:"lastName"`
		} `json:"name"`
	}
	if user == "" || json.Unmarshal([]byte(user), &u) != nil {
		return
	}
	set := func(k, v string) {
		if _, has := claims[k]; !has && v != "" {
			claims[k] = v
		}
	}
	set("firstName", u.Name.FirstName)
	set("lastName", u.Name.LastName)
	set("name", strings.TrimSpace(u.Name.FirstName+" "+u.Name.LastName))
}
