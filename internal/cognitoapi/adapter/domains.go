package adapter

import (
	"context"

	"github.com/ninshou/ninshou/internal/awsjson"
	api "github.com/ninshou/ninshou/internal/cognitoapi"
	"github.com/ninshou/ninshou/internal/idp"
)

// User pool domains.

func (h *handlers) registerDomains(m map[string]awsjson.Endpoint) {
	m["CreateUserPoolDomain"] = awsjson.Op(h.createUserPoolDomain)
	m["DescribeUserPoolDomain"] = awsjson.Op(h.describeUserPoolDomain)
	m["UpdateUserPoolDomain"] = awsjson.Op(h.updateUserPoolDomain)
	m["DeleteUserPoolDomain"] = awsjson.Op(h.deleteUserPoolDomain)
}

func domainIn(poolID, name *string, version *int32, custom *api.CustomDomainConfigType) idp.Domain {
	d := idp.Domain{PoolID: str(poolID), Name: str(name), ManagedLoginVersion: int(api.ToInt32(version))}
	if custom != nil {
		d.CertificateArn = str(custom.CertificateArn)
	}
	return d
}

func (h *handlers) createUserPoolDomain(ctx context.Context, in *api.CreateUserPoolDomainRequest) (*api.CreateUserPoolDomainResponse, error) {
	d, err := h.svc.CreateDomain(ctx, domainIn(in.UserPoolId, in.Domain, in.ManagedLoginVersion, in.CustomDomainConfig))
	if err != nil {
		return nil, err
	}
	return &api.CreateUserPoolDomainResponse{ManagedLoginVersion: api.Int32(int32(d.ManagedLoginVersion)),
		CloudFrontDomain: strPtr(d.CloudFrontDomain())}, nil
}

// describeUserPoolDomain answers an empty DomainDescription for a name no
// pool has, as Cognito does (infrastructure tools read that as "gone").
func (h *handlers) describeUserPoolDomain(ctx context.Context, in *api.DescribeUserPoolDomainRequest) (*api.DescribeUserPoolDomainResponse, error) {
	d, err := h.svc.DescribeDomain(ctx, str(in.Domain))
	if err != nil {
		return nil, err
	}
	out := &api.DomainDescriptionType{}
	if d != nil {
		out = &api.DomainDescriptionType{
			UserPoolId: api.String(d.PoolID), AWSAccountId: api.String(accountID), Domain: api.String(d.Name),
			CloudFrontDistribution: strPtr(d.Distribution()), S3Bucket: strPtr(d.AssetsBucket()),
			Version: api.String(d.CreatedAt.UTC().Format("20060102150405")),
			Status:  api.String("ACTIVE"), ManagedLoginVersion: api.Int32(int32(d.ManagedLoginVersion)),
		}
		if d.Custom() {
			out.CustomDomainConfig = &api.CustomDomainConfigType{CertificateArn: api.String(d.CertificateArn)}
		}
	}
	return &api.DescribeUserPoolDomainResponse{DomainDescription: out}, nil
}

func (h *handlers) updateUserPoolDomain(ctx context.Context, in *api.UpdateUserPoolDomainRequest) (*api.UpdateUserPoolDomainResponse, error) {
	d, err := h.svc.UpdateDomain(ctx, domainIn(in.UserPoolId, in.Domain, in.ManagedLoginVersion, in.CustomDomainConfig))
	if err != nil {
		return nil, err
	}
	return &api.UpdateUserPoolDomainResponse{ManagedLoginVersion: api.Int32(int32(d.ManagedLoginVersion)),
		CloudFrontDomain: strPtr(d.CloudFrontDomain())}, nil
}

func (h *handlers) deleteUserPoolDomain(ctx context.Context, in *api.DeleteUserPoolDomainRequest) (*api.DeleteUserPoolDomainResponse, error) {
	if err := h.svc.DeleteDomain(ctx, str(in.UserPoolId), str(in.Domain)); err != nil {
		return nil, err
	}
	return &api.DeleteUserPoolDomainResponse{}, nil
}
