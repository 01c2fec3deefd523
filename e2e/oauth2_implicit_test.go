package e2e

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/ninshou/ninshou/internal/idp/oidcrp"
)

// TestOAuth2ImplicitGrant: with response_type=token the sign-in page (and a
// federated sign-in) ends at the callback with the tokens in its fragment:
// access token, ID token when openid was asked (with the nonce), token_type,
// expires_in and the state; never a refresh token or a code.
// https://docs.aws.amazon.com/cognito/latest/developerguide/authorization-endpoint.html
func TestOAuth2ImplicitGrant(t *testing.T) {
	s := startServer(t)
	e := &sdkEnv{server: s, t: t, ctx: t.Context(), c: s.sdk()}
	provider := newOIDCProvider(t)
	pool := e.pool()
	must[*cip.CreateIdentityProviderOutput](t, "CreateIdentityProvider")(e.c.CreateIdentityProvider(e.ctx, &cip.CreateIdentityProviderInput{
		UserPoolId: &pool, ProviderName: aws.String("Corp"), ProviderType: types.IdentityProviderTypeTypeOidc,
		ProviderDetails: map[string]string{"client_id": provider.ClientID, "client_secret": provider.ClientSecret,
			"attributes_request_method": "GET", "oidc_issuer": provider.URL, "authorize_scopes": "openid email"},
		AttributeMapping: map[string]string{"email": "email"}}))
	const callback = "https://spa.example/signed-in"
	clientID := *e.client(pool, oauthClient(types.OAuthFlowTypeImplicit, callback, []string{"openid", "email"}, []string{"COGNITO", "Corp"})).ClientId
	e.user(pool, "ana", "ana@example.com", "Perm#Pass1")

	authorize := func(extra url.Values) string {
		q := url.Values{"response_type": {"token"}, "client_id": {clientID}, "redirect_uri": {callback},
			"scope": {"openid email"}, "state": {"st-9"}, "nonce": {"n-9"}}
		for k, v := range extra {
			q[k] = v
		}
		return s.URL + "/oauth2/authorize?" + q.Encode()
	}
	check := func(how string, resp *http.Response, username string) {
		t.Helper()
		loc := resp.Header.Get("Location")
		base, fragment, _ := strings.Cut(loc, "#")
		if resp.StatusCode != http.StatusFound || base != callback || !strings.HasPrefix(fragment, "access_token=") && !strings.Contains(fragment, "&access_token=") {
			t.Fatalf("%s: %d, Location %q", how, resp.StatusCode, loc)
		}
		f, err := url.ParseQuery(fragment)
		if err != nil {
			t.Fatalf("%s: fragment %q: %v", how, fragment, err)
		}
		if f.Get("token_type") != "Bearer" || f.Get("expires_in") != "3600" || f.Get("state") != "st-9" ||
			f.Has("refresh_token") || f.Has("code") || f.Get("access_token") == "" {
			t.Errorf("%s: fragment %v", how, f)
		}
		claims, err := oidcrp.VerifyIDToken(f.Get("id_token"), poolJWKS(t, s, pool),
			oidcrp.Check{Issuer: s.URL + "/" + pool, Audience: clientID, Nonce: "n-9", Now: time.Now()})
		if err != nil {
			t.Fatalf("%s: the ID token: %v", how, err)
		}
		if claims["cognito:username"] != username {
			t.Errorf("%s: cognito:username %v, want %s", how, claims["cognito:username"], username)
		}
	}

	b := newBrowser(t, s.URL, provider.URL)
	// A PKCE challenge, which only a code needs, changes nothing here.
	resp, page := b.get(authorize(url.Values{"code_challenge": {"E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"}, "code_challenge_method": {"S256"}}))
	if resp.Request.URL.Path != "/login" {
		t.Fatalf("authorize: %d at %s", resp.StatusCode, resp.Request.URL)
	}
	resp, _ = b.submit(s.URL, page, url.Values{"username": {"ana"}, "password": {"Perm#Pass1"}})
	check("the sign-in page", resp, "ana")

	provider.SignIn(map[string]any{"sub": "u-1", "email": "u1@corp.example"})
	resp, _ = b.get(authorize(url.Values{"identity_provider": {"Corp"}}))
	check("a federated sign-in", resp, "Corp_u-1")
}
