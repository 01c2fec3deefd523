package sqlite

import (
	"database/sql"

	"github.com/ninshou/ninshou/internal/store"
)

func (t *tx) Groups() store.GroupRepo { return groupRepo{t} }

type groupRepo struct{ t *tx }

const groupColumns = `g.pool_id, g.name, g.description, g.role_arn, g.precedence, g.created_at, g.updated_at`

var (
	qGroupInsert = stmtWrite(`INSERT INTO groups (pool_id, name, description, role_arn, precedence,
		created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)`)
	qGroupGet    = stmtRead(`SELECT ` + groupColumns + ` FROM groups g WHERE g.pool_id = ? AND g.name = ?`)
	qGroupUpdate = stmtWrite(`UPDATE groups SET description = ?, role_arn = ?, precedence = ?,
		created_at = ?, updated_at = ? WHERE pool_id = ? AND name = ?`)
	qGroupDelete    = stmtWrite(`DELETE FROM groups WHERE pool_id = ? AND name = ?`)
	qGroupListFirst = stmtRead(`SELECT ` + groupColumns + ` FROM groups g WHERE g.pool_id = ?
		ORDER BY g.name LIMIT ?`)
	qGroupListAfter = stmtRead(`SELECT ` + groupColumns + ` FROM groups g WHERE g.pool_id = ? AND g.name > ?
		ORDER BY g.name LIMIT ?`)
	qGroupCount     = stmtRead(`SELECT count(*) FROM groups WHERE pool_id = ?`)
	qGroupCountUser = stmtRead(`SELECT count(*) FROM group_members WHERE pool_id = ? AND sub = ?`)
	qMemberAdd      = stmtWrite(`INSERT INTO group_members (pool_id, group_name, sub) VALUES (?, ?, ?)
		ON CONFLICT DO NOTHING`)
	qMemberRemove    = stmtWrite(`DELETE FROM group_members WHERE pool_id = ? AND group_name = ? AND sub = ?`)
	qGroupsUserFirst = stmtRead(`SELECT ` + groupColumns + ` FROM group_members m
		JOIN groups g ON g.pool_id = m.pool_id AND g.name = m.group_name
		WHERE m.pool_id = ? AND m.sub = ? ORDER BY m.group_name LIMIT ?`)
	qGroupsUserAfter = stmtRead(`SELECT ` + groupColumns + ` FROM group_members m
		JOIN groups g ON g.pool_id = m.pool_id AND g.name = m.group_name
		WHERE m.pool_id = ? AND m.sub = ? AND m.group_name > ? ORDER BY m.group_name LIMIT ?`)
	// Members are sorted by username key: the cost of a page grows with the
	// size of the group.
	qMembersFirst = stmtRead(`SELECT ` + userColumns + ` FROM group_members m
		JOIN users u ON u.pool_id = m.pool_id AND u.sub = m.sub
		WHERE m.pool_id = ? AND m.group_name = ? ORDER BY u.username_key LIMIT ?`)
	qMembersAfter = stmtRead(`SELECT ` + userColumns + ` FROM group_members m
		JOIN users u ON u.pool_id = m.pool_id AND u.sub = m.sub
		WHERE m.pool_id = ? AND m.group_name = ? AND u.username_key > ? ORDER BY u.username_key LIMIT ?`)
)

// scanner is what scanUser and the other scan functions read from: a row or rows.
type scanner = interface{ Scan(...any) error }

func scanGroup(sc scanner) (*store.Group, error) {
	var g store.Group
	var prec sql.NullInt64
	var created, updated int64
	if err := sc.Scan(&g.PoolID, &g.Name, &g.Description, &g.RoleArn, &prec, &created, &updated); err != nil {
		return nil, err
	}
	if prec.Valid {
		p := int(prec.Int64)
		g.Precedence = &p
	}
	g.CreatedAt, g.UpdatedAt = fromNanos(created), fromNanos(updated)
	return &g, nil
}

func nullInt(p *int) any {
	if p == nil {
		return nil
	}
	return int64(*p)
}

func (r groupRepo) Create(g *store.Group) error {
	_, err := r.t.exec(qGroupInsert, g.PoolID, g.Name, g.Description, g.RoleArn, nullInt(g.Precedence),
		nanos(g.CreatedAt), nanos(g.UpdatedAt))
	return uniqueErr(err, "group")
}

func (r groupRepo) Get(poolID, name string) (*store.Group, error) {
	g, err := scanGroup(r.t.queryRow(qGroupGet, poolID, name))
	return g, notFound(err)
}

// Update writes every field but the pool and the name, which are the key.
func (r groupRepo) Update(g *store.Group) error {
	return r.t.execOne(qGroupUpdate, g.Description, g.RoleArn, nullInt(g.Precedence),
		nanos(g.CreatedAt), nanos(g.UpdatedAt), g.PoolID, g.Name)
}

// Delete removes the group and its memberships (foreign key cascade).
func (r groupRepo) Delete(poolID, name string) error {
	return r.t.execOne(qGroupDelete, poolID, name)
}

func (r groupRepo) List(poolID string, page store.Page) ([]*store.Group, string, error) {
	return keyPage(r.t, page, qGroupListFirst, qGroupListAfter, []any{poolID}, scanGroup,
		func(g *store.Group) string { return g.Name })
}

func (r groupRepo) Count(poolID string) (int, error) {
	var n int
	err := r.t.queryRow(qGroupCount, poolID).Scan(&n)
	return n, err
}

func (r groupRepo) CountForUser(poolID, sub string) (int, error) {
	var n int
	err := r.t.queryRow(qGroupCountUser, poolID, sub).Scan(&n)
	return n, err
}

// AddMember adds sub to the group; adding a member again changes nothing.
// A missing group or user fails the foreign key: store.ErrNotFound.
func (r groupRepo) AddMember(poolID, name, sub string) error {
	_, err := r.t.exec(qMemberAdd, poolID, name, sub)
	return uniqueErr(err, "member")
}

// RemoveMember succeeds whether or not sub was a member.
func (r groupRepo) RemoveMember(poolID, name, sub string) error {
	_, err := r.t.exec(qMemberRemove, poolID, name, sub)
	return err
}

func (r groupRepo) ListForUser(poolID, sub string, page store.Page) ([]*store.Group, string, error) {
	return keyPage(r.t, page, qGroupsUserFirst, qGroupsUserAfter, []any{poolID, sub}, scanGroup,
		func(g *store.Group) string { return g.Name })
}

func (r groupRepo) ListMembers(poolID, name string, page store.Page) ([]*store.User, string, error) {
	return keyPage(r.t, page, qMembersFirst, qMembersAfter, []any{poolID, name}, scanUser,
		func(u *store.User) string { return u.UsernameKey })
}

// keyPage reads a page of a list ordered by one string key: first takes
// args and the limit, after takes args, the key of the last row returned
// and the limit.
func keyPage[T any](t *tx, page store.Page, first, after string, args []any,
	scan func(scanner) (T, error), key func(T) string) ([]T, string, error) {
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
func collect[T any](t *tx, q string, args []any, limit int,
	scan func(scanner) (T, error), cursor func(T) string) ([]T, string, error) {
	rows, err := t.query(q, args...)
	if err != nil {
		return nil, "", err
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, "", err
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, "", err
	}
	next := ""
	if len(out) > limit {
		out = out[:limit]
		next = cursor(out[limit-1])
	}
	return out, next, nil
}
