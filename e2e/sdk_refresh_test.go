package e2e

import (
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
)

func (e *sdkEnv) refreshWith(clientID, secret, token string) (*types.AuthenticationResultType, error) {
	in := &cip.GetTokensFromRefreshTokenInput{ClientId: aws.String(clientID), RefreshToken: aws.String(token)}
	if secret != "" {
		in.ClientSecret = aws.String(secret)
	}
	out, err := e.c.GetTokensFromRefreshToken(e.ctx, in)
	if err != nil {
		return nil, err
	}
	return out.AuthenticationResult, nil
}

// TestSDKRevokeToken: revoking one refresh token ends that sign-in (its
// refresh token and access tokens) and no other.
func TestSDKRevokeToken(t *testing.T) {
	e := newSDKEnv(t)
	poolID := e.pool()
	clientID := *e.client(poolID).ClientId
	e.user(poolID, "kim", "kim@example.com", "Perm#Pass1")
	first := e.tokens(clientID, "kim", "Perm#Pass1")
	second := e.tokens(clientID, "kim", "Perm#Pass1")

	_, err := e.c.RevokeToken(e.ctx, &cip.RevokeTokenInput{ClientId: aws.String(clientID), Token: first.AccessToken})
	wantErr[*types.UnsupportedTokenTypeException](t, err, "Unsupported token type")
	must[*cip.RevokeTokenOutput](t, "RevokeToken")(e.c.RevokeToken(e.ctx, &cip.RevokeTokenInput{ClientId: aws.String(clientID), Token: first.RefreshToken}))
	must[*cip.RevokeTokenOutput](t, "RevokeToken again")(e.c.RevokeToken(e.ctx, &cip.RevokeTokenInput{ClientId: aws.String(clientID), Token: first.RefreshToken}))

	_, err = e.refreshWith(clientID, "", *first.RefreshToken)
	wantErr[*types.NotAuthorizedException](t, err, "Refresh Token has been revoked")
	_, err = e.c.GetUser(e.ctx, &cip.GetUserInput{AccessToken: first.AccessToken})
	wantErr[*types.NotAuthorizedException](t, err, "Access Token has been revoked")
	if _, err := e.c.GetUser(e.ctx, &cip.GetUserInput{AccessToken: second.AccessToken}); err != nil {
		t.Errorf("the other sign-in's access token: %v", err)
	}
	if res, err := e.refreshWith(clientID, "", *second.RefreshToken); err != nil || res.RefreshToken != nil {
		t.Errorf("the other sign-in's refresh: %v (refresh token %v; none without rotation)", err, res)
	}

	t.Run("revocation disabled", func(t *testing.T) {
		id := *e.client(poolID, func(in *cip.CreateUserPoolClientInput) { in.EnableTokenRevocation = aws.Bool(false) }).ClientId
		r := e.tokens(id, "kim", "Perm#Pass1")
		_, err := e.c.RevokeToken(e.ctx, &cip.RevokeTokenInput{ClientId: aws.String(id), Token: r.RefreshToken})
		wantErr[*types.UnsupportedOperationException](t, err, "Token revocation is not enabled for the client")
	})
	t.Run("client mismatch", func(t *testing.T) {
		other := *e.client(poolID).ClientId
		_, err := e.c.RevokeToken(e.ctx, &cip.RevokeTokenInput{ClientId: aws.String(other), Token: second.RefreshToken})
		wantErr[*types.UnauthorizedException](t, err, "Client is not authorized to revoke this token")
		withSecret := e.client(poolID, func(in *cip.CreateUserPoolClientInput) { in.GenerateSecret = true })
		_, err = e.c.RevokeToken(e.ctx, &cip.RevokeTokenInput{ClientId: withSecret.ClientId, ClientSecret: aws.String("wrongwrongwrongwrongwrongwrong"), Token: second.RefreshToken})
		wantErr[*types.UnauthorizedException](t, err, "Client is not authorized to revoke this token")
	})
}

// TestSDKRefreshRotation: with rotation every refresh returns a new refresh
// token; the old one works for the grace period, and its reuse afterwards
// revokes the whole family.
func TestSDKRefreshRotation(t *testing.T) {
	e := newSDKEnv(t)
	poolID := e.pool()
	cl := e.client(poolID, func(in *cip.CreateUserPoolClientInput) {
		in.GenerateSecret = true
		in.RefreshTokenRotation = &types.RefreshTokenRotationType{Feature: types.FeatureTypeEnabled, RetryGracePeriodSeconds: aws.Int32(10)}
	})
	clientID, secret := *cl.ClientId, *cl.ClientSecret
	e.user(poolID, "kim", "kim@example.com", "Perm#Pass1")
	out, err := e.c.InitiateAuth(e.ctx, &cip.InitiateAuthInput{ClientId: aws.String(clientID), AuthFlow: types.AuthFlowTypeUserPasswordAuth,
		AuthParameters: map[string]string{"USERNAME": "kim", "PASSWORD": "Perm#Pass1", "SECRET_HASH": secretHash(secret, "kim", clientID)}})
	if err != nil {
		t.Fatal(err)
	}
	r0 := *out.AuthenticationResult.RefreshToken

	_, err = e.refreshWith(clientID, "wrongwrongwrongwrongwrongwrong", r0)
	wantErr[*types.NotAuthorizedException](t, err, "Client secret is not valid")
	_, err = e.c.InitiateAuth(e.ctx, &cip.InitiateAuthInput{ClientId: aws.String(clientID), AuthFlow: types.AuthFlowTypeRefreshTokenAuth,
		AuthParameters: map[string]string{"REFRESH_TOKEN": r0, "SECRET_HASH": secretHash(secret, "kim", clientID)}})
	wantErr[*types.InvalidParameterException](t, err, "Refresh token rotation is enabled for this client; use GetTokensFromRefreshToken.")

	first := must[*types.AuthenticationResultType](t, "refresh")(e.refreshWith(clientID, secret, r0))
	if first.RefreshToken == nil || *first.RefreshToken == r0 || first.AccessToken == nil || first.IdToken == nil {
		t.Fatalf("rotation must return a new refresh token and new tokens: %+v", first)
	}
	// A retry with the old token inside the grace period still works.
	e.Clock.Advance(5 * time.Second)
	retry := must[*types.AuthenticationResultType](t, "retry in grace")(e.refreshWith(clientID, secret, r0))
	if retry.RefreshToken == nil {
		t.Fatal("retry in grace: no refresh token")
	}
	// The new one rotates in turn.
	r1 := *first.RefreshToken
	second := must[*types.AuthenticationResultType](t, "refresh r1")(e.refreshWith(clientID, secret, r1))

	// After the grace period the old token is reuse: refused, family revoked.
	e.Clock.Advance(6 * time.Second)
	_, err = e.refreshWith(clientID, secret, r0)
	wantErr[*types.RefreshTokenReuseException](t, err, "Refresh Token has been reused")
	_, err = e.refreshWith(clientID, secret, *second.RefreshToken)
	wantErr[*types.NotAuthorizedException](t, err, "Refresh Token has been revoked")
	_, err = e.c.GetUser(e.ctx, &cip.GetUserInput{AccessToken: second.AccessToken})
	wantErr[*types.NotAuthorizedException](t, err, "Access Token has been revoked")
}

// TestSDKRefreshNoRotation: GetTokensFromRefreshToken on a client without
// rotation returns ID and access tokens only, like REFRESH_TOKEN_AUTH.
func TestSDKRefreshNoRotation(t *testing.T) {
	e := newSDKEnv(t)
	poolID := e.pool()
	clientID := *e.client(poolID).ClientId
	e.user(poolID, "kim", "kim@example.com", "Perm#Pass1")
	r := e.tokens(clientID, "kim", "Perm#Pass1")
	res := must[*types.AuthenticationResultType](t, "refresh")(e.refreshWith(clientID, "", *r.RefreshToken))
	if res.RefreshToken != nil || res.AccessToken == nil || res.IdToken == nil {
		t.Fatalf("refresh without rotation: %+v", res)
	}
	_, err := e.refreshWith(clientID, "", "eyJjdHkiOiJKV1QiLCJlbmMiOiJBMjU2R0NNIiwiYWxnIjoiUlNBLU9BRVAifQ.a.b.c.d")
	wantErr[*types.NotAuthorizedException](t, err, "Invalid Refresh Token.")
}

// TestSDKRefreshRotationWithoutRefreshFlow: "Refresh token rotation isn't
// compatible with the authentication flow REFRESH_TOKEN_AUTH. To implement
// refresh token rotation, you must disable this authentication flow in your
// app client" (amazon-cognito-user-pools-using-the-refresh-token.html): such a
// client refreshes with GetTokensFromRefreshToken. And with rotation its
// tokens carry jti and origin_jti even when EnableTokenRevocation is false.
func TestSDKRefreshRotationWithoutRefreshFlow(t *testing.T) {
	e := newSDKEnv(t)
	poolID := e.pool()
	clientID := *e.client(poolID, func(in *cip.CreateUserPoolClientInput) {
		in.ExplicitAuthFlows = []types.ExplicitAuthFlowsType{types.ExplicitAuthFlowsTypeAllowUserPasswordAuth}
		in.EnableTokenRevocation = aws.Bool(false)
		in.RefreshTokenRotation = &types.RefreshTokenRotationType{Feature: types.FeatureTypeEnabled}
	}).ClientId
	e.user(poolID, "kim", "kim@example.com", "Perm#Pass1")
	r := e.tokens(clientID, "kim", "Perm#Pass1")
	res := must[*types.AuthenticationResultType](t, "GetTokensFromRefreshToken")(e.refreshWith(clientID, "", *r.RefreshToken))
	if res.RefreshToken == nil || *res.RefreshToken == *r.RefreshToken {
		t.Fatalf("no new refresh token: %+v", res)
	}
	for name, tok := range map[string]*string{"ID": res.IdToken, "access": res.AccessToken} {
		claims := verifyJWT(t, e.server, poolID, *tok)
		if claims["jti"] == nil || claims["origin_jti"] == nil {
			t.Errorf("%s token without jti/origin_jti: %v", name, claims)
		}
	}
	// Without rotation, the same client refuses: the flow is off.
	norot := *e.client(poolID, func(in *cip.CreateUserPoolClientInput) {
		in.ExplicitAuthFlows = []types.ExplicitAuthFlowsType{types.ExplicitAuthFlowsTypeAllowUserPasswordAuth}
	}).ClientId
	r = e.tokens(norot, "kim", "Perm#Pass1")
	_, err := e.refreshWith(norot, "", *r.RefreshToken)
	wantErr[*types.InvalidParameterException](t, err, "REFRESH_TOKEN_AUTH is not enabled for the client.")
}

// TestSDKRefreshRotationDescribed: every client's rotation is described,
// DISABLED with a grace of 0 unless enabled (terraform-provider-aws#47374,
// #45646 saw Cognito answer so).
func TestSDKRefreshRotationDescribed(t *testing.T) {
	e := newSDKEnv(t)
	poolID := e.pool()
	cl := e.client(poolID)
	want := func(what string, got *types.RefreshTokenRotationType, feature types.FeatureType, grace int32) {
		t.Helper()
		if got == nil || got.Feature != feature || aws.ToInt32(got.RetryGracePeriodSeconds) != grace {
			t.Errorf("%s: RefreshTokenRotation = %+v; want %s, %d", what, got, feature, grace)
		}
	}
	want("CreateUserPoolClient", cl.RefreshTokenRotation, types.FeatureTypeDisabled, 0)
	up := must[*cip.UpdateUserPoolClientOutput](t, "UpdateUserPoolClient")(e.c.UpdateUserPoolClient(e.ctx, &cip.UpdateUserPoolClientInput{
		UserPoolId: aws.String(poolID), ClientId: cl.ClientId,
		RefreshTokenRotation: &types.RefreshTokenRotationType{Feature: types.FeatureTypeDisabled, RetryGracePeriodSeconds: aws.Int32(30)}}))
	want("UpdateUserPoolClient DISABLED", up.UserPoolClient.RefreshTokenRotation, types.FeatureTypeDisabled, 0)
	up = must[*cip.UpdateUserPoolClientOutput](t, "UpdateUserPoolClient")(e.c.UpdateUserPoolClient(e.ctx, &cip.UpdateUserPoolClientInput{
		UserPoolId: aws.String(poolID), ClientId: cl.ClientId,
		RefreshTokenRotation: &types.RefreshTokenRotationType{Feature: types.FeatureTypeEnabled, RetryGracePeriodSeconds: aws.Int32(30)}}))
	want("UpdateUserPoolClient ENABLED", up.UserPoolClient.RefreshTokenRotation, types.FeatureTypeEnabled, 30)
	d := must[*cip.DescribeUserPoolClientOutput](t, "DescribeUserPoolClient")(e.c.DescribeUserPoolClient(e.ctx,
		&cip.DescribeUserPoolClientInput{UserPoolId: aws.String(poolID), ClientId: cl.ClientId}))
	want("DescribeUserPoolClient", d.UserPoolClient.RefreshTokenRotation, types.FeatureTypeEnabled, 30)
}
