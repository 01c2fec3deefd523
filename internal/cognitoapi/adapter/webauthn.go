package adapter

import (
	"context"
	"encoding/json"

	"github.com/ninshou/ninshou/internal/awsjson"
	api "github.com/ninshou/ninshou/internal/cognitoapi"
	"github.com/ninshou/ninshou/internal/idp"
)

// Passkeys: registration, listing and deletion of a signed-in user's
// WebAuthn credentials. Signing in with one is USER_AUTH (auth.go).
func (h *handlers) registerWebAuthn(m map[string]awsjson.Endpoint) {
	m["StartWebAuthnRegistration"] = awsjson.Op(h.startWebAuthnRegistration)
	m["CompleteWebAuthnRegistration"] = awsjson.Op(h.completeWebAuthnRegistration)
	m["ListWebAuthnCredentials"] = awsjson.Op(h.listWebAuthnCredentials)
	m["DeleteWebAuthnCredential"] = awsjson.Op(h.deleteWebAuthnCredential)
}

func (h *handlers) startWebAuthnRegistration(ctx context.Context, in *api.StartWebAuthnRegistrationRequest) (*api.StartWebAuthnRegistrationResponse, error) {
	opts, err := h.svc.StartWebAuthnRegistration(ctx, str(in.AccessToken))
	if err != nil {
		return nil, err
	}
	doc, err := json.Marshal(opts)
	if err != nil {
		return nil, err
	}
	return &api.StartWebAuthnRegistrationResponse{CredentialCreationOptions: doc}, nil
}

// completeWebAuthnRegistration takes Credential as the document the model
// defines (a RegistrationResponseJSON object); a client that sends that
// object serialised into a JSON string is read the same way.
func (h *handlers) completeWebAuthnRegistration(ctx context.Context, in *api.CompleteWebAuthnRegistrationRequest) (*api.CompleteWebAuthnRegistrationResponse, error) {
	cred := []byte(in.Credential)
	var s string
	if json.Unmarshal(cred, &s) == nil {
		cred = []byte(s)
	}
	if err := h.svc.CompleteWebAuthnRegistration(ctx, str(in.AccessToken), cred); err != nil {
		return nil, err
	}
	return &api.CompleteWebAuthnRegistrationResponse{}, nil
}

func (h *handlers) listWebAuthnCredentials(ctx context.Context, in *api.ListWebAuthnCredentialsRequest) (*api.ListWebAuthnCredentialsResponse, error) {
	max := 0
	if in.MaxResults != nil {
		max = int(*in.MaxResults)
	}
	creds, next, err := h.svc.ListWebAuthnCredentials(ctx, str(in.AccessToken), max, str(in.NextToken))
	if err != nil {
		return nil, err
	}
	out := &api.ListWebAuthnCredentialsResponse{Credentials: make([]api.WebAuthnCredentialDescription, 0, len(creds)), NextToken: strPtr(next)}
	for _, c := range creds {
		out.Credentials = append(out.Credentials, passkeyOut(c))
	}
	return out, nil
}

func passkeyOut(c idp.Passkey) api.WebAuthnCredentialDescription {
	transports := c.Transports
	if transports == nil {
		transports = []string{} // required by the model
	}
	return api.WebAuthnCredentialDescription{
		CredentialId:            api.String(c.CredentialID),
		FriendlyCredentialName:  api.String(c.FriendlyName),
		RelyingPartyId:          api.String(c.RelyingPartyID),
		AuthenticatorAttachment: strPtr(c.Attachment),
		AuthenticatorTransports: transports,
		CreatedAt:               ts(c.CreatedAt),
	}
}

func (h *handlers) deleteWebAuthnCredential(ctx context.Context, in *api.DeleteWebAuthnCredentialRequest) (*api.DeleteWebAuthnCredentialResponse, error) {
	if err := h.svc.DeleteWebAuthnCredential(ctx, str(in.AccessToken), str(in.CredentialId)); err != nil {
		return nil, err
	}
	return &api.DeleteWebAuthnCredentialResponse{}, nil
}
