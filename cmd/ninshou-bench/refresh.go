package main

import (
	"context"
	"fmt"
)

// refreshWorkload times one InitiateAuth REFRESH_TOKEN_AUTH returning an ID
// and an access token, for users who signed in once during setup (their
// refresh tokens taken round-robin). Cognito does not rotate refresh tokens
// by default, so one token serves every operation of its user. The cost is
// reading the refresh token and its family and signing two tokens: no
// password hashing.
type refreshWorkload struct{ users int }

func (refreshWorkload) Name() string { return "refresh" }

func (w refreshWorkload) Setup(ctx context.Context, c *client, _ *target, tag string) (op, error) {
	poolID, clientID, err := c.createPool(ctx, "bench-refresh-"+tag)
	if err != nil {
		return nil, err
	}
	tokens := make([]string, w.users)
	err = parallel(ctx, w.users, 8, func(i int) error {
		u := benchUser("refresh", int64(i), tag)
		if err := c.createUser(ctx, poolID, u); err != nil {
			return err
		}
		if err := c.setPassword(ctx, poolID, u, signinPassword, true); err != nil {
			return err
		}
		a, err := c.initiatePasswordAuth(ctx, clientID, u, signinPassword)
		if err != nil {
			return err
		}
		if err := a.tokens("InitiateAuth"); err != nil {
			return err
		}
		if a.AuthenticationResult == nil || a.AuthenticationResult.RefreshToken == "" {
			return fmt.Errorf("InitiateAuth of %s returned no refresh token", u)
		}
		tokens[i] = a.AuthenticationResult.RefreshToken
		return nil
	})
	if err != nil {
		return nil, err
	}
	refresh := func(ctx context.Context, n int64) error {
		var out authAnswer
		err := c.call(ctx, "InitiateAuth", false, map[string]any{
			"AuthFlow":       "REFRESH_TOKEN_AUTH",
			"ClientId":       clientID,
			"AuthParameters": map[string]string{"REFRESH_TOKEN": tokens[n%int64(len(tokens))]},
		}, &out)
		if err != nil {
			return err
		}
		return out.tokens("InitiateAuth REFRESH_TOKEN_AUTH")
	}
	if err := refresh(ctx, 0); err != nil {
		return nil, err
	}
	return refresh, nil
}
