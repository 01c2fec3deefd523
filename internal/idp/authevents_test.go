package idp

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/ninshou/ninshou/internal/store"
)

// TestCountSend: five codes an hour per kind, on the injected clock.
func TestCountSend(t *testing.T) {
	now := time.Date(2025, 1, 1, 12, 0, 0, 0, time.UTC)
	s := &Service{Now: func() time.Time { return now }}
	u := &store.User{}
	for i := range 5 {
		if err := s.countSend(u, sendKindForgot, 5); err != nil {
			t.Fatalf("send %d: %v", i+1, err)
		}
		now = now.Add(time.Minute)
	}
	if err := s.countSend(u, sendKindForgot, 5); !IsCode(err, LimitExceededException) {
		t.Fatalf("sixth send = %v; want LimitExceededException", err)
	}
	if err := s.countSend(u, sendKindResend, 5); err != nil {
		t.Fatalf("another kind: %v", err)
	}
	now = now.Add(55 * time.Minute) // the first send is an hour old
	if err := s.countSend(u, sendKindForgot, 5); err != nil {
		t.Fatalf("after an hour: %v", err)
	}
	if err := s.countSend(u, sendKindForgot, 5); !IsCode(err, LimitExceededException) {
		t.Fatalf("again = %v; want LimitExceededException", err)
	}
}

// TestUpdateAuthEventFeedback: a user's feedback needs the FeedbackToken
// of that very event (what a risk notification's links would carry); any
// other token is NotAuthorizedException, whether or not the event exists,
// and changes nothing. The right one records the feedback from "User".
// https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_UpdateAuthEventFeedback.html
func TestUpdateAuthEventFeedback(t *testing.T) {
	svc, now := testService(t)
	svc.FakeSRPSecret = []byte("server secret")
	ctx := context.Background()
	settings := NewPoolSettings()
	settings.AdvancedSecurityMode = "AUDIT"
	settings.Tier = TierPlus
	p, err := svc.CreatePool(ctx, "feedback", settings, nil)
	if err != nil {
		t.Fatal(err)
	}
	u, err := svc.AdminCreateUser(ctx, CreateUserInput{PoolID: p.ID, Username: "kim", TemporaryPassword: "Temp#Pass1", MessageAction: "SUPPRESS"})
	if err != nil {
		t.Fatal(err)
	}
	const event = "0b0e6e1e-0000-4000-8000-000000000001"
	if err := svc.update(ctx, func(tx store.Tx) error {
		return tx.AuthEvents().Add(&store.AuthEvent{PoolID: p.ID, Sub: u.Sub, ID: event, Type: EventSignIn,
			Response: EventPass, Challenges: []string{challengePasswordOK}, CreatedAt: *now})
	}); err != nil {
		t.Fatal(err)
	}
	feedback := func() *store.EventFeedback {
		evs, _, err := svc.AdminListUserAuthEvents(ctx, p.ID, "kim", store.Page{})
		if err != nil || len(evs) != 1 {
			t.Fatalf("events: %v %v", evs, err)
		}
		return evs[0].Feedback
	}

	other := "0b0e6e1e-0000-4000-8000-000000000002"
	for name, token := range map[string]string{
		"made up":              "not-a-token",
		"empty":                "",
		"another event's":      svc.feedbackToken(p.ID, u.Sub, other),
		"another server's":     (&Service{FakeSRPSecret: []byte("other")}).feedbackToken(p.ID, u.Sub, event),
		"another user's":       svc.feedbackToken(p.ID, "0b0e6e1e-0000-4000-8000-00000000000f", event),
		"the token, truncated": svc.feedbackToken(p.ID, u.Sub, event)[:20],
	} {
		err := svc.UpdateAuthEventFeedback(ctx, p.ID, "kim", event, token, "Invalid")
		if !IsCode(err, NotAuthorizedException) {
			t.Errorf("%s token: %v, want NotAuthorizedException", name, err)
		}
	}
	if err := svc.UpdateAuthEventFeedback(ctx, p.ID, "kim", other, "not-a-token", "Invalid"); !IsCode(err, NotAuthorizedException) {
		t.Errorf("an unknown event without its token: %v, want NotAuthorizedException", err)
	}
	if f := feedback(); f != nil {
		t.Fatalf("refused calls recorded feedback %+v", f)
	}

	if err := svc.UpdateAuthEventFeedback(ctx, p.ID, "kim", other, svc.feedbackToken(p.ID, u.Sub, other), "Invalid"); !IsCode(err, ResourceNotFoundException) {
		t.Errorf("an unknown event with its token: %v, want ResourceNotFoundException", err)
	}
	*now = now.Add(time.Minute)
	if err := svc.UpdateAuthEventFeedback(ctx, p.ID, "kim", event, svc.feedbackToken(p.ID, u.Sub, event), "Invalid"); err != nil {
		t.Fatal(err)
	}
	if f := feedback(); f == nil || f.Value != "Invalid" || f.Provider != "User" || !f.At.Equal(*now) {
		t.Errorf("feedback %+v, want Invalid from User at %v", f, *now)
	}
}

// TestSetMFAConfigOnPoolStoredBeforeTierRules: a pool stored with threat
// protection on the Essentials plan (before the rule that it needs Plus)
// keeps its MFA settings changeable; a feature the call itself turns on is
// still judged against the plan.
func TestSetMFAConfigOnPoolStoredBeforeTierRules(t *testing.T) {
	svc, _ := testService(t)
	ctx := context.Background()
	settings := NewPoolSettings()
	settings.AdvancedSecurityMode, settings.Tier = "ENFORCED", TierPlus
	p, err := svc.CreatePool(ctx, "legacy", settings, nil)
	if err != nil {
		t.Fatal(err)
	}
	// storeTier writes the pool's plan as a pool stored before the rules
	// would hold it, past the checks.
	storeTier := func(tier string) {
		t.Helper()
		if err := svc.update(ctx, func(tx store.Tx) error {
			q, err := lockedPool(tx, p.ID)
			if err != nil {
				return err
			}
			q.Tier = tier
			return savePool(tx, q)
		}); err != nil {
			t.Fatal(err)
		}
	}
	// As stored before the rule: Essentials with threat protection on.
	storeTier(TierEssentials)
	totp := func(ps *PoolSettings) error {
		ps.MFA = MFAConfig{Mode: MFAOptional, TotpEnabled: true}
		return nil
	}
	if _, err := svc.SetMFAConfig(ctx, p.ID, totp); err != nil {
		t.Errorf("TOTP on the legacy pool: %v", err)
	}
	// Down to Lite it goes with its threat protection; email MFA, which
	// this call turns on, is refused, and only it is named.
	storeTier(TierLite)
	_, err = svc.SetMFAConfig(ctx, p.ID, func(ps *PoolSettings) error {
		ps.MFA = MFAConfig{Mode: MFAOptional, TotpEnabled: true, EmailEnabled: true}
		return nil
	})
	var e *Error
	if !errors.As(err, &e) || e.Code != FeatureUnavailableInTierException ||
		e.Message != "The following features need to be disabled for the LITE pricing tier configured: Email MFA" {
		t.Errorf("email MFA on the Lite pool: %v", err)
	}
}
