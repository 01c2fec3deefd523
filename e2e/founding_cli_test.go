package e2e

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// awsCLI runs the installed AWS CLI against s, exactly as a user would.
type awsCLI struct {
	t   *testing.T
	url string
}

func (c awsCLI) cmd(args ...string) *exec.Cmd {
	full := append([]string{"cognito-idp"}, args...)
	full = append(full, "--endpoint-url", c.url, "--region", "us-east-1", "--output", "json")
	cmd := exec.Command("aws", full...)
	cmd.Env = append(os.Environ(),
		"AWS_ACCESS_KEY_ID=local", "AWS_SECRET_ACCESS_KEY=local", "AWS_SESSION_TOKEN=",
		"AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null", "AWS_PAGER=")
	return cmd
}

// run runs a command that must succeed and decodes its JSON output (nil for none).
func (c awsCLI) run(args ...string) map[string]any {
	c.t.Helper()
	var out, errb bytes.Buffer
	cmd := c.cmd(args...)
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		c.t.Fatalf("aws %s: %v\n%s", strings.Join(args, " "), err, errb.String())
	}
	if strings.TrimSpace(out.String()) == "" {
		return nil
	}
	var v map[string]any
	if err := json.Unmarshal(out.Bytes(), &v); err != nil {
		c.t.Fatalf("aws %s: output is not JSON: %v\n%s", args[0], err, out.String())
	}
	return v
}

// fail runs a command that must fail and returns what the CLI printed.
func (c awsCLI) fail(args ...string) string {
	c.t.Helper()
	var errb bytes.Buffer
	cmd := c.cmd(args...)
	cmd.Stderr = &errb
	if err := cmd.Run(); err == nil {
		c.t.Fatalf("aws %s succeeded; want an error", args[0])
	}
	return strings.TrimSpace(errb.String())
}

func keys(m map[string]any) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return sortStrings(out)
}

// TestFoundingScenarioAWSCLI is the founding scenario of the brief, driven by
// the installed AWS CLI: an admin sets a temporary password, the user signs
// in, changes it (NEW_PASSWORD_REQUIRED), answers email MFA (EMAIL_OTP) with
// the code read from a real SMTP listener, and receives tokens.
func TestFoundingScenarioAWSCLI(t *testing.T) {
	if _, err := exec.LookPath("aws"); err != nil {
		t.Fatal("the AWS CLI must be installed for this test (pip install awscli)")
	}
	s := startServer(t)
	aws := awsCLI{t: t, url: s.URL}

	pool := aws.run("create-user-pool", "--pool-name", "founding")["UserPool"].(map[string]any)
	poolID := pool["Id"].(string)
	aws.run("set-user-pool-mfa-config", "--user-pool-id", poolID, "--mfa-configuration", "ON",
		"--email-mfa-configuration", `{"Message":"Your sign-in code is {####}","Subject":"Your sign-in code"}`)
	client := aws.run("create-user-pool-client", "--user-pool-id", poolID, "--client-name", "web",
		"--explicit-auth-flows", "ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH")["UserPoolClient"].(map[string]any)
	clientID := client["ClientId"].(string)
	const user = "kim@gmail.com"
	aws.run("admin-create-user", "--user-pool-id", poolID, "--username", user, "--message-action", "SUPPRESS",
		"--user-attributes", "Name=email,Value="+user, "Name=email_verified,Value=true")

	// 1. A temporary password.
	if out := aws.run("admin-set-user-password", "--user-pool-id", poolID, "--username", user, "--password", "Temp#Pass1"); out != nil {
		t.Errorf("admin-set-user-password printed %v; want nothing", out)
	}
	status := func() string {
		return aws.run("admin-get-user", "--user-pool-id", poolID, "--username", user)["UserStatus"].(string)
	}
	if got := status(); got != "FORCE_CHANGE_PASSWORD" {
		t.Fatalf("status after temporary password = %s", got)
	}

	// 2. Sign in with it: NEW_PASSWORD_REQUIRED.
	first := aws.run("initiate-auth", "--auth-flow", "USER_PASSWORD_AUTH", "--client-id", clientID,
		"--auth-parameters", "USERNAME="+user+",PASSWORD=Temp#Pass1")
	if diff := cmp.Diff([]string{"ChallengeName", "ChallengeParameters", "Session"}, keys(first)); diff != "" {
		t.Fatalf("initiate-auth members (-want +got):\n%s", diff)
	}
	if first["ChallengeName"] != "NEW_PASSWORD_REQUIRED" {
		t.Fatalf("ChallengeName = %v", first["ChallengeName"])
	}
	params := first["ChallengeParameters"].(map[string]any)
	var attrs map[string]string
	if err := json.Unmarshal([]byte(params["userAttributes"].(string)), &attrs); err != nil {
		t.Fatalf("userAttributes is not a JSON object string: %v", err)
	}
	if diff := cmp.Diff(map[string]string{"email": user, "email_verified": "true"}, attrs); diff != "" {
		t.Errorf("userAttributes (-want +got):\n%s", diff)
	}
	delete(params, "userAttributes")
	if diff := cmp.Diff(map[string]any{"USER_ID_FOR_SRP": user, "requiredAttributes": "[]"}, params); diff != "" {
		t.Errorf("ChallengeParameters (-want +got):\n%s", diff)
	}

	// 3. Answer it: the password changes, then MFA by email.
	second := aws.run("respond-to-auth-challenge", "--challenge-name", "NEW_PASSWORD_REQUIRED", "--client-id", clientID,
		"--session", first["Session"].(string), "--challenge-responses", "USERNAME="+user+",NEW_PASSWORD=N3w#Password")
	want := map[string]any{
		"ChallengeName": "EMAIL_OTP",
		"ChallengeParameters": map[string]any{
			"CODE_DELIVERY_DELIVERY_MEDIUM": "EMAIL",
			"CODE_DELIVERY_DESTINATION":     "k***@g***",
		},
	}
	session2, _ := second["Session"].(string)
	delete(second, "Session")
	if diff := cmp.Diff(want, second); diff != "" {
		t.Fatalf("respond NEW_PASSWORD_REQUIRED (-want +got):\n%s", diff)
	}
	if session2 == "" || session2 == first["Session"] {
		t.Fatalf("EMAIL_OTP must come with a new Session, got %q", session2)
	}
	if got := status(); got != "CONFIRMED" {
		t.Errorf("status after the new password = %s; want CONFIRMED", got)
	}
	mail := s.mailTo(t, user, 1)
	if mail.Subject != "Your sign-in code" {
		t.Errorf("email subject = %q", mail.Subject)
	}
	code := codeIn(t, mail)

	// A wrong code first: CodeMismatchException, and the session stays usable.
	wrong := "000000"
	if wrong == code {
		wrong = "111111"
	}
	msg := aws.fail("respond-to-auth-challenge", "--challenge-name", "EMAIL_OTP", "--client-id", clientID,
		"--session", session2, "--challenge-responses", "USERNAME="+user+",EMAIL_OTP_CODE="+wrong)
	if !strings.Contains(msg, "An error occurred (CodeMismatchException) when calling the RespondToAuthChallenge operation: Invalid code or auth state for the user.") {
		t.Errorf("wrong code: %s", msg)
	}

	// 4. The right code: tokens.
	third := aws.run("respond-to-auth-challenge", "--challenge-name", "EMAIL_OTP", "--client-id", clientID,
		"--session", session2, "--challenge-responses", "USERNAME="+user+",EMAIL_OTP_CODE="+code)
	if diff := cmp.Diff([]string{"AuthenticationResult", "ChallengeParameters"}, keys(third)); diff != "" {
		t.Fatalf("final response members (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(map[string]any{}, third["ChallengeParameters"]); diff != "" {
		t.Errorf("ChallengeParameters must be empty: %s", diff)
	}
	res := third["AuthenticationResult"].(map[string]any)
	if diff := cmp.Diff([]string{"AccessToken", "ExpiresIn", "IdToken", "RefreshToken", "TokenType"}, keys(res)); diff != "" {
		t.Fatalf("AuthenticationResult members (-want +got):\n%s", diff)
	}
	if res["ExpiresIn"] != float64(3600) || res["TokenType"] != "Bearer" {
		t.Errorf("ExpiresIn = %v, TokenType = %v", res["ExpiresIn"], res["TokenType"])
	}
	claims := verifyJWT(t, s, poolID, res["IdToken"].(string))
	if claims["token_use"] != "id" || claims["email"] != user || claims["email_verified"] != true || claims["aud"] != clientID {
		t.Errorf("ID token claims: %v", claims)
	}
	access := verifyJWT(t, s, poolID, res["AccessToken"].(string))
	if access["token_use"] != "access" || access["client_id"] != clientID || access["username"] != user {
		t.Errorf("access token claims: %v", access)
	}
	me := aws.run("get-user", "--access-token", res["AccessToken"].(string))
	if me["Username"] != user {
		t.Errorf("get-user: %v", me)
	}

	// The session was single-use.
	msg = aws.fail("respond-to-auth-challenge", "--challenge-name", "EMAIL_OTP", "--client-id", clientID,
		"--session", session2, "--challenge-responses", "USERNAME="+user+",EMAIL_OTP_CODE="+code)
	if !strings.Contains(msg, "(NotAuthorizedException) when calling the RespondToAuthChallenge operation: Invalid session for the user, session can only be used once.") {
		t.Errorf("replayed session: %s", msg)
	}
}
