package idp

import (
	"context"
	"crypto/subtle"
	"errors"
	"strings"
	"time"

	"github.com/ninshou/ninshou/internal/idp/tokens"
	"github.com/ninshou/ninshou/internal/store"
)

// GetTokensFromRefreshToken and RevokeToken.
//
// With the client's RefreshTokenRotation ENABLED every refresh answers a new
// refresh token of the same family (valid for what remains of the original,
// as AWS documents) and retires the submitted one; a retired token still
// works for RetryGracePeriodSeconds (client retries), after which presenting
// it is reuse: RefreshTokenReuseException, and the whole family is revoked,
// because either the client or a thief holds a stolen copy
// (research/security.md §6.5 #35). Without rotation only ID and access
// tokens are issued, as by REFRESH_TOKEN_AUTH.
// https://docs.aws.amazon.com/cognito/latest/developerguide/amazon-cognito-user-pools-using-the-refresh-token.html

var (
	errRefreshReused   = Errorf(RefreshTokenReuseException, "Refresh Token has been reused")
	errClientSecret    = Errorf(NotAuthorizedException, "Client secret is not valid")
	errRevokeClient    = Errorf(UnauthorizedException, "Client is not authorized to revoke this token")
	errRevokeDisabled  = Errorf(UnsupportedOperationException, "Token revocation is not enabled for the client")
	errUnsupportedType = Errorf(UnsupportedTokenTypeException, "Unsupported token type")
)

// secretMatches compares a raw ClientSecret with the client's.
func secretMatches(c *Client, given string) bool {
	if c.Secret == "" {
		return true // clients without a secret ignore one
	}
	ok := false
	for _, secret := range c.Secrets {
		ok = subtle.ConstantTimeCompare([]byte(secret.Value), []byte(given)) == 1 || ok
	}
	return ok
}

// GetTokensFromRefreshToken issues new tokens from a refresh token.
// https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_GetTokensFromRefreshToken.html
// deviceKey is the request's DeviceKey (a family minted for a tracked
// device refreshes only from it).
func (s *Service) GetTokensFromRefreshToken(ctx context.Context, clientID, clientSecret, value, deviceKey string) (*AuthResult, error) {
	p, c, err := s.clientFor(ctx, false, "", clientID)
	if err != nil {
		return nil, err
	}
	if !secretMatches(c, clientSecret) {
		return nil, errClientSecret
	}
	// A rotating client refreshes only here: "Refresh token rotation isn't
	// compatible with the authentication flow REFRESH_TOKEN_AUTH. To
	// implement refresh token rotation, you must disable this authentication
	// flow in your app client" (amazon-cognito-user-pools-using-the-refresh-token.html).
	if !c.RefreshRotation && !c.AllowsFlow(FlowAllowRefresh) {
		return nil, Errorf(InvalidParameterException, "REFRESH_TOKEN_AUTH is not enabled for the client.")
	}
	if !c.RefreshRotation {
		var pt *pendingTokens
		err := s.view(ctx, func(tx store.Tx) error {
			var err error
			pt, err = s.refreshTokens(tx, p, c, value, deviceKey)
			return err
		})
		if err != nil {
			return nil, err
		}
		step, err := s.finish(ctx, p, c, nil, pt)
		if err != nil {
			return nil, err
		}
		return step.Result, nil
	}
	var pt *pendingTokens
	var failure error
	err = s.updateGrant(ctx, p, c, &pt, func(tx store.Tx) error {
		rt, fam, u, err := s.refreshGrant(tx, p, c, value, deviceKey)
		if err != nil {
			return err
		}
		now := s.now()
		if rt.ReplacedAt != nil {
			grace := time.Duration(c.RefreshRotationGrace) * time.Second
			if !now.Before(rt.ReplacedAt.Add(grace)) {
				if err := tx.TokenFamilies().Revoke(fam.ID, now); err != nil && !errors.Is(err, store.ErrConflict) {
					return err
				}
				failure = errRefreshReused
				return nil // commit the revocation
			}
		} else if err := tx.RefreshTokens().MarkReplaced(rt.Hash, now); err != nil {
			return err
		}
		next, hash, err := tokens.NewRefreshToken(s.rand())
		if err != nil {
			return err
		}
		if err := tx.RefreshTokens().Create(&store.RefreshToken{Hash: hash, FamilyID: fam.ID, CreatedAt: now, ExpiresAt: rt.ExpiresAt}); err != nil {
			return err
		}
		pt = refreshedGrant(fam, u, next)
		return readSigning(tx, pt)
	})
	if err != nil {
		return nil, err
	}
	if failure != nil {
		return nil, failure
	}
	step, err := s.finish(ctx, p, c, nil, pt)
	if err != nil {
		return nil, err
	}
	return step.Result, nil
}

// RevokeToken revokes a refresh token's family: the token, every token
// refreshed from it and the access tokens they carry (origin_jti). Other
// sign-ins of the same user are untouched. An unknown or expired token is
// not an error (RFC 7009 §2.2), so the call reveals nothing about it.
// https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_RevokeToken.html
func (s *Service) RevokeToken(ctx context.Context, clientID, clientSecret, value string) error {
	var c *Client
	err := s.view(ctx, func(tx store.Tx) error {
		var err error
		c, err = getClient(tx, clientID)
		return err
	})
	if IsCode(err, ResourceNotFoundException) {
		return errRevokeClient
	}
	if err != nil {
		return err
	}
	if c.Secret != "" && !secretMatches(c, clientSecret) {
		return errRevokeClient
	}
	if !c.EnableTokenRevocation {
		return errRevokeDisabled
	}
	if strings.Count(value, ".") == 2 { // a JWT: ID or access token
		return errUnsupportedType
	}
	return s.update(ctx, func(tx store.Tx) error {
		rt, err := tx.RefreshTokens().Get(tokens.HashRefreshToken(value))
		if errors.Is(err, store.ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		fam, err := tx.TokenFamilies().Get(rt.FamilyID)
		if errors.Is(err, store.ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		if fam.ClientID != c.ID {
			return errRevokeClient
		}
		err = tx.TokenFamilies().Revoke(fam.ID, s.now())
		if errors.Is(err, store.ErrConflict) {
			return nil // already revoked
		}
		return err
	})
}
