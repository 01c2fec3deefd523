-- 0002: groups and memberships, remembered devices, passkeys, the
-- authentication history, and the index behind UserRepo.Search.
--
-- Same conventions as 0001. Everything that belongs to a user references it
-- ON DELETE CASCADE, so deleting a user (or, through users, its pool)
-- removes its memberships, devices, passkeys, events and search entries.

CREATE TABLE groups (
	pool_id     text COLLATE "C" NOT NULL,
	name        text COLLATE "C" NOT NULL,
	description text    NOT NULL,
	role_arn    text    NOT NULL,
	precedence  integer,          -- NULL: none
	created_at  bigint  NOT NULL,
	updated_at  bigint  NOT NULL,
	CONSTRAINT groups_pkey PRIMARY KEY (pool_id, name),
	CONSTRAINT groups_pool_fkey FOREIGN KEY (pool_id) REFERENCES pools (id) ON DELETE CASCADE
);

-- The primary key serves ListMembers (by group); group_members_user serves
-- ListForUser and the cascade from users.
CREATE TABLE group_members (
	pool_id    text COLLATE "C" NOT NULL,
	group_name text COLLATE "C" NOT NULL,
	sub        text COLLATE "C" NOT NULL,
	CONSTRAINT group_members_pkey PRIMARY KEY (pool_id, group_name, sub),
	CONSTRAINT group_members_group_fkey FOREIGN KEY (pool_id, group_name)
		REFERENCES groups (pool_id, name) ON DELETE CASCADE,
	CONSTRAINT group_members_user_fkey FOREIGN KEY (pool_id, sub)
		REFERENCES users (pool_id, sub) ON DELETE CASCADE
);
CREATE INDEX group_members_user ON group_members (pool_id, sub, group_name);

CREATE TABLE devices (
	pool_id      text COLLATE "C" NOT NULL,
	key          text COLLATE "C" NOT NULL,
	sub          text COLLATE "C" NOT NULL,
	group_key    text   NOT NULL,
	verifier     bytea  NOT NULL,
	salt         bytea  NOT NULL,
	status       text   NOT NULL,
	attributes   jsonb  NOT NULL,
	created_at   bigint NOT NULL,
	updated_at   bigint NOT NULL,
	last_auth_at bigint NOT NULL,
	CONSTRAINT devices_pkey PRIMARY KEY (pool_id, key),
	CONSTRAINT devices_user_fkey FOREIGN KEY (pool_id, sub) REFERENCES users (pool_id, sub) ON DELETE CASCADE
);
-- List: a user's devices, newest last_auth_at first, then key.
CREATE INDEX devices_user ON devices (pool_id, sub, last_auth_at DESC, key);

CREATE TABLE webauthn_credentials (
	pool_id       text COLLATE "C" NOT NULL,
	id            bytea  NOT NULL,
	sub           text COLLATE "C" NOT NULL,
	public_key    bytea  NOT NULL,
	sign_count    bigint NOT NULL,
	rp_id         text   NOT NULL,
	friendly_name text   NOT NULL,
	attachment    text   NOT NULL,
	transports    text[] NOT NULL,
	aaguid        bytea  NOT NULL,
	created_at    bigint NOT NULL,
	CONSTRAINT webauthn_credentials_pkey PRIMARY KEY (pool_id, id),
	CONSTRAINT webauthn_credentials_user_fkey FOREIGN KEY (pool_id, sub)
		REFERENCES users (pool_id, sub) ON DELETE CASCADE
);
CREATE INDEX webauthn_credentials_user ON webauthn_credentials (pool_id, sub, created_at, id);

CREATE TABLE auth_events (
	pool_id    text COLLATE "C" NOT NULL,
	sub        text COLLATE "C" NOT NULL,
	id         text COLLATE "C" NOT NULL,
	type       text   NOT NULL,
	response   text   NOT NULL,
	challenges text[] NOT NULL,
	ip_address text   NOT NULL,
	created_at bigint NOT NULL,
	CONSTRAINT auth_events_pkey PRIMARY KEY (pool_id, sub, id),
	CONSTRAINT auth_events_user_fkey FOREIGN KEY (pool_id, sub) REFERENCES users (pool_id, sub) ON DELETE CASCADE
);
-- List walks it backwards: newest first, ties by ID descending.
CREATE INDEX auth_events_user ON auth_events (pool_id, sub, created_at, id);
CREATE INDEX auth_events_created ON auth_events (created_at);

-- user_search holds one row per user and searchable field (store.SearchValues),
-- written by Users().Create and Update in the same savepoint as the user.
-- The primary key (one value per user and field) lets Update upsert, and
-- skip fields that did not change, so a sign-in that bumps a counter leaves
-- no dead index entries here.
--
-- user_search_value is the index every Search runs on: equality on
-- (pool_id, field), then the value as an exact key or a [prefix, end) range,
-- then username_key in order; sub is included, so the page is picked by an
-- index-only scan. It indexes the value's first 256 characters, not the
-- value: a B-tree entry cannot exceed about 2.7 kB, and an attribute may
-- hold 2048 characters of up to 4 bytes. The Go side rechecks the full value
-- where the 256 characters cannot decide (see search.go).
CREATE TABLE user_search (
	pool_id      text COLLATE "C" NOT NULL,
	sub          text COLLATE "C" NOT NULL,
	field        text COLLATE "C" NOT NULL,
	value        text COLLATE "C" NOT NULL,
	username_key text COLLATE "C" NOT NULL,
	CONSTRAINT user_search_pkey PRIMARY KEY (pool_id, sub, field),
	CONSTRAINT user_search_user_fkey FOREIGN KEY (pool_id, sub) REFERENCES users (pool_id, sub) ON DELETE CASCADE
);
CREATE INDEX user_search_value ON user_search (pool_id, field, left(value, 256), username_key) INCLUDE (sub);

-- Backfill the users that 0001 stored.
INSERT INTO user_search (pool_id, sub, field, value, username_key)
	SELECT pool_id, sub, 'username', username, username_key FROM users
	UNION ALL SELECT pool_id, sub, 'sub', sub, username_key FROM users
	UNION ALL SELECT pool_id, sub, 'cognito:user_status', status, username_key FROM users
	UNION ALL SELECT pool_id, sub, 'status', CASE WHEN enabled THEN 'Enabled' ELSE 'Disabled' END,
		username_key FROM users
	UNION ALL SELECT u.pool_id, u.sub, a.key, a.value, u.username_key FROM users u, jsonb_each_text(u.attributes) a
		WHERE a.key IN ('email', 'phone_number', 'name', 'given_name', 'family_name', 'preferred_username');
