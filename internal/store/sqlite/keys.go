package sqlite

import (
	"database/sql"

	"github.com/ninshou/ninshou/internal/store"
)

type keyRepo struct{ t *tx }

var (
	qKeyInsert = stmtWrite(`INSERT INTO signing_keys (pool_id, kid, use, private_key_der, active,
		created_at, retired_at) VALUES (?, ?, ?, ?, ?, ?, ?)`)
	qKeyList = stmtRead(`SELECT pool_id, kid, use, private_key_der, active, created_at, retired_at
		FROM signing_keys WHERE pool_id = ? ORDER BY created_at, kid`)
	qKeyUpdate = stmtWrite(`UPDATE signing_keys SET use = ?, private_key_der = ?, active = ?,
		created_at = ?, retired_at = ? WHERE pool_id = ? AND kid = ?`)
	qKeyDelete = stmtWrite(`DELETE FROM signing_keys WHERE pool_id = ? AND kid = ?`)
)

// Create stores a key; a kid is unique within its pool.
func (r keyRepo) Create(k *store.SigningKey) error {
	_, err := r.t.exec(qKeyInsert, k.PoolID, k.KID, k.Use, blob(k.PrivateKeyDER), boolInt(k.Active),
		nanos(k.CreatedAt), nullNanos(k.RetiredAt))
	return uniqueErr(err, "key")
}

// List returns the pool's keys oldest first (ties broken by kid).
func (r keyRepo) List(poolID string) ([]*store.SigningKey, error) {
	rows, err := r.t.query(qKeyList, poolID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var keys []*store.SigningKey
	for rows.Next() {
		var k store.SigningKey
		var active, created int64
		var retired sql.NullInt64
		if err := rows.Scan(&k.PoolID, &k.KID, &k.Use, &k.PrivateKeyDER, &active, &created, &retired); err != nil {
			return nil, err
		}
		k.Active, k.CreatedAt, k.RetiredAt = active != 0, fromNanos(created), fromNullNanos(retired)
		keys = append(keys, &k)
	}
	return keys, rows.Err()
}

// Update writes every field of the key named by (PoolID, KID).
func (r keyRepo) Update(k *store.SigningKey) error {
	return r.t.execOne(qKeyUpdate, k.Use, blob(k.PrivateKeyDER), boolInt(k.Active), nanos(k.CreatedAt),
		nullNanos(k.RetiredAt), k.PoolID, k.KID)
}

func (r keyRepo) Delete(poolID, kid string) error {
	return r.t.execOne(qKeyDelete, poolID, kid)
}
