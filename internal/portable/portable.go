package portable

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/ninshou/ninshou/internal/store"
)

// Format and Version are the header's "format" and "version". A reader
// refuses a version newer than it knows; a new record type or field that an
// older reader could not ignore safely bumps Version.
const (
	Format  = "ninshou-export"
	Version = 1
)

// Record types, the "type" field of every line.
const (
	TypeHeader = "header"
	TypePool   = "pool"
	TypeKey    = "key"
	TypeClient = "client"
	TypeUser   = "user"
	TypeEnd    = "end"
)

// Header is the first line.
type Header struct {
	Type       string    `json:"type"`
	Format     string    `json:"format"`
	Version    int       `json:"version"`
	ExportedAt time.Time `json:"exported_at"`
}

// Pool is a user pool. Settings is the domain's encoding of its
// configuration, opaque here (base64 in JSON).
type Pool struct {
	Type      string    `json:"type"`
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	Settings  []byte    `json:"settings,omitempty"`
	CreatedAt time.Time `json:"created_at,omitzero"`
	UpdatedAt time.Time `json:"updated_at,omitzero"`
}

// Key is one signing key of a pool, its private key as PKCS#8 DER.
type Key struct {
	Type       string     `json:"type"`
	PoolID     string     `json:"pool_id"`
	KID        string     `json:"kid"`
	Use        string     `json:"use"`
	PrivateKey []byte     `json:"private_key"`
	Active     bool       `json:"active"`
	CreatedAt  time.Time  `json:"created_at,omitzero"`
	RetiredAt  *time.Time `json:"retired_at,omitempty"`
}

// Client is an app client. Its secret, if any, is inside Settings.
type Client struct {
	Type      string    `json:"type"`
	ID        string    `json:"id"`
	PoolID    string    `json:"pool_id"`
	Name      string    `json:"name"`
	Settings  []byte    `json:"settings,omitempty"`
	CreatedAt time.Time `json:"created_at,omitzero"`
	UpdatedAt time.Time `json:"updated_at,omitzero"`
}

// Alias is one unique sign-in name of a user.
type Alias struct {
	Kind string `json:"kind"`
	Key  string `json:"key"`
}

// User is one user with everything needed to sign in as before: the
// password hash (argon2id PHC string) and Extra, the domain's encoding of
// the rest (TOTP secret, SRP verifier sealed with the server key, ...).
type User struct {
	Type            string            `json:"type"`
	PoolID          string            `json:"pool_id"`
	Sub             string            `json:"sub"`
	Username        string            `json:"username"`
	UsernameKey     string            `json:"username_key"`
	Status          string            `json:"status"`
	Enabled         bool              `json:"enabled"`
	Attributes      map[string]string `json:"attributes,omitempty"`
	Aliases         []Alias           `json:"aliases,omitempty"`
	PasswordHash    string            `json:"password_hash,omitempty"`
	PasswordSetAt   time.Time         `json:"password_set_at,omitzero"`
	MFAEnabled      []string          `json:"mfa_enabled,omitempty"`
	MFAPreferred    string            `json:"mfa_preferred,omitempty"`
	Extra           []byte            `json:"extra,omitempty"`
	FailedAttempts  int               `json:"failed_attempts,omitempty"`
	LastFailedAt    time.Time         `json:"last_failed_at,omitzero"`
	LockedUntil     time.Time         `json:"locked_until,omitzero"`
	TokensRevokedAt time.Time         `json:"tokens_revoked_at,omitzero"`
	CreatedAt       time.Time         `json:"created_at,omitzero"`
	UpdatedAt       time.Time         `json:"updated_at,omitzero"`
}

// Counts is how many records of each type a stream holds.
type Counts struct {
	Pools   int64 `json:"pool"`
	Keys    int64 `json:"key"`
	Clients int64 `json:"client"`
	Users   int64 `json:"user"`
}

func (c Counts) String() string {
	return fmt.Sprintf("%d pools, %d keys, %d clients, %d users", c.Pools, c.Keys, c.Clients, c.Users)
}

// End is the last line.
type End struct {
	Type   string `json:"type"`
	Counts Counts `json:"counts"`
}

// pageSize is how many pools, clients or users Export reads at once.
const pageSize = 200

// Export writes the whole state of st to w, read from one snapshot, and
// returns what it wrote. now is the header's exported_at.
func Export(ctx context.Context, st store.Store, w io.Writer, now time.Time) (Counts, error) {
	bw := bufio.NewWriterSize(w, 64<<10)
	enc := json.NewEncoder(bw)
	enc.SetEscapeHTML(false)
	var n Counts
	err := st.View(ctx, func(tx store.Tx) error {
		n = Counts{} // in case the backend runs fn again
		if err := enc.Encode(Header{Type: TypeHeader, Format: Format, Version: Version, ExportedAt: now.UTC()}); err != nil {
			return err
		}
		return eachPage(func(p store.Page) (string, error) {
			pools, next, err := tx.Pools().List(p)
			for _, pool := range pools {
				if err := exportPool(tx, enc, pool, &n); err != nil {
					return "", err
				}
			}
			return next, err
		})
	})
	if err != nil {
		return n, fmt.Errorf("export: %w", err)
	}
	if err := enc.Encode(End{Type: TypeEnd, Counts: n}); err != nil {
		return n, fmt.Errorf("export: %w", err)
	}
	if err := bw.Flush(); err != nil {
		return n, fmt.Errorf("export: %w", err)
	}
	return n, nil
}

// eachPage calls list with successive pages until it returns no cursor.
func eachPage(list func(store.Page) (next string, err error)) error {
	page := store.Page{Limit: pageSize}
	for {
		next, err := list(page)
		if err != nil || next == "" {
			return err
		}
		page.After = next
	}
}

func exportPool(tx store.Tx, enc *json.Encoder, p *store.Pool, n *Counts) error {
	if err := enc.Encode(Pool{Type: TypePool, ID: p.ID, Name: p.Name, Settings: p.Settings,
		CreatedAt: utc(p.CreatedAt), UpdatedAt: utc(p.UpdatedAt)}); err != nil {
		return err
	}
	n.Pools++
	keys, err := tx.Keys().List(p.ID)
	if err != nil {
		return fmt.Errorf("keys of pool %s: %w", p.ID, err)
	}
	for _, k := range keys {
		if err := enc.Encode(Key{Type: TypeKey, PoolID: k.PoolID, KID: k.KID, Use: k.Use,
			PrivateKey: k.PrivateKeyDER, Active: k.Active, CreatedAt: utc(k.CreatedAt),
			RetiredAt: utcPtr(k.RetiredAt)}); err != nil {
			return err
		}
		n.Keys++
	}
	err = eachPage(func(page store.Page) (string, error) {
		clients, next, err := tx.Clients().List(p.ID, page)
		for _, c := range clients {
			if err := enc.Encode(Client{Type: TypeClient, ID: c.ID, PoolID: c.PoolID, Name: c.Name,
				Settings: c.Settings, CreatedAt: utc(c.CreatedAt), UpdatedAt: utc(c.UpdatedAt)}); err != nil {
				return "", err
			}
			n.Clients++
		}
		return next, err
	})
	if err != nil {
		return fmt.Errorf("clients of pool %s: %w", p.ID, err)
	}
	err = eachPage(func(page store.Page) (string, error) {
		users, next, err := tx.Users().List(p.ID, page)
		for _, u := range users {
			if err := enc.Encode(userRecord(u)); err != nil {
				return "", err
			}
			n.Users++
		}
		return next, err
	})
	if err != nil {
		return fmt.Errorf("users of pool %s: %w", p.ID, err)
	}
	return nil
}

func userRecord(u *store.User) User {
	r := User{
		Type: TypeUser, PoolID: u.PoolID, Sub: u.Sub, Username: u.Username, UsernameKey: u.UsernameKey,
		Status: u.Status, Enabled: u.Enabled, Attributes: u.Attributes,
		PasswordHash: u.PasswordHash, PasswordSetAt: utc(u.PasswordSetAt),
		MFAEnabled: u.MFAEnabled, MFAPreferred: u.MFAPreferred, Extra: u.Extra,
		FailedAttempts: u.FailedAttempts, LastFailedAt: utc(u.LastFailedAt), LockedUntil: utc(u.LockedUntil),
		TokensRevokedAt: utc(u.TokensRevokedAt), CreatedAt: utc(u.CreatedAt), UpdatedAt: utc(u.UpdatedAt),
	}
	for _, a := range u.Aliases {
		r.Aliases = append(r.Aliases, Alias(a))
	}
	// Backends agree on the set, not necessarily the order.
	slices.SortFunc(r.Aliases, func(a, b Alias) int {
		return strings.Compare(a.Kind+"\x00"+a.Key, b.Kind+"\x00"+b.Key)
	})
	return r
}

func utc(t time.Time) time.Time {
	if t.IsZero() {
		return time.Time{}
	}
	return t.UTC()
}

func utcPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := utc(*t)
	return &u
}

// ImportOptions tune Import.
type ImportOptions struct {
	// Force imports into a store that already has pools. Records still may
	// not collide with what is there: a pool, client or user that exists
	// fails the import, which then writes nothing.
	Force bool
}

// ErrNotEmpty is Import's error for a store that has pools already.
var ErrNotEmpty = errors.New("import: the target store is not empty (it has user pools); import into an empty store, or force it")

// maxLine bounds one record, so that a corrupt file cannot exhaust memory.
const maxLine = 16 << 20

// Import reads a stream written by Export into st, in one transaction, and
// returns what it read. It refuses a store that has pools unless
// opts.Force, a stream of another format or a newer version, records out
// of order (a key, client or user before its pool), and a stream without
// its end line or whose counts differ from the records read. On any error
// st is left unchanged.
func Import(ctx context.Context, st store.Store, r io.Reader, opts ImportOptions) (Counts, error) {
	var n Counts
	ran := false
	err := st.Update(ctx, func(tx store.Tx) error {
		if ran {
			// The stream is consumed: a backend retry cannot replay it.
			return errors.New("import: the transaction was asked to run again (a conflict with another writer); run the import again")
		}
		ran = true
		if !opts.Force {
			pools, _, err := tx.Pools().List(store.Page{Limit: 1})
			if err != nil {
				return err
			}
			if len(pools) > 0 {
				return ErrNotEmpty
			}
		}
		return importLines(tx, r, &n)
	})
	return n, err
}

func importLines(tx store.Tx, r io.Reader, n *Counts) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), maxLine)
	line := 0
	fail := func(err error) error { return fmt.Errorf("import: line %d: %w", line, err) }
	pools := map[string]bool{} // pools read so far
	var end *End
	for sc.Scan() {
		line++
		raw := sc.Bytes()
		if len(strings.TrimSpace(string(raw))) == 0 {
			continue
		}
		if end != nil {
			return fail(errors.New("a record after the end line"))
		}
		var head struct {
			Type string `json:"type"`
		}
		if err := json.Unmarshal(raw, &head); err != nil {
			return fail(err)
		}
		if line == 1 {
			if err := checkHeader(raw, head.Type); err != nil {
				return fail(err)
			}
			continue
		}
		var err error
		switch head.Type {
		case TypePool:
			var p Pool
			if err = strict(raw, &p); err == nil {
				err = tx.Pools().Create(&store.Pool{ID: p.ID, Name: p.Name, Settings: p.Settings,
					CreatedAt: p.CreatedAt, UpdatedAt: p.UpdatedAt})
				pools[p.ID] = true
				n.Pools++
			}
		case TypeKey:
			var k Key
			if err = strict(raw, &k); err == nil {
				if err = inPool(pools, k.PoolID); err == nil {
					err = tx.Keys().Create(&store.SigningKey{PoolID: k.PoolID, KID: k.KID, Use: k.Use,
						PrivateKeyDER: k.PrivateKey, Active: k.Active, CreatedAt: k.CreatedAt, RetiredAt: k.RetiredAt})
					n.Keys++
				}
			}
		case TypeClient:
			var c Client
			if err = strict(raw, &c); err == nil {
				if err = inPool(pools, c.PoolID); err == nil {
					err = tx.Clients().Create(&store.Client{ID: c.ID, PoolID: c.PoolID, Name: c.Name,
						Settings: c.Settings, CreatedAt: c.CreatedAt, UpdatedAt: c.UpdatedAt})
					n.Clients++
				}
			}
		case TypeUser:
			var u User
			if err = strict(raw, &u); err == nil {
				if err = inPool(pools, u.PoolID); err == nil {
					err = tx.Users().Create(storeUser(u))
					n.Users++
				}
			}
		case TypeEnd:
			end = new(End)
			err = strict(raw, end)
		case TypeHeader:
			err = errors.New("a second header")
		default:
			err = fmt.Errorf("unknown record type %q (this binary reads version %d of the format)", head.Type, Version)
		}
		if err != nil {
			return fail(err)
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("import: after line %d: %w", line, err)
	}
	switch {
	case line == 0:
		return errors.New("import: empty input")
	case end == nil:
		return fmt.Errorf("import: no end line after line %d: the export is truncated", line)
	case end.Counts != *n:
		return fmt.Errorf("import: the end line counts %v, but the file holds %v", end.Counts, *n)
	}
	return nil
}

func checkHeader(raw []byte, typ string) error {
	if typ != TypeHeader {
		return fmt.Errorf("first line is a %q record, want the %q header of a %s file", typ, TypeHeader, Format)
	}
	var h Header
	if err := json.Unmarshal(raw, &h); err != nil {
		return err
	}
	if h.Format != Format {
		return fmt.Errorf("format %q, want %q", h.Format, Format)
	}
	if h.Version < 1 || h.Version > Version {
		return fmt.Errorf("format version %d; this binary reads versions 1 to %d", h.Version, Version)
	}
	return nil
}

// strict decodes one record, refusing fields this version does not know:
// dropping one silently could lose state.
func strict(raw []byte, v any) error {
	dec := json.NewDecoder(strings.NewReader(string(raw)))
	dec.DisallowUnknownFields()
	return dec.Decode(v)
}

func inPool(pools map[string]bool, id string) error {
	if !pools[id] {
		return fmt.Errorf("record of pool %q before that pool's own record", id)
	}
	return nil
}

func storeUser(u User) *store.User {
	s := &store.User{
		PoolID: u.PoolID, Sub: u.Sub, Username: u.Username, UsernameKey: u.UsernameKey,
		Status: u.Status, Enabled: u.Enabled, Attributes: u.Attributes,
		PasswordHash: u.PasswordHash, PasswordSetAt: u.PasswordSetAt,
		MFAEnabled: u.MFAEnabled, MFAPreferred: u.MFAPreferred, Extra: u.Extra,
		FailedAttempts: u.FailedAttempts, LastFailedAt: u.LastFailedAt, LockedUntil: u.LockedUntil,
		TokensRevokedAt: u.TokensRevokedAt, CreatedAt: u.CreatedAt, UpdatedAt: u.UpdatedAt,
	}
	if s.Attributes == nil {
		s.Attributes = map[string]string{}
	}
	for _, a := range u.Aliases {
		s.Aliases = append(s.Aliases, store.Alias(a))
	}
	return s
}
