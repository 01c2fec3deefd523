package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/ninshou/ninshou/internal/memtune"
	"github.com/ninshou/ninshou/internal/primitives"
	"github.com/ninshou/ninshou/internal/store/postgres"
)

// maxErrorRate is the failed fraction of a measurement above which the run
// exits non-zero.
const maxErrorRate = 0.01

func main() {
	// The crypto floor is measured in this process: at the standard cost it
	// runs with the server's memory settings, so that the floor's argon2id
	// and the server's pay the same for their memory. (Here, not in run,
	// which tests call.)
	if o, err := parseOptions(os.Args[1:], io.Discard); err == nil && len(o.Targets) == 0 {
		memtune.ReexecForStandardCost(o.PasswordCost)
	}
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// options are the command line.
type options struct {
	Duration     time.Duration
	MaxOps       int64
	Concurrency  []int
	Workloads    []string
	Users        int
	PasswordCost string
	// Crypto is the servers' --crypto: auto, go or openssl.
	Crypto string
	// ImportJobUsers is the size of the pool loaded through a user import
	// job (CSV); 0: none.
	ImportJobUsers int
	Targets        []string
	JSON           string
	CPUProfile     string
	ServerLog      slog.Level
	Region         string
	// DBs are the stores of in-process servers ("sqlite", "postgres" or a
	// postgres:// URL) and Nodes the node counts on each; every pair that
	// makes sense is a target.
	DBs   []string
	Nodes []int
	// Ninshou is how Ninshou runs: "in-process" or "process" (the binary
	// NinshouBin, built from ./cmd/ninshou when "").
	Ninshou    string
	NinshouBin string
	// Peers also starts moto_server and cognito-local, PeerCache holding
	// the npm install of the latter.
	Peers     bool
	PeerCache string
	// Sizes are the pool sizes of the directory workloads; PeerUsers and
	// PeerLoadTimeout bound the peers' pools, loaded through the API.
	Sizes           []int
	PeerUsers       int
	PeerLoadTimeout time.Duration
	// Doc is the Markdown report to write (the chart beside it, .png).
	Doc string
	// ProfileDir receives a CPU and an allocation profile per workload and
	// concurrency (in-process Ninshou only).
	ProfileDir string
	// Rounds is how many times the crypto floor and every target's
	// workloads are measured, in turn; the summary takes the median round.
	Rounds int
}

func parseOptions(args []string, stderr io.Writer) (options, error) {
	o := options{ServerLog: slog.LevelWarn}
	fs := flag.NewFlagSet("ninshou-bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.DurationVar(&o.Duration, "duration", 5*time.Second, "how long each workload runs at each concurrency")
	fs.Int64Var(&o.MaxOps, "max-ops", 100000, "most operations of each workload at each concurrency")
	conc := fs.String("concurrency", "1,16", "comma-separated `levels` of concurrent clients")
	var names []string
	for _, w := range allWorkloads(0) {
		names = append(names, w.Name())
	}
	for _, w := range directoryWorkloads(pool{}) {
		names = append(names, w.Name())
	}
	wl := fs.String("workloads", strings.Join(names, ","), "comma-separated `workloads` to run")
	fs.IntVar(&o.Users, "users", 64, "users password-signin takes round-robin")
	fs.StringVar(&o.PasswordCost, "password-cost", "standard", "password hashing profile of the in-process server: standard or low")
	fs.IntVar(&o.ImportJobUsers, "import-job-users", 0, "also load a fresh Ninshou with this many users through CreateUserImportJob (CSV) and time it; 0: not")
	fs.StringVar(&o.Crypto, "crypto", "auto", "how Ninshou computes RSA signatures and SRP (its --crypto), for the server and the floor: auto, go or openssl")
	fs.Func("target", "`[name=]URL` of a running server to load instead of an in-process one (loopback only; repeatable)", func(s string) error {
		o.Targets = append(o.Targets, s)
		return nil
	})
	fs.StringVar(&o.JSON, "json", "", "also write the results as JSON to `file`")
	fs.StringVar(&o.CPUProfile, "cpuprofile", "", "write a CPU profile of this process (the in-process server included) to `file`")
	fs.TextVar(&o.ServerLog, "server-log-level", &o.ServerLog, "log `level` of the in-process server (to stderr)")
	fs.StringVar(&o.Region, "region", "us-east-1", "region requests are signed for")
	dbs := fs.String("db", "sqlite", "comma-separated `stores` of the in-process server: sqlite, postgres (NINSHOU_TEST_POSTGRES or the local test server, in a schema of its own) or a postgres:// URL")
	nodes := fs.String("nodes", "1", "comma-separated `counts` of in-process nodes sharing one PostgreSQL store, requests spread round-robin (SQLite: 1 only)")
	fs.StringVar(&o.Ninshou, "ninshou", "in-process", "how Ninshou runs: in-process (in this program) or process (its own binary, so RSS is the server's alone)")
	fs.StringVar(&o.NinshouBin, "ninshou-bin", "", "Ninshou `binary` for --ninshou process and the directory pools' import (default: go build ./cmd/ninshou into .cache/bench)")
	fs.BoolVar(&o.Peers, "peers", false, "also start moto_server and cognito-local "+cognitoLocalVersion+" and run the same workloads on each")
	fs.StringVar(&o.PeerCache, "peer-cache", ".cache/peers", "`directory` cognito-local is installed into with npm")
	sizes := fs.String("sizes", "", "comma-separated pool `sizes` for AdminGetUser and ListUsers (e.g. 10000,100000,1000000); empty: none")
	fs.IntVar(&o.PeerUsers, "peer-users", 10000, "largest pool the peers load through AdminCreateUser")
	fs.DurationVar(&o.PeerLoadTimeout, "peer-load-timeout", 5*time.Minute, "most time a peer's pool may take to load")
	fs.StringVar(&o.Doc, "doc", "", "write the results as Markdown to `file` (docs/performance.md), with a PNG chart beside it")
	fs.StringVar(&o.ProfileDir, "profile-dir", "", "write CPU and allocation profiles of each workload to `dir` (in-process Ninshou)")
	fs.IntVar(&o.Rounds, "rounds", 1, "measure the floor and every target's workloads this many times, taking turns (target A, B, C, A, B, C, ...); the summary shows the median round and the range of the ratios")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	for _, s := range strings.Split(*conc, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n < 1 || n > 1024 {
			return o, fmt.Errorf("--concurrency: %q is not a level between 1 and 1024", s)
		}
		o.Concurrency = append(o.Concurrency, n)
	}
	for _, s := range strings.Split(*dbs, ",") {
		s = strings.TrimSpace(s)
		if s != "sqlite" && s != "postgres" && !strings.HasPrefix(s, "postgres://") && !strings.HasPrefix(s, "postgresql://") {
			return o, fmt.Errorf("--db: %q is not sqlite, postgres or a postgres:// URL", s)
		}
		o.DBs = append(o.DBs, s)
	}
	for _, s := range strings.Split(*nodes, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n < 1 || n > 16 {
			return o, fmt.Errorf("--nodes: %q is not a count between 1 and 16", s)
		}
		o.Nodes = append(o.Nodes, n)
	}
	for _, s := range strings.Split(*sizes, ",") {
		if s = strings.TrimSpace(s); s == "" {
			continue
		}
		n, err := strconv.Atoi(s)
		if err != nil || n < 100 || n > 10_000_000 {
			return o, fmt.Errorf("--sizes: %q is not a size between 100 and 10000000", s)
		}
		o.Sizes = append(o.Sizes, n)
	}
	if o.Ninshou != "in-process" && o.Ninshou != "process" {
		return o, fmt.Errorf("--ninshou: %q is neither in-process nor process", o.Ninshou)
	}
	for _, s := range strings.Split(*wl, ",") {
		s = strings.TrimSpace(s)
		if !slices.Contains(names, s) {
			return o, fmt.Errorf("--workloads: unknown workload %q (have %s)", s, strings.Join(names, ", "))
		}
		o.Workloads = append(o.Workloads, s)
	}
	switch {
	case o.Duration <= 0:
		return o, errors.New("--duration must be positive")
	case o.MaxOps < 1:
		return o, errors.New("--max-ops must be at least 1")
	case o.Users < 1:
		return o, errors.New("--users must be at least 1")
	case o.Rounds < 1 || o.Rounds > 99:
		return o, errors.New("--rounds must be between 1 and 99")
	case o.PasswordCost != "standard" && o.PasswordCost != "low":
		return o, fmt.Errorf("--password-cost: %q is neither standard nor low", o.PasswordCost)
	case o.Crypto != primitives.Auto && o.Crypto != primitives.Go && o.Crypto != primitives.OpenSSL:
		return o, fmt.Errorf("--crypto: %q is none of auto, go and openssl", o.Crypto)
	}
	for _, t := range o.Targets {
		if _, base := parseTarget(t); checkLoopback(base) != nil {
			return o, checkLoopback(base)
		}
	}
	return o, nil
}

func run(args []string, stdout, stderr io.Writer) int {
	opts, err := parseOptions(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintln(stderr, "ninshou-bench:", err)
		return 2
	}
	if opts.CPUProfile != "" && opts.ProfileDir == "" {
		f, err := os.Create(opts.CPUProfile)
		if err == nil {
			err = pprof.StartCPUProfile(f)
		}
		if err != nil {
			fmt.Fprintln(stderr, "ninshou-bench: --cpuprofile:", err)
			return 2
		}
		defer f.Close()
		defer pprof.StopCPUProfile()
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	rep := &report{Started: time.Now().UTC(), Machine: thisMachine(), Settings: settingsOf(opts)}
	rep.Settings.Args = args
	rep.printHeader(stdout)
	if opts.NinshouBin == "" && (opts.Ninshou == "process" || len(opts.Sizes) > 0) && len(opts.Targets) == 0 {
		bin, err := buildNinshou(ctx, ".cache/bench")
		if err != nil {
			fmt.Fprintln(stderr, "ninshou-bench:", err)
			return 2
		}
		opts.NinshouBin = bin
	}
	failed := false
	servers := serversOf(opts)
	// Each round measures the floor, then each target in turn, started
	// fresh; a target's rounds are minutes apart at most, so a machine
	// whose speed drifts moves every target's numbers alike. The big pools
	// and the import job are measured once, after the first round.
rounds:
	for round := 1; round <= opts.Rounds; round++ {
		if opts.Rounds > 1 {
			fmt.Fprintf(stdout, "round     %d of %d\n\n", round, opts.Rounds)
		}
		if len(opts.Targets) == 0 {
			f := measureFloor(opts.PasswordCost, opts.Crypto)
			f.Round = roundOf(opts, round)
			rep.Floors = append(rep.Floors, f)
			f.print(stdout)
		}
		for _, srv := range servers {
			t, err := srv.Start(ctx, "")
			if err != nil {
				fmt.Fprintln(stderr, "ninshou-bench:", err)
				failed = true
				continue
			}
			if !runTarget(ctx, opts, t, roundOf(opts, round), rep, stdout, stderr) {
				failed = true
			}
			if err := t.Close(); err != nil {
				fmt.Fprintf(stderr, "ninshou-bench: stopping %s: %v\n", t.Name, err)
			}
			if ctx.Err() != nil {
				break rounds
			}
			if round > 1 {
				continue
			}
			if len(opts.Sizes) > 0 && !runDirectory(ctx, opts, srv, rep, stdout, stderr) {
				failed = true
			}
			if srv.Ninshou && opts.ImportJobUsers > 0 && ctx.Err() == nil && !runImportJob(ctx, opts, srv, opts.ImportJobUsers, rep, stdout, stderr) {
				failed = true
			}
			if ctx.Err() != nil {
				break rounds
			}
		}
	}
	rep.Floor = medianFloor(rep.Floors)
	rep.summarise(stdout)
	if opts.JSON != "" {
		if err := rep.writeJSON(opts.JSON); err != nil {
			fmt.Fprintln(stderr, "ninshou-bench:", err)
			failed = true
		}
	}
	if opts.Doc != "" {
		if err := rep.writeDoc(opts.Doc); err != nil {
			fmt.Fprintln(stderr, "ninshou-bench:", err)
			failed = true
		}
	}
	if ctx.Err() != nil {
		fmt.Fprintln(stderr, "ninshou-bench: interrupted")
		return 1
	}
	if failed {
		return 1
	}
	return 0
}

// serversOf returns, in order, the servers to measure: the --target
// servers, or else Ninshou (in this process, as its own process, or as
// nodes on PostgreSQL) and, with --peers, moto and cognito-local.
func serversOf(opts options) []*server {
	if len(opts.Targets) > 0 {
		var out []*server
		for _, s := range opts.Targets {
			name, base := parseTarget(s)
			out = append(out, &server{Name: name, Start: func(ctx context.Context, _ string) (*target, error) {
				return external(ctx, name, base)
			}})
		}
		return out
	}
	var out []*server
	switch {
	case !(len(opts.DBs) == 1 && opts.DBs[0] == "sqlite" && slices.Equal(opts.Nodes, []int{1})):
		for _, db := range opts.DBs {
			for _, n := range opts.Nodes {
				if db == "sqlite" && n > 1 {
					continue // one node's store
				}
				out = append(out, &server{Name: "ninshou", Start: func(ctx context.Context, _ string) (*target, error) {
					return startCluster(ctx, db, n, opts.PasswordCost, opts.Crypto, opts.ServerLog)
				}})
			}
		}
	case opts.Ninshou == "process":
		out = append(out, &server{Name: "ninshou", Ninshou: true, Start: ninshouProcess(opts.NinshouBin, opts.PasswordCost, opts.Crypto)})
	default:
		out = append(out, &server{Name: "ninshou", Ninshou: true, Start: func(ctx context.Context, dir string) (*target, error) {
			return startInProcess(ctx, "ninshou", opts.PasswordCost, opts.Crypto, opts.ServerLog, dir)
		}})
	}
	if opts.Peers {
		out = append(out,
			&server{Name: "moto", Start: motoProcess},
			&server{Name: "cognito-local", Start: cognitoLocalProcess(opts.PeerCache)})
	}
	return out
}

// runTarget runs every selected workload against t at every concurrency and
// reports false if one failed.
func runTarget(ctx context.Context, opts options, t *target, round int, rep *report, stdout, stderr io.Writer) bool {
	ok := true
	info := targetInfoOf(t)
	info.Round = round
	rep.Targets = append(rep.Targets, info)
	info.print(stdout)
	printColumns(stdout)
	c := newClient(t.BaseURL, opts.Region, 2*slices.Max(opts.Concurrency)+8)
	if len(t.Bases) > 0 {
		c.base, c.spread = t.Bases[0], &roundRobin{bases: t.Bases}
	}
	defer c.close()
	if !runWorkloads(ctx, opts, t, c, allWorkloads(opts.Users), 0, round, rep, stdout, stderr) {
		ok = false
	}
	if mem := readMemory(t.PID); mem.Peak > 0 {
		info.PeakRSSBytes = mem.Peak
		fmt.Fprintf(stdout, "peak RSS of %s: %s (VmHWM", t.Name, mib(mem.Peak))
		if t.PID == os.Getpid() {
			fmt.Fprint(stdout, "; in-process, so it includes the load generator")
		}
		fmt.Fprintln(stdout, ")")
	}
	fmt.Fprintln(stdout)
	return ok
}

// runWorkloads runs the selected workloads of ws against t at every
// concurrency; users is the size of the pool they read (0: their own small
// pools). It reports false if one failed.
func runWorkloads(ctx context.Context, opts options, t *target, c *client, ws []workload, users, round int, rep *report, stdout, stderr io.Writer) bool {
	ok := true
	for _, w := range ws {
		if !slices.Contains(opts.Workloads, w.Name()) {
			continue
		}
		setupStart := time.Now()
		o, err := w.Setup(ctx, c, t, runTag())
		base := row{Target: t.Name, Workload: w.Name(), Users: users, Round: round, SetupSeconds: time.Since(setupStart).Seconds()}
		if errors.Is(err, errSkipped) {
			base.Skipped = err.Error()
			rep.Results = append(rep.Results, base)
			base.print(stdout)
			continue
		}
		if err != nil {
			ok = false
			base.SetupError = err.Error()
			rep.Results = append(rep.Results, base)
			base.print(stdout)
			fmt.Fprintf(stderr, "ninshou-bench: %s on %s: setup failed: %v\n", w.Name(), t.Name, err)
			continue
		}
		for _, conc := range opts.Concurrency {
			if ctx.Err() != nil {
				return false
			}
			var before postgres.StatsSnapshot
			if t.DBStats != nil {
				before = t.DBStats.Snapshot()
			}
			prof := startProfile(opts, t, base.label(), conc, stderr)
			m := measure(ctx, o, conc, opts.Duration, opts.MaxOps)
			prof()
			r := base
			r.fill(m, readMemory(t.PID))
			if t.DBStats != nil && m.Ops+m.Errors > 0 {
				d := t.DBStats.Snapshot().Sub(before)
				n := float64(m.Ops + m.Errors)
				r.DBStatementsPerOp, r.DBRoundTripsPerOp = float64(d.Statements)/n, float64(d.RoundTrips)/n
			}
			rep.Results = append(rep.Results, r)
			r.print(stdout)
			for _, e := range m.FirstErrors {
				fmt.Fprintf(stderr, "  error: %s c=%d on %s: %s\n", base.label(), conc, t.Name, e)
			}
			if m.ErrorRate() > maxErrorRate {
				ok = false
				fmt.Fprintf(stderr, "ninshou-bench: %s c=%d on %s: %d of %d operations failed (more than %.0f%%)\n",
					base.label(), conc, t.Name, m.Errors, m.Ops+m.Errors, 100*maxErrorRate)
			}
		}
	}
	return ok
}

// roundOf is the round number rows and floors carry: 0 when there is one.
func roundOf(opts options, round int) int {
	if opts.Rounds == 1 {
		return 0
	}
	return round
}

// runTag makes the names of one workload's pool and emails unique, so that
// repeated runs against a long-lived target never meet their own old users.
func runTag() string {
	b := make([]byte, 4)
	rand.Read(b)
	return hex.EncodeToString(b)
}
