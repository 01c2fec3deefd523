package idp

import (
	"context"
	"errors"
	"strings"

	"github.com/ninshou/ninshou/internal/idp/tokens"
	"github.com/ninshou/ninshou/internal/store"
)

var (
	errAccessInvalid = Errorf(NotAuthorizedException, tokens.MsgInvalidAccessToken)
	errAccessRevoked = Errorf(NotAuthorizedException, "Access Token has been revoked")
	errAccessScope   = Errorf(NotAuthorizedException, "Access Token does not have required scopes")
)

// adminScope is the scope the token-authorized operations require.
const adminScope = "aws.cognito.signin.user.admin"

// authorize checks an access token for the token-authorized operations
// (GetUser, GlobalSignOut, ...) and loads its user.
func (s *Service) authorize(tx store.Tx, accessToken string) (*Pool, *store.User, *tokens.AccessClaims, error) {
	return s.authorizeScope(tx, accessToken, adminScope)
}

// authorizeScope is authorize for a token that must carry scope.
func (s *Service) authorizeScope(tx store.Tx, accessToken, scope string) (*Pool, *store.User, *tokens.AccessClaims, error) {
	claims, err := s.Tokens.VerifyAccess(tx, accessToken)
	var te *tokens.Error
	if errors.As(err, &te) {
		return nil, nil, nil, &Error{Code: NotAuthorizedException, Message: te.Message, Err: te.Err}
	}
	if err != nil {
		return nil, nil, nil, err
	}
	if !strings.Contains(" "+claims.Scope+" ", " "+scope+" ") {
		return nil, nil, nil, errAccessScope
	}
	p, err := getPool(tx, claims.PoolID)
	if err != nil {
		return nil, nil, nil, errAccessInvalid
	}
	u, err := tx.Users().Get(p.ID, claims.Sub)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil, nil, userNotFound()
	}
	if err != nil {
		return nil, nil, nil, err
	}
	if !u.TokensRevokedAt.IsZero() && claims.IssuedAt.Unix() <= u.TokensRevokedAt.Unix() {
		return nil, nil, nil, errAccessRevoked
	}
	if claims.OriginJTI != "" {
		fam, err := tx.TokenFamilies().Get(claims.OriginJTI)
		if err == nil && fam.RevokedAt != nil {
			return nil, nil, nil, errAccessRevoked
		}
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return nil, nil, nil, err
		}
	}
	if !u.Enabled {
		return nil, nil, nil, errUserDisabled
	}
	if resetDue(u) {
		return nil, nil, nil, errResetRequired
	}
	return p, u, claims, nil
}

// resetDue: an administrator reset the user's password, which the user must
// set anew before any token of theirs works again: Cognito answers the
// tokens of before the reset with PasswordResetRequiredException
// (aws-amplify/amplify-js#11456 and #1350 quote it, for GetUser and the
// refresh). A user with no password at all (an imported one) may use the
// tokens of a passwordless sign-in.
func resetDue(u *store.User) bool {
	return u.Status == StatusResetRequired && u.PasswordHash != ""
}

// GetUser returns the user an access token belongs to, with the
// attributes the token's app client may read (its ReadAttributes).
// https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_UserPoolClientType.html
func (s *Service) GetUser(ctx context.Context, accessToken string) (*User, error) {
	var out *User
	err := s.view(ctx, func(tx store.Tx) error {
		p, u, claims, err := s.authorize(tx, accessToken)
		if err != nil {
			return err
		}
		out, err = s.userForClient(tx, p, claims.ClientID, u)
		return err
	})
	return out, err
}

// GlobalSignOut signs the token's user out everywhere.
func (s *Service) GlobalSignOut(ctx context.Context, accessToken string) error {
	return s.update(ctx, func(tx store.Tx) error {
		p, u, _, err := s.authorize(tx, accessToken)
		if err != nil {
			return err
		}
		if err := signOut(tx, u, s.now()); err != nil {
			return err
		}
		return saveUser(tx, p, u)
	})
}

// SetUserMFAPreference is the self-service twin of AdminSetUserMFAPreference.
func (s *Service) SetUserMFAPreference(ctx context.Context, accessToken string, prefs map[string]MFAPreference) error {
	return s.update(ctx, func(tx store.Tx) error {
		p, u, _, err := s.authorize(tx, accessToken)
		if err != nil {
			return err
		}
		if err := setMFAPreference(p, u, prefs); err != nil {
			return err
		}
		u.UpdatedAt = s.now()
		return saveUser(tx, p, u)
	})
}
