package idp

import (
	"context"
	"slices"

	"github.com/ninshou/ninshou/internal/store"
)

// The managed login page that adds a passkey, /passkeys/add: "Adds a
// passkey to the profile of a signed-in user", opened by a direct link
// with client_id and redirect_uri. The user is the one of the browser's
// managed login session; the page runs navigator.credentials.create and
// sends the browser on to redirect_uri, one of the client's callback URLs.
// https://docs.aws.amazon.com/cognito/latest/developerguide/managed-login-endpoints.html

// AddPasskeyRequest is a request of /passkeys/add.
type AddPasskeyRequest struct {
	ClientID, RedirectURI string
	// Origin is the page's origin as the browser sees it, which the pool's
	// relying party must cover for the browser to make a passkey there.
	Origin string
}

// checkAddPasskey checks the client, its callback URL and the page's
// origin: an unknown client or callback is an AuthorizeError the page shows
// and never redirects to, as at the authorization endpoint.
func (s *Service) checkAddPasskey(ctx context.Context, in AddPasskeyRequest) (*Pool, *Client, error) {
	if in.ClientID == "" {
		return nil, nil, &AuthorizeError{Code: "invalid_request"}
	}
	p, c, err := s.clientFor(ctx, false, "", in.ClientID)
	if IsCode(err, ResourceNotFoundException) {
		return nil, nil, &AuthorizeError{Code: "invalid_request"}
	}
	if err != nil {
		return nil, nil, err
	}
	if !slices.Contains(c.CallbackURLs, in.RedirectURI) {
		return nil, nil, &AuthorizeError{Code: "redirect_mismatch"}
	}
	if signInResponseType(c) == "" {
		// The client has no managed login to sign in through.
		return nil, nil, &AuthorizeError{Code: "unauthorized_client"}
	}
	rpID, _, err := s.viewRelyingParty(ctx, p)
	if err != nil {
		return nil, nil, err
	}
	if !originAllowed(in.Origin, rpID) {
		return nil, nil, Errorf(WebAuthnOriginNotAllowedException,
			"Passkeys of this user pool (relying party %s) cannot be added at %s.", rpID, in.Origin)
	}
	return p, c, nil
}

// SignInFirst answers the passkey page without a managed login session:
// the user signs in first, through an authorization request of
// ResponseType for the same client and callback.
type SignInFirst struct{ ResponseType string }

func (*SignInFirst) Error() string { return "idp: sign in first" }

// signInResponseType is the response_type of a sign-in the client may
// start on the pages: code, else token (the implicit grant), else "".
func signInResponseType(c *Client) string {
	switch {
	case !c.AllowedOAuthFlowsUserPool:
		return ""
	case slices.Contains(c.AllowedOAuthFlows, "code"):
		return "code"
	case slices.Contains(c.AllowedOAuthFlows, "implicit"):
		return "token"
	}
	return ""
}

// HostedPasskeyOptions issues creation options for a new passkey of the
// user of the managed login session handle names. Without a live session
// it answers SignInFirst.
func (s *Service) HostedPasskeyOptions(ctx context.Context, in AddPasskeyRequest, handle string) (*CreationOptions, error) {
	p, c, err := s.checkAddPasskey(ctx, in)
	if err != nil {
		return nil, err
	}
	var out *CreationOptions
	err = s.update(ctx, func(tx store.Tx) error {
		_, u, err := s.managedLoginUser(tx, p, c, handle)
		if err != nil {
			return err
		}
		if u == nil {
			return &SignInFirst{ResponseType: signInResponseType(c)}
		}
		out, err = s.newRegistration(tx, p, u, c.ID)
		return err
	})
	return out, err
}

// HostedAddPasskey verifies the browser's RegistrationResponseJSON against
// the challenge HostedPasskeyOptions issued to the same session's user and
// stores the passkey, with CompleteWebAuthnRegistration's checks.
func (s *Service) HostedAddPasskey(ctx context.Context, in AddPasskeyRequest, handle string, credential []byte) error {
	p, c, err := s.checkAddPasskey(ctx, in)
	if err != nil {
		return err
	}
	var sub string
	err = s.view(ctx, func(tx store.Tx) error {
		_, u, err := s.managedLoginUser(tx, p, c, handle)
		if err == nil && u == nil {
			err = &SignInFirst{ResponseType: signInResponseType(c)}
		}
		if err == nil {
			sub = u.Sub
		}
		return err
	})
	if err != nil {
		return err
	}
	return s.finishRegistration(ctx, p, sub, c.ID, credential, func(tx store.Tx) error {
		_, u, err := s.managedLoginUser(tx, p, c, handle)
		if err == nil && (u == nil || u.Sub != sub) {
			err = &SignInFirst{ResponseType: signInResponseType(c)}
		}
		return err
	})
}
