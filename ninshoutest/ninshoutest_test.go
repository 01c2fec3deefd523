package ninshoutest_test

import (
	"errors"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"

	"github.com/ninshou/ninshou/ninshoutest"
)

// TestServer uses the package as a Go project's test would: sign up with
// aws-sdk-go-v2, read the code from the outbox, confirm, sign in; then move
// the clock past the access token's hour, which GetUser then refuses.
func TestServer(t *testing.T) {
	srv := ninshoutest.Start(t)
	ctx := t.Context()
	c := cip.NewFromConfig(srv.AWSConfig())
	pool, id := signUpKim(t, c, &cip.CreateUserPoolInput{PoolName: aws.String("app"),
		AutoVerifiedAttributes: []types.VerifiedAttributeType{types.VerifiedAttributeTypeEmail}},
		types.ExplicitAuthFlowsTypeAllowUserPasswordAuth)
	msgs := srv.Messages(t, "kim@example.com")
	if len(msgs) != 1 || msgs[0].Channel != "email" || msgs[0].PoolID != pool {
		t.Fatalf("messages to kim: %+v", msgs)
	}
	if _, err := c.ConfirmSignUp(ctx, &cip.ConfirmSignUpInput{ClientId: id, Username: aws.String("kim"),
		ConfirmationCode: aws.String(srv.Code(t, "kim@example.com"))}); err != nil {
		t.Fatal(err)
	}
	out, err := c.InitiateAuth(ctx, &cip.InitiateAuthInput{ClientId: id, AuthFlow: types.AuthFlowTypeUserPasswordAuth,
		AuthParameters: map[string]string{"USERNAME": "kim", "PASSWORD": "Perm#Pass1"}})
	if err != nil {
		t.Fatal(err)
	}
	access := out.AuthenticationResult.AccessToken
	if _, err := c.GetUser(ctx, &cip.GetUserInput{AccessToken: access}); err != nil {
		t.Fatalf("GetUser with a fresh token: %v", err)
	}
	srv.Advance(61 * time.Minute)
	_, err = c.GetUser(ctx, &cip.GetUserInput{AccessToken: access})
	var na *types.NotAuthorizedException
	if !errors.As(err, &na) {
		t.Fatalf("GetUser an hour later: %v; want NotAuthorizedException", err)
	}
}

// TestCodeOfPasswordlessSignIn: Code reads the latest message's code, the
// eight digits of a passwordless sign-in too, not an older message's six.
func TestCodeOfPasswordlessSignIn(t *testing.T) {
	srv := ninshoutest.Start(t)
	ctx := t.Context()
	c := cip.NewFromConfig(srv.AWSConfig())
	_, id := signUpKim(t, c, &cip.CreateUserPoolInput{PoolName: aws.String("app"),
		AutoVerifiedAttributes: []types.VerifiedAttributeType{types.VerifiedAttributeTypeEmail},
		Policies: &types.UserPoolPolicyType{SignInPolicy: &types.SignInPolicyType{
			AllowedFirstAuthFactors: []types.AuthFactorType{types.AuthFactorTypePassword, types.AuthFactorTypeEmailOtp}}}},
		types.ExplicitAuthFlowsTypeAllowUserAuth)
	if _, err := c.ConfirmSignUp(ctx, &cip.ConfirmSignUpInput{ClientId: id, Username: aws.String("kim"),
		ConfirmationCode: aws.String(srv.Code(t, "kim@example.com"))}); err != nil {
		t.Fatal(err)
	}
	out, err := c.InitiateAuth(ctx, &cip.InitiateAuthInput{ClientId: id, AuthFlow: types.AuthFlowTypeUserAuth,
		AuthParameters: map[string]string{"USERNAME": "kim", "PREFERRED_CHALLENGE": "EMAIL_OTP"}})
	if err != nil || out.ChallengeName != types.ChallengeNameTypeEmailOtp {
		t.Fatalf("USER_AUTH with EMAIL_OTP: %+v, %v", out, err)
	}
	code := srv.Code(t, "kim@example.com")
	if len(code) != 8 {
		t.Fatalf("Code = %q; want the sign-in's eight digits", code)
	}
	done, err := c.RespondToAuthChallenge(ctx, &cip.RespondToAuthChallengeInput{ClientId: id, ChallengeName: types.ChallengeNameTypeEmailOtp,
		Session: out.Session, ChallengeResponses: map[string]string{"USERNAME": "kim", "EMAIL_OTP_CODE": code}})
	if err != nil || done.AuthenticationResult == nil {
		t.Fatalf("EMAIL_OTP with Code: %+v, %v", done, err)
	}
}

// signUpKim creates the pool and a client with flow (and refresh), and
// signs kim up (kim@example.com) through it.
func signUpKim(t *testing.T, c *cip.Client, in *cip.CreateUserPoolInput, flow types.ExplicitAuthFlowsType) (poolID string, clientID *string) {
	t.Helper()
	ctx := t.Context()
	pool, err := c.CreateUserPool(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	client, err := c.CreateUserPoolClient(ctx, &cip.CreateUserPoolClientInput{UserPoolId: pool.UserPool.Id, ClientName: aws.String("web"),
		ExplicitAuthFlows: []types.ExplicitAuthFlowsType{flow, types.ExplicitAuthFlowsTypeAllowRefreshTokenAuth}})
	if err != nil {
		t.Fatal(err)
	}
	id := client.UserPoolClient.ClientId
	if _, err := c.SignUp(ctx, &cip.SignUpInput{ClientId: id, Username: aws.String("kim"), Password: aws.String("Perm#Pass1"),
		UserAttributes: []types.AttributeType{{Name: aws.String("email"), Value: aws.String("kim@example.com")}}}); err != nil {
		t.Fatal(err)
	}
	return *pool.UserPool.Id, id
}
