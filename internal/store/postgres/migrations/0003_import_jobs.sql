-- 0003: user import jobs (CreateUserImportJob) and their CSV files.
--
-- Same conventions as 0001: times are bigint unix nanoseconds, 0 for a zero
-- time (started_at, completed_at until then); keys are COLLATE "C".
--
-- The CSV file lives in the job's row, in csv (NULL until uploaded and once
-- dropped). PostgreSQL keeps a value that big out of line (TOAST), so
-- reading the other columns (Get, List) does not read the file.
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
	csv                bytea,           -- NULL: no file stored
	CONSTRAINT import_jobs_pkey PRIMARY KEY (pool_id, id),
	CONSTRAINT import_jobs_pool_fkey FOREIGN KEY (pool_id) REFERENCES pools (id) ON DELETE CASCADE
);
-- List: a pool's jobs by creation time, then ID.
CREATE INDEX import_jobs_pool_created ON import_jobs (pool_id, created_at, id);
-- ListActive: Pending and InProgress jobs of every pool, oldest first.
CREATE INDEX import_jobs_status ON import_jobs (status, created_at, pool_id, id);
