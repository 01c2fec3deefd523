package sqlite

import (
	"database/sql"
	"errors"
	"time"

	"github.com/ninshou/ninshou/internal/store"
)

type poolRepo struct{ t *tx }

var (
	qPoolInsert = stmtWrite(`INSERT INTO pools (id, name, settings, created_at, updated_at, version)
		VALUES (?, ?, ?, ?, ?, 1)`)
	qPoolGet = stmtRead(`SELECT id, name, settings, created_at, updated_at, version
		FROM pools WHERE id = ? AND deleted_at = 0`)
	qPoolUpdate = stmtWrite(`UPDATE pools SET name = ?, settings = ?, created_at = ?, updated_at = ?,
		version = version + 1 WHERE id = ? AND version = ? AND deleted_at = 0`)
	qPoolExists = stmtRead(`SELECT 1 FROM pools WHERE id = ? AND deleted_at = 0`)
	qPoolList   = stmtRead(`SELECT id, name, settings, created_at, updated_at, version
		FROM pools WHERE (created_at, id) > (?, ?) AND deleted_at = 0 ORDER BY created_at, id LIMIT ?`)

	qPoolTombstone = stmtWrite(`UPDATE pools SET deleted_at = ? WHERE id = ? AND deleted_at = 0`)
	qPoolDeleted   = stmtWrite(`SELECT id FROM pools WHERE deleted_at <> 0 ORDER BY deleted_at, id LIMIT 1`)
	qPoolDelete    = stmtWrite(`DELETE FROM pools WHERE id = ?`)
)

// poolDependents are the tables Delete empties of the pool at once: each is
// reached without the pool (a client ID, a session, a key ID, a token, an
// upload URL), and none grows with the number of users but token families,
// which expire. The users, and the records of each user, wait for
// PurgeDeleted.
var poolDependents = registerPoolDeletes("clients", "signing_keys", "import_jobs", "sessions", "codes",
	"token_families", "groups", "pool_objects")

func registerPoolDeletes(tables ...string) []string {
	qs := make([]string, len(tables))
	for i, t := range tables {
		qs[i] = stmtWrite(`DELETE FROM ` + t + ` WHERE pool_id = ?`)
	}
	return qs
}

// qUserPurge deletes up to ? users of a pool; the foreign keys cascade to
// their aliases, search entries, devices, passkeys, events and memberships.
var qUserPurge = stmtWrite(`DELETE FROM users WHERE pool_id = ? AND sub IN
	(SELECT sub FROM users WHERE pool_id = ? LIMIT ?)`)

func scanPool(sc interface{ Scan(...any) error }) (*store.Pool, error) {
	var p store.Pool
	var created, updated int64
	if err := sc.Scan(&p.ID, &p.Name, &p.Settings, &created, &updated, &p.Version); err != nil {
		return nil, err
	}
	p.CreatedAt, p.UpdatedAt = fromNanos(created), fromNanos(updated)
	return &p, nil
}

func (r poolRepo) Create(p *store.Pool) error {
	_, err := r.t.exec(qPoolInsert, p.ID, p.Name, blob(p.Settings), nanos(p.CreatedAt), nanos(p.UpdatedAt))
	if err != nil {
		return uniqueErr(err, "pool")
	}
	p.Version = 1
	return nil
}

func (r poolRepo) Get(id string) (*store.Pool, error) {
	p, err := scanPool(r.t.queryRow(qPoolGet, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, store.ErrNotFound
	}
	return p, err
}

// Lock is Get: an Update transaction already runs alone on the one writer.
func (r poolRepo) Lock(id string) (*store.Pool, error) { return r.Get(id) }

func (r poolRepo) Update(p *store.Pool) error {
	err := r.t.conditional(qPoolUpdate,
		[]any{p.Name, blob(p.Settings), nanos(p.CreatedAt), nanos(p.UpdatedAt), p.ID, p.Version},
		qPoolExists, p.ID)
	if err != nil {
		return err
	}
	p.Version++
	return nil
}

// Delete hides the pool from every read and removes what names it from
// outside (see poolDependents); PurgeDeleted removes its users later.
func (r poolRepo) Delete(id string) error {
	if err := r.t.execOne(qPoolTombstone, nanos(time.Now()), id); err != nil {
		return err
	}
	for _, q := range poolDependents {
		if _, err := r.t.exec(q, id); err != nil {
			return err
		}
	}
	return nil
}

// PurgeDeleted removes up to limit users of the oldest deleted pool, or,
// when it has none left, the pool's row.
func (r poolRepo) PurgeDeleted(limit int) (int64, error) {
	var id string
	switch err := r.t.queryRow(qPoolDeleted).Scan(&id); {
	case errors.Is(err, sql.ErrNoRows):
		return 0, nil
	case err != nil:
		return 0, err
	}
	n, err := deleted(r.t.exec(qUserPurge, id, id, limit))
	if err != nil || n > 0 {
		return n, err
	}
	return deleted(r.t.exec(qPoolDelete, id))
}

func (r poolRepo) List(page store.Page) ([]*store.Pool, string, error) {
	after, afterID, err := timeIDAfter(page.After)
	if err != nil {
		return nil, "", err
	}
	limit := pageLimit(page.Limit)
	rows, err := r.t.query(qPoolList, after, afterID, limit+1)
	if err != nil {
		return nil, "", err
	}
	defer rows.Close()
	var pools []*store.Pool
	for rows.Next() {
		p, err := scanPool(rows)
		if err != nil {
			return nil, "", err
		}
		pools = append(pools, p)
	}
	if err := rows.Err(); err != nil {
		return nil, "", err
	}
	next := ""
	if len(pools) > limit {
		pools = pools[:limit]
		last := pools[limit-1]
		next = timeIDCursor(last.CreatedAt, last.ID)
	}
	return pools, next, nil
}

type clientRepo struct{ t *tx }

var (
	qClientInsert = stmtWrite(`INSERT INTO clients (id, pool_id, name, settings, created_at, updated_at, version)
		VALUES (?, ?, ?, ?, ?, ?, 1)`)
	qClientGet = stmtRead(`SELECT id, pool_id, name, settings, created_at, updated_at, version
		FROM clients WHERE id = ?`)
	qClientUpdate = stmtWrite(`UPDATE clients SET name = ?, settings = ?, created_at = ?, updated_at = ?,
		version = version + 1 WHERE id = ? AND version = ?`)
	qClientExists = stmtRead(`SELECT 1 FROM clients WHERE id = ?`)
	qClientDelete = stmtWrite(`DELETE FROM clients WHERE id = ?`)
	qClientList   = stmtRead(`SELECT id, pool_id, name, settings, created_at, updated_at, version
		FROM clients WHERE pool_id = ? AND (created_at, id) > (?, ?) ORDER BY created_at, id LIMIT ?`)
)

func scanClient(sc interface{ Scan(...any) error }) (*store.Client, error) {
	var c store.Client
	var created, updated int64
	if err := sc.Scan(&c.ID, &c.PoolID, &c.Name, &c.Settings, &created, &updated, &c.Version); err != nil {
		return nil, err
	}
	c.CreatedAt, c.UpdatedAt = fromNanos(created), fromNanos(updated)
	return &c, nil
}

func (r clientRepo) Create(c *store.Client) error {
	_, err := r.t.exec(qClientInsert, c.ID, c.PoolID, c.Name, blob(c.Settings), nanos(c.CreatedAt), nanos(c.UpdatedAt))
	if err != nil {
		return uniqueErr(err, "client")
	}
	c.Version = 1
	return nil
}

func (r clientRepo) Get(clientID string) (*store.Client, error) {
	c, err := scanClient(r.t.queryRow(qClientGet, clientID))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, store.ErrNotFound
	}
	return c, err
}

// Update writes every field but the ID, the pool and the version. A client
// never moves between pools.
func (r clientRepo) Update(c *store.Client) error {
	err := r.t.conditional(qClientUpdate,
		[]any{c.Name, blob(c.Settings), nanos(c.CreatedAt), nanos(c.UpdatedAt), c.ID, c.Version},
		qClientExists, c.ID)
	if err != nil {
		return err
	}
	c.Version++
	return nil
}

func (r clientRepo) Delete(clientID string) error {
	return r.t.execOne(qClientDelete, clientID)
}

func (r clientRepo) List(poolID string, page store.Page) ([]*store.Client, string, error) {
	after, afterID, err := timeIDAfter(page.After)
	if err != nil {
		return nil, "", err
	}
	limit := pageLimit(page.Limit)
	rows, err := r.t.query(qClientList, poolID, after, afterID, limit+1)
	if err != nil {
		return nil, "", err
	}
	defer rows.Close()
	var clients []*store.Client
	for rows.Next() {
		c, err := scanClient(rows)
		if err != nil {
			return nil, "", err
		}
		clients = append(clients, c)
	}
	if err := rows.Err(); err != nil {
		return nil, "", err
	}
	next := ""
	if len(clients) > limit {
		clients = clients[:limit]
		last := clients[limit-1]
		next = timeIDCursor(last.CreatedAt, last.ID)
	}
	return clients, next, nil
}
