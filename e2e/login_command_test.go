package e2e

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/google/go-cmp/cmp"

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

// answer waits for a prompt ending in question, then answers it; it
// returns what the command said up to the prompt.
func (r *loginRun) answer(question, value string) string {
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
	return seen.String()
}

// fails waits for the command to end with exit status 1 and returns the
// rest of what it said.
func (r *loginRun) fails() string {
	r.t.Helper()
	rest, _ := io.ReadAll(r.prompt)
	var exit *exec.ExitError
	if err := r.cmd.Wait(); !errors.As(err, &exit) || exit.ExitCode() != 1 {
		r.t.Fatalf("ninshou login: %v, want exit status 1; stdout %q; it said:\n%s", err, r.stdout.String(), rest)
	}
	if r.stdout.Len() != 0 {
		r.t.Errorf("stdout = %q; want nothing", r.stdout.String())
	}
	return string(rest)
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
	// A wrong first code is asked again, as the session allows.
	io.WriteString(run.stdin, otherCode(e.totpCode(key))+"\n")
	run.answer("Code from the app: ", e.totpCode(key))
	if res := run.result(); res["AccessToken"] == "" {
		t.Errorf("after setting up the app: %v", res)
	}
}

// TestLoginCommandUserAuth: choice-based sign-in (--flow USER_AUTH). A
// preferred EMAIL_OTP goes straight to the code, read from the outbox; a
// wrong code is asked again in the same session. Without a preference the
// factors offered (AvailableChallenges) are asked: a factor not offered is
// refused before anything is sent, then EMAIL_OTP, PASSWORD or
// PASSWORD_SRP signs in as chosen.
func TestLoginCommandUserAuth(t *testing.T) {
	e, poolID, clientID := userAuthEnv(t)
	login := func(args ...string) *loginRun {
		return startLogin(t, append([]string{"--endpoint", e.URL, "--client-id", clientID, "--flow", "USER_AUTH", "--username", "kim"}, args...)...)
	}
	// otp is the 8-digit code of the n-th message to kim, waited for.
	otp := func(n int) string {
		t.Helper()
		m := eightDigits.FindStringSubmatch(e.mailTo(t, "kim@example.com", n).Body)
		if m == nil {
			t.Fatalf("no 8-digit code in message %d", n)
		}
		return m[1]
	}
	signedIn := func(run *loginRun) {
		t.Helper()
		res := run.result()
		claims, err := oidcrp.VerifyIDToken(res["IdToken"].(string), poolJWKS(t, e.server, poolID),
			oidcrp.Check{Issuer: e.URL + "/" + poolID, Audience: clientID, Now: time.Now()})
		if err != nil || claims["cognito:username"] != "kim" {
			t.Errorf("the ID token: %v %v", claims, err)
		}
	}

	t.Run("preferred EMAIL_OTP, a wrong code, then the right one", func(t *testing.T) {
		run := login("--preferred-challenge", "EMAIL_OTP")
		said := run.answer("EMAIL_OTP code: ", "00000000")
		if !strings.Contains(said, "A code was sent to k***@e***.") || strings.Contains(said, "Password") {
			t.Errorf("before the code it said:\n%s", said)
		}
		said = run.answer("EMAIL_OTP code: ", otp(1))
		if said != "Invalid code or auth state for the user.\nEMAIL_OTP code: " {
			t.Errorf("after a wrong code it said %q", said)
		}
		signedIn(run)
	})
	t.Run("SELECT_CHALLENGE EMAIL_OTP after a factor not offered", func(t *testing.T) {
		run := login()
		run.answer("Choose how to sign in (PASSWORD, PASSWORD_SRP, EMAIL_OTP): ", "SMS_OTP")
		said := run.answer("Choose how to sign in (PASSWORD, PASSWORD_SRP, EMAIL_OTP): ", "email_otp")
		if !strings.HasPrefix(said, `"SMS_OTP" is not offered; choose one of PASSWORD, PASSWORD_SRP, EMAIL_OTP.`) {
			t.Errorf("after SMS_OTP it said %q", said)
		}
		run.answer("EMAIL_OTP code: ", otp(2))
		signedIn(run)
	})
	t.Run("SELECT_CHALLENGE PASSWORD", func(t *testing.T) {
		run := login()
		run.answer("Choose how to sign in (PASSWORD, PASSWORD_SRP, EMAIL_OTP): ", "PASSWORD")
		run.answer("Password: ", "Perm#Pass1")
		signedIn(run)
	})
	t.Run("SELECT_CHALLENGE PASSWORD_SRP", func(t *testing.T) {
		run := login("--pool-id", poolID)
		run.answer("Choose how to sign in (PASSWORD, PASSWORD_SRP, EMAIL_OTP): ", "PASSWORD_SRP")
		run.answer("Password: ", "Perm#Pass1")
		signedIn(run)
	})
	t.Run("preferred PASSWORD_SRP", func(t *testing.T) {
		run := login("--pool-id", poolID, "--preferred-challenge", "PASSWORD_SRP")
		run.answer("Password: ", "Perm#Pass1")
		signedIn(run)
	})
}

// TestLoginCommandWebAuthnOffered: a passkey cannot be used on a terminal;
// choosing WEB_AUTHN says so and asks again. An unknown name (with
// PreventUserExistenceErrors) is offered it and fails like a wrong
// password, which ends the sign-in with Cognito's message.
func TestLoginCommandWebAuthnOffered(t *testing.T) {
	e := newSDKEnv(t)
	poolID := e.pool(func(in *cip.CreateUserPoolInput) {
		in.Policies = &types.UserPoolPolicyType{SignInPolicy: &types.SignInPolicyType{
			AllowedFirstAuthFactors: []types.AuthFactorType{"PASSWORD", "EMAIL_OTP", "WEB_AUTHN"}}}
	})
	must[*cip.SetUserPoolMfaConfigOutput](t, "SetUserPoolMfaConfig")(e.c.SetUserPoolMfaConfig(e.ctx, &cip.SetUserPoolMfaConfigInput{
		UserPoolId: aws.String(poolID), WebAuthnConfiguration: &types.WebAuthnConfigurationType{RelyingPartyId: aws.String("localhost")}}))
	clientID := *e.client(poolID, func(in *cip.CreateUserPoolClientInput) {
		in.ExplicitAuthFlows = []types.ExplicitAuthFlowsType{types.ExplicitAuthFlowsTypeAllowUserAuth}
		in.PreventUserExistenceErrors = types.PreventUserExistenceErrorTypesEnabled
	}).ClientId
	var name string
	var offered []types.ChallengeNameType
	for i := 0; name == ""; i++ {
		if i == 24 {
			t.Fatal("no unknown name was offered WEB_AUTHN")
		}
		n := fmt.Sprintf("ghost%02d@example.com", i)
		offered = e.userAuth(clientID, map[string]string{"USERNAME": n}).AvailableChallenges
		if slices.Contains(offered, types.ChallengeNameTypeWebAuthn) {
			name = n
		}
	}
	choices := fmt.Sprintf("Choose how to sign in (%s): ", strings.Trim(strings.Join(strings.Fields(fmt.Sprint(offered)), ", "), "[]"))
	run := startLogin(t, "--endpoint", e.URL, "--client-id", clientID, "--flow", "USER_AUTH", "--username", name)
	run.answer(choices, "WEB_AUTHN")
	said := run.answer(choices, "PASSWORD")
	if !strings.HasPrefix(said, "WEB_AUTHN (a passkey) needs a browser or a security key's platform API; ninshou login cannot use it on a terminal; choose another factor.\n") {
		t.Errorf("after WEB_AUTHN it said %q", said)
	}
	run.answer("Password: ", "Any#Pass1")
	if rest := run.fails(); rest != "ninshou login: NotAuthorizedException: Incorrect username or password.\n" {
		t.Errorf("it ended with %q", rest)
	}
}

// TestLoginCommandErrors: an API error ends the sign-in with the exception
// and Cognito's message (not the SDK's operation error); a wrong password is
// not asked again; wrong codes are, until the session is spent.
func TestLoginCommandErrors(t *testing.T) {
	e := newSDKEnv(t)
	pool := e.pool()
	e.emailMFA(pool, types.UserPoolMfaTypeOn)
	clientID := *e.client(pool).ClientId
	e.user(pool, "kim", "kim@gmail.com", "Perm#Pass1")

	run := startLogin(t, "--endpoint", e.URL, "--client-id", clientID, "--username", "kim")
	run.answer("Password: ", "Wrong#Pass1")
	if rest := run.fails(); rest != "ninshou login: NotAuthorizedException: Incorrect username or password.\n" {
		t.Errorf("a wrong password: it ended with %q", rest)
	}

	// The pool takes five wrong codes in one session (maxCodeAttempts).
	run = startLogin(t, "--endpoint", e.URL, "--client-id", clientID, "--username", "kim")
	run.answer("Password: ", "Perm#Pass1")
	run.answer("EMAIL_OTP code: ", "000000")
	for range 5 {
		if said := run.answer("EMAIL_OTP code: ", "000000"); said != "Invalid code or auth state for the user.\nEMAIL_OTP code: " {
			t.Fatalf("after a wrong code it said %q", said)
		}
	}
	if rest := run.fails(); rest != "ninshou login: NotAuthorizedException: Invalid session for the user.\n" {
		t.Errorf("a spent session: it ended with %q", rest)
	}
}

// TestLoginCommandOutput: the tokens are printed as the AWS CLI prints
// InitiateAuth's answer, members in the model's order, NewDeviceMetadata
// included when the pool tracks devices.
func TestLoginCommandOutput(t *testing.T) {
	e := newSDKEnv(t)
	_, clientID := e.devicePool(&types.DeviceConfigurationType{DeviceOnlyRememberedOnUserPrompt: true})
	run := startLogin(t, "--endpoint", e.URL, "--client-id", clientID, "--username", "kim")
	run.answer("Password: ", "Perm#Pass1")
	run.answer("EMAIL_OTP code: ", e.code("kim@example.com", 1))
	res := run.result()
	md, _ := res["NewDeviceMetadata"].(map[string]any)
	if md["DeviceKey"] == nil || md["DeviceGroupKey"] == nil {
		t.Errorf("NewDeviceMetadata = %v", res["NewDeviceMetadata"])
	}
	want := []string{"ChallengeParameters", "AuthenticationResult", "AccessToken", "ExpiresIn", "TokenType",
		"RefreshToken", "IdToken", "NewDeviceMetadata", "DeviceKey", "DeviceGroupKey"}
	if got := jsonKeys(t, run.stdout.Bytes()); !cmp.Equal(got, want) {
		t.Errorf("keys printed: %v\nwant %v", got, want)
	}
	if !strings.HasPrefix(run.stdout.String(), "{\n    \"ChallengeParameters\": {},\n    \"AuthenticationResult\": {\n        \"AccessToken\": ") {
		t.Errorf("printed:\n%s", run.stdout.String())
	}
}

// jsonKeys lists a JSON document's object keys in the order written.
func jsonKeys(t *testing.T, doc []byte) []string {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(doc))
	var keys []string
	// In an object a string token is a key when the previous token was
	// not one (its value is then the next token).
	var inObject []bool
	expectKey := false
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			return keys
		}
		if err != nil {
			t.Fatalf("%v in %s", err, doc)
		}
		switch v := tok.(type) {
		case json.Delim:
			switch v {
			case '{':
				inObject = append(inObject, true)
				expectKey = true
				continue
			case '[':
				inObject = append(inObject, false)
			case '}', ']':
				inObject = inObject[:len(inObject)-1]
			}
		case string:
			if expectKey {
				keys = append(keys, v)
				expectKey = false
				continue
			}
		}
		expectKey = len(inObject) > 0 && inObject[len(inObject)-1]
	}
}

// TestLoginCommandHelp: -h lists the command's flags in a stable (sorted)
// order.
func TestLoginCommandHelp(t *testing.T) {
	cmd := exec.Command(binary(t), "login", "-h")
	cmd.Env = cleanEnv()
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("ninshou login -h: %v", err)
	}
	var flags []string
	for _, line := range strings.Split(string(out), "\n") {
		if name, ok := strings.CutPrefix(line, "  --"); ok {
			flags = append(flags, name)
		}
	}
	want := []string{"client-id", "client-secret", "endpoint", "flow", "pool-id", "preferred-challenge", "username"}
	if !cmp.Equal(flags, want) {
		t.Errorf("flags listed: %v; want %v", flags, want)
	}
}

// TestLoginCommandSelectMFAType: a factor not offered by SELECT_MFA_TYPE is
// refused before anything is sent, and a wrong authenticator code is asked
// again in the same session.
func TestLoginCommandSelectMFAType(t *testing.T) {
	e := newSDKEnv(t)
	poolID := e.mfaPool(types.UserPoolMfaTypeOptional, true, true)
	clientID := *e.client(poolID).ClientId
	must[*cip.AdminCreateUserOutput](t, "AdminCreateUser")(e.c.AdminCreateUser(e.ctx, &cip.AdminCreateUserInput{UserPoolId: &poolID,
		Username: aws.String("kim"), MessageAction: types.MessageActionTypeSuppress,
		UserAttributes: []types.AttributeType{{Name: aws.String("phone_number"), Value: aws.String("+14155550123")}}}))
	e.setPassword(poolID, "kim", "Perm#Pass1", true)
	secret := e.enrolTOTP(*e.tokens(clientID, "kim", "Perm#Pass1").AccessToken)
	must[*cip.AdminSetUserMFAPreferenceOutput](t, "AdminSetUserMFAPreference")(e.c.AdminSetUserMFAPreference(e.ctx,
		&cip.AdminSetUserMFAPreferenceInput{UserPoolId: &poolID, Username: aws.String("kim"),
			SMSMfaSettings: &types.SMSMfaSettingsType{Enabled: true}, SoftwareTokenMfaSettings: &types.SoftwareTokenMfaSettingsType{Enabled: true}}))
	e.nextStep()

	run := startLogin(t, "--endpoint", e.URL, "--client-id", clientID, "--username", "kim")
	run.answer("Password: ", "Perm#Pass1")
	run.answer("Choose a factor (SMS_MFA, SOFTWARE_TOKEN_MFA): ", "EMAIL_OTP")
	said := run.answer("Choose a factor (SMS_MFA, SOFTWARE_TOKEN_MFA): ", "SOFTWARE_TOKEN_MFA")
	if said != "\"EMAIL_OTP\" is not offered; choose one of SMS_MFA, SOFTWARE_TOKEN_MFA.\nChoose a factor (SMS_MFA, SOFTWARE_TOKEN_MFA): " {
		t.Errorf("after EMAIL_OTP it said %q", said)
	}
	run.answer("SOFTWARE_TOKEN_MFA code: ", "000000")
	said = run.answer("SOFTWARE_TOKEN_MFA code: ", e.totpCode(secret))
	if said != "Invalid code or auth state for the user.\nSOFTWARE_TOKEN_MFA code: " {
		t.Errorf("after a wrong code it said %q", said)
	}
	if res := run.result(); res["AccessToken"] == "" {
		t.Errorf("after SELECT_MFA_TYPE: %v", res)
	}
}
