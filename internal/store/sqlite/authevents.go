package sqlite

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/ninshou/ninshou/internal/store"
)

func (t *tx) AuthEvents() store.AuthEventRepo { return authEventRepo{t} }

type authEventRepo struct{ t *tx }

const authEventColumns = `pool_id, sub, id, type, response, challenges, ip_address, created_at,
	feedback_value, feedback_provider, feedback_at`

var (
	qEventInsert = stmtWrite(`INSERT INTO auth_events (pool_id, sub, id, type, response, challenges,
		ip_address, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`)
	// Newest first, ties by ID descending: auth_events_user walked backwards.
	qEventListFirst = stmtRead(`SELECT ` + authEventColumns + ` FROM auth_events
		WHERE pool_id = ? AND sub = ? ORDER BY created_at DESC, id DESC LIMIT ?`)
	qEventListAfter = stmtRead(`SELECT ` + authEventColumns + ` FROM auth_events
		WHERE pool_id = ? AND sub = ? AND (created_at, id) < (?, ?)
		ORDER BY created_at DESC, id DESC LIMIT ?`)
	qEventDeleteBefore = stmtWrite(`DELETE FROM auth_events WHERE created_at < ?`)
	qEventFeedback     = stmtWrite(`UPDATE auth_events SET feedback_value = ?, feedback_provider = ?,
		feedback_at = ? WHERE pool_id = ? AND sub = ? AND id = ?`)
)

func scanAuthEvent(sc scanner) (*store.AuthEvent, error) {
	var e store.AuthEvent
	var challenges string
	var created, feedbackAt int64
	var f store.EventFeedback
	err := sc.Scan(&e.PoolID, &e.Sub, &e.ID, &e.Type, &e.Response, &challenges, &e.IPAddress, &created,
		&f.Value, &f.Provider, &feedbackAt)
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(challenges), &e.Challenges); err != nil {
		return nil, fmt.Errorf("sqlite: auth event %s challenges: %w", e.ID, err)
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
	challenges, err := jsonText(ch)
	if err != nil {
		return err
	}
	_, err = r.t.exec(qEventInsert, e.PoolID, e.Sub, e.ID, e.Type, e.Response, challenges, e.IPAddress,
		nanos(e.CreatedAt))
	return uniqueErr(err, "auth_event")
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
	n, err := deleted(r.t.exec(qEventFeedback, f.Value, f.Provider, nanos(f.At), poolID, sub, id))
	if err == nil && n == 0 {
		err = store.ErrNotFound
	}
	return err
}

// DeleteBefore removes events created before t, in every pool.
func (r authEventRepo) DeleteBefore(t time.Time) (int64, error) {
	return deleted(r.t.exec(qEventDeleteBefore, nanos(t)))
}
