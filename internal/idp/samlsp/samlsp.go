// Package samlsp is the service provider's side of SAML 2.0 web browser
// single sign-on that a user pool needs when it federates to a SAML
// identity provider: the IdP's metadata (entity ID, signing certificates,
// sign-in endpoint), the AuthnRequest sent by the HTTP-Redirect binding,
// and the checks of the Response the IdP posts back (its XML signature,
// issuer, audience, recipient, request, validity), which yield the user's
// NameID and attributes.
// https://docs.oasis-open.org/security/saml/v2.0/saml-profiles-2.0-os.pdf (4.1, web browser SSO)
package samlsp

import (
	"bytes"
	"compress/flate"
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/xml"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/beevik/etree"
	dsig "github.com/russellhaering/goxmldsig"
)

// Namespaces and URIs of SAML 2.0.
const (
	nsMetadata  = "urn:oasis:names:tc:SAML:2.0:metadata"
	nsAssertion = "urn:oasis:names:tc:SAML:2.0:assertion"
	nsProtocol  = "urn:oasis:names:tc:SAML:2.0:protocol"
	nsDSig      = "http://www.w3.org/2000/09/xmldsig#"

	bindingRedirect = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect"
	bindingPost     = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST"
	statusSuccess   = "urn:oasis:names:tc:SAML:2.0:status:Success"
	methodBearer    = "urn:oasis:names:tc:SAML:2.0:cm:bearer"
)

// Leeway is the clock skew allowed on validity times.
const Leeway = 3 * time.Minute

// IdP is what an identity provider's metadata says.
type IdP struct {
	EntityID     string
	Certificates []*x509.Certificate
	// SSORedirect is its HTTP-Redirect SingleSignOnService.
	SSORedirect string
}

// ParseMetadata reads an EntityDescriptor (or the first with an IdP role
// in an EntitiesDescriptor).
func ParseMetadata(doc []byte) (*IdP, error) {
	d := etree.NewDocument()
	if err := d.ReadFromBytes(doc); err != nil {
		return nil, fmt.Errorf("samlsp: metadata: %w", err)
	}
	root := d.Root()
	if root == nil {
		return nil, errors.New("samlsp: metadata: empty document")
	}
	entities := []*etree.Element{root}
	if is(root, nsMetadata, "EntitiesDescriptor") {
		entities = children(root, nsMetadata, "EntityDescriptor")
	}
	for _, e := range entities {
		if !is(e, nsMetadata, "EntityDescriptor") {
			continue
		}
		for _, role := range children(e, nsMetadata, "IDPSSODescriptor") {
			idp := &IdP{EntityID: e.SelectAttrValue("entityID", "")}
			for _, kd := range children(role, nsMetadata, "KeyDescriptor") {
				if use := kd.SelectAttrValue("use", ""); use != "" && use != "signing" {
					continue
				}
				for _, ki := range children(kd, nsDSig, "KeyInfo") {
					for _, xd := range children(ki, nsDSig, "X509Data") {
						for _, xc := range children(xd, nsDSig, "X509Certificate") {
							der, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(xc.Text()), ""))
							if err != nil {
								return nil, errors.New("samlsp: metadata: a certificate is not base64")
							}
							cert, err := x509.ParseCertificate(der)
							if err != nil {
								return nil, fmt.Errorf("samlsp: metadata: %w", err)
							}
							idp.Certificates = append(idp.Certificates, cert)
						}
					}
				}
			}
			for _, sso := range children(role, nsMetadata, "SingleSignOnService") {
				if sso.SelectAttrValue("Binding", "") == bindingRedirect && idp.SSORedirect == "" {
					idp.SSORedirect = sso.SelectAttrValue("Location", "")
				}
			}
			switch {
			case idp.EntityID == "":
				return nil, errors.New("samlsp: metadata: no entityID")
			case len(idp.Certificates) == 0:
				return nil, errors.New("samlsp: metadata: no signing certificate")
			case idp.SSORedirect == "":
				return nil, errors.New("samlsp: metadata: no HTTP-Redirect SingleSignOnService")
			}
			return idp, nil
		}
	}
	return nil, errors.New("samlsp: metadata: no IDPSSODescriptor")
}

// Request is an AuthnRequest of the service provider.
type Request struct {
	ID       string // unique, starting with a letter or "_"
	Issuer   string // the service provider's entity ID
	ACS      string // where the Response is posted (HTTP-POST)
	IssuedAt time.Time
}

// SigAlgRSASHA256 is the SigAlg of a request signed with RSA-SHA256.
const SigAlgRSASHA256 = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"

// RedirectURL is the IdP's sign-in URL carrying r by the HTTP-Redirect
// binding (deflated, base64, in SAMLRequest), with relayState. With a key,
// the request is signed as that binding signs (SAML bindings 3.4.4.1): an
// RSA-SHA256 signature, in Signature, of the query string
// "SAMLRequest=...&RelayState=...&SigAlg=..." exactly as it is sent.
// https://docs.oasis-open.org/security/saml/v2.0/saml-bindings-2.0-os.pdf
func RedirectURL(sso string, r Request, relayState string, key *rsa.PrivateKey) (string, error) {
	var doc bytes.Buffer
	doc.WriteString(`<samlp:AuthnRequest xmlns:samlp="` + nsProtocol + `" xmlns:saml="` + nsAssertion + `" ID="`)
	xml.EscapeText(&doc, []byte(r.ID))
	doc.WriteString(`" Version="2.0" IssueInstant="` + r.IssuedAt.UTC().Format(time.RFC3339) + `" Destination="`)
	xml.EscapeText(&doc, []byte(sso))
	doc.WriteString(`" AssertionConsumerServiceURL="`)
	xml.EscapeText(&doc, []byte(r.ACS))
	doc.WriteString(`" ProtocolBinding="` + bindingPost + `"><saml:Issuer>`)
	xml.EscapeText(&doc, []byte(r.Issuer))
	doc.WriteString(`</saml:Issuer><samlp:NameIDPolicy AllowCreate="true"/></samlp:AuthnRequest>`)
	return redirectBinding(sso, "SAMLRequest", doc.Bytes(), relayState, key)
}

// LogoutRequest is a service provider's request that the IdP end the
// session an Assertion began (single logout).
type LogoutRequest struct {
	ID     string
	Issuer string // the service provider's entity ID
	// NameID is the Assertion's subject, with its Format and qualifiers.
	NameID, NameIDFormat, NameQualifier, SPNameQualifier string
	SessionIndex                                         string // its AuthnStatement's SessionIndex; "" if it had none
	IssuedAt                                             time.Time
}

// LogoutRedirectURL is the IdP's single logout URL carrying r by the
// HTTP-Redirect binding, signed with key as RedirectURL signs.
func LogoutRedirectURL(slo string, r LogoutRequest, relayState string, key *rsa.PrivateKey) (string, error) {
	var doc bytes.Buffer
	doc.WriteString(`<samlp:LogoutRequest xmlns:samlp="` + nsProtocol + `" xmlns:saml="` + nsAssertion + `" ID="`)
	xml.EscapeText(&doc, []byte(r.ID))
	doc.WriteString(`" Version="2.0" IssueInstant="` + r.IssuedAt.UTC().Format(time.RFC3339) + `" Destination="`)
	xml.EscapeText(&doc, []byte(slo))
	doc.WriteString(`"><saml:Issuer>`)
	xml.EscapeText(&doc, []byte(r.Issuer))
	doc.WriteString(`</saml:Issuer><saml:NameID`)
	for _, a := range [][2]string{{"Format", r.NameIDFormat}, {"NameQualifier", r.NameQualifier}, {"SPNameQualifier", r.SPNameQualifier}} {
		if a[1] != "" {
			doc.WriteString(` ` + a[0] + `="`)
			xml.EscapeText(&doc, []byte(a[1]))
			doc.WriteString(`"`)
		}
	}
	doc.WriteString(`>`)
	xml.EscapeText(&doc, []byte(r.NameID))
	doc.WriteString(`</saml:NameID>`)
	if r.SessionIndex != "" {
		doc.WriteString(`<samlp:SessionIndex>`)
		xml.EscapeText(&doc, []byte(r.SessionIndex))
		doc.WriteString(`</samlp:SessionIndex>`)
	}
	doc.WriteString(`</samlp:LogoutRequest>`)
	return redirectBinding(slo, "SAMLRequest", doc.Bytes(), relayState, key)
}

// redirectBinding is endpoint with the message doc sent by the
// HTTP-Redirect binding (deflated, base64, as param), with relayState,
// signed with key if there is one.
func redirectBinding(endpoint, param string, doc []byte, relayState string, key *rsa.PrivateKey) (string, error) {
	var deflated bytes.Buffer
	w, err := flate.NewWriter(&deflated, flate.BestCompression)
	if err != nil {
		return "", err
	}
	w.Write(doc)
	if err := w.Close(); err != nil {
		return "", err
	}
	u, err := url.Parse(endpoint)
	if err != nil {
		return "", err
	}
	// The binding's own parameters, in the order a signature covers them,
	// after any the endpoint's URL already has.
	signed := param + "=" + url.QueryEscape(base64.StdEncoding.EncodeToString(deflated.Bytes()))
	if relayState != "" {
		signed += "&RelayState=" + url.QueryEscape(relayState)
	}
	query := signed
	if key != nil {
		signed += "&SigAlg=" + url.QueryEscape(SigAlgRSASHA256)
		digest := sha256.Sum256([]byte(signed))
		sig, err := rsa.SignPKCS1v15(nil, key, crypto.SHA256, digest[:])
		if err != nil {
			return "", err
		}
		query = signed + "&Signature=" + url.QueryEscape(base64.StdEncoding.EncodeToString(sig))
	}
	if u.RawQuery != "" {
		query = u.RawQuery + "&" + query
	}
	u.RawQuery = query
	return u.String(), nil
}

// VerifyLogoutResponse checks the LogoutResponse an IdP posts back
// (HTTP-POST binding, base64) to the LogoutRequest requestID: signed by a
// certificate of the IdP's metadata (the POST binding's message is
// authenticated by its signature, SAML profiles 4.4.4.2), from the IdP,
// for that request, a success.
func VerifyLogoutResponse(b64 string, idp *IdP, requestID string, now time.Time) error {
	raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(b64))
	if err != nil {
		return errors.New("samlsp: SAMLResponse is not base64")
	}
	d := etree.NewDocument()
	if err := d.ReadFromBytes(raw); err != nil {
		return fmt.Errorf("samlsp: LogoutResponse: %w", err)
	}
	resp := d.Root()
	if resp == nil || !is(resp, nsProtocol, "LogoutResponse") {
		return errors.New("samlsp: not a LogoutResponse")
	}
	vc := dsig.NewDefaultValidationContext(&dsig.MemoryX509CertificateStore{Roots: idp.Certificates})
	vc.Clock = dsig.NewFakeClockAt(now)
	if resp, err = vc.Validate(resp); err != nil {
		return fmt.Errorf("samlsp: the LogoutResponse's signature: %w", err)
	}
	if resp.SelectAttrValue("InResponseTo", "") != requestID {
		return errors.New("samlsp: the LogoutResponse answers another request")
	}
	if iss := first(resp, nsAssertion, "Issuer"); iss == nil || strings.TrimSpace(iss.Text()) != idp.EntityID {
		return errors.New("samlsp: the LogoutResponse's issuer is not the IdP")
	}
	if v := attr(first(first(resp, nsProtocol, "Status"), nsProtocol, "StatusCode"), "Value"); v != statusSuccess {
		return fmt.Errorf("samlsp: the IdP answered the logout with status %q", v)
	}
	return nil
}

// Check is what a Response must satisfy.
type Check struct {
	IdP       *IdP
	Audience  string // the service provider's entity ID
	Recipient string // its ACS URL
	// RequestID is the AuthnRequest's ID; "" for an unsolicited Response
	// (IdP-initiated sign-in), which must then answer no request and hold
	// an Assertion issued within MaxUnsolicitedAge.
	RequestID string
	Now       time.Time
	// DecryptionKey, when set, is the service provider's key for the IdP's
	// encrypted assertions, which are then the only ones accepted; without
	// it an encrypted assertion is refused.
	DecryptionKey *rsa.PrivateKey
}

// MaxUnsolicitedAge is how old the Assertion of an unsolicited Response may
// be: "issued within the previous 6 minutes"
// (cognito-user-pools-SAML-session-initiation-idp-initiation.html).
const MaxUnsolicitedAge = 6 * time.Minute

// unsolicitedSkew is the clock skew allowed on an unsolicited Assertion's
// IssueInstant: little, so that the 6 minutes stay about 6.
const unsolicitedSkew = 30 * time.Second

// Assertion is what a verified Response says of the user.
type Assertion struct {
	// ID is the Assertion's ID, which an unsolicited Response's receiver
	// keeps to refuse it a second time.
	ID         string
	NameID     string
	Attributes map[string][]string
	// SessionIndex is the first AuthnStatement's, which a LogoutRequest
	// names; "" if none.
	SessionIndex string
	// NameIDFormat and the qualifiers are the subject's NameID attributes,
	// which a LogoutRequest repeats (SAML core 3.7.1).
	NameIDFormat, NameQualifier, SPNameQualifier string
}

// ErrSignature is a Response whose XML signature (the Response's or its
// Assertion's) does not verify with a certificate of the IdP.
var ErrSignature = errors.New("samlsp: signature invalid")

// Verify checks a Response (base64, as posted in SAMLResponse): a
// successful status, an XML signature by a certificate of the IdP over the
// Response or its Assertion, the IdP as issuer, the audience, a bearer
// subject confirmation for the recipient and the request, and the validity
// times. Everything returned is read from the signed element only.
func Verify(samlResponse string, c Check) (*Assertion, error) {
	raw, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(samlResponse), ""))
	if err != nil {
		return nil, errors.New("samlsp: SAMLResponse is not base64")
	}
	d := etree.NewDocument()
	if err := d.ReadFromBytes(raw); err != nil {
		return nil, fmt.Errorf("samlsp: SAMLResponse: %w", err)
	}
	resp := d.Root()
	if resp == nil || !is(resp, nsProtocol, "Response") {
		return nil, errors.New("samlsp: not a SAML Response")
	}
	vc := dsig.NewDefaultValidationContext(&dsig.MemoryX509CertificateStore{Roots: c.IdP.Certificates})
	vc.Clock = dsig.NewFakeClockAt(c.Now)
	responseSigned := len(children(resp, nsDSig, "Signature")) > 0
	if responseSigned {
		signed, err := vc.Validate(resp)
		if err != nil {
			return nil, fmt.Errorf("%w: the Response's: %w", ErrSignature, err)
		}
		resp = signed
	}
	// The Assertion: in clear, or encrypted to the service provider (whose
	// Response signature, if any, covered the encrypted form); either way
	// signed by itself unless the Response's signature covers it.
	plain, encrypted := children(resp, nsAssertion, "Assertion"), children(resp, nsAssertion, "EncryptedAssertion")
	var candidate *etree.Element
	switch {
	case c.DecryptionKey == nil && len(encrypted) > 0:
		return nil, errors.New("samlsp: an encrypted assertion, and no key to decrypt it")
	case c.DecryptionKey != nil && len(plain) > 0:
		return nil, errors.New("samlsp: an assertion in clear where encrypted ones are required")
	case len(plain)+len(encrypted) != 1:
	case len(plain) == 1:
		candidate = plain[0]
	default:
		if candidate, err = decryptAssertion(encrypted[0], c.DecryptionKey); err != nil {
			return nil, err
		}
	}
	var assertion *etree.Element
	switch {
	case candidate == nil:
	case len(children(candidate, nsDSig, "Signature")) > 0:
		if assertion, err = vc.Validate(candidate); err != nil {
			return nil, fmt.Errorf("%w: the Assertion's: %w", ErrSignature, err)
		}
	case responseSigned:
		assertion = candidate
	}
	if assertion == nil {
		return nil, errors.New("samlsp: the Response holds no single signed Assertion")
	}
	if v := attr(first(first(resp, nsProtocol, "Status"), nsProtocol, "StatusCode"), "Value"); v != statusSuccess {
		return nil, fmt.Errorf("samlsp: the IdP answered status %q", v)
	}
	// A solicited Response must name its request: AWS requires "An
	// InResponseTo element in the Response attribute that matches the ID
	// sent in the original authentication request" (its notice to
	// customers, quoted in c6fc/npk#87). An unsolicited one has none.
	switch id := resp.SelectAttrValue("InResponseTo", ""); {
	case id == "" && c.RequestID != "":
		return nil, errors.New("samlsp: the Response does not say which request it answers (no InResponseTo)")
	case id != "" && id != c.RequestID:
		return nil, errors.New("samlsp: the Response answers another request")
	}
	if iss := first(resp, nsAssertion, "Issuer"); iss != nil && strings.TrimSpace(iss.Text()) != c.IdP.EntityID {
		return nil, errors.New("samlsp: the Response's issuer is not the IdP")
	}
	if iss := first(assertion, nsAssertion, "Issuer"); iss == nil || strings.TrimSpace(iss.Text()) != c.IdP.EntityID {
		return nil, errors.New("samlsp: the Assertion's issuer is not the IdP")
	}
	if err := checkConditions(first(assertion, nsAssertion, "Conditions"), c); err != nil {
		return nil, err
	}
	if c.RequestID == "" {
		issued, err := time.Parse(time.RFC3339, assertion.SelectAttrValue("IssueInstant", ""))
		if err != nil || c.Now.Add(unsolicitedSkew).Before(issued) || !c.Now.Add(-MaxUnsolicitedAge-unsolicitedSkew).Before(issued) {
			return nil, errors.New("samlsp: an unsolicited Assertion not issued within the last 6 minutes")
		}
		if assertion.SelectAttrValue("ID", "") == "" {
			return nil, errors.New("samlsp: an unsolicited Assertion without an ID")
		}
	}
	subject := first(assertion, nsAssertion, "Subject")
	if err := checkSubject(subject, c); err != nil {
		return nil, err
	}
	nameID := first(subject, nsAssertion, "NameID")
	out := &Assertion{ID: assertion.SelectAttrValue("ID", ""), NameID: text(nameID), Attributes: map[string][]string{},
		SessionIndex: attr(first(assertion, nsAssertion, "AuthnStatement"), "SessionIndex"),
		NameIDFormat: attr(nameID, "Format"), NameQualifier: attr(nameID, "NameQualifier"), SPNameQualifier: attr(nameID, "SPNameQualifier")}
	if out.NameID == "" {
		return nil, errors.New("samlsp: the Assertion names no subject")
	}
	for _, st := range children(assertion, nsAssertion, "AttributeStatement") {
		for _, a := range children(st, nsAssertion, "Attribute") {
			name := a.SelectAttrValue("Name", "")
			for _, v := range children(a, nsAssertion, "AttributeValue") {
				out.Attributes[name] = append(out.Attributes[name], strings.TrimSpace(v.Text()))
			}
		}
	}
	return out, nil
}

func checkConditions(cond *etree.Element, c Check) error {
	if cond == nil {
		return errors.New("samlsp: the Assertion has no Conditions")
	}
	if err := checkTimes(cond, c.Now); err != nil {
		return err
	}
	for _, ar := range children(cond, nsAssertion, "AudienceRestriction") {
		ok := false
		for _, a := range children(ar, nsAssertion, "Audience") {
			ok = ok || strings.TrimSpace(a.Text()) == c.Audience
		}
		if !ok {
			return errors.New("samlsp: the Assertion is for another audience")
		}
	}
	if len(children(cond, nsAssertion, "AudienceRestriction")) == 0 {
		return errors.New("samlsp: the Assertion names no audience")
	}
	return nil
}

func checkSubject(subject *etree.Element, c Check) error {
	if subject == nil {
		return errors.New("samlsp: the Assertion has no Subject")
	}
	for _, sc := range children(subject, nsAssertion, "SubjectConfirmation") {
		if sc.SelectAttrValue("Method", "") != methodBearer {
			continue
		}
		data := first(sc, nsAssertion, "SubjectConfirmationData")
		if data == nil || data.SelectAttrValue("Recipient", "") != c.Recipient {
			continue
		}
		if id := data.SelectAttrValue("InResponseTo", ""); id != c.RequestID {
			continue
		}
		if checkTimes(data, c.Now) != nil || data.SelectAttrValue("NotOnOrAfter", "") == "" {
			continue
		}
		return nil
	}
	return errors.New("samlsp: no bearer confirmation of the subject for this recipient and request")
}

// checkTimes checks an element's NotBefore and NotOnOrAfter, with leeway.
func checkTimes(el *etree.Element, now time.Time) error {
	if v := el.SelectAttrValue("NotBefore", ""); v != "" {
		t, err := time.Parse(time.RFC3339, v)
		if err != nil || now.Add(Leeway).Before(t) {
			return errors.New("samlsp: the Assertion is not valid yet")
		}
	}
	if v := el.SelectAttrValue("NotOnOrAfter", ""); v != "" {
		t, err := time.Parse(time.RFC3339, v)
		if err != nil || !now.Add(-Leeway).Before(t) {
			return errors.New("samlsp: the Assertion has expired")
		}
	}
	return nil
}

// is reports whether el is ns:tag. An element detached from the
// declarations of its prefix (the copy a signature check returns of a
// nested Assertion) resolves no namespace: its local name decides.
func is(el *etree.Element, ns, tag string) bool {
	if el == nil || el.Tag != tag {
		return false
	}
	uri := el.NamespaceURI()
	return uri == ns || uri == ""
}

func children(el *etree.Element, ns, tag string) []*etree.Element {
	if el == nil {
		return nil
	}
	var out []*etree.Element
	for _, c := range el.ChildElements() {
		if is(c, ns, tag) {
			out = append(out, c)
		}
	}
	return out
}

// attr is el's attribute name; "" when el is nil.
func attr(el *etree.Element, name string) string {
	if el == nil {
		return ""
	}
	return el.SelectAttrValue(name, "")
}

// text is el's trimmed text; "" when el is nil.
func text(el *etree.Element) string {
	if el == nil {
		return ""
	}
	return strings.TrimSpace(el.Text())
}

// first is the first child ns:tag of el; nil (which children, attr and
// text accept) if none.
func first(el *etree.Element, ns, tag string) *etree.Element {
	if cs := children(el, ns, tag); len(cs) > 0 {
		return cs[0]
	}
	return nil
}
