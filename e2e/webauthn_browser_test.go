package e2e

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
)

// TestBrowserPasskey registers a passkey and signs in with it from a real
// browser: headless Chromium with its virtual WebAuthn authenticator (CTAP2,
// internal transport, resident keys, user verification), so the attestation
// and assertions are the browser's own, checked by Ninshou exactly as an
// app's would be. The page is served on http://localhost:<port>, a secure
// context, and calls Ninshou's API cross-origin with fetch, as an app using
// Amplify does. Every wait is bounded by the test's deadline below.
func TestBrowserPasskey(t *testing.T) {
	chromium := needChromium(t)
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()

	e, poolID, clientID := passkeyEnv(t, "localhost", "required")
	token := *e.tokens(clientID, "kim", "Perm#Pass1").AccessToken

	ln, err := net.Listen("tcp", "localhost:0")
	if err != nil {
		t.Fatal(err)
	}
	site := &http.Server{Handler: http.FileServer(http.Dir("browser")), ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = site.Serve(ln) }()
	t.Cleanup(func() { _ = site.Close() })
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	pageURL := "http://localhost:" + port + "/passkey.html"

	b := startChromium(t, chromium)
	page, err := b.newPage(ctx)
	if err != nil {
		t.Fatalf("open a page: %v", err)
	}
	va := addPlatformAuthenticator(ctx, t, page)
	if err := page.navigate(ctx, pageURL, "typeof registerPasskey === 'function'"); err != nil {
		t.Fatalf("load %s: %v", pageURL, err)
	}

	// Registration: StartWebAuthnRegistration, navigator.credentials.create,
	// CompleteWebAuthnRegistration, all from the page.
	var credID string
	if err := page.eval(ctx, "registerPasskey("+jsString(e.server.URL)+", "+jsString(token)+")", &credID); err != nil {
		t.Fatalf("register in the browser: %v", err)
	}
	list := e.passkeys(token)
	if len(list) != 1 || *list[0].CredentialId != credID || *list[0].RelyingPartyId != "localhost" {
		t.Fatalf("ListWebAuthnCredentials = %+v; want the browser's credential %s", list, credID)
	}
	var creds struct {
		Credentials []struct {
			CredentialID         string `json:"credentialId"`
			IsResidentCredential bool   `json:"isResidentCredential"`
			RPID                 string `json:"rpId"`
			UserHandle           string `json:"userHandle"`
			SignCount            int    `json:"signCount"`
		} `json:"credentials"`
	}
	getCreds := func() {
		t.Helper()
		if err := page.call(ctx, "WebAuthn.getCredentials", map[string]any{"authenticatorId": va.AuthenticatorID}, &creds); err != nil {
			t.Fatalf("WebAuthn.getCredentials: %v", err)
		}
		if len(creds.Credentials) != 1 {
			t.Fatalf("the authenticator holds %d credentials", len(creds.Credentials))
		}
	}
	getCreds()
	c := creds.Credentials[0]
	// The DevTools protocol reports binary members in standard base64.
	rawID, _ := base64.StdEncoding.DecodeString(c.CredentialID)
	if b64u.EncodeToString(rawID) != credID || !c.IsResidentCredential || c.RPID != "localhost" {
		t.Errorf("authenticator credential = %+v, want %s for localhost, resident", c, credID)
	}
	if uh, _ := base64.StdEncoding.DecodeString(c.UserHandle); len(uh) == 0 {
		t.Errorf("user handle %q", c.UserHandle)
	}

	// Sign-in twice (PREFERRED_CHALLENGE, then SELECT_CHALLENGE): each one
	// a real assertion with a larger signature count.
	for i, selectChallenge := range []bool{false, true} {
		var res struct {
			AccessToken  string
			IdToken      string
			RefreshToken string
		}
		expr := "signInWithPasskey(" + jsString(e.server.URL) + ", " + jsString(clientID) + ", 'kim', " + map[bool]string{false: "false", true: "true"}[selectChallenge] + ")"
		if err := page.eval(ctx, expr, &res); err != nil {
			t.Fatalf("sign-in %d in the browser: %v", i+1, err)
		}
		claims := verifyJWT(t, e.server, poolID, res.AccessToken)
		if claims["username"] != "kim" || res.RefreshToken == "" {
			t.Errorf("sign-in %d: access token claims %v", i+1, claims)
		}
		user := must[*cip.GetUserOutput](t, "GetUser")(e.c.GetUser(e.ctx, &cip.GetUserInput{AccessToken: aws.String(res.AccessToken)}))
		if *user.Username != "kim" {
			t.Errorf("GetUser = %q", *user.Username)
		}
		getCreds()
		if got := creds.Credentials[0].SignCount; got != i+2 {
			t.Errorf("after sign-in %d the authenticator's counter is %d", i+1, got)
		}
	}

	// A second registration from the same authenticator is refused by the
	// browser itself: Ninshou listed the first in excludeCredentials.
	var msg string
	err = page.eval(ctx, "registerPasskey("+jsString(e.server.URL)+", "+jsString(token)+").then(() => 'registered', e => e.name)", &msg)
	if err != nil || msg != "InvalidStateError" {
		t.Errorf("second registration on one authenticator: %q %v; want InvalidStateError", msg, err)
	}
	if raw, _ := json.Marshal(e.passkeys(token)); len(e.passkeys(token)) != 1 {
		t.Errorf("passkeys after the refused registration: %s", raw)
	}

	// The managed login page: "Sign in with a passkey" after the username,
	// the page's own navigator.credentials.get, then the app's callback
	// with a code for kim. Ninshou is opened as localhost, the relying
	// party's host.
	callback := "http://localhost:" + port + "/passkey.html"
	web := *e.client(poolID, oauthClient(types.OAuthFlowTypeCode, callback, []string{"openid"}, []string{"COGNITO"}),
		func(in *cip.CreateUserPoolClientInput) {
			in.ExplicitAuthFlows = append(passwordFlows, types.ExplicitAuthFlowsTypeAllowUserAuth)
		}).ClientId
	ninshou := strings.Replace(e.server.URL, "127.0.0.1", "localhost", 1)
	// The sign-in page itself (where /oauth2/authorize sends the browser):
	// navigate waits for the very URL it opened.
	authorize := ninshou + "/login?" + url.Values{"response_type": {"code"}, "client_id": {web},
		"redirect_uri": {callback}, "scope": {"openid"}, "state": {"pk"}}.Encode()
	pageCtx, cancelPage := context.WithTimeout(ctx, 15*time.Second)
	defer cancelPage()
	if err := page.navigate(pageCtx, authorize, "document.querySelector('button[name=passkey]') !== null"); err != nil {
		var at, body string
		page.eval(ctx, "location.href", &at)
		page.eval(ctx, "document.body ? document.body.innerHTML : ''", &body)
		t.Fatalf("the sign-in page offers no passkey: %v\nat %s\n%s", err, at, body)
	}
	var clicked string
	if err := page.eval(ctx, "document.querySelector('input[name=username]').value = 'kim'; "+
		"document.querySelector('button[name=passkey]').click(); 'clicked'", &clicked); err != nil {
		t.Fatal(err)
	}
	var landed string
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if page.eval(ctx, "location.href", &landed) == nil && strings.HasPrefix(landed, callback+"?") {
			break
		}
	}
	back, _ := url.Parse(landed)
	if back == nil || back.Query().Get("code") == "" || back.Query().Get("state") != "pk" {
		var body string
		page.eval(ctx, "document.body.innerText", &body)
		t.Fatalf("after the passkey on the page: %s\n%s", landed, body)
	}
	status, tok := tokenCall(t, e.server.URL, url.Values{"grant_type": {"authorization_code"}, "client_id": {web},
		"code": {back.Query().Get("code")}, "redirect_uri": {callback}})
	if status != 200 || verifyJWT(t, e.server, poolID, tok["access_token"].(string))["username"] != "kim" {
		t.Errorf("redeeming the page's code: %d %v", status, tok)
	}
	getCreds()
	if got := creds.Credentials[0].SignCount; got != 4 {
		t.Errorf("after the page's sign-in the authenticator's counter is %d, want 4", got)
	}
}
