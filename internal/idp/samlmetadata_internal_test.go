package idp

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"errors"
	"math/big"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestSAMLMetadataFetches: however many Responses are posted, a provider's
// MetadataURL is fetched once a minute at most while it answers, once per
// samlMetadataRetry while it fails, and concurrent requests share a fetch;
// a document that is not usable metadata is never served as such.
func TestSAMLMetadataFetches(t *testing.T) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "idp"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	metadata := `<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="https://idp.example">` +
		`<md:IDPSSODescriptor><md:KeyDescriptor use="signing"><ds:KeyInfo xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:X509Data><ds:X509Certificate>` +
		base64.StdEncoding.EncodeToString(der) + `</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>` +
		`<md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="https://idp.example/sso"/></md:IDPSSODescriptor></md:EntityDescriptor>`
	var fetches atomic.Int32
	var mu sync.Mutex
	answer, failure := "<html>maintenance</html>", error(nil)
	s := &Service{FetchURL: func(ctx context.Context, url string) ([]byte, error) {
		fetches.Add(1)
		time.Sleep(20 * time.Millisecond) // long enough for the callers to meet
		mu.Lock()
		defer mu.Unlock()
		return []byte(answer), failure
	}}
	ip := &IdentityProvider{Name: "Corp", Type: ProviderSAML, Details: map[string]string{"MetadataURL": "https://idp.example/metadata"}}
	age := func(d time.Duration) { // the cached outcome, d older
		m, _ := s.samlMetadata.Load(ip.Details["MetadataURL"])
		f := m.(fetchedMetadata)
		f.at = f.at.Add(-d)
		s.samlMetadata.Store(ip.Details["MetadataURL"], f)
	}

	// Not metadata: refused, and kept only as a failure.
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() {
			if _, err := s.samlIdP(t.Context(), ip); err == nil {
				t.Error("a maintenance page was taken for metadata")
			}
		})
	}
	wg.Wait()
	if n := fetches.Load(); n != 1 {
		t.Errorf("20 concurrent requests fetched %d times", n)
	}
	mu.Lock()
	answer = metadata
	mu.Unlock()
	if _, err := s.samlIdP(t.Context(), ip); err == nil || fetches.Load() != 1 {
		t.Errorf("within the retry delay: %v, %d fetches", err, fetches.Load())
	}
	age(samlMetadataRetry)
	idp, err := s.samlIdP(t.Context(), ip)
	if err != nil || idp.EntityID != "https://idp.example" || fetches.Load() != 2 {
		t.Fatalf("after the retry delay: %v, %+v, %d fetches", err, idp, fetches.Load())
	}
	// Good metadata is kept a minute, also when the URL fails meanwhile.
	mu.Lock()
	failure = errors.New("connection refused")
	mu.Unlock()
	for range 5 {
		if _, err := s.samlIdP(t.Context(), ip); err != nil {
			t.Fatal(err)
		}
	}
	if n := fetches.Load(); n != 2 {
		t.Errorf("cached metadata fetched again: %d fetches", n)
	}
	age(samlMetadataTTL)
	for range 5 {
		if _, err := s.samlIdP(t.Context(), ip); err == nil {
			t.Error("a failing URL after the minute: served the old metadata")
		}
	}
	if n := fetches.Load(); n != 3 {
		t.Errorf("a failing URL was fetched %d times in all; want 3", n)
	}
}
