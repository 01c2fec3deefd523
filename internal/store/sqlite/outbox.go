package sqlite

import (
	"database/sql"
	"sort"
	"time"

	"github.com/ninshou/ninshou/internal/store"
)

// Outbox states; the SQL spells "sent" itself.
const (
	statePending = "pending"
	stateFailed  = "failed"
)

type outboxRepo struct{ t *tx }

const messageColumns = `id, pool_id, channel, recipient, sender, reply_to, subject, body, kind,
	created_at, state, attempts, next_attempt_at, lease_until, sent_at, last_error`

var (
	qOutboxInsert = stmtWrite(`INSERT INTO outbox (pool_id, channel, recipient, sender, reply_to, subject,
		body, kind, created_at, state, attempts, next_attempt_at, lease_until, sent_at, last_error)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending', ?, ?, ?, NULL, ?) RETURNING id`)
	// Claim selects and leases in one statement of the write transaction, so
	// two dispatchers can never lease the same row.
	qOutboxClaim = stmtWrite(`UPDATE outbox SET lease_until = ?
		WHERE id IN (SELECT id FROM outbox
			WHERE state = 'pending' AND next_attempt_at <= ? AND lease_until <= ?
			ORDER BY id LIMIT ?)
		RETURNING ` + messageColumns)
	qOutboxSent = stmtWrite(`UPDATE outbox SET state = 'sent', sent_at = ?, attempts = attempts + 1,
		lease_until = 0, last_error = '' WHERE id = ? AND state = 'pending'`)
	qOutboxFailed = stmtWrite(`UPDATE outbox SET state = ?, attempts = attempts + 1, last_error = ?,
		next_attempt_at = ?, lease_until = 0 WHERE id = ? AND state = 'pending'`)
	qOutboxExists = stmtRead(`SELECT 1 FROM outbox WHERE id = ?`)
	qOutboxList   = stmtRead(`SELECT ` + messageColumns + ` FROM outbox WHERE id > ? ORDER BY id LIMIT ?`)
	qOutboxDelete = stmtWrite(`DELETE FROM outbox WHERE created_at < ? AND state <> 'pending'`)
)

func scanMessage(sc interface{ Scan(...any) error }) (*store.Message, error) {
	var m store.Message
	var created, next, lease int64
	var sent sql.NullInt64
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
func (r outboxRepo) Enqueue(m *store.Message) error {
	err := r.t.queryRow(qOutboxInsert, m.PoolID, m.Channel, m.To, m.From, m.ReplyTo, m.Subject, m.Body,
		m.Kind, nanos(m.CreatedAt), m.Attempts, nanos(m.NextAttemptAt), nanos(m.LeaseUntil), m.LastError).
		Scan(&m.ID)
	if err != nil {
		return err
	}
	m.State, m.SentAt = statePending, nil
	return nil
}

// Claim leases up to limit due pending messages, lowest ID first.
func (r outboxRepo) Claim(now, leaseUntil time.Time, limit int) ([]*store.Message, error) {
	n := nanos(now)
	rows, err := r.t.query(qOutboxClaim, nanos(leaseUntil), n, n, pageLimit(limit))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ms []*store.Message
	for rows.Next() {
		m, err := scanMessage(rows)
		if err != nil {
			return nil, err
		}
		ms = append(ms, m)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	// RETURNING promises no order.
	sort.Slice(ms, func(i, j int) bool { return ms[i].ID < ms[j].ID })
	return ms, nil
}

// MarkSent records a successful delivery attempt. Only a pending message can
// be marked: ErrConflict if it is already sent or failed.
func (r outboxRepo) MarkSent(id int64, now time.Time) error {
	return r.t.conditional(qOutboxSent, []any{nanos(now), id}, qOutboxExists, id)
}

// MarkFailed records a failed attempt and releases the lease: the message is
// due again at next, or is "failed" for good when final. ErrConflict if it
// is no longer pending.
func (r outboxRepo) MarkFailed(id int64, errText string, next time.Time, final bool) error {
	state := statePending
	if final {
		state = stateFailed
	}
	return r.t.conditional(qOutboxFailed, []any{state, errText, nanos(next), id}, qOutboxExists, id)
}

// List returns messages with ID > afterID, oldest first; limit <= 0 means 60.
func (r outboxRepo) List(afterID int64, limit int) ([]*store.Message, error) {
	rows, err := r.t.query(qOutboxList, afterID, pageLimit(limit))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ms []*store.Message
	for rows.Next() {
		m, err := scanMessage(rows)
		if err != nil {
			return nil, err
		}
		ms = append(ms, m)
	}
	return ms, rows.Err()
}

// DeleteBefore purges finished (sent or failed) messages created before t.
// Pending messages are never purged: they were promised to someone.
func (r outboxRepo) DeleteBefore(t time.Time) (int64, error) {
	return deleted(r.t.exec(qOutboxDelete, nanos(t)))
}
