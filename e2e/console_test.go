package e2e

import (
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
)

// TestConsole: the local console lists the pools, a pool's clients, groups
// and users, a user's attributes, groups and messages (with their codes),
// and every message; a user's page confirms, disables and enables, sets a
// password, signs out everywhere and deletes, through forms whose token
// other sites cannot have; it is absent where the outbox is not served.
func TestConsole(t *testing.T) {
	e := newSDKEnv(t)
	pool := e.pool(func(in *cip.CreateUserPoolInput) {
		in.PoolName = aws.String("shop")
		in.AutoVerifiedAttributes = []types.VerifiedAttributeType{types.VerifiedAttributeTypeEmail}
	})
	clientID := *e.client(pool).ClientId
	must[*cip.CreateGroupOutput](t, "CreateGroup")(e.c.CreateGroup(e.ctx, &cip.CreateGroupInput{UserPoolId: &pool, GroupName: aws.String("staff")}))
	must[*cip.SignUpOutput](t, "SignUp")(e.signUp(clientID, "kim", "Perm#Pass1", "kim@example.com"))
	must[*cip.AdminAddUserToGroupOutput](t, "AdminAddUserToGroup")(e.c.AdminAddUserToGroup(e.ctx, &cip.AdminAddUserToGroupInput{
		UserPoolId: &pool, Username: aws.String("kim"), GroupName: aws.String("staff")}))
	code := e.code("kim@example.com", 1)

	get := func(path string) (int, string) {
		t.Helper()
		resp, err := http.Get(e.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	for path, want := range map[string][]string{
		"/_ninshou/console/":                             {pool, "shop"},
		"/_ninshou/console/pools/" + pool:                {clientID, "staff", "kim", "UNCONFIRMED", "kim@example.com"},
		"/_ninshou/console/pools/" + pool + "/users/kim": {"kim@example.com", "staff", code},
		"/_ninshou/console/messages":                     {"kim@example.com", code},
	} {
		status, page := get(path)
		for _, w := range want {
			if status != 200 || !strings.Contains(page, w) {
				t.Errorf("%s: %d, want %q on the page:\n%s", path, status, w, page)
				break
			}
		}
	}
	if status, _ := get("/_ninshou/console/pools/us-east-1_nothere0"); status != http.StatusNotFound {
		t.Errorf("an unknown pool: %d", status)
	}
	resp, err := http.Post(e.URL+"/_ninshou/console/", "text/plain", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("POST to the console: %d", resp.StatusCode)
	}

	// The user's page acts: its forms' token is required, and a cross-site
	// request is refused even with it.
	_, page := get("/_ninshou/console/pools/" + pool + "/users/kim")
	m := regexp.MustCompile(`name="_csrf" value="([^"]+)"`).FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no form on the user's page:\n%s", page)
	}
	token := m[1]
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	act := func(form url.Values, header map[string]string) (int, string) {
		t.Helper()
		req, _ := http.NewRequest(http.MethodPost, e.URL+"/_ninshou/console/pools/"+pool+"/users/kim", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		for k, v := range header {
			req.Header.Set(k, v)
		}
		if h := header["Host"]; h != "" {
			req.Host = h
		}
		resp, err := noRedirect.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode, resp.Header.Get("Location")
	}
	status := func() (types.UserStatusType, bool) {
		t.Helper()
		u := must[*cip.AdminGetUserOutput](t, "AdminGetUser")(e.c.AdminGetUser(e.ctx, &cip.AdminGetUserInput{UserPoolId: &pool, Username: aws.String("kim")}))
		return u.UserStatus, u.Enabled
	}
	if code, _ := act(url.Values{"action": {"confirm"}}, nil); code != http.StatusForbidden {
		t.Errorf("an action without the token: %d", code)
	}
	if code, _ := act(url.Values{"action": {"confirm"}, "_csrf": {token}}, map[string]string{"Sec-Fetch-Site": "cross-site"}); code != http.StatusForbidden {
		t.Errorf("a cross-site action: %d", code)
	}
	// A page of another name re-pointed at this machine (DNS rebinding).
	if code, _ := act(url.Values{"action": {"confirm"}, "_csrf": {token}}, map[string]string{"Host": "attacker.example"}); code != http.StatusForbidden {
		t.Errorf("an action with another site's Host: %d", code)
	}
	if st, _ := status(); st != types.UserStatusTypeUnconfirmed {
		t.Fatalf("refused actions changed the user: %s", st)
	}
	sc, loc := act(url.Values{"action": {"confirm"}, "_csrf": {token}}, map[string]string{"Sec-Fetch-Site": "same-origin"})
	if st, _ := status(); sc != http.StatusSeeOther || st != types.UserStatusTypeConfirmed {
		t.Errorf("confirm: %d, the user %s", sc, st)
	}
	if _, page := get(loc); !strings.Contains(page, "Sign-up confirmed.") {
		t.Errorf("after confirm, the page at %s says:\n%s", loc, page)
	}
	act(url.Values{"action": {"disable"}, "_csrf": {token}}, nil)
	if _, enabled := status(); enabled {
		t.Error("disable left the user enabled")
	}
	act(url.Values{"action": {"enable"}, "_csrf": {token}}, nil)
	if _, enabled := status(); !enabled {
		t.Error("enable left the user disabled")
	}
	// A password the policy refuses: Cognito's answer on the page.
	if _, loc := act(url.Values{"action": {"password"}, "password": {"short"}, "permanent": {"1"}, "_csrf": {token}}, nil); !strings.Contains(loc, "InvalidPasswordException") {
		t.Errorf("a password the policy refuses: redirected to %s", loc)
	}
	act(url.Values{"action": {"password"}, "password": {"New#Pass2"}, "permanent": {"1"}, "_csrf": {token}}, nil)
	if _, err := e.c.InitiateAuth(e.ctx, &cip.InitiateAuthInput{ClientId: &clientID, AuthFlow: types.AuthFlowTypeUserPasswordAuth,
		AuthParameters: map[string]string{"USERNAME": "kim", "PASSWORD": "New#Pass2"}}); err != nil {
		t.Errorf("signing in with the password the console set: %v", err)
	}
	if code, loc := act(url.Values{"action": {"delete"}, "_csrf": {token}}, nil); code != http.StatusSeeOther || loc != "/_ninshou/console/pools/"+pool {
		t.Errorf("delete: %d to %q", code, loc)
	}
	if _, err := e.c.AdminGetUser(e.ctx, &cip.AdminGetUserInput{UserPoolId: &pool, Username: aws.String("kim")}); err == nil {
		t.Error("the deleted user is still there")
	}

	// With --admin-credentials (and the outbox asked for), the console
	// only reads: it would otherwise be a way around the signatures.
	signed := startServerWith(t, "--admin-credentials", "AKIDCONSOLE:console-secret-key", "--outbox=true")
	resp, err = http.PostForm(signed.URL+"/_ninshou/console/pools/"+pool+"/users/kim", url.Values{"action": {"delete"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("a console action on a server that checks signatures: %d", resp.StatusCode)
	}

	off := startServerWith(t, "--outbox=false")
	resp, err = http.Get(off.URL + "/_ninshou/console/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode == 200 {
		t.Error("the console is served without the outbox")
	}
}
