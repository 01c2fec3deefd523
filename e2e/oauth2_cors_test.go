package e2e

import (
	"context"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
)

// TestBrowserOAuth2CrossOrigin: an app served on another origin calls the
// token, userInfo and revocation endpoints from a real browser with fetch,
// as oidc-client-ts does: the token endpoint "returns an
// Access-Control-Allow-Origin: * response header. You can call the token
// endpoint cross-origin from a browser-based app" (token-endpoint.html);
// userInfo's Authorization header makes the browser send a CORS preflight
// first. Refusals are readable too, so the app sees invalid_grant rather
// than a network error.
func TestBrowserOAuth2CrossOrigin(t *testing.T) {
	chromium := needChromium(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()

	e := newSDKEnv(t)
	pool := e.pool()
	const callback = "https://app.example/callback"
	clientID := *e.client(pool, oauthClient(types.OAuthFlowTypeCode, callback, []string{"openid", "email"}, []string{"COGNITO"})).ClientId
	e.user(pool, "ana", "ana@example.com", "Perm#Pass1")
	tok := e.pageTokens(clientID, callback, "openid email", "ana", "Perm#Pass1")

	// The app: a blank page on http://localhost:<port>, another origin
	// than Ninshou's http://127.0.0.1:<port>.
	ln, err := net.Listen("tcp", "localhost:0")
	if err != nil {
		t.Fatal(err)
	}
	site := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.Write([]byte("<!doctype html><title>app</title>"))
	}), ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = site.Serve(ln) }()
	t.Cleanup(func() { _ = site.Close() })
	page, err := startChromium(t, chromium).newPage(ctx)
	if err != nil {
		t.Fatalf("open a page: %v", err)
	}
	if err := page.navigate(ctx, "http://"+ln.Addr().String()+"/", "document.title === 'app'"); err != nil {
		t.Fatalf("load the app: %v", err)
	}

	type answer struct {
		Status int
		Body   map[string]any
		Error  string
	}
	// fetchJSON runs fetch(url, init) in the page; a CORS refusal is a
	// TypeError, reported as Error.
	fetchJSON := func(url, init string) answer {
		t.Helper()
		var a answer
		expr := `fetch(` + jsString(url) + `, ` + init + `).then(async r => ({Status: r.status, Body: JSON.parse((await r.text()) || "null")}), ` +
			`e => ({Error: String(e)}))`
		if err := page.eval(ctx, expr, &a); err != nil {
			t.Fatalf("fetch %s: %v", url, err)
		}
		return a
	}
	form := func(fields string) string {
		return `{method: "POST", headers: {"Content-Type": "application/x-www-form-urlencoded"}, body: new URLSearchParams(` + fields + `)}`
	}

	refreshed := fetchJSON(e.URL+"/oauth2/token", form(`{grant_type: "refresh_token", client_id: `+jsString(clientID)+
		`, refresh_token: `+jsString(tok["refresh_token"].(string))+`}`))
	if refreshed.Status != 200 || refreshed.Body["access_token"] == nil {
		t.Fatalf("the refresh_token grant from the browser: %+v", refreshed)
	}
	if a := fetchJSON(e.URL+"/oauth2/token", form(`{grant_type: "refresh_token", client_id: `+jsString(clientID)+
		`, refresh_token: "not-a-refresh-token"}`)); a.Status != 400 || a.Body["error"] != "invalid_grant" {
		t.Errorf("a refused grant from the browser: %+v", a)
	}
	bearer := `{headers: {Authorization: "Bearer " + ` + jsString(refreshed.Body["access_token"].(string)) + `}}`
	if a := fetchJSON(e.URL+"/oauth2/userInfo", bearer); a.Status != 200 || a.Body["email"] != "ana@example.com" {
		t.Errorf("userInfo from the browser (preflighted): %+v", a)
	}
	if a := fetchJSON(e.URL+"/oauth2/revoke", form(`{token: `+jsString(tok["refresh_token"].(string))+`, client_id: `+jsString(clientID)+`}`)); a.Status != 200 || a.Error != "" {
		t.Errorf("revoke from the browser: %+v", a)
	}
	if a := fetchJSON(e.URL+"/oauth2/userInfo", bearer); a.Status != 401 || a.Body["error"] != "invalid_token" {
		t.Errorf("userInfo after the revocation, from the browser: %+v", a)
	}
}
