package postgres

import (
	"sort"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/ninshou/ninshou/internal/store"
)

// Outbox states; the SQL spells "pending" and "sent" itself.
const (
	statePending = "pending"
	stateFailed  = "failed"
)

type outboxRepo struct{ t *tx }

const messageColumns = `id, pool_id, channel, recipient, sender, reply_to, subject, body, kind,
	created_at, state, attempts, next_attempt_at, lease_until, sent_at, last_error`

var qOutboxList = locked(`SELECT `+messageColumns+` FROM outbox WHERE id > $1 ORDER BY id LIMIT $2`, forUpdate)

const (
	qOutboxInsert = `INSERT INTO outbox (pool_id, channel, recipient, sender, reply_to, subject,
		body, kind, created_at, state, attempts, next_attempt_at, lease_until, sent_at, last_error)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'pending', $10, $11, $12, NULL, $13) RETURNING id`
	// Claim picks and leases in one statement. SKIP LOCKED makes dispatchers
	// on many nodes take disjoint batches instead of queueing behind each
	// other's row locks; a row leased and committed meanwhile is re-checked
	// against the lease condition after its lock is free, and dropped.
	qOutboxClaim = `UPDATE outbox SET lease_until = $1
		WHERE id IN (SELECT id FROM outbox
			WHERE state = 'pending' AND next_attempt_at <= $2 AND lease_until <= $2
			ORDER BY id LIMIT $3
			FOR UPDATE SKIP LOCKED)
		RETURNING ` + messageColumns
	qOutboxSent = `WITH changed AS (
			UPDATE outbox SET state = 'sent', sent_at = $2, attempts = attempts + 1,
				lease_until = 0, last_error = ''
			WHERE id = $1 AND state = 'pending'
			RETURNING 1)
		SELECT EXISTS (SELECT 1 FROM changed), EXISTS (SELECT 1 FROM outbox WHERE id = $1)`
	qOutboxFailed = `WITH changed AS (
			UPDATE outbox SET state = $2, attempts = attempts + 1, last_error = $3,
				next_attempt_at = $4, lease_until = 0
			WHERE id = $1 AND state = 'pending'
			RETURNING 1)
		SELECT EXISTS (SELECT 1 FROM changed), EXISTS (SELECT 1 FROM outbox WHERE id = $1)`
	qOutboxDelete = `DELETE FROM outbox WHERE created_at < $1 AND state <> 'pending'`
)

func scanMessage(sc pgx.Row) (*store.Message, error) {
	var m store.Message
	var created, next, lease int64
	var sent *int64
	err := sc.Scan(&m.ID, &m.PoolID, &m.Channel, &m.To, &m.From, &m.ReplyTo, &m.Subject, &m.Body, &m.Kind,
		&created, &m.State, &m.Attempts, &next, &lease, &sent, &m.LastError)
	if err != nil {
		return nil, err
	}
	m.CreatedAt, m.NextAttemptAt, m.LeaseUntil = fromNanos(created), fromNanos(next), fromNanos(lease)
	m.SentAt = fromNullNanos(sent)
	return &m, nil
}

// Enqueue stores m as pending and sets m.ID and m.State. A zero
// NextAttemptAt makes it due at once.
//
// IDs come from a sequence: increasing in the order of Enqueue calls, not
// of commits, so a transaction that commits late can make visible an ID
// below one already listed. List(afterID) is for inspection; delivery goes
// through Claim, which does not depend on that order.
func (r outboxRepo) Enqueue(m *store.Message) error {
	err := r.t.guard(step{sql: qOutboxInsert, args: []any{m.PoolID, m.Channel, m.To, m.From, m.ReplyTo,
		m.Subject, m.Body, m.Kind, nanos(m.CreatedAt), m.Attempts, nanos(m.NextAttemptAt),
		nanos(m.LeaseUntil), m.LastError}, scan: []any{&m.ID}})
	if err != nil {
		return err
	}
	m.State, m.SentAt = statePending, nil
	return nil
}

// Claim leases up to limit due pending messages, lowest ID first.
func (r outboxRepo) Claim(now, leaseUntil time.Time, limit int) ([]*store.Message, error) {
	n := nanos(now)
	var ms []*store.Message
	err := r.t.guard(step{sql: qOutboxClaim, args: []any{nanos(leaseUntil), n, pageLimit(limit)},
		each: func(rows pgx.Rows) error {
			m, err := scanMessage(rows)
			ms = append(ms, m)
			return err
		}})
	if err != nil {
		return nil, err
	}
	// RETURNING promises no order.
	sort.Slice(ms, func(i, j int) bool { return ms[i].ID < ms[j].ID })
	return ms, nil
}

// MarkSent records a successful delivery attempt. Only a pending message can
// be marked: ErrConflict if it is already sent or failed.
func (r outboxRepo) MarkSent(id int64, now time.Time) error {
	return r.t.once(qOutboxSent, id, nanos(now))
}

// MarkFailed records a failed attempt and releases the lease: the message is
// due again at next, or is "failed" for good when final. ErrConflict if it
// is no longer pending.
func (r outboxRepo) MarkFailed(id int64, errText string, next time.Time, final bool) error {
	state := statePending
	if final {
		state = stateFailed
	}
	return r.t.once(qOutboxFailed, id, state, errText, nanos(next))
}

// List returns messages with ID > afterID, oldest first; limit <= 0 means 60.
func (r outboxRepo) List(afterID int64, limit int) ([]*store.Message, error) {
	var ms []*store.Message
	err := r.t.rows(qOutboxList, []any{afterID, pageLimit(limit)}, func(rows pgx.Rows) error {
		m, err := scanMessage(rows)
		ms = append(ms, m)
		return err
	})
	if err != nil {
		return nil, err
	}
	return ms, nil
}

// DeleteBefore purges finished (sent or failed) messages created before t.
// Pending messages are never purged: they were promised to someone.
func (r outboxRepo) DeleteBefore(t time.Time) (int64, error) {
	return r.t.count(qOutboxDelete, nanos(t))
}
