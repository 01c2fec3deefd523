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
