package sqlite

import (
	"database/sql"
	"errors"
	"fmt"

	"github.com/ninshou/ninshou/internal/store"
)

type userRepo struct{ t *tx }

// userColumns reads a user and, in the same statement, its aliases as a JSON
// array of [kind, key] pairs ordered by kind then key: one indexed lookup
// on aliases_user per user, no second round trip.
const userColumns = `u.pool_id, u.sub, u.username, u.username_key, u.status, u.enabled, u.attributes,
	u.password_hash, u.password_set_at, u.mfa_enabled, u.mfa_preferred, u.extra,
	u.failed_attempts, u.last_failed_at, u.locked_until, u.tokens_revoked_at,
	u.created_at, u.updated_at, u.version,
	(SELECT json_group_array(json_array(a.kind, a.key) ORDER BY a.kind, a.key)
		FROM aliases a WHERE a.pool_id = u.pool_id AND a.sub = u.sub)`

var (
	qUserInsert = stmtWrite(`INSERT INTO users (pool_id, sub, username, username_key, status, enabled,
		attributes, password_hash, password_set_at, mfa_enabled, mfa_preferred, extra,
		failed_attempts, last_failed_at, locked_until, tokens_revoked_at, created_at, updated_at, version)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1)`)
	qUserUpdate = stmtWrite(`UPDATE users SET username = ?, username_key = ?, status = ?, enabled = ?,
		attributes = ?, password_hash = ?, password_set_at = ?, mfa_enabled = ?, mfa_preferred = ?,
		extra = ?, failed_attempts = ?, last_failed_at = ?, locked_until = ?, tokens_revoked_at = ?,
		created_at = ?, updated_at = ?, version = version + 1
		WHERE pool_id = ? AND sub = ? AND version = ?`)
	qUserExists      = stmtRead(`SELECT 1 FROM users WHERE pool_id = ? AND sub = ?`)
	qUserDelete      = stmtWrite(`DELETE FROM users WHERE pool_id = ? AND sub = ?`)
	qAliasInsert     = stmtWrite(`INSERT INTO aliases (pool_id, kind, key, sub) VALUES (?, ?, ?, ?)`)
	qAliasDeleteUser = stmtWrite(`DELETE FROM aliases WHERE pool_id = ? AND sub = ?`)
	qUserGet         = stmtRead(`SELECT ` + userColumns + ` FROM users u WHERE u.pool_id = ? AND u.sub = ?`)
	qUserGetUsername = stmtRead(`SELECT ` + userColumns + ` FROM users u WHERE u.pool_id = ? AND u.username_key = ?`)
	qUserGetAlias    = stmtRead(`SELECT ` + userColumns + ` FROM aliases al JOIN users u ON u.pool_id = al.pool_id AND u.sub = al.sub WHERE al.pool_id = ? AND al.kind = ? AND al.key = ?`)
	qUserListFirst   = stmtRead(`SELECT ` + userColumns + ` FROM users u WHERE u.pool_id = ? ORDER BY u.username_key LIMIT ?`)
	qUserListAfter   = stmtRead(`SELECT ` + userColumns + ` FROM users u WHERE u.pool_id = ? AND u.username_key > ? ORDER BY u.username_key LIMIT ?`)
	// Triggers keep the count (migration 0008).
	qUserCount = stmtRead(`SELECT coalesce(sum(n), 0) FROM pool_user_counts WHERE pool_id = ?`)
)

func scanUser(sc interface{ Scan(...any) error }) (*store.User, error) {
	var (
		u                                               store.User
		enabled                                         int64
		attrs, mfa, aliases                             []byte
		pwSet, lastFailed, locked, revoked, created, up int64
	)
	err := sc.Scan(&u.PoolID, &u.Sub, &u.Username, &u.UsernameKey, &u.Status, &enabled, &attrs,
		&u.PasswordHash, &pwSet, &mfa, &u.MFAPreferred, &u.Extra,
		&u.FailedAttempts, &lastFailed, &locked, &revoked, &created, &up, &u.Version, &aliases)
	if err != nil {
		return nil, err
	}
	u.Enabled = enabled != 0
	u.PasswordSetAt, u.LastFailedAt, u.LockedUntil = fromNanos(pwSet), fromNanos(lastFailed), fromNanos(locked)
	u.TokensRevokedAt, u.CreatedAt, u.UpdatedAt = fromNanos(revoked), fromNanos(created), fromNanos(up)
	// Attributes is never nil after a read, so the domain can assign to it.
	u.Attributes = map[string]string{}
	if err := decodeStringMap(attrs, &u.Attributes); err != nil {
		return nil, fmt.Errorf("sqlite: user %s attributes: %w", u.Sub, err)
	}
	if u.MFAEnabled, err = decodeStrings(mfa); err != nil {
		return nil, fmt.Errorf("sqlite: user %s mfa_enabled: %w", u.Sub, err)
	}
	pairs, err := decodePairs(aliases)
	if err != nil {
		return nil, fmt.Errorf("sqlite: user %s aliases: %w", u.Sub, err)
	}
	for _, p := range pairs {
		u.Aliases = append(u.Aliases, store.Alias{Kind: p[0], Key: p[1]})
	}
	return &u, nil
}

// userArgs are the columns shared by insert and update, in insert order
// after (pool_id, sub).
func userArgs(u *store.User) ([]any, error) {
	attrs := u.Attributes
	if attrs == nil {
		attrs = map[string]string{}
	}
	a, err := jsonText(attrs)
	if err != nil {
		return nil, err
	}
	mfa := u.MFAEnabled
	if mfa == nil {
		mfa = []string{}
	}
	m, err := jsonText(mfa)
	if err != nil {
		return nil, err
	}
	return []any{u.Username, u.UsernameKey, u.Status, boolInt(u.Enabled), a, u.PasswordHash,
		nanos(u.PasswordSetAt), m, u.MFAPreferred, blob(u.Extra), u.FailedAttempts,
		nanos(u.LastFailedAt), nanos(u.LockedUntil), nanos(u.TokensRevokedAt),
		nanos(u.CreatedAt), nanos(u.UpdatedAt)}, nil
}

func userWriteErr(err error) error {
	switch {
	case isUniqueOn(err, "users.pool_id, users.username_key"):
		return &store.ExistsError{What: "username"}
	case isUniqueOn(err, "users.pool_id, users.sub"):
		return &store.ExistsError{What: "sub"}
	}
	return uniqueErr(err, "user")
}

func (r userRepo) insertAliases(u *store.User) error {
	for _, a := range u.Aliases {
		if _, err := r.t.exec(qAliasInsert, u.PoolID, a.Kind, a.Key, u.Sub); err != nil {
			return uniqueErr(err, "alias:"+a.Kind)
		}
	}
	return nil
}

// Create inserts the user and its aliases, all or nothing.
func (r userRepo) Create(u *store.User) error {
	args, err := userArgs(u)
	if err != nil {
		return err
	}
	err = r.t.savepoint(func() error {
		if _, err := r.t.exec(qUserInsert, append([]any{u.PoolID, u.Sub}, args...)...); err != nil {
			return userWriteErr(err)
		}
		if err := r.insertAliases(u); err != nil {
			return err
		}
		return r.index(u, false)
	})
	if err != nil {
		return err
	}
	u.Version = 1
	return nil
}

func (r userRepo) one(q string, args ...any) (*store.User, error) {
	u, err := scanUser(r.t.queryRow(q, args...))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, store.ErrNotFound
	}
	return u, err
}

func (r userRepo) Get(poolID, sub string) (*store.User, error) {
	return r.one(qUserGet, poolID, sub)
}

func (r userRepo) GetByUsername(poolID, usernameKey string) (*store.User, error) {
	return r.one(qUserGetUsername, poolID, usernameKey)
}

func (r userRepo) GetByAlias(poolID string, a store.Alias) (*store.User, error) {
	return r.one(qUserGetAlias, poolID, a.Kind, a.Key)
}

// Update writes every field, replaces the aliases and bumps the version, all
// or nothing.
func (r userRepo) Update(u *store.User) error {
	args, err := userArgs(u)
	if err != nil {
		return err
	}
	err = r.t.savepoint(func() error {
		err := r.t.conditional(qUserUpdate, append(args, u.PoolID, u.Sub, u.Version),
			qUserExists, u.PoolID, u.Sub)
		if err != nil {
			return userWriteErr(err)
		}
		if _, err := r.t.exec(qAliasDeleteUser, u.PoolID, u.Sub); err != nil {
			return err
		}
		if err := r.insertAliases(u); err != nil {
			return err
		}
		return r.index(u, true)
	})
	if err != nil {
		return err
	}
	u.Version++
	return nil
}

// Delete removes the user; its aliases, search entries, memberships,
// devices, passkeys and events go with it (foreign key cascade).
func (r userRepo) Delete(poolID, sub string) error {
	return r.t.execOne(qUserDelete, poolID, sub)
}

func (r userRepo) List(poolID string, page store.Page) ([]*store.User, string, error) {
	limit := pageLimit(page.Limit)
	var rows *sql.Rows
	var err error
	if page.After == "" {
		rows, err = r.t.query(qUserListFirst, poolID, limit+1)
	} else {
		after, derr := decodeCursor(page.After)
		if derr != nil {
			return nil, "", derr
		}
		rows, err = r.t.query(qUserListAfter, poolID, after, limit+1)
	}
	if err != nil {
		return nil, "", err
	}
	defer rows.Close()
	var users []*store.User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, "", err
		}
		users = append(users, u)
	}
	if err := rows.Err(); err != nil {
		return nil, "", err
	}
	next := ""
	if len(users) > limit {
		users = users[:limit]
		next = encodeCursor(users[limit-1].UsernameKey)
	}
	return users, next, nil
}

func (r userRepo) Count(poolID string) (int64, error) {
	var n int64
	err := r.t.queryRow(qUserCount, poolID).Scan(&n)
	return n, err
}
