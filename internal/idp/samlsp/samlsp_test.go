package samlsp

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"io"
	"math/big"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/ninshou/ninshou/internal/testutil/samlidp"
)

// signIn sends an AuthnRequest to idp by the redirect binding and returns
// the SAMLResponse it posts back.
func signIn(t *testing.T, idp *samlidp.IdP, meta *IdP, req Request) string {
	t.Helper()
	u, err := RedirectURL(meta.SSORedirect, req, "relay-1", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	page, _ := io.ReadAll(resp.Body)
	m := regexp.MustCompile(`name="SAMLResponse" value="([^"]+)"`).FindSubmatch(page)
	if m == nil || !strings.Contains(string(page), `value="relay-1"`) {
		t.Fatalf("the IdP's answer:\n%s", page)
	}
	return strings.NewReplacer("&#43;", "+", "&#61;", "=", "&#34;", `"`).Replace(string(m[1]))
}

func TestVerify(t *testing.T) {
	idp := samlidp.Start(t)
	meta := idpMetadata(t, idp)
	if meta.EntityID != idp.EntityID || meta.SSORedirect != idp.URL+"/sso" || len(meta.Certificates) != 1 {
		t.Fatalf("metadata: %+v", meta)
	}
	req := Request{ID: "_req1", Issuer: "urn:amazon:cognito:sp:us-east-1_test", ACS: "https://sp.example/saml2/idpresponse", IssuedAt: time.Now()}
	check := Check{IdP: meta, Audience: req.Issuer, Recipient: req.ACS, RequestID: req.ID, Now: time.Now()}

	idp.SignIn("jo@corp.example", map[string][]string{"email": {"jo@corp.example"}, "groups": {"a", "b"}})
	a, err := Verify(signIn(t, idp, meta, req), check)
	if err != nil {
		t.Fatalf("a good response: %v", err)
	}
	if a.NameID != "jo@corp.example" || a.Attributes["email"][0] != "jo@corp.example" || len(a.Attributes["groups"]) != 2 {
		t.Errorf("assertion: %+v", a)
	}

	bad := map[string]func(){
		"another request": func() { c := check; c.RequestID = "_other"; _, err = Verify(signIn(t, idp, meta, req), c) },
		"another recipient": func() {
			c := check
			c.Recipient = "https://evil.example/acs"
			_, err = Verify(signIn(t, idp, meta, req), c)
		},
		"expired": func() {
			c := check
			c.Now = time.Now().Add(time.Hour)
			_, err = Verify(signIn(t, idp, meta, req), c)
		},
		"another audience": func() {
			idp.Audience = "urn:amazon:cognito:sp:someone-else"
			defer func() { idp.Audience = "" }()
			_, err = Verify(signIn(t, idp, meta, req), check)
		},
		"a NameID changed after signing": func() {
			idp.Tamper = func(x string) string {
				return strings.Replace(x, "jo@corp.example</saml:NameID>", "admin@corp.example</saml:NameID>", 1)
			}
			defer func() { idp.Tamper = nil }()
			_, err = Verify(signIn(t, idp, meta, req), check)
		},
		"an unsigned assertion wrapped beside the signed one": func() {
			idp.Tamper = func(x string) string {
				i := strings.Index(x, "<saml:Assertion")
				return x[:i] + `<saml:Assertion xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="_evil"><saml:Issuer>` + idp.EntityID +
					`</saml:Issuer><saml:Subject><saml:NameID>admin</saml:NameID></saml:Subject></saml:Assertion>` + x[i:]
			}
			defer func() { idp.Tamper = nil }()
			_, err = Verify(signIn(t, idp, meta, req), check)
		},
		"another IdP's key": func() {
			other := samlidp.Start(t)
			other.SignIn("jo@corp.example", nil)
			m2 := *meta
			m2.SSORedirect = other.URL + "/sso"
			_, err = Verify(signIn(t, other, &m2, req), check)
		},
		"no InResponseTo on the Response to a request": func() {
			idp.Tamper = func(x string) string { // the Response's (unsigned here), not the Assertion's
				return strings.Replace(x, ` InResponseTo="`+req.ID+`"`, "", 1)
			}
			defer func() { idp.Tamper = nil }()
			_, err = Verify(signIn(t, idp, meta, req), check)
		},
		"not base64": func() { _, err = Verify("%%%", check) },
		"no Status (the Response itself is not signed)": func() {
			idp.Tamper = func(x string) string {
				i, j := strings.Index(x, "<samlp:Status>"), strings.Index(x, "</samlp:Status>")
				return x[:i] + x[j+len("</samlp:Status>"):]
			}
			defer func() { idp.Tamper = nil }()
			_, err = Verify(signIn(t, idp, meta, req), check)
		},
		"an empty NameID": func() {
			idp.SignIn("", nil)
			defer idp.SignIn("jo@corp.example", nil)
			_, err = Verify(signIn(t, idp, meta, req), check)
		},
	}
	for name, run := range bad {
		err = nil
		run()
		if err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

// TestSignedRequest: with a key, the AuthnRequest carries the HTTP-Redirect
// binding's RSA-SHA256 signature, which an IdP that requires signed
// requests checks over the query as received; it refuses an unsigned
// request, another key's, and a RelayState changed after signing.
func TestSignedRequest(t *testing.T) {
	idp := samlidp.Start(t)
	key, cert := testSigner(t)
	other, _ := testSigner(t)
	idp.RequireSignedRequests(cert)
	req := Request{ID: "_req2", Issuer: "urn:amazon:cognito:sp:us-east-1_test", ACS: "https://sp.example/saml2/idpresponse", IssuedAt: time.Now()}
	get := func(u string) int {
		t.Helper()
		resp, err := http.Get(u)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	// An endpoint URL with a query of its own keeps it, before the binding's.
	sso := idp.URL + "/sso?tenant=a%20b"
	signed, err := RedirectURL(sso, req, "relay 1/2", key)
	if err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(signed)
	if q := u.Query(); q.Get("tenant") != "a b" || q.Get("SigAlg") != SigAlgRSASHA256 || q.Get("Signature") == "" || q.Get("RelayState") != "relay 1/2" {
		t.Errorf("signed request URL: %s", signed)
	}
	if !strings.HasPrefix(u.RawQuery, "tenant=a%20b&SAMLRequest=") {
		t.Errorf("parameter order: %s", u.RawQuery)
	}
	if code := get(signed); code != 200 || idp.SignedRequests() != 1 {
		t.Errorf("a signed request: %d, %d signed requests seen", code, idp.SignedRequests())
	}
	unsigned, _ := RedirectURL(sso, req, "relay 1/2", nil)
	byOther, _ := RedirectURL(sso, req, "relay 1/2", other)
	for name, u := range map[string]string{"unsigned": unsigned, "another key": byOther,
		"RelayState changed": strings.Replace(signed, "RelayState=relay", "RelayState=evil", 1)} {
		if code := get(u); code != http.StatusForbidden {
			t.Errorf("%s: the IdP answered %d", name, code)
		}
	}
}

func testSigner(t *testing.T) (*rsa.PrivateKey, *x509.Certificate) {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "sp"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return key, cert
}

// TestEncryptedAssertion: an IdP that encrypts its signed Assertion to the
// service provider's certificate (AES-CBC or AES-GCM content, RSA-OAEP
// key) is read with the provider's key, which then also refuses an
// Assertion in clear; without the key, or with another, the encrypted one
// is refused.
func TestEncryptedAssertion(t *testing.T) {
	idp := samlidp.Start(t)
	meta := idpMetadata(t, idp)
	key, cert := testSigner(t)
	other, _ := testSigner(t)
	req := Request{ID: "_req3", Issuer: "urn:amazon:cognito:sp:us-east-1_test", ACS: "https://sp.example/saml2/idpresponse", IssuedAt: time.Now()}
	check := Check{IdP: meta, Audience: req.Issuer, Recipient: req.ACS, RequestID: req.ID, Now: time.Now(), DecryptionKey: key}
	idp.SignIn("jo@corp.example", map[string][]string{"email": {"jo@corp.example"}})

	for _, alg := range []string{"http://www.w3.org/2001/04/xmlenc#aes256-cbc", "http://www.w3.org/2001/04/xmlenc#aes128-cbc",
		"http://www.w3.org/2009/xmlenc11#aes128-gcm", "http://www.w3.org/2009/xmlenc11#aes256-gcm"} {
		idp.EncryptAssertions(cert, alg)
		sent := signIn(t, idp, meta, req)
		if raw, _ := base64.StdEncoding.DecodeString(sent); strings.Contains(string(raw), "jo@corp.example") {
			t.Fatalf("%s: the user shows in clear in the Response", alg)
		}
		a, err := Verify(sent, check)
		if err != nil || a.NameID != "jo@corp.example" || a.Attributes["email"][0] != "jo@corp.example" {
			t.Errorf("%s: %+v, %v", alg, a, err)
		}
		withOther := check
		withOther.DecryptionKey = other
		if _, err := Verify(sent, withOther); err == nil {
			t.Errorf("%s: decrypted with another key", alg)
		}
		without := check
		without.DecryptionKey = nil
		if _, err := Verify(sent, without); err == nil {
			t.Errorf("%s: accepted without a key", alg)
		}
	}
	// A changed ciphertext does not decrypt to a signed Assertion.
	idp.EncryptAssertions(cert, "http://www.w3.org/2009/xmlenc11#aes128-gcm")
	raw, _ := base64.StdEncoding.DecodeString(signIn(t, idp, meta, req))
	end := strings.LastIndex(string(raw), "</xenc:CipherValue>")
	start := strings.LastIndex(string(raw[:end]), ">") + 1
	ct, err := base64.StdEncoding.DecodeString(string(raw[start:end]))
	if err != nil {
		t.Fatal(err)
	}
	ct[len(ct)/2] ^= 1
	flipped := string(raw[:start]) + base64.StdEncoding.EncodeToString(ct) + string(raw[end:])
	if _, err := Verify(base64.StdEncoding.EncodeToString([]byte(flipped)), check); err == nil || !strings.Contains(err.Error(), "does not decrypt") {
		t.Errorf("a changed ciphertext: %v", err)
	}
	// With a key, an Assertion in clear is refused.
	idp.EncryptAssertions(nil, "")
	if _, err := Verify(signIn(t, idp, meta, req), check); err == nil {
		t.Error("an Assertion in clear was accepted where encryption is required")
	}
}

// TestUnsolicited: a Response that answers no request (IdP-initiated) is
// checked with RequestID "": accepted while its Assertion is at most 6
// minutes old; a Response to a request is not unsolicited.
func TestUnsolicited(t *testing.T) {
	idp := samlidp.Start(t)
	meta := idpMetadata(t, idp)
	const sp, acs = "urn:amazon:cognito:sp:us-east-1_test", "https://sp.example/saml2/idpresponse"
	idp.SignIn("jo@corp.example", nil)
	idp.SetValidity(time.Hour) // the assertion's own validity outlasts the 6 minutes
	sent, err := idp.Unsolicited(sp, acs)
	if err != nil {
		t.Fatal(err)
	}
	check := Check{IdP: meta, Audience: sp, Recipient: acs, Now: time.Now()}
	if a, err := Verify(sent, check); err != nil || a.NameID != "jo@corp.example" || a.ID == "" {
		t.Errorf("an unsolicited Response: %+v, %v", a, err)
	}
	late := check
	late.Now = time.Now().Add(MaxUnsolicitedAge + time.Minute)
	if _, err := Verify(sent, late); err == nil {
		t.Error("an unsolicited Assertion 7 minutes old was accepted")
	}
	early := check
	early.Now = time.Now().Add(-time.Minute)
	if _, err := Verify(sent, early); err == nil {
		t.Error("an unsolicited Assertion issued a minute ahead was accepted")
	}
	solicited := signIn(t, idp, meta, Request{ID: "_req4", Issuer: sp, ACS: acs, IssuedAt: time.Now()})
	if _, err := Verify(solicited, check); err == nil {
		t.Error("a Response to a request was accepted as unsolicited")
	}
}

// TestLogoutResponseUnsigned: a LogoutResponse must be signed by the IdP
// (the POST binding's authentication, SAML profiles 4.4.4.2) and name it
// as its issuer.
func TestLogoutResponseUnsigned(t *testing.T) {
	meta := &IdP{EntityID: "https://idp.example/metadata"}
	for name, doc := range map[string]string{
		"unsigned":            `<samlp:LogoutResponse xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="_x" InResponseTo="_req"><saml:Issuer>https://idp.example/metadata</saml:Issuer><samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></samlp:Status></samlp:LogoutResponse>`,
		"unsigned, no issuer": `<samlp:LogoutResponse xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" ID="_x" InResponseTo="_req"><samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></samlp:Status></samlp:LogoutResponse>`,
	} {
		if err := VerifyLogoutResponse(base64.StdEncoding.EncodeToString([]byte(doc)), meta, "_req", time.Now()); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

// idpMetadata is the test IdP's metadata, fetched and parsed.
func idpMetadata(t *testing.T, idp *samlidp.IdP) *IdP {
	t.Helper()
	resp, err := http.Get(idp.URL + "/metadata")
	if err != nil {
		t.Fatal(err)
	}
	doc, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	meta, err := ParseMetadata(doc)
	if err != nil {
		t.Fatal(err)
	}
	return meta
}
