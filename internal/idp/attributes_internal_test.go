package idp

import (
	"slices"
	"testing"

	"github.com/ninshou/ninshou/internal/store"
)

// TestClientCanWriteFlags: no client writes a verification flag, not even
// one stored (before checkClientSettings refused such lists) with the flags
// among its WriteAttributes; the client's other attributes stay writable.
func TestClientCanWriteFlags(t *testing.T) {
	p := &Pool{PoolSettings: NewPoolSettings()}
	p.Schema = slices.Clone(standardSchema)
	for _, c := range []*Client{
		{},
		{ClientSettings: ClientSettings{WriteAttributes: []string{"email", "email_verified", "phone_number_verified"}}},
	} {
		for _, flag := range []string{"email_verified", "phone_number_verified"} {
			if clientCanWrite(p, c, flag) {
				t.Errorf("a client writing %v may write %s", c.WriteAttributes, flag)
			}
		}
		if !clientCanWrite(p, c, "email") {
			t.Errorf("a client writing %v may not write email", c.WriteAttributes)
		}
	}
}

// TestStalePasskeyMFAFlag: a user's passkey MFA flag left from before the
// pool's passkeys became a single factor counts for nothing (passkeyIsMFA),
// so it does not stop the user turning off their last MFA factor.
func TestStalePasskeyMFAFlag(t *testing.T) {
	p := &Pool{PoolSettings: NewPoolSettings()}
	p.MFA = MFAConfig{Mode: MFAOptional, TotpEnabled: true}
	u := &store.User{MFAEnabled: []string{FactorTOTP}, MFAPreferred: FactorTOTP, Attributes: map[string]string{}}
	encodeExtra(u, userExtra{PasskeyMFA: true, TOTPVerified: true})
	off := false
	if err := setMFAPreference(p, u, map[string]MFAPreference{FactorTOTP: {Enabled: &off}}); err != nil {
		t.Fatalf("turning TOTP off beside a stale passkey MFA flag: %v", err)
	}
	p.MFA.WebAuthnFactor = WebAuthnMultiFactor // where the flag does count, the rule holds
	u.MFAEnabled = []string{FactorTOTP}
	if err := setMFAPreference(p, u, map[string]MFAPreference{FactorTOTP: {Enabled: &off}}); !IsCode(err, InvalidParameterException) {
		t.Fatalf("turning the last factor off under passkey MFA: %v; want InvalidParameterException", err)
	}
}
