package notify

import (
	"context"
	"errors"
	"log/slog"

	"github.com/ninshou/ninshou/internal/store"
)

// Sender delivers one message over one channel.
type Sender interface {
	Send(ctx context.Context, m *store.Message) error
}

// Channels of store.Message.
const (
	ChannelEmail = "email"
	ChannelSMS   = "sms"
)

// permanentError marks a failure that retrying cannot fix.
type permanentError struct{ err error }

func (e *permanentError) Error() string { return e.err.Error() }
func (e *permanentError) Unwrap() error { return e.err }

// Permanent wraps err to tell the Dispatcher not to retry the message.
func Permanent(err error) error {
	if err == nil {
		return nil
	}
	return &permanentError{err}
}

// IsPermanent reports whether err, or an error it wraps, came from Permanent.
func IsPermanent(err error) bool {
	var p *permanentError
	return errors.As(err, &p)
}

// LogSender writes one log line per message, body included. It is the only
// place in Ninshou that logs a code or a temporary password, on purpose:
// in local mode it is how a developer without a mail server signs in.
type LogSender struct {
	Logger *slog.Logger // nil: slog.Default()
}

// Send logs m at level Info and never fails.
func (s LogSender) Send(ctx context.Context, m *store.Message) error {
	l := s.Logger
	if l == nil {
		l = slog.Default()
	}
	l.LogAttrs(ctx, slog.LevelInfo, "outbox message",
		slog.Int64("message_id", m.ID),
		slog.String("pool_id", m.PoolID),
		slog.String("channel", m.Channel),
		slog.String("kind", m.Kind),
		slog.String("to", m.To),
		slog.String("subject", m.Subject),
		slog.String("body", m.Body),
	)
	return nil
}
