package samlsp

import (
	"encoding/base64"
	"testing"
	"time"
)

// FuzzVerify: whatever is posted as SAMLResponse, Verify answers (an
// error) and never panics. `go test` runs the seeds; `go test -fuzz
// FuzzVerify` explores.
func FuzzVerify(f *testing.F) {
	for _, seed := range []string{"", "<x/>", `<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol"/>`,
		`<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol"><saml:Assertion xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="a"/></samlp:Response>`,
		`<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol"><ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#"/></samlp:Response>`} {
		f.Add(base64.StdEncoding.EncodeToString([]byte(seed)))
	}
	check := Check{IdP: &IdP{EntityID: "idp"}, Audience: "sp", Recipient: "acs", RequestID: "_r", Now: time.Now()}
	f.Fuzz(func(t *testing.T, resp string) {
		if a, err := Verify(resp, check); err == nil {
			t.Fatalf("accepted without any trusted certificate: %+v", a)
		}
	})
}

// FuzzParseMetadata: any document is parsed or refused, never a panic.
func FuzzParseMetadata(f *testing.F) {
	for _, seed := range []string{"", "<x/>", `<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="e"><md:IDPSSODescriptor/></md:EntityDescriptor>`,
		`<md:EntitiesDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata"><md:EntityDescriptor entityID="e"/></md:EntitiesDescriptor>`} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, doc []byte) { ParseMetadata(doc) })
}
