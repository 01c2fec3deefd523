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
