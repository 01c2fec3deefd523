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

// TestManagedLoginSession: a sign-in on the pages leaves a session cookie
// ("valid for 1 hour", amazon-cognito-user-pools-using-the-id-token.html)
// with which the next authorization request, from any app client of the
// pool, returns to the app with a code and no page, for the same user and
// auth_time; prompt=login shows the page anyway and prompt=none never does
// (login_required without a session). The logout endpoint ends the session
// (its old cookie no longer works), and so do a global sign-out and
// disabling the user.
// https://docs.aws.amazon.com/cognito/latest/developerguide/logout-endpoint.html
func TestManagedLoginSession(t *testing.T) {
	s := startServer(t)
	e := &sdkEnv{server: s, t: t, ctx: t.Context(), c: s.sdk()}
	pool := e.pool()
	const callback = "https://app.example/callback"
	newClient := func(name string) string {
		return *e.client(pool, oauthClient(types.OAuthFlowTypeCode, callback, []string{"openid"}, []string{"COGNITO"}),
			func(in *cip.CreateUserPoolClientInput) {
				in.ClientName = aws.String(name)
				in.LogoutURLs = []string{"https://app.example/bye"}
			}).ClientId
	}
	web, admin := newClient("web"), newClient("admin-console")
	e.user(pool, "ana", "ana@example.com", "Perm#Pass1")

	authorize := func(clientID string, extra url.Values) string {
		q := url.Values{"response_type": {"code"}, "client_id": {clientID}, "redirect_uri": {callback}, "scope": {"openid"}, "state": {"s"}}
		for k, v := range extra {
			q[k] = v
		}
		return s.URL + "/oauth2/authorize?" + q.Encode()
	}
	b := newBrowser(t, s.URL)
	visit := func(br *browserOn, u string) *http.Response { resp, _ := br.get(u); return resp }
	// code is the code the browser came back to the app with, "" if it was
	// shown the sign-in page instead.
	code := func(resp *http.Response) string {
		t.Helper()
		if resp.StatusCode == http.StatusOK && resp.Request.URL.Path == "/login" {
			return ""
		}
		loc, _ := url.Parse(resp.Header.Get("Location"))
		if resp.StatusCode != http.StatusFound || loc == nil || !strings.HasPrefix(loc.String(), callback+"?") || loc.Query().Get("code") == "" {
			t.Fatalf("want the app's callback with a code or the sign-in page: %d at %s, Location %q", resp.StatusCode, resp.Request.URL, resp.Header.Get("Location"))
		}
		return loc.Query().Get("code")
	}
	idToken := func(clientID, c string) map[string]any {
		t.Helper()
		status, tok := tokenCall(t, s.URL, url.Values{"grant_type": {"authorization_code"}, "client_id": {clientID}, "code": {c}, "redirect_uri": {callback}})
		if status != 200 {
			t.Fatalf("redeeming the code: %d %v", status, tok)
		}
		claims, err := oidcrp.VerifyIDToken(tok["id_token"].(string), poolJWKS(t, s, pool), oidcrp.Check{Issuer: s.URL + "/" + pool, Audience: clientID, Now: time.Now()})
		if err != nil {
			t.Fatal(err)
		}
		return claims
	}
	signIn := func() map[string]any {
		t.Helper()
		resp, page := b.get(authorize(web, nil))
		if code(resp) != "" {
			t.Fatal("a sign-in page was expected")
		}
		resp, _ = b.submit(s.URL, page, url.Values{"username": {"ana"}, "password": {"Perm#Pass1"}})
		for _, c := range resp.Cookies() {
			if c.Name == "cognito" && (!c.HttpOnly || c.MaxAge != 3600 || c.SameSite != http.SameSiteLaxMode) {
				t.Errorf("the session cookie: %+v", c)
			}
		}
		return idToken(web, code(resp))
	}

	first := signIn()
	time.Sleep(1100 * time.Millisecond) // a later second, to tell auth_time from iat
	c := code(visit(b, authorize(web, nil)))
	if c == "" {
		t.Fatal("with a managed login session, the sign-in page was shown again")
	}
	again := idToken(web, c)
	if again["cognito:username"] != "ana" || again["auth_time"] != first["auth_time"] || again["iat"] == first["iat"] {
		t.Errorf("the session's sign-in: username %v, auth_time %v (first %v), iat %v (first %v)",
			again["cognito:username"], again["auth_time"], first["auth_time"], again["iat"], first["iat"])
	}
	if c := code(visit(b, authorize(admin, nil))); c == "" || idToken(admin, c)["cognito:username"] != "ana" {
		t.Error("another app client of the pool did not share the session")
	}
	if code(visit(b, authorize(web, url.Values{"prompt": {"login"}}))) != "" {
		t.Error("prompt=login did not show the sign-in page")
	}
	if c := code(visit(b, authorize(web, url.Values{"prompt": {"none"}}))); c == "" {
		t.Error("prompt=none with a session did not return a code")
	}
	fresh := newBrowser(t, s.URL)
	resp, _ := fresh.get(authorize(web, url.Values{"prompt": {"none"}}))
	if loc := resp.Header.Get("Location"); resp.StatusCode != http.StatusFound || loc != callback+"?error=login_required&state=s" {
		t.Errorf("prompt=none without a session: %d, Location %q", resp.StatusCode, loc)
	}

	// The logout endpoint ends the session: the browser's cookie goes, and
	// the old cookie's value no longer signs anyone in.
	var old *http.Cookie
	u, _ := url.Parse(s.URL)
	for _, c := range b.http.Jar.Cookies(u) {
		if c.Name == "cognito" {
			old = c
		}
	}
	if old == nil {
		t.Fatal("no session cookie in the browser")
	}
	resp, _ = b.get(s.URL + "/logout?" + url.Values{"client_id": {web}, "logout_uri": {"https://app.example/bye"}}.Encode())
	if resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != "https://app.example/bye" {
		t.Fatalf("logout: %d, Location %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	if code(visit(b, authorize(web, nil))) != "" {
		t.Error("after the logout endpoint, no sign-in page")
	}
	replay := newBrowser(t, s.URL)
	replay.http.Jar.SetCookies(u, []*http.Cookie{{Name: "cognito", Value: old.Value, Path: "/"}})
	if code(visit(replay, authorize(web, nil))) != "" {
		t.Error("a logged-out session's cookie still signs in")
	}

	// A global sign-out and a disabled user end it too.
	signIn()
	must[*cip.AdminUserGlobalSignOutOutput](t, "AdminUserGlobalSignOut")(e.c.AdminUserGlobalSignOut(e.ctx, &cip.AdminUserGlobalSignOutInput{UserPoolId: &pool, Username: aws.String("ana")}))
	if code(visit(b, authorize(web, nil))) != "" {
		t.Error("after a global sign-out, no sign-in page")
	}
	// Two sign-outs within one second: the second ends a session begun
	// between them, whose code was never redeemed (so no token family).
	time.Sleep(time.Until(time.Now().Truncate(time.Second).Add(time.Second + 20*time.Millisecond)))
	must[*cip.AdminUserGlobalSignOutOutput](t, "AdminUserGlobalSignOut")(e.c.AdminUserGlobalSignOut(e.ctx, &cip.AdminUserGlobalSignOutInput{UserPoolId: &pool, Username: aws.String("ana")}))
	resp, page := b.get(authorize(web, nil))
	if code(resp) != "" {
		t.Fatal("after a global sign-out, no sign-in page")
	}
	resp, _ = b.submit(s.URL, page, url.Values{"username": {"ana"}, "password": {"Perm#Pass1"}})
	if code(resp) == "" {
		t.Fatal("no code after signing in")
	}
	must[*cip.AdminUserGlobalSignOutOutput](t, "AdminUserGlobalSignOut")(e.c.AdminUserGlobalSignOut(e.ctx, &cip.AdminUserGlobalSignOutInput{UserPoolId: &pool, Username: aws.String("ana")}))
	if code(visit(b, authorize(web, nil))) != "" {
		t.Error("a session begun between two sign-outs of one second survived the second")
	}
	time.Sleep(1100 * time.Millisecond) // the global sign-out's second is over
	signIn()
	must[*cip.AdminDisableUserOutput](t, "AdminDisableUser")(e.c.AdminDisableUser(e.ctx, &cip.AdminDisableUserInput{UserPoolId: &pool, Username: aws.String("ana")}))
	if code(visit(b, authorize(web, nil))) != "" {
		t.Error("a disabled user's session still signs in")
	}
}
