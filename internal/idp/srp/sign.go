package srp

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
)

// Signature computes the PASSWORD_CLAIM_SIGNATURE bytes (before base64):
//
//	HMAC-SHA256(K, poolName || userID || secretBlock || timestamp)
//
// secretBlock is the base64-decoded SECRET_BLOCK and timestamp the TIMESTAMP
// string exactly as the client sent it. For device SRP pass the
// DeviceGroupKey as poolName and the DeviceKey as userID.
func Signature(K []byte, poolName, userID string, secretBlock []byte, timestamp string) []byte {
	m := hmac.New(sha256.New, K)
	m.Write([]byte(poolName))
	m.Write([]byte(userID))
	m.Write(secretBlock)
	m.Write([]byte(timestamp))
	return m.Sum(nil)
}

// maxClaimLen bounds PASSWORD_CLAIM_SIGNATURE before decoding (a 32-byte
// HMAC is 44 base64 characters).
const maxClaimLen = 64

// VerifyClaim reports whether claimB64, the client's PASSWORD_CLAIM_SIGNATURE
// (standard base64), is the Signature of K over these inputs. The comparison
// is constant-time; a malformed claim is simply false.
func VerifyClaim(K []byte, poolName, userID string, secretBlock []byte, timestamp, claimB64 string) bool {
	if len(claimB64) > maxClaimLen {
		return false
	}
	got, err := base64.StdEncoding.DecodeString(claimB64)
	if err != nil {
		return false
	}
	return hmac.Equal(got, Signature(K, poolName, userID, secretBlock, timestamp))
}
