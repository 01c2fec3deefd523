package sqlite

import (
	"fmt"

	"github.com/ninshou/ninshou/internal/store"
)

// Users are found by a searchable field through user_search (see migration
// 0002): one row per user and field, written with the user, and an index on
// (pool_id, field, value, username_key).
//
// An exact search is one range of that index already in username_key order:
// it reads Limit+1 index entries, whatever the pool's size. A prefix search
// is the value range [prefix, store.PrefixEnd(prefix)) (never LIKE, so %, _
// and \ are plain characters), read in the index's own (value,
// username_key) order, which is the order the contract gives prefix
// searches: it too reads Limit+1 entries however many users match (a
// prefix matching all of a million users costs a page, not a sort of a
// million keys). Its cursor is the last (value, username_key).
//
// The subquery picks the page's subs from the covering index alone; only
// those users are then read, with their aliases. A subquery with LIMIT is
// not flattened into the join, so no user row is read for a match that does
// not make the page.
var (
	qSearchUpsert = stmtWrite(`INSERT INTO user_search (pool_id, sub, field, value, username_key)
		SELECT ?, ?, key, value, ? FROM json_each(?) WHERE true
		ON CONFLICT (pool_id, sub, field) DO UPDATE
			SET value = excluded.value, username_key = excluded.username_key
			WHERE user_search.value <> excluded.value OR user_search.username_key <> excluded.username_key`)
	// qSearchDeleteOthers removes the fields a user no longer has (an
	// attribute deleted).
	qSearchDeleteOthers = stmtWrite(`DELETE FROM user_search WHERE pool_id = ? AND sub = ?
		AND field NOT IN (SELECT key FROM json_each(?))`)

	qSearchExact      = stmtRead(searchQuery(`value = ?`, false))
	qSearchExactAfter = stmtRead(searchQuery(`value = ?`, true))
	qSearchRange      = stmtRead(prefixQuery(`value >= ? AND value < ?`, false))
	qSearchRangeAfter = stmtRead(prefixQuery(`value >= ? AND value < ?`, true))
	qSearchFrom       = stmtRead(prefixQuery(`value >= ?`, false))
	qSearchFromAfter  = stmtRead(prefixQuery(`value >= ?`, true))
)

// searchQuery is an exact Search statement; its parameters are the pool ID,
// the field, the value, the cursor (username key) if after, and the limit.
func searchQuery(valueCond string, after bool) string {
	cursor := ""
	if after {
		cursor = ` AND username_key > ?`
	}
	return `SELECT ` + userColumns + ` FROM (
		SELECT pool_id, sub, username_key FROM user_search
		WHERE pool_id = ? AND field = ? AND ` + valueCond + cursor + `
		ORDER BY username_key LIMIT ?) s
	JOIN users u ON u.pool_id = s.pool_id AND u.sub = s.sub
	ORDER BY s.username_key`
}

// prefixQuery is a prefix Search statement, in (value, username_key)
// order; its parameters are the pool ID, the field, the value condition's,
// the cursor (value, username key) if after, and the limit; after a
// cursor, the lower bound of the value is the cursor's value.
func prefixQuery(valueCond string, after bool) string {
	cursor := ""
	if after {
		// (value, username_key) > (cursor) written out, the range starting
		// at the cursor's value (Search passes it as the lower bound): with
		// a row value, or a second lower bound, the planner may skip-scan
		// the pool and sort instead of reading one range in order.
		cursor = ` AND (value > ? OR username_key > ?)`
	}
	return `SELECT ` + userColumns + ` FROM (
		SELECT pool_id, sub, value, username_key FROM user_search
		WHERE pool_id = ? AND field = ? AND ` + valueCond + cursor + `
		ORDER BY value, username_key LIMIT ?) s
	JOIN users u ON u.pool_id = s.pool_id AND u.sub = s.sub
	ORDER BY s.value, s.username_key`
}

// index writes u's search entries; replace also removes entries of fields
// u no longer has. Unchanged entries are left as they are.
func (r userRepo) index(u *store.User, replace bool) error {
	values, err := jsonText(store.SearchValues(u))
	if err != nil {
		return err
	}
	if replace {
		if _, err := r.t.exec(qSearchDeleteOthers, u.PoolID, u.Sub, values); err != nil {
			return err
		}
	}
	_, err = r.t.exec(qSearchUpsert, u.PoolID, u.Sub, u.UsernameKey, values)
	return err
}

// Search returns the users whose field f.Field equals f.Value, ordered by
// UsernameKey, or starts with it when f.Prefix, ordered by (value,
// UsernameKey). A field that is not searchable is an error.
func (r userRepo) Search(poolID string, f store.UserFilter, page store.Page) ([]*store.User, string, error) {
	if !store.IsSearchField(f.Field) {
		return nil, "", fmt.Errorf("sqlite: %q is not a searchable field", f.Field)
	}
	f.Value = store.SearchKey(f.Field, f.Value)
	limit := pageLimit(page.Limit)
	var q string
	args := []any{poolID, f.Field, f.Value}
	switch end, bounded := store.PrefixEnd(f.Value); {
	case !f.Prefix:
		q = pick(page.After, qSearchExact, qSearchExactAfter)
	case bounded:
		q = pick(page.After, qSearchRange, qSearchRangeAfter)
		args = append(args, end)
	default:
		q = pick(page.After, qSearchFrom, qSearchFromAfter)
	}
	if page.After != "" {
		if f.Prefix {
			value, key, err := store.DecodeValueCursor(page.After)
			if err != nil {
				return nil, "", errBadCursor
			}
			if value > f.Value {
				args[2] = value // the range resumes at the cursor
			}
			args = append(args, value, key)
		} else {
			after, err := decodeCursor(page.After)
			if err != nil {
				return nil, "", err
			}
			args = append(args, after)
		}
	}
	rows, err := r.t.query(q, append(args, limit+1)...)
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
		last := users[limit-1]
		if f.Prefix {
			next = store.EncodeValueCursor(store.SearchValues(last)[f.Field], last.UsernameKey)
		} else {
			next = encodeCursor(last.UsernameKey)
		}
	}
	return users, next, nil
}

// pick returns first for the first page and after for the others.
func pick(cursor, first, after string) string {
	if cursor == "" {
		return first
	}
	return after
}
