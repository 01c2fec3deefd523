package e2e

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"

	"github.com/ninshou/ninshou/internal/idp/oidcrp"
)

// tokenCall posts a form to the token endpoint and decodes the answer.
func tokenCall(t *testing.T, base string, form url.Values) (int, map[string]any) {
	t.Helper()
	resp, err := http.PostForm(base+"/oauth2/token", form)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body map[string]any
	json.NewDecoder(resp.Body).Decode(&body)
	return resp.StatusCode, body
}

// redeemCode redeems a public client's authorization code and returns
// the claims of the pool's ID token it gets, checked.
func redeemCode(t *testing.T, s *server, pool, clientID, callback, code string) map[string]any {
	t.Helper()
	status, tok := tokenCall(t, s.URL, url.Values{"grant_type": {"authorization_code"}, "client_id": {clientID},
		"code": {code}, "redirect_uri": {callback}})
	idToken, _ := tok["id_token"].(string)
	if status != 200 || idToken == "" {
		t.Fatalf("redeeming the code: %d %v", status, tok)
	}
	claims, err := oidcrp.VerifyIDToken(idToken, poolJWKS(t, s, pool),
		oidcrp.Check{Issuer: s.URL + "/" + pool, Audience: clientID, Now: time.Now()})
	if err != nil {
		t.Fatalf("the pool's ID token: %v", err)
	}
	return claims
}

// TestOAuth2AuthorizationCode walks the authorization code grant with PKCE
// as a browser and an OIDC client library do: /oauth2/authorize sends the
// browser to /login, the password form (with its CSRF token) signs the
// user in and redirects to the registered callback with a code and the
// state; /oauth2/token redeems the code once, with the PKCE verifier, for
// ID (with the nonce), access (with the requested scopes) and refresh
// tokens that aws-jwt-verify accepts; /oauth2/userInfo answers the user's
// attributes for that access token and refuses the API's own tokens.
// Requests the client may hear about go back to its callback as error=...;
// a callback it did not register never receives anything.
// https://docs.aws.amazon.com/cognito/latest/developerguide/authorization-endpoint.html
func TestOAuth2AuthorizationCode(t *testing.T) {
	s := startServerWith(t, "--public-url", "https://cognito-idp.us-east-1.amazonaws.com")
	ctx := context.Background()
	c := s.sdk()
	poolID := *must[*cip.CreateUserPoolOutput](t, "CreateUserPool")(c.CreateUserPool(ctx,
		&cip.CreateUserPoolInput{PoolName: aws.String("web")})).UserPool.Id
	const callback = "http://localhost:3000/callback"
	clientID := *must[*cip.CreateUserPoolClientOutput](t, "CreateUserPoolClient")(c.CreateUserPoolClient(ctx, &cip.CreateUserPoolClientInput{
		UserPoolId: &poolID, ClientName: aws.String("spa"), AllowedOAuthFlowsUserPoolClient: true,
		AllowedOAuthFlows: []types.OAuthFlowType{types.OAuthFlowTypeCode}, AllowedOAuthScopes: []string{"openid", "email", "profile"},
		CallbackURLs: []string{callback}, LogoutURLs: []string{"http://localhost:3000/bye"}, SupportedIdentityProviders: []string{"COGNITO"},
		ExplicitAuthFlows: []types.ExplicitAuthFlowsType{types.ExplicitAuthFlowsTypeAllowUserPasswordAuth, types.ExplicitAuthFlowsTypeAllowRefreshTokenAuth},
	})).UserPoolClient.ClientId
	must[*cip.AdminCreateUserOutput](t, "AdminCreateUser")(c.AdminCreateUser(ctx, &cip.AdminCreateUserInput{UserPoolId: &poolID,
		Username: aws.String("ana"), MessageAction: types.MessageActionTypeSuppress, UserAttributes: []types.AttributeType{
			{Name: aws.String("email"), Value: aws.String("ana@example.com")}, {Name: aws.String("email_verified"), Value: aws.String("true")},
			{Name: aws.String("given_name"), Value: aws.String("Ana")}}}))
	must[*cip.AdminSetUserPasswordOutput](t, "AdminSetUserPassword")(c.AdminSetUserPassword(ctx, &cip.AdminSetUserPasswordInput{
		UserPoolId: &poolID, Username: aws.String("ana"), Password: aws.String("Perm#Pass1"), Permanent: true}))

	b := newBrowser(t, s.URL)
	verifier := "a-pkce-code-verifier-of-enough-length-0123456789"
	sum := sha256.Sum256([]byte(verifier))
	authorize := url.Values{"response_type": {"code"}, "client_id": {clientID}, "redirect_uri": {callback},
		"scope": {"openid email"}, "state": {"st-42"}, "nonce": {"n-7"},
		"code_challenge": {base64.RawURLEncoding.EncodeToString(sum[:])}, "code_challenge_method": {"S256"}}
	get := b.get
	resp, page := get(s.URL + "/oauth2/authorize?" + authorize.Encode())
	if resp.StatusCode != 200 || resp.Request.URL.Path != "/login" || !strings.Contains(page, `name="password"`) {
		t.Fatalf("authorize: %d at %s:\n%s", resp.StatusCode, resp.Request.URL, page)
	}
	loginURL := resp.Request.URL.String()
	csrf := regexp.MustCompile(`name="_csrf" value="([^"]+)"`).FindStringSubmatch(page)
	if csrf == nil {
		t.Fatalf("no CSRF token on the sign-in page:\n%s", page)
	}
	login := func(password, token string) (*http.Response, string) {
		t.Helper()
		return b.post(loginURL, url.Values{"username": {"ana"}, "password": {password}, "_csrf": {token}})
	}
	if resp, page := login("Perm#Pass1", "forged"); resp.StatusCode != http.StatusForbidden {
		t.Errorf("a form without its CSRF token: %d\n%s", resp.StatusCode, page)
	}
	_, page = get(loginURL)
	csrf = regexp.MustCompile(`name="_csrf" value="([^"]+)"`).FindStringSubmatch(page)
	resp, page = login("Wrong#Pass1", csrf[1])
	if resp.StatusCode != 200 || !strings.Contains(page, "Incorrect username or password.") {
		t.Errorf("a wrong password: %d\n%s", resp.StatusCode, page)
	}
	csrf = regexp.MustCompile(`name="_csrf" value="([^"]+)"`).FindStringSubmatch(page)
	resp, _ = login("Perm#Pass1", csrf[1])
	back, _ := url.Parse(resp.Header.Get("Location"))
	code := back.Query().Get("code")
	if resp.StatusCode != http.StatusFound || !strings.HasPrefix(back.String(), callback+"?") || back.Query().Get("state") != "st-42" || code == "" {
		t.Fatalf("sign-in: %d, Location %q", resp.StatusCode, back)
	}

	token := func(form url.Values) (int, map[string]any) { t.Helper(); return tokenCall(t, s.URL, form) }
	redeem := url.Values{"grant_type": {"authorization_code"}, "client_id": {clientID}, "code": {code},
		"redirect_uri": {callback}, "code_verifier": {verifier}}
	status, tok := token(redeem)
	if status != 200 || tok["id_token"] == nil || tok["access_token"] == nil || tok["refresh_token"] == nil ||
		tok["token_type"] != "Bearer" || tok["expires_in"] != float64(3600) {
		t.Fatalf("redeeming the code: %d %v", status, tok)
	}
	if status, again := token(redeem); status != 400 || again["error"] != "invalid_grant" {
		t.Errorf("the code a second time: %d %v", status, again)
	}

	// aws-jwt-verify, as an app checks them; the nonce and the scopes.
	out, err := runScript(t, "verify-tokens.mjs", map[string]any{"userPoolId": poolID, "clientId": clientID,
		"idToken": tok["id_token"], "accessToken": tok["access_token"], "jwks": poolJWKS(t, s, poolID)})
	if err != nil {
		t.Fatalf("aws-jwt-verify refused the tokens: %v", err)
	}
	var verified map[string]map[string]any
	json.Unmarshal(out, &verified)
	// at_hash: the left half of the access token's SHA-256 (OpenID Connect Core §3.1.3.6).
	atSum := sha256.Sum256([]byte(tok["access_token"].(string)))
	if got := verified["cognito_id"]["at_hash"]; got != base64.RawURLEncoding.EncodeToString(atSum[:16]) {
		t.Errorf("at_hash %v", got)
	}
	if verified["cognito_id"]["nonce"] != "n-7" || verified["cognito_id"]["email"] != "ana@example.com" ||
		verified["cognito_access"]["scope"] != "openid email" || verified["cognito_access"]["username"] != "ana" {
		t.Errorf("verified claims: %v", verified)
	}
	// An OAuth access token carries "version": 2 after iss, as real ones do
	// (a token quoted in GeoscienceAustralia/geodesy-web-services).
	if claims := jwtClaims(t, tok["access_token"].(string)); claims["version"] != float64(2) {
		t.Errorf("the OAuth access token's version: %v", claims["version"])
	}
	if raw, _ := base64.RawURLEncoding.DecodeString(strings.Split(tok["access_token"].(string), ".")[1]); !strings.Contains(string(raw), `"iss":"`) ||
		!regexp.MustCompile(`"iss":"[^"]*","version":2,"client_id"`).Match(raw) {
		t.Errorf("the OAuth access token's claim order: %s", raw)
	}

	// userInfo: the openid token's user, within its scopes.
	userInfo := func(bearer string) (int, map[string]any) {
		t.Helper()
		return userInfoCall(t, s.URL, bearer)
	}
	status, info := userInfo(tok["access_token"].(string))
	if status != 200 || info["email"] != "ana@example.com" || info["email_verified"] != "true" || info["username"] != "ana" ||
		info["sub"] == nil || info["given_name"] != nil {
		t.Errorf("userInfo with scope openid email: %d %v", status, info)
	}
	apiTok := must[*cip.InitiateAuthOutput](t, "InitiateAuth")(c.InitiateAuth(ctx, &cip.InitiateAuthInput{ClientId: &clientID,
		AuthFlow: types.AuthFlowTypeUserPasswordAuth, AuthParameters: map[string]string{"USERNAME": "ana", "PASSWORD": "Perm#Pass1"}}))
	if status, body := userInfo(*apiTok.AuthenticationResult.AccessToken); status != 401 || body["error"] != "invalid_token" {
		t.Errorf("userInfo with an API access token: %d %v", status, body)
	}

	// A wrong PKCE verifier spends the code for nothing.
	_, page = get(loginURL)
	csrf = regexp.MustCompile(`name="_csrf" value="([^"]+)"`).FindStringSubmatch(page)
	resp, _ = login("Perm#Pass1", csrf[1])
	back, _ = url.Parse(resp.Header.Get("Location"))
	redeem.Set("code", back.Query().Get("code"))
	redeem.Set("code_verifier", "not-the-verifier-of-this-request-0123456789")
	if status, body := token(redeem); status != 400 || body["error"] != "invalid_grant" {
		t.Errorf("a wrong code_verifier: %d %v", status, body)
	}

	redeem.Set("code", "AYABeNeverIssuedByThisServer000000000000")
	if status, body := token(redeem); status != 400 || body["error"] != "invalid_grant" {
		t.Errorf("a code never issued: %d %v", status, body)
	}

	// Refusals: to the callback when it is registered, never otherwise.
	refusal := func(change func(url.Values)) string {
		t.Helper()
		q := url.Values{}
		for k, v := range authorize {
			q[k] = v
		}
		change(q)
		resp, _ := get(s.URL + "/oauth2/authorize?" + q.Encode())
		if resp.Request.URL.Path == "/error" {
			return "/error?" + resp.Request.URL.RawQuery
		}
		return resp.Header.Get("Location")
	}
	if got := refusal(func(q url.Values) { q.Set("scope", "openid phone") }); got != callback+"?error=invalid_scope&state=st-42" {
		t.Errorf("a scope the client lacks: %q", got)
	}
	if got := refusal(func(q url.Values) { q.Del("code_challenge") }); got != callback+"?error=invalid_request&state=st-42" {
		t.Errorf("a code_challenge_method without its code_challenge: %q", got)
	}
	if got := refusal(func(q url.Values) { q.Set("response_type", "token") }); got != callback+"?error=unauthorized_client&state=st-42" {
		t.Errorf("the implicit grant, which the client does not allow: %q", got)
	}
	if got := refusal(func(q url.Values) { q.Set("response_type", "id_token") }); got != callback+"?error=unsupported_response_type&state=st-42" {
		t.Errorf("a response type Cognito does not serve: %q", got)
	}
	if got := refusal(func(q url.Values) { q.Set("redirect_uri", "https://evil.example/cb") }); !strings.HasPrefix(got, "/error?") ||
		!strings.Contains(got, "error=redirect_mismatch") {
		t.Errorf("an unregistered callback: %q", got)
	}

	// /logout: to a registered logout_uri only; with response_type, back
	// to the sign-in page.
	resp, _ = get(s.URL + "/logout?" + url.Values{"client_id": {clientID}, "logout_uri": {"http://localhost:3000/bye"}}.Encode())
	if resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != "http://localhost:3000/bye" {
		t.Errorf("logout: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	resp, _ = get(s.URL + "/logout?" + url.Values{"client_id": {clientID}, "logout_uri": {"https://evil.example/bye"}}.Encode())
	if resp.Request.URL.Path != "/error" {
		t.Errorf("logout to an unregistered address: %d at %s, Location %q", resp.StatusCode, resp.Request.URL, resp.Header.Get("Location"))
	}
	again := url.Values{"client_id": {clientID}, "response_type": {"code"}, "redirect_uri": {callback}, "scope": {"openid"}}
	resp, page = get(s.URL + "/logout?" + again.Encode())
	if resp.Request.URL.Path != "/login" || !strings.Contains(page, `name="password"`) {
		t.Errorf("logout and sign in again: %d at %s", resp.StatusCode, resp.Request.URL)
	}
	// With logout_uri and client_id every other parameter is ignored, and
	// only GET is served (logout-endpoint.html).
	both := url.Values{"client_id": {clientID}, "logout_uri": {"http://localhost:3000/bye"}, "response_type": {"code"}, "redirect_uri": {callback}}
	resp, _ = get(s.URL + "/logout?" + both.Encode())
	if resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != "http://localhost:3000/bye" {
		t.Errorf("logout with logout_uri and response_type: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	post, err := http.Post(s.URL+"/logout?"+url.Values{"client_id": {clientID}, "logout_uri": {"http://localhost:3000/bye"}}.Encode(), "text/plain", nil)
	if err != nil {
		t.Fatal(err)
	}
	post.Body.Close()
	if post.StatusCode != http.StatusMethodNotAllowed || post.Header.Get("Allow") != http.MethodGet {
		t.Errorf("POST /logout: %d, Allow %q", post.StatusCode, post.Header.Get("Allow"))
	}
}
