-- 0001_initial: one table per aggregate of internal/store.
--
-- Conventions:
--   * times are INTEGER unix nanoseconds UTC; the zero time.Time is 0;
--     optional times (*time.Time) are NULL when unset;
--   * maps and string slices are JSON TEXT; opaque domain encodings are BLOB;
--   * every row that belongs to a pool references it ON DELETE CASCADE, so
--     deleting a pool deletes everything in it in the same statement;
--   * the outbox has no foreign key on purpose: a message already promised
--     is still delivered after its pool is deleted.

CREATE TABLE pools (
	id         TEXT    NOT NULL PRIMARY KEY,
	name       TEXT    NOT NULL,
	settings   BLOB    NOT NULL,
	created_at INTEGER NOT NULL,
	updated_at INTEGER NOT NULL,
	version    INTEGER NOT NULL
) STRICT;
CREATE INDEX pools_created ON pools (created_at, id);

-- Client IDs are unique across pools: InitiateAuth names only the client.
CREATE TABLE clients (
	id         TEXT    NOT NULL PRIMARY KEY,
	pool_id    TEXT    NOT NULL REFERENCES pools (id) ON DELETE CASCADE,
	name       TEXT    NOT NULL,
	settings   BLOB    NOT NULL,
	created_at INTEGER NOT NULL,
	updated_at INTEGER NOT NULL,
	version    INTEGER NOT NULL
) STRICT;
CREATE INDEX clients_pool_created ON clients (pool_id, created_at, id);

CREATE TABLE users (
	pool_id           TEXT    NOT NULL REFERENCES pools (id) ON DELETE CASCADE,
	sub               TEXT    NOT NULL,
	username          TEXT    NOT NULL,
	username_key      TEXT    NOT NULL,
	status            TEXT    NOT NULL,
	enabled           INTEGER NOT NULL,
	attributes        TEXT    NOT NULL, -- JSON object
	password_hash     TEXT    NOT NULL,
	password_set_at   INTEGER NOT NULL,
	mfa_enabled       TEXT    NOT NULL, -- JSON array
	mfa_preferred     TEXT    NOT NULL,
	extra             BLOB    NOT NULL,
	failed_attempts   INTEGER NOT NULL,
	last_failed_at    INTEGER NOT NULL,
	locked_until      INTEGER NOT NULL,
	tokens_revoked_at INTEGER NOT NULL,
	created_at        INTEGER NOT NULL,
	updated_at        INTEGER NOT NULL,
	version           INTEGER NOT NULL,
	PRIMARY KEY (pool_id, sub)
) STRICT;
-- Also serves List (ordered by username_key), Count and the pool cascade.
CREATE UNIQUE INDEX users_username ON users (pool_id, username_key);

-- aliases holds the unique sign-in names of users; the primary key is the
-- uniqueness guarantee (one owner per pool, kind and key).
CREATE TABLE aliases (
	pool_id TEXT NOT NULL,
	kind    TEXT NOT NULL,
	key     TEXT NOT NULL,
	sub     TEXT NOT NULL,
	PRIMARY KEY (pool_id, kind, key),
	FOREIGN KEY (pool_id, sub) REFERENCES users (pool_id, sub) ON DELETE CASCADE
) STRICT, WITHOUT ROWID;
CREATE INDEX aliases_user ON aliases (pool_id, sub);

CREATE TABLE sessions (
	id_hash     BLOB    NOT NULL PRIMARY KEY,
	pool_id     TEXT    NOT NULL REFERENCES pools (id) ON DELETE CASCADE,
	client_id   TEXT    NOT NULL,
	sub         TEXT    NOT NULL,
	challenge   TEXT    NOT NULL,
	state       BLOB    NOT NULL,
	attempts    INTEGER NOT NULL,
	created_at  INTEGER NOT NULL,
	expires_at  INTEGER NOT NULL,
	consumed_at INTEGER
) STRICT;
CREATE INDEX sessions_pool ON sessions (pool_id);
CREATE INDEX sessions_expires ON sessions (expires_at);

CREATE TABLE codes (
	pool_id     TEXT    NOT NULL REFERENCES pools (id) ON DELETE CASCADE,
	sub         TEXT    NOT NULL,
	purpose     TEXT    NOT NULL,
	code_hash   BLOB    NOT NULL,
	attempts    INTEGER NOT NULL,
	created_at  INTEGER NOT NULL,
	expires_at  INTEGER NOT NULL,
	consumed_at INTEGER,
	PRIMARY KEY (pool_id, sub, purpose)
) STRICT, WITHOUT ROWID;
CREATE INDEX codes_expires ON codes (expires_at);

CREATE TABLE token_families (
	id         TEXT    NOT NULL PRIMARY KEY,
	pool_id    TEXT    NOT NULL REFERENCES pools (id) ON DELETE CASCADE,
	client_id  TEXT    NOT NULL,
	sub        TEXT    NOT NULL,
	device_key TEXT    NOT NULL,
	auth_time  INTEGER NOT NULL,
	created_at INTEGER NOT NULL,
	expires_at INTEGER NOT NULL,
	revoked_at INTEGER
) STRICT;
CREATE INDEX token_families_user ON token_families (pool_id, sub);
CREATE INDEX token_families_expires ON token_families (expires_at);

CREATE TABLE refresh_tokens (
	hash        BLOB    NOT NULL PRIMARY KEY,
	family_id   TEXT    NOT NULL REFERENCES token_families (id) ON DELETE CASCADE,
	created_at  INTEGER NOT NULL,
	expires_at  INTEGER NOT NULL,
	replaced_at INTEGER
) STRICT;
CREATE INDEX refresh_tokens_family ON refresh_tokens (family_id);
CREATE INDEX refresh_tokens_expires ON refresh_tokens (expires_at);

CREATE TABLE signing_keys (
	pool_id         TEXT    NOT NULL REFERENCES pools (id) ON DELETE CASCADE,
	kid             TEXT    NOT NULL,
	use             TEXT    NOT NULL,
	private_key_der BLOB    NOT NULL,
	active          INTEGER NOT NULL,
	created_at      INTEGER NOT NULL,
	retired_at      INTEGER,
	PRIMARY KEY (pool_id, kid)
) STRICT;
CREATE INDEX signing_keys_pool_created ON signing_keys (pool_id, created_at, kid);

-- outbox: AUTOINCREMENT so an ID is never reused, even after DeleteBefore
-- removed the newest rows; List(afterID) relies on that.
CREATE TABLE outbox (
	id              INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
	pool_id         TEXT    NOT NULL,
	channel         TEXT    NOT NULL,
	recipient       TEXT    NOT NULL,
	sender          TEXT    NOT NULL,
	reply_to        TEXT    NOT NULL,
	subject         TEXT    NOT NULL,
	body            TEXT    NOT NULL,
	kind            TEXT    NOT NULL,
	created_at      INTEGER NOT NULL,
	state           TEXT    NOT NULL,
	attempts        INTEGER NOT NULL,
	next_attempt_at INTEGER NOT NULL,
	lease_until     INTEGER NOT NULL,
	sent_at         INTEGER,
	last_error      TEXT    NOT NULL
) STRICT;
-- Claim scans pending rows in ID order.
CREATE INDEX outbox_pending ON outbox (state, id);
CREATE INDEX outbox_created ON outbox (created_at);
