package idp

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"time"

	"github.com/google/uuid"
	"github.com/ninshou/ninshou/internal/store"
)

// The managed login session: "When your user signs in with managed login,
// Amazon Cognito sets session cookies that are valid for 1 hour"
// (amazon-cognito-user-pools-using-the-id-token.html). While it lasts, an
// authorization request of any app client of the pool signs the same user
// in again without a page; prompt=login asks for the page anyway, and
// prompt=none for no page at all (login_required without a session). The
// logout endpoint ends it. A global sign-out or a disabled user ends it
// too.

// signInSessionTTL is the session cookie's lifetime.
const signInSessionTTL = time.Hour

// sessionSignIn marks a managed login session in the session store.
const sessionSignIn = "MANAGED_LOGIN"

// signInSessionState is what a managed login session remembers: when its
// user signed in (the auth_time of the tokens it leads to).
type signInSessionState struct {
	AuthTime int64 `json:"t"`
	// SAML is the SAML provider's session the sign-in began, if it was
	// federated through one: the logout endpoint ends that too.
	SAML *samlSignIn `json:"s,omitempty"`
}

// samlSignIn is a SAML provider's session: who the Assertion named, in
// which of the IdP's sessions.
type samlSignIn struct {
	Provider        string `json:"p"`
	NameID          string `json:"n"`
	NameIDFormat    string `json:"f,omitempty"`
	NameQualifier   string `json:"q,omitempty"`
	SPNameQualifier string `json:"sq,omitempty"`
	SessionIndex    string `json:"i,omitempty"`
}

// newSignInSession starts the managed login session of a sign-in that
// ended on the pages; its handle goes in the browser's cookie.
func (s *Service) newSignInSession(tx store.Tx, p *Pool, c *Client, u *store.User, authTime int64, saml *samlSignIn) (string, error) {
	handle, hash := s.newHandle()
	state, err := json.Marshal(signInSessionState{AuthTime: authTime, SAML: saml})
	if err != nil {
		return "", err
	}
	now := s.now()
	err = tx.Sessions().Create(&store.Session{IDHash: hash, PoolID: p.ID, ClientID: c.ID, Sub: u.Sub,
		Challenge: sessionSignIn, State: state, CreatedAt: now, ExpiresAt: now.Add(signInSessionTTL)})
	return handle, err
}

// ErrLoginRequired answers prompt=none without a managed login session.
var ErrLoginRequired = &AuthorizeError{Code: "login_required", Redirect: true}

// ResumeSignIn answers a checked authorization request from the managed
// login session handle names: the code (or the implicit grant's tokens) for
// its user, as a sign-in on the page would end; nil when there is no such
// session (unknown, ended, expired, of another pool, its user disabled,
// deleted or signed out since).
func (s *Service) ResumeSignIn(ctx context.Context, in AuthorizeRequest, handle string) (*Step, error) {
	if handle == "" {
		return nil, nil
	}
	p, c, scopes, err := s.checkAuthorize(ctx, in)
	if err != nil {
		return nil, err
	}
	var pending *pendingTokens
	err = s.updateGrant(ctx, p, c, &pending, func(tx store.Tx) error {
		sess, u, err := s.managedLoginUser(tx, p, c, handle)
		if err != nil || u == nil {
			return err
		}
		var st signInSessionState
		if err := json.Unmarshal(sess.State, &st); err != nil {
			return err
		}
		h := hostedGrantOf(in, scopes)
		pending, err = s.grantTokens(tx, p, c, u, sessionState{Username: u.Username, EventID: uuid.New().String(),
			AuthTime: st.AuthTime, Hosted: &h, Resumed: true})
		return err
	})
	if err != nil || pending == nil {
		return nil, err
	}
	return s.finish(ctx, p, c, nil, pending)
}

// managedLoginUser is the user of the live managed login session handle
// names, for client c of pool p, with the session; nil when there is none
// (unknown, ended, expired, of another pool, its user disabled, deleted or
// signed out since, or a user of a kind c does not sign in).
func (s *Service) managedLoginUser(tx store.Tx, p *Pool, c *Client, handle string) (*store.Session, *store.User, error) {
	if handle == "" {
		return nil, nil, nil
	}
	sess, err := tx.Sessions().Get(hashHandle(handle))
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil, nil
	}
	if err != nil {
		return nil, nil, err
	}
	if sess.Challenge != sessionSignIn || sess.PoolID != p.ID || sess.ConsumedAt != nil || !s.now().Before(sess.ExpiresAt) {
		return nil, nil, nil
	}
	u, err := tx.Users().Get(p.ID, sess.Sub)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil, nil
	}
	if err != nil {
		return nil, nil, err
	}
	if !u.Enabled || resetDue(u) || !u.TokensRevokedAt.IsZero() && !u.TokensRevokedAt.Before(sess.CreatedAt) {
		return nil, nil, nil
	}
	if federated := u.Status == StatusExternalProvider; federated && !slices.ContainsFunc(userIdentities(u), func(id linkedIdentity) bool {
		return slices.Contains(c.SupportedIdentityProviders, id.ProviderName)
	}) || !federated && !slices.Contains(c.SupportedIdentityProviders, cognitoProvider) {
		return nil, nil, nil // this client does not sign in users of that kind
	}
	return sess, u, nil
}

// SignOut ends the managed login session handle names (the logout
// endpoint; an unknown or ended one is no error) and returns where the
// browser goes: destination, or first, when the session came from a SAML
// provider with single logout (IDPSignout) and a logout endpoint in its
// metadata, that endpoint with a signed LogoutRequest, whose answer at
// /saml2/logout (FinishSAMLLogout) then goes on to destination.
// https://docs.aws.amazon.com/cognito/latest/developerguide/cognito-user-pools-saml-idp-sign-out.html
func (s *Service) SignOut(ctx context.Context, handle, destination string) (string, error) {
	if handle == "" {
		return destination, nil
	}
	hash := hashHandle(handle)
	target := destination
	err := s.withSigningKey(ctx, func() error {
		return s.update(ctx, func(tx store.Tx) error {
			target = destination
			sess, err := tx.Sessions().Get(hash)
			if errors.Is(err, store.ErrNotFound) {
				return nil
			}
			if err != nil {
				return err
			}
			if sess.Challenge != sessionSignIn || sess.ConsumedAt != nil {
				return nil
			}
			if err := consume(tx, hash, s.now()); err != nil && !errors.Is(err, errSessionUsed) {
				return err
			}
			var st signInSessionState
			if err := json.Unmarshal(sess.State, &st); err != nil || st.SAML == nil || !s.now().Before(sess.ExpiresAt) {
				return err
			}
			ip, _, err := getIdentityProvider(tx, sess.PoolID, st.SAML.Provider)
			if IsCode(err, ResourceNotFoundException) {
				return nil
			}
			if err != nil {
				return err
			}
			slo := ip.Details["SLORedirectBindingURI"]
			if ip.Type != ProviderSAML || ip.Details["IDPSignout"] != "true" || slo == "" {
				return nil
			}
			target, err = s.samlLogoutRequest(tx, sess.PoolID, st.SAML, slo, destination)
			return err
		})
	})
	if err != nil {
		return "", err
	}
	return target, nil
}
