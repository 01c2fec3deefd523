package main

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
)

// getUser times one GetUser authorised by an access token, for users who
// signed in once during setup (their tokens taken round-robin).
type getUser struct{ users int }

func (getUser) Name() string { return "get-user" }

func (w getUser) Setup(ctx context.Context, c *client, _ *target, tag string) (op, error) {
	poolID, clientID, err := c.createPool(ctx, "bench-getuser-"+tag)
	if err != nil {
		return nil, err
	}
	tokens := make([]string, w.users)
	err = parallel(ctx, w.users, 8, func(i int) error {
		u := benchUser("getuser", int64(i), tag)
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
		tokens[i] = a.AuthenticationResult.AccessToken
		return nil
	})
	if err != nil {
		return nil, err
	}
	get := func(ctx context.Context, n int64) error {
		var out struct {
			Username string `json:"Username"`
		}
		if err := c.call(ctx, "GetUser", false, map[string]any{"AccessToken": tokens[n%int64(len(tokens))]}, &out); err != nil {
			return err
		}
		if out.Username == "" {
			return errors.New("GetUser: no Username in the answer")
		}
		return nil
	}
	return checked(ctx, get)
}

// adminCreateUser times one AdminCreateUser of a new user with a verified
// email and no message (SUPPRESS); the server generates the temporary
// password, which it stores as it stores any password.
type adminCreateUser struct{}

func (adminCreateUser) Name() string { return "admin-create-user" }

func (adminCreateUser) Setup(ctx context.Context, c *client, _ *target, tag string) (op, error) {
	poolID, _, err := c.createPool(ctx, "bench-create-"+tag)
	if err != nil {
		return nil, err
	}
	var seq atomic.Int64
	create := func(ctx context.Context, _ int64) error {
		return c.createUser(ctx, poolID, benchUser("created", seq.Add(1), tag))
	}
	return checked(ctx, create)
}

// newPasswordFlow is the founding flow without its second factor, which
// every emulator can run: AdminCreateUser -> AdminSetUserPassword
// (temporary) -> InitiateAuth (NEW_PASSWORD_REQUIRED) ->
// RespondToAuthChallenge NEW_PASSWORD_REQUIRED -> tokens, in a pool with MFA
// OFF.
type newPasswordFlow struct{}

func (newPasswordFlow) Name() string { return "new-password-flow" }

func (newPasswordFlow) Setup(ctx context.Context, c *client, _ *target, tag string) (op, error) {
	poolID, clientID, err := c.createPool(ctx, "bench-newpw-"+tag)
	if err != nil {
		return nil, err
	}
	var seq atomic.Int64
	flow := func(ctx context.Context, _ int64) error {
		user := benchUser("newpw", seq.Add(1), tag)
		if err := c.createUser(ctx, poolID, user); err != nil {
			return err
		}
		if err := c.setPassword(ctx, poolID, user, temporaryPassword, false); err != nil {
			return err
		}
		first, err := c.initiatePasswordAuth(ctx, clientID, user, temporaryPassword)
		if err != nil {
			return err
		}
		if err := first.challenge("InitiateAuth", "NEW_PASSWORD_REQUIRED"); err != nil {
			return err
		}
		second, err := c.respond(ctx, clientID, "NEW_PASSWORD_REQUIRED", first.Session,
			map[string]string{"USERNAME": user, "NEW_PASSWORD": newPassword})
		if err != nil {
			return err
		}
		return second.tokens("RespondToAuthChallenge NEW_PASSWORD_REQUIRED")
	}
	return checked(ctx, flow)
}

// checked runs o once before the clock starts; an operation the target
// does not implement makes the workload n/a rather than a failure.
func checked(ctx context.Context, o op) (op, error) {
	if err := o(ctx, 0); err != nil {
		if unsupported(err) {
			return nil, fmt.Errorf("%w: n/a (%w)", errSkipped, err)
		}
		return nil, err
	}
	return o, nil
}

// unsupported reports whether err says the target does not implement an
// operation or a feature, in any of the ways the emulators say it.
func unsupported(err error) bool {
	if errors.Is(err, errNoLimit) || errors.Is(err, errNoCount) {
		return true
	}
	var e *apiError
	if !errors.As(err, &e) {
		return false
	}
	switch e.Type {
	case "UnsupportedOperationException", "UnknownOperationException", "NotImplemented",
		"NotImplementedException", "UnsupportedOperation", "InvalidAction":
		return true
	}
	return e.Status == 501
}
