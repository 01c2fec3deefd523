package adapter

import (
	"context"
	"strconv"

	"github.com/ninshou/ninshou/internal/awsjson"
	api "github.com/ninshou/ninshou/internal/cognitoapi"
	"github.com/ninshou/ninshou/internal/idp"
	"github.com/ninshou/ninshou/internal/store"
)

// RefreshTokenRotation.Feature values.
const (
	rotationEnabled  = "ENABLED"
	rotationDisabled = "DISABLED"
)

func (h *handlers) registerClients(m map[string]awsjson.Endpoint) {
	m["CreateUserPoolClient"] = awsjson.Op(h.createUserPoolClient)
	m["DescribeUserPoolClient"] = awsjson.Op(h.describeUserPoolClient)
	m["UpdateUserPoolClient"] = awsjson.Op(h.updateUserPoolClient)
	m["DeleteUserPoolClient"] = awsjson.Op(h.deleteUserPoolClient)
	m["ListUserPoolClients"] = awsjson.Op(h.listUserPoolClients)
}

func (h *handlers) createUserPoolClient(ctx context.Context, in *api.CreateUserPoolClientRequest) (*api.CreateUserPoolClientResponse, error) {
	ci := idp.ClientInput{
		Name:           str(in.ClientName),
		GenerateSecret: api.ToBool(in.GenerateSecret),
		Secret:         str(in.ClientSecret),
		ClientSettings: clientSettingsIn(clientSettingsReq{
			RefreshTokenValidity:                     in.RefreshTokenValidity,
			AccessTokenValidity:                      in.AccessTokenValidity,
			IdTokenValidity:                          in.IdTokenValidity,
			TokenValidityUnits:                       in.TokenValidityUnits,
			ReadAttributes:                           in.ReadAttributes,
			WriteAttributes:                          in.WriteAttributes,
			ExplicitAuthFlows:                        in.ExplicitAuthFlows,
			SupportedIdentityProviders:               in.SupportedIdentityProviders,
			CallbackURLs:                             in.CallbackURLs,
			LogoutURLs:                               in.LogoutURLs,
			DefaultRedirectURI:                       in.DefaultRedirectURI,
			AllowedOAuthFlows:                        in.AllowedOAuthFlows,
			AllowedOAuthScopes:                       in.AllowedOAuthScopes,
			AllowedOAuthFlowsUserPoolClient:          in.AllowedOAuthFlowsUserPoolClient,
			AnalyticsConfiguration:                   in.AnalyticsConfiguration,
			PreventUserExistenceErrors:               in.PreventUserExistenceErrors,
			EnableTokenRevocation:                    in.EnableTokenRevocation,
			EnablePropagateAdditionalUserContextData: in.EnablePropagateAdditionalUserContextData,
			AuthSessionValidity:                      in.AuthSessionValidity,
			RefreshTokenRotation:                     in.RefreshTokenRotation,
		}),
	}
	c, err := h.svc.CreateClient(ctx, str(in.UserPoolId), ci)
	if err != nil {
		return nil, err
	}
	return &api.CreateUserPoolClientResponse{UserPoolClient: clientOut(c)}, nil
}

func (h *handlers) describeUserPoolClient(ctx context.Context, in *api.DescribeUserPoolClientRequest) (*api.DescribeUserPoolClientResponse, error) {
	c, err := h.svc.GetClient(ctx, str(in.UserPoolId), str(in.ClientId))
	if err != nil {
		return nil, err
	}
	return &api.DescribeUserPoolClientResponse{UserPoolClient: clientOut(c)}, nil
}

// updateUserPoolClient replaces the client's settings: like Cognito, what
// the request leaves out goes back to its default. The name is kept when
// ClientName is absent, and the secret always (the domain's rules).
func (h *handlers) updateUserPoolClient(ctx context.Context, in *api.UpdateUserPoolClientRequest) (*api.UpdateUserPoolClientResponse, error) {
	ci := idp.ClientInput{
		Name: str(in.ClientName),
		ClientSettings: clientSettingsIn(clientSettingsReq{
			RefreshTokenValidity:                     in.RefreshTokenValidity,
			AccessTokenValidity:                      in.AccessTokenValidity,
			IdTokenValidity:                          in.IdTokenValidity,
			TokenValidityUnits:                       in.TokenValidityUnits,
			ReadAttributes:                           in.ReadAttributes,
			WriteAttributes:                          in.WriteAttributes,
			ExplicitAuthFlows:                        in.ExplicitAuthFlows,
			SupportedIdentityProviders:               in.SupportedIdentityProviders,
			CallbackURLs:                             in.CallbackURLs,
			LogoutURLs:                               in.LogoutURLs,
			DefaultRedirectURI:                       in.DefaultRedirectURI,
			AllowedOAuthFlows:                        in.AllowedOAuthFlows,
			AllowedOAuthScopes:                       in.AllowedOAuthScopes,
			AllowedOAuthFlowsUserPoolClient:          in.AllowedOAuthFlowsUserPoolClient,
			AnalyticsConfiguration:                   in.AnalyticsConfiguration,
			PreventUserExistenceErrors:               in.PreventUserExistenceErrors,
			EnableTokenRevocation:                    in.EnableTokenRevocation,
			EnablePropagateAdditionalUserContextData: in.EnablePropagateAdditionalUserContextData,
			AuthSessionValidity:                      in.AuthSessionValidity,
			RefreshTokenRotation:                     in.RefreshTokenRotation,
		}),
	}
	c, err := h.svc.UpdateClient(ctx, str(in.UserPoolId), str(in.ClientId), ci)
	if err != nil {
		return nil, err
	}
	return &api.UpdateUserPoolClientResponse{UserPoolClient: clientOut(c)}, nil
}

func (h *handlers) deleteUserPoolClient(ctx context.Context, in *api.DeleteUserPoolClientRequest) (*struct{}, error) {
	return nil, h.svc.DeleteClient(ctx, str(in.UserPoolId), str(in.ClientId))
}

func (h *handlers) listUserPoolClients(ctx context.Context, in *api.ListUserPoolClientsRequest) (*api.ListUserPoolClientsResponse, error) {
	// MaxResults 0 or absent: the store's default page (60, the model's maximum).
	page := store.Page{Limit: int(api.ToInt32(in.MaxResults)), After: str(in.NextToken)}
	clients, next, err := h.svc.ListClients(ctx, str(in.UserPoolId), page)
	if err != nil {
		return nil, err
	}
	out := &api.ListUserPoolClientsResponse{UserPoolClients: make([]api.UserPoolClientDescription, 0, len(clients)), NextToken: strPtr(next)}
	for _, c := range clients {
		out.UserPoolClients = append(out.UserPoolClients, api.UserPoolClientDescription{
			ClientId:   api.String(c.ID),
			UserPoolId: api.String(c.PoolID),
			ClientName: api.String(c.Name),
		})
	}
	return out, nil
}

// clientSettingsReq gathers the members CreateUserPoolClient and
// UpdateUserPoolClient share.
type clientSettingsReq struct {
	RefreshTokenValidity                     *int32
	AccessTokenValidity                      *int32
	IdTokenValidity                          *int32
	TokenValidityUnits                       *api.TokenValidityUnitsType
	ReadAttributes                           []string
	WriteAttributes                          []string
	ExplicitAuthFlows                        []string
	SupportedIdentityProviders               []string
	CallbackURLs                             []string
	LogoutURLs                               []string
	DefaultRedirectURI                       *string
	AllowedOAuthFlows                        []string
	AllowedOAuthScopes                       []string
	AllowedOAuthFlowsUserPoolClient          *bool
	AnalyticsConfiguration                   *api.AnalyticsConfigurationType
	PreventUserExistenceErrors               *string
	EnableTokenRevocation                    *bool
	EnablePropagateAdditionalUserContextData *bool
	AuthSessionValidity                      *int32
	RefreshTokenRotation                     *api.RefreshTokenRotationType
}

// clientSettingsIn lays the request over idp.NewClientSettings(); a member
// left out keeps its default.
func clientSettingsIn(in clientSettingsReq) idp.ClientSettings {
	cs := idp.NewClientSettings()
	cs.AccessTokenValidity = int(api.ToInt32(in.AccessTokenValidity))
	cs.IDTokenValidity = int(api.ToInt32(in.IdTokenValidity))
	if u := in.TokenValidityUnits; u != nil {
		cs.AccessTokenUnit = str(u.AccessToken)
		cs.IDTokenUnit = str(u.IdToken)
		cs.RefreshTokenUnit = str(u.RefreshToken)
	}
	if in.RefreshTokenValidity != nil || cs.RefreshTokenUnit != "" {
		// Absent or 0 means the default, 30 days; the domain expresses it
		// in the client's unit (NewClientSettings has it in days).
		cs.RefreshTokenValidity = int(api.ToInt32(in.RefreshTokenValidity))
	}
	cs.ReadAttributes = in.ReadAttributes
	cs.WriteAttributes = in.WriteAttributes
	cs.ExplicitAuthFlows = in.ExplicitAuthFlows
	cs.SupportedIdentityProviders = in.SupportedIdentityProviders
	cs.CallbackURLs = in.CallbackURLs
	cs.LogoutURLs = in.LogoutURLs
	cs.DefaultRedirectURI = str(in.DefaultRedirectURI)
	cs.AllowedOAuthFlows = in.AllowedOAuthFlows
	cs.AllowedOAuthScopes = in.AllowedOAuthScopes
	cs.AllowedOAuthFlowsUserPool = api.ToBool(in.AllowedOAuthFlowsUserPoolClient)
	cs.Analytics = analyticsIn(in.AnalyticsConfiguration)
	if in.PreventUserExistenceErrors != nil {
		cs.PreventUserExistenceErrors = *in.PreventUserExistenceErrors
	}
	if in.EnableTokenRevocation != nil {
		cs.EnableTokenRevocation = *in.EnableTokenRevocation
	}
	cs.EnablePropagateContextData = api.ToBool(in.EnablePropagateAdditionalUserContextData)
	if in.AuthSessionValidity != nil {
		cs.AuthSessionValidity = int(*in.AuthSessionValidity)
	}
	if r := in.RefreshTokenRotation; r != nil {
		cs.HasRefreshRotation = true
		cs.RefreshRotation = str(r.Feature) == rotationEnabled
		if cs.RefreshRotation { // a disabled rotation reads back with 0 (terraform-provider-aws#45646)
			cs.RefreshRotationGrace = int(api.ToInt32(r.RetryGracePeriodSeconds))
		}
	}
	return cs
}

// Analytics is stored by AnalyticsConfigurationType member name.
func analyticsIn(a *api.AnalyticsConfigurationType) map[string]string {
	if a == nil {
		return nil
	}
	m := map[string]string{}
	put := func(k string, v *string) {
		if v != nil {
			m[k] = *v
		}
	}
	put("ApplicationId", a.ApplicationId)
	put("ApplicationArn", a.ApplicationArn)
	put("RoleArn", a.RoleArn)
	put("ExternalId", a.ExternalId)
	if a.UserDataShared != nil {
		m["UserDataShared"] = strconv.FormatBool(*a.UserDataShared)
	}
	return m
}

func analyticsOut(m map[string]string) *api.AnalyticsConfigurationType {
	if m == nil {
		return nil
	}
	get := func(k string) *string {
		if v, ok := m[k]; ok {
			return api.String(v)
		}
		return nil
	}
	a := &api.AnalyticsConfigurationType{
		ApplicationId:  get("ApplicationId"),
		ApplicationArn: get("ApplicationArn"),
		RoleArn:        get("RoleArn"),
		ExternalId:     get("ExternalId"),
	}
	if v, ok := m["UserDataShared"]; ok {
		b, _ := strconv.ParseBool(v)
		a.UserDataShared = api.Bool(b)
	}
	return a
}

// clientOut is the UserPoolClient that CreateUserPoolClient,
// DescribeUserPoolClient and UpdateUserPoolClient return.
func clientOut(c *idp.Client) *api.UserPoolClientType {
	out := &api.UserPoolClientType{
		UserPoolId:           api.String(c.PoolID),
		ClientName:           api.String(c.Name),
		ClientId:             api.String(c.ID),
		ClientSecret:         strPtr(c.Secret),
		LastModifiedDate:     ts(c.UpdatedAt),
		CreationDate:         ts(c.CreatedAt),
		RefreshTokenValidity: api.Int32(int32(c.RefreshTokenValidity)),
		// Always present: {} when the client gave no units.
		TokenValidityUnits: &api.TokenValidityUnitsType{
			AccessToken:  strPtr(c.AccessTokenUnit),
			IdToken:      strPtr(c.IDTokenUnit),
			RefreshToken: strPtr(c.RefreshTokenUnit),
		},
		ReadAttributes:                           listOut(c.ReadAttributes),
		WriteAttributes:                          listOut(c.WriteAttributes),
		ExplicitAuthFlows:                        listOut(c.ExplicitAuthFlows),
		SupportedIdentityProviders:               listOut(c.SupportedIdentityProviders),
		CallbackURLs:                             listOut(c.CallbackURLs),
		LogoutURLs:                               listOut(c.LogoutURLs),
		DefaultRedirectURI:                       strPtr(c.DefaultRedirectURI),
		AllowedOAuthFlows:                        listOut(c.AllowedOAuthFlows),
		AllowedOAuthScopes:                       listOut(c.AllowedOAuthScopes),
		AllowedOAuthFlowsUserPoolClient:          api.Bool(c.AllowedOAuthFlowsUserPool),
		AnalyticsConfiguration:                   analyticsOut(c.Analytics),
		PreventUserExistenceErrors:               strPtr(c.PreventUserExistenceErrors),
		EnableTokenRevocation:                    api.Bool(c.EnableTokenRevocation),
		EnablePropagateAdditionalUserContextData: api.Bool(c.EnablePropagateContextData),
		AuthSessionValidity:                      api.Int32(int32(c.AuthSessionValidity)),
	}
	if c.AccessTokenValidity != 0 {
		out.AccessTokenValidity = api.Int32(int32(c.AccessTokenValidity))
	}
	if c.IDTokenValidity != 0 {
		out.IdTokenValidity = api.Int32(int32(c.IDTokenValidity))
	}
	// Cognito describes every client's rotation, DISABLED with a grace of 0
	// when none was asked for (terraform-provider-aws#47374).
	feature, grace := rotationDisabled, 0
	if c.RefreshRotation {
		feature, grace = rotationEnabled, c.RefreshRotationGrace
	}
	out.RefreshTokenRotation = &api.RefreshTokenRotationType{
		Feature:                 api.String(feature),
		RetryGracePeriodSeconds: api.Int32(int32(grace)),
	}
	return out
}
