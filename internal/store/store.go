// Package store declares Ninshou's storage contract: one Store with explicit
// transactions, and one small repository per aggregate on each Tx.
//
// Backends (sqlite/, later postgres/) implement it; storetest/ is the
// conformance suite every backend must pass. Only internal/app knows which
// backend is in use.
//
// Invariants every backend keeps:
//   - Update transactions are serialisable with respect to each other: a row
//     read inside Update cannot change underneath the transaction (SQLite: one
//     writer, BEGIN IMMEDIATE; PostgreSQL: rows read FOR UPDATE, and pools,
//     clients and keys FOR SHARE so that sign-ins in one pool do not queue).
//   - A committed Update survives a process crash (kill -9).
//   - Single-use things (sessions, codes, refresh tokens) are consumed by one
//     conditional write; the loser of a race sees ErrConflict.
//   - Pools never see each other's rows: every user-level lookup is keyed by
//     pool ID.
package store

import (
	"context"
	"encoding/json"
	"errors"
	"time"
)

// Errors returned by every backend. Callers test with errors.Is.
var (
	// ErrNotFound: no row matches the key.
	ErrNotFound = errors.New("store: not found")
	// ErrExists: a unique key (pool name is not unique; client ID, username,
	// alias, key ID, ...) is already taken. Wrapped in *ExistsError when the
	// backend can say which key.
	ErrExists = errors.New("store: already exists")
	// ErrConflict: an optimistic-concurrency version check or a conditional
	// single-use write lost.
	ErrConflict = errors.New("store: conflict")
	// ErrBadCursor: a Page.After that this backend did not hand out.
	ErrBadCursor = errors.New("store: invalid page cursor")
)

// ExistsError names the unique key that a write collided with.
type ExistsError struct {
	// What is "username", "alias:<kind>" (alias:email, alias:phone_number,
	// alias:preferred_username), "client", "pool", "key".
	What string
}

func (e *ExistsError) Error() string { return "store: already exists: " + e.What }

// Is makes errors.Is(err, ErrExists) true.
func (e *ExistsError) Is(target error) bool { return target == ErrExists }

// Store is a transactional store.
type Store interface {
	// View runs fn in a read-only transaction.
	View(ctx context.Context, fn func(Tx) error) error
	// Update runs fn in a read-write transaction, committed when fn returns
	// nil and rolled back otherwise. fn may run more than once if the backend
	// retries a serialisation failure, so it must have no side effects
	// outside the transaction, and must read inside itself the records it
	// writes (a write bumps the record's Version in place).
	Update(ctx context.Context, fn func(Tx) error) error
	// UpdateBulk is Update for a transaction that writes many records (a
	// batch of an import job). A backend that lets concurrent Updates share
	// one commit gives it a transaction of its own: as a member of a shared
	// one it would keep an undo copy of every page it touches until it ends.
	UpdateBulk(ctx context.Context, fn func(Tx) error) error
	// Close releases the backend's resources.
	Close() error
}

// Tx gives access to the repositories inside one transaction. A Tx and the
// repositories it returns must not be used after fn returns.
type Tx interface {
	Pools() PoolRepo
	Clients() ClientRepo
	Users() UserRepo
	Sessions() SessionRepo
	Codes() CodeRepo
	TokenFamilies() TokenFamilyRepo
	RefreshTokens() RefreshTokenRepo
	Keys() KeyRepo
	Outbox() OutboxRepo
	Groups() GroupRepo
	Devices() DeviceRepo
	WebAuthn() WebAuthnRepo
	AuthEvents() AuthEventRepo
	ImportJobs() ImportJobRepo
	PoolObjects() PoolObjectRepo
}

// Page asks for at most Limit rows after the opaque cursor After ("" = from
// the start). A list returns the cursor of its next page, "" when done.
type Page struct {
	Limit int
	After string
}

// Pool is a user pool. Settings is the domain's own encoding of the pool's
// configuration; the store keeps it opaque.
type Pool struct {
	ID        string
	Name      string
	Settings  []byte
	CreatedAt time.Time
	UpdatedAt time.Time
	// Version starts at 1 and is bumped by every Update; Update fails with
	// ErrConflict when the stored version differs from the one given.
	Version int64
}

// PoolRepo stores pools. Deleting a pool deletes everything in it: at
// once what can be reached without naming the pool, its users (however
// many) in steps afterwards.
type PoolRepo interface {
	Create(p *Pool) error
	Get(id string) (*Pool, error)
	// Lock is Get for writing: inside Update, other transactions that Lock
	// the same pool wait until this one ends. Take it before any other read
	// of the pool in the transaction (a shared read upgraded later can
	// deadlock).
	Lock(id string) (*Pool, error)
	Update(p *Pool) error // sets p.Version to the new version
	// Delete removes the pool from Get, Lock, Update and List, with its
	// clients, signing keys, import jobs, sessions, codes, token families
	// and groups; its ID is not free again until it is purged. Its users
	// stay, out of the domain's reach (every path to a user goes through
	// its pool or a client), until PurgeDeleted removes them: deleting a
	// million users at once would hold the writer for minutes.
	Delete(id string) error
	// PurgeDeleted removes up to limit users of a deleted pool (with their
	// aliases, search entries, devices, passkeys, events and memberships),
	// or, once none is left, the pool itself. It returns the number of users
	// or pools it removed: 0 when no deleted pool remains.
	PurgeDeleted(limit int) (int64, error)
	// List orders by creation time, then ID.
	List(page Page) (pools []*Pool, next string, err error)
}

// Client is an app client. IDs are unique across all pools, because
// InitiateAuth names only the client.
type Client struct {
	ID        string
	PoolID    string
	Name      string
	Settings  []byte
	CreatedAt time.Time
	UpdatedAt time.Time
	Version   int64
}

// ClientRepo stores app clients.
type ClientRepo interface {
	Create(c *Client) error
	Get(clientID string) (*Client, error)
	Update(c *Client) error
	Delete(clientID string) error
	// List orders by creation time, then ID, within one pool.
	List(poolID string, page Page) (clients []*Client, next string, err error)
}

// Alias is one unique sign-in name of a user besides its username:
// Kind is "email", "phone_number" or "preferred_username"; Key is the
// normalised value (lower-cased where the pool is case-insensitive).
type Alias struct {
	Kind string
	Key  string
}

// User is one user of one pool. Sub is its immutable UUID; UsernameKey is the
// username as looked up (lower-cased in case-insensitive pools).
type User struct {
	PoolID      string
	Sub         string
	Username    string
	UsernameKey string
	Status      string // UNCONFIRMED, CONFIRMED, FORCE_CHANGE_PASSWORD, RESET_REQUIRED, ...
	Enabled     bool
	Attributes  map[string]string
	// Aliases are kept unique per pool and kind by the store; a collision is
	// an *ExistsError{What: "alias:<kind>"}.
	Aliases []Alias

	PasswordHash  string    // argon2id PHC string; "" for none
	PasswordSetAt time.Time // when the current (possibly temporary) password was set
	// MFA: factors the user enabled (SMS_MFA, SOFTWARE_TOKEN_MFA, EMAIL_OTP) and the preferred one.
	MFAEnabled   []string
	MFAPreferred string
	// Extra is the domain's encoding of anything else (TOTP secret, ...).
	Extra []byte

	// Lockout bookkeeping (Cognito's schedule lives in the domain).
	FailedAttempts int
	LastFailedAt   time.Time
	LockedUntil    time.Time
	// TokensRevokedAt: access tokens issued before it are revoked (global sign-out, disable).
	TokensRevokedAt time.Time

	CreatedAt time.Time
	UpdatedAt time.Time
	Version   int64
}

// UserRepo stores users.
type UserRepo interface {
	Create(u *User) error
	Get(poolID, sub string) (*User, error)
	GetByUsername(poolID, usernameKey string) (*User, error)
	GetByAlias(poolID string, a Alias) (*User, error)
	// Update writes every field and replaces the user's aliases.
	Update(u *User) error
	Delete(poolID, sub string) error
	// List orders by UsernameKey.
	List(poolID string, page Page) (users []*User, next string, err error)
	// Search is ListUsers' filter: users whose searchable field equals
	// Value, ordered by UsernameKey, or, with Prefix, starts with Value,
	// ordered by (the field's value, UsernameKey), so that each is one
	// index range costing a page however many users match (a backend may
	// order values longer than 256 characters by their first 256). It must
	// use an index: pools hold millions of users.
	Search(poolID string, f UserFilter, page Page) (users []*User, next string, err error)
	Count(poolID string) (int64, error)
}

// Searchable fields of UserFilter.Field, as ListUsers names them.
const (
	FieldUsername          = "username"
	FieldEmail             = "email"
	FieldPhoneNumber       = "phone_number"
	FieldName              = "name"
	FieldGivenName         = "given_name"
	FieldFamilyName        = "family_name"
	FieldPreferredUsername = "preferred_username"
	FieldStatus            = "cognito:user_status" // User.Status
	FieldEnabled           = "status"              // "Enabled" or "Disabled"
	FieldSub               = "sub"
)

// UserFilter selects users by one searchable field. Matching is exact on
// SearchKey of the stored value and of Value: case-sensitive for username
// (Username, not UsernameKey) and status, without regard to ASCII case for
// the attributes and sub; the domain upper-cases cognito:user_status.
type UserFilter struct {
	Field  string
	Value  string
	Prefix bool
}

// Session is one stored challenge session. Only the hash of the handle given
// to the client is stored.
type Session struct {
	IDHash    []byte
	PoolID    string
	ClientID  string
	Sub       string
	Challenge string // the challenge this session answers
	State     []byte // domain's encoding (code hash, auth facts, ...)
	Attempts  int
	CreatedAt time.Time
	ExpiresAt time.Time
	// ConsumedAt is set once; a consumed session is kept until purged so the
	// domain can tell "used once" from "unknown".
	ConsumedAt *time.Time
}

// SessionRepo stores challenge sessions.
type SessionRepo interface {
	Create(s *Session) error
	Get(idHash []byte) (*Session, error)
	// Consume marks the session used, only if it is not consumed yet;
	// otherwise ErrConflict. ErrNotFound if there is no such session.
	Consume(idHash []byte, now time.Time) error
	// AddAttempt adds one failed attempt and returns the new count.
	AddAttempt(idHash []byte) (int, error)
	// DeleteExpired removes sessions that expired before t; returns how many.
	DeleteExpired(t time.Time) (int64, error)
}

// Code is a one-time code sent to a user (confirmation, recovery,
// attribute verification). One live code per (pool, user, purpose).
type Code struct {
	PoolID     string
	Sub        string
	Purpose    string // e.g. "signup", "forgot_password", "verify:email"
	CodeHash   []byte
	Attempts   int
	CreatedAt  time.Time
	ExpiresAt  time.Time
	ConsumedAt *time.Time
}

// CodeRepo stores one-time codes.
type CodeRepo interface {
	// Put replaces any code for the same (pool, sub, purpose).
	Put(c *Code) error
	Get(poolID, sub, purpose string) (*Code, error)
	// Consume marks it used if not used yet; otherwise ErrConflict.
	Consume(poolID, sub, purpose string, now time.Time) error
	AddAttempt(poolID, sub, purpose string) (int, error)
	Delete(poolID, sub, purpose string) error
	DeleteExpired(t time.Time) (int64, error)
}

// TokenFamily is one sign-in: every refresh token and access/ID token that
// descends from it shares ID (the origin_jti claim).
type TokenFamily struct {
	ID        string
	PoolID    string
	ClientID  string
	Sub       string
	DeviceKey string
	// Scopes are the OAuth scopes an authorization code granted, which
	// every refresh of the family carries again; empty for a sign-in
	// through the API (and for families stored before scopes were).
	Scopes    []string
	AuthTime  time.Time
	CreatedAt time.Time
	ExpiresAt time.Time
	RevokedAt *time.Time
}

// TokenFamilyRepo stores token families.
type TokenFamilyRepo interface {
	Create(f *TokenFamily) error
	Get(id string) (*TokenFamily, error)
	// Revoke sets RevokedAt if it is not set yet.
	Revoke(id string, now time.Time) error
	// RevokeUser revokes every live family of a user; returns how many.
	RevokeUser(poolID, sub string, now time.Time) (int64, error)
	DeleteExpired(t time.Time) (int64, error)
}

// RefreshToken is one refresh token, stored by the hash of its value only.
type RefreshToken struct {
	Hash      []byte
	FamilyID  string
	CreatedAt time.Time
	ExpiresAt time.Time
	// ReplacedAt is set when rotation replaced it.
	ReplacedAt *time.Time
}

// RefreshTokenRepo stores refresh tokens.
type RefreshTokenRepo interface {
	Create(t *RefreshToken) error
	Get(hash []byte) (*RefreshToken, error)
	// MarkReplaced sets ReplacedAt if unset; otherwise ErrConflict.
	MarkReplaced(hash []byte, now time.Time) error
	DeleteExpired(t time.Time) (int64, error)
}

// SigningKey is one RSA key of a pool. Use is "id" or "access".
type SigningKey struct {
	PoolID        string
	KID           string
	Use           string
	PrivateKeyDER []byte // PKCS#8
	Active        bool   // signs new tokens; inactive keys only verify
	CreatedAt     time.Time
	RetiredAt     *time.Time
}

// KeyRepo stores signing keys.
type KeyRepo interface {
	Create(k *SigningKey) error
	// List returns the pool's keys, oldest first.
	List(poolID string) ([]*SigningKey, error)
	Update(k *SigningKey) error
	Delete(poolID, kid string) error
}

// Message is one outgoing email or SMS in the persisted outbox.
type Message struct {
	ID        int64 // assigned by Enqueue, increasing
	PoolID    string
	Channel   string // "email" or "sms"
	To        string
	From      string
	ReplyTo   string
	Subject   string
	Body      string
	Kind      string // what it is for: "invitation", "mfa_code", ...
	CreatedAt time.Time

	State         string // "pending", "sent", "failed"
	Attempts      int
	NextAttemptAt time.Time
	LeaseUntil    time.Time
	SentAt        *time.Time
	LastError     string
}

// OutboxRepo stores outgoing messages until delivered.
type OutboxRepo interface {
	// Enqueue stores m as pending and sets m.ID.
	Enqueue(m *Message) error
	// Claim leases up to limit pending messages due at now (NextAttemptAt <=
	// now and LeaseUntil <= now) until leaseUntil, so that one dispatcher
	// among many nodes sends each.
	Claim(now, leaseUntil time.Time, limit int) ([]*Message, error)
	MarkSent(id int64, now time.Time) error
	// MarkFailed records an attempt; state stays pending with the next
	// attempt time, or becomes "failed" when final is true.
	MarkFailed(id int64, errText string, next time.Time, final bool) error
	// List returns messages with ID > afterID, oldest first. It is for
	// inspection (the local outbox view): IDs follow Enqueue order, not commit
	// order, so a tail of List can miss a late commit. Delivery uses Claim.
	List(afterID int64, limit int) ([]*Message, error)
	DeleteBefore(t time.Time) (int64, error)
}

// Group is a group of users in a pool.
type Group struct {
	PoolID      string
	Name        string
	Description string
	RoleArn     string
	Precedence  *int
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// GroupRepo stores groups and memberships. Deleting a group or a user
// removes its memberships.
type GroupRepo interface {
	Create(g *Group) error // *ExistsError{What: "group"}
	Get(poolID, name string) (*Group, error)
	Update(g *Group) error
	Delete(poolID, name string) error
	// List orders by name.
	List(poolID string, page Page) (groups []*Group, next string, err error)
	// Count is the number of the pool's groups.
	Count(poolID string) (int, error)
	// AddMember is idempotent; ErrNotFound if the group or user is missing.
	AddMember(poolID, name, sub string) error
	// RemoveMember is idempotent.
	RemoveMember(poolID, name, sub string) error
	// ListForUser orders by name.
	ListForUser(poolID, sub string, page Page) (groups []*Group, next string, err error)
	// CountForUser is the number of groups sub belongs to.
	CountForUser(poolID, sub string) (int, error)
	// ListMembers orders by UsernameKey.
	ListMembers(poolID, name string, page Page) (users []*User, next string, err error)
}

// Device is a device a user's client remembered (device tracking).
type Device struct {
	PoolID   string
	Sub      string
	Key      string // DeviceKey, "<region>_<uuid>"; unique in the pool
	GroupKey string // DeviceGroupKey
	// Verifier is the device's sealed SRP verifier and Salt its salt.
	Verifier   []byte
	Salt       []byte
	Status     string // "remembered", "not_remembered", "" (unconfirmed)
	Attributes map[string]string
	CreatedAt  time.Time
	UpdatedAt  time.Time
	LastAuthAt time.Time
}

// DeviceRepo stores devices.
type DeviceRepo interface {
	Create(d *Device) error // *ExistsError{What: "device"}
	Get(poolID, key string) (*Device, error)
	Update(d *Device) error
	Delete(poolID, key string) error
	// List returns a user's devices, newest LastAuthAt first, then Key.
	List(poolID, sub string, page Page) (devices []*Device, next string, err error)
}

// WebAuthnCredential is a passkey registered by a user.
type WebAuthnCredential struct {
	PoolID         string
	Sub            string
	ID             []byte // credential ID; unique in the pool
	PublicKey      []byte // COSE key
	SignCount      uint32
	RelyingPartyID string
	FriendlyName   string
	Attachment     string
	Transports     []string
	AAGUID         []byte
	CreatedAt      time.Time
}

// WebAuthnRepo stores passkeys.
type WebAuthnRepo interface {
	Create(c *WebAuthnCredential) error // *ExistsError{What: "webauthn"}
	Get(poolID string, id []byte) (*WebAuthnCredential, error)
	// UpdateSignCount sets the counter after a successful assertion.
	UpdateSignCount(poolID string, id []byte, count uint32) error
	Delete(poolID, sub string, id []byte) error
	// List returns a user's credentials, oldest first.
	List(poolID, sub string, page Page) (creds []*WebAuthnCredential, next string, err error)
}

// AuthEvent is one entry of a user's authentication history
// (AdminListUserAuthEvents).
type AuthEvent struct {
	PoolID     string
	Sub        string
	ID         string
	Type       string   // SignIn, SignUp, ForgotPassword, PasswordChange, ResendCode
	Response   string   // Pass, Fail, InProgress
	Challenges []string // "Password:Success", "Mfa:Failure", ...
	IPAddress  string
	CreatedAt  time.Time
	// Feedback is the latest feedback on the event, nil if none.
	Feedback *EventFeedback
}

// EventFeedback is feedback on an authentication event
// (AdminUpdateAuthEventFeedback): Valid or Invalid, from whom, when.
type EventFeedback struct {
	Value    string
	Provider string
	At       time.Time
}

// AuthEventRepo stores authentication events.
type AuthEventRepo interface {
	Add(e *AuthEvent) error
	// SetFeedback replaces the feedback of an event (else store.ErrNotFound).
	SetFeedback(poolID, sub, id string, f EventFeedback) error
	// List returns a user's events, newest first.
	List(poolID, sub string, page Page) (events []*AuthEvent, next string, err error)
	DeleteBefore(t time.Time) (int64, error)
}

// PoolObject is a piece of a pool's configuration that has a name of its
// own in the pool and is created, read, listed and deleted alone: a
// resource server (Kind "resource-server", Key its identifier), and what
// follows the same pattern. Body is the domain's own encoding; the store
// keeps it opaque.
type PoolObject struct {
	PoolID    string
	Kind      string
	Key       string
	Body      []byte
	CreatedAt time.Time
	UpdatedAt time.Time
	// Version starts at 1 and is bumped by every Update; Update fails with
	// ErrConflict when the stored version differs from the one given.
	Version int64
}

// PairCursor is the text of a cursor made of two strings (a pool object's
// kind and key); a backend encodes it as it encodes its other cursors.
func PairCursor(a, b string) string {
	out, _ := json.Marshal([2]string{a, b})
	return string(out)
}

// SplitPairCursor reads a PairCursor's text back; ok is false for any
// other text.
func SplitPairCursor(s string) (a, b string, ok bool) {
	var pair [2]string
	if json.Unmarshal([]byte(s), &pair) != nil {
		return "", "", false
	}
	return pair[0], pair[1], true
}

// GlobalKind is the kind of pool object whose keys are unique across all
// pools, not within one: a user pool domain's name.
const GlobalKind = "domain"

// PoolObjectRepo stores pool objects. A key is unique within its pool and
// kind (a GlobalKind key across all pools); deleting the pool deletes its
// objects.
type PoolObjectRepo interface {
	// Create stores o in an existing pool (else ErrNotFound); an object of
	// the same pool, kind and key is an *ExistsError{What: o.Kind}. It sets
	// Version to 1.
	Create(o *PoolObject) error
	Get(poolID, kind, key string) (*PoolObject, error)
	// Update writes Body and UpdatedAt and bumps Version; ErrNotFound, or
	// ErrConflict on a stale Version.
	Update(o *PoolObject) error
	Delete(poolID, kind, key string) error
	// List orders a pool's objects of one kind by key (bytewise).
	List(poolID, kind string, page Page) (objects []*PoolObject, next string, err error)
	// ListAll orders every object of a pool, of any kind, by kind, then key
	// (what an export copies, whatever kinds the domain has).
	ListAll(poolID string, page Page) (objects []*PoolObject, next string, err error)
	// Count is how many objects of the kind the pool has.
	Count(poolID, kind string) (int, error)
	// Find returns the object of GlobalKind with this key, whatever its
	// pool; ErrNotFound if there is none.
	Find(key string) (*PoolObject, error)
}

// ImportJob is a user import job (CreateUserImportJob): a CSV file of users,
// uploaded to the job's URL and then imported in the background.
type ImportJob struct {
	PoolID  string
	ID      string // "import-" and random characters; unique in the pool
	Name    string
	RoleArn string
	// Status is one of Cognito's UserImportJobStatusType values: Created,
	// Pending, InProgress, Stopping, Expired, Stopped, Failed, Succeeded.
	Status string
	// UploadSecret is the random secret in the job's upload URL, which
	// DescribeUserImportJob shows again (as Cognito shows its pre-signed URL).
	UploadSecret []byte
	// Uploaded is set once a CSV file has been stored (SetCSV).
	Uploaded          bool
	Imported          int64
	Skipped           int64
	Failed            int64
	CompletionMessage string
	CreatedAt         time.Time
	StartedAt         time.Time // zero until started
	CompletedAt       time.Time // zero until finished
	// Version starts at 1 and is bumped by every Update; Update fails with
	// ErrConflict when the stored version differs from the one given (a
	// StopUserImportJob racing the importer).
	Version int64
}

// ImportJobRepo stores import jobs and their CSV files. Deleting the pool
// deletes its jobs.
type ImportJobRepo interface {
	Create(j *ImportJob) error // *ExistsError{What: "import job"}; sets Version to 1
	Get(poolID, id string) (*ImportJob, error)
	// Update writes every field but PoolID, ID and CreatedAt and bumps
	// Version; ErrNotFound, or ErrConflict on a stale Version.
	Update(j *ImportJob) error
	// List orders newest first: by CreatedAt, then ID, both descending, as
	// ListUserImportJobs lists "from last created to first created".
	List(poolID string, page Page) (jobs []*ImportJob, next string, err error)
	// The CSV file is stored in chunks, so that neither its upload nor its
	// import holds the whole file (up to 100 MB) in memory. An upload writes
	// its chunks under an upload ID of its own, each in any transaction,
	// then SetCSV makes it the job's file: a broken upload leaves the
	// previous file in place.
	//
	// PutCSVChunk stores chunk seq (0, 1, ...) of upload, replacing one
	// stored under the same key; ErrNotFound if there is no job.
	PutCSVChunk(poolID, id, upload string, seq int, data []byte) error
	// SetCSV makes upload the job's file, sets Uploaded (without bumping
	// Version) and drops the chunks of every other upload of the job;
	// ErrNotFound if there is no job.
	SetCSV(poolID, id, upload string) error
	// CSVChunk returns chunk seq of the job's file (the upload SetCSV
	// chose); ErrNotFound when there is no job, no file, or no such chunk.
	CSVChunk(poolID, id string, seq int) ([]byte, error)
	// DeleteCSV drops every chunk of the job, of any upload; Uploaded
	// stays as it is.
	DeleteCSV(poolID, id string) error
	// ListActive returns the jobs of every pool whose Status is Pending,
	// InProgress or Stopping, oldest first: what a restarted node resumes
	// (or, Stopping, ends).
	ListActive(limit int) ([]*ImportJob, error)
	// ExpireCreated turns every job of any pool still Created and created
	// before t into an Expired one (bumping Version) and drops its file;
	// it returns how many. A job started meanwhile is left alone.
	ExpireCreated(t time.Time) (int64, error)
	// AppendLog adds lines to the job's result log, replacing one of the
	// same line number (a batch retried after a crash); ErrNotFound if
	// there is no job.
	AppendLog(poolID, id string, lines []ImportLogLine) error
	// Log returns at most limit lines of the job's log whose Line is above
	// after, by line number; none for a job without lines (or no job).
	Log(poolID, id string, after int64, limit int) ([]ImportLogLine, error)
}

// ImportLogLine is a line of an import job's result log. Cognito writes one
// per CSV row to CloudWatch Logs, naming the row by its line number and
// writing no user data; Ninshou keeps the rows that were not imported (the
// imported ones are counted in ImportJob.Imported).
// https://docs.aws.amazon.com/cognito/latest/developerguide/cognito-user-pools-using-import-tool-cloudwatch.html
type ImportLogLine struct {
	Line    int64  // the row's first line in the file; the header is line 1
	Outcome string // SKIPPED or FAILED
	Message string
}
