package e2e

import (
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

// TestManagedLoginSignUpAndReset: the sign-in page links to sign-up and
// forgotten-password pages that run SignUp, ConfirmSignUp, ForgotPassword
// and ConfirmForgotPassword for a confidential client (the pages prove its
// secret) with Cognito's rules and messages; a confirmed sign-up signs the
// user in and ends at the app's callback with a code, a reset password
// leads back to the sign-in page, where it signs in.
// https://docs.aws.amazon.com/cognito/latest/developerguide/signup-endpoint.html
func TestManagedLoginSignUpAndReset(t *testing.T) {
	s := startServer(t)
	e := &sdkEnv{server: s, t: t, ctx: t.Context(), c: s.sdk()}
	pool := e.pool(func(in *cip.CreateUserPoolInput) {
		in.AutoVerifiedAttributes = []types.VerifiedAttributeType{types.VerifiedAttributeTypeEmail}
	})
	const callback = "https://app.example/callback"
	client := e.client(pool, oauthClient(types.OAuthFlowTypeCode, callback, []string{"openid", "email"}, []string{"COGNITO"}),
		func(in *cip.CreateUserPoolClientInput) { in.GenerateSecret = true })
	authorize := s.URL + "/oauth2/authorize?" + url.Values{"response_type": {"code"}, "client_id": {*client.ClientId},
		"redirect_uri": {callback}, "scope": {"openid email"}, "state": {"st"}}.Encode()
	link := func(page, text string) string {
		t.Helper()
		m := regexp.MustCompile(`<a class="redirect-customizable" href="([^"]+)">` + regexp.QuoteMeta(text) + `</a>`).FindStringSubmatch(page)
		if m == nil {
			t.Fatalf("no %q link on the page:\n%s", text, page)
		}
		return s.URL + htmlUnescape(m[1])
	}
	message := func(page string) string {
		m := regexp.MustCompile(`<p role="alert" id="message" class="errorMessage-customizable">([^<]*)</p>`).FindStringSubmatch(page)
		if m == nil {
			return ""
		}
		return htmlUnescape(m[1])
	}
	tokensFor := func(resp *http.Response) map[string]any {
		t.Helper()
		loc, _ := url.Parse(resp.Header.Get("Location"))
		if resp.StatusCode != http.StatusFound || loc == nil || !strings.HasPrefix(loc.String(), callback+"?") || loc.Query().Get("state") != "st" {
			t.Fatalf("want the app's callback: %d, Location %q", resp.StatusCode, resp.Header.Get("Location"))
		}
		req, _ := http.NewRequest(http.MethodPost, s.URL+"/oauth2/token", strings.NewReader(url.Values{"grant_type": {"authorization_code"},
			"code": {loc.Query().Get("code")}, "redirect_uri": {callback}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.SetBasicAuth(*client.ClientId, *client.ClientSecret)
		var tok map[string]any
		status := doJSON(t, req, &tok)
		if status != 200 {
			t.Fatalf("redeeming the code: %d %v", status, tok)
		}
		claims, err := oidcrp.VerifyIDToken(tok["id_token"].(string), poolJWKS(t, s, pool),
			oidcrp.Check{Issuer: s.URL + "/" + pool, Audience: *client.ClientId, Now: time.Now()})
		if err != nil {
			t.Fatal(err)
		}
		return claims
	}

	// Sign up from the sign-in page.
	b := newBrowser(t, s.URL)
	_, page := b.get(authorize)
	_, page = b.get(link(page, "Sign up"))
	for _, name := range []string{"username", "email", "password"} {
		if !strings.Contains(page, `name="`+name+`"`) {
			t.Fatalf("the sign-up page has no %s field:\n%s", name, page)
		}
	}
	_, again := b.submit(s.URL, page, url.Values{"username": {"jo"}, "email": {"jo@example.com"}, "password": {"short"}})
	if msg := message(again); !strings.HasPrefix(msg, "Password did not conform with policy") || !strings.Contains(again, `name="password"`) {
		t.Errorf("a password against the policy: message %q", msg)
	}
	// The page checks what the API's model would: a username no
	// administrator call could then name, or a password no operation takes,
	// makes no user (an audit found users named "sp ace", "" and 200
	// characters long, unreachable by AdminGetUser).
	for _, bad := range []struct{ username, password, want string }{
		{"sp ace", "Perm#Pass1", "1 validation error detected: Value at 'username' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\p{L}\\p{M}\\p{S}\\p{N}\\p{P}]+"},
		{strings.Repeat("u", 200), "Perm#Pass1", "1 validation error detected: Value at 'username' failed to satisfy constraint: Member must have length less than or equal to 128"},
		{"long", "Perm#Pass1" + strings.Repeat("x", 300), "Password does not conform to policy: Password must be at most 256 characters long"},
	} {
		_, again = b.submit(s.URL, again, url.Values{"username": {bad.username}, "email": {"bad@example.com"}, "password": {bad.password}})
		if msg := message(again); msg != bad.want {
			t.Errorf("sign-up of %.20q: message %q, want %q", bad.username, msg, bad.want)
		}
	}
	if users := must[*cip.ListUsersOutput](t, "ListUsers")(e.c.ListUsers(e.ctx, &cip.ListUsersInput{UserPoolId: &pool})); len(users.Users) != 0 {
		t.Errorf("refused sign-ups made %d users", len(users.Users))
	}
	_, page = b.submit(s.URL, again, url.Values{"username": {"jo"}, "email": {"jo@example.com"}, "password": {"Perm#Pass1"}})
	if !strings.Contains(page, "We have sent a code by email to j***@e***") || !strings.Contains(page, `name="code"`) {
		t.Fatalf("after signing up, want the confirmation page:\n%s", page)
	}
	code := e.code("jo@example.com", 1)
	_, wrong := b.submit(s.URL, page, url.Values{"code": {otherCode(code)}})
	if msg := message(wrong); msg != "Invalid verification code provided, please try again." {
		t.Errorf("a wrong code: message %q", msg)
	}
	resp, _ := b.submit(s.URL, wrong, url.Values{"code": {code}})
	claims := tokensFor(resp)
	if claims["cognito:username"] != "jo" || claims["email"] != "jo@example.com" || claims["email_verified"] != true {
		t.Errorf("the signed-up user's ID token: %v", claims)
	}
	user := must[*cip.AdminGetUserOutput](t, "AdminGetUser")(e.c.AdminGetUser(e.ctx, &cip.AdminGetUserInput{UserPoolId: &pool, Username: aws.String("jo")}))
	if user.UserStatus != types.UserStatusTypeConfirmed {
		t.Errorf("after the confirmation page: %s", user.UserStatus)
	}

	// Forgot the password, in another browser.
	b = newBrowser(t, s.URL)
	_, page = b.get(authorize)
	_, page = b.get(link(page, "Forgot your password?"))
	_, page = b.submit(s.URL, page, url.Values{"username": {"jo"}})
	if !strings.Contains(page, "We have sent a code by email to j***@e***") || !strings.Contains(page, `name="code"`) {
		t.Fatalf("after asking for a reset, want the reset page:\n%s", page)
	}
	reset := e.code("jo@example.com", 2)
	_, wrong = b.submit(s.URL, page, url.Values{"code": {otherCode(reset)}, "password": {"Newer#Pass2"}})
	if msg := message(wrong); msg != "Invalid verification code provided, please try again." {
		t.Errorf("a wrong reset code: message %q", msg)
	}
	resp, page = b.submit(s.URL, wrong, url.Values{"code": {reset}, "password": {"Newer#Pass2"}})
	if resp.Request.URL.Path != "/login" || !strings.Contains(page, `name="password"`) {
		t.Fatalf("after the reset, want the sign-in page: %s\n%s", resp.Request.URL, page)
	}
	resp, page = b.submit(s.URL, page, url.Values{"username": {"jo"}, "password": {"Perm#Pass1"}})
	if msg := message(page); msg != "Incorrect username or password." {
		t.Errorf("the old password after the reset: %d, message %q", resp.StatusCode, msg)
	}
	resp, _ = b.submit(s.URL, page, url.Values{"username": {"jo"}, "password": {"Newer#Pass2"}})
	if tokensFor(resp)["cognito:username"] != "jo" {
		t.Error("the new password did not sign in")
	}
}

// doJSON sends req and decodes its JSON answer into v; the status.
func doJSON(t *testing.T, req *http.Request, v any) int {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	json.NewDecoder(resp.Body).Decode(v)
	return resp.StatusCode
}

// TestManagedLoginAdminOnlyNoSignUp: a pool that lets only administrators
// create users (AllowAdminCreateUserOnly) offers no sign-up: the sign-in
// page has no "Sign up" link and /signup leads back to it.
func TestManagedLoginAdminOnlyNoSignUp(t *testing.T) {
	s := startServer(t)
	e := &sdkEnv{server: s, t: t, ctx: t.Context(), c: s.sdk()}
	pool := e.pool(func(in *cip.CreateUserPoolInput) {
		in.AdminCreateUserConfig = &types.AdminCreateUserConfigType{AllowAdminCreateUserOnly: true}
	})
	const callback = "https://app.example/callback"
	client := e.client(pool, oauthClient(types.OAuthFlowTypeCode, callback, []string{"openid"}, []string{"COGNITO"}))
	q := url.Values{"response_type": {"code"}, "client_id": {*client.ClientId}, "redirect_uri": {callback}, "scope": {"openid"}}.Encode()
	b := newBrowser(t, s.URL)
	_, page := b.get(s.URL + "/oauth2/authorize?" + q)
	if !strings.Contains(page, "Forgot your password?") || strings.Contains(page, ">Sign up</a>") {
		t.Fatalf("the sign-in page of an admin-only pool:\n%s", page)
	}
	resp, _ := newBrowser(t).get(s.URL + "/signup?" + q)
	if loc := resp.Header.Get("Location"); resp.StatusCode != http.StatusFound || loc != "/login?"+q {
		t.Errorf("GET /signup: %d %q; want a redirect to /login", resp.StatusCode, loc)
	}
}
