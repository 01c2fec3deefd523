package adapter

import (
	"context"

	"github.com/ninshou/ninshou/internal/awsjson"
	api "github.com/ninshou/ninshou/internal/cognitoapi"
	"github.com/ninshou/ninshou/internal/idp"
	"github.com/ninshou/ninshou/internal/store"
)

// Identity providers (federation).

func (h *handlers) registerIdentityProviders(m map[string]awsjson.Endpoint) {
	m["CreateIdentityProvider"] = awsjson.Op(h.createIdentityProvider)
	m["DescribeIdentityProvider"] = awsjson.Op(h.describeIdentityProvider)
	m["GetIdentityProviderByIdentifier"] = awsjson.Op(h.getIdentityProviderByIdentifier)
	m["UpdateIdentityProvider"] = awsjson.Op(h.updateIdentityProvider)
	m["DeleteIdentityProvider"] = awsjson.Op(h.deleteIdentityProvider)
	m["ListIdentityProviders"] = awsjson.Op(h.listIdentityProviders)
	m["GetSigningCertificate"] = awsjson.Op(h.getSigningCertificate)
	m["AdminLinkProviderForUser"] = awsjson.Op(h.adminLinkProviderForUser)
	m["AdminDisableProviderForUser"] = awsjson.Op(h.adminDisableProviderForUser)
}

func providerUser(in *api.ProviderUserIdentifierType) idp.ProviderUser {
	if in == nil {
		return idp.ProviderUser{}
	}
	return idp.ProviderUser{ProviderName: str(in.ProviderName), AttributeName: str(in.ProviderAttributeName),
		AttributeValue: str(in.ProviderAttributeValue)}
}

func (h *handlers) adminLinkProviderForUser(ctx context.Context, in *api.AdminLinkProviderForUserRequest) (*api.AdminLinkProviderForUserResponse, error) {
	err := h.svc.AdminLinkProviderForUser(ctx, str(in.UserPoolId), providerUser(in.DestinationUser), providerUser(in.SourceUser))
	if err != nil {
		return nil, err
	}
	return &api.AdminLinkProviderForUserResponse{}, nil
}

func (h *handlers) adminDisableProviderForUser(ctx context.Context, in *api.AdminDisableProviderForUserRequest) (*api.AdminDisableProviderForUserResponse, error) {
	if err := h.svc.AdminDisableProviderForUser(ctx, str(in.UserPoolId), providerUser(in.User)); err != nil {
		return nil, err
	}
	return &api.AdminDisableProviderForUserResponse{}, nil
}

func (h *handlers) getSigningCertificate(ctx context.Context, in *api.GetSigningCertificateRequest) (*api.GetSigningCertificateResponse, error) {
	cert, err := h.svc.GetSigningCertificate(ctx, str(in.UserPoolId))
	if err != nil {
		return nil, err
	}
	return &api.GetSigningCertificateResponse{Certificate: api.String(cert)}, nil
}

// identityProviderOut always has AttributeMapping and IdpIdentifiers,
// empty when there are none.
func identityProviderOut(ip *idp.IdentityProvider) *api.IdentityProviderType {
	mapping := ip.AttributeMapping
	if mapping == nil {
		mapping = map[string]string{}
	}
	ids := ip.Identifiers
	if ids == nil {
		ids = []string{}
	}
	return &api.IdentityProviderType{UserPoolId: api.String(ip.PoolID), ProviderName: api.String(ip.Name),
		ProviderType: api.String(ip.Type), ProviderDetails: ip.Details, AttributeMapping: mapping, IdpIdentifiers: ids,
		LastModifiedDate: api.Time(ip.UpdatedAt), CreationDate: api.Time(ip.CreatedAt)}
}

func (h *handlers) createIdentityProvider(ctx context.Context, in *api.CreateIdentityProviderRequest) (*api.CreateIdentityProviderResponse, error) {
	ip, err := h.svc.CreateIdentityProvider(ctx, idp.IdentityProviderInput{PoolID: str(in.UserPoolId), Name: str(in.ProviderName),
		Type: str(in.ProviderType), Details: in.ProviderDetails, AttributeMapping: in.AttributeMapping, Identifiers: in.IdpIdentifiers})
	if err != nil {
		return nil, err
	}
	return &api.CreateIdentityProviderResponse{IdentityProvider: identityProviderOut(ip)}, nil
}

func (h *handlers) describeIdentityProvider(ctx context.Context, in *api.DescribeIdentityProviderRequest) (*api.DescribeIdentityProviderResponse, error) {
	ip, err := h.svc.DescribeIdentityProvider(ctx, str(in.UserPoolId), str(in.ProviderName))
	if err != nil {
		return nil, err
	}
	return &api.DescribeIdentityProviderResponse{IdentityProvider: identityProviderOut(ip)}, nil
}

func (h *handlers) getIdentityProviderByIdentifier(ctx context.Context, in *api.GetIdentityProviderByIdentifierRequest) (*api.GetIdentityProviderByIdentifierResponse, error) {
	ip, err := h.svc.GetIdentityProviderByIdentifier(ctx, str(in.UserPoolId), str(in.IdpIdentifier))
	if err != nil {
		return nil, err
	}
	return &api.GetIdentityProviderByIdentifierResponse{IdentityProvider: identityProviderOut(ip)}, nil
}

func (h *handlers) updateIdentityProvider(ctx context.Context, in *api.UpdateIdentityProviderRequest) (*api.UpdateIdentityProviderResponse, error) {
	ip, err := h.svc.UpdateIdentityProvider(ctx, idp.IdentityProviderInput{PoolID: str(in.UserPoolId), Name: str(in.ProviderName),
		Details: in.ProviderDetails, AttributeMapping: in.AttributeMapping, Identifiers: in.IdpIdentifiers})
	if err != nil {
		return nil, err
	}
	return &api.UpdateIdentityProviderResponse{IdentityProvider: identityProviderOut(ip)}, nil
}

func (h *handlers) deleteIdentityProvider(ctx context.Context, in *api.DeleteIdentityProviderRequest) (*noOutput, error) {
	if err := h.svc.DeleteIdentityProvider(ctx, str(in.UserPoolId), str(in.ProviderName)); err != nil {
		return nil, err
	}
	return &noOutput{}, nil
}

func (h *handlers) listIdentityProviders(ctx context.Context, in *api.ListIdentityProvidersRequest) (*api.ListIdentityProvidersResponse, error) {
	ips, next, err := h.svc.ListIdentityProviders(ctx, str(in.UserPoolId),
		store.Page{Limit: int(api.ToInt32(in.MaxResults)), After: str(in.NextToken)})
	if err != nil {
		return nil, err
	}
	out := make([]api.ProviderDescription, 0, len(ips))
	for _, ip := range ips {
		out = append(out, api.ProviderDescription{ProviderName: api.String(ip.Name), ProviderType: api.String(ip.Type),
			LastModifiedDate: api.Time(ip.UpdatedAt), CreationDate: api.Time(ip.CreatedAt)})
	}
	return &api.ListIdentityProvidersResponse{Providers: out, NextToken: strPtr(next)}, nil
}
