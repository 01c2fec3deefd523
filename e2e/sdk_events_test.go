package e2e

import (
	"errors"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/google/go-cmp/cmp"
)

// auditPool is a pool that auto-verifies email with threat protection in
// audit mode, so that it keeps user event history.
func (e *sdkEnv) auditPool() string {
	e.t.Helper()
	return e.emailVerifyPool(func(in *cip.CreateUserPoolInput) {
		in.UserPoolTier = types.UserPoolTierTypePlus
		in.UserPoolAddOns = &types.UserPoolAddOnsType{AdvancedSecurityMode: types.AdvancedSecurityModeTypeAudit}
	})
}

// eventSummary is an event without its ID and date: type, response, and
// challenge results.
type eventSummary struct {
	Type, Response string
	Challenges     []string
}

func (e *sdkEnv) events(pool, username string) []types.AuthEventType {
	e.t.Helper()
	var all []types.AuthEventType
	var token *string
	for {
		out, err := e.c.AdminListUserAuthEvents(e.ctx, &cip.AdminListUserAuthEventsInput{UserPoolId: aws.String(pool),
			Username: aws.String(username), MaxResults: aws.Int32(2), NextToken: token})
		if err != nil {
			e.t.Fatalf("AdminListUserAuthEvents: %v", err)
		}
		if len(out.AuthEvents) > 2 {
			e.t.Fatalf("%d events on a page of 2", len(out.AuthEvents))
		}
		all = append(all, out.AuthEvents...)
		if token = out.NextToken; token == nil {
			return all
		}
	}
}

func summarize(evs []types.AuthEventType) []eventSummary {
	out := []eventSummary{}
	for _, ev := range evs {
		s := eventSummary{Type: string(ev.EventType), Response: string(ev.EventResponse), Challenges: []string{}}
		for _, c := range ev.ChallengeResponses {
			s.Challenges = append(s.Challenges, string(c.ChallengeName)+":"+string(c.ChallengeResponse))
		}
		out = append(out, s)
	}
	return out
}

// TestSDKAuthEvents: sign-up, sign-ins that fail and pass, recovery and a
// password change are recorded, newest first, paged; the passing sign-in's
// EventId is its tokens' event_id. Without threat protection the history
// is refused.
func TestSDKAuthEvents(t *testing.T) {
	e := newSDKEnv(t)
	plain := e.pool()
	e.user(plain, "zed", "zed@example.com", "Perm#Pass1")
	_, err := e.c.AdminListUserAuthEvents(e.ctx, &cip.AdminListUserAuthEventsInput{UserPoolId: aws.String(plain), Username: aws.String("zed")})
	wantErr[*types.UserPoolAddOnNotEnabledException](t, err, "Advanced security features are not enabled for this user pool.")

	pool := e.auditPool()
	client := *e.client(pool).ClientId
	e.signedUp(client, "ann", "Perm#Pass1", "ann@example.com", 1)
	e.Clock.Advance(time.Second)
	_, err = e.signIn(client, "ann", "Wrong#Pass1")
	wantErr[*types.NotAuthorizedException](t, err, "Incorrect username or password.")
	e.Clock.Advance(time.Second)
	res := e.tokens(client, "ann", "Perm#Pass1")
	e.Clock.Advance(time.Second)
	must[*cip.ForgotPasswordOutput](t, "ForgotPassword")(e.forgot(client, "ann"))
	e.Clock.Advance(time.Second)
	if err := e.confirmForgot(client, "ann", e.code("ann@example.com", 2), "New#Pass22"); err != nil {
		t.Fatalf("ConfirmForgotPassword: %v", err)
	}
	e.Clock.Advance(time.Second)
	res = e.tokens(client, "ann", "New#Pass22")
	change := func(prev, next string) error {
		_, err := e.c.ChangePassword(e.ctx, &cip.ChangePasswordInput{AccessToken: res.AccessToken,
			PreviousPassword: aws.String(prev), ProposedPassword: aws.String(next)})
		return err
	}
	e.Clock.Advance(time.Second)
	wantErr[*types.NotAuthorizedException](t, change("Wrong#Pass1", "Third#Pass3"), "Incorrect username or password.")
	e.Clock.Advance(time.Second)
	if err := change("New#Pass22", "Third#Pass3"); err != nil {
		t.Fatalf("ChangePassword: %v", err)
	}

	evs := e.events(pool, "ann")
	want := []eventSummary{
		{"PasswordChange", "Pass", []string{"Password:Success"}},
		{"PasswordChange", "Fail", []string{"Password:Failure"}},
		{"SignIn", "Pass", []string{"Password:Success"}},
		{"PasswordChange", "Pass", []string{}},
		{"ForgotPassword", "Pass", []string{}},
		{"SignIn", "Pass", []string{"Password:Success"}},
		{"SignIn", "Fail", []string{"Password:Failure"}},
		{"SignUp", "Pass", []string{}},
	}
	if diff := cmp.Diff(want, summarize(evs)); diff != "" {
		t.Errorf("events (-want +got):\n%s", diff)
	}
	ids := map[string]bool{}
	for i, ev := range evs {
		ids[aws.ToString(ev.EventId)] = true
		if !uuidPattern.MatchString(aws.ToString(ev.EventId)) || ev.CreationDate == nil {
			t.Errorf("event %d: id %q, date %v", i, aws.ToString(ev.EventId), ev.CreationDate)
		}
		if i > 0 && !ev.CreationDate.Before(*evs[i-1].CreationDate) {
			t.Errorf("event %d (%v) is not older than event %d (%v)", i, ev.CreationDate, i-1, evs[i-1].CreationDate)
		}
		if r := ev.EventRisk; r == nil || r.RiskDecision != types.RiskDecisionTypeNoRisk {
			t.Errorf("event %d: risk %+v", i, r)
		}
	}
	if len(ids) != len(evs) {
		t.Errorf("event IDs are not unique")
	}
	idClaims := verifyJWT(t, e.server, pool, *res.IdToken)
	if got := aws.ToString(evs[2].EventId); got != idClaims["event_id"] {
		t.Errorf("sign-in EventId %s; token event_id %v", got, idClaims["event_id"])
	}
	_, err = e.c.AdminListUserAuthEvents(e.ctx, &cip.AdminListUserAuthEventsInput{UserPoolId: aws.String(pool), Username: aws.String("ghost")})
	wantErr[*types.UserNotFoundException](t, err, "User does not exist.")
}

// TestSDKAuthEventsMFA: a wrong MFA code is a failed sign-in, the right one
// a sign-in that passed both challenges.
func TestSDKAuthEventsMFA(t *testing.T) {
	e := newSDKEnv(t)
	pool := e.auditPool()
	e.emailMFA(pool, types.UserPoolMfaTypeOn)
	client := *e.client(pool).ClientId
	e.verifiedUser(pool, "bo", "bo@example.com", "Perm#Pass1")
	session, code := e.emailOTP(client, "bo", "Perm#Pass1", "bo@example.com", 1)
	_, err := e.respond(client, types.ChallengeNameTypeEmailOtp, session, map[string]string{"USERNAME": "bo", "EMAIL_OTP_CODE": otherCode(code)})
	wantErr[*types.CodeMismatchException](t, err, "Invalid code or auth state for the user.")
	e.Clock.Advance(time.Second)
	if _, err := e.respond(client, types.ChallengeNameTypeEmailOtp, session, map[string]string{"USERNAME": "bo", "EMAIL_OTP_CODE": code}); err != nil {
		t.Fatalf("EMAIL_OTP: %v", err)
	}
	want := []eventSummary{
		{"SignIn", "Pass", []string{"Password:Success", "Mfa:Success"}},
		{"SignIn", "Fail", []string{"Password:Success", "Mfa:Failure"}},
	}
	if diff := cmp.Diff(want, summarize(e.events(pool, "bo"))); diff != "" {
		t.Errorf("events (-want +got):\n%s", diff)
	}
}

// TestSDKAuthEventFeedback: an administrator's feedback on an event shows
// in the user's history as its EventFeedback, from Provider "Admin"; later
// feedback replaces earlier; unknown events, users and pools, and pools
// without threat protection, are refused.
// https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_AdminUpdateAuthEventFeedback.html
func TestSDKAuthEventFeedback(t *testing.T) {
	e := newSDKEnv(t)
	pool := e.auditPool()
	client := *e.client(pool).ClientId
	e.verifiedUser(pool, "bo", "bo@example.com", "Perm#Pass1")
	e.tokens(client, "bo", "Perm#Pass1")
	e.Clock.Advance(time.Second)
	e.tokens(client, "bo", "Perm#Pass1")
	feedback := func(pool, user, id string, v types.FeedbackValueType) error {
		_, err := e.c.AdminUpdateAuthEventFeedback(e.ctx, &cip.AdminUpdateAuthEventFeedbackInput{UserPoolId: aws.String(pool),
			Username: aws.String(user), EventId: aws.String(id), FeedbackValue: v})
		return err
	}
	evs := e.events(pool, "bo")
	if len(evs) != 2 || evs[0].EventFeedback != nil || evs[1].EventFeedback != nil {
		t.Fatalf("before feedback: %d events, feedback %+v %+v", len(evs), evs[0].EventFeedback, evs[len(evs)-1].EventFeedback)
	}
	older := aws.ToString(evs[1].EventId)
	if err := feedback(pool, "bo", older, types.FeedbackValueTypeInvalid); err != nil {
		t.Fatalf("AdminUpdateAuthEventFeedback: %v", err)
	}
	e.Clock.Advance(time.Minute)
	if err := feedback(pool, "bo", older, types.FeedbackValueTypeValid); err != nil {
		t.Fatalf("AdminUpdateAuthEventFeedback again: %v", err)
	}
	evs = e.events(pool, "bo")
	if evs[0].EventFeedback != nil {
		t.Errorf("the newer event has feedback: %+v", evs[0].EventFeedback)
	}
	got := evs[1].EventFeedback
	// Dated by the second call, a minute after the event.
	if got == nil || got.FeedbackValue != types.FeedbackValueTypeValid || aws.ToString(got.Provider) != "Admin" ||
		got.FeedbackDate == nil || got.FeedbackDate.Sub(*evs[1].CreationDate) < time.Minute ||
		got.FeedbackDate.Sub(e.Clock.Now()).Abs() > 5*time.Second {
		t.Errorf("feedback %+v, want Valid from Admin at %v", got, e.Clock.Now())
	}

	wantErr[*types.ResourceNotFoundException](t, feedback(pool, "bo", "0b0e6e1e-0000-4000-8000-000000000000", types.FeedbackValueTypeValid),
		"Auth event 0b0e6e1e-0000-4000-8000-000000000000 not found for user bo.")
	wantErr[*types.UserNotFoundException](t, feedback(pool, "ghost", older, types.FeedbackValueTypeValid), "User does not exist.")
	wantErr[*types.ResourceNotFoundException](t, feedback("us-east-1_nope", "bo", older, types.FeedbackValueTypeValid),
		"User pool us-east-1_nope does not exist.")
	plain := e.pool()
	e.user(plain, "zed", "zed@example.com", "Perm#Pass1")
	wantErr[*types.UserPoolAddOnNotEnabledException](t, feedback(plain, "zed", older, types.FeedbackValueTypeValid),
		"Advanced security features are not enabled for this user pool.")
	err := feedback(pool, "bo", older, "Maybe")
	wantErr[*types.InvalidParameterException](t, err, "1 validation error detected: Value 'Maybe' at 'feedbackValue' "+
		"failed to satisfy constraint: Member must satisfy enum value set: [Valid, Invalid]")

	// A user's own feedback needs the FeedbackToken of a risk notification's
	// links; Ninshou sends none, so any token is refused, and the event
	// keeps the administrator's feedback.
	// https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_UpdateAuthEventFeedback.html
	userFeedback := func(pool, user, id, token string, v types.FeedbackValueType) error {
		_, err := e.c.UpdateAuthEventFeedback(e.ctx, &cip.UpdateAuthEventFeedbackInput{UserPoolId: aws.String(pool),
			Username: aws.String(user), EventId: aws.String(id), FeedbackToken: aws.String(token), FeedbackValue: v})
		return err
	}
	wantErr[*types.NotAuthorizedException](t, userFeedback(pool, "bo", older, "made-up", types.FeedbackValueTypeInvalid),
		"Invalid feedback token.")
	wantErr[*types.NotAuthorizedException](t, userFeedback(pool, "bo", "0b0e6e1e-0000-4000-8000-000000000000", "made-up",
		types.FeedbackValueTypeInvalid), "Invalid feedback token.")
	wantErr[*types.UserNotFoundException](t, userFeedback(pool, "ghost", older, "made-up", types.FeedbackValueTypeValid), "User does not exist.")
	wantErr[*types.UserPoolAddOnNotEnabledException](t, userFeedback(plain, "zed", older, "made-up", types.FeedbackValueTypeValid),
		"Advanced security features are not enabled for this user pool.")
	wantErr[*types.InvalidParameterException](t, userFeedback(pool, "bo", older, "made-up", "Maybe"),
		"1 validation error detected: Value 'Maybe' at 'feedbackValue' "+
			"failed to satisfy constraint: Member must satisfy enum value set: [Valid, Invalid]")
	if got := e.events(pool, "bo")[1].EventFeedback; got == nil || got.FeedbackValue != types.FeedbackValueTypeValid || aws.ToString(got.Provider) != "Admin" {
		t.Errorf("after refused user feedback: %+v, want the administrator's Valid", got)
	}
}

// TestSDKSendLimits: a user is sent at most five codes an hour by
// ForgotPassword, ResendConfirmationCode and GetUserAttributeVerificationCode.
func TestSDKSendLimits(t *testing.T) {
	e := newSDKEnv(t)
	pool := e.emailVerifyPool()
	client := *e.client(pool).ClientId

	e.verifiedUser(pool, "ann", "ann@example.com", "Perm#Pass1")
	for i := range 5 {
		if _, err := e.forgot(client, "ann"); err != nil {
			t.Fatalf("ForgotPassword %d: %v", i+1, err)
		}
	}
	_, err := e.forgot(client, "ann")
	wantErr[*types.LimitExceededException](t, err, msgLimit)
	e.Clock.Advance(time.Hour)
	must[*cip.ForgotPasswordOutput](t, "ForgotPassword an hour later")(e.forgot(client, "ann"))

	must[*cip.SignUpOutput](t, "SignUp")(e.signUp(client, "bo", "Perm#Pass1", "bo@example.com"))
	resend := func() error {
		_, err := e.c.ResendConfirmationCode(e.ctx, &cip.ResendConfirmationCodeInput{ClientId: aws.String(client), Username: aws.String("bo")})
		return err
	}
	for i := range 5 {
		if err := resend(); err != nil {
			t.Fatalf("ResendConfirmationCode %d: %v", i+1, err)
		}
	}
	wantErr[*types.LimitExceededException](t, resend(), msgLimit)
	// The codes sent still work: the limit is on sending.
	if err := e.confirm(client, "bo", e.code("bo@example.com", 6)); err != nil {
		t.Fatalf("ConfirmSignUp: %v", err)
	}

	tok := e.tokens(client, "bo", "Perm#Pass1").AccessToken
	verify := func() error {
		_, err := e.c.GetUserAttributeVerificationCode(e.ctx, &cip.GetUserAttributeVerificationCodeInput{AccessToken: tok, AttributeName: aws.String("email")})
		return err
	}
	for i := range 5 {
		if err := verify(); err != nil {
			t.Fatalf("GetUserAttributeVerificationCode %d: %v", i+1, err)
		}
	}
	wantErr[*types.LimitExceededException](t, verify(), msgLimit)
}

// TestSDKPreventUserExistenceResponses: with PreventUserExistenceErrors
// ENABLED, a known and an unknown user get answers of the same type,
// message and shape from ForgotPassword, ResendConfirmationCode,
// ConfirmForgotPassword and InitiateAuth.
func TestSDKPreventUserExistenceResponses(t *testing.T) {
	e := newSDKEnv(t)
	pool := e.emailVerifyPool()
	client := *e.client(pool, func(in *cip.CreateUserPoolClientInput) {
		in.PreventUserExistenceErrors = types.PreventUserExistenceErrorTypesEnabled
	}).ClientId
	e.verifiedUser(pool, "ann", "ann@example.com", "Perm#Pass1")
	must[*cip.SignUpOutput](t, "SignUp")(e.signUp(client, "un", "Perm#Pass1", "un@example.com"))

	// shape reduces a delivery to what does not depend on the address.
	shape := func(d *types.CodeDeliveryDetailsType, err error) [3]string {
		t.Helper()
		if err != nil {
			return [3]string{errorShape(err)}
		}
		got := deliveryOf(d)
		if !maskedEmail.MatchString(got[0]) {
			t.Errorf("destination %q is not a masked email", got[0])
		}
		return [3]string{"", got[1], got[2]}
	}
	forgot := func(name string) [3]string {
		out, err := e.forgot(client, name)
		if err != nil {
			return shape(nil, err)
		}
		return shape(out.CodeDeliveryDetails, nil)
	}
	if known, unknown := forgot("ann"), forgot("ghost"); known != unknown {
		t.Errorf("ForgotPassword: known %v, unknown %v", known, unknown)
	}
	resend := func(name string) [3]string {
		out, err := e.c.ResendConfirmationCode(e.ctx, &cip.ResendConfirmationCodeInput{ClientId: aws.String(client), Username: aws.String(name)})
		if err != nil {
			return shape(nil, err)
		}
		return shape(out.CodeDeliveryDetails, nil)
	}
	if known, unknown := resend("un"), resend("ghost"); known != unknown {
		t.Errorf("ResendConfirmationCode: known %v, unknown %v", known, unknown)
	}
	code := e.code("ann@example.com", 1)
	known := errorShape(e.confirmForgot(client, "ann", otherCode(code), "New#Pass22"))
	if unknown := errorShape(e.confirmForgot(client, "ghost", otherCode(code), "New#Pass22")); known != unknown ||
		known != "CodeMismatchException: "+msgMismatch {
		t.Errorf("ConfirmForgotPassword: known %q, unknown %q", known, unknown)
	}
	_, err := e.signIn(client, "ann", "Wrong#Pass1")
	known = errorShape(err)
	_, err = e.signIn(client, "ghost", "Wrong#Pass1")
	if unknown := errorShape(err); known != unknown || known != "NotAuthorizedException: Incorrect username or password." {
		t.Errorf("InitiateAuth: known %q, unknown %q", known, unknown)
	}
}

// errorShape is an SDK error's code and message.
func errorShape(err error) string {
	var ae apiError
	if !errors.As(err, &ae) {
		if err == nil {
			return ""
		}
		return err.Error()
	}
	return ae.ErrorCode() + ": " + ae.ErrorMessage()
}
