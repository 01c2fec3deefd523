package e2e

import (
	"encoding/json"
	"net/http"
	"net/url"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
)

// pageTokens signs username in on the sign-in page for an authorization
// code with these scopes and redeems it at the token endpoint.
func (e *sdkEnv) pageTokens(clientID, callback, scope, username, password string) map[string]any {
	e.t.Helper()
	b := newBrowser(e.t, e.URL)
	q := url.Values{"response_type": {"code"}, "client_id": {clientID}, "redirect_uri": {callback}, "scope": {scope}}
	resp, page := b.get(e.URL + "/oauth2/authorize?" + q.Encode())
	if resp.Request.URL.Path != "/login" {
		e.t.Fatalf("authorize with scope %q: %d at %s", scope, resp.StatusCode, resp.Request.URL)
	}
	resp, _ = b.submit(e.URL, page, url.Values{"username": {username}, "password": {password}})
	back, _ := url.Parse(resp.Header.Get("Location"))
	status, tok := tokenCall(e.t, e.URL, url.Values{"grant_type": {"authorization_code"}, "client_id": {clientID},
		"code": {back.Query().Get("code")}, "redirect_uri": {callback}})
	if status != 200 || tok["access_token"] == nil || tok["refresh_token"] == nil {
		e.t.Fatalf("redeeming the code of scope %q: %d %v", scope, status, tok)
	}
	return tok
}

// userInfoCall asks the userInfo endpoint with a bearer token.
func userInfoCall(t *testing.T, base, bearer string) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, base+"/oauth2/userInfo", nil)
	req.Header.Set("Authorization", "Bearer "+bearer)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body map[string]any
	json.NewDecoder(resp.Body).Decode(&body)
	return resp.StatusCode, body
}

// TestOAuth2RefreshKeepsScopes: tokens refreshed from an authorization
// code's refresh token carry the code's scopes, whichever way they are
// refreshed (the token endpoint, GetTokensFromRefreshToken,
// REFRESH_TOKEN_AUTH), so the refreshed access token still opens the
// userInfo endpoint ("access tokens that your Token endpoint issued",
// userinfo-endpoint.html); a grant without openid gets no ID token on
// refresh either ("An ID token is only returned if openid scope is
// requested", authorization-endpoint.html). An API sign-in's refresh keeps
// the API's own scope and its ID token.
func TestOAuth2RefreshKeepsScopes(t *testing.T) {
	e := newSDKEnv(t)
	pool := e.pool()
	must[*cip.CreateResourceServerOutput](t, "CreateResourceServer")(e.c.CreateResourceServer(e.ctx, &cip.CreateResourceServerInput{
		UserPoolId: &pool, Identifier: aws.String("api"), Name: aws.String("API"),
		Scopes: []types.ResourceServerScopeType{{ScopeName: aws.String("read"), ScopeDescription: aws.String("r")}}}))
	const callback = "https://app.example/callback"
	clientID := *e.client(pool, oauthClient(types.OAuthFlowTypeCode, callback,
		[]string{"openid", "email", "api/read"}, []string{"COGNITO"})).ClientId
	e.user(pool, "ana", "ana@example.com", "Perm#Pass1")

	tok := e.pageTokens(clientID, callback, "openid email", "ana", "Perm#Pass1")
	refreshToken := tok["refresh_token"].(string)
	status, refreshed := tokenCall(t, e.URL, url.Values{"grant_type": {"refresh_token"}, "client_id": {clientID},
		"refresh_token": {refreshToken}})
	if status != 200 || refreshed["id_token"] == nil {
		t.Fatalf("refresh_token grant: %d %v", status, refreshed)
	}
	if got := jwtClaims(t, refreshed["access_token"].(string))["scope"]; got != "openid email" {
		t.Errorf("refreshed access token's scope %q; want the code's %q", got, "openid email")
	}
	if status, info := userInfoCall(t, e.URL, refreshed["access_token"].(string)); status != 200 || info["email"] != "ana@example.com" {
		t.Errorf("userInfo with the refreshed access token: %d %v", status, info)
	}
	api := must[*cip.GetTokensFromRefreshTokenOutput](t, "GetTokensFromRefreshToken")(e.c.GetTokensFromRefreshToken(e.ctx,
		&cip.GetTokensFromRefreshTokenInput{ClientId: &clientID, RefreshToken: &refreshToken})).AuthenticationResult
	if got := jwtClaims(t, aws.ToString(api.AccessToken))["scope"]; got != "openid email" || api.IdToken == nil {
		t.Errorf("GetTokensFromRefreshToken: scope %q, ID token %v", got, api.IdToken != nil)
	}
	auth := must[*cip.InitiateAuthOutput](t, "REFRESH_TOKEN_AUTH")(e.refresh(clientID, refreshToken)).AuthenticationResult
	if got := jwtClaims(t, aws.ToString(auth.AccessToken))["scope"]; got != "openid email" || auth.IdToken == nil {
		t.Errorf("REFRESH_TOKEN_AUTH: scope %q, ID token %v", got, auth.IdToken != nil)
	}

	// No openid: no ID token at the code's redemption, nor at its refreshes.
	tok = e.pageTokens(clientID, callback, "api/read", "ana", "Perm#Pass1")
	if tok["id_token"] != nil {
		t.Errorf("a code without openid redeemed with an ID token")
	}
	status, refreshed = tokenCall(t, e.URL, url.Values{"grant_type": {"refresh_token"}, "client_id": {clientID},
		"refresh_token": {tok["refresh_token"].(string)}})
	if status != 200 || refreshed["id_token"] != nil || jwtClaims(t, refreshed["access_token"].(string))["scope"] != "api/read" {
		t.Errorf("refreshing a grant without openid: %d %v", status, refreshed)
	}
	auth = must[*cip.InitiateAuthOutput](t, "REFRESH_TOKEN_AUTH")(e.refresh(clientID, tok["refresh_token"].(string))).AuthenticationResult
	if auth.IdToken != nil || jwtClaims(t, aws.ToString(auth.AccessToken))["scope"] != "api/read" {
		t.Errorf("REFRESH_TOKEN_AUTH of a grant without openid: ID token %v, scope %v", auth.IdToken != nil,
			jwtClaims(t, aws.ToString(auth.AccessToken))["scope"])
	}

	// An API sign-in refreshes as before, at the token endpoint too.
	signIn := must[*cip.InitiateAuthOutput](t, "InitiateAuth")(e.c.InitiateAuth(e.ctx, &cip.InitiateAuthInput{ClientId: &clientID,
		AuthFlow: types.AuthFlowTypeUserPasswordAuth, AuthParameters: map[string]string{"USERNAME": "ana", "PASSWORD": "Perm#Pass1"}}))
	status, refreshed = tokenCall(t, e.URL, url.Values{"grant_type": {"refresh_token"}, "client_id": {clientID},
		"refresh_token": {aws.ToString(signIn.AuthenticationResult.RefreshToken)}})
	if status != 200 || refreshed["id_token"] == nil ||
		jwtClaims(t, refreshed["access_token"].(string))["scope"] != "aws.cognito.signin.user.admin" {
		t.Errorf("refreshing an API sign-in: %d %v", status, refreshed)
	}
}

// TestOAuth2RefreshOnDeviceTrackingPool: managed login and the token
// endpoint track no devices, so a pool that remembers devices still
// refreshes the code grant's tokens at the token endpoint, and the tokens
// carry no device_key.
func TestOAuth2RefreshOnDeviceTrackingPool(t *testing.T) {
	e := newSDKEnv(t)
	pool := e.pool(func(in *cip.CreateUserPoolInput) {
		in.DeviceConfiguration = &types.DeviceConfigurationType{ChallengeRequiredOnNewDevice: true}
	})
	const callback = "https://app.example/callback"
	clientID := *e.client(pool, oauthClient(types.OAuthFlowTypeCode, callback, []string{"openid", "email"}, []string{"COGNITO"})).ClientId
	e.user(pool, "ana", "ana@example.com", "Perm#Pass1")
	tok := e.pageTokens(clientID, callback, "openid email", "ana", "Perm#Pass1")
	if dk := jwtClaims(t, tok["access_token"].(string))["device_key"]; dk != nil {
		t.Errorf("managed login's access token has device_key %v", dk)
	}
	status, refreshed := tokenCall(t, e.URL, url.Values{"grant_type": {"refresh_token"}, "client_id": {clientID},
		"refresh_token": {tok["refresh_token"].(string)}})
	if status != 200 || refreshed["access_token"] == nil {
		t.Fatalf("refresh_token grant on a device-tracking pool: %d %v", status, refreshed)
	}
	l := must[*cip.AdminListDevicesOutput](t, "AdminListDevices")(e.c.AdminListDevices(e.ctx,
		&cip.AdminListDevicesInput{UserPoolId: &pool, Username: aws.String("ana")}))
	if len(l.Devices) != 0 {
		t.Errorf("managed login made %d devices", len(l.Devices))
	}
}

// TestOAuth2RefreshRotatedTokenReused: with refresh token rotation and no
// grace period, "a successful request immediately invalidates the submitted
// refresh token" (API_RefreshTokenRotationType.html); the token endpoint
// then answers its reuse as a revoked grant, 400 invalid_grant
// (token-endpoint.html), never as a server error.
func TestOAuth2RefreshRotatedTokenReused(t *testing.T) {
	e := newSDKEnv(t)
	pool := e.pool()
	const callback = "https://app.example/callback"
	clientID := *e.client(pool, oauthClient(types.OAuthFlowTypeCode, callback, []string{"openid"}, []string{"COGNITO"}),
		func(in *cip.CreateUserPoolClientInput) {
			in.ExplicitAuthFlows = []types.ExplicitAuthFlowsType{types.ExplicitAuthFlowsTypeAllowUserPasswordAuth}
			in.RefreshTokenRotation = &types.RefreshTokenRotationType{Feature: types.FeatureTypeEnabled, RetryGracePeriodSeconds: aws.Int32(0)}
		}).ClientId
	e.user(pool, "ana", "ana@example.com", "Perm#Pass1")
	tok := e.pageTokens(clientID, callback, "openid", "ana", "Perm#Pass1")
	refresh := url.Values{"grant_type": {"refresh_token"}, "client_id": {clientID}, "refresh_token": {tok["refresh_token"].(string)}}
	status, rotated := tokenCall(t, e.URL, refresh)
	if status != 200 || rotated["refresh_token"] == nil || rotated["refresh_token"] == tok["refresh_token"] {
		t.Fatalf("the first refresh: %d %v; want new tokens and a new refresh token", status, rotated)
	}
	if status, again := tokenCall(t, e.URL, refresh); status != 400 || again["error"] != "invalid_grant" {
		t.Errorf("the rotated-out refresh token again: %d %v; want 400 invalid_grant", status, again)
	}
}

// TestOAuth2AfterAdminReset: once an administrator reset the password, the
// user's refresh token, a code issued before, and the managed login
// session yield no more tokens (PasswordResetRequiredException in the API;
// invalid_grant, or the sign-in page, here).
func TestOAuth2AfterAdminReset(t *testing.T) {
	e := newSDKEnv(t)
	pool := e.pool()
	const callback = "https://app.example/callback"
	clientID := *e.client(pool, oauthClient(types.OAuthFlowTypeCode, callback, []string{"openid"}, []string{"COGNITO"})).ClientId
	e.user(pool, "ana", "ana@example.com", "Perm#Pass1")
	b := newBrowser(t, e.URL)
	authorize := e.URL + "/oauth2/authorize?" + url.Values{"response_type": {"code"}, "client_id": {clientID},
		"redirect_uri": {callback}, "scope": {"openid"}}.Encode()
	codeOf := func(resp *http.Response) string {
		loc, _ := url.Parse(resp.Header.Get("Location"))
		if loc == nil {
			return ""
		}
		return loc.Query().Get("code")
	}
	redeem := func(code string) (int, map[string]any) {
		return tokenCall(t, e.URL, url.Values{"grant_type": {"authorization_code"}, "client_id": {clientID}, "code": {code}, "redirect_uri": {callback}})
	}
	_, page := b.get(authorize)
	resp, _ := b.submit(e.URL, page, url.Values{"username": {"ana"}, "password": {"Perm#Pass1"}})
	status, tok := redeem(codeOf(resp))
	if status != 200 {
		t.Fatalf("redeeming the code: %d %v", status, tok)
	}
	resp, _ = b.get(authorize) // the session's next code, redeemed after the reset
	pending := codeOf(resp)
	if pending == "" {
		t.Fatal("the managed login session gave no code")
	}
	must[*cip.AdminResetUserPasswordOutput](t, "AdminResetUserPassword")(e.c.AdminResetUserPassword(e.ctx,
		&cip.AdminResetUserPasswordInput{UserPoolId: aws.String(pool), Username: aws.String("ana")}))
	if status, body := tokenCall(t, e.URL, url.Values{"grant_type": {"refresh_token"}, "client_id": {clientID},
		"refresh_token": {tok["refresh_token"].(string)}}); status != 400 || body["error"] != "invalid_grant" {
		t.Errorf("refresh after the reset: %d %v; want 400 invalid_grant", status, body)
	}
	if status, body := redeem(pending); status != 400 || body["error"] != "invalid_grant" {
		t.Errorf("a code of before the reset: %d %v; want 400 invalid_grant", status, body)
	}
	if resp, _ := b.get(authorize); codeOf(resp) != "" {
		t.Error("the managed login session still gives codes after the reset")
	}
}
