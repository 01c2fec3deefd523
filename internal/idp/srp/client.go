package srp

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"math/big"
	"time"
)

// clientSecretBytes is the size of the client's random a, as
// amazon-cognito-identity-js draws it (128 bytes; already below N).
const clientSecretBytes = 128

// Client is the client side of Cognito SRP, computed as
// amazon-cognito-identity-js does. One Client serves one sign-in attempt.
type Client struct {
	a    *big.Int
	bigA *big.Int
}

// NewClient draws a (128 random bytes from r, crypto/rand when r is nil) and
// computes A = g^a mod N.
func NewClient(r io.Reader) (*Client, error) {
	if r == nil {
		r = rand.Reader
	}
	buf := make([]byte, clientSecretBytes)
	for range 8 {
		if _, err := io.ReadFull(r, buf); err != nil {
			return nil, fmt.Errorf("srp: reading client secret: %w", err)
		}
		a := new(big.Int).SetBytes(buf)
		a.Mod(a, nInt)
		if c := clientFor(a); c != nil {
			return c, nil
		}
	}
	return nil, errors.New("srp: could not draw a usable client secret")
}

// clientFor computes A for a given a, or nil when A mod N == 0 or a == 0.
func clientFor(a *big.Int) *Client {
	if a.Sign() == 0 {
		return nil
	}
	A := new(big.Int).Exp(gInt, a, nInt)
	if A.Sign() == 0 {
		return nil
	}
	return &Client{a: a, bigA: A}
}

// A is the SRP_A auth parameter (unpadded lower-case hex).
func (c *Client) A() string { return Hex(c.bigA) }

// Claim answers a PASSWORD_VERIFIER (or DEVICE_PASSWORD_VERIFIER) challenge.
// poolName is the user-pool ID after the underscore and userID the
// challenge's USER_ID_FOR_SRP (for devices: the DeviceGroupKey, the DeviceKey
// and the device password); saltHex, srpBHex and secretBlockB64 are the
// challenge's SALT, SRP_B and SECRET_BLOCK. It returns the TIMESTAMP for now
// and the PASSWORD_CLAIM_SIGNATURE.
func (c *Client) Claim(poolName, userID, password, saltHex, srpBHex, secretBlockB64 string, now time.Time) (timestamp, signatureB64 string, err error) {
	timestamp = FormatTimestamp(now)
	sig, err := c.claim(poolName, userID, password, saltHex, srpBHex, secretBlockB64, timestamp)
	if err != nil {
		return "", "", err
	}
	return timestamp, base64.StdEncoding.EncodeToString(sig), nil
}

// maxSecretBlockLen bounds SECRET_BLOCK before decoding.
const maxSecretBlockLen = 1 << 16

// claim computes the signature bytes for a given TIMESTAMP string.
func (c *Client) claim(poolName, userID, password, saltHex, srpBHex, secretBlockB64, timestamp string) ([]byte, error) {
	K, err := c.key(poolName, userID, password, saltHex, srpBHex)
	if err != nil {
		return nil, err
	}
	if len(secretBlockB64) > maxSecretBlockLen {
		return nil, ErrInvalidSecretBlock
	}
	block, err := base64.StdEncoding.DecodeString(secretBlockB64)
	if err != nil {
		return nil, ErrInvalidSecretBlock
	}
	return Signature(K, poolName, userID, block, timestamp), nil
}

// key computes the client's K: x, u, S = (B − k·g^x)^(a + u·x) mod N, HKDF.
func (c *Client) key(poolName, userID, password, saltHex, srpBHex string) ([]byte, error) {
	B, err := parsePublic(srpBHex)
	if err != nil {
		return nil, err
	}
	salt, err := ParseSaltHex(saltHex)
	if err != nil {
		return nil, err
	}
	u, err := computeU(c.bigA, B)
	if err != nil {
		return nil, err
	}
	x := computeX(poolName, userID, password, salt)
	base := new(big.Int).Exp(gInt, x, nInt)
	base.Mul(base, kInt)
	base.Sub(B, base).Mod(base, nInt) // Euclidean: non-negative
	exp := new(big.Int).Mul(u, x)
	exp.Add(exp, c.a)
	S := base.Exp(base, exp, nInt)
	return deriveKey(S, u), nil
}
