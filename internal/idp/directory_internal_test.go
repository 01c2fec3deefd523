package idp

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/ninshou/ninshou/internal/store"
)

// TestRecoveryTarget: AccountRecoverySetting by priority, MFA factors
// disqualifying their address, admin_only, and the legacy rule.
func TestRecoveryTarget(t *testing.T) {
	both := map[string]string{"email": "a@example.com", "email_verified": "true", "phone_number": "+14155550123", "phone_number_verified": "true"}
	email := codeTarget{"email", "a@example.com"}
	phone := codeTarget{"phone_number", "+14155550123"}
	opt := func(name string, prio int) RecoveryOption { return RecoveryOption{Name: name, Priority: prio} }
	for _, tc := range []struct {
		name      string
		recovery  []RecoveryOption
		attrs     map[string]string
		mfa       []string
		want      codeTarget
		ok, admin bool
	}{
		{"legacy prefers the phone", nil, both, nil, phone, true, false},
		{"legacy falls back to email", nil, map[string]string{"email": "a@example.com", "email_verified": "true", "phone_number": "+14155550123"}, nil, email, true, false},
		{"legacy, nothing verified", nil, map[string]string{"email": "a@example.com"}, nil, codeTarget{}, false, false},
		{"email first", []RecoveryOption{opt("verified_phone_number", 2), opt("verified_email", 1)}, both, nil, email, true, false},
		{"SMS MFA disqualifies the phone", []RecoveryOption{opt("verified_phone_number", 1), opt("verified_email", 2)}, both, []string{FactorSMS}, email, true, false},
		{"email MFA disqualifies the email", []RecoveryOption{opt("verified_email", 1)}, both, []string{FactorEmail}, codeTarget{}, false, false},
		{"admin only", []RecoveryOption{opt("admin_only", 1)}, both, nil, codeTarget{}, false, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := &Pool{PoolSettings: PoolSettings{AccountRecovery: tc.recovery}}
			u := &store.User{Attributes: tc.attrs, MFAEnabled: tc.mfa}
			got, ok, admin := recoveryTarget(p, u)
			if got != tc.want || ok != tc.ok || admin != tc.admin {
				t.Errorf("recoveryTarget = %v %v %v; want %v %v %v", got, ok, admin, tc.want, tc.ok, tc.admin)
			}
		})
	}
}

// TestSignUpTarget: the phone wins when both addresses are auto-verified.
func TestSignUpTarget(t *testing.T) {
	u := &store.User{Attributes: map[string]string{"email": "a@example.com", "phone_number": "+14155550123"}}
	for _, tc := range []struct {
		auto []string
		want codeTarget
		ok   bool
	}{
		{nil, codeTarget{}, false},
		{[]string{"email"}, codeTarget{"email", "a@example.com"}, true},
		{[]string{"email", "phone_number"}, codeTarget{"phone_number", "+14155550123"}, true},
	} {
		got, ok := signUpTarget(&Pool{PoolSettings: PoolSettings{AutoVerifiedAttributes: tc.auto}}, u)
		if got != tc.want || ok != tc.ok {
			t.Errorf("signUpTarget(%v) = %v %v; want %v %v", tc.auto, got, ok, tc.want, tc.ok)
		}
	}
}

// TestRememberPassword: the history keeps size-1 earlier hashes, newest
// first, and nothing when history is off.
func TestRememberPassword(t *testing.T) {
	p := &Pool{PoolSettings: PoolSettings{PasswordPolicy: PasswordPolicy{PasswordHistorySize: 3}}}
	u := &store.User{}
	for _, h := range []string{"h1", "h2", "h3", "h4"} {
		rememberPassword(p, u)
		u.PasswordHash = h
	}
	if diff := cmp.Diff([]string{"h3", "h2"}, decodeExtra(u).PasswordHistory); diff != "" {
		t.Errorf("history (-want +got):\n%s", diff)
	}
	p.PasswordPolicy.PasswordHistorySize = 0
	rememberPassword(p, u)
	if h := decodeExtra(u).PasswordHistory; h != nil {
		t.Errorf("history kept with history off: %v", h)
	}
}

// TestSimulatedDelivery: stable per name, shaped like an address.
func TestSimulatedDelivery(t *testing.T) {
	p := &Pool{ID: "us-east-1_abc"}
	a, b := simulatedDelivery(p, "ghost", false), simulatedDelivery(p, "ghost", false)
	if *a != *b || a.DeliveryMedium != "EMAIL" {
		t.Errorf("simulated deliveries differ or are not email: %+v %+v", a, b)
	}
	if d := simulatedDelivery(p, "+14155550123", false); d.Destination != "+*******0123" || d.DeliveryMedium != "SMS" {
		t.Errorf("phone-shaped name: %+v", d)
	}
	if d := simulatedDelivery(p, "ghost", true); d.DeliveryMedium != "SMS" || len(d.Destination) < 9 {
		t.Errorf("SMS simulation: %+v", d)
	}
}
