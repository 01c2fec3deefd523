package postgres

import (
	"math"

	"github.com/jackc/pgx/v5"

	"github.com/ninshou/ninshou/internal/store"
)

func (t *tx) Devices() store.DeviceRepo { return deviceRepo{t} }

type deviceRepo struct{ t *tx }

const deviceColumns = `pool_id, sub, key, group_key, verifier, salt, status, attributes,
	created_at, updated_at, last_auth_at`

// Devices are read to be written (LastAuthAt, status): FOR UPDATE.
var (
	qDeviceGet = locked(`SELECT `+deviceColumns+` FROM devices WHERE pool_id = $1 AND key = $2`, forUpdate)
	// Newest last_auth_at first, then key: the cursor is the last row's
	// (last_auth_at, key), and the next page starts strictly after it.
	qDeviceList = locked(`SELECT `+deviceColumns+` FROM devices
		WHERE pool_id = $1 AND sub = $2 AND (last_auth_at < $3 OR last_auth_at = $3 AND key > $4)
		ORDER BY last_auth_at DESC, key LIMIT $5`, forUpdate)
)

const (
	qDeviceInsert = `INSERT INTO devices (pool_id, sub, key, group_key, verifier, salt, status,
		attributes, created_at, updated_at, last_auth_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`
	qDeviceUpdate = `UPDATE devices SET group_key = $3, verifier = $4, salt = $5, status = $6,
		attributes = $7, created_at = $8, updated_at = $9, last_auth_at = $10 WHERE pool_id = $1 AND key = $2`
	qDeviceDelete = `DELETE FROM devices WHERE pool_id = $1 AND key = $2`
)

func scanDevice(sc pgx.Row) (*store.Device, error) {
	var d store.Device
	var created, updated, lastAuth int64
	err := sc.Scan(&d.PoolID, &d.Sub, &d.Key, &d.GroupKey, &d.Verifier, &d.Salt, &d.Status, &d.Attributes,
		&created, &updated, &lastAuth)
	if err != nil {
		return nil, err
	}
	if d.Attributes == nil {
		d.Attributes = map[string]string{}
	}
	d.CreatedAt, d.UpdatedAt, d.LastAuthAt = fromNanos(created), fromNanos(updated), fromNanos(lastAuth)
	return &d, nil
}

func deviceAttrs(d *store.Device) map[string]string {
	if d.Attributes == nil {
		return map[string]string{}
	}
	return d.Attributes
}

// Create stores a device of an existing user (else store.ErrNotFound); a
// device key is unique in its pool.
func (r deviceRepo) Create(d *store.Device) error {
	return r.t.guard(step{sql: qDeviceInsert, args: []any{d.PoolID, d.Sub, d.Key, d.GroupKey,
		blob(d.Verifier), blob(d.Salt), d.Status, deviceAttrs(d), nanos(d.CreatedAt), nanos(d.UpdatedAt),
		nanos(d.LastAuthAt)}, exists: "device"})
}

func (r deviceRepo) Get(poolID, key string) (*store.Device, error) {
	d, err := scanDevice(r.t.row(qDeviceGet, poolID, key))
	return d, notFound(err)
}

// Update writes every field but the pool, the key and the user: a device
// never moves between users.
func (r deviceRepo) Update(d *store.Device) error {
	return r.t.one(qDeviceUpdate, d.PoolID, d.Key, d.GroupKey, blob(d.Verifier), blob(d.Salt), d.Status,
		deviceAttrs(d), nanos(d.CreatedAt), nanos(d.UpdatedAt), nanos(d.LastAuthAt))
}

func (r deviceRepo) Delete(poolID, key string) error {
	return r.t.one(qDeviceDelete, poolID, key)
}

func (r deviceRepo) List(poolID, sub string, page store.Page) ([]*store.Device, string, error) {
	// The first page starts after a row newer than any.
	lastAuth, key := int64(math.MaxInt64), ""
	if page.After != "" {
		var err error
		if lastAuth, key, err = decodeTimeIDCursor(page.After); err != nil {
			return nil, "", err
		}
	}
	limit := pageLimit(page.Limit)
	return collect(r.t, qDeviceList, []any{poolID, sub, lastAuth, key, limit + 1}, limit, scanDevice,
		func(d *store.Device) string { return timeIDCursor(d.LastAuthAt, d.Key) })
}
