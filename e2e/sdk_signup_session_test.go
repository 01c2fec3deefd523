package e2e

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
)

// TestSDKSignUpSessionSignsIn: ConfirmSignUp returns a Session, and
// InitiateAuth USER_AUTH with it signs the user in with no second code or
// password: the confirmation code stands as the first factor. The session
// serves once, only for its own user, and not for another flow.
// https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_InitiateAuth.html (Session)
func TestSDKSignUpSessionSignsIn(t *testing.T) {
	e := newSDKEnv(t)
	pool := e.emailVerifyPool(func(in *cip.CreateUserPoolInput) {
		in.Policies = &types.UserPoolPolicyType{SignInPolicy: &types.SignInPolicyType{
			AllowedFirstAuthFactors: []types.AuthFactorType{types.AuthFactorTypePassword, types.AuthFactorTypeEmailOtp}}}
	})
	client := *e.client(pool, func(in *cip.CreateUserPoolClientInput) {
		in.ExplicitAuthFlows = []types.ExplicitAuthFlowsType{types.ExplicitAuthFlowsTypeAllowUserAuth,
			types.ExplicitAuthFlowsTypeAllowUserPasswordAuth, types.ExplicitAuthFlowsTypeAllowRefreshTokenAuth}
	}).ClientId
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
