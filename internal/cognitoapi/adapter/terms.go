package adapter

import (
	"context"

	"github.com/ninshou/ninshou/internal/awsjson"
	api "github.com/ninshou/ninshou/internal/cognitoapi"
	"github.com/ninshou/ninshou/internal/idp"
	"github.com/ninshou/ninshou/internal/store"
)

// Terms documents of app clients.

func (h *handlers) registerTerms(m map[string]awsjson.Endpoint) {
	m["CreateTerms"] = awsjson.Op(h.createTerms)
	m["DescribeTerms"] = awsjson.Op(h.describeTerms)
	m["UpdateTerms"] = awsjson.Op(h.updateTerms)
	m["DeleteTerms"] = awsjson.Op(h.deleteTerms)
	m["ListTerms"] = awsjson.Op(h.listTerms)
}

func termsOut(t *idp.Terms) *api.TermsType {
	return &api.TermsType{TermsId: api.String(t.ID), UserPoolId: api.String(t.PoolID), ClientId: api.String(t.ClientID),
		TermsName: api.String(t.Name), TermsSource: api.String(t.Source), Enforcement: api.String(t.Enforcement),
		Links: t.Links, CreationDate: api.Time(t.CreatedAt), LastModifiedDate: api.Time(t.UpdatedAt)}
}

func (h *handlers) createTerms(ctx context.Context, in *api.CreateTermsRequest) (*api.CreateTermsResponse, error) {
	t, err := h.svc.CreateTerms(ctx, idp.Terms{PoolID: str(in.UserPoolId), ClientID: str(in.ClientId), Name: str(in.TermsName),
		Source: str(in.TermsSource), Enforcement: str(in.Enforcement), Links: in.Links})
	if err != nil {
		return nil, err
	}
	return &api.CreateTermsResponse{Terms: termsOut(t)}, nil
}

func (h *handlers) describeTerms(ctx context.Context, in *api.DescribeTermsRequest) (*api.DescribeTermsResponse, error) {
	t, err := h.svc.DescribeTerms(ctx, str(in.UserPoolId), str(in.TermsId))
	if err != nil {
		return nil, err
	}
	return &api.DescribeTermsResponse{Terms: termsOut(t)}, nil
}

func (h *handlers) updateTerms(ctx context.Context, in *api.UpdateTermsRequest) (*api.UpdateTermsResponse, error) {
	t, err := h.svc.UpdateTerms(ctx, str(in.UserPoolId), str(in.TermsId), idp.TermsUpdate{Name: str(in.TermsName),
		Source: str(in.TermsSource), Enforcement: str(in.Enforcement), Links: in.Links})
	if err != nil {
		return nil, err
	}
	return &api.UpdateTermsResponse{Terms: termsOut(t)}, nil
}

func (h *handlers) deleteTerms(ctx context.Context, in *api.DeleteTermsRequest) (*noOutput, error) {
	if err := h.svc.DeleteTerms(ctx, str(in.UserPoolId), str(in.TermsId)); err != nil {
		return nil, err
	}
	return &noOutput{}, nil
}

func (h *handlers) listTerms(ctx context.Context, in *api.ListTermsRequest) (*api.ListTermsResponse, error) {
	ts, next, err := h.svc.ListTerms(ctx, str(in.UserPoolId), store.Page{Limit: int(api.ToInt32(in.MaxResults)), After: str(in.NextToken)})
	if err != nil {
		return nil, err
	}
	out := make([]api.TermsDescriptionType, 0, len(ts))
	for _, t := range ts {
		out = append(out, api.TermsDescriptionType{TermsId: api.String(t.ID), TermsName: api.String(t.Name),
			Enforcement: api.String(t.Enforcement), CreationDate: api.Time(t.CreatedAt), LastModifiedDate: api.Time(t.UpdatedAt)})
	}
	return &api.ListTermsResponse{Terms: out, NextToken: strPtr(next)}, nil
}
