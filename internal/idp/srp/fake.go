package srp

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"math/big"
)

// Fake SRP for unknown users (PreventUserExistenceErrors = ENABLED; RFC 5054
// §2.5.1.3 as Cognito documents it): the server answers USER_SRP_AUTH for a
// username that does not exist with the same SALT and a UUID-shaped
// USER_ID_FOR_SRP every time, and a B computed from a verifier nobody knows,
// then fails the proof with the generic error. secret is a server-wide key
// (for example DeriveKey(masterKey, "fake-srp")); callers pass the username
// in the form that identifies a user (normalised as the pool normalises it),
// so that spellings of one name get one answer.

// fakeDerive is HMAC-SHA256(secret, label || 0 || len(poolID) || poolID ||
// username || counter): domain-separated and unambiguous.
func fakeDerive(secret []byte, label, poolID, username string, counter uint32) []byte {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte("ninshou/srp/fake/" + label))
	m.Write([]byte{0})
	var n [4]byte
	binary.BigEndian.PutUint32(n[:], uint32(len(poolID)))
	m.Write(n[:])
	m.Write([]byte(poolID))
	binary.BigEndian.PutUint32(n[:], uint32(len(username)))
	m.Write(n[:])
	m.Write([]byte(username))
	binary.BigEndian.PutUint32(n[:], counter)
	m.Write(n[:])
	return m.Sum(nil)
}

// FakeSalt is a stable SaltLen-byte salt for an unknown username.
func FakeSalt(secret []byte, poolID, username string) []byte {
	return fakeDerive(secret, "salt", poolID, username, 0)[:SaltLen]
}

// FakeUserID is a stable random-looking (version 4) UUID to send as
// USER_ID_FOR_SRP for an unknown username, lower-case like Cognito's subs.
func FakeUserID(secret []byte, poolID, username string) string {
	u := fakeDerive(secret, "user-id", poolID, username, 0)[:16]
	u[6] = u[6]&0x0f | 0x40
	u[8] = u[8]&0x3f | 0x80
	var b [36]byte
	hex.Encode(b[0:8], u[0:4])
	b[8] = '-'
	hex.Encode(b[9:13], u[4:6])
	b[13] = '-'
	hex.Encode(b[14:18], u[6:8])
	b[18] = '-'
	hex.Encode(b[19:23], u[8:10])
	b[23] = '-'
	hex.Encode(b[24:36], u[10:16])
	return string(b[:])
}

// FakeVerifier is a stable verifier in [1, N) for an unknown username that
// corresponds to no password anyone knows. It costs a few HMACs, no modular
// exponentiation, so the server then spends exactly the work of a real user:
// NewChallenge at InitiateAuth and Challenge.Key at the proof.
func FakeVerifier(secret []byte, poolID, username string) *big.Int {
	buf := make([]byte, 0, ModulusBytes+32)
	for i := uint32(0); len(buf) < ModulusBytes+16; i++ {
		buf = append(buf, fakeDerive(secret, "verifier", poolID, username, i)...)
	}
	v := new(big.Int).SetBytes(buf)
	v.Mod(v, nInt)
	if v.Sign() == 0 {
		v.SetInt64(1)
	}
	return v
}
