package adapter

import (
	"context"

	"github.com/ninshou/ninshou/internal/awsjson"
	api "github.com/ninshou/ninshou/internal/cognitoapi"
)

// The rotation of app client secrets.

func (h *handlers) registerClientSecrets(m map[string]awsjson.Endpoint) {
	m["AddUserPoolClientSecret"] = awsjson.Op(h.addUserPoolClientSecret)
	m["DeleteUserPoolClientSecret"] = awsjson.Op(h.deleteUserPoolClientSecret)
	m["ListUserPoolClientSecrets"] = awsjson.Op(h.listUserPoolClientSecrets)
}

// addUserPoolClientSecret answers the value only when Cognito generated it:
// "For custom secrets that you provide, the ClientSecretValue is not
// included in the response."
func (h *handlers) addUserPoolClientSecret(ctx context.Context, in *api.AddUserPoolClientSecretRequest) (*api.AddUserPoolClientSecretResponse, error) {
	secret, generated, err := h.svc.AddClientSecret(ctx, str(in.UserPoolId), str(in.ClientId), str(in.ClientSecret))
	if err != nil {
		return nil, err
	}
	out := &api.ClientSecretDescriptorType{ClientSecretId: api.String(secret.ID), ClientSecretCreateDate: ts(secret.CreatedAt())}
	if generated {
		out.ClientSecretValue = api.String(secret.Value)
	}
	return &api.AddUserPoolClientSecretResponse{ClientSecretDescriptor: out}, nil
}

func (h *handlers) deleteUserPoolClientSecret(ctx context.Context, in *api.DeleteUserPoolClientSecretRequest) (*api.DeleteUserPoolClientSecretResponse, error) {
	if err := h.svc.DeleteClientSecret(ctx, str(in.UserPoolId), str(in.ClientId), str(in.ClientSecretId)); err != nil {
		return nil, err
	}
	return &api.DeleteUserPoolClientSecretResponse{}, nil
}

// listUserPoolClientSecrets never shows a value, and never pages: a client
// has two secrets at most.
func (h *handlers) listUserPoolClientSecrets(ctx context.Context, in *api.ListUserPoolClientSecretsRequest) (*api.ListUserPoolClientSecretsResponse, error) {
	secrets, err := h.svc.ListClientSecrets(ctx, str(in.UserPoolId), str(in.ClientId))
	if err != nil {
		return nil, err
	}
	out := make([]api.ClientSecretDescriptorType, 0, len(secrets))
	for _, s := range secrets {
		out = append(out, api.ClientSecretDescriptorType{ClientSecretId: api.String(s.ID), ClientSecretCreateDate: ts(s.CreatedAt())})
	}
	return &api.ListUserPoolClientSecretsResponse{ClientSecrets: out}, nil
}
