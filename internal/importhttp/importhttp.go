// Package importhttp serves the upload URL of user import jobs: the
// PreSignedUrl of CreateUserImportJob, which on AWS is an Amazon S3
// pre-signed PUT URL. Clients upload the CSV file the way Cognito's guide
// shows for S3 (curl -T users.csv -H "x-amz-server-side-encryption:aws:kms"
// "<PreSignedUrl>"); the secret in the URL stands for S3's signature.
//
// It also serves each job's result log, which Cognito writes to CloudWatch
// Logs: GET the upload URL with /log after the job ID (same secret) for
// one text line per row that was skipped or failed, in Cognito's form:
//
//	[FAILED] Line Number 5 - The User Record does not set any of the auto verified attributes to true. (Example: email_verified to true).
//	[SKIPPED] Line Number 9 - The user already exists.
//
// after=N starts past line N. Imported rows are counted (ImportedUsers),
// not listed.
package importhttp

import (
	"bufio"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"time"

	"github.com/ninshou/ninshou/internal/idp"
)

// Path is the route prefix; a job's URL is Path + <poolId>/<jobId>?secret=...
const Path = "/_ninshou/user-import/"

// uploadReadTimeout bounds the upload of one file: 100 MiB at about 0.5 Mbit/s.
const uploadReadTimeout = 30 * time.Minute

// URL returns the upload URL builder for a server reached at publicURL.
func URL(publicURL string) func(poolID, jobID, secret string) string {
	return func(poolID, jobID, secret string) string {
		return publicURL + Path + url.PathEscape(poolID) + "/" + url.PathEscape(jobID) + "?secret=" + url.QueryEscape(secret)
	}
}

// Handler serves PUT Path{pool}/{job}. The answer is 200 with an empty body
// once the file is stored, 403 for an unknown job, a wrong secret or a job
// already started, and 413 for a file over idp.MaxImportCSVBytes. The
// secret never reaches the log.
func Handler(svc *idp.Service, log *slog.Logger) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("PUT "+Path+"{pool}/{job}", func(w http.ResponseWriter, r *http.Request) {
		if r.ContentLength > idp.MaxImportCSVBytes {
			http.Error(w, "EntityTooLarge: an import file is at most 100 MiB", http.StatusRequestEntityTooLarge)
			return
		}
		// A file of up to 100 MiB may take longer than the server's read
		// timeout for a request: an upload the URL admits has its own.
		pool, job, secret := r.PathValue("pool"), r.PathValue("job"), r.URL.Query().Get("secret")
		err := svc.CheckImportUpload(r.Context(), pool, job, secret)
		if err == nil {
			_ = http.NewResponseController(w).SetReadDeadline(time.Now().Add(uploadReadTimeout))
			err = svc.UploadUserImportCSV(r.Context(), pool, job, secret, r.Body)
		}
		switch {
		case err == nil:
			w.WriteHeader(http.StatusOK)
		case errors.Is(err, idp.ErrImportUploadDenied):
			http.Error(w, "AccessDenied: no such import job, a wrong secret, or the job has started", http.StatusForbidden)
		case errors.Is(err, idp.ErrImportTooLarge):
			http.Error(w, "EntityTooLarge: an import file is at most 100 MiB", http.StatusRequestEntityTooLarge)
		case r.Context().Err() != nil || errors.Is(err, os.ErrDeadlineExceeded):
			http.Error(w, "IncompleteBody: the upload was cut short", http.StatusBadRequest)
		default:
			log.Error("user import upload", "pool", r.PathValue("pool"), "job", r.PathValue("job"), "err", err)
			http.Error(w, "InternalError", http.StatusInternalServerError)
		}
	})
	mux.HandleFunc("GET "+Path+"{pool}/{job}/log", func(w http.ResponseWriter, r *http.Request) {
		after := int64(0)
		if v := r.URL.Query().Get("after"); v != "" {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil || n < 0 {
				http.Error(w, "InvalidArgument: after must be a line number", http.StatusBadRequest)
				return
			}
			after = n
		}
		pool, job, secret := r.PathValue("pool"), r.PathValue("job"), r.URL.Query().Get("secret")
		// The first page decides the status; the log is then streamed a page
		// at a time, so a job with a million failed rows needs no more
		// memory than one page.
		lines, err := svc.ImportJobLog(r.Context(), pool, job, secret, after, logPage)
		if errors.Is(err, idp.ErrImportLogDenied) {
			http.Error(w, "AccessDenied: no such import job, or a wrong secret", http.StatusForbidden)
			return
		}
		if err != nil {
			log.Error("user import log", "pool", pool, "job", job, "err", err)
			http.Error(w, "InternalError", http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		bw := bufio.NewWriter(w)
		for len(lines) > 0 {
			for _, l := range lines {
				fmt.Fprintf(bw, "[%s] Line Number %d - %s\n", l.Outcome, l.Line, l.Message)
			}
			if len(lines) < logPage {
				break
			}
			after = lines[len(lines)-1].Line
			if lines, err = svc.ImportJobLog(r.Context(), pool, job, secret, after, logPage); err != nil {
				// Too late for a status: cut the connection, so that the
				// client sees a broken body rather than a short log
				// (net/http's documented way; it logs nothing).
				log.Error("user import log", "pool", pool, "job", job, "err", err)
				panic(http.ErrAbortHandler)
			}
		}
		if err := bw.Flush(); err != nil {
			return // the client went away
		}
	})
	return mux
}

// logPage is how many log lines one read of the store returns.
const logPage = 1000
