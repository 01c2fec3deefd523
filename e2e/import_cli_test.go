package e2e

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// TestUserImportJobAWSCLI imports users from a CSV file the way Cognito's
// guide does it (cognito-user-pools-using-import-tool.html), with the AWS
// CLI and curl: get-csv-header, create-user-import-job, the file PUT to
// PreSignedUrl, start-user-import-job, describe-user-import-job until the
// job is done. Imported users are RESET_REQUIRED and get in through
// forgot-password.
func TestUserImportJobAWSCLI(t *testing.T) {
	for _, tool := range []string{"aws", "curl"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s must be installed for this test", tool)
		}
	}
	s := startServer(t)
	aws := awsCLI{t: t, url: s.URL}
	poolID := aws.run("create-user-pool", "--pool-name", "imports", "--auto-verified-attributes", "email",
		"--schema", "Name=tier,AttributeDataType=String,Mutable=true")["UserPool"].(map[string]any)["Id"].(string)
	clientID := aws.run("create-user-pool-client", "--user-pool-id", poolID, "--client-name", "web",
		"--explicit-auth-flows", "ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH")["UserPoolClient"].(map[string]any)["ClientId"].(string)

	header := aws.run("get-csv-header", "--user-pool-id", poolID)
	wantHeader := []any{"name", "given_name", "family_name", "middle_name", "nickname", "preferred_username", "profile",
		"picture", "website", "email", "email_verified", "gender", "birthdate", "zoneinfo", "locale", "phone_number",
		"phone_number_verified", "address", "updated_at", "custom:tier", "cognito:mfa_enabled", "cognito:username"}
	if diff := cmp.Diff(map[string]any{"UserPoolId": poolID, "CSVHeader": wantHeader}, header); diff != "" {
		t.Fatalf("get-csv-header (-want +got):\n%s", diff)
	}

	// The columns in another order, as the guide allows; one user exists.
	aws.run("admin-create-user", "--user-pool-id", poolID, "--username", "cy", "--message-action", "SUPPRESS")
	cols := make([]string, 0, len(wantHeader))
	for i := len(wantHeader) - 1; i >= 0; i-- {
		cols = append(cols, wantHeader[i].(string))
	}
	row := func(vals map[string]string) string {
		out := make([]string, len(cols))
		for i, c := range cols {
			out[i] = vals[c]
		}
		return strings.Join(out, ",")
	}
	csv := strings.Join([]string{
		strings.Join(cols, ","),
		row(map[string]string{"cognito:username": "ana", "email": "ana@example.com", "email_verified": "true", "cognito:mfa_enabled": "false", "given_name": "Ana"}),
		row(map[string]string{"cognito:username": "dee", "email": "dee@example.com", "email_verified": "TRUE", "cognito:mfa_enabled": "false", "custom:tier": "gold"}),
		row(map[string]string{"cognito:username": "bo", "email": "bo@example.com", "email_verified": "false", "cognito:mfa_enabled": "false"}), // nothing verified: fails
		row(map[string]string{"cognito:username": "cy", "email": "cy@example.com", "email_verified": "true", "cognito:mfa_enabled": "false"}),  // exists: skipped
		row(map[string]string{"cognito:username": "eve", "email": "not an address", "email_verified": "true", "cognito:mfa_enabled": "false"}), // fails
		"false,fay,fay@example.com", // too few fields: fails
	}, "\n") + "\n"
	file := filepath.Join(t.TempDir(), "users.csv")
	if err := os.WriteFile(file, []byte(csv), 0o600); err != nil {
		t.Fatal(err)
	}

	job := aws.run("create-user-import-job", "--user-pool-id", poolID, "--job-name", "first import",
		"--cloud-watch-logs-role-arn", "arn:aws:iam::111111111111:role/CognitoImport")["UserImportJob"].(map[string]any)
	jobID, _ := job["JobId"].(string)
	url, _ := job["PreSignedUrl"].(string)
	if !strings.HasPrefix(jobID, "import-") || job["Status"] != "Created" || !strings.HasPrefix(url, s.URL+"/") ||
		job["JobName"] != "first import" || job["UserPoolId"] != poolID || job["CreationDate"] == nil {
		t.Fatalf("create-user-import-job = %v", job)
	}
	if _, ok := job["StartDate"]; ok {
		t.Errorf("a Created job has a StartDate: %v", job)
	}

	curl := func(target, path string) string {
		t.Helper()
		out, err := exec.Command("curl", "-sS", "-o", "/dev/null", "-w", "%{http_code}", "-T", path,
			"-H", "x-amz-server-side-encryption:aws:kms", target).CombinedOutput()
		if err != nil {
			t.Fatalf("curl: %v: %s", err, out)
		}
		return string(out)
	}
	if code := curl(strings.Replace(url, "secret=", "secret=AAAA", 1), file); code != "403" {
		t.Errorf("upload with a wrong secret: HTTP %s, want 403", code)
	}
	if code := curl(url, file); code != "200" {
		t.Fatalf("upload: HTTP %s, want 200", code)
	}

	started := aws.run("start-user-import-job", "--user-pool-id", poolID, "--job-id", jobID)["UserImportJob"].(map[string]any)
	if started["Status"] != "Pending" || started["StartDate"] == nil {
		t.Errorf("start-user-import-job = %v", started)
	}
	if code := curl(url, file); code != "403" {
		t.Errorf("upload after the start: HTTP %s, want 403", code)
	}
	done := waitImport(t, aws, poolID, jobID)
	for k, want := range map[string]any{"Status": "Succeeded", "ImportedUsers": 2.0, "SkippedUsers": 1.0, "FailedUsers": 3.0} {
		if done[k] != want {
			t.Errorf("%s = %v, want %v (job %v)", k, done[k], want, done)
		}
	}
	if done["CompletionDate"] == nil || done["CompletionMessage"] != "Import Job Completed Successfully." {
		t.Errorf("a finished job without CompletionDate or CompletionMessage: %v", done)
	}

	// The result log (CloudWatch Logs on AWS): the rows not imported, by
	// line, in the form of Cognito's guide, with no user data.
	logURL := strings.Replace(url, "/"+jobID+"?", "/"+jobID+"/log?", 1)
	out, err := exec.Command("curl", "-sS", "-f", logURL).CombinedOutput()
	if err != nil {
		t.Fatalf("curl the job's log: %v: %s", err, out)
	}
	wantLog := "[FAILED] Line Number 4 - The User Record does not set any of the auto verified attributes to true. (Example: email_verified to true).\n" +
		"[SKIPPED] Line Number 5 - The user already exists.\n" +
		"[FAILED] Line Number 6 - The User Record does not match the user pool's schema: Invalid email address format.\n" +
		"[FAILED] Line Number 7 - The row does not have as many fields as the header.\n"
	if string(out) != wantLog {
		t.Errorf("the job's log:\n%s\nwant:\n%s", out, wantLog)
	}
	status, err := exec.Command("curl", "-sS", "-o", "/dev/null", "-w", "%{http_code}",
		strings.Replace(logURL, "secret=", "secret=AAAA", 1)).CombinedOutput()
	if err != nil || string(status) != "403" {
		t.Errorf("the job's log with a wrong secret: HTTP %s, %v; want 403", status, err)
	}

	// Imported users: RESET_REQUIRED, attributes as in the file.
	ana := aws.run("admin-get-user", "--user-pool-id", poolID, "--username", "ana")
	if ana["UserStatus"] != "RESET_REQUIRED" {
		t.Errorf("ana is %v, want RESET_REQUIRED", ana["UserStatus"])
	}
	dee := aws.run("admin-get-user", "--user-pool-id", poolID, "--username", "dee")
	if got := attrOf(dee, "custom:tier"); got != "gold" {
		t.Errorf("dee's custom:tier = %q, want gold", got)
	}
	if got := attrOf(dee, "email_verified"); got != "true" {
		t.Errorf("dee's email_verified = %q, want true", got)
	}
	if msg := aws.fail("admin-get-user", "--user-pool-id", poolID, "--username", "bo"); !strings.Contains(msg, "UserNotFoundException") {
		t.Errorf("bo: %s", msg)
	}
	if got := aws.run("admin-get-user", "--user-pool-id", poolID, "--username", "cy")["UserStatus"]; got != "FORCE_CHANGE_PASSWORD" {
		t.Errorf("the existing cy became %v", got)
	}

	// Signing in with a password asks for a reset; forgot-password lets ana in.
	if msg := aws.fail("initiate-auth", "--auth-flow", "USER_PASSWORD_AUTH", "--client-id", clientID,
		"--auth-parameters", "USERNAME=ana,PASSWORD=Whatever#1"); !strings.Contains(msg, "PasswordResetRequiredException") {
		t.Errorf("sign-in of an imported user: %s", msg)
	}
	aws.run("forgot-password", "--client-id", clientID, "--username", "ana")
	code := codeIn(t, s.mailTo(t, "ana@example.com", 1))
	aws.run("confirm-forgot-password", "--client-id", clientID, "--username", "ana", "--confirmation-code", code, "--password", "N3w#Password")
	if out := aws.run("initiate-auth", "--auth-flow", "USER_PASSWORD_AUTH", "--client-id", clientID,
		"--auth-parameters", "USERNAME=ana,PASSWORD=N3w#Password"); out["AuthenticationResult"] == nil {
		t.Errorf("sign-in after the reset: %v", out)
	}

	// A finished job cannot be started or stopped again.
	for _, op := range []string{"start-user-import-job", "stop-user-import-job"} {
		if msg := aws.fail(op, "--user-pool-id", poolID, "--job-id", jobID); !strings.Contains(msg, "PreconditionNotMetException") {
			t.Errorf("%s on a Succeeded job: %s", op, msg)
		}
	}

	// A job started without a file, and one whose header is not the pool's, fail.
	noFile := aws.run("create-user-import-job", "--user-pool-id", poolID, "--job-name", "empty",
		"--cloud-watch-logs-role-arn", "arn:aws:iam::111111111111:role/CognitoImport")["UserImportJob"].(map[string]any)["JobId"].(string)
	aws.run("start-user-import-job", "--user-pool-id", poolID, "--job-id", noFile)
	if got := waitImport(t, aws, poolID, noFile); got["Status"] != "Failed" {
		t.Errorf("a job without a file: %v", got)
	}
	badHeader := aws.run("create-user-import-job", "--user-pool-id", poolID, "--job-name", "bad-header",
		"--cloud-watch-logs-role-arn", "arn:aws:iam::111111111111:role/CognitoImport")["UserImportJob"].(map[string]any)
	bad := filepath.Join(t.TempDir(), "bad.csv")
	os.WriteFile(bad, []byte("cognito:username,email,shoe_size\nzed,zed@example.com,44\n"), 0o600)
	if code := curl(badHeader["PreSignedUrl"].(string), bad); code != "200" {
		t.Fatalf("upload: HTTP %s", code)
	}
	aws.run("start-user-import-job", "--user-pool-id", poolID, "--job-id", badHeader["JobId"].(string))
	if got := waitImport(t, aws, poolID, badHeader["JobId"].(string)); got["Status"] != "Failed" || got["ImportedUsers"] != 0.0 {
		t.Errorf("a job with a foreign column: %v", got)
	}

	// Listing pages through the three jobs "from last created to first
	// created" (cognito-user-pools-creating-import-job.html).
	first := aws.run("list-user-import-jobs", "--user-pool-id", poolID, "--max-results", "2")
	jobs, _ := first["UserImportJobs"].([]any)
	token, _ := first["PaginationToken"].(string)
	if len(jobs) != 2 || token == "" || jobs[0].(map[string]any)["JobId"] != badHeader["JobId"] || jobs[1].(map[string]any)["JobId"] != noFile {
		t.Fatalf("first page: %v", first)
	}
	second := aws.run("list-user-import-jobs", "--user-pool-id", poolID, "--max-results", "2", "--pagination-token", token)
	if jobs, _ := second["UserImportJobs"].([]any); len(jobs) != 1 || jobs[0].(map[string]any)["JobId"] != jobID || second["PaginationToken"] != nil {
		t.Errorf("second page: %v", second)
	}
	if msg := aws.fail("describe-user-import-job", "--user-pool-id", poolID, "--job-id", "import-nothere"); !strings.Contains(msg, "ResourceNotFoundException") {
		t.Errorf("describe of a missing job: %s", msg)
	}

	// A job none of whose rows imports fails, as the CLI's example of
	// list-user-import-jobs shows one (0 imported, 1 failed).
	allBad := aws.run("create-user-import-job", "--user-pool-id", poolID, "--job-name", "all-bad",
		"--cloud-watch-logs-role-arn", "arn:aws:iam::111111111111:role/CognitoImport")["UserImportJob"].(map[string]any)
	os.WriteFile(bad, []byte(strings.Join(cols, ",")+"\n"+
		row(map[string]string{"cognito:username": "gil", "email": "gil@example.com", "email_verified": "false", "cognito:mfa_enabled": "false"})+"\n"), 0o600)
	if code := curl(allBad["PreSignedUrl"].(string), bad); code != "200" {
		t.Fatalf("upload: HTTP %s", code)
	}
	aws.run("start-user-import-job", "--user-pool-id", poolID, "--job-id", allBad["JobId"].(string))
	if got := waitImport(t, aws, poolID, allBad["JobId"].(string)); got["Status"] != "Failed" || got["FailedUsers"] != 1.0 ||
		got["CompletionMessage"] != "Too many users have failed or been skipped during the import." {
		t.Errorf("a job whose only row fails: %v", got)
	}
}

// TestUserImportJobStop: a Pending job stops at once.
func TestUserImportJobStop(t *testing.T) {
	s := startServer(t)
	aws := awsCLI{t: t, url: s.URL}
	poolID := aws.run("create-user-pool", "--pool-name", "imports", "--auto-verified-attributes", "email")["UserPool"].(map[string]any)["Id"].(string)
	jobID := aws.run("create-user-import-job", "--user-pool-id", poolID, "--job-name", "j",
		"--cloud-watch-logs-role-arn", "arn:aws:iam::111111111111:role/CognitoImport")["UserImportJob"].(map[string]any)["JobId"].(string)
	if msg := aws.fail("stop-user-import-job", "--user-pool-id", poolID, "--job-id", jobID); !strings.Contains(msg, "PreconditionNotMetException") {
		t.Errorf("stop of a Created job: %s", msg)
	}
	// Stop races the importer: either it stops at once (Pending) or the
	// importer finds it Stopping; both end Stopped, or Failed when the
	// importer got there first (it has no file).
	aws.run("start-user-import-job", "--user-pool-id", poolID, "--job-id", jobID)
	var stopped map[string]any
	cmd := aws.cmd("stop-user-import-job", "--user-pool-id", poolID, "--job-id", jobID)
	var out bytes.Buffer
	cmd.Stdout = &out
	if cmd.Run() == nil {
		stopped = waitImport(t, aws, poolID, jobID)
		if stopped["Status"] != "Stopped" || stopped["CompletionMessage"] != "The Import Job was stopped by the developer." {
			t.Errorf("after stop: %v", stopped)
		}
	} else if got := waitImport(t, aws, poolID, jobID); got["Status"] != "Failed" {
		t.Errorf("stop refused, yet the job is %v", got)
	}
}

// waitImport polls describe-user-import-job until the job is done.
func waitImport(t *testing.T, aws awsCLI, poolID, jobID string) map[string]any {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		j := aws.run("describe-user-import-job", "--user-pool-id", poolID, "--job-id", jobID)["UserImportJob"].(map[string]any)
		switch j["Status"] {
		case "Succeeded", "Failed", "Stopped":
			return j
		}
		if time.Now().After(deadline) {
			t.Fatalf("import job still %v after 30 s", j["Status"])
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func attrOf(user map[string]any, name string) string {
	attrs, _ := user["UserAttributes"].([]any)
	for _, a := range attrs {
		m := a.(map[string]any)
		if m["Name"] == name {
			s, _ := m["Value"].(string)
			return s
		}
	}
	return ""
}
