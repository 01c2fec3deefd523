package e2e

import (
	"errors"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/aws/smithy-go"
	"github.com/google/go-cmp/cmp"
)

// Shared helpers of the sdk_directory_*_test.go files.

var uuidPattern = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)

// emailVerifyPool is a pool that auto-verifies email, with the changes given.
func (e *sdkEnv) emailVerifyPool(change ...func(*cip.CreateUserPoolInput)) string {
	e.t.Helper()
	return e.pool(append([]func(*cip.CreateUserPoolInput){func(in *cip.CreateUserPoolInput) {
		in.AutoVerifiedAttributes = []types.VerifiedAttributeType{types.VerifiedAttributeTypeEmail}
	}}, change...)...)
}

func emailAttr(addr string) []types.AttributeType {
	return []types.AttributeType{{Name: aws.String("email"), Value: aws.String(addr)}}
}

// signUp is SignUp with an email attribute.
func (e *sdkEnv) signUp(clientID, username, password, email string) (*cip.SignUpOutput, error) {
	return e.c.SignUp(e.ctx, &cip.SignUpInput{ClientId: aws.String(clientID), Username: aws.String(username),
		Password: aws.String(password), UserAttributes: emailAttr(email)})
}

// code returns the code of the n-th message to addr, read from the SMTP server.
func (e *sdkEnv) code(addr string, n int) string {
	e.t.Helper()
	return codeIn(e.t, e.mailTo(e.t, addr, n))
}

func (e *sdkEnv) confirm(clientID, username, code string) error {
	_, err := e.c.ConfirmSignUp(e.ctx, &cip.ConfirmSignUpInput{ClientId: aws.String(clientID),
		Username: aws.String(username), ConfirmationCode: aws.String(code)})
	return err
}

// signedUp signs a user up and confirms it with the code mailed to it
// (the n-th message to email).
func (e *sdkEnv) signedUp(clientID, username, password, email string, n int) {
	e.t.Helper()
	must[*cip.SignUpOutput](e.t, "SignUp "+username)(e.signUp(clientID, username, password, email))
	if err := e.confirm(clientID, username, e.code(email, n)); err != nil {
		e.t.Fatalf("ConfirmSignUp %s: %v", username, err)
	}
}

func deliveryOf(d *types.CodeDeliveryDetailsType) [3]string {
	if d == nil {
		return [3]string{}
	}
	return [3]string{aws.ToString(d.Destination), string(d.DeliveryMedium), aws.ToString(d.AttributeName)}
}

// TestSDKSignUpLifecycle: sign up -> confirm -> sign in, with every error
// of SignUp, ConfirmSignUp and ResendConfirmationCode on the way.
func TestSDKSignUpLifecycle(t *testing.T) {
	e := newSDKEnv(t)
	pool := e.emailVerifyPool(func(in *cip.CreateUserPoolInput) {
		in.Schema = []types.SchemaAttributeType{{Name: aws.String("email"), Required: aws.Bool(true), Mutable: aws.Bool(true)}}
	})
	client := *e.client(pool).ClientId

	_, err := e.c.SignUp(e.ctx, &cip.SignUpInput{ClientId: aws.String(client), Username: aws.String("ann"), Password: aws.String("Perm#Pass1")})
	wantErr[*types.InvalidParameterException](t, err, "Attributes did not conform to the schema: email: The attribute is required\n")
	_, err = e.signUp(client, "ann", "short", "ann@example.com")
	wantErr[*types.InvalidPasswordException](t, err, "Password did not conform with policy: Password not long enough")
	_, err = e.signUp(client, "ann", "Perm#Pass1", "not-an-email")
	wantErr[*types.InvalidParameterException](t, err, "Invalid email address format.")

	out, err := e.signUp(client, "ann", "Perm#Pass1", "ann@example.com")
	if err != nil {
		t.Fatalf("SignUp: %v", err)
	}
	if out.UserConfirmed || !uuidPattern.MatchString(aws.ToString(out.UserSub)) {
		t.Errorf("SignUp: confirmed=%v sub=%q", out.UserConfirmed, aws.ToString(out.UserSub))
	}
	if got, want := deliveryOf(out.CodeDeliveryDetails), [3]string{"a***@e***", "EMAIL", "email"}; got != want {
		t.Errorf("CodeDeliveryDetails = %v; want %v", got, want)
	}
	m := e.mailTo(t, "ann@example.com", 1)
	if m.Subject != "Your verification code" || !regexp.MustCompile(`^Your verification code is [0-9]{6}\.\s*$`).MatchString(m.Body) {
		t.Errorf("confirmation mail: %q %q", m.Subject, m.Body)
	}
	u := e.getUser(pool, "ann")
	if u.UserStatus != types.UserStatusTypeUnconfirmed || attrMap(u.UserAttributes)["sub"] != *out.UserSub {
		t.Errorf("after SignUp: %s %v", u.UserStatus, attrMap(u.UserAttributes))
	}
	if _, ok := attrMap(u.UserAttributes)["email_verified"]; ok {
		t.Errorf("email_verified set before confirmation")
	}

	_, err = e.signUp(client, "ann", "Perm#Pass1", "ann2@example.com")
	wantErr[*types.UsernameExistsException](t, err, "User already exists")
	_, err = e.signIn(client, "ann", "Perm#Pass1")
	wantErr[*types.UserNotConfirmedException](t, err, "User is not confirmed.")

	first := e.code("ann@example.com", 1)
	wantErr[*types.CodeMismatchException](t, e.confirm(client, "ann", otherCode(first)), "Invalid verification code provided, please try again.")

	// A resent code replaces the first.
	resent, err := e.c.ResendConfirmationCode(e.ctx, &cip.ResendConfirmationCodeInput{ClientId: aws.String(client), Username: aws.String("ann")})
	if err != nil {
		t.Fatalf("ResendConfirmationCode: %v", err)
	}
	if got, want := deliveryOf(resent.CodeDeliveryDetails), [3]string{"a***@e***", "EMAIL", "email"}; got != want {
		t.Errorf("resent CodeDeliveryDetails = %v", got)
	}
	second := e.code("ann@example.com", 2)
	if first != second {
		wantErr[*types.CodeMismatchException](t, e.confirm(client, "ann", first), "Invalid verification code provided, please try again.")
	}
	if err := e.confirm(client, "ann", second); err != nil {
		t.Fatalf("ConfirmSignUp: %v", err)
	}
	u = e.getUser(pool, "ann")
	if u.UserStatus != types.UserStatusTypeConfirmed || attrMap(u.UserAttributes)["email_verified"] != "true" {
		t.Errorf("after ConfirmSignUp: %s %v", u.UserStatus, attrMap(u.UserAttributes))
	}
	wantErr[*types.NotAuthorizedException](t, e.confirm(client, "ann", second), "User cannot be confirmed. Current status is CONFIRMED")
	_, err = e.c.ResendConfirmationCode(e.ctx, &cip.ResendConfirmationCodeInput{ClientId: aws.String(client), Username: aws.String("ann")})
	wantErr[*types.InvalidParameterException](t, err, "User is already confirmed.")
	e.tokens(client, "ann", "Perm#Pass1")

	// Unknown users, with the default LEGACY client.
	wantErr[*types.UserNotFoundException](t, e.confirm(client, "nobody", "123456"), "Username/client id combination not found.")
	_, err = e.c.ResendConfirmationCode(e.ctx, &cip.ResendConfirmationCodeInput{ClientId: aws.String(client), Username: aws.String("nobody")})
	wantErr[*types.UserNotFoundException](t, err, "Username/client id combination not found.")

	// Codes live 24 hours.
	must[*cip.SignUpOutput](t, "SignUp bo")(e.signUp(client, "bo", "Perm#Pass1", "bo@example.com"))
	code := e.code("bo@example.com", 1)
	e.Clock.Advance(24*time.Hour + time.Second)
	wantErr[*types.ExpiredCodeException](t, e.confirm(client, "bo", code), "Invalid code provided, please request a code again.")

	// Fifteen wrong codes, then even the right one is refused.
	must[*cip.SignUpOutput](t, "SignUp cy")(e.signUp(client, "cy", "Perm#Pass1", "cy@example.com"))
	code = e.code("cy@example.com", 1)
	for i := 0; i < 15; i++ {
		wantErr[*types.CodeMismatchException](t, e.confirm(client, "cy", otherCode(code)), "Invalid verification code provided, please try again.")
	}
	wantErr[*types.LimitExceededException](t, e.confirm(client, "cy", code), "Attempt limit exceeded, please try after some time.")

	// AdminConfirmSignUp needs no code and verifies nothing.
	if _, err := e.c.AdminConfirmSignUp(e.ctx, &cip.AdminConfirmSignUpInput{UserPoolId: aws.String(pool), Username: aws.String("cy")}); err != nil {
		t.Fatalf("AdminConfirmSignUp: %v", err)
	}
	u = e.getUser(pool, "cy")
	if u.UserStatus != types.UserStatusTypeConfirmed || attrMap(u.UserAttributes)["email_verified"] != "" {
		t.Errorf("after AdminConfirmSignUp: %s %v", u.UserStatus, attrMap(u.UserAttributes))
	}
	_, err = e.c.AdminConfirmSignUp(e.ctx, &cip.AdminConfirmSignUpInput{UserPoolId: aws.String(pool), Username: aws.String("cy")})
	wantErr[*types.NotAuthorizedException](t, err, "User cannot be confirmed. Current status is CONFIRMED")
	e.tokens(client, "cy", "Perm#Pass1")
}

// TestSDKSignUpSettings: admin-only pools, client secrets, custom texts,
// phone verification and pools that verify nothing.
func TestSDKSignUpSettings(t *testing.T) {
	e := newSDKEnv(t)

	adminOnly := e.pool(func(in *cip.CreateUserPoolInput) {
		in.AdminCreateUserConfig = &types.AdminCreateUserConfigType{AllowAdminCreateUserOnly: true}
	})
	_, err := e.signUp(*e.client(adminOnly).ClientId, "ann", "Perm#Pass1", "ann@example.com")
	wantErr[*types.NotAuthorizedException](t, err, "SignUp is not permitted for this user pool.")

	pool := e.emailVerifyPool(func(in *cip.CreateUserPoolInput) {
		in.VerificationMessageTemplate = &types.VerificationMessageTemplateType{
			EmailMessage: aws.String("Welcome! Your code: {####}"), EmailSubject: aws.String("Confirm your account")}
	})
	secret := e.client(pool, func(in *cip.CreateUserPoolClientInput) { in.GenerateSecret = true })
	_, err = e.signUp(*secret.ClientId, "ann", "Perm#Pass1", "ann@example.com")
	wantErr[*types.NotAuthorizedException](t, err, "Client "+*secret.ClientId+" is configured with secret but SECRET_HASH was not received")
	_, err = e.c.SignUp(e.ctx, &cip.SignUpInput{ClientId: secret.ClientId, Username: aws.String("ann"), Password: aws.String("Perm#Pass1"),
		UserAttributes: emailAttr("ann@example.com"), SecretHash: aws.String(secretHash(*secret.ClientSecret, "ann", *secret.ClientId))})
	if err != nil {
		t.Fatalf("SignUp with SecretHash: %v", err)
	}
	m := e.mailTo(t, "ann@example.com", 1)
	if m.Subject != "Confirm your account" || !strings.HasPrefix(m.Body, "Welcome! Your code: ") {
		t.Errorf("custom template: %q %q", m.Subject, m.Body)
	}
	_, err = e.c.ConfirmSignUp(e.ctx, &cip.ConfirmSignUpInput{ClientId: secret.ClientId, Username: aws.String("ann"),
		ConfirmationCode: aws.String(codeIn(t, m)), SecretHash: aws.String("bad")})
	wantErr[*types.NotAuthorizedException](t, err, "Unable to verify secret hash for client "+*secret.ClientId)

	// An auto-verified phone needs SMS configuration, in Cognito's words
	// (hashicorp/terraform-provider-aws#28294).
	_, err = e.c.CreateUserPool(e.ctx, &cip.CreateUserPoolInput{PoolName: aws.String("nosms"),
		AutoVerifiedAttributes: []types.VerifiedAttributeType{types.VerifiedAttributeTypePhoneNumber}})
	wantErr[*types.InvalidParameterException](t, err, "SMS configuration is required when phone_number is selected for auto verification")
	_, err = e.c.UpdateUserPool(e.ctx, &cip.UpdateUserPoolInput{UserPoolId: aws.String(e.pool()),
		AutoVerifiedAttributes: []types.VerifiedAttributeType{types.VerifiedAttributeTypePhoneNumber}})
	wantErr[*types.InvalidParameterException](t, err, "SMS configuration is required when phone_number is selected for auto verification")
	// Both addresses auto-verified: Cognito verifies the phone only.
	both := e.pool(func(in *cip.CreateUserPoolInput) {
		in.AutoVerifiedAttributes = []types.VerifiedAttributeType{types.VerifiedAttributeTypeEmail, types.VerifiedAttributeTypePhoneNumber}
		in.SmsConfiguration = &types.SmsConfigurationType{SnsCallerArn: aws.String("arn:aws:iam::123456789012:role/sns")}
	})
	out, err := e.c.SignUp(e.ctx, &cip.SignUpInput{ClientId: e.client(both).ClientId, Username: aws.String("pat"), Password: aws.String("Perm#Pass1"),
		UserAttributes: []types.AttributeType{{Name: aws.String("email"), Value: aws.String("pat@example.com")},
			{Name: aws.String("phone_number"), Value: aws.String("+14155550123")}}})
	if err != nil {
		t.Fatalf("SignUp (phone): %v", err)
	}
	if got, want := deliveryOf(out.CodeDeliveryDetails), [3]string{"+*******0123", "SMS", "phone_number"}; got != want {
		t.Errorf("CodeDeliveryDetails = %v; want %v", got, want)
	}
	if msgs := outbox(t, e.server, "+14155550123"); len(msgs) != 1 || msgs[0].Channel != "sms" || !sixDigits.MatchString(msgs[0].Body) {
		t.Errorf("SMS outbox: %+v", msgs)
	}
	if msgs := outbox(t, e.server, "pat@example.com"); len(msgs) != 0 {
		t.Errorf("email also sent: %+v", msgs)
	}

	// Nothing auto-verified: no code, and no resending one.
	plain := e.pool()
	plainClient := *e.client(plain).ClientId
	out, err = e.signUp(plainClient, "kai", "Perm#Pass1", "kai@example.com")
	if err != nil || out.CodeDeliveryDetails != nil {
		t.Fatalf("SignUp without auto-verification: %v %v", err, out)
	}
	_, err = e.c.ResendConfirmationCode(e.ctx, &cip.ResendConfirmationCodeInput{ClientId: aws.String(plainClient), Username: aws.String("kai")})
	wantErr[*types.InvalidParameterException](t, err, "Cannot resend codes. Auto verification not turned on.")
	wantErr[*types.ExpiredCodeException](t, e.confirm(plainClient, "kai", "123456"), "Invalid code provided, please request a code again.")
}

// TestSDKUsernamesAndAliases: email as username, email and
// preferred_username as aliases (active once verified), case-insensitive
// pools, AliasExistsException and ForceAliasCreation moving an alias.
func TestSDKUsernamesAndAliases(t *testing.T) {
	e := newSDKEnv(t)

	// Email as username: the username is the sub.
	byEmail := e.emailVerifyPool(func(in *cip.CreateUserPoolInput) {
		in.UsernameAttributes = []types.UsernameAttributeType{types.UsernameAttributeTypeEmail}
	})
	c1 := *e.client(byEmail).ClientId
	_, err := e.c.SignUp(e.ctx, &cip.SignUpInput{ClientId: aws.String(c1), Username: aws.String("ann"), Password: aws.String("Perm#Pass1")})
	// In Cognito's words for an email-only pool, which apps match.
	wantErr[*types.InvalidParameterException](t, err, "Username should be an email.")
	out, err := e.c.SignUp(e.ctx, &cip.SignUpInput{ClientId: aws.String(c1), Username: aws.String("ann@example.com"), Password: aws.String("Perm#Pass1")})
	if err != nil {
		t.Fatalf("SignUp by email: %v", err)
	}
	_, err = e.c.SignUp(e.ctx, &cip.SignUpInput{ClientId: aws.String(c1), Username: aws.String("ann@example.com"), Password: aws.String("Perm#Pass1")})
	wantErr[*types.UsernameExistsException](t, err, "An account with the given email already exists.")
	if err := e.confirm(c1, "ann@example.com", e.code("ann@example.com", 1)); err != nil {
		t.Fatalf("ConfirmSignUp by email: %v", err)
	}
	u := e.getUser(byEmail, "ann@example.com")
	if *u.Username != *out.UserSub || attrMap(u.UserAttributes)["email"] != "ann@example.com" {
		t.Errorf("email-as-username user: %s %v", *u.Username, attrMap(u.UserAttributes))
	}
	// An email attribute beside an email username must be that address
	// (Cognito's words, as apps match them).
	const otherEmail = "User email should be empty or same as username, since username attribute is email."
	_, err = e.c.SignUp(e.ctx, &cip.SignUpInput{ClientId: aws.String(c1), Username: aws.String("bea@example.com"), Password: aws.String("Perm#Pass1"),
		UserAttributes: emailAttr("other@example.com")})
	wantErr[*types.InvalidParameterException](t, err, otherEmail)
	_, err = e.c.AdminCreateUser(e.ctx, &cip.AdminCreateUserInput{UserPoolId: aws.String(byEmail), Username: aws.String("bea@example.com"),
		MessageAction: types.MessageActionTypeSuppress, UserAttributes: emailAttr("other@example.com")})
	wantErr[*types.InvalidParameterException](t, err, otherEmail)
	must[*cip.AdminCreateUserOutput](t, "AdminCreateUser with the same email")(e.c.AdminCreateUser(e.ctx, &cip.AdminCreateUserInput{
		UserPoolId: aws.String(byEmail), Username: aws.String("bea@example.com"), MessageAction: types.MessageActionTypeSuppress,
		UserAttributes: emailAttr("bea@example.com")}))
	e.tokens(c1, "ann@example.com", "Perm#Pass1")

	// Aliases in a case-insensitive pool.
	aliases := e.emailVerifyPool(func(in *cip.CreateUserPoolInput) {
		in.AliasAttributes = []types.AliasAttributeType{types.AliasAttributeTypeEmail, types.AliasAttributeTypePreferredUsername}
		in.UsernameConfiguration = &types.UsernameConfigurationType{CaseSensitive: aws.Bool(false)}
	})
	c2 := *e.client(aliases).ClientId
	_, err = e.signUp(c2, "kim@example.com", "Perm#Pass1", "kim@example.com")
	wantErr[*types.InvalidParameterException](t, err, "Username cannot be of email format, since user pool is configured for email alias.")
	// A preferred_username alias waits for the confirmed account
	// (user-pool-settings-attributes.html; the text is Cognito's,
	// aws-amplify/amplify-js#1669).
	const noPreferred = "Preferred username cannot be provided for unconfirmed account, since user pool is configured for preferred username alias."
	_, err = e.c.SignUp(e.ctx, &cip.SignUpInput{ClientId: aws.String(c2), Username: aws.String("Kim"), Password: aws.String("Perm#Pass1"),
		UserAttributes: append(emailAttr("kim@example.com"), types.AttributeType{Name: aws.String("preferred_username"), Value: aws.String("kimmy")})})
	wantErr[*types.InvalidParameterException](t, err, noPreferred)
	must[*cip.SignUpOutput](t, "SignUp Kim")(e.signUp(c2, "Kim", "Perm#Pass1", "kim@example.com"))
	_, err = e.c.AdminUpdateUserAttributes(e.ctx, &cip.AdminUpdateUserAttributesInput{UserPoolId: aws.String(aliases), Username: aws.String("Kim"),
		UserAttributes: []types.AttributeType{{Name: aws.String("preferred_username"), Value: aws.String("kimmy")}}})
	wantErr[*types.InvalidParameterException](t, err, noPreferred)
	// A phone-shaped username where phone_number is an alias.
	phoneAlias := e.pool(func(in *cip.CreateUserPoolInput) {
		in.AliasAttributes = []types.AliasAttributeType{types.AliasAttributeTypePhoneNumber}
	})
	_, err = e.signUp(*e.client(phoneAlias).ClientId, "+14155550123", "Perm#Pass1", "pat@example.com")
	wantErr[*types.InvalidParameterException](t, err, "Username cannot be of phone number format, since user pool is configured for phone number alias.")
	_, err = e.c.AdminCreateUser(e.ctx, &cip.AdminCreateUserInput{UserPoolId: aws.String(phoneAlias), Username: aws.String("+14155550123"),
		MessageAction: types.MessageActionTypeSuppress})
	wantErr[*types.InvalidParameterException](t, err, "Username cannot be of phone number format, since user pool is configured for phone number alias.")
	// An unverified email is no alias yet.
	_, err = e.signIn(c2, "kim@example.com", "Perm#Pass1")
	wantErr[*types.UserNotFoundException](t, err, "User does not exist.")
	if err := e.confirm(c2, "KIM", e.code("kim@example.com", 1)); err != nil {
		t.Fatalf("ConfirmSignUp KIM: %v", err)
	}
	must[*cip.AdminUpdateUserAttributesOutput](t, "preferred_username once confirmed")(e.c.AdminUpdateUserAttributes(e.ctx,
		&cip.AdminUpdateUserAttributesInput{UserPoolId: aws.String(aliases), Username: aws.String("Kim"),
			UserAttributes: []types.AttributeType{{Name: aws.String("preferred_username"), Value: aws.String("kimmy")}}}))
	for _, name := range []string{"Kim", "kim", "KIM@example.com", "kimmy"} {
		e.tokens(c2, name, "Perm#Pass1")
	}

	// Lee signs up with Kim's email: confirming would take the alias.
	must[*cip.SignUpOutput](t, "SignUp lee")(e.signUp(c2, "lee", "Perm#Pass2", "kim@example.com"))
	code := e.code("kim@example.com", 2)
	_, err = e.c.ConfirmSignUp(e.ctx, &cip.ConfirmSignUpInput{ClientId: aws.String(c2), Username: aws.String("lee"), ConfirmationCode: aws.String(code)})
	wantErr[*types.AliasExistsException](t, err, "An account with the email already exists.")
	if e.getUser(aliases, "lee").UserStatus != types.UserStatusTypeUnconfirmed {
		t.Errorf("a failed confirmation confirmed lee")
	}
	_, err = e.c.ConfirmSignUp(e.ctx, &cip.ConfirmSignUpInput{ClientId: aws.String(c2), Username: aws.String("lee"),
		ConfirmationCode: aws.String(code), ForceAliasCreation: true})
	if err != nil {
		t.Fatalf("ConfirmSignUp with ForceAliasCreation: %v", err)
	}
	tok := e.tokens(c2, "kim@example.com", "Perm#Pass2")
	got := must[*cip.GetUserOutput](t, "GetUser")(e.c.GetUser(e.ctx, &cip.GetUserInput{AccessToken: tok.AccessToken}))
	if *got.Username != "lee" {
		t.Errorf("the email alias signs in %s; want lee", *got.Username)
	}
	if diff := cmp.Diff("false", attrMap(e.getUser(aliases, "kim").UserAttributes)["email_verified"]); diff != "" {
		t.Errorf("kim's email_verified after the move (-want +got):\n%s", diff)
	}
	e.tokens(c2, "kim", "Perm#Pass1") // still signs in by username

	// AdminCreateUser moves a verified email alias the same way
	// (API_AdminCreateUser, ForceAliasCreation), and without it refuses.
	admin := func(name string, force bool) error {
		_, err := e.c.AdminCreateUser(e.ctx, &cip.AdminCreateUserInput{UserPoolId: aws.String(aliases), Username: aws.String(name),
			MessageAction: types.MessageActionTypeSuppress, ForceAliasCreation: force,
			UserAttributes: append(emailAttr("kim@example.com"), types.AttributeType{Name: aws.String("email_verified"), Value: aws.String("true")})})
		return err
	}
	// (AliasExistsException is not among AdminCreateUser's modelled
	// errors, so the SDK gives it untyped.)
	if err := admin("max", false); func() bool {
		var ae smithy.APIError
		return !errors.As(err, &ae) || ae.ErrorCode() != "AliasExistsException" || ae.ErrorMessage() != "An account with the email already exists."
	}() {
		t.Errorf("AdminCreateUser of a held alias without force: %v", err)
	}
	if err := admin("max", true); err != nil {
		t.Fatalf("AdminCreateUser with ForceAliasCreation: %v", err)
	}
	if got := e.getUser(aliases, "kim@example.com"); *got.Username != "max" {
		t.Errorf("the email alias names %s; want max", *got.Username)
	}
	if diff := cmp.Diff("false", attrMap(e.getUser(aliases, "lee").UserAttributes)["email_verified"]); diff != "" {
		t.Errorf("lee's email_verified after the move (-want +got):\n%s", diff)
	}
}

// TestSDKPasswordShape: a space inside a password is a symbol, at either
// end it is refused with the pattern Cognito checks (^[\S]+.*[\S]+$, not
// the model's [\S]+; user-pool-settings-policies.html: "The space character
// is also treated as a special character"); NEW_PASSWORD meets the same
// shape and length as every password member; AdminCreateUser words a
// policy failure its own way (data-dot-all/dataall#690 quotes it).
func TestSDKPasswordShape(t *testing.T) {
	e := newSDKEnv(t)
	pool := e.pool()
	client := *e.client(pool).ClientId
	if _, err := e.c.SignUp(e.ctx, &cip.SignUpInput{ClientId: aws.String(client), Username: aws.String("sam"),
		Password: aws.String("Abcdef g1")}); err != nil {
		t.Errorf("a space inside the password: %v", err)
	}
	_, err := e.c.SignUp(e.ctx, &cip.SignUpInput{ClientId: aws.String(client), Username: aws.String("sal"), Password: aws.String(" Abcdef#g1")})
	wantErr[*types.InvalidParameterException](t, err,
		`1 validation error detected: Value at 'password' failed to satisfy constraint: Member must satisfy regular expression pattern: ^[\S]+.*[\S]+$`)

	_, err = e.c.AdminCreateUser(e.ctx, &cip.AdminCreateUserInput{UserPoolId: aws.String(pool), Username: aws.String("ada"),
		TemporaryPassword: aws.String("abcdefg1!"), MessageAction: types.MessageActionTypeSuppress})
	wantErr[*types.InvalidPasswordException](t, err, "Password did not conform with password policy: Password must have uppercase characters")

	e.tempUser(pool, "kim", "kim@example.com", "Temp#Pass1")
	out := must[*cip.InitiateAuthOutput](t, "sign-in")(e.signIn(client, "kim", "Temp#Pass1"))
	for pw, msg := range map[string]string{
		"Ab1!" + strings.Repeat("x", 300): "Password does not conform to policy: Password must be at most 256 characters long",
		" Abcdef#g1":                      "Password does not conform to policy: Password must not begin or end with white space",
		"Abcdef#g1\t":                     "Password does not conform to policy: Password must not begin or end with white space",
	} {
		_, err := e.respond(client, types.ChallengeNameTypeNewPasswordRequired, *out.Session,
			map[string]string{"USERNAME": "kim", "NEW_PASSWORD": pw})
		wantErr[*types.InvalidPasswordException](t, err, msg)
	}
	done := must[*cip.RespondToAuthChallengeOutput](t, "NEW_PASSWORD_REQUIRED")(e.respond(client, types.ChallengeNameTypeNewPasswordRequired,
		*out.Session, map[string]string{"USERNAME": "kim", "NEW_PASSWORD": "New pass 1"}))
	if done.AuthenticationResult == nil {
		t.Fatal("no tokens after a new password with a space inside")
	}
	e.tokens(client, "kim", "New pass 1")
}
