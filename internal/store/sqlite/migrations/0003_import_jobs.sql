-- 0003: user import jobs (CreateUserImportJob) and their CSV files.
--
-- Same conventions as 0001: times are INTEGER unix nanoseconds, 0 for a
-- zero time (started_at, completed_at until then); booleans are 0/1.
--
-- A job's row is small: its CSV file (up to 100 MB) lives apart, in
-- import_job_chunks, so reading jobs (Get, List, ListActive) never reads it.
-- csv_upload names the upload that is the job's file ('' for none).
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
	csv_upload         TEXT    NOT NULL DEFAULT '', -- '': no file
	PRIMARY KEY (pool_id, id)
) STRICT;
-- List: a pool's jobs by creation time, then ID.
CREATE INDEX import_jobs_pool_created ON import_jobs (pool_id, created_at, id);
-- ListActive: Pending and InProgress jobs of every pool, oldest first.
CREATE INDEX import_jobs_status ON import_jobs (status, created_at, pool_id, id);

-- import_job_chunks holds the CSV files, in chunks (seq 0, 1, ...) written
-- under the ID of the upload that wrote them: the job's file is the chunks
-- of its csv_upload; those of any other upload are an upload in progress or
-- a broken one, dropped by the next SetCSV or DeleteCSV. Deleting the job
-- (and so its pool) deletes them. The primary key serves the reads by seq,
-- SetCSV and DeleteCSV (by job) and the cascade. The table keeps its rowid,
-- unlike small WITHOUT ROWID tables such as groups: a WITHOUT ROWID table is
-- a B-tree of whole rows, made for small ones, and a chunk is about 1 MB.
CREATE TABLE import_job_chunks (
	pool_id TEXT    NOT NULL,
	job_id  TEXT    NOT NULL,
	upload  TEXT    NOT NULL,
	seq     INTEGER NOT NULL,
	data    BLOB    NOT NULL,
	PRIMARY KEY (pool_id, job_id, upload, seq),
	FOREIGN KEY (pool_id, job_id) REFERENCES import_jobs (pool_id, id) ON DELETE CASCADE
) STRICT;
