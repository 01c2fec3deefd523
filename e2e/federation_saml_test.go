package e2e

import (
	"crypto/x509"
	"encoding/base64"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"

	"github.com/ninshou/ninshou/internal/idp/oidcrp"
	"github.com/ninshou/ninshou/internal/testutil/samlidp"
)

// TestSAMLFederation signs users in through a SAML 2.0 identity provider
// (on loopback) as managed login does: /oauth2/authorize with
// identity_provider sends an AuthnRequest by the HTTP-Redirect binding to
// the IdP's sign-in endpoint from its metadata; the IdP posts a signed
// Response to /saml2/idpresponse, which is checked (signature by the
// metadata's certificate, issuer, audience urn:amazon:cognito:sp:<pool>,
// recipient, request, times) before the user "<provider>_<NameID>" is
// created with the mapped attributes and the app gets its code. A Response
// changed after signing, one for another audience, and a replayed one are
// refused.
// https://docs.aws.amazon.com/cognito/latest/developerguide/cognito-user-pools-saml-idp.html
func TestSAMLFederation(t *testing.T) {
	s, aws_, e, idp, pool := samlEnv(t)
	aws_.run("create-identity-provider", "--user-pool-id", pool, "--provider-name", "SAMLCorp", "--provider-type", "SAML",
		"--provider-details", mustJSON(t, map[string]string{"MetadataURL": idp.URL + "/metadata"}),
		"--attribute-mapping", "email=email,name=displayName")
	const callback = "https://app.example/callback"
	clientID := *e.client(pool, oauthClient(types.OAuthFlowTypeCode, callback, []string{"openid", "email"}, []string{"SAMLCorp"})).ClientId
	authorize := s.URL + "/oauth2/authorize?" + url.Values{"response_type": {"code"}, "client_id": {clientID},
		"redirect_uri": {callback}, "scope": {"openid email"}, "state": {"st"}, "identity_provider": {"SAMLCorp"}}.Encode()

	// post is the browser at the IdP: it takes the auto-posting form and
	// posts it to the pool's ACS.
	type posted struct {
		action string
		form   url.Values
	}
	idpForm := func(b *browserOn) posted {
		t.Helper()
		resp, page := b.get(authorize)
		if resp.StatusCode != 200 || !strings.HasPrefix(resp.Request.URL.String(), idp.URL+"/sso?") {
			t.Fatalf("authorize: %d at %s\n%s", resp.StatusCode, resp.Request.URL, page)
		}
		action := regexp.MustCompile(`action="([^"]+)"`).FindStringSubmatch(page)[1]
		return posted{action: htmlUnescape(action), form: idpPosted(t, page)}
	}
	back := func(resp *http.Response) url.Values {
		t.Helper()
		loc, _ := url.Parse(resp.Header.Get("Location"))
		if resp.StatusCode != http.StatusFound || loc == nil || !strings.HasPrefix(loc.String(), callback+"?") || loc.Query().Get("state") != "st" {
			t.Fatalf("want the app's callback: %d, Location %q", resp.StatusCode, resp.Header.Get("Location"))
		}
		return loc.Query()
	}

	idp.SignIn("jo@corp.example", map[string][]string{"email": {"jo@corp.example"}, "displayName": {"Jo Corp"}})
	b := newBrowser(t, s.URL, idp.URL)
	p := idpForm(b)
	if p.action != s.URL+"/saml2/idpresponse" {
		t.Errorf("the IdP posts to %q; the pool's ACS is /saml2/idpresponse", p.action)
	}
	resp, _ := b.post(p.action, p.form)
	q := back(resp)
	status, tok := tokenCall(t, s.URL, url.Values{"grant_type": {"authorization_code"}, "client_id": {clientID},
		"code": {q.Get("code")}, "redirect_uri": {callback}})
	if status != 200 {
		t.Fatalf("redeeming the code: %d %v", status, tok)
	}
	claims, err := oidcrp.VerifyIDToken(tok["id_token"].(string), poolJWKS(t, s, pool),
		oidcrp.Check{Issuer: s.URL + "/" + pool, Audience: clientID, Now: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	if claims["cognito:username"] != "SAMLCorp_jo@corp.example" || claims["email"] != "jo@corp.example" || claims["name"] != "Jo Corp" {
		t.Errorf("the ID token of a SAML user: %v", claims)
	}
	if ids, _ := claims["identities"].([]any); len(ids) != 1 || ids[0].(map[string]any)["providerType"] != "SAML" ||
		ids[0].(map[string]any)["issuer"] != idp.EntityID {
		t.Errorf("identities: %v", claims["identities"])
	}
	user := aws_.run("admin-get-user", "--user-pool-id", pool, "--username", "SAMLCorp_jo@corp.example")
	if user["UserStatus"] != "EXTERNAL_PROVIDER" {
		t.Errorf("admin-get-user: %v", user)
	}

	// The same Response again: the sign-in it answered is over.
	if resp, page := b.post(p.action, p.form); resp.StatusCode != http.StatusBadRequest || !strings.Contains(page, "Something went wrong") {
		t.Errorf("a replayed Response: %d\n%s", resp.StatusCode, page)
	}
	// Posted from another browser than the one that began the sign-in:
	// the cookie-less POST is posted again from this site (a browser's
	// cross-site POST carries no Lax cookie), and then, still without the
	// binding cookie, nothing happens; the sign-in is still the first
	// browser's.
	b2 := newBrowser(t, s.URL, idp.URL)
	p = idpForm(b2)
	other := newBrowser(t, s.URL)
	_, repost := other.post(p.action, p.form)
	if !strings.Contains(repost, `name="_reposted" value="1"`) {
		t.Fatalf("a cookie-less POST to the ACS: want the page that posts it again:\n%s", repost)
	}
	if resp, page := other.submit(s.URL, repost, nil); resp.StatusCode != http.StatusBadRequest || !strings.Contains(page, "Something went wrong") {
		t.Errorf("a Response posted from another browser: %d\n%s", resp.StatusCode, page)
	}
	// The first browser's own POST, cross-site (no cookie sent), then the
	// same-site repost (cookie sent): signed in.
	_, repost = newBrowser(t, s.URL).post(p.action, p.form)
	resp, _ = b2.submit(s.URL, repost, nil)
	if q := back(resp); q.Get("code") == "" {
		t.Errorf("the browser that began the sign-in, through the repost: %v", q)
	}
	// Changed after signing, or for another audience: refused.
	idp.Tamper = func(x string) string {
		return strings.Replace(x, ">jo@corp.example</saml:NameID>", ">admin@corp.example</saml:NameID>", 1)
	}
	b3 := newBrowser(t, s.URL, idp.URL)
	p = idpForm(b3)
	resp, _ = b3.post(p.action, p.form)
	if q := back(resp); q.Has("code") || q.Get("error") != "server_error" {
		t.Errorf("a Response changed after signing: %v", q)
	}
	idp.Tamper = nil
	idp.Audience = "urn:amazon:cognito:sp:us-east-1_someoneElse"
	b4 := newBrowser(t, s.URL, idp.URL)
	p = idpForm(b4)
	resp, _ = b4.post(p.action, p.form)
	if q := back(resp); q.Has("code") {
		t.Errorf("a Response for another audience: %v", q)
	}
}

// TestSAMLSignedRequests: with RequestSigningAlgorithm rsa-sha256 the pool
// signs its AuthnRequests (the HTTP-Redirect binding's RSA-SHA256
// signature) with the key of its signing certificate, which
// get-signing-certificate gives the IdP; without it they go unsigned, and
// an IdP that requires signed requests refuses them.
// https://docs.aws.amazon.com/cognito/latest/developerguide/cognito-user-pools-SAML-signing-encryption.html
func TestSAMLSignedRequests(t *testing.T) {
	s, aws_, e, idp, pool := samlEnv(t)
	cert := poolSigningCert(t, aws_, pool)
	idp.RequireSignedRequests(cert)
	for _, name := range []string{"Signed", "Unsigned"} {
		details := map[string]string{"MetadataURL": idp.URL + "/metadata"}
		if name == "Signed" {
			details["RequestSigningAlgorithm"] = "rsa-sha256"
		}
		aws_.run("create-identity-provider", "--user-pool-id", pool, "--provider-name", name, "--provider-type", "SAML",
			"--provider-details", mustJSON(t, details), "--attribute-mapping", "email=email")
	}
	const callback = "https://app.example/callback"
	clientID := *e.client(pool, oauthClient(types.OAuthFlowTypeCode, callback, []string{"openid", "email"}, []string{"Signed", "Unsigned"})).ClientId
	authorize := func(provider string) string {
		return s.URL + "/oauth2/authorize?" + url.Values{"response_type": {"code"}, "client_id": {clientID},
			"redirect_uri": {callback}, "scope": {"openid email"}, "identity_provider": {provider}}.Encode()
	}

	idp.SignIn("jo@corp.example", map[string][]string{"email": {"jo@corp.example"}})
	b := newBrowser(t, s.URL, idp.URL)
	resp, page := b.get(authorize("Signed"))
	if resp.StatusCode != 200 || !strings.Contains(page, `name="SAMLResponse"`) || idp.SignedRequests() != 1 {
		t.Fatalf("a signed AuthnRequest: %d at %s (%d signed requests seen)\n%s", resp.StatusCode, resp.Request.URL, idp.SignedRequests(), page)
	}
	if q := resp.Request.URL.Query(); q.Get("SigAlg") != "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256" || q.Get("Signature") == "" {
		t.Errorf("the signed request's query: %v", q)
	}
	action := regexp.MustCompile(`action="([^"]+)"`).FindStringSubmatch(page)[1]
	resp, _ = b.post(htmlUnescape(action), idpPosted(t, page))
	if loc := resp.Header.Get("Location"); resp.StatusCode != http.StatusFound || !strings.Contains(loc, "code=") {
		t.Errorf("signing in through the signed request: %d, Location %q", resp.StatusCode, loc)
	}

	if resp, _ := newBrowser(t, s.URL, idp.URL).get(authorize("Unsigned")); resp.StatusCode != http.StatusForbidden {
		t.Errorf("an unsigned AuthnRequest to an IdP that requires signatures: %d at %s", resp.StatusCode, resp.Request.URL)
	}

	// A pool whose certificate nobody asked for yet gets its key at its
	// first signed request; the certificate asked for then is that key's.
	idp2 := samlidp.Start(t)
	pool2 := e.pool()
	aws_.run("create-identity-provider", "--user-pool-id", pool2, "--provider-name", "Signed", "--provider-type", "SAML",
		"--provider-details", mustJSON(t, map[string]string{"MetadataURL": idp2.URL + "/metadata", "RequestSigningAlgorithm": "rsa-sha256"}))
	client2 := *e.client(pool2, oauthClient(types.OAuthFlowTypeCode, callback, []string{"openid"}, []string{"Signed"})).ClientId
	first := s.URL + "/oauth2/authorize?" + url.Values{"response_type": {"code"}, "client_id": {client2},
		"redirect_uri": {callback}, "scope": {"openid"}, "identity_provider": {"Signed"}}.Encode()
	if resp, _ := newBrowser(t, s.URL, idp2.URL).get(first); resp.StatusCode != 200 || resp.Request.URL.Query().Get("Signature") == "" {
		t.Fatalf("the first signed request of a pool: %d at %s", resp.StatusCode, resp.Request.URL)
	}
	cert2 := poolSigningCert(t, aws_, pool2)
	idp2.RequireSignedRequests(cert2)
	if resp, _ := newBrowser(t, s.URL, idp2.URL).get(first); resp.StatusCode != 200 || idp2.SignedRequests() != 1 {
		t.Errorf("signed with the key of the certificate asked for later: %d (%d signed requests)", resp.StatusCode, idp2.SignedRequests())
	}
}

// TestSAMLEncryptedResponses: a SAML provider with EncryptedResponses gets
// a key pair of its own, its certificate shown as the provider's
// ActiveEncryptionCertificate; an IdP that encrypts its assertions to it
// signs users in, and from then on an assertion in clear is refused. Turned
// off, encrypted assertions are refused and clear ones accepted; turned on
// again, the certificate is the same.
// https://docs.aws.amazon.com/cognito/latest/developerguide/cognito-user-pools-SAML-signing-encryption.html
func TestSAMLEncryptedResponses(t *testing.T) {
	s, aws_, e, idp, pool := samlEnv(t)
	details := func(encrypted string) string {
		return mustJSON(t, map[string]string{"MetadataURL": idp.URL + "/metadata", "EncryptedResponses": encrypted})
	}
	aws_.run("create-identity-provider", "--user-pool-id", pool, "--provider-name", "Enc", "--provider-type", "SAML",
		"--provider-details", details("true"), "--attribute-mapping", "email=email")
	shown := func() string {
		d := aws_.run("describe-identity-provider", "--user-pool-id", pool, "--provider-name", "Enc")["IdentityProvider"].(map[string]any)["ProviderDetails"].(map[string]any)
		c, _ := d["ActiveEncryptionCertificate"].(string)
		return c
	}
	certB64 := shown()
	der, err := base64.StdEncoding.DecodeString(certB64)
	if err != nil || certB64 == "" {
		t.Fatalf("ActiveEncryptionCertificate %q: %v", certB64, err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil || cert.KeyUsage&x509.KeyUsageKeyEncipherment == 0 {
		t.Fatalf("the encryption certificate: %v (key usage %v)", err, cert)
	}
	const callback = "https://app.example/callback"
	clientID := *e.client(pool, oauthClient(types.OAuthFlowTypeCode, callback, []string{"openid", "email"}, []string{"Enc"})).ClientId
	signIn := func() url.Values {
		t.Helper()
		b := newBrowser(t, s.URL, idp.URL)
		resp, page := b.get(s.URL + "/oauth2/authorize?" + url.Values{"response_type": {"code"}, "client_id": {clientID},
			"redirect_uri": {callback}, "scope": {"openid email"}, "identity_provider": {"Enc"}}.Encode())
		m := regexp.MustCompile(`name="SAMLResponse" value="([^"]*)"`).FindStringSubmatch(page)
		if resp.StatusCode != 200 || m == nil {
			t.Fatalf("at the IdP: %d\n%s", resp.StatusCode, page)
		}
		resp, _ = b.post(s.URL+"/saml2/idpresponse", idpPosted(t, page))
		loc, _ := url.Parse(resp.Header.Get("Location"))
		if resp.StatusCode != http.StatusFound || loc == nil || !strings.HasPrefix(loc.String(), callback) {
			t.Fatalf("back from the IdP: %d %q", resp.StatusCode, resp.Header.Get("Location"))
		}
		return loc.Query()
	}

	idp.SignIn("jo@corp.example", map[string][]string{"email": {"jo@corp.example"}})
	idp.EncryptAssertions(cert, "http://www.w3.org/2001/04/xmlenc#aes256-cbc")
	if q := signIn(); q.Get("code") == "" {
		t.Errorf("an encrypted assertion: %v", q)
	}
	idp.EncryptAssertions(nil, "")
	if q := signIn(); q.Has("code") || q.Get("error") != "server_error" {
		t.Errorf("an assertion in clear to a provider that encrypts: %v", q)
	}

	aws_.run("update-identity-provider", "--user-pool-id", pool, "--provider-name", "Enc", "--provider-details", details("false"))
	if c := shown(); c != "" {
		t.Errorf("ActiveEncryptionCertificate with encryption off: %q", c)
	}
	if q := signIn(); q.Get("code") == "" {
		t.Errorf("an assertion in clear with encryption off: %v", q)
	}
	idp.EncryptAssertions(cert, "http://www.w3.org/2009/xmlenc11#aes128-gcm")
	if q := signIn(); q.Has("code") {
		t.Errorf("an encrypted assertion with encryption off: %v", q)
	}
	aws_.run("update-identity-provider", "--user-pool-id", pool, "--provider-name", "Enc", "--provider-details", details("true"))
	if c := shown(); c != certB64 {
		t.Errorf("turned on again, the certificate changed")
	}
	if q := signIn(); q.Get("code") == "" {
		t.Errorf("an encrypted assertion (AES-GCM): %v", q)
	}
}

// TestSAMLIdPInitiated: with IDPInit, an unsolicited Response posted to
// /saml2/idpresponse with the authorization request's parameters as
// RelayState signs the user in to that app client; the same Response a
// second time does not, nor one to a provider without IDPInit or for a
// client that also supports the pool's own directory.
// https://docs.aws.amazon.com/cognito/latest/developerguide/saml2-idpresponse-endpoint.html
func TestSAMLIdPInitiated(t *testing.T) {
	s, aws_, e, idp, pool := samlEnv(t)
	for name, init := range map[string]string{"Portal": "true", "Portal2": "true", "NoInit": "false"} {
		aws_.run("create-identity-provider", "--user-pool-id", pool, "--provider-name", name, "--provider-type", "SAML",
			"--provider-details", mustJSON(t, map[string]string{"MetadataURL": idp.URL + "/metadata", "IDPInit": init}),
			"--attribute-mapping", "email=email")
	}
	const callback = "https://app.example/callback"
	samlOnly := *e.client(pool, oauthClient(types.OAuthFlowTypeCode, callback, []string{"openid", "email"}, []string{"Portal", "Portal2", "NoInit"})).ClientId
	withDirectory := *e.client(pool, oauthClient(types.OAuthFlowTypeCode, callback, []string{"openid", "email"}, []string{"Portal", "COGNITO"})).ClientId
	idp.SignIn("jo@corp.example", map[string][]string{"email": {"jo@corp.example"}})
	unsolicited := func() string {
		t.Helper()
		r, err := idp.Unsolicited("urn:amazon:cognito:sp:"+pool, s.URL+"/saml2/idpresponse")
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	// post is the IdP's auto-posting page in the user's browser: a
	// cross-site POST, posted again from the pool's own page.
	post := func(response, client, provider string) (int, url.Values) {
		t.Helper()
		relay := url.Values{"response_type": {"code"}, "client_id": {client}, "redirect_uri": {callback},
			"scope": {"openid email"}, "identity_provider": {provider}, "state": {"from-portal"}}.Encode()
		b := newBrowser(t, s.URL)
		_, repost := b.post(s.URL+"/saml2/idpresponse", url.Values{"SAMLResponse": {response}, "RelayState": {relay}})
		resp, page := b.submit(s.URL, repost, nil)
		if resp.StatusCode != http.StatusFound {
			return resp.StatusCode, url.Values{"page": {page}}
		}
		loc, _ := url.Parse(resp.Header.Get("Location"))
		if !strings.HasPrefix(loc.String(), callback+"?") {
			t.Fatalf("redirected to %s", loc)
		}
		return resp.StatusCode, loc.Query()
	}

	response := unsolicited()
	_, q := post(response, samlOnly, "Portal")
	if q.Get("code") == "" || q.Get("state") != "from-portal" {
		t.Fatalf("IdP-initiated sign-in: %v", q)
	}
	status, tok := tokenCall(t, s.URL, url.Values{"grant_type": {"authorization_code"}, "client_id": {samlOnly},
		"code": {q.Get("code")}, "redirect_uri": {callback}})
	if status != 200 || jwtClaims(t, tok["id_token"].(string))["cognito:username"] != "Portal_jo@corp.example" {
		t.Fatalf("redeeming the code: %d %v", status, tok)
	}
	if _, q := post(response, samlOnly, "Portal"); q.Has("code") || q.Get("error") != "server_error" {
		t.Errorf("the same Response again: %v", q)
	}
	// Another provider of the pool with the same IdP: still the same
	// Assertion, spent.
	if _, q := post(response, samlOnly, "Portal2"); q.Has("code") || q.Get("error") != "server_error" {
		t.Errorf("the same Response through another provider of the same IdP: %v", q)
	}
	if _, q := post(unsolicited(), samlOnly, "NoInit"); q.Has("code") || q.Get("error") != "invalid_request" {
		t.Errorf("a provider without IDPInit: %v", q)
	}
	if _, q := post(unsolicited(), withDirectory, "Portal"); q.Has("code") || q.Get("error") != "invalid_request" {
		t.Errorf("a client that also supports COGNITO: %v", q)
	}
	if status, q := post(unsolicited(), "nope", "Portal"); status != http.StatusBadRequest || !strings.Contains(q.Get("page"), "Something went wrong") {
		t.Errorf("an unknown client: %d %v", status, q)
	}
}

// TestSAMLSingleLogout: a user signed in through a SAML provider with
// IDPSignout is sent by /logout to the IdP's SingleLogoutService with a
// LogoutRequest, signed with the pool's signing certificate, for the
// Assertion's NameID and SessionIndex; the IdP's LogoutResponse, posted to
// /saml2/logout, sends the browser on to the logout_uri, and the managed
// login session is over. The same LogoutResponse again shows an error.
// https://docs.aws.amazon.com/cognito/latest/developerguide/cognito-user-pools-saml-idp-sign-out.html
func TestSAMLSingleLogout(t *testing.T) {
	s, aws_, e, idp, pool := samlEnv(t)
	cert := poolSigningCert(t, aws_, pool)
	idp.RequireSignedRequests(cert)
	idp.AnswerLogoutsAt(s.URL + "/saml2/logout")
	aws_.run("create-identity-provider", "--user-pool-id", pool, "--provider-name", "SLO", "--provider-type", "SAML",
		"--provider-details", mustJSON(t, map[string]string{"MetadataURL": idp.URL + "/metadata", "IDPSignout": "true",
			"RequestSigningAlgorithm": "rsa-sha256"}), "--attribute-mapping", "email=email")
	if d := aws_.run("describe-identity-provider", "--user-pool-id", pool, "--provider-name", "SLO")["IdentityProvider"].(map[string]any)["ProviderDetails"].(map[string]any); d["SLORedirectBindingURI"] != idp.URL+"/slo" {
		t.Fatalf("SLORedirectBindingURI: %v", d)
	}
	const callback, bye = "https://app.example/callback", "https://app.example/bye"
	clientID := *e.client(pool, oauthClient(types.OAuthFlowTypeCode, callback, []string{"openid", "email"}, []string{"SLO"}),
		func(in *cip.CreateUserPoolClientInput) { in.LogoutURLs = []string{bye} }).ClientId
	authorize := func(prompt string) string {
		q := url.Values{"response_type": {"code"}, "client_id": {clientID}, "redirect_uri": {callback}, "scope": {"openid email"}}
		if prompt != "" {
			q.Set("prompt", prompt)
		} else {
			q.Set("identity_provider", "SLO")
		}
		return s.URL + "/oauth2/authorize?" + q.Encode()
	}
	idp.SignIn("jo@corp.example", map[string][]string{"email": {"jo@corp.example"}})
	b := newBrowser(t, s.URL, idp.URL)
	_, page := b.get(authorize(""))
	resp, _ := b.post(s.URL+"/saml2/idpresponse", idpPosted(t, page))
	if loc := resp.Header.Get("Location"); !strings.Contains(loc, "code=") {
		t.Fatalf("signing in: %d %q", resp.StatusCode, loc)
	}
	// The managed login session signs in again without the IdP.
	if resp, _ := b.get(authorize("none")); !strings.Contains(resp.Request.URL.String(), "code=") && !strings.Contains(resp.Header.Get("Location"), "code=") {
		t.Fatalf("prompt=none within the session: %d %s", resp.StatusCode, resp.Request.URL)
	}

	// /logout: to the IdP's logout endpoint with a signed LogoutRequest,
	// whose answer the browser posts to /saml2/logout.
	resp, page = b.get(s.URL + "/logout?" + url.Values{"client_id": {clientID}, "logout_uri": {bye}}.Encode())
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Request.URL.String(), idp.URL+"/slo?") {
		t.Fatalf("/logout: %d at %s\n%s", resp.StatusCode, resp.Request.URL, page)
	}
	if q := resp.Request.URL.Query(); q.Get("Signature") == "" || q.Get("SigAlg") == "" {
		t.Errorf("an unsigned LogoutRequest: %v", q)
	}
	if l := idp.Logouts(); len(l) != 1 || l[0].NameID != "jo@corp.example" || !strings.HasPrefix(l[0].SessionIndex, "_s") ||
		l[0].NameIDFormat != "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress" {
		t.Errorf("the LogoutRequests the IdP answered: %+v", l)
	}
	if action := regexp.MustCompile(`action="([^"]+)"`).FindStringSubmatch(page); action == nil || htmlUnescape(action[1]) != s.URL+"/saml2/logout" {
		t.Fatalf("the IdP's answer goes to %v", action)
	}
	logoutResponse := idpPosted(t, page)
	resp, _ = b.post(s.URL+"/saml2/logout", logoutResponse)
	if resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != bye {
		t.Errorf("/saml2/logout: %d %q; want %s", resp.StatusCode, resp.Header.Get("Location"), bye)
	}
	if resp, page := b.post(s.URL+"/saml2/logout", logoutResponse); resp.StatusCode != http.StatusBadRequest || !strings.Contains(page, "Something went wrong") {
		t.Errorf("the LogoutResponse again: %d", resp.StatusCode)
	}
	// The managed login session is over.
	resp, _ = b.get(authorize("none"))
	loc := resp.Request.URL.String() + " " + resp.Header.Get("Location")
	if !strings.Contains(loc, "error=login_required") {
		t.Errorf("prompt=none after the logout: %d %s", resp.StatusCode, loc)
	}
}

// poolSigningCert is the pool's SAML signing certificate
// (get-signing-certificate), which an IdP checks its requests with.
func poolSigningCert(t *testing.T, aws_ awsCLI, pool string) *x509.Certificate {
	t.Helper()
	der, err := base64.StdEncoding.DecodeString(aws_.run("get-signing-certificate", "--user-pool-id", pool)["Certificate"].(string))
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return cert
}

// samlEnv is a server, its AWS CLI and SDK, a SAML IdP on loopback and a
// new pool: what every SAML test starts from.
func samlEnv(t *testing.T) (*server, awsCLI, *sdkEnv, *samlidp.IdP, string) {
	t.Helper()
	s := startServer(t)
	e := &sdkEnv{server: s, t: t, ctx: t.Context(), c: s.sdk()}
	return s, awsCLI{t: t, url: s.URL}, e, samlidp.Start(t), e.pool()
}

// idpPosted is what a SAML IdP's auto-posting page sends: its
// SAMLResponse and RelayState.
func idpPosted(t *testing.T, page string) url.Values {
	t.Helper()
	field := func(name string) string {
		m := regexp.MustCompile(`name="` + name + `" value="([^"]*)"`).FindStringSubmatch(page)
		if m == nil {
			t.Fatalf("no %s in the IdP's form:\n%s", name, page)
		}
		return htmlUnescape(strings.ReplaceAll(m[1], "&#61;", "="))
	}
	return url.Values{"SAMLResponse": {field("SAMLResponse")}, "RelayState": {field("RelayState")}}
}
