package e2e

import (
	"bytes"
	"errors"
	"log/slog"
	"maps"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/aws/smithy-go"
	"github.com/google/go-cmp/cmp"
)

// The rules of Cognito's Lambda triggers that its developer guide states,
// checked one by one with aws-sdk-go-v2 against a stand-in of the Lambda
// Invoke API (triggers_test.go has the triggers' main scenarios).

// newTriggerEnv is a server whose triggers run on a fresh stand-in.
func newTriggerEnv(t *testing.T) (*sdkEnv, *lambdaStandIn) {
	t.Helper()
	lambda := newLambdaStandIn(t)
	s := startServerWith(t, "--lambda-endpoint", lambda.URL)
	return &sdkEnv{server: s, t: t, ctx: t.Context(), c: s.sdk()}, lambda
}

func (e *sdkEnv) userAttrs(pool, username string) map[string]string {
	e.t.Helper()
	u := must[*cip.AdminGetUserOutput](e.t, "AdminGetUser "+username)(e.c.AdminGetUser(e.ctx,
		&cip.AdminGetUserInput{UserPoolId: &pool, Username: &username}))
	return attrMap(u.UserAttributes)
}

// TestTriggerPreSignUpVerification: what the pre sign-up function's
// autoVerifyEmail and autoVerifyPhone do. "If autoVerifyEmail is set to
// true, the email attribute must have a valid, non-null value. Otherwise
// an error will occur and the user will not be able to complete sign-up"
// (likewise the phone); and "If an alias with that email already exists,
// the alias will be moved to the new user and the previous user's email
// will be marked as unverified."
// https://docs.aws.amazon.com/cognito/latest/developerguide/user-pool-lambda-pre-sign-up.html
func TestTriggerPreSignUpVerification(t *testing.T) {
	e, lambda := newTriggerEnv(t)
	lambda.handle("presignup", func(ev map[string]any) (any, error) {
		switch ev["userName"] {
		case "nophone":
			return respond(ev, map[string]any{"autoConfirmUser": true, "autoVerifyPhone": true}), nil
		case "unconfirmed":
			return respond(ev, map[string]any{"autoVerifyEmail": true}), nil
		}
		return respond(ev, map[string]any{"autoConfirmUser": true, "autoVerifyEmail": true}), nil
	})
	pool := e.pool(func(in *cip.CreateUserPoolInput) {
		in.AliasAttributes = []types.AliasAttributeType{types.AliasAttributeTypeEmail, types.AliasAttributeTypePhoneNumber}
		in.LambdaConfig = &types.LambdaConfigType{PreSignUp: aws.String(fnARN + "presignup")}
	})
	clientID := *e.client(pool).ClientId
	signUp := func(username string, attrs ...types.AttributeType) (*cip.SignUpOutput, error) {
		return e.c.SignUp(e.ctx, &cip.SignUpInput{ClientId: &clientID, Username: aws.String(username),
			Password: aws.String("Perm#Pass1"), UserAttributes: attrs})
	}

	_, err := signUp("noemail", attr("given_name", "Nobody"))
	wantErr[*types.InvalidLambdaResponseException](t, err, "Email cannot be auto verified, when user has no email.")
	_, err = signUp("nophone", attr("email", "nophone@example.com"))
	wantErr[*types.InvalidLambdaResponseException](t, err, "Phone cannot be auto verified, when user has no phone_number.")
	_, err = signUp("unconfirmed", attr("email", "unconfirmed@example.com"))
	wantErr[*types.InvalidLambdaResponseException](t, err, "Phone or email cannot be auto verified, when user is not being auto confirmed.")
	for _, name := range []string{"noemail", "nophone", "unconfirmed"} {
		if _, err := e.c.AdminGetUser(e.ctx, &cip.AdminGetUserInput{UserPoolId: &pool, Username: aws.String(name)}); err == nil {
			t.Errorf("%s was created", name)
		}
	}

	// The email alias moves from holder to taker.
	e.user(pool, "holder", "shared@example.com", "Perm#Pass1")
	must[*cip.AdminUpdateUserAttributesOutput](t, "verify holder's email")(e.c.AdminUpdateUserAttributes(e.ctx,
		&cip.AdminUpdateUserAttributesInput{UserPoolId: &pool, Username: aws.String("holder"),
			UserAttributes: []types.AttributeType{attr("email_verified", "true")}}))
	if id := jwtClaims(t, *e.tokens(clientID, "shared@example.com", "Perm#Pass1").IdToken); id["cognito:username"] != "holder" {
		t.Fatalf("the alias signs in %v; want holder", id["cognito:username"])
	}
	out := must[*cip.SignUpOutput](t, "SignUp taker")(signUp("taker", attr("email", "shared@example.com")))
	if !out.UserConfirmed {
		t.Error("taker is not confirmed")
	}
	if got := e.userAttrs(pool, "taker")["email_verified"]; got != "true" {
		t.Errorf("taker's email_verified = %q; want true", got)
	}
	if got := e.userAttrs(pool, "holder")["email_verified"]; got != "false" {
		t.Errorf("holder's email_verified = %q; want false", got)
	}
	if id := jwtClaims(t, *e.tokens(clientID, "shared@example.com", "Perm#Pass1").IdToken); id["cognito:username"] != "taker" {
		t.Errorf("the alias signs in %v; want taker", id["cognito:username"])
	}
}

// TestTriggerAdminCreateUserValidationData: AdminCreateUser's
// ValidationData, "Temporary user attributes that contribute to the
// outcomes of your pre sign-up Lambda trigger", reaches the function.
// https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_AdminCreateUser.html
func TestTriggerAdminCreateUserValidationData(t *testing.T) {
	e, lambda := newTriggerEnv(t)
	lambda.handle("presignup", func(ev map[string]any) (any, error) { return ev, nil })
	pool := e.pool(func(in *cip.CreateUserPoolInput) {
		in.LambdaConfig = &types.LambdaConfigType{PreSignUp: aws.String(fnARN + "presignup")}
	})
	must[*cip.AdminCreateUserOutput](t, "AdminCreateUser")(e.c.AdminCreateUser(e.ctx, &cip.AdminCreateUserInput{
		UserPoolId: &pool, Username: aws.String("ana"), MessageAction: types.MessageActionTypeSuppress,
		ValidationData: []types.AttributeType{attr("invite", "X-42")}}))
	evs := lambda.events("presignup")
	if len(evs) != 1 || evs[0]["triggerSource"] != "PreSignUp_AdminCreateUser" {
		t.Fatalf("pre sign-up events: %v", evs)
	}
	if got := evs[0]["request"].(map[string]any)["validationData"]; !cmp.Equal(got, map[string]any{"invite": "X-42"}) {
		t.Errorf("validationData = %v; want {invite: X-42}", got)
	}
}

// TestTriggerPreTokenGenerationSources: the triggerSource of each way to
// tokens, among them TokenGeneration_NewPasswordChallenge ("This flow is
// invoked when the user has to change a temporary password"; Ninshou
// sends it for the sign-in's tokens when MFA follows the new password too)
// and TokenGeneration_AuthenticateDevice ("Called at the end of the
// authentication of a user device"), and TokenGeneration_RefreshTokens
// for a rotating refresh.
// https://docs.aws.amazon.com/cognito/latest/developerguide/user-pool-lambda-pre-token-generation.html
func TestTriggerPreTokenGenerationSources(t *testing.T) {
	e, lambda := newTriggerEnv(t)
	var mu sync.Mutex
	var sources []string
	lambda.handle("pretoken", func(ev map[string]any) (any, error) {
		mu.Lock()
		sources = append(sources, ev["triggerSource"].(string))
		mu.Unlock()
		return ev, nil
	})
	lastSource := func() string {
		mu.Lock()
		defer mu.Unlock()
		if len(sources) == 0 {
			return ""
		}
		return sources[len(sources)-1]
	}
	pool := e.pool(func(in *cip.CreateUserPoolInput) {
		in.DeviceConfiguration = &types.DeviceConfigurationType{ChallengeRequiredOnNewDevice: true}
		in.LambdaConfig = &types.LambdaConfigType{PreTokenGeneration: aws.String(fnARN + "pretoken")}
	})
	e.emailMFA(pool, types.UserPoolMfaTypeOn)
	clientID := *e.client(pool, func(in *cip.CreateUserPoolClientInput) {
		in.ExplicitAuthFlows = append(append([]types.ExplicitAuthFlowsType{}, passwordFlows...), types.ExplicitAuthFlowsTypeAllowUserSrpAuth)
	}).ClientId

	// A new password, then the EMAIL_OTP MFA.
	e.tempUser(pool, "kim", "kim@example.com", "Temp#Pass1")
	start := must[*cip.InitiateAuthOutput](t, "sign-in")(e.signIn(clientID, "kim", "Temp#Pass1"))
	otp := must[*cip.RespondToAuthChallengeOutput](t, "NEW_PASSWORD_REQUIRED")(e.respond(clientID,
		types.ChallengeNameTypeNewPasswordRequired, *start.Session, map[string]string{"USERNAME": "kim", "NEW_PASSWORD": "Perm#Pass1"}))
	first := e.mfaTokens(clientID, otp.Session, otp.ChallengeName).AuthenticationResult
	if got := lastSource(); got != "TokenGeneration_NewPasswordChallenge" {
		t.Errorf("after a new password and MFA: %q; want TokenGeneration_NewPasswordChallenge", got)
	}

	// The remembered device: its tokens come at the end of its proof.
	d, _ := e.confirmDevice(first)
	out := must[*cip.InitiateAuthOutput](t, "sign-in with the device")(e.signInDevice(clientID, d.key))
	res := must[*cip.RespondToAuthChallengeOutput](t, "device")(e.deviceSRP(clientID, out.Session, d, d.password))
	if res.AuthenticationResult == nil {
		t.Fatalf("the device's sign-in: %+v", res)
	}
	if got := lastSource(); got != "TokenGeneration_AuthenticateDevice" {
		t.Errorf("after the device's proof: %q; want TokenGeneration_AuthenticateDevice", got)
	}
	// A plain sign-in, with MFA.
	out = must[*cip.InitiateAuthOutput](t, "sign-in")(e.signIn(clientID, "kim", "Perm#Pass1"))
	e.mfaTokens(clientID, out.Session, out.ChallengeName)
	if got := lastSource(); got != "TokenGeneration_Authentication" {
		t.Errorf("after a sign-in with MFA: %q; want TokenGeneration_Authentication", got)
	}

	// A new password straight to tokens (no MFA), and a rotating refresh.
	var postAuths int
	lambda.handle("postauth", func(ev map[string]any) (any, error) {
		mu.Lock()
		postAuths++
		mu.Unlock()
		return ev, nil
	})
	countPostAuth := func() int {
		mu.Lock()
		defer mu.Unlock()
		return postAuths
	}
	plain := e.pool(func(in *cip.CreateUserPoolInput) {
		in.LambdaConfig = &types.LambdaConfigType{PreTokenGeneration: aws.String(fnARN + "pretoken"),
			PostAuthentication: aws.String(fnARN + "postauth")}
	})
	rotating := *e.client(plain, func(in *cip.CreateUserPoolClientInput) {
		in.ExplicitAuthFlows = []types.ExplicitAuthFlowsType{types.ExplicitAuthFlowsTypeAllowUserPasswordAuth}
		in.RefreshTokenRotation = &types.RefreshTokenRotationType{Feature: types.FeatureTypeEnabled}
	}).ClientId
	e.tempUser(plain, "bo", "bo@example.com", "Temp#Pass1")
	start = must[*cip.InitiateAuthOutput](t, "sign-in bo")(e.signIn(rotating, "bo", "Temp#Pass1"))
	done := must[*cip.RespondToAuthChallengeOutput](t, "NEW_PASSWORD_REQUIRED bo")(e.respond(rotating,
		types.ChallengeNameTypeNewPasswordRequired, *start.Session, map[string]string{"USERNAME": "bo", "NEW_PASSWORD": "Perm#Pass1"}))
	if got := lastSource(); done.AuthenticationResult == nil || got != "TokenGeneration_NewPasswordChallenge" {
		t.Errorf("after a new password: %q; want TokenGeneration_NewPasswordChallenge", got)
	}
	signIns := countPostAuth()
	if signIns != 1 {
		t.Errorf("post authentication ran %d times for one sign-in", signIns)
	}
	must[*types.AuthenticationResultType](t, "refresh")(e.refreshWith(rotating, "", *done.AuthenticationResult.RefreshToken))
	if got := lastSource(); got != "TokenGeneration_RefreshTokens" {
		t.Errorf("after a rotating refresh: %q; want TokenGeneration_RefreshTokens", got)
	}
	// A refresh is no authentication, though rotation hands out a refresh token.
	if got := countPostAuth(); got != signIns {
		t.Errorf("post authentication ran on a rotating refresh (%d calls, %d sign-ins)", got, signIns)
	}
}

// TestTriggerPreTokenGenerationFixedClaims: "You can not modify the
// following claims: acr, amr, aud, at_hash, auth_time, azp,
// cognito:username, exp, iat, identities, iss, jti, nbf, nonce,
// origin_jti, sub, token_use", in either token; other claims the function
// adds.
// https://docs.aws.amazon.com/cognito/latest/developerguide/user-pool-lambda-pre-token-generation.html
func TestTriggerPreTokenGenerationFixedClaims(t *testing.T) {
	e, lambda := newTriggerEnv(t)
	fixed := map[string]any{"acr": "x", "amr": []string{"x"}, "azp": "x", "at_hash": "x", "nonce": "x", "identities": "x",
		"cognito:username": "x", "Sub": "x", "tenant": "acme"}
	lambda.handle("pretoken1", func(ev map[string]any) (any, error) {
		return respond(ev, map[string]any{"claimsOverrideDetails": map[string]any{"claimsToAddOrOverride": fixed}}), nil
	})
	lambda.handle("pretoken2", func(ev map[string]any) (any, error) {
		return respond(ev, map[string]any{"claimsAndScopeOverrideDetails": map[string]any{
			"idTokenGeneration": map[string]any{"claimsToAddOrOverride": fixed}, "accessTokenGeneration": map[string]any{"claimsToAddOrOverride": fixed}}}), nil
	})
	check := func(what string, claims map[string]any) {
		t.Helper()
		for name := range fixed {
			switch v, ok := claims[name]; {
			case name == "tenant" || name == "cognito:username" && v != "x":
			case ok:
				t.Errorf("%s: the function set %s: %v", what, name, v)
			}
		}
		if claims["tenant"] != "acme" || claims["sub"] == "x" {
			t.Errorf("%s: tenant %v, sub %v", what, claims["tenant"], claims["sub"])
		}
	}
	for _, version := range []string{"1", "2"} {
		pool := e.pool(func(in *cip.CreateUserPoolInput) {
			in.LambdaConfig = &types.LambdaConfigType{PreTokenGenerationConfig: &types.PreTokenGenerationVersionConfigType{
				LambdaArn: aws.String(fnARN + "pretoken" + version), LambdaVersion: types.PreTokenGenerationLambdaVersionType("V" + version + "_0")}}
		})
		clientID := *e.client(pool).ClientId
		e.user(pool, "kim", "kim@example.com", "Perm#Pass1")
		res := e.tokens(clientID, "kim", "Perm#Pass1")
		id := jwtClaims(t, *res.IdToken)
		check("V"+version+" ID token", id)
		if id["cognito:username"] != "kim" {
			t.Errorf("V%s ID token cognito:username = %v", version, id["cognito:username"])
		}
		if version == "2" {
			check("V2 access token", jwtClaims(t, *res.AccessToken))
		}
	}
}

// TestTriggerPreTokenGenerationNullGroups: "If you provide an empty or null
// object in the response, then the groups are suppressed"; an answer
// without groupOverrideDetails leaves them.
// https://docs.aws.amazon.com/cognito/latest/developerguide/user-pool-lambda-pre-token-generation.html
func TestTriggerPreTokenGenerationNullGroups(t *testing.T) {
	e, lambda := newTriggerEnv(t)
	lambda.handle("pretoken", func(ev map[string]any) (any, error) {
		details := map[string]any{"claimsToAddOrOverride": map[string]any{"tenant": "acme"}}
		if ev["userName"] == "nul" {
			details["groupOverrideDetails"] = nil
		}
		return respond(ev, map[string]any{"claimsOverrideDetails": details}), nil
	})
	pool := e.pool(func(in *cip.CreateUserPoolInput) {
		in.LambdaConfig = &types.LambdaConfigType{PreTokenGeneration: aws.String(fnARN + "pretoken")}
	})
	clientID := *e.client(pool).ClientId
	e.group(pool, "admins", aws.Int32(1), "arn:aws:iam::123456789012:role/Admin")
	for _, name := range []string{"nul", "absent"} {
		e.user(pool, name, name+"@example.com", "Perm#Pass1")
		must[*cip.AdminAddUserToGroupOutput](t, "AdminAddUserToGroup")(e.c.AdminAddUserToGroup(e.ctx, &cip.AdminAddUserToGroupInput{
			UserPoolId: aws.String(pool), Username: aws.String(name), GroupName: aws.String("admins")}))
		res := e.tokens(clientID, name, "Perm#Pass1")
		id, access := jwtClaims(t, *res.IdToken), jwtClaims(t, *res.AccessToken)
		_, idGroups := id["cognito:groups"]
		_, role := id["cognito:preferred_role"]
		_, accessGroups := access["cognito:groups"]
		if want := name == "absent"; idGroups != want || role != want || accessGroups != want || id["tenant"] != "acme" {
			t.Errorf("groupOverrideDetails %s: ID token groups %v, preferred role %v, access token groups %v (want %v), tenant %v",
				name, idGroups, role, accessGroups, want, id["tenant"])
		}
	}
}

// TestTriggerCustomMessageInvitation: "A custom message Lambda function
// with the CustomMessage_AdminCreateUser trigger returns a user name and
// verification code and so the request must include both
// request.usernameParameter and request.codeParameter"; "If this is not
// the case, the default message is used instead"
// (awsdocs/amazon-cognito-developer-guide#31).
// https://docs.aws.amazon.com/cognito/latest/developerguide/user-pool-lambda-custom-message.html
func TestTriggerCustomMessageInvitation(t *testing.T) {
	e, lambda := newTriggerEnv(t)
	lambda.handle("message", func(ev map[string]any) (any, error) {
		return respond(ev, map[string]any{"emailMessage": "Your password is {####}."}), nil
	})
	pool := e.pool(func(in *cip.CreateUserPoolInput) {
		in.LambdaConfig = &types.LambdaConfigType{CustomMessage: aws.String(fnARN + "message")}
		in.AdminCreateUserConfig = &types.AdminCreateUserConfigType{InviteMessageTemplate: &types.MessageTemplateType{
			EmailSubject: aws.String("Welcome"), EmailMessage: aws.String("Hello {username}, use {####}.")}}
	})
	must[*cip.AdminCreateUserOutput](t, "AdminCreateUser")(e.c.AdminCreateUser(e.ctx, &cip.AdminCreateUserInput{UserPoolId: &pool,
		Username: aws.String("eve"), TemporaryPassword: aws.String("Temp#Pass9"), DesiredDeliveryMediums: []types.DeliveryMediumType{types.DeliveryMediumTypeEmail},
		UserAttributes: []types.AttributeType{attr("email", "eve@example.com")}}))
	if m := e.mailTo(t, "eve@example.com", 1); strings.TrimSpace(m.Body) != "Hello eve, use Temp#Pass9." {
		t.Errorf("an invitation whose custom message lacks {username}: %q; want the template's", m.Body)
	}
}

// TestTriggerUserMigrationAnswer: what the user migration function's
// answer decides beyond the user. messageAction: "SUPPRESS to suppress the
// welcome message usually sent by Amazon Cognito to new users. If this
// attribute is not returned, the welcome message will be sent";
// desiredDeliveryMediums: "If this attribute is not returned, the welcome
// message will be sent by SMS"; forceAliasCreation: "If this parameter is
// set to "true" and the phone number or email address specified in the
// UserAttributes parameter already exists as an alias with a different
// user, the API call will migrate the alias from the previous user to the
// newly created user"; false: "the user will not be migrated, and an error
// is returned". The welcome message is the pool's invitation ("The
// template for the welcome message to new users"), sent without a
// temporary password.
// https://docs.aws.amazon.com/cognito/latest/developerguide/user-pool-lambda-migrate-user.html
func TestTriggerUserMigrationAnswer(t *testing.T) {
	e, lambda := newTriggerEnv(t)
	lambda.handle("migrate", func(ev map[string]any) (any, error) {
		name := ev["userName"].(string)
		resp := map[string]any{"finalUserStatus": "CONFIRMED",
			"userAttributes": map[string]string{"email": name + "@example.com", "email_verified": "true"}}
		switch name {
		case "byemail":
			resp["desiredDeliveryMediums"] = []string{"EMAIL"}
		case "bysms":
			resp["userAttributes"] = map[string]string{"email": name + "@example.com", "email_verified": "true", "phone_number": "+15555550100"}
		case "quiet":
			resp["messageAction"] = "SUPPRESS"
			resp["desiredDeliveryMediums"] = []string{"EMAIL"}
		case "mover", "blocked":
			resp["userAttributes"] = map[string]string{"email": "shared@example.com", "email_verified": "true"}
			resp["messageAction"] = "SUPPRESS"
			resp["forceAliasCreation"] = name == "mover"
		}
		return respond(ev, resp), nil
	})
	pool := e.pool(func(in *cip.CreateUserPoolInput) {
		in.AliasAttributes = []types.AliasAttributeType{types.AliasAttributeTypeEmail}
		in.LambdaConfig = &types.LambdaConfigType{UserMigration: aws.String(fnARN + "migrate")}
		in.AdminCreateUserConfig = &types.AdminCreateUserConfigType{InviteMessageTemplate: &types.MessageTemplateType{
			EmailSubject: aws.String("Welcome"), EmailMessage: aws.String("Welcome, {username}.{####}"), SMSMessage: aws.String("Hi {username}{####}")}}
	})
	clientID := *e.client(pool).ClientId
	for _, name := range []string{"byemail", "bysms", "quiet"} {
		e.tokens(clientID, name, "Old#Pass1")
	}
	if m := e.mailTo(t, "byemail@example.com", 1); m.Subject != "Welcome" || strings.TrimSpace(m.Body) != "Welcome, byemail." {
		t.Errorf("the welcome email: %q %q", m.Subject, m.Body)
	}
	if sms := outbox(t, e.server, "+15555550100"); len(sms) != 1 || sms[0].Channel != "sms" || strings.TrimSpace(sms[0].Body) != "Hi bysms" {
		t.Errorf("the welcome SMS (the default medium): %+v", sms)
	}
	for _, addr := range []string{"bysms@example.com", "quiet@example.com"} {
		if msgs := outbox(t, e.server, addr); len(msgs) != 0 {
			t.Errorf("messages to %s: %+v; want none", addr, msgs)
		}
	}

	e.user(pool, "holder", "shared@example.com", "Perm#Pass1")
	must[*cip.AdminUpdateUserAttributesOutput](t, "verify holder's email")(e.c.AdminUpdateUserAttributes(e.ctx,
		&cip.AdminUpdateUserAttributesInput{UserPoolId: &pool, Username: aws.String("holder"),
			UserAttributes: []types.AttributeType{attr("email_verified", "true")}}))
	// InitiateAuth's model lists no AliasExistsException: the SDK shows
	// it as a generic API error.
	_, err := e.signIn(clientID, "blocked", "Old#Pass1")
	if ae := (smithy.APIError)(nil); !errors.As(err, &ae) || ae.ErrorCode() != "AliasExistsException" ||
		ae.ErrorMessage() != "An account with the email already exists." {
		t.Errorf("a migration onto a held alias without forceAliasCreation: %v", err)
	}
	e.tokens(clientID, "mover", "Old#Pass1")
	if got := e.userAttrs(pool, "holder")["email_verified"]; got != "false" {
		t.Errorf("holder's email_verified = %q; want false", got)
	}
	if id := jwtClaims(t, *e.tokens(clientID, "shared@example.com", "Old#Pass1").IdToken); id["cognito:username"] != "mover" {
		t.Errorf("the alias signs in %v; want mover", id["cognito:username"])
	}
}

// TestTriggerCustomSendersNotRun: the custom email and SMS sender
// functions are stored and shown but never run, even with a Lambda
// endpoint: Ninshou sends the messages itself and logs, once a pool, that
// it did not run the function.
func TestTriggerCustomSendersNotRun(t *testing.T) {
	e, lambda := newTriggerEnv(t)
	var logs syncBuffer
	e.App.Service.Log = slog.New(slog.NewTextHandler(&logs, nil))
	lambda.handle("sender", func(ev map[string]any) (any, error) { return nil, errors.New("never run") })
	pool := e.emailVerifyPool(func(in *cip.CreateUserPoolInput) {
		in.LambdaConfig = &types.LambdaConfigType{KMSKeyID: aws.String("arn:aws:kms:us-east-1:123456789012:key/k"),
			CustomEmailSender: &types.CustomEmailLambdaVersionConfigType{LambdaArn: aws.String(fnARN + "sender"), LambdaVersion: types.CustomEmailSenderLambdaVersionTypeV10},
			CustomSMSSender:   &types.CustomSMSLambdaVersionConfigType{LambdaArn: aws.String(fnARN + "sender"), LambdaVersion: types.CustomSMSSenderLambdaVersionTypeV10}}
		in.SmsConfiguration = &types.SmsConfigurationType{SnsCallerArn: aws.String("arn:aws:iam::123456789012:role/sns")}
	})
	clientID := *e.client(pool).ClientId
	must[*cip.SignUpOutput](t, "SignUp")(e.signUp(clientID, "ana", "Perm#Pass1", "ana@example.com"))
	if m := e.mailTo(t, "ana@example.com", 1); !sixDigits.MatchString(m.Body) {
		t.Errorf("the sign-up code: %q", m.Body)
	}
	must[*cip.AdminCreateUserOutput](t, "AdminCreateUser")(e.c.AdminCreateUser(e.ctx, &cip.AdminCreateUserInput{UserPoolId: &pool,
		Username: aws.String("bo"), UserAttributes: []types.AttributeType{attr("phone_number", "+15555550101")}}))
	if sms := outbox(t, e.server, "+15555550101"); len(sms) != 1 {
		t.Errorf("the invitation by SMS: %+v", sms)
	}
	if n := len(lambda.events("sender")); n != 0 {
		t.Errorf("a custom sender ran %d times", n)
	}
	for _, trigger := range []string{"CustomEmailSender", "CustomSMSSender"} {
		if n := strings.Count(logs.String(), `msg="Lambda trigger not run: Ninshou sends the message itself" pool=`+pool+" trigger="+trigger); n != 1 {
			t.Errorf("%s logged %d times; want once:\n%s", trigger, n, logs.String())
		}
	}
}

// syncBuffer is a bytes.Buffer that a server's goroutines may write to.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// TestTriggerCustomAuthEventsAndMFA: the custom challenge functions see
// their events as AWS's look (every session entry with challengeMetadata,
// null when none; the response's members null: real events logged in
// aws-amplify/amplify-js#5834), and a custom sign-in that never checks the
// password asks no MFA ("MFA is not supported when using passwordless
// authentication flows within a Custom Auth Flow", the Cognito team through
// aws-amplify/amplify-js#12887).
func TestTriggerCustomAuthEventsAndMFA(t *testing.T) {
	e, lambda := newTriggerEnv(t)
	var mu sync.Mutex
	var sent []map[string]any // Define's response members as Ninshou sent them
	lambda.handle("define", func(ev map[string]any) (any, error) {
		mu.Lock()
		sent = append(sent, maps.Clone(ev["response"].(map[string]any)))
		mu.Unlock()
		if session, _ := ev["request"].(map[string]any)["session"].([]any); len(session) > 0 {
			return respond(ev, map[string]any{"issueTokens": true}), nil
		}
		return respond(ev, map[string]any{"challengeName": "CUSTOM_CHALLENGE"}), nil
	})
	lambda.handle("create", func(ev map[string]any) (any, error) {
		return respond(ev, map[string]any{"publicChallengeParameters": map[string]string{"q": "?"},
			"privateChallengeParameters": map[string]string{"a": "yes"}}), nil
	})
	lambda.handle("verify", func(ev map[string]any) (any, error) {
		return respond(ev, map[string]any{"answerCorrect": true}), nil
	})
	pool := e.pool(func(in *cip.CreateUserPoolInput) {
		in.LambdaConfig = &types.LambdaConfigType{DefineAuthChallenge: aws.String(fnARN + "define"),
			CreateAuthChallenge: aws.String(fnARN + "create"), VerifyAuthChallengeResponse: aws.String(fnARN + "verify")}
	})
	e.emailMFA(pool, types.UserPoolMfaTypeOptional)
	clientID := *e.client(pool, func(in *cip.CreateUserPoolClientInput) {
		in.ExplicitAuthFlows = []types.ExplicitAuthFlowsType{types.ExplicitAuthFlowsTypeAllowCustomAuth, types.ExplicitAuthFlowsTypeAllowUserPasswordAuth}
	}).ClientId
	e.user(pool, "cy", "cy@example.com", "Perm#Pass1")
	must[*cip.AdminSetUserMFAPreferenceOutput](t, "AdminSetUserMFAPreference")(e.c.AdminSetUserMFAPreference(e.ctx, &cip.AdminSetUserMFAPreferenceInput{
		UserPoolId: aws.String(pool), Username: aws.String("cy"), EmailMfaSettings: &types.EmailMfaSettingsType{Enabled: true, PreferredMfa: true}}))
	if out := must[*cip.InitiateAuthOutput](t, "password sign-in")(e.signIn(clientID, "cy", "Perm#Pass1")); out.ChallengeName != types.ChallengeNameTypeEmailOtp {
		t.Fatalf("a password sign-in of a user with email MFA: %q", out.ChallengeName)
	}

	out := must[*cip.InitiateAuthOutput](t, "CUSTOM_AUTH")(e.c.InitiateAuth(e.ctx, &cip.InitiateAuthInput{ClientId: &clientID,
		AuthFlow: types.AuthFlowTypeCustomAuth, AuthParameters: map[string]string{"USERNAME": "cy"}}))
	done := must[*cip.RespondToAuthChallengeOutput](t, "CUSTOM_CHALLENGE")(e.c.RespondToAuthChallenge(e.ctx, &cip.RespondToAuthChallengeInput{
		ClientId: &clientID, ChallengeName: types.ChallengeNameTypeCustomChallenge, Session: out.Session,
		ChallengeResponses: map[string]string{"USERNAME": "cy", "ANSWER": "yes"}}))
	if done.AuthenticationResult == nil {
		t.Errorf("a passwordless custom sign-in of a user with email MFA: %q; want tokens", done.ChallengeName)
	}

	defs := lambda.events("define")
	if len(defs) != 2 {
		t.Fatalf("%d Define events", len(defs))
	}
	mu.Lock()
	defer mu.Unlock()
	if !cmp.Equal(sent[0], map[string]any{"challengeName": nil, "issueTokens": nil, "failAuthentication": nil}) {
		t.Errorf("Define's response as sent: %v", sent[0])
	}
	entry := defs[1]["request"].(map[string]any)["session"].([]any)[0].(map[string]any)
	if meta, ok := entry["challengeMetadata"]; !ok || meta != nil || entry["challengeName"] != "CUSTOM_CHALLENGE" || entry["challengeResult"] != true {
		t.Errorf("the session entry Define saw: %v", entry)
	}
}
