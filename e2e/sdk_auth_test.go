package e2e

import (
	"encoding/json"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/google/go-cmp/cmp"
)

// tempUser creates a FORCE_CHANGE_PASSWORD user with an email address and
// the given temporary password, sending nothing.
func (e *sdkEnv) tempUser(pool, username, email, temp string) {
	e.t.Helper()
	_, err := e.c.AdminCreateUser(e.ctx, &cip.AdminCreateUserInput{
		UserPoolId: aws.String(pool), Username: aws.String(username), TemporaryPassword: aws.String(temp),
		MessageAction:  types.MessageActionTypeSuppress,
		UserAttributes: []types.AttributeType{{Name: aws.String("email"), Value: aws.String(email)}},
	})
	if err != nil {
		e.t.Fatalf("AdminCreateUser %s: %v", username, err)
	}
}

// TestSDKAdminAuthFlow: AdminInitiateAuth ADMIN_USER_PASSWORD_AUTH, then
// AdminRespondToAuthChallenge NEW_PASSWORD_REQUIRED and EMAIL_OTP.
func TestSDKAdminAuthFlow(t *testing.T) {
	e := newSDKEnv(t)
	pool := e.pool()
	e.emailMFA(pool, types.UserPoolMfaTypeOn)
	client := *e.client(pool).ClientId
	const mail = "kim@gmail.com"
	e.tempUser(pool, "kim", mail, "Temp#Pass1")

	first, err := e.c.AdminInitiateAuth(e.ctx, &cip.AdminInitiateAuthInput{
		UserPoolId: aws.String(pool), ClientId: aws.String(client), AuthFlow: types.AuthFlowTypeAdminUserPasswordAuth,
		AuthParameters: map[string]string{"USERNAME": "kim", "PASSWORD": "Temp#Pass1"},
	})
	if err != nil {
		t.Fatalf("AdminInitiateAuth: %v", err)
	}
	if first.ChallengeName != types.ChallengeNameTypeNewPasswordRequired || first.Session == nil || first.AuthenticationResult != nil {
		t.Fatalf("AdminInitiateAuth: challenge %q", first.ChallengeName)
	}
	var attrs map[string]string
	if err := json.Unmarshal([]byte(first.ChallengeParameters["userAttributes"]), &attrs); err != nil {
		t.Fatalf("userAttributes: %v", err)
	}
	if diff := cmp.Diff(map[string]string{"email": mail}, attrs); diff != "" {
		t.Errorf("userAttributes (-want +got):\n%s", diff)
	}
	if first.ChallengeParameters["USER_ID_FOR_SRP"] != "kim" || first.ChallengeParameters["requiredAttributes"] != "[]" {
		t.Errorf("ChallengeParameters: %v", first.ChallengeParameters)
	}

	second, err := e.c.AdminRespondToAuthChallenge(e.ctx, &cip.AdminRespondToAuthChallengeInput{
		UserPoolId: aws.String(pool), ClientId: aws.String(client), ChallengeName: types.ChallengeNameTypeNewPasswordRequired,
		Session: first.Session, ChallengeResponses: map[string]string{"USERNAME": "kim", "NEW_PASSWORD": "N3w#Password"},
	})
	if err != nil {
		t.Fatalf("AdminRespondToAuthChallenge NEW_PASSWORD_REQUIRED: %v", err)
	}
	if second.ChallengeName != types.ChallengeNameTypeEmailOtp || aws.ToString(second.Session) == aws.ToString(first.Session) {
		t.Fatalf("after the new password: challenge %q", second.ChallengeName)
	}
	if diff := cmp.Diff(map[string]string{"CODE_DELIVERY_DELIVERY_MEDIUM": "EMAIL", "CODE_DELIVERY_DESTINATION": "k***@g***"}, second.ChallengeParameters); diff != "" {
		t.Errorf("EMAIL_OTP parameters (-want +got):\n%s", diff)
	}
	if got := e.getUser(pool, "kim").UserStatus; got != types.UserStatusTypeConfirmed {
		t.Errorf("status after the new password = %s", got)
	}
	mfa := e.mailTo(t, mail, 1)
	if mfa.Subject != "Sign-in code" {
		t.Errorf("MFA subject = %q", mfa.Subject)
	}
	third, err := e.c.AdminRespondToAuthChallenge(e.ctx, &cip.AdminRespondToAuthChallengeInput{
		UserPoolId: aws.String(pool), ClientId: aws.String(client), ChallengeName: types.ChallengeNameTypeEmailOtp,
		Session: second.Session, ChallengeResponses: map[string]string{"USERNAME": "kim", "EMAIL_OTP_CODE": codeIn(t, mfa)},
	})
	if err != nil {
		t.Fatalf("AdminRespondToAuthChallenge EMAIL_OTP: %v", err)
	}
	if third.ChallengeName != "" || third.Session != nil || len(third.ChallengeParameters) != 0 {
		t.Errorf("final answer: challenge %q, session %v, parameters %v", third.ChallengeName, third.Session, third.ChallengeParameters)
	}
	res := third.AuthenticationResult
	id := verifyJWT(t, e.server, pool, *res.IdToken)
	if id["cognito:username"] != "kim" || id["email"] != mail || id["email_verified"] != true || id["aud"] != client {
		t.Errorf("ID token: %v", id)
	}
	// The new password now signs in directly to EMAIL_OTP.
	out, err := e.signIn(client, "kim", "N3w#Password")
	if err != nil || out.ChallengeName != types.ChallengeNameTypeEmailOtp {
		t.Fatalf("sign-in with the new password: %v %v", err, out)
	}
}

// TestSDKUserAuthFlow: InitiateAuth and RespondToAuthChallenge through
// NEW_PASSWORD_REQUIRED to tokens (no MFA), then GetUser.
func TestSDKUserAuthFlow(t *testing.T) {
	e := newSDKEnv(t)
	pool := e.pool()
	client := *e.client(pool).ClientId
	e.tempUser(pool, "kim", "kim@example.com", "Temp#Pass1")

	first, err := e.signIn(client, "kim", "Temp#Pass1")
	if err != nil || first.ChallengeName != types.ChallengeNameTypeNewPasswordRequired {
		t.Fatalf("InitiateAuth: %v %v", err, first)
	}
	second, err := e.respond(client, types.ChallengeNameTypeNewPasswordRequired, *first.Session,
		map[string]string{"USERNAME": "kim", "NEW_PASSWORD": "N3w#Password", "userAttributes.given_name": "Kim"})
	if err != nil {
		t.Fatalf("RespondToAuthChallenge: %v", err)
	}
	if second.ChallengeName != "" || second.AuthenticationResult == nil || second.AuthenticationResult.RefreshToken == nil {
		t.Fatalf("no tokens after the new password: challenge %q", second.ChallengeName)
	}
	me := must[*cip.GetUserOutput](t, "GetUser")(e.c.GetUser(e.ctx, &cip.GetUserInput{AccessToken: second.AuthenticationResult.AccessToken}))
	got := attrMap(me.UserAttributes)
	if *me.Username != "kim" || got["given_name"] != "Kim" || got["email"] != "kim@example.com" || got["sub"] == "" {
		t.Errorf("GetUser: %s %v", *me.Username, got)
	}
	access := verifyJWT(t, e.server, pool, *second.AuthenticationResult.AccessToken)
	// An API sign-in's access token has no "version" (aws-amplify-identity-broker#376 quotes one).
	if _, has := access["version"]; has {
		t.Errorf("the API sign-in's access token has a version: %v", access["version"])
	}
	if access["username"] != "kim" || access["client_id"] != client || access["scope"] != "aws.cognito.signin.user.admin" || access["sub"] != got["sub"] {
		t.Errorf("access token: %v", access)
	}
	e.tokens(client, "kim", "N3w#Password")
}

// TestSDKNewPasswordAttributeRules: the attributes of a NEW_PASSWORD_REQUIRED
// answer are held to the app client's write rules, as in SignUp and
// UpdateUserAttributes: no verification flag ("A client attempted to write
// unauthorized attribute", aws/aws-sdk-js#3603), nothing outside its
// WriteAttributes; and a new address given there is unverified.
func TestSDKNewPasswordAttributeRules(t *testing.T) {
	e := newSDKEnv(t)
	pool := e.pool()
	narrow := *e.client(pool, func(in *cip.CreateUserPoolClientInput) { in.WriteAttributes = []string{"email"} }).ClientId
	_, err := e.c.AdminCreateUser(e.ctx, &cip.AdminCreateUserInput{UserPoolId: aws.String(pool), Username: aws.String("kim"),
		TemporaryPassword: aws.String("Temp#Pass1"), MessageAction: types.MessageActionTypeSuppress,
		UserAttributes: []types.AttributeType{{Name: aws.String("email"), Value: aws.String("kim@example.com")},
			{Name: aws.String("email_verified"), Value: aws.String("true")}}})
	if err != nil {
		t.Fatal(err)
	}
	answer := func(attrs map[string]string) (*cip.RespondToAuthChallengeOutput, error) {
		t.Helper()
		first := must[*cip.InitiateAuthOutput](t, "InitiateAuth")(e.signIn(narrow, "kim", "Temp#Pass1"))
		r := map[string]string{"USERNAME": "kim", "NEW_PASSWORD": "N3w#Password"}
		for k, v := range attrs {
			r["userAttributes."+k] = v
		}
		return e.respond(narrow, types.ChallengeNameTypeNewPasswordRequired, *first.Session, r)
	}
	for _, attrs := range []map[string]string{
		{"email": "victim@corp.example", "email_verified": "true"},
		{"given_name": "Kim"},
	} {
		_, err := answer(attrs)
		wantErr[*types.NotAuthorizedException](t, err, "A client attempted to write unauthorized attribute")
	}
	done := must[*cip.RespondToAuthChallengeOutput](t, "NEW_PASSWORD_REQUIRED")(answer(map[string]string{"email": "kim2@example.com"}))
	got := attrMap(e.getUser(pool, "kim").UserAttributes)
	if done.AuthenticationResult == nil || got["email"] != "kim2@example.com" || got["email_verified"] != "false" {
		t.Errorf("a new email given with the new password: %v", got)
	}
}

// TestSDKRefreshAndSignOut: REFRESH_TOKEN_AUTH keeps origin_jti and
// auth_time and returns no refresh token; GlobalSignOut and
// AdminUserGlobalSignOut revoke the access and refresh tokens.
func TestSDKRefreshAndSignOut(t *testing.T) {
	e := newSDKEnv(t)
	pool := e.pool()
	client := *e.client(pool).ClientId
	e.user(pool, "kim", "kim@example.com", "Perm#Pass1")
	refresh := func(token string) (*cip.InitiateAuthOutput, error) {
		return e.c.InitiateAuth(e.ctx, &cip.InitiateAuthInput{AuthFlow: types.AuthFlowTypeRefreshTokenAuth,
			ClientId: aws.String(client), AuthParameters: map[string]string{"REFRESH_TOKEN": token}})
	}
	getUser := func(access string) error {
		_, err := e.c.GetUser(e.ctx, &cip.GetUserInput{AccessToken: aws.String(access)})
		return err
	}

	res := e.tokens(client, "kim", "Perm#Pass1")
	id0 := verifyJWT(t, e.server, pool, *res.IdToken)
	access0 := verifyJWT(t, e.server, pool, *res.AccessToken)
	e.Clock.Advance(10 * time.Minute)
	out, err := refresh(*res.RefreshToken)
	if err != nil {
		t.Fatalf("REFRESH_TOKEN_AUTH: %v", err)
	}
	if out.ChallengeName != "" || len(out.ChallengeParameters) != 0 {
		t.Errorf("refresh: challenge %q, parameters %v", out.ChallengeName, out.ChallengeParameters)
	}
	r := out.AuthenticationResult
	if r.RefreshToken != nil {
		t.Errorf("refresh returned a RefreshToken")
	}
	if r.ExpiresIn != 3600 || aws.ToString(r.TokenType) != "Bearer" || *r.IdToken == *res.IdToken || *r.AccessToken == *res.AccessToken {
		t.Errorf("refresh result: %+v", r)
	}
	id1 := verifyJWT(t, e.server, pool, *r.IdToken)
	access1 := verifyJWT(t, e.server, pool, *r.AccessToken)
	for _, pair := range [][2]map[string]any{{id0, id1}, {access0, access1}} {
		before, after := pair[0], pair[1]
		if before["origin_jti"] == nil || after["origin_jti"] != before["origin_jti"] {
			t.Errorf("%s token origin_jti %v -> %v; want kept", before["token_use"], before["origin_jti"], after["origin_jti"])
		}
		if after["auth_time"] != before["auth_time"] {
			t.Errorf("%s token auth_time %v -> %v; want kept", before["token_use"], before["auth_time"], after["auth_time"])
		}
		if after["jti"] == before["jti"] || after["iat"].(float64)-before["iat"].(float64) < 600 {
			t.Errorf("%s token jti/iat not renewed: %v %v -> %v %v", before["token_use"], before["jti"], before["iat"], after["jti"], after["iat"])
		}
	}
	if err := getUser(*r.AccessToken); err != nil {
		t.Fatalf("GetUser with the refreshed access token: %v", err)
	}

	// GlobalSignOut: every access token of the user and the refresh token die.
	if _, err := e.c.GlobalSignOut(e.ctx, &cip.GlobalSignOutInput{AccessToken: r.AccessToken}); err != nil {
		t.Fatalf("GlobalSignOut: %v", err)
	}
	wantErr[*types.NotAuthorizedException](t, getUser(*r.AccessToken), "Access Token has been revoked")
	wantErr[*types.NotAuthorizedException](t, getUser(*res.AccessToken), "Access Token has been revoked")
	_, err = refresh(*res.RefreshToken)
	wantErr[*types.NotAuthorizedException](t, err, "Refresh Token has been revoked")

	// A new sign-in works, and AdminUserGlobalSignOut revokes it the same way.
	res = e.tokens(client, "kim", "Perm#Pass1")
	if err := getUser(*res.AccessToken); err != nil {
		t.Fatalf("GetUser after signing in again: %v", err)
	}
	if _, err := e.c.AdminUserGlobalSignOut(e.ctx, &cip.AdminUserGlobalSignOutInput{UserPoolId: aws.String(pool), Username: aws.String("kim")}); err != nil {
		t.Fatalf("AdminUserGlobalSignOut: %v", err)
	}
	wantErr[*types.NotAuthorizedException](t, getUser(*res.AccessToken), "Access Token has been revoked")
	_, err = refresh(*res.RefreshToken)
	wantErr[*types.NotAuthorizedException](t, err, "Refresh Token has been revoked")
}

// TestSDKConcurrentAnswers: one session answered by many goroutines at once
// is consumed exactly once.
func TestSDKConcurrentAnswers(t *testing.T) {
	e := newSDKEnv(t)
	pool := e.pool()
	e.emailMFA(pool, types.UserPoolMfaTypeOn)
	client := *e.client(pool).ClientId

	// race answers one challenge n times at once and counts the outcomes.
	race := func(n int, name types.ChallengeNameType, session string, responses map[string]string) (ok int, errs []error) {
		var mu sync.Mutex
		var wg sync.WaitGroup
		start := make(chan struct{})
		for range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				out, err := e.respond(client, name, session, responses)
				mu.Lock()
				defer mu.Unlock()
				if err != nil {
					errs = append(errs, err)
				} else if out.AuthenticationResult != nil || out.ChallengeName != "" {
					ok++
				}
			}()
		}
		close(start)
		wg.Wait()
		return ok, errs
	}
	wantNotAuthorized := func(errs []error) {
		t.Helper()
		for _, err := range errs {
			var na *types.NotAuthorizedException
			if !errors.As(err, &na) {
				t.Errorf("loser's error = %v; want NotAuthorizedException", err)
			} else if m := na.ErrorMessage(); m != "Invalid session for the user, session can only be used once." {
				t.Errorf("loser's message = %q", m)
			}
		}
	}

	t.Run("EMAIL_OTP x16", func(t *testing.T) {
		const mail = "otp@example.com"
		e.user(pool, "otp", mail, "Perm#Pass1")
		session, code := e.emailOTP(client, "otp", "Perm#Pass1", mail, 1)
		ok, errs := race(16, types.ChallengeNameTypeEmailOtp, session, map[string]string{"USERNAME": "otp", "EMAIL_OTP_CODE": code})
		if ok != 1 || len(errs) != 15 {
			t.Errorf("%d successes, %d errors; want 1 and 15", ok, len(errs))
		}
		wantNotAuthorized(errs)
	})
	t.Run("NEW_PASSWORD_REQUIRED x8", func(t *testing.T) {
		const mail = "temp@example.com"
		e.tempUser(pool, "temp", mail, "Temp#Pass1")
		out, err := e.signIn(client, "temp", "Temp#Pass1")
		if err != nil || out.ChallengeName != types.ChallengeNameTypeNewPasswordRequired {
			t.Fatalf("sign-in: %v %v", err, out)
		}
		ok, errs := race(8, types.ChallengeNameTypeNewPasswordRequired, *out.Session, map[string]string{"USERNAME": "temp", "NEW_PASSWORD": "N3w#Password"})
		if ok != 1 || len(errs) != 7 {
			t.Errorf("%d successes, %d errors; want 1 and 7", ok, len(errs))
		}
		wantNotAuthorized(errs)
		// Exactly one EMAIL_OTP challenge was issued (the outbox is written
		// in the same transaction), so one code was queued.
		if msgs := outbox(t, e.server, mail); len(msgs) != 1 {
			t.Errorf("%d MFA emails after the race; want 1", len(msgs))
		}
	})
}
