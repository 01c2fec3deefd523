package e2e

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
)

// TestBrowserAddPasskeyPage drives managed login's /passkeys/add
// ("Adds a passkey to the profile of a signed-in user",
// managed-login-endpoints.html) in headless Chromium with a virtual
// authenticator: without a managed login session the page sends the
// browser to sign in; after a password sign-in on the sign-in page, it
// makes a passkey with the browser's own navigator.credentials.create and
// goes on to the app's callback; the passkey then signs the user in on the
// sign-in page. A second passkey from the same authenticator is refused by
// the browser, and a callback the client does not have is refused outright.
func TestBrowserAddPasskeyPage(t *testing.T) {
	chromium := needChromium(t)
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()

	e, poolID, _ := passkeyEnv(t, "localhost", "required")
	ln, err := net.Listen("tcp", "localhost:0")
	if err != nil {
		t.Fatal(err)
	}
	app := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, "app") }),
		ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = app.Serve(ln) }()
	t.Cleanup(func() { _ = app.Close() })
	callback := "http://" + ln.Addr().String() + "/callback"
	web := *e.client(poolID, oauthClient(types.OAuthFlowTypeCode, callback, []string{"openid"}, []string{"COGNITO"}),
		func(in *cip.CreateUserPoolClientInput) {
			in.ExplicitAuthFlows = append(passwordFlows, types.ExplicitAuthFlowsTypeAllowUserAuth)
		}).ClientId
	ninshou := strings.Replace(e.server.URL, "127.0.0.1", "localhost", 1) // the relying party's host
	addURL := ninshou + "/passkeys/add?" + url.Values{"client_id": {web}, "redirect_uri": {callback}}.Encode()

	// A callback the client does not have: an error page, never a redirect.
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := noFollow.Get(ninshou + "/passkeys/add?" + url.Values{"client_id": {web}, "redirect_uri": {"https://evil.example/cb"}}.Encode())
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(string(body), "redirect_mismatch") {
		t.Errorf("unregistered callback: %d %s", resp.StatusCode, body)
	}

	b := startChromium(t, chromium)
	page, err := b.newPage(ctx)
	if err != nil {
		t.Fatalf("open a page: %v", err)
	}
	va := addPlatformAuthenticator(ctx, t, page)
	href := func() string {
		var at string
		page.eval(ctx, "location.href", &at)
		return at
	}
	// landed waits until the page is at a URL with prefix.
	landed := func(what, prefix string) string {
		t.Helper()
		for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
			var ok bool
			if page.eval(ctx, "document.readyState === 'complete' && location.href.startsWith("+jsString(prefix)+")", &ok) == nil && ok {
				return href()
			}
		}
		var text string
		page.eval(ctx, "document.body ? document.body.innerText : ''", &text)
		t.Fatalf("%s: at %s, not %s...\n%s", what, href(), prefix, text)
		return ""
	}

	// No managed login session yet: sign in first, with the same client
	// and callback.
	if err := page.call(ctx, "Page.navigate", map[string]any{"url": addURL}, nil); err != nil {
		t.Fatal(err)
	}
	landed("without a session", ninshou+"/login?")
	var ok bool
	if err := page.eval(ctx, "document.querySelector('input[name=username]').value = 'kim'; "+
		"document.querySelector('input[name=password]').value = 'Perm#Pass1'; "+
		"document.querySelector('button[name=signInSubmitButton]').click(); true", &ok); err != nil {
		t.Fatal(err)
	}
	if back, _ := url.Parse(landed("password sign-in", callback+"?")); back.Query().Get("code") == "" {
		t.Fatalf("the sign-in ended without a code: %s", back)
	}

	// A form posted without the page's CSRF token, with the browser's
	// session (another site's forged post) adds nothing.
	var cookies struct {
		Cookies []struct{ Name, Value string } `json:"cookies"`
	}
	if err := page.call(ctx, "Network.getCookies", map[string]any{"urls": []string{ninshou + "/"}}, &cookies); err != nil {
		t.Fatal(err)
	}
	forged, _ := http.NewRequest(http.MethodPost, addURL, strings.NewReader(url.Values{"CREDENTIAL": {"{}"}}.Encode()))
	forged.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for _, c := range cookies.Cookies {
		if c.Name == "cognito" {
			forged.AddCookie(&http.Cookie{Name: c.Name, Value: c.Value})
		}
	}
	if len(forged.Cookies()) != 1 {
		t.Fatalf("the browser holds no managed login session: %+v", cookies)
	}
	resp, err = noFollow.Do(forged)
	if err != nil {
		t.Fatal(err)
	}
	body, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), "Your form expired") {
		t.Errorf("a post without the CSRF token: %d %s", resp.StatusCode, body)
	}

	// Signed in: the page offers the passkey, makes it, and goes on to the
	// callback.
	if err := page.navigate(ctx, addURL, "document.getElementById('passkey-add') !== null"); err != nil {
		t.Fatalf("the page offers no passkey: %v at %s", err, href())
	}
	if err := page.eval(ctx, "document.getElementById('passkey-add').click(); true", &ok); err != nil {
		t.Fatal(err)
	}
	if at := landed("after the passkey", callback); at != callback {
		t.Errorf("after adding the passkey the browser is at %s, want %s", at, callback)
	}
	token := *e.tokens(web, "kim", "Perm#Pass1").AccessToken
	list := e.passkeys(token)
	if len(list) != 1 || *list[0].RelyingPartyId != "localhost" {
		t.Fatalf("ListWebAuthnCredentials after the page = %+v; want one passkey for localhost", list)
	}
	var creds struct {
		Credentials []struct {
			IsResidentCredential bool `json:"isResidentCredential"`
		} `json:"credentials"`
	}
	if err := page.call(ctx, "WebAuthn.getCredentials", map[string]any{"authenticatorId": va.AuthenticatorID}, &creds); err != nil ||
		len(creds.Credentials) != 1 || !creds.Credentials[0].IsResidentCredential {
		t.Fatalf("the authenticator holds %+v (%v); want one resident credential", creds, err)
	}

	// The same authenticator again: the browser refuses (the page listed
	// the passkey in excludeCredentials) and the page says so.
	if err := page.navigate(ctx, addURL, "document.getElementById('passkey-add') !== null"); err != nil {
		t.Fatal(err)
	}
	page.eval(ctx, "document.getElementById('passkey-add').click(); true", &ok)
	var msg string
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline) && msg == ""; time.Sleep(50 * time.Millisecond) {
		page.eval(ctx, "document.getElementById('passkey-error').textContent", &msg)
	}
	if !strings.Contains(msg, "already holds a passkey") || len(e.passkeys(token)) != 1 {
		t.Errorf("a second passkey from one authenticator: %q, %d passkeys", msg, len(e.passkeys(token)))
	}

	// The new passkey signs kim in on the sign-in page.
	signIn := ninshou + "/login?" + url.Values{"response_type": {"code"}, "client_id": {web}, "redirect_uri": {callback},
		"scope": {"openid"}, "state": {"pk"}}.Encode()
	if err := page.navigate(ctx, signIn, "document.querySelector('button[name=passkey]') !== null"); err != nil {
		t.Fatalf("the sign-in page offers no passkey: %v", err)
	}
	if err := page.eval(ctx, "document.querySelector('input[name=username]').value = 'kim'; "+
		"document.querySelector('button[name=passkey]').click(); true", &ok); err != nil {
		t.Fatal(err)
	}
	back, _ := url.Parse(landed("passkey sign-in", callback+"?"))
	status, tok := tokenCall(t, e.server.URL, url.Values{"grant_type": {"authorization_code"}, "client_id": {web},
		"code": {back.Query().Get("code")}, "redirect_uri": {callback}})
	if status != 200 || verifyJWT(t, e.server, poolID, tok["access_token"].(string))["username"] != "kim" {
		t.Errorf("redeeming the passkey sign-in's code: %d %v", status, tok)
	}
}
