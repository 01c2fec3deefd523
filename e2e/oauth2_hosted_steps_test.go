package e2e

import (
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
)

// browserOn is an HTTP client that keeps cookies and follows redirects on
// the bases only (the server, an identity provider), as a browser on the
// sign-in pages whose callback is an app.
type browserOn struct {
	t    *testing.T
	http *http.Client
}

func newBrowser(t *testing.T, bases ...string) *browserOn {
	jar, _ := cookiejar.New(nil)
	return &browserOn{t: t, http: &http.Client{Jar: jar, CheckRedirect: func(req *http.Request, via []*http.Request) error {
		for _, base := range bases {
			if strings.HasPrefix(req.URL.String(), base+"/") {
				return nil
			}
		}
		return http.ErrUseLastResponse
	}}}
}

func (b *browserOn) do(req func() (*http.Response, error)) (*http.Response, string) {
	b.t.Helper()
	resp, err := req()
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp, string(body)
}

func (b *browserOn) get(u string) (*http.Response, string) {
	return b.do(func() (*http.Response, error) { return b.http.Get(u) })
}

func (b *browserOn) post(u string, form url.Values) (*http.Response, string) {
	return b.do(func() (*http.Response, error) { return b.http.PostForm(u, form) })
}

var hiddenField = regexp.MustCompile(`<input type="hidden" name="([^"]+)" value="([^"]*)">`)

// submit posts the page's form (its hidden fields, at its action) with
// fields added.
func (b *browserOn) submit(base string, page string, fields url.Values) (*http.Response, string) {
	b.t.Helper()
	action := regexp.MustCompile(`<form method="post" action="([^"]+)">`).FindStringSubmatch(page)
	if action == nil {
		b.t.Fatalf("no form on the page:\n%s", page)
	}
	form := url.Values{}
	for _, m := range hiddenField.FindAllStringSubmatch(page, -1) {
		form.Set(m[1], htmlUnescape(m[2]))
	}
	for k, v := range fields {
		form[k] = v
	}
	return b.post(base+htmlUnescape(action[1]), form)
}

// oauthClient makes an app client of e.client an OAuth client of the
// hosted pages: the flow, its one callback, the scopes and the identity
// providers it may use.
func oauthClient(flow types.OAuthFlowType, callback string, scopes, providers []string) func(*cip.CreateUserPoolClientInput) {
	return func(in *cip.CreateUserPoolClientInput) {
		in.AllowedOAuthFlowsUserPoolClient = true
		in.AllowedOAuthFlows = []types.OAuthFlowType{flow}
		in.AllowedOAuthScopes = scopes
		in.CallbackURLs = []string{callback}
		in.SupportedIdentityProviders = providers
	}
}

func htmlUnescape(s string) string {
	return strings.NewReplacer("&amp;", "&", "&#43;", "+", "&#34;", `"`, "&#39;", "'", "&lt;", "<", "&gt;", ">").Replace(s)
}

// TestOAuth2HostedFoundingScenario is the brief's founding scenario on the
// sign-in page: an administrator's temporary password, then
// NEW_PASSWORD_REQUIRED, then EMAIL_OTP (the pool requires MFA by email),
// each as a page; a wrong code keeps the page; the right one redirects to
// the callback with a code that redeems for the user's tokens. A session
// started through the API cannot be finished on the page.
func TestOAuth2HostedFoundingScenario(t *testing.T) {
	e := newSDKEnv(t)
	pool := e.pool()
	e.emailMFA(pool, types.UserPoolMfaTypeOn)
	const callback = "https://app.example/callback"
	clientID := *e.client(pool, oauthClient(types.OAuthFlowTypeCode, callback, []string{"openid", "email"}, []string{"COGNITO"})).ClientId
	must[*cip.AdminCreateUserOutput](t, "AdminCreateUser")(e.c.AdminCreateUser(e.ctx, &cip.AdminCreateUserInput{UserPoolId: &pool,
		Username: aws.String("kim"), TemporaryPassword: aws.String("Temp#Pass1"), MessageAction: types.MessageActionTypeSuppress,
		UserAttributes: []types.AttributeType{{Name: aws.String("email"), Value: aws.String("kim@gmail.com")},
			{Name: aws.String("email_verified"), Value: aws.String("true")}}}))

	// The client's classic hosted UI customization styles the pages.
	must[*cip.CreateUserPoolDomainOutput](t, "CreateUserPoolDomain")(e.c.CreateUserPoolDomain(e.ctx, &cip.CreateUserPoolDomainInput{
		UserPoolId: &pool, Domain: aws.String("hosted-" + strings.ToLower(strings.ReplaceAll(pool, "_", "-")))}))
	css := ".submitButton-customizable { background-color: #123456; }"
	logo := append([]byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), make([]byte, 64)...)
	must[*cip.SetUICustomizationOutput](t, "SetUICustomization")(e.c.SetUICustomization(e.ctx, &cip.SetUICustomizationInput{
		UserPoolId: &pool, ClientId: &clientID, CSS: aws.String(css), ImageFile: logo}))

	b := newBrowser(t, e.URL)
	q := url.Values{"response_type": {"code"}, "client_id": {clientID}, "redirect_uri": {callback}, "scope": {"openid email"}, "state": {"s1"}}
	resp, page := b.get(e.URL + "/oauth2/authorize?" + q.Encode())
	if resp.Request.URL.Path != "/login" {
		t.Fatalf("authorize: %d at %s", resp.StatusCode, resp.Request.URL)
	}
	sheet := regexp.MustCompile(`<link rel="stylesheet" href="([^"]+)">`).FindStringSubmatch(page)
	img := regexp.MustCompile(`<img class="logo-customizable" src="([^"]+)"`).FindStringSubmatch(page)
	if sheet == nil || img == nil || !strings.Contains(page, `class="submitButton-customizable"`) {
		t.Fatalf("the sign-in page shows no UI customization:\n%s", page)
	}
	if resp, got := b.get(e.URL + htmlUnescape(sheet[1])); resp.StatusCode != 200 || got != css ||
		!strings.HasPrefix(resp.Header.Get("Content-Type"), "text/css") {
		t.Errorf("the stylesheet: %d %q %q", resp.StatusCode, resp.Header.Get("Content-Type"), got)
	}
	if resp, got := b.get(htmlUnescape(img[1])); resp.StatusCode != 200 || got != string(logo) {
		t.Errorf("the logo: %d, %d bytes", resp.StatusCode, len(got))
	}
	_, page = b.submit(e.URL, page, url.Values{"username": {"kim"}, "password": {"Temp#Pass1"}})
	if !strings.Contains(page, `name="challenge" value="NEW_PASSWORD_REQUIRED"`) || !strings.Contains(page, `name="NEW_PASSWORD"`) {
		t.Fatalf("after the temporary password, want the new-password page:\n%s", page)
	}
	_, page = b.submit(e.URL, page, url.Values{"NEW_PASSWORD": {"short"}})
	if !strings.Contains(page, "Password does not conform to policy") || !strings.Contains(page, `name="NEW_PASSWORD"`) {
		t.Fatalf("a password against the policy, want the page again with the policy message:\n%s", page)
	}
	_, page = b.submit(e.URL, page, url.Values{"NEW_PASSWORD": {"Perm#Pass1"}})
	if !strings.Contains(page, `value="EMAIL_OTP"`) || !strings.Contains(page, "k***@g***") {
		t.Fatalf("after the new password, want the EMAIL_OTP page to k***@g***:\n%s", page)
	}
	code := e.code("kim@gmail.com", 1)
	_, page = b.submit(e.URL, page, url.Values{"EMAIL_OTP_CODE": {otherCode(code)}})
	if !strings.Contains(page, "Invalid code or auth state for the user.") || !strings.Contains(page, `name="EMAIL_OTP_CODE"`) ||
		!strings.Contains(page, "We sent a code by email to k***@g***.") {
		t.Fatalf("a wrong code, want the code page again, saying where the code went:\n%s", page)
	}
	resp, _ = b.submit(e.URL, page, url.Values{"EMAIL_OTP_CODE": {code}})
	back, _ := url.Parse(resp.Header.Get("Location"))
	if resp.StatusCode != http.StatusFound || !strings.HasPrefix(back.String(), callback+"?") || back.Query().Get("state") != "s1" {
		t.Fatalf("the right code: %d, Location %q", resp.StatusCode, back)
	}
	status, tok := tokenCall(t, e.URL, url.Values{"grant_type": {"authorization_code"}, "client_id": {clientID},
		"code": {back.Query().Get("code")}, "redirect_uri": {callback}})
	if status != 200 || tok["id_token"] == nil || tok["refresh_token"] == nil {
		t.Fatalf("redeeming: %d %v", status, tok)
	}
	got := must[*cip.AdminGetUserOutput](t, "AdminGetUser")(e.c.AdminGetUser(e.ctx, &cip.AdminGetUserInput{UserPoolId: &pool, Username: aws.String("kim")}))
	if got.UserStatus != types.UserStatusTypeConfirmed {
		t.Errorf("after the page's new password, status %s", got.UserStatus)
	}

	// An API sign-in's session, brought to the page, is refused.
	out := must[*cip.InitiateAuthOutput](t, "InitiateAuth")(e.c.InitiateAuth(e.ctx, &cip.InitiateAuthInput{ClientId: &clientID,
		AuthFlow: types.AuthFlowTypeUserPasswordAuth, AuthParameters: map[string]string{"USERNAME": "kim", "PASSWORD": "Perm#Pass1"}}))
	_, page = b.get(e.URL + "/login?" + q.Encode())
	_, page = b.submit(e.URL, strings.Replace(page, `<input type="hidden" name="_csrf"`,
		`<input type="hidden" name="challenge" value="EMAIL_OTP"><input type="hidden" name="session" value="`+aws.ToString(out.Session)+
			`"><input type="hidden" name="username" value="kim"><input type="hidden" name="_csrf"`, 1),
		url.Values{"EMAIL_OTP_CODE": {e.code("kim@gmail.com", 2)}})
	if !strings.Contains(page, "Your sign-in session is not valid.") {
		t.Errorf("an API session on the page:\n%s", page)
	}
}

// TestHostedSessionNotForTheAPI: a challenge session the sign-in page
// started ends in the page's authorization code; answered through
// RespondToAuthChallenge instead, it is refused, not an empty answer.
func TestHostedSessionNotForTheAPI(t *testing.T) {
	e := newSDKEnv(t)
	pool := e.pool()
	const callback = "https://app.example/callback"
	clientID := *e.client(pool, oauthClient(types.OAuthFlowTypeCode, callback, []string{"openid"}, []string{"COGNITO"})).ClientId
	must[*cip.AdminCreateUserOutput](t, "AdminCreateUser")(e.c.AdminCreateUser(e.ctx, &cip.AdminCreateUserInput{UserPoolId: &pool,
		Username: aws.String("kim"), TemporaryPassword: aws.String("Temp#Pass1"), MessageAction: types.MessageActionTypeSuppress}))
	b := newBrowser(t, e.URL)
	q := url.Values{"response_type": {"code"}, "client_id": {clientID}, "redirect_uri": {callback}, "scope": {"openid"}}
	_, page := b.get(e.URL + "/login?" + q.Encode())
	_, page = b.submit(e.URL, page, url.Values{"username": {"kim"}, "password": {"Temp#Pass1"}})
	m := regexp.MustCompile(`name="session" value="([^"]+)"`).FindStringSubmatch(page)
	if m == nil || !strings.Contains(page, `value="NEW_PASSWORD_REQUIRED"`) {
		t.Fatalf("no new-password page:\n%s", page)
	}
	_, err := e.c.RespondToAuthChallenge(e.ctx, &cip.RespondToAuthChallengeInput{ClientId: &clientID,
		ChallengeName: types.ChallengeNameTypeNewPasswordRequired, Session: aws.String(htmlUnescape(m[1])),
		ChallengeResponses: map[string]string{"USERNAME": "kim", "NEW_PASSWORD": "Perm#Pass1"}})
	wantErr[*types.NotAuthorizedException](t, err, "Invalid session for the user.")
}
