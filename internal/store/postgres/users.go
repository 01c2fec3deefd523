package postgres

import (
	"errors"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/ninshou/ninshou/internal/store"
)

type userRepo struct{ t *tx }

const userColumns = `u.pool_id, u.sub, u.username, u.username_key, u.status, u.enabled, u.attributes,
	u.password_hash, u.password_set_at, u.mfa_enabled, u.mfa_preferred, u.extra,
	u.failed_attempts, u.last_failed_at, u.locked_until, u.tokens_revoked_at,
	u.created_at, u.updated_at, u.version`

// A single-user read is two statements sent in one round trip: the user row
// (locked, in Update) and then its aliases, found by the same key. In Update
// the second statement starts after the first holds the user's row lock, so
// it sees the aliases of the version of the user it returned: a user's
// aliases change only together with its row. (One statement with an alias
// subquery would not do in READ COMMITTED: after waiting for the lock it
// returns the newest row but the subquery's older snapshot.) In View both
// statements read the transaction's one snapshot.
//
// GetByAlias also locks the alias row, FOR SHARE: an alias removed while it
// waited is then not found, instead of leading to its former owner.
var (
	qUserGet = locked(`SELECT `+userColumns+` FROM users u WHERE u.pool_id = $1 AND u.sub = $2`,
		forUpdate)
	qUserGetUsername = locked(`SELECT `+userColumns+` FROM users u
		WHERE u.pool_id = $1 AND u.username_key = $2`, forUpdate)
	qUserGetAlias = locked(`SELECT `+userColumns+` FROM aliases a
		JOIN users u ON u.pool_id = a.pool_id AND u.sub = a.sub
		WHERE a.pool_id = $1 AND a.kind = $2 AND a.key = $3`, `FOR UPDATE OF u FOR SHARE OF a`)
	qUserListFirst = locked(`SELECT `+userColumns+` FROM users u WHERE u.pool_id = $1
		ORDER BY u.username_key LIMIT $2`, forUpdate)
	qUserListAfter = locked(`SELECT `+userColumns+` FROM users u WHERE u.pool_id = $1 AND u.username_key > $2
		ORDER BY u.username_key LIMIT $3`, forUpdate)
	// A trigger keeps the count, over 16 shards (migration 0008); an
	// aggregate locks nothing.
	qUserCount = plain(`SELECT coalesce(sum(n), 0)::bigint FROM pool_user_counts WHERE pool_id = $1`)
)

const (
	qAliasesBySub = `SELECT kind, key FROM aliases WHERE pool_id = $1 AND sub = $2 ORDER BY kind, key`
	// The same parameters as qUserGetUsername and qUserGetAlias, so both
	// statements of a read share one argument list.
	qAliasesByUsername = `SELECT kind, key FROM aliases WHERE pool_id = $1
		AND sub = (SELECT sub FROM users WHERE pool_id = $1 AND username_key = $2) ORDER BY kind, key`
	qAliasesByAlias = `SELECT kind, key FROM aliases WHERE pool_id = $1
		AND sub = (SELECT sub FROM aliases WHERE pool_id = $1 AND kind = $2 AND key = $3) ORDER BY kind, key`
	qAliasesOfSubs = `SELECT sub, kind, key FROM aliases WHERE pool_id = $1 AND sub = ANY ($2)
		ORDER BY sub, kind, key`
)

const (
	qUserInsert = `INSERT INTO users (pool_id, sub, username, username_key, status, enabled,
		attributes, password_hash, password_set_at, mfa_enabled, mfa_preferred, extra,
		failed_attempts, last_failed_at, locked_until, tokens_revoked_at, created_at, updated_at, version)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, 1)`
	qUserUpdate = `WITH changed AS (
			UPDATE users SET username = $3, username_key = $4, status = $5, enabled = $6,
				attributes = $7, password_hash = $8, password_set_at = $9, mfa_enabled = $10,
				mfa_preferred = $11, extra = $12, failed_attempts = $13, last_failed_at = $14,
				locked_until = $15, tokens_revoked_at = $16, created_at = $17, updated_at = $18,
				version = version + 1
			WHERE pool_id = $1 AND sub = $2 AND version = $19
			RETURNING 1)
		SELECT EXISTS (SELECT 1 FROM changed), EXISTS (SELECT 1 FROM users WHERE pool_id = $1 AND sub = $2)`
	qUserDelete = `DELETE FROM users WHERE pool_id = $1 AND sub = $2`

	qAliasInsert = `INSERT INTO aliases (pool_id, sub, kind, key) VALUES ($1, $2, $3, $4)`
	// Update keeps the alias rows the user keeps, so that a concurrent
	// GetByAlias waiting on one of them still finds it afterwards: it
	// deletes only the aliases no longer wanted and inserts only new ones.
	qAliasDeleteOthers = `DELETE FROM aliases a WHERE a.pool_id = $1 AND a.sub = $2
		AND NOT EXISTS (SELECT 1 FROM unnest($3::text[], $4::text[]) AS w (kind, key)
			WHERE w.kind = a.kind AND w.key = a.key)`
	qAliasInsertNew = `INSERT INTO aliases (pool_id, sub, kind, key)
		SELECT $1::text, $2::text, $3::text, $4::text
		WHERE NOT EXISTS (SELECT 1 FROM aliases
			WHERE pool_id = $1 AND kind = $3 AND key = $4 AND sub = $2)`
)

func scanUser(sc pgx.Row) (*store.User, error) {
	var (
		u                                               store.User
		pwSet, lastFailed, locked, revoked, created, up int64
	)
	err := sc.Scan(&u.PoolID, &u.Sub, &u.Username, &u.UsernameKey, &u.Status, &u.Enabled, &u.Attributes,
		&u.PasswordHash, &pwSet, &u.MFAEnabled, &u.MFAPreferred, &u.Extra,
		&u.FailedAttempts, &lastFailed, &locked, &revoked, &created, &up, &u.Version)
	if err != nil {
		return nil, err
	}
	u.PasswordSetAt, u.LastFailedAt, u.LockedUntil = fromNanos(pwSet), fromNanos(lastFailed), fromNanos(locked)
	u.TokensRevokedAt, u.CreatedAt, u.UpdatedAt = fromNanos(revoked), fromNanos(created), fromNanos(up)
	// Attributes is never nil after a read, so the domain can assign to it.
	if u.Attributes == nil {
		u.Attributes = map[string]string{}
	}
	return &u, nil
}

// userArgs are the columns $3..$18 of insert and update.
func userArgs(u *store.User) []any {
	attrs := u.Attributes
	if attrs == nil {
		attrs = map[string]string{}
	}
	mfa := u.MFAEnabled
	if mfa == nil {
		mfa = []string{}
	}
	return []any{u.Username, u.UsernameKey, u.Status, u.Enabled, attrs, u.PasswordHash,
		nanos(u.PasswordSetAt), mfa, u.MFAPreferred, blob(u.Extra), u.FailedAttempts,
		nanos(u.LastFailedAt), nanos(u.LockedUntil), nanos(u.TokensRevokedAt),
		nanos(u.CreatedAt), nanos(u.UpdatedAt)}
}

// Create inserts the user and its aliases, all or nothing, in one round
// trip.
func (r userRepo) Create(u *store.User) error {
	steps := []step{{sql: qUserInsert, args: append([]any{u.PoolID, u.Sub}, userArgs(u)...)}}
	for _, a := range u.Aliases {
		steps = append(steps, step{sql: qAliasInsert, args: []any{u.PoolID, u.Sub, a.Kind, a.Key},
			exists: "alias:" + a.Kind})
	}
	steps = append(steps, searchSteps(u, false)...)
	if err := r.t.guard(steps...); err != nil {
		return err
	}
	u.Version = 1
	return nil
}

// one reads one user by the key in args: userQ finds the row, aliasQ (with
// the same parameters) its aliases.
func (r userRepo) one(userQ query, aliasQ string, args ...any) (*store.User, error) {
	if !storable(args) {
		return nil, store.ErrNotFound
	}
	b := &pgx.Batch{}
	b.Queue(r.t.text(userQ), args...)
	b.Queue(aliasQ, args...)
	br := r.t.pg.SendBatch(r.t.ctx, b)
	u, err := scanUser(br.QueryRow())
	if err == nil {
		err = readAliases(br, u)
	}
	if cerr := br.Close(); err == nil {
		err = cerr
	}
	r.t.note(err)
	return u, notFound(err)
}

func readAliases(br pgx.BatchResults, u *store.User) error {
	rows, err := br.Query()
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var a store.Alias
		if err := rows.Scan(&a.Kind, &a.Key); err != nil {
			return err
		}
		u.Aliases = append(u.Aliases, a)
	}
	return rows.Err()
}

func (r userRepo) Get(poolID, sub string) (*store.User, error) {
	return r.one(qUserGet, qAliasesBySub, poolID, sub)
}

func (r userRepo) GetByUsername(poolID, usernameKey string) (*store.User, error) {
	return r.one(qUserGetUsername, qAliasesByUsername, poolID, usernameKey)
}

func (r userRepo) GetByAlias(poolID string, a store.Alias) (*store.User, error) {
	return r.one(qUserGetAlias, qAliasesByAlias, poolID, a.Kind, a.Key)
}

// Update writes every field, replaces the aliases and bumps the version, all
// or nothing, in two round trips: the version check decides whether the
// aliases are touched at all. The savepoint spans both.
func (r userRepo) Update(u *store.User) error {
	var changed, exists bool
	err := r.t.send(true, false, []step{{sql: qUserUpdate,
		args: append(append([]any{u.PoolID, u.Sub}, userArgs(u)...), u.Version),
		scan: []any{&changed, &exists}}})
	if err != nil {
		return err
	}
	if err := conditional(changed, exists); err != nil {
		// Nothing was written; end the savepoint all the same.
		if rerr := r.t.release(); rerr != nil {
			return errors.Join(err, rerr)
		}
		return err
	}
	kinds, keys := make([]string, len(u.Aliases)), make([]string, len(u.Aliases))
	steps := []step{{sql: qAliasDeleteOthers, args: []any{u.PoolID, u.Sub, kinds, keys}}}
	for i, a := range u.Aliases {
		kinds[i], keys[i] = a.Kind, a.Key
		steps = append(steps, step{sql: qAliasInsertNew, args: []any{u.PoolID, u.Sub, a.Kind, a.Key},
			exists: "alias:" + a.Kind})
	}
	steps = append(steps, searchSteps(u, true)...)
	if err := r.t.send(false, true, steps); err != nil {
		return err
	}
	u.Version++
	return nil
}

// Delete removes the user; its aliases, search entries, memberships,
// devices, passkeys and events go with it (foreign key cascade).
func (r userRepo) Delete(poolID, sub string) error {
	var tag pgconn.CommandTag
	if err := r.t.guard(step{sql: qUserDelete, args: []any{poolID, sub}, tag: &tag}); err != nil {
		return err
	}
	return affected(tag)
}

// List reads a page of users, then the aliases of exactly those users (by
// their subs, so a user created in between cannot shift the page).
func (r userRepo) List(poolID string, page store.Page) ([]*store.User, string, error) {
	limit := pageLimit(page.Limit)
	q, args := qUserListFirst, []any{poolID, limit + 1}
	if page.After != "" {
		after, err := decodeCursor(page.After)
		if err != nil {
			return nil, "", err
		}
		q, args = qUserListAfter, []any{poolID, after, limit + 1}
	}
	var users []*store.User
	err := r.t.rows(q, args, func(rows pgx.Rows) error {
		u, err := scanUser(rows)
		users = append(users, u)
		return err
	})
	if err != nil {
		return nil, "", err
	}
	next := ""
	if len(users) > limit {
		users = users[:limit]
		next = encodeCursor(users[limit-1].UsernameKey)
	}
	if err := r.withAliases(poolID, users); err != nil {
		return nil, "", err
	}
	return users, next, nil
}

func (r userRepo) Count(poolID string) (int64, error) {
	var n int64
	err := r.t.row(qUserCount, poolID).Scan(&n)
	if errors.Is(err, pgx.ErrNoRows) { // a pool ID no row can have
		return 0, nil
	}
	return n, err
}
