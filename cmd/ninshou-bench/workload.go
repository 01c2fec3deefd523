package main

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"sync"
	"sync/atomic"
	"time"
)

// op is one timed operation; n numbers it from 1 within a measurement.
type op func(ctx context.Context, n int64) error

// workload prepares a target, outside the timed window, and returns the
// operation to time.
type workload interface {
	Name() string
	Setup(ctx context.Context, c *client, t *target, tag string) (op, error)
}

// errSkipped is returned by Setup when the target cannot run the workload.
var errSkipped = errors.New("skipped")

// allWorkloads are the workloads, in the order they run; password-signin
// takes users round-robin.
func allWorkloads(users int) []workload {
	return []workload{
		passwordSignin{users: users}, refreshWorkload{users: users}, getUser{users: users},
		adminCreateUser{}, newPasswordFlow{}, foundingFlow{},
	}
}

// passwordSignin times one InitiateAuth USER_PASSWORD_AUTH returning tokens.
type passwordSignin struct{ users int }

func (passwordSignin) Name() string { return "password-signin" }

const signinPassword = "Bench#Pass1"

func (w passwordSignin) Setup(ctx context.Context, c *client, _ *target, tag string) (op, error) {
	poolID, clientID, err := c.createPool(ctx, "bench-signin-"+tag)
	if err != nil {
		return nil, err
	}
	names := make([]string, w.users)
	for i := range names {
		names[i] = benchUser("signin", int64(i), tag)
	}
	err = parallel(ctx, len(names), 8, func(i int) error {
		u := names[i]
		if err := c.createUser(ctx, poolID, u); err != nil {
			return err
		}
		if err := c.setPassword(ctx, poolID, u, signinPassword, true); err != nil {
			return err
		}
		// Each user signs in once before the clock starts: this checks the
		// workload and leaves the users as they will be when timed.
		a, err := c.initiatePasswordAuth(ctx, clientID, u, signinPassword)
		if err != nil {
			return err
		}
		return a.tokens("InitiateAuth")
	})
	if err != nil {
		return nil, err
	}
	return func(ctx context.Context, n int64) error {
		a, err := c.initiatePasswordAuth(ctx, clientID, names[n%int64(len(names))], signinPassword)
		if err != nil {
			return err
		}
		return a.tokens("InitiateAuth")
	}, nil
}

// foundingFlow times the founding scenario for one new user, from
// AdminCreateUser to the tokens after the email OTP.
type foundingFlow struct{}

func (foundingFlow) Name() string { return "founding-flow" }

const (
	temporaryPassword = "Temp#Pass1"
	newPassword       = "N3w#Password"
)

func (foundingFlow) Setup(ctx context.Context, c *client, t *target, tag string) (op, error) {
	if !t.Outbox {
		return nil, fmt.Errorf("%w: %s serves no outbox to read the email code from", errSkipped, t.Name)
	}
	poolID, clientID, err := c.createPool(ctx, "bench-founding-"+tag)
	if err != nil {
		return nil, err
	}
	err = c.call(ctx, "SetUserPoolMfaConfig", true, map[string]any{
		"UserPoolId":       poolID,
		"MfaConfiguration": "ON",
		"EmailMfaConfiguration": map[string]string{
			"Message": "Your sign-in code is {####}",
			"Subject": "Your sign-in code",
		},
	}, nil)
	if err != nil {
		return nil, err
	}
	f := &founding{c: c, poolID: poolID, clientID: clientID, tag: tag}
	// One flow before the clock starts checks the workload end to end.
	if err := f.run(ctx, 0); err != nil {
		return nil, err
	}
	return f.run, nil
}

// founding runs flows in one pool.
type founding struct {
	c                *client
	poolID, clientID string
	tag              string
	seq              atomic.Int64 // usernames stay unique across measurements
	// seen is the highest outbox message id read so far. Message ids grow,
	// so a code requested after seen was read has a greater id, and the
	// outbox poll can start after it instead of at the beginning.
	seen atomic.Int64
}

var sixDigits = regexp.MustCompile(`\b([0-9]{6})\b`)

func (f *founding) run(ctx context.Context, _ int64) error {
	c := f.c
	user := benchUser("founder", f.seq.Add(1), f.tag)
	email := user
	if err := c.createUser(ctx, f.poolID, user); err != nil {
		return err
	}
	if err := c.setPassword(ctx, f.poolID, user, temporaryPassword, false); err != nil {
		return err
	}
	first, err := c.initiatePasswordAuth(ctx, f.clientID, user, temporaryPassword)
	if err != nil {
		return err
	}
	if err := first.challenge("InitiateAuth", "NEW_PASSWORD_REQUIRED"); err != nil {
		return err
	}
	after := f.seen.Load()
	second, err := c.respond(ctx, f.clientID, "NEW_PASSWORD_REQUIRED", first.Session,
		map[string]string{"USERNAME": user, "NEW_PASSWORD": newPassword})
	if err != nil {
		return err
	}
	if err := second.challenge("RespondToAuthChallenge NEW_PASSWORD_REQUIRED", "EMAIL_OTP"); err != nil {
		return err
	}
	code, err := f.readCode(ctx, email, after)
	if err != nil {
		return err
	}
	third, err := c.respond(ctx, f.clientID, "EMAIL_OTP", second.Session,
		map[string]string{"USERNAME": user, "EMAIL_OTP_CODE": code})
	if err != nil {
		return err
	}
	return third.tokens("RespondToAuthChallenge EMAIL_OTP")
}

// readCode polls the outbox for the code sent to email, for up to 10 s.
func (f *founding) readCode(ctx context.Context, email string, after int64) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	wait := 500 * time.Microsecond
	for {
		msgs, err := f.c.outbox(ctx, email, after)
		if err != nil {
			return "", err
		}
		for _, m := range msgs {
			raise(&f.seen, m.ID)
			if got := sixDigits.FindStringSubmatch(m.Body); got != nil {
				return got[1], nil
			}
			return "", fmt.Errorf("outbox: no 6-digit code in the message to %s: %q", email, m.Body)
		}
		select {
		case <-ctx.Done():
			return "", fmt.Errorf("outbox: no message to %s: %w", email, ctx.Err())
		case <-time.After(wait):
		}
		wait = min(2*wait, 20*time.Millisecond)
	}
}

// raise sets v to x if x is greater.
func raise(v *atomic.Int64, x int64) {
	for {
		old := v.Load()
		if x <= old || v.CompareAndSwap(old, x) {
			return
		}
	}
}

// parallel runs fn(0..n-1) on up to workers goroutines and returns the
// first error; the others stop early.
func parallel(ctx context.Context, n, workers int, fn func(i int) error) error {
	var next atomic.Int64
	var once sync.Once
	var first error
	var wg sync.WaitGroup
	for range min(workers, n) {
		wg.Go(func() {
			for {
				i := int(next.Add(1) - 1)
				if i >= n || ctx.Err() != nil {
					return
				}
				if err := fn(i); err != nil {
					once.Do(func() { first = err })
					next.Store(int64(n)) // stop the others
					return
				}
			}
		})
	}
	wg.Wait()
	if first == nil {
		return ctx.Err()
	}
	return first
}
