package postgres

import (
	"encoding/hex"
	"math"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/ninshou/ninshou/internal/store"
)

func (t *tx) WebAuthn() store.WebAuthnRepo { return webauthnRepo{t} }

type webauthnRepo struct{ t *tx }

const credentialColumns = `pool_id, sub, id, public_key, sign_count, rp_id, friendly_name, attachment,
	transports, aaguid, created_at`

// A passkey is read to update its sign count: FOR UPDATE, so two assertions
// racing on one counter are serial.
var (
	qCredGet = locked(`SELECT `+credentialColumns+` FROM webauthn_credentials
		WHERE pool_id = $1 AND id = $2`, forUpdate)
	qCredList = locked(`SELECT `+credentialColumns+` FROM webauthn_credentials
		WHERE pool_id = $1 AND sub = $2 AND (created_at, id) > ($3, $4) ORDER BY created_at, id LIMIT $5`,
		forUpdate)
)

const (
	qCredInsert = `INSERT INTO webauthn_credentials (pool_id, sub, id, public_key, sign_count,
		rp_id, friendly_name, attachment, transports, aaguid, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`
	qCredSignCount = `UPDATE webauthn_credentials SET sign_count = $3 WHERE pool_id = $1 AND id = $2`
	qCredDelete    = `DELETE FROM webauthn_credentials WHERE pool_id = $1 AND sub = $2 AND id = $3`
)

func scanCredential(sc pgx.Row) (*store.WebAuthnCredential, error) {
	var c store.WebAuthnCredential
	var count, created int64
	err := sc.Scan(&c.PoolID, &c.Sub, &c.ID, &c.PublicKey, &count, &c.RelyingPartyID, &c.FriendlyName,
		&c.Attachment, &c.Transports, &c.AAGUID, &created)
	if err != nil {
		return nil, err
	}
	c.SignCount, c.CreatedAt = uint32(count), fromNanos(created)
	return &c, nil
}

// Create stores a passkey of an existing user (else store.ErrNotFound); a
// credential ID is unique in its pool.
func (r webauthnRepo) Create(c *store.WebAuthnCredential) error {
	tr := c.Transports
	if tr == nil {
		tr = []string{}
	}
	return r.t.guard(step{sql: qCredInsert, args: []any{c.PoolID, c.Sub, blob(c.ID), blob(c.PublicKey),
		int64(c.SignCount), c.RelyingPartyID, c.FriendlyName, c.Attachment, tr, blob(c.AAGUID),
		nanos(c.CreatedAt)}, exists: "webauthn"})
}

func (r webauthnRepo) Get(poolID string, id []byte) (*store.WebAuthnCredential, error) {
	c, err := scanCredential(r.t.row(qCredGet, poolID, blob(id)))
	return c, notFound(err)
}

func (r webauthnRepo) UpdateSignCount(poolID string, id []byte, count uint32) error {
	return r.t.one(qCredSignCount, poolID, blob(id), int64(count))
}

// Delete removes the credential only if it is sub's: store.ErrNotFound
// otherwise, so one user cannot delete another's passkey.
func (r webauthnRepo) Delete(poolID, sub string, id []byte) error {
	return r.t.one(qCredDelete, poolID, sub, blob(id))
}

func (r webauthnRepo) List(poolID, sub string, page store.Page) ([]*store.WebAuthnCredential, string, error) {
	created, id := int64(math.MinInt64), []byte{}
	if page.After != "" {
		var err error
		if created, id, err = decodeTimeBytesCursor(page.After); err != nil {
			return nil, "", err
		}
	}
	limit := pageLimit(page.Limit)
	return collect(r.t, qCredList, []any{poolID, sub, created, id, limit + 1}, limit, scanCredential,
		func(c *store.WebAuthnCredential) string { return timeBytesCursor(c.CreatedAt, c.ID) })
}

// timeBytesCursor encodes a (created_at, []byte ID) sort key, the ID in
// hex.
func timeBytesCursor(t time.Time, id []byte) string {
	return timeIDCursor(t, hex.EncodeToString(id))
}

func decodeTimeBytesCursor(c string) (int64, []byte, error) {
	t, h, err := decodeTimeIDCursor(c)
	if err != nil {
		return 0, nil, err
	}
	id, err := hex.DecodeString(h)
	if err != nil {
		return 0, nil, errBadCursor
	}
	return t, blob(id), nil
}
