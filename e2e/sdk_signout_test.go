package e2e

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
)

// TestSDKSignOutWithoutRevocationFamilies: with EnableTokenRevocation off,
// tokens carry no origin_jti, so sign-out is enforced by time alone. Tokens
// from before the sign-out must fail even within the same second, and a
// sign-in right after it must not be born revoked.
func TestSDKSignOutWithoutRevocationFamilies(t *testing.T) {
	e := newSDKEnv(t)
	poolID := e.pool()
	clientID := *e.client(poolID, func(in *cip.CreateUserPoolClientInput) { in.EnableTokenRevocation = aws.Bool(false) }).ClientId
	e.user(poolID, "rio", "rio@example.com", "Perm#Pass1")
	for round := 0; round < 5; round++ {
		before := e.tokens(clientID, "rio", "Perm#Pass1")
		if _, err := e.c.GlobalSignOut(e.ctx, &cip.GlobalSignOutInput{AccessToken: before.AccessToken}); err != nil {
			t.Fatalf("GlobalSignOut: %v", err)
		}
		_, err := e.c.GetUser(e.ctx, &cip.GetUserInput{AccessToken: before.AccessToken})
		wantErr[*types.NotAuthorizedException](t, err, "Access Token has been revoked")
		after := e.tokens(clientID, "rio", "Perm#Pass1")
		if _, err := e.c.GetUser(e.ctx, &cip.GetUserInput{AccessToken: after.AccessToken}); err != nil {
			t.Fatalf("round %d: a sign-in right after sign-out was refused: %v", round, err)
		}
	}
}

// TestSDKSignOutsDoNotPostDate: sign-outs with no sign-in between them do
// not move the revocation past the present, so the next sign-in's tokens
// are dated now and work at once.
func TestSDKSignOutsDoNotPostDate(t *testing.T) {
	e := newSDKEnv(t)
	poolID := e.pool()
	clientID := *e.client(poolID).ClientId
	e.user(poolID, "rio", "rio@example.com", "Perm#Pass1")
	e.tokens(clientID, "rio", "Perm#Pass1")
	for range 30 {
		must[*cip.AdminUserGlobalSignOutOutput](t, "AdminUserGlobalSignOut")(e.c.AdminUserGlobalSignOut(e.ctx,
			&cip.AdminUserGlobalSignOutInput{UserPoolId: aws.String(poolID), Username: aws.String("rio")}))
	}
	after := e.tokens(clientID, "rio", "Perm#Pass1")
	if _, err := e.c.GetUser(e.ctx, &cip.GetUserInput{AccessToken: after.AccessToken}); err != nil {
		t.Fatalf("a sign-in after 30 sign-outs: %v", err)
	}
	if iat := int64(jwtClaims(t, *after.AccessToken)["iat"].(float64)); iat > e.Clock.Now().Unix()+1 {
		t.Errorf("the new access token is dated %d s ahead", iat-e.Clock.Now().Unix())
	}
}

// TestSDKTokensAfterAdminReset: once an administrator reset the password,
// the tokens of before answer PasswordResetRequiredException, for GetUser,
// ChangePassword and the refresh alike (aws-amplify/amplify-js#11456 and
// #1350 quote it); the tokens of a deleted user refresh to
// UserNotFoundException (aws-amplify/aws-sdk-android#366).
func TestSDKTokensAfterAdminReset(t *testing.T) {
	e := newSDKEnv(t)
	poolID := e.pool()
	clientID := *e.client(poolID).ClientId
	e.user(poolID, "rio", "rio@example.com", "Perm#Pass1")
	res := e.tokens(clientID, "rio", "Perm#Pass1")
	must[*cip.AdminResetUserPasswordOutput](t, "AdminResetUserPassword")(e.c.AdminResetUserPassword(e.ctx,
		&cip.AdminResetUserPasswordInput{UserPoolId: aws.String(poolID), Username: aws.String("rio")}))
	const msg = "Password reset required for the user"
	_, err := e.c.GetUser(e.ctx, &cip.GetUserInput{AccessToken: res.AccessToken})
	wantErr[*types.PasswordResetRequiredException](t, err, msg)
	_, err = e.c.ChangePassword(e.ctx, &cip.ChangePasswordInput{AccessToken: res.AccessToken,
		PreviousPassword: aws.String("Perm#Pass1"), ProposedPassword: aws.String("N3w#Password")})
	wantErr[*types.PasswordResetRequiredException](t, err, msg)
	_, err = e.refresh(clientID, *res.RefreshToken)
	wantErr[*types.PasswordResetRequiredException](t, err, msg)

	e.user(poolID, "gone", "gone@example.com", "Perm#Pass1")
	res = e.tokens(clientID, "gone", "Perm#Pass1")
	must[*cip.AdminDeleteUserOutput](t, "AdminDeleteUser")(e.c.AdminDeleteUser(e.ctx,
		&cip.AdminDeleteUserInput{UserPoolId: aws.String(poolID), Username: aws.String("gone")}))
	_, err = e.refresh(clientID, *res.RefreshToken)
	wantErr[*types.UserNotFoundException](t, err, "User does not exist.")
}
