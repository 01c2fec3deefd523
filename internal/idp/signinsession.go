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
}

// newSignInSession starts the managed login session of a sign-in that
// ended on the pages; its handle goes in the browser's cookie.
func (s *Service) newSignInSession(tx store.Tx, p *Pool, c *Client, u *store.User, authTime int64) (string, error) {
	handle, hash := s.newHandle()
	state, err := json.Marshal(signInSessionState{AuthTime: authTime})
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
		sess, err := tx.Sessions().Get(hashHandle(handle))
		if errors.Is(err, store.ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		now := s.now()
		if sess.Challenge != sessionSignIn || sess.PoolID != p.ID || sess.ConsumedAt != nil || !now.Before(sess.ExpiresAt) {
			return nil
		}
		u, err := tx.Users().Get(p.ID, sess.Sub)
		if errors.Is(err, store.ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		if !u.Enabled || !u.TokensRevokedAt.IsZero() && !u.TokensRevokedAt.Before(sess.CreatedAt) {
			return nil
		}
		if federated := u.Status == StatusExternalProvider; federated && !slices.ContainsFunc(userIdentities(u), func(id linkedIdentity) bool {
			return slices.Contains(c.SupportedIdentityProviders, id.ProviderName)
		}) || !federated && !slices.Contains(c.SupportedIdentityProviders, cognitoProvider) {
			return nil // this client does not sign in users of that kind
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

// EndSignInSession ends the managed login session handle names (the
// logout endpoint); an unknown or ended one is no error.
func (s *Service) EndSignInSession(ctx context.Context, handle string) error {
	if handle == "" {
		return nil
	}
	hash := hashHandle(handle)
	return s.update(ctx, func(tx store.Tx) error {
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
		return nil
	})
}
