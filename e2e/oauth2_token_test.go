package e2e

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/google/go-cmp/cmp"
)

// TestOAuth2TokenEndpoint: POST /oauth2/token, where the pool's OpenID
// configuration points. The client credentials grant gives a confidential
// client an access token for its custom scopes (all of them when it names
// none), with client_secret_basic or client_secret_post, which
// aws-jwt-verify accepts for that client and scope; the refresh_token grant
// refreshes a user's sign-in; every refusal is a 400 with the RFC 6749 error
// code Cognito answers.
// https://docs.aws.amazon.com/cognito/latest/developerguide/token-endpoint.html
func TestOAuth2TokenEndpoint(t *testing.T) {
	s := startServerWith(t, "--public-url", "https://cognito-idp.us-east-1.amazonaws.com")
	ctx := context.Background()
	c := s.sdk()
	poolID := *must[*cip.CreateUserPoolOutput](t, "CreateUserPool")(c.CreateUserPool(ctx,
		&cip.CreateUserPoolInput{PoolName: aws.String("m2m")})).UserPool.Id
	must[*cip.CreateResourceServerOutput](t, "CreateResourceServer")(c.CreateResourceServer(ctx, &cip.CreateResourceServerInput{
		UserPoolId: &poolID, Identifier: aws.String("api"), Name: aws.String("API"),
		Scopes: []types.ResourceServerScopeType{{ScopeName: aws.String("read"), ScopeDescription: aws.String("r")},
			{ScopeName: aws.String("write"), ScopeDescription: aws.String("w")}}}))
	m2m := must[*cip.CreateUserPoolClientOutput](t, "CreateUserPoolClient")(c.CreateUserPoolClient(ctx, &cip.CreateUserPoolClientInput{
		UserPoolId: &poolID, ClientName: aws.String("service"), GenerateSecret: true,
		AllowedOAuthFlows: []types.OAuthFlowType{types.OAuthFlowTypeClientCredentials}, AllowedOAuthFlowsUserPoolClient: true,
		AllowedOAuthScopes: []string{"api/read", "api/write"}})).UserPoolClient
	id, secret := *m2m.ClientId, *m2m.ClientSecret

	type answer struct {
		status int
		body   map[string]any
	}
	postTo := func(path string, form url.Values, basic string) answer {
		t.Helper()
		req, _ := http.NewRequest(http.MethodPost, s.URL+path, strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if basic != "" {
			req.Header.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(basic)))
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		var body map[string]any
		if path == "/oauth2/revoke" && resp.StatusCode == 200 {
			if len(b) != 0 {
				t.Errorf("revoke answered %q; want an empty body", b)
			}
			return answer{resp.StatusCode, nil}
		}
		if err := json.Unmarshal(b, &body); err != nil {
			t.Fatalf("answer is not JSON: %s", b)
		}
		if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
			t.Errorf("Content-Type %q", ct)
		}
		return answer{resp.StatusCode, body}
	}
	post := func(form url.Values, basic string) answer { t.Helper(); return postTo("/oauth2/token", form, basic) }
	claims := func(tok string) map[string]any {
		t.Helper()
		parts := strings.Split(tok, ".")
		if len(parts) != 3 {
			t.Fatalf("not a JWS: %q", tok)
		}
		b, _ := base64.RawURLEncoding.DecodeString(parts[1])
		var m map[string]any
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatal(err)
		}
		return m
	}

	// client_secret_basic, one scope.
	a := post(url.Values{"grant_type": {"client_credentials"}, "scope": {"api/read"}}, id+":"+secret)
	if a.status != 200 || a.body["token_type"] != "Bearer" || a.body["expires_in"] != float64(3600) || len(a.body) != 3 {
		t.Fatalf("client credentials: %d %v", a.status, a.body)
	}
	tok := a.body["access_token"].(string)
	got := claims(tok)
	keys := make([]string, 0, len(got))
	for k := range got {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	if diff := cmp.Diff([]string{"auth_time", "client_id", "exp", "iat", "iss", "jti", "scope", "sub", "token_use", "version"}, keys); diff != "" {
		t.Errorf("claims of a client-credentials token (-want +got):\n%s", diff)
	}
	if got["sub"] != id || got["client_id"] != id || got["scope"] != "api/read" || got["token_use"] != "access" || got["version"] != float64(2) {
		t.Errorf("claims %v", got)
	}

	// aws-jwt-verify, as the API behind it checks: this client, this scope.
	out, err := runScript(t, "verify-m2m.mjs", map[string]any{"userPoolId": poolID, "clientId": id, "scope": "api/read",
		"accessToken": tok, "jwks": poolJWKS(t, s, poolID)})
	if err != nil || !strings.Contains(string(out), `"scope":"api/read"`) {
		t.Errorf("aws-jwt-verify: %v %s", err, out)
	}

	// client_secret_post, no scope: every custom scope of the client.
	a = post(url.Values{"grant_type": {"client_credentials"}, "client_id": {id}, "client_secret": {secret}}, "")
	if a.status != 200 || claims(a.body["access_token"].(string))["scope"] != "api/read api/write" {
		t.Errorf("client_secret_post without scope: %d %v", a.status, a.body)
	}
	// A scope named twice is granted once.
	a = post(url.Values{"grant_type": {"client_credentials"}, "scope": {"api/write api/read api/write"}}, id+":"+secret)
	if a.status != 200 || claims(a.body["access_token"].(string))["scope"] != "api/write api/read" {
		t.Errorf("a repeated scope: %d %v", a.status, a.body)
	}
	// The token names no user: the user APIs refuse it.
	_, err = c.GetUser(ctx, &cip.GetUserInput{AccessToken: aws.String(tok)})
	wantErr[*types.NotAuthorizedException](t, err, "Access Token does not have required scopes")

	// A user's refresh token at the token endpoint (a public client).
	app := *must[*cip.CreateUserPoolClientOutput](t, "CreateUserPoolClient")(c.CreateUserPoolClient(ctx, &cip.CreateUserPoolClientInput{
		UserPoolId: &poolID, ClientName: aws.String("app"),
		ExplicitAuthFlows: []types.ExplicitAuthFlowsType{types.ExplicitAuthFlowsTypeAllowUserPasswordAuth, types.ExplicitAuthFlowsTypeAllowRefreshTokenAuth}})).UserPoolClient.ClientId
	must[*cip.AdminCreateUserOutput](t, "AdminCreateUser")(c.AdminCreateUser(ctx, &cip.AdminCreateUserInput{UserPoolId: &poolID,
		Username: aws.String("ana"), MessageAction: types.MessageActionTypeSuppress}))
	must[*cip.AdminSetUserPasswordOutput](t, "AdminSetUserPassword")(c.AdminSetUserPassword(ctx, &cip.AdminSetUserPasswordInput{
		UserPoolId: &poolID, Username: aws.String("ana"), Password: aws.String("Perm#Pass1"), Permanent: true}))
	auth := must[*cip.InitiateAuthOutput](t, "InitiateAuth")(c.InitiateAuth(ctx, &cip.InitiateAuthInput{ClientId: &app,
		AuthFlow: types.AuthFlowTypeUserPasswordAuth, AuthParameters: map[string]string{"USERNAME": "ana", "PASSWORD": "Perm#Pass1"}}))
	a = post(url.Values{"grant_type": {"refresh_token"}, "client_id": {app}, "refresh_token": {*auth.AuthenticationResult.RefreshToken}}, "")
	if a.status != 200 || a.body["refresh_token"] != nil || a.body["id_token"] == nil ||
		claims(a.body["access_token"].(string))["username"] != "ana" {
		t.Errorf("refresh_token grant: %d %v", a.status, a.body)
	}

	// /oauth2/revoke: the refresh token and the access tokens from it.
	refresh := *auth.AuthenticationResult.RefreshToken
	for _, tc := range []struct {
		name   string
		form   url.Values
		basic  string
		status int
		want   string
	}{
		{"no token", url.Values{"client_id": {app}}, "", 400, "invalid_request"},
		{"an ID token", url.Values{"client_id": {app}, "token": {*auth.AuthenticationResult.IdToken}}, "", 400, "unsupported_token_type"},
		{"bad client credentials", url.Values{"token": {refresh}}, id + ":not-the-secret", 401, "invalid_client"},
		{"a token it does not know", url.Values{"client_id": {app}, "token": {"nope"}}, "", 200, ""},
		{"the refresh token", url.Values{"client_id": {app}, "token": {refresh}}, "", 200, ""},
	} {
		a := postTo("/oauth2/revoke", tc.form, tc.basic)
		if a.status != tc.status || tc.want != "" && a.body["error"] != tc.want {
			t.Errorf("revoke, %s: %d %v; want %d %s", tc.name, a.status, a.body, tc.status, tc.want)
		}
	}
	if a := post(url.Values{"grant_type": {"refresh_token"}, "client_id": {app}, "refresh_token": {refresh}}, ""); a.body["error"] != "invalid_grant" {
		t.Errorf("refresh after revocation: %d %v", a.status, a.body)
	}
	_, err = c.GetUser(ctx, &cip.GetUserInput{AccessToken: auth.AuthenticationResult.AccessToken})
	wantErr[*types.NotAuthorizedException](t, err, "Access Token has been revoked")

	for _, tc := range []struct {
		name  string
		form  url.Values
		basic string
		want  string
	}{
		{"a wrong secret", url.Values{"grant_type": {"client_credentials"}}, id + ":not-the-secret", "invalid_client"},
		{"no secret for a confidential client", url.Values{"grant_type": {"client_credentials"}, "client_id": {id}}, "", "invalid_client"},
		{"an unknown client", url.Values{"grant_type": {"client_credentials"}}, "nobody:x", "invalid_client"},
		{"a scope the client lacks", url.Values{"grant_type": {"client_credentials"}, "scope": {"api/read api/admin"}}, id + ":" + secret, "invalid_scope"},
		{"a user scope", url.Values{"grant_type": {"client_credentials"}, "scope": {"openid"}}, id + ":" + secret, "invalid_scope"},
		{"a public client", url.Values{"grant_type": {"client_credentials"}, "client_id": {app}}, "", "unauthorized_client"},
		{"the password grant", url.Values{"grant_type": {"password"}, "client_id": {app}}, "", "unsupported_grant_type"},
		{"no grant type", url.Values{"client_id": {app}}, "", "invalid_request"},
		{"no refresh token", url.Values{"grant_type": {"refresh_token"}, "client_id": {app}}, "", "invalid_request"},
		{"an unknown refresh token", url.Values{"grant_type": {"refresh_token"}, "client_id": {app}, "refresh_token": {"nope"}}, "", "invalid_grant"},
		{"a code without its redirect_uri", url.Values{"grant_type": {"authorization_code"}, "client_id": {app}, "code": {"abc"}}, "", "invalid_request"},
		{"a code for a client without the code grant", url.Values{"grant_type": {"authorization_code"}, "client_id": {app}, "code": {"abc"},
			"redirect_uri": {"https://app.example/cb"}}, "", "unauthorized_client"},
	} {
		if a := post(tc.form, tc.basic); a.status != 400 || a.body["error"] != tc.want || len(a.body) != 1 {
			t.Errorf("%s: %d %v; want 400 %s", tc.name, a.status, a.body, tc.want)
		}
	}
	if resp, err := http.Get(s.URL + "/oauth2/token"); err != nil || resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("GET /oauth2/token: %v %v", resp, err)
	} else {
		resp.Body.Close()
	}
}
