package idp

import (
	"context"

	"github.com/ninshou/ninshou/internal/store"
)

// Account state: disabling and enabling users, and self-service deletion.

// AdminDisableUser deactivates a user: it can no longer sign in ("User is
// disabled."), its refresh tokens stop working and every access token
// issued so far is revoked. The user keeps its attributes and status.
// https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_AdminDisableUser.html
func (s *Service) AdminDisableUser(ctx context.Context, poolID, username string) error {
	return s.adminChangeUser(ctx, poolID, username, func(tx store.Tx, _ *Pool, u *store.User) error {
		u.Enabled = false
		return signOut(tx, u, s.now())
	})
}

// AdminEnableUser reactivates a disabled user. Tokens revoked by the
// disabling stay revoked: the user signs in again.
// https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_AdminEnableUser.html
func (s *Service) AdminEnableUser(ctx context.Context, poolID, username string) error {
	return s.adminChangeUser(ctx, poolID, username, func(_ store.Tx, _ *Pool, u *store.User) error {
		u.Enabled = true
		return nil
	})
}

// DeleteUser deletes the signed-in user, revoking its token families so
// that nothing issued to it stays usable.
// https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_DeleteUser.html
func (s *Service) DeleteUser(ctx context.Context, accessToken string) error {
	return s.update(ctx, func(tx store.Tx) error {
		p, u, _, err := s.authorize(tx, accessToken)
		if err != nil {
			return err
		}
		if _, err := tx.TokenFamilies().RevokeUser(p.ID, u.Sub, s.now()); err != nil {
			return err
		}
		return tx.Users().Delete(p.ID, u.Sub)
	})
}
