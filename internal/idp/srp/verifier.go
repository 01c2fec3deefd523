package srp

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"io"
	"math/big"

	"github.com/ninshou/ninshou/internal/primitives"
)

// SaltLen is the length of the salts NewSalt makes (Cognito's SALT values are
// 16 random bytes).
const SaltLen = 16

// maxSaltHexLen bounds SALT values read from the wire or from a device's
// ConfirmDevice request.
const maxSaltHexLen = 128

// NewSalt returns SaltLen random bytes from r (crypto/rand when r is nil).
//
// Salts are integers to the protocol: x hashes PadHex(salt as an integer) and
// SALT travels as its unpadded hex, so a leading zero byte simply disappears on
// both sides. Store the bytes as returned, emit them with SaltHex, and the two
// ends agree. It panics if r fails, which crypto/rand never does.
func NewSalt(r io.Reader) []byte {
	if r == nil {
		r = rand.Reader
	}
	s := make([]byte, SaltLen)
	if _, err := io.ReadFull(r, s); err != nil {
		panic("srp: reading salt: " + err.Error())
	}
	return s
}

// SaltHex is the SALT challenge parameter for a stored salt: the unpadded
// lower-case hex of the salt read as a big-endian integer.
func SaltHex(salt []byte) string { return Hex(new(big.Int).SetBytes(salt)) }

// ParseSaltHex reads a SALT challenge parameter back into bytes (PadHex of
// the integer, as the client hashes them).
func ParseSaltHex(s string) ([]byte, error) {
	n, ok := parseHexBounded(s, maxSaltHexLen)
	if !ok {
		return nil, ErrInvalidSalt
	}
	return PadHex(n), nil
}

// computeX is x = H(PadHex(salt) || H(id1 + id2 + ":" + password)).
func computeX(id1, id2, password string, salt []byte) *big.Int {
	inner := sha256.Sum256([]byte(id1 + id2 + ":" + password))
	return hashInt(PadHex(new(big.Int).SetBytes(salt)), inner[:])
}

// Verifier returns the SRP verifier v = g^x mod N of a user's password.
// poolName is the user-pool ID after the underscore, userID the immutable
// username that the server sends as USER_ID_FOR_SRP.
func Verifier(poolName, userID, password string, salt []byte) *big.Int {
	// x is derived from the password: ExpMod keeps the time independent of it
	// where it can.
	return primitives.ExpMod(gInt, computeX(poolName, userID, password, salt), nInt)
}

// DeviceVerifier is Verifier for a remembered device: the DeviceGroupKey takes
// the place of the pool name and the DeviceKey that of the user ID.
func DeviceVerifier(deviceGroupKey, deviceKey, devicePassword string, salt []byte) *big.Int {
	return Verifier(deviceGroupKey, deviceKey, devicePassword, salt)
}

// devicePasswordBytes is the number of random bytes in a device password
// (base64-encoded), as amazon-cognito-identity-js generates it.
const devicePasswordBytes = 40

// NewDeviceSecret plays the client's part of ConfirmDevice: it makes a random
// device password and salt and returns the DeviceSecretVerifierConfig values,
// Salt = Base64(PadHex(salt)) and PasswordVerifier = Base64(PadHex(v)).
func NewDeviceSecret(r io.Reader, deviceGroupKey, deviceKey string) (devicePassword, saltB64, verifierB64 string, err error) {
	if r == nil {
		r = rand.Reader
	}
	pw := make([]byte, devicePasswordBytes)
	if _, err := io.ReadFull(r, pw); err != nil {
		return "", "", "", fmt.Errorf("srp: reading device password: %w", err)
	}
	salt := make([]byte, SaltLen)
	if _, err := io.ReadFull(r, salt); err != nil {
		return "", "", "", fmt.Errorf("srp: reading device salt: %w", err)
	}
	devicePassword = base64.StdEncoding.EncodeToString(pw)
	saltBytes := PadHex(new(big.Int).SetBytes(salt))
	v := DeviceVerifier(deviceGroupKey, deviceKey, devicePassword, saltBytes)
	return devicePassword, base64.StdEncoding.EncodeToString(saltBytes),
		base64.StdEncoding.EncodeToString(PadHex(v)), nil
}

// maxVerifierB64Len bounds a base64 PasswordVerifier (PadHex of a value < N is
// at most 385 bytes, 516 base64 characters).
const maxVerifierB64Len = 4 * ((ModulusBytes + 1 + 2) / 3)

// ParseDeviceVerifier decodes ConfirmDevice's DeviceSecretVerifierConfig
// (standard base64 of PadHex bytes) into a salt to store and a verifier, and
// checks 0 < v < N. The returned salt, emitted with SaltHex, is what the
// client expects back as SALT in DEVICE_PASSWORD_VERIFIER.
func ParseDeviceVerifier(saltB64, verifierB64 string) (salt []byte, v *big.Int, err error) {
	if len(saltB64) == 0 || len(saltB64) > maxSaltHexLen || len(verifierB64) == 0 || len(verifierB64) > maxVerifierB64Len {
		return nil, nil, ErrInvalidVerifier
	}
	salt, err = base64.StdEncoding.DecodeString(saltB64)
	if err != nil || len(salt) == 0 {
		return nil, nil, ErrInvalidSalt
	}
	vb, err := base64.StdEncoding.DecodeString(verifierB64)
	if err != nil {
		return nil, nil, ErrInvalidVerifier
	}
	v = new(big.Int).SetBytes(vb)
	if !inGroup(v) {
		return nil, nil, ErrInvalidVerifier
	}
	return salt, v, nil
}
