package adapter

import (
	"context"
	"encoding/json"

	"github.com/ninshou/ninshou/internal/awsjson"
	api "github.com/ninshou/ninshou/internal/cognitoapi"
	"github.com/ninshou/ninshou/internal/idp"
)

// Managed login branding styles of app clients.

// brandingRequestBytes is the request-size limit of Create and
// UpdateManagedLoginBranding: "This operation has a 2-megabyte request-size
// limit" (the API reference), where other operations have 1 MiB.
const brandingRequestBytes = 2 << 20

func (h *handlers) registerManagedLogin(m map[string]awsjson.Endpoint) {
	create, update := awsjson.Op(h.createManagedLoginBranding), awsjson.Op(h.updateManagedLoginBranding)
	create.MaxBodyBytes, update.MaxBodyBytes = brandingRequestBytes, brandingRequestBytes
	m["CreateManagedLoginBranding"] = create
	m["DescribeManagedLoginBranding"] = awsjson.Op(h.describeManagedLoginBranding)
	m["DescribeManagedLoginBrandingByClient"] = awsjson.Op(h.describeManagedLoginBrandingByClient)
	m["UpdateManagedLoginBranding"] = update
	m["DeleteManagedLoginBranding"] = awsjson.Op(h.deleteManagedLoginBranding)
}

func brandingIn(useDefaults *bool, settings json.RawMessage, assets []api.AssetType) idp.BrandingInput {
	in := idp.BrandingInput{UseCognitoProvidedValues: api.ToBool(useDefaults), Settings: settings}
	for _, a := range assets {
		in.Assets = append(in.Assets, idp.BrandingAsset{Category: str(a.Category), ColorMode: str(a.ColorMode),
			Extension: str(a.Extension), Bytes: a.Bytes, ResourceID: str(a.ResourceId)})
	}
	return in
}

func brandingOut(m *idp.ManagedLoginBranding) *api.ManagedLoginBrandingType {
	out := &api.ManagedLoginBrandingType{ManagedLoginBrandingId: api.String(m.ID), UserPoolId: api.String(m.PoolID),
		UseCognitoProvidedValues: api.Bool(m.UseCognitoProvidedValues), Settings: m.Settings,
		Assets: make([]api.AssetType, 0, len(m.Assets)), CreationDate: api.Time(m.CreatedAt), LastModifiedDate: api.Time(m.UpdatedAt)}
	for _, a := range m.Assets {
		out.Assets = append(out.Assets, api.AssetType{Category: api.String(a.Category), ColorMode: api.String(a.ColorMode),
			Extension: api.String(a.Extension), Bytes: a.Bytes, ResourceId: strPtr(a.ResourceID)})
	}
	return out
}

func (h *handlers) createManagedLoginBranding(ctx context.Context, in *api.CreateManagedLoginBrandingRequest) (*api.CreateManagedLoginBrandingResponse, error) {
	m, err := h.svc.CreateManagedLoginBranding(ctx, str(in.UserPoolId), str(in.ClientId),
		brandingIn(in.UseCognitoProvidedValues, in.Settings, in.Assets))
	if err != nil {
		return nil, err
	}
	return &api.CreateManagedLoginBrandingResponse{ManagedLoginBranding: brandingOut(m)}, nil
}

func (h *handlers) describeManagedLoginBranding(ctx context.Context, in *api.DescribeManagedLoginBrandingRequest) (*api.DescribeManagedLoginBrandingResponse, error) {
	m, err := h.svc.DescribeManagedLoginBranding(ctx, str(in.UserPoolId), str(in.ManagedLoginBrandingId))
	if err != nil {
		return nil, err
	}
	return &api.DescribeManagedLoginBrandingResponse{ManagedLoginBranding: brandingOut(m)}, nil
}

func (h *handlers) describeManagedLoginBrandingByClient(ctx context.Context, in *api.DescribeManagedLoginBrandingByClientRequest) (*api.DescribeManagedLoginBrandingByClientResponse, error) {
	m, err := h.svc.DescribeManagedLoginBrandingByClient(ctx, str(in.UserPoolId), str(in.ClientId))
	if err != nil {
		return nil, err
	}
	return &api.DescribeManagedLoginBrandingByClientResponse{ManagedLoginBranding: brandingOut(m)}, nil
}

func (h *handlers) updateManagedLoginBranding(ctx context.Context, in *api.UpdateManagedLoginBrandingRequest) (*api.UpdateManagedLoginBrandingResponse, error) {
	m, err := h.svc.UpdateManagedLoginBranding(ctx, str(in.UserPoolId), str(in.ManagedLoginBrandingId),
		brandingIn(in.UseCognitoProvidedValues, in.Settings, in.Assets))
	if err != nil {
		return nil, err
	}
	return &api.UpdateManagedLoginBrandingResponse{ManagedLoginBranding: brandingOut(m)}, nil
}

func (h *handlers) deleteManagedLoginBranding(ctx context.Context, in *api.DeleteManagedLoginBrandingRequest) (*noOutput, error) {
	if err := h.svc.DeleteManagedLoginBranding(ctx, str(in.UserPoolId), str(in.ManagedLoginBrandingId)); err != nil {
		return nil, err
	}
	return &noOutput{}, nil
}
