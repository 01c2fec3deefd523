package idp

import (
	"encoding/json"

	"github.com/ninshou/ninshou/internal/store"
)

// userExtra is what the domain keeps about a user beyond the store's columns.
type userExtra struct {
	TOTPSecret       string `json:"totp_secret,omitempty"`
	TOTPVerified     bool   `json:"totp_verified,omitempty"`
	TOTPFriendlyName string `json:"totp_name,omitempty"`
	TOTPLastStep     int64  `json:"totp_last_step,omitempty"`
	// TOTPKey is the verified software token's secret, sealed (totp.go);
	// TOTPPending the one AssociateSoftwareToken issued, until verified.
	TOTPKey     []byte `json:"totp_key,omitempty"`
	TOTPPending []byte `json:"totp_pending,omitempty"`
	// SRP: salt, sealed verifier and the version in its AAD (credentials.go).
	SRPSalt     []byte `json:"srp_salt,omitempty"`
	SRPVerifier []byte `json:"srp_verifier,omitempty"`
	SRPVersion  uint32 `json:"srp_version,omitempty"`
	// PasswordHistory holds the hashes of earlier passwords, newest first,
	// as many as the pool's PasswordHistorySize needs (recovery.go).
	PasswordHistory []string `json:"pw_history,omitempty"`
	// Pending holds email/phone_number values that wait for verification
	// before they replace the current ones (attributes.go).
	Pending map[string]string `json:"pending,omitempty"`
	// Sends holds, per kind of code, when the user was sent one within the
	// last hour (epoch seconds), for the per-user sending limits (authevents.go).
	Sends map[string][]int64 `json:"sends,omitempty"`
	// PasskeyMFA: the user's passkey MFA (WebAuthnMfaSettings) is on.
	PasskeyMFA bool `json:"passkey_mfa,omitempty"`
}

func decodeExtra(u *store.User) userExtra {
	var e userExtra
	if len(u.Extra) > 0 {
		_ = json.Unmarshal(u.Extra, &e) // an unreadable document reads as empty
	}
	return e
}

func encodeExtra(u *store.User, e userExtra) {
	b, _ := json.Marshal(e)
	u.Extra = b
}
