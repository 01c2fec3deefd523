package srp

import (
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/big"

	"github.com/ninshou/ninshou/internal/primitives"
)

// ephemeralBytes is the size of the server's secret b (256 bits).
const ephemeralBytes = 32

// Challenge is the server's half of one SRP exchange: the public B it sends as
// SRP_B and the secret b it needs again to check the client's proof.
type Challenge struct {
	B *big.Int // public value, sent as SRP_B (Hex)
	b *big.Int // secret ephemeral
}

// NewChallenge draws a fresh secret b (256 random bits from r, crypto/rand
// when r is nil) and computes B = (k·v + g^b) mod N for the verifier v.
func NewChallenge(v *big.Int, r io.Reader) (*Challenge, error) {
	if !inGroup(v) {
		return nil, ErrInvalidVerifier
	}
	if r == nil {
		r = rand.Reader
	}
	buf := make([]byte, ephemeralBytes)
	for range 8 {
		if _, err := io.ReadFull(r, buf); err != nil {
			return nil, fmt.Errorf("srp: reading server secret: %w", err)
		}
		b := new(big.Int).SetBytes(buf)
		if b.Sign() == 0 {
			continue
		}
		if c := challengeFor(v, b); c != nil {
			return c, nil
		}
	}
	return nil, errors.New("srp: could not draw a usable server secret")
}

// challengeFor computes B for a given b, or nil when B mod N == 0.
func challengeFor(v, b *big.Int) *Challenge {
	B := primitives.ExpMod(gInt, b, nInt) // b is the server's secret
	kv := new(big.Int).Mul(kInt, v)
	B.Add(B, kv).Mod(B, nInt)
	if B.Sign() == 0 {
		return nil
	}
	return &Challenge{B: B, b: b}
}

// BHex is the SRP_B challenge parameter.
func (c *Challenge) BHex() string { return Hex(c.B) }

// ParseA parses the client's SRP_A. It refuses, before any big-number work,
// anything longer than the modulus in hex plus a little, anything that is not
// plain hex (no sign, no prefix, no spaces), and then any value that is 0 or
// ≥ N (so A mod N ≠ 0).
func ParseA(s string) (*big.Int, error) { return parsePublic(s) }

// Key computes the session key K the client must have used, from the client's
// A (from ParseA) and the user's verifier v:
//
//	u = H(PadHex(A) || PadHex(B)),  S = (A·v^u)^b mod N,
//	K = HKDF-SHA256(ikm PadHex(S), salt PadHex(u), "Caldera Derived Key", 16).
//
// It fails on A or v outside (0, N) and on u = 0. K does not depend on whether
// the password was right: compare the client's proof with VerifyClaim.
func (c *Challenge) Key(A, v *big.Int) ([]byte, error) {
	if c == nil || c.b == nil || !inGroup(c.B) {
		return nil, errors.New("srp: empty challenge")
	}
	if !inGroup(A) {
		return nil, ErrInvalidPublicValue
	}
	if !inGroup(v) {
		return nil, ErrInvalidVerifier
	}
	u, err := computeU(A, c.B)
	if err != nil {
		return nil, err
	}
	S := primitives.ExpMod(v, u, nInt)
	S.Mul(S, A).Mod(S, nInt)
	S = primitives.ExpMod(S, c.b, nInt)
	return deriveKey(S, u), nil
}

// deriveKey is Cognito's HKDF step.
func deriveKey(S, u *big.Int) []byte {
	k, err := hkdf.Key(sha256.New, PadHex(S), PadHex(u), infoBits, keyLen)
	if err != nil {
		panic("srp: hkdf: " + err.Error()) // only on absurd lengths
	}
	return k
}

// challengeFormat is the version byte of MarshalBinary's output.
const challengeFormat = 1

// MarshalBinary serialises the challenge: a version byte, b (length-prefixed)
// and B (fixed 384 bytes). The output contains the secret b: keep it in the
// server or seal it (for example inside SECRET_BLOCK) with a Sealer.
func (c *Challenge) MarshalBinary() ([]byte, error) {
	if c == nil || c.b == nil || c.b.Sign() <= 0 || !inGroup(c.B) {
		return nil, errors.New("srp: empty challenge")
	}
	bb := c.b.Bytes()
	if len(bb) > maxEphemeralBytes {
		return nil, errors.New("srp: server secret too large")
	}
	out := make([]byte, 0, 1+2+len(bb)+ModulusBytes)
	out = append(out, challengeFormat)
	out = binary.BigEndian.AppendUint16(out, uint16(len(bb)))
	out = append(out, bb...)
	out = append(out, c.B.FillBytes(make([]byte, ModulusBytes))...)
	return out, nil
}

// maxEphemeralBytes bounds b when reading a serialised challenge.
const maxEphemeralBytes = 64

// ErrInvalidChallenge: UnmarshalChallenge was given bytes MarshalBinary did
// not produce.
var ErrInvalidChallenge = errors.New("srp: invalid serialised challenge")

// UnmarshalChallenge reads what MarshalBinary wrote.
func UnmarshalChallenge(data []byte) (*Challenge, error) {
	if len(data) < 3 || data[0] != challengeFormat {
		return nil, ErrInvalidChallenge
	}
	n := int(binary.BigEndian.Uint16(data[1:3]))
	if n == 0 || n > maxEphemeralBytes || len(data) != 3+n+ModulusBytes {
		return nil, ErrInvalidChallenge
	}
	b := new(big.Int).SetBytes(data[3 : 3+n])
	B := new(big.Int).SetBytes(data[3+n:])
	if b.Sign() == 0 || !inGroup(B) {
		return nil, ErrInvalidChallenge
	}
	return &Challenge{B: B, b: b}, nil
}
