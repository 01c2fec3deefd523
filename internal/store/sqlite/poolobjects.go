package sqlite

import (
	"github.com/ninshou/ninshou/internal/store"
)

func (t *tx) PoolObjects() store.PoolObjectRepo { return poolObjectRepo{t} }

type poolObjectRepo struct{ t *tx }

const poolObjectColumns = `pool_id, kind, key, body, created_at, updated_at, version`

var (
	// A missing pool fails the foreign key: store.ErrNotFound.
	qPoolObjectInsert = stmtWrite(`INSERT INTO pool_objects (` + poolObjectColumns + `)
		VALUES (?, ?, ?, ?, ?, ?, 1)`)
	qPoolObjectGet = stmtRead(`SELECT ` + poolObjectColumns + ` FROM pool_objects
		WHERE pool_id = ? AND kind = ? AND key = ?`)
	qPoolObjectUpdate = stmtWrite(`UPDATE pool_objects SET body = ?, updated_at = ?, version = version + 1
		WHERE pool_id = ? AND kind = ? AND key = ? AND version = ?`)
	qPoolObjectExists    = stmtRead(`SELECT 1 FROM pool_objects WHERE pool_id = ? AND kind = ? AND key = ?`)
	qPoolObjectDelete    = stmtWrite(`DELETE FROM pool_objects WHERE pool_id = ? AND kind = ? AND key = ?`)
	qPoolObjectListFirst = stmtRead(`SELECT ` + poolObjectColumns + ` FROM pool_objects
		WHERE pool_id = ? AND kind = ? ORDER BY key LIMIT ?`)
	qPoolObjectListAfter = stmtRead(`SELECT ` + poolObjectColumns + ` FROM pool_objects
		WHERE pool_id = ? AND kind = ? AND key > ? ORDER BY key LIMIT ?`)
	qPoolObjectListAll = stmtRead(`SELECT ` + poolObjectColumns + ` FROM pool_objects
		WHERE pool_id = ? AND (kind, key) > (?, ?) ORDER BY kind, key LIMIT ?`)
	qPoolObjectCount = stmtRead(`SELECT count(*) FROM pool_objects WHERE pool_id = ? AND kind = ?`)
	// pool_objects_domain serves it.
	qPoolObjectFind = stmtRead(`SELECT ` + poolObjectColumns + ` FROM pool_objects
		WHERE kind = '` + store.GlobalKind + `' AND key = ?`)
)

func scanPoolObject(sc scanner) (*store.PoolObject, error) {
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
	_, err := r.t.exec(qPoolObjectInsert, o.PoolID, o.Kind, o.Key, blob(o.Body), nanos(o.CreatedAt), nanos(o.UpdatedAt))
	if err != nil {
		return uniqueErr(err, o.Kind)
	}
	o.Version = 1
	return nil
}

func (r poolObjectRepo) Get(poolID, kind, key string) (*store.PoolObject, error) {
	o, err := scanPoolObject(r.t.queryRow(qPoolObjectGet, poolID, kind, key))
	return o, notFound(err)
}

func (r poolObjectRepo) Update(o *store.PoolObject) error {
	err := r.t.conditional(qPoolObjectUpdate,
		[]any{blob(o.Body), nanos(o.UpdatedAt), o.PoolID, o.Kind, o.Key, o.Version},
		qPoolObjectExists, o.PoolID, o.Kind, o.Key)
	if err != nil {
		return err
	}
	o.Version++
	return nil
}

func (r poolObjectRepo) Delete(poolID, kind, key string) error {
	return r.t.execOne(qPoolObjectDelete, poolID, kind, key)
}

func (r poolObjectRepo) List(poolID, kind string, page store.Page) ([]*store.PoolObject, string, error) {
	return keyPage(r.t, page, qPoolObjectListFirst, qPoolObjectListAfter, []any{poolID, kind}, scanPoolObject,
		func(o *store.PoolObject) string { return o.Key })
}

func (r poolObjectRepo) Count(poolID, kind string) (int, error) {
	var n int
	err := r.t.queryRow(qPoolObjectCount, poolID, kind).Scan(&n)
	return n, err
}

func (r poolObjectRepo) Find(key string) (*store.PoolObject, error) {
	o, err := scanPoolObject(r.t.queryRow(qPoolObjectFind, key))
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
