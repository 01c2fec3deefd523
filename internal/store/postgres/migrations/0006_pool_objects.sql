-- 0006: pool objects, the parts of a pool's configuration that are
-- created, read, listed and deleted one by one under a name of their own
-- (resource servers first). body is the domain's encoding, opaque here.
-- Same conventions as 0001: times are bigint unix nanoseconds; keys sort
-- bytewise (COLLATE "C"), as on SQLite.
--
-- The primary key serves Get, List (a pool's objects of one kind by key)
-- and Count. Deleting the pool deletes its objects (DeleteUserPool deletes
-- them at once, as it does the pool's clients).
CREATE TABLE pool_objects (
	pool_id    text COLLATE "C" NOT NULL,
	kind       text COLLATE "C" NOT NULL,
	key        text COLLATE "C" NOT NULL,
	body       bytea  NOT NULL,
	created_at bigint NOT NULL,
	updated_at bigint NOT NULL,
	version    bigint NOT NULL,
	CONSTRAINT pool_objects_pkey PRIMARY KEY (pool_id, kind, key),
	CONSTRAINT pool_objects_pool_fkey FOREIGN KEY (pool_id) REFERENCES pools (id) ON DELETE CASCADE
);
