package notify

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/ninshou/ninshou/internal/store"
)

// Options tune a Dispatcher. Zero fields take the defaults shown.
type Options struct {
	// Logger receives the message log lines (see LogSender) and the
	// dispatcher's own warnings. nil: slog.Default().
	Logger *slog.Logger
	// Now is the clock; nil: time.Now.
	Now func() time.Time
	// PollInterval is how long Run sleeps when there is nothing to do and no
	// Kick arrives. Default 1s.
	PollInterval time.Duration
	// BatchSize is how many messages one claim takes. Default 10.
	BatchSize int
	// Lease is how long a claimed batch belongs to this dispatcher. It must
	// exceed SendTimeout; messages whose lease runs too short are left for
	// the next claim. Default 2m.
	Lease time.Duration
	// SendTimeout bounds one Send. Default 15s.
	SendTimeout time.Duration
	// RetryBase is the delay after the first failed attempt; it doubles after
	// each further one, up to RetryMax. Defaults 1s and 1m.
	RetryBase, RetryMax time.Duration
	// MaxAttempts is the attempt after which a failing message is given up
	// (state "failed"). Default 8: about two minutes of retries at the
	// default delays.
	MaxAttempts int
}

func (o Options) withDefaults() Options {
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.PollInterval <= 0 {
		o.PollInterval = time.Second
	}
	if o.BatchSize <= 0 {
		o.BatchSize = 10
	}
	if o.SendTimeout <= 0 {
		o.SendTimeout = 15 * time.Second
	}
	if o.Lease <= 0 {
		o.Lease = 2 * time.Minute
	}
	if o.Lease < 2*o.SendTimeout {
		o.Lease = 2 * o.SendTimeout
	}
	if o.RetryBase <= 0 {
		o.RetryBase = time.Second
	}
	if o.RetryMax <= 0 {
		o.RetryMax = time.Minute
	}
	if o.MaxAttempts <= 0 {
		o.MaxAttempts = 8
	}
	return o
}

// Dispatcher delivers due outbox messages. Run it in one goroutine; Kick may
// be called from any.
type Dispatcher struct {
	st      store.Store
	senders map[string]Sender
	log     LogSender
	opts    Options
	kick    chan struct{}
}

// NewDispatcher returns a dispatcher over st. senders maps a channel
// ("email", "sms") to its Sender; a channel missing from it is delivered to
// the log only. The log line is written by the dispatcher itself, so do not
// put a LogSender in senders.
func NewDispatcher(st store.Store, senders map[string]Sender, opts Options) *Dispatcher {
	opts = opts.withDefaults()
	return &Dispatcher{
		st:      st,
		senders: senders,
		log:     LogSender{Logger: opts.Logger},
		opts:    opts,
		kick:    make(chan struct{}, 1),
	}
}

// Kick wakes Run now, for a message just enqueued. It never blocks.
func (d *Dispatcher) Kick() {
	select {
	case d.kick <- struct{}{}:
	default: // a wake-up is already pending
	}
}

// Run delivers messages until ctx is done, then returns nil. Store errors
// are logged and retried at the next poll.
func (d *Dispatcher) Run(ctx context.Context) error {
	timer := time.NewTimer(d.opts.PollInterval)
	defer timer.Stop()
	for {
		n, err := d.DispatchDue(ctx)
		if ctx.Err() != nil {
			return nil
		}
		if err != nil {
			d.opts.Logger.WarnContext(ctx, "outbox: dispatch failed", slog.Any("err", err))
		}
		if err == nil && n == d.opts.BatchSize {
			continue // probably more due
		}
		timer.Reset(d.opts.PollInterval)
		select {
		case <-ctx.Done():
			return nil
		case <-d.kick:
			timer.Stop() // since Go 1.23 a stopped timer delivers no stale tick
		case <-timer.C:
		}
	}
}

// DispatchDue claims one batch of due messages and handles each: logs it,
// sends it through its channel's Sender and records the outcome. It returns
// how many messages it claimed.
func (d *Dispatcher) DispatchDue(ctx context.Context) (int, error) {
	now := d.opts.Now()
	leaseUntil := now.Add(d.opts.Lease)
	var batch []*store.Message
	err := d.st.Update(ctx, func(tx store.Tx) error {
		var err error
		batch, err = tx.Outbox().Claim(now, leaseUntil, d.opts.BatchSize)
		return err
	})
	if err != nil {
		return 0, err
	}
	for _, m := range batch {
		if ctx.Err() != nil {
			break // the lease expires and another run picks them up
		}
		if d.opts.Now().Add(d.opts.SendTimeout).After(leaseUntil) {
			break // too little lease left to send without racing another node
		}
		if err := d.handle(ctx, m); err != nil {
			return len(batch), err
		}
	}
	return len(batch), nil
}

// handle delivers one claimed message and records the outcome.
func (d *Dispatcher) handle(ctx context.Context, m *store.Message) error {
	if m.Attempts == 0 {
		d.log.Send(ctx, m) // once per message, not once per retry
	}
	var sendErr error
	if s := d.senders[m.Channel]; s != nil {
		sctx, cancel := context.WithTimeout(ctx, d.opts.SendTimeout)
		sendErr = s.Send(sctx, m)
		cancel()
	}
	now := d.opts.Now()
	if sendErr == nil {
		return d.record(ctx, m, func(tx store.Tx) error {
			return tx.Outbox().MarkSent(m.ID, now)
		})
	}
	if ctx.Err() != nil && errors.Is(sendErr, ctx.Err()) {
		return nil // shutting down: not the message's fault; the lease will expire
	}
	attempt := m.Attempts + 1
	final := attempt >= d.opts.MaxAttempts || IsPermanent(sendErr)
	next := now.Add(d.backoff(attempt))
	d.opts.Logger.WarnContext(ctx, "outbox: delivery failed",
		slog.Int64("message_id", m.ID),
		slog.String("pool_id", m.PoolID),
		slog.String("channel", m.Channel),
		slog.Int("attempt", attempt),
		slog.Bool("final", final),
		slog.Any("err", sendErr))
	return d.record(ctx, m, func(tx store.Tx) error {
		return tx.Outbox().MarkFailed(m.ID, sendErr.Error(), next, final)
	})
}

// record writes the outcome of an attempt. ErrConflict means the message is
// no longer pending: our lease ran out and another dispatcher finished it
// (so it went out twice, which at-least-once allows). That is not an error
// of this batch.
//
// The outcome is recorded even when ctx is being cancelled: a message that
// went out must not be sent again because the process is shutting down.
func (d *Dispatcher) record(ctx context.Context, m *store.Message, fn func(store.Tx) error) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), d.opts.SendTimeout)
	defer cancel()
	err := d.st.Update(ctx, fn)
	if errors.Is(err, store.ErrConflict) {
		d.opts.Logger.WarnContext(ctx, "outbox: message finished by another dispatcher",
			slog.Int64("message_id", m.ID), slog.String("pool_id", m.PoolID))
		return nil
	}
	return err
}

// backoff is the delay after the given failed attempt (1-based):
// RetryBase * 2^(attempt-1), at most RetryMax.
func (d *Dispatcher) backoff(attempt int) time.Duration {
	delay := d.opts.RetryBase
	for i := 1; i < attempt && delay < d.opts.RetryMax; i++ {
		delay *= 2
	}
	return min(delay, d.opts.RetryMax)
}
