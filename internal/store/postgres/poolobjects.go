package postgres

import (
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/ninshou/ninshou/internal/store"
)

func (t *tx) PoolObjects() store.PoolObjectRepo { return poolObjectRepo{t} }

type poolObjectRepo struct{ t *tx }

const poolObjectColumns = `pool_id, kind, key, body, created_at, updated_at, version`

// Pool objects are read to be written (Update after Get): FOR UPDATE.
var (
	qPoolObjectGet = locked(`SELECT `+poolObjectColumns+` FROM pool_objects
		WHERE pool_id = $1 AND kind = $2 AND key = $3`, forUpdate)
	qPoolObjectListFirst = locked(`SELECT `+poolObjectColumns+` FROM pool_objects
		WHERE pool_id = $1 AND kind = $2 ORDER BY key LIMIT $3`, forShare)
	qPoolObjectListAfter = locked(`SELECT `+poolObjectColumns+` FROM pool_objects
		WHERE pool_id = $1 AND kind = $2 AND key > $3 ORDER BY key LIMIT $4`, forShare)
	qPoolObjectListAll = locked(`SELECT `+poolObjectColumns+` FROM pool_objects
		WHERE pool_id = $1 AND (kind, key) > ($2, $3) ORDER BY kind, key LIMIT $4`, forShare)
	// A limit is checked under the pool's lock (PoolRepo.Lock), which
	// every Create of the pool's objects takes first.
	qPoolObjectCount = plain(`SELECT count(*) FROM pool_objects WHERE pool_id = $1 AND kind = $2`)
	// pool_objects_domain serves it.
	qPoolObjectFind = locked(`SELECT `+poolObjectColumns+` FROM pool_objects
		WHERE kind = '`+store.GlobalKind+`' AND key = $1`, forUpdate)
)

const (
	// A missing pool fails the foreign key: store.ErrNotFound.
	qPoolObjectInsert = `INSERT INTO pool_objects (` + poolObjectColumns + `)
		VALUES ($1, $2, $3, $4, $5, $6, 1)`
	qPoolObjectUpdate = `WITH changed AS (
			UPDATE pool_objects SET body = $4, updated_at = $5, version = version + 1
			WHERE pool_id = $1 AND kind = $2 AND key = $3 AND version = $6
			RETURNING 1)
		SELECT EXISTS (SELECT 1 FROM changed),
			EXISTS (SELECT 1 FROM pool_objects WHERE pool_id = $1 AND kind = $2 AND key = $3)`
	qPoolObjectDelete = `DELETE FROM pool_objects WHERE pool_id = $1 AND kind = $2 AND key = $3`
)

func scanPoolObject(sc pgx.Row) (*store.PoolObject, error) {
	var o store.PoolObject
	var created, updated int64
	if err := sc.Scan(&o.PoolID, &o.Kind, &o.Key, &o.Body, &created, &updated, &o.Version); err != nil {
		return nil, err
	}
	o.Body = blob(o.Body)
	o.CreatedAt, o.UpdatedAt = fromNanos(created), fromNanos(updated)
	return &o, nil
}

func (r poolObjectRepo) Create(o *store.PoolObject) error {
	err := r.t.guard(step{sql: qPoolObjectInsert, args: []any{o.PoolID, o.Kind, o.Key, blob(o.Body),
		nanos(o.CreatedAt), nanos(o.UpdatedAt)}, exists: o.Kind})
	if err != nil {
		return err
	}
	o.Version = 1
	return nil
}

func (r poolObjectRepo) Get(poolID, kind, key string) (*store.PoolObject, error) {
	o, err := scanPoolObject(r.t.row(qPoolObjectGet, poolID, kind, key))
	return o, notFound(err)
}

func (r poolObjectRepo) Update(o *store.PoolObject) error {
	var changed, exists bool
	err := r.t.guard(step{sql: qPoolObjectUpdate,
		args: []any{o.PoolID, o.Kind, o.Key, blob(o.Body), nanos(o.UpdatedAt), o.Version},
		scan: []any{&changed, &exists}})
	if err != nil {
		return err
	}
	if err := conditional(changed, exists); err != nil {
		return err
	}
	o.Version++
	return nil
}

func (r poolObjectRepo) Delete(poolID, kind, key string) error {
	var tag pgconn.CommandTag
	if err := r.t.guard(step{sql: qPoolObjectDelete, args: []any{poolID, kind, key}, tag: &tag}); err != nil {
		return err
	}
	return affected(tag)
}

func (r poolObjectRepo) List(poolID, kind string, page store.Page) ([]*store.PoolObject, string, error) {
	return keyPage(r.t, page, qPoolObjectListFirst, qPoolObjectListAfter, []any{poolID, kind}, scanPoolObject,
		func(o *store.PoolObject) string { return o.Key })
}

func (r poolObjectRepo) Count(poolID, kind string) (int, error) {
	var n int
	err := r.t.row(qPoolObjectCount, poolID, kind).Scan(&n)
	return n, err
}

func (r poolObjectRepo) Find(key string) (*store.PoolObject, error) {
	o, err := scanPoolObject(r.t.row(qPoolObjectFind, key))
	return o, notFound(err)
}

// ListAll pages by (kind, key): the cursor is the last kind and key, as a
// JSON pair.
func (r poolObjectRepo) ListAll(poolID string, page store.Page) ([]*store.PoolObject, string, error) {
	kind, key, err := kindKeyAfter(page.After)
	if err != nil {
		return nil, "", err
	}
	limit := pageLimit(page.Limit)
	return collect(r.t, qPoolObjectListAll, []any{poolID, kind, key, limit + 1}, limit, scanPoolObject,
		func(o *store.PoolObject) string { return encodeCursor(store.PairCursor(o.Kind, o.Key)) })
}

func kindKeyAfter(after string) (kind, key string, err error) {
	if after == "" {
		return "", "", nil
	}
	c, err := decodeCursor(after)
	if err != nil {
		return "", "", err
	}
	kind, key, ok := store.SplitPairCursor(c)
	if !ok {
		return "", "", errBadCursor
	}
	return kind, key, nil
}
