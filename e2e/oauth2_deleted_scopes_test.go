package e2e

import (
	"net/url"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/google/go-cmp/cmp"
)

// TestOAuth2DeletedScopesNotGranted: a custom scope is granted only while
// its resource server defines it. "After you delete a resource server,
// users can no longer generate access tokens with scopes that are
// associate with that resource server" (API_DeleteResourceServer.html);
// a scope UpdateResourceServer drops goes the same way. The clients keep
// the stale entries in AllowedOAuthScopes, as on AWS; asking for one is
// refused as asking for a scope the client lacks (invalid_scope), and the
// refreshes of earlier grants lose it.
func TestOAuth2DeletedScopesNotGranted(t *testing.T) {
	e := newSDKEnv(t)
	pool := e.pool()
	must[*cip.CreateResourceServerOutput](t, "CreateResourceServer")(e.c.CreateResourceServer(e.ctx, &cip.CreateResourceServerInput{
		UserPoolId: &pool, Identifier: aws.String("api"), Name: aws.String("API"),
		Scopes: []types.ResourceServerScopeType{{ScopeName: aws.String("read"), ScopeDescription: aws.String("r")},
			{ScopeName: aws.String("write"), ScopeDescription: aws.String("w")}}}))
	m2m := e.client(pool, func(in *cip.CreateUserPoolClientInput) {
		in.GenerateSecret, in.AllowedOAuthFlowsUserPoolClient = true, true
		in.AllowedOAuthFlows = []types.OAuthFlowType{types.OAuthFlowTypeClientCredentials}
		in.AllowedOAuthScopes = []string{"api/read", "api/write"}
	})
	machine := func(scope string) (int, map[string]any) {
		t.Helper()
		form := url.Values{"grant_type": {"client_credentials"}, "client_id": {*m2m.ClientId}, "client_secret": {*m2m.ClientSecret}}
		if scope != "" {
			form.Set("scope", scope)
		}
		return tokenCall(t, e.URL, form)
	}
	const callback = "https://app.example/callback"
	app := *e.client(pool, oauthClient(types.OAuthFlowTypeCode, callback,
		[]string{"openid", "api/read", "api/write"}, []string{"COGNITO"})).ClientId
	e.user(pool, "ana", "ana@example.com", "Perm#Pass1")
	both := e.pageTokens(app, callback, "openid api/read api/write", "ana", "Perm#Pass1")["refresh_token"].(string)
	writeOnly := e.pageTokens(app, callback, "api/write", "ana", "Perm#Pass1")["refresh_token"].(string)
	refresh := func(token string) (int, map[string]any) {
		t.Helper()
		return tokenCall(t, e.URL, url.Values{"grant_type": {"refresh_token"}, "client_id": {app}, "refresh_token": {token}})
	}
	scopeOf := func(status int, body map[string]any) any {
		t.Helper()
		if status != 200 {
			t.Fatalf("tokens refused: %d %v", status, body)
		}
		return jwtClaims(t, body["access_token"].(string))["scope"]
	}
	// authorize answers where /oauth2/authorize sends the browser: the
	// sign-in page, or the callback with a refusal.
	authorize := func(scope string) string {
		t.Helper()
		q := url.Values{"response_type": {"code"}, "client_id": {app}, "redirect_uri": {callback}, "scope": {scope}}
		resp, _ := newBrowser(t, e.URL).get(e.URL + "/oauth2/authorize?" + q.Encode())
		if resp.Request.URL.Path == "/login" {
			return "/login"
		}
		return resp.Header.Get("Location")
	}

	// A code for api/write only, redeemed after write is gone.
	b := newBrowser(t, e.URL)
	resp, page := b.get(e.URL + "/oauth2/authorize?" + url.Values{"response_type": {"code"}, "client_id": {app},
		"redirect_uri": {callback}, "scope": {"api/write"}}.Encode())
	if resp.Request.URL.Path != "/login" {
		t.Fatalf("authorize for api/write: %d at %s", resp.StatusCode, resp.Request.URL)
	}
	resp, _ = b.submit(e.URL, page, url.Values{"username": {"ana"}, "password": {"Perm#Pass1"}})
	back, _ := url.Parse(resp.Header.Get("Location"))
	staleCode := back.Query().Get("code")

	// write leaves the resource server.
	must[*cip.UpdateResourceServerOutput](t, "UpdateResourceServer")(e.c.UpdateResourceServer(e.ctx, &cip.UpdateResourceServerInput{
		UserPoolId: &pool, Identifier: aws.String("api"), Name: aws.String("API"),
		Scopes: []types.ResourceServerScopeType{{ScopeName: aws.String("read"), ScopeDescription: aws.String("r")}}}))
	if got := scopeOf(machine("")); got != "api/read" {
		t.Errorf("client_credentials without scope after write was removed: scope %q; want api/read", got)
	}
	if status, body := machine("api/write"); status != 400 || body["error"] != "invalid_scope" {
		t.Errorf("client_credentials for the removed scope: %d %v; want invalid_scope", status, body)
	}
	if status, body := machine("api/read api/write"); status != 400 || body["error"] != "invalid_scope" {
		t.Errorf("client_credentials naming the removed scope among others: %d %v; want invalid_scope", status, body)
	}
	if got := scopeOf(refresh(both)); got != "openid api/read" {
		t.Errorf("refreshed scope %q; want %q", got, "openid api/read")
	}
	if got := authorize("openid api/write"); got != callback+"?error=invalid_scope" {
		t.Errorf("authorize for the removed scope: %q; want invalid_scope at the callback", got)
	}
	// With no scope named, the client's live scopes: the page's code
	// carries openid and api/read only.
	if got := scopeOf(200, e.pageTokens(app, callback, "", "ana", "Perm#Pass1")); got != "openid api/read" {
		t.Errorf("a code without scope: %q; want %q", got, "openid api/read")
	}
	// A grant of nothing but the removed scope has nothing left to refresh.
	if status, body := refresh(writeOnly); status != 400 || body["error"] != "invalid_grant" {
		t.Errorf("refreshing a grant of only the removed scope: %d %v; want invalid_grant", status, body)
	}
	_, err := e.refresh(app, writeOnly)
	wantErr[*types.NotAuthorizedException](t, err, "Invalid Refresh Token.")
	if status, body := tokenCall(t, e.URL, url.Values{"grant_type": {"authorization_code"}, "client_id": {app},
		"code": {staleCode}, "redirect_uri": {callback}}); status != 400 || body["error"] != "invalid_grant" {
		t.Errorf("redeeming a code of only the removed scope: %d %v; want invalid_grant", status, body)
	}

	// The resource server goes.
	must[*cip.DeleteResourceServerOutput](t, "DeleteResourceServer")(e.c.DeleteResourceServer(e.ctx, &cip.DeleteResourceServerInput{
		UserPoolId: &pool, Identifier: aws.String("api")}))
	if status, body := machine(""); status != 400 || body["error"] != "invalid_scope" {
		t.Errorf("client_credentials after the resource server was deleted: %d %v; want invalid_scope", status, body)
	}
	if status, body := machine("api/read"); status != 400 || body["error"] != "invalid_scope" {
		t.Errorf("client_credentials for a deleted server's scope: %d %v; want invalid_scope", status, body)
	}
	if got := scopeOf(refresh(both)); got != "openid" {
		t.Errorf("refreshed scope %q after the delete; want openid", got)
	}
	if got := authorize("api/read"); got != callback+"?error=invalid_scope" {
		t.Errorf("authorize for a deleted server's scope: %q; want invalid_scope at the callback", got)
	}
	if got := authorize("openid"); got != "/login" {
		t.Errorf("authorize for openid after the delete: %q; want the sign-in page", got)
	}

	// The clients keep the stale scopes, as on AWS.
	described := must[*cip.DescribeUserPoolClientOutput](t, "DescribeUserPoolClient")(e.c.DescribeUserPoolClient(e.ctx,
		&cip.DescribeUserPoolClientInput{UserPoolId: &pool, ClientId: m2m.ClientId})).UserPoolClient
	if diff := cmp.Diff([]string{"api/read", "api/write"}, described.AllowedOAuthScopes); diff != "" {
		t.Errorf("the client's AllowedOAuthScopes (-want +got):\n%s", diff)
	}
}
