package e2e

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"math/big"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// samlMetadataDoc is an IdP's SAML metadata with both redirect endpoints
// and a signing certificate valid for a year.
var samlMetadataDoc = samlMetadataWith(samlTestCertificate(time.Now().AddDate(1, 0, 0)))

// samlMetadataWith is samlMetadataDoc with the signing certificate cert
// (base64 DER, as metadata carries it).
func samlMetadataWith(cert string) string {
	return `<?xml version="1.0"?>
<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="https://idp.example.test/saml">
  <md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
    <md:KeyDescriptor use="signing"><ds:KeyInfo xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:X509Data><ds:X509Certificate>` + cert + `</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>
    <md:SingleLogoutService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="https://idp.example.test/slo"/>
    <md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="https://idp.example.test/sso-post"/>
    <md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="https://idp.example.test/sso"/>
  </md:IDPSSODescriptor>
</md:EntityDescriptor>`
}

// samlTestCertificate is a self-signed certificate valid until notAfter,
// base64 DER.
func samlTestCertificate(notAfter time.Time) string {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		panic(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "idp.example.test"},
		NotBefore: notAfter.AddDate(-2, 0, 0), NotAfter: notAfter}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		panic(err)
	}
	return base64.StdEncoding.EncodeToString(der)
}

// TestIdentityProvidersAWSCLI sets up federation as a Terraform or CDK
// stack does (aws_cognito_identity_provider, UserPoolIdentityProvider*),
// with the AWS CLI: a social provider, whose Describe shows the endpoints
// Cognito adds; an OIDC provider whose endpoints come from its issuer's
// discovery document and a SAML provider whose come from its metadata URL,
// both served here; identifiers; an app client naming the providers; and
// the errors of each rule.
// https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_CreateIdentityProvider.html
func TestIdentityProvidersAWSCLI(t *testing.T) {
	s := startServer(t)
	aws := awsCLI{t: t, url: s.URL}
	poolID := aws.run("create-user-pool", "--pool-name", "federated")["UserPool"].(map[string]any)["Id"].(string)

	// What the providers publish, on loopback.
	var issuer string
	idpSite := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/.well-known/openid-configuration":
			json.NewEncoder(w).Encode(map[string]string{
				"issuer": issuer, "authorization_endpoint": issuer + "/authorize", "token_endpoint": issuer + "/token",
				"userinfo_endpoint": issuer + "/userinfo", "jwks_uri": issuer + "/jwks",
			})
		case "/saml/metadata":
			w.Header().Set("Content-Type", "application/samlmetadata+xml")
			w.Write([]byte(samlMetadataDoc))
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(idpSite.Close)
	issuer = idpSite.URL

	details := func(ip map[string]any) map[string]any { return ip["ProviderDetails"].(map[string]any) }
	provider := func(out map[string]any) map[string]any { return out["IdentityProvider"].(map[string]any) }

	// Google: Describe shows the endpoints the API reference lists, and the
	// username mapping Cognito adds.
	google := provider(aws.run("create-identity-provider", "--user-pool-id", poolID, "--provider-name", "Google",
		"--provider-type", "Google", "--provider-details",
		`{"client_id":"1example23456789.apps.googleusercontent.com","client_secret":"provider-app-client-secret","authorize_scopes":"email profile openid"}`,
		"--attribute-mapping", "email=email"))
	wantGoogle := map[string]any{
		"attributes_url":                "https://people.googleapis.com/v1/people/me?personFields=",
		"attributes_url_add_attributes": "true",
		"authorize_scopes":              "email profile openid",
		"authorize_url":                 "https://accounts.google.com/o/oauth2/v2/auth",
		"client_id":                     "1example23456789.apps.googleusercontent.com",
		"client_secret":                 "provider-app-client-secret",
		"oidc_issuer":                   "https://accounts.google.com",
		"token_request_method":          "POST",
		"token_url":                     "https://www.googleapis.com/oauth2/v4/token",
	}
	if diff := cmp.Diff(wantGoogle, details(google)); diff != "" {
		t.Errorf("Google's ProviderDetails (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(map[string]any{"email": "email", "username": "sub"}, google["AttributeMapping"]); diff != "" {
		t.Errorf("Google's AttributeMapping (-want +got):\n%s", diff)
	}
	if google["CreationDate"] == nil || google["LastModifiedDate"] == nil || !cmp.Equal(google["IdpIdentifiers"], []any{}) {
		t.Errorf("Google: %v", google)
	}
	if diff := cmp.Diff(google, provider(aws.run("describe-identity-provider", "--user-pool-id", poolID, "--provider-name", "Google"))); diff != "" {
		t.Errorf("describe-identity-provider Google (-create +describe):\n%s", diff)
	}

	// The naming rule of social providers, a taken name, a missing key.
	googleDetails := `{"client_id":"x","client_secret":"y","authorize_scopes":"openid"}`
	if msg := aws.fail("create-identity-provider", "--user-pool-id", poolID, "--provider-name", "NameOfGP",
		"--provider-type", "Google", "--provider-details", googleDetails); !strings.Contains(msg, "InvalidParameterException") ||
		!strings.Contains(msg, "Provider NameOfGP cannot be of type Google.") {
		t.Errorf("a Google provider named otherwise: %s", msg)
	}
	if msg := aws.fail("create-identity-provider", "--user-pool-id", poolID, "--provider-name", "Google",
		"--provider-type", "Google", "--provider-details", googleDetails); !strings.Contains(msg, "DuplicateProviderException") {
		t.Errorf("Google again: %s", msg)
	}
	if msg := aws.fail("create-identity-provider", "--user-pool-id", poolID, "--provider-name", "Facebook",
		"--provider-type", "Facebook", "--provider-details", `{"client_id":"x","authorize_scopes":"email"}`); !strings.Contains(msg, "InvalidParameterException") ||
		!strings.Contains(msg, "client_secret") {
		t.Errorf("Facebook without its client_secret: %s", msg)
	}

	// Sign in with Apple: its private key is kept but never shown, and an
	// update that leaves it out keeps it.
	apple := provider(aws.run("create-identity-provider", "--user-pool-id", poolID, "--provider-name", "SignInWithApple",
		"--provider-type", "SignInWithApple", "--provider-details",
		`{"client_id":"com.example.cognito","team_id":"3EXAMPLE","key_id":"2EXAMPLE","private_key":"1EXAMPLE","authorize_scopes":"email name"}`))
	if _, shown := details(apple)["private_key"]; shown || details(apple)["oidc_issuer"] != "https://appleid.apple.com" {
		t.Errorf("Apple's ProviderDetails: %v", details(apple))
	}
	apple = provider(aws.run("update-identity-provider", "--user-pool-id", poolID, "--provider-name", "SignInWithApple",
		"--provider-details", `{"client_id":"com.example.cognito","team_id":"3EXAMPLE","key_id":"4EXAMPLE","authorize_scopes":"email"}`))
	if details(apple)["key_id"] != "4EXAMPLE" {
		t.Errorf("Apple after the update: %v", details(apple))
	}

	// OIDC: the endpoints the request leaves out come from discovery.
	oidc := provider(aws.run("create-identity-provider", "--user-pool-id", poolID, "--provider-name", "Corp",
		"--provider-type", "OIDC", "--idp-identifiers", "corp.example.test", "--provider-details",
		`{"client_id":"corp-client","client_secret":"corp-secret","attributes_request_method":"GET","oidc_issuer":"`+issuer+`","authorize_scopes":"openid email"}`))
	wantOIDC := map[string]any{
		"attributes_request_method": "GET", "attributes_url": issuer + "/userinfo", "attributes_url_add_attributes": "false",
		"authorize_scopes": "openid email", "authorize_url": issuer + "/authorize", "client_id": "corp-client",
		"client_secret": "corp-secret", "jwks_uri": issuer + "/jwks", "oidc_issuer": issuer, "token_url": issuer + "/token",
	}
	if diff := cmp.Diff(wantOIDC, details(oidc)); diff != "" {
		t.Errorf("the OIDC provider's ProviderDetails (-want +got):\n%s", diff)
	}
	byID := provider(aws.run("get-identity-provider-by-identifier", "--user-pool-id", poolID, "--idp-identifier", "corp.example.test"))
	if byID["ProviderName"] != "Corp" {
		t.Errorf("get-identity-provider-by-identifier corp.example.test: %v", byID)
	}
	if msg := aws.fail("get-identity-provider-by-identifier", "--user-pool-id", poolID, "--idp-identifier", "nobody.example.test"); !strings.Contains(msg, "ResourceNotFoundException") {
		t.Errorf("an identifier no provider has: %s", msg)
	}
	if msg := aws.fail("create-identity-provider", "--user-pool-id", poolID, "--provider-name", "Lost",
		"--provider-type", "OIDC", "--provider-details",
		`{"client_id":"c","attributes_request_method":"GET","oidc_issuer":"`+issuer+`/nowhere","authorize_scopes":"openid"}`); !strings.Contains(msg, "InvalidParameterException") {
		t.Errorf("an issuer without a discovery document: %s", msg)
	}

	// SAML, from a metadata URL: the redirect-binding endpoints are read
	// from it. Another provider may not take the same identifier.
	saml := provider(aws.run("create-identity-provider", "--user-pool-id", poolID, "--provider-name", "Okta",
		"--provider-type", "SAML", "--provider-details", `{"MetadataURL":"`+issuer+`/saml/metadata","IDPSignout":"true"}`,
		"--attribute-mapping", "email=http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress"))
	wantSAML := map[string]any{"MetadataURL": issuer + "/saml/metadata", "IDPSignout": "true",
		"SSORedirectBindingURI": "https://idp.example.test/sso", "SLORedirectBindingURI": "https://idp.example.test/slo"}
	if diff := cmp.Diff(wantSAML, details(saml)); diff != "" {
		t.Errorf("the SAML provider's ProviderDetails (-want +got):\n%s", diff)
	}
	if _, mapped := saml["AttributeMapping"].(map[string]any)["username"]; mapped {
		t.Errorf("a SAML provider gets no username mapping: %v", saml["AttributeMapping"])
	}
	if msg := aws.fail("update-identity-provider", "--user-pool-id", poolID, "--provider-name", "Okta",
		"--idp-identifiers", "corp.example.test"); !strings.Contains(msg, "InvalidParameterException") {
		t.Errorf("an identifier Corp has: %s", msg)
	}
	if msg := aws.fail("create-identity-provider", "--user-pool-id", poolID, "--provider-name", "Broken",
		"--provider-type", "SAML", "--provider-details", `{"MetadataFile":"<EntityDescriptor/>"}`); !strings.Contains(msg, "InvalidParameterException") {
		t.Errorf("metadata without an IdP: %s", msg)
	}

	// An app client may name COGNITO and the pool's providers, no others.
	client := aws.run("create-user-pool-client", "--user-pool-id", poolID, "--client-name", "web",
		"--supported-identity-providers", "COGNITO", "Google", "Corp", "Okta")["UserPoolClient"].(map[string]any)
	if got := client["SupportedIdentityProviders"]; !cmp.Equal(got, []any{"COGNITO", "Google", "Corp", "Okta"}) {
		t.Errorf("the client's SupportedIdentityProviders: %v", got)
	}
	msg := aws.fail("update-user-pool-client", "--user-pool-id", poolID, "--client-id", client["ClientId"].(string),
		"--supported-identity-providers", "COGNITO", "Salesforce")
	if want := "The provider Salesforce does not exist for User Pool " + poolID + "."; !strings.Contains(msg, "InvalidParameterException") || !strings.Contains(msg, want) {
		t.Errorf("a provider the pool lacks: %s", msg)
	}

	// The CLI pages list-identity-providers itself, 2 at a time here.
	listed := aws.run("list-identity-providers", "--user-pool-id", poolID, "--page-size", "2")
	var names []string
	for _, p := range listed["Providers"].([]any) {
		p := p.(map[string]any)
		names = append(names, p["ProviderName"].(string)+"/"+p["ProviderType"].(string))
	}
	if diff := cmp.Diff([]string{"Corp/OIDC", "Google/Google", "Okta/SAML", "SignInWithApple/SignInWithApple"}, names); diff != "" {
		t.Errorf("list-identity-providers, every page (-want +got):\n%s", diff)
	}

	aws.run("delete-identity-provider", "--user-pool-id", poolID, "--provider-name", "Okta")
	if msg := aws.fail("describe-identity-provider", "--user-pool-id", poolID, "--provider-name", "Okta"); !strings.Contains(msg, "ResourceNotFoundException") {
		t.Errorf("describe after delete: %s", msg)
	}
	if msg := aws.fail("delete-identity-provider", "--user-pool-id", poolID, "--provider-name", "Okta"); !strings.Contains(msg, "ResourceNotFoundException") {
		t.Errorf("delete again: %s", msg)
	}
}

// TestSigningCertificateAWSCLI reads the pool's SAML signing certificate
// as an administrator hands it to a SAML IdP: an X.509 certificate in
// base64, valid for ten years, the same at every call.
// https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_GetSigningCertificate.html
func TestSigningCertificateAWSCLI(t *testing.T) {
	s := startServer(t)
	aws := awsCLI{t: t, url: s.URL}
	poolID := aws.run("create-user-pool", "--pool-name", "saml")["UserPool"].(map[string]any)["Id"].(string)
	first := aws.run("get-signing-certificate", "--user-pool-id", poolID)["Certificate"].(string)
	der, err := base64.StdEncoding.DecodeString(first)
	if err != nil {
		t.Fatalf("Certificate is not base64: %v", err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatalf("Certificate is not X.509: %v", err)
	}
	if err := cert.CheckSignature(cert.SignatureAlgorithm, cert.RawTBSCertificate, cert.Signature); err != nil {
		t.Errorf("the certificate does not verify under its own key: %v", err)
	}
	if years := cert.NotAfter.Sub(cert.NotBefore).Hours() / 24 / 365; years < 9.9 || years > 10.1 {
		t.Errorf("valid for %.1f years, want 10", years)
	}
	if again := aws.run("get-signing-certificate", "--user-pool-id", poolID)["Certificate"]; again != first {
		t.Errorf("a second call answered another certificate")
	}
	if msg := aws.fail("get-signing-certificate", "--user-pool-id", "us-east-1_nosuchpoo"); !strings.Contains(msg, "ResourceNotFoundException") {
		t.Errorf("an unknown pool: %s", msg)
	}
}
