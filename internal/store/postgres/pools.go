package postgres

import (
	"errors"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/ninshou/ninshou/internal/store"
)

// Pools, clients and signing keys are read by nearly every transaction of
// their pool and written rarely, so Update reads them FOR SHARE: they cannot
// change until commit, yet concurrent sign-ins of one pool do not queue
// behind each other. Users, sessions, codes, tokens and outbox rows are read
// FOR UPDATE: the domain reads them to write them.
const (
	forShare  = "FOR SHARE"
	forUpdate = "FOR UPDATE"
)

// notFound turns pgx.ErrNoRows into store.ErrNotFound.
func notFound(err error) error {
	if errors.Is(err, pgx.ErrNoRows) {
		return store.ErrNotFound
	}
	return err
}

// affected is store.ErrNotFound when a write by key touched no row.
func affected(tag pgconn.CommandTag) error {
	if tag.RowsAffected() == 0 {
		return store.ErrNotFound
	}
	return nil
}

type poolRepo struct{ t *tx }

const poolColumns = `id, name, settings, created_at, updated_at, version`

var (
	qPoolGet  = locked(`SELECT `+poolColumns+` FROM pools WHERE id = $1 AND deleted_at = 0`, forShare)
	qPoolLock = locked(`SELECT `+poolColumns+` FROM pools WHERE id = $1 AND deleted_at = 0`, forUpdate)
	qPoolList = locked(`SELECT `+poolColumns+` FROM pools
		WHERE (created_at, id) > ($1, $2) AND deleted_at = 0 ORDER BY created_at, id LIMIT $3`, forShare)
	// Several nodes may purge at once: each takes a different pool.
	qPoolDeleted = locked(`SELECT id FROM pools WHERE deleted_at <> 0 ORDER BY deleted_at, id LIMIT 1`,
		"FOR UPDATE SKIP LOCKED")
)

const (
	qPoolInsert = `INSERT INTO pools (id, name, settings, created_at, updated_at, version)
		VALUES ($1, $2, $3, $4, $5, 1)`
	qPoolUpdate = `WITH changed AS (
			UPDATE pools SET name = $2, settings = $3, created_at = $4, updated_at = $5,
				version = version + 1
			WHERE id = $1 AND version = $6 AND deleted_at = 0
			RETURNING 1)
		SELECT EXISTS (SELECT 1 FROM changed), EXISTS (SELECT 1 FROM pools WHERE id = $1 AND deleted_at = 0)`
	qPoolTombstone = `UPDATE pools SET deleted_at = $2 WHERE id = $1 AND deleted_at = 0`
	qPoolDelete    = `DELETE FROM pools WHERE id = $1`
	// qUserPurge deletes up to $2 users of a pool; the foreign keys cascade
	// to their aliases, search entries, devices, passkeys, events and
	// memberships.
	qUserPurge = `DELETE FROM users WHERE pool_id = $1 AND sub IN
		(SELECT sub FROM users WHERE pool_id = $1 LIMIT $2)`
)

// poolDependents are the tables Delete empties of the pool at once: each is
// reached without the pool (a client ID, a session, a key ID, a token, an
// upload URL), and none grows with the number of users but token families,
// which expire. The users, and the records of each user, wait for
// PurgeDeleted.
var poolDependents = []string{"clients", "signing_keys", "import_jobs", "sessions", "codes",
	"token_families", "groups", "pool_objects"}

func scanPool(sc pgx.Row) (*store.Pool, error) {
	var p store.Pool
	var created, updated int64
	if err := sc.Scan(&p.ID, &p.Name, &p.Settings, &created, &updated, &p.Version); err != nil {
		return nil, err
	}
	p.CreatedAt, p.UpdatedAt = fromNanos(created), fromNanos(updated)
	return &p, nil
}

func (r poolRepo) Create(p *store.Pool) error {
	err := r.t.guard(step{sql: qPoolInsert,
		args: []any{p.ID, p.Name, blob(p.Settings), nanos(p.CreatedAt), nanos(p.UpdatedAt)}})
	if err != nil {
		return err
	}
	p.Version = 1
	return nil
}

func (r poolRepo) Get(id string) (*store.Pool, error) {
	p, err := scanPool(r.t.row(qPoolGet, id))
	return p, notFound(err)
}

// Lock reads the pool FOR UPDATE (inside Update), so that its writers take
// turns without upgrading a shared lock.
func (r poolRepo) Lock(id string) (*store.Pool, error) {
	p, err := scanPool(r.t.row(qPoolLock, id))
	return p, notFound(err)
}

// Update writes every field but the ID and bumps the version, if the stored
// version is p.Version.
func (r poolRepo) Update(p *store.Pool) error {
	var changed, exists bool
	err := r.t.guard(step{sql: qPoolUpdate,
		args: []any{p.ID, p.Name, blob(p.Settings), nanos(p.CreatedAt), nanos(p.UpdatedAt), p.Version},
		scan: []any{&changed, &exists}})
	if err != nil {
		return err
	}
	if err := conditional(changed, exists); err != nil {
		return err
	}
	p.Version++
	return nil
}

// Delete hides the pool from every read and removes what names it from
// outside (see poolDependents), in one round trip; PurgeDeleted removes its
// users later.
func (r poolRepo) Delete(id string) error {
	var tag pgconn.CommandTag
	steps := []step{{sql: qPoolTombstone, args: []any{id, nanos(time.Now())}, tag: &tag}}
	for _, table := range poolDependents {
		steps = append(steps, step{sql: `DELETE FROM ` + table + ` WHERE pool_id = $1`, args: []any{id}})
	}
	if err := r.t.guard(steps...); err != nil {
		return err
	}
	return affected(tag)
}

// PurgeDeleted removes up to limit users of the oldest deleted pool no other
// node is purging, or, when it has none left, the pool's row.
func (r poolRepo) PurgeDeleted(limit int) (int64, error) {
	var id string
	switch err := r.t.row(qPoolDeleted).Scan(&id); {
	case errors.Is(err, pgx.ErrNoRows):
		return 0, nil
	case err != nil:
		return 0, err
	}
	n, err := r.t.count(qUserPurge, id, limit)
	if err != nil || n > 0 {
		return n, err
	}
	return r.t.count(qPoolDelete, id)
}

func (r poolRepo) List(page store.Page) ([]*store.Pool, string, error) {
	after, afterID, err := timeIDAfter(page.After)
	if err != nil {
		return nil, "", err
	}
	limit := pageLimit(page.Limit)
	var pools []*store.Pool
	err = r.t.rows(qPoolList, []any{after, afterID, limit + 1}, func(rows pgx.Rows) error {
		p, err := scanPool(rows)
		pools = append(pools, p)
		return err
	})
	if err != nil {
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

const clientColumns = `id, pool_id, name, settings, created_at, updated_at, version`

var (
	qClientGet  = locked(`SELECT `+clientColumns+` FROM clients WHERE id = $1`, forShare)
	qClientList = locked(`SELECT `+clientColumns+` FROM clients
		WHERE pool_id = $1 AND (created_at, id) > ($2, $3) ORDER BY created_at, id LIMIT $4`, forShare)
)

const (
	qClientInsert = `INSERT INTO clients (id, pool_id, name, settings, created_at, updated_at, version)
		VALUES ($1, $2, $3, $4, $5, $6, 1)`
	qClientUpdate = `WITH changed AS (
			UPDATE clients SET name = $2, settings = $3, created_at = $4, updated_at = $5,
				version = version + 1
			WHERE id = $1 AND version = $6
			RETURNING 1)
		SELECT EXISTS (SELECT 1 FROM changed), EXISTS (SELECT 1 FROM clients WHERE id = $1)`
	qClientDelete = `DELETE FROM clients WHERE id = $1`
)

func scanClient(sc pgx.Row) (*store.Client, error) {
	var c store.Client
	var created, updated int64
	if err := sc.Scan(&c.ID, &c.PoolID, &c.Name, &c.Settings, &created, &updated, &c.Version); err != nil {
		return nil, err
	}
	c.CreatedAt, c.UpdatedAt = fromNanos(created), fromNanos(updated)
	return &c, nil
}

func (r clientRepo) Create(c *store.Client) error {
	err := r.t.guard(step{sql: qClientInsert,
		args: []any{c.ID, c.PoolID, c.Name, blob(c.Settings), nanos(c.CreatedAt), nanos(c.UpdatedAt)}})
	if err != nil {
		return err
	}
	c.Version = 1
	return nil
}

func (r clientRepo) Get(clientID string) (*store.Client, error) {
	c, err := scanClient(r.t.row(qClientGet, clientID))
	return c, notFound(err)
}

// Update writes every field but the ID, the pool and the version. A client
// never moves between pools.
func (r clientRepo) Update(c *store.Client) error {
	var changed, exists bool
	err := r.t.guard(step{sql: qClientUpdate,
		args: []any{c.ID, c.Name, blob(c.Settings), nanos(c.CreatedAt), nanos(c.UpdatedAt), c.Version},
		scan: []any{&changed, &exists}})
	if err != nil {
		return err
	}
	if err := conditional(changed, exists); err != nil {
		return err
	}
	c.Version++
	return nil
}

func (r clientRepo) Delete(clientID string) error {
	var tag pgconn.CommandTag
	if err := r.t.guard(step{sql: qClientDelete, args: []any{clientID}, tag: &tag}); err != nil {
		return err
	}
	return affected(tag)
}

func (r clientRepo) List(poolID string, page store.Page) ([]*store.Client, string, error) {
	after, afterID, err := timeIDAfter(page.After)
	if err != nil {
		return nil, "", err
	}
	limit := pageLimit(page.Limit)
	var clients []*store.Client
	err = r.t.rows(qClientList, []any{poolID, after, afterID, limit + 1}, func(rows pgx.Rows) error {
		c, err := scanClient(rows)
		clients = append(clients, c)
		return err
	})
	if err != nil {
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
