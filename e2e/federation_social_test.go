package e2e

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
)

// oauthStandIn is an OAuth 2.0 provider without ID tokens, as Facebook and
// Login with Amazon are: an authorization endpoint that signs in the user
// the test names at once, a token endpoint (GET or POST, as the provider
// takes it) that checks the client's secret and single-use code, and a
// profile endpoint that answers the access token's user, only the fields
// asked for when the request names fields (as Graph API's /me does).
type oauthStandIn struct {
	URL, ClientID, ClientSecret string

	mu          sync.Mutex
	user        map[string]any
	codes       map[string]map[string]any
	access      map[string]map[string]any
	TokenMethod string // of the last token request
	Fields      string // of the last profile request
	AuthQuery   url.Values
}

func newOAuthStandIn(t *testing.T) *oauthStandIn {
	p := &oauthStandIn{ClientID: "social-client", ClientSecret: "social-secret",
		codes: map[string]map[string]any{}, access: map[string]map[string]any{}}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /authorize", func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		p.mu.Lock()
		defer p.mu.Unlock()
		p.AuthQuery = q
		if q.Get("client_id") != p.ClientID || q.Get("response_type") != "code" || q.Get("state") == "" {
			http.Error(w, "bad authorization request", http.StatusBadRequest)
			return
		}
		code := randomString()
		p.codes[code] = p.user
		http.Redirect(w, r, q.Get("redirect_uri")+"?"+url.Values{"code": {code}, "state": {q.Get("state")}}.Encode(), http.StatusFound)
	})
	mux.HandleFunc("/token", func(w http.ResponseWriter, r *http.Request) {
		r.ParseForm()
		f := r.Form
		p.mu.Lock()
		defer p.mu.Unlock()
		p.TokenMethod = r.Method
		user, ok := p.codes[f.Get("code")]
		delete(p.codes, f.Get("code"))
		if !ok || f.Get("client_id") != p.ClientID || f.Get("client_secret") != p.ClientSecret ||
			!strings.HasSuffix(f.Get("redirect_uri"), "/oauth2/idpresponse") {
			w.WriteHeader(http.StatusBadRequest)
			writeJSONTo(w, map[string]string{"error": "invalid_grant"})
			return
		}
		access := randomString()
		p.access[access] = user
		writeJSONTo(w, map[string]any{"access_token": access, "token_type": "bearer", "expires_in": 3600})
	})
	profile := func(w http.ResponseWriter, r *http.Request) {
		p.mu.Lock()
		defer p.mu.Unlock()
		user, ok := p.access[strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")]
		if !ok {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		p.Fields = r.URL.Query().Get("fields")
		out := user
		if p.Fields != "" {
			out = map[string]any{}
			for _, f := range strings.Split(p.Fields, ",") {
				if v, ok := user[f]; ok {
					out[f] = v
				}
			}
		}
		writeJSONTo(w, out)
	}
	mux.HandleFunc("GET /me", profile)
	mux.HandleFunc("GET /user/profile", profile)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	p.URL = srv.URL
	return p
}

// idClaimOf is the profile field naming the user, by provider type.
var idClaimOf = map[types.IdentityProviderTypeType]string{
	types.IdentityProviderTypeTypeFacebook: "id", types.IdentityProviderTypeTypeLoginWithAmazon: "user_id",
}

func (p *oauthStandIn) signIn(user map[string]any) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.user = user
}

// TestFacebookAndAmazonFederation signs in through Facebook and Login with
// Amazon providers, created as Cognito creates them (Facebook with an
// api_version): the browser goes to each one's authorization endpoint, the
// code comes back to /oauth2/idpresponse, Ninshou redeems it (Facebook's
// token request a GET, Amazon's a POST) and reads the profile with the
// access token (Facebook's /me asked for the mapped fields); the user is
// Facebook_<id> / LoginWithAmazon_<user_id> with the mapped attributes.
func TestFacebookAndAmazonFederation(t *testing.T) {
	for _, c := range []struct {
		typ         types.IdentityProviderTypeType
		details     map[string]string
		endpoints   map[string]string
		scopes      string
		profile     map[string]any
		username    string
		tokenMethod string
		fields      string
	}{
		{types.IdentityProviderTypeTypeFacebook, map[string]string{"api_version": "v17.0"},
			map[string]string{
				"https://www.facebook.com/v17.0/dialog/oauth":         "/authorize",
				"https://graph.facebook.com/v17.0/oauth/access_token": "/token",
				"https://graph.facebook.com/v17.0/me":                 "/me",
			}, "public_profile,email",
			map[string]any{"id": "10221234567890", "email": "kim@example.com", "name": "Kim Lee", "birthday": "01/02/1990"},
			"Facebook_10221234567890", "GET", "id,email,name"},
		{types.IdentityProviderTypeTypeLoginWithAmazon, nil,
			map[string]string{
				"https://www.amazon.com/ap/oa":         "/authorize",
				"https://api.amazon.com/auth/o2/token": "/token",
				"https://api.amazon.com/user/profile":  "/user/profile",
			}, "profile",
			map[string]any{"user_id": "amzn1.account.AFAKE123", "email": "kim@example.com", "name": "Kim Lee"},
			"LoginWithAmazon_amzn1.account.AFAKE123", "POST", ""},
	} {
		t.Run(string(c.typ), func(t *testing.T) {
			s := startServer(t)
			e := &sdkEnv{server: s, t: t, ctx: t.Context(), c: s.sdk()}
			p := newOAuthStandIn(t)
			routeCalls(s, c.endpoints, p.URL)
			pool := e.pool()
			details := map[string]string{"client_id": p.ClientID, "client_secret": p.ClientSecret, "authorize_scopes": c.scopes}
			for k, v := range c.details {
				details[k] = v
			}
			name := string(c.typ)
			must[*cip.CreateIdentityProviderOutput](t, "CreateIdentityProvider")(e.c.CreateIdentityProvider(e.ctx, &cip.CreateIdentityProviderInput{
				UserPoolId: aws.String(pool), ProviderName: aws.String(name), ProviderType: c.typ, ProviderDetails: details,
				AttributeMapping: map[string]string{"email": "email", "name": "name"}}))
			const callback = "https://app.example/callback"
			clientID := *e.client(pool, oauthClient(types.OAuthFlowTypeCode, callback, []string{"openid", "email", "profile"},
				[]string{"COGNITO", name})).ClientId
			var bases []string
			for provider := range c.endpoints {
				u, _ := url.Parse(provider)
				bases = append(bases, u.Scheme+"://"+u.Host)
			}
			b := newBrowser(t, append([]string{s.URL}, bases...)...)
			b.http.Transport = standInTransport{endpoints: c.endpoints, standIn: p.URL}

			p.signIn(c.profile)
			authorize := s.URL + "/oauth2/authorize?" + url.Values{"response_type": {"code"}, "client_id": {clientID},
				"redirect_uri": {callback}, "scope": {"openid email profile"}, "state": {"s1"}, "identity_provider": {name}}.Encode()
			resp, page := b.get(authorize)
			loc, _ := url.Parse(resp.Header.Get("Location"))
			if resp.StatusCode != http.StatusFound || loc == nil || !strings.HasPrefix(loc.String(), callback+"?") || loc.Query().Get("code") == "" {
				t.Fatalf("%s sign-in: %d at %s, Location %q\n%s", name, resp.StatusCode, resp.Request.URL, resp.Header.Get("Location"), page)
			}
			if q := p.AuthQuery; q.Get("scope") != c.scopes || q.Get("redirect_uri") != s.URL+"/oauth2/idpresponse" || q.Has("nonce") {
				t.Errorf("the authorization request %s received: %v", name, q)
			}
			if p.TokenMethod != c.tokenMethod || p.Fields != c.fields {
				t.Errorf("token request by %s, profile fields %q; want %s and %q", p.TokenMethod, p.Fields, c.tokenMethod, c.fields)
			}
			claims := redeemCode(t, s, pool, clientID, callback, loc.Query().Get("code"))
			if claims["cognito:username"] != c.username || claims["email"] != "kim@example.com" || claims["name"] != "Kim Lee" {
				t.Errorf("ID token claims %v", claims)
			}
			ids, _ := claims["identities"].([]any)
			if len(ids) != 1 || ids[0].(map[string]any)["providerType"] != name {
				t.Errorf("identities %v", claims["identities"])
			}

			// A profile that names no user, or names one by a number, not
			// the string these providers send, signs no one in.
			for _, profile := range []map[string]any{{"email": "nobody@example.com"}, {idClaimOf[c.typ]: 1234, "email": "n@example.com"}} {
				p.signIn(profile)
				resp, _ = b.get(authorize)
				loc, _ = url.Parse(resp.Header.Get("Location"))
				if loc == nil || loc.Query().Has("code") || loc.Query().Get("error_description") != "The identity provider's profile names no user." {
					t.Errorf("profile %v: Location %q", profile, resp.Header.Get("Location"))
				}
			}
		})
	}
}
