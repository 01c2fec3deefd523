package idp

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/ninshou/ninshou/internal/store"
)

// The authorization code grant: the authorization endpoint checks a
// request, the sign-in page signs the user in with a password and issues a
// code, and the token endpoint redeems it (with PKCE when the request had
// a code challenge) for the user's tokens, scoped as the request asked.
// https://docs.aws.amazon.com/cognito/latest/developerguide/authorization-endpoint.html
// https://docs.aws.amazon.com/cognito/latest/developerguide/token-endpoint.html
//
// The sign-in page runs the same state machine as InitiateAuth and
// RespondToAuthChallenge (its request rides in the sessions' state), so a
// new password and MFA come in the same order as through the API.

// AuthorizeRequest is a request to the authorization endpoint.
type AuthorizeRequest struct {
	ResponseType        string
	ClientID            string
	RedirectURI         string
	Scope               string // space-separated; empty: the client's allowed scopes
	State               string
	CodeChallenge       string
	CodeChallengeMethod string
	Nonce               string
	IdentityProvider    string // identity_provider: COGNITO or a provider's name
	IdPIdentifier       string // idp_identifier: one of a provider's IdpIdentifiers
	Prompt              string // prompt: login (always the page), none (never), or empty
}

// AuthorizeError refuses an authorization request. Redirect says whether
// the refusal may go back to the request's redirect_uri (RFC 6749 §4.1.2.1):
// never when the client or the redirect_uri itself is wrong.
type AuthorizeError struct {
	Code     string
	Redirect bool
}

func (e *AuthorizeError) Error() string { return "authorize: " + e.Code }

// authCodeTTL is how long an authorization code may be redeemed. Cognito's
// codes are single use; OAuth recommends ten minutes at most.
// https://datatracker.ietf.org/doc/html/rfc6749#section-4.1.2
const authCodeTTL = 5 * time.Minute

// sessionAuthCode marks an authorization code in the session store.
const sessionAuthCode = "AUTHORIZATION_CODE"

// authCodeState is what a code remembers of its request and sign-in.
type authCodeState struct {
	Username      string   `json:"username"`
	RedirectURI   string   `json:"redirect_uri"`
	Scopes        []string `json:"scopes"`
	CodeChallenge string   `json:"code_challenge,omitempty"`
	Nonce         string   `json:"nonce,omitempty"`
	AuthTime      int64    `json:"auth_time"`
}

// CheckAuthorize checks an authorization request and returns the scopes it
// grants.
func (s *Service) CheckAuthorize(ctx context.Context, in AuthorizeRequest) ([]string, error) {
	_, _, scopes, err := s.checkAuthorize(ctx, in)
	return scopes, err
}

func (s *Service) checkAuthorize(ctx context.Context, in AuthorizeRequest) (*Pool, *Client, []string, error) {
	refuse := func(code string, redirect bool) (*Pool, *Client, []string, error) {
		return nil, nil, nil, &AuthorizeError{Code: code, Redirect: redirect}
	}
	if in.ClientID == "" {
		return refuse("invalid_request", false)
	}
	p, c, err := s.clientFor(ctx, false, "", in.ClientID)
	if IsCode(err, ResourceNotFoundException) {
		return refuse("invalid_request", false)
	}
	if err != nil {
		return nil, nil, nil, err
	}
	if !slices.Contains(c.CallbackURLs, in.RedirectURI) {
		return refuse("redirect_mismatch", false)
	}
	// From here on the refusal may go back to the registered callback.
	switch {
	case in.ResponseType == "":
		return refuse("invalid_request", true)
	case in.ResponseType != "code" && in.ResponseType != "token":
		return refuse("unsupported_response_type", true)
	case !c.AllowedOAuthFlowsUserPool || !slices.Contains(c.AllowedOAuthFlows, flowOf[in.ResponseType]):
		return refuse("unauthorized_client", true)
	case len(c.SupportedIdentityProviders) == 0,
		in.IdentityProvider != "" && !slices.Contains(c.SupportedIdentityProviders, in.IdentityProvider):
		return refuse("unauthorized_client", true)
	case in.CodeChallenge != "" && in.CodeChallengeMethod != "S256":
		return refuse("invalid_request", true)
	case in.CodeChallengeMethod != "" && in.CodeChallenge == "":
		// code_challenge is "Required only when you specify a
		// code_challenge_method parameter" (authorization-endpoint.html):
		// without it the code would redeem without PKCE.
		return refuse("invalid_request", true)
	}
	// A custom scope its resource server no longer defines is refused as
	// one the client may not ask for.
	allowed, err := s.viewLiveScopes(ctx, p.ID, c.AllowedOAuthScopes)
	if err != nil {
		return nil, nil, nil, err
	}
	granted := allowed
	if requested := strings.Fields(in.Scope); len(requested) > 0 {
		var ok bool
		if granted, ok = grantScopes(requested, allowed); !ok {
			return refuse("invalid_scope", true)
		}
	}
	if len(granted) == 0 {
		// Only deleted custom scopes: no grant would be left to make.
		return refuse("invalid_scope", true)
	}
	return p, c, granted, nil
}

// flowOf is the AllowedOAuthFlows entry a response_type needs.
var flowOf = map[string]string{"code": "code", "token": "implicit"}

// grantScopes is requested, each once, in order; false if one is not
// among allowed.
func grantScopes(requested, allowed []string) ([]string, bool) {
	var granted []string
	for _, sc := range requested {
		if !slices.Contains(allowed, sc) {
			return nil, false
		}
		if !slices.Contains(granted, sc) {
			granted = append(granted, sc)
		}
	}
	return granted, true
}

// hostedGrant is what a sign-in on the sign-in page carries through its
// challenges to the code it ends with.
type hostedGrant struct {
	RedirectURI   string   `json:"r"`
	Scopes        []string `json:"s"`
	CodeChallenge string   `json:"cc,omitempty"`
	Nonce         string   `json:"n,omitempty"`
	// Implicit: response_type=token, the tokens go to the redirect_uri
	// (in its fragment) instead of a code.
	Implicit bool `json:"i,omitempty"`
}

// hostedGrantOf is what a checked authorization request carries to its end.
func hostedGrantOf(in AuthorizeRequest, scopes []string) hostedGrant {
	h := hostedGrant{RedirectURI: in.RedirectURI, Scopes: scopes, CodeChallenge: in.CodeChallenge,
		Nonce: in.Nonce, Implicit: in.ResponseType == "token"}
	if h.Implicit {
		h.CodeChallenge = "" // PKCE protects a code; the implicit grant redeems its own at once
	}
	return h
}

type hostedKey struct{}

func withHosted(ctx context.Context, h *hostedGrant) context.Context {
	return context.WithValue(ctx, hostedKey{}, h)
}

func hostedFrom(ctx context.Context) *hostedGrant {
	h, _ := ctx.Value(hostedKey{}).(*hostedGrant)
	return h
}

// HostedSignIn signs a user in on the sign-in page for a checked
// authorization request, with the checks of a password sign-in (lockout,
// account state). The Step is the next challenge (NEW_PASSWORD_REQUIRED,
// MFA), answered with HostedRespond, or the authorization code.
func (s *Service) HostedSignIn(ctx context.Context, in AuthorizeRequest, username, password string) (*Step, error) {
	p, c, scopes, err := s.checkAuthorize(ctx, in)
	if err != nil {
		return nil, err
	}
	if !slices.Contains(c.SupportedIdentityProviders, cognitoProvider) {
		return nil, &AuthorizeError{Code: "unauthorized_client", Redirect: true}
	}
	if username == "" || password == "" {
		return nil, errIncorrect
	}
	if err := s.refuseBlocked(ctx, p, c); err != nil {
		return nil, err
	}
	sub, err := s.verifyPassword(ctx, p, c, username, password, nil)
	if err != nil {
		return nil, err
	}
	h := hostedGrantOf(in, scopes)
	ctx = withHosted(ctx, &h)
	return s.afterPassword(ctx, p, c, sub, "")
}

// HostedPasskeySignIn starts a passkey sign-in on the sign-in page: the
// WEB_AUTHN challenge of choice-based sign-in (CREDENTIAL_REQUEST_OPTIONS
// for the browser), answered with HostedRespond and its CREDENTIAL; the
// sign-in ends in an authorization code like the page's others.
// https://docs.aws.amazon.com/cognito/latest/developerguide/amazon-cognito-user-pools-authentication-flow-methods.html
func (s *Service) HostedPasskeySignIn(ctx context.Context, in AuthorizeRequest, username string) (*Step, error) {
	p, c, scopes, err := s.checkAuthorize(ctx, in)
	if err != nil {
		return nil, err
	}
	if !slices.Contains(c.SupportedIdentityProviders, cognitoProvider) {
		return nil, &AuthorizeError{Code: "unauthorized_client", Redirect: true}
	}
	if !c.AllowsFlow(FlowAllowUserAuth) {
		return nil, Errorf(InvalidParameterException, "USER_AUTH flow not enabled for this client")
	}
	if username == "" {
		return nil, missing("USERNAME")
	}
	if err := s.refuseBlocked(ctx, p, c); err != nil {
		return nil, err
	}
	h := hostedGrantOf(in, scopes)
	ctx = withHosted(ctx, &h)
	step, err := s.userAuthStart(ctx, p, c, map[string]string{"USERNAME": username, "PREFERRED_CHALLENGE": FactorWebAuthn,
		"SECRET_HASH": pageSecretHash(c, username)})
	if err == nil && step.ChallengeName != ChallengeWebAuthn {
		// No passkey to sign in with: what USER_AUTH would offer instead is
		// the page's password form.
		return nil, Errorf(NotAuthorizedException, "You have no passkey to sign in with. Sign in with your password.")
	}
	return step, err
}

// ErrNotHostedSession: the session answered on the sign-in page was not
// started there.
var ErrNotHostedSession = errors.New("idp: the session was not started on the sign-in page")

// HostedRespond answers a challenge of a sign-in the sign-in page started,
// as RespondToAuthChallenge does; the page is the client's own, so it
// proves the client's secret itself.
func (s *Service) HostedRespond(ctx context.Context, in AuthorizeRequest, challenge, session, username string, responses map[string]string) (*Step, error) {
	_, c, _, err := s.checkAuthorize(ctx, in)
	if err != nil {
		return nil, err
	}
	r := map[string]string{}
	for k, v := range responses {
		r[k] = v
	}
	r["USERNAME"] = username
	if h := pageSecretHash(c, username); h != "" {
		r["SECRET_HASH"] = h
	}
	if !s.hostedSession(ctx, session) {
		return nil, ErrNotHostedSession
	}
	return s.respond(ctx, RespondInput{ClientID: c.ID, ChallengeName: challenge, Session: session, Responses: r})
}

// hostedSession reports whether a session was started on the sign-in page.
func (s *Service) hostedSession(ctx context.Context, session string) bool {
	var st sessionState
	err := s.view(ctx, func(tx store.Tx) error {
		sess, err := tx.Sessions().Get(hashHandle(session))
		if err != nil {
			return err
		}
		return json.Unmarshal(sess.State, &st)
	})
	return err == nil && st.Hosted != nil
}

// issueAuthCode stores an authorization code for the user a sign-in page
// sign-in ends with.
func (s *Service) issueAuthCode(tx store.Tx, p *Pool, c *Client, u *store.User, st sessionState) (string, error) {
	code, hash := s.newHandle()
	h := st.Hosted
	state, err := json.Marshal(authCodeState{Username: u.Username, RedirectURI: h.RedirectURI, Scopes: h.Scopes,
		CodeChallenge: h.CodeChallenge, Nonce: h.Nonce, AuthTime: st.AuthTime})
	if err != nil {
		return "", err
	}
	now := s.now()
	err = tx.Sessions().Create(&store.Session{IDHash: hash, PoolID: p.ID, ClientID: c.ID, Sub: u.Sub,
		Challenge: sessionAuthCode, State: state, CreatedAt: now, ExpiresAt: now.Add(authCodeTTL)})
	return code, err
}

// redeemCode is the authorization_code grant: the code must be this
// client's, unused and unexpired, for this redirect_uri, and answer its
// PKCE challenge. It is spent even when the check after it fails, so a
// code is tried once.
func (s *Service) redeemCode(ctx context.Context, p *Pool, c *Client, in TokenRequest) (*OAuthTokens, error) {
	if in.Code == "" || in.RedirectURI == "" {
		return nil, oauthError("invalid_request")
	}
	if !c.AllowedOAuthFlowsUserPool || !slices.Contains(c.AllowedOAuthFlows, "code") {
		return nil, oauthError("unauthorized_client")
	}
	return s.redeem(ctx, p, c, in)
}

// redeemImplicit turns the code a sign-in for the implicit grant ended with
// into its tokens at once: access and (with openid) ID tokens, never a
// refresh token.
// https://docs.aws.amazon.com/cognito/latest/developerguide/authorization-endpoint.html
func (s *Service) redeemImplicit(ctx context.Context, p *Pool, c *Client, code, redirectURI string) (*OAuthTokens, error) {
	t, err := s.redeem(ctx, p, c, TokenRequest{Code: code, RedirectURI: redirectURI})
	if err != nil {
		return nil, err
	}
	t.RefreshToken = ""
	return t, nil
}

// redeem spends an authorization code for its tokens.
func (s *Service) redeem(ctx context.Context, p *Pool, c *Client, in TokenRequest) (*OAuthTokens, error) {
	hash := hashHandle(in.Code)
	var pt *pendingTokens
	var refused error
	err := s.update(ctx, func(tx store.Tx) error {
		sess, err := tx.Sessions().Get(hash)
		if errors.Is(err, store.ErrNotFound) {
			refused = oauthError("invalid_grant")
			return nil
		}
		if err != nil {
			return err
		}
		if sess.Challenge != sessionAuthCode || sess.ClientID != c.ID || sess.PoolID != p.ID ||
			sess.ConsumedAt != nil || !s.now().Before(sess.ExpiresAt) {
			refused = oauthError("invalid_grant")
			return nil
		}
		if err := consume(tx, hash, s.now()); err != nil {
			return err
		}
		var st authCodeState
		if err := json.Unmarshal(sess.State, &st); err != nil {
			return err
		}
		if st.RedirectURI != in.RedirectURI || !pkceAnswers(st.CodeChallenge, in.CodeVerifier) {
			refused = oauthError("invalid_grant")
			return nil // the code stays spent
		}
		u, err := tx.Users().Get(p.ID, sess.Sub)
		if errors.Is(err, store.ErrNotFound) {
			refused = oauthError("invalid_grant")
			return nil
		}
		if err != nil {
			return err
		}
		if !u.Enabled || resetDue(u) {
			refused = oauthError("invalid_grant")
			return nil
		}
		// Every scope of the code a custom one deleted since: no grant is
		// left to make (readSigning would refuse it).
		live, err := liveScopes(tx, p.ID, st.Scopes)
		if err != nil {
			return err
		}
		if len(live) == 0 {
			refused = oauthError("invalid_grant")
			return nil // the code stays spent
		}
		pt, err = s.grantTokens(tx, p, c, u, sessionState{Username: u.Username, EventID: uuid.New().String(), AuthTime: st.AuthTime,
			codeScopes: st.Scopes, OAuth: true})
		if err != nil {
			return err
		}
		pt.nonce, pt.codeGrant = st.Nonce, true
		return nil
	})
	if err != nil {
		return nil, err
	}
	if refused != nil {
		return nil, refused
	}
	res, err := s.sign(ctx, p, c, pt)
	if err != nil {
		return nil, err
	}
	return &OAuthTokens{AccessToken: res.AccessToken, IDToken: res.IDToken, RefreshToken: res.RefreshToken, ExpiresIn: res.ExpiresIn}, nil
}

// pkceAnswers reports whether verifier answers an S256 challenge (RFC 7636
// §4.6); with no challenge, there is nothing to answer.
func pkceAnswers(challenge, verifier string) bool {
	if challenge == "" {
		return true
	}
	sum := sha256.Sum256([]byte(verifier))
	got := base64.RawURLEncoding.EncodeToString(sum[:])
	return verifier != "" && subtle.ConstantTimeCompare([]byte(got), []byte(challenge)) == 1
}

// ErrInvalidToken: the userInfo endpoint's refusal of an access token that
// is not valid, not the user's any more, or lacks the openid scope (as
// the API's own tokens do).
var ErrInvalidToken = errors.New("idp: invalid access token for userInfo")

// UserInfo answers the userInfo endpoint: the attributes of the token's
// user that its client may read, within its scopes. openid alone, or with
// profile, shows all of them: "The profile scope grants access to all user
// attributes that are readable by the client"
// (https://docs.aws.amazon.com/cognito/latest/developerguide/cognito-user-pools-app-idp-settings.html).
// Without profile, email and phone show their own attributes only
// (https://docs.aws.amazon.com/cognito/latest/developerguide/userinfo-endpoint.html).
// Values are strings as stored (email_verified "true"), with sub and username.
func (s *Service) UserInfo(ctx context.Context, accessToken string) (map[string]string, error) {
	var out map[string]string
	err := s.view(ctx, func(tx store.Tx) error {
		p, u, claims, err := s.authorizeScope(tx, accessToken, "openid")
		var e *Error
		if errors.As(err, &e) && e.Code != InternalErrorException {
			return ErrInvalidToken
		}
		if err != nil {
			return err
		}
		c, err := poolClient(tx, p.ID, claims.ClientID)
		if err != nil {
			return ErrInvalidToken
		}
		scopes := strings.Fields(claims.Scope)
		narrowed := !slices.Contains(scopes, "profile") &&
			slices.ContainsFunc(scopes, func(sc string) bool { return sc == "email" || sc == "phone" })
		shown := func(name string) bool {
			switch {
			case !narrowed:
				return true
			case name == "email" || name == "email_verified":
				return slices.Contains(scopes, "email")
			case name == "phone_number" || name == "phone_number_verified":
				return slices.Contains(scopes, "phone")
			}
			return false
		}
		out = map[string]string{}
		for name, v := range idTokenAttributes(p, c, u) {
			if shown(name) {
				out[name] = v
			}
		}
		out["sub"], out["username"] = u.Sub, u.Username
		return nil
	})
	return out, err
}

// CheckLogout checks a sign-out request of the logout endpoint: either a
// logout_uri the client registered (LogoutURLs), where the browser goes
// next, or, with response_type, an authorization request to sign in again
// (its redirect_uri a registered callback). There is no sign-in session
// to end here: the wire ends the managed login session (SignOut).
// https://docs.aws.amazon.com/cognito/latest/developerguide/logout-endpoint.html
func (s *Service) CheckLogout(ctx context.Context, clientID, logoutURI string, again *AuthorizeRequest) error {
	if again != nil {
		_, err := s.CheckAuthorize(ctx, *again)
		return err
	}
	_, c, err := s.clientFor(ctx, false, "", clientID)
	if IsCode(err, ResourceNotFoundException) || err == nil && !slices.Contains(c.LogoutURLs, logoutURI) {
		return &AuthorizeError{Code: "invalid_request"}
	}
	return err
}
