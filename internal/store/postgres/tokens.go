package postgres

import (
	"errors"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/ninshou/ninshou/internal/store"
)

// Single-use writes (Consume, MarkReplaced) are one conditional UPDATE
// ... WHERE consumed_at IS NULL. In READ COMMITTED a racing transaction
// waits for the winner's row lock and then re-checks the condition on the
// committed row, so exactly one of any number of racers changes it; the
// same statement tells the losers' ErrConflict from ErrNotFound.

// count runs a bulk write and returns how many rows it touched.
func (t *tx) count(sql string, args ...any) (int64, error) {
	var tag pgconn.CommandTag
	if err := t.guard(step{sql: sql, args: args, tag: &tag}); err != nil {
		return 0, err
	}
	return tag.RowsAffected(), nil
}

// counter runs a statement that returns one nullable count, NULL when no
// row matched the key (store.ErrNotFound).
func (t *tx) counter(sql string, args ...any) (int, error) {
	var n *int
	if err := t.guard(step{sql: sql, args: args, scan: []any{&n}}); err != nil {
		return 0, err
	}
	if n == nil {
		return 0, store.ErrNotFound
	}
	return *n, nil
}

// once runs a conditional write written as in conditional.
func (t *tx) once(sql string, args ...any) error {
	var changed, exists bool
	if err := t.guard(step{sql: sql, args: args, scan: []any{&changed, &exists}}); err != nil {
		return err
	}
	return conditional(changed, exists)
}

type sessionRepo struct{ t *tx }

var qSessionGet = locked(`SELECT id_hash, pool_id, client_id, sub, challenge, state, attempts,
	created_at, expires_at, consumed_at FROM sessions WHERE id_hash = $1`, forUpdate)

const (
	qSessionInsert = `INSERT INTO sessions (id_hash, pool_id, client_id, sub, challenge, state,
		attempts, created_at, expires_at, consumed_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`
	qSessionConsume = `WITH changed AS (
			UPDATE sessions SET consumed_at = $2 WHERE id_hash = $1 AND consumed_at IS NULL RETURNING 1)
		SELECT EXISTS (SELECT 1 FROM changed), EXISTS (SELECT 1 FROM sessions WHERE id_hash = $1)`
	qSessionAttempt = `WITH changed AS (
			UPDATE sessions SET attempts = attempts + 1 WHERE id_hash = $1 RETURNING attempts)
		SELECT (SELECT attempts FROM changed)`
	qSessionDeleteExpd = `DELETE FROM sessions WHERE expires_at < $1`
)

func (r sessionRepo) Create(s *store.Session) error {
	return r.t.guard(step{sql: qSessionInsert, args: []any{blob(s.IDHash), s.PoolID, s.ClientID, s.Sub,
		s.Challenge, blob(s.State), s.Attempts, nanos(s.CreatedAt), nanos(s.ExpiresAt), nullNanos(s.ConsumedAt)}})
}

func (r sessionRepo) Get(idHash []byte) (*store.Session, error) {
	var s store.Session
	var created, expires int64
	var consumed *int64
	err := r.t.row(qSessionGet, blob(idHash)).Scan(&s.IDHash, &s.PoolID, &s.ClientID, &s.Sub,
		&s.Challenge, &s.State, &s.Attempts, &created, &expires, &consumed)
	if err != nil {
		return nil, notFound(err)
	}
	s.CreatedAt, s.ExpiresAt, s.ConsumedAt = fromNanos(created), fromNanos(expires), fromNullNanos(consumed)
	return &s, nil
}

// Consume is the single-use guard: of any number of racing transactions
// exactly one sees the row change.
func (r sessionRepo) Consume(idHash []byte, now time.Time) error {
	return r.t.once(qSessionConsume, blob(idHash), nanos(now))
}

// AddAttempt increments in one statement, so no increment is lost.
func (r sessionRepo) AddAttempt(idHash []byte) (int, error) {
	return r.t.counter(qSessionAttempt, blob(idHash))
}

func (r sessionRepo) DeleteExpired(t time.Time) (int64, error) {
	return r.t.count(qSessionDeleteExpd, nanos(t))
}

type codeRepo struct{ t *tx }

var qCodeGet = locked(`SELECT pool_id, sub, purpose, code_hash, attempts, created_at, expires_at,
	consumed_at FROM codes WHERE pool_id = $1 AND sub = $2 AND purpose = $3`, forUpdate)

const (
	qCodePut = `INSERT INTO codes (pool_id, sub, purpose, code_hash, attempts, created_at,
		expires_at, consumed_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
		ON CONFLICT (pool_id, sub, purpose) DO UPDATE SET code_hash = excluded.code_hash,
		attempts = excluded.attempts, created_at = excluded.created_at,
		expires_at = excluded.expires_at, consumed_at = excluded.consumed_at`
	qCodeConsume = `WITH changed AS (
			UPDATE codes SET consumed_at = $4
			WHERE pool_id = $1 AND sub = $2 AND purpose = $3 AND consumed_at IS NULL
			RETURNING 1)
		SELECT EXISTS (SELECT 1 FROM changed),
			EXISTS (SELECT 1 FROM codes WHERE pool_id = $1 AND sub = $2 AND purpose = $3)`
	qCodeAttempt = `WITH changed AS (
			UPDATE codes SET attempts = attempts + 1 WHERE pool_id = $1 AND sub = $2 AND purpose = $3
			RETURNING attempts)
		SELECT (SELECT attempts FROM changed)`
	qCodeDelete     = `DELETE FROM codes WHERE pool_id = $1 AND sub = $2 AND purpose = $3`
	qCodeDeleteExpd = `DELETE FROM codes WHERE expires_at < $1`
)

// Put replaces any code for the same (pool, sub, purpose): a new code
// invalidates the old one, attempts and consumption included.
func (r codeRepo) Put(c *store.Code) error {
	return r.t.guard(step{sql: qCodePut, args: []any{c.PoolID, c.Sub, c.Purpose, blob(c.CodeHash), c.Attempts,
		nanos(c.CreatedAt), nanos(c.ExpiresAt), nullNanos(c.ConsumedAt)}, exists: "code"})
}

func (r codeRepo) Get(poolID, sub, purpose string) (*store.Code, error) {
	var c store.Code
	var created, expires int64
	var consumed *int64
	err := r.t.row(qCodeGet, poolID, sub, purpose).Scan(&c.PoolID, &c.Sub, &c.Purpose,
		&c.CodeHash, &c.Attempts, &created, &expires, &consumed)
	if err != nil {
		return nil, notFound(err)
	}
	c.CreatedAt, c.ExpiresAt, c.ConsumedAt = fromNanos(created), fromNanos(expires), fromNullNanos(consumed)
	return &c, nil
}

func (r codeRepo) Consume(poolID, sub, purpose string, now time.Time) error {
	return r.t.once(qCodeConsume, poolID, sub, purpose, nanos(now))
}

func (r codeRepo) AddAttempt(poolID, sub, purpose string) (int, error) {
	return r.t.counter(qCodeAttempt, poolID, sub, purpose)
}

func (r codeRepo) Delete(poolID, sub, purpose string) error {
	n, err := r.t.count(qCodeDelete, poolID, sub, purpose)
	if err == nil && n == 0 {
		return store.ErrNotFound
	}
	return err
}

func (r codeRepo) DeleteExpired(t time.Time) (int64, error) {
	return r.t.count(qCodeDeleteExpd, nanos(t))
}

type familyRepo struct{ t *tx }

var qFamilyGet = locked(`SELECT id, pool_id, client_id, sub, device_key, scopes, auth_time, created_at,
	expires_at, revoked_at FROM token_families WHERE id = $1`, forUpdate)

const (
	qFamilyInsert = `INSERT INTO token_families (id, pool_id, client_id, sub, device_key,
		scopes, auth_time, created_at, expires_at, revoked_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`
	qFamilyRevoke = `WITH changed AS (
			UPDATE token_families SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL RETURNING 1)
		SELECT EXISTS (SELECT 1 FROM changed), EXISTS (SELECT 1 FROM token_families WHERE id = $1)`
	qFamilyRevokeUser = `UPDATE token_families SET revoked_at = $3
		WHERE pool_id = $1 AND sub = $2 AND revoked_at IS NULL AND expires_at > $3`
	qFamilyDeleteExpd = `DELETE FROM token_families WHERE expires_at < $1`
)

func (r familyRepo) Create(f *store.TokenFamily) error {
	return r.t.guard(step{sql: qFamilyInsert, args: []any{f.ID, f.PoolID, f.ClientID, f.Sub, f.DeviceKey,
		strings.Join(f.Scopes, " "), nanos(f.AuthTime), nanos(f.CreatedAt), nanos(f.ExpiresAt), nullNanos(f.RevokedAt)}})
}

func (r familyRepo) Get(id string) (*store.TokenFamily, error) {
	var f store.TokenFamily
	var scopes string
	var auth, created, expires int64
	var revoked *int64
	err := r.t.row(qFamilyGet, id).Scan(&f.ID, &f.PoolID, &f.ClientID, &f.Sub, &f.DeviceKey,
		&scopes, &auth, &created, &expires, &revoked)
	if err != nil {
		return nil, notFound(err)
	}
	f.Scopes = strings.Fields(scopes)
	f.AuthTime, f.CreatedAt, f.ExpiresAt = fromNanos(auth), fromNanos(created), fromNanos(expires)
	f.RevokedAt = fromNullNanos(revoked)
	return &f, nil
}

// Revoke is idempotent: revoking a revoked family succeeds and keeps the
// first revocation time. ErrNotFound if there is no such family.
func (r familyRepo) Revoke(id string, now time.Time) error {
	err := r.t.once(qFamilyRevoke, id, nanos(now))
	if errors.Is(err, store.ErrConflict) {
		return nil
	}
	return err
}

// RevokeUser revokes the user's live families: not revoked yet and not
// expired at now. Expired families are left to DeleteExpired.
func (r familyRepo) RevokeUser(poolID, sub string, now time.Time) (int64, error) {
	return r.t.count(qFamilyRevokeUser, poolID, sub, nanos(now))
}

// DeleteExpired removes families that expired before t, and their refresh
// tokens with them (foreign key cascade).
func (r familyRepo) DeleteExpired(t time.Time) (int64, error) {
	return r.t.count(qFamilyDeleteExpd, nanos(t))
}

type refreshRepo struct{ t *tx }

var qRefreshGet = locked(`SELECT hash, family_id, created_at, expires_at, replaced_at
	FROM refresh_tokens WHERE hash = $1`, forUpdate)

const (
	qRefreshInsert = `INSERT INTO refresh_tokens (hash, family_id, created_at, expires_at, replaced_at)
		VALUES ($1, $2, $3, $4, $5)`
	qRefreshReplace = `WITH changed AS (
			UPDATE refresh_tokens SET replaced_at = $2 WHERE hash = $1 AND replaced_at IS NULL RETURNING 1)
		SELECT EXISTS (SELECT 1 FROM changed), EXISTS (SELECT 1 FROM refresh_tokens WHERE hash = $1)`
	qRefreshDeleteExpd = `DELETE FROM refresh_tokens WHERE expires_at < $1`
)

// Create stores the token; its family must exist (else ErrNotFound).
func (r refreshRepo) Create(rt *store.RefreshToken) error {
	return r.t.guard(step{sql: qRefreshInsert, args: []any{blob(rt.Hash), rt.FamilyID, nanos(rt.CreatedAt),
		nanos(rt.ExpiresAt), nullNanos(rt.ReplacedAt)}})
}

func (r refreshRepo) Get(hash []byte) (*store.RefreshToken, error) {
	var rt store.RefreshToken
	var created, expires int64
	var replaced *int64
	err := r.t.row(qRefreshGet, blob(hash)).Scan(&rt.Hash, &rt.FamilyID, &created, &expires, &replaced)
	if err != nil {
		return nil, notFound(err)
	}
	rt.CreatedAt, rt.ExpiresAt, rt.ReplacedAt = fromNanos(created), fromNanos(expires), fromNullNanos(replaced)
	return &rt, nil
}

func (r refreshRepo) MarkReplaced(hash []byte, now time.Time) error {
	return r.t.once(qRefreshReplace, blob(hash), nanos(now))
}

func (r refreshRepo) DeleteExpired(t time.Time) (int64, error) {
	return r.t.count(qRefreshDeleteExpd, nanos(t))
}
