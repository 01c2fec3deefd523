package e2e

import (
	"encoding/json"
	"maps"
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

// TestOIDCFederation signs users in through an OIDC identity provider (on
// loopback) as managed login does: /oauth2/authorize with
// identity_provider (or idp_identifier, or the sign-in page's link) sends
// the browser to the provider; the provider sends it back to
// /oauth2/idpresponse; the pool redeems the provider's code with its client
// secret, checks the provider's ID token (signature, issuer, audience,
// nonce), reads its userInfo endpoint, and answers the app's callback with
// a code that redeems for the pool's own tokens. The federated user
// "<provider>_<sub>" is created with the mapped attributes (status
// EXTERNAL_PROVIDER), updated at its next sign-in, and put in the group
// "<pool ID>_<provider>"; an identity an administrator linked signs in as
// the linked user. A provider's refusal, a bad ID token, a disabled user and
// a replayed or unknown state each end where Cognito sends them.
// https://docs.aws.amazon.com/cognito/latest/developerguide/cognito-user-pools-oidc-flow.html
func TestOIDCFederation(t *testing.T) {
	s := startServer(t)
	aws_ := awsCLI{t: t, url: s.URL}
	e := &sdkEnv{server: s, t: t, ctx: t.Context(), c: s.sdk()}
	provider := newOIDCProvider(t)
	pool := e.pool(func(in *cip.CreateUserPoolInput) {
		in.Schema = []types.SchemaAttributeType{{Name: aws.String("team"), AttributeDataType: types.AttributeDataTypeString, Mutable: aws.Bool(true)}}
	})

	// The provider, by the AWS CLI: its endpoints come from its discovery
	// document; the attribute mapping names its claims.
	aws_.run("create-identity-provider", "--user-pool-id", pool, "--provider-name", "Corp", "--provider-type", "OIDC",
		"--provider-details", mustJSON(t, map[string]string{"client_id": provider.ClientID, "client_secret": provider.ClientSecret,
			"attributes_request_method": "GET", "oidc_issuer": provider.URL, "authorize_scopes": "openid email profile"}),
		"--attribute-mapping", "email=email,name=name,custom:team=team", "--idp-identifiers", "corp.example")
	const callback = "https://app.example/callback"
	clientID := *e.client(pool, oauthClient(types.OAuthFlowTypeCode, callback, []string{"openid", "email", "profile"}, []string{"COGNITO", "Corp"})).ClientId

	b := newBrowser(t, s.URL, provider.URL)
	authorize := func(extra url.Values) url.Values {
		q := url.Values{"response_type": {"code"}, "client_id": {clientID}, "redirect_uri": {callback},
			"scope": {"openid email profile"}, "state": {"app-state-1"}}
		for k, v := range extra {
			q[k] = v
		}
		return q
	}
	// signIn follows the browser from url to the app's callback.
	signIn := func(u string) url.Values {
		t.Helper()
		resp, page := b.get(u)
		loc, _ := url.Parse(resp.Header.Get("Location"))
		if resp.StatusCode != http.StatusFound || loc == nil || !strings.HasPrefix(loc.String(), callback+"?") {
			t.Fatalf("federated sign-in from %s: %d at %s, Location %q\n%s", u, resp.StatusCode, resp.Request.URL, resp.Header.Get("Location"), page)
		}
		if loc.Query().Get("state") != "app-state-1" {
			t.Errorf("the app's state came back as %q", loc.Query().Get("state"))
		}
		return loc.Query()
	}
	verify := func(code string) map[string]any {
		t.Helper()
		status, tok := tokenCall(t, s.URL, url.Values{"grant_type": {"authorization_code"}, "client_id": {clientID},
			"code": {code}, "redirect_uri": {callback}})
		if status != 200 || tok["id_token"] == nil || tok["refresh_token"] == nil {
			t.Fatalf("redeeming the code: %d %v", status, tok)
		}
		claims, err := oidcrp.VerifyIDToken(tok["id_token"].(string), poolJWKS(t, s, pool),
			oidcrp.Check{Issuer: s.URL + "/" + pool, Audience: clientID, Now: time.Now()})
		if err != nil {
			t.Fatalf("the pool's ID token: %v", err)
		}
		return claims
	}

	// First sign-in: a new federated user.
	provider.SignIn(map[string]any{"sub": "u-100", "email": "dev@corp.example", "email_verified": true, "name": "Dev One", "team": "core"})
	back := signIn(s.URL + "/oauth2/authorize?" + authorize(url.Values{"identity_provider": {"Corp"}}).Encode())
	if form := provider.TokenForms[len(provider.TokenForms)-1]; form.Get("redirect_uri") != s.URL+"/oauth2/idpresponse" {
		t.Errorf("the pool redeemed the provider's code for redirect_uri %q", form.Get("redirect_uri"))
	}
	claims := verify(back.Get("code"))
	username := "Corp_u-100"
	if claims["cognito:username"] != username || claims["email"] != "dev@corp.example" || claims["name"] != "Dev One" ||
		claims["custom:team"] != "core" {
		t.Errorf("ID token claims: %v", claims)
	}
	if groups, _ := claims["cognito:groups"].([]any); len(groups) != 1 || groups[0] != pool+"_Corp" {
		t.Errorf("cognito:groups = %v, want [%s_Corp]", claims["cognito:groups"], pool)
	}
	ids, _ := claims["identities"].([]any)
	if len(ids) != 1 {
		t.Fatalf("identities claim: %v", claims["identities"])
	}
	id := ids[0].(map[string]any)
	if id["userId"] != "u-100" || id["providerName"] != "Corp" || id["providerType"] != "OIDC" || id["primary"] != "true" ||
		id["issuer"] != nil || !regexp.MustCompile(`^\d{13}$`).MatchString(id["dateCreated"].(string)) {
		t.Errorf("identities[0] = %v; want Cognito's shape, every value a string or null", id)
	}
	user := aws_.run("admin-get-user", "--user-pool-id", pool, "--username", username)
	if user["UserStatus"] != "EXTERNAL_PROVIDER" || user["Enabled"] != true {
		t.Errorf("admin-get-user: %v", user)
	}
	attrs := map[string]string{}
	for _, a := range user["UserAttributes"].([]any) {
		a := a.(map[string]any)
		attrs[a["Name"].(string)] = a["Value"].(string)
	}
	var stored []map[string]any
	if err := json.Unmarshal([]byte(attrs["identities"]), &stored); err != nil || len(stored) != 1 || stored[0]["primary"] != true {
		t.Errorf("the identities attribute: %q", attrs["identities"])
	}
	sub := attrs["sub"]
	groups := aws_.run("list-groups", "--user-pool-id", pool)["Groups"].([]any)
	// Described in Cognito's words (the CLI's list-groups example).
	if len(groups) != 1 || groups[0].(map[string]any)["GroupName"] != pool+"_Corp" ||
		groups[0].(map[string]any)["Description"] != "Autogenerated group for users who sign in using Corp" {
		t.Errorf("list-groups: %v", groups)
	}

	// Next sign-in, by the provider's identifier: the same user, its
	// mapped attributes updated.
	provider.SignIn(map[string]any{"sub": "u-100", "email": "dev@corp.example", "name": "Dev Renamed", "team": "core"})
	claims = verify(signIn(s.URL + "/oauth2/authorize?" + authorize(url.Values{"idp_identifier": {"corp.example"}}).Encode()).Get("code"))
	if claims["sub"] != sub || claims["name"] != "Dev Renamed" {
		t.Errorf("second sign-in: sub %v (want %s), name %v", claims["sub"], sub, claims["name"])
	}

	// The sign-in page offers the provider beside the password form
	// (prompt=login: the browser's managed login session would skip it).
	resp, page := b.get(s.URL + "/oauth2/authorize?" + authorize(url.Values{"prompt": {"login"}}).Encode())
	link := regexp.MustCompile(`<a class="idpButton-customizable" href="([^"]+)">Continue with Corp</a>`).FindStringSubmatch(page)
	if resp.Request.URL.Path != "/login" || link == nil || !strings.Contains(page, `name="password"`) {
		t.Fatalf("the sign-in page:\n%s", page)
	}
	verify(signIn(s.URL + htmlUnescape(link[1])).Get("code"))

	// An identity linked ahead of its first sign-in signs in as the user
	// it is linked to, whose mapped attributes it then writes, as every
	// federated sign-in does (AdminLinkProviderForUser: "All attributes in
	// the DestinationUser profile must be mutable"; aws-amplify/amplify-js#7300).
	e.user(pool, "ana", "ana@example.com", "Perm#Pass1")
	must[*cip.AdminLinkProviderForUserOutput](t, "AdminLinkProviderForUser")(e.c.AdminLinkProviderForUser(e.ctx, &cip.AdminLinkProviderForUserInput{
		UserPoolId:      &pool,
		DestinationUser: &types.ProviderUserIdentifierType{ProviderName: aws.String("Cognito"), ProviderAttributeValue: aws.String("ana")},
		SourceUser: &types.ProviderUserIdentifierType{ProviderName: aws.String("Corp"), ProviderAttributeName: aws.String("Cognito_Subject"),
			ProviderAttributeValue: aws.String("u-200")}}))
	provider.SignIn(map[string]any{"sub": "u-200", "email": "ana@corp.example"})
	claims = verify(signIn(s.URL + "/oauth2/authorize?" + authorize(url.Values{"identity_provider": {"Corp"}}).Encode()).Get("code"))
	if claims["cognito:username"] != "ana" || claims["email"] != "ana@corp.example" {
		t.Errorf("a linked identity signed in as %v (email %v); want ana, with the provider's email", claims["cognito:username"], claims["email"])
	}
	if _, err := e.c.AdminGetUser(e.ctx, &cip.AdminGetUserInput{UserPoolId: &pool, Username: aws.String("Corp_u-200")}); err == nil {
		t.Error("a linked identity's sign-in created a federated user of its own")
	}
	// The identities attribute (and so the ID token's claim) is the pool's
	// to write, never a client's.
	anaTokens := must[*cip.InitiateAuthOutput](t, "InitiateAuth ana")(e.c.InitiateAuth(e.ctx, &cip.InitiateAuthInput{ClientId: &clientID,
		AuthFlow: types.AuthFlowTypeUserPasswordAuth, AuthParameters: map[string]string{"USERNAME": "ana", "PASSWORD": "Perm#Pass1"}}))
	_, err := e.c.UpdateUserAttributes(e.ctx, &cip.UpdateUserAttributesInput{AccessToken: anaTokens.AuthenticationResult.AccessToken,
		UserAttributes: []types.AttributeType{{Name: aws.String("identities"), Value: aws.String(`[{"providerName":"Other","providerType":"SAML","userId":"boss"}]`)}}})
	wantErr[*types.NotAuthorizedException](t, err, "A client attempted to write unauthorized attribute")

	// Refusals go back to the app with the app's state, and the provider's
	// words: "Amazon Cognito redirects your user to the callback URL and
	// adds the provider error response to error request parameters ...
	// adds the provider name and HTTP error code to the existing error
	// strings" (federation-endpoint-idp-responses.html).
	provider.mu.Lock()
	provider.Deny, provider.DenyDescription = true, "user said no"
	provider.mu.Unlock()
	if q := signIn(s.URL + "/oauth2/authorize?" + authorize(url.Values{"identity_provider": {"Corp"}}).Encode()); q.Get("error") != "access_denied" ||
		q.Get("error_description") != "user said no" || q.Has("code") {
		t.Errorf("the provider's refusal: %v", q)
	}
	provider.mu.Lock()
	provider.Deny, provider.RefuseCode, provider.RefuseDescription = false, "invalid_request", "The request is missing a required parameter : client_secret"
	provider.mu.Unlock()
	if q := signIn(s.URL + "/oauth2/authorize?" + authorize(url.Values{"identity_provider": {"Corp"}}).Encode()); q.Get("error") != "invalid_request" ||
		q.Get("error_description") != "Corp Error - 400 invalid_request The request is missing a required parameter : client_secret" || q.Has("code") {
		t.Errorf("the provider's token endpoint's refusal: %v", q)
	}
	provider.mu.Lock()
	provider.RefuseCode = ""
	provider.mu.Unlock()
	provider.mu.Lock()
	provider.Deny, provider.BadNonce = false, true
	provider.mu.Unlock()
	if q := signIn(s.URL + "/oauth2/authorize?" + authorize(url.Values{"identity_provider": {"Corp"}}).Encode()); q.Get("error") != "invalid_request" ||
		q.Get("error_description") != "Bad id_token." || q.Has("code") {
		t.Errorf("an ID token with another nonce: %v", q)
	}
	provider.mu.Lock()
	provider.BadNonce = false
	provider.mu.Unlock()
	must[*cip.AdminDisableUserOutput](t, "AdminDisableUser")(e.c.AdminDisableUser(e.ctx, &cip.AdminDisableUserInput{UserPoolId: &pool, Username: &username}))
	provider.SignIn(map[string]any{"sub": "u-100", "email": "dev@corp.example"})
	if q := signIn(s.URL + "/oauth2/authorize?" + authorize(url.Values{"identity_provider": {"Corp"}}).Encode()); q.Get("error_description") != "User is disabled." || q.Has("code") {
		t.Errorf("a disabled federated user: %v", q)
	}

	// The provider's answer is used once: a replay, or a state the pool
	// never sent, shows the error page.
	stop := newBrowser(t) // follows no redirect
	resp, _ = stop.get(s.URL + "/oauth2/authorize?" + authorize(url.Values{"identity_provider": {"Corp"}}).Encode())
	toProvider := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusFound || !strings.HasPrefix(toProvider, provider.URL+"/authorize?") {
		t.Fatalf("authorize with identity_provider: %d, Location %q", resp.StatusCode, toProvider)
	}
	resp, _ = stop.get(toProvider) // the provider's redirect back, not followed
	answer := resp.Header.Get("Location")
	// In another browser (login CSRF: an attacker's answer sent to a
	// victim), the answer signs no one in, and leaves the sign-in to the
	// browser that began it.
	if resp, page := newBrowser(t).get(answer); resp.StatusCode != http.StatusBadRequest || !strings.Contains(page, "Something went wrong") {
		t.Errorf("the provider's answer in another browser: %d\n%s", resp.StatusCode, page)
	}
	if resp, _ := stop.get(answer); resp.StatusCode != http.StatusFound {
		t.Fatalf("the provider's answer: %d", resp.StatusCode)
	}
	for _, u := range []string{answer, s.URL + "/oauth2/idpresponse?code=x&state=never-sent"} {
		if resp, page := stop.get(u); resp.StatusCode != http.StatusBadRequest || !strings.Contains(page, "Something went wrong") {
			t.Errorf("%s: %d\n%s", u, resp.StatusCode, page)
		}
	}

	// A client that does not name the provider may not use it.
	other := *e.client(pool, oauthClient(types.OAuthFlowTypeCode, callback, []string{"openid"}, []string{"COGNITO"})).ClientId
	q := authorize(url.Values{"identity_provider": {"Corp"}, "client_id": {other}})
	if resp, _ := stop.get(s.URL + "/oauth2/authorize?" + q.Encode()); !strings.Contains(resp.Header.Get("Location"), "error=unauthorized_client") {
		t.Errorf("a provider the client does not support: %d, Location %q", resp.StatusCode, resp.Header.Get("Location"))
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestOIDCFederationMappingRules: how Cognito writes mapped attributes
// (cognito-user-pools-specifying-attribute-mapping.html): every required
// attribute the provider does not give is named at the callback; a value
// too long for its attribute refuses the sign-in; an immutable mapped
// attribute is set at the first sign-in and refuses every later one ("user.
// <name>: Attribute cannot be updated."); and the provider's own id_token
// maps to a custom attribute.
func TestOIDCFederationMappingRules(t *testing.T) {
	s := startServer(t)
	e := &sdkEnv{server: s, t: t, ctx: t.Context(), c: s.sdk()}
	provider := newOIDCProvider(t)
	pool := e.pool(func(in *cip.CreateUserPoolInput) {
		in.Schema = []types.SchemaAttributeType{
			{Name: aws.String("given_name"), AttributeDataType: types.AttributeDataTypeString, Required: aws.Bool(true), Mutable: aws.Bool(true)},
			{Name: aws.String("family_name"), AttributeDataType: types.AttributeDataTypeString, Required: aws.Bool(true), Mutable: aws.Bool(true)},
			{Name: aws.String("badge"), AttributeDataType: types.AttributeDataTypeString, Mutable: aws.Bool(false)},
			{Name: aws.String("short"), AttributeDataType: types.AttributeDataTypeString, Mutable: aws.Bool(true),
				StringAttributeConstraints: &types.StringAttributeConstraintsType{MaxLength: aws.String("5")}},
			{Name: aws.String("idtok"), AttributeDataType: types.AttributeDataTypeString, Mutable: aws.Bool(true),
				StringAttributeConstraints: &types.StringAttributeConstraintsType{MaxLength: aws.String("2048")}},
		}
	})
	e.corpProvider(pool, provider, map[string]string{"given_name": "given_name", "family_name": "family_name",
		"custom:badge": "badge", "custom:short": "short", "custom:idtok": "id_token"})
	clientID := *e.client(pool, oauthClient(types.OAuthFlowTypeCode, corpCallback, []string{"openid"}, []string{"Corp"})).ClientId
	b := newBrowser(t, s.URL, provider.URL)
	signIn := func(claims map[string]any) url.Values {
		t.Helper()
		return corpSignIn(t, b, s.URL, provider, clientID, claims)
	}
	refused := func(back url.Values, description string) {
		t.Helper()
		if back.Get("error") != "invalid_request" || back.Get("error_description") != description || back.Has("code") {
			t.Errorf("callback %v; want invalid_request %q", back, description)
		}
	}

	refused(signIn(map[string]any{"sub": "u1", "badge": "b1"}), "attributes required: [given_name, family_name]")
	full := map[string]any{"sub": "u1", "given_name": "Ann", "family_name": "Lee", "badge": "b1", "short": "abc"}
	long := maps.Clone(full)
	long["short"] = "toolong"
	refused(signIn(long), "Attributes did not conform to the schema: custom:short: String must be no longer than 5 characters")

	if back := signIn(full); !back.Has("code") {
		t.Fatalf("first sign-in: %v", back)
	}
	g := must[*cip.AdminGetUserOutput](t, "AdminGetUser")(e.c.AdminGetUser(e.ctx, &cip.AdminGetUserInput{UserPoolId: &pool, Username: aws.String("Corp_u1")}))
	got := map[string]string{}
	for _, a := range g.UserAttributes {
		got[*a.Name] = *a.Value
	}
	if got["custom:badge"] != "b1" || strings.Count(got["custom:idtok"], ".") != 2 {
		t.Errorf("the federated user's attributes: %v", got)
	}
	// The next sign-in would update the immutable badge, even to the same value.
	refused(signIn(full), "user.custom:badge: Attribute cannot be updated.")
}

// TestOIDCFederationWriteAttributes: "If your app client does not have
// write access to a mapped attribute, Amazon Cognito throws an error when
// it tries to update the attribute." (API_CreateUserPoolClient,
// WriteAttributes): the first sign-in creates the user, every later one
// through that client is refused as for an immutable attribute (the cause
// of "user.email: Attribute cannot be updated." in aws-amplify/amplify-js#3526);
// a client that names no WriteAttributes signs in.
func TestOIDCFederationWriteAttributes(t *testing.T) {
	s := startServer(t)
	e := &sdkEnv{server: s, t: t, ctx: t.Context(), c: s.sdk()}
	provider := newOIDCProvider(t)
	pool := e.pool()
	e.corpProvider(pool, provider, map[string]string{"given_name": "given_name", "family_name": "family_name"})
	narrow := *e.client(pool, oauthClient(types.OAuthFlowTypeCode, corpCallback, []string{"openid"}, []string{"Corp"}),
		func(in *cip.CreateUserPoolClientInput) { in.WriteAttributes = []string{"given_name"} }).ClientId
	open := *e.client(pool, oauthClient(types.OAuthFlowTypeCode, corpCallback, []string{"openid"}, []string{"Corp"})).ClientId
	b := newBrowser(t, s.URL, provider.URL)
	signIn := func(clientID string) url.Values {
		t.Helper()
		return corpSignIn(t, b, s.URL, provider, clientID, map[string]any{"sub": "u1", "given_name": "Ann", "family_name": "Lee"})
	}
	if back := signIn(narrow); !back.Has("code") {
		t.Fatalf("first sign-in: %v", back)
	}
	if back := signIn(narrow); back.Get("error") != "invalid_request" || back.Get("error_description") != "user.family_name: Attribute cannot be updated." {
		t.Errorf("a later sign-in through a client that may not write family_name: %v", back)
	}
	if back := signIn(open); !back.Has("code") {
		t.Errorf("a later sign-in through a client naming no WriteAttributes: %v", back)
	}
}

// corpCallback is the app callback of the tests' OIDC provider "Corp".
const corpCallback = "https://app.example/callback"

// corpProvider makes provider the pool's OIDC identity provider "Corp",
// with the attribute mapping given.
func (e *sdkEnv) corpProvider(pool string, provider *oidcProvider, mapping map[string]string) {
	e.t.Helper()
	must[*cip.CreateIdentityProviderOutput](e.t, "CreateIdentityProvider")(e.c.CreateIdentityProvider(e.ctx, &cip.CreateIdentityProviderInput{
		UserPoolId: &pool, ProviderName: aws.String("Corp"), ProviderType: types.IdentityProviderTypeTypeOidc,
		ProviderDetails: map[string]string{"client_id": provider.ClientID, "client_secret": provider.ClientSecret,
			"attributes_request_method": "GET", "oidc_issuer": provider.URL, "authorize_scopes": "openid"},
		AttributeMapping: mapping}))
}

// corpSignIn signs in through "Corp" as the user claims name, with a code
// grant of clientID, and returns the query the app's callback gets.
func corpSignIn(t *testing.T, b *browserOn, serverURL string, provider *oidcProvider, clientID string, claims map[string]any) url.Values {
	t.Helper()
	provider.SignIn(claims)
	resp, page := b.get(serverURL + "/oauth2/authorize?" + url.Values{"response_type": {"code"}, "client_id": {clientID},
		"redirect_uri": {corpCallback}, "scope": {"openid"}, "identity_provider": {"Corp"}, "prompt": {"login"}}.Encode())
	loc, _ := url.Parse(resp.Header.Get("Location"))
	if resp.StatusCode != http.StatusFound || loc == nil || !strings.HasPrefix(loc.String(), corpCallback+"?") {
		t.Fatalf("federated sign-in: %d at %s, Location %q\n%s", resp.StatusCode, resp.Request.URL, resp.Header.Get("Location"), page)
	}
	return loc.Query()
}
