package e2e

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
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
