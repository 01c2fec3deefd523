package postgres

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"

	"github.com/ninshou/ninshou/internal/store"
)

// Users are found by a searchable field through user_search (see migration
// 0002): one row per user and field, written with the user, and the index
// user_search_value on (pool_id, field, left(value, 256), username_key)
// INCLUDE (sub).
//
// An exact search is one range of that index, already in username_key
// order: it reads Limit+1 entries (and rechecks each full value), whatever
// the pool's size. A prefix search of at most 256 characters is the range
// [prefix, store.PrefixEnd(prefix)) of the indexed value, decided by the
// index alone (never LIKE, so %, _ and \ are plain characters), read in
// the index's own (left(value, 256), username_key) order, which is the
// order the contract gives prefix searches: Limit+1 entries however many
// users match. Its cursor is the last (value, username_key). A longer
// prefix is an exact key on the first 256 characters plus a recheck.
//
// The bounds are computed here and sent as parameters: a starts_with or
// LIKE condition becomes an index range only when the planner sees a
// constant, which a cached generic plan does not.
const searchKeyChars = 256

// The search shapes, by the condition on the value: parameters $3 (and $4)
// are the value's.
var (
	searchExact = searchShape(`left(value, 256) = left($3, 256) AND value = $3`, 1, false)
	searchRange = searchShape(`left(value, 256) >= $3 AND left(value, 256) < $4`, 2, true)
	searchFrom  = searchShape(`left(value, 256) >= $3`, 1, true)
	searchLong  = searchShape(`left(value, 256) = left($3, 256) AND starts_with(value, $3)`, 1, true)
)

// searchQueries is one shape of Search: the first page, and the pages
// after a cursor.
type searchQueries struct{ first, after query }

// searchShape builds the statements of one shape: in username_key order,
// or, for a prefix, in (left(value, 256), username_key) order.
func searchShape(valueCond string, valueArgs int, prefix bool) searchQueries {
	order := `username_key`
	if prefix {
		order = `left(value, 256), username_key`
	}
	build := func(after bool) query {
		// $1 pool, $2 field, the value's, then the cursor if after (the
		// username key, or for a prefix the value and the username key),
		// then the limit.
		next, cursor := 3+valueArgs, ""
		switch {
		case after && prefix:
			cursor = ` AND (left(value, 256), username_key) > (left($` + strconv.Itoa(next) + `, 256), $` + strconv.Itoa(next+1) + `)`
			next += 2
		case after:
			cursor = ` AND username_key > $` + strconv.Itoa(next)
			next++
		}
		// The subquery picks the page from the index; only its users are
		// then read (and, in Update, locked).
		return locked(`SELECT `+userColumns+` FROM (
			SELECT pool_id, sub, left(value, 256) AS v, username_key FROM user_search
			WHERE pool_id = $1 AND field = $2 AND `+valueCond+cursor+`
			ORDER BY `+order+` LIMIT $`+strconv.Itoa(next)+`) s
		JOIN users u ON u.pool_id = s.pool_id AND u.sub = s.sub
		ORDER BY `+strings.Replace(strings.Replace(order, "left(value, 256)", "s.v", 1), "username_key", "s.username_key", 1), `FOR UPDATE OF u`)
	}
	return searchQueries{first: build(false), after: build(true)}
}

const (
	// qSearchUpsert writes a user's entries from parallel arrays of fields
	// and values, leaving unchanged ones alone.
	qSearchUpsert = `INSERT INTO user_search (pool_id, sub, field, value, username_key)
		SELECT $1::text, $2::text, f, v, $3::text FROM unnest($4::text[], $5::text[]) AS x (f, v)
		ON CONFLICT (pool_id, sub, field) DO UPDATE
			SET value = excluded.value, username_key = excluded.username_key
			WHERE user_search.value <> excluded.value OR user_search.username_key <> excluded.username_key`
	// qSearchDeleteOthers removes the fields a user no longer has (an
	// attribute deleted).
	qSearchDeleteOthers = `DELETE FROM user_search WHERE pool_id = $1 AND sub = $2 AND field <> ALL ($3::text[])`
)

// searchSteps are the statements that write u's search entries; replace
// also removes the entries of fields u no longer has.
func searchSteps(u *store.User, replace bool) []step {
	values := store.SearchValues(u)
	fields, vals := make([]string, 0, len(values)), make([]string, 0, len(values))
	for f, v := range values {
		fields, vals = append(fields, f), append(vals, v)
	}
	var steps []step
	if replace {
		steps = append(steps, step{sql: qSearchDeleteOthers, args: []any{u.PoolID, u.Sub, fields}})
	}
	return append(steps, step{sql: qSearchUpsert, args: []any{u.PoolID, u.Sub, u.UsernameKey, fields, vals}})
}

// Search returns the users whose field f.Field equals f.Value, ordered by
// UsernameKey, or starts with it when f.Prefix, ordered by (the value's
// first 256 characters, UsernameKey). A field that is not searchable is an
// error; a value PostgreSQL cannot hold finds nobody.
func (r userRepo) Search(poolID string, f store.UserFilter, page store.Page) ([]*store.User, string, error) {
	if !store.IsSearchField(f.Field) {
		return nil, "", fmt.Errorf("postgres: %q is not a searchable field", f.Field)
	}
	f.Value = store.SearchKey(f.Field, f.Value)
	limit := pageLimit(page.Limit)
	var after []any
	if page.After != "" && f.Prefix {
		value, key, err := store.DecodeValueCursor(page.After)
		if err != nil || !storable([]any{value, key}) {
			return nil, "", fmt.Errorf("postgres: %w", store.ErrBadCursor)
		}
		after = []any{value, key}
	} else if page.After != "" {
		key, err := decodeCursor(page.After)
		if err != nil {
			return nil, "", err
		}
		after = []any{key}
	}
	if !storable([]any{poolID, f.Value}) {
		return []*store.User{}, "", nil
	}
	shape, args := searchExact, []any{poolID, f.Field, f.Value}
	if f.Prefix {
		switch end, bounded := store.PrefixEnd(f.Value); {
		case utf8.RuneCountInString(f.Value) > searchKeyChars:
			shape = searchLong
		case bounded:
			shape, args = searchRange, append(args, end)
		default:
			shape = searchFrom
		}
	}
	q := shape.first
	if page.After != "" {
		q, args = shape.after, append(args, after...)
	}
	var users []*store.User
	err := r.t.rows(q, append(args, limit+1), func(rows pgx.Rows) error {
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
		last := users[limit-1]
		if f.Prefix {
			next = store.EncodeValueCursor(store.SearchValues(last)[f.Field], last.UsernameKey)
		} else {
			next = encodeCursor(last.UsernameKey)
		}
	}
	if err := r.withAliases(poolID, users); err != nil {
		return nil, "", err
	}
	return users, next, nil
}

// withAliases reads the aliases of users, all of one pool, in one query.
func (r userRepo) withAliases(poolID string, users []*store.User) error {
	if len(users) == 0 {
		return nil
	}
	bySub := make(map[string]*store.User, len(users))
	subs := make([]string, len(users))
	for i, u := range users {
		bySub[u.Sub], subs[i] = u, u.Sub
	}
	return r.t.rows(plain(qAliasesOfSubs), []any{poolID, subs}, func(rows pgx.Rows) error {
		var sub string
		var a store.Alias
		if err := rows.Scan(&sub, &a.Kind, &a.Key); err != nil {
			return err
		}
		u := bySub[sub]
		u.Aliases = append(u.Aliases, a)
		return nil
	})
}
