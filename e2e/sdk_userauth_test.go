package e2e

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/google/go-cmp/cmp"

	"github.com/ninshou/ninshou/internal/idp/srp"
)

var eightDigits = regexp.MustCompile(`\b([0-9]{8})\b`)

// userAuthEnv is a pool allowing PASSWORD and EMAIL_OTP first factors, a
// USER_AUTH client and user kim with a password and an email address.
func userAuthEnv(t *testing.T) (e *sdkEnv, poolID, clientID string) {
	e = newSDKEnv(t)
	poolID = e.pool(func(in *cip.CreateUserPoolInput) {
		in.Policies = &types.UserPoolPolicyType{SignInPolicy: &types.SignInPolicyType{
			AllowedFirstAuthFactors: []types.AuthFactorType{types.AuthFactorTypePassword, types.AuthFactorTypeEmailOtp}}}
	})
	clientID = *e.client(poolID, func(in *cip.CreateUserPoolClientInput) {
		in.ExplicitAuthFlows = []types.ExplicitAuthFlowsType{types.ExplicitAuthFlowsTypeAllowUserAuth, types.ExplicitAuthFlowsTypeAllowRefreshTokenAuth}
	}).ClientId
	e.user(poolID, "kim", "kim@example.com", "Perm#Pass1")
	return e, poolID, clientID
}

func (e *sdkEnv) userAuth(clientID string, params map[string]string) *cip.InitiateAuthOutput {
	e.t.Helper()
	return must[*cip.InitiateAuthOutput](e.t, "InitiateAuth USER_AUTH")(e.c.InitiateAuth(e.ctx, &cip.InitiateAuthInput{
		ClientId: aws.String(clientID), AuthFlow: types.AuthFlowTypeUserAuth, AuthParameters: params}))
}

// lastOTP is the 8-digit code of the last message to addr in the outbox.
func (e *sdkEnv) lastOTP(addr string) string {
	e.t.Helper()
	msgs := outbox(e.t, e.server, addr)
	if len(msgs) == 0 {
		e.t.Fatalf("no message to %s", addr)
	}
	m := eightDigits.FindStringSubmatch(msgs[len(msgs)-1].Body)
	if m == nil {
		e.t.Fatalf("no 8-digit code in %q", msgs[len(msgs)-1].Body)
	}
	return m[1]
}

func TestSDKUserAuthSelectChallenge(t *testing.T) {
	e, poolID, clientID := userAuthEnv(t)
	start := func() *cip.InitiateAuthOutput {
		out := e.userAuth(clientID, map[string]string{"USERNAME": "kim"})
		want := []types.ChallengeNameType{"PASSWORD", "PASSWORD_SRP", "EMAIL_OTP"}
		if out.ChallengeName != types.ChallengeNameTypeSelectChallenge || out.Session == nil || !cmp.Equal(want, out.AvailableChallenges) {
			t.Fatalf("USER_AUTH: %q %v; want SELECT_CHALLENGE %v", out.ChallengeName, out.AvailableChallenges, want)
		}
		return out
	}
	t.Run("PASSWORD", func(t *testing.T) {
		out := start()
		done := must[*cip.RespondToAuthChallengeOutput](t, "SELECT_CHALLENGE")(e.respond(clientID, types.ChallengeNameTypeSelectChallenge,
			*out.Session, map[string]string{"USERNAME": "kim", "ANSWER": "PASSWORD", "PASSWORD": "Perm#Pass1"}))
		if done.AuthenticationResult == nil {
			t.Fatalf("no tokens: %q", done.ChallengeName)
		}
		_, err := e.respond(clientID, types.ChallengeNameTypeSelectChallenge, *out.Session,
			map[string]string{"USERNAME": "kim", "ANSWER": "PASSWORD", "PASSWORD": "Perm#Pass1"})
		wantErr[*types.NotAuthorizedException](t, err, "Invalid session for the user, session can only be used once.")
	})
	t.Run("wrong PASSWORD", func(t *testing.T) {
		out := start()
		_, err := e.respond(clientID, types.ChallengeNameTypeSelectChallenge, *out.Session,
			map[string]string{"USERNAME": "kim", "ANSWER": "PASSWORD", "PASSWORD": "Wrong#Pass1"})
		wantErr[*types.NotAuthorizedException](t, err, "Incorrect username or password.")
	})
	t.Run("PASSWORD_SRP", func(t *testing.T) {
		out := start()
		cl, _ := srp.NewClient(nil)
		next := must[*cip.RespondToAuthChallengeOutput](t, "SELECT_CHALLENGE")(e.respond(clientID, types.ChallengeNameTypeSelectChallenge,
			*out.Session, map[string]string{"USERNAME": "kim", "ANSWER": "PASSWORD_SRP", "SRP_A": cl.A()}))
		if next.ChallengeName != types.ChallengeNameTypePasswordVerifier {
			t.Fatalf("after PASSWORD_SRP: %q", next.ChallengeName)
		}
		done := must[*cip.RespondToAuthChallengeOutput](t, "PASSWORD_VERIFIER")(e.verifier(clientID,
			srpProof(t, poolID, cl, next.ChallengeParameters, "Perm#Pass1", e.Clock.Now())))
		if done.AuthenticationResult == nil {
			t.Fatal("no tokens")
		}
	})
	t.Run("EMAIL_OTP", func(t *testing.T) {
		out := start()
		next := must[*cip.RespondToAuthChallengeOutput](t, "SELECT_CHALLENGE")(e.respond(clientID, types.ChallengeNameTypeSelectChallenge,
			*out.Session, map[string]string{"USERNAME": "kim", "ANSWER": "EMAIL_OTP"}))
		want := map[string]string{"CODE_DELIVERY_DELIVERY_MEDIUM": "EMAIL", "CODE_DELIVERY_DESTINATION": "k***@e***"}
		if next.ChallengeName != types.ChallengeNameTypeEmailOtp || !cmp.Equal(want, next.ChallengeParameters) {
			t.Fatalf("after EMAIL_OTP: %q %v", next.ChallengeName, next.ChallengeParameters)
		}
		done := must[*cip.RespondToAuthChallengeOutput](t, "EMAIL_OTP")(e.respond(clientID, types.ChallengeNameTypeEmailOtp,
			*next.Session, map[string]string{"USERNAME": "kim", "EMAIL_OTP_CODE": e.lastOTP("kim@example.com")}))
		if done.AuthenticationResult == nil {
			t.Fatal("no tokens")
		}
	})
	t.Run("a factor not offered", func(t *testing.T) {
		out := start()
		_, err := e.respond(clientID, types.ChallengeNameTypeSelectChallenge, *out.Session,
			map[string]string{"USERNAME": "kim", "ANSWER": "SMS_OTP"})
		wantErr[*types.InvalidParameterException](t, err, "Invalid challenge SMS_OTP.")
	})
}

func TestSDKUserAuthPreferredChallenge(t *testing.T) {
	e, poolID, clientID := userAuthEnv(t)
	t.Run("PASSWORD", func(t *testing.T) {
		out := e.userAuth(clientID, map[string]string{"USERNAME": "kim", "PREFERRED_CHALLENGE": "PASSWORD", "PASSWORD": "Perm#Pass1"})
		if out.AuthenticationResult == nil {
			t.Fatalf("no tokens: %q", out.ChallengeName)
		}
	})
	t.Run("PASSWORD_SRP", func(t *testing.T) {
		cl, _ := srp.NewClient(nil)
		out := e.userAuth(clientID, map[string]string{"USERNAME": "kim", "PREFERRED_CHALLENGE": "PASSWORD_SRP", "SRP_A": cl.A()})
		if out.ChallengeName != types.ChallengeNameTypePasswordVerifier {
			t.Fatalf("challenge %q", out.ChallengeName)
		}
		done := must[*cip.RespondToAuthChallengeOutput](t, "PASSWORD_VERIFIER")(e.verifier(clientID,
			srpProof(t, poolID, cl, out.ChallengeParameters, "Perm#Pass1", e.Clock.Now())))
		if done.AuthenticationResult == nil {
			t.Fatal("no tokens")
		}
	})
	t.Run("EMAIL_OTP", func(t *testing.T) {
		out := e.userAuth(clientID, map[string]string{"USERNAME": "kim", "PREFERRED_CHALLENGE": "EMAIL_OTP"})
		if out.ChallengeName != types.ChallengeNameTypeEmailOtp || out.ChallengeParameters["CODE_DELIVERY_DESTINATION"] != "k***@e***" {
			t.Fatalf("challenge %q %v", out.ChallengeName, out.ChallengeParameters)
		}
		code := e.lastOTP("kim@example.com")
		_, err := e.respond(clientID, types.ChallengeNameTypeEmailOtp, *out.Session, map[string]string{"USERNAME": "kim", "EMAIL_OTP_CODE": "00000000"})
		wantErr[*types.CodeMismatchException](t, err, "Invalid code or auth state for the user.")
		done := must[*cip.RespondToAuthChallengeOutput](t, "EMAIL_OTP")(e.respond(clientID, types.ChallengeNameTypeEmailOtp,
			*out.Session, map[string]string{"USERNAME": "kim", "EMAIL_OTP_CODE": code}))
		if done.AuthenticationResult == nil {
			t.Fatal("no tokens")
		}
		f := must[*cip.GetUserAuthFactorsOutput](t, "GetUserAuthFactors")(e.c.GetUserAuthFactors(e.ctx,
			&cip.GetUserAuthFactorsInput{AccessToken: done.AuthenticationResult.AccessToken}))
		if !cmp.Equal(f.ConfiguredUserAuthFactors, []types.AuthFactorType{"PASSWORD", "EMAIL_OTP"}) || *f.Username != "kim" {
			t.Errorf("GetUserAuthFactors = %q %v", *f.Username, f.ConfiguredUserAuthFactors)
		}
	})
	t.Run("unavailable preference falls back to SELECT_CHALLENGE", func(t *testing.T) {
		out := e.userAuth(clientID, map[string]string{"USERNAME": "kim", "PREFERRED_CHALLENGE": "SMS_OTP"})
		if out.ChallengeName != types.ChallengeNameTypeSelectChallenge {
			t.Fatalf("challenge %q", out.ChallengeName)
		}
	})
}

// TestSDKUserAuthUnknownUser: with PreventUserExistenceErrors ENABLED an
// unknown name is offered the password factors and fails like a wrong password.
func TestSDKUserAuthUnknownUser(t *testing.T) {
	e, _, _ := userAuthEnv(t)
	poolID := e.pool()
	clientID := *e.client(poolID, func(in *cip.CreateUserPoolClientInput) {
		in.ExplicitAuthFlows = []types.ExplicitAuthFlowsType{types.ExplicitAuthFlowsTypeAllowUserAuth}
		in.PreventUserExistenceErrors = types.PreventUserExistenceErrorTypesEnabled
	}).ClientId
	out := e.userAuth(clientID, map[string]string{"USERNAME": "nobody"})
	if !cmp.Equal(out.AvailableChallenges, []types.ChallengeNameType{"PASSWORD", "PASSWORD_SRP"}) {
		t.Fatalf("AvailableChallenges = %v", out.AvailableChallenges)
	}
	_, err := e.respond(clientID, types.ChallengeNameTypeSelectChallenge, *out.Session,
		map[string]string{"USERNAME": "nobody", "ANSWER": "PASSWORD", "PASSWORD": "Any#Pass1"})
	wantErr[*types.NotAuthorizedException](t, err, "Incorrect username or password.")
}

// TestSDKUserAuthUnknownUserSimulated: Cognito "responds to requests for
// choice-based authentication with a random selection from the challenge
// types that the user pool allows. Your user pool might return a passkey,
// one-time password, or password challenge."
// (https://docs.aws.amazon.com/cognito/latest/developerguide/cognito-user-pool-managing-errors.html)
// Unknown names are offered one-time passwords and passkeys too, the same
// list each time, and a picked factor is played out like a real one: a
// masked destination (nothing is sent) and wrong codes; a passkey nobody has.
func TestSDKUserAuthUnknownUserSimulated(t *testing.T) {
	e := newSDKEnv(t)
	poolID := e.pool(func(in *cip.CreateUserPoolInput) {
		in.Policies = &types.UserPoolPolicyType{SignInPolicy: &types.SignInPolicyType{
			AllowedFirstAuthFactors: []types.AuthFactorType{"PASSWORD", "EMAIL_OTP", "SMS_OTP", "WEB_AUTHN"}}}
	})
	must[*cip.SetUserPoolMfaConfigOutput](t, "SetUserPoolMfaConfig")(e.c.SetUserPoolMfaConfig(e.ctx, &cip.SetUserPoolMfaConfigInput{
		UserPoolId: aws.String(poolID), WebAuthnConfiguration: &types.WebAuthnConfigurationType{RelyingPartyId: aws.String("localhost")}}))
	clientID := *e.client(poolID, func(in *cip.CreateUserPoolClientInput) {
		in.ExplicitAuthFlows = []types.ExplicitAuthFlowsType{types.ExplicitAuthFlowsTypeAllowUserAuth}
		in.PreventUserExistenceErrors = types.PreventUserExistenceErrorTypesEnabled
	}).ClientId

	// Which name drew which factors: stable per name, and every factor drawn by some.
	offered := map[types.ChallengeNameType]string{}
	for i := range 24 {
		name := fmt.Sprintf("ghost%02d@example.com", i)
		first := e.userAuth(clientID, map[string]string{"USERNAME": name}).AvailableChallenges
		again := e.userAuth(clientID, map[string]string{"USERNAME": name}).AvailableChallenges
		if !cmp.Equal(first, again) || len(first) < 2 || first[0] != "PASSWORD" || first[1] != "PASSWORD_SRP" {
			t.Fatalf("%s: AvailableChallenges %v, then %v", name, first, again)
		}
		for _, c := range first[2:] {
			offered[c] = name
		}
	}
	if len(offered) != 3 {
		t.Fatalf("unknown names were offered only %v besides the password factors", offered)
	}

	t.Run("EMAIL_OTP", func(t *testing.T) {
		name := offered[types.ChallengeNameTypeEmailOtp]
		out := e.userAuth(clientID, map[string]string{"USERNAME": name, "PREFERRED_CHALLENGE": "EMAIL_OTP"})
		want := map[string]string{"CODE_DELIVERY_DELIVERY_MEDIUM": "EMAIL", "CODE_DELIVERY_DESTINATION": "g***@e***"}
		if out.ChallengeName != types.ChallengeNameTypeEmailOtp || !cmp.Equal(out.ChallengeParameters, want) {
			t.Fatalf("challenge %q %v", out.ChallengeName, out.ChallengeParameters)
		}
		if msgs := outbox(t, e.server, name); len(msgs) != 0 {
			t.Errorf("%d messages sent to an unknown name", len(msgs))
		}
		_, err := e.respond(clientID, types.ChallengeNameTypeEmailOtp, *out.Session, map[string]string{"USERNAME": "kim", "EMAIL_OTP_CODE": "12345678"})
		wantErr[*types.NotAuthorizedException](t, err, "Invalid session for the user.")
		for range 5 {
			_, err = e.respond(clientID, types.ChallengeNameTypeEmailOtp, *out.Session, map[string]string{"USERNAME": name, "EMAIL_OTP_CODE": "12345678"})
			wantErr[*types.CodeMismatchException](t, err, "Invalid code or auth state for the user.")
		}
		// Spent, as a real session is after five wrong codes.
		_, err = e.respond(clientID, types.ChallengeNameTypeEmailOtp, *out.Session, map[string]string{"USERNAME": name, "EMAIL_OTP_CODE": "12345678"})
		wantErr[*types.NotAuthorizedException](t, err, "Invalid session for the user.")
	})
	t.Run("SMS_OTP through SELECT_CHALLENGE", func(t *testing.T) {
		name := offered[types.ChallengeNameTypeSmsOtp]
		sel := e.userAuth(clientID, map[string]string{"USERNAME": name})
		out := must[*cip.RespondToAuthChallengeOutput](t, "SELECT_CHALLENGE")(e.respond(clientID, types.ChallengeNameTypeSelectChallenge,
			*sel.Session, map[string]string{"USERNAME": name, "ANSWER": "SMS_OTP"}))
		dest := out.ChallengeParameters["CODE_DELIVERY_DESTINATION"]
		if out.ChallengeName != types.ChallengeNameTypeSmsOtp || out.ChallengeParameters["CODE_DELIVERY_DELIVERY_MEDIUM"] != "SMS" ||
			!regexp.MustCompile(`^\+\*{7}[0-9]{4}$`).MatchString(dest) {
			t.Fatalf("challenge %q %v", out.ChallengeName, out.ChallengeParameters)
		}
		_, err := e.respond(clientID, types.ChallengeNameTypeSmsOtp, *out.Session, map[string]string{"USERNAME": name})
		wantErr[*types.InvalidParameterException](t, err, "Missing required parameter SMS_OTP_CODE")
		_, err = e.respond(clientID, types.ChallengeNameTypeSmsOtp, *out.Session, map[string]string{"USERNAME": name, "SMS_OTP_CODE": "12345678"})
		wantErr[*types.CodeMismatchException](t, err, "Invalid code or auth state for the user.")
	})
	t.Run("WEB_AUTHN", func(t *testing.T) {
		name := offered[types.ChallengeNameTypeWebAuthn]
		var lists []string
		var last requestOptions
		var session string
		for range 2 {
			out := e.userAuth(clientID, map[string]string{"USERNAME": name, "PREFERRED_CHALLENGE": "WEB_AUTHN"})
			last, session = requestOptionsOf(t, out.ChallengeName, out.ChallengeParameters), *out.Session
			if last.RPID != "localhost" || len(last.AllowCredentials) == 0 {
				t.Fatalf("options %+v", last)
			}
			b, _ := json.Marshal(last.AllowCredentials)
			lists = append(lists, string(b))
		}
		if lists[0] != lists[1] {
			t.Errorf("the simulated passkeys changed: %v", lists)
		}
		// A well-formed assertion by a key claiming a listed ID is refused
		// as a real user's wrong passkey is, and counts toward the limit.
		id, _ := b64u.DecodeString(last.AllowCredentials[0].ID)
		priv, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		forger := &softAuthenticator{t: t, origin: "http://localhost", keys: []*softKey{{id: id, priv: priv, rpID: "localhost", userHandle: []byte("x")}}}
		for range 5 {
			_, err := e.respond(clientID, types.ChallengeNameTypeWebAuthn, session, map[string]string{"USERNAME": name, "CREDENTIAL": forger.get(last, 1)})
			wantErr[*types.NotAuthorizedException](t, err, "Invalid passkey credential.")
		}
		_, err := e.respond(clientID, types.ChallengeNameTypeWebAuthn, session, map[string]string{"USERNAME": name, "CREDENTIAL": forger.get(last, 1)})
		wantErr[*types.NotAuthorizedException](t, err, "Invalid session for the user.")
	})
}

// TestSDKUserAuthUnknownAddress: in pools that sign in by email or phone
// number every user found by the name has that address, so an unknown name
// shaped like one is offered its one-time password too, masked as a real
// user's would be.
func TestSDKUserAuthUnknownAddress(t *testing.T) {
	e := newSDKEnv(t)
	for _, tc := range []struct {
		attr, name, factor, dest string
	}{
		{"email", "ghost@example.com", "EMAIL_OTP", "g***@e***"},
		{"phone_number", "+15551234567", "SMS_OTP", "+*******4567"},
	} {
		poolID := e.pool(func(in *cip.CreateUserPoolInput) {
			in.UsernameAttributes = []types.UsernameAttributeType{types.UsernameAttributeType(tc.attr)}
			in.Policies = &types.UserPoolPolicyType{SignInPolicy: &types.SignInPolicyType{
				AllowedFirstAuthFactors: []types.AuthFactorType{"PASSWORD", "EMAIL_OTP", "SMS_OTP"}}}
		})
		clientID := *e.client(poolID, func(in *cip.CreateUserPoolClientInput) {
			in.ExplicitAuthFlows = []types.ExplicitAuthFlowsType{types.ExplicitAuthFlowsTypeAllowUserAuth}
			in.PreventUserExistenceErrors = types.PreventUserExistenceErrorTypesEnabled
		}).ClientId
		for i := range 8 { // every draw of the seed
			name := strings.Replace(tc.name, "ghost", fmt.Sprintf("ghost%d", i), 1)
			if tc.attr == "phone_number" {
				name = tc.name[:len(tc.name)-1] + fmt.Sprint(i)
			}
			if got := e.userAuth(clientID, map[string]string{"USERNAME": name}).AvailableChallenges; !slices.Contains(got, types.ChallengeNameType(tc.factor)) {
				t.Errorf("%s: %s not offered: %v", name, tc.factor, got)
			}
		}
		out := e.userAuth(clientID, map[string]string{"USERNAME": tc.name, "PREFERRED_CHALLENGE": tc.factor})
		if got := out.ChallengeParameters["CODE_DELIVERY_DESTINATION"]; got != tc.dest {
			t.Errorf("%s: destination %q; want %q", tc.name, got, tc.dest)
		}
	}
}

// TestSDKUserAuthResetRequired: a user who must set a password and has
// none, as an imported user, signs in with a one-time password meanwhile:
// "users can sign in with email or SMS one-time passwords (OTPs)
// immediately after your import job completes"
// (cognito-user-pools-using-import-tool.html); the password factors are not
// offered. One whose password an administrator reset must reset it first.
func TestSDKUserAuthResetRequired(t *testing.T) {
	e, poolID, clientID := userAuthEnv(t)
	must[*cip.UpdateUserPoolOutput](t, "UpdateUserPool")(e.c.UpdateUserPool(e.ctx, &cip.UpdateUserPoolInput{UserPoolId: aws.String(poolID),
		AutoVerifiedAttributes: []types.VerifiedAttributeType{types.VerifiedAttributeTypeEmail},
		Policies: &types.UserPoolPolicyType{SignInPolicy: &types.SignInPolicyType{
			AllowedFirstAuthFactors: []types.AuthFactorType{types.AuthFactorTypePassword, types.AuthFactorTypeEmailOtp}}}}))
	// lee signs up without a password (the pool verifies email), as an
	// imported user has none.
	must[*cip.SignUpOutput](t, "SignUp")(e.c.SignUp(e.ctx, &cip.SignUpInput{ClientId: aws.String(clientID), Username: aws.String("lee"),
		UserAttributes: []types.AttributeType{{Name: aws.String("email"), Value: aws.String("lee@example.com")}}}))
	must[*cip.AdminConfirmSignUpOutput](t, "AdminConfirmSignUp")(e.c.AdminConfirmSignUp(e.ctx,
		&cip.AdminConfirmSignUpInput{UserPoolId: aws.String(poolID), Username: aws.String("lee")}))
	for _, name := range []string{"lee", "kim"} {
		must[*cip.AdminResetUserPasswordOutput](t, "AdminResetUserPassword")(e.c.AdminResetUserPassword(e.ctx,
			&cip.AdminResetUserPasswordInput{UserPoolId: aws.String(poolID), Username: aws.String(name)}))
	}
	_, err := e.c.InitiateAuth(e.ctx, &cip.InitiateAuthInput{ClientId: aws.String(clientID), AuthFlow: types.AuthFlowTypeUserAuth,
		AuthParameters: map[string]string{"USERNAME": "kim"}})
	wantErr[*types.PasswordResetRequiredException](t, err, "Password reset required for the user")

	out := e.userAuth(clientID, map[string]string{"USERNAME": "lee"})
	if out.ChallengeName != types.ChallengeNameTypeSelectChallenge || !cmp.Equal(out.AvailableChallenges, []types.ChallengeNameType{"EMAIL_OTP"}) {
		t.Fatalf("USER_AUTH for a RESET_REQUIRED user without a password: %q %v; want SELECT_CHALLENGE [EMAIL_OTP]", out.ChallengeName, out.AvailableChallenges)
	}
	out = e.userAuth(clientID, map[string]string{"USERNAME": "lee", "PREFERRED_CHALLENGE": "EMAIL_OTP"})
	done := must[*cip.RespondToAuthChallengeOutput](t, "EMAIL_OTP")(e.respond(clientID, types.ChallengeNameTypeEmailOtp,
		*out.Session, map[string]string{"USERNAME": "lee", "EMAIL_OTP_CODE": e.lastOTP("lee@example.com")}))
	if done.AuthenticationResult == nil {
		t.Fatal("no tokens")
	}
}
