package postgres

import (
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/ninshou/ninshou/internal/store"
)

func (t *tx) Groups() store.GroupRepo { return groupRepo{t} }

type groupRepo struct{ t *tx }

const groupColumns = `g.pool_id, g.name, g.description, g.role_arn, g.precedence, g.created_at, g.updated_at`

// Groups are read by every token issue (the cognito:groups claim) and
// written rarely, so Update reads them FOR SHARE, like pools. Listing
// members reads the users as List does, FOR UPDATE.
var (
	qGroupGet = locked(`SELECT `+groupColumns+` FROM groups g WHERE g.pool_id = $1 AND g.name = $2`,
		forShare)
	qGroupCount     = plain(`SELECT count(*) FROM groups WHERE pool_id = $1`)
	qGroupCountUser = plain(`SELECT count(*) FROM group_members WHERE pool_id = $1 AND sub = $2`)
	qGroupListFirst = locked(`SELECT `+groupColumns+` FROM groups g WHERE g.pool_id = $1
		ORDER BY g.name LIMIT $2`, forShare)
	qGroupListAfter = locked(`SELECT `+groupColumns+` FROM groups g WHERE g.pool_id = $1 AND g.name > $2
		ORDER BY g.name LIMIT $3`, forShare)
	qGroupsUserFirst = locked(`SELECT `+groupColumns+` FROM group_members m
		JOIN groups g ON g.pool_id = m.pool_id AND g.name = m.group_name
		WHERE m.pool_id = $1 AND m.sub = $2 ORDER BY m.group_name LIMIT $3`, forShare)
	qGroupsUserAfter = locked(`SELECT `+groupColumns+` FROM group_members m
		JOIN groups g ON g.pool_id = m.pool_id AND g.name = m.group_name
		WHERE m.pool_id = $1 AND m.sub = $2 AND m.group_name > $3 ORDER BY m.group_name LIMIT $4`, forShare)
	// Members are sorted by username key: the cost of a page grows with the
	// size of the group.
	qMembersFirst = locked(`SELECT `+userColumns+` FROM group_members m
		JOIN users u ON u.pool_id = m.pool_id AND u.sub = m.sub
		WHERE m.pool_id = $1 AND m.group_name = $2 ORDER BY u.username_key LIMIT $3`,
		`FOR UPDATE OF u FOR SHARE OF m`)
	qMembersAfter = locked(`SELECT `+userColumns+` FROM group_members m
		JOIN users u ON u.pool_id = m.pool_id AND u.sub = m.sub
		WHERE m.pool_id = $1 AND m.group_name = $2 AND u.username_key > $3 ORDER BY u.username_key LIMIT $4`,
		`FOR UPDATE OF u FOR SHARE OF m`)
)

const (
	qGroupInsert = `INSERT INTO groups (pool_id, name, description, role_arn, precedence,
		created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7)`
	qGroupUpdate = `UPDATE groups SET description = $3, role_arn = $4, precedence = $5,
		created_at = $6, updated_at = $7 WHERE pool_id = $1 AND name = $2`
	qGroupDelete  = `DELETE FROM groups WHERE pool_id = $1 AND name = $2`
	qMemberAdd    = `INSERT INTO group_members (pool_id, group_name, sub) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`
	qMemberRemove = `DELETE FROM group_members WHERE pool_id = $1 AND group_name = $2 AND sub = $3`
)

func scanGroup(sc pgx.Row) (*store.Group, error) {
	var g store.Group
	var created, updated int64
	if err := sc.Scan(&g.PoolID, &g.Name, &g.Description, &g.RoleArn, &g.Precedence, &created, &updated); err != nil {
		return nil, err
	}
	g.CreatedAt, g.UpdatedAt = fromNanos(created), fromNanos(updated)
	return &g, nil
}

func (r groupRepo) Create(g *store.Group) error {
	return r.t.guard(step{sql: qGroupInsert, args: []any{g.PoolID, g.Name, g.Description, g.RoleArn,
		g.Precedence, nanos(g.CreatedAt), nanos(g.UpdatedAt)}, exists: "group"})
}

func (r groupRepo) Get(poolID, name string) (*store.Group, error) {
	g, err := scanGroup(r.t.row(qGroupGet, poolID, name))
	return g, notFound(err)
}

// Update writes every field but the pool and the name, which are the key.
func (r groupRepo) Update(g *store.Group) error {
	return r.t.one(qGroupUpdate, g.PoolID, g.Name, g.Description, g.RoleArn, g.Precedence,
		nanos(g.CreatedAt), nanos(g.UpdatedAt))
}

// Delete removes the group and its memberships (foreign key cascade).
func (r groupRepo) Delete(poolID, name string) error {
	return r.t.one(qGroupDelete, poolID, name)
}

func (r groupRepo) List(poolID string, page store.Page) ([]*store.Group, string, error) {
	return keyPage(r.t, page, qGroupListFirst, qGroupListAfter, []any{poolID}, scanGroup,
		func(g *store.Group) string { return g.Name })
}

func (r groupRepo) Count(poolID string) (int, error) {
	var n int
	err := r.t.row(qGroupCount, poolID).Scan(&n)
	return n, err
}

func (r groupRepo) CountForUser(poolID, sub string) (int, error) {
	var n int
	err := r.t.row(qGroupCountUser, poolID, sub).Scan(&n)
	return n, err
}

// AddMember adds sub to the group; adding a member again changes nothing.
// A missing group or user fails the foreign key: store.ErrNotFound.
func (r groupRepo) AddMember(poolID, name, sub string) error {
	return r.t.guard(step{sql: qMemberAdd, args: []any{poolID, name, sub}})
}

// RemoveMember succeeds whether or not sub was a member.
func (r groupRepo) RemoveMember(poolID, name, sub string) error {
	return r.t.guard(step{sql: qMemberRemove, args: []any{poolID, name, sub}})
}

func (r groupRepo) ListForUser(poolID, sub string, page store.Page) ([]*store.Group, string, error) {
	return keyPage(r.t, page, qGroupsUserFirst, qGroupsUserAfter, []any{poolID, sub}, scanGroup,
		func(g *store.Group) string { return g.Name })
}

func (r groupRepo) ListMembers(poolID, name string, page store.Page) ([]*store.User, string, error) {
	users, next, err := keyPage(r.t, page, qMembersFirst, qMembersAfter, []any{poolID, name}, scanUser,
		func(u *store.User) string { return u.UsernameKey })
	if err != nil {
		return nil, "", err
	}
	if err := (userRepo{r.t}).withAliases(poolID, users); err != nil {
		return nil, "", err
	}
	return users, next, nil
}

// one runs a write by key and reports store.ErrNotFound when it touched no
// row.
func (t *tx) one(sql string, args ...any) error {
	var tag pgconn.CommandTag
	if err := t.guard(step{sql: sql, args: args, tag: &tag}); err != nil {
		return err
	}
	return affected(tag)
}

// keyPage reads a page of a list ordered by one string key: first takes
// args and the limit, after takes args, the key of the last row returned
// and the limit.
func keyPage[T any](t *tx, page store.Page, first, after query, args []any,
	scan func(pgx.Row) (T, error), key func(T) string) ([]T, string, error) {
	q := first
	if page.After != "" {
		k, err := decodeCursor(page.After)
		if err != nil {
			return nil, "", err
		}
		q, args = after, append(args, k)
	}
	limit := pageLimit(page.Limit)
	return collect(t, q, append(args, limit+1), limit, scan, func(v T) string { return encodeCursor(key(v)) })
}

// collect runs q, which asks for limit+1 rows, and returns at most limit of
// them with the cursor of the last one when there are more.
func collect[T any](t *tx, q query, args []any, limit int,
	scan func(pgx.Row) (T, error), cursor func(T) string) ([]T, string, error) {
	out := []T{}
	err := t.rows(q, args, func(rows pgx.Rows) error {
		v, err := scan(rows)
		out = append(out, v)
		return err
	})
	if err != nil {
		return nil, "", err
	}
	next := ""
	if len(out) > limit {
		out = out[:limit]
		next = cursor(out[limit-1])
	}
	return out, next, nil
}
