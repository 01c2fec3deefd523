-- 0006: pool objects, the parts of a pool's configuration that are
-- created, read, listed and deleted one by one under a name of their own
-- (resource servers first). body is the domain's encoding, opaque here.
-- Same conventions as 0001: times are INTEGER unix nanoseconds.
--
-- The primary key serves Get, List (a pool's objects of one kind by key)
-- and Count. Deleting the pool deletes its objects (DeleteUserPool deletes
-- them at once, as it does the pool's clients).
CREATE TABLE pool_objects (
	pool_id    TEXT    NOT NULL REFERENCES pools (id) ON DELETE CASCADE,
	kind       TEXT    NOT NULL,
	key        TEXT    NOT NULL,
	body       BLOB    NOT NULL,
	created_at INTEGER NOT NULL,
	updated_at INTEGER NOT NULL,
	version    INTEGER NOT NULL,
	PRIMARY KEY (pool_id, kind, key)
) WITHOUT ROWID, STRICT;
