package e2e

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
)

// otpSignUpPool is a pool that auto-verifies email and offers PASSWORD and
// EMAIL_OTP first factors, with a client allowing USER_AUTH, refresh and
// flow.
func (e *sdkEnv) otpSignUpPool(flow types.ExplicitAuthFlowsType) (pool, client string) {
	e.t.Helper()
	pool = e.emailVerifyPool(func(in *cip.CreateUserPoolInput) {
		in.Policies = &types.UserPoolPolicyType{SignInPolicy: &types.SignInPolicyType{
			AllowedFirstAuthFactors: []types.AuthFactorType{types.AuthFactorTypePassword, types.AuthFactorTypeEmailOtp}}}
	})
	client = *e.client(pool, func(in *cip.CreateUserPoolClientInput) {
		in.ExplicitAuthFlows = []types.ExplicitAuthFlowsType{types.ExplicitAuthFlowsTypeAllowUserAuth, flow,
			types.ExplicitAuthFlowsTypeAllowRefreshTokenAuth}
	}).ClientId
	return pool, client
}

// TestSDKSignUpSessionSignsIn: ConfirmSignUp returns a Session, and
// InitiateAuth USER_AUTH with it signs the user in with no second code or
// password: the confirmation code stands as the first factor. The session
// serves once, only for its own user, and not for another flow.
// https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_InitiateAuth.html (Session)
func TestSDKSignUpSessionSignsIn(t *testing.T) {
	e := newSDKEnv(t)
	_, client := e.otpSignUpPool(types.ExplicitAuthFlowsTypeAllowUserPasswordAuth)
	must[*cip.SignUpOutput](t, "SignUp")(e.signUp(client, "ann", "Perm#Pass1", "ann@example.com"))
	must[*cip.SignUpOutput](t, "SignUp")(e.signUp(client, "bo", "Perm#Pass1", "bo@example.com"))
	confirmed := must[*cip.ConfirmSignUpOutput](t, "ConfirmSignUp")(e.c.ConfirmSignUp(e.ctx, &cip.ConfirmSignUpInput{
		ClientId: aws.String(client), Username: aws.String("ann"), ConfirmationCode: aws.String(e.code("ann@example.com", 1))}))
	session := aws.ToString(confirmed.Session)
	if len(session) < 20 {
		t.Fatalf("ConfirmSignUp Session = %q, want a session (20 characters at least)", session)
	}

	signIn := func(username, flow string) (*cip.InitiateAuthOutput, error) {
		return e.c.InitiateAuth(e.ctx, &cip.InitiateAuthInput{ClientId: aws.String(client),
			AuthFlow: types.AuthFlowType(flow), Session: aws.String(session),
			AuthParameters: map[string]string{"USERNAME": username}})
	}
	// Another user's name with ann's session.
	_, err := signIn("bo", "USER_AUTH")
	wantErr[*types.NotAuthorizedException](t, err, "Invalid session for the user.")

	out := must[*cip.InitiateAuthOutput](t, "InitiateAuth USER_AUTH with the sign-up session")(signIn("ann", "USER_AUTH"))
	r := out.AuthenticationResult
	if out.ChallengeName != "" || r == nil || aws.ToString(r.AccessToken) == "" || aws.ToString(r.IdToken) == "" ||
		aws.ToString(r.RefreshToken) == "" || r.ExpiresIn != 3600 || aws.ToString(r.TokenType) != "Bearer" {
		t.Fatalf("InitiateAuth USER_AUTH with the sign-up session = challenge %q, result %+v; want tokens", out.ChallengeName, r)
	}
	got := must[*cip.GetUserOutput](t, "GetUser")(e.c.GetUser(e.ctx, &cip.GetUserInput{AccessToken: r.AccessToken}))
	if aws.ToString(got.Username) != "ann" {
		t.Errorf("GetUser with the new access token: %q, want ann", aws.ToString(got.Username))
	}

	// Once only.
	_, err = signIn("ann", "USER_AUTH")
	wantErr[*types.NotAuthorizedException](t, err, "Invalid session for the user, session can only be used once.")
	// A made-up session.
	session = "AYABeNotASessionOfThisServer00000000"
	_, err = signIn("ann", "USER_AUTH")
	wantErr[*types.NotAuthorizedException](t, err, "Invalid session for the user.")
}

// TestSDKSignUpSessionToConfirm: SignUp answers a Session that
// ConfirmSignUp may present, as Amplify does for USER_AUTH sign-in after
// sign-up: only the same user's; a refused one is not spent.
// https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_SignUp.html (Session)
func TestSDKSignUpSessionToConfirm(t *testing.T) {
	e := newSDKEnv(t)
	_, client := e.otpSignUpPool(types.ExplicitAuthFlowsTypeAllowUserPasswordAuth)
	ann := must[*cip.SignUpOutput](t, "SignUp")(e.signUp(client, "ann", "Perm#Pass1", "ann@example.com"))
	bo := must[*cip.SignUpOutput](t, "SignUp")(e.signUp(client, "bo", "Perm#Pass1", "bo@example.com"))
	if len(aws.ToString(ann.Session)) < 20 || aws.ToString(ann.Session) == aws.ToString(bo.Session) {
		t.Fatalf("SignUp Sessions %q and %q; want a session each", aws.ToString(ann.Session), aws.ToString(bo.Session))
	}
	confirm := func(session *string) (*cip.ConfirmSignUpOutput, error) {
		return e.c.ConfirmSignUp(e.ctx, &cip.ConfirmSignUpInput{ClientId: aws.String(client), Username: aws.String("ann"),
			ConfirmationCode: aws.String(e.code("ann@example.com", 1)), Session: session})
	}
	_, err := confirm(bo.Session)
	wantErr[*types.NotAuthorizedException](t, err, "Invalid session for the user.")
	_, err = confirm(aws.String("AYABeNotASessionOfThisServer00000000"))
	wantErr[*types.NotAuthorizedException](t, err, "Invalid session for the user.")
	confirmed := must[*cip.ConfirmSignUpOutput](t, "ConfirmSignUp with SignUp's session")(confirm(ann.Session))
	out := must[*cip.InitiateAuthOutput](t, "InitiateAuth USER_AUTH")(e.c.InitiateAuth(e.ctx, &cip.InitiateAuthInput{
		ClientId: aws.String(client), AuthFlow: types.AuthFlowTypeUserAuth, Session: confirmed.Session,
		AuthParameters: map[string]string{"USERNAME": "ann"}}))
	if out.AuthenticationResult == nil {
		t.Fatalf("USER_AUTH after ConfirmSignUp: challenge %q", out.ChallengeName)
	}
	// A session refused for another user is not spent: bo confirms with his.
	must[*cip.ConfirmSignUpOutput](t, "ConfirmSignUp of bo with his session")(e.c.ConfirmSignUp(e.ctx, &cip.ConfirmSignUpInput{
		ClientId: aws.String(client), Username: aws.String("bo"), ConfirmationCode: aws.String(e.code("bo@example.com", 1)), Session: bo.Session}))
}

// TestSDKPasswordlessSignUp: with EMAIL_OTP as a first factor, a USER_AUTH
// client and email auto-verified, SignUp takes no password; the user signs
// in with ConfirmSignUp's session and later with an emailed code, every
// password attempt is refused as a wrong password, and ChangePassword sets
// a first password with no PreviousPassword. Without the client's
// USER_AUTH a password is still required.
// https://docs.aws.amazon.com/cognito/latest/developerguide/signing-up-users-in-your-app.html ("Passwords at sign-up")
func TestSDKPasswordlessSignUp(t *testing.T) {
	e := newSDKEnv(t)
	pool, client := e.otpSignUpPool(types.ExplicitAuthFlowsTypeAllowUserPasswordAuth)
	passwordOnly := *e.client(pool, func(in *cip.CreateUserPoolClientInput) {
		in.ExplicitAuthFlows = []types.ExplicitAuthFlowsType{types.ExplicitAuthFlowsTypeAllowUserPasswordAuth}
	}).ClientId
	signUp := func(clientID string) (*cip.SignUpOutput, error) {
		return e.c.SignUp(e.ctx, &cip.SignUpInput{ClientId: aws.String(clientID), Username: aws.String("ann"),
			UserAttributes: emailAttr("ann@example.com")})
	}
	_, err := signUp(passwordOnly)
	wantErr[*types.InvalidPasswordException](t, err, "Password did not conform with policy: Password not long enough")

	must[*cip.SignUpOutput](t, "SignUp without a password")(signUp(client))
	confirmed := must[*cip.ConfirmSignUpOutput](t, "ConfirmSignUp")(e.c.ConfirmSignUp(e.ctx, &cip.ConfirmSignUpInput{
		ClientId: aws.String(client), Username: aws.String("ann"), ConfirmationCode: aws.String(e.code("ann@example.com", 1))}))
	out := must[*cip.InitiateAuthOutput](t, "InitiateAuth USER_AUTH with the sign-up session")(e.c.InitiateAuth(e.ctx,
		&cip.InitiateAuthInput{ClientId: aws.String(client), AuthFlow: types.AuthFlowTypeUserAuth, Session: confirmed.Session,
			AuthParameters: map[string]string{"USERNAME": "ann"}}))
	if out.AuthenticationResult == nil {
		t.Fatalf("USER_AUTH with the sign-up session: challenge %q, no tokens", out.ChallengeName)
	}
	access := out.AuthenticationResult.AccessToken

	// Only the code factor is offered; a password is wrong, never an error of ours.
	sel := e.userAuth(client, map[string]string{"USERNAME": "ann"})
	if got := sel.AvailableChallenges; len(got) != 1 || got[0] != "EMAIL_OTP" {
		t.Errorf("USER_AUTH AvailableChallenges = %v, want [EMAIL_OTP]", got)
	}
	_, err = e.c.InitiateAuth(e.ctx, &cip.InitiateAuthInput{ClientId: aws.String(client), AuthFlow: types.AuthFlowTypeUserPasswordAuth,
		AuthParameters: map[string]string{"USERNAME": "ann", "PASSWORD": "Any#Pass1"}})
	wantErr[*types.NotAuthorizedException](t, err, "Incorrect username or password.")

	// A first password, without PreviousPassword; then it signs in.
	must[*cip.ChangePasswordOutput](t, "ChangePassword without PreviousPassword")(e.c.ChangePassword(e.ctx,
		&cip.ChangePasswordInput{AccessToken: access, ProposedPassword: aws.String("Perm#Pass1")}))
	must[*cip.InitiateAuthOutput](t, "USER_PASSWORD_AUTH with the new password")(e.c.InitiateAuth(e.ctx, &cip.InitiateAuthInput{
		ClientId: aws.String(client), AuthFlow: types.AuthFlowTypeUserPasswordAuth,
		AuthParameters: map[string]string{"USERNAME": "ann", "PASSWORD": "Perm#Pass1"}}))
	// Now it has one, PreviousPassword is required again.
	_, err = e.c.ChangePassword(e.ctx, &cip.ChangePasswordInput{AccessToken: access, ProposedPassword: aws.String("Perm#Pass2")})
	wantErr[*types.NotAuthorizedException](t, err, "Incorrect username or password.")
}
