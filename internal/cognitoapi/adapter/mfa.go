package adapter

import (
	"context"

	"github.com/ninshou/ninshou/internal/awsjson"
	api "github.com/ninshou/ninshou/internal/cognitoapi"
	"github.com/ninshou/ninshou/internal/idp"
)

// Software tokens, sign-in factors and refresh-token operations.
func (h *handlers) registerMFA(m map[string]awsjson.Endpoint) {
	m["AssociateSoftwareToken"] = awsjson.Op(h.associateSoftwareToken)
	m["VerifySoftwareToken"] = awsjson.Op(h.verifySoftwareToken)
	m["GetUserAuthFactors"] = awsjson.Op(h.getUserAuthFactors)
	m["GetTokensFromRefreshToken"] = awsjson.Op(h.getTokensFromRefreshToken)
	m["RevokeToken"] = awsjson.Op(h.revokeToken)
}

func (h *handlers) associateSoftwareToken(ctx context.Context, in *api.AssociateSoftwareTokenRequest) (*api.AssociateSoftwareTokenResponse, error) {
	secret, session, err := h.svc.AssociateSoftwareToken(ctx, str(in.AccessToken), str(in.Session))
	if err != nil {
		return nil, err
	}
	return &api.AssociateSoftwareTokenResponse{SecretCode: api.String(secret), Session: strPtr(session)}, nil
}

func (h *handlers) verifySoftwareToken(ctx context.Context, in *api.VerifySoftwareTokenRequest) (*api.VerifySoftwareTokenResponse, error) {
	session, err := h.svc.VerifySoftwareToken(ctx, str(in.AccessToken), str(in.Session), str(in.UserCode), str(in.FriendlyDeviceName))
	if err != nil {
		return nil, err
	}
	return &api.VerifySoftwareTokenResponse{Status: api.String("SUCCESS"), Session: strPtr(session)}, nil
}

func (h *handlers) getUserAuthFactors(ctx context.Context, in *api.GetUserAuthFactorsRequest) (*api.GetUserAuthFactorsResponse, error) {
	f, err := h.svc.GetUserAuthFactors(ctx, str(in.AccessToken))
	if err != nil {
		return nil, err
	}
	return &api.GetUserAuthFactorsResponse{Username: api.String(f.Username), PreferredMfaSetting: strPtr(f.MFAPreferred),
		UserMFASettingList: f.MFAEnabled, ConfiguredUserAuthFactors: f.Configured}, nil
}

func (h *handlers) getTokensFromRefreshToken(ctx context.Context, in *api.GetTokensFromRefreshTokenRequest) (*api.GetTokensFromRefreshTokenResponse, error) {
	ctx = idp.WithClientMetadata(ctx, in.ClientMetadata)
	res, err := h.svc.GetTokensFromRefreshToken(ctx, str(in.ClientId), str(in.ClientSecret), str(in.RefreshToken), str(in.DeviceKey))
	if err != nil {
		return nil, err
	}
	return &api.GetTokensFromRefreshTokenResponse{AuthenticationResult: resultOut(res)}, nil
}

func (h *handlers) revokeToken(ctx context.Context, in *api.RevokeTokenRequest) (*api.RevokeTokenResponse, error) {
	if err := h.svc.RevokeToken(ctx, str(in.ClientId), str(in.ClientSecret), str(in.Token)); err != nil {
		return nil, err
	}
	return &api.RevokeTokenResponse{}, nil
}
