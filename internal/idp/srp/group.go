package srp

import (
	"crypto/sha256"
	"errors"
	"math/big"
)

// NHex is the RFC 5054 (RFC 3526 group 15) 3072-bit safe prime Cognito uses,
// in hex.
const NHex = "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74020BBEA63B139B22514A08798E3404DD" +
	"EF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED" +
	"EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3DC2007CB8A163BF0598DA48361C55D39A69163FA8FD24CF5F" +
	"83655D23DCA3AD961C62F356208552BB9ED529077096966D670C354E4ABC9804F1746C08CA18217C32905E462E36CE3B" +
	"E39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9DE2BCBF6955817183995497CEA956AE515D2261898FA0510" +
	"15728E5A8AAAC42DAD33170D04507A33A85521ABDF1CBA64ECFB850458DBEF0A8AEA71575D060C7DB3970F85A6E1E4C7" +
	"ABF5AE8CDB0933D71E8C94E04A25619DCEE3D2261AD2EE6BF12FFA06D98A0864D87602733EC86A64521F2B18177B200C" +
	"BBE117577A615D6C770988C0BAD946E208E24FA074E5AB3143DB5BFCE0FD108E4B82D120A93AD2CAFFFFFFFFFFFFFFFF"

// G is the group generator.
const G = 2

// KHex is the SRP-6a multiplier k = H(PadHex(N) || PadHex(g)), in hex.
const KHex = "538282c4354742d7cbbde2359fcf67f9f5b3a6b08791e5011b43b8a5b66d9ee6"

// ModulusBytes is the size of N in bytes (384); ModulusHexLen its size in hex
// digits (768).
const (
	ModulusBytes  = 384
	ModulusHexLen = 2 * ModulusBytes
)

// infoBits is the HKDF info string of Cognito's key derivation.
const infoBits = "Caldera Derived Key"

// keyLen is the length of the derived key K.
const keyLen = 16

var (
	nInt = mustHex(NHex)
	gInt = big.NewInt(G)
	kInt = hashInt(PadHex(nInt), PadHex(gInt))
)

// N returns a copy of the group modulus.
func N() *big.Int { return new(big.Int).Set(nInt) }

// K returns a copy of the multiplier k.
func K() *big.Int { return new(big.Int).Set(kInt) }

// Errors. Callers map all of them to Cognito's generic exceptions; the text is
// for logs.
var (
	// ErrInvalidPublicValue: SRP_A or SRP_B is not hex, too long, 0 mod N or ≥ N.
	ErrInvalidPublicValue = errors.New("srp: invalid public value")
	// ErrZeroU: the scrambling parameter u hashed to 0 (abort, per SRP-6a).
	ErrZeroU = errors.New("srp: scrambling parameter u is zero")
	// ErrInvalidVerifier: a verifier outside [1, N).
	ErrInvalidVerifier = errors.New("srp: invalid verifier")
	// ErrInvalidSalt: a SALT that is not hex or is empty or too long.
	ErrInvalidSalt = errors.New("srp: invalid salt")
	// ErrInvalidSecretBlock: a SECRET_BLOCK that is not standard base64.
	ErrInvalidSecretBlock = errors.New("srp: invalid secret block")
)

func mustHex(s string) *big.Int {
	n, ok := new(big.Int).SetString(s, 16)
	if !ok {
		panic("srp: bad constant")
	}
	return n
}

// PadHex returns the bytes that Cognito's padHex(n) hex string decodes to:
// the minimal big-endian two's-complement encoding of the non-negative n, that
// is its magnitude with a 0x00 byte prepended when the top bit is set. 0 is
// the single byte 0x00. It panics on a negative n, which the protocol never
// produces.
func PadHex(n *big.Int) []byte {
	if n.Sign() < 0 {
		panic("srp: PadHex of a negative number")
	}
	b := n.Bytes()
	if len(b) == 0 || b[0]&0x80 != 0 {
		return append([]byte{0}, b...)
	}
	return b
}

// Hex is the wire form of a big integer: lower-case hex without padding,
// as JavaScript's BigInteger.toString(16) prints it.
func Hex(n *big.Int) string { return n.Text(16) }

// hashInt is H(parts...) as a non-negative integer.
func hashInt(parts ...[]byte) *big.Int {
	h := sha256.New()
	for _, p := range parts {
		h.Write(p)
	}
	return new(big.Int).SetBytes(h.Sum(nil))
}

// parseHexBounded parses an unsigned hex integer of at most maxLen digits,
// checking length and alphabet before any allocation proportional to it.
func parseHexBounded(s string, maxLen int) (*big.Int, bool) {
	if len(s) == 0 || len(s) > maxLen {
		return nil, false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return nil, false
		}
	}
	n, ok := new(big.Int).SetString(s, 16)
	return n, ok
}

// maxPublicHexLen bounds SRP_A and SRP_B: the modulus size plus a little, for
// clients that zero-pad to a fixed width.
const maxPublicHexLen = ModulusHexLen + 32

// parsePublic parses SRP_A or SRP_B and checks 0 < value < N.
func parsePublic(s string) (*big.Int, error) {
	n, ok := parseHexBounded(s, maxPublicHexLen)
	if !ok || !inGroup(n) {
		return nil, ErrInvalidPublicValue
	}
	return n, nil
}

// inGroup reports 0 < n < N.
func inGroup(n *big.Int) bool {
	return n != nil && n.Sign() > 0 && n.Cmp(nInt) < 0
}

// computeU is u = H(PadHex(A) || PadHex(B)).
func computeU(A, B *big.Int) (*big.Int, error) {
	u := hashInt(PadHex(A), PadHex(B))
	if u.Sign() == 0 {
		return nil, ErrZeroU
	}
	return u, nil
}
