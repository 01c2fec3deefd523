package sqlite

import (
	"time"

	"github.com/ninshou/ninshou/internal/store"
)

func (t *tx) ImportJobs() store.ImportJobRepo { return importJobRepo{t} }

type importJobRepo struct{ t *tx }

// importJobColumns leaves out csv_upload, which only the CSV methods use;
// no job read touches import_job_chunks.
const importJobColumns = `pool_id, id, name, role_arn, status, upload_secret, uploaded, imported, skipped,
	failed, completion_message, created_at, started_at, completed_at, version`

var (
	qImportJobInsert = stmtWrite(`INSERT INTO import_jobs (pool_id, id, name, role_arn, status, upload_secret,
		uploaded, imported, skipped, failed, completion_message, created_at, started_at, completed_at, version)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1)`)
	qImportJobGet    = stmtRead(`SELECT ` + importJobColumns + ` FROM import_jobs WHERE pool_id = ? AND id = ?`)
	qImportJobUpdate = stmtWrite(`UPDATE import_jobs SET name = ?, role_arn = ?, status = ?, upload_secret = ?,
		uploaded = ?, imported = ?, skipped = ?, failed = ?, completion_message = ?, started_at = ?,
		completed_at = ?, version = version + 1 WHERE pool_id = ? AND id = ? AND version = ?`)
	qImportJobExists = stmtRead(`SELECT 1 FROM import_jobs WHERE pool_id = ? AND id = ?`)
	qImportJobList   = stmtRead(`SELECT ` + importJobColumns + ` FROM import_jobs
		WHERE pool_id = ? AND (created_at, id) < (?, ?) ORDER BY created_at DESC, id DESC LIMIT ?`)
	// A chunk of a missing job fails the foreign key: store.ErrNotFound.
	qImportJobPutChunk = stmtWrite(`INSERT INTO import_job_chunks (pool_id, job_id, upload, seq, data)
		VALUES (?, ?, ?, ?, ?) ON CONFLICT (pool_id, job_id, upload, seq) DO UPDATE SET data = excluded.data`)
	qImportJobSetCSV = stmtWrite(`UPDATE import_jobs SET csv_upload = ?, uploaded = 1
		WHERE pool_id = ? AND id = ?`)
	qImportJobDropOtherChunks = stmtWrite(`DELETE FROM import_job_chunks
		WHERE pool_id = ? AND job_id = ? AND upload <> ?`)
	qImportJobChunk = stmtRead(`SELECT c.data FROM import_jobs j JOIN import_job_chunks c
		ON c.pool_id = j.pool_id AND c.job_id = j.id AND c.upload = j.csv_upload
		WHERE j.pool_id = ? AND j.id = ? AND j.csv_upload <> '' AND c.seq = ?`)
	qImportJobClearCSV   = stmtWrite(`UPDATE import_jobs SET csv_upload = '' WHERE pool_id = ? AND id = ?`)
	qImportJobDropChunks = stmtWrite(`DELETE FROM import_job_chunks WHERE pool_id = ? AND job_id = ?`)
	// Few jobs are active at a time: import_jobs_status finds them, and
	// pool_id, id break ties in creation time so the order is total.
	qImportJobListActive = stmtRead(`SELECT ` + importJobColumns + ` FROM import_jobs
		WHERE status IN ('Pending', 'InProgress', 'Stopping') ORDER BY created_at, pool_id, id LIMIT ?`)
	// import_jobs_status finds the Created jobs by age.
	qImportJobExpireChunks = stmtWrite(`DELETE FROM import_job_chunks WHERE (pool_id, job_id) IN
		(SELECT pool_id, id FROM import_jobs WHERE status = 'Created' AND created_at < ?)`)
	qImportJobExpire = stmtWrite(`UPDATE import_jobs SET status = 'Expired', csv_upload = '',
		version = version + 1 WHERE status = 'Created' AND created_at < ?`)
	// A line of a missing job fails the foreign key: store.ErrNotFound.
	qImportJobLogPut = stmtWrite(`INSERT INTO import_job_log (pool_id, job_id, line, outcome, message)
		VALUES (?, ?, ?, ?, ?) ON CONFLICT (pool_id, job_id, line)
		DO UPDATE SET outcome = excluded.outcome, message = excluded.message`)
	qImportJobLog = stmtRead(`SELECT line, outcome, message FROM import_job_log
		WHERE pool_id = ? AND job_id = ? AND line > ? ORDER BY line LIMIT ?`)
)

func scanImportJob(sc scanner) (*store.ImportJob, error) {
	var j store.ImportJob
	var uploaded, created, started, completed int64
	err := sc.Scan(&j.PoolID, &j.ID, &j.Name, &j.RoleArn, &j.Status, &j.UploadSecret, &uploaded,
		&j.Imported, &j.Skipped, &j.Failed, &j.CompletionMessage, &created, &started, &completed, &j.Version)
	if err != nil {
		return nil, err
	}
	j.Uploaded = uploaded != 0
	j.CreatedAt, j.StartedAt, j.CompletedAt = fromNanos(created), fromNanos(started), fromNanos(completed)
	return &j, nil
}

// Create stores a job of an existing pool (else store.ErrNotFound), with no
// file; a job ID is unique in its pool.
func (r importJobRepo) Create(j *store.ImportJob) error {
	_, err := r.t.exec(qImportJobInsert, j.PoolID, j.ID, j.Name, j.RoleArn, j.Status, blob(j.UploadSecret),
		boolInt(j.Uploaded), j.Imported, j.Skipped, j.Failed, j.CompletionMessage,
		nanos(j.CreatedAt), nanos(j.StartedAt), nanos(j.CompletedAt))
	if err != nil {
		return uniqueErr(err, "import job")
	}
	j.Version = 1
	return nil
}

func (r importJobRepo) Get(poolID, id string) (*store.ImportJob, error) {
	j, err := scanImportJob(r.t.queryRow(qImportJobGet, poolID, id))
	return j, notFound(err)
}

// Update writes every field but the pool, the ID and the creation time, if
// the stored version is j.Version, and bumps the version.
func (r importJobRepo) Update(j *store.ImportJob) error {
	err := r.t.conditional(qImportJobUpdate,
		[]any{j.Name, j.RoleArn, j.Status, blob(j.UploadSecret), boolInt(j.Uploaded), j.Imported, j.Skipped,
			j.Failed, j.CompletionMessage, nanos(j.StartedAt), nanos(j.CompletedAt), j.PoolID, j.ID, j.Version},
		qImportJobExists, j.PoolID, j.ID)
	if err != nil {
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
	_, err := r.t.exec(qImportJobPutChunk, poolID, id, upload, seq, blob(data))
	return uniqueErr(err, "import job chunk")
}

// SetCSV makes upload the job's file and sets uploaded, leaving the version
// alone, then drops the chunks of every other upload of the job.
func (r importJobRepo) SetCSV(poolID, id, upload string) error {
	return r.t.savepoint(func() error {
		if err := r.t.execOne(qImportJobSetCSV, upload, poolID, id); err != nil {
			return err
		}
		_, err := r.t.exec(qImportJobDropOtherChunks, poolID, id, upload)
		return err
	})
}

func (r importJobRepo) CSVChunk(poolID, id string, seq int) ([]byte, error) {
	var data []byte
	if err := r.t.queryRow(qImportJobChunk, poolID, id, seq).Scan(&data); err != nil {
		return nil, notFound(err)
	}
	return blob(data), nil
}

// DeleteCSV drops every chunk of the job and its file; uploaded stays as it
// is. ErrNotFound if there is no job; dropping it again changes nothing.
func (r importJobRepo) DeleteCSV(poolID, id string) error {
	return r.t.savepoint(func() error {
		if err := r.t.execOne(qImportJobClearCSV, poolID, id); err != nil {
			return err
		}
		_, err := r.t.exec(qImportJobDropChunks, poolID, id)
		return err
	})
}

func (r importJobRepo) ListActive(limit int) ([]*store.ImportJob, error) {
	limit = pageLimit(limit)
	jobs, _, err := collect(r.t, qImportJobListActive, []any{limit}, limit, scanImportJob,
		func(*store.ImportJob) string { return "" })
	return jobs, err
}

// ExpireCreated drops the files of the Created jobs older than t, then marks
// them Expired; SQLite's one writer keeps a job from starting in between.
func (r importJobRepo) ExpireCreated(t time.Time) (int64, error) {
	var n int64
	err := r.t.savepoint(func() error {
		if _, err := r.t.exec(qImportJobExpireChunks, nanos(t)); err != nil {
			return err
		}
		res, err := r.t.exec(qImportJobExpire, nanos(t))
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	return n, err
}

// AppendLog writes the lines in one savepoint: all of them or none.
func (r importJobRepo) AppendLog(poolID, id string, lines []store.ImportLogLine) error {
	if len(lines) == 0 {
		return nil
	}
	return r.t.savepoint(func() error {
		for _, l := range lines {
			if _, err := r.t.exec(qImportJobLogPut, poolID, id, l.Line, l.Outcome, l.Message); err != nil {
				return uniqueErr(err, "import log line")
			}
		}
		return nil
	})
}

func (r importJobRepo) Log(poolID, id string, after int64, limit int) ([]store.ImportLogLine, error) {
	rows, err := r.t.query(qImportJobLog, poolID, id, after, pageLimit(limit))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []store.ImportLogLine
	for rows.Next() {
		var l store.ImportLogLine
		if err := rows.Scan(&l.Line, &l.Outcome, &l.Message); err != nil {
			return nil, err
		}
		out = append(out, l)
	}
	return out, rows.Err()
}
