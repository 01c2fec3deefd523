package e2e

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os/exec"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
)

// amazon-cognito-identity-js through its MFA callbacks and its device flow
// (e2e/js/identityjs-flow.mjs). Codes come from the outbox and reach the
// script on its stdin when it asks for them.

// jsEvent is one line a flow script printed.
type jsEvent map[string]any

func (ev jsEvent) str(k string) string { s, _ := ev[k].(string); return s }

// runFlow runs a flow script in e2e/js: it writes input as the first line,
// then answers every event but "success" with answer's reply. It returns
// the events in order, or the script's stderr as an error.
func runFlow(t *testing.T, script string, input any, answer func(jsEvent) any) ([]jsEvent, error) {
	t.Helper()
	cmd := exec.Command("node", script)
	cmd.Dir = jsDir(t)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	timer := time.AfterFunc(60*time.Second, func() { cmd.Process.Kill() })
	defer timer.Stop()
	send := func(v any) {
		b, _ := json.Marshal(v)
		stdin.Write(append(b, '\n'))
	}
	send(input)
	var events []jsEvent
	sc := bufio.NewScanner(stdout)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var ev jsEvent
		if err := json.Unmarshal(sc.Bytes(), &ev); err != nil {
			t.Fatalf("%s printed %q", script, sc.Bytes())
		}
		events = append(events, ev)
		if ev.str("event") != "success" && ev.str("event") != "mfaSetup" {
			send(answer(ev))
		}
	}
	io.Copy(io.Discard, stdout)
	stdin.Close()
	if err := cmd.Wait(); err != nil {
		return events, &jsError{err: err, stderr: stderr.String()}
	}
	return events, nil
}

// jsSignIn is the script input for user kim.
func (e *sdkEnv) jsSignIn(poolID, clientID string, extra map[string]any) map[string]any {
	in := map[string]any{"endpoint": e.URL + "/", "userPoolId": poolID, "clientId": clientID, "username": "kim", "password": "Perm#Pass1"}
	for k, v := range extra {
		in[k] = v
	}
	return in
}

// lastCode is the 6-digit code of the newest message to addr in the outbox.
func (e *sdkEnv) lastCode(addr string) string {
	e.t.Helper()
	msgs := outbox(e.t, e.server, addr)
	if len(msgs) == 0 {
		e.t.Fatalf("no message to %s", addr)
	}
	m := sixDigits.FindStringSubmatch(msgs[len(msgs)-1].Body)
	if m == nil {
		e.t.Fatalf("no code in %q", msgs[len(msgs)-1].Body)
	}
	return m[1]
}

// eventNames lists the events of a run.
func eventNames(events []jsEvent) []string {
	var out []string
	for _, ev := range events {
		out = append(out, ev.str("event"))
	}
	return out
}

func wantEvents(t *testing.T, events []jsEvent, err error, want ...string) {
	t.Helper()
	if err != nil {
		t.Fatalf("script failed after %v: %v", eventNames(events), err)
	}
	got := eventNames(events)
	if len(got) != len(want) {
		t.Fatalf("events %v; want %v", got, want)
	}
	for i := range got {
		if got[i] != want[i] {
			t.Fatalf("events %v; want %v", got, want)
		}
	}
}

// smsUser creates kim with a phone number (and an email) and a permanent password.
func (e *sdkEnv) smsUser(poolID string) {
	e.t.Helper()
	_, err := e.c.AdminCreateUser(e.ctx, &cip.AdminCreateUserInput{UserPoolId: aws.String(poolID), Username: aws.String("kim"),
		MessageAction: types.MessageActionTypeSuppress, UserAttributes: []types.AttributeType{
			{Name: aws.String("phone_number"), Value: aws.String("+14155550123")},
			{Name: aws.String("email"), Value: aws.String("kim@example.com")}}})
	if err != nil {
		e.t.Fatal(err)
	}
	e.setPassword(poolID, "kim", "Perm#Pass1", true)
}

var jsFlows = []types.ExplicitAuthFlowsType{types.ExplicitAuthFlowsTypeAllowUserSrpAuth,
	types.ExplicitAuthFlowsTypeAllowUserPasswordAuth, types.ExplicitAuthFlowsTypeAllowRefreshTokenAuth}

func (e *sdkEnv) jsClient(poolID string) string {
	e.t.Helper()
	return *e.client(poolID, func(in *cip.CreateUserPoolClientInput) { in.ExplicitAuthFlows = jsFlows }).ClientId
}

// TestJSIdentitySMSMFA: mfaRequired, answered with sendMFACode, over SRP
// and over USER_PASSWORD_AUTH.
func TestJSIdentitySMSMFA(t *testing.T) {
	t.Parallel()
	e := newSDKEnv(t)
	poolID := e.mfaPool(types.UserPoolMfaTypeOn, false, true)
	clientID := e.jsClient(poolID)
	e.smsUser(poolID)
	for _, flow := range []string{"USER_SRP_AUTH", "USER_PASSWORD_AUTH"} {
		t.Run(flow, func(t *testing.T) {
			events, err := runFlow(t, "identityjs-flow.mjs", e.jsSignIn(poolID, clientID, map[string]any{"flow": flow}), func(ev jsEvent) any {
				if ev.str("challenge") != "SMS_MFA" {
					t.Errorf("mfaRequired for %q", ev.str("challenge"))
				}
				return map[string]string{"code": e.lastCode("+14155550123")}
			})
			wantEvents(t, events, err, "mfaRequired", "success")
			if p, _ := events[0]["params"].(map[string]any); p["CODE_DELIVERY_DESTINATION"] != "+*******0123" {
				t.Errorf("mfaRequired parameters = %v", p)
			}
			if events[1].str("username") != "kim" || events[1].str("tokenUse") != "access" {
				t.Errorf("success = %v", events[1])
			}
		})
	}
	t.Run("wrong code", func(t *testing.T) {
		_, err := runFlow(t, "identityjs-flow.mjs", e.jsSignIn(poolID, clientID, nil), func(jsEvent) any {
			return map[string]string{"code": otherCode(e.lastCode("+14155550123"))}
		})
		if je, ok := err.(*jsError); !ok || je.stderr != "CodeMismatchException: Invalid code or auth state for the user.\n" {
			t.Errorf("wrong code: %v", err)
		}
	})
}

// TestJSIdentityTOTP: totpRequired answered with sendMFACode
// (SOFTWARE_TOKEN_MFA), after mfaSetup enrolled the token through
// associateSoftwareToken and verifySoftwareToken.
func TestJSIdentityTOTP(t *testing.T) {
	t.Parallel()
	e := newSDKEnv(t)
	poolID := e.mfaPool(types.UserPoolMfaTypeOn, true, false)
	clientID := e.jsClient(poolID)
	e.user(poolID, "kim", "kim@example.com", "Perm#Pass1")
	var secret string
	events, err := runFlow(t, "identityjs-flow.mjs", e.jsSignIn(poolID, clientID, nil), func(ev jsEvent) any {
		secret = ev.str("secret")
		return map[string]string{"code": e.totpCode(secret)}
	})
	wantEvents(t, events, err, "mfaSetup", "associateSecretCode", "success")
	if p, _ := events[0]["params"].(map[string]any); p["MFAS_CAN_SETUP"] != `["SOFTWARE_TOKEN_MFA"]` {
		t.Errorf("mfaSetup parameters = %v", p)
	}
	e.nextStep() // the set-up used this step's code
	events, err = runFlow(t, "identityjs-flow.mjs", e.jsSignIn(poolID, clientID, nil), func(ev jsEvent) any {
		return map[string]string{"code": e.totpCode(secret)}
	})
	wantEvents(t, events, err, "totpRequired", "success")
	if p, _ := events[0]["params"].(map[string]any); p["FRIENDLY_DEVICE_NAME"] != "js authenticator" {
		t.Errorf("totpRequired parameters = %v", p)
	}
}

// TestJSIdentitySelectMFAType: selectMFAType answered with
// sendMFASelectionAnswer, for each factor.
func TestJSIdentitySelectMFAType(t *testing.T) {
	t.Parallel()
	e := newSDKEnv(t)
	poolID := e.mfaPool(types.UserPoolMfaTypeOptional, true, true)
	clientID := e.jsClient(poolID)
	e.smsUser(poolID)
	access := *e.tokens(*e.client(poolID).ClientId, "kim", "Perm#Pass1").AccessToken
	secret := e.enrolTOTP(access)
	must[*cip.AdminSetUserMFAPreferenceOutput](t, "AdminSetUserMFAPreference")(e.c.AdminSetUserMFAPreference(e.ctx,
		&cip.AdminSetUserMFAPreferenceInput{UserPoolId: aws.String(poolID), Username: aws.String("kim"),
			SMSMfaSettings: &types.SMSMfaSettingsType{Enabled: true}, SoftwareTokenMfaSettings: &types.SoftwareTokenMfaSettingsType{Enabled: true}}))
	for _, c := range []struct{ answer, then string }{{"SMS_MFA", "mfaRequired"}, {"SOFTWARE_TOKEN_MFA", "totpRequired"}} {
		t.Run(c.answer, func(t *testing.T) {
			e.nextStep()
			events, err := runFlow(t, "identityjs-flow.mjs", e.jsSignIn(poolID, clientID, nil), func(ev jsEvent) any {
				switch ev.str("event") {
				case "selectMFAType":
					return map[string]string{"answer": c.answer}
				case "mfaRequired":
					return map[string]string{"code": e.lastCode("+14155550123")}
				}
				return map[string]string{"code": e.totpCode(secret)}
			})
			wantEvents(t, events, err, "selectMFAType", c.then, "success")
			if p, _ := events[0]["params"].(map[string]any); p["MFAS_CAN_CHOOSE"] != `["SMS_MFA","SOFTWARE_TOKEN_MFA"]` {
				t.Errorf("selectMFAType parameters = %v", p)
			}
		})
	}
}

// TestJSIdentityRememberDevice: the library confirms the device a sign-in
// announced (ConfirmDevice with its own verifier) and keeps it; its next
// sign-in presents the device, which answers DEVICE_SRP_AUTH with the
// library's device SRP and skips MFA. With DeviceOnlyRememberedOnUserPrompt
// the library reports UserConfirmationNecessary and the script remembers
// the device with setDeviceStatusRemembered.
func TestJSIdentityRememberDevice(t *testing.T) {
	t.Parallel()
	for _, prompt := range []bool{false, true} {
		for _, flow := range []string{"USER_SRP_AUTH", "USER_PASSWORD_AUTH"} {
			t.Run(fmt.Sprintf("prompt=%v/%s", prompt, flow), func(t *testing.T) {
				e := newSDKEnv(t)
				poolID := e.pool(func(in *cip.CreateUserPoolInput) {
					in.DeviceConfiguration = &types.DeviceConfigurationType{ChallengeRequiredOnNewDevice: true, DeviceOnlyRememberedOnUserPrompt: prompt}
				})
				must[*cip.SetUserPoolMfaConfigOutput](t, "SetUserPoolMfaConfig")(e.c.SetUserPoolMfaConfig(e.ctx, &cip.SetUserPoolMfaConfigInput{
					UserPoolId: aws.String(poolID), MfaConfiguration: types.UserPoolMfaTypeOn,
					SmsMfaConfiguration: &types.SmsMfaConfigType{SmsConfiguration: &types.SmsConfigurationType{
						SnsCallerArn: aws.String("arn:aws:iam::123456789012:role/sns")}}}))
				clientID := e.jsClient(poolID)
				e.smsUser(poolID)
				events, err := runFlow(t, "identityjs-flow.mjs", e.jsSignIn(poolID, clientID, map[string]any{"signIns": 2, "rememberDevice": true, "flow": flow}),
					func(ev jsEvent) any { return map[string]string{"code": e.lastCode("+14155550123")} })
				wantEvents(t, events, err, "mfaRequired", "success", "success")
				first, second := events[1], events[2]
				key := first.str("rememberedDevice")
				if !deviceKeyPattern.MatchString(key) || first.str("deviceKey") != key || first["userConfirmationNecessary"] != prompt {
					t.Errorf("first sign-in = %v", first)
				}
				if second.str("deviceKey") != key || second.str("rememberedDevice") != key {
					t.Errorf("second sign-in = %v; want device %s", second, key)
				}
				l := must[*cip.AdminListDevicesOutput](t, "AdminListDevices")(e.c.AdminListDevices(e.ctx,
					&cip.AdminListDevicesInput{UserPoolId: aws.String(poolID), Username: aws.String("kim")}))
				if len(l.Devices) != 1 || *l.Devices[0].DeviceKey != key || deviceAttrs(&l.Devices[0])["dev:device_remembered_status"] != "remembered" {
					t.Errorf("AdminListDevices = %+v", l.Devices)
				}
			})
		}
	}
}
