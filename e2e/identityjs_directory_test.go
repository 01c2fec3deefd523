package e2e

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os/exec"
	"strings"
	"testing"
	"time"

	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/google/go-cmp/cmp"
)

// runDialog runs a client script that talks in JSON lines: input is its
// first line of stdin; each {"need": purpose, "to": address} it prints is
// answered with answer(purpose, address) on the next line; every other line
// it prints is returned, in order. The script fails the test when it exits
// with an error.
func runDialog(t *testing.T, cmd *exec.Cmd, input any, answer func(purpose, to string) string) []map[string]any {
	t.Helper()
	script := strings.Join(cmd.Args, " ")
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	defer close(done)
	go func() {
		select {
		case <-done:
		case <-time.After(60 * time.Second):
			_ = cmd.Process.Kill()
		}
	}()
	line, _ := json.Marshal(input)
	fmt.Fprintf(stdin, "%s\n", line)
	var out []map[string]any
	sc := bufio.NewScanner(stdout)
	for sc.Scan() {
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatalf("%s printed %q: %v", script, sc.Text(), err)
		}
		if need, ok := m["need"].(string); ok {
			fmt.Fprintf(stdin, "%s\n", answer(need, m["to"].(string)))
			continue
		}
		out = append(out, m)
	}
	_ = stdin.Close()
	_, _ = io.Copy(io.Discard, stdout)
	if err := cmd.Wait(); err != nil {
		t.Fatalf("%s: %v: %s\noutput: %v", script, err, stderr.String(), out)
	}
	return out
}

// TestJSIdentityDirectory: amazon-cognito-identity-js signs a user up,
// confirms it, signs in with USER_PASSWORD_AUTH and SRP, changes and
// verifies its email, changes its password and resets it, with the codes
// read from the SMTP server as the library's callbacks ask for them.
func TestJSIdentityDirectory(t *testing.T) {
	e := newSDKEnv(t)
	pool := e.emailVerifyPool()
	client := *e.client(pool, func(in *cip.CreateUserPoolClientInput) {
		in.ExplicitAuthFlows = []types.ExplicitAuthFlowsType{types.ExplicitAuthFlowsTypeAllowUserPasswordAuth,
			types.ExplicitAuthFlowsTypeAllowUserSrpAuth, types.ExplicitAuthFlowsTypeAllowRefreshTokenAuth}
	}).ClientId
	input := map[string]string{"endpoint": e.URL + "/", "userPoolId": pool, "clientId": client, "username": "kim",
		"password": "First#Pass1", "email": "kim@example.com", "newEmail": "kim@example.org",
		"newPassword": "Second#Pass2", "resetPassword": "Third#Pass3"}
	// Which message to each address carries the code asked for: updating
	// the email sends the first code to the new address, the explicit
	// request the second, the reset the third.
	nth := map[string]int{"signup": 1, "verify": 2, "forgot": 3}
	cmd := exec.Command("node", "directory.mjs")
	cmd.Dir = jsDir(t)
	steps := runDialog(t, cmd, input, func(purpose, to string) string {
		return e.code(to, nth[purpose])
	})

	got := map[string]map[string]any{}
	var order []string
	for _, s := range steps {
		if msg, ok := s["error"]; ok && s["step"] == nil {
			t.Fatalf("identity-js failed after %v: %v", order, msg)
		}
		name := s["step"].(string)
		delete(s, "step")
		order = append(order, name)
		got[name] = s
	}
	sub, _ := got["signUp"]["userSub"].(string)
	if !uuidPattern.MatchString(sub) {
		t.Errorf("userSub = %q", sub)
	}
	delete(got["signUp"], "userSub")
	want := map[string]map[string]any{
		"signUp":                       {"userConfirmed": false, "destination": "k***@e***"},
		"confirmRegistration":          {"result": "SUCCESS"},
		"signInPassword":               {"username": "kim", "email": "kim@example.com", "emailVerified": true, "groups": []any{}},
		"signInSRP":                    {"username": "kim", "email": "kim@example.com", "emailVerified": true, "groups": []any{}},
		"updateAttributes":             {"result": "SUCCESS", "deliveries": 1.0},
		"getAttributeVerificationCode": {"destination": "k***@e***"},
		"verifyAttribute":              {"result": "SUCCESS"},
		"getUserAttributes": {"attributes": map[string]any{"sub": sub, "email": "kim@example.org", "email_verified": "true",
			"given_name": "Kim"}},
		"changePassword":   {"result": "SUCCESS"},
		"forgotPassword":   {"destination": "k***@e***"},
		"confirmPassword":  {"result": "SUCCESS"},
		"signInAfterReset": {"username": "kim", "email": "kim@example.org", "emailVerified": true, "groups": []any{}},
		"oldPassword":      {"error": "NotAuthorizedException: Incorrect username or password."},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("identity-js steps (-want +got):\n%s", diff)
	}
	if len(order) != len(want) {
		t.Errorf("steps %v", order)
	}
}
