package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// These tests check the bench's bookkeeping and that its workloads still
// speak to Ninshou; none of them asserts anything about speed.

func TestSummarise(t *testing.T) {
	var samples []time.Duration
	for i := 100; i >= 1; i-- {
		samples = append(samples, time.Duration(i)*time.Millisecond)
	}
	got := summarise(samples)
	want := latency{P50: 50 * time.Millisecond, P90: 90 * time.Millisecond, P99: 99 * time.Millisecond, Max: 100 * time.Millisecond}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("summarise (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(latency{P50: 7, P90: 7, P99: 7, Max: 7}, summarise([]time.Duration{7})); diff != "" {
		t.Errorf("one sample (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(latency{}, summarise(nil)); diff != "" {
		t.Errorf("no samples (-want +got):\n%s", diff)
	}
}

// TestMeasureCountsErrors: max-ops stops the loop, every failure is counted
// and the first ones are kept in order.
func TestMeasureCountsErrors(t *testing.T) {
	o := func(_ context.Context, n int64) error {
		if n%2 == 0 {
			return errors.New("fail " + strconv.FormatInt(n, 10))
		}
		return nil
	}
	m := measure(context.Background(), o, 3, time.Hour, 20)
	if m.Ops != 10 || m.Errors != 10 {
		t.Errorf("ops, errors = %d, %d; want 10, 10", m.Ops, m.Errors)
	}
	if diff := cmp.Diff([]string{"fail 2", "fail 4", "fail 6", "fail 8", "fail 10"}, m.FirstErrors); diff != "" {
		t.Errorf("first errors (-want +got):\n%s", diff)
	}
	if m.ErrorRate() != 0.5 {
		t.Errorf("error rate = %v; want 0.5", m.ErrorRate())
	}
}

func TestTargets(t *testing.T) {
	for _, tc := range []struct {
		in, name, base string
		loopback       bool
	}{
		{"http://127.0.0.1:9229", "external", "http://127.0.0.1:9229", true},
		{"moto=http://localhost:5000", "moto", "http://localhost:5000", true},
		{"cognito-local=http://[::1]:9229/", "cognito-local", "http://[::1]:9229/", true},
		{"http://10.1.2.3:9229", "external", "http://10.1.2.3:9229", false},
		{"http://example.com", "external", "http://example.com", false},
	} {
		name, base := parseTarget(tc.in)
		if name != tc.name || base != tc.base {
			t.Errorf("parseTarget(%q) = %q, %q; want %q, %q", tc.in, name, base, tc.name, tc.base)
		}
		if err := checkLoopback(base); (err == nil) != tc.loopback {
			t.Errorf("checkLoopback(%q) = %v; want loopback %t", base, err, tc.loopback)
		}
	}
}

// TestRunInProcess runs both workloads for a handful of operations against
// an in-process Ninshou and reads the JSON report.
func TestRunInProcess(t *testing.T) {
	out := filepath.Join(t.TempDir(), "bench.json")
	var stdout, stderr bytes.Buffer
	code := run([]string{"--password-cost", "low", "--duration", "1m", "--max-ops", "5",
		"--concurrency", "1,2", "--users", "3", "--json", out}, &stdout, &stderr)
	if code != 0 {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout.String(), stderr.String())
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	var rep report
	if err := json.Unmarshal(b, &rep); err != nil {
		t.Fatal(err)
	}
	type key struct {
		Workload          string
		Concurrency       int
		Ops, Errors       int64
		HasLatency, HasRS bool
	}
	var got []key
	for _, r := range rep.Results {
		got = append(got, key{r.Workload, r.Concurrency, r.Ops, r.Errors, r.MaxMillis > 0, r.RSSBytes > 0})
	}
	want := []key{
		{"password-signin", 1, 5, 0, true, true},
		{"password-signin", 2, 5, 0, true, true},
		{"refresh", 1, 5, 0, true, true},
		{"refresh", 2, 5, 0, true, true},
		{"get-user", 1, 5, 0, true, true},
		{"get-user", 2, 5, 0, true, true},
		{"admin-create-user", 1, 5, 0, true, true},
		{"admin-create-user", 2, 5, 0, true, true},
		{"new-password-flow", 1, 5, 0, true, true},
		{"new-password-flow", 2, 5, 0, true, true},
		{"founding-flow", 1, 5, 0, true, true},
		{"founding-flow", 2, 5, 0, true, true},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("results (-want +got):\n%s\nstdout:\n%s", diff, stdout.String())
	}
	if len(rep.Targets) != 1 || rep.Targets[0].PasswordParams != "argon2id m=8,t=1,p=1 (low)" || rep.Targets[0].HealthyMillis <= 0 {
		t.Errorf("targets = %+v", rep.Targets)
	}
}

// TestRunPostgresNodes runs the sign-in and refresh workloads on two
// in-process nodes sharing one PostgreSQL schema, and checks that the
// database's cost per operation is reported.
func TestRunPostgresNodes(t *testing.T) {
	if os.Getenv("CI") == "" {
		if _, _, err := benchSchemaProbe(); err != nil {
			t.Skipf("SKIPPING: no PostgreSQL: %v", err)
		}
	}
	out := filepath.Join(t.TempDir(), "bench.json")
	var stdout, stderr bytes.Buffer
	code := run([]string{"--password-cost", "low", "--duration", "1m", "--max-ops", "6",
		"--concurrency", "2", "--users", "3", "--db", "postgres", "--nodes", "2",
		"--workloads", "password-signin,refresh", "--json", out}, &stdout, &stderr)
	if code != 0 {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout.String(), stderr.String())
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	var rep report
	if err := json.Unmarshal(b, &rep); err != nil {
		t.Fatal(err)
	}
	if len(rep.Targets) != 1 || rep.Targets[0].Name != "ninshou/postgres/2nodes" {
		t.Fatalf("targets = %+v", rep.Targets)
	}
	for _, r := range rep.Results {
		if r.Ops != 6 || r.Errors != 0 || r.DBStatementsPerOp < 1 || r.DBRoundTripsPerOp < 1 {
			t.Errorf("%s: %d ops, %d errors, %.1f statements and %.1f round trips per op", r.Workload, r.Ops, r.Errors, r.DBStatementsPerOp, r.DBRoundTripsPerOp)
		}
	}
}

// benchSchemaProbe tells whether the PostgreSQL that --db postgres uses
// answers.
func benchSchemaProbe() (string, func() error, error) {
	dsn := os.Getenv("NINSHOU_TEST_POSTGRES")
	if dsn == "" {
		dsn = defaultBenchPostgres
	}
	schema, drop, err := benchSchema(context.Background(), dsn)
	if err == nil {
		drop()
	}
	return schema, drop, err
}

// TestListUsersIgnoringLimit: a server that answers ListUsers with more
// users than Limit (cognito-local pages nothing) makes the ListUsers
// workloads n/a, not failed.
func TestListUsersIgnoringLimit(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if got := r.Header.Get("X-Amz-Target"); got != targetPrefix+"ListUsers" {
			http.Error(w, "unexpected "+got, http.StatusBadRequest)
			return
		}
		users := make([]map[string]string, 2*listUsersLimit)
		for i := range users {
			users[i] = map[string]string{"Username": dirUsername(i)}
		}
		json.NewEncoder(w).Encode(map[string]any{"Users": users})
	}))
	defer srv.Close()
	c := newClient(srv.URL, "us-east-1", 1)
	defer c.close()
	p := pool{ID: "local_x", Users: 10000}
	for _, w := range directoryWorkloads(p) {
		if w.Name() != "list-users" && w.Name() != "list-users-prefix" {
			continue
		}
		_, err := w.Setup(context.Background(), c, &target{Name: "fake"}, "")
		if !errors.Is(err, errSkipped) || !errors.Is(err, errNoLimit) {
			t.Errorf("%s: Setup = %v; want n/a because the server ignores Limit", w.Name(), err)
		}
	}
}
