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
// older reader could not ignore safely bumps Version. Version 2 added
// groups with their members, devices and passkeys; version 3 pool objects
// (resource servers, domains, ...).
const (
	Format  = "ninshou-export"
	Version = 3
)

// Record types, the "type" field of every line.
const (
	TypeHeader  = "header"
	TypePool    = "pool"
	TypeKey     = "key"
	TypeClient  = "client"
	TypeUser    = "user"
	TypeDevice  = "device"
	TypePasskey = "passkey"
	TypeGroup   = "group"
	TypeMember  = "member"
	TypeObject  = "object"
	TypeEnd     = "end"
)

// since is the format version that introduced a record type; the types
// not listed are in every version. A file may hold only the types of the
// version its header names.
var since = map[string]int{TypeDevice: 2, TypePasskey: 2, TypeGroup: 2, TypeMember: 2, TypeObject: 3}

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

// Object is a pool object: a piece of the pool's configuration kept under
// a name of its own (a resource server, a domain, ...). Body is the
// domain's encoding, opaque here (base64 in JSON).
type Object struct {
	Type      string    `json:"type"`
	PoolID    string    `json:"pool_id"`
	Kind      string    `json:"kind"`
	Key       string    `json:"key"`
	Body      []byte    `json:"body,omitempty"`
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

// Device is a remembered device of a user. Verifier is its SRP verifier
// as stored, sealed with the server key; Salt is in the clear.
type Device struct {
	Type       string            `json:"type"`
	PoolID     string            `json:"pool_id"`
	Sub        string            `json:"sub"`
	Key        string            `json:"key"`
	GroupKey   string            `json:"group_key,omitempty"`
	Verifier   []byte            `json:"verifier,omitempty"`
	Salt       []byte            `json:"salt,omitempty"`
	Status     string            `json:"status,omitempty"`
	Attributes map[string]string `json:"attributes,omitempty"`
	CreatedAt  time.Time         `json:"created_at,omitzero"`
	UpdatedAt  time.Time         `json:"updated_at,omitzero"`
	LastAuthAt time.Time         `json:"last_auth_at,omitzero"`
}

// Passkey is a WebAuthn credential of a user: its ID and COSE public key,
// and the signature counter that detects a cloned authenticator.
type Passkey struct {
	Type           string    `json:"type"`
	PoolID         string    `json:"pool_id"`
	Sub            string    `json:"sub"`
	ID             []byte    `json:"id"`
	PublicKey      []byte    `json:"public_key"`
	SignCount      uint32    `json:"sign_count,omitempty"`
	RelyingPartyID string    `json:"relying_party_id,omitempty"`
	FriendlyName   string    `json:"friendly_name,omitempty"`
	Attachment     string    `json:"attachment,omitempty"`
	Transports     []string  `json:"transports,omitempty"`
	AAGUID         []byte    `json:"aaguid,omitempty"`
	CreatedAt      time.Time `json:"created_at,omitzero"`
}

// Group is a group of a pool. Precedence is absent when unset (0 is a
// precedence).
type Group struct {
	Type        string    `json:"type"`
	PoolID      string    `json:"pool_id"`
	Name        string    `json:"name"`
	Description string    `json:"description,omitempty"`
	RoleArn     string    `json:"role_arn,omitempty"`
	Precedence  *int      `json:"precedence,omitempty"`
	CreatedAt   time.Time `json:"created_at,omitzero"`
	UpdatedAt   time.Time `json:"updated_at,omitzero"`
}

// Member puts the user Sub in the group Group of the same pool.
type Member struct {
	Type   string `json:"type"`
	PoolID string `json:"pool_id"`
	Group  string `json:"group"`
	Sub    string `json:"sub"`
}

// Counts is how many records of each type a stream holds. A version 1 end
// line has only the first four.
type Counts struct {
	Pools    int64 `json:"pool"`
	Keys     int64 `json:"key"`
	Clients  int64 `json:"client"`
	Users    int64 `json:"user"`
	Devices  int64 `json:"device"`
	Passkeys int64 `json:"passkey"`
	Groups   int64 `json:"group"`
	Members  int64 `json:"member"`
	// Objects is new in version 3; earlier end lines leave it out.
	Objects int64 `json:"object,omitempty"`
}

func (c Counts) String() string {
	return fmt.Sprintf("%d pools, %d keys, %d clients, %d pool objects, %d users, %d devices, %d passkeys, %d groups, %d memberships",
		c.Pools, c.Keys, c.Clients, c.Objects, c.Users, c.Devices, c.Passkeys, c.Groups, c.Members)
}

// End is the last line.
type End struct {
	Type   string `json:"type"`
	Counts Counts `json:"counts"`
}

// pageSize is how many records of one list (pools, clients, users, a
// user's devices or passkeys, groups, a group's members) Export reads at once.
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
		objs, next, err := tx.PoolObjects().ListAll(p.ID, page)
		for _, o := range objs {
			if err := enc.Encode(Object{Type: TypeObject, PoolID: o.PoolID, Kind: o.Kind, Key: o.Key,
				Body: o.Body, CreatedAt: utc(o.CreatedAt), UpdatedAt: utc(o.UpdatedAt)}); err != nil {
				return "", err
			}
			n.Objects++
		}
		return next, err
	})
	if err != nil {
		return fmt.Errorf("objects of pool %s: %w", p.ID, err)
	}
	err = eachPage(func(page store.Page) (string, error) {
		users, next, err := tx.Users().List(p.ID, page)
		for _, u := range users {
			if err := exportUser(tx, enc, u, n); err != nil {
				return "", err
			}
		}
		return next, err
	})
	if err != nil {
		return fmt.Errorf("users of pool %s: %w", p.ID, err)
	}
	err = eachPage(func(page store.Page) (string, error) {
		groups, next, err := tx.Groups().List(p.ID, page)
		for _, g := range groups {
			if err := exportGroup(tx, enc, g, n); err != nil {
				return "", err
			}
		}
		return next, err
	})
	if err != nil {
		return fmt.Errorf("groups of pool %s: %w", p.ID, err)
	}
	return nil
}

// exportUser writes a user and, right after it, its devices and passkeys.
func exportUser(tx store.Tx, enc *json.Encoder, u *store.User, n *Counts) error {
	if err := enc.Encode(userRecord(u)); err != nil {
		return err
	}
	n.Users++
	err := eachPage(func(page store.Page) (string, error) {
		devices, next, err := tx.Devices().List(u.PoolID, u.Sub, page)
		for _, d := range devices {
			if err := enc.Encode(Device{Type: TypeDevice, PoolID: d.PoolID, Sub: d.Sub, Key: d.Key,
				GroupKey: d.GroupKey, Verifier: d.Verifier, Salt: d.Salt, Status: d.Status,
				Attributes: d.Attributes, CreatedAt: utc(d.CreatedAt), UpdatedAt: utc(d.UpdatedAt),
				LastAuthAt: utc(d.LastAuthAt)}); err != nil {
				return "", err
			}
			n.Devices++
		}
		return next, err
	})
	if err != nil {
		return fmt.Errorf("devices of user %s: %w", u.Sub, err)
	}
	err = eachPage(func(page store.Page) (string, error) {
		creds, next, err := tx.WebAuthn().List(u.PoolID, u.Sub, page)
		for _, c := range creds {
			if err := enc.Encode(Passkey{Type: TypePasskey, PoolID: c.PoolID, Sub: c.Sub, ID: c.ID,
				PublicKey: c.PublicKey, SignCount: c.SignCount, RelyingPartyID: c.RelyingPartyID,
				FriendlyName: c.FriendlyName, Attachment: c.Attachment, Transports: c.Transports,
				AAGUID: c.AAGUID, CreatedAt: utc(c.CreatedAt)}); err != nil {
				return "", err
			}
			n.Passkeys++
		}
		return next, err
	})
	if err != nil {
		return fmt.Errorf("passkeys of user %s: %w", u.Sub, err)
	}
	return nil
}

// exportGroup writes a group and, right after it, one line per member.
func exportGroup(tx store.Tx, enc *json.Encoder, g *store.Group, n *Counts) error {
	if err := enc.Encode(Group{Type: TypeGroup, PoolID: g.PoolID, Name: g.Name, Description: g.Description,
		RoleArn: g.RoleArn, Precedence: g.Precedence, CreatedAt: utc(g.CreatedAt),
		UpdatedAt: utc(g.UpdatedAt)}); err != nil {
		return err
	}
	n.Groups++
	err := eachPage(func(page store.Page) (string, error) {
		users, next, err := tx.Groups().ListMembers(g.PoolID, g.Name, page)
		for _, u := range users {
			if err := enc.Encode(Member{Type: TypeMember, PoolID: g.PoolID, Group: g.Name, Sub: u.Sub}); err != nil {
				return "", err
			}
			n.Members++
		}
		return next, err
	})
	if err != nil {
		return fmt.Errorf("members of group %s: %w", g.Name, err)
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
	// not collide with what is there: a pool, client, user, device,
	// passkey or group that exists fails the import, which then writes
	// nothing.
	Force bool
}

// ErrNotEmpty is Import's error for a store that has pools already.
var ErrNotEmpty = errors.New("import: the target store is not empty (it has user pools); import into an empty store, or force it")

// maxLine bounds one record, so that a corrupt file cannot exhaust memory.
const maxLine = 16 << 20

// Import reads a stream written by Export into st, in one transaction, and
// returns what it read. It refuses a store that has pools unless
// opts.Force, a stream of another format or a newer version, a record
// type newer than the stream's version, records out of order (a record of
// a pool before the pool's line; a device or passkey anywhere but after
// its user's line, a member anywhere but after its group's), and a stream
// without its end line or whose counts differ from the records read. On
// any error st is left unchanged.
func Import(ctx context.Context, st store.Store, r io.Reader, opts ImportOptions) (Counts, error) {
	var n Counts
	ran := false
	err := st.UpdateBulk(ctx, func(tx store.Tx) error {
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

// importer is the state of one Import: what it has read so far, and the
// parents the next lines may refer to.
type importer struct {
	tx      store.Tx
	version int // the header's
	n       Counts
	pools   map[string]bool // pools read so far
	// user is the last user line while its devices and passkeys follow;
	// group is the last group line while its members follow.
	user  owner
	group owner
}

// owner names a user (pool, sub) or a group (pool, name).
type owner struct{ pool, key string }

func importLines(tx store.Tx, r io.Reader, n *Counts) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), maxLine)
	line := 0
	fail := func(err error) error { return fmt.Errorf("import: line %d: %w", line, err) }
	im := &importer{tx: tx, pools: map[string]bool{}}
	defer func() { *n = im.n }()
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
			v, err := checkHeader(raw, head.Type)
			if err != nil {
				return fail(err)
			}
			im.version = v
			continue
		}
		var err error
		switch head.Type {
		case TypeEnd:
			end = new(End)
			err = strict(raw, end)
		case TypeHeader:
			err = errors.New("a second header")
		default:
			err = im.record(head.Type, raw)
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
	case end.Counts != im.n:
		return fmt.Errorf("import: the end line counts %v, but the file holds %v", end.Counts, im.n)
	}
	return nil
}

// record imports one line of type typ.
func (im *importer) record(typ string, raw []byte) error {
	if v, ok := since[typ]; ok && v > im.version {
		return fmt.Errorf("a %q record in a version %d file (records of that type are new in version %d)", typ, im.version, v)
	}
	// A device or passkey line follows its user's line; a member line its
	// group's. Any other line ends the run.
	if typ != TypeDevice && typ != TypePasskey {
		im.user = owner{}
	}
	if typ != TypeMember {
		im.group = owner{}
	}
	tx := im.tx
	switch typ {
	case TypePool:
		var p Pool
		if err := strict(raw, &p); err != nil {
			return err
		}
		im.pools[p.ID] = true
		im.n.Pools++
		return tx.Pools().Create(&store.Pool{ID: p.ID, Name: p.Name, Settings: p.Settings,
			CreatedAt: p.CreatedAt, UpdatedAt: p.UpdatedAt})
	case TypeKey:
		var k Key
		if err := im.decode(raw, &k, &k.PoolID); err != nil {
			return err
		}
		im.n.Keys++
		return tx.Keys().Create(&store.SigningKey{PoolID: k.PoolID, KID: k.KID, Use: k.Use,
			PrivateKeyDER: k.PrivateKey, Active: k.Active, CreatedAt: k.CreatedAt, RetiredAt: k.RetiredAt})
	case TypeClient:
		var c Client
		if err := im.decode(raw, &c, &c.PoolID); err != nil {
			return err
		}
		im.n.Clients++
		return tx.Clients().Create(&store.Client{ID: c.ID, PoolID: c.PoolID, Name: c.Name,
			Settings: c.Settings, CreatedAt: c.CreatedAt, UpdatedAt: c.UpdatedAt})
	case TypeObject:
		var o Object
		if err := im.decode(raw, &o, &o.PoolID); err != nil {
			return err
		}
		im.n.Objects++
		return tx.PoolObjects().Create(&store.PoolObject{PoolID: o.PoolID, Kind: o.Kind, Key: o.Key,
			Body: o.Body, CreatedAt: o.CreatedAt, UpdatedAt: o.UpdatedAt})
	case TypeUser:
		var u User
		if err := im.decode(raw, &u, &u.PoolID); err != nil {
			return err
		}
		im.user = owner{u.PoolID, u.Sub}
		im.n.Users++
		return tx.Users().Create(storeUser(u))
	case TypeDevice:
		var d Device
		if err := im.decode(raw, &d, &d.PoolID); err != nil {
			return err
		}
		if err := follows(im.user, owner{d.PoolID, d.Sub}, "device", "user"); err != nil {
			return err
		}
		im.n.Devices++
		return tx.Devices().Create(&store.Device{PoolID: d.PoolID, Sub: d.Sub, Key: d.Key,
			GroupKey: d.GroupKey, Verifier: d.Verifier, Salt: d.Salt, Status: d.Status,
			Attributes: d.Attributes, CreatedAt: d.CreatedAt, UpdatedAt: d.UpdatedAt, LastAuthAt: d.LastAuthAt})
	case TypePasskey:
		var c Passkey
		if err := im.decode(raw, &c, &c.PoolID); err != nil {
			return err
		}
		if err := follows(im.user, owner{c.PoolID, c.Sub}, "passkey", "user"); err != nil {
			return err
		}
		im.n.Passkeys++
		return tx.WebAuthn().Create(&store.WebAuthnCredential{PoolID: c.PoolID, Sub: c.Sub, ID: c.ID,
			PublicKey: c.PublicKey, SignCount: c.SignCount, RelyingPartyID: c.RelyingPartyID,
			FriendlyName: c.FriendlyName, Attachment: c.Attachment, Transports: c.Transports,
			AAGUID: c.AAGUID, CreatedAt: c.CreatedAt})
	case TypeGroup:
		var g Group
		if err := im.decode(raw, &g, &g.PoolID); err != nil {
			return err
		}
		im.group = owner{g.PoolID, g.Name}
		im.n.Groups++
		return tx.Groups().Create(&store.Group{PoolID: g.PoolID, Name: g.Name, Description: g.Description,
			RoleArn: g.RoleArn, Precedence: g.Precedence, CreatedAt: g.CreatedAt, UpdatedAt: g.UpdatedAt})
	case TypeMember:
		var m Member
		if err := im.decode(raw, &m, &m.PoolID); err != nil {
			return err
		}
		if err := follows(im.group, owner{m.PoolID, m.Group}, "member", "group"); err != nil {
			return err
		}
		im.n.Members++
		if err := tx.Groups().AddMember(m.PoolID, m.Group, m.Sub); err != nil {
			return fmt.Errorf("user %s in group %s: %w", m.Sub, m.Group, err)
		}
		return nil
	}
	return fmt.Errorf("unknown record type %q (this binary reads versions 1 to %d of the format)", typ, Version)
}

// decode decodes a record of a pool (strictly) and checks that the pool's
// own line came before it.
func (im *importer) decode(raw []byte, v any, poolID *string) error {
	if err := strict(raw, v); err != nil {
		return err
	}
	if !im.pools[*poolID] {
		return fmt.Errorf("record of pool %q before that pool's own record", *poolID)
	}
	return nil
}

// follows checks that a child line (device, passkey, member) comes in the
// run of lines after its parent's.
func follows(parent, want owner, child, kind string) error {
	if parent != want {
		return fmt.Errorf("%s of %s %q (pool %s) not right after that %s's line", child, kind, want.key, want.pool, kind)
	}
	return nil
}

func checkHeader(raw []byte, typ string) (int, error) {
	if typ != TypeHeader {
		return 0, fmt.Errorf("first line is a %q record, want the %q header of a %s file", typ, TypeHeader, Format)
	}
	var h Header
	if err := json.Unmarshal(raw, &h); err != nil {
		return 0, err
	}
	if h.Format != Format {
		return 0, fmt.Errorf("format %q, want %q", h.Format, Format)
	}
	if h.Version < 1 || h.Version > Version {
		return 0, fmt.Errorf("format version %d; this binary reads versions 1 to %d", h.Version, Version)
	}
	return h.Version, nil
}

// strict decodes one record, refusing fields this version does not know:
// dropping one silently could lose state.
func strict(raw []byte, v any) error {
	dec := json.NewDecoder(strings.NewReader(string(raw)))
	dec.DisallowUnknownFields()
	return dec.Decode(v)
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
