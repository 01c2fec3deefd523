package e2e

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"regexp"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/google/go-cmp/cmp"
	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"
)

// totpCode is what an authenticator app shows for secret at the server's time.
func (e *sdkEnv) totpCode(secret string) string {
	e.t.Helper()
	code, err := totp.GenerateCodeCustom(secret, e.Clock.Now(), totp.ValidateOpts{Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
	if err != nil {
		e.t.Fatal(err)
	}
	return code
}

// nextStep moves the server's clock to the start of the next 30-second step.
func (e *sdkEnv) nextStep() {
	now := e.Clock.Now()
	e.Clock.Advance(now.Truncate(30*time.Second).Add(30*time.Second).Sub(now) + time.Second)
}

// totpPool is a pool with optional TOTP MFA (and SMS MFA when sms).
func (e *sdkEnv) mfaPool(mode types.UserPoolMfaType, totpOn, sms bool) string {
	e.t.Helper()
	poolID := e.pool()
	in := &cip.SetUserPoolMfaConfigInput{UserPoolId: aws.String(poolID), MfaConfiguration: mode}
	if totpOn {
		in.SoftwareTokenMfaConfiguration = &types.SoftwareTokenMfaConfigType{Enabled: true}
	}
	if sms {
		in.SmsMfaConfiguration = &types.SmsMfaConfigType{SmsAuthenticationMessage: aws.String("Your code is {####}"),
			SmsConfiguration: &types.SmsConfigurationType{SnsCallerArn: aws.String("arn:aws:iam::123456789012:role/sns")}}
	}
	if _, err := e.c.SetUserPoolMfaConfig(e.ctx, in); err != nil {
		e.t.Fatalf("SetUserPoolMfaConfig: %v", err)
	}
	return poolID
}

// enrolTOTP associates and verifies a software token with an access token.
func (e *sdkEnv) enrolTOTP(access string) string {
	e.t.Helper()
	a := must[*cip.AssociateSoftwareTokenOutput](e.t, "AssociateSoftwareToken")(
		e.c.AssociateSoftwareToken(e.ctx, &cip.AssociateSoftwareTokenInput{AccessToken: aws.String(access)}))
	v := must[*cip.VerifySoftwareTokenOutput](e.t, "VerifySoftwareToken")(e.c.VerifySoftwareToken(e.ctx, &cip.VerifySoftwareTokenInput{
		AccessToken: aws.String(access), UserCode: aws.String(e.totpCode(*a.SecretCode)), FriendlyDeviceName: aws.String("phone")}))
	if v.Status != types.VerifySoftwareTokenResponseTypeSuccess {
		e.t.Fatalf("VerifySoftwareToken status %q", v.Status)
	}
	return *a.SecretCode
}

var base32Secret = regexp.MustCompile(`^[A-Z2-7]{32}$`)

func TestSDKTOTP(t *testing.T) {
	e := newSDKEnv(t)
	poolID := e.mfaPool(types.UserPoolMfaTypeOptional, true, false)
	clientID := *e.client(poolID).ClientId
	e.user(poolID, "kim", "kim@example.com", "Perm#Pass1")
	access := *e.tokens(clientID, "kim", "Perm#Pass1").AccessToken

	// Not verified yet: it cannot be enabled.
	_, err := e.c.SetUserMFAPreference(e.ctx, &cip.SetUserMFAPreferenceInput{AccessToken: aws.String(access),
		SoftwareTokenMfaSettings: &types.SoftwareTokenMfaSettingsType{Enabled: true, PreferredMfa: true}})
	wantErr[*types.InvalidParameterException](t, err, "User does not have delivery config set to turn on SOFTWARE_TOKEN_MFA")

	a := must[*cip.AssociateSoftwareTokenOutput](t, "AssociateSoftwareToken")(
		e.c.AssociateSoftwareToken(e.ctx, &cip.AssociateSoftwareTokenInput{AccessToken: aws.String(access)}))
	if !base32Secret.MatchString(*a.SecretCode) || a.Session != nil {
		t.Errorf("SecretCode %q (Session %v); want 32 base32 characters, no session", *a.SecretCode, a.Session)
	}
	secret := *a.SecretCode
	wrong := otherCode(e.totpCode(secret))
	_, err = e.c.VerifySoftwareToken(e.ctx, &cip.VerifySoftwareTokenInput{AccessToken: aws.String(access), UserCode: aws.String(wrong)})
	wantErr[*types.EnableSoftwareTokenMFAException](t, err, "Code mismatch and fail enable Software Token MFA")
	v := must[*cip.VerifySoftwareTokenOutput](t, "VerifySoftwareToken")(e.c.VerifySoftwareToken(e.ctx, &cip.VerifySoftwareTokenInput{
		AccessToken: aws.String(access), UserCode: aws.String(e.totpCode(secret)), FriendlyDeviceName: aws.String("kim's phone")}))
	if v.Status != types.VerifySoftwareTokenResponseTypeSuccess {
		t.Fatalf("status %q", v.Status)
	}
	must[*cip.SetUserMFAPreferenceOutput](t, "SetUserMFAPreference")(e.c.SetUserMFAPreference(e.ctx, &cip.SetUserMFAPreferenceInput{
		AccessToken: aws.String(access), SoftwareTokenMfaSettings: &types.SoftwareTokenMfaSettingsType{Enabled: true, PreferredMfa: true}}))

	e.nextStep() // the verification used this step's code
	out := must[*cip.InitiateAuthOutput](t, "sign-in")(e.signIn(clientID, "kim", "Perm#Pass1"))
	want := map[string]string{"FRIENDLY_DEVICE_NAME": "kim's phone", "USER_ID_FOR_SRP": "kim"}
	if out.ChallengeName != types.ChallengeNameTypeSoftwareTokenMfa || !cmp.Equal(want, out.ChallengeParameters) {
		t.Fatalf("challenge %q %v; want SOFTWARE_TOKEN_MFA %v", out.ChallengeName, out.ChallengeParameters, want)
	}
	code := e.totpCode(secret)
	_, err = e.respond(clientID, types.ChallengeNameTypeSoftwareTokenMfa, *out.Session,
		map[string]string{"USERNAME": "kim", "SOFTWARE_TOKEN_MFA_CODE": otherCode(code)})
	wantErr[*types.CodeMismatchException](t, err, "Invalid code or auth state for the user.")
	done := must[*cip.RespondToAuthChallengeOutput](t, "SOFTWARE_TOKEN_MFA")(e.respond(clientID, types.ChallengeNameTypeSoftwareTokenMfa,
		*out.Session, map[string]string{"USERNAME": "kim", "SOFTWARE_TOKEN_MFA_CODE": code}))
	if done.AuthenticationResult == nil {
		t.Fatal("no tokens after SOFTWARE_TOKEN_MFA")
	}

	// The same code in a new sign-in, inside the same step: refused, in the
	// words real Cognito uses (quoted by aws-amplify/amplify-swift's MFA tests).
	out = must[*cip.InitiateAuthOutput](t, "sign-in")(e.signIn(clientID, "kim", "Perm#Pass1"))
	_, err = e.respond(clientID, types.ChallengeNameTypeSoftwareTokenMfa, *out.Session,
		map[string]string{"USERNAME": "kim", "SOFTWARE_TOKEN_MFA_CODE": code})
	wantErr[*types.ExpiredCodeException](t, err, "Your software token has already been used once.")
	// The next step's code works with the same session (a wrong code does not consume it).
	e.nextStep()
	done = must[*cip.RespondToAuthChallengeOutput](t, "SOFTWARE_TOKEN_MFA")(e.respond(clientID, types.ChallengeNameTypeSoftwareTokenMfa,
		*out.Session, map[string]string{"USERNAME": "kim", "SOFTWARE_TOKEN_MFA_CODE": e.totpCode(secret)}))
	if done.AuthenticationResult == nil {
		t.Fatal("no tokens")
	}
	f := must[*cip.GetUserAuthFactorsOutput](t, "GetUserAuthFactors")(e.c.GetUserAuthFactors(e.ctx,
		&cip.GetUserAuthFactorsInput{AccessToken: done.AuthenticationResult.AccessToken}))
	if *f.PreferredMfaSetting != "SOFTWARE_TOKEN_MFA" || !cmp.Equal(f.UserMFASettingList, []string{"SOFTWARE_TOKEN_MFA"}) ||
		!cmp.Equal(f.ConfiguredUserAuthFactors, []types.AuthFactorType{"PASSWORD"}) {
		t.Errorf("GetUserAuthFactors = %v %v %v", *f.PreferredMfaSetting, f.UserMFASettingList, f.ConfiguredUserAuthFactors)
	}
}

// TestSDKTOTPPoolSwitchedOff follows
// https://docs.aws.amazon.com/cognito/latest/developerguide/user-pool-settings-mfa-totp.html:
// a pool without TOTP refuses to associate or verify a token ("Software Token
// MFA has not been enabled by the userPool"), yet "users who previously
// associated and verified a TOTP token can continue to use it for MFA". And
// with MFA required, a user cannot turn the token off (the model's
// SoftwareTokenMfaSettingsType).
func TestSDKTOTPPoolSwitchedOff(t *testing.T) {
	e := newSDKEnv(t)
	off := e.pool()
	offClient := *e.client(off).ClientId
	e.user(off, "lee", "lee@example.com", "Perm#Pass1")
	_, err := e.c.AssociateSoftwareToken(e.ctx, &cip.AssociateSoftwareTokenInput{AccessToken: e.tokens(offClient, "lee", "Perm#Pass1").AccessToken})
	wantErr[*types.SoftwareTokenMFANotFoundException](t, err, "Software Token MFA has not been enabled by the userPool")

	poolID := e.mfaPool(types.UserPoolMfaTypeOptional, true, false)
	clientID := *e.client(poolID).ClientId
	e.user(poolID, "kim", "kim@example.com", "Perm#Pass1")
	access := *e.tokens(clientID, "kim", "Perm#Pass1").AccessToken
	secret := e.enrolTOTP(access)
	must[*cip.SetUserMFAPreferenceOutput](t, "SetUserMFAPreference")(e.c.SetUserMFAPreference(e.ctx, &cip.SetUserMFAPreferenceInput{
		AccessToken: aws.String(access), SoftwareTokenMfaSettings: &types.SoftwareTokenMfaSettingsType{Enabled: true, PreferredMfa: true}}))

	// The pool keeps MFA optional, by SMS only: kim's token still signs in.
	must[*cip.SetUserPoolMfaConfigOutput](t, "SetUserPoolMfaConfig")(e.c.SetUserPoolMfaConfig(e.ctx, &cip.SetUserPoolMfaConfigInput{
		UserPoolId: aws.String(poolID), MfaConfiguration: types.UserPoolMfaTypeOptional,
		SoftwareTokenMfaConfiguration: &types.SoftwareTokenMfaConfigType{Enabled: false},
		SmsMfaConfiguration:           &types.SmsMfaConfigType{SmsConfiguration: &types.SmsConfigurationType{SnsCallerArn: aws.String("arn:aws:iam::123456789012:role/sns")}}}))
	e.nextStep()
	out := must[*cip.InitiateAuthOutput](t, "sign-in")(e.signIn(clientID, "kim", "Perm#Pass1"))
	if out.ChallengeName != types.ChallengeNameTypeSoftwareTokenMfa {
		t.Fatalf("after the pool turned TOTP off: %q; want SOFTWARE_TOKEN_MFA", out.ChallengeName)
	}
	done := must[*cip.RespondToAuthChallengeOutput](t, "SOFTWARE_TOKEN_MFA")(e.respond(clientID, types.ChallengeNameTypeSoftwareTokenMfa,
		*out.Session, map[string]string{"USERNAME": "kim", "SOFTWARE_TOKEN_MFA_CODE": e.totpCode(secret)}))
	if done.AuthenticationResult == nil {
		t.Fatal("no tokens")
	}
	// But no new token can be set up.
	_, err = e.c.AssociateSoftwareToken(e.ctx, &cip.AssociateSoftwareTokenInput{AccessToken: done.AuthenticationResult.AccessToken})
	wantErr[*types.SoftwareTokenMFANotFoundException](t, err, "Software Token MFA has not been enabled by the userPool")
	_, err = e.c.VerifySoftwareToken(e.ctx, &cip.VerifySoftwareTokenInput{AccessToken: done.AuthenticationResult.AccessToken, UserCode: aws.String("123456")})
	wantErr[*types.SoftwareTokenMFANotFoundException](t, err, "Software Token MFA has not been enabled by the userPool")

	// MFA required (TOTP again): turning the token off leaves it in use.
	must[*cip.SetUserPoolMfaConfigOutput](t, "SetUserPoolMfaConfig")(e.c.SetUserPoolMfaConfig(e.ctx, &cip.SetUserPoolMfaConfigInput{
		UserPoolId: aws.String(poolID), MfaConfiguration: types.UserPoolMfaTypeOn,
		SoftwareTokenMfaConfiguration: &types.SoftwareTokenMfaConfigType{Enabled: true}}))
	must[*cip.SetUserMFAPreferenceOutput](t, "SetUserMFAPreference")(e.c.SetUserMFAPreference(e.ctx, &cip.SetUserMFAPreferenceInput{
		AccessToken: done.AuthenticationResult.AccessToken, SoftwareTokenMfaSettings: &types.SoftwareTokenMfaSettingsType{Enabled: false}}))
	e.nextStep()
	out = must[*cip.InitiateAuthOutput](t, "sign-in")(e.signIn(clientID, "kim", "Perm#Pass1"))
	if out.ChallengeName != types.ChallengeNameTypeSoftwareTokenMfa {
		t.Fatalf("MFA required, token turned off: %q %v; want SOFTWARE_TOKEN_MFA", out.ChallengeName, out.ChallengeParameters)
	}
}

// TestSDKMFASetup: MFA is ON with TOTP only and the user has no token:
// sign-in asks MFA_SETUP, answered through AssociateSoftwareToken and
// VerifySoftwareToken with the session, then RespondToAuthChallenge.
func TestSDKMFASetup(t *testing.T) {
	e := newSDKEnv(t)
	poolID := e.mfaPool(types.UserPoolMfaTypeOn, true, false)
	clientID := *e.client(poolID).ClientId
	e.user(poolID, "kim", "kim@example.com", "Perm#Pass1")
	out := must[*cip.InitiateAuthOutput](t, "sign-in")(e.signIn(clientID, "kim", "Perm#Pass1"))
	if out.ChallengeName != types.ChallengeNameTypeMfaSetup || out.ChallengeParameters["MFAS_CAN_SETUP"] != `["SOFTWARE_TOKEN_MFA"]` {
		t.Fatalf("challenge %q %v; want MFA_SETUP", out.ChallengeName, out.ChallengeParameters)
	}
	a := must[*cip.AssociateSoftwareTokenOutput](t, "AssociateSoftwareToken")(
		e.c.AssociateSoftwareToken(e.ctx, &cip.AssociateSoftwareTokenInput{Session: out.Session}))
	if a.Session == nil || *a.Session == *out.Session {
		t.Fatalf("AssociateSoftwareToken with a Session must return a new one")
	}
	// The sign-in session was consumed by the association.
	_, err := e.c.AssociateSoftwareToken(e.ctx, &cip.AssociateSoftwareTokenInput{Session: out.Session})
	wantErr[*types.NotAuthorizedException](t, err, "Invalid session for the user, session can only be used once.")
	// Answering MFA_SETUP before verifying a token does not sign in.
	_, err = e.respond(clientID, types.ChallengeNameTypeMfaSetup, *a.Session, map[string]string{"USERNAME": "kim"})
	wantErr[*types.NotAuthorizedException](t, err, "Invalid session for the user.")

	_, err = e.c.VerifySoftwareToken(e.ctx, &cip.VerifySoftwareTokenInput{Session: a.Session, UserCode: aws.String(otherCode(e.totpCode(*a.SecretCode)))})
	wantErr[*types.EnableSoftwareTokenMFAException](t, err, "Code mismatch and fail enable Software Token MFA")
	v := must[*cip.VerifySoftwareTokenOutput](t, "VerifySoftwareToken")(e.c.VerifySoftwareToken(e.ctx, &cip.VerifySoftwareTokenInput{
		Session: a.Session, UserCode: aws.String(e.totpCode(*a.SecretCode)), FriendlyDeviceName: aws.String("app")}))
	if v.Status != types.VerifySoftwareTokenResponseTypeSuccess || v.Session == nil {
		t.Fatalf("VerifySoftwareToken: %q, session %v", v.Status, v.Session)
	}
	done := must[*cip.RespondToAuthChallengeOutput](t, "MFA_SETUP")(e.respond(clientID, types.ChallengeNameTypeMfaSetup, *v.Session,
		map[string]string{"USERNAME": "kim"}))
	if done.AuthenticationResult == nil {
		t.Fatal("no tokens after MFA_SETUP")
	}
	u := must[*cip.GetUserOutput](t, "GetUser")(e.c.GetUser(e.ctx, &cip.GetUserInput{AccessToken: done.AuthenticationResult.AccessToken}))
	if !cmp.Equal(u.UserMFASettingList, []string{"SOFTWARE_TOKEN_MFA"}) {
		t.Errorf("UserMFASettingList = %v", u.UserMFASettingList)
	}
	e.nextStep()
	out = must[*cip.InitiateAuthOutput](t, "sign-in")(e.signIn(clientID, "kim", "Perm#Pass1"))
	if out.ChallengeName != types.ChallengeNameTypeSoftwareTokenMfa {
		t.Fatalf("second sign-in: %q, want SOFTWARE_TOKEN_MFA", out.ChallengeName)
	}
}

// smsHook is an SMS webhook that records what it receives.
type smsHook struct {
	mu   sync.Mutex
	msgs []map[string]string
}

func (h *smsHook) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var m map[string]string
	if r.Method != http.MethodPost || r.Header.Get("Content-Type") != "application/json" || json.NewDecoder(r.Body).Decode(&m) != nil {
		http.Error(w, "bad request", http.StatusBadRequest)
		return
	}
	h.mu.Lock()
	h.msgs = append(h.msgs, m)
	h.mu.Unlock()
}

func (h *smsHook) wait(t *testing.T, n int) []map[string]string {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		h.mu.Lock()
		got := append([]map[string]string(nil), h.msgs...)
		h.mu.Unlock()
		if len(got) >= n {
			return got
		}
		if time.Now().After(deadline) {
			t.Fatalf("webhook got %d SMS, want %d", len(got), n)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestSDKSMSMFAWebhook: SMS MFA codes leave through --sms-webhook-url.
func TestSDKSMSMFAWebhook(t *testing.T) {
	hook := &smsHook{}
	hs := httptest.NewServer(hook)
	t.Cleanup(hs.Close)
	s := startServerWith(t, "--sms-webhook-url", hs.URL+"/sms")
	e := &sdkEnv{server: s, t: t, ctx: context.Background(), c: s.sdk()}
	poolID := e.mfaPool(types.UserPoolMfaTypeOn, false, true)
	clientID := *e.client(poolID).ClientId
	_, err := e.c.AdminCreateUser(e.ctx, &cip.AdminCreateUserInput{UserPoolId: aws.String(poolID), Username: aws.String("kim"),
		MessageAction:  types.MessageActionTypeSuppress,
		UserAttributes: []types.AttributeType{{Name: aws.String("phone_number"), Value: aws.String("+14155550123")}}})
	if err != nil {
		t.Fatal(err)
	}
	e.setPassword(poolID, "kim", "Perm#Pass1", true)
	out := must[*cip.InitiateAuthOutput](t, "sign-in")(e.signIn(clientID, "kim", "Perm#Pass1"))
	want := map[string]string{"CODE_DELIVERY_DELIVERY_MEDIUM": "SMS", "CODE_DELIVERY_DESTINATION": "+*******0123"}
	if out.ChallengeName != types.ChallengeNameTypeSmsMfa || !cmp.Equal(want, out.ChallengeParameters) {
		t.Fatalf("challenge %q %v; want SMS_MFA %v", out.ChallengeName, out.ChallengeParameters, want)
	}
	got := hook.wait(t, 1)
	if got[0]["phone_number"] != "+14155550123" {
		t.Errorf("webhook phone_number = %q", got[0]["phone_number"])
	}
	code := sixDigits.FindStringSubmatch(got[0]["message"])
	if code == nil || got[0]["message"] != "Your code is "+code[1] {
		t.Fatalf("webhook message = %q", got[0]["message"])
	}
	done := must[*cip.RespondToAuthChallengeOutput](t, "SMS_MFA")(e.respond(clientID, types.ChallengeNameTypeSmsMfa, *out.Session,
		map[string]string{"USERNAME": "kim", "SMS_MFA_CODE": code[1]}))
	if done.AuthenticationResult == nil {
		t.Fatal("no tokens after SMS_MFA")
	}
}

// TestSDKSelectMFAType: two enabled factors and no preference: the user
// chooses (SELECT_MFA_TYPE), then answers the chosen challenge.
func TestSDKSelectMFAType(t *testing.T) {
	e := newSDKEnv(t)
	poolID := e.mfaPool(types.UserPoolMfaTypeOptional, true, true)
	clientID := *e.client(poolID).ClientId
	_, err := e.c.AdminCreateUser(e.ctx, &cip.AdminCreateUserInput{UserPoolId: aws.String(poolID), Username: aws.String("kim"),
		MessageAction:  types.MessageActionTypeSuppress,
		UserAttributes: []types.AttributeType{{Name: aws.String("phone_number"), Value: aws.String("+14155550123")}}})
	if err != nil {
		t.Fatal(err)
	}
	e.setPassword(poolID, "kim", "Perm#Pass1", true)
	access := *e.tokens(clientID, "kim", "Perm#Pass1").AccessToken
	secret := e.enrolTOTP(access)
	must[*cip.AdminSetUserMFAPreferenceOutput](t, "AdminSetUserMFAPreference")(e.c.AdminSetUserMFAPreference(e.ctx,
		&cip.AdminSetUserMFAPreferenceInput{UserPoolId: aws.String(poolID), Username: aws.String("kim"),
			SMSMfaSettings: &types.SMSMfaSettingsType{Enabled: true}, SoftwareTokenMfaSettings: &types.SoftwareTokenMfaSettingsType{Enabled: true}}))
	out := must[*cip.InitiateAuthOutput](t, "sign-in")(e.signIn(clientID, "kim", "Perm#Pass1"))
	if out.ChallengeName != types.ChallengeNameTypeSelectMfaType || out.ChallengeParameters["MFAS_CAN_CHOOSE"] != `["SMS_MFA","SOFTWARE_TOKEN_MFA"]` {
		t.Fatalf("challenge %q %v; want SELECT_MFA_TYPE", out.ChallengeName, out.ChallengeParameters)
	}
	_, err = e.respond(clientID, types.ChallengeNameTypeSelectMfaType, *out.Session, map[string]string{"USERNAME": "kim", "ANSWER": "EMAIL_OTP"})
	wantErr[*types.InvalidParameterException](t, err, "Invalid MFA type EMAIL_OTP.")
	next := must[*cip.RespondToAuthChallengeOutput](t, "SELECT_MFA_TYPE")(e.respond(clientID, types.ChallengeNameTypeSelectMfaType,
		*out.Session, map[string]string{"USERNAME": "kim", "ANSWER": "SOFTWARE_TOKEN_MFA"}))
	if next.ChallengeName != types.ChallengeNameTypeSoftwareTokenMfa {
		t.Fatalf("after SELECT_MFA_TYPE: %q", next.ChallengeName)
	}
	e.nextStep()
	done := must[*cip.RespondToAuthChallengeOutput](t, "SOFTWARE_TOKEN_MFA")(e.respond(clientID, types.ChallengeNameTypeSoftwareTokenMfa,
		*next.Session, map[string]string{"USERNAME": "kim", "SOFTWARE_TOKEN_MFA_CODE": e.totpCode(secret)}))
	if done.AuthenticationResult == nil {
		t.Fatal("no tokens")
	}
	// Choosing SMS sends a code instead (local mode: the outbox has it).
	out = must[*cip.InitiateAuthOutput](t, "sign-in")(e.signIn(clientID, "kim", "Perm#Pass1"))
	next = must[*cip.RespondToAuthChallengeOutput](t, "SELECT_MFA_TYPE")(e.respond(clientID, types.ChallengeNameTypeSelectMfaType,
		*out.Session, map[string]string{"USERNAME": "kim", "ANSWER": "SMS_MFA"}))
	if next.ChallengeName != types.ChallengeNameTypeSmsMfa || next.ChallengeParameters["CODE_DELIVERY_DESTINATION"] != "+*******0123" {
		t.Fatalf("after choosing SMS_MFA: %q %v", next.ChallengeName, next.ChallengeParameters)
	}
	msgs := outbox(t, e.server, "+14155550123")
	code := sixDigits.FindStringSubmatch(msgs[len(msgs)-1].Body)[1]
	done = must[*cip.RespondToAuthChallengeOutput](t, "SMS_MFA")(e.respond(clientID, types.ChallengeNameTypeSmsMfa, *next.Session,
		map[string]string{"USERNAME": "kim", "SMS_MFA_CODE": code}))
	if done.AuthenticationResult == nil {
		t.Fatal("no tokens after SMS_MFA")
	}
}

// TestSDKMFAConfigRules: the MFA settings Cognito refuses, with its words
// (measured against it in go-to-k/cdkd#1923, aws-sdk-js#4186, aws-cdk#32615),
// and a factor a user has nowhere to receive (aws-sdk-js-v3#4645, amplify-js#618).
func TestSDKMFAConfigRules(t *testing.T) {
	e := newSDKEnv(t)
	poolID := e.pool()
	set := func(in *cip.SetUserPoolMfaConfigInput) error {
		in.UserPoolId = aws.String(poolID)
		_, err := e.c.SetUserPoolMfaConfig(e.ctx, in)
		return err
	}
	err := set(&cip.SetUserPoolMfaConfigInput{MfaConfiguration: types.UserPoolMfaTypeOff,
		SoftwareTokenMfaConfiguration: &types.SoftwareTokenMfaConfigType{Enabled: true}})
	wantErr[*types.InvalidParameterException](t, err, "Invalid MFA configuration given, can't turn off MFA and configure an MFA together.")
	err = set(&cip.SetUserPoolMfaConfigInput{MfaConfiguration: types.UserPoolMfaTypeOff, EmailMfaConfiguration: &types.EmailMfaConfigType{}})
	wantErr[*types.InvalidParameterException](t, err, "Invalid MFA configuration given, can't turn off MFA and configure an MFA together.")
	err = set(&cip.SetUserPoolMfaConfigInput{MfaConfiguration: types.UserPoolMfaTypeOn})
	wantErr[*types.InvalidParameterException](t, err, "Invalid MFA configuration given, can't disable all MFAs with a required or optional configuration.")
	if err := set(&cip.SetUserPoolMfaConfigInput{MfaConfiguration: types.UserPoolMfaTypeOff}); err != nil {
		t.Errorf("OFF alone: %v", err)
	}
	_, err = e.c.CreateUserPool(e.ctx, &cip.CreateUserPoolInput{PoolName: aws.String("mfa-on"), MfaConfiguration: types.UserPoolMfaTypeOn})
	wantErr[*types.InvalidParameterException](t, err, "SMS configuration and Auto verification for phone_number are required when MFA is required/optional")

	// A user with neither phone nor email cannot turn SMS or email MFA on.
	if err := set(&cip.SetUserPoolMfaConfigInput{MfaConfiguration: types.UserPoolMfaTypeOptional, EmailMfaConfiguration: &types.EmailMfaConfigType{},
		SmsMfaConfiguration: &types.SmsMfaConfigType{SmsConfiguration: &types.SmsConfigurationType{SnsCallerArn: aws.String("arn:aws:iam::123456789012:role/sns")}}}); err != nil {
		t.Fatal(err)
	}
	must[*cip.AdminCreateUserOutput](t, "AdminCreateUser")(e.c.AdminCreateUser(e.ctx, &cip.AdminCreateUserInput{UserPoolId: aws.String(poolID),
		Username: aws.String("jo"), MessageAction: types.MessageActionTypeSuppress}))
	for factor, in := range map[string]*cip.AdminSetUserMFAPreferenceInput{
		"SMS_MFA":   {SMSMfaSettings: &types.SMSMfaSettingsType{Enabled: true}},
		"EMAIL_OTP": {EmailMfaSettings: &types.EmailMfaSettingsType{Enabled: true}},
	} {
		in.UserPoolId, in.Username = aws.String(poolID), aws.String("jo")
		_, err := e.c.AdminSetUserMFAPreference(e.ctx, in)
		wantErr[*types.InvalidParameterException](t, err, "User does not have delivery config set to turn on "+factor)
	}
	// With a phone number (verified or not) SMS MFA turns on.
	must[*cip.AdminUpdateUserAttributesOutput](t, "AdminUpdateUserAttributes")(e.c.AdminUpdateUserAttributes(e.ctx, &cip.AdminUpdateUserAttributesInput{
		UserPoolId: aws.String(poolID), Username: aws.String("jo"), UserAttributes: []types.AttributeType{attr("phone_number", "+15555550100")}}))
	must[*cip.AdminSetUserMFAPreferenceOutput](t, "AdminSetUserMFAPreference")(e.c.AdminSetUserMFAPreference(e.ctx, &cip.AdminSetUserMFAPreferenceInput{
		UserPoolId: aws.String(poolID), Username: aws.String("jo"), SMSMfaSettings: &types.SMSMfaSettingsType{Enabled: true}}))
}

// TestSDKMFASetupEmail sets up email MFA during sign-in as Amplify's
// CONTINUE_SIGN_IN_WITH_EMAIL_SETUP step does: a user who must set up MFA
// and has no email answers MFA_SETUP with USERNAME and EMAIL, receives
// EMAIL_OTP at that address, and its code signs in, the address then the
// user's verified email and email MFA on.
// https://aws-amplify.github.io/amplify-js/api/interfaces/aws_amplify.auth._Reference_Types_.ContinueSignInWithEmailSetup.html
func TestSDKMFASetupEmail(t *testing.T) {
	e := newSDKEnv(t)
	poolID := e.pool()
	must[*cip.SetUserPoolMfaConfigOutput](t, "SetUserPoolMfaConfig")(e.c.SetUserPoolMfaConfig(e.ctx, &cip.SetUserPoolMfaConfigInput{
		UserPoolId: aws.String(poolID), MfaConfiguration: types.UserPoolMfaTypeOn,
		SoftwareTokenMfaConfiguration: &types.SoftwareTokenMfaConfigType{Enabled: true},
		EmailMfaConfiguration:         &types.EmailMfaConfigType{}}))
	clientID := *e.client(poolID).ClientId
	must[*cip.AdminCreateUserOutput](t, "AdminCreateUser")(e.c.AdminCreateUser(e.ctx, &cip.AdminCreateUserInput{
		UserPoolId: aws.String(poolID), Username: aws.String("kim"), MessageAction: types.MessageActionTypeSuppress}))
	e.setPassword(poolID, "kim", "Perm#Pass1", true)

	setup := func() *cip.InitiateAuthOutput {
		out := must[*cip.InitiateAuthOutput](t, "sign-in")(e.signIn(clientID, "kim", "Perm#Pass1"))
		if out.ChallengeName != types.ChallengeNameTypeMfaSetup || out.ChallengeParameters["MFAS_CAN_SETUP"] != `["SOFTWARE_TOKEN_MFA","EMAIL_OTP"]` {
			t.Fatalf("challenge %q %v; want MFA_SETUP with EMAIL_OTP", out.ChallengeName, out.ChallengeParameters)
		}
		return out
	}
	// A malformed address is refused; the session stays usable.
	out := setup()
	_, err := e.respond(clientID, types.ChallengeNameTypeMfaSetup, *out.Session, map[string]string{"USERNAME": "kim", "EMAIL": "not an address"})
	wantErr[*types.InvalidParameterException](t, err, "Invalid email address format.")

	ch := must[*cip.RespondToAuthChallengeOutput](t, "MFA_SETUP with EMAIL")(e.respond(clientID, types.ChallengeNameTypeMfaSetup,
		*out.Session, map[string]string{"USERNAME": "kim", "EMAIL": "kim@gmail.com"}))
	if ch.ChallengeName != types.ChallengeNameTypeEmailOtp || ch.ChallengeParameters["CODE_DELIVERY_DELIVERY_MEDIUM"] != "EMAIL" ||
		ch.ChallengeParameters["CODE_DELIVERY_DESTINATION"] != "k***@g***" {
		t.Fatalf("after MFA_SETUP with EMAIL: %q %v; want EMAIL_OTP to k***@g***", ch.ChallengeName, ch.ChallengeParameters)
	}
	// The setup session is used up.
	_, err = e.respond(clientID, types.ChallengeNameTypeMfaSetup, *out.Session, map[string]string{"USERNAME": "kim", "EMAIL": "kim@gmail.com"})
	wantErr[*types.NotAuthorizedException](t, err, "Invalid session for the user, session can only be used once.")
	// Until the code comes back the address is not the user's.
	g := must[*cip.AdminGetUserOutput](t, "AdminGetUser")(e.c.AdminGetUser(e.ctx, &cip.AdminGetUserInput{UserPoolId: aws.String(poolID), Username: aws.String("kim")}))
	for _, a := range g.UserAttributes {
		if *a.Name == "email" {
			t.Errorf("email %s set before its code came back", *a.Value)
		}
	}
	msgs := outbox(t, e.server, "kim@gmail.com")
	if len(msgs) != 1 {
		t.Fatalf("%d messages to kim@gmail.com; want the code", len(msgs))
	}
	code := sixDigits.FindStringSubmatch(msgs[0].Body)[1]
	done := must[*cip.RespondToAuthChallengeOutput](t, "EMAIL_OTP")(e.respond(clientID, types.ChallengeNameTypeEmailOtp, *ch.Session,
		map[string]string{"USERNAME": "kim", "EMAIL_OTP_CODE": code}))
	if done.AuthenticationResult == nil {
		t.Fatal("no tokens after the set-up code")
	}
	u := must[*cip.GetUserOutput](t, "GetUser")(e.c.GetUser(e.ctx, &cip.GetUserInput{AccessToken: done.AuthenticationResult.AccessToken}))
	attrs := map[string]string{}
	for _, a := range u.UserAttributes {
		attrs[*a.Name] = *a.Value
	}
	if attrs["email"] != "kim@gmail.com" || attrs["email_verified"] != "true" || !cmp.Equal(u.UserMFASettingList, []string{"EMAIL_OTP"}) ||
		aws.ToString(u.PreferredMfaSetting) != "EMAIL_OTP" {
		t.Errorf("after email MFA set-up: attributes %v, MFA %v preferred %v", attrs, u.UserMFASettingList, aws.ToString(u.PreferredMfaSetting))
	}
	// The next sign-in asks for an email code.
	out = must[*cip.InitiateAuthOutput](t, "sign-in")(e.signIn(clientID, "kim", "Perm#Pass1"))
	if out.ChallengeName != types.ChallengeNameTypeEmailOtp {
		t.Errorf("second sign-in: %q, want EMAIL_OTP", out.ChallengeName)
	}
}

// A pool that cannot send email MFA offers no email set-up: MFA_SETUP
// with EMAIL is then no answer.
func TestSDKMFASetupEmailNotOffered(t *testing.T) {
	e := newSDKEnv(t)
	poolID := e.mfaPool(types.UserPoolMfaTypeOn, true, false)
	clientID := *e.client(poolID).ClientId
	must[*cip.AdminCreateUserOutput](t, "AdminCreateUser")(e.c.AdminCreateUser(e.ctx, &cip.AdminCreateUserInput{
		UserPoolId: aws.String(poolID), Username: aws.String("kim"), MessageAction: types.MessageActionTypeSuppress}))
	e.setPassword(poolID, "kim", "Perm#Pass1", true)
	out := must[*cip.InitiateAuthOutput](t, "sign-in")(e.signIn(clientID, "kim", "Perm#Pass1"))
	_, err := e.respond(clientID, types.ChallengeNameTypeMfaSetup, *out.Session, map[string]string{"USERNAME": "kim", "EMAIL": "kim@gmail.com"})
	wantErr[*types.NotAuthorizedException](t, err, "Invalid session for the user.")
	if msgs := outbox(t, e.server, "kim@gmail.com"); len(msgs) != 0 {
		t.Errorf("%d messages sent for a set-up the pool does not offer", len(msgs))
	}
}

// Where email is an alias, MFA set-up cannot take another user's verified
// address: refused before any code goes out.
func TestSDKMFASetupEmailAliasTaken(t *testing.T) {
	e := newSDKEnv(t)
	poolID := e.pool(func(in *cip.CreateUserPoolInput) {
		in.AliasAttributes = []types.AliasAttributeType{types.AliasAttributeTypeEmail}
	})
	must[*cip.SetUserPoolMfaConfigOutput](t, "SetUserPoolMfaConfig")(e.c.SetUserPoolMfaConfig(e.ctx, &cip.SetUserPoolMfaConfigInput{
		UserPoolId: aws.String(poolID), MfaConfiguration: types.UserPoolMfaTypeOn, EmailMfaConfiguration: &types.EmailMfaConfigType{}}))
	clientID := *e.client(poolID).ClientId
	must[*cip.AdminCreateUserOutput](t, "AdminCreateUser ana")(e.c.AdminCreateUser(e.ctx, &cip.AdminCreateUserInput{
		UserPoolId: aws.String(poolID), Username: aws.String("ana"), MessageAction: types.MessageActionTypeSuppress,
		UserAttributes: []types.AttributeType{{Name: aws.String("email"), Value: aws.String("taken@example.com")},
			{Name: aws.String("email_verified"), Value: aws.String("true")}}}))
	must[*cip.AdminCreateUserOutput](t, "AdminCreateUser kim")(e.c.AdminCreateUser(e.ctx, &cip.AdminCreateUserInput{
		UserPoolId: aws.String(poolID), Username: aws.String("kim"), MessageAction: types.MessageActionTypeSuppress}))
	e.setPassword(poolID, "kim", "Perm#Pass1", true)
	out := must[*cip.InitiateAuthOutput](t, "sign-in")(e.signIn(clientID, "kim", "Perm#Pass1"))
	_, err := e.respond(clientID, types.ChallengeNameTypeMfaSetup, *out.Session, map[string]string{"USERNAME": "kim", "EMAIL": "taken@example.com"})
	wantErr[*types.AliasExistsException](t, err, "An account with the email already exists.")
	if msgs := outbox(t, e.server, "taken@example.com"); len(msgs) != 0 {
		t.Errorf("a code went to another user's address: %+v", msgs)
	}
	ch := must[*cip.RespondToAuthChallengeOutput](t, "MFA_SETUP with a free address")(e.respond(clientID, types.ChallengeNameTypeMfaSetup,
		*out.Session, map[string]string{"USERNAME": "kim", "EMAIL": "kim@example.com"}))
	if ch.ChallengeName != types.ChallengeNameTypeEmailOtp {
		t.Errorf("after a free address: %q", ch.ChallengeName)
	}
}
