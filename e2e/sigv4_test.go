package e2e

import (
	"errors"
	"net/http"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/aws/smithy-go"
)

// TestAdminSignatures: with --admin-credentials (self-hosting), every signed
// operation must carry an AWS Signature Version 4 by one of those keys, as
// on AWS, while the public ones (InitiateAuth, SignUp, ...) stay open. The
// AWS CLI and aws-sdk-go-v2 sign with the right keys and pass; a wrong
// secret, an unknown key and no signature get AWS's refusals.
// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv.html
func TestAdminSignatures(t *testing.T) {
	s := startServerWith(t, "--admin-credentials", "local:local,AKIDOPS:ops-secret")
	client := func(creds aws.CredentialsProvider) *cip.Client {
		return cip.New(cip.Options{Region: "us-east-1", BaseEndpoint: aws.String(s.URL), Credentials: creds, RetryMaxAttempts: 1})
	}
	ctx := t.Context()
	ops := client(credentials.NewStaticCredentialsProvider("AKIDOPS", "ops-secret", ""))

	aws_ := awsCLI{t: t, url: s.URL} // signs with local:local
	pool := aws_.run("create-user-pool", "--pool-name", "signed")["UserPool"].(map[string]any)["Id"].(string)
	clientID := *must[*cip.CreateUserPoolClientOutput](t, "CreateUserPoolClient")(ops.CreateUserPoolClient(ctx, &cip.CreateUserPoolClientInput{
		UserPoolId: &pool, ClientName: aws.String("app"), ExplicitAuthFlows: passwordFlows})).UserPoolClient.ClientId
	must[*cip.AdminCreateUserOutput](t, "AdminCreateUser")(ops.AdminCreateUser(ctx, &cip.AdminCreateUserInput{UserPoolId: &pool,
		Username: aws.String("kim"), MessageAction: types.MessageActionTypeSuppress}))
	must[*cip.AdminSetUserPasswordOutput](t, "AdminSetUserPassword")(ops.AdminSetUserPassword(ctx, &cip.AdminSetUserPasswordInput{
		UserPoolId: &pool, Username: aws.String("kim"), Password: aws.String("Perm#Pass1"), Permanent: true}))

	wantCode := func(err error, code, msg string) {
		t.Helper()
		var api smithy.APIError
		if !errors.As(err, &api) || api.ErrorCode() != code || api.ErrorMessage() != msg {
			t.Errorf("error %v; want %s %q", err, code, msg)
		}
	}
	_, err := client(credentials.NewStaticCredentialsProvider("AKIDOPS", "wrong", "")).AdminGetUser(ctx, &cip.AdminGetUserInput{UserPoolId: &pool, Username: aws.String("kim")})
	wantCode(err, "InvalidSignatureException", "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.")
	_, err = client(credentials.NewStaticCredentialsProvider("AKIDNOBODY", "ops-secret", "")).ListUserPools(ctx, &cip.ListUserPoolsInput{MaxResults: aws.Int32(10)})
	wantCode(err, "UnrecognizedClientException", "The security token included in the request is invalid.")
	anonymous := client(aws.AnonymousCredentials{})
	_, err = anonymous.AdminGetUser(ctx, &cip.AdminGetUserInput{UserPoolId: &pool, Username: aws.String("kim")})
	wantCode(err, "MissingAuthenticationTokenException", "Missing Authentication Token")

	// Neither the outbox nor the console shows messages and users unsigned
	// there (unless --outbox says so).
	for _, path := range []string{"/_ninshou/outbox", "/_ninshou/console/"} {
		resp, err := http.Get(s.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode == http.StatusOK {
			t.Errorf("%s is served on a server with --admin-credentials", path)
		}
	}

	// The public operations need no signature.
	out := must[*cip.InitiateAuthOutput](t, "InitiateAuth")(anonymous.InitiateAuth(ctx, &cip.InitiateAuthInput{ClientId: &clientID,
		AuthFlow: types.AuthFlowTypeUserPasswordAuth, AuthParameters: map[string]string{"USERNAME": "kim", "PASSWORD": "Perm#Pass1"}}))
	must[*cip.GetUserOutput](t, "GetUser")(anonymous.GetUser(ctx, &cip.GetUserInput{AccessToken: out.AuthenticationResult.AccessToken}))
}
