package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
)

// jsDir is the npm workspace of the JavaScript clients; `make test` installs
// it from its lockfile.
func jsDir(t *testing.T) string {
	t.Helper()
	dir, err := filepath.Abs("js")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "node_modules")); err != nil {
		t.Fatalf("JavaScript clients are not installed: run `npm ci --prefix e2e/js` (make test does): %v", err)
	}
	return dir
}

func jwksURL(s *server, poolID string) string { return s.URL + "/" + poolID + "/.well-known/jwks.json" }

// poolJWKS is the key set Ninshou publishes for a pool.
func poolJWKS(t *testing.T, s *server, poolID string) json.RawMessage {
	t.Helper()
	resp, err := http.Get(jwksURL(s, poolID))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// runScript runs a one-shot script of e2e/js with input as JSON on stdin
// and returns what it printed; a failure carries the script's stderr.
func runScript(t *testing.T, script string, input any) ([]byte, error) {
	t.Helper()
	in, err := json.Marshal(input)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("node", script)
	cmd.Dir, cmd.Stdin = jsDir(t), bytes.NewReader(in)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return out, fmt.Errorf("%w\n%s", err, stderr.String())
	}
	return out, nil
}

// TestAwsJwtVerifyAcceptsTokens: tokens from Ninshou pass aws-jwt-verify's
// CognitoJwtVerifier when Ninshou's public URL is Cognito's regional one,
// and its generic verifier with the JWKS fetched from Ninshou itself.
func TestAwsJwtVerifyAcceptsTokens(t *testing.T) {
	jsDir(t)
	s := startServerWith(t, "--public-url", "https://cognito-idp.us-east-1.amazonaws.com")
	ctx := context.Background()
	c := s.sdk()
	pool, err := c.CreateUserPool(ctx, &cip.CreateUserPoolInput{PoolName: aws.String("jwt")})
	if err != nil {
		t.Fatal(err)
	}
	poolID := *pool.UserPool.Id
	client, err := c.CreateUserPoolClient(ctx, &cip.CreateUserPoolClientInput{UserPoolId: &poolID, ClientName: aws.String("app"),
		ExplicitAuthFlows: []types.ExplicitAuthFlowsType{types.ExplicitAuthFlowsTypeAllowUserPasswordAuth, types.ExplicitAuthFlowsTypeAllowRefreshTokenAuth}})
	if err != nil {
		t.Fatal(err)
	}
	clientID := *client.UserPoolClient.ClientId
	if _, err := c.AdminCreateUser(ctx, &cip.AdminCreateUserInput{UserPoolId: &poolID, Username: aws.String("ana"),
		MessageAction: types.MessageActionTypeSuppress, UserAttributes: []types.AttributeType{{Name: aws.String("email"), Value: aws.String("ana@example.com")}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.AdminSetUserPassword(ctx, &cip.AdminSetUserPasswordInput{UserPoolId: &poolID, Username: aws.String("ana"),
		Password: aws.String("Perm#Pass1"), Permanent: true}); err != nil {
		t.Fatal(err)
	}
	auth, err := c.InitiateAuth(ctx, &cip.InitiateAuthInput{ClientId: &clientID, AuthFlow: types.AuthFlowTypeUserPasswordAuth,
		AuthParameters: map[string]string{"USERNAME": "ana", "PASSWORD": "Perm#Pass1"}})
	if err != nil {
		t.Fatal(err)
	}
	out, err := runScript(t, "verify-tokens.mjs", map[string]any{
		"userPoolId": poolID, "clientId": clientID,
		"idToken": *auth.AuthenticationResult.IdToken, "accessToken": *auth.AuthenticationResult.AccessToken,
		"jwks": poolJWKS(t, s, poolID), "jwksUri": jwksURL(s, poolID), "issuer": "https://cognito-idp.us-east-1.amazonaws.com/" + poolID,
	})
	if err != nil {
		t.Fatalf("aws-jwt-verify refused the tokens: %v", err)
	}
	var verified map[string]map[string]any
	if err := json.Unmarshal(out, &verified); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	if got := verified["cognito_id"]["email"]; got != "ana@example.com" {
		t.Errorf("verified ID token email = %v", got)
	}
	if got := verified["cognito_access"]["username"]; got != "ana" {
		t.Errorf("verified access token username = %v", got)
	}
	if got := verified["rsa_access"]["client_id"]; got != clientID {
		t.Errorf("generic verifier: client_id = %v", got)
	}
}
