-- 0003: user import jobs (CreateUserImportJob) and their CSV files.
--
-- Same conventions as 0001: times are INTEGER unix nanoseconds, 0 for a
-- zero time (started_at, completed_at until then); booleans are 0/1.
--
-- The CSV file lives in the job's row, in csv (NULL until uploaded and once
-- dropped), and is the last column: reading the others (Get, List) then
-- stops before the file's overflow pages, up to 100 MB of them. The table
-- keeps its rowid, unlike small WITHOUT ROWID tables such as groups: a
-- WITHOUT ROWID table is a B-tree of whole rows, made for small ones.
CREATE TABLE import_jobs (
	pool_id            TEXT    NOT NULL REFERENCES pools (id) ON DELETE CASCADE,
	id                 TEXT    NOT NULL,
	name               TEXT    NOT NULL,
	role_arn           TEXT    NOT NULL,
	status             TEXT    NOT NULL,
	upload_secret      BLOB    NOT NULL,
	uploaded           INTEGER NOT NULL,
	imported           INTEGER NOT NULL,
	skipped            INTEGER NOT NULL,
	failed             INTEGER NOT NULL,
	completion_message TEXT    NOT NULL,
	created_at         INTEGER NOT NULL,
	started_at         INTEGER NOT NULL,
	completed_at       INTEGER NOT NULL,
	version            INTEGER NOT NULL,
	csv                BLOB,            -- NULL: no file stored
	PRIMARY KEY (pool_id, id)
) STRICT;
-- List: a pool's jobs by creation time, then ID.
CREATE INDEX import_jobs_pool_created ON import_jobs (pool_id, created_at, id);
-- ListActive: Pending and InProgress jobs of every pool, oldest first.
CREATE INDEX import_jobs_status ON import_jobs (status, created_at, pool_id, id);
