package idp

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/ninshou/ninshou/internal/store"
)

// importFixture is a pool with email auto-verified and a job whose file
// holds n users (u0000 ...), uploaded but not started.
func importFixture(t *testing.T, svc *Service, settings PoolSettings, n int) (poolID, jobID string) {
	t.Helper()
	ctx := context.Background()
	settings.AutoVerifiedAttributes = []string{"email"}
	p, err := svc.CreatePool(ctx, "imports", settings, nil)
	if err != nil {
		t.Fatal(err)
	}
	j, err := svc.CreateUserImportJob(ctx, p.ID, "j", "arn:aws:iam::111111111111:role/Import")
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	b.WriteString(strings.Join(csvHeader(p), ","))
	for i := range n {
		row := make([]string, len(csvHeader(p)))
		for c, h := range csvHeader(p) {
			switch h {
			case "cognito:username":
				row[c] = fmt.Sprintf("u%04d", i)
				if len(settings.UsernameAttributes) > 0 {
					row[c] = fmt.Sprintf("u%04d@example.com", i)
				}
			case "email":
				row[c] = fmt.Sprintf("u%04d@example.com", i)
			case "email_verified":
				row[c] = "true"
			case "cognito:mfa_enabled":
				row[c] = "false"
			}
		}
		b.WriteString("\n" + strings.Join(row, ","))
	}
	var secret []byte
	svc.Store.View(ctx, func(tx store.Tx) error {
		r, err := tx.ImportJobs().Get(p.ID, j.ID)
		if err == nil {
			secret = r.UploadSecret
		}
		return err
	})
	if err := svc.UploadUserImportCSV(ctx, p.ID, j.ID, "wrong", strings.NewReader(b.String())); !errors.Is(err, ErrImportUploadDenied) {
		t.Fatalf("upload with a wrong secret: %v", err)
	}
	if err := svc.UploadUserImportCSV(ctx, p.ID, j.ID, base64.RawURLEncoding.EncodeToString(secret), strings.NewReader(b.String())); err != nil {
		t.Fatal(err)
	}
	return p.ID, j.ID
}

func jobRow(t *testing.T, svc *Service, poolID, jobID string) *store.ImportJob {
	t.Helper()
	var j *store.ImportJob
	if err := svc.Store.View(context.Background(), func(tx store.Tx) error {
		var err error
		j, err = tx.ImportJobs().Get(poolID, jobID)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return j
}

func userExists(t *testing.T, svc *Service, poolID, username string) bool {
	t.Helper()
	_, err := svc.AdminGetUser(context.Background(), poolID, username)
	var e *Error
	if errors.As(err, &e) && e.Code == UserNotFoundException {
		return false
	}
	if err != nil {
		t.Fatal(err)
	}
	return true
}

// A node that stopped mid-job left it InProgress with the rows of its
// committed batches counted; the importer resumes at the first uncounted
// row, so no row is imported twice and none is lost.
func TestImportResumesFromFirstUncountedRow(t *testing.T) {
	// Small chunks: the file spans dozens, and rows cross their ends.
	defer func(n int) { importChunkBytes = n }(importChunkBytes)
	importChunkBytes = 4093
	svc, _ := testService(t)
	ctx := context.Background()
	poolID, jobID := importFixture(t, svc, NewPoolSettings(), 2*importBatch+37)
	if _, err := svc.StartUserImportJob(ctx, poolID, jobID); err != nil {
		t.Fatal(err)
	}
	// As if the first batch had committed before the node stopped (its
	// users are left out, so a re-import of them would show).
	if err := svc.Store.Update(ctx, func(tx store.Tx) error {
		j, err := tx.ImportJobs().Get(poolID, jobID)
		if err != nil {
			return err
		}
		j.Status, j.Imported = ImportInProgress, importBatch
		return tx.ImportJobs().Update(j)
	}); err != nil {
		t.Fatal(err)
	}
	runCtx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { defer close(done); svc.RunImports(runCtx, 10*time.Millisecond) }()
	deadline := time.Now().Add(20 * time.Second)
	for jobRow(t, svc, poolID, jobID).Status != ImportSucceeded {
		if time.Now().After(deadline) {
			t.Fatalf("job still %s", jobRow(t, svc, poolID, jobID).Status)
		}
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	<-done
	j := jobRow(t, svc, poolID, jobID)
	if j.Imported != 2*importBatch+37 || j.Skipped != 0 || j.Failed != 0 {
		t.Errorf("counts %d/%d/%d, want %d/0/0", j.Imported, j.Skipped, j.Failed, 2*importBatch+37)
	}
	if userExists(t, svc, poolID, "u0000") || userExists(t, svc, poolID, fmt.Sprintf("u%04d", importBatch-1)) {
		t.Error("rows of the counted batch were imported again")
	}
	if !userExists(t, svc, poolID, fmt.Sprintf("u%04d", importBatch)) || !userExists(t, svc, poolID, fmt.Sprintf("u%04d", 2*importBatch+36)) {
		t.Error("rows after the counted batch are missing")
	}
	if err := svc.Store.View(ctx, func(tx store.Tx) error {
		_, err := tx.ImportJobs().CSVChunk(poolID, jobID, 0)
		return err
	}); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("the file of a finished job is still stored: %v", err)
	}
}

// StopUserImportJob on a running job: the importer stops before its next
// batch and the job ends Stopped, with its file dropped.
func TestImportStopsBeforeTheNextBatch(t *testing.T) {
	svc, _ := testService(t)
	ctx := context.Background()
	poolID, jobID := importFixture(t, svc, NewPoolSettings(), 3)
	if _, err := svc.StartUserImportJob(ctx, poolID, jobID); err != nil {
		t.Fatal(err)
	}
	j := jobRow(t, svc, poolID, jobID)
	if err := svc.Store.Update(ctx, func(tx store.Tx) error { // claimed by an importer
		cur, err := tx.ImportJobs().Get(poolID, jobID)
		if err != nil {
			return err
		}
		cur.Status = ImportInProgress
		return tx.ImportJobs().Update(cur)
	}); err != nil {
		t.Fatal(err)
	}
	out, err := svc.StopUserImportJob(ctx, poolID, jobID)
	if err != nil || out.Status != ImportStopping {
		t.Fatalf("StopUserImportJob = %+v, %v; want Stopping", out, err)
	}
	j = jobRow(t, svc, poolID, jobID)
	if err := svc.runImport(ctx, j); err != nil {
		t.Fatal(err)
	}
	j = jobRow(t, svc, poolID, jobID)
	if j.Status != ImportStopped || j.Imported != 0 || j.CompletedAt.IsZero() {
		t.Errorf("after the stop: %+v", j)
	}
	if userExists(t, svc, poolID, "u0000") {
		t.Error("a stopped job imported a user")
	}
}

// In a pool whose usernames are email addresses, cognito:username holds the
// address; the user's username becomes its sub, as with AdminCreateUser.
func TestImportIntoEmailUsernamePool(t *testing.T) {
	svc, _ := testService(t)
	ctx := context.Background()
	settings := NewPoolSettings()
	settings.UsernameAttributes = []string{"email"}
	poolID, jobID := importFixture(t, svc, settings, 2)
	if _, err := svc.StartUserImportJob(ctx, poolID, jobID); err != nil {
		t.Fatal(err)
	}
	if err := svc.runImport(ctx, jobRow(t, svc, poolID, jobID)); err != nil { // claims it
		t.Fatal(err)
	}
	if j := jobRow(t, svc, poolID, jobID); j.Imported != 2 || j.Status != ImportSucceeded {
		t.Fatalf("job: %+v", j)
	}
	u, err := svc.AdminGetUser(ctx, poolID, "u0001@example.com")
	if err != nil {
		t.Fatal(err)
	}
	if u.Username == "u0001@example.com" || u.Status != StatusResetRequired {
		t.Errorf("user %+v: want a sub as username and RESET_REQUIRED", u)
	}
}

// While a job is Pending (or running), the pool cannot be deleted,
// updated or given custom attributes: UserImportInProgressException, as
// those operations' models list. Once it has stopped, they work again.
func TestPoolChangesWaitForImports(t *testing.T) {
	svc, _ := testService(t)
	ctx := context.Background()
	poolID, jobID := importFixture(t, svc, NewPoolSettings(), 1)
	if _, err := svc.StartUserImportJob(ctx, poolID, jobID); err != nil {
		t.Fatal(err)
	}
	wantCode := func(what string, err error, code Code) {
		t.Helper()
		var e *Error
		if !errors.As(err, &e) || e.Code != code {
			t.Errorf("%s: %v, want %s", what, err, code)
		}
	}
	wantCode("DeletePool", svc.DeletePool(ctx, poolID), UserImportInProgressException)
	_, err := svc.UpdatePool(ctx, poolID, func(*PoolSettings) error { return nil })
	wantCode("UpdatePool", err, UserImportInProgressException)
	wantCode("AddCustomAttributes", svc.AddCustomAttributes(ctx, poolID, []SchemaAttribute{{Name: "tier"}}), UserImportInProgressException)
	_, err = svc.StartUserImportJob(ctx, poolID, jobID)
	wantCode("StartUserImportJob again", err, PreconditionNotMetException)

	if _, err := svc.StopUserImportJob(ctx, poolID, jobID); err != nil {
		t.Fatal(err)
	}
	if err := svc.AddCustomAttributes(ctx, poolID, []SchemaAttribute{{Name: "tier"}}); err != nil {
		t.Errorf("AddCustomAttributes after the stop: %v", err)
	}
	if err := svc.DeletePool(ctx, poolID); err != nil {
		t.Errorf("DeletePool after the stop: %v", err)
	}
}
