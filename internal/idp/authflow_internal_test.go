package idp

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/ninshou/ninshou/internal/idp/password"
	"github.com/ninshou/ninshou/internal/idp/tokens"
	"github.com/ninshou/ninshou/internal/store"
	"github.com/ninshou/ninshou/internal/store/sqlite"
)

// TestMFAFactors walks Cognito's MFA decision
// (https://docs.aws.amazon.com/cognito/latest/developerguide/user-pool-settings-mfa.html)
// over every pool mode and user set-up that matters.
func TestMFAFactors(t *testing.T) {
	email := map[string]string{"email": "kim@gmail.com"}
	phone := map[string]string{"phone_number": "+14155550123"}
	both := map[string]string{"email": "kim@gmail.com", "phone_number": "+14155550123"}
	totp, _ := encodeTOTPForTest()
	tests := []struct {
		name        string
		mfa         MFAConfig
		attrs       map[string]string
		enabled     []string
		preferred   string
		extra       []byte
		wantChal    string
		wantOptions []string
	}{
		{name: "off never challenges", mfa: MFAConfig{Mode: MFAOff, EmailEnabled: true}, attrs: email, enabled: []string{FactorEmail}},
		{name: "optional without user factor", mfa: MFAConfig{Mode: MFAOptional, EmailEnabled: true}, attrs: email},
		{name: "optional with email enabled", mfa: MFAConfig{Mode: MFAOptional, EmailEnabled: true}, attrs: email, enabled: []string{FactorEmail}, wantChal: FactorEmail},
		{name: "optional, enabled factor the pool lacks", mfa: MFAConfig{Mode: MFAOptional, SmsEnabled: true}, attrs: email, enabled: []string{FactorEmail}},
		{name: "on, email implicit (founding scenario)", mfa: MFAConfig{Mode: MFAOn, EmailEnabled: true}, attrs: email, wantChal: FactorEmail},
		{name: "on, sms implicit", mfa: MFAConfig{Mode: MFAOn, SmsEnabled: true, EmailEnabled: true}, attrs: phone, wantChal: FactorSMS},
		{name: "on, both implicit: choose", mfa: MFAConfig{Mode: MFAOn, SmsEnabled: true, EmailEnabled: true}, attrs: both,
			wantChal: ChallengeSelectMFA, wantOptions: []string{FactorSMS, FactorEmail}},
		{name: "on, nothing usable: set up", mfa: MFAConfig{Mode: MFAOn, SmsEnabled: true, TotpEnabled: true}, attrs: email,
			wantChal: ChallengeMFASetup, wantOptions: []string{FactorSMS, FactorTOTP}},
		{name: "two enabled, none preferred: choose", mfa: MFAConfig{Mode: MFAOptional, SmsEnabled: true, EmailEnabled: true}, attrs: both,
			enabled: []string{FactorSMS, FactorEmail}, wantChal: ChallengeSelectMFA, wantOptions: []string{FactorSMS, FactorEmail}},
		{name: "two enabled, preferred wins", mfa: MFAConfig{Mode: MFAOptional, SmsEnabled: true, EmailEnabled: true}, attrs: both,
			enabled: []string{FactorSMS, FactorEmail}, preferred: FactorEmail, wantChal: FactorEmail},
		{name: "totp needs a verified token", mfa: MFAConfig{Mode: MFAOptional, TotpEnabled: true}, attrs: email, enabled: []string{FactorTOTP}},
		{name: "totp verified", mfa: MFAConfig{Mode: MFAOptional, TotpEnabled: true}, attrs: email, enabled: []string{FactorTOTP}, extra: totp, wantChal: FactorTOTP},
		{name: "email enabled but no address", mfa: MFAConfig{Mode: MFAOn, EmailEnabled: true, TotpEnabled: true}, attrs: phone,
			enabled: []string{FactorEmail}, wantChal: ChallengeMFASetup, wantOptions: []string{FactorTOTP, FactorEmail}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := &Pool{PoolSettings: PoolSettings{MFA: tc.mfa}}
			u := &store.User{Attributes: tc.attrs, MFAEnabled: tc.enabled, MFAPreferred: tc.preferred, Extra: tc.extra}
			chal, opts := mfaFactors(p, u)
			if chal != tc.wantChal {
				t.Errorf("challenge = %q, want %q", chal, tc.wantChal)
			}
			if diff := cmp.Diff(tc.wantOptions, opts); diff != "" {
				t.Errorf("options (-want +got):\n%s", diff)
			}
		})
	}
}

func encodeTOTPForTest() ([]byte, error) {
	u := &store.User{}
	encodeExtra(u, userExtra{TOTPSecret: "JBSWY3DPEHPK3PXP", TOTPVerified: true})
	return u.Extra, nil
}

func TestMasks(t *testing.T) {
	for in, want := range map[string]string{
		"kim@gmail.com":     "k***@g***",
		"blog3@gmail.com":   "b***@g***",
		"émile@exämple.org": "é***@e***",
		"not-an-email":      "***",
	} {
		if got := maskEmail(in); got != want {
			t.Errorf("maskEmail(%q) = %q, want %q", in, got, want)
		}
	}
	for in, want := range map[string]string{
		"+14155550123":  "+*******0123",
		"+919876540276": "+********0276",
	} {
		if got := maskPhone(in); got != want {
			t.Errorf("maskPhone(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestAllowsFlow(t *testing.T) {
	tests := []struct {
		flows []string
		allow []string
		deny  []string
	}{
		{flows: nil, allow: []string{FlowAllowRefresh, FlowAllowUserSRP, FlowAllowCustom},
			deny: []string{FlowAllowUserPassword, FlowAllowAdminUserPassword, FlowAllowUserAuth}},
		{flows: []string{FlowAllowUserPassword, FlowAllowRefresh}, allow: []string{FlowAllowUserPassword, FlowAllowRefresh},
			deny: []string{FlowAllowUserSRP, FlowAllowAdminUserPassword, FlowAllowCustom}},
		{flows: []string{legacyAdminNoSRP}, allow: []string{FlowAllowAdminUserPassword, FlowAllowRefresh, FlowAllowUserSRP, FlowAllowCustom},
			deny: []string{FlowAllowUserPassword}},
		{flows: []string{legacyCustomOnly}, allow: []string{FlowAllowCustom, FlowAllowRefresh},
			deny: []string{FlowAllowUserSRP, FlowAllowUserPassword}},
	}
	for _, tc := range tests {
		c := &Client{ClientSettings: ClientSettings{ExplicitAuthFlows: tc.flows}}
		for _, f := range tc.allow {
			if !c.AllowsFlow(f) {
				t.Errorf("flows %v: %s refused, want allowed", tc.flows, f)
			}
		}
		for _, f := range tc.deny {
			if c.AllowsFlow(f) {
				t.Errorf("flows %v: %s allowed, want refused", tc.flows, f)
			}
		}
	}
}

// testService is a Service on a real SQLite store with a settable clock.
func testService(t *testing.T) (*Service, *time.Time) {
	t.Helper()
	st, err := sqlite.Open(filepath.Join(t.TempDir(), "idp.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	return &Service{
		Store: st, Region: "us-east-1", MailFrom: "no-reply@verificationemail.com",
		Tokens: &tokens.Service{PublicURL: "http://127.0.0.1:9229", Now: clock},
		Hasher: &password.Hasher{Params: password.Low},
		Now:    clock,
	}, &now
}

// TestLockoutSchedule: five failures lock for 1 s, each further failure
// doubles the lock up to about 15 minutes, and 15 quiet minutes forget. A
// failure counted while the account is locked (a guess checked alongside
// the ones that locked it) is not counted, and says so.
// https://docs.aws.amazon.com/cognito/latest/developerguide/authentication.html#authentication-flow-lockout-behavior
func TestLockoutSchedule(t *testing.T) {
	svc, now := testService(t)
	ctx := context.Background()
	p, err := svc.CreatePool(ctx, "lock", NewPoolSettings(), nil)
	if err != nil {
		t.Fatal(err)
	}
	u, err := svc.AdminCreateUser(ctx, CreateUserInput{PoolID: p.ID, Username: "kim", TemporaryPassword: "Temp#Pass1", MessageAction: "SUPPRESS"})
	if err != nil {
		t.Fatal(err)
	}
	locked := func() time.Duration {
		var d time.Duration
		svc.Store.View(ctx, func(tx store.Tx) error {
			r, err := tx.Users().Get(p.ID, u.Sub)
			if err != nil {
				t.Fatal(err)
			}
			if r.LockedUntil.After(*now) {
				d = r.LockedUntil.Sub(*now)
			}
			return nil
		})
		return d
	}
	var got []time.Duration
	for i := 1; i <= 15; i++ {
		if err := svc.recordFailure(ctx, p.ID, u.Sub); err != nil {
			t.Fatal(err)
		}
		got = append(got, locked())
		if i == 6 { // during the 2 s lock
			*now = now.Add(time.Second)
			var wasLocked bool
			if err := svc.update(ctx, func(tx store.Tx) error {
				var err error
				wasLocked, err = svc.recordFailureTx(tx, p.ID, u.Sub)
				return err
			}); err != nil || !wasLocked {
				t.Fatalf("a failure during the lock: locked %v, %v", wasLocked, err)
			}
			if d := locked(); d != time.Second {
				t.Errorf("a failure during the lock changed it: %v left, want 1s", d)
			}
		}
		*now = now.Add(max(time.Second, locked())) // the next attempt once the lock ends
	}
	s := time.Second
	want := []time.Duration{0, 0, 0, 0, 1 * s, 2 * s, 4 * s, 8 * s, 16 * s, 32 * s, 64 * s, 128 * s, 256 * s, 512 * s, 900 * s}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("lock after each failure (-want +got):\n%s", diff)
	}
	*now = now.Add(15 * time.Minute)
	if err := svc.recordFailure(ctx, p.ID, u.Sub); err != nil {
		t.Fatal(err)
	}
	if d := locked(); d != 0 {
		t.Errorf("after 15 quiet minutes one failure locks for %v; want the count reset", d)
	}
}

// TestRightPasswordMeetsLockTakenMeanwhile: a right password whose check
// began before parallel wrong guesses locked the account gets no tokens
// nor challenge: it meets the lock when its sign-in is written.
func TestRightPasswordMeetsLockTakenMeanwhile(t *testing.T) {
	svc, _ := testService(t)
	ctx := context.Background()
	p, err := svc.CreatePool(ctx, "lock", NewPoolSettings(), nil)
	if err != nil {
		t.Fatal(err)
	}
	c, err := svc.CreateClient(ctx, p.ID, ClientInput{Name: "app", ClientSettings: NewClientSettings()})
	if err != nil {
		t.Fatal(err)
	}
	u, err := svc.AdminCreateUser(ctx, CreateUserInput{PoolID: p.ID, Username: "kim", TemporaryPassword: "Temp#Pass1", MessageAction: "SUPPRESS"})
	if err != nil {
		t.Fatal(err)
	}
	// The password was checked; meanwhile five failures lock the account.
	for range 5 {
		if err := svc.recordFailure(ctx, p.ID, u.Sub); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := svc.afterPassword(ctx, p, c, u.Sub, ""); !errors.Is(err, errLockedOut) {
		t.Errorf("after the lock: %v, want %v", err, errLockedOut)
	}
}

// TestSessionHandleNeverStartsWithDash: the AWS CLI takes `--session -x...`
// for an option and refuses the command, so no session handle may begin
// with '-' (a random base64url string did once in 64).
func TestSessionHandleNeverStartsWithDash(t *testing.T) {
	s := &Service{}
	for range 5000 {
		h, hash := s.newHandle()
		if h[0] == '-' || len(h) < 20 || len(hash) != 32 {
			t.Fatalf("newHandle = %q (hash %d bytes): want no leading '-', 20 characters at least", h, len(hash))
		}
	}
}

// recordFailure counts one failed password in a transaction of its own.
func (s *Service) recordFailure(ctx context.Context, poolID, sub string) error {
	return s.update(ctx, func(tx store.Tx) error {
		_, err := s.recordFailureTx(tx, poolID, sub)
		return err
	})
}
