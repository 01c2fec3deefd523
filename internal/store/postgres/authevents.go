package postgres

import (
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/ninshou/ninshou/internal/store"
)

func (t *tx) AuthEvents() store.AuthEventRepo { return authEventRepo{t} }

type authEventRepo struct{ t *tx }

const authEventColumns = `pool_id, sub, id, type, response, challenges, ip_address, created_at,
	feedback_value, feedback_provider, feedback_at`

// Newest first, ties by ID descending: auth_events_user walked backwards.
// Events are history, never updated: reads lock nothing.
var (
	qEventListFirst = plain(`SELECT ` + authEventColumns + ` FROM auth_events
		WHERE pool_id = $1 AND sub = $2 ORDER BY created_at DESC, id DESC LIMIT $3`)
	qEventListAfter = plain(`SELECT ` + authEventColumns + ` FROM auth_events
		WHERE pool_id = $1 AND sub = $2 AND (created_at, id) < ($3, $4)
		ORDER BY created_at DESC, id DESC LIMIT $5`)
)

const (
	qEventInsert = `INSERT INTO auth_events (pool_id, sub, id, type, response, challenges,
		ip_address, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`
	qEventDeleteBefore = `DELETE FROM auth_events WHERE created_at < $1`
	qEventFeedback     = `UPDATE auth_events SET feedback_value = $4, feedback_provider = $5,
		feedback_at = $6 WHERE pool_id = $1 AND sub = $2 AND id = $3`
)

func scanAuthEvent(sc pgx.Row) (*store.AuthEvent, error) {
	var e store.AuthEvent
	var created, feedbackAt int64
	var f store.EventFeedback
	err := sc.Scan(&e.PoolID, &e.Sub, &e.ID, &e.Type, &e.Response, &e.Challenges, &e.IPAddress, &created,
		&f.Value, &f.Provider, &feedbackAt)
	if err != nil {
		return nil, err
	}
	e.CreatedAt = fromNanos(created)
	if f.Value != "" {
		f.At = fromNanos(feedbackAt)
		e.Feedback = &f
	}
	return &e, nil
}

// Add stores an event of an existing user (else store.ErrNotFound); an
// event ID is unique per user.
func (r authEventRepo) Add(e *store.AuthEvent) error {
	ch := e.Challenges
	if ch == nil {
		ch = []string{}
	}
	return r.t.guard(step{sql: qEventInsert, args: []any{e.PoolID, e.Sub, e.ID, e.Type, e.Response, ch,
		e.IPAddress, nanos(e.CreatedAt)}, exists: "auth_event"})
}

func (r authEventRepo) List(poolID, sub string, page store.Page) ([]*store.AuthEvent, string, error) {
	q, args := qEventListFirst, []any{poolID, sub}
	if page.After != "" {
		created, id, err := decodeTimeIDCursor(page.After)
		if err != nil {
			return nil, "", err
		}
		q, args = qEventListAfter, append(args, created, id)
	}
	limit := pageLimit(page.Limit)
	return collect(r.t, q, append(args, limit+1), limit, scanAuthEvent,
		func(e *store.AuthEvent) string { return timeIDCursor(e.CreatedAt, e.ID) })
}

// SetFeedback replaces the feedback of an event.
func (r authEventRepo) SetFeedback(poolID, sub, id string, f store.EventFeedback) error {
	n, err := r.t.count(qEventFeedback, poolID, sub, id, f.Value, f.Provider, nanos(f.At))
	if err == nil && n == 0 {
		err = store.ErrNotFound
	}
	return err
}

// DeleteBefore removes events created before t, in every pool.
func (r authEventRepo) DeleteBefore(t time.Time) (int64, error) {
	return r.t.count(qEventDeleteBefore, nanos(t))
}
