package e2e

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/google/go-cmp/cmp"
)

// Amplify v6 (aws-amplify 6.22.1) in Node: signIn and confirmSignIn through
// every nextStep Ninshou's challenges produce (e2e/js/amplify-flow.mjs),
// ending in DONE and fetchAuthSession's tokens.

// amplify runs amplify-flow.mjs for kim and requires it to succeed with
// exactly the events want (the last being "success").
func (e *sdkEnv) amplify(t *testing.T, poolID, clientID string, extra map[string]any, answer func(jsEvent) string, want ...string) []jsEvent {
	t.Helper()
	events, err := runFlow(t, "amplify-flow.mjs", e.jsSignIn(poolID, clientID, extra), func(ev jsEvent) any {
		return map[string]string{"response": answer(ev)}
	})
	wantEvents(t, events, err, want...)
	last := events[len(events)-1]
	if last.str("username") != "kim" || last.str("tokenUse") != "access" || last.str("idTokenUse") != "id" {
		t.Errorf("fetchAuthSession = %v", last)
	}
	return events
}

func TestAmplifyNewPasswordRequired(t *testing.T) {
	t.Parallel()
	e := newSDKEnv(t)
	poolID := e.pool()
	clientID := e.jsClient(poolID)
	e.tempUser(poolID, "kim", "kim@example.com", "Temp#Pass1")
	for _, flow := range []string{"USER_SRP_AUTH", "USER_PASSWORD_AUTH"} {
		password := map[string]string{"USER_SRP_AUTH": "Temp#Pass1", "USER_PASSWORD_AUTH": "N3w#Password"}[flow]
		t.Run(flow, func(t *testing.T) {
			if flow == "USER_PASSWORD_AUTH" { // the password changed in the first run: make it temporary again
				e.setPassword(poolID, "kim", "Temp#Pass2", false)
				password = "Temp#Pass2"
			}
			e.amplify(t, poolID, clientID, map[string]any{"authFlowType": flow, "password": password},
				func(jsEvent) string { return "N3w#Password" },
				"CONFIRM_SIGN_IN_WITH_NEW_PASSWORD_REQUIRED", "success")
		})
	}
}

func TestAmplifyTOTP(t *testing.T) {
	t.Parallel()
	e := newSDKEnv(t)
	poolID := e.mfaPool(types.UserPoolMfaTypeOn, true, false)
	clientID := e.jsClient(poolID)
	e.user(poolID, "kim", "kim@example.com", "Perm#Pass1")
	var secret string
	e.amplify(t, poolID, clientID, nil, func(ev jsEvent) string {
		secret = ev.str("totpSecret")
		return e.totpCode(secret)
	}, "CONTINUE_SIGN_IN_WITH_TOTP_SETUP", "success")
	e.nextStep()
	e.amplify(t, poolID, clientID, nil, func(jsEvent) string { return e.totpCode(secret) },
		"CONFIRM_SIGN_IN_WITH_TOTP_CODE", "success")
}

func TestAmplifySMSCode(t *testing.T) {
	t.Parallel()
	e := newSDKEnv(t)
	poolID := e.mfaPool(types.UserPoolMfaTypeOn, false, true)
	clientID := e.jsClient(poolID)
	e.smsUser(poolID)
	events := e.amplify(t, poolID, clientID, nil, func(jsEvent) string { return e.lastCode("+14155550123") },
		"CONFIRM_SIGN_IN_WITH_SMS_CODE", "success")
	if events[0].str("destination") != "+*******0123" {
		t.Errorf("codeDeliveryDetails.destination = %q", events[0].str("destination"))
	}
}

func TestAmplifyEmailCode(t *testing.T) {
	t.Parallel()
	e := newSDKEnv(t)
	poolID := e.pool()
	e.emailMFA(poolID, types.UserPoolMfaTypeOn)
	clientID := e.jsClient(poolID)
	e.user(poolID, "kim", "kim@example.com", "Perm#Pass1")
	events := e.amplify(t, poolID, clientID, nil, func(jsEvent) string { return e.lastCode("kim@example.com") },
		"CONFIRM_SIGN_IN_WITH_EMAIL_CODE", "success")
	if events[0].str("destination") != "k***@e***" {
		t.Errorf("codeDeliveryDetails.destination = %q", events[0].str("destination"))
	}
}

// TestAmplifyEmailSetup: a user who must set up MFA and has no email
// chooses EMAIL (CONTINUE_SIGN_IN_WITH_MFA_SETUP_SELECTION), gives an
// address (CONTINUE_SIGN_IN_WITH_EMAIL_SETUP, which Amplify sends as
// MFA_SETUP's EMAIL) and answers the code sent there.
func TestAmplifyEmailSetup(t *testing.T) {
	t.Parallel()
	e := newSDKEnv(t)
	poolID := e.pool()
	must[*cip.SetUserPoolMfaConfigOutput](t, "SetUserPoolMfaConfig")(e.c.SetUserPoolMfaConfig(e.ctx, &cip.SetUserPoolMfaConfigInput{
		UserPoolId: aws.String(poolID), MfaConfiguration: types.UserPoolMfaTypeOn,
		SoftwareTokenMfaConfiguration: &types.SoftwareTokenMfaConfigType{Enabled: true},
		EmailMfaConfiguration:         &types.EmailMfaConfigType{}}))
	clientID := e.jsClient(poolID)
	must[*cip.AdminCreateUserOutput](t, "AdminCreateUser")(e.c.AdminCreateUser(e.ctx, &cip.AdminCreateUserInput{
		UserPoolId: aws.String(poolID), Username: aws.String("kim"), MessageAction: types.MessageActionTypeSuppress}))
	e.setPassword(poolID, "kim", "Perm#Pass1", true)
	events := e.amplify(t, poolID, clientID, nil, func(ev jsEvent) string {
		switch ev.str("event") {
		case "CONTINUE_SIGN_IN_WITH_MFA_SETUP_SELECTION":
			return "EMAIL"
		case "CONTINUE_SIGN_IN_WITH_EMAIL_SETUP":
			return "kim@example.com"
		}
		return e.lastCode("kim@example.com")
	}, "CONTINUE_SIGN_IN_WITH_MFA_SETUP_SELECTION", "CONTINUE_SIGN_IN_WITH_EMAIL_SETUP", "CONFIRM_SIGN_IN_WITH_EMAIL_CODE", "success")
	if events[2].str("destination") != "k***@e***" {
		t.Errorf("codeDeliveryDetails.destination = %q", events[2].str("destination"))
	}
	// The next sign-in asks for the email code at once.
	e.amplify(t, poolID, clientID, nil, func(jsEvent) string { return e.lastCode("kim@example.com") },
		"CONFIRM_SIGN_IN_WITH_EMAIL_CODE", "success")
}

func TestAmplifyMFASelection(t *testing.T) {
	t.Parallel()
	e := newSDKEnv(t)
	poolID := e.mfaPool(types.UserPoolMfaTypeOptional, true, true)
	clientID := e.jsClient(poolID)
	e.smsUser(poolID)
	secret := e.enrolTOTP(*e.tokens(*e.client(poolID).ClientId, "kim", "Perm#Pass1").AccessToken)
	must[*cip.AdminSetUserMFAPreferenceOutput](t, "AdminSetUserMFAPreference")(e.c.AdminSetUserMFAPreference(e.ctx,
		&cip.AdminSetUserMFAPreferenceInput{UserPoolId: aws.String(poolID), Username: aws.String("kim"),
			SMSMfaSettings: &types.SMSMfaSettingsType{Enabled: true}, SoftwareTokenMfaSettings: &types.SoftwareTokenMfaSettingsType{Enabled: true}}))
	for _, c := range []struct{ choice, then string }{{"SMS", "CONFIRM_SIGN_IN_WITH_SMS_CODE"}, {"TOTP", "CONFIRM_SIGN_IN_WITH_TOTP_CODE"}} {
		t.Run(c.choice, func(t *testing.T) {
			e.nextStep()
			events := e.amplify(t, poolID, clientID, nil, func(ev jsEvent) string {
				switch ev.str("event") {
				case "CONTINUE_SIGN_IN_WITH_MFA_SELECTION":
					return c.choice
				case "CONFIRM_SIGN_IN_WITH_SMS_CODE":
					return e.lastCode("+14155550123")
				}
				return e.totpCode(secret)
			}, "CONTINUE_SIGN_IN_WITH_MFA_SELECTION", c.then, "success")
			if got := events[0]["allowedMFATypes"]; !cmp.Equal(got, []any{"SMS", "TOTP"}) {
				t.Errorf("allowedMFATypes = %v", got)
			}
		})
	}
}

// TestAmplifyUserAuth: USER_AUTH without a preference asks for the first
// factor (CONTINUE_SIGN_IN_WITH_FIRST_FACTOR_SELECTION); each answer then
// walks its own steps. With a preferred challenge Amplify goes straight on.
func TestAmplifyUserAuth(t *testing.T) {
	t.Parallel()
	e, poolID, clientID := userAuthEnv(t)
	answer := func(ev jsEvent) string {
		switch ev.str("event") {
		case "CONTINUE_SIGN_IN_WITH_FIRST_FACTOR_SELECTION":
			if got := ev["availableChallenges"]; !cmp.Equal(got, []any{"PASSWORD", "PASSWORD_SRP", "EMAIL_OTP"}) {
				t.Errorf("availableChallenges = %v", got)
			}
			return ""
		case "CONFIRM_SIGN_IN_WITH_EMAIL_CODE":
			return e.lastOTP("kim@example.com")
		}
		return "Perm#Pass1" // CONFIRM_SIGN_IN_WITH_PASSWORD
	}
	for _, c := range []struct{ choice, then string }{{"EMAIL_OTP", "CONFIRM_SIGN_IN_WITH_EMAIL_CODE"}, {"PASSWORD", "CONFIRM_SIGN_IN_WITH_PASSWORD"},
		{"PASSWORD_SRP", "CONFIRM_SIGN_IN_WITH_PASSWORD"}} {
		t.Run(c.choice, func(t *testing.T) {
			e.amplify(t, poolID, clientID, map[string]any{"authFlowType": "USER_AUTH", "password": ""}, func(ev jsEvent) string {
				if ev.str("event") == "CONTINUE_SIGN_IN_WITH_FIRST_FACTOR_SELECTION" {
					answer(ev)
					return c.choice
				}
				return answer(ev)
			}, "CONTINUE_SIGN_IN_WITH_FIRST_FACTOR_SELECTION", c.then, "success")
		})
	}
	t.Run("preferred EMAIL_OTP", func(t *testing.T) {
		e.amplify(t, poolID, clientID, map[string]any{"authFlowType": "USER_AUTH", "password": "", "preferredChallenge": "EMAIL_OTP"},
			answer, "CONFIRM_SIGN_IN_WITH_EMAIL_CODE", "success")
	})
	t.Run("preferred PASSWORD_SRP", func(t *testing.T) {
		e.amplify(t, poolID, clientID, map[string]any{"authFlowType": "USER_AUTH", "preferredChallenge": "PASSWORD_SRP"},
			answer, "success")
	})
}

// TestAmplifyRememberedDevice: Amplify confirms the device its first
// sign-in announced; after signOut its next sign-in proves the device
// (DEVICE_SRP_AUTH, handled inside Amplify) and skips MFA.
func TestAmplifyRememberedDevice(t *testing.T) {
	t.Parallel()
	e := newSDKEnv(t)
	poolID := e.pool(func(in *cip.CreateUserPoolInput) {
		in.DeviceConfiguration = &types.DeviceConfigurationType{ChallengeRequiredOnNewDevice: true}
	})
	e.emailMFA(poolID, types.UserPoolMfaTypeOn)
	clientID := e.jsClient(poolID)
	e.user(poolID, "kim", "kim@example.com", "Perm#Pass1")
	for _, flow := range []string{"USER_SRP_AUTH", "USER_PASSWORD_AUTH"} {
		t.Run(flow, func(t *testing.T) {
			events := e.amplify(t, poolID, clientID, map[string]any{"signIns": 2, "authFlowType": flow},
				func(jsEvent) string { return e.lastCode("kim@example.com") },
				"CONFIRM_SIGN_IN_WITH_EMAIL_CODE", "success", "success")
			key := events[1].str("deviceKey")
			if !deviceKeyPattern.MatchString(key) || events[2].str("deviceKey") != key {
				t.Errorf("device keys %q then %q; want the same", key, events[2].str("deviceKey"))
			}
			g := must[*cip.AdminGetDeviceOutput](t, "AdminGetDevice")(e.c.AdminGetDevice(e.ctx, &cip.AdminGetDeviceInput{
				UserPoolId: aws.String(poolID), Username: aws.String("kim"), DeviceKey: aws.String(key)}))
			if deviceAttrs(g.Device)["dev:device_remembered_status"] != "remembered" {
				t.Errorf("device = %v", deviceAttrs(g.Device))
			}
		})
	}
}

// TestAmplifyAutoSignInUserAuth: signUp with autoSignIn over USER_AUTH,
// confirmSignUp with the mailed code (nextStep COMPLETE_AUTO_SIGN_IN), then
// autoSignIn: Amplify hands ConfirmSignUp's Session to InitiateAuth and is
// signed in with neither the password nor a second code. Also with no
// password at all (passwordless sign-up, the pool offering EMAIL_OTP).
func TestAmplifyAutoSignInUserAuth(t *testing.T) {
	t.Parallel()
	e := newSDKEnv(t)
	poolID, clientID := e.otpSignUpPool(types.ExplicitAuthFlowsTypeAllowUserSrpAuth)
	for _, c := range []struct{ name, username, password string }{{"password", "ann", "Perm#Pass1"}, {"passwordless", "bo", ""}} {
		t.Run(c.name, func(t *testing.T) {
			email := c.username + "@example.com"
			in := e.jsSignIn(poolID, clientID, map[string]any{"username": c.username, "password": c.password, "email": email})
			events, err := runFlow(t, "amplify-autosignin.mjs", in, func(ev jsEvent) any {
				if ev.str("event") == "CONFIRM_SIGN_UP" {
					return map[string]string{"response": e.lastCode(email)}
				}
				return map[string]string{}
			})
			wantEvents(t, events, err, "CONFIRM_SIGN_UP", "COMPLETE_AUTO_SIGN_IN", "success")
			if want := c.username[:1] + "***@e***"; events[0].str("destination") != want {
				t.Errorf("signUp codeDeliveryDetails.destination = %q, want %q", events[0].str("destination"), want)
			}
			last := events[len(events)-1]
			if last.str("username") != c.username || last.str("tokenUse") != "access" || last.str("idTokenUse") != "id" {
				t.Errorf("fetchAuthSession = %v", last)
			}
		})
	}
}
