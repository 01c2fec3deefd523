package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// writeDoc writes this run's section of the Markdown report at path: the
// text between <!-- bench:<cost>:begin --> and <!-- bench:<cost>:end -->
// is replaced (or appended when absent), the rest of the file, written by
// people, is kept. The chart goes beside it: <name>.png for the low cost
// (the comparison with the peers), <name>-<cost>.png otherwise.
func (r *report) writeDoc(path string) error {
	cost := r.Settings.PasswordCost
	if cost == "" {
		cost = "external"
	}
	pngPath := strings.TrimSuffix(path, ".md") + ".png"
	if cost != "low" {
		pngPath = strings.TrimSuffix(path, ".md") + "-" + cost + ".png"
	}
	img, err := r.chart(r.maxConc())
	if err != nil {
		return err
	}
	if err := writeFile(pngPath, img); err != nil {
		return err
	}
	begin, end := "<!-- bench:"+cost+":begin -->", "<!-- bench:"+cost+":end -->"
	section := begin + "\n" + r.markdown(filepath.Base(pngPath)) + end
	old, err := os.ReadFile(path)
	if err != nil && !os.IsNotExist(err) {
		return err
	}
	doc := string(old)
	if i, j := strings.Index(doc, begin), strings.Index(doc, end); i >= 0 && j > i {
		doc = doc[:i] + section + doc[j+len(end):]
	} else {
		if doc == "" {
			doc = "# Performance\n"
		}
		doc = strings.TrimRight(doc, "\n") + "\n\n" + section + "\n"
	}
	return writeFile(path, []byte(doc))
}

// markdown is the generated section: settings, chart, tables, checks.
func (r *report) markdown(png string) string {
	var b strings.Builder
	m, s := r.Machine, r.Settings
	fmt.Fprintf(&b, "Measured %s by `go run ./cmd/ninshou-bench %s`.\n\n", r.Started.Format(time.DateTime+" MST"), strings.Join(s.Args, " "))
	fmt.Fprintf(&b, "- Machine: %s, %d CPUs (GOMAXPROCS %d), %s %s. The load generator runs on the same machine and shares its CPUs.\n",
		m.CPU, m.NProc, m.GOMAXPROCS, m.GoVersion, m.OS)
	if m.GODEBUG != "" {
		fmt.Fprintf(&b, "- GODEBUG=%s in the load generator and the Ninshou it started.\n", m.GODEBUG)
	}
	fmt.Fprintf(&b, "- Each workload at each concurrency (%s) for %v or %d operations, whichever came first; %d users per sign-in pool.\n",
		joinInts(s.Concurrency), time.Duration(s.DurationSeconds*float64(time.Second)), s.MaxOps, s.Users)
	if s.Rounds > 1 {
		fmt.Fprintf(&b, "- %d rounds: each measured the crypto floor, then each target in turn, started afresh. The tables show each target's median round (by throughput; its latencies are that run's), and each ratio as the median of the rounds' ratios, every round's from numbers taken minutes apart, with their range in brackets. The big pools were measured once.\n", s.Rounds)
	}
	for _, t := range r.Targets {
		if t.Round > 1 {
			continue // the first round's start; peak RSS over all rounds
		}
		v := ""
		if t.Version != "" {
			v = " " + t.Version
		}
		params := t.PasswordParams
		if params == "" {
			params = "unknown"
		}
		conf := ""
		if t.Config != "" {
			conf = "; configured " + t.Config
		}
		peak := t.PeakRSSBytes
		for _, o := range r.Targets {
			if o.Name == t.Name {
				peak = max(peak, o.PeakRSSBytes)
			}
		}
		fmt.Fprintf(&b, "- %s%s (%s): passwords %s%s; healthy %.0f ms after start on an empty store; RSS %s then, peak %s.\n",
			t.Name, v, t.Kind, params, conf, t.HealthyMillis, mibOr(t.StartRSSBytes), mibOr(peak))
	}
	fmt.Fprintf(&b, "\n![Throughput at concurrency %d](%s)\n\n", r.maxConc(), png)
	for _, c := range s.Concurrency {
		fmt.Fprintf(&b, "Concurrency %d:\n\n%s\n", c, r.comparison(c))
	}
	if f := r.Floor; f != nil {
		when := "measured in this run"
		if len(r.Floors) > 1 {
			when = fmt.Sprintf("measured in each of the %d rounds (the median of each figure here)", len(r.Floors))
		}
		fmt.Fprintf(&b, "Crypto floor, %s with every core running the primitive at once (CPU time per call, after a warm-up): argon2id %s %.3f ms, RSA-2048 PKCS #1 v1.5 SHA-256 signature %.3f ms, SRP verifier %.3f ms, RSA and SRP through %s, as in the servers; floor = %d cores / CPU time per operation:\n\n",
			when, f.Argon2Params, f.Argon2Millis, f.RSASignMillis, f.SRPMillis, f.Crypto, f.Cores)
		b.WriteString("| workload | argon2id | SRP verifiers | RSA signatures | CPU ms | floor ops/s |\n|---|---:|---:|---:|---:|---:|\n")
		for _, name := range []string{"password-signin", "refresh", "admin-create-user", "new-password-flow", "founding-flow"} {
			x := f.Workloads[name]
			fmt.Fprintf(&b, "| %s | %d | %d | %d | %.2f | %.1f |\n", name, x.Argon2, x.SRP, x.RSA, x.CPUMillis, x.OpsPerSec)
		}
		b.WriteString("\n")
	}
	if t := r.poolsTable(); t != "" {
		b.WriteString("Big pools (every user has the same precomputed password hash; Ninshou's are loaded by `ninshou import`, the peers' by AdminCreateUser 16 at a time):\n\n" + t + "\n")
	}
	if cs := r.checks(); len(cs) > 0 {
		b.WriteString("Targets, as measured in this run:\n\n| target | measured | |\n|---|---|---|\n")
		for _, c := range cs {
			fmt.Fprintf(&b, "| %s | %s | %s |\n", c.What, c.Measured, c.status())
		}
		b.WriteString("\n")
	}
	return b.String()
}

func joinInts(v []int) string {
	s := make([]string, len(v))
	for i, n := range v {
		s[i] = fmt.Sprint(n)
	}
	return strings.Join(s, ",")
}
