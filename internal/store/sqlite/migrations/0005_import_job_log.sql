-- 0005: the result log of user import jobs.
--
-- Cognito writes one line per CSV row to CloudWatch Logs: its line number,
-- SUCCEEDED, SKIPPED or FAILED and why, and no user data. Ninshou keeps the
-- rows that were not imported, written in the transaction that counts them
-- (a batch retried after a crash replaces its own lines). Deleting the job
-- (and so its pool) deletes its log.
CREATE TABLE import_job_log (
	pool_id TEXT    NOT NULL,
	job_id  TEXT    NOT NULL,
	line    INTEGER NOT NULL,
	outcome TEXT    NOT NULL,
	message TEXT    NOT NULL,
	PRIMARY KEY (pool_id, job_id, line),
	FOREIGN KEY (pool_id, job_id) REFERENCES import_jobs (pool_id, id) ON DELETE CASCADE
) WITHOUT ROWID, STRICT;
