package samlsp

import (
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"testing"
	"time"

	"github.com/beevik/etree"
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
	key, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		f.Fatal(err)
	}
	// The same, unsolicited and with a decryption key.
	other := check
	other.RequestID, other.DecryptionKey = "", key
	f.Fuzz(func(t *testing.T, resp string) {
		for _, c := range []Check{check, other} {
			if a, err := Verify(resp, c); err == nil {
				t.Fatalf("accepted without any trusted certificate: %+v", a)
			}
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

// FuzzDecryptAssertion: any EncryptedAssertion decrypts with the service
// provider's key or is refused, never a panic.
func FuzzDecryptAssertion(f *testing.F) {
	key, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		f.Fatal(err)
	}
	for _, seed := range []string{`<saml:EncryptedAssertion xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion"/>`,
		`<saml:EncryptedAssertion xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion"><xenc:EncryptedData xmlns:xenc="http://www.w3.org/2001/04/xmlenc#">` +
			`<xenc:EncryptionMethod Algorithm="http://www.w3.org/2001/04/xmlenc#aes128-cbc"/><ds:KeyInfo xmlns:ds="http://www.w3.org/2000/09/xmldsig#">` +
			`<xenc:EncryptedKey><xenc:EncryptionMethod Algorithm="http://www.w3.org/2001/04/xmlenc#rsa-oaep-mgf1p"/>` +
			`<xenc:CipherData><xenc:CipherValue>AAAA</xenc:CipherValue></xenc:CipherData></xenc:EncryptedKey></ds:KeyInfo>` +
			`<xenc:CipherData><xenc:CipherValue>AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=</xenc:CipherValue></xenc:CipherData></xenc:EncryptedData></saml:EncryptedAssertion>`} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, doc []byte) {
		d := etree.NewDocument()
		if d.ReadFromBytes(doc) != nil || d.Root() == nil {
			return
		}
		if a, err := decryptAssertion(d.Root(), key); err == nil {
			t.Fatalf("decrypted without the key's ciphertext: %v", a)
		}
	})
}
