package sqlite

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"time"

	"github.com/ninshou/ninshou/internal/store"
)

func (t *tx) WebAuthn() store.WebAuthnRepo { return webauthnRepo{t} }

type webauthnRepo struct{ t *tx }

const credentialColumns = `pool_id, sub, id, public_key, sign_count, rp_id, friendly_name, attachment,
	transports, aaguid, created_at`

var (
	qCredInsert = stmtWrite(`INSERT INTO webauthn_credentials (pool_id, sub, id, public_key, sign_count,
		rp_id, friendly_name, attachment, transports, aaguid, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
	qCredGet = stmtRead(`SELECT ` + credentialColumns + ` FROM webauthn_credentials
		WHERE pool_id = ? AND id = ?`)
	qCredSignCount = stmtWrite(`UPDATE webauthn_credentials SET sign_count = ? WHERE pool_id = ? AND id = ?`)
	qCredDelete    = stmtWrite(`DELETE FROM webauthn_credentials WHERE pool_id = ? AND sub = ? AND id = ?`)
	qCredList      = stmtRead(`SELECT ` + credentialColumns + ` FROM webauthn_credentials
		WHERE pool_id = ? AND sub = ? AND (created_at, id) > (?, ?) ORDER BY created_at, id LIMIT ?`)
)

func scanCredential(sc scanner) (*store.WebAuthnCredential, error) {
	var c store.WebAuthnCredential
	var count, created int64
	var transports string
	err := sc.Scan(&c.PoolID, &c.Sub, &c.ID, &c.PublicKey, &count, &c.RelyingPartyID, &c.FriendlyName,
		&c.Attachment, &transports, &c.AAGUID, &created)
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(transports), &c.Transports); err != nil {
		return nil, fmt.Errorf("sqlite: webauthn credential transports: %w", err)
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
	transports, err := jsonText(tr)
	if err != nil {
		return err
	}
	_, err = r.t.exec(qCredInsert, c.PoolID, c.Sub, blob(c.ID), blob(c.PublicKey), int64(c.SignCount),
		c.RelyingPartyID, c.FriendlyName, c.Attachment, transports, blob(c.AAGUID), nanos(c.CreatedAt))
	return uniqueErr(err, "webauthn")
}

func (r webauthnRepo) Get(poolID string, id []byte) (*store.WebAuthnCredential, error) {
	c, err := scanCredential(r.t.queryRow(qCredGet, poolID, blob(id)))
	return c, notFound(err)
}

func (r webauthnRepo) UpdateSignCount(poolID string, id []byte, count uint32) error {
	return r.t.execOne(qCredSignCount, int64(count), poolID, blob(id))
}

// Delete removes the credential only if it is sub's: store.ErrNotFound
// otherwise, so one user cannot delete another's passkey.
func (r webauthnRepo) Delete(poolID, sub string, id []byte) error {
	return r.t.execOne(qCredDelete, poolID, sub, blob(id))
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
