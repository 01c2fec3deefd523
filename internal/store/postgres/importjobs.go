package postgres

import (
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/ninshou/ninshou/internal/store"
)

func (t *tx) ImportJobs() store.ImportJobRepo { return importJobRepo{t} }

type importJobRepo struct{ t *tx }

// importJobColumns leaves out csv_upload, which only the CSV methods use;
// no job read touches import_job_chunks.
const importJobColumns = `pool_id, id, name, role_arn, status, upload_secret, uploaded, imported, skipped,
	failed, completion_message, created_at, started_at, completed_at, version`

// Jobs are read to be written (status, counters): FOR UPDATE.
var (
	qImportJobGet = locked(`SELECT `+importJobColumns+` FROM import_jobs WHERE pool_id = $1 AND id = $2`,
		forUpdate)
	qImportJobList = locked(`SELECT `+importJobColumns+` FROM import_jobs
		WHERE pool_id = $1 AND (created_at, id) < ($2, $3) ORDER BY created_at DESC, id DESC LIMIT $4`, forUpdate)
	// The job's row and the chunk's: the job's file stays the one read, and
	// the chunk as read, until commit.
	qImportJobChunk = locked(`SELECT c.data FROM import_jobs j JOIN import_job_chunks c
		ON c.pool_id = j.pool_id AND c.job_id = j.id AND c.upload = j.csv_upload
		WHERE j.pool_id = $1 AND j.id = $2 AND j.csv_upload <> '' AND c.seq = $3`, forUpdate)
	// Few jobs are active at a time: import_jobs_status finds them, and
	// pool_id, id break ties in creation time so the order is total.
	qImportJobListActive = locked(`SELECT `+importJobColumns+` FROM import_jobs
		WHERE status IN ('Pending', 'InProgress', 'Stopping') ORDER BY created_at, pool_id, id LIMIT $1`, forUpdate)
	// The log is appended to, never rewritten in place: nothing to lock.
	qImportJobLog = plain(`SELECT line, outcome, message FROM import_job_log
		WHERE pool_id = $1 AND job_id = $2 AND line > $3 ORDER BY line LIMIT $4`)
)

const (
	qImportJobInsert = `INSERT INTO import_jobs (pool_id, id, name, role_arn, status, upload_secret,
		uploaded, imported, skipped, failed, completion_message, created_at, started_at, completed_at, version)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, 1)`
	qImportJobUpdate = `WITH changed AS (
			UPDATE import_jobs SET name = $3, role_arn = $4, status = $5, upload_secret = $6, uploaded = $7,
				imported = $8, skipped = $9, failed = $10, completion_message = $11, started_at = $12,
				completed_at = $13, version = version + 1
			WHERE pool_id = $1 AND id = $2 AND version = $14
			RETURNING 1)
		SELECT EXISTS (SELECT 1 FROM changed),
			EXISTS (SELECT 1 FROM import_jobs WHERE pool_id = $1 AND id = $2)`
	// A chunk of a missing job fails the foreign key: store.ErrNotFound.
	qImportJobPutChunk = `INSERT INTO import_job_chunks (pool_id, job_id, upload, seq, data)
		VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT ON CONSTRAINT import_job_chunks_pkey DO UPDATE SET data = EXCLUDED.data`
	qImportJobSetCSV = `UPDATE import_jobs SET csv_upload = $3, uploaded = true
		WHERE pool_id = $1 AND id = $2`
	qImportJobDropOtherChunks = `DELETE FROM import_job_chunks
		WHERE pool_id = $1 AND job_id = $2 AND upload <> $3`
	// The UPDATE locks each Created job and checks its status again once
	// it holds the lock, so a job started meanwhile keeps its file.
	qImportJobExpire = `WITH expired AS (
			UPDATE import_jobs SET status = 'Expired', csv_upload = '', version = version + 1
			WHERE status = 'Created' AND created_at < $1
			RETURNING pool_id, id),
		dropped AS (
			DELETE FROM import_job_chunks c USING expired e WHERE c.pool_id = e.pool_id AND c.job_id = e.id)
		SELECT count(*) FROM expired`
	// A line of a missing job fails the foreign key: store.ErrNotFound.
	qImportJobLogPut = `INSERT INTO import_job_log (pool_id, job_id, line, outcome, message)
		VALUES ($1, $2, $3, $4, $5) ON CONFLICT ON CONSTRAINT import_job_log_pkey
		DO UPDATE SET outcome = EXCLUDED.outcome, message = EXCLUDED.message`
	qImportJobClearCSV   = `UPDATE import_jobs SET csv_upload = '' WHERE pool_id = $1 AND id = $2`
	qImportJobDropChunks = `DELETE FROM import_job_chunks WHERE pool_id = $1 AND job_id = $2`
)

func scanImportJob(sc pgx.Row) (*store.ImportJob, error) {
	var j store.ImportJob
	var created, started, completed int64
	err := sc.Scan(&j.PoolID, &j.ID, &j.Name, &j.RoleArn, &j.Status, &j.UploadSecret, &j.Uploaded,
		&j.Imported, &j.Skipped, &j.Failed, &j.CompletionMessage, &created, &started, &completed, &j.Version)
	if err != nil {
		return nil, err
	}
	j.CreatedAt, j.StartedAt, j.CompletedAt = fromNanos(created), fromNanos(started), fromNanos(completed)
	return &j, nil
}

// Create stores a job of an existing pool (else store.ErrNotFound), with no
// file; a job ID is unique in its pool.
func (r importJobRepo) Create(j *store.ImportJob) error {
	err := r.t.guard(step{sql: qImportJobInsert, args: []any{j.PoolID, j.ID, j.Name, j.RoleArn, j.Status,
		blob(j.UploadSecret), j.Uploaded, j.Imported, j.Skipped, j.Failed, j.CompletionMessage,
		nanos(j.CreatedAt), nanos(j.StartedAt), nanos(j.CompletedAt)}, exists: "import job"})
	if err != nil {
		return err
	}
	j.Version = 1
	return nil
}

func (r importJobRepo) Get(poolID, id string) (*store.ImportJob, error) {
	j, err := scanImportJob(r.t.row(qImportJobGet, poolID, id))
	return j, notFound(err)
}

// Update writes every field but the pool, the ID and the creation time, if
// the stored version is j.Version, and bumps the version.
func (r importJobRepo) Update(j *store.ImportJob) error {
	var changed, exists bool
	err := r.t.guard(step{sql: qImportJobUpdate,
		args: []any{j.PoolID, j.ID, j.Name, j.RoleArn, j.Status, blob(j.UploadSecret), j.Uploaded, j.Imported,
			j.Skipped, j.Failed, j.CompletionMessage, nanos(j.StartedAt), nanos(j.CompletedAt), j.Version},
		scan: []any{&changed, &exists}})
	if err != nil {
		return err
	}
	if err := conditional(changed, exists); err != nil {
		return err
	}
	j.Version++
	return nil
}

func (r importJobRepo) List(poolID string, page store.Page) ([]*store.ImportJob, string, error) {
	before, beforeID, err := timeIDBefore(page.After)
	if err != nil {
		return nil, "", err
	}
	limit := pageLimit(page.Limit)
	return collect(r.t, qImportJobList, []any{poolID, before, beforeID, limit + 1}, limit, scanImportJob,
		func(j *store.ImportJob) string { return timeIDCursor(j.CreatedAt, j.ID) })
}

// PutCSVChunk stores chunk seq of upload (an empty one too), replacing one
// of the same key; the job's row is left alone.
func (r importJobRepo) PutCSVChunk(poolID, id, upload string, seq int, data []byte) error {
	return r.t.guard(step{sql: qImportJobPutChunk, args: []any{poolID, id, upload, seq, blob(data)}})
}

// SetCSV makes upload the job's file and sets uploaded, leaving the version
// alone, then drops the chunks of every other upload of the job; with no
// job, there are no chunks to drop.
func (r importJobRepo) SetCSV(poolID, id, upload string) error {
	var tag pgconn.CommandTag
	err := r.t.guard(step{sql: qImportJobSetCSV, args: []any{poolID, id, upload}, tag: &tag},
		step{sql: qImportJobDropOtherChunks, args: []any{poolID, id, upload}})
	if err != nil {
		return err
	}
	return affected(tag)
}

func (r importJobRepo) CSVChunk(poolID, id string, seq int) ([]byte, error) {
	var data []byte
	if err := r.t.row(qImportJobChunk, poolID, id, seq).Scan(&data); err != nil {
		return nil, notFound(err)
	}
	return blob(data), nil
}

// DeleteCSV drops every chunk of the job and its file; uploaded stays as it
// is. ErrNotFound if there is no job; dropping it again changes nothing.
func (r importJobRepo) DeleteCSV(poolID, id string) error {
	var tag pgconn.CommandTag
	err := r.t.guard(step{sql: qImportJobClearCSV, args: []any{poolID, id}, tag: &tag},
		step{sql: qImportJobDropChunks, args: []any{poolID, id}})
	if err != nil {
		return err
	}
	return affected(tag)
}

func (r importJobRepo) ListActive(limit int) ([]*store.ImportJob, error) {
	limit = pageLimit(limit)
	jobs, _, err := collect(r.t, qImportJobListActive, []any{limit}, limit, scanImportJob,
		func(*store.ImportJob) string { return "" })
	return jobs, err
}

func (r importJobRepo) ExpireCreated(t time.Time) (int64, error) {
	var n int64
	err := r.t.guard(step{sql: qImportJobExpire, args: []any{nanos(t)}, scan: []any{&n}})
	return n, err
}

// AppendLog writes the lines in one round trip and one savepoint: all of
// them or none.
func (r importJobRepo) AppendLog(poolID, id string, lines []store.ImportLogLine) error {
	if len(lines) == 0 {
		return nil
	}
	steps := make([]step, len(lines))
	for i, l := range lines {
		steps[i] = step{sql: qImportJobLogPut, args: []any{poolID, id, l.Line, l.Outcome, l.Message}}
	}
	return r.t.guard(steps...)
}

func (r importJobRepo) Log(poolID, id string, after int64, limit int) ([]store.ImportLogLine, error) {
	var out []store.ImportLogLine
	err := r.t.rows(qImportJobLog, []any{poolID, id, after, pageLimit(limit)}, func(rows pgx.Rows) error {
		var l store.ImportLogLine
		if err := rows.Scan(&l.Line, &l.Outcome, &l.Message); err != nil {
			return err
		}
		out = append(out, l)
		return nil
	})
	return out, err
}
