package sqlite

import (
	"database/sql"
	"errors"
	"strings"
	"time"

	"github.com/ninshou/ninshou/internal/store"
)

// notFound turns sql.ErrNoRows into store.ErrNotFound.
func notFound(err error) error {
	if errors.Is(err, sql.ErrNoRows) {
		return store.ErrNotFound
	}
	return err
}

func deleted(res sql.Result, err error) (int64, error) {
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

type sessionRepo struct{ t *tx }

var (
	qSessionInsert = stmtWrite(`INSERT INTO sessions (id_hash, pool_id, client_id, sub, challenge, state,
		attempts, created_at, expires_at, consumed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
	qSessionGet = stmtRead(`SELECT id_hash, pool_id, client_id, sub, challenge, state, attempts,
		created_at, expires_at, consumed_at FROM sessions WHERE id_hash = ?`)
	qSessionConsume    = stmtWrite(`UPDATE sessions SET consumed_at = ? WHERE id_hash = ? AND consumed_at IS NULL`)
	qSessionExists     = stmtRead(`SELECT 1 FROM sessions WHERE id_hash = ?`)
	qSessionAttempt    = stmtWrite(`UPDATE sessions SET attempts = attempts + 1 WHERE id_hash = ? RETURNING attempts`)
	qSessionDeleteExpd = stmtWrite(`DELETE FROM sessions WHERE expires_at < ?`)
)

func (r sessionRepo) Create(s *store.Session) error {
	_, err := r.t.exec(qSessionInsert, blob(s.IDHash), s.PoolID, s.ClientID, s.Sub, s.Challenge,
		blob(s.State), s.Attempts, nanos(s.CreatedAt), nanos(s.ExpiresAt), nullNanos(s.ConsumedAt))
	return uniqueErr(err, "session")
}

func (r sessionRepo) Get(idHash []byte) (*store.Session, error) {
	var s store.Session
	var created, expires int64
	var consumed sql.NullInt64
	err := r.t.queryRow(qSessionGet, idHash).Scan(&s.IDHash, &s.PoolID, &s.ClientID, &s.Sub,
		&s.Challenge, &s.State, &s.Attempts, &created, &expires, &consumed)
	if err != nil {
		return nil, notFound(err)
	}
	s.CreatedAt, s.ExpiresAt, s.ConsumedAt = fromNanos(created), fromNanos(expires), fromNullNanos(consumed)
	return &s, nil
}

// Consume is the single-use guard: one conditional UPDATE, so of any number
// of racing transactions exactly one sees a row change.
func (r sessionRepo) Consume(idHash []byte, now time.Time) error {
	return r.t.conditional(qSessionConsume, []any{nanos(now), idHash}, qSessionExists, idHash)
}

// AddAttempt increments in one statement, so no increment is lost.
func (r sessionRepo) AddAttempt(idHash []byte) (int, error) {
	var n int
	err := r.t.queryRow(qSessionAttempt, idHash).Scan(&n)
	return n, notFound(err)
}

func (r sessionRepo) DeleteExpired(t time.Time) (int64, error) {
	return deleted(r.t.exec(qSessionDeleteExpd, nanos(t)))
}

type codeRepo struct{ t *tx }

var (
	qCodePut = stmtWrite(`INSERT INTO codes (pool_id, sub, purpose, code_hash, attempts, created_at,
		expires_at, consumed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (pool_id, sub, purpose) DO UPDATE SET code_hash = excluded.code_hash,
		attempts = excluded.attempts, created_at = excluded.created_at,
		expires_at = excluded.expires_at, consumed_at = excluded.consumed_at`)
	qCodeGet = stmtRead(`SELECT pool_id, sub, purpose, code_hash, attempts, created_at, expires_at,
		consumed_at FROM codes WHERE pool_id = ? AND sub = ? AND purpose = ?`)
	qCodeConsume = stmtWrite(`UPDATE codes SET consumed_at = ?
		WHERE pool_id = ? AND sub = ? AND purpose = ? AND consumed_at IS NULL`)
	qCodeExists  = stmtRead(`SELECT 1 FROM codes WHERE pool_id = ? AND sub = ? AND purpose = ?`)
	qCodeAttempt = stmtWrite(`UPDATE codes SET attempts = attempts + 1
		WHERE pool_id = ? AND sub = ? AND purpose = ? RETURNING attempts`)
	qCodeDelete     = stmtWrite(`DELETE FROM codes WHERE pool_id = ? AND sub = ? AND purpose = ?`)
	qCodeDeleteExpd = stmtWrite(`DELETE FROM codes WHERE expires_at < ?`)
)

// Put replaces any code for the same (pool, sub, purpose): a new code
// invalidates the old one, attempts and consumption included.
func (r codeRepo) Put(c *store.Code) error {
	_, err := r.t.exec(qCodePut, c.PoolID, c.Sub, c.Purpose, blob(c.CodeHash), c.Attempts,
		nanos(c.CreatedAt), nanos(c.ExpiresAt), nullNanos(c.ConsumedAt))
	return uniqueErr(err, "code")
}

func (r codeRepo) Get(poolID, sub, purpose string) (*store.Code, error) {
	var c store.Code
	var created, expires int64
	var consumed sql.NullInt64
	err := r.t.queryRow(qCodeGet, poolID, sub, purpose).Scan(&c.PoolID, &c.Sub, &c.Purpose,
		&c.CodeHash, &c.Attempts, &created, &expires, &consumed)
	if err != nil {
		return nil, notFound(err)
	}
	c.CreatedAt, c.ExpiresAt, c.ConsumedAt = fromNanos(created), fromNanos(expires), fromNullNanos(consumed)
	return &c, nil
}

func (r codeRepo) Consume(poolID, sub, purpose string, now time.Time) error {
	return r.t.conditional(qCodeConsume, []any{nanos(now), poolID, sub, purpose},
		qCodeExists, poolID, sub, purpose)
}

func (r codeRepo) AddAttempt(poolID, sub, purpose string) (int, error) {
	var n int
	err := r.t.queryRow(qCodeAttempt, poolID, sub, purpose).Scan(&n)
	return n, notFound(err)
}

func (r codeRepo) Delete(poolID, sub, purpose string) error {
	return r.t.execOne(qCodeDelete, poolID, sub, purpose)
}

func (r codeRepo) DeleteExpired(t time.Time) (int64, error) {
	return deleted(r.t.exec(qCodeDeleteExpd, nanos(t)))
}

type familyRepo struct{ t *tx }

var (
	qFamilyInsert = stmtWrite(`INSERT INTO token_families (id, pool_id, client_id, sub, device_key,
		scopes, auth_time, created_at, expires_at, revoked_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
	qFamilyGet = stmtRead(`SELECT id, pool_id, client_id, sub, device_key, scopes, auth_time, created_at,
		expires_at, revoked_at FROM token_families WHERE id = ?`)
	qFamilyRevoke     = stmtWrite(`UPDATE token_families SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL`)
	qFamilyExists     = stmtRead(`SELECT 1 FROM token_families WHERE id = ?`)
	qFamilyRevokeUser = stmtWrite(`UPDATE token_families SET revoked_at = ?
		WHERE pool_id = ? AND sub = ? AND revoked_at IS NULL AND expires_at > ?`)
	qFamilyDeleteExpd = stmtWrite(`DELETE FROM token_families WHERE expires_at < ?`)
)

func (r familyRepo) Create(f *store.TokenFamily) error {
	_, err := r.t.exec(qFamilyInsert, f.ID, f.PoolID, f.ClientID, f.Sub, f.DeviceKey, strings.Join(f.Scopes, " "),
		nanos(f.AuthTime), nanos(f.CreatedAt), nanos(f.ExpiresAt), nullNanos(f.RevokedAt))
	return uniqueErr(err, "token_family")
}

func (r familyRepo) Get(id string) (*store.TokenFamily, error) {
	var f store.TokenFamily
	var scopes string
	var auth, created, expires int64
	var revoked sql.NullInt64
	err := r.t.queryRow(qFamilyGet, id).Scan(&f.ID, &f.PoolID, &f.ClientID, &f.Sub, &f.DeviceKey,
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
	err := r.t.conditional(qFamilyRevoke, []any{nanos(now), id}, qFamilyExists, id)
	if errors.Is(err, store.ErrConflict) {
		return nil
	}
	return err
}

// RevokeUser revokes the user's live families: not revoked yet and not
// expired at now. Expired families are left to DeleteExpired.
func (r familyRepo) RevokeUser(poolID, sub string, now time.Time) (int64, error) {
	n := nanos(now)
	return deleted(r.t.exec(qFamilyRevokeUser, n, poolID, sub, n))
}

// DeleteExpired removes families that expired before t, and their refresh
// tokens with them (foreign key cascade).
func (r familyRepo) DeleteExpired(t time.Time) (int64, error) {
	return deleted(r.t.exec(qFamilyDeleteExpd, nanos(t)))
}

type refreshRepo struct{ t *tx }

var (
	qRefreshInsert = stmtWrite(`INSERT INTO refresh_tokens (hash, family_id, created_at, expires_at, replaced_at)
		VALUES (?, ?, ?, ?, ?)`)
	qRefreshGet = stmtRead(`SELECT hash, family_id, created_at, expires_at, replaced_at
		FROM refresh_tokens WHERE hash = ?`)
	qRefreshReplace    = stmtWrite(`UPDATE refresh_tokens SET replaced_at = ? WHERE hash = ? AND replaced_at IS NULL`)
	qRefreshExists     = stmtRead(`SELECT 1 FROM refresh_tokens WHERE hash = ?`)
	qRefreshDeleteExpd = stmtWrite(`DELETE FROM refresh_tokens WHERE expires_at < ?`)
)

// Create stores the token; its family must exist (else ErrNotFound).
func (r refreshRepo) Create(rt *store.RefreshToken) error {
	_, err := r.t.exec(qRefreshInsert, blob(rt.Hash), rt.FamilyID, nanos(rt.CreatedAt), nanos(rt.ExpiresAt),
		nullNanos(rt.ReplacedAt))
	return uniqueErr(err, "refresh_token")
}

func (r refreshRepo) Get(hash []byte) (*store.RefreshToken, error) {
	var rt store.RefreshToken
	var created, expires int64
	var replaced sql.NullInt64
	err := r.t.queryRow(qRefreshGet, hash).Scan(&rt.Hash, &rt.FamilyID, &created, &expires, &replaced)
	if err != nil {
		return nil, notFound(err)
	}
	rt.CreatedAt, rt.ExpiresAt, rt.ReplacedAt = fromNanos(created), fromNanos(expires), fromNullNanos(replaced)
	return &rt, nil
}

func (r refreshRepo) MarkReplaced(hash []byte, now time.Time) error {
	return r.t.conditional(qRefreshReplace, []any{nanos(now), hash}, qRefreshExists, hash)
}

func (r refreshRepo) DeleteExpired(t time.Time) (int64, error) {
	return deleted(r.t.exec(qRefreshDeleteExpd, nanos(t)))
}
