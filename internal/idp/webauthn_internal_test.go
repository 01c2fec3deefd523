package idp

import (
	"testing"

	"github.com/google/uuid"

	"github.com/ninshou/ninshou/internal/store"
)

func TestOriginAllowed(t *testing.T) {
	for _, tc := range []struct {
		origin, rpID string
		want         bool
	}{
		{"https://example.com", "example.com", true},
		{"https://example.com:8443", "example.com", true},
		{"https://login.example.com", "example.com", true},
		{"https://EXAMPLE.com", "example.com", true},
		{"https://example.com/", "example.com", true},
		{"http://example.com", "example.com", false}, // not a secure context
		{"https://notexample.com", "example.com", false},
		{"https://example.com.evil.net", "example.com", false},
		{"https://example.com", "login.example.com", false}, // a parent is not allowed
		{"http://localhost:3000", "localhost", true},
		{"http://app.localhost:3000", "localhost", true},
		{"https://localhost", "localhost", true},
		{"http://127.0.0.1:3000", "localhost", false},
		{"ftp://localhost", "localhost", false},
		{"https://example.com/path", "example.com", false},
		{"https://user@example.com", "example.com", false},
		{"https://example.com?q", "example.com", false},
		{"example.com", "example.com", false},
		{"", "example.com", false},
		{"android:apk-key-hash:abc", "example.com", false},
		{"https://x.", "", false},
	} {
		if got := originAllowed(tc.origin, tc.rpID); got != tc.want {
			t.Errorf("originAllowed(%q, %q) = %v, want %v", tc.origin, tc.rpID, got, tc.want)
		}
	}
}

func FuzzOriginAllowed(f *testing.F) {
	f.Add("https://login.example.com:8443", "example.com")
	f.Add("http://localhost:3000", "localhost")
	f.Fuzz(func(t *testing.T, origin, rpID string) {
		if originAllowed(origin, rpID) && rpID == "" {
			t.Errorf("origin %q allowed for an empty relying party", origin)
		}
	})
}

func TestCounterAdvances(t *testing.T) {
	for _, tc := range []struct {
		stored, got uint32
		want        bool
	}{
		{0, 0, true}, // a provider that does not count
		{0, 1, true},
		{5, 6, true},
		{5, 5, false}, // replayed or cloned
		{5, 4, false},
		{5, 0, false}, // counted before, not now
	} {
		if got := counterAdvances(tc.stored, tc.got); got != tc.want {
			t.Errorf("counterAdvances(%d, %d) = %v", tc.stored, tc.got, got)
		}
	}
}

func TestRelyingParty(t *testing.T) {
	pool := func(factors []string, rpID, uv string) *Pool {
		p := &Pool{ID: "us-west-2_x"}
		p.AllowedFirstAuthFactors = factors
		p.MFA.WebAuthnRelyingPartyID, p.MFA.WebAuthnUserVerification = rpID, uv
		return p
	}
	for _, tc := range []struct {
		name     string
		p        *Pool
		domains  []*Domain
		rpID, uv string
		code     Code
	}{
		{"enabled", pool([]string{FactorPassword, FactorWebAuthn}, "example.com", ""), nil, "example.com", uvPreferred, ""},
		{"required", pool([]string{FactorWebAuthn}, "example.com", uvRequired), nil, "example.com", uvRequired, ""},
		{"not a first factor", pool([]string{FactorPassword}, "example.com", ""), nil, "", "", WebAuthnNotEnabledException},
		{"default factors", pool(nil, "example.com", ""), nil, "", "", WebAuthnNotEnabledException},
		{"no relying party", pool([]string{FactorWebAuthn}, "", ""), nil, "", "", WebAuthnConfigurationMissingException},
		{"its own over a domain", pool([]string{FactorWebAuthn}, "example.com", ""), []*Domain{{PoolID: "us-west-2_x", Name: "login.example.org", CertificateArn: "arn"}},
			"example.com", uvPreferred, ""},
		{"a prefix domain", pool([]string{FactorWebAuthn}, "", ""), []*Domain{{PoolID: "us-west-2_x", Name: "my-app"}},
			"my-app.auth.us-west-2.amazoncognito.com", uvPreferred, ""},
		{"a custom domain over a prefix", pool([]string{FactorWebAuthn}, "", ""),
			[]*Domain{{PoolID: "us-west-2_x", Name: "my-app"}, {PoolID: "us-west-2_x", Name: "login.example.org", CertificateArn: "arn"}},
			"login.example.org", uvPreferred, ""},
	} {
		rpID, uv, err := relyingPartyOf(tc.p, tc.domains)
		if tc.code != "" {
			if !IsCode(err, tc.code) {
				t.Errorf("%s: error %v, want %s", tc.name, err, tc.code)
			}
			continue
		}
		if err != nil || rpID != tc.rpID || uv != tc.uv {
			t.Errorf("%s: relyingParty = %q %q %v", tc.name, rpID, uv, err)
		}
	}
}

func TestFriendlyName(t *testing.T) {
	icloud := uuid.MustParse("fbfc3007-154e-4ecc-8c0b-6e020557d7bd")
	for _, tc := range []struct {
		aaguid     []byte
		attachment string
		want       string
	}{
		{icloud[:], "platform", "iCloud Keychain"},
		{make([]byte, 16), "platform", "Passkey"},
		{make([]byte, 16), "cross-platform", "Security key"},
		{nil, "", "Passkey"},
	} {
		if got := friendlyName(tc.aaguid, tc.attachment); got != tc.want {
			t.Errorf("friendlyName(%x, %q) = %q, want %q", tc.aaguid, tc.attachment, got, tc.want)
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
