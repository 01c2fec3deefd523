package main

import (
	"cmp"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
)

// The summary compares the targets workload by workload at the highest
// concurrency, checks the targets, and is what --doc writes.

// peerNames are the targets compared with Ninshou, in column order.
var peerNames = []string{"moto", "cognito-local"}

// rowsOf returns the rows of target, workload label and concurrency: one
// per round (and the rows of a workload skipped or not set up).
func (r *report) rowsOf(target, label string, conc int) []*row {
	var out []*row
	for i := range r.Results {
		x := &r.Results[i]
		if x.Target == target && x.label() == label && (x.Concurrency == conc || x.Skipped != "" || x.SetupError != "") {
			out = append(out, x)
		}
	}
	return out
}

// find returns the measured row of target, workload label and
// concurrency: with several rounds, the median round's by throughput (the
// lower middle one of an even count), so that its latencies are those of
// that same run.
func (r *report) find(target, label string, conc int) *row {
	rows := r.rowsOf(target, label, conc)
	measured := slices.DeleteFunc(slices.Clone(rows), func(x *row) bool { return !ok(x) })
	switch {
	case len(measured) > 0:
		slices.SortStableFunc(measured, func(a, b *row) int { return cmp.Compare(a.OpsPerSec, b.OpsPerSec) })
		return measured[(len(measured)-1)/2]
	case len(rows) > 0:
		return rows[0]
	}
	return nil
}

// spread is a ratio over the rounds: its median and its range, each round's
// from the rows of that round, which were measured minutes apart at most.
type spread struct {
	Med, Lo, Hi float64
	N           int // rounds; 0: not measured
}

func spreadOf(xs []float64) spread {
	if len(xs) == 0 {
		return spread{}
	}
	s := spread{Lo: slices.Min(xs), Hi: slices.Max(xs), N: len(xs)}
	s.Med = median(xs)
	return s
}

// times formats a spread of ratios as "4.7x", or "4.7x (4.1-5.2)" over
// several rounds.
func (s spread) times() string {
	if s.N == 0 {
		return "-"
	}
	out := strconv.FormatFloat(s.Med, 'f', 1, 64) + "x"
	if s.N > 1 {
		out += " (" + strconv.FormatFloat(s.Lo, 'f', 1, 64) + "-" + strconv.FormatFloat(s.Hi, 'f', 1, 64) + ")"
	}
	return out
}

// percent formats a spread of shares as "41%", or "41% (38-44%)".
func (s spread) percent() string {
	if s.N == 0 {
		return "-"
	}
	out := fmt.Sprintf("%.0f%%", 100*s.Med)
	if s.N > 1 {
		out += fmt.Sprintf(" (%.0f-%.0f%%)", 100*s.Lo, 100*s.Hi)
	}
	return out
}

// vsPeer is Ninshou's throughput over peer's, round by round.
func (r *report) vsPeer(label, peer string, conc int) spread {
	mine := r.rowsOf(r.ninshouName(), label, conc)
	theirs := r.rowsOf(peer, label, conc)
	var xs []float64
	for _, a := range mine {
		for _, b := range theirs {
			if a.Round == b.Round && ok(a) && ok(b) {
				xs = append(xs, a.OpsPerSec/b.OpsPerSec)
			}
		}
	}
	return spreadOf(xs)
}

// ofFloor is Ninshou's throughput over the crypto floor of the same round.
func (r *report) ofFloor(label string, conc int) spread {
	var xs []float64
	for _, a := range r.rowsOf(r.ninshouName(), label, conc) {
		for _, f := range r.Floors {
			if w, has := f.Workloads[label]; has && f.Round == a.Round && ok(a) && w.OpsPerSec > 0 {
				xs = append(xs, a.OpsPerSec/w.OpsPerSec)
			}
		}
	}
	return spreadOf(xs)
}

// labels are the workload labels measured, in the order first run.
func (r *report) labels() []string {
	var out []string
	for _, x := range r.Results {
		if !slices.Contains(out, x.label()) {
			out = append(out, x.label())
		}
	}
	return out
}

// ninshouName is the name of the Ninshou target in the results.
func (r *report) ninshouName() string {
	for _, t := range r.Targets {
		if strings.HasPrefix(t.Name, "ninshou") {
			return t.Name
		}
	}
	return "ninshou"
}

func (r *report) maxConc() int { return slices.Max(append([]int{1}, r.Settings.Concurrency...)) }

// cell is a throughput as the tables show it: "n/a" when the target could
// not run the workload, "-" when it was not measured.
func cell(x *row) string {
	switch {
	case x == nil:
		return "-"
	case x.Skipped != "":
		return "n/a"
	case x.SetupError != "":
		return "failed"
	}
	return strconv.FormatFloat(x.OpsPerSec, 'f', 1, 64)
}

func ok(x *row) bool { return x != nil && x.Skipped == "" && x.SetupError == "" && x.Ops > 0 }

// comparison is the table of throughput and p99 at concurrency conc, with
// Ninshou's ratio to each peer and to the crypto floor, as Markdown.
func (r *report) comparison(conc int) string {
	var b strings.Builder
	me := r.ninshouName()
	peers := r.presentPeers()
	b.WriteString("| workload | " + me + " ops/s | p50 ms | p99 ms |")
	for _, p := range peers {
		b.WriteString(" " + p + " ops/s | p99 ms |")
	}
	for _, p := range peers {
		b.WriteString(" vs " + p + " |")
	}
	if r.Floor != nil {
		b.WriteString(" crypto floor ops/s | of floor |")
	}
	b.WriteString("\n|---|---:|---:|---:|" + strings.Repeat("---:|---:|", len(peers)) + strings.Repeat("---:|", len(peers)))
	if r.Floor != nil {
		b.WriteString("---:|---:|")
	}
	b.WriteString("\n")
	ms := func(x *row, v func(*row) float64) string {
		if !ok(x) {
			return "-"
		}
		return strconv.FormatFloat(v(x), 'f', 2, 64)
	}
	p50 := func(x *row) float64 { return x.P50Millis }
	p99 := func(x *row) float64 { return x.P99Millis }
	for _, l := range r.labels() {
		n := r.find(me, l, conc)
		fmt.Fprintf(&b, "| %s | %s | %s | %s |", l, cell(n), ms(n, p50), ms(n, p99))
		for _, p := range peers {
			x := r.find(p, l, conc)
			fmt.Fprintf(&b, " %s | %s |", cell(x), ms(x, p99))
		}
		for _, p := range peers {
			fmt.Fprintf(&b, " %s |", r.vsPeer(l, p, conc).times())
		}
		if r.Floor != nil {
			if f, has := r.Floor.Workloads[l]; has && ok(n) {
				fmt.Fprintf(&b, " %.1f | %s |", f.OpsPerSec, r.ofFloor(l, conc).percent())
			} else {
				b.WriteString(" - | - |")
			}
		}
		b.WriteString("\n")
	}
	return b.String()
}

// presentPeers are the peers that ran.
func (r *report) presentPeers() []string {
	var out []string
	for _, p := range peerNames {
		for _, t := range r.Targets {
			if t.Name == p && !slices.Contains(out, p) {
				out = append(out, p)
			}
		}
		for _, pi := range r.Pools {
			if pi.Target == p && !slices.Contains(out, p) {
				out = append(out, p)
			}
		}
	}
	return out
}

// poolsTable is the big pools' load, start, memory and disk, as Markdown.
func (r *report) poolsTable() string {
	if len(r.Pools) == 0 {
		return ""
	}
	var b strings.Builder
	b.WriteString("| target | users | loaded by | load s | healthy ms (existing store) | RSS when healthy | peak RSS | bytes on disk per user |\n|---|---:|---|---:|---:|---:|---:|---:|\n")
	for _, p := range r.Pools {
		if p.Note != "" && p.Load == "" {
			fmt.Fprintf(&b, "| %s | %d | %s | | | | | |\n", p.Target, p.Users, p.Note)
			continue
		}
		healthy, bpu := "-", "-"
		if p.HealthyMillis > 0 {
			healthy = strconv.FormatFloat(p.HealthyMillis, 'f', 1, 64)
		}
		if p.BytesPerUser > 0 {
			bpu = strconv.FormatFloat(p.BytesPerUser, 'f', 0, 64)
		} else if p.Target == "moto" {
			bpu = "n/a (in memory)"
		}
		load := p.Load
		if p.Note != "" {
			load += " (" + p.Note + ")"
		}
		fmt.Fprintf(&b, "| %s | %d | %s | %.1f | %s | %s | %s | %s |\n", p.Target, p.Users, load, p.LoadSeconds,
			healthy, mibOr(p.RSSBytes), mibOr(p.PeakRSSBytes), bpu)
	}
	return b.String()
}

func mibOr(v int64) string {
	if v <= 0 {
		return "-"
	}
	return mib(v)
}

// check is one of the targets, measured.
type check struct {
	What     string
	Measured string
	Met      bool
	Known    bool // false: not measured in this run
}

// checks evaluates the targets on this run's numbers.
func (r *report) checks() []check {
	var out []check
	me := r.ninshouName()
	conc := r.maxConc()
	cost := r.Settings.PasswordCost
	peers := r.presentPeers()
	if cost == "low" && len(peers) > 0 {
		for _, l := range r.labels() {
			n := r.find(me, l, conc)
			for _, p := range peers {
				x := r.find(p, l, conc)
				c := check{What: fmt.Sprintf("%s c=%d: >= 10x %s (low)", l, conc, p)}
				switch {
				case !ok(x):
					c.Measured = cell(x) + " on " + p
				case !ok(n):
					c.Measured = cell(n) + " on " + me
				default:
					v := r.vsPeer(l, p, conc)
					c.Known = true
					c.Measured = fmt.Sprintf("%s (%.1f vs %.1f ops/s)", v.times(), n.OpsPerSec, x.OpsPerSec)
					c.Met = v.Med >= 10
					// Say so when the cryptography alone rules the target out.
					if f, has := r.floorOf(l); has && f < 10*x.OpsPerSec {
						c.Measured += fmt.Sprintf("; out of reach here: the crypto floor is %.1f ops/s, %.1fx %s", f, f/x.OpsPerSec, p)
					}
				}
				out = append(out, c)
			}
		}
	}
	if cost == "standard" && r.Floor != nil {
		for _, l := range []string{"password-signin", "refresh", "admin-create-user", "new-password-flow", "founding-flow"} {
			n := r.find(me, l, conc)
			f := r.Floor.Workloads[l]
			c := check{What: fmt.Sprintf("%s c=%d: >= 90%% of the crypto floor (standard)", l, conc)}
			if v := r.ofFloor(l, conc); ok(n) && v.N > 0 {
				c.Known = true
				c.Met = v.Med >= 0.9
				c.Measured = fmt.Sprintf("%s (%.1f of %.1f ops/s)", v.percent(), n.OpsPerSec, f.OpsPerSec)
			}
			out = append(out, c)
		}
	}
	big := 0
	for _, p := range r.Pools {
		if p.Target == me && p.Load != "" {
			big = max(big, p.Users)
		}
	}
	if big == 0 {
		return out
	}
	at := sizeName(big)
	// Latency targets at every concurrency measured: at 1 they are the
	// server's latency; at 16 on a machine with fewer cores they include the
	// queue of clients waiting for a core.
	p99 := func(label string, limit float64) {
		for _, conc := range r.Settings.Concurrency {
			c := check{What: fmt.Sprintf("%s p99 < %g ms at %s users (c=%d)", label, limit, at, conc)}
			if x := r.find(me, label+"@"+at, conc); ok(x) {
				c.Known, c.Met = true, x.P99Millis < limit
				c.Measured = fmt.Sprintf("%.2f ms", x.P99Millis)
			} else {
				c.Measured = cell(x)
			}
			out = append(out, c)
		}
	}
	p99("list-users-exact", 10)
	p99("list-users-prefix", 10)
	p99("admin-get-user", 2)
	for _, p := range r.Pools {
		if p.Target == me && p.Users == big && !p.ImportJob {
			out = append(out,
				check{What: fmt.Sprintf("peak RSS < 200 MiB with %s users", at), Measured: mib(p.PeakRSSBytes), Known: p.PeakRSSBytes > 0, Met: p.PeakRSSBytes < 200<<20},
				check{What: fmt.Sprintf("healthy < 200 ms on an existing %s-user store", at), Measured: fmt.Sprintf("%.1f ms", p.HealthyMillis), Known: true, Met: p.HealthyMillis < 200})
		}
	}
	return out
}

// floorOf is the crypto floor of workload label in ops/s, if it has one.
func (r *report) floorOf(label string) (float64, bool) {
	if r.Floor == nil {
		return 0, false
	}
	f, has := r.Floor.Workloads[label]
	return f.OpsPerSec, has && f.OpsPerSec > 0
}

func (c check) status() string {
	switch {
	case !c.Known:
		return "not measured"
	case c.Met:
		return "met"
	}
	return "NOT met"
}

// summarise prints the comparison and the checks.
func (r *report) summarise(w io.Writer) {
	if len(r.Results) == 0 {
		return
	}
	fmt.Fprintf(w, "summary at concurrency %d (password cost %s)\n\n", r.maxConc(), r.Settings.PasswordCost)
	fmt.Fprintln(w, r.comparison(r.maxConc()))
	if t := r.poolsTable(); t != "" {
		fmt.Fprintln(w, t)
	}
	for _, c := range r.checks() {
		fmt.Fprintf(w, "%-12s %s: %s\n", c.status(), c.What, c.Measured)
	}
	fmt.Fprintln(w)
}
