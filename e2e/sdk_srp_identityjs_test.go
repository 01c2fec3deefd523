package e2e

import (
	"bytes"
	"encoding/json"
	"os/exec"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
)

// srpJS runs e2e/js/srp-sign-in.mjs (amazon-cognito-identity-js
// authenticateUser) against the server.
func srpJS(t *testing.T, e *sdkEnv, input map[string]string) (map[string]any, error) {
	t.Helper()
	dir := jsDir(t)
	body, _ := json.Marshal(input)
	cmd := exec.Command("node", "srp-sign-in.mjs")
	cmd.Dir = dir
	cmd.Stdin = bytes.NewReader(body)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, &jsError{err: err, stderr: stderr.String()}
	}
	var got map[string]any
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	return got, nil
}

type jsError struct {
	err    error
	stderr string
}

func (e *jsError) Error() string { return e.err.Error() + ": " + e.stderr }

// TestJSIdentitySRP: amazon-cognito-identity-js signs in with SRP, through
// NEW_PASSWORD_REQUIRED for an admin-created user, then with the new
// password; a wrong password fails with Cognito's error.
func TestJSIdentitySRP(t *testing.T) {
	e := newSDKEnv(t)
	poolID := e.pool()
	clientID := *e.client(poolID, func(in *cip.CreateUserPoolClientInput) { in.ExplicitAuthFlows = srpFlows }).ClientId
	_, err := e.c.AdminCreateUser(e.ctx, &cip.AdminCreateUserInput{UserPoolId: aws.String(poolID), Username: aws.String("kim"),
		TemporaryPassword: aws.String("Temp#Pass1"), MessageAction: types.MessageActionTypeSuppress,
		UserAttributes: []types.AttributeType{{Name: aws.String("email"), Value: aws.String("kim@example.com")}}})
	if err != nil {
		t.Fatal(err)
	}
	in := map[string]string{"endpoint": e.URL + "/", "userPoolId": poolID, "clientId": clientID, "username": "kim",
		"password": "Temp#Pass1", "newPassword": "N3w#Password"}
	got, err := srpJS(t, e, in)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"newPasswordRequired": true, "username": "kim", "tokenUse": "access", "refresh": true}
	if !mapsEqual(got, want) {
		t.Errorf("first sign-in = %v; want %v", got, want)
	}
	in["password"], in["newPassword"] = "N3w#Password", ""
	got, err = srpJS(t, e, in)
	if err != nil {
		t.Fatal(err)
	}
	want["newPasswordRequired"] = false
	if !mapsEqual(got, want) {
		t.Errorf("second sign-in = %v; want %v", got, want)
	}
	in["password"] = "Wrong#Pass1"
	_, err = srpJS(t, e, in)
	if je, ok := err.(*jsError); !ok || je.stderr != "NotAuthorizedException: Incorrect username or password.\n" {
		t.Errorf("wrong password: %v", err)
	}
}

func mapsEqual(a, b map[string]any) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}
