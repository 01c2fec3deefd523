package e2e

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
)

// googleEndpoints are the Google endpoints a Google provider uses (the
// ones Cognito's DescribeIdentityProvider shows, and Google's keys), each
// with the stand-in path that answers it in this test.
var googleEndpoints = map[string]string{
	"https://accounts.google.com/o/oauth2/v2/auth": "/authorize",
	"https://www.googleapis.com/oauth2/v4/token":   "/token",
	"https://www.googleapis.com/oauth2/v3/certs":   "/jwks",
}

// toStandIn is u at the stand-in when it is one of endpoints (a
// provider's URL, without its query, to the stand-in's path).
func toStandIn(endpoints map[string]string, standIn, u string) string {
	parsed, err := url.Parse(u)
	if err != nil {
		return u
	}
	path, ok := endpoints[parsed.Scheme+"://"+parsed.Host+parsed.Path]
	if !ok {
		return u
	}
	out := standIn + path
	if parsed.RawQuery != "" {
		out += "?" + parsed.RawQuery
	}
	return out
}

// standInTransport sends a browser's requests to a provider's endpoints
// to its stand-in.
type standInTransport struct {
	endpoints map[string]string
	standIn   string
}

func (g standInTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if to := toStandIn(g.endpoints, g.standIn, req.URL.String()); to != req.URL.String() {
		r := req.Clone(req.Context())
		r.URL, _ = url.Parse(to)
		r.Host = r.URL.Host
		return http.DefaultTransport.RoundTrip(r)
	}
	return http.DefaultTransport.RoundTrip(req)
}

// routeCalls makes the server's calls to a provider's endpoints reach its
// stand-in.
func routeCalls(s *server, endpoints map[string]string, standIn string) {
	call := s.App.Service.CallURL
	s.App.Service.CallURL = func(ctx context.Context, method, u string, form url.Values, bearer string) ([]byte, error) {
		return call(ctx, method, toStandIn(endpoints, standIn, u), form, bearer)
	}
}

// TestGoogleFederation signs in through a Google provider, created as
// Cognito creates one (client_id, client_secret, authorize_scopes; the
// endpoints are Google's own): /oauth2/authorize with identity_provider
// Google sends the browser to Google's authorization endpoint, and the
// code Google sends back is redeemed at Google's token endpoint, its ID
// token checked against Google's keys and issuer (either spelling). A
// stand-in answers at Google's URLs: the server's calls and the browser's
// are routed to it, nothing else changes.
func TestGoogleFederation(t *testing.T) {
	s := startServer(t)
	e := &sdkEnv{server: s, t: t, ctx: t.Context(), c: s.sdk()}
	google := newOIDCProvider(t)
	google.Issuer, google.ProfileInIDToken = "https://accounts.google.com", true
	call := s.App.Service.CallURL
	s.App.Service.CallURL = func(ctx context.Context, method, u string, form url.Values, bearer string) ([]byte, error) {
		if strings.Contains(u, "people.googleapis.com") {
			t.Errorf("the People API was called: %s", u)
		}
		return call(ctx, method, toStandIn(googleEndpoints, google.URL, u), form, bearer)
	}
	pool := e.pool()
	must[*cip.CreateIdentityProviderOutput](t, "CreateIdentityProvider")(e.c.CreateIdentityProvider(e.ctx, &cip.CreateIdentityProviderInput{
		UserPoolId: aws.String(pool), ProviderName: aws.String("Google"), ProviderType: types.IdentityProviderTypeTypeGoogle,
		ProviderDetails: map[string]string{"client_id": google.ClientID, "client_secret": google.ClientSecret,
			"authorize_scopes": "openid email profile"},
		AttributeMapping: map[string]string{"email": "email", "email_verified": "email_verified", "name": "name", "picture": "picture"},
	}))
	const callback = "https://app.example/callback"
	clientID := *e.client(pool, oauthClient(types.OAuthFlowTypeCode, callback, []string{"openid", "email", "profile"},
		[]string{"COGNITO", "Google"})).ClientId

	b := newBrowser(t, s.URL, "https://accounts.google.com")
	b.http.Transport = standInTransport{endpoints: googleEndpoints, standIn: google.URL}
	authorize := s.URL + "/oauth2/authorize?" + url.Values{"response_type": {"code"}, "client_id": {clientID},
		"redirect_uri": {callback}, "scope": {"openid email profile"}, "state": {"s1"}, "identity_provider": {"Google"}}.Encode()

	// The request Google receives.
	stop := newBrowser(t, s.URL)
	resp, _ := stop.get(authorize)
	to, _ := url.Parse(resp.Header.Get("Location"))
	if resp.StatusCode != http.StatusFound || to == nil || to.Scheme+"://"+to.Host+to.Path != "https://accounts.google.com/o/oauth2/v2/auth" {
		t.Fatalf("authorize with identity_provider=Google: %d, Location %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	if q := to.Query(); q.Get("client_id") != google.ClientID || q.Get("response_type") != "code" ||
		q.Get("scope") != "openid email profile" || q.Get("redirect_uri") != s.URL+"/oauth2/idpresponse" ||
		q.Get("state") == "" || q.Get("nonce") == "" {
		t.Errorf("Google's authorization request: %v", q)
	}

	signIn := func() url.Values {
		t.Helper()
		resp, page := b.get(authorize)
		loc, _ := url.Parse(resp.Header.Get("Location"))
		if resp.StatusCode != http.StatusFound || loc == nil || !strings.HasPrefix(loc.String(), callback+"?") {
			t.Fatalf("Google sign-in: %d at %s, Location %q\n%s", resp.StatusCode, resp.Request.URL, resp.Header.Get("Location"), page)
		}
		return loc.Query()
	}
	for _, iss := range []string{"https://accounts.google.com", "accounts.google.com"} {
		google.mu.Lock()
		google.Issuer = iss
		google.mu.Unlock()
		google.SignIn(map[string]any{"sub": "1098765432101234", "email": "kim@gmail.com", "email_verified": true,
			"name": "Kim Lee", "picture": "https://lh3.googleusercontent.com/a/kim"})
		claims := redeemCode(t, s, pool, clientID, callback, signIn().Get("code"))
		if claims["cognito:username"] != "Google_1098765432101234" || claims["email"] != "kim@gmail.com" ||
			claims["name"] != "Kim Lee" || claims["picture"] != "https://lh3.googleusercontent.com/a/kim" {
			t.Errorf("issuer %s: ID token claims %v", iss, claims)
		}
		ids, _ := claims["identities"].([]any)
		if len(ids) != 1 || ids[0].(map[string]any)["providerType"] != "Google" || ids[0].(map[string]any)["userId"] != "1098765432101234" {
			t.Errorf("issuer %s: identities %v", iss, claims["identities"])
		}
	}
	if form := google.TokenForms[len(google.TokenForms)-1]; form.Get("client_secret") != google.ClientSecret ||
		form.Get("redirect_uri") != s.URL+"/oauth2/idpresponse" {
		t.Errorf("the token request Google received: %v", form)
	}
	user := must[*cip.AdminGetUserOutput](t, "AdminGetUser")(e.c.AdminGetUser(e.ctx, &cip.AdminGetUserInput{
		UserPoolId: aws.String(pool), Username: aws.String("Google_1098765432101234")}))
	if user.UserStatus != types.UserStatusTypeExternalProvider {
		t.Errorf("the Google user's status: %s", user.UserStatus)
	}

	// An ID token of another issuer is refused.
	google.mu.Lock()
	google.Issuer = "https://accounts.google.example"
	google.mu.Unlock()
	if q := signIn(); q.Get("error_description") != "Bad id_token." || q.Has("code") {
		t.Errorf("an ID token from another issuer: %v", q)
	}
}
