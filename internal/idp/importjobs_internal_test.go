package idp

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/ninshou/ninshou/internal/store"
)

// importFixture is a pool with email auto-verified and a job whose file
// holds n users (u0000 ...), uploaded but not started.
func importFixture(t *testing.T, svc *Service, settings PoolSettings, n int) (poolID, jobID string) {
	t.Helper()
	ctx := context.Background()
	p, j := importPool(t, svc, settings)
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

// importPool is a pool with email auto-verified and a Created job without
// a file.
func importPool(t *testing.T, svc *Service, settings PoolSettings) (*Pool, *ImportJob) {
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
	return p, j
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

// claimJob marks a job InProgress, as the importer that takes it does.
func claimJob(t *testing.T, svc *Service, poolID, jobID string) {
	t.Helper()
	if err := svc.Store.Update(context.Background(), func(tx store.Tx) error {
		cur, err := tx.ImportJobs().Get(poolID, jobID)
		if err != nil {
			return err
		}
		cur.Status = ImportInProgress
		return tx.ImportJobs().Update(cur)
	}); err != nil {
		t.Fatal(err)
	}
}

// importUntil runs the importer, as a node does from its start, until the
// job has status (failing the test after a while).
func importUntil(t *testing.T, svc *Service, poolID, jobID, status string) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); svc.RunImports(ctx, 10*time.Millisecond) }()
	defer func() { cancel(); <-done }()
	deadline := time.Now().Add(20 * time.Second)
	for jobRow(t, svc, poolID, jobID).Status != status {
		if time.Now().After(deadline) {
			t.Fatalf("job still %s, want %s", jobRow(t, svc, poolID, jobID).Status, status)
		}
		time.Sleep(10 * time.Millisecond)
	}
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
	importUntil(t, svc, poolID, jobID, ImportSucceeded)
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
	claimJob(t, svc, poolID, jobID) // by an importer
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

// A node that stopped between StopUserImportJob and its importer's next
// batch left the job Stopping; the importer of a restarted node ends it
// Stopped ("Stopping - You have stopped the job, but the job has not stopped
// importing users yet", the model's UserImportJobType), so the pool is no
// longer held by an import.
func TestImportStoppingEndsAfterRestart(t *testing.T) {
	svc, _ := testService(t)
	ctx := context.Background()
	poolID, jobID := importFixture(t, svc, NewPoolSettings(), 3)
	if _, err := svc.StartUserImportJob(ctx, poolID, jobID); err != nil {
		t.Fatal(err)
	}
	claimJob(t, svc, poolID, jobID) // by an importer, then its node stopped
	if out, err := svc.StopUserImportJob(ctx, poolID, jobID); err != nil || out.Status != ImportStopping {
		t.Fatalf("StopUserImportJob = %+v, %v; want Stopping", out, err)
	}
	importUntil(t, svc, poolID, jobID, ImportStopped)
	if j := jobRow(t, svc, poolID, jobID); j.Imported != 0 || j.CompletionMessage != msgImportStopped {
		t.Errorf("after the restart: %+v", j)
	}
	if err := svc.Store.View(ctx, func(tx store.Tx) error { return requireNoImport(tx, poolID) }); err != nil {
		t.Errorf("the pool is still held by the stopped job: %v", err)
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

	// Imported again, the address is a user that exists: skipped, not
	// failed.
	p, err := svc.GetPool(ctx, poolID)
	if err != nil {
		t.Fatal(err)
	}
	again, err := svc.CreateUserImportJob(ctx, poolID, "again", "arn:aws:iam::111111111111:role/Import")
	if err != nil {
		t.Fatal(err)
	}
	body := strings.Join(csvHeader(p), ",") + "\n" + csvLine(p, map[string]string{"cognito:username": "u0001@example.com",
		"email_verified": "true", "cognito:mfa_enabled": "false"}) + "\n"
	if err := svc.UploadUserImportCSV(ctx, poolID, again.ID, jobSecret(t, svc, poolID, again.ID), strings.NewReader(body)); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.StartUserImportJob(ctx, poolID, again.ID); err != nil {
		t.Fatal(err)
	}
	if err := svc.runImport(ctx, jobRow(t, svc, poolID, again.ID)); err != nil {
		t.Fatal(err)
	}
	if j := jobRow(t, svc, poolID, again.ID); j.Imported != 0 || j.Skipped != 1 || j.Failed != 0 {
		t.Errorf("the same address again: %d/%d/%d imported/skipped/failed, want 0/1/0", j.Imported, j.Skipped, j.Failed)
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
	_, err := svc.UpdatePool(ctx, poolID, "", func(*PoolSettings) error { return nil })
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

// csvLine is one row of csvHeader(p) with the given fields set, commas
// escaped with a backslash as Cognito's guide writes them.
func csvLine(p *Pool, fields map[string]string) string {
	h := csvHeader(p)
	row := make([]string, len(h))
	for i, name := range h {
		row[i] = strings.ReplaceAll(fields[name], ",", `\,`)
	}
	return strings.Join(row, ",")
}

func jobSecret(t *testing.T, svc *Service, poolID, jobID string) string {
	t.Helper()
	return base64.RawURLEncoding.EncodeToString(jobRow(t, svc, poolID, jobID).UploadSecret)
}

// The job's result log names each skipped or failed row by its line and
// says why, in Cognito's words where its guide quotes them, never with the
// row's data. The rows follow the guide's format
// (cognito-user-pools-using-import-tool-csv-header.html): a comma escaped
// with a backslash is part of its value, quotes are no CSV quoting, values
// are trimmed, cognito:mfa_enabled is required and agrees with the pool's
// MFA (off here), and a row has at most 16,000 characters.
// https://docs.aws.amazon.com/cognito/latest/developerguide/cognito-user-pools-using-import-tool-cloudwatch.html
func TestImportLogNamesRowsByLine(t *testing.T) {
	svc, _ := testService(t)
	ctx := context.Background()
	p, j := importPool(t, svc, NewPoolSettings())
	ok := func(username string) map[string]string {
		return map[string]string{"cognito:username": username, "email": username + "@example.com",
			"email_verified": "true", "cognito:mfa_enabled": "false"}
	}
	with := func(m map[string]string, k, v string) map[string]string { m[k] = v; return m }
	lines := []string{
		strings.Join(csvHeader(p), ","),                        // 1
		csvLine(p, ok("ana")),                                  // 2
		csvLine(p, ok("ana")),                                  // 3: exists
		csvLine(p, with(ok("ben"), "email_verified", "false")), // 4
		csvLine(p, with(ok("cy"), "name", "Cy, the second")),   // 5: imported
		"",            // 6: empty, skipped over
		"dee,too,few", // 7
		csvLine(p, with(ok("eve"), "cognito:mfa_enabled", "yes")),     // 8
		csvLine(p, with(ok("fay"), "email", "fay-secret-at-nowhere")), // 9
		csvLine(p, with(ok("gus"), "email_verified", "maybe")),        // 10
		csvLine(p, with(ok(""), "email", "x@example.com")),            // 11
		csvLine(p, with(ok("hal"), "cognito:mfa_enabled", "true")),    // 12: MFA is off
		csvLine(p, ok("ivy")), // 13
		csvLine(p, with(ok("jon"), "cognito:mfa_enabled", "")),                                      // 14
		csvLine(p, with(ok("kit"), "name", strings.Repeat("k", 16001))),                             // 15
		csvLine(p, with(with(ok("lee"), "cognito:username", "  lee "), "nickname", `5'11" "tall"`)), // 16: imported
	}
	body := strings.Join(lines, "\n") + "\n"
	importNow(t, svc, p.ID, j.ID, strings.NewReader(body))
	row := jobRow(t, svc, p.ID, j.ID)
	if row.Status != ImportSucceeded || row.Imported != 4 || row.Skipped != 1 || row.Failed != 9 {
		t.Fatalf("job %s with %d/%d/%d imported/skipped/failed, want Succeeded with 4/1/9",
			row.Status, row.Imported, row.Skipped, row.Failed)
	}
	want := []ImportLogLine{
		{Line: 3, Outcome: "SKIPPED", Message: "The user already exists."},
		{Line: 4, Outcome: "FAILED", Message: "The User Record does not set any of the auto verified attributes to true. (Example: email_verified to true)."},
		{Line: 7, Outcome: "FAILED", Message: whyFieldCount},
		{Line: 8, Outcome: "FAILED", Message: whyBadMFA},
		{Line: 9, Outcome: "FAILED", Message: "The User Record does not match the user pool's schema: Invalid email address format."},
		{Line: 10, Outcome: "FAILED", Message: "The User Record does not match the user pool's schema: Attributes did not conform to the schema: email_verified: The attribute value is not a valid Boolean."},
		{Line: 11, Outcome: "FAILED", Message: whyNoUsername},
		{Line: 12, Outcome: "FAILED", Message: whyMFAOff},
		{Line: 14, Outcome: "FAILED", Message: whyBadMFA},
		{Line: 15, Outcome: "FAILED", Message: whyTooLong},
	}
	secret := jobSecret(t, svc, p.ID, j.ID)
	got, err := svc.ImportJobLog(ctx, p.ID, j.ID, secret, 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("log:\n%v\nwant:\n%v", got, want)
	}
	for name, want := range map[string][2]string{"cy": {"name", "Cy, the second"}, "lee": {"nickname", `5'11" "tall"`}} {
		u, err := svc.AdminGetUser(ctx, p.ID, name)
		if err != nil {
			t.Errorf("AdminGetUser %s: %v", name, err)
			continue
		}
		if i := slices.IndexFunc(u.Attributes, func(a Attribute) bool { return a.Name == want[0] }); i < 0 || u.Attributes[i].Value != want[1] {
			t.Errorf("%s's %s: %v; want %q", name, want[0], u.Attributes, want[1])
		}
	}
	for _, l := range got {
		for _, data := range []string{"fay-secret", "maybe", "yes", "dee"} {
			if strings.Contains(l.Message, data) {
				t.Errorf("line %d holds the row's data %q: %s", l.Line, data, l.Message)
			}
		}
	}
	// Paged by line number.
	if got, err := svc.ImportJobLog(ctx, p.ID, j.ID, secret, 8, 2); err != nil || fmt.Sprint(got) != fmt.Sprint(want[4:6]) {
		t.Errorf("log after line 8, 2 lines: %v, %v; want %v", got, err, want[4:6])
	}
	for name, k := range map[string][3]string{
		"a wrong secret": {p.ID, j.ID, base64.RawURLEncoding.EncodeToString([]byte("wrong"))},
		"no secret":      {p.ID, j.ID, ""},
		"not base64":     {p.ID, j.ID, "%%%"},
		"another job":    {p.ID, "import-nope", secret},
		"another pool":   {"us-east-1_nope", j.ID, secret},
	} {
		if _, err := svc.ImportJobLog(ctx, k[0], k[1], k[2], 0, 10); !errors.Is(err, ErrImportLogDenied) {
			t.Errorf("log with %s: %v, want ErrImportLogDenied", name, err)
		}
	}
}

// A job not started within a day is Expired: it reads so at once, cannot
// be started or take a file, and the janitor's ExpireCreated then writes
// the status and drops its file. (UserImportJobType: "You created a job,
// but did not start the job within 24-48 hours.")
func TestImportJobExpires(t *testing.T) {
	svc, now := testService(t)
	ctx := context.Background()
	poolID, jobID := importFixture(t, svc, NewPoolSettings(), 3)
	secret := jobSecret(t, svc, poolID, jobID)
	*now = now.Add(ImportJobLifetime)
	if j, err := svc.DescribeUserImportJob(ctx, poolID, jobID); err != nil || j.Status != ImportCreated {
		t.Fatalf("a day on: %+v, %v; want Created", j, err)
	}
	var n int64
	if err := svc.Store.Update(ctx, func(tx store.Tx) (err error) {
		n, err = tx.ImportJobs().ExpireCreated(now.Add(-ImportJobLifetime))
		return err
	}); err != nil || n != 0 {
		t.Fatalf("ExpireCreated a day on: %d, %v; want 0", n, err)
	}
	*now = now.Add(time.Second)
	j, err := svc.DescribeUserImportJob(ctx, poolID, jobID)
	if err != nil || j.Status != ImportExpired {
		t.Fatalf("a day and a second on: %+v, %v; want Expired", j, err)
	}
	if js, _, err := svc.ListUserImportJobs(ctx, poolID, store.Page{}); err != nil || len(js) != 1 || js[0].Status != ImportExpired {
		t.Errorf("ListUserImportJobs after a day: %v, %v; want the job Expired", js, err)
	}
	_, err = svc.StartUserImportJob(ctx, poolID, jobID)
	var e *Error
	if !errors.As(err, &e) || e.Code != PreconditionNotMetException || !strings.Contains(e.Message, "Expired") {
		t.Errorf("StartUserImportJob of an expired job: %v, want PreconditionNotMetException", err)
	}
	if err := svc.UploadUserImportCSV(ctx, poolID, jobID, secret, strings.NewReader("a\n")); !errors.Is(err, ErrImportUploadDenied) {
		t.Errorf("upload to an expired job: %v, want ErrImportUploadDenied", err)
	}
	if err := svc.Store.Update(ctx, func(tx store.Tx) (err error) {
		n, err = tx.ImportJobs().ExpireCreated(now.Add(-ImportJobLifetime))
		return err
	}); err != nil || n != 1 {
		t.Fatalf("ExpireCreated: %d, %v; want 1", n, err)
	}
	if row := jobRow(t, svc, poolID, jobID); row.Status != ImportExpired {
		t.Errorf("stored status after ExpireCreated: %s", row.Status)
	}
	if err := svc.Store.View(ctx, func(tx store.Tx) error {
		_, err := tx.ImportJobs().CSVChunk(poolID, jobID, 0)
		return err
	}); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("the file of an expired job is still stored: %v", err)
	}
}

// A row's custom attributes meet the schema's constraints, as they must in
// AdminCreateUser and SignUp: a String longer than its MaxLength, a Number
// out of range or not a number fails the row.
func TestImportChecksAttributeConstraints(t *testing.T) {
	svc, _ := testService(t)
	ctx := context.Background()
	settings := NewPoolSettings()
	settings.AutoVerifiedAttributes = []string{"email"}
	pool, err := svc.CreatePool(ctx, "imports", settings, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := svc.AddCustomAttributes(ctx, pool.ID, []SchemaAttribute{
		{Name: "tier", DataType: "String", HasString: true, StringMax: "5"},
		{Name: "level", DataType: "Number", HasNumber: true, NumberMin: "1", NumberMax: "10"},
	}); err != nil {
		t.Fatal(err)
	}
	j, err := svc.CreateUserImportJob(ctx, pool.ID, "j", "arn:aws:iam::111111111111:role/Import")
	if err != nil {
		t.Fatal(err)
	}
	p, err := svc.GetPool(ctx, pool.ID)
	if err != nil {
		t.Fatal(err)
	}
	row := func(username, tier, level string) string {
		return csvLine(p, map[string]string{"cognito:username": username, "email": username + "@example.com",
			"email_verified": "true", "cognito:mfa_enabled": "false", "custom:tier": tier, "custom:level": level})
	}
	body := strings.Join([]string{strings.Join(csvHeader(p), ","),
		row("ana", "gold", "7"),     // 2: imported
		row("ben", "platinum", "7"), // 3
		row("cy", "gold", "11"),     // 4
		row("dee", "gold", "many"),  // 5
	}, "\n") + "\n"
	importNow(t, svc, p.ID, j.ID, strings.NewReader(body))
	const schema = "The User Record does not match the user pool's schema: Attributes did not conform to the schema: "
	want := []ImportLogLine{
		{Line: 3, Outcome: "FAILED", Message: schema + "custom:tier: String must be no longer than 5 characters"},
		{Line: 4, Outcome: "FAILED", Message: schema + "custom:level: Number must be no greater than 10"},
		{Line: 5, Outcome: "FAILED", Message: schema + "custom:level: Number must be a number"},
	}
	got, err := svc.ImportJobLog(ctx, p.ID, j.ID, jobSecret(t, svc, p.ID, j.ID), 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("log:\n%v\nwant:\n%v", got, want)
	}
	if !userExists(t, svc, p.ID, "ana") || userExists(t, svc, p.ID, "ben") {
		t.Errorf("ana imported %v, ben imported %v; want true, false", userExists(t, svc, p.ID, "ana"), userExists(t, svc, p.ID, "ben"))
	}
}

// The upload URL takes a file for 15 minutes only
// (cognito-user-pools-creating-import-job.html); a pool that requires MFA
// takes only rows with cognito:mfa_enabled true; a CompletionMessage that
// quotes a bad header column stays within the model's 128 characters.
func TestImportUploadWindowMFAOnAndLongColumn(t *testing.T) {
	svc, now := testService(t)
	ctx := context.Background()
	settings := NewPoolSettings()
	settings.MFA = MFAConfig{Mode: MFAOn, SmsEnabled: true}
	p, j := importPool(t, svc, settings)
	*now = now.Add(ImportUploadWindow + time.Second)
	if err := svc.UploadUserImportCSV(ctx, p.ID, j.ID, jobSecret(t, svc, p.ID, j.ID), strings.NewReader("a\n")); !errors.Is(err, ErrImportUploadDenied) {
		t.Errorf("upload 15 minutes and a second on: %v, want ErrImportUploadDenied", err)
	}

	row := func(username, mfa string) string {
		return csvLine(p, map[string]string{"cognito:username": username, "email": username + "@example.com", "email_verified": "true",
			"phone_number": "+14155550123", "phone_number_verified": "true", "cognito:mfa_enabled": mfa})
	}
	run := func(body string) (*store.ImportJob, []ImportLogLine) {
		t.Helper()
		j, err := svc.CreateUserImportJob(ctx, p.ID, "j", "arn:aws:iam::111111111111:role/Import")
		if err != nil {
			t.Fatal(err)
		}
		*now = now.Add(14 * time.Minute) // in the window when the upload starts, past it when it ends
		slow := &clockReader{r: strings.NewReader(body), tick: func() { *now = now.Add(2 * time.Minute) }}
		importNow(t, svc, p.ID, j.ID, slow)
		got, err := svc.ImportJobLog(ctx, p.ID, j.ID, jobSecret(t, svc, p.ID, j.ID), 0, 100)
		if err != nil {
			t.Fatal(err)
		}
		return jobRow(t, svc, p.ID, j.ID), got
	}
	header := strings.Join(csvHeader(p), ",")
	done, log := run(header + "\n" + row("ana", "true") + "\n" + row("ben", "false") + "\n")
	if done.Imported != 1 || fmt.Sprint(log) != fmt.Sprint([]ImportLogLine{{Line: 3, Outcome: "FAILED", Message: whyMFAOn}}) {
		t.Errorf("MFA required: %d imported, log %v; want ana imported and ben failed (%s)", done.Imported, log, whyMFAOn)
	}
	done, _ = run(header + "," + strings.Repeat("x", 300) + "\x00\n")
	if done.Status != ImportFailed || utf8.RuneCountInString(done.CompletionMessage) > 128 || strings.ContainsRune(done.CompletionMessage, 0) {
		t.Errorf("a long, unprintable column: %s %q; want Failed within 128 printable characters", done.Status, done.CompletionMessage)
	}
}

// clockReader calls tick before its first read: an upload that takes time.
type clockReader struct {
	r    io.Reader
	tick func()
}

func (c *clockReader) Read(b []byte) (int, error) {
	if c.tick != nil {
		c.tick()
		c.tick = nil
	}
	return c.r.Read(b)
}

// In a pool that requires MFA without SMS MFA, cognito:mfa_enabled true
// imports a user without a phone and without a factor: the first sign-in
// sets one up (MFA_SETUP).
func TestImportMFAOnWithoutSMS(t *testing.T) {
	svc, _ := testService(t)
	ctx := context.Background()
	settings := NewPoolSettings()
	settings.MFA = MFAConfig{Mode: MFAOn, TotpEnabled: true}
	p, j := importPool(t, svc, settings)
	body := strings.Join(csvHeader(p), ",") + "\n" + csvLine(p, map[string]string{"cognito:username": "ana",
		"email": "ana@example.com", "email_verified": "true", "cognito:mfa_enabled": "true"}) + "\n"
	importNow(t, svc, p.ID, j.ID, strings.NewReader(body))
	if row := jobRow(t, svc, p.ID, j.ID); row.Imported != 1 {
		log, _ := svc.ImportJobLog(ctx, p.ID, j.ID, jobSecret(t, svc, p.ID, j.ID), 0, 10)
		t.Fatalf("imported %d, log %v; want ana", row.Imported, log)
	}
	u, err := svc.AdminGetUser(ctx, p.ID, "ana")
	if err != nil || len(u.MFAEnabled) != 0 {
		t.Errorf("ana: %+v, %v; want no MFA factor", u, err)
	}
}

// importNow uploads body to job jobID of the pool, starts the job and runs
// it to its end.
func importNow(t *testing.T, svc *Service, poolID, jobID string, body io.Reader) {
	t.Helper()
	ctx := context.Background()
	if err := svc.UploadUserImportCSV(ctx, poolID, jobID, jobSecret(t, svc, poolID, jobID), body); err != nil {
		t.Fatalf("upload: %v", err)
	}
	if _, err := svc.StartUserImportJob(ctx, poolID, jobID); err != nil {
		t.Fatal(err)
	}
	if err := svc.runImport(ctx, jobRow(t, svc, poolID, jobID)); err != nil {
		t.Fatal(err)
	}
}
