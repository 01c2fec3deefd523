package tokens

import (
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"io"
)

// refreshHeader is base64url({"cty":"JWT","enc":"A256GCM","alg":"RSA-OAEP"}),
// the protected header of Cognito's refresh tokens (compact JWE).
const refreshHeader = "eyJjdHkiOiJKV1QiLCJlbmMiOiJBMjU2R0NNIiwiYWxnIjoiUlNBLU9BRVAifQ"

// Sizes of the random JWE-like segments after the header: encrypted key,
// IV, ciphertext and tag. The first alone carries 256 bits, the rest make
// the shape; all of it is secret.
var refreshSegments = [...]int{32, 12, 32, 16}

// NewRefreshToken returns a new refresh token and the hash to store.
//
// The value is an opaque random handle (at least 256 bits from r) laid out
// as five base64url segments, like Cognito's JWE refresh tokens, so clients
// that look at its shape are content; its characters stay within RevokeToken's
// [A-Za-z0-9-_=.]+. It holds no user state: everything it stands for lives
// in the store under HashRefreshToken(value).
func NewRefreshToken(r io.Reader) (value string, hash []byte, err error) {
	total := 0
	for _, n := range refreshSegments {
		total += n
	}
	secret := make([]byte, total)
	if _, err := io.ReadFull(r, secret); err != nil {
		return "", nil, fmt.Errorf("tokens: refresh token: %w", err)
	}
	buf := make([]byte, 0, len(refreshHeader)+base64.RawURLEncoding.EncodedLen(total)+len(refreshSegments))
	buf = append(buf, refreshHeader...)
	for _, n := range refreshSegments {
		buf = append(buf, '.')
		buf = base64.RawURLEncoding.AppendEncode(buf, secret[:n])
		secret = secret[n:]
	}
	value = string(buf)
	return value, HashRefreshToken(value), nil
}

// HashRefreshToken is the SHA-256 of the whole token string, the only form
// in which a refresh token is stored.
func HashRefreshToken(value string) []byte {
	sum := sha256.Sum256([]byte(value))
	return sum[:]
}
