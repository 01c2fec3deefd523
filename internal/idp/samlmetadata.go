package idp

import (
	"context"
	"crypto/x509"
	"encoding/base64"
	"encoding/xml"
	"errors"
	"github.com/ninshou/ninshou/internal/idp/samlsp"
	"strings"
	"time"
)

// SAML providers are described by their metadata document, given inline
// (MetadataFile) or by URL (MetadataURL); Cognito reads the IdP's
// redirect-binding endpoints from it and shows them as
// SSORedirectBindingURI and SLORedirectBindingURI.
// https://docs.aws.amazon.com/cognito/latest/developerguide/cognito-user-pools-saml-idp.html

const redirectBinding = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect"

type samlEndpoint struct {
	Binding  string `xml:"Binding,attr"`
	Location string `xml:"Location,attr"`
}

type samlKeyDescriptor struct {
	Use          string   `xml:"use,attr"`
	Certificates []string `xml:"KeyInfo>X509Data>X509Certificate"`
}

type samlIDPDescriptor struct {
	SingleSignOn []samlEndpoint      `xml:"SingleSignOnService"`
	SingleLogout []samlEndpoint      `xml:"SingleLogoutService"`
	Keys         []samlKeyDescriptor `xml:"KeyDescriptor"`
}

type samlEntity struct {
	IDPs []samlIDPDescriptor `xml:"IDPSSODescriptor"`
}

// samlMetadata is an EntityDescriptor, or an EntitiesDescriptor holding
// several (the first with an IdP role counts).
type samlMetadata struct {
	IDPs     []samlIDPDescriptor `xml:"IDPSSODescriptor"`
	Entities []samlEntity        `xml:"EntityDescriptor"`
}

// redirectEndpoints returns the IdP's HTTP-Redirect sign-in and sign-out
// endpoints (sign-out may be absent), and the descriptor that names them.
func redirectEndpoints(doc []byte) (sso, slo string, idp *samlIDPDescriptor, err error) {
	var md samlMetadata
	if err := xml.Unmarshal(doc, &md); err != nil {
		return "", "", nil, err
	}
	idps := md.IDPs
	for _, e := range md.Entities {
		idps = append(idps, e.IDPs...)
	}
	for i := range idps {
		d := &idps[i]
		for _, ep := range d.SingleSignOn {
			if ep.Binding == redirectBinding && ep.Location != "" && sso == "" {
				sso = ep.Location
			}
		}
		for _, ep := range d.SingleLogout {
			if ep.Binding == redirectBinding && ep.Location != "" && slo == "" {
				slo = ep.Location
			}
		}
		if sso != "" {
			return sso, slo, d, nil
		}
	}
	return "", "", nil, errors.New("no IDPSSODescriptor with an HTTP-Redirect SingleSignOnService")
}

// completeSAML checks a SAML provider's details and adds the endpoints its
// metadata names.
func (s *Service) completeSAML(ctx context.Context, d map[string]string) error {
	file, url := d["MetadataFile"], d["MetadataURL"]
	switch {
	case file == "" && url == "":
		// Cognito's text (hashicorp/terraform-provider-aws#4815).
		return Errorf(InvalidParameterException, "At least one of the MetadataURL or MetadataFile should be provided.")
	case file != "" && url != "":
		// Text unpublished.
		return Errorf(InvalidParameterException, "Either MetadataFile or MetadataURL must be given, not both.")
	}
	for _, k := range []string{"IDPSignout", "IDPInit", "EncryptedResponses"} {
		if v, ok := d[k]; ok && v != "true" && v != "false" {
			return Errorf(InvalidParameterException, "%s must be true or false.", k)
		}
	}
	if v, ok := d["RequestSigningAlgorithm"]; ok && v != "rsa-sha256" {
		return Errorf(InvalidParameterException, "RequestSigningAlgorithm must be rsa-sha256.")
	}
	doc := []byte(file)
	if url != "" {
		var err error
		if doc, err = s.fetch(ctx, url); err != nil {
			s.log().Info("SAML metadata fetch failed", "url", url, "err", err)
			return Errorf(InvalidParameterException, "Unable to read the SAML metadata at %s.", url)
		}
	}
	sso, slo, idp, err := redirectEndpoints(doc)
	if err != nil {
		return Errorf(InvalidParameterException, "The SAML metadata is not valid: %v.", err)
	}
	if err := checkSigningCertificates(idp, s.now()); err != nil {
		return err
	}
	// Sign-in reads the metadata with samlsp.ParseMetadata: what it cannot
	// use is refused now rather than at every sign-in.
	if _, err := samlsp.ParseMetadata(doc); err != nil {
		return Errorf(InvalidParameterException, "The SAML metadata is not valid: %v.", strings.TrimPrefix(err.Error(), "samlsp: metadata: "))
	}
	d["SSORedirectBindingURI"] = sso
	delete(d, "SLORedirectBindingURI")
	if slo != "" {
		d["SLORedirectBindingURI"] = slo
	}
	return nil
}

// checkSigningCertificates refuses metadata whose IdP has no signing
// certificate (use="signing", or no use), one that is not an X.509
// certificate, or only expired (or not yet valid) ones: "The signing certificate in your SAML
// provider metadata must not be expired when you configure the SAML IdP in
// your user pool" (cognito-user-pools-saml-idp-things-to-know.html). One
// still valid is enough, as an IdP rolling its key over lists the old
// certificate beside the new.
func checkSigningCertificates(idp *samlIDPDescriptor, now time.Time) error {
	valid, found := false, false
	for _, kd := range idp.Keys {
		if kd.Use != "" && kd.Use != "signing" {
			continue
		}
		for _, b64 := range kd.Certificates {
			found = true
			der, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(b64), ""))
			var cert *x509.Certificate
			if err == nil {
				cert, err = x509.ParseCertificate(der)
			}
			if err != nil {
				// Text unpublished.
				return Errorf(InvalidParameterException, "The SAML metadata's signing certificate is not a valid X.509 certificate.")
			}
			valid = valid || now.Before(cert.NotAfter) && !now.Before(cert.NotBefore)
		}
	}
	switch {
	case !found:
		// Text unpublished.
		return Errorf(InvalidParameterException, "The SAML metadata has no signing certificate.")
	case !valid:
		// Cognito's text (hashicorp/terraform-provider-aws#36912).
		return Errorf(InvalidParameterException, "Signing certificates are expired")
	}
	return nil
}
