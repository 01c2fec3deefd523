package idp

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/ninshou/ninshou/internal/store"
)

// Authentication events (AdminListUserAuthEvents) and the per-user limits
// on how often codes are sent.
//
// Cognito keeps a user's event history only while the pool's threat
// protection is active (UserPoolAddOns.AdvancedSecurityMode AUDIT or
// ENFORCED); without it AdminListUserAuthEvents answers
// UserPoolAddOnNotEnabledException. Ninshou does the same, so a pool without
// the add-on pays nothing: events are written only for pools that can read
// them, each in the transaction of the state change it describes.
// https://docs.aws.amazon.com/cognito/latest/developerguide/cognito-user-pool-settings-adaptive-authentication.html
// Ninshou assesses no risk: every event says RiskDecision NoRisk.

// Event types (EventType) and responses (EventResponseType).
const (
	EventSignIn         = "SignIn"
	EventSignUp         = "SignUp"
	EventForgotPassword = "ForgotPassword"
	EventPasswordChange = "PasswordChange"
	EventResendCode     = "ResendCode"

	EventPass = "Pass"
	EventFail = "Fail"
)

// Challenge results of an event (ChallengeResponseType), "<name>:<result>".
const (
	challengePasswordOK   = "Password:Success"
	challengePasswordFail = "Password:Failure"
	challengeMFAOK        = "Mfa:Success"
	challengeMFAFail      = "Mfa:Failure"
)

// AuthEvent is one entry of AdminListUserAuthEvents.
type AuthEvent struct {
	ID         string
	Type       string
	Response   string
	Challenges []ChallengeResult
	CreatedAt  time.Time
	// Feedback is the latest feedback on the event, nil if none.
	Feedback *store.EventFeedback
}

// ChallengeResult is one ChallengeResponseType: Password or Mfa, Success or Failure.
type ChallengeResult struct {
	Name   string
	Result string
}

func (p *Pool) recordsEvents() bool {
	return p.AdvancedSecurityMode == "AUDIT" || p.AdvancedSecurityMode == "ENFORCED"
}

// recordEvent adds an event to u's history when the pool keeps one. id may
// be "" for a fresh one; a sign-in passes its event_id, so that the tokens'
// event_id names the event.
func (s *Service) recordEvent(tx store.Tx, p *Pool, sub, id, typ, response string, challenges ...string) error {
	if !p.recordsEvents() {
		return nil
	}
	if id == "" {
		id = uuid.New().String()
	}
	return tx.AuthEvents().Add(&store.AuthEvent{PoolID: p.ID, Sub: sub, ID: id, Type: typ, Response: response,
		Challenges: challenges, CreatedAt: s.now()})
}

// recordSignIn is the event of a sign-in that ends in tokens: the password
// (or other first factor) passed, and MFA too when the pool asked for it.
func (s *Service) recordSignIn(tx store.Tx, p *Pool, u *store.User, eventID string) error {
	if !p.recordsEvents() {
		return nil
	}
	challenges := []string{challengePasswordOK}
	if mfa, _ := mfaFactors(p, u); mfa != "" {
		challenges = append(challenges, challengeMFAOK)
	}
	return s.recordEvent(tx, p, u.Sub, eventID, EventSignIn, EventPass, challenges...)
}

// recordSignInFailure counts a wrong password toward lockout and records
// the failed sign-in, in one transaction. It reports whether the account
// had been locked meanwhile (recordFailureTx): then nothing is recorded.
func (s *Service) recordSignInFailure(ctx context.Context, p *Pool, sub string) (locked bool, err error) {
	err = s.update(ctx, func(tx store.Tx) error {
		var err error
		locked, err = s.recordSignInFailureTx(tx, p, sub)
		return err
	})
	return locked, err
}

func (s *Service) recordSignInFailureTx(tx store.Tx, p *Pool, sub string) (locked bool, err error) {
	if locked, err = s.recordFailureTx(tx, p.ID, sub); err != nil || locked {
		return locked, err
	}
	return false, s.recordEvent(tx, p, sub, "", EventSignIn, EventFail, challengePasswordFail)
}

// recordMFAFailure records a sign-in whose MFA code was wrong.
func (s *Service) recordMFAFailure(tx store.Tx, p *Pool, sub string) error {
	return s.recordEvent(tx, p, sub, "", EventSignIn, EventFail, challengePasswordOK, challengeMFAFail)
}

func errAddOnNotEnabled() error {
	// The exception is modelled; its text is not published.
	return Errorf(UserPoolAddOnNotEnabledException, "Advanced security features are not enabled for this user pool.")
}

// eventsUser finds the user whose events an admin operation names, in a
// pool that keeps events.
func eventsUser(tx store.Tx, poolID, username string) (*Pool, *store.User, error) {
	p, err := getPool(tx, poolID)
	if err != nil {
		return nil, nil, err
	}
	if !p.recordsEvents() {
		return nil, nil, errAddOnNotEnabled()
	}
	u, err := mustFindUser(tx, p, username)
	return p, u, err
}

// AdminListUserAuthEvents lists a user's events, newest first.
// https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_AdminListUserAuthEvents.html
func (s *Service) AdminListUserAuthEvents(ctx context.Context, poolID, username string, page store.Page) ([]*AuthEvent, string, error) {
	var out []*AuthEvent
	var next, scope string
	err := s.view(ctx, func(tx store.Tx) error {
		_, u, err := eventsUser(tx, poolID, username)
		if err != nil {
			return err
		}
		scope = "AdminListUserAuthEvents\x00" + poolID + "\x00" + u.Sub
		page, err := s.boundPage(scope, page)
		if err != nil {
			return err
		}
		evs, n, err := tx.AuthEvents().List(poolID, u.Sub, listPage(page))
		if err != nil {
			return badPage(err)
		}
		out, next = make([]*AuthEvent, 0, len(evs)), n
		for _, e := range evs {
			v := &AuthEvent{ID: e.ID, Type: e.Type, Response: e.Response, CreatedAt: e.CreatedAt,
				Challenges: make([]ChallengeResult, 0, len(e.Challenges)), Feedback: e.Feedback}
			for _, c := range e.Challenges {
				name, result, _ := strings.Cut(c, ":")
				v.Challenges = append(v.Challenges, ChallengeResult{Name: name, Result: result})
			}
			out = append(out, v)
		}
		return nil
	})
	return out, s.boundToken(scope, next), err
}

// AdminUpdateAuthEventFeedback records an administrator's verdict on one of
// a user's events (Valid or Invalid), shown by AdminListUserAuthEvents as
// its EventFeedback with Provider "Admin", the name Cognito gives feedback
// from an administrator. Later feedback replaces earlier. Cognito uses it to
// tune its risk model; Ninshou assesses no risk, so it changes nothing else.
// https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_AdminUpdateAuthEventFeedback.html
func (s *Service) AdminUpdateAuthEventFeedback(ctx context.Context, poolID, username, eventID, value string) error {
	return s.update(ctx, func(tx store.Tx) error {
		p, u, err := eventsUser(tx, poolID, username)
		if err != nil {
			return err
		}
		err = tx.AuthEvents().SetFeedback(p.ID, u.Sub, eventID,
			store.EventFeedback{Value: value, Provider: "Admin", At: s.now()})
		if errors.Is(err, store.ErrNotFound) {
			// The exception is modelled; its text is not published.
			return Errorf(ResourceNotFoundException, "Auth event %s not found for user %s.", eventID, username)
		}
		return err
	})
}

// UpdateAuthEventFeedback is a user's verdict on one of their events,
// authorised by the FeedbackToken that Cognito puts in the notification
// email threat protection sends about a risky sign-in (the links
// {one-click-link-valid} and {one-click-link-invalid}): "you can't make
// requests to UpdateAuthEventFeedback without the contents of the
// notification email message". A token names the pool, the user and the
// event; Ninshou's is a MAC of them under the server's secret
// (feedbackToken). Ninshou assesses no risk, so it sends no such email and
// hands out no token: a call that passes the checks of pool, add-on and
// user with any other string ends in NotAuthorizedException (whose text
// Cognito does not publish), and the event's existence is not revealed to
// a caller without its token. Feedback shows with Provider "User" (Cognito
// publishes only the administrator's name, "Admin").
// https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_UpdateAuthEventFeedback.html
func (s *Service) UpdateAuthEventFeedback(ctx context.Context, poolID, username, eventID, token, value string) error {
	return s.update(ctx, func(tx store.Tx) error {
		p, u, err := eventsUser(tx, poolID, username)
		if err != nil {
			return err
		}
		if !hmac.Equal([]byte(token), []byte(s.feedbackToken(p.ID, u.Sub, eventID))) {
			return Errorf(NotAuthorizedException, "Invalid feedback token.")
		}
		err = tx.AuthEvents().SetFeedback(p.ID, u.Sub, eventID,
			store.EventFeedback{Value: value, Provider: "User", At: s.now()})
		if errors.Is(err, store.ErrNotFound) {
			return Errorf(ResourceNotFoundException, "Auth event %s not found for user %s.", eventID, username)
		}
		return err
	})
}

// feedbackToken is the FeedbackToken of one event of the user sub: what a
// risk notification would carry in its links.
func (s *Service) feedbackToken(poolID, sub, eventID string) string {
	m := hmac.New(sha256.New, s.FakeSRPSecret)
	m.Write([]byte("feedback\x00" + poolID + "\x00" + sub + "\x00" + eventID))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// Per-user sending limits. Cognito documents how many codes one user may be
// sent per hour by each operation (5 for ResendConfirmationCode and
// GetUserAttributeVerificationCode, 5-20 for ForgotPassword: Ninshou takes
// the lower bound) and answers LimitExceededException beyond.
// https://docs.aws.amazon.com/cognito/latest/developerguide/quotas.html
const (
	sendWindow          = time.Hour
	sendsForgotPassword = 5
	sendsResendCode     = 5
	sendsVerifyCode     = 5
	sendKindForgot      = "forgot"
	sendKindResend      = "resend"
	sendKindVerify      = "verify"
	// ChangePassword's calls share the mechanism (quotas.html: 5 an hour).
	sendKindChange = "change"
	changesPerHour = 5
)

// countSend admits one more code (or ChangePassword call) of kind for u
// within the hourly limit, or answers LimitExceededException. It changes
// u's Extra: the caller saves u in the transaction that sends the code.
func (s *Service) countSend(u *store.User, kind string, limit int) error {
	now := s.now()
	x := decodeExtra(u)
	var kept []int64
	for _, t := range x.Sends[kind] {
		if now.Sub(time.Unix(t, 0)) < sendWindow {
			kept = append(kept, t)
		}
	}
	if len(kept) >= limit {
		return errAttemptLimit
	}
	if x.Sends == nil {
		x.Sends = map[string][]int64{}
	}
	x.Sends[kind] = append(kept, now.Unix())
	encodeExtra(u, x)
	return nil
}
