-- 0002: groups and memberships, remembered devices, passkeys, the
-- authentication history, and the index behind UserRepo.Search.
--
-- Same conventions as 0001. Everything that belongs to a user references it
-- ON DELETE CASCADE, so deleting a user (or, through users, its pool)
-- removes its memberships, devices, passkeys, events and search entries.

CREATE TABLE groups (
	pool_id     TEXT    NOT NULL REFERENCES pools (id) ON DELETE CASCADE,
	name        TEXT    NOT NULL,
	description TEXT    NOT NULL,
	role_arn    TEXT    NOT NULL,
	precedence  INTEGER,          -- NULL: none
	created_at  INTEGER NOT NULL,
	updated_at  INTEGER NOT NULL,
	PRIMARY KEY (pool_id, name)
) STRICT, WITHOUT ROWID;

-- The primary key serves ListMembers (by group); group_members_user serves
-- ListForUser and the cascade from users.
CREATE TABLE group_members (
	pool_id    TEXT NOT NULL,
	group_name TEXT NOT NULL,
	sub        TEXT NOT NULL,
	PRIMARY KEY (pool_id, group_name, sub),
	FOREIGN KEY (pool_id, group_name) REFERENCES groups (pool_id, name) ON DELETE CASCADE,
	FOREIGN KEY (pool_id, sub) REFERENCES users (pool_id, sub) ON DELETE CASCADE
) STRICT, WITHOUT ROWID;
CREATE INDEX group_members_user ON group_members (pool_id, sub, group_name);

CREATE TABLE devices (
	pool_id      TEXT    NOT NULL,
	key          TEXT    NOT NULL,
	sub          TEXT    NOT NULL,
	group_key    TEXT    NOT NULL,
	verifier     BLOB    NOT NULL,
	salt         BLOB    NOT NULL,
	status       TEXT    NOT NULL,
	attributes   TEXT    NOT NULL, -- JSON object
	created_at   INTEGER NOT NULL,
	updated_at   INTEGER NOT NULL,
	last_auth_at INTEGER NOT NULL,
	PRIMARY KEY (pool_id, key),
	FOREIGN KEY (pool_id, sub) REFERENCES users (pool_id, sub) ON DELETE CASCADE
) STRICT;
-- List: a user's devices, newest last_auth_at first, then key.
CREATE INDEX devices_user ON devices (pool_id, sub, last_auth_at DESC, key);

CREATE TABLE webauthn_credentials (
	pool_id       TEXT    NOT NULL,
	id            BLOB    NOT NULL,
	sub           TEXT    NOT NULL,
	public_key    BLOB    NOT NULL,
	sign_count    INTEGER NOT NULL,
	rp_id         TEXT    NOT NULL,
	friendly_name TEXT    NOT NULL,
	attachment    TEXT    NOT NULL,
	transports    TEXT    NOT NULL, -- JSON array
	aaguid        BLOB    NOT NULL,
	created_at    INTEGER NOT NULL,
	PRIMARY KEY (pool_id, id),
	FOREIGN KEY (pool_id, sub) REFERENCES users (pool_id, sub) ON DELETE CASCADE
) STRICT;
CREATE INDEX webauthn_credentials_user ON webauthn_credentials (pool_id, sub, created_at, id);

CREATE TABLE auth_events (
	pool_id    TEXT    NOT NULL,
	sub        TEXT    NOT NULL,
	id         TEXT    NOT NULL,
	type       TEXT    NOT NULL,
	response   TEXT    NOT NULL,
	challenges TEXT    NOT NULL, -- JSON array
	ip_address TEXT    NOT NULL,
	created_at INTEGER NOT NULL,
	PRIMARY KEY (pool_id, sub, id),
	FOREIGN KEY (pool_id, sub) REFERENCES users (pool_id, sub) ON DELETE CASCADE
) STRICT;
-- List walks it backwards: newest first, ties by ID descending.
CREATE INDEX auth_events_user ON auth_events (pool_id, sub, created_at, id);
CREATE INDEX auth_events_created ON auth_events (created_at);

-- user_search holds one row per user and searchable field (store.SearchValues),
-- written by Users().Create and Update in the same savepoint as the user.
-- The primary key (one value per user and field) lets Update upsert, so an
-- unchanged field is not rewritten on every sign-in; user_search_value is the
-- index every Search runs on: equality on (pool_id, field), then value as
-- an exact key or a [prefix, PrefixEnd(prefix)) range, then username_key in
-- order. It covers the search: a WITHOUT ROWID index carries the primary
-- key (so sub) too.
CREATE TABLE user_search (
	pool_id      TEXT NOT NULL,
	sub          TEXT NOT NULL,
	field        TEXT NOT NULL,
	value        TEXT NOT NULL,
	username_key TEXT NOT NULL,
	PRIMARY KEY (pool_id, sub, field),
	FOREIGN KEY (pool_id, sub) REFERENCES users (pool_id, sub) ON DELETE CASCADE
) STRICT, WITHOUT ROWID;
CREATE INDEX user_search_value ON user_search (pool_id, field, value, username_key);

-- Backfill the users that 0001 stored.
INSERT INTO user_search (pool_id, sub, field, value, username_key)
	SELECT pool_id, sub, 'username', username, username_key FROM users
	UNION ALL SELECT pool_id, sub, 'sub', sub, username_key FROM users
	UNION ALL SELECT pool_id, sub, 'cognito:user_status', status, username_key FROM users
	UNION ALL SELECT pool_id, sub, 'status', CASE WHEN enabled <> 0 THEN 'Enabled' ELSE 'Disabled' END,
		username_key FROM users
	UNION ALL SELECT u.pool_id, u.sub, a.key, a.value, u.username_key FROM users u, json_each(u.attributes) a
		WHERE a.key IN ('email', 'phone_number', 'name', 'given_name', 'family_name', 'preferred_username');
