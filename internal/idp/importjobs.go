package idp

import (
	"bufio"
	"context"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/ninshou/ninshou/internal/store"
)

// User import jobs: Cognito's bulk path for users from a CSV file.
// https://docs.aws.amazon.com/cognito/latest/developerguide/cognito-user-pools-using-import-tool.html
//
//	CreateUserImportJob -> Created (the CSV is PUT to PreSignedUrl)
//	StartUserImportJob  -> Pending -> InProgress -> Succeeded | Failed
//	StopUserImportJob   -> Stopping -> Stopped (or Stopped at once when Pending)
//
// Imported users have no password and are RESET_REQUIRED: signing in with
// a password answers PasswordResetRequiredException, and ForgotPassword
// sends them a code. A job imports in batches; each batch's users and the
// job's counters commit together, so a job resumed after a crash goes on
// from the first row not yet counted and imports no row twice.

// Import job statuses (UserImportJobStatusType).
const (
	ImportCreated    = "Created"
	ImportPending    = "Pending"
	ImportInProgress = "InProgress"
	ImportStopping   = "Stopping"
	ImportExpired    = "Expired"
	ImportStopped    = "Stopped"
	ImportFailed     = "Failed"
	ImportSucceeded  = "Succeeded"
)

// CompletionMessage texts, as the CLI's examples and the developer guide
// show them (list-user-import-jobs.rst, stop-user-import-job.rst,
// cognito-user-pools-creating-import-job.html).
const (
	msgImportSucceeded = "Import Job Completed Successfully."
	msgImportStopped   = "The Import Job was stopped by the developer."
	msgImportTooMany   = "Too many users have failed or been skipped during the import."
)

// Import limits. Cognito's documentation caps a file at 100 MB; the batch
// size bounds one transaction.
const (
	MaxImportCSVBytes = 100 << 20
	importBatch       = 1000
)

// ImportJobLifetime is how long a Created job waits to be started. Then it
// is Expired: "You created a job, but did not start the job within 24-48
// hours. All data associated with the job was deleted, and the job cannot
// be started." (UserImportJobType). The janitor writes the status and drops
// the file; until it passes, the job already reads and acts as Expired.
const ImportJobLifetime = 24 * time.Hour

// ImportUploadWindow is how long a job's PreSignedUrl takes a file: "The
// PRE_SIGNED_URL returned in the response is valid for 15 minutes. After
// that time, it will expire and you must create a new user import job to
// get a new URL." (cognito-user-pools-creating-import-job.html)
const ImportUploadWindow = 15 * time.Minute

// expired tells a Created job past ImportJobLifetime (as the janitor's
// ExpireCreated(now - ImportJobLifetime) does).
func (s *Service) expired(j *store.ImportJob) bool {
	return j.Status == ImportCreated && s.now().After(j.CreatedAt.Add(ImportJobLifetime))
}

// ImportJob is a user import job as the API shows it.
type ImportJob struct {
	PoolID            string
	ID                string
	Name              string
	RoleArn           string
	Status            string
	PreSignedURL      string
	Imported          int64
	Skipped           int64
	Failed            int64
	CompletionMessage string
	CreatedAt         time.Time
	StartedAt         time.Time
	CompletedAt       time.Time
}

func (s *Service) importJobView(j *store.ImportJob) *ImportJob {
	url := ""
	if s.ImportUploadURL != nil {
		url = s.ImportUploadURL(j.PoolID, j.ID, base64.RawURLEncoding.EncodeToString(j.UploadSecret))
	}
	status := j.Status
	if s.expired(j) {
		status = ImportExpired
	}
	return &ImportJob{
		PoolID: j.PoolID, ID: j.ID, Name: j.Name, RoleArn: j.RoleArn, Status: status, PreSignedURL: url,
		Imported: j.Imported, Skipped: j.Skipped, Failed: j.Failed, CompletionMessage: j.CompletionMessage,
		CreatedAt: j.CreatedAt, StartedAt: j.StartedAt, CompletedAt: j.CompletedAt,
	}
}

// standardCSVColumns are GetCSVHeader's columns before the pool's custom
// attributes, in the order of the example in Cognito's guide
// (cognito-user-pools-using-import-tool-csv-header.html).
var standardCSVColumns = []string{
	"name", "given_name", "family_name", "middle_name", "nickname", "preferred_username", "profile",
	"picture", "website", "email", "email_verified", "gender", "birthdate", "zoneinfo", "locale",
	"phone_number", "phone_number_verified", "address", "updated_at",
}

const (
	csvUsername   = "cognito:username"
	csvMFAEnabled = "cognito:mfa_enabled"
)

func csvHeader(p *Pool) []string {
	h := slices.Clone(standardCSVColumns)
	for _, a := range p.Schema {
		if strings.HasPrefix(a.Name, "custom:") || strings.HasPrefix(a.Name, "dev:") {
			h = append(h, a.Name)
		}
	}
	return append(h, csvMFAEnabled, csvUsername)
}

// GetCSVHeader returns the columns of the pool's import file.
func (s *Service) GetCSVHeader(ctx context.Context, poolID string) ([]string, error) {
	p, err := s.GetPool(ctx, poolID)
	if err != nil {
		return nil, err
	}
	return csvHeader(p), nil
}

// CreateUserImportJob creates a job in status Created, with the URL its CSV
// file is PUT to.
func (s *Service) CreateUserImportJob(ctx context.Context, poolID, name, roleArn string) (*ImportJob, error) {
	now := s.now()
	j := &store.ImportJob{
		PoolID: poolID, ID: "import-" + s.randomString(alnum, 10), Name: name, RoleArn: roleArn,
		Status: ImportCreated, UploadSecret: s.randomBytes(32), CreatedAt: now,
	}
	err := s.update(ctx, func(tx store.Tx) error {
		if err := requirePool(tx, poolID); err != nil {
			return err
		}
		return tx.ImportJobs().Create(j)
	})
	if err != nil {
		return nil, err
	}
	return s.importJobView(j), nil
}

func getImportJob(tx store.Tx, poolID, id string) (*store.ImportJob, error) {
	if err := requirePool(tx, poolID); err != nil {
		return nil, err
	}
	j, err := tx.ImportJobs().Get(poolID, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, Errorf(ResourceNotFoundException, "Import job %s does not exist.", id)
	}
	return j, err
}

// DescribeUserImportJob returns a job.
func (s *Service) DescribeUserImportJob(ctx context.Context, poolID, id string) (*ImportJob, error) {
	var j *store.ImportJob
	err := s.view(ctx, func(tx store.Tx) error {
		var err error
		j, err = getImportJob(tx, poolID, id)
		return err
	})
	if err != nil {
		return nil, err
	}
	return s.importJobView(j), nil
}

// ListUserImportJobs lists the pool's jobs, newest first.
func (s *Service) ListUserImportJobs(ctx context.Context, poolID string, page store.Page) ([]*ImportJob, string, error) {
	scope := "ListUserImportJobs\x00" + poolID
	page, err := s.boundPage(scope, page)
	if err != nil {
		return nil, "", err
	}
	var out []*ImportJob
	var next string
	err = s.view(ctx, func(tx store.Tx) error {
		if err := requirePool(tx, poolID); err != nil {
			return err
		}
		js, n, err := tx.ImportJobs().List(poolID, listPage(page))
		if err != nil {
			return badPage(err)
		}
		for _, j := range js {
			out = append(out, s.importJobView(j))
		}
		next = n
		return nil
	})
	return out, s.boundToken(scope, next), err
}

// CheckImportUpload answers whether the upload URL of job id, with secret,
// takes a file now: ErrImportUploadDenied for an unknown job, a wrong
// secret, a job started or expired, or a URL past its window. (The upload
// itself checks again.)
func (s *Service) CheckImportUpload(ctx context.Context, poolID, id, secret string) error {
	now := s.now()
	return s.Store.View(ctx, func(tx store.Tx) error { return s.uploadAllowed(tx, poolID, id, secret, now) })
}

// uploadAllowed is CheckImportUpload's rule, for an upload started at t.
func (s *Service) uploadAllowed(tx store.Tx, poolID, id, secret string, t time.Time) error {
	j, err := jobBySecret(tx, poolID, id, secret)
	if err != nil {
		return err
	}
	if j == nil || j.Status != ImportCreated || s.expired(j) || t.Sub(j.CreatedAt) > ImportUploadWindow {
		return ErrImportUploadDenied // the file of a started job is final
	}
	return nil
}

// UploadUserImportCSV stores the CSV file PUT to a job's upload URL, read
// from body a chunk at a time; secret is the URL's secret as it appears
// there. A wrong secret, an unknown job or a started one is
// ErrImportUploadDenied; a file over MaxImportCSVBytes is
// ErrImportTooLarge. The file replaces an earlier upload only once it has
// been read whole.
func (s *Service) UploadUserImportCSV(ctx context.Context, poolID, id, secret string, body io.Reader) error {
	// The URL's 15 minutes count when the upload starts, as a pre-signed
	// URL's do: an upload under way finishes.
	started := s.now()
	check := func(tx store.Tx) error { return s.uploadAllowed(tx, poolID, id, secret, started) }
	if err := s.Store.View(ctx, check); err != nil {
		return err
	}
	upload := s.randomString(alnum, 16)
	buf := make([]byte, importChunkBytes)
	total := 0
	for seq := 0; ; seq++ {
		n, rerr := io.ReadFull(body, buf)
		if total += n; total > MaxImportCSVBytes {
			return ErrImportTooLarge
		}
		if n > 0 {
			if err := s.Store.Update(ctx, func(tx store.Tx) error {
				return tx.ImportJobs().PutCSVChunk(poolID, id, upload, seq, buf[:n])
			}); err != nil {
				return err
			}
		}
		if rerr == io.EOF || rerr == io.ErrUnexpectedEOF {
			break
		}
		if rerr != nil {
			return rerr
		}
	}
	return s.Store.Update(ctx, func(tx store.Tx) error {
		if err := check(tx); err != nil {
			return err
		}
		return tx.ImportJobs().SetCSV(poolID, id, upload)
	})
}

// importChunkBytes is the size of the chunks a CSV file is stored in (a
// variable for tests, which make rows cross chunks).
var importChunkBytes = 1 << 20

// chunkReader reads a job's stored CSV file a chunk at a time, each in a
// read transaction of its own.
type chunkReader struct {
	ctx        context.Context
	st         store.Store
	poolID, id string
	seq        int
	buf        []byte
	err        error
}

func (r *chunkReader) Read(p []byte) (int, error) {
	for len(r.buf) == 0 {
		if r.err != nil {
			return 0, r.err
		}
		var data []byte
		err := r.st.View(r.ctx, func(tx store.Tx) error {
			var err error
			data, err = tx.ImportJobs().CSVChunk(r.poolID, r.id, r.seq)
			return err
		})
		switch {
		case errors.Is(err, store.ErrNotFound):
			r.err = io.EOF
		case err != nil:
			r.err = err
		default:
			r.seq++
			r.buf = data
		}
	}
	n := copy(p, r.buf)
	r.buf = r.buf[n:]
	return n, nil
}

// Upload refusals, for the upload endpoint (not Cognito API errors).
var (
	ErrImportUploadDenied = errors.New("idp: no such import job, or a wrong upload secret, or the job has started or expired")
	// ErrImportLogDenied refuses a job's log: no such job, or a wrong secret.
	ErrImportLogDenied = errors.New("idp: no such import job, or a wrong secret")
	ErrImportTooLarge  = fmt.Errorf("idp: an import file is at most %d bytes", MaxImportCSVBytes)
)

// ImportLogLine is a line of a job's result log: a row that was skipped or
// failed, by line number, and why (never the row's data).
type ImportLogLine = store.ImportLogLine

// ImportJobLog returns at most limit lines of a job's result log after line
// after, for the holder of the job's upload secret (as it appears in its
// URL): what Cognito writes to CloudWatch Logs. ErrImportLogDenied for an
// unknown job or a wrong secret.
func (s *Service) ImportJobLog(ctx context.Context, poolID, id, secret string, after int64, limit int) ([]ImportLogLine, error) {
	var lines []ImportLogLine
	err := s.Store.View(ctx, func(tx store.Tx) error {
		j, err := jobBySecret(tx, poolID, id, secret)
		if err != nil {
			return err
		}
		if j == nil {
			return ErrImportLogDenied
		}
		lines, err = tx.ImportJobs().Log(poolID, id, after, limit)
		return err
	})
	return lines, err
}

// jobBySecret returns the job whose upload secret is secret, as it appears
// in the job's URL (compared in constant time); nil when there is no such
// job or the secret is not its own.
func jobBySecret(tx store.Tx, poolID, id, secret string) (*store.ImportJob, error) {
	given, err := base64.RawURLEncoding.DecodeString(secret)
	if err != nil {
		return nil, nil
	}
	j, err := tx.ImportJobs().Get(poolID, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if subtle.ConstantTimeCompare(given, j.UploadSecret) != 1 {
		return nil, nil
	}
	return j, nil
}

// StartUserImportJob queues a Created job; a node's importer (RunImports)
// picks it up.
func (s *Service) StartUserImportJob(ctx context.Context, poolID, id string) (*ImportJob, error) {
	var j *store.ImportJob
	err := s.update(ctx, func(tx store.Tx) error {
		var err error
		if j, err = getImportJob(tx, poolID, id); err != nil {
			return err
		}
		if s.expired(j) {
			j.Status = ImportExpired
		}
		if j.Status != ImportCreated {
			return Errorf(PreconditionNotMetException, "Import job %s is %s; only a Created job can be started.", id, j.Status)
		}
		j.Status, j.StartedAt = ImportPending, s.now()
		return tx.ImportJobs().Update(j)
	})
	if err != nil {
		return nil, err
	}
	s.wakeImporter()
	return s.importJobView(j), nil
}

// StopUserImportJob stops a Pending or InProgress job: at once when
// Pending, after the batch being imported when InProgress.
func (s *Service) StopUserImportJob(ctx context.Context, poolID, id string) (*ImportJob, error) {
	var j *store.ImportJob
	err := s.update(ctx, func(tx store.Tx) error {
		var err error
		if j, err = getImportJob(tx, poolID, id); err != nil {
			return err
		}
		switch j.Status {
		case ImportPending:
			j.Status, j.CompletedAt, j.CompletionMessage = ImportStopped, s.now(), msgImportStopped
		case ImportInProgress:
			j.Status = ImportStopping
		default:
			return Errorf(PreconditionNotMetException, "Import job %s is %s; only a Pending or InProgress job can be stopped.", id, j.Status)
		}
		return tx.ImportJobs().Update(j)
	})
	if err != nil {
		return nil, err
	}
	return s.importJobView(j), nil
}

// requireNoImport refuses to change a pool while one of its import jobs
// is Pending or InProgress (the UserImportInProgressException of
// DeleteUserPool, UpdateUserPool and AddCustomAttributes).
func requireNoImport(tx store.Tx, poolID string) error {
	page := store.Page{Limit: 60}
	for {
		jobs, next, err := tx.ImportJobs().List(poolID, page)
		if err != nil {
			return err
		}
		for _, j := range jobs {
			if j.Status == ImportPending || j.Status == ImportInProgress || j.Status == ImportStopping {
				return Errorf(UserImportInProgressException, "A user import job (%s) is in progress for the user pool %s.", j.ID, poolID)
			}
		}
		if next == "" {
			return nil
		}
		page.After = next
	}
}

func (s *Service) wakeImporter() {
	select {
	case s.importWake() <- struct{}{}:
	default:
	}
}

// RunImports imports the jobs started on any node until ctx ends: it
// polls every interval and wakes at once for a job started here. A job
// goes from Pending to InProgress in a conditional write, so one node
// takes it; InProgress jobs found at start (a node stopped mid-job) are
// resumed from their first uncounted row.
func (s *Service) RunImports(ctx context.Context, interval time.Duration) {
	resume := true
	for {
		jobs, err := s.activeImports(ctx)
		if err != nil && ctx.Err() == nil {
			s.log().Error("import jobs: list", "err", err)
		}
		for _, j := range jobs {
			if ctx.Err() != nil {
				return
			}
			if (j.Status == ImportInProgress || j.Status == ImportStopping) && !resume {
				continue // another node's
			}
			if err := s.runImport(ctx, j); err != nil && ctx.Err() == nil {
				s.log().Error("import job failed to run", "pool", j.PoolID, "job", j.ID, "err", err)
			}
		}
		resume = false
		select {
		case <-ctx.Done():
			return
		case <-s.importWake():
		case <-time.After(interval):
		}
	}
}

func (s *Service) activeImports(ctx context.Context) ([]*store.ImportJob, error) {
	var jobs []*store.ImportJob
	err := s.Store.View(ctx, func(tx store.Tx) error {
		var err error
		jobs, err = tx.ImportJobs().ListActive(100)
		return err
	})
	return jobs, err
}

// runImport takes job j (claiming it when Pending) and imports its rows; a
// job left Stopping by a node that stopped first is ended Stopped.
func (s *Service) runImport(ctx context.Context, j *store.ImportJob) error {
	if j.Status == ImportStopping {
		return s.finishImport(ctx, j, ImportStopped, msgImportStopped)
	}
	if j.Status == ImportPending {
		err := s.Store.Update(ctx, func(tx store.Tx) error {
			cur, err := tx.ImportJobs().Get(j.PoolID, j.ID)
			if err != nil {
				return err
			}
			if cur.Status != ImportPending || cur.Version != j.Version {
				return store.ErrConflict
			}
			cur.Status = ImportInProgress
			if err := tx.ImportJobs().Update(cur); err != nil {
				return err
			}
			j = cur
			return nil
		})
		if errors.Is(err, store.ErrConflict) || errors.Is(err, store.ErrNotFound) {
			return nil // taken by another node, stopped or deleted
		}
		if err != nil {
			return err
		}
	}
	var p *Pool
	err := s.Store.View(ctx, func(tx store.Tx) error {
		var err error
		p, err = getPool(tx, j.PoolID)
		return err
	})
	if err != nil {
		var e *Error
		if errors.As(err, &e) && e.Code == ResourceNotFoundException {
			return nil // the pool was deleted, and the job with it
		}
		return err
	}
	if !j.Uploaded {
		return s.finishImport(ctx, j, ImportFailed, "No CSV file was uploaded for the import job.")
	}
	// A file that breaks the rules fails the job; any other error (the
	// store, a shutdown) leaves it InProgress, to be resumed.
	var bad *badFile
	r, header, err := openImportCSV(p, &chunkReader{ctx: ctx, st: s.Store, poolID: j.PoolID, id: j.ID})
	if errors.As(err, &bad) {
		return s.finishImport(ctx, j, ImportFailed, bad.msg)
	}
	if err != nil {
		return err
	}
	// Rows are read a batch at a time, so memory holds one chunk of the file
	// and one batch, not every row of a 100 MB file. The rows of committed
	// batches are counted: a resumed job reads past them.
	for skip := j.Imported + j.Skipped + j.Failed; ; {
		batch, err := readRows(r, len(header), importBatch, &skip)
		if errors.As(err, &bad) {
			return s.finishImport(ctx, j, ImportFailed, bad.msg)
		}
		if err != nil {
			return err
		}
		if len(batch) == 0 {
			break
		}
		stop, err := s.importBatch(ctx, p, j, header, batch)
		if err != nil || stop {
			return err
		}
	}
	if j.Imported == 0 && j.Skipped+j.Failed > 0 {
		// AWS fails a job past some share of bad rows (the threshold is
		// unpublished; its examples show jobs with none imported fail).
		return s.finishImport(ctx, j, ImportFailed, msgImportTooMany)
	}
	return s.finishImport(ctx, j, ImportSucceeded, msgImportSucceeded)
}

// csvRow is a row of an import file with its line (the header is line
// 1); fields is nil when the row has another number of fields than the
// header; tooLong when it passes maxImportRowChars.
type csvRow struct {
	line    int64
	fields  []string
	tooLong bool
}

// maxImportRowChars: "The maximum row length is 16,000 characters."
// (cognito-user-pools-using-import-tool-csv-header.html)
const maxImportRowChars = 16000

// importReader reads an import file as Cognito's guide writes one
// (cognito-user-pools-using-import-tool-csv-header.html): a user a line,
// fields separated by commas, "If an attribute value contains a comma, you
// must put a backslash (\) before the comma", and "Attribute values that
// are strings should not be in quotation marks", so a quote is part of its
// value rather than CSV quoting. Empty lines are skipped.
type importReader struct {
	br   *bufio.Reader
	line int64 // the line of the last row read
}

func newImportReader(file io.Reader) *importReader {
	return &importReader{br: bufio.NewReaderSize(file, 64<<10)}
}

// Read returns the next row's fields and its length in characters; io.EOF
// after the last.
func (r *importReader) Read() (fields []string, chars int, err error) {
	for {
		text, err := r.br.ReadString('\n')
		if err != nil && err != io.EOF {
			return nil, 0, err
		}
		if text == "" && err == io.EOF {
			return nil, 0, io.EOF
		}
		r.line++
		text = strings.TrimSuffix(strings.TrimSuffix(text, "\n"), "\r")
		if text == "" {
			continue
		}
		return splitImportRow(text), utf8.RuneCountInString(text), nil
	}
}

// splitImportRow splits a line at its commas but those escaped with a
// backslash, which become part of the value.
func splitImportRow(text string) []string {
	var fields []string
	var b strings.Builder
	for i := 0; i < len(text); i++ {
		switch {
		case text[i] == '\\' && i+1 < len(text) && text[i+1] == ',':
			b.WriteByte(',')
			i++
		case text[i] == ',':
			fields = append(fields, b.String())
			b.Reset()
		default:
			b.WriteByte(text[i])
		}
	}
	return append(fields, b.String())
}

// readRows reads up to n rows after skipping *skip of them.
func readRows(r *importReader, fields, n int, skip *int64) ([]csvRow, error) {
	var rows []csvRow
	for len(rows) < n {
		rec, chars, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		if *skip > 0 {
			*skip--
			continue
		}
		if len(rec) != fields {
			rec = nil
		}
		rows = append(rows, csvRow{line: r.line, fields: rec, tooLong: chars > maxImportRowChars})
	}
	return rows, nil
}

// importBatch imports rows and counts them in one transaction. stop is true
// when the job was stopped (or deleted) meanwhile.
func (s *Service) importBatch(ctx context.Context, p *Pool, j *store.ImportJob, header []string, rows []csvRow) (stop bool, err error) {
	now := s.now()
	err = s.Store.UpdateBulk(ctx, func(tx store.Tx) error {
		cur, err := tx.ImportJobs().Get(j.PoolID, j.ID)
		if err != nil {
			return err
		}
		if cur.Status != ImportInProgress {
			if cur.Status == ImportStopping {
				cur.Status, cur.CompletedAt, cur.CompletionMessage = ImportStopped, now, msgImportStopped
				if err := tx.ImportJobs().Update(cur); err != nil {
					return err
				}
				_ = tx.ImportJobs().DeleteCSV(cur.PoolID, cur.ID)
			}
			stop = true
			return nil
		}
		var log []store.ImportLogLine
		for _, row := range rows {
			res, why := rowFailed, whyTooLong
			if !row.tooLong {
				res, why = importRow(tx, p, header, row.fields, now)
			}
			switch res {
			case rowImported:
				cur.Imported++
				continue
			case rowSkipped:
				cur.Skipped++
				log = append(log, store.ImportLogLine{Line: row.line, Outcome: "SKIPPED", Message: why})
			default:
				cur.Failed++
				log = append(log, store.ImportLogLine{Line: row.line, Outcome: "FAILED", Message: why})
			}
		}
		if err := tx.ImportJobs().AppendLog(cur.PoolID, cur.ID, log); err != nil {
			return err
		}
		if err := tx.ImportJobs().Update(cur); err != nil {
			return err
		}
		*j = *cur
		return nil
	})
	if errors.Is(err, store.ErrNotFound) {
		return true, nil
	}
	return stop, err
}

func (s *Service) finishImport(ctx context.Context, j *store.ImportJob, status, message string) error {
	err := s.Store.Update(ctx, func(tx store.Tx) error {
		cur, err := tx.ImportJobs().Get(j.PoolID, j.ID)
		if err != nil {
			return err
		}
		if cur.Status == ImportStopping {
			status, message = ImportStopped, msgImportStopped
		} else if cur.Status != ImportInProgress {
			return nil
		}
		cur.Status, cur.CompletionMessage, cur.CompletedAt = status, message, s.now()
		if err := tx.ImportJobs().Update(cur); err != nil {
			return err
		}
		return tx.ImportJobs().DeleteCSV(cur.PoolID, cur.ID)
	})
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err == nil {
		s.log().Info("import job finished", "pool", j.PoolID, "job", j.ID, "status", status,
			"imported", j.Imported, "skipped", j.Skipped, "failed", j.Failed)
	}
	return err
}

// openImportCSV reads the file's header and checks it against the pool's:
// every column of GetCSVHeader must be there, in any order, and no other.
// It returns the reader positioned at the first row.
func openImportCSV(p *Pool, file io.Reader) (r *importReader, header []string, err error) {
	if len(p.AutoVerifiedAttributes) == 0 {
		return nil, nil, &badFile{"The user pool has no auto-verified attributes: email or phone_number must be auto-verified to import users."}
	}
	r = newImportReader(file)
	header, _, err = r.Read()
	if err == io.EOF {
		return nil, nil, &badFile{"The CSV file is empty."}
	}
	if err != nil {
		return nil, nil, err
	}
	want := csvHeader(p)
	for i, h := range header {
		header[i] = strings.TrimSpace(strings.TrimPrefix(h, "\ufeff"))
	}
	for _, h := range header {
		if !slices.Contains(want, h) {
			return nil, nil, &badFile{fmt.Sprintf("The CSV header has a column that is not in the user pool: %s.", shortColumn(h))}
		}
	}
	for _, w := range want {
		if n := countOf(header, w); n != 1 {
			return nil, nil, &badFile{fmt.Sprintf("The CSV header must have the column %s exactly once.", w)}
		}
	}
	return r, header, nil
}

// badFile is a file that breaks the format: the job fails with msg as its
// CompletionMessage.
type badFile struct{ msg string }

func (e *badFile) Error() string { return e.msg }

// shortColumn is a header column as a CompletionMessage may quote it: the
// model allows at most 128 characters in all, so a long or unprintable
// column is cut and its unprintable characters replaced.
func shortColumn(h string) string {
	h = strings.Map(func(r rune) rune {
		if !unicode.IsPrint(r) {
			return '?'
		}
		return r
	}, h)
	if r := []rune(h); len(r) > 40 {
		h = string(r[:40]) + "..."
	}
	return h
}

func countOf(xs []string, x string) int {
	n := 0
	for _, v := range xs {
		if v == x {
			n++
		}
	}
	return n
}

// validUsername is the model's UsernameType: 1-128 characters (UTF-16
// units, as Java counts) of letters, marks, symbols, numbers and
// punctuation.
func validUsername(name string) bool {
	for _, r := range name {
		if !unicode.In(r, unicode.L, unicode.M, unicode.S, unicode.N, unicode.P) {
			return false
		}
	}
	n := javaLength(name)
	return n >= 1 && n <= 128
}

// javaLength is a string's length as Cognito counts it for the model's
// limits: in UTF-16 units, as Java's String.length does (an emoji is 2).
func javaLength(s string) int {
	n := 0
	for _, r := range s {
		n += utf16.RuneLen(r)
	}
	return n
}

type rowResult int

const (
	rowImported rowResult = iota
	rowSkipped
	rowFailed
)

// Why a row was skipped or failed, as the job's log says it. Cognito's guide
// quotes two of its messages (cognito-user-pools-using-import-tool-cloudwatch.html);
// the others are ours. None holds user data: the log names rows by line.
const (
	whyExists       = "The user already exists."
	whyNotVerified  = "The User Record does not set any of the auto verified attributes to true. (Example: email_verified to true)."
	whyFieldCount   = "The row does not have as many fields as the header."
	whyNoUsername   = "The User Record has no cognito:username."
	whyBadUsername  = "The cognito:username is not a valid username."
	whyBadMFA       = "The cognito:mfa_enabled value must be true or false."
	whyMFANoPhone   = "The User Record enables MFA but has no phone_number."
	whyMFAOn        = "The user pool requires MFA: cognito:mfa_enabled must be true."
	whyMFAOff       = "The user pool has MFA off: cognito:mfa_enabled must be false."
	whyTooLong      = "The row is longer than 16,000 characters."
	whyVerifiedNone = "The User Record sets %s to true but has no %s."
	whyAliasTaken   = "Another user already has this %s as an alias."
	whyInternal     = "The user could not be imported due to an internal error."
)

// importRow creates one user, RESET_REQUIRED and without a password, and
// says why when it does not. A username that exists is skipped; a row that
// breaks the rules of Cognito's guide
// (cognito-user-pools-using-import-tool-csv-header.html) fails. A failed
// repository call leaves the transaction usable.
func importRow(tx store.Tx, p *Pool, header, row []string, now time.Time) (rowResult, string) {
	if row == nil {
		return rowFailed, whyFieldCount
	}
	attrs := map[string]string{}
	var username string
	mfa := false
	for i, h := range header {
		// "Any leading or trailing white space in an attribute value will be
		// trimmed." (cognito-user-pools-using-import-tool-csv-header.html)
		v := strings.TrimSpace(row[i])
		switch h {
		case csvUsername:
			username = v
		case csvMFAEnabled:
			// "The cognito:mfa_enabled field is required. If you've set MFA
			// to be required in your user pool, this field must be true for
			// all users. If you've set MFA to be off, this field must be
			// false for all users. ... it can't be empty." (the same page)
			switch strings.ToLower(v) {
			case "true":
				if p.MFA.Mode != MFAOn && p.MFA.Mode != MFAOptional {
					return rowFailed, whyMFAOff
				}
				mfa = true
			case "false":
				if p.MFA.Mode == MFAOn {
					return rowFailed, whyMFAOn
				}
			default:
				return rowFailed, whyBadMFA
			}
		default:
			if v != "" {
				attrs[h] = v
			}
		}
	}
	if username == "" {
		return rowFailed, whyNoUsername
	}
	list := make([]Attribute, 0, len(attrs))
	for k, v := range attrs {
		if isVerificationFlag(k) {
			v = strings.ToLower(v)
			attrs[k] = v
		}
		list = append(list, Attribute{Name: k, Value: v})
	}
	// The schema's messages name attributes, never their values.
	schemaErr := checkAttributes(p, list, true)
	if schemaErr == nil {
		schemaErr = checkConstraints(p, list)
	}
	if schemaErr != nil {
		var e *Error
		if errors.As(schemaErr, &e) {
			return rowFailed, "The User Record does not match the user pool's schema: " + strings.TrimSpace(e.Message)
		}
		return rowFailed, whyInternal
	}
	if name := missingRequired(p, attrs); name != "" {
		return rowFailed, fmt.Sprintf("The User Record has no value for the required attribute %s.", name)
	}
	// In a pool whose usernames are email addresses or phone numbers, the
	// username is that attribute, and the user's username its sub.
	sub := uuid.New().String()
	kind := ""
	if len(p.UsernameAttributes) > 0 {
		kind = p.usernameKind(username)
		if kind == "" {
			return rowFailed, fmt.Sprintf("The cognito:username must be an %s, as the user pool signs users in with it.",
				strings.Join(p.UsernameAttributes, " or "))
		}
		if attrs[kind] != "" && attrs[kind] != username {
			return rowFailed, fmt.Sprintf("The cognito:username and the %s differ.", kind)
		}
		attrs[kind] = username
		username = sub
	} else if !validUsername(username) {
		return rowFailed, whyBadUsername
	}
	// A verified attribute needs its value, and at least one of the pool's
	// auto-verified attributes must be verified so that the user can reset
	// the password.
	for _, a := range []string{"email", "phone_number"} {
		if attrs[a+"_verified"] == "true" && attrs[a] == "" {
			return rowFailed, fmt.Sprintf(whyVerifiedNone, a+"_verified", a)
		}
	}
	verified := false
	for _, a := range p.AutoVerifiedAttributes {
		verified = verified || attrs[a+"_verified"] == "true"
	}
	if !verified {
		return rowFailed, whyNotVerified
	}
	u := &store.User{
		PoolID: p.ID, Sub: sub, Username: username, UsernameKey: p.usernameKey(username),
		Status: StatusResetRequired, Enabled: true, Attributes: attrs, Aliases: p.aliases(attrs),
		CreatedAt: now, UpdatedAt: now,
	}
	// MFA on is SMS MFA (the column predates the other factors) where the
	// pool offers it; in a pool with only other factors the user sets one
	// up at the first sign-in (MFA_SETUP), as any user without a factor.
	if mfa && p.MFA.SmsEnabled {
		if attrs["phone_number"] == "" {
			return rowFailed, whyMFANoPhone
		}
		u.MFAEnabled = []string{"SMS_MFA"}
	}
	err := tx.Users().Create(u)
	var ee *store.ExistsError
	switch {
	case err == nil:
		return rowImported, ""
	case errors.As(err, &ee) && (ee.What == "username" || (kind != "" && ee.What == "alias:"+kind)):
		return rowSkipped, whyExists
	case errors.As(err, &ee):
		return rowFailed, fmt.Sprintf(whyAliasTaken, strings.TrimPrefix(ee.What, "alias:"))
	default:
		return rowFailed, whyInternal
	}
}
