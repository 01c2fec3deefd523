package e2e

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/ninshou/ninshou/internal/idp/oidcrp"
)

// loginRun is a running `ninshou login`: its answers go to stdin as it
// asks for them, its prompts come on stderr.
type loginRun struct {
	t      *testing.T
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	prompt *bufio.Reader
	stdout bytes.Buffer
}

func startLogin(t *testing.T, args ...string) *loginRun {
	t.Helper()
	cmd := exec.Command(binary(t), append([]string{"login"}, args...)...)
	cmd.Env = cleanEnv()
	r := &loginRun{t: t, cmd: cmd}
	var err error
	if r.stdin, err = cmd.StdinPipe(); err != nil {
		t.Fatal(err)
	}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	r.prompt = bufio.NewReader(stderr)
	cmd.Stdout = &r.stdout
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	return r
}

// answer waits for a prompt ending in question, then answers it.
func (r *loginRun) answer(question, value string) {
	r.t.Helper()
	var seen strings.Builder
	deadline := time.Now().Add(10 * time.Second)
	for !strings.HasSuffix(seen.String(), question) {
		b, err := r.prompt.ReadByte()
		if err != nil || time.Now().After(deadline) {
			r.t.Fatalf("ninshou login never asked %q; it said:\n%s", question, seen.String())
		}
		seen.WriteByte(b)
	}
	if _, err := io.WriteString(r.stdin, value+"\n"); err != nil {
		r.t.Fatal(err)
	}
}

// result waits for the command and returns the tokens it printed.
func (r *loginRun) result() map[string]any {
	r.t.Helper()
	rest, _ := io.ReadAll(r.prompt)
	if err := r.cmd.Wait(); err != nil {
		r.t.Fatalf("ninshou login: %v\n%s", err, rest)
	}
	var out struct{ AuthenticationResult map[string]any }
	if err := json.Unmarshal(r.stdout.Bytes(), &out); err != nil || out.AuthenticationResult == nil {
		r.t.Fatalf("ninshou login printed %q: %v", r.stdout.String(), err)
	}
	return out.AuthenticationResult
}

// TestLoginCommand walks the brief's founding scenario with `ninshou
// login`, as a person at a terminal would: the temporary password, a new
// password when asked, the code emailed for EMAIL_OTP when asked; it
// prints the tokens as the AWS CLI prints InitiateAuth's answer. Then SRP
// with a confidential client's secret, and setting up an authenticator app.
func TestLoginCommand(t *testing.T) {
	e := newSDKEnv(t)
	pool := e.pool()
	e.emailMFA(pool, types.UserPoolMfaTypeOn)
	clientID := *e.client(pool).ClientId
	must[*cip.AdminCreateUserOutput](t, "AdminCreateUser")(e.c.AdminCreateUser(e.ctx, &cip.AdminCreateUserInput{UserPoolId: &pool,
		Username: aws.String("kim"), MessageAction: types.MessageActionTypeSuppress,
		UserAttributes: []types.AttributeType{{Name: aws.String("email"), Value: aws.String("kim@gmail.com")},
			{Name: aws.String("email_verified"), Value: aws.String("true")}}}))
	must[*cip.AdminSetUserPasswordOutput](t, "AdminSetUserPassword")(e.c.AdminSetUserPassword(e.ctx, &cip.AdminSetUserPasswordInput{
		UserPoolId: &pool, Username: aws.String("kim"), Password: aws.String("Temp#Pass1"), Permanent: false}))

	run := startLogin(t, "--endpoint", e.URL, "--client-id", clientID, "--username", "kim")
	run.answer("Password: ", "Temp#Pass1")
	run.answer("New password: ", "Perm#Pass1")
	run.answer("EMAIL_OTP code: ", e.code("kim@gmail.com", 1))
	res := run.result()
	if res["TokenType"] != "Bearer" || res["ExpiresIn"] != float64(3600) || res["RefreshToken"] == "" {
		t.Errorf("AuthenticationResult: %v", res)
	}
	claims, err := oidcrp.VerifyIDToken(res["IdToken"].(string), poolJWKS(t, e.server, pool),
		oidcrp.Check{Issuer: e.URL + "/" + pool, Audience: clientID, Now: time.Now()})
	if err != nil || claims["cognito:username"] != "kim" {
		t.Errorf("the ID token: %v %v", claims, err)
	}

	// SRP, with a confidential client's secret.
	secretClient := e.client(pool, func(in *cip.CreateUserPoolClientInput) {
		in.GenerateSecret = true
		in.ExplicitAuthFlows = []types.ExplicitAuthFlowsType{types.ExplicitAuthFlowsTypeAllowUserSrpAuth, types.ExplicitAuthFlowsTypeAllowRefreshTokenAuth}
	})
	run = startLogin(t, "--endpoint", e.URL, "--client-id", *secretClient.ClientId, "--client-secret", *secretClient.ClientSecret,
		"--flow", "USER_SRP_AUTH", "--pool-id", pool, "--username", "kim")
	run.answer("Password: ", "Perm#Pass1")
	run.answer("EMAIL_OTP code: ", e.code("kim@gmail.com", 2))
	if res := run.result(); res["AccessToken"] == "" {
		t.Errorf("SRP sign-in: %v", res)
	}

	// An authenticator app set up on the way (a pool that requires one).
	totpPool := e.pool()
	must[*cip.SetUserPoolMfaConfigOutput](t, "SetUserPoolMfaConfig")(e.c.SetUserPoolMfaConfig(e.ctx, &cip.SetUserPoolMfaConfigInput{
		UserPoolId: &totpPool, MfaConfiguration: types.UserPoolMfaTypeOn,
		SoftwareTokenMfaConfiguration: &types.SoftwareTokenMfaConfigType{Enabled: true}}))
	totpClient := *e.client(totpPool).ClientId
	e.user(totpPool, "kai", "kai@example.com", "Perm#Pass1")
	run = startLogin(t, "--endpoint", e.URL, "--client-id", totpClient, "--username", "kai")
	run.answer("Password: ", "Perm#Pass1")
	var said strings.Builder
	for !strings.Contains(said.String(), "Code from the app: ") {
		b, err := run.prompt.ReadByte()
		if err != nil {
			t.Fatalf("no set-up prompt; said:\n%s", said.String())
		}
		said.WriteByte(b)
	}
	key := strings.Fields(strings.SplitN(said.String(), "with this key: ", 2)[1])[0]
	io.WriteString(run.stdin, e.totpCode(key)+"\n")
	if res := run.result(); res["AccessToken"] == "" {
		t.Errorf("after setting up the app: %v", res)
	}
}
