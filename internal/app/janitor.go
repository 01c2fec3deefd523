package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"time"

	"github.com/ninshou/ninshou/internal/idp"
	"github.com/ninshou/ninshou/internal/store"
)

// Housekeeping defaults. Every node runs the janitor; there is no leader.
const (
	// JanitorInterval is the mean time between two purges of one node; each
	// wait is drawn from [0.5, 1.5) of it, so nodes started together drift
	// apart instead of purging in step.
	JanitorInterval = time.Minute
	// ExpiredGrace is how long an expired session, code or token family is
	// kept after it expired, so that a late answer still gets Cognito's
	// "expired" error rather than "not found".
	ExpiredGrace = time.Hour
	// OutboxRetention is how long a delivered (or given up) message stays
	// in the outbox, readable at /_ninshou/outbox, before it is purged.
	// Pending messages are never purged.
	OutboxRetention = 7 * 24 * time.Hour
	// PurgeStep is how many users of a deleted pool one transaction
	// removes: a step holds SQLite's one writer for tens of milliseconds, so
	// sign-ins go on while a pool of a million users is purged.
	PurgeStep = 500
)

// Purged counts the rows one housekeeping pass deleted.
type Purged struct {
	Sessions, Codes, TokenFamilies, RefreshTokens, Messages int64
	// ExpiredImportJobs counts the Created import jobs that expired (their
	// rows stay, as Expired, without their files).
	ExpiredImportJobs int64
	// OfDeletedPools counts the users and pools removed after DeleteUserPool.
	OfDeletedPools int64
}

// Total is the number of rows deleted.
func (p Purged) Total() int64 {
	return p.Sessions + p.Codes + p.TokenFamilies + p.RefreshTokens + p.Messages + p.ExpiredImportJobs +
		p.OfDeletedPools
}

// Janitor purges expired single-use state. Each purge is one conditional
// DELETE in a transaction of its own, so any number of janitors may run at
// once, on one node or many, over one database: a row is deleted by one of
// them and the others find nothing left (idempotent, no leader, no lock
// held for longer than one statement).
type Janitor struct {
	Store store.Store
	// Now is the clock (the domain's); time.Now when nil.
	Now func() time.Time
	Log *slog.Logger
	// Interval, Grace and Retention default to JanitorInterval,
	// ExpiredGrace and OutboxRetention.
	Interval, Grace, Retention time.Duration
}

func (j *Janitor) now() time.Time {
	if j.Now != nil {
		return j.Now()
	}
	return time.Now()
}

func orDefault(d, def time.Duration) time.Duration {
	if d > 0 {
		return d
	}
	return def
}

// Run purges at jittered intervals until ctx is done, then returns nil.
// A failed pass (the database is down, say) is logged and tried again at
// the next tick.
func (j *Janitor) Run(ctx context.Context) error {
	interval := orDefault(j.Interval, JanitorInterval)
	for {
		wait := interval/2 + rand.N(interval)
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(wait):
		}
		p, err := j.Purge(ctx)
		if ctx.Err() != nil {
			return nil
		}
		switch {
		case err != nil:
			j.Log.Warn("housekeeping failed", "err", err)
		case p.Total() > 0:
			j.Log.Info("housekeeping", "sessions", p.Sessions, "codes", p.Codes,
				"token_families", p.TokenFamilies, "refresh_tokens", p.RefreshTokens, "messages", p.Messages,
				"expired_import_jobs", p.ExpiredImportJobs, "of_deleted_pools", p.OfDeletedPools)
		}
	}
}

// Purge runs one pass: it deletes sessions, codes, token families (with
// their refresh tokens) and refresh tokens that expired more than Grace
// ago, finished outbox messages older than Retention, the files of import
// jobs never started within idp.ImportJobLifetime (which become Expired),
// and what is left of deleted pools. It goes on after a failed step and returns every error.
func (j *Janitor) Purge(ctx context.Context) (Purged, error) {
	now := j.now()
	expired := now.Add(-orDefault(j.Grace, ExpiredGrace))
	old := now.Add(-orDefault(j.Retention, OutboxRetention))
	var p Purged
	steps := []struct {
		name string
		n    *int64
		del  func(store.Tx) (int64, error)
	}{
		{"sessions", &p.Sessions, func(tx store.Tx) (int64, error) { return tx.Sessions().DeleteExpired(expired) }},
		{"codes", &p.Codes, func(tx store.Tx) (int64, error) { return tx.Codes().DeleteExpired(expired) }},
		{"token families", &p.TokenFamilies, func(tx store.Tx) (int64, error) { return tx.TokenFamilies().DeleteExpired(expired) }},
		{"refresh tokens", &p.RefreshTokens, func(tx store.Tx) (int64, error) { return tx.RefreshTokens().DeleteExpired(expired) }},
		{"outbox", &p.Messages, func(tx store.Tx) (int64, error) { return tx.Outbox().DeleteBefore(old) }},
		{"import jobs", &p.ExpiredImportJobs, func(tx store.Tx) (int64, error) {
			return tx.ImportJobs().ExpireCreated(now.Add(-idp.ImportJobLifetime))
		}},
	}
	var errs []error
	for _, s := range steps {
		err := j.Store.Update(ctx, func(tx store.Tx) error {
			n, err := s.del(tx)
			*s.n = n // fn may run again: the last run's count is the one committed
			return err
		})
		if err != nil {
			*s.n = 0
			errs = append(errs, fmt.Errorf("purge %s: %w", s.name, err))
		}
	}
	n, err := j.purgeDeletedPools(ctx)
	p.OfDeletedPools = n
	if err != nil {
		errs = append(errs, fmt.Errorf("purge deleted pools: %w", err))
	}
	return p, errors.Join(errs...)
}

// purgeDeletedPools removes the users of deleted pools, PurgeStep per
// transaction, then the pools, until none is left or ctx ends. Each step is
// an UpdateBulk: it shares no commit, and other writes take turns with it.
func (j *Janitor) purgeDeletedPools(ctx context.Context) (int64, error) {
	var total int64
	for ctx.Err() == nil {
		var n int64
		err := j.Store.UpdateBulk(ctx, func(tx store.Tx) (err error) {
			n, err = tx.Pools().PurgeDeleted(PurgeStep)
			return err
		})
		if err != nil {
			return total, err
		}
		if n == 0 {
			break
		}
		total += n
	}
	return total, nil
}
