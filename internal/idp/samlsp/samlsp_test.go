package samlsp

import (
	"io"
	"net/http"
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
	u, err := RedirectURL(meta.SSORedirect, req, "relay-1")
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
