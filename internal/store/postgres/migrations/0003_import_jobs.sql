-- 0003: user import jobs (CreateUserImportJob) and their CSV files.
--
-- Same conventions as 0001: times are bigint unix nanoseconds, 0 for a zero
-- time (started_at, completed_at until then); keys are COLLATE "C".
--
-- A job's row is small: its CSV file (up to 100 MB) lives apart, in
-- import_job_chunks, so reading jobs (Get, List, ListActive) never reads it.
-- csv_upload names the upload that is the job's file ('' for none).
CREATE TABLE import_jobs (
	pool_id            text COLLATE "C" NOT NULL,
	id                 text COLLATE "C" NOT NULL,
	name               text    NOT NULL,
	role_arn           text    NOT NULL,
	status             text COLLATE "C" NOT NULL,
	upload_secret      bytea   NOT NULL,
	uploaded           boolean NOT NULL,
	imported           bigint  NOT NULL,
	skipped            bigint  NOT NULL,
	failed             bigint  NOT NULL,
	completion_message text    NOT NULL,
	created_at         bigint  NOT NULL,
	started_at         bigint  NOT NULL,
	completed_at       bigint  NOT NULL,
	version            bigint  NOT NULL,
	csv_upload         text COLLATE "C" NOT NULL DEFAULT '', -- '': no file
	CONSTRAINT import_jobs_pkey PRIMARY KEY (pool_id, id),
	CONSTRAINT import_jobs_pool_fkey FOREIGN KEY (pool_id) REFERENCES pools (id) ON DELETE CASCADE
);
-- List: a pool's jobs by creation time, then ID.
CREATE INDEX import_jobs_pool_created ON import_jobs (pool_id, created_at, id);
-- ListActive: Pending and InProgress jobs of every pool, oldest first.
CREATE INDEX import_jobs_status ON import_jobs (status, created_at, pool_id, id);

-- import_job_chunks holds the CSV files, in chunks (seq 0, 1, ...) written
-- under the ID of the upload that wrote them: the job's file is the chunks
-- of its csv_upload; those of any other upload are an upload in progress or
-- a broken one, dropped by the next SetCSV or DeleteCSV. Deleting the job
-- (and so its pool) deletes them. The primary key serves the reads by seq,
-- SetCSV and DeleteCSV (by job) and the cascade. PostgreSQL keeps each
-- chunk's data out of line (TOAST).
CREATE TABLE import_job_chunks (
	pool_id text COLLATE "C" NOT NULL,
	job_id  text COLLATE "C" NOT NULL,
	upload  text COLLATE "C" NOT NULL,
	seq     bigint NOT NULL,
	data    bytea  NOT NULL,
	CONSTRAINT import_job_chunks_pkey PRIMARY KEY (pool_id, job_id, upload, seq),
	CONSTRAINT import_job_chunks_job_fkey FOREIGN KEY (pool_id, job_id)
		REFERENCES import_jobs (pool_id, id) ON DELETE CASCADE
);
