package postgres

import (
	"math"

	"github.com/jackc/pgx/v5"

	"github.com/ninshou/ninshou/internal/store"
)

func (t *tx) ImportJobs() store.ImportJobRepo { return importJobRepo{t} }

type importJobRepo struct{ t *tx }

// importJobColumns leaves out csv: the file can be 100 MB, and only CSV
// reads it.
const importJobColumns = `pool_id, id, name, role_arn, status, upload_secret, uploaded, imported, skipped,
	failed, completion_message, created_at, started_at, completed_at, version`

// Jobs are read to be written (status, counters): FOR UPDATE.
var (
	qImportJobGet = locked(`SELECT `+importJobColumns+` FROM import_jobs WHERE pool_id = $1 AND id = $2`,
		forUpdate)
	qImportJobList = locked(`SELECT `+importJobColumns+` FROM import_jobs
		WHERE pool_id = $1 AND (created_at, id) > ($2, $3) ORDER BY created_at, id LIMIT $4`, forUpdate)
	qImportJobCSV = locked(`SELECT csv FROM import_jobs WHERE pool_id = $1 AND id = $2 AND csv IS NOT NULL`,
		forUpdate)
	// Few jobs are active at a time: import_jobs_status finds them, and
	// pool_id, id break ties in creation time so the order is total.
	qImportJobListActive = locked(`SELECT `+importJobColumns+` FROM import_jobs
		WHERE status IN ('Pending', 'InProgress') ORDER BY created_at, pool_id, id LIMIT $1`, forUpdate)
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
	qImportJobPutCSV    = `UPDATE import_jobs SET csv = $3, uploaded = true WHERE pool_id = $1 AND id = $2`
	qImportJobDeleteCSV = `UPDATE import_jobs SET csv = NULL WHERE pool_id = $1 AND id = $2`
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
	after, afterID := int64(math.MinInt64), ""
	if page.After != "" {
		var err error
		if after, afterID, err = decodeTimeIDCursor(page.After); err != nil {
			return nil, "", err
		}
	}
	limit := pageLimit(page.Limit)
	return collect(r.t, qImportJobList, []any{poolID, after, afterID, limit + 1}, limit, scanImportJob,
		func(j *store.ImportJob) string { return timeIDCursor(j.CreatedAt, j.ID) })
}

// PutCSV stores the file (an empty one too: NULL means none) and sets
// uploaded, leaving the version alone.
func (r importJobRepo) PutCSV(poolID, id string, data []byte) error {
	return r.t.one(qImportJobPutCSV, poolID, id, blob(data))
}

func (r importJobRepo) CSV(poolID, id string) ([]byte, error) {
	var data []byte
	if err := r.t.row(qImportJobCSV, poolID, id).Scan(&data); err != nil {
		return nil, notFound(err)
	}
	return blob(data), nil
}

// DeleteCSV drops the file; uploaded stays as it is. ErrNotFound if there
// is no job; dropping it again changes nothing.
func (r importJobRepo) DeleteCSV(poolID, id string) error {
	return r.t.one(qImportJobDeleteCSV, poolID, id)
}

func (r importJobRepo) ListActive(limit int) ([]*store.ImportJob, error) {
	limit = pageLimit(limit)
	jobs, _, err := collect(r.t, qImportJobListActive, []any{limit}, limit, scanImportJob,
		func(*store.ImportJob) string { return "" })
	return jobs, err
}
