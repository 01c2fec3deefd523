package e2e

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"

	"github.com/ninshou/ninshou/internal/idp/oidcrp"
	"github.com/ninshou/ninshou/internal/testutil/samlidp"
)

// samlSignIns drives SP-initiated SAML sign-ins of one app client: each
// sign-in is a new browser sent to the IdP, which posts its Response back
// to the pool; done is where the browser lands (the app's callback query).
type samlSignIns struct {
	t                         *testing.T
	s                         *server
	idp                       *samlidp.IdP
	pool, clientID, authorize string
}

const samlCallback = "https://app.example/callback"

// newSAMLSignIns makes provider (the IdP's MetadataURL, mapping) in pool
// and a code-grant client for it.
func newSAMLSignIns(t *testing.T, s *server, e *sdkEnv, idp *samlidp.IdP, pool, provider string, mapping map[string]string) *samlSignIns {
	t.Helper()
	must[*cip.CreateIdentityProviderOutput](t, "CreateIdentityProvider")(e.c.CreateIdentityProvider(e.ctx, &cip.CreateIdentityProviderInput{
		UserPoolId: aws.String(pool), ProviderName: aws.String(provider), ProviderType: types.IdentityProviderTypeTypeSaml,
		ProviderDetails: map[string]string{"MetadataURL": idp.URL + "/metadata"}, AttributeMapping: mapping}))
	clientID := *e.client(pool, oauthClient(types.OAuthFlowTypeCode, samlCallback, []string{"openid"}, []string{provider})).ClientId
	return &samlSignIns{t: t, s: s, idp: idp, pool: pool, clientID: clientID,
		authorize: s.URL + "/oauth2/authorize?" + url.Values{"response_type": {"code"}, "client_id": {clientID},
			"redirect_uri": {samlCallback}, "scope": {"openid"}, "identity_provider": {provider}}.Encode()}
}

// signIn signs nameID in with attrs and returns the callback's query.
func (c *samlSignIns) signIn(nameID string, attrs map[string][]string) url.Values {
	c.t.Helper()
	c.idp.SignIn(nameID, attrs)
	b := newBrowser(c.t, c.s.URL, c.idp.URL)
	resp, page := b.get(c.authorize)
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Request.URL.String(), c.idp.URL+"/sso?") {
		c.t.Fatalf("authorize: %d at %s\n%s", resp.StatusCode, resp.Request.URL, page)
	}
	action := htmlUnescape(regexp.MustCompile(`action="([^"]+)"`).FindStringSubmatch(page)[1])
	resp, _ = b.post(action, idpPosted(c.t, page))
	loc, _ := url.Parse(resp.Header.Get("Location"))
	if resp.StatusCode != http.StatusFound || loc == nil || !strings.HasPrefix(loc.String(), samlCallback+"?") {
		c.t.Fatalf("want the app's callback: %d, Location %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	return loc.Query()
}

// claims redeems the code of a sign-in's query and returns its ID token's claims.
func (c *samlSignIns) claims(q url.Values) oidcrp.Claims {
	c.t.Helper()
	status, tok := tokenCall(c.t, c.s.URL, url.Values{"grant_type": {"authorization_code"}, "client_id": {c.clientID},
		"code": {q.Get("code")}, "redirect_uri": {samlCallback}})
	if status != 200 {
		c.t.Fatalf("redeeming the code of %v: %d %v", q, status, tok)
	}
	claims, err := oidcrp.VerifyIDToken(tok["id_token"].(string), poolJWKS(c.t, c.s, c.pool),
		oidcrp.Check{Issuer: c.s.URL + "/" + c.pool, Audience: c.clientID, Now: time.Now()})
	if err != nil {
		c.t.Fatal(err)
	}
	return claims
}

// wantRefused checks a callback's query is Cognito's refusal of a SAML
// Response: error=server_error with description, no code.
func wantRefused(t *testing.T, what string, q url.Values, description string) {
	t.Helper()
	if q.Has("code") || q.Get("error") != "server_error" || q.Get("error_description") != description {
		t.Errorf("%s: %v; want error=server_error, error_description=%q", what, q, description)
	}
}

// TestSAMLResponseRefusals: the app hears of a refused SAML Response as
// Cognito tells it, error=server_error with "Invalid SAML response
// received: ..." (aws/aws-sdk-js-v3#6201,
// repost.aws/knowledge-center/cognito-invalid-saml-response-errors): a
// signature that does not verify, a Response to an AuthnRequest without
// InResponseTo (AWS's notice quoted in c6fc/npk#87), a new user without a
// required attribute.
func TestSAMLResponseRefusals(t *testing.T) {
	s, _, e, idp, _ := samlEnv(t)
	pool := e.pool(func(in *cip.CreateUserPoolInput) {
		in.Schema = []types.SchemaAttributeType{{Name: aws.String("email"), AttributeDataType: types.AttributeDataTypeString,
			Mutable: aws.Bool(true), Required: aws.Bool(true)}}
	})
	c := newSAMLSignIns(t, s, e, idp, pool, "Corp", map[string]string{"email": "mail"})
	jo := map[string][]string{"mail": {"jo@corp.example"}}

	idp.Tamper = func(x string) string {
		return strings.Replace(x, ">jo@corp.example</saml:NameID>", ">admin@corp.example</saml:NameID>", 1)
	}
	wantRefused(t, "a NameID changed after signing", c.signIn("jo@corp.example", jo),
		"Invalid SAML response received: SAML Assertion signature is invalid.")
	idp.Tamper = func(x string) string { // the Response's, not the signed Assertion's
		return regexp.MustCompile(` InResponseTo="[^"]*"`).ReplaceAllString(x[:strings.Index(x, "<saml:Issuer")], "") +
			x[strings.Index(x, "<saml:Issuer"):]
	}
	wantRefused(t, "a Response without InResponseTo", c.signIn("jo@corp.example", jo),
		"Invalid SAML response received: The response failed verification.")
	idp.Tamper = nil
	wantRefused(t, "no email for a required email", c.signIn("jo@corp.example", nil),
		"Invalid SAML response received: Invalid user attributes: email: The attribute is required")
	if q := c.signIn("jo@corp.example", jo); q.Get("code") == "" {
		t.Errorf("a good Response: %v", q)
	}
}

// TestSAMLNameIDCase: in a pool whose usernames ignore case, a SAML NameID
// still names its user exactly: "Regardless of the case sensitivity
// settings of your user pool, Amazon Cognito requires that a federated user
// from a SAML IdP pass a unique and case-sensitive NameId claim ... Because
// NameId must be an exact case match, the sign-in doesn't succeed."
// (cognito-user-pools-saml-idp-authentication.html). A NameID of another
// case is another identity to AdminLinkProviderForUser too, and
// AdminDisableProviderForUser does not disable the other case's user.
func TestSAMLNameIDCase(t *testing.T) {
	s, _, e, idp, _ := samlEnv(t)
	pool := e.pool(func(in *cip.CreateUserPoolInput) {
		in.UsernameConfiguration = &types.UsernameConfigurationType{CaseSensitive: aws.Bool(false)}
	})
	c := newSAMLSignIns(t, s, e, idp, pool, "Corp", nil)
	if got := c.claims(c.signIn("Carlos@example.com", nil))["cognito:username"]; got != "Corp_Carlos@example.com" {
		t.Fatalf("the first sign-in: cognito:username %v", got)
	}
	wantRefused(t, "the NameID in another case", c.signIn("carlos@example.com", nil),
		"Invalid SAML response received: NameID must be an exact case match.")
	if got := c.claims(c.signIn("Carlos@example.com", nil))["cognito:username"]; got != "Corp_Carlos@example.com" {
		t.Errorf("the exact NameID again: cognito:username %v", got)
	}

	// carlos@example.com has not signed up: it links, and signs in as the
	// user it is linked to.
	must[*cip.AdminCreateUserOutput](t, "AdminCreateUser")(e.c.AdminCreateUser(e.ctx, &cip.AdminCreateUserInput{
		UserPoolId: aws.String(pool), Username: aws.String("carla")}))
	must[*cip.AdminLinkProviderForUserOutput](t, "AdminLinkProviderForUser")(e.c.AdminLinkProviderForUser(e.ctx, &cip.AdminLinkProviderForUserInput{
		UserPoolId:      aws.String(pool),
		DestinationUser: &types.ProviderUserIdentifierType{ProviderName: aws.String("Cognito"), ProviderAttributeValue: aws.String("carla")},
		SourceUser: &types.ProviderUserIdentifierType{ProviderName: aws.String("Corp"), ProviderAttributeName: aws.String("Cognito_Subject"),
			ProviderAttributeValue: aws.String("carlos@example.com")}}))
	if got := c.claims(c.signIn("carlos@example.com", nil))["cognito:username"]; got != "carla" {
		t.Errorf("the linked NameID: cognito:username %v", got)
	}
	// Disabling the linked identity leaves Corp_Carlos@example.com enabled.
	must[*cip.AdminDisableProviderForUserOutput](t, "AdminDisableProviderForUser")(e.c.AdminDisableProviderForUser(e.ctx, &cip.AdminDisableProviderForUserInput{
		UserPoolId: aws.String(pool), User: &types.ProviderUserIdentifierType{ProviderName: aws.String("Corp"),
			ProviderAttributeName: aws.String("Cognito_Subject"), ProviderAttributeValue: aws.String("carlos@example.com")}}))
	u := must[*cip.AdminGetUserOutput](t, "AdminGetUser")(e.c.AdminGetUser(e.ctx, &cip.AdminGetUserInput{
		UserPoolId: aws.String(pool), Username: aws.String("Corp_Carlos@example.com")}))
	if !u.Enabled || *u.Username != "Corp_Carlos@example.com" {
		t.Errorf("Corp_Carlos@example.com after disabling carlos@example.com: enabled %v, %s", u.Enabled, *u.Username)
	}
}

// TestSAMLMultiValuedAttributes: an attribute of several values is mapped
// as "[a, b]" with each value URL form encoded: "When IdP attributes
// contain multiple values, Amazon Cognito URL form encodes the values
// containing non-alphanumeric characters (excluding the '.', '-', '*', and
// '_' characters)" (cognito-user-pools-specifying-attribute-mapping.html).
// A single value is kept as it is.
func TestSAMLMultiValuedAttributes(t *testing.T) {
	s, _, e, idp, pool := samlEnv(t)
	c := newSAMLSignIns(t, s, e, idp, pool, "Corp", map[string]string{"name": "groups", "nickname": "nick"})
	claims := c.claims(c.signIn("jo@corp.example", map[string][]string{
		"groups": {"Domain Users", "CN=Ops,OU=Groups", "a.b-c*d_e"}, "nick": {"Jo Corp, Ops"}}))
	if claims["name"] != "[Domain+Users, CN%3DOps%2COU%3DGroups, a.b-c*d_e]" || claims["nickname"] != "Jo Corp, Ops" {
		t.Errorf("mapped: name %q, nickname %q", claims["name"], claims["nickname"])
	}
}

// TestSAMLMetadataChecks: CreateIdentityProvider and UpdateIdentityProvider
// refuse SAML metadata whose signing certificate is expired ("The signing
// certificate in your SAML provider metadata must not be expired",
// cognito-user-pools-saml-idp-things-to-know.html; Cognito's text from
// hashicorp/terraform-provider-aws#36912), missing or not a certificate,
// given inline or at a MetadataURL; and a SAML provider with neither
// (hashicorp/terraform-provider-aws#4815).
func TestSAMLMetadataChecks(t *testing.T) {
	s := startServer(t)
	e := &sdkEnv{server: s, t: t, ctx: t.Context(), c: s.sdk()}
	pool := e.pool()
	expired := samlMetadataWith(samlTestCertificate(time.Now().Add(-time.Hour)))
	site := http.NewServeMux()
	site.HandleFunc("GET /expired", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte(expired)) })
	loopback := httptest.NewServer(site)
	t.Cleanup(loopback.Close)
	srv := loopback.URL
	create := func(details map[string]string) error {
		_, err := e.c.CreateIdentityProvider(e.ctx, &cip.CreateIdentityProviderInput{UserPoolId: aws.String(pool),
			ProviderName: aws.String("Corp"), ProviderType: types.IdentityProviderTypeTypeSaml, ProviderDetails: details})
		return err
	}
	wantErr[*types.InvalidParameterException](t, create(map[string]string{"IDPSignout": "true"}),
		"At least one of the MetadataURL or MetadataFile should be provided.")
	wantErr[*types.InvalidParameterException](t, create(map[string]string{"MetadataFile": samlMetadataDoc, "MetadataURL": srv + "/expired"}),
		"Either MetadataFile or MetadataURL must be given, not both.")
	wantErr[*types.InvalidParameterException](t, create(map[string]string{"MetadataFile": expired}), "Signing certificates are expired")
	wantErr[*types.InvalidParameterException](t, create(map[string]string{"MetadataURL": srv + "/expired"}), "Signing certificates are expired")
	noCert := regexp.MustCompile(`(?s)<md:KeyDescriptor.*</md:KeyDescriptor>`).ReplaceAllString(samlMetadataDoc, "")
	wantErr[*types.InvalidParameterException](t, create(map[string]string{"MetadataFile": noCert}), "The SAML metadata has no signing certificate.")
	wantErr[*types.InvalidParameterException](t, create(map[string]string{"MetadataFile": samlMetadataWith("bm90IGEgY2VydGlmaWNhdGU=")}),
		"The SAML metadata's signing certificate is not a valid X.509 certificate.")

	if err := create(map[string]string{"MetadataFile": samlMetadataDoc}); err != nil {
		t.Fatalf("metadata with a valid certificate: %v", err)
	}
	_, err := e.c.UpdateIdentityProvider(e.ctx, &cip.UpdateIdentityProviderInput{UserPoolId: aws.String(pool),
		ProviderName: aws.String("Corp"), ProviderDetails: map[string]string{"MetadataFile": expired}})
	wantErr[*types.InvalidParameterException](t, err, "Signing certificates are expired")
}

// TestSAMLAttributeRefusals: the attributes a SAML sign-in would write are
// refused as the rest of its Response is, error=server_error with
// "Invalid SAML response received: Invalid user attributes: ...": a value
// too long for its attribute, and an immutable mapped attribute at the
// sign-in after the first.
func TestSAMLAttributeRefusals(t *testing.T) {
	s := startServer(t)
	e := &sdkEnv{server: s, t: t, ctx: t.Context(), c: s.sdk()}
	pool := e.pool(func(in *cip.CreateUserPoolInput) {
		in.Schema = []types.SchemaAttributeType{
			{Name: aws.String("badge"), AttributeDataType: types.AttributeDataTypeString, Mutable: aws.Bool(false)},
			{Name: aws.String("short"), AttributeDataType: types.AttributeDataTypeString, Mutable: aws.Bool(true),
				StringAttributeConstraints: &types.StringAttributeConstraintsType{MaxLength: aws.String("5")}},
		}
	})
	c := newSAMLSignIns(t, s, e, samlidp.Start(t), pool, "Corp", map[string]string{"custom:badge": "badge", "custom:short": "short"})
	wantRefused(t, "a value too long", c.signIn("jo@corp.example", map[string][]string{"badge": {"b1"}, "short": {"toolong"}}),
		"Invalid SAML response received: Invalid user attributes: custom:short: String must be no longer than 5 characters")
	if q := c.signIn("jo@corp.example", map[string][]string{"badge": {"b1"}, "short": {"ok"}}); !q.Has("code") {
		t.Fatalf("first sign-in: %v", q)
	}
	wantRefused(t, "an immutable attribute again", c.signIn("jo@corp.example", map[string][]string{"badge": {"b1"}, "short": {"ok"}}),
		"Invalid SAML response received: Invalid user attributes: custom:badge: Attribute cannot be updated.")
}

// TestSAMLAttributeRefusalsLater: a required attribute sent empty at a later
// sign-in would delete it, "Invalid SAML response received: Invalid user
// attributes: <attribute_name>: Required attribute cannot be deleted"
// (repost.aws/knowledge-center/cognito-invalid-saml-response-errors); a value
// over 2048 characters for an attribute with no MaxLength of its own, and a
// NameID no username can hold (over 128 characters), are refused too.
func TestSAMLAttributeRefusalsLater(t *testing.T) {
	s := startServer(t)
	e := &sdkEnv{server: s, t: t, ctx: t.Context(), c: s.sdk()}
	pool := e.pool(func(in *cip.CreateUserPoolInput) {
		in.Schema = []types.SchemaAttributeType{
			{Name: aws.String("email"), AttributeDataType: types.AttributeDataTypeString, Mutable: aws.Bool(true), Required: aws.Bool(true)},
			{Name: aws.String("dept"), AttributeDataType: types.AttributeDataTypeString, Mutable: aws.Bool(true)},
		}
	})
	c := newSAMLSignIns(t, s, e, samlidp.Start(t), pool, "Corp", map[string]string{"email": "mail", "custom:dept": "dept"})
	if q := c.signIn("jo@corp.example", map[string][]string{"mail": {"jo@corp.example"}, "dept": {"ops"}}); !q.Has("code") {
		t.Fatalf("first sign-in: %v", q)
	}
	wantRefused(t, "a required attribute sent empty", c.signIn("jo@corp.example", map[string][]string{"mail": {""}, "dept": {"ops"}}),
		"Invalid SAML response received: Invalid user attributes: email: Required attribute cannot be deleted")
	wantRefused(t, "a value over 2048 characters", c.signIn("jo@corp.example", map[string][]string{"mail": {"jo@corp.example"},
		"dept": {strings.Repeat("x", 3000)}}),
		"Invalid SAML response received: Invalid user attributes: custom:dept: String must be no longer than 2048 characters")
	wantRefused(t, "a NameID no username can hold", c.signIn(strings.Repeat("n", 200), map[string][]string{"mail": {"n@corp.example"}}),
		"Invalid SAML response received: The response failed verification.")
	got := must[*cip.AdminGetUserOutput](t, "AdminGetUser")(e.c.AdminGetUser(e.ctx, &cip.AdminGetUserInput{UserPoolId: &pool,
		Username: aws.String("Corp_jo@corp.example")}))
	if a := attrMap(got.UserAttributes); a["email"] != "jo@corp.example" || a["custom:dept"] != "ops" {
		t.Errorf("after the refused sign-ins: %v", a)
	}
}
