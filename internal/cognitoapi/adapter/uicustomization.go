package adapter

import (
	"context"

	"github.com/ninshou/ninshou/internal/awsjson"
	api "github.com/ninshou/ninshou/internal/cognitoapi"
	"github.com/ninshou/ninshou/internal/idp"
)

// Classic hosted UI branding.

func (h *handlers) registerUICustomization(m map[string]awsjson.Endpoint) {
	m["SetUICustomization"] = awsjson.Op(h.setUICustomization)
	m["GetUICustomization"] = awsjson.Op(h.getUICustomization)
}

// uiOut is {} for no branding, as GetUICustomization answers then.
func (h *handlers) uiOut(ui *idp.UICustomization) *api.UICustomizationType {
	if ui == nil {
		return &api.UICustomizationType{}
	}
	return &api.UICustomizationType{UserPoolId: api.String(ui.PoolID), ClientId: api.String(ui.ClientID),
		ImageUrl: strPtr(h.svc.LogoURL(ui)), CSS: strPtr(ui.CSS), CSSVersion: api.String(ui.Version),
		LastModifiedDate: api.Time(ui.UpdatedAt), CreationDate: api.Time(ui.CreatedAt)}
}

func (h *handlers) setUICustomization(ctx context.Context, in *api.SetUICustomizationRequest) (*api.SetUICustomizationResponse, error) {
	ui, err := h.svc.SetUICustomization(ctx, idp.UICustomization{PoolID: str(in.UserPoolId), ClientID: str(in.ClientId),
		CSS: str(in.CSS), Image: in.ImageFile})
	if err != nil {
		return nil, err
	}
	return &api.SetUICustomizationResponse{UICustomization: h.uiOut(ui)}, nil
}

func (h *handlers) getUICustomization(ctx context.Context, in *api.GetUICustomizationRequest) (*api.GetUICustomizationResponse, error) {
	ui, err := h.svc.GetUICustomization(ctx, str(in.UserPoolId), str(in.ClientId))
	if err != nil {
		return nil, err
	}
	return &api.GetUICustomizationResponse{UICustomization: h.uiOut(ui)}, nil
}
