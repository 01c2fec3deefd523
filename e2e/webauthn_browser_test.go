package e2e

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
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
	if err := page.call(ctx, "WebAuthn.enable", map[string]any{"enableUI": false}, nil); err != nil {
		t.Fatalf("WebAuthn.enable: %v", err)
	}
	var va struct {
		AuthenticatorID string `json:"authenticatorId"`
	}
	err = page.call(ctx, "WebAuthn.addVirtualAuthenticator", map[string]any{"options": map[string]any{
		"protocol": "ctap2", "transport": "internal", "hasResidentKey": true, "hasUserVerification": true,
		"isUserVerified": true, "automaticPresenceSimulation": true,
	}}, &va)
	if err != nil {
		t.Fatalf("WebAuthn.addVirtualAuthenticator: %v", err)
	}
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
}
