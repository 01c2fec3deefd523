package e2e

import (
	"regexp"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/google/go-cmp/cmp"
)

func (e *sdkEnv) refresh(clientID, token string) (*cip.InitiateAuthOutput, error) {
	return e.c.InitiateAuth(e.ctx, &cip.InitiateAuthInput{AuthFlow: types.AuthFlowTypeRefreshTokenAuth,
		ClientId: aws.String(clientID), AuthParameters: map[string]string{"REFRESH_TOKEN": token}})
}

// TestSDKDisableEnableDelete: a disabled user cannot sign in, refresh or use
// its access tokens; enabled again it signs in anew. DeleteUser removes the
// user and everything issued to it.
func TestSDKDisableEnableDelete(t *testing.T) {
	e := newSDKEnv(t)
	pool := e.pool()
	client := *e.client(pool).ClientId
	e.user(pool, "ann", "ann@example.com", "Perm#Pass1")
	tok := e.tokens(client, "ann", "Perm#Pass1")

	if _, err := e.c.AdminDisableUser(e.ctx, &cip.AdminDisableUserInput{UserPoolId: aws.String(pool), Username: aws.String("ann")}); err != nil {
		t.Fatalf("AdminDisableUser: %v", err)
	}
	if e.getUser(pool, "ann").Enabled {
		t.Errorf("AdminGetUser: still enabled")
	}
	_, err := e.signIn(client, "ann", "Perm#Pass1")
	wantErr[*types.NotAuthorizedException](t, err, "User is disabled.")
	_, err = e.c.GetUser(e.ctx, &cip.GetUserInput{AccessToken: tok.AccessToken})
	wantErr[*types.NotAuthorizedException](t, err, "Access Token has been revoked")
	_, err = e.refresh(client, *tok.RefreshToken)
	wantErr[*types.NotAuthorizedException](t, err, "Refresh Token has been revoked")

	if _, err := e.c.AdminEnableUser(e.ctx, &cip.AdminEnableUserInput{UserPoolId: aws.String(pool), Username: aws.String("ann")}); err != nil {
		t.Fatalf("AdminEnableUser: %v", err)
	}
	_, err = e.refresh(client, *tok.RefreshToken)
	wantErr[*types.NotAuthorizedException](t, err, "Refresh Token has been revoked")
	tok = e.tokens(client, "ann", "Perm#Pass1")

	_, err = e.c.AdminDisableUser(e.ctx, &cip.AdminDisableUserInput{UserPoolId: aws.String(pool), Username: aws.String("nobody")})
	wantErr[*types.UserNotFoundException](t, err, "User does not exist.")

	if _, err := e.c.DeleteUser(e.ctx, &cip.DeleteUserInput{AccessToken: tok.AccessToken}); err != nil {
		t.Fatalf("DeleteUser: %v", err)
	}
	_, err = e.c.AdminGetUser(e.ctx, &cip.AdminGetUserInput{UserPoolId: aws.String(pool), Username: aws.String("ann")})
	wantErr[*types.UserNotFoundException](t, err, "User does not exist.")
	_, err = e.c.GetUser(e.ctx, &cip.GetUserInput{AccessToken: tok.AccessToken})
	wantErr[*types.UserNotFoundException](t, err, "User does not exist.")
	// A deleted user's refresh token: Cognito's UserNotFoundException
	// (aws-amplify/aws-sdk-android#366, aws-amplify/amplify-flutter#3292).
	_, err = e.refresh(client, *tok.RefreshToken)
	wantErr[*types.UserNotFoundException](t, err, "User does not exist.")
}

// TestSDKDeletionProtection: a protected pool cannot be deleted until
// protection is turned off.
func TestSDKDeletionProtection(t *testing.T) {
	e := newSDKEnv(t)
	pool := e.pool(func(in *cip.CreateUserPoolInput) { in.DeletionProtection = types.DeletionProtectionTypeActive })
	_, err := e.c.DeleteUserPool(e.ctx, &cip.DeleteUserPoolInput{UserPoolId: aws.String(pool)})
	wantErr[*types.InvalidParameterException](t, err, "The user pool "+pool+" cannot be deleted because deletion protection is activated. Deletion protection must be inactivated first.")
	_, err = e.c.UpdateUserPool(e.ctx, &cip.UpdateUserPoolInput{UserPoolId: aws.String(pool), DeletionProtection: types.DeletionProtectionTypeInactive})
	if err != nil {
		t.Fatalf("UpdateUserPool: %v", err)
	}
	if _, err := e.c.DeleteUserPool(e.ctx, &cip.DeleteUserPoolInput{UserPoolId: aws.String(pool)}); err != nil {
		t.Fatalf("DeleteUserPool: %v", err)
	}
}

// TestSDKPoolTags: TagResource, UntagResource and ListTagsForResource on a
// pool's ARN, seen by DescribeUserPool too.
func TestSDKPoolTags(t *testing.T) {
	e := newSDKEnv(t)
	pool := e.pool(func(in *cip.CreateUserPoolInput) { in.UserPoolTags = map[string]string{"team": "id"} })
	arn := "arn:aws:cognito-idp:us-east-1:000000000000:userpool/" + pool
	tags := func() map[string]string {
		t.Helper()
		out, err := e.c.ListTagsForResource(e.ctx, &cip.ListTagsForResourceInput{ResourceArn: aws.String(arn)})
		if err != nil {
			t.Fatalf("ListTagsForResource: %v", err)
		}
		return out.Tags
	}
	if diff := cmp.Diff(map[string]string{"team": "id"}, tags()); diff != "" {
		t.Errorf("tags from CreateUserPool (-want +got):\n%s", diff)
	}
	if _, err := e.c.TagResource(e.ctx, &cip.TagResourceInput{ResourceArn: aws.String(arn), Tags: map[string]string{"env": "dev", "team": "auth"}}); err != nil {
		t.Fatalf("TagResource: %v", err)
	}
	if diff := cmp.Diff(map[string]string{"env": "dev", "team": "auth"}, tags()); diff != "" {
		t.Errorf("after TagResource (-want +got):\n%s", diff)
	}
	if _, err := e.c.UntagResource(e.ctx, &cip.UntagResourceInput{ResourceArn: aws.String(arn), TagKeys: []string{"team", "absent"}}); err != nil {
		t.Fatalf("UntagResource: %v", err)
	}
	desc := must[*cip.DescribeUserPoolOutput](t, "DescribeUserPool")(e.c.DescribeUserPool(e.ctx, &cip.DescribeUserPoolInput{UserPoolId: aws.String(pool)}))
	if diff := cmp.Diff(map[string]string{"env": "dev"}, desc.UserPool.UserPoolTags); diff != "" {
		t.Errorf("UserPoolTags after UntagResource (-want +got):\n%s", diff)
	}
	if _, err := e.c.UntagResource(e.ctx, &cip.UntagResourceInput{ResourceArn: aws.String(arn), TagKeys: []string{"env"}}); err != nil {
		t.Fatalf("UntagResource: %v", err)
	}
	if got := tags(); got == nil || len(got) != 0 {
		t.Errorf("tags of an untagged pool = %#v; want {}", got)
	}

	_, err := e.c.ListTagsForResource(e.ctx, &cip.ListTagsForResourceInput{ResourceArn: aws.String("arn:aws:cognito-idp:us-east-1:000000000000:userpool/eu-west-1_Abc")})
	wantErr[*types.InvalidParameterException](t, err, "Invalid ARN: arn:aws:cognito-idp:us-east-1:000000000000:userpool/eu-west-1_Abc")
	_, err = e.c.TagResource(e.ctx, &cip.TagResourceInput{ResourceArn: aws.String("arn:aws:cognito-idp:us-east-1:000000000000:userpool/us-east-1_Nope12345"),
		Tags: map[string]string{"a": "b"}})
	wantErr[*types.ResourceNotFoundException](t, err, "User pool us-east-1_Nope12345 does not exist.")
}

// TestSDKPreventUserExistenceErrors: with ENABLED, the recovery and
// confirmation operations answer unknown users like known ones.
func TestSDKPreventUserExistenceErrors(t *testing.T) {
	e := newSDKEnv(t)
	pool := e.emailVerifyPool()
	client := *e.client(pool, func(in *cip.CreateUserPoolClientInput) {
		in.PreventUserExistenceErrors = types.PreventUserExistenceErrorTypesEnabled
	}).ClientId
	e.verifiedUser(pool, "ann", "ann@example.com", "Perm#Pass1")

	real, err := e.forgot(client, "ann")
	if err != nil || deliveryOf(real.CodeDeliveryDetails) != [3]string{"a***@e***", "EMAIL", "email"} {
		t.Fatalf("ForgotPassword (known): %v %v", err, real)
	}
	ghost1, err := e.forgot(client, "ghost")
	if err != nil {
		t.Fatalf("ForgotPassword (unknown): %v", err)
	}
	ghost2 := must[*cip.ForgotPasswordOutput](t, "ForgotPassword ghost")(e.forgot(client, "ghost"))
	if d := deliveryOf(ghost1.CodeDeliveryDetails); d[1] != "EMAIL" || d[2] != "email" || !maskedEmail.MatchString(d[0]) || d != deliveryOf(ghost2.CodeDeliveryDetails) {
		t.Errorf("simulated deliveries: %v %v", d, deliveryOf(ghost2.CodeDeliveryDetails))
	}
	byEmail := must[*cip.ForgotPasswordOutput](t, "ForgotPassword")(e.forgot(client, "ghost@example.com"))
	if got := deliveryOf(byEmail.CodeDeliveryDetails); got != [3]string{"g***@e***", "EMAIL", "email"} {
		t.Errorf("simulated delivery for an address = %v", got)
	}
	if msgs := outbox(t, e.server, "ghost@example.com"); len(msgs) != 0 {
		t.Errorf("a message went to an unknown user: %+v", msgs)
	}
	wantErr[*types.CodeMismatchException](t, e.confirmForgot(client, "ghost", "123456", "New#Pass22"), msgMismatch)

	// Disabled and unreachable users look the same as unknown ones.
	must[*cip.AdminDisableUserOutput](t, "AdminDisableUser")(e.c.AdminDisableUser(e.ctx, &cip.AdminDisableUserInput{UserPoolId: aws.String(pool), Username: aws.String("ann")}))
	if _, err := e.forgot(client, "ann"); err != nil {
		t.Errorf("ForgotPassword (disabled): %v", err)
	}
	wantErr[*types.CodeMismatchException](t, e.confirmForgot(client, "ann", e.code("ann@example.com", 1), "New#Pass22"), msgMismatch)
	e.user(pool, "bo", "bo@example.com", "Perm#Pass1")
	if _, err := e.forgot(client, "bo"); err != nil {
		t.Errorf("ForgotPassword (no verified address): %v", err)
	}

	// ResendConfirmationCode and ConfirmSignUp.
	resent, err := e.c.ResendConfirmationCode(e.ctx, &cip.ResendConfirmationCodeInput{ClientId: aws.String(client), Username: aws.String("ghost")})
	if err != nil || resent.CodeDeliveryDetails == nil {
		t.Errorf("ResendConfirmationCode (unknown): %v %v", err, resent)
	}
	wantErr[*types.CodeMismatchException](t, e.confirm(client, "ghost", "123456"), msgMismatch)
	// SignUp still tells a taken username.
	must[*cip.SignUpOutput](t, "SignUp")(e.signUp(client, "cy", "Perm#Pass1", "cy@example.com"))
	_, err = e.signUp(client, "cy", "Perm#Pass1", "cy@example.com")
	wantErr[*types.UsernameExistsException](t, err, "User already exists")
}

var maskedEmail = regexp.MustCompile(`^[a-z]\*\*\*@[a-z]\*\*\*$`)
