package e2e

import (
	"regexp"
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
		if !cmp.Equal(f.ConfiguredUserAuthFactors, []types.AuthFactorType{"PASSWORD", "PASSWORD_SRP", "EMAIL_OTP"}) || *f.Username != "kim" {
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
