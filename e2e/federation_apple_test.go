package e2e

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"html"
	"io"
	"math/big"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
)

var appleEndpoints = map[string]string{
	"https://appleid.apple.com/auth/authorize": "/authorize",
	"https://appleid.apple.com/auth/token":     "/token",
	"https://appleid.apple.com/auth/keys":      "/jwks",
}

// checkAppleSecret checks a client secret as Apple does: an ES256 JWT by
// the key of key_id, issued by the team for the client, for Apple.
func checkAppleSecret(pub *ecdsa.PublicKey, teamID, keyID, clientID string) func(string) error {
	return func(secret string) error {
		parts := strings.Split(secret, ".")
		if len(parts) != 3 {
			return errors.New("not a JWT")
		}
		var header struct{ Alg, Kid string }
		var claims struct {
			Iss, Aud, Sub string
			Iat, Exp      int64
		}
		h, _ := base64.RawURLEncoding.DecodeString(parts[0])
		c, _ := base64.RawURLEncoding.DecodeString(parts[1])
		sig, _ := base64.RawURLEncoding.DecodeString(parts[2])
		if json.Unmarshal(h, &header) != nil || json.Unmarshal(c, &claims) != nil || len(sig) != 64 {
			return fmt.Errorf("malformed: %s %s", h, c)
		}
		digest := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
		if !ecdsa.Verify(pub, digest[:], new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:])) {
			return errors.New("bad signature")
		}
		now := time.Now().Unix()
		if header.Alg != "ES256" || header.Kid != keyID || claims.Iss != teamID || claims.Sub != clientID ||
			claims.Aud != "https://appleid.apple.com" || claims.Iat > now+60 || claims.Exp <= now || claims.Exp > claims.Iat+15777000 {
			return fmt.Errorf("wrong header or claims: %s %s", h, c)
		}
		return nil
	}
}

// TestAppleFederation signs in through a Sign in with Apple provider,
// created as Cognito creates one (client_id, team_id, key_id, the .p8
// private_key): Apple is asked for a form post; its answer, posted
// cross-site without the browser's binding cookie, is posted again from
// Ninshou's own page; the code is redeemed with a client secret JWT signed
// by the provider's key (the stand-in checks it as Apple does), the ID
// token checked against Apple's keys; the name Apple tells on the first
// sign-in only becomes the user's attributes.
func TestAppleFederation(t *testing.T) {
	s := startServer(t)
	e := &sdkEnv{server: s, t: t, ctx: t.Context(), c: s.sdk()}
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	der, _ := x509.MarshalPKCS8PrivateKey(key)
	p8 := string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
	apple := newOIDCProvider(t)
	apple.ClientID = "com.example.app.signin"
	apple.Issuer, apple.ProfileInIDToken, apple.FormPost = "https://appleid.apple.com", true, true
	apple.CheckSecret = checkAppleSecret(&key.PublicKey, "TEAM123456", "KEY1234567", apple.ClientID)
	routeCalls(s, appleEndpoints, apple.URL)

	pool := e.pool()
	must[*cip.CreateIdentityProviderOutput](t, "CreateIdentityProvider")(e.c.CreateIdentityProvider(e.ctx, &cip.CreateIdentityProviderInput{
		UserPoolId: aws.String(pool), ProviderName: aws.String("SignInWithApple"), ProviderType: types.IdentityProviderTypeTypeSignInWithApple,
		ProviderDetails: map[string]string{"client_id": apple.ClientID, "team_id": "TEAM123456", "key_id": "KEY1234567",
			"private_key": p8, "authorize_scopes": "email name"},
		AttributeMapping: map[string]string{"email": "email", "name": "name", "given_name": "firstName", "family_name": "lastName"}}))
	const callback = "https://app.example/callback"
	clientID := *e.client(pool, oauthClient(types.OAuthFlowTypeCode, callback, []string{"openid", "email", "profile"},
		[]string{"COGNITO", "SignInWithApple"})).ClientId

	b := newBrowser(t, s.URL, "https://appleid.apple.com")
	b.http.Transport = standInTransport{endpoints: appleEndpoints, standIn: apple.URL}
	form := regexp.MustCompile(`<form method="post" action="([^"]+)">`)
	field := regexp.MustCompile(`<input type="hidden" name="([^"]+)" value="([^"]*)">`)
	posted := func(page string) (string, url.Values) {
		t.Helper()
		action := form.FindStringSubmatch(page)
		if action == nil {
			t.Fatalf("no form on the page:\n%s", page)
		}
		values := url.Values{}
		for _, f := range field.FindAllStringSubmatch(page, -1) {
			values.Set(html.UnescapeString(f[1]), html.UnescapeString(f[2]))
		}
		return html.UnescapeString(action[1]), values
	}
	signIn := func(user string) map[string]any {
		t.Helper()
		apple.mu.Lock()
		apple.FormUser = user
		apple.mu.Unlock()
		_, page := b.get(s.URL + "/oauth2/authorize?" + url.Values{"response_type": {"code"}, "client_id": {clientID},
			"redirect_uri": {callback}, "scope": {"openid email profile"}, "state": {"s1"}, "identity_provider": {"SignInWithApple"}}.Encode())
		action, values := posted(page) // Apple's form post
		if action != s.URL+"/oauth2/idpresponse" || values.Get("code") == "" {
			t.Fatalf("Apple posts %v to %s", values, action)
		}
		// Cross-site, the browser sends no SameSite=Lax cookie: Ninshou's
		// page posts the same fields again from its own origin.
		resp, err := http.PostForm(action, values)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		again, repost := posted(string(body))
		if again != "/oauth2/idpresponse" || repost.Get("_reposted") != "1" || repost.Get("code") != values.Get("code") ||
			repost.Get("state") != values.Get("state") || repost.Get("user") != values.Get("user") {
			t.Fatalf("the repost page: %s %v", again, repost)
		}
		resp2, page2 := b.post(s.URL+again, repost)
		loc, _ := url.Parse(resp2.Header.Get("Location"))
		if resp2.StatusCode != http.StatusFound || loc == nil || loc.Query().Get("code") == "" {
			t.Fatalf("after Apple's answer: %d %q\n%s", resp2.StatusCode, resp2.Header.Get("Location"), page2)
		}
		return redeemCode(t, s, pool, clientID, callback, loc.Query().Get("code"))
	}

	apple.SignIn(map[string]any{"sub": "001234.abcdef0123456789.1234", "email": "kim@privaterelay.appleid.com",
		"email_verified": "true", "is_private_email": "true"})
	claims := signIn(`{"name":{"firstName":"Kim","lastName":"Lee"},"email":"kim@privaterelay.appleid.com"}`)
	if claims["cognito:username"] != "SignInWithApple_001234.abcdef0123456789.1234" || claims["email"] != "kim@privaterelay.appleid.com" ||
		claims["name"] != "Kim Lee" || claims["given_name"] != "Kim" || claims["family_name"] != "Lee" {
		t.Errorf("first sign-in: ID token claims %v", claims)
	}
	// Later answers carry no name: the user keeps the one it has.
	claims = signIn("")
	if claims["name"] != "Kim Lee" || claims["given_name"] != "Kim" {
		t.Errorf("second sign-in: ID token claims %v", claims)
	}
	// A user who cancels at Apple comes back to the app with access_denied
	// (Apple says user_cancelled_authorize).
	apple.mu.Lock()
	apple.Deny, apple.DenyCode = true, "user_cancelled_authorize"
	apple.mu.Unlock()
	_, page := b.get(s.URL + "/oauth2/authorize?" + url.Values{"response_type": {"code"}, "client_id": {clientID},
		"redirect_uri": {callback}, "scope": {"openid email profile"}, "state": {"s1"}, "identity_provider": {"SignInWithApple"}}.Encode())
	action, values := posted(page)
	resp, _ := b.post(action, values)
	if loc, _ := url.Parse(resp.Header.Get("Location")); loc == nil || loc.Query().Get("error") != "access_denied" || loc.Query().Has("code") {
		t.Errorf("a cancelled Apple sign-in: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	ip := must[*cip.DescribeIdentityProviderOutput](t, "DescribeIdentityProvider")(e.c.DescribeIdentityProvider(e.ctx,
		&cip.DescribeIdentityProviderInput{UserPoolId: aws.String(pool), ProviderName: aws.String("SignInWithApple")}))
	if _, shown := ip.IdentityProvider.ProviderDetails["private_key"]; shown {
		t.Error("DescribeIdentityProvider shows the private key")
	}
}
