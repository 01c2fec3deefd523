package sqlite

import (
	"encoding/json"
	"fmt"
	"math"

	"github.com/ninshou/ninshou/internal/store"
)

func (t *tx) Devices() store.DeviceRepo { return deviceRepo{t} }

type deviceRepo struct{ t *tx }

const deviceColumns = `pool_id, sub, key, group_key, verifier, salt, status, attributes,
	created_at, updated_at, last_auth_at`

var (
	qDeviceInsert = stmtWrite(`INSERT INTO devices (pool_id, sub, key, group_key, verifier, salt, status,
		attributes, created_at, updated_at, last_auth_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
	qDeviceGet    = stmtRead(`SELECT ` + deviceColumns + ` FROM devices WHERE pool_id = ? AND key = ?`)
	qDeviceUpdate = stmtWrite(`UPDATE devices SET group_key = ?, verifier = ?, salt = ?, status = ?,
		attributes = ?, created_at = ?, updated_at = ?, last_auth_at = ? WHERE pool_id = ? AND key = ?`)
	qDeviceDelete = stmtWrite(`DELETE FROM devices WHERE pool_id = ? AND key = ?`)
	// Newest last_auth_at first, then key: the cursor is the last row's
	// (last_auth_at, key), and the next page starts strictly after it.
	qDeviceList = stmtRead(`SELECT ` + deviceColumns + ` FROM devices
		WHERE pool_id = ? AND sub = ? AND (last_auth_at < ? OR last_auth_at = ? AND key > ?)
		ORDER BY last_auth_at DESC, key LIMIT ?`)
)

func scanDevice(sc scanner) (*store.Device, error) {
	var d store.Device
	var attrs string
	var created, updated, lastAuth int64
	err := sc.Scan(&d.PoolID, &d.Sub, &d.Key, &d.GroupKey, &d.Verifier, &d.Salt, &d.Status, &attrs,
		&created, &updated, &lastAuth)
	if err != nil {
		return nil, err
	}
	d.Attributes = map[string]string{}
	if err := json.Unmarshal([]byte(attrs), &d.Attributes); err != nil {
		return nil, fmt.Errorf("sqlite: device %s attributes: %w", d.Key, err)
	}
	d.CreatedAt, d.UpdatedAt, d.LastAuthAt = fromNanos(created), fromNanos(updated), fromNanos(lastAuth)
	return &d, nil
}

func deviceAttrs(d *store.Device) (string, error) {
	if d.Attributes == nil {
		return "{}", nil
	}
	return jsonText(d.Attributes)
}

// Create stores a device of an existing user (else store.ErrNotFound); a
// device key is unique in its pool.
func (r deviceRepo) Create(d *store.Device) error {
	attrs, err := deviceAttrs(d)
	if err != nil {
		return err
	}
	_, err = r.t.exec(qDeviceInsert, d.PoolID, d.Sub, d.Key, d.GroupKey, blob(d.Verifier), blob(d.Salt),
		d.Status, attrs, nanos(d.CreatedAt), nanos(d.UpdatedAt), nanos(d.LastAuthAt))
	return uniqueErr(err, "device")
}

func (r deviceRepo) Get(poolID, key string) (*store.Device, error) {
	d, err := scanDevice(r.t.queryRow(qDeviceGet, poolID, key))
	return d, notFound(err)
}

// Update writes every field but the pool, the key and the user: a device
// never moves between users.
func (r deviceRepo) Update(d *store.Device) error {
	attrs, err := deviceAttrs(d)
	if err != nil {
		return err
	}
	return r.t.execOne(qDeviceUpdate, d.GroupKey, blob(d.Verifier), blob(d.Salt), d.Status, attrs,
		nanos(d.CreatedAt), nanos(d.UpdatedAt), nanos(d.LastAuthAt), d.PoolID, d.Key)
}

func (r deviceRepo) Delete(poolID, key string) error {
	return r.t.execOne(qDeviceDelete, poolID, key)
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
	return collect(r.t, qDeviceList, []any{poolID, sub, lastAuth, lastAuth, key, limit + 1}, limit, scanDevice,
		func(d *store.Device) string { return timeIDCursor(d.LastAuthAt, d.Key) })
}
