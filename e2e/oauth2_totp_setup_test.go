package e2e

import (
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"
)

// TestManagedLoginAuthenticatorSetup: in a pool that requires MFA by
// authenticator app, a user without one meets MFA_SETUP on the sign-in
// page, which shows the key (as text and as a QR code of its otpauth URI,
// as AssociateSoftwareToken answers it); a wrong code keeps the page
// (VerifySoftwareToken's "Code mismatch"), a right one sets the app up and
// ends at the app's callback. The next sign-in asks for the app's code.
// https://docs.aws.amazon.com/cognito/latest/developerguide/user-pool-settings-mfa-totp.html
func TestManagedLoginAuthenticatorSetup(t *testing.T) {
	e := newSDKEnv(t)
	pool := e.pool()
	must[*cip.SetUserPoolMfaConfigOutput](t, "SetUserPoolMfaConfig")(e.c.SetUserPoolMfaConfig(e.ctx, &cip.SetUserPoolMfaConfigInput{
		UserPoolId: &pool, MfaConfiguration: types.UserPoolMfaTypeOn,
		SoftwareTokenMfaConfiguration: &types.SoftwareTokenMfaConfigType{Enabled: true}}))
	const callback = "https://app.example/callback"
	clientID := *e.client(pool, oauthClient(types.OAuthFlowTypeCode, callback, []string{"openid"}, []string{"COGNITO"})).ClientId
	e.user(pool, "kai", "kai@example.com", "Perm#Pass1")
	authorize := e.URL + "/oauth2/authorize?" + url.Values{"response_type": {"code"}, "client_id": {clientID},
		"redirect_uri": {callback}, "scope": {"openid"}, "state": {"st"}, "prompt": {"login"}}.Encode()
	codeAt := func(secret string, at time.Time) string {
		c, err := totp.GenerateCodeCustom(secret, at, totp.ValidateOpts{Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
		if err != nil {
			t.Fatal(err)
		}
		return c
	}

	b := newBrowser(t, e.URL)
	_, page := b.get(authorize)
	_, page = b.submit(e.URL, page, url.Values{"username": {"kai"}, "password": {"Perm#Pass1"}})
	secret := regexp.MustCompile(`<code id="secret">([A-Z2-7]+)</code>`).FindStringSubmatch(page)
	if secret == nil || !strings.Contains(page, `<img id="qrcode" src="data:image/png;base64,`) || !strings.Contains(page, `name="SOFTWARE_TOKEN_MFA_CODE"`) {
		t.Fatalf("after the password, want the authenticator set-up page:\n%s", page)
	}
	now := time.Now()
	_, again := b.submit(e.URL, page, url.Values{"SOFTWARE_TOKEN_MFA_CODE": {otherCode(codeAt(secret[1], now))}})
	if !strings.Contains(again, "Code mismatch") || !strings.Contains(again, `<code id="secret">`+secret[1]+`</code>`) {
		t.Fatalf("a wrong code: want the set-up page again with Code mismatch:\n%s", again)
	}
	resp, _ := b.submit(e.URL, again, url.Values{"SOFTWARE_TOKEN_MFA_CODE": {codeAt(secret[1], now)}})
	if loc := resp.Header.Get("Location"); resp.StatusCode != 302 || !strings.HasPrefix(loc, callback+"?code=") {
		t.Fatalf("the right code: %d, Location %q", resp.StatusCode, loc)
	}
	user := must[*cip.AdminGetUserOutput](t, "AdminGetUser")(e.c.AdminGetUser(e.ctx, &cip.AdminGetUserInput{UserPoolId: &pool, Username: aws.String("kai")}))
	if !strings.Contains(strings.Join(user.UserMFASettingList, ","), "SOFTWARE_TOKEN_MFA") {
		t.Errorf("after the set-up page, UserMFASettingList = %v", user.UserMFASettingList)
	}

	// The next sign-in asks for a code of the app (a later one: a code
	// serves once).
	_, page = b.get(authorize)
	_, page = b.submit(e.URL, page, url.Values{"username": {"kai"}, "password": {"Perm#Pass1"}})
	if !strings.Contains(page, `value="SOFTWARE_TOKEN_MFA"`) {
		t.Fatalf("the next sign-in: want the authenticator code page:\n%s", page)
	}
	resp, _ = b.submit(e.URL, page, url.Values{"SOFTWARE_TOKEN_MFA_CODE": {codeAt(secret[1], now.Add(30*time.Second))}})
	if loc := resp.Header.Get("Location"); resp.StatusCode != 302 || !strings.HasPrefix(loc, callback+"?code=") {
		t.Fatalf("the app's code: %d, Location %q", resp.StatusCode, loc)
	}
}
