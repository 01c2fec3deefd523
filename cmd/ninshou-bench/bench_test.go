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
	"strings"
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

// TestDescribeUserPoolWithoutCount: a server that leaves
// EstimatedNumberOfUsers out makes describe-user-pool n/a; one that counts
// fewer users than the pool holds fails it.
func TestDescribeUserPoolWithoutCount(t *testing.T) {
	count := -1
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		pool := map[string]any{"Id": "local_x"}
		if count >= 0 {
			pool["EstimatedNumberOfUsers"] = count
		}
		json.NewEncoder(w).Encode(map[string]any{"UserPool": pool})
	}))
	defer srv.Close()
	c := newClient(srv.URL, "us-east-1", 1)
	defer c.close()
	p := pool{ID: "local_x", Users: 10000}
	var w workload
	for _, x := range directoryWorkloads(p) {
		if x.Name() == "describe-user-pool" {
			w = x
		}
	}
	if _, err := w.Setup(context.Background(), c, &target{Name: "fake"}, ""); !errors.Is(err, errSkipped) || !errors.Is(err, errNoCount) {
		t.Errorf("no count: Setup = %v; want n/a", err)
	}
	count = 9000
	if _, err := w.Setup(context.Background(), c, &target{Name: "fake"}, ""); err == nil || errors.Is(err, errSkipped) {
		t.Errorf("a count short of the pool: Setup = %v; want a failure", err)
	}
	count = 10000
	if _, err := w.Setup(context.Background(), c, &target{Name: "fake"}, ""); err != nil {
		t.Errorf("the pool's count: Setup = %v", err)
	}
}

// TestRoundsTakeTheMedian: with --rounds, a target's figure is its median
// round's row, and each ratio is the median of the rounds' own ratios
// (each round's Ninshou over that round's peer or floor), with its range.
func TestRoundsTakeTheMedian(t *testing.T) {
	rep := &report{Settings: settings{Concurrency: []int{16}, PasswordCost: "low", Rounds: 3},
		Targets: []*targetInfo{{Name: "ninshou", Round: 1}, {Name: "moto", Round: 1}}}
	add := func(target string, round int, ops float64, p99 float64) {
		rep.Results = append(rep.Results, row{Target: target, Workload: "refresh", Round: round, Concurrency: 16,
			Ops: int64(ops), OpsPerSec: ops, P99Millis: p99})
	}
	// Round 2 ran on a slow machine: every figure fell together.
	add("ninshou", 1, 1000, 10)
	add("moto", 1, 200, 50)
	add("ninshou", 2, 500, 20)
	add("moto", 2, 125, 80)
	add("ninshou", 3, 900, 11)
	add("moto", 3, 150, 60)
	for i, rsa := range []float64{0.25, 0.5, 0.3} {
		rep.Floors = append(rep.Floors, &floor{Round: i + 1, RSASignMillis: rsa,
			Workloads: map[string]floorOf{"refresh": {RSA: 2, CPUMillis: 2 * rsa, OpsPerSec: 2000 / (2 * rsa)}}})
	}
	rep.Floor = medianFloor(rep.Floors)

	if x := rep.find("ninshou", "refresh", 16); x == nil || x.Round != 3 || x.P99Millis != 11 {
		t.Errorf("ninshou's median round: %+v, want round 3 (900 ops/s, its p99 11 ms)", x)
	}
	// Ratios 5x, 4x, 6x: the median 5x, not 900/150.
	if got, want := rep.vsPeer("refresh", "moto", 16), (spread{Med: 5, Lo: 4, Hi: 6, N: 3}); got != want {
		t.Errorf("vs moto = %+v, want %+v", got, want)
	}
	if got := rep.vsPeer("refresh", "moto", 16).times(); got != "5.0x (4.0-6.0)" {
		t.Errorf("vs moto printed %q", got)
	}
	// Floors 4000, 2000, 3333.3 ops/s: shares 25%, 25%, 27%.
	of := rep.ofFloor("refresh", 16)
	if of.N != 3 || of.Med != 0.25 || of.Hi < 0.269 || of.Hi > 0.271 {
		t.Errorf("of floor = %+v, want a median of 25%% and a top of 27%%", of)
	}
	if f := rep.Floor; f.RSASignMillis != 0.3 || f.Workloads["refresh"].OpsPerSec != 2000/0.6 {
		t.Errorf("median floor: RSA %v ms, refresh %v ops/s; want 0.3 ms, %v", f.RSASignMillis, f.Workloads["refresh"].OpsPerSec, 2000/0.6)
	}
	table := rep.comparison(16)
	for _, want := range []string{"| refresh | 900.0 |", "5.0x (4.0-6.0)", "25% (25-27%)"} {
		if !strings.Contains(table, want) {
			t.Errorf("comparison lacks %q:\n%s", want, table)
		}
	}
	// One round: the plain figures, as before rounds existed.
	one := &report{Settings: settings{Concurrency: []int{16}}, Results: rep.Results[:2],
		Floors: rep.Floors[:1]}
	one.Results[0].Round, one.Results[1].Round, one.Floors[0].Round = 0, 0, 0
	if got := one.vsPeer("refresh", "moto", 16).times(); got != "5.0x" {
		t.Errorf("one round vs moto printed %q, want 5.0x", got)
	}
}
