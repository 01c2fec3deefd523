package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/ninshou/ninshou/internal/primitives"
)

// report is the whole run, as written by --json.
type report struct {
	Started  time.Time     `json:"started"`
	Machine  machine       `json:"machine"`
	Settings settings      `json:"settings"`
	Targets  []*targetInfo `json:"targets"`
	Results  []row         `json:"results"`
	// Floor is the crypto floor measured in this run (nil when only
	// --target servers ran: their parameters are unknown); with several
	// rounds, the median of each figure over Floors, one per round.
	Floor  *floor   `json:"crypto_floor,omitempty"`
	Floors []*floor `json:"crypto_floors,omitempty"`
	// Pools are the big pools of the directory workloads.
	Pools []*poolInfo `json:"pools,omitempty"`
}

type machine struct {
	CPU        string `json:"cpu"`
	NProc      int    `json:"nproc"`
	GOMAXPROCS int    `json:"gomaxprocs"`
	GoVersion  string `json:"go_version"`
	OS         string `json:"os"`
	// GODEBUG is this process's, which the Ninshou it starts inherits
	// (at the standard cost, madvdontneed=0: see memtune).
	GODEBUG string `json:"godebug,omitempty"`
}

func thisMachine() machine {
	return machine{
		CPU:        cpuModel(),
		NProc:      runtime.NumCPU(),
		GOMAXPROCS: runtime.GOMAXPROCS(0),
		GoVersion:  runtime.Version(),
		OS:         runtime.GOOS + "/" + runtime.GOARCH,
		GODEBUG:    os.Getenv("GODEBUG"),
	}
}

// cpuModel is the first "model name" of /proc/cpuinfo, or "unknown".
func cpuModel() string {
	f, err := os.Open("/proc/cpuinfo")
	if err != nil {
		return "unknown"
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if k, v, ok := strings.Cut(sc.Text(), ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return "unknown"
}

type settings struct {
	DurationSeconds float64  `json:"duration_s"`
	MaxOps          int64    `json:"max_ops"`
	Concurrency     []int    `json:"concurrency"`
	Workloads       []string `json:"workloads"`
	// Args are the command line of the run.
	Args         []string `json:"args"`
	Users        int      `json:"users"`
	PasswordCost string   `json:"password_cost,omitempty"`
	// Crypto is the backend of RSA signatures and SRP in force, as
	// primitives.InForce describes it.
	Crypto    string `json:"crypto,omitempty"`
	Ninshou   string `json:"ninshou,omitempty"`
	Peers     bool   `json:"peers,omitempty"`
	Sizes     []int  `json:"sizes,omitempty"`
	PeerUsers int    `json:"peer_users,omitempty"`
	Rounds    int    `json:"rounds,omitempty"`
}

func settingsOf(o options) settings {
	s := settings{
		DurationSeconds: o.Duration.Seconds(), MaxOps: o.MaxOps, Concurrency: o.Concurrency,
		Workloads: o.Workloads, Users: o.Users, Ninshou: o.Ninshou, Peers: o.Peers, Sizes: o.Sizes,
		Rounds: o.Rounds,
	}
	if o.Peers {
		s.PeerUsers = o.PeerUsers
	}
	if len(o.Targets) == 0 {
		s.PasswordCost = o.PasswordCost
		s.Crypto = primitives.InForce()
	}
	return s
}

type targetInfo struct {
	Name           string  `json:"name"`
	BaseURL        string  `json:"base_url"`
	Kind           string  `json:"kind"`
	Version        string  `json:"version,omitempty"`
	Config         string  `json:"config,omitempty"`
	HealthyMillis  float64 `json:"healthy_ms"`
	PasswordParams string  `json:"password_params,omitempty"`
	StartRSSBytes  int64   `json:"start_rss_bytes,omitempty"`
	PeakRSSBytes   int64   `json:"peak_rss_bytes,omitempty"`
	Round          int     `json:"round,omitempty"` // 1, 2, ... with --rounds; else 0
}

func targetInfoOf(t *target) *targetInfo {
	return &targetInfo{
		Name: t.Name, BaseURL: t.BaseURL, Kind: t.Kind, Version: t.Version, Config: t.Config,
		HealthyMillis:  millis(t.HealthyIn),
		PasswordParams: t.PasswordParams,
		StartRSSBytes:  readMemory(t.PID).RSS,
	}
}

// row is one line of the table: a workload at one concurrency, or a
// workload that was skipped or could not be set up.
type row struct {
	Target   string `json:"target"`
	Workload string `json:"workload"`
	// Users is the size of the pool a directory workload reads; 0 for the
	// workloads that make their own small pool.
	Users int `json:"users,omitempty"`
	// Round is 1, 2, ... with --rounds (the big pools' workloads run in
	// one, 0); else 0.
	Round        int     `json:"round,omitempty"`
	SetupSeconds float64 `json:"setup_s"`
	Skipped      string  `json:"skipped,omitempty"`
	SetupError   string  `json:"setup_error,omitempty"`
	Concurrency  int     `json:"concurrency,omitempty"`
	Ops          int64   `json:"ops"`
	Errors       int64   `json:"errors"`
	ElapsedSecs  float64 `json:"elapsed_s"`
	OpsPerSec    float64 `json:"ops_per_s"`
	P50Millis    float64 `json:"p50_ms"`
	P90Millis    float64 `json:"p90_ms"`
	P99Millis    float64 `json:"p99_ms"`
	MaxMillis    float64 `json:"max_ms"`
	RSSBytes     int64   `json:"rss_bytes,omitempty"`
	// The database's work per operation, every node's together (PostgreSQL
	// only): SQL statements, and client-server round trips.
	DBStatementsPerOp float64  `json:"db_statements_per_op,omitempty"`
	DBRoundTripsPerOp float64  `json:"db_round_trips_per_op,omitempty"`
	FirstErrors       []string `json:"first_errors,omitempty"`
}

// label names the workload, with its pool size when it has one:
// "list-users-exact@1M".
func (r row) label() string {
	if r.Users > 0 {
		return r.Workload + "@" + sizeName(r.Users)
	}
	return r.Workload
}

func (r *row) fill(m measurement, mem memory) {
	r.Concurrency = m.Concurrency
	r.Ops, r.Errors = m.Ops, m.Errors
	r.ElapsedSecs = m.Elapsed.Seconds()
	r.OpsPerSec = m.OpsPerSec()
	r.P50Millis, r.P90Millis = millis(m.Latency.P50), millis(m.Latency.P90)
	r.P99Millis, r.MaxMillis = millis(m.Latency.P99), millis(m.Latency.Max)
	r.RSSBytes = mem.RSS
	r.FirstErrors = m.FirstErrors
}

func millis(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

func mib(b int64) string { return strconv.FormatFloat(float64(b)/(1<<20), 'f', 1, 64) + " MiB" }

func (r *report) printHeader(w io.Writer) {
	m, s := r.Machine, r.Settings
	fmt.Fprintf(w, "ninshou-bench  %s\n", r.Started.Format(time.RFC3339))
	fmt.Fprintf(w, "machine   %s; nproc %d; GOMAXPROCS %d; %s %s; GODEBUG=%s\n", m.CPU, m.NProc, m.GOMAXPROCS, m.GoVersion, m.OS, m.GODEBUG)
	conc := make([]string, len(s.Concurrency))
	for i, c := range s.Concurrency {
		conc[i] = strconv.Itoa(c)
	}
	fmt.Fprintf(w, "run       each workload x concurrency for %v or %d ops; concurrency %s; %d sign-in users\n",
		time.Duration(s.DurationSeconds*float64(time.Second)), s.MaxOps, strings.Join(conc, ","), s.Users)
	fmt.Fprintln(w)
}

func (t *targetInfo) print(w io.Writer) {
	fmt.Fprintf(w, "target    %s: %s at %s", t.Name, t.Kind, t.BaseURL)
	if t.Version != "" {
		fmt.Fprintf(w, " (version %s)", t.Version)
	}
	fmt.Fprintln(w)
	fmt.Fprintf(w, "          healthy in %.1f ms", t.HealthyMillis)
	if t.Kind == "external" {
		fmt.Fprint(w, " (already running: time to answer)")
	}
	fmt.Fprintln(w)
	params := t.PasswordParams
	if params == "" {
		params = "unknown"
	}
	fmt.Fprintf(w, "          passwords %s\n", params)
	if t.Config != "" {
		fmt.Fprintf(w, "          configured %s\n", t.Config)
	}
	if t.StartRSSBytes > 0 {
		fmt.Fprintf(w, "          RSS %s when healthy\n", mib(t.StartRSSBytes))
	}
	fmt.Fprintln(w)
}

const columns = "%-22s %4s %8s %6s %9s %9s %9s %9s %9s %9s %8s %8s\n"

func printColumns(w io.Writer) {
	fmt.Fprintf(w, columns, "workload", "conc", "ops", "errors", "ops/s", "p50 ms", "p90 ms", "p99 ms", "max ms", "RSS MiB", "db st/op", "db rt/op")
}

func (r row) print(w io.Writer) {
	switch {
	case r.Skipped != "":
		fmt.Fprintf(w, "%-22s %s\n", r.label(), r.Skipped)
		return
	case r.SetupError != "":
		fmt.Fprintf(w, "%-22s setup failed: %s\n", r.label(), r.SetupError)
		return
	}
	rss := "-"
	if r.RSSBytes > 0 {
		rss = strconv.FormatFloat(float64(r.RSSBytes)/(1<<20), 'f', 1, 64)
	}
	ms := func(v float64) string { return strconv.FormatFloat(v, 'f', 2, 64) }
	st, rt := "-", "-"
	if r.DBRoundTripsPerOp > 0 {
		st, rt = strconv.FormatFloat(r.DBStatementsPerOp, 'f', 1, 64), strconv.FormatFloat(r.DBRoundTripsPerOp, 'f', 1, 64)
	}
	fmt.Fprintf(w, columns, r.label(), strconv.Itoa(r.Concurrency), strconv.FormatInt(r.Ops, 10),
		strconv.FormatInt(r.Errors, 10), strconv.FormatFloat(r.OpsPerSec, 'f', 1, 64),
		ms(r.P50Millis), ms(r.P90Millis), ms(r.P99Millis), ms(r.MaxMillis), rss, st, rt)
}

func (r *report) writeJSON(path string) error {
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o644)
}
