package e2e

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
)

// Every error of the sign-in foundation, as the SDK decodes it: the typed
// exception and Cognito's exact message.

// TestSDKSignInErrors covers password, user-existence, client, flow,
// parameter and SECRET_HASH errors of InitiateAuth and AdminInitiateAuth.
func TestSDKSignInErrors(t *testing.T) {
	e := newSDKEnv(t)
	pool := e.pool()
	legacy := *e.client(pool).ClientId
	enabled := *e.client(pool, func(in *cip.CreateUserPoolClientInput) {
		in.PreventUserExistenceErrors = types.PreventUserExistenceErrorTypesEnabled
	}).ClientId
	e.user(pool, "kim", "kim@example.com", "Perm#Pass1")

	t.Run("wrong password", func(t *testing.T) {
		_, err := e.signIn(legacy, "kim", "Wrong#Pass1")
		wantErr[*types.NotAuthorizedException](t, err, "Incorrect username or password.")
	})
	t.Run("unknown user, LEGACY", func(t *testing.T) {
		_, err := e.signIn(legacy, "nobody", "Perm#Pass1")
		wantErr[*types.UserNotFoundException](t, err, "User does not exist.")
	})
	t.Run("unknown user, ENABLED", func(t *testing.T) {
		_, err := e.signIn(enabled, "nobody", "Perm#Pass1")
		wantErr[*types.NotAuthorizedException](t, err, "Incorrect username or password.")
	})
	t.Run("unknown client", func(t *testing.T) {
		_, err := e.signIn("nosuchclient0123456789abcd", "kim", "Perm#Pass1")
		wantErr[*types.ResourceNotFoundException](t, err, "User pool client nosuchclient0123456789abcd does not exist.")
	})
	t.Run("flow not enabled", func(t *testing.T) {
		srpOnly := *e.client(pool, func(in *cip.CreateUserPoolClientInput) {
			in.ExplicitAuthFlows = []types.ExplicitAuthFlowsType{types.ExplicitAuthFlowsTypeAllowUserSrpAuth, types.ExplicitAuthFlowsTypeAllowRefreshTokenAuth}
		}).ClientId
		_, err := e.signIn(srpOnly, "kim", "Perm#Pass1")
		wantErr[*types.InvalidParameterException](t, err, "USER_PASSWORD_AUTH flow not enabled for this client")
		// aws-amplify/amplify-ui's fixture of Cognito's answer
		// (packages/e2e/cypress/fixtures/user-auth-not-enabled.json).
		_, err = e.c.InitiateAuth(e.ctx, &cip.InitiateAuthInput{ClientId: aws.String(srpOnly), AuthFlow: types.AuthFlowTypeUserAuth,
			AuthParameters: map[string]string{"USERNAME": "kim"}})
		wantErr[*types.InvalidParameterException](t, err, "USER_AUTH flow not enabled for this client")
		_, err = e.c.AdminInitiateAuth(e.ctx, &cip.AdminInitiateAuthInput{
			UserPoolId: aws.String(pool), ClientId: aws.String(srpOnly), AuthFlow: types.AuthFlowTypeAdminUserPasswordAuth,
			AuthParameters: map[string]string{"USERNAME": "kim", "PASSWORD": "Perm#Pass1"},
		})
		wantErr[*types.InvalidParameterException](t, err, "Auth flow not enabled for this client")
	})
	t.Run("missing parameters", func(t *testing.T) {
		_, err := e.c.InitiateAuth(e.ctx, &cip.InitiateAuthInput{AuthFlow: types.AuthFlowTypeUserPasswordAuth,
			ClientId: aws.String(legacy), AuthParameters: map[string]string{"PASSWORD": "Perm#Pass1"}})
		wantErr[*types.InvalidParameterException](t, err, "Missing required parameter USERNAME")
		_, err = e.c.InitiateAuth(e.ctx, &cip.InitiateAuthInput{AuthFlow: types.AuthFlowTypeUserPasswordAuth,
			ClientId: aws.String(legacy), AuthParameters: map[string]string{"USERNAME": "kim"}})
		wantErr[*types.InvalidParameterException](t, err, "Missing required parameter PASSWORD")
		_, err = e.respond(legacy, types.ChallengeNameTypeEmailOtp, "AYABeSessionThatDoesNotExist", map[string]string{"EMAIL_OTP_CODE": "123456"})
		wantErr[*types.InvalidParameterException](t, err, "Missing required parameter USERNAME")
	})
	t.Run("model validation", func(t *testing.T) {
		// The SDK checks required members itself; to see the server's own
		// check, the transport drops ClientId on the way out.
		c := cip.New(e.c.Options(), func(o *cip.Options) { o.HTTPClient = dropMember{"ClientId"} })
		_, err := c.InitiateAuth(e.ctx, &cip.InitiateAuthInput{AuthFlow: types.AuthFlowTypeUserPasswordAuth,
			ClientId: aws.String(legacy), AuthParameters: map[string]string{"USERNAME": "kim", "PASSWORD": "Perm#Pass1"}})
		wantErr[*types.InvalidParameterException](t, err,
			"1 validation error detected: Value null at 'clientId' failed to satisfy constraint: Member must not be null")
	})
	t.Run("SECRET_HASH", func(t *testing.T) {
		sc := e.client(pool, func(in *cip.CreateUserPoolClientInput) { in.GenerateSecret = true })
		id, secret := *sc.ClientId, *sc.ClientSecret
		auth := func(params map[string]string) (*cip.InitiateAuthOutput, error) {
			return e.c.InitiateAuth(e.ctx, &cip.InitiateAuthInput{AuthFlow: types.AuthFlowTypeUserPasswordAuth, ClientId: aws.String(id), AuthParameters: params})
		}
		_, err := auth(map[string]string{"USERNAME": "kim", "PASSWORD": "Perm#Pass1"})
		wantErr[*types.NotAuthorizedException](t, err, "Client "+id+" is configured with secret but SECRET_HASH was not received")
		_, err = auth(map[string]string{"USERNAME": "kim", "PASSWORD": "Perm#Pass1", "SECRET_HASH": secretHash(secret, "lee", id)})
		wantErr[*types.NotAuthorizedException](t, err, "Unable to verify secret hash for client "+id)
		out, err := auth(map[string]string{"USERNAME": "kim", "PASSWORD": "Perm#Pass1", "SECRET_HASH": secretHash(secret, "kim", id)})
		if err != nil || out.AuthenticationResult == nil {
			t.Fatalf("sign-in with the right SECRET_HASH: %v", err)
		}
		// Refresh needs it too, computed with the username.
		_, err = e.c.InitiateAuth(e.ctx, &cip.InitiateAuthInput{AuthFlow: types.AuthFlowTypeRefreshTokenAuth, ClientId: aws.String(id),
			AuthParameters: map[string]string{"REFRESH_TOKEN": *out.AuthenticationResult.RefreshToken}})
		wantErr[*types.NotAuthorizedException](t, err, "Client "+id+" is configured with secret but SECRET_HASH was not received")
		_, err = e.c.InitiateAuth(e.ctx, &cip.InitiateAuthInput{AuthFlow: types.AuthFlowTypeRefreshTokenAuth, ClientId: aws.String(id),
			AuthParameters: map[string]string{"REFRESH_TOKEN": *out.AuthenticationResult.RefreshToken, "SECRET_HASH": secretHash(secret, "kim", id)}})
		if err != nil {
			t.Errorf("refresh with the right SECRET_HASH: %v", err)
		}
		// A client without a secret refuses one (Cognito's words as
		// pmill/aws-cognito#23 quotes them), and another client's refresh
		// token is not its own (aws/aws-sdk-js#4016).
		_, err = e.c.InitiateAuth(e.ctx, &cip.InitiateAuthInput{AuthFlow: types.AuthFlowTypeUserPasswordAuth, ClientId: aws.String(legacy),
			AuthParameters: map[string]string{"USERNAME": "kim", "PASSWORD": "Perm#Pass1", "SECRET_HASH": secretHash(secret, "kim", legacy)}})
		wantErr[*types.InvalidParameterException](t, err, "App client "+legacy+" is not configured for secret but secret hash was received")
		_, err = e.c.SignUp(e.ctx, &cip.SignUpInput{ClientId: aws.String(legacy), Username: aws.String("newbie"), Password: aws.String("Perm#Pass1"),
			SecretHash: aws.String(secretHash(secret, "newbie", legacy))})
		wantErr[*types.InvalidParameterException](t, err, "App client "+legacy+" is not configured for secret but secret hash was received")
		_, err = e.c.InitiateAuth(e.ctx, &cip.InitiateAuthInput{AuthFlow: types.AuthFlowTypeRefreshTokenAuth, ClientId: aws.String(legacy),
			AuthParameters: map[string]string{"REFRESH_TOKEN": *out.AuthenticationResult.RefreshToken}})
		wantErr[*types.NotAuthorizedException](t, err, "Refresh Token has different Client.")

		// Challenge answers carry it as well.
		e.tempUser(pool, "fresh", "fresh@example.com", "Temp#Pass1")
		first, err := auth(map[string]string{"USERNAME": "fresh", "PASSWORD": "Temp#Pass1", "SECRET_HASH": secretHash(secret, "fresh", id)})
		if err != nil || first.ChallengeName != types.ChallengeNameTypeNewPasswordRequired {
			t.Fatalf("sign-in of fresh: %v", err)
		}
		_, err = e.respond(id, types.ChallengeNameTypeNewPasswordRequired, *first.Session, map[string]string{"USERNAME": "fresh", "NEW_PASSWORD": "N3w#Password"})
		wantErr[*types.NotAuthorizedException](t, err, "Client "+id+" is configured with secret but SECRET_HASH was not received")
		_, err = e.respond(id, types.ChallengeNameTypeNewPasswordRequired, *first.Session,
			map[string]string{"USERNAME": "fresh", "NEW_PASSWORD": "N3w#Password", "SECRET_HASH": secretHash(secret, "fresh", id)})
		if err != nil {
			t.Errorf("answer with the right SECRET_HASH: %v", err)
		}
	})
}

// dropMember is an HTTP client that removes one member from each JSON
// request body before sending it.
type dropMember struct{ name string }

func (d dropMember) Do(r *http.Request) (*http.Response, error) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return nil, err
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(body, &m); err != nil {
		return nil, err
	}
	delete(m, d.name)
	b, _ := json.Marshal(m)
	out := r.Clone(r.Context())
	out.Body, out.ContentLength = io.NopCloser(bytes.NewReader(b)), int64(len(b))
	out.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil }
	return http.DefaultClient.Do(out)
}

// TestSDKSessionErrors covers wrong codes, the attempt limit, reuse,
// expiry and sessions used with another client or user.
func TestSDKSessionErrors(t *testing.T) {
	e := newSDKEnv(t)
	pool := e.pool()
	e.emailMFA(pool, types.UserPoolMfaTypeOn)
	client := *e.client(pool).ClientId
	other := *e.client(pool).ClientId
	slow := *e.client(pool, func(in *cip.CreateUserPoolClientInput) { in.AuthSessionValidity = aws.Int32(5) }).ClientId
	e.user(pool, "kim", "kim@example.com", "Perm#Pass1")
	e.user(pool, "lee", "lee@example.com", "Perm#Pass1")
	sent := 0 // codes mailed to kim so far
	challenge := func(clientID string) (session, code string) {
		t.Helper()
		sent++
		return e.emailOTP(clientID, "kim", "Perm#Pass1", "kim@example.com", sent)
	}
	answer := func(clientID, username, session, code string) error {
		_, err := e.respond(clientID, types.ChallengeNameTypeEmailOtp, session, map[string]string{"USERNAME": username, "EMAIL_OTP_CODE": code})
		return err
	}

	t.Run("wrong code, then the right one, then reuse", func(t *testing.T) {
		session, code := challenge(client)
		wantErr[*types.CodeMismatchException](t, answer(client, "kim", session, otherCode(code)), "Invalid code or auth state for the user.")
		if err := answer(client, "kim", session, code); err != nil {
			t.Fatalf("right code after a wrong one: %v", err)
		}
		wantErr[*types.NotAuthorizedException](t, answer(client, "kim", session, code), "Invalid session for the user, session can only be used once.")
	})
	t.Run("five wrong codes void the session", func(t *testing.T) {
		session, code := challenge(client)
		for range 5 {
			wantErr[*types.CodeMismatchException](t, answer(client, "kim", session, otherCode(code)), "Invalid code or auth state for the user.")
		}
		wantErr[*types.NotAuthorizedException](t, answer(client, "kim", session, code), "Invalid session for the user.")
	})
	t.Run("another client or user", func(t *testing.T) {
		session, code := challenge(client)
		wantErr[*types.NotAuthorizedException](t, answer(other, "kim", session, code), "Invalid session for the user.")
		wantErr[*types.NotAuthorizedException](t, answer(client, "lee", session, code), "Invalid session for the user.")
		wantErr[*types.NotAuthorizedException](t, answer(client, "kim", "AYABeNoSuchSession0123456789", code), "Invalid session for the user.")
		if err := answer(client, "kim", session, code); err != nil {
			t.Errorf("the session's own client and user after misuse: %v", err)
		}
	})
	t.Run("expiry after AuthSessionValidity", func(t *testing.T) {
		session, code := challenge(client)
		e.Clock.Advance(3*time.Minute + time.Second)
		wantErr[*types.NotAuthorizedException](t, answer(client, "kim", session, code), "Invalid session for the user, session is expired.")

		session, code = challenge(slow) // AuthSessionValidity 5 minutes
		e.Clock.Advance(4 * time.Minute)
		if err := answer(slow, "kim", session, code); err != nil {
			t.Errorf("answer after 4 of 5 minutes: %v", err)
		}
		session, code = challenge(slow)
		e.Clock.Advance(5*time.Minute + time.Second)
		wantErr[*types.NotAuthorizedException](t, answer(slow, "kim", session, code), "Invalid session for the user, session is expired.")
	})
}

// TestSDKPasswordErrors covers the password policy (NEW_PASSWORD_REQUIRED,
// AdminSetUserPassword, AdminCreateUser), temporary password expiry and
// lockout.
func TestSDKPasswordErrors(t *testing.T) {
	e := newSDKEnv(t)
	pool := e.pool(func(in *cip.CreateUserPoolInput) {
		in.Policies = &types.UserPoolPolicyType{PasswordPolicy: &types.PasswordPolicyType{MinimumLength: aws.Int32(10),
			RequireUppercase: true, RequireLowercase: true, RequireNumbers: true, RequireSymbols: true, TemporaryPasswordValidityDays: 1}}
	})
	client := *e.client(pool).ClientId

	t.Run("policy", func(t *testing.T) {
		e.tempUser(pool, "kim", "kim@example.com", "Temp#Pass10")
		first, err := e.signIn(client, "kim", "Temp#Pass10")
		if err != nil || first.ChallengeName != types.ChallengeNameTypeNewPasswordRequired {
			t.Fatalf("sign-in: %v", err)
		}
		newPassword := func(pw string) error {
			_, err := e.respond(client, types.ChallengeNameTypeNewPasswordRequired, *first.Session, map[string]string{"USERNAME": "kim", "NEW_PASSWORD": pw})
			return err
		}
		wantErr[*types.InvalidPasswordException](t, newPassword("Sh#rt1"), "Password does not conform to policy: Password not long enough")
		wantErr[*types.InvalidPasswordException](t, newPassword("lower#case1"), "Password does not conform to policy: Password must have uppercase characters")
		// A refused password leaves the session usable.
		if err := newPassword("N3w#Password"); err != nil {
			t.Fatalf("a conforming password after refused ones: %v", err)
		}

		setPassword := func(pw string) error {
			_, err := e.c.AdminSetUserPassword(e.ctx, &cip.AdminSetUserPasswordInput{UserPoolId: aws.String(pool),
				Username: aws.String("kim"), Password: aws.String(pw), Permanent: true})
			return err
		}
		for pw, reason := range map[string]string{
			"Sh#rt1":       "Password not long enough",
			"UPPER#CASE1":  "Password must have lowercase characters",
			"NoDigits#abc": "Password must have numeric characters",
			"NoSymbols123": "Password must have symbol characters",
		} {
			wantErr[*types.InvalidPasswordException](t, setPassword(pw), "Password does not conform to policy: "+reason)
		}
		_, err = e.c.AdminCreateUser(e.ctx, &cip.AdminCreateUserInput{UserPoolId: aws.String(pool), Username: aws.String("weak"),
			TemporaryPassword: aws.String("weak"), MessageAction: types.MessageActionTypeSuppress})
		// AdminCreateUser words it its own way (data-dot-all/dataall#690).
		wantErr[*types.InvalidPasswordException](t, err, "Password did not conform with password policy: Password not long enough")
	})

	t.Run("lockout", func(t *testing.T) {
		e.user(pool, "lock", "lock@example.com", "Perm#Pass10")
		for range 5 {
			_, err := e.signIn(client, "lock", "Wrong#Pass10")
			wantErr[*types.NotAuthorizedException](t, err, "Incorrect username or password.")
		}
		_, err := e.signIn(client, "lock", "Perm#Pass10") // within the 1 s lock
		wantErr[*types.NotAuthorizedException](t, err, "Password attempts exceeded")
		e.Clock.Advance(1100 * time.Millisecond)
		e.tokens(client, "lock", "Perm#Pass10")
		// The success reset the count: one more failure does not lock.
		_, err = e.signIn(client, "lock", "Wrong#Pass10")
		wantErr[*types.NotAuthorizedException](t, err, "Incorrect username or password.")
		e.tokens(client, "lock", "Perm#Pass10")
	})

	t.Run("lockout under parallel guesses", func(t *testing.T) {
		// Guesses checked at once get no more verdicts than five in a row:
		// the others, and then the right password, meet the lock.
		e.user(pool, "race", "race@example.com", "Perm#Pass10")
		const n = 24
		var wg sync.WaitGroup
		answers := make(chan string, n)
		for i := range n {
			wg.Go(func() {
				_, err := e.signIn(client, "race", fmt.Sprintf("Wrong#Pass%d", i))
				var nae *types.NotAuthorizedException
				if !errors.As(err, &nae) {
					answers <- fmt.Sprint(err)
					return
				}
				answers <- aws.ToString(nae.Message)
			})
		}
		wg.Wait()
		close(answers)
		count := map[string]int{}
		for a := range answers {
			count[a]++
		}
		if count["Incorrect username or password."] != 5 || count["Password attempts exceeded"] != n-5 {
			t.Errorf("answers to %d parallel wrong guesses: %v; want 5 verdicts, the rest locked out", n, count)
		}
		_, err := e.signIn(client, "race", "Perm#Pass10")
		wantErr[*types.NotAuthorizedException](t, err, "Password attempts exceeded")
	})

	t.Run("temporary password expiry", func(t *testing.T) {
		e.tempUser(pool, "late", "late@example.com", "Temp#Pass10")
		e.Clock.Advance(23 * time.Hour)
		out, err := e.signIn(client, "late", "Temp#Pass10")
		if err != nil || out.ChallengeName != types.ChallengeNameTypeNewPasswordRequired {
			t.Fatalf("sign-in within TemporaryPasswordValidityDays: %v", err)
		}
		e.Clock.Advance(2 * time.Hour)
		_, err = e.signIn(client, "late", "Temp#Pass10")
		wantErr[*types.NotAuthorizedException](t, err, "User account has expired, it must be reset by an administrator.")
		// An administrator's new temporary password restarts the clock.
		e.setPassword(pool, "late", "Temp#Pass11", false)
		out, err = e.signIn(client, "late", "Temp#Pass11")
		if err != nil || out.ChallengeName != types.ChallengeNameTypeNewPasswordRequired {
			t.Fatalf("sign-in after a new temporary password: %v", err)
		}
	})
}
