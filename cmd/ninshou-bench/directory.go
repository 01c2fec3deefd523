package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/ninshou/ninshou/internal/idp/password"
)

// The directory workloads run against one pool of a given size (--sizes):
// AdminGetUser of a random user, the first page of ListUsers, and ListUsers
// filtered by an exact email and by an email prefix. Ninshou's pool is
// loaded through its own bulk path, `ninshou import` of a file in the export
// format (docs/export-format.md); a peer's through AdminCreateUser, as far
// as --peer-users and --peer-load-timeout allow.
//
// User i has the email <first>.<i>@example.com (i in seven digits), which
// is also its username (see createUser: cognito-local takes only emails as
// usernames), and the given_name <first>, where first cycles through
// givenNames, so that a prefix filter `email ^= "<first>."` matches one user
// in len(givenNames).
var givenNames = []string{
	"alice", "bruno", "chiara", "dmitri", "emeka", "fatima", "goro", "hana", "ines", "jonas",
	"kofi", "lena", "mateo", "nadia", "oskar", "priya", "quentin", "rosa", "sven", "tomoko",
	"ugo", "vera", "wen", "ximena", "yusuf", "zofia",
}

func dirUsername(i int) string { return dirEmail(i) }
func dirEmail(i int) string {
	return fmt.Sprintf("%s.%07d@example.com", givenNames[i%len(givenNames)], i)
}

// pool is a loaded pool the directory workloads read.
type pool struct {
	ID, ClientID string
	Users        int
}

// poolInfo is what loading and serving one big pool cost.
type poolInfo struct {
	Target string `json:"target"`
	Users  int    `json:"users"`
	// Load is how the users got in: "ninshou import" or "AdminCreateUser".
	Load string `json:"load"`
	// ImportJob marks the pool a user import job loaded: it is timed, not
	// served, so the serving targets (healthy, RSS) do not apply to it.
	ImportJob   bool    `json:"import_job,omitempty"`
	LoadSeconds float64 `json:"load_s"`
	// HealthyMillis is the start of a server on the loaded store until it
	// answered (Ninshou only: the peers keep no store to restart on).
	HealthyMillis float64 `json:"healthy_ms,omitempty"`
	RSSBytes      int64   `json:"rss_bytes,omitempty"` // when healthy
	PeakRSSBytes  int64   `json:"peak_rss_bytes,omitempty"`
	DiskBytes     int64   `json:"disk_bytes,omitempty"`
	BytesPerUser  float64 `json:"bytes_per_user,omitempty"`
	Note          string  `json:"note,omitempty"`
}

// directoryWorkloads are the workloads of one loaded pool.
func directoryWorkloads(p pool) []workload {
	return []workload{
		dirWorkload{"admin-get-user", p, adminGetUserOp},
		dirWorkload{"list-users", p, listUsersOp},
		dirWorkload{"list-users-exact", p, listUsersExactOp},
		dirWorkload{"list-users-prefix", p, listUsersPrefixOp},
		dirWorkload{"describe-user-pool", p, describeUserPoolOp},
	}
}

type dirWorkload struct {
	name string
	p    pool
	op   func(c *client, p pool) op
}

func (w dirWorkload) Name() string { return w.name }

func (w dirWorkload) Setup(ctx context.Context, c *client, _ *target, _ string) (op, error) {
	return checked(ctx, w.op(c, w.p))
}

func adminGetUserOp(c *client, p pool) op {
	return func(ctx context.Context, _ int64) error {
		u := dirUsername(rand.IntN(p.Users))
		var out struct {
			Username string `json:"Username"`
		}
		if err := c.call(ctx, "AdminGetUser", true, map[string]any{"UserPoolId": p.ID, "Username": u}, &out); err != nil {
			return err
		}
		if out.Username == "" {
			return errors.New("AdminGetUser: no Username in the answer")
		}
		return nil
	}
}

// describeUserPoolOp reads the pool, whose EstimatedNumberOfUsers counts its
// users (what infrastructure tools read on every plan).
func describeUserPoolOp(c *client, p pool) op {
	return func(ctx context.Context, _ int64) error {
		var out struct {
			UserPool struct {
				EstimatedNumberOfUsers int `json:"EstimatedNumberOfUsers"`
			} `json:"UserPool"`
		}
		if err := c.call(ctx, "DescribeUserPool", true, map[string]any{"UserPoolId": p.ID}, &out); err != nil {
			return err
		}
		if out.UserPool.EstimatedNumberOfUsers == 0 {
			return errNoCount
		}
		if out.UserPool.EstimatedNumberOfUsers < p.Users {
			return fmt.Errorf("DescribeUserPool: EstimatedNumberOfUsers %d, want at least %d", out.UserPool.EstimatedNumberOfUsers, p.Users)
		}
		return nil
	}
}

// errNoCount says that the target leaves EstimatedNumberOfUsers out (or at
// 0) for a pool it holds users in: it cannot run describe-user-pool.
var errNoCount = errors.New("the target does not count a pool's users in EstimatedNumberOfUsers")

// listUsersLimit is the page size the ListUsers workloads ask for.
const listUsersLimit = 60

// errNoLimit says that the target answered ListUsers with more users than
// Limit allows: it does not page, so it cannot run the workload, which is
// one page (cognito-local 5.3.0 answers every matching user).
var errNoLimit = errors.New("the target ignores Limit and does not page ListUsers")

// listUsers calls ListUsers with filter ("" for none) and checks that the
// page holds want users (-1: any number up to the limit).
func listUsers(ctx context.Context, c *client, p pool, filter string, want int) error {
	in := map[string]any{"UserPoolId": p.ID, "Limit": listUsersLimit}
	if filter != "" {
		in["Filter"] = filter
	}
	var out struct {
		Users []struct {
			Username string `json:"Username"`
		} `json:"Users"`
	}
	if err := c.call(ctx, "ListUsers", true, in, &out); err != nil {
		return err
	}
	if len(out.Users) > listUsersLimit {
		return fmt.Errorf("ListUsers %q answered %d users for Limit %d: %w", filter, len(out.Users), listUsersLimit, errNoLimit)
	}
	if want >= 0 && len(out.Users) != want {
		return fmt.Errorf("ListUsers %q: %d users, want %d", filter, len(out.Users), want)
	}
	return nil
}

func listUsersOp(c *client, p pool) op {
	return func(ctx context.Context, _ int64) error {
		return listUsers(ctx, c, p, "", min(listUsersLimit, p.Users))
	}
}

func listUsersExactOp(c *client, p pool) op {
	return func(ctx context.Context, _ int64) error {
		return listUsers(ctx, c, p, `email = "`+dirEmail(rand.IntN(p.Users))+`"`, 1)
	}
}

func listUsersPrefixOp(c *client, p pool) op {
	return func(ctx context.Context, _ int64) error {
		first := givenNames[rand.IntN(len(givenNames))]
		want := -1 // a small pool: any number
		if p.Users >= listUsersLimit*len(givenNames) {
			want = listUsersLimit
		}
		return listUsers(ctx, c, p, `email ^= "`+first+`."`, want)
	}
}

// sizeName is a pool size as the table shows it: 10k, 1M.
func sizeName(n int) string {
	switch {
	case n >= 1_000_000 && n%1_000_000 == 0:
		return strconv.Itoa(n/1_000_000) + "M"
	case n >= 1000 && n%1000 == 0:
		return strconv.Itoa(n/1000) + "k"
	}
	return strconv.Itoa(n)
}

// importFile writes, to path, a complete export of one pool with users
// users: seed's header, pool, keys and client lines, then users made from
// seed's one user line, then the end line. Every user has the same
// password hash (that of signinPassword, computed once): hashing a million
// passwords would take hours at the standard cost and prove nothing here.
func importFile(path string, seed []byte, users int) error {
	var head [][]byte
	var tmpl map[string]any
	counts := map[string]int64{}
	for line := range strings.SplitSeq(strings.TrimSpace(string(seed)), "\n") {
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			return fmt.Errorf("seed export: %w", err)
		}
		switch rec["type"] {
		case "end":
		case "user":
			tmpl = rec
		default:
			head = append(head, []byte(line))
			if t := rec["type"].(string); t != "header" {
				counts[t]++
			}
		}
	}
	if tmpl == nil {
		return errors.New("seed export: no user line to copy")
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriterSize(f, 1<<20)
	for _, l := range head {
		w.Write(l)
		w.WriteByte('\n')
	}
	delete(tmpl, "extra") // its sealed SRP verifier is bound to the template's sub
	attrs, _ := tmpl["attributes"].(map[string]any)
	if attrs == nil {
		attrs = map[string]any{}
		tmpl["attributes"] = attrs
	}
	enc := json.NewEncoder(w)
	for i := range users {
		sub := fmt.Sprintf("%08x-0000-4000-8000-%012x", i, i)
		email := dirEmail(i)
		tmpl["sub"], tmpl["username"], tmpl["username_key"] = sub, dirUsername(i), dirUsername(i)
		if _, ok := attrs["sub"]; ok {
			attrs["sub"] = sub
		}
		attrs["email"], attrs["email_verified"] = email, "true"
		attrs["given_name"] = givenNames[i%len(givenNames)]
		if _, ok := tmpl["aliases"]; ok {
			tmpl["aliases"] = []map[string]string{{"kind": "email", "key": email}}
		}
		if err := enc.Encode(tmpl); err != nil {
			f.Close()
			return err
		}
	}
	counts["user"] = int64(users)
	end, _ := json.Marshal(map[string]any{"type": "end", "counts": counts})
	w.Write(end)
	w.WriteByte('\n')
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// seedNinshou starts Ninshou once on a fresh store, creates the directory
// pool, its client and one template user through the API, and returns the
// export of that store: the start of every big pool's import file.
func seedNinshou(ctx context.Context, srv *server, bin string) (seed []byte, p pool, err error) {
	dir, err := os.MkdirTemp("", "ninshou-bench-seed-")
	if err != nil {
		return nil, p, err
	}
	defer os.RemoveAll(dir)
	serveDir := filepath.Join(dir, "data")
	t, err := srv.Start(ctx, serveDir)
	if err != nil {
		return nil, p, err
	}
	c := newClient(t.BaseURL, "us-east-1", 2)
	defer c.close()
	p.ID, p.ClientID, err = c.createPool(ctx, "bench-directory")
	if err == nil {
		err = c.call(ctx, "AdminCreateUser", true, map[string]any{
			"UserPoolId": p.ID, "Username": "template", "MessageAction": "SUPPRESS",
			"UserAttributes": []attribute{{Name: "email", Value: "template@example.com"}, {Name: "email_verified", Value: "true"}, {Name: "given_name", Value: "template"}},
		}, nil)
	}
	if err == nil {
		err = c.setPassword(ctx, p.ID, "template", signinPassword, true)
	}
	if err == nil {
		out := filepath.Join(dir, "seed.jsonl")
		var log strings.Builder
		if _, err = runTool(ctx, &log, bin, "export", "--data", serveDir, "--out", out); err != nil {
			err = fmt.Errorf("%w: %s", err, log.String())
		} else {
			seed, err = os.ReadFile(out)
		}
	}
	return seed, p, errors.Join(err, t.Close())
}

// loadNinshou imports users users into a new store and returns its
// directory and how long `ninshou import` took.
func loadNinshou(ctx context.Context, bin string, seed []byte, users int, stderr io.Writer) (dir string, took time.Duration, err error) {
	dir, err = os.MkdirTemp("", "ninshou-bench-pool-")
	if err != nil {
		return "", 0, err
	}
	file := filepath.Join(dir, "users.jsonl")
	if err := importFile(file, seed, users); err != nil {
		os.RemoveAll(dir)
		return "", 0, err
	}
	data := filepath.Join(dir, "data")
	var log strings.Builder
	took, err = runTool(ctx, &log, bin, "import", "--data", data, "--in", file)
	os.Remove(file)
	if err != nil {
		os.RemoveAll(dir)
		return "", 0, fmt.Errorf("%w: %s", err, log.String())
	}
	return data, took, nil
}

// loadPeer creates a pool and up to users users through AdminCreateUser,
// 16 at a time, for at most limit. The pool it returns holds the users
// 0..p.Users-1, every one of them created: when time runs out, the
// requests in flight are abandoned and the pool ends before the first of
// them, so that the workloads never ask for a user that may be missing.
// Every 30 s it prints to progress how many users it has created.
func loadPeer(ctx context.Context, c *client, users int, limit time.Duration, progress io.Writer) (pool, time.Duration, error) {
	start := time.Now()
	var p pool
	var err error
	p.ID, p.ClientID, err = c.createPool(ctx, "bench-directory")
	if err != nil {
		return p, 0, err
	}
	lctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	created := make([]atomic.Bool, users)
	var done atomic.Int64
	tick := time.NewTicker(30 * time.Second)
	defer tick.Stop()
	stop, stopped := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(stopped)
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
				fmt.Fprintf(progress, "          %d users after %.0f s\n", done.Load(), time.Since(start).Seconds())
			}
		}
	}()
	err = parallel(lctx, users, 16, func(i int) error {
		err := c.call(lctx, "AdminCreateUser", true, map[string]any{
			"UserPoolId": p.ID, "Username": dirUsername(i), "MessageAction": "SUPPRESS",
			"UserAttributes": []attribute{
				{Name: "email", Value: dirEmail(i)}, {Name: "email_verified", Value: "true"},
				{Name: "given_name", Value: givenNames[i%len(givenNames)]},
			},
		}, nil)
		if err == nil {
			created[i].Store(true)
			done.Add(1)
		}
		return err
	})
	close(stop)
	<-stopped
	for p.Users < users && created[p.Users].Load() {
		p.Users++
	}
	// Out of time: the pool is as large as it got. A call's connection
	// deadline is lctx's, so its timeout may be seen a moment before lctx
	// reports itself done.
	if dl, _ := lctx.Deadline(); err != nil && ctx.Err() == nil && (lctx.Err() != nil || !time.Now().Before(dl)) {
		err = nil
	}
	return p, time.Since(start), err
}

// passwordParams describes the argon2id parameters of a cost profile.
func passwordParams(cost string) string {
	p, err := password.ParamsFor(cost)
	if err != nil {
		return cost
	}
	return "argon2id " + p.String() + " (" + cost + ")"
}

// runDirectory loads a pool of each --sizes size on srv and runs the
// directory workloads against it; it reports false if one failed.
func runDirectory(ctx context.Context, opts options, srv *server, rep *report, stdout, stderr io.Writer) bool {
	if !slices.ContainsFunc(directoryWorkloads(pool{}), func(w workload) bool { return slices.Contains(opts.Workloads, w.Name()) }) {
		return true
	}
	if srv.Ninshou {
		return runNinshouDirectory(ctx, opts, srv, rep, stdout, stderr)
	}
	return runPeerDirectory(ctx, opts, srv, rep, stdout, stderr)
}

func runNinshouDirectory(ctx context.Context, opts options, srv *server, rep *report, stdout, stderr io.Writer) bool {
	seed, p, err := seedNinshou(ctx, srv, opts.NinshouBin)
	if err != nil {
		fmt.Fprintf(stderr, "ninshou-bench: directory pool of %s: %v\n", srv.Name, err)
		return false
	}
	ok := true
	for _, n := range opts.Sizes {
		fmt.Fprintf(stdout, "%s: loading %d users with `ninshou import` ...\n", srv.Name, n)
		dir, took, err := loadNinshou(ctx, opts.NinshouBin, seed, n, stderr)
		if err != nil {
			fmt.Fprintf(stderr, "ninshou-bench: %v\n", err)
			ok = false
			continue
		}
		info := &poolInfo{Target: srv.Name, Users: n, Load: "ninshou import", LoadSeconds: took.Seconds(), DiskBytes: dirBytes(dir)}
		info.BytesPerUser = float64(info.DiskBytes) / float64(n)
		t, err := srv.Start(ctx, dir)
		if err != nil {
			fmt.Fprintf(stderr, "ninshou-bench: %v\n", err)
			os.RemoveAll(filepath.Dir(dir))
			ok = false
			continue
		}
		info.HealthyMillis, info.RSSBytes = millis(t.HealthyIn), readMemory(t.PID).RSS
		p.Users = n // user0000000 ... (the template user is left out)
		if !measurePool(ctx, opts, t, p, n, info, rep, stdout, stderr) {
			ok = false
		}
		if err := t.Close(); err != nil {
			fmt.Fprintf(stderr, "ninshou-bench: stopping %s: %v\n", t.Name, err)
		}
		os.RemoveAll(filepath.Dir(dir))
		if ctx.Err() != nil {
			return false
		}
	}
	return ok
}

func runPeerDirectory(ctx context.Context, opts options, srv *server, rep *report, stdout, stderr io.Writer) bool {
	ok := true
	for _, n := range opts.Sizes {
		if n > opts.PeerUsers {
			rep.Pools = append(rep.Pools, &poolInfo{Target: srv.Name, Users: n, Note: fmt.Sprintf("n/a: above --peer-users %d", opts.PeerUsers)})
			for _, w := range directoryWorkloads(pool{}) {
				r := row{Target: srv.Name, Workload: w.Name(), Users: n, Skipped: fmt.Sprintf("n/a: pool above --peer-users %d", opts.PeerUsers)}
				rep.Results = append(rep.Results, r)
			}
			continue
		}
		t, err := srv.Start(ctx, "")
		if err != nil {
			fmt.Fprintf(stderr, "ninshou-bench: %v\n", err)
			ok = false
			continue
		}
		fmt.Fprintf(stdout, "%s: loading %d users with AdminCreateUser (16 at a time, at most %v) ...\n", srv.Name, n, opts.PeerLoadTimeout)
		c := newClient(t.BaseURL, opts.Region, 40)
		p, took, err := loadPeer(ctx, c, n, opts.PeerLoadTimeout, stdout)
		c.close()
		info := &poolInfo{Target: srv.Name, Users: n, Load: "AdminCreateUser", LoadSeconds: took.Seconds()}
		if err == nil && p.Users == 0 {
			err = fmt.Errorf("no user loaded in %v", opts.PeerLoadTimeout)
		}
		if err != nil {
			fmt.Fprintf(stderr, "ninshou-bench: loading %s: %v\n", srv.Name, err)
			ok = false
			// The pool and its workloads are reported as failed rather
			// than left out.
			info.Note = fmt.Sprintf("load failed after %d users: %v", p.Users, err)
			rep.Pools = append(rep.Pools, info)
			for _, w := range directoryWorkloads(pool{}) {
				if slices.Contains(opts.Workloads, w.Name()) {
					r := row{Target: srv.Name, Workload: w.Name(), Users: n, SetupError: "loading the pool: " + err.Error()}
					rep.Results = append(rep.Results, r)
					r.print(stdout)
				}
			}
		} else {
			if p.Users < n {
				info.Note = fmt.Sprintf("only %d users loaded in %v", p.Users, opts.PeerLoadTimeout)
			}
			if t.DataDir != "" {
				info.DiskBytes = settledBytes(ctx, t.DataDir)
				info.BytesPerUser = float64(info.DiskBytes) / float64(max(p.Users, 1))
			}
			info.RSSBytes = readMemory(t.PID).RSS
			if !measurePool(ctx, opts, t, p, n, info, rep, stdout, stderr) {
				ok = false
			}
		}
		if err := t.Close(); err != nil {
			fmt.Fprintf(stderr, "ninshou-bench: stopping %s: %v\n", t.Name, err)
		}
		if ctx.Err() != nil {
			return false
		}
	}
	return ok
}

// settledBytes is dirBytes(dir) once it has stopped changing for a
// second, for up to 30 s. A peer may still be writing after its load:
// cognito-local rewrites its whole pool file, truncating it first, for
// every user, and the requests a load abandons when its time runs out are
// still being served. (Two equal readings 200 ms apart were not enough:
// one run caught a truncated file twice and reported 0 bytes per user.)
func settledBytes(ctx context.Context, dir string) int64 {
	last, same := dirBytes(dir), 0
	for range 150 {
		select {
		case <-ctx.Done():
			return last
		case <-time.After(200 * time.Millisecond):
		}
		n := dirBytes(dir)
		if n == last && n > 0 {
			if same++; same == 5 {
				return n
			}
		} else {
			same = 0
		}
		last = n
	}
	return last
}

// measurePool runs the directory workloads on t's pool p (of nominal size
// n) and records info.
func measurePool(ctx context.Context, opts options, t *target, p pool, n int, info *poolInfo, rep *report, stdout, stderr io.Writer) bool {
	rep.Pools = append(rep.Pools, info)
	fmt.Fprintf(stdout, "pool      %s with %d users: loaded by %s in %.1f s", t.Name, p.Users, info.Load, info.LoadSeconds)
	if info.BytesPerUser > 0 {
		fmt.Fprintf(stdout, "; %s on disk, %.0f bytes per user", mib(info.DiskBytes), info.BytesPerUser)
	}
	fmt.Fprintln(stdout)
	if info.HealthyMillis > 0 {
		fmt.Fprintf(stdout, "          healthy in %.1f ms on that store; RSS %s\n", info.HealthyMillis, mib(info.RSSBytes))
	}
	printColumns(stdout)
	c := newClient(t.BaseURL, opts.Region, 2*slices.Max(opts.Concurrency)+8)
	defer c.close()
	ok := runWorkloads(ctx, opts, t, c, directoryWorkloads(p), n, 0, rep, stdout, stderr)
	info.PeakRSSBytes = readMemory(t.PID).Peak
	if info.PeakRSSBytes > 0 {
		fmt.Fprintf(stdout, "peak RSS of %s with %d users: %s\n", t.Name, p.Users, mib(info.PeakRSSBytes))
	}
	fmt.Fprintln(stdout)
	return ok
}
