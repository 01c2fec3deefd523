package idp

import (
	"testing"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/hotp"

	"github.com/ninshou/ninshou/internal/idp/srp"
	"github.com/ninshou/ninshou/internal/store"
)

// TestSealedVerifierIsBoundToItsUser: a verifier sealed for one user does
// not open for another, nor after the password changed (new version).
func TestSealedVerifierIsBoundToItsUser(t *testing.T) {
	svc, now := testService(t)
	sealer, err := srp.NewSealer(make([]byte, srp.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	svc.Sealer = sealer
	p := &Pool{ID: "us-east-1_AbCdEf123"}
	rec, err := svc.passwordRecord(p, "kim", "Perm#Pass1")
	if err != nil {
		t.Fatal(err)
	}
	kim := &store.User{PoolID: p.ID, Sub: "sub-kim", Username: "kim"}
	if err := svc.setPassword(kim, rec, *now); err != nil {
		t.Fatal(err)
	}
	salt, v, err := svc.userVerifier(kim)
	if err != nil {
		t.Fatal(err)
	}
	if want := srp.Verifier("AbCdEf123", "kim", "Perm#Pass1", salt); v.Cmp(want) != 0 {
		t.Errorf("verifier does not match the password")
	}
	ana := &store.User{PoolID: p.ID, Sub: "sub-ana", Username: "ana", Extra: kim.Extra}
	if _, _, err := svc.userVerifier(ana); err == nil {
		t.Errorf("kim's sealed verifier opened for ana")
	}
	old := kim.Extra
	rec2, _ := svc.passwordRecord(p, "kim", "N3w#Password")
	if err := svc.setPassword(kim, rec2, *now); err != nil {
		t.Fatal(err)
	}
	x, y := decodeExtra(kim), decodeExtra(&store.User{Extra: old})
	x.SRPVerifier, x.SRPSalt = y.SRPVerifier, y.SRPSalt // the old ciphertext copied back
	encodeExtra(kim, x)
	if _, _, err := svc.userVerifier(kim); err == nil {
		t.Errorf("an older sealed verifier opened under the new version")
	}
}

// TestTOTPStepsAreSingleUse: a code matches within one step either side of
// the clock and never at or before the last accepted step.
func TestTOTPStepsAreSingleUse(t *testing.T) {
	svc, _ := testService(t)
	secret := []byte("12345678901234567890") // RFC 6238 appendix B
	now := svc.totpStep()
	code := func(step int64) string {
		c, err := hotp.GenerateCodeCustom(base32NoPad.EncodeToString(secret), uint64(step),
			hotp.ValidateOpts{Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	for _, tc := range []struct {
		step, notBefore int64
		ok, reused      bool
	}{
		{now, 0, true, false}, {now - 1, 0, true, false}, {now + 1, 0, true, false},
		{now - 2, 0, false, false}, {now + 2, 0, false, false},
		{now, now, false, true}, {now - 1, now - 1, false, true}, {now - 1, now, false, true},
		{now + 1, now, true, false},
	} {
		got, ok, reused := svc.matchTOTP(secret, code(tc.step), tc.notBefore)
		if ok != tc.ok || ok && got != tc.step || reused != tc.reused {
			t.Errorf("step %+d (last used %+d): matched %v at %+d, reused %v; want %v, reused %v", tc.step-now, tc.notBefore-now, ok, got-now, reused, tc.ok, tc.reused)
		}
	}
}

// TestTOTPUnderAnotherServerKey: an authenticator-app secret sealed under
// another server key (a store restored without its server.key) matches no
// code, as an SRP verifier sealed so answers no password; it is no
// internal error.
func TestTOTPUnderAnotherServerKey(t *testing.T) {
	svc, _ := testService(t)
	old, err := srp.NewSealer(make([]byte, srp.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	svc.Sealer = old
	u := &store.User{PoolID: "us-east-1_AbCdEf123", Sub: "sub-kim"}
	sealed := svc.sealSecret("totp", u.PoolID, u.Sub, []byte("12345678901234567890"))
	encodeExtra(u, userExtra{TOTPKey: sealed, TOTPVerified: true})
	other, err := srp.NewSealer(append(make([]byte, srp.KeySize-1), 1))
	if err != nil {
		t.Fatal(err)
	}
	svc.Sealer = other
	code, _ := hotp.GenerateCodeCustom("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ", uint64(svc.now().Unix()/30), hotp.ValidateOpts{Digits: otp.DigitsSix})
	if _, ok, _, err := svc.checkTOTP(u, code); ok || err != nil {
		t.Errorf("checkTOTP under another key = %v, %v; want no match and no error", ok, err)
	}
}
