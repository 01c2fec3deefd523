// Package samlidp is a SAML 2.0 identity provider on loopback for tests: it
// publishes metadata with its signing certificate, takes AuthnRequests by
// the HTTP-Redirect binding at /sso, and answers with a signed Response
// posted back by an auto-submitting form (HTTP-POST binding), for whoever
// the test says signs in.
package samlidp

import (
	"bytes"
	"compress/flate"
	"crypto"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/xml"
	"fmt"
	"html/template"
	"io"
	"math/big"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/beevik/etree"
	dsig "github.com/russellhaering/goxmldsig"
)

// IdP is the running identity provider.
type IdP struct {
	URL      string
	EntityID string
	key      *rsa.PrivateKey
	cert     *x509.Certificate

	mu sync.Mutex
	// NameID and Attributes are who signs in next.
	NameID     string
	Attributes map[string][]string
	// Audience, when set, replaces the request's issuer in the assertion's
	// AudienceRestriction (to test refusals); Tamper edits the signed
	// Response's XML before it is sent.
	Audience string
	Tamper   func(xml string) string
	// RequestSigner, when set, is the certificate of the service
	// provider's request signing key: an AuthnRequest must then carry a
	// valid RSA-SHA256 signature by it (the HTTP-Redirect binding's, over
	// the query string as received), or /sso refuses it.
	RequestSigner  *x509.Certificate
	signedRequests int
	// encryptTo, when set, is the service provider's encryption
	// certificate: the signed Assertion is then sent encrypted, its content
	// with encryptAlg (an XML Encryption algorithm URI), its AES key with
	// RSA-OAEP.
	encryptTo  *x509.Certificate
	encryptAlg string
	// validity is how long an assertion holds (5 minutes when zero).
	validity time.Duration
	// logoutReturn is where /slo posts its LogoutResponse; logouts are
	// the LogoutRequests it answered.
	logoutReturn string
	logouts      []Logout
}

// Logout is a LogoutRequest the IdP answered.
type Logout struct {
	NameID, NameIDFormat, SessionIndex string
}

// AnswerLogoutsAt sets where /slo posts its (signed) LogoutResponses: the
// service provider's single logout endpoint.
func (i *IdP) AnswerLogoutsAt(u string) {
	i.mu.Lock()
	defer i.mu.Unlock()
	i.logoutReturn = u
}

// Logouts are the LogoutRequests answered so far.
func (i *IdP) Logouts() []Logout {
	i.mu.Lock()
	defer i.mu.Unlock()
	return append([]Logout(nil), i.logouts...)
}

type logoutRequest struct {
	ID     string `xml:"ID,attr"`
	Issuer string `xml:"Issuer"`
	NameID struct {
		Value  string `xml:",chardata"`
		Format string `xml:"Format,attr"`
	} `xml:"NameID"`
	SessionIndex string `xml:"SessionIndex"`
}

// slo answers a LogoutRequest (HTTP-Redirect binding, signed if
// RequestSigner says so) with a signed LogoutResponse, posted back.
func (i *IdP) slo(w http.ResponseWriter, r *http.Request) {
	i.mu.Lock()
	signer, back := i.RequestSigner, i.logoutReturn
	i.mu.Unlock()
	if signer != nil {
		if err := checkRequestSignature(r.URL.RawQuery, signer); err != nil {
			http.Error(w, "LogoutRequest signature: "+err.Error(), http.StatusForbidden)
			return
		}
	}
	raw, err := base64.StdEncoding.DecodeString(r.URL.Query().Get("SAMLRequest"))
	if err != nil {
		http.Error(w, "SAMLRequest is not base64", http.StatusBadRequest)
		return
	}
	inflated, err := io.ReadAll(flate.NewReader(bytes.NewReader(raw)))
	var req logoutRequest
	if err != nil || xml.Unmarshal(inflated, &req) != nil || req.ID == "" || req.NameID.Value == "" {
		http.Error(w, "bad LogoutRequest", http.StatusBadRequest)
		return
	}
	i.mu.Lock()
	i.logouts = append(i.logouts, Logout{NameID: req.NameID.Value, NameIDFormat: req.NameID.Format, SessionIndex: req.SessionIndex})
	i.mu.Unlock()
	now := time.Now().UTC()
	doc := etree.NewDocument()
	if err := doc.ReadFromString(`<samlp:LogoutResponse xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="_l` +
		fmt.Sprint(now.UnixNano()) + `" Version="2.0" IssueInstant="` + now.Format(time.RFC3339) + `" InResponseTo="` + req.ID + `">` +
		`<saml:Issuer>` + i.EntityID + `</saml:Issuer><samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></samlp:Status></samlp:LogoutResponse>`); err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	ctx, err := dsig.NewSigningContext(i.key, [][]byte{i.cert.Raw})
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	ctx.Canonicalizer = dsig.MakeC14N10ExclusiveCanonicalizerWithPrefixList("")
	signed, err := ctx.SignEnveloped(doc.Root())
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	sd := etree.NewDocument()
	sd.SetRoot(signed)
	out, _ := sd.WriteToString()
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	postForm.Execute(w, map[string]string{"ACS": back, "Response": base64.StdEncoding.EncodeToString([]byte(out)),
		"RelayState": r.URL.Query().Get("RelayState")})
}

// SetValidity sets how long the IdP's assertions hold.
func (i *IdP) SetValidity(d time.Duration) {
	i.mu.Lock()
	defer i.mu.Unlock()
	i.validity = d
}

// EncryptAssertions makes the IdP encrypt its assertions to cert with the
// content encryption algorithm alg, such as
// "http://www.w3.org/2001/04/xmlenc#aes256-cbc" or
// "http://www.w3.org/2009/xmlenc11#aes128-gcm" (nil cert: in clear).
func (i *IdP) EncryptAssertions(cert *x509.Certificate, alg string) {
	i.mu.Lock()
	defer i.mu.Unlock()
	i.encryptTo, i.encryptAlg = cert, alg
}

// SignedRequests counts the requests whose signature held.
func (i *IdP) SignedRequests() int {
	i.mu.Lock()
	defer i.mu.Unlock()
	return i.signedRequests
}

// RequireSignedRequests makes /sso accept only requests signed by the key
// of cert (nil: any request).
func (i *IdP) RequireSignedRequests(cert *x509.Certificate) {
	i.mu.Lock()
	defer i.mu.Unlock()
	i.RequestSigner = cert
}

// Start starts an IdP for t.
func Start(t testing.TB) *IdP {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "samlidp test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	i := &IdP{key: key, cert: cert}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /metadata", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/samlmetadata+xml")
		w.Write(i.Metadata())
	})
	mux.HandleFunc("GET /sso", i.sso)
	mux.HandleFunc("GET /slo", i.slo)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	i.URL = srv.URL
	i.EntityID = srv.URL + "/metadata"
	return i
}

// SignIn sets who signs in next.
func (i *IdP) SignIn(nameID string, attrs map[string][]string) {
	i.mu.Lock()
	defer i.mu.Unlock()
	i.NameID, i.Attributes = nameID, attrs
}

// Metadata is the IdP's EntityDescriptor.
func (i *IdP) Metadata() []byte {
	return []byte(`<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="` + i.EntityID + `">` +
		`<md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">` +
		`<md:KeyDescriptor use="signing"><ds:KeyInfo xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:X509Data><ds:X509Certificate>` +
		base64.StdEncoding.EncodeToString(i.cert.Raw) + `</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>` +
		`<md:SingleLogoutService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="` + i.URL + `/slo"/>` +
		`<md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="` + i.URL + `/sso"/>` +
		`</md:IDPSSODescriptor></md:EntityDescriptor>`)
}

type authnRequest struct {
	ID     string `xml:"ID,attr"`
	ACS    string `xml:"AssertionConsumerServiceURL,attr"`
	Issuer string `xml:"Issuer"`
}

var postForm = template.Must(template.New("post").Parse(`<!DOCTYPE html><html><body onload="document.forms[0].submit()">
<form method="post" action="{{.ACS}}"><input type="hidden" name="SAMLResponse" value="{{.Response}}"><input type="hidden" name="RelayState" value="{{.RelayState}}"></form>
</body></html>`))

func (i *IdP) sso(w http.ResponseWriter, r *http.Request) {
	i.mu.Lock()
	signer := i.RequestSigner
	i.mu.Unlock()
	if signer != nil {
		if err := checkRequestSignature(r.URL.RawQuery, signer); err != nil {
			http.Error(w, "AuthnRequest signature: "+err.Error(), http.StatusForbidden)
			return
		}
		i.mu.Lock()
		i.signedRequests++
		i.mu.Unlock()
	}
	raw, err := base64.StdEncoding.DecodeString(r.URL.Query().Get("SAMLRequest"))
	if err != nil {
		http.Error(w, "SAMLRequest is not base64", http.StatusBadRequest)
		return
	}
	inflated, err := io.ReadAll(flate.NewReader(bytes.NewReader(raw)))
	if err != nil {
		http.Error(w, "SAMLRequest is not deflated", http.StatusBadRequest)
		return
	}
	var req authnRequest
	if err := xml.Unmarshal(inflated, &req); err != nil || req.ID == "" || req.ACS == "" || req.Issuer == "" {
		http.Error(w, "bad AuthnRequest", http.StatusBadRequest)
		return
	}
	resp, err := i.response(req)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	postForm.Execute(w, map[string]string{"ACS": req.ACS, "Response": resp, "RelayState": r.URL.Query().Get("RelayState")})
}

// response is a Response to req with a signed Assertion, base64.
func (i *IdP) response(req authnRequest) (string, error) {
	i.mu.Lock()
	nameID, attrs, audience, tamper := i.NameID, i.Attributes, i.Audience, i.Tamper
	encryptTo, encryptAlg, validity := i.encryptTo, i.encryptAlg, i.validity
	i.mu.Unlock()
	if validity == 0 {
		validity = 5 * time.Minute
	}
	if audience == "" {
		audience = req.Issuer
	}
	now := time.Now().UTC()
	ts := func(t time.Time) string { return t.Format(time.RFC3339) }
	esc := func(s string) string {
		var b bytes.Buffer
		xml.EscapeText(&b, []byte(s))
		return b.String()
	}
	inResponseTo := "" // none in an unsolicited Response
	if req.ID != "" {
		inResponseTo = ` InResponseTo="` + esc(req.ID) + `"`
	}
	var statements bytes.Buffer
	for name, vals := range attrs {
		statements.WriteString(`<saml:Attribute Name="` + esc(name) + `">`)
		for _, v := range vals {
			statements.WriteString(`<saml:AttributeValue>` + esc(v) + `</saml:AttributeValue>`)
		}
		statements.WriteString(`</saml:Attribute>`)
	}
	assertion := `<saml:Assertion xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="_a` + fmt.Sprint(now.UnixNano()) +
		`" Version="2.0" IssueInstant="` + ts(now) + `"><saml:Issuer>` + esc(i.EntityID) + `</saml:Issuer>` +
		`<saml:Subject><saml:NameID Format="urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress">` + esc(nameID) + `</saml:NameID><saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer">` +
		`<saml:SubjectConfirmationData` + inResponseTo + ` Recipient="` + esc(req.ACS) + `" NotOnOrAfter="` + ts(now.Add(validity)) + `"/>` +
		`</saml:SubjectConfirmation></saml:Subject><saml:Conditions NotBefore="` + ts(now.Add(-time.Minute)) + `" NotOnOrAfter="` + ts(now.Add(validity)) + `">` +
		`<saml:AudienceRestriction><saml:Audience>` + esc(audience) + `</saml:Audience></saml:AudienceRestriction></saml:Conditions>` +
		`<saml:AuthnStatement AuthnInstant="` + ts(now) + `" SessionIndex="_s` + fmt.Sprint(now.UnixNano()) + `"/><saml:AttributeStatement>` + statements.String() + `</saml:AttributeStatement></saml:Assertion>`
	doc := etree.NewDocument()
	if err := doc.ReadFromString(assertion); err != nil {
		return "", err
	}
	ctx, err := dsig.NewSigningContext(i.key, [][]byte{i.cert.Raw})
	if err != nil {
		return "", err
	}
	ctx.Canonicalizer = dsig.MakeC14N10ExclusiveCanonicalizerWithPrefixList("")
	signed, err := ctx.SignEnveloped(doc.Root())
	if err != nil {
		return "", err
	}
	sd := etree.NewDocument()
	sd.SetRoot(signed)
	signedXML, err := sd.WriteToString()
	if err != nil {
		return "", err
	}
	if encryptTo != nil {
		if signedXML, err = encryptAssertion([]byte(signedXML), encryptTo, encryptAlg); err != nil {
			return "", err
		}
	}
	out := `<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="_r` +
		fmt.Sprint(now.UnixNano()) + `" Version="2.0" IssueInstant="` + ts(now) + `" Destination="` + esc(req.ACS) + `"` + inResponseTo + `>` +
		`<saml:Issuer>` + esc(i.EntityID) + `</saml:Issuer><samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></samlp:Status>` +
		signedXML + `</samlp:Response>`
	if tamper != nil {
		out = tamper(out)
	}
	return base64.StdEncoding.EncodeToString([]byte(out)), nil
}

// Unsolicited is a signed Response that answers no request, as an
// IdP-initiated sign-in posts it, for the service provider audience at its
// ACS URL acs: base64, the SAMLResponse to post.
func (i *IdP) Unsolicited(audience, acs string) (string, error) {
	return i.response(authnRequest{ACS: acs, Issuer: audience})
}

// checkRequestSignature checks the HTTP-Redirect binding's signature of a
// query: RSA-SHA256 over "SAMLRequest=v&RelayState=v&SigAlg=v" built from
// the parameters' encoded values as received (SAML bindings 3.4.4.1).
func checkRequestSignature(rawQuery string, cert *x509.Certificate) error {
	raw := map[string]string{}
	for _, kv := range strings.Split(rawQuery, "&") {
		if k, _, ok := strings.Cut(kv, "="); ok {
			raw[k] = kv
		}
	}
	if raw["SigAlg"] == "" || raw["Signature"] == "" {
		return fmt.Errorf("unsigned")
	}
	alg, _ := url.QueryUnescape(strings.TrimPrefix(raw["SigAlg"], "SigAlg="))
	if alg != "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256" {
		return fmt.Errorf("SigAlg %q", alg)
	}
	signed := raw["SAMLRequest"]
	if raw["RelayState"] != "" {
		signed += "&" + raw["RelayState"]
	}
	signed += "&" + raw["SigAlg"]
	enc, _ := url.QueryUnescape(strings.TrimPrefix(raw["Signature"], "Signature="))
	sig, err := base64.StdEncoding.DecodeString(enc)
	if err != nil {
		return err
	}
	pub, ok := cert.PublicKey.(*rsa.PublicKey)
	if !ok {
		return fmt.Errorf("not an RSA certificate")
	}
	digest := sha256.Sum256([]byte(signed))
	return rsa.VerifyPKCS1v15(pub, crypto.SHA256, digest[:], sig)
}

// encryptAssertion is an EncryptedAssertion of assertion to cert (XML
// Encryption: a fresh AES key for the content, RSA-OAEP with SHA-1 for the
// key, inside the EncryptedData's KeyInfo).
func encryptAssertion(assertion []byte, cert *x509.Certificate, alg string) (string, error) {
	pub, ok := cert.PublicKey.(*rsa.PublicKey)
	if !ok {
		return "", fmt.Errorf("samlidp: not an RSA certificate")
	}
	size := map[string]int{"aes128-cbc": 16, "aes256-cbc": 32, "aes128-gcm": 16, "aes256-gcm": 32}[alg[strings.LastIndex(alg, "#")+1:]]
	if size == 0 {
		return "", fmt.Errorf("samlidp: content encryption %q", alg)
	}
	key := make([]byte, size)
	rand.Read(key)
	block, err := aes.NewCipher(key)
	if err != nil {
		return "", err
	}
	var ct []byte
	if strings.HasSuffix(alg, "gcm") {
		aead, _ := cipher.NewGCM(block)
		nonce := make([]byte, aead.NonceSize())
		rand.Read(nonce)
		ct = aead.Seal(nonce, nonce, assertion, nil)
	} else {
		n := aes.BlockSize - len(assertion)%aes.BlockSize
		padded := append(append([]byte{}, assertion...), make([]byte, n)...)
		rand.Read(padded[len(assertion) : len(padded)-1]) // arbitrary padding, its count last
		padded[len(padded)-1] = byte(n)
		ct = make([]byte, aes.BlockSize+len(padded))
		rand.Read(ct[:aes.BlockSize])
		cipher.NewCBCEncrypter(block, ct[:aes.BlockSize]).CryptBlocks(ct[aes.BlockSize:], padded)
	}
	wrapped, err := rsa.EncryptOAEP(sha1.New(), rand.Reader, pub, key, nil)
	if err != nil {
		return "", err
	}
	b64 := base64.StdEncoding.EncodeToString
	return `<saml:EncryptedAssertion><xenc:EncryptedData xmlns:xenc="http://www.w3.org/2001/04/xmlenc#" Type="http://www.w3.org/2001/04/xmlenc#Element">` +
		`<xenc:EncryptionMethod Algorithm="` + alg + `"/>` +
		`<ds:KeyInfo xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><xenc:EncryptedKey>` +
		`<xenc:EncryptionMethod Algorithm="http://www.w3.org/2001/04/xmlenc#rsa-oaep-mgf1p"><ds:DigestMethod Algorithm="http://www.w3.org/2000/09/xmldsig#sha1"/></xenc:EncryptionMethod>` +
		`<xenc:CipherData><xenc:CipherValue>` + b64(wrapped) + `</xenc:CipherValue></xenc:CipherData></xenc:EncryptedKey></ds:KeyInfo>` +
		`<xenc:CipherData><xenc:CipherValue>` + b64(ct) + `</xenc:CipherValue></xenc:CipherData></xenc:EncryptedData></saml:EncryptedAssertion>`, nil
}
