// Package importhttp serves the upload URL of user import jobs: the
// PreSignedUrl of CreateUserImportJob, which on AWS is an Amazon S3
// pre-signed PUT URL. Clients upload the CSV file the way Cognito's guide
// shows for S3 (curl -T users.csv -H "x-amz-server-side-encryption:aws:kms"
// "<PreSignedUrl>"); the secret in the URL stands for S3's signature.
package importhttp

import (
	"errors"
	"log/slog"
	"net/http"
	"net/url"

	"github.com/ninshou/ninshou/internal/idp"
)

// Path is the route prefix; a job's URL is Path + <poolId>/<jobId>?secret=...
const Path = "/_ninshou/user-import/"

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
		err := svc.UploadUserImportCSV(r.Context(), r.PathValue("pool"), r.PathValue("job"), r.URL.Query().Get("secret"), r.Body)
		switch {
		case err == nil:
			w.WriteHeader(http.StatusOK)
		case errors.Is(err, idp.ErrImportUploadDenied):
			http.Error(w, "AccessDenied: no such import job, a wrong secret, or the job has started", http.StatusForbidden)
		case errors.Is(err, idp.ErrImportTooLarge):
			http.Error(w, "EntityTooLarge: an import file is at most 100 MiB", http.StatusRequestEntityTooLarge)
		case r.Context().Err() != nil:
			http.Error(w, "IncompleteBody: the upload was cut short", http.StatusBadRequest)
		default:
			log.Error("user import upload", "pool", r.PathValue("pool"), "job", r.PathValue("job"), "err", err)
			http.Error(w, "InternalError", http.StatusInternalServerError)
		}
	})
	return mux
}
