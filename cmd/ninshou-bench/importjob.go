package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"
)

// runImportJob loads n users into a fresh Ninshou through Cognito's own
// bulk path, a user import job: GetCSVHeader, CreateUserImportJob, the CSV
// file PUT to its PreSignedUrl, StartUserImportJob, and
// DescribeUserImportJob until the job is done. The time counted is from
// the upload to Succeeded; the file is the directory pools' users (email,
// email_verified, given_name), without passwords, as Cognito imports them.
func runImportJob(ctx context.Context, opts options, srv *server, n int, rep *report, stdout, stderr io.Writer) bool {
	dir, err := os.MkdirTemp("", "ninshou-bench-importjob-")
	if err != nil {
		fmt.Fprintln(stderr, "ninshou-bench:", err)
		return false
	}
	defer os.RemoveAll(dir)
	t, err := srv.Start(ctx, dir)
	if err != nil {
		fmt.Fprintln(stderr, "ninshou-bench:", err)
		return false
	}
	defer t.Close()
	fmt.Fprintf(stdout, "%s: loading %d users with CreateUserImportJob (CSV) ...\n", srv.Name, n)
	info := &poolInfo{Target: srv.Name, Users: n, Load: "CreateUserImportJob (CSV)", ImportJob: true}
	took, imported, err := importJob(ctx, t.BaseURL, n)
	if err != nil {
		fmt.Fprintf(stderr, "ninshou-bench: import job: %v\n", err)
		return false
	}
	info.LoadSeconds = took.Seconds()
	if imported != int64(n) {
		info.Note = fmt.Sprintf("only %d users imported", imported)
	}
	info.DiskBytes = settledBytes(ctx, t.DataDir)
	info.BytesPerUser = float64(info.DiskBytes) / float64(max(n, 1))
	m := readMemory(t.PID)
	info.RSSBytes, info.PeakRSSBytes = m.RSS, m.Peak
	rep.Pools = append(rep.Pools, info)
	fmt.Fprintf(stdout, "pool      %s with %d users: loaded by %s in %.1f s (%.0f users/s); %s on disk, %.0f bytes per user; peak RSS %s\n",
		t.Name, imported, info.Load, info.LoadSeconds, float64(imported)/info.LoadSeconds, mib(info.DiskBytes), info.BytesPerUser, mib(m.Peak))
	return true
}

func importJob(ctx context.Context, base string, n int) (took time.Duration, imported int64, err error) {
	c := newClient(base, "us-east-1", 2)
	defer c.close()
	var pool struct{ UserPool struct{ Id string } }
	if err := c.call(ctx, "CreateUserPool", true, map[string]any{
		"PoolName": "bench-import", "AutoVerifiedAttributes": []string{"email"},
	}, &pool); err != nil {
		return 0, 0, err
	}
	poolID := pool.UserPool.Id
	var header struct{ CSVHeader []string }
	if err := c.call(ctx, "GetCSVHeader", true, map[string]any{"UserPoolId": poolID}, &header); err != nil {
		return 0, 0, err
	}
	var b bytes.Buffer
	b.WriteString(strings.Join(header.CSVHeader, ","))
	row := make([]string, len(header.CSVHeader))
	for i := range n {
		for c, h := range header.CSVHeader {
			switch h {
			case "cognito:username", "email":
				row[c] = dirEmail(i)
			case "email_verified":
				row[c] = "true"
			case "given_name":
				row[c] = givenNames[i%len(givenNames)]
			case "cognito:mfa_enabled":
				row[c] = "false"
			default:
				row[c] = ""
			}
		}
		b.WriteByte('\n')
		b.WriteString(strings.Join(row, ","))
	}
	b.WriteByte('\n')
	type job struct {
		JobId, PreSignedUrl, Status, CompletionMessage string
		ImportedUsers, SkippedUsers, FailedUsers       int64
	}
	var created struct{ UserImportJob job }
	if err := c.call(ctx, "CreateUserImportJob", true, map[string]any{
		"UserPoolId": poolID, "JobName": "bench", "CloudWatchLogsRoleArn": "arn:aws:iam::111111111111:role/CognitoImport",
	}, &created); err != nil {
		return 0, 0, err
	}
	j := created.UserImportJob
	start := time.Now()
	req, err := http.NewRequestWithContext(ctx, http.MethodPut, j.PreSignedUrl, bytes.NewReader(b.Bytes()))
	if err != nil {
		return 0, 0, err
	}
	req.Header.Set("x-amz-server-side-encryption", "aws:kms")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, 0, err
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return 0, 0, fmt.Errorf("upload of %d bytes: HTTP %d", b.Len(), resp.StatusCode)
	}
	ids := map[string]any{"UserPoolId": poolID, "JobId": j.JobId}
	if err := c.call(ctx, "StartUserImportJob", true, ids, nil); err != nil {
		return 0, 0, err
	}
	for {
		var d struct{ UserImportJob job }
		if err := c.call(ctx, "DescribeUserImportJob", true, ids, &d); err != nil {
			return 0, 0, err
		}
		switch j = d.UserImportJob; j.Status {
		case "Succeeded":
			return time.Since(start), j.ImportedUsers, nil
		case "Failed", "Stopped":
			return 0, 0, fmt.Errorf("job %s: %s (%d imported, %d skipped, %d failed)", j.Status, j.CompletionMessage,
				j.ImportedUsers, j.SkippedUsers, j.FailedUsers)
		}
		select {
		case <-ctx.Done():
			return 0, 0, ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}
