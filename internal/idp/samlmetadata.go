package idp

import (
	"context"
	"encoding/xml"
	"errors"
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

type samlIDPDescriptor struct {
	SingleSignOn []samlEndpoint `xml:"SingleSignOnService"`
	SingleLogout []samlEndpoint `xml:"SingleLogoutService"`
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
// endpoints (sign-out may be absent).
func redirectEndpoints(doc []byte) (sso, slo string, err error) {
	var md samlMetadata
	if err := xml.Unmarshal(doc, &md); err != nil {
		return "", "", err
	}
	idps := md.IDPs
	for _, e := range md.Entities {
		idps = append(idps, e.IDPs...)
	}
	for _, d := range idps {
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
			return sso, slo, nil
		}
	}
	return "", "", errors.New("no IDPSSODescriptor with an HTTP-Redirect SingleSignOnService")
}

// completeSAML checks a SAML provider's details and adds the endpoints its
// metadata names.
func (s *Service) completeSAML(ctx context.Context, d map[string]string) error {
	file, url := d["MetadataFile"], d["MetadataURL"]
	if (file == "") == (url == "") {
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
	sso, slo, err := redirectEndpoints(doc)
	if err != nil {
		return Errorf(InvalidParameterException, "The SAML metadata is not valid: %v.", err)
	}
	d["SSORedirectBindingURI"] = sso
	delete(d, "SLORedirectBindingURI")
	if slo != "" {
		d["SLORedirectBindingURI"] = slo
	}
	return nil
}
