package idp

import (
	"context"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/ninshou/ninshou/internal/idp/tokens"
	"github.com/ninshou/ninshou/internal/store"
)

// The OAuth 2.0 token endpoint's grants (POST /oauth2/token): client
// credentials for machine-to-machine access tokens, refresh tokens, and
// authorization codes (authorize.go).
// https://docs.aws.amazon.com/cognito/latest/developerguide/token-endpoint.html
// https://docs.aws.amazon.com/cognito/latest/developerguide/cognito-user-pools-define-resource-servers.html

// OAuthError is a refusal of the token endpoint, by its RFC 6749 §5.2
// error code, which is all Cognito answers.
type OAuthError struct {
	Code string // invalid_request, invalid_client, invalid_grant, unauthorized_client, unsupported_grant_type, invalid_scope
}

func (e *OAuthError) Error() string { return "oauth: " + e.Code }

func oauthError(code string) error { return &OAuthError{Code: code} }

// TokenRequest is a request to the token endpoint. ClientID and
// ClientSecret are the client's credentials from HTTP Basic authentication
// or the form, as the adapter found them.
type TokenRequest struct {
	GrantType    string
	ClientID     string
	ClientSecret string
	Scope        string // client_credentials: space-separated
	RefreshToken string // refresh_token
	Code         string // authorization_code
	RedirectURI  string // authorization_code
	CodeVerifier string // authorization_code, with PKCE
	// ClientMetadata is aws_client_metadata, for the pre token generation
	// trigger of a client_credentials grant.
	ClientMetadata map[string]string
}

// OAuthTokens is the token endpoint's answer.
type OAuthTokens struct {
	AccessToken  string
	IDToken      string // refresh_token only
	RefreshToken string // a rotated refresh token, if the client rotates them
	ExpiresIn    int
}

// Token answers the token endpoint.
func (s *Service) Token(ctx context.Context, in TokenRequest) (*OAuthTokens, error) {
	switch in.GrantType {
	case "":
		return nil, oauthError("invalid_request")
	case "client_credentials", "refresh_token", "authorization_code":
	default:
		return nil, oauthError("unsupported_grant_type")
	}
	if in.ClientID == "" {
		return nil, oauthError("invalid_request")
	}
	p, c, err := s.clientFor(ctx, false, "", in.ClientID)
	if IsCode(err, ResourceNotFoundException) {
		return nil, oauthError("invalid_client")
	}
	if err != nil {
		return nil, err
	}
	// A confidential client proves its secret; a public one has none to give.
	if c.Secret == "" && in.ClientSecret != "" || c.Secret != "" && (in.ClientSecret == "" || !secretMatches(c, in.ClientSecret)) {
		return nil, oauthError("invalid_client")
	}
	switch in.GrantType {
	case "client_credentials":
		// aws_client_metadata is for M2M grants' pre token generation
		// (token-endpoint.html).
		return s.clientCredentials(WithClientMetadata(ctx, in.ClientMetadata), p, c, in.Scope)
	case "refresh_token":
		return s.oauthRefresh(ctx, c, in)
	default:
		return s.redeemCode(ctx, p, c, in)
	}
}

// clientCredentials issues a machine-to-machine access token: its subject
// is the client, its scopes custom scopes of the pool's resource servers
// that the client may request (all of them when it names none), as long as
// their resource servers still define them.
func (s *Service) clientCredentials(ctx context.Context, p *Pool, c *Client, scope string) (*OAuthTokens, error) {
	if c.Secret == "" || !c.AllowedOAuthFlowsUserPool || !slices.Contains(c.AllowedOAuthFlows, "client_credentials") {
		return nil, oauthError("unauthorized_client")
	}
	custom := slices.DeleteFunc(slices.Clone(c.AllowedOAuthScopes), func(sc string) bool { return !strings.Contains(sc, "/") })
	// A scope its resource server no longer defines is refused as one the
	// client may not ask for.
	allowed, err := s.viewLiveScopes(ctx, p.ID, custom)
	if err != nil {
		return nil, err
	}
	granted := allowed
	if requested := strings.Fields(scope); len(requested) > 0 {
		var ok bool
		if granted, ok = grantScopes(requested, allowed); !ok {
			return nil, oauthError("invalid_scope")
		}
	}
	if len(granted) == 0 {
		return nil, oauthError("invalid_scope")
	}
	extra, granted, err := s.clientTokenGeneration(ctx, p, c, granted)
	if err != nil {
		return nil, err
	}
	var keys []*store.SigningKey
	if err := s.view(ctx, func(tx store.Tx) (err error) { keys, err = tx.Keys().List(p.ID); return err }); err != nil {
		return nil, err
	}
	tok, err := s.Tokens.IssueClientAccess(keys, tokens.ClientAccessInput{PoolID: p.ID, ClientID: c.ID,
		Scope: strings.Join(granted, " "), Validity: c.AccessTTL(), Extra: extra}, s.now())
	if err != nil {
		return nil, err
	}
	return &OAuthTokens{AccessToken: tok.Token, ExpiresIn: int(c.AccessTTL() / time.Second)}, nil
}

// oauthRefresh is the refresh_token grant: GetTokensFromRefreshToken's
// rules (rotation included), answered in OAuth's terms.
func (s *Service) oauthRefresh(ctx context.Context, c *Client, in TokenRequest) (*OAuthTokens, error) {
	if in.RefreshToken == "" {
		return nil, oauthError("invalid_request")
	}
	// No device key: the token endpoint's tokens belong to no tracked device.
	res, err := s.GetTokensFromRefreshToken(ctx, c.ID, in.ClientSecret, in.RefreshToken, "")
	var e *Error
	if errors.As(err, &e) {
		switch e.Code {
		case InvalidParameterException:
			return nil, oauthError("unauthorized_client") // the client may not refresh
		case NotAuthorizedException, UserNotFoundException, RefreshTokenReuseException, PasswordResetRequiredException:
			return nil, oauthError("invalid_grant") // unknown, expired, revoked or reused; or its user is gone, disabled or due a reset
		}
	}
	if err != nil {
		return nil, err
	}
	return &OAuthTokens{AccessToken: res.AccessToken, IDToken: res.IDToken, RefreshToken: res.RefreshToken, ExpiresIn: res.ExpiresIn}, nil
}
