package e2e

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
)

// TestConsole: the local console lists the pools, a pool's clients, groups
// and users, a user's attributes, groups and messages (with their codes),
// and every message; it is read-only (GET only), and absent where the
// outbox is not served.
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
