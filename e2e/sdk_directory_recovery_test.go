package e2e

import (
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
)

// verifiedUser creates a CONFIRMED user whose email is verified.
func (e *sdkEnv) verifiedUser(pool, username, email, password string) {
	e.t.Helper()
	e.user(pool, username, email, password)
	_, err := e.c.AdminUpdateUserAttributes(e.ctx, &cip.AdminUpdateUserAttributesInput{UserPoolId: aws.String(pool), Username: aws.String(username),
		UserAttributes: []types.AttributeType{{Name: aws.String("email_verified"), Value: aws.String("true")}}})
	if err != nil {
		e.t.Fatalf("verify email of %s: %v", username, err)
	}
}

func (e *sdkEnv) forgot(clientID, username string) (*cip.ForgotPasswordOutput, error) {
	return e.c.ForgotPassword(e.ctx, &cip.ForgotPasswordInput{ClientId: aws.String(clientID), Username: aws.String(username)})
}

func (e *sdkEnv) confirmForgot(clientID, username, code, password string) error {
	_, err := e.c.ConfirmForgotPassword(e.ctx, &cip.ConfirmForgotPasswordInput{ClientId: aws.String(clientID),
		Username: aws.String(username), ConfirmationCode: aws.String(code), Password: aws.String(password)})
	return err
}

const (
	msgMismatch = "Invalid verification code provided, please try again."
	msgExpired  = "Invalid code provided, please request a code again."
	msgLimit    = "Attempt limit exceeded, please try after some time."
)

// TestSDKForgotPassword: forgot -> confirm -> sign in with the new
// password, and every refusal on the way.
func TestSDKForgotPassword(t *testing.T) {
	e := newSDKEnv(t)
	pool := e.emailVerifyPool()
	client := *e.client(pool).ClientId

	e.user(pool, "ann", "ann@example.com", "Perm#Pass1")
	_, err := e.forgot(client, "ann")
	wantErr[*types.InvalidParameterException](t, err, "Cannot reset password for the user as there is no registered/verified email or phone_number")
	e.verifiedUser(pool, "bo", "bo@example.com", "Perm#Pass1")
	out, err := e.forgot(client, "bo")
	if err != nil {
		t.Fatalf("ForgotPassword: %v", err)
	}
	if got, want := deliveryOf(out.CodeDeliveryDetails), [3]string{"b***@e***", "EMAIL", "email"}; got != want {
		t.Errorf("CodeDeliveryDetails = %v; want %v", got, want)
	}
	code := e.code("bo@example.com", 1)
	wantErr[*types.CodeMismatchException](t, e.confirmForgot(client, "bo", otherCode(code), "New#Pass22"), msgMismatch)
	wantErr[*types.InvalidPasswordException](t, e.confirmForgot(client, "bo", code, "weak"), "Password does not conform to policy: Password not long enough")
	if err := e.confirmForgot(client, "bo", code, "New#Pass22"); err != nil {
		t.Fatalf("ConfirmForgotPassword: %v", err)
	}
	wantErr[*types.ExpiredCodeException](t, e.confirmForgot(client, "bo", code, "New#Pass33"), msgExpired)
	_, err = e.signIn(client, "bo", "Perm#Pass1")
	wantErr[*types.NotAuthorizedException](t, err, "Incorrect username or password.")
	e.tokens(client, "bo", "New#Pass22")

	// Never requested, unknown, expired, too many wrong answers.
	e.verifiedUser(pool, "cy", "cy@example.com", "Perm#Pass1")
	wantErr[*types.ExpiredCodeException](t, e.confirmForgot(client, "cy", "123456", "New#Pass22"), msgExpired)
	_, err = e.forgot(client, "nobody")
	wantErr[*types.UserNotFoundException](t, err, "Username/client id combination not found.")
	wantErr[*types.UserNotFoundException](t, e.confirmForgot(client, "nobody", "123456", "New#Pass22"), "Username/client id combination not found.")
	must[*cip.ForgotPasswordOutput](t, "ForgotPassword cy")(e.forgot(client, "cy"))
	code = e.code("cy@example.com", 1)
	e.Clock.Advance(time.Hour + time.Second)
	wantErr[*types.ExpiredCodeException](t, e.confirmForgot(client, "cy", code, "New#Pass22"), msgExpired)
	must[*cip.ForgotPasswordOutput](t, "ForgotPassword cy")(e.forgot(client, "cy"))
	code = e.code("cy@example.com", 2)
	for i := 0; i < 5; i++ {
		wantErr[*types.CodeMismatchException](t, e.confirmForgot(client, "cy", otherCode(code), "New#Pass22"), msgMismatch)
	}
	wantErr[*types.LimitExceededException](t, e.confirmForgot(client, "cy", code, "New#Pass22"), msgLimit)

	// Disabled users and users that still hold a temporary password.
	e.verifiedUser(pool, "dee", "dee@example.com", "Perm#Pass1")
	must[*cip.AdminDisableUserOutput](t, "AdminDisableUser")(e.c.AdminDisableUser(e.ctx, &cip.AdminDisableUserInput{UserPoolId: aws.String(pool), Username: aws.String("dee")}))
	_, err = e.forgot(client, "dee")
	wantErr[*types.NotAuthorizedException](t, err, "User is disabled.")
	wantErr[*types.NotAuthorizedException](t, e.confirmForgot(client, "dee", "123456", "New#Pass22"), "User is disabled.")
	e.tempUser(pool, "eve", "eve@example.com", "Temp#Pass1")
	_, err = e.forgot(client, "eve")
	wantErr[*types.NotAuthorizedException](t, err, "User password cannot be reset in the current state.")
}

// TestSDKAdminResetUserPassword: admin reset -> PasswordResetRequiredException
// -> ConfirmForgotPassword -> sign in.
func TestSDKAdminResetUserPassword(t *testing.T) {
	e := newSDKEnv(t)
	pool := e.emailVerifyPool()
	client := *e.client(pool).ClientId
	e.verifiedUser(pool, "ann", "ann@example.com", "Perm#Pass1")
	if _, err := e.c.AdminResetUserPassword(e.ctx, &cip.AdminResetUserPasswordInput{UserPoolId: aws.String(pool), Username: aws.String("ann")}); err != nil {
		t.Fatalf("AdminResetUserPassword: %v", err)
	}
	if s := e.getUser(pool, "ann").UserStatus; s != types.UserStatusTypeResetRequired {
		t.Errorf("status = %s; want RESET_REQUIRED", s)
	}
	_, err := e.signIn(client, "ann", "Perm#Pass1")
	wantErr[*types.PasswordResetRequiredException](t, err, "Password reset required for the user")
	if err := e.confirmForgot(client, "ann", e.code("ann@example.com", 1), "New#Pass22"); err != nil {
		t.Fatalf("ConfirmForgotPassword: %v", err)
	}
	if s := e.getUser(pool, "ann").UserStatus; s != types.UserStatusTypeConfirmed {
		t.Errorf("status = %s; want CONFIRMED", s)
	}
	e.tokens(client, "ann", "New#Pass22")

	_, err = e.c.AdminResetUserPassword(e.ctx, &cip.AdminResetUserPasswordInput{UserPoolId: aws.String(pool), Username: aws.String("nobody")})
	wantErr[*types.UserNotFoundException](t, err, "User does not exist.")
}

// TestSDKAccountRecoverySetting: the recovery mechanisms by priority, MFA
// disqualifying a factor, and admin_only.
func TestSDKAccountRecoverySetting(t *testing.T) {
	e := newSDKEnv(t)
	recovery := func(opts ...types.RecoveryOptionType) func(*cip.CreateUserPoolInput) {
		return func(in *cip.CreateUserPoolInput) {
			in.AccountRecoverySetting = &types.AccountRecoverySettingType{RecoveryMechanisms: opts}
		}
	}
	phoneFirst := e.emailVerifyPool(recovery(
		types.RecoveryOptionType{Name: types.RecoveryOptionNameTypeVerifiedPhoneNumber, Priority: aws.Int32(1)},
		types.RecoveryOptionType{Name: types.RecoveryOptionNameTypeVerifiedEmail, Priority: aws.Int32(2)}))
	c1 := *e.client(phoneFirst).ClientId
	e.verifiedUser(phoneFirst, "ann", "ann@example.com", "Perm#Pass1")
	out, err := e.forgot(c1, "ann")
	if err != nil || deliveryOf(out.CodeDeliveryDetails) != [3]string{"a***@e***", "EMAIL", "email"} {
		t.Fatalf("ForgotPassword with only an email: %v %v", err, out)
	}
	// PreventUserExistenceErrors ENABLED: a name nobody has gets the medium
	// real users get in this pool, which verifies email only, whatever the
	// order ranks first ("determined by the input username format and
	// verification settings of the user pool", cognito-user-pool-managing-errors.html).
	hiding := *e.client(phoneFirst, func(in *cip.CreateUserPoolClientInput) {
		in.PreventUserExistenceErrors = types.PreventUserExistenceErrorTypesEnabled
	}).ClientId
	out, err = e.forgot(hiding, "ghost")
	if err != nil || out.CodeDeliveryDetails == nil || out.CodeDeliveryDetails.DeliveryMedium != types.DeliveryMediumTypeEmail {
		t.Fatalf("ForgotPassword for an unknown name, ENABLED: %v %+v; want a simulated EMAIL delivery", err, out)
	}

	// Email MFA disqualifies the email for recovery.
	emailOnly := e.emailVerifyPool(recovery(types.RecoveryOptionType{Name: types.RecoveryOptionNameTypeVerifiedEmail, Priority: aws.Int32(1)}))
	e.emailMFA(emailOnly, types.UserPoolMfaTypeOptional)
	c2 := *e.client(emailOnly).ClientId
	e.verifiedUser(emailOnly, "bo", "bo@example.com", "Perm#Pass1")
	_, err = e.c.AdminSetUserMFAPreference(e.ctx, &cip.AdminSetUserMFAPreferenceInput{UserPoolId: aws.String(emailOnly), Username: aws.String("bo"),
		EmailMfaSettings: &types.EmailMfaSettingsType{Enabled: true}})
	if err != nil {
		t.Fatalf("AdminSetUserMFAPreference: %v", err)
	}
	_, err = e.forgot(c2, "bo")
	wantErr[*types.InvalidParameterException](t, err, "Cannot reset password for the user as there is no registered/verified email or phone_number")

	adminOnly := e.emailVerifyPool(recovery(types.RecoveryOptionType{Name: types.RecoveryOptionNameTypeAdminOnly, Priority: aws.Int32(1)}))
	c3 := *e.client(adminOnly).ClientId
	e.verifiedUser(adminOnly, "cy", "cy@example.com", "Perm#Pass1")
	_, err = e.forgot(c3, "cy")
	wantErr[*types.NotAuthorizedException](t, err, "User password cannot be reset in the current state.")
}

// TestSDKChangePasswordAndHistory: ChangePassword's refusals, and the
// pool's password history.
func TestSDKChangePasswordAndHistory(t *testing.T) {
	e := newSDKEnv(t)
	pool := e.emailVerifyPool(func(in *cip.CreateUserPoolInput) {
		in.Policies = &types.UserPoolPolicyType{PasswordPolicy: &types.PasswordPolicyType{MinimumLength: aws.Int32(8),
			RequireNumbers: true, RequireSymbols: true, RequireUppercase: true, RequireLowercase: true, PasswordHistorySize: aws.Int32(2)}}
	})
	client := *e.client(pool).ClientId
	e.verifiedUser(pool, "ann", "ann@example.com", "Pass#One1")
	tok := *e.tokens(client, "ann", "Pass#One1").AccessToken
	change := func(prev, next string) error {
		_, err := e.c.ChangePassword(e.ctx, &cip.ChangePasswordInput{AccessToken: aws.String(tok),
			PreviousPassword: aws.String(prev), ProposedPassword: aws.String(next)})
		return err
	}
	wantErr[*types.NotAuthorizedException](t, change("Wrong#Pass1", "Pass#Two2"), "Incorrect username or password.")
	wantErr[*types.InvalidPasswordException](t, change("Pass#One1", "nouppercase#1"), "Password does not conform to policy: Password must have uppercase characters")
	wantErr[*types.PasswordHistoryPolicyViolationException](t, change("Pass#One1", "Pass#One1"), "The password was used previously.")
	if err := change("Pass#One1", "Pass#Two2"); err != nil {
		t.Fatalf("ChangePassword: %v", err)
	}
	_, err := e.signIn(client, "ann", "Pass#One1")
	wantErr[*types.NotAuthorizedException](t, err, "Incorrect username or password.")
	e.tokens(client, "ann", "Pass#Two2")
	// History 2: the current password and the one before it.
	wantErr[*types.PasswordHistoryPolicyViolationException](t, change("Pass#Two2", "Pass#One1"), "The password was used previously.")
	// Five calls an hour per user ("Maximum number of ChangePassword calls
	// per user: 5 attempts per hour", quotas.html): the sixth waits.
	wantErr[*types.LimitExceededException](t, change("Pass#Two2", "Pass#Three3"), "Attempt limit exceeded, please try after some time.")
	e.Clock.Advance(time.Hour)
	tok = *e.tokens(client, "ann", "Pass#Two2").AccessToken
	if err := change("Pass#Two2", "Pass#Three3"); err != nil {
		t.Fatalf("ChangePassword: %v", err)
	}
	// The history applies to recovery too; Pass#One1 has left the window.
	must[*cip.ForgotPasswordOutput](t, "ForgotPassword")(e.forgot(client, "ann"))
	code := e.code("ann@example.com", 1)
	wantErr[*types.PasswordHistoryPolicyViolationException](t, e.confirmForgot(client, "ann", code, "Pass#Two2"), "The password was used previously.")
	if err := e.confirmForgot(client, "ann", code, "Pass#One1"); err != nil {
		t.Fatalf("ConfirmForgotPassword to a password out of the window: %v", err)
	}
	e.tokens(client, "ann", "Pass#One1")
	_, err = e.c.AdminSetUserPassword(e.ctx, &cip.AdminSetUserPasswordInput{UserPoolId: aws.String(pool), Username: aws.String("ann"),
		Password: aws.String("Pass#Three3"), Permanent: true})
	wantErr[*types.PasswordHistoryPolicyViolationException](t, err, "The password was used previously.")
}
