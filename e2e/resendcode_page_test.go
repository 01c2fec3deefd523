package e2e

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
)

// TestManagedLoginResendCode: the sign-up code page offers "Resend code"
// (managed login's /resendcode, "Resends a confirmation code to users who
// have signed up"): a new code goes out, the old one no longer confirms,
// the new one does and ends at the app's callback; /resendcode opened on
// its own starts over at the sign-in page.
// https://docs.aws.amazon.com/cognito/latest/developerguide/managed-login-endpoints.html
func TestManagedLoginResendCode(t *testing.T) {
	s := startServer(t)
	e := &sdkEnv{server: s, t: t, ctx: t.Context(), c: s.sdk()}
	pool := e.pool(func(in *cip.CreateUserPoolInput) {
		in.AutoVerifiedAttributes = []types.VerifiedAttributeType{types.VerifiedAttributeTypeEmail}
	})
	const callback = "https://app.example/callback"
	clientID := *e.client(pool, oauthClient(types.OAuthFlowTypeCode, callback, []string{"openid"}, []string{"COGNITO"})).ClientId
	q := url.Values{"response_type": {"code"}, "client_id": {clientID}, "redirect_uri": {callback}, "state": {"st"}}.Encode()
	b := newBrowser(t, s.URL)
	_, page := b.get(s.URL + "/signup?" + q)
	_, page = b.submit(s.URL, page, url.Values{"username": {"kim"}, "email": {"kim@example.com"}, "password": {"Perm#Pass1"}})
	first := codeIn(t, s.mailTo(t, "kim@example.com", 1))

	resend := regexp.MustCompile(`(?s)<form method="post" action="([^"]+)" id="resend">(.*?)</form>`).FindStringSubmatch(page)
	if resend == nil {
		t.Fatalf("no Resend code form on the code page:\n%s", page)
	}
	form := url.Values{}
	for _, m := range hiddenField.FindAllStringSubmatch(resend[2], -1) {
		form.Set(m[1], htmlUnescape(m[2]))
	}
	if form.Get("username") != "kim" || form.Get("_csrf") == "" {
		t.Fatalf("the resend form's fields: %v", form)
	}
	resp, page := b.post(s.URL+htmlUnescape(resend[1]), form)
	if resp.StatusCode != http.StatusOK || !strings.Contains(page, "We have sent a code by email to k***@e***") {
		t.Fatalf("after Resend code: %d\n%s", resp.StatusCode, page)
	}
	second := codeIn(t, s.mailTo(t, "kim@example.com", 2))
	if second == first {
		t.Fatalf("the resent code is the first one (%s)", first)
	}
	_, again := b.submit(s.URL, page, url.Values{"code": {first}})
	if !strings.Contains(again, "Invalid") {
		t.Errorf("the first code after a resend:\n%s", again)
	}
	resp, body := b.submit(s.URL, again, url.Values{"code": {second}})
	if loc, _ := url.Parse(resp.Header.Get("Location")); resp.StatusCode != http.StatusFound || loc == nil ||
		!strings.HasPrefix(loc.String(), callback+"?") || loc.Query().Get("code") == "" {
		t.Errorf("the resent code: %d, Location %q\n%s", resp.StatusCode, resp.Header.Get("Location"), body)
	}

	stop := newBrowser(t) // follows no redirect
	if resp, _ := stop.get(s.URL + "/resendcode?" + q); resp.StatusCode != http.StatusFound ||
		!strings.HasPrefix(resp.Header.Get("Location"), "/login?") {
		t.Errorf("GET /resendcode: %d, Location %q", resp.StatusCode, resp.Header.Get("Location"))
	}
}
