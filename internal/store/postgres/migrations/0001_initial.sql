-- 0001_initial: one table per aggregate of internal/store, for PostgreSQL.
--
-- Conventions:
--   * times are bigint unix nanoseconds UTC (exact to the nanosecond, which
--     timestamptz is not); the zero time.Time is 0; optional times
--     (*time.Time) are NULL when unset;
--   * keys that are compared or ordered (IDs, username keys, alias keys)
--     are COLLATE "C": byte order, whatever the database's locale, so List
--     orders and pages exactly as Go compares strings (and as SQLite does);
--   * the domain's opaque encodings are bytea, returned byte for byte;
--     attributes are jsonb, MFA factors a text[];
--   * every row that belongs to a pool references it ON DELETE CASCADE, so
--     deleting a pool deletes everything in it in the same statement;
--   * the outbox has no foreign key on purpose: a message already promised
--     is still delivered after its pool is deleted;
--   * constraints are named: the Go code maps a unique violation to the
--     store.ExistsError it means by constraint name.

CREATE TABLE pools (
	id         text COLLATE "C" NOT NULL,
	name       text   NOT NULL,
	settings   bytea  NOT NULL,
	created_at bigint NOT NULL,
	updated_at bigint NOT NULL,
	version    bigint NOT NULL,
	CONSTRAINT pools_pkey PRIMARY KEY (id)
);
CREATE INDEX pools_created ON pools (created_at, id);

-- Client IDs are unique across pools: InitiateAuth names only the client.
CREATE TABLE clients (
	id         text COLLATE "C" NOT NULL,
	pool_id    text COLLATE "C" NOT NULL,
	name       text   NOT NULL,
	settings   bytea  NOT NULL,
	created_at bigint NOT NULL,
	updated_at bigint NOT NULL,
	version    bigint NOT NULL,
	CONSTRAINT clients_pkey PRIMARY KEY (id),
	CONSTRAINT clients_pool_fkey FOREIGN KEY (pool_id) REFERENCES pools (id) ON DELETE CASCADE
);
CREATE INDEX clients_pool_created ON clients (pool_id, created_at, id);

CREATE TABLE users (
	pool_id           text COLLATE "C" NOT NULL,
	sub               text COLLATE "C" NOT NULL,
	username          text    NOT NULL,
	username_key      text COLLATE "C" NOT NULL,
	status            text    NOT NULL,
	enabled           boolean NOT NULL,
	attributes        jsonb   NOT NULL,
	password_hash     text    NOT NULL,
	password_set_at   bigint  NOT NULL,
	mfa_enabled       text[]  NOT NULL,
	mfa_preferred     text    NOT NULL,
	extra             bytea   NOT NULL,
	failed_attempts   integer NOT NULL,
	last_failed_at    bigint  NOT NULL,
	locked_until      bigint  NOT NULL,
	tokens_revoked_at bigint  NOT NULL,
	created_at        bigint  NOT NULL,
	updated_at        bigint  NOT NULL,
	version           bigint  NOT NULL,
	CONSTRAINT users_pkey PRIMARY KEY (pool_id, sub),
	-- Also serves List (ordered by username_key) and Count.
	CONSTRAINT users_username_unique UNIQUE (pool_id, username_key),
	CONSTRAINT users_pool_fkey FOREIGN KEY (pool_id) REFERENCES pools (id) ON DELETE CASCADE
);

-- aliases holds the unique sign-in names of users; the primary key is the
-- uniqueness guarantee (one owner per pool, kind and key).
CREATE TABLE aliases (
	pool_id text COLLATE "C" NOT NULL,
	kind    text COLLATE "C" NOT NULL,
	key     text COLLATE "C" NOT NULL,
	sub     text COLLATE "C" NOT NULL,
	CONSTRAINT aliases_pkey PRIMARY KEY (pool_id, kind, key),
	CONSTRAINT aliases_user_fkey FOREIGN KEY (pool_id, sub) REFERENCES users (pool_id, sub) ON DELETE CASCADE
);
CREATE INDEX aliases_user ON aliases (pool_id, sub);

CREATE TABLE sessions (
	id_hash     bytea   NOT NULL,
	pool_id     text COLLATE "C" NOT NULL,
	client_id   text    NOT NULL,
	sub         text    NOT NULL,
	challenge   text    NOT NULL,
	state       bytea   NOT NULL,
	attempts    integer NOT NULL,
	created_at  bigint  NOT NULL,
	expires_at  bigint  NOT NULL,
	consumed_at bigint,
	CONSTRAINT sessions_pkey PRIMARY KEY (id_hash),
	CONSTRAINT sessions_pool_fkey FOREIGN KEY (pool_id) REFERENCES pools (id) ON DELETE CASCADE
);
CREATE INDEX sessions_pool ON sessions (pool_id);
CREATE INDEX sessions_expires ON sessions (expires_at);

CREATE TABLE codes (
	pool_id     text COLLATE "C" NOT NULL,
	sub         text COLLATE "C" NOT NULL,
	purpose     text COLLATE "C" NOT NULL,
	code_hash   bytea   NOT NULL,
	attempts    integer NOT NULL,
	created_at  bigint  NOT NULL,
	expires_at  bigint  NOT NULL,
	consumed_at bigint,
	CONSTRAINT codes_pkey PRIMARY KEY (pool_id, sub, purpose),
	CONSTRAINT codes_pool_fkey FOREIGN KEY (pool_id) REFERENCES pools (id) ON DELETE CASCADE
);
CREATE INDEX codes_expires ON codes (expires_at);

CREATE TABLE token_families (
	id         text COLLATE "C" NOT NULL,
	pool_id    text COLLATE "C" NOT NULL,
	client_id  text   NOT NULL,
	sub        text COLLATE "C" NOT NULL,
	device_key text   NOT NULL,
	auth_time  bigint NOT NULL,
	created_at bigint NOT NULL,
	expires_at bigint NOT NULL,
	revoked_at bigint,
	CONSTRAINT token_families_pkey PRIMARY KEY (id),
	CONSTRAINT token_families_pool_fkey FOREIGN KEY (pool_id) REFERENCES pools (id) ON DELETE CASCADE
);
CREATE INDEX token_families_user ON token_families (pool_id, sub);
CREATE INDEX token_families_expires ON token_families (expires_at);

CREATE TABLE refresh_tokens (
	hash        bytea  NOT NULL,
	family_id   text COLLATE "C" NOT NULL,
	created_at  bigint NOT NULL,
	expires_at  bigint NOT NULL,
	replaced_at bigint,
	CONSTRAINT refresh_tokens_pkey PRIMARY KEY (hash),
	CONSTRAINT refresh_tokens_family_fkey FOREIGN KEY (family_id) REFERENCES token_families (id) ON DELETE CASCADE
);
CREATE INDEX refresh_tokens_family ON refresh_tokens (family_id);
CREATE INDEX refresh_tokens_expires ON refresh_tokens (expires_at);

CREATE TABLE signing_keys (
	pool_id         text COLLATE "C" NOT NULL,
	kid             text COLLATE "C" NOT NULL,
	use             text    NOT NULL,
	private_key_der bytea   NOT NULL,
	active          boolean NOT NULL,
	created_at      bigint  NOT NULL,
	retired_at      bigint,
	CONSTRAINT signing_keys_pkey PRIMARY KEY (pool_id, kid),
	CONSTRAINT signing_keys_pool_fkey FOREIGN KEY (pool_id) REFERENCES pools (id) ON DELETE CASCADE
);
CREATE INDEX signing_keys_pool_created ON signing_keys (pool_id, created_at, kid);

-- outbox: IDs come from an identity sequence, which never hands out a value
-- twice, even after DeleteBefore removed the newest rows.
CREATE TABLE outbox (
	id              bigint GENERATED ALWAYS AS IDENTITY,
	pool_id         text    NOT NULL,
	channel         text    NOT NULL,
	recipient       text    NOT NULL,
	sender          text    NOT NULL,
	reply_to        text    NOT NULL,
	subject         text    NOT NULL,
	body            text    NOT NULL,
	kind            text    NOT NULL,
	created_at      bigint  NOT NULL,
	state           text    NOT NULL,
	attempts        integer NOT NULL,
	next_attempt_at bigint  NOT NULL,
	lease_until     bigint  NOT NULL,
	sent_at         bigint,
	last_error      text    NOT NULL,
	CONSTRAINT outbox_pkey PRIMARY KEY (id)
);
-- Claim scans only pending rows, in ID order.
CREATE INDEX outbox_pending ON outbox (id) WHERE state = 'pending';
CREATE INDEX outbox_created ON outbox (created_at);
