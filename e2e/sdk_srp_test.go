package e2e

import (
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"

	"github.com/ninshou/ninshou/internal/idp/srp"
)

// SRP sign-in (USER_SRP_AUTH -> PASSWORD_VERIFIER) driven by Ninshou's own
// client-side SRP, which computes as amazon-cognito-identity-js does
// (sdk_srp_identityjs_test.go drives that library itself).

var srpFlows = []types.ExplicitAuthFlowsType{
	types.ExplicitAuthFlowsTypeAllowUserSrpAuth, types.ExplicitAuthFlowsTypeAllowRefreshTokenAuth,
}

// srpChallenge is InitiateAuth (or AdminInitiateAuth when admin) USER_SRP_AUTH.
func (e *sdkEnv) srpChallenge(poolID, clientID, username string, admin bool, extra map[string]string) (*srp.Client, map[string]string, error) {
	e.t.Helper()
	cl, err := srp.NewClient(nil)
	if err != nil {
		e.t.Fatal(err)
	}
	params := map[string]string{"USERNAME": username, "SRP_A": cl.A()}
	for k, v := range extra {
		params[k] = v
	}
	var name types.ChallengeNameType
	var cp map[string]string
	var session *string
	if admin {
		out, err := e.c.AdminInitiateAuth(e.ctx, &cip.AdminInitiateAuthInput{UserPoolId: aws.String(poolID),
			ClientId: aws.String(clientID), AuthFlow: types.AuthFlowTypeUserSrpAuth, AuthParameters: params})
		if err != nil {
			return nil, nil, err
		}
		name, cp, session = out.ChallengeName, out.ChallengeParameters, out.Session
	} else {
		out, err := e.c.InitiateAuth(e.ctx, &cip.InitiateAuthInput{ClientId: aws.String(clientID),
			AuthFlow: types.AuthFlowTypeUserSrpAuth, AuthParameters: params})
		if err != nil {
			return nil, nil, err
		}
		name, cp, session = out.ChallengeName, out.ChallengeParameters, out.Session
	}
	if name != types.ChallengeNameTypePasswordVerifier {
		e.t.Fatalf("USER_SRP_AUTH: challenge %q, want PASSWORD_VERIFIER", name)
	}
	if session != nil {
		e.t.Errorf("PASSWORD_VERIFIER came with a Session; AWS sends none")
	}
	return cl, cp, nil
}

// srpProof computes the PASSWORD_VERIFIER answer at the given time.
func srpProof(t *testing.T, poolID string, cl *srp.Client, cp map[string]string, password string, at time.Time) map[string]string {
	t.Helper()
	_, pool, _ := strings.Cut(poolID, "_")
	ts, sig, err := cl.Claim(pool, cp["USER_ID_FOR_SRP"], password, cp["SALT"], cp["SRP_B"], cp["SECRET_BLOCK"], at)
	if err != nil {
		t.Fatal(err)
	}
	return map[string]string{"USERNAME": cp["USER_ID_FOR_SRP"], "PASSWORD_CLAIM_SECRET_BLOCK": cp["SECRET_BLOCK"],
		"PASSWORD_CLAIM_SIGNATURE": sig, "TIMESTAMP": ts}
}

// verifier answers PASSWORD_VERIFIER without a Session, as the SDKs do.
func (e *sdkEnv) verifier(clientID string, responses map[string]string) (*cip.RespondToAuthChallengeOutput, error) {
	return e.c.RespondToAuthChallenge(e.ctx, &cip.RespondToAuthChallengeInput{ClientId: aws.String(clientID),
		ChallengeName: types.ChallengeNameTypePasswordVerifier, ChallengeResponses: responses})
}

// srpTokens signs in with SRP and requires tokens.
func (e *sdkEnv) srpTokens(poolID, clientID, username, password string) *types.AuthenticationResultType {
	e.t.Helper()
	cl, cp, err := e.srpChallenge(poolID, clientID, username, false, nil)
	if err != nil {
		e.t.Fatalf("USER_SRP_AUTH %s: %v", username, err)
	}
	out, err := e.verifier(clientID, srpProof(e.t, poolID, cl, cp, password, e.Clock.Now()))
	if err != nil {
		e.t.Fatalf("PASSWORD_VERIFIER %s: %v", username, err)
	}
	if out.AuthenticationResult == nil {
		e.t.Fatalf("PASSWORD_VERIFIER %s: challenge %q, want tokens", username, out.ChallengeName)
	}
	return out.AuthenticationResult
}

func TestSDKSRPSignIn(t *testing.T) {
	e := newSDKEnv(t)
	poolID := e.pool()
	clientID := *e.client(poolID, func(in *cip.CreateUserPoolClientInput) { in.ExplicitAuthFlows = srpFlows }).ClientId
	e.user(poolID, "kim", "kim@example.com", "Perm#Pass1")

	t.Run("tokens", func(t *testing.T) {
		cl, cp, err := e.srpChallenge(poolID, clientID, "kim", false, nil)
		if err != nil {
			t.Fatal(err)
		}
		for _, k := range []string{"SALT", "SECRET_BLOCK", "SRP_B"} {
			if cp[k] == "" {
				t.Errorf("challenge parameter %s missing: %v", k, cp)
			}
		}
		if cp["USERNAME"] != "kim" || cp["USER_ID_FOR_SRP"] != "kim" {
			t.Errorf("USERNAME, USER_ID_FOR_SRP = %q, %q; want kim", cp["USERNAME"], cp["USER_ID_FOR_SRP"])
		}
		out, err := e.verifier(clientID, srpProof(t, poolID, cl, cp, "Perm#Pass1", e.Clock.Now()))
		if err != nil {
			t.Fatal(err)
		}
		u := must[*cip.GetUserOutput](t, "GetUser")(e.c.GetUser(e.ctx, &cip.GetUserInput{AccessToken: out.AuthenticationResult.AccessToken}))
		if *u.Username != "kim" {
			t.Errorf("GetUser = %q", *u.Username)
		}
		// The same SECRET_BLOCK answered again: the challenge is single-use.
		_, err = e.verifier(clientID, srpProof(t, poolID, cl, cp, "Perm#Pass1", e.Clock.Now()))
		wantErr[*types.NotAuthorizedException](t, err, "Invalid session for the user, session can only be used once.")
	})
	t.Run("a SECRET_BLOCK never issued", func(t *testing.T) {
		// A failed proof to Cognito (measured in ministackorg/ministack#1758).
		cl, cp, _ := e.srpChallenge(poolID, clientID, "kim", false, nil)
		r := srpProof(t, poolID, cl, cp, "Perm#Pass1", e.Clock.Now())
		r["PASSWORD_CLAIM_SECRET_BLOCK"] = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="
		_, err := e.verifier(clientID, r)
		wantErr[*types.NotAuthorizedException](t, err, "Incorrect username or password.")
	})
	t.Run("CUSTOM_AUTH without its functions", func(t *testing.T) {
		custom := *e.client(poolID, func(in *cip.CreateUserPoolClientInput) {
			in.ExplicitAuthFlows = []types.ExplicitAuthFlowsType{types.ExplicitAuthFlowsTypeAllowCustomAuth}
		}).ClientId
		_, err := e.c.InitiateAuth(e.ctx, &cip.InitiateAuthInput{ClientId: &custom, AuthFlow: types.AuthFlowTypeCustomAuth,
			AuthParameters: map[string]string{"USERNAME": "kim"}})
		// InvalidParameterException, as Amplify's sign-in code expects (aws-amplify/amplify-js#7401).
		wantErr[*types.InvalidParameterException](t, err, "Custom auth lambda trigger is not configured for the user pool.")
	})
	t.Run("a session echoed back is ignored", func(t *testing.T) {
		cl, cp, _ := e.srpChallenge(poolID, clientID, "kim", false, nil)
		out, err := e.respond(clientID, types.ChallengeNameTypePasswordVerifier, "some-session-value-echoed-by-a-client",
			srpProof(t, poolID, cl, cp, "Perm#Pass1", e.Clock.Now()))
		if err != nil || out.AuthenticationResult == nil {
			t.Fatalf("PASSWORD_VERIFIER with a Session: %v", err)
		}
	})
	t.Run("wrong password", func(t *testing.T) {
		cl, cp, _ := e.srpChallenge(poolID, clientID, "kim", false, nil)
		_, err := e.verifier(clientID, srpProof(t, poolID, cl, cp, "Wrong#Pass1", e.Clock.Now()))
		wantErr[*types.NotAuthorizedException](t, err, "Incorrect username or password.")
	})
	t.Run("altered signature", func(t *testing.T) {
		cl, cp, _ := e.srpChallenge(poolID, clientID, "kim", false, nil)
		r := srpProof(t, poolID, cl, cp, "Perm#Pass1", e.Clock.Now())
		// Change the first character to a different one (replacing it with a
		// fixed letter would leave 1 signature in 64 intact).
		sig := r["PASSWORD_CLAIM_SIGNATURE"]
		first := "A"
		if sig[0] == 'A' {
			first = "B"
		}
		r["PASSWORD_CLAIM_SIGNATURE"] = first + sig[1:]
		_, err := e.verifier(clientID, r)
		wantErr[*types.NotAuthorizedException](t, err, "Incorrect username or password.")
	})
	t.Run("stale or malformed timestamp", func(t *testing.T) {
		for _, at := range []time.Time{e.Clock.Now().Add(-6 * time.Minute), e.Clock.Now().Add(6 * time.Minute)} {
			cl, cp, _ := e.srpChallenge(poolID, clientID, "kim", false, nil)
			_, err := e.verifier(clientID, srpProof(t, poolID, cl, cp, "Perm#Pass1", at))
			wantErr[*types.NotAuthorizedException](t, err, "Incorrect username or password.")
		}
	})
	t.Run("expired challenge", func(t *testing.T) {
		cl, cp, _ := e.srpChallenge(poolID, clientID, "kim", false, nil)
		e.Clock.Advance(3*time.Minute + time.Second)
		_, err := e.verifier(clientID, srpProof(t, poolID, cl, cp, "Perm#Pass1", e.Clock.Now()))
		wantErr[*types.NotAuthorizedException](t, err, "Invalid session for the user, session is expired.")
	})
	t.Run("SRP_A of zero", func(t *testing.T) {
		_, err := e.c.InitiateAuth(e.ctx, &cip.InitiateAuthInput{ClientId: aws.String(clientID), AuthFlow: types.AuthFlowTypeUserSrpAuth,
			AuthParameters: map[string]string{"USERNAME": "kim", "SRP_A": "0"}})
		wantErr[*types.NotAuthorizedException](t, err, "Incorrect username or password.")
	})
	t.Run("unknown user, LEGACY", func(t *testing.T) {
		cl, _ := srp.NewClient(nil)
		_, err := e.c.InitiateAuth(e.ctx, &cip.InitiateAuthInput{ClientId: aws.String(clientID), AuthFlow: types.AuthFlowTypeUserSrpAuth,
			AuthParameters: map[string]string{"USERNAME": "nobody", "SRP_A": cl.A()}})
		wantErr[*types.UserNotFoundException](t, err, "User does not exist.")
	})
}

// TestSDKSRPUnknownUserEnabled: with PreventUserExistenceErrors ENABLED an
// unknown name gets a well-formed, stable challenge and fails the proof
// exactly as a wrong password does.
func TestSDKSRPUnknownUserEnabled(t *testing.T) {
	e := newSDKEnv(t)
	poolID := e.pool()
	clientID := *e.client(poolID, func(in *cip.CreateUserPoolClientInput) {
		in.ExplicitAuthFlows = srpFlows
		in.PreventUserExistenceErrors = types.PreventUserExistenceErrorTypesEnabled
	}).ClientId
	cl, cp, err := e.srpChallenge(poolID, clientID, "nobody", false, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !uuidPattern.MatchString(cp["USER_ID_FOR_SRP"]) || cp["USERNAME"] != cp["USER_ID_FOR_SRP"] {
		t.Errorf("USER_ID_FOR_SRP, USERNAME = %q, %q; want one UUID", cp["USER_ID_FOR_SRP"], cp["USERNAME"])
	}
	_, cp2, _ := e.srpChallenge(poolID, clientID, "nobody", false, nil)
	if cp2["SALT"] != cp["SALT"] || cp2["USER_ID_FOR_SRP"] != cp["USER_ID_FOR_SRP"] {
		t.Errorf("second challenge for the same name differs: %v vs %v", cp2, cp)
	}
	if cp2["SRP_B"] == cp["SRP_B"] || cp2["SECRET_BLOCK"] == cp["SECRET_BLOCK"] {
		t.Errorf("SRP_B and SECRET_BLOCK must be fresh per challenge")
	}
	_, other, _ := e.srpChallenge(poolID, clientID, "somebody-else", false, nil)
	if other["SALT"] == cp["SALT"] || other["USER_ID_FOR_SRP"] == cp["USER_ID_FOR_SRP"] {
		t.Errorf("different names share a fake salt or id")
	}
	_, err = e.verifier(clientID, srpProof(t, poolID, cl, cp, "Any#Pass1", e.Clock.Now()))
	wantErr[*types.NotAuthorizedException](t, err, "Incorrect username or password.")
}

// TestSDKSRPAdminWithSecret: AdminInitiateAuth USER_SRP_AUTH with a client
// secret; the answer's SECRET_HASH is computed with USER_ID_FOR_SRP.
func TestSDKSRPAdminWithSecret(t *testing.T) {
	e := newSDKEnv(t)
	poolID := e.pool()
	cl := e.client(poolID, func(in *cip.CreateUserPoolClientInput) {
		in.ExplicitAuthFlows = srpFlows
		in.GenerateSecret = true
	})
	clientID, secret := *cl.ClientId, *cl.ClientSecret
	e.user(poolID, "kim", "kim@example.com", "Perm#Pass1")
	_, _, err := e.srpChallenge(poolID, clientID, "kim", true, nil)
	wantErr[*types.NotAuthorizedException](t, err, "Client "+clientID+" is configured with secret but SECRET_HASH was not received")

	c, cp, err := e.srpChallenge(poolID, clientID, "kim", true, map[string]string{"SECRET_HASH": secretHash(secret, "kim", clientID)})
	if err != nil {
		t.Fatal(err)
	}
	r := srpProof(t, poolID, c, cp, "Perm#Pass1", e.Clock.Now())
	r["SECRET_HASH"] = secretHash(secret, cp["USER_ID_FOR_SRP"], clientID)
	out, err := e.c.AdminRespondToAuthChallenge(e.ctx, &cip.AdminRespondToAuthChallengeInput{UserPoolId: aws.String(poolID),
		ClientId: aws.String(clientID), ChallengeName: types.ChallengeNameTypePasswordVerifier, ChallengeResponses: r})
	if err != nil {
		t.Fatal(err)
	}
	if out.AuthenticationResult == nil || out.AuthenticationResult.RefreshToken == nil {
		t.Fatalf("AdminRespondToAuthChallenge: %+v", out)
	}
}

// TestSDKSRPEmailUsername: in a pool whose usernames are email addresses
// the user signs in with the email; USER_ID_FOR_SRP is the generated
// username (the sub), which the proof and the answer's USERNAME use.
func TestSDKSRPEmailUsername(t *testing.T) {
	e := newSDKEnv(t)
	poolID := e.pool(func(in *cip.CreateUserPoolInput) {
		in.UsernameAttributes = []types.UsernameAttributeType{types.UsernameAttributeTypeEmail}
	})
	clientID := *e.client(poolID, func(in *cip.CreateUserPoolClientInput) { in.ExplicitAuthFlows = srpFlows }).ClientId
	_, err := e.c.AdminCreateUser(e.ctx, &cip.AdminCreateUserInput{UserPoolId: aws.String(poolID), Username: aws.String("ana@example.com"),
		MessageAction: types.MessageActionTypeSuppress})
	if err != nil {
		t.Fatal(err)
	}
	e.setPassword(poolID, "ana@example.com", "Perm#Pass1", true)
	cl, cp, err := e.srpChallenge(poolID, clientID, "ana@example.com", false, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !uuidPattern.MatchString(cp["USER_ID_FOR_SRP"]) {
		t.Errorf("USER_ID_FOR_SRP = %q; want the generated username", cp["USER_ID_FOR_SRP"])
	}
	out, err := e.verifier(clientID, srpProof(t, poolID, cl, cp, "Perm#Pass1", e.Clock.Now()))
	if err != nil || out.AuthenticationResult == nil {
		t.Fatalf("PASSWORD_VERIFIER: %v", err)
	}
}

// TestSDKSRPNewPasswordThenMFA: an admin-created user signs in with SRP and
// its temporary password, sets a new one (NEW_PASSWORD_REQUIRED), answers
// email MFA, and then signs in with SRP and the new password.
func TestSDKSRPNewPasswordThenMFA(t *testing.T) {
	e := newSDKEnv(t)
	poolID := e.pool()
	e.emailMFA(poolID, types.UserPoolMfaTypeOn)
	clientID := *e.client(poolID, func(in *cip.CreateUserPoolClientInput) { in.ExplicitAuthFlows = srpFlows }).ClientId
	_, err := e.c.AdminCreateUser(e.ctx, &cip.AdminCreateUserInput{UserPoolId: aws.String(poolID), Username: aws.String("kim"),
		TemporaryPassword: aws.String("Temp#Pass1"), MessageAction: types.MessageActionTypeSuppress,
		UserAttributes: []types.AttributeType{{Name: aws.String("email"), Value: aws.String("kim@example.com")}}})
	if err != nil {
		t.Fatal(err)
	}
	cl, cp, err := e.srpChallenge(poolID, clientID, "kim", false, nil)
	if err != nil {
		t.Fatal(err)
	}
	out, err := e.verifier(clientID, srpProof(t, poolID, cl, cp, "Temp#Pass1", e.Clock.Now()))
	if err != nil {
		t.Fatal(err)
	}
	if out.ChallengeName != types.ChallengeNameTypeNewPasswordRequired || out.ChallengeParameters["USER_ID_FOR_SRP"] != "kim" {
		t.Fatalf("after SRP with a temporary password: %q %v", out.ChallengeName, out.ChallengeParameters)
	}
	out, err = e.respond(clientID, types.ChallengeNameTypeNewPasswordRequired, *out.Session,
		map[string]string{"USERNAME": "kim", "NEW_PASSWORD": "N3w#Password"})
	if err != nil {
		t.Fatal(err)
	}
	if out.ChallengeName != types.ChallengeNameTypeEmailOtp {
		t.Fatalf("after NEW_PASSWORD_REQUIRED: %q, want EMAIL_OTP", out.ChallengeName)
	}
	msgs := outbox(t, e.server, "kim@example.com")
	code := sixDigits.FindStringSubmatch(msgs[len(msgs)-1].Body)[1]
	out, err = e.respond(clientID, types.ChallengeNameTypeEmailOtp, *out.Session, map[string]string{"USERNAME": "kim", "EMAIL_OTP_CODE": code})
	if err != nil || out.AuthenticationResult == nil {
		t.Fatalf("EMAIL_OTP: %v", err)
	}
	// The new password's verifier replaced the temporary one's.
	cl, cp, _ = e.srpChallenge(poolID, clientID, "kim", false, nil)
	_, err = e.verifier(clientID, srpProof(t, poolID, cl, cp, "Temp#Pass1", e.Clock.Now()))
	wantErr[*types.NotAuthorizedException](t, err, "Incorrect username or password.")
	cl, cp, _ = e.srpChallenge(poolID, clientID, "kim", false, nil)
	out, err = e.verifier(clientID, srpProof(t, poolID, cl, cp, "N3w#Password", e.Clock.Now()))
	if err != nil || out.ChallengeName != types.ChallengeNameTypeEmailOtp {
		t.Fatalf("SRP with the new password: %v %q; want EMAIL_OTP", err, out.ChallengeName)
	}
}

// TestSDKSRPLockout: wrong SRP proofs count toward the same lockout as
// wrong passwords.
func TestSDKSRPLockout(t *testing.T) {
	e := newSDKEnv(t)
	poolID := e.pool()
	clientID := *e.client(poolID, func(in *cip.CreateUserPoolClientInput) {
		in.ExplicitAuthFlows = append(srpFlows, types.ExplicitAuthFlowsTypeAllowUserPasswordAuth)
	}).ClientId
	e.user(poolID, "kim", "kim@example.com", "Perm#Pass1")
	for range 5 {
		cl, cp, err := e.srpChallenge(poolID, clientID, "kim", false, nil)
		if err != nil {
			t.Fatal(err)
		}
		_, err = e.verifier(clientID, srpProof(t, poolID, cl, cp, "Wrong#Pass1", e.Clock.Now()))
		wantErr[*types.NotAuthorizedException](t, err, "Incorrect username or password.")
	}
	_, err := e.signIn(clientID, "kim", "Perm#Pass1")
	wantErr[*types.NotAuthorizedException](t, err, "Password attempts exceeded")
	_, _, err = e.srpChallenge(poolID, clientID, "kim", false, nil)
	wantErr[*types.NotAuthorizedException](t, err, "Password attempts exceeded")
}
