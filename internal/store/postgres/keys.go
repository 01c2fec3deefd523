package postgres

import (
	"github.com/jackc/pgx/v5"

	"github.com/ninshou/ninshou/internal/store"
)

type keyRepo struct{ t *tx }

var qKeyList = locked(`SELECT pool_id, kid, use, private_key_der, active, created_at, retired_at
	FROM signing_keys WHERE pool_id = $1 ORDER BY created_at, kid`, forShare)

const (
	qKeyInsert = `INSERT INTO signing_keys (pool_id, kid, use, private_key_der, active,
		created_at, retired_at) VALUES ($1, $2, $3, $4, $5, $6, $7)`
	qKeyUpdate = `UPDATE signing_keys SET use = $3, private_key_der = $4, active = $5,
		created_at = $6, retired_at = $7 WHERE pool_id = $1 AND kid = $2`
	qKeyDelete = `DELETE FROM signing_keys WHERE pool_id = $1 AND kid = $2`
)

// Create stores a key; a kid is unique within its pool.
func (r keyRepo) Create(k *store.SigningKey) error {
	return r.t.guard(step{sql: qKeyInsert, args: []any{k.PoolID, k.KID, k.Use, blob(k.PrivateKeyDER),
		k.Active, nanos(k.CreatedAt), nullNanos(k.RetiredAt)}})
}

// List returns the pool's keys oldest first (ties broken by kid). In Update
// the keys stay as read until commit, so a rotation decided on them is
// compare-and-swap: of two nodes rotating at once, one waits for the other
// (or is the deadlock victim and runs again) and then sees the new keyring.
func (r keyRepo) List(poolID string) ([]*store.SigningKey, error) {
	keys := []*store.SigningKey{}
	err := r.t.rows(qKeyList, []any{poolID}, func(rows pgx.Rows) error {
		var k store.SigningKey
		var created int64
		var retired *int64
		if err := rows.Scan(&k.PoolID, &k.KID, &k.Use, &k.PrivateKeyDER, &k.Active, &created, &retired); err != nil {
			return err
		}
		k.CreatedAt, k.RetiredAt = fromNanos(created), fromNullNanos(retired)
		keys = append(keys, &k)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return keys, nil
}

// Update writes every field of the key named by (PoolID, KID).
func (r keyRepo) Update(k *store.SigningKey) error {
	n, err := r.t.count(qKeyUpdate, k.PoolID, k.KID, k.Use, blob(k.PrivateKeyDER), k.Active,
		nanos(k.CreatedAt), nullNanos(k.RetiredAt))
	if err == nil && n == 0 {
		return store.ErrNotFound
	}
	return err
}

func (r keyRepo) Delete(poolID, kid string) error {
	n, err := r.t.count(qKeyDelete, poolID, kid)
	if err == nil && n == 0 {
		return store.ErrNotFound
	}
	return err
}
