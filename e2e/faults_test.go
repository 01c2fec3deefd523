package e2e

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/aws/smithy-go"
	"github.com/jackc/pgx/v5"

	"github.com/ninshou/ninshou/internal/testutil/smtptest"
)

// TestKill9MidFlow: a node killed with SIGKILL in the middle of a sign-in
// and of a stream of writes. Another node finishes the sign-in, and every
// write the killed node acknowledged is there.
func TestKill9MidFlow(t *testing.T) {
	skipSecondPass(t)
	c := newCluster(t, freshDB(t), 2)
	n1, n2 := c.env(0), c.env(1)
	pool := n1.pool()
	n1.emailMFA(pool, types.UserPoolMfaTypeOn)
	client := *n1.client(pool).ClientId
	n1.user(pool, "kim", "kim@example.com", "Perm#Pass1")
	session, code := n1.emailOTP(client, "kim", "Perm#Pass1", "kim@example.com", 1)

	// Writes on node 1 from 8 clients until it dies.
	var acked sync.Map // username -> true, once node 1 answered 200
	var seq atomic.Int64
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for {
				name := fmt.Sprintf("w%05d", seq.Add(1))
				_, err := n1.c.AdminCreateUser(n1.ctx, &cip.AdminCreateUserInput{UserPoolId: aws.String(pool),
					Username: aws.String(name), TemporaryPassword: aws.String("Temp#Pass1"),
					MessageAction: types.MessageActionTypeSuppress})
				if err != nil {
					return // node 1 is gone
				}
				acked.Store(name, true)
			}
		})
	}
	time.Sleep(300 * time.Millisecond)
	c.Nodes[0].kill(syscall.SIGKILL)
	wg.Wait()

	// Node 2 answers the challenge node 1 issued.
	out, err := n2.respond(client, types.ChallengeNameTypeEmailOtp, session,
		map[string]string{"USERNAME": "kim", "EMAIL_OTP_CODE": code})
	if err != nil || out.AuthenticationResult == nil {
		t.Fatalf("EMAIL_OTP on node 2 after node 1 died: %v %v", err, out)
	}
	n := 0
	acked.Range(func(k, _ any) bool {
		n++
		if _, err := n2.c.AdminGetUser(n2.ctx, &cip.AdminGetUserInput{UserPoolId: aws.String(pool), Username: aws.String(k.(string))}); err != nil {
			t.Errorf("user %s, acknowledged by node 1 before SIGKILL, on node 2: %v", k, err)
		}
		return true
	})
	if n == 0 {
		t.Fatal("node 1 acknowledged no write before it was killed")
	}
	t.Logf("%d acknowledged writes, all found on node 2", n)
}

// TestOutboxOnceWithEveryNodeDispatching: messages queued on three nodes,
// each running its dispatcher, reach the SMTP server exactly once.
func TestOutboxOnceWithEveryNodeDispatching(t *testing.T) {
	skipSecondPass(t)
	c := newCluster(t, freshDB(t), 3)
	pool := c.env(0).pool()
	const users = 30
	var wg sync.WaitGroup
	for i := range users {
		e := c.env(i % 3)
		wg.Go(func() {
			_, err := e.c.AdminCreateUser(e.ctx, &cip.AdminCreateUserInput{UserPoolId: aws.String(pool),
				Username: aws.String(fmt.Sprintf("u%02d", i)), DesiredDeliveryMediums: []types.DeliveryMediumType{types.DeliveryMediumTypeEmail},
				UserAttributes: []types.AttributeType{{Name: aws.String("email"), Value: aws.String(fmt.Sprintf("u%02d@example.com", i))}}})
			if err != nil {
				t.Errorf("AdminCreateUser u%02d: %v", i, err)
			}
		})
	}
	wg.Wait()
	deadline := time.Now().Add(15 * time.Second)
	for len(c.Mail.Messages()) < users && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	// Longer than a dispatcher's poll interval: a duplicate would show.
	time.Sleep(1500 * time.Millisecond)
	count := map[string]int{}
	for _, m := range c.Mail.Messages() {
		for _, to := range m.To {
			count[to]++
		}
	}
	if len(count) != users {
		t.Errorf("%d recipients got mail; want %d", len(count), users)
	}
	for to, n := range count {
		if n != 1 {
			t.Errorf("%s got %d messages; want 1", to, n)
		}
	}
}

// TestOutboxLeaseOfKilledNode: a node claims a message, is killed with
// SIGKILL while it sends, and another node delivers the message once the
// lease runs out: exactly once, and not before.
//
// The killed node's SMTP server accepts the connection and never answers,
// so the node dies holding the lease with nothing sent. The lease (two
// minutes) is then run out in the database, as two minutes passing would.
func TestOutboxLeaseOfKilledNode(t *testing.T) {
	skipSecondPass(t)
	db := freshDB(t)
	stall := stallingSMTP(t)
	c := newCluster(t, db, 0)
	c.Flags = []string{"--smtp-url", "smtp://" + stall.Addr().String()}
	c.Nodes = append(c.Nodes, c.start("node1"))
	c.Flags = nil
	n1 := c.env(0)
	pool := n1.pool()
	const addr = "orphan@example.com"
	_, err := n1.c.AdminCreateUser(n1.ctx, &cip.AdminCreateUserInput{UserPoolId: aws.String(pool),
		Username: aws.String("orphan"), DesiredDeliveryMediums: []types.DeliveryMediumType{types.DeliveryMediumTypeEmail},
		UserAttributes: []types.AttributeType{{Name: aws.String("email"), Value: aws.String(addr)}}})
	if err != nil {
		t.Fatalf("AdminCreateUser: %v", err)
	}
	select {
	case <-stall.accepted:
	case <-time.After(10 * time.Second):
		t.Fatal("node 1 never connected to its SMTP server to send the invitation")
	}
	c.Nodes[0].kill(syscall.SIGKILL)

	m := outboxRow(t, db, addr)
	if m.state != "pending" || m.attempts != 0 || !time.Unix(0, m.leaseUntil).After(time.Now().Add(time.Minute)) {
		t.Fatalf("after node 1 died: %+v; want pending, no attempt, leased for about two minutes", m)
	}

	c.Nodes = append(c.Nodes, c.start("node2"))
	// Several of node 2's polls (one a second): the lease holds.
	time.Sleep(2500 * time.Millisecond)
	if n := mailCount(c, addr); n != 0 {
		t.Fatalf("node 2 sent %d messages while node 1's lease held", n)
	}
	pgExec(t, db, `UPDATE outbox SET lease_until = $1 WHERE recipient = $2`, time.Now().Add(-time.Second).UnixNano(), addr)
	c.Mail.WaitFor(t, func(m smtptest.Message) bool { return len(m.To) == 1 && m.To[0] == addr }, 10*time.Second)
	// Longer than a poll: a second delivery would show.
	time.Sleep(1500 * time.Millisecond)
	if n := mailCount(c, addr); n != 1 {
		t.Errorf("%d messages to %s; want 1", n, addr)
	}
	if m := outboxRow(t, db, addr); m.state != "sent" || m.attempts != 1 {
		t.Errorf("after delivery: %+v; want sent after 1 attempt", m)
	}
}

func mailCount(c *cluster, addr string) int {
	n := 0
	for _, m := range c.Mail.Messages() {
		if len(m.To) == 1 && m.To[0] == addr {
			n++
		}
	}
	return n
}

// outboxState is what the lease test reads of an outbox row.
type outboxState struct {
	state      string
	attempts   int
	leaseUntil int64
}

// outboxRow reads the one outbox row to addr.
func outboxRow(t *testing.T, dsn, addr string) outboxState {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var m outboxState
	err = conn.QueryRow(ctx, `SELECT state, attempts, lease_until FROM outbox WHERE recipient = $1`, addr).
		Scan(&m.state, &m.attempts, &m.leaseUntil)
	if err != nil {
		t.Fatalf("outbox row to %s: %v", addr, err)
	}
	return m
}

// stalling is an SMTP server that accepts connections and says nothing, so
// a client hangs waiting for its greeting.
type stalling struct {
	net.Listener
	accepted chan struct{} // one value per connection
}

func stallingSMTP(t *testing.T) *stalling {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &stalling{Listener: ln, accepted: make(chan struct{}, 16)}
	var conns []net.Conn
	var mu sync.Mutex
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, conn)
			mu.Unlock()
			select {
			case s.accepted <- struct{}{}:
			default:
			}
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	})
	return s
}

// TestPostgresRestartUnderLoad: the database goes away under load and comes
// back. Requests during the outage get a JSON InternalErrorException
// quickly, never a hang or a dropped connection; the node recovers by
// itself. The test runs its own PostgreSQL, so other tests sharing the
// machine's server are not disturbed.
func TestPostgresRestartUnderLoad(t *testing.T) {
	skipSecondPass(t)
	pg := startPrivatePostgres(t)
	c := newCluster(t, pg.DSN, 2)
	n1 := c.env(0)
	pool := n1.pool()
	client := *n1.client(pool).ClientId
	n1.user(pool, "kim", "kim@example.com", "Perm#Pass1")
	n1.tokens(client, "kim", "Perm#Pass1")

	type outcome struct {
		at      time.Time
		took    time.Duration
		err     error
		node    int
		success bool
	}
	var mu sync.Mutex
	var outcomes []outcome
	ctx, stop := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for w := range 6 {
		e := c.env(w % 2)
		wg.Go(func() {
			for ctx.Err() == nil {
				start := time.Now()
				_, err := e.signIn(client, "kim", "Perm#Pass1")
				mu.Lock()
				outcomes = append(outcomes, outcome{at: start, took: time.Since(start), err: err, node: w % 2, success: err == nil})
				mu.Unlock()
				if err != nil {
					time.Sleep(20 * time.Millisecond)
				}
			}
		})
	}
	time.Sleep(500 * time.Millisecond)
	pg.ctl(t, "stop", "-m", "immediate")
	down := time.Now()
	time.Sleep(2 * time.Second)
	pg.ctl(t, "start", "-w", "-t", "30")
	up := time.Now()
	// Recovered: every node answers a sign-in again, without a restart.
	deadline := time.Now().Add(20 * time.Second)
	for i := range c.Nodes {
		for {
			_, err := c.env(i).signIn(client, "kim", "Perm#Pass1")
			if err == nil {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("node %d has not recovered 20s after PostgreSQL came back: %v", i+1, err)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	recovered := time.Since(up)
	time.Sleep(300 * time.Millisecond)
	stop()
	wg.Wait()

	var failed, succeeded, after int
	var slowest time.Duration
	for _, o := range outcomes {
		slowest = max(slowest, o.took)
		if o.success {
			succeeded++
			if o.at.After(up) {
				after++
			}
			continue
		}
		failed++
		var ie *types.InternalErrorException
		var ae smithy.APIError
		switch {
		case errors.As(o.err, &ie):
		case errors.As(o.err, &ae):
			t.Errorf("node %d during the outage: %s: %s; want InternalErrorException", o.node+1, ae.ErrorCode(), ae.ErrorMessage())
		default:
			t.Errorf("node %d during the outage: %v; want a JSON InternalErrorException, not a transport error", o.node+1, o.err)
		}
	}
	// Bounded by the store's connect timeout (5s) plus the argon2id work.
	if slowest > 8*time.Second {
		t.Errorf("slowest request took %v during the outage; want under 8s", slowest)
	}
	if failed == 0 {
		t.Errorf("no request failed while PostgreSQL was down for 2s: was it down?")
	}
	if after == 0 {
		t.Errorf("no sign-in succeeded under load after PostgreSQL came back")
	}
	t.Logf("down at %s for %v; %d sign-ins ok, %d InternalErrorException, slowest %v; recovered %v after restart",
		down.Format("15:04:05.000"), up.Sub(down).Round(time.Millisecond), succeeded, failed, slowest.Round(time.Millisecond), recovered.Round(time.Millisecond))
}

// privatePostgres is a PostgreSQL cluster of one test: initdb in a
// temporary directory, a free loopback port, run as the postgres OS user
// when the test runs as root (PostgreSQL refuses to run as root).
type privatePostgres struct {
	bin, dir, data string
	port           int
	DSN            string
	asUser         string // "" to run as this user
}

func startPrivatePostgres(t *testing.T) *privatePostgres {
	t.Helper()
	matches, _ := filepath.Glob("/usr/lib/postgresql/*/bin/initdb")
	if len(matches) == 0 {
		if path, err := exec.LookPath("initdb"); err == nil {
			matches = []string{path}
		}
	}
	if len(matches) == 0 {
		if os.Getenv("CI") != "" {
			t.Fatal("no initdb (PostgreSQL server binaries) on this machine, and CI is set")
		}
		t.Skip("SKIPPING: no initdb: the PostgreSQL restart test needs the server binaries")
	}
	sort.Strings(matches)
	pg := &privatePostgres{bin: filepath.Dir(matches[len(matches)-1])}
	dir, err := os.MkdirTemp("", "ninshou-pg-")
	if err != nil {
		t.Fatal(err)
	}
	pg.dir, pg.data = dir, filepath.Join(dir, "data")
	t.Cleanup(func() { os.RemoveAll(dir) })
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			t.Fatalf("running as root needs a postgres OS user to run PostgreSQL: %v", err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		if err := os.Chown(dir, uid, gid); err != nil {
			t.Fatal(err)
		}
		pg.asUser = "postgres"
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	pg.port = ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	pg.run(t, 60*time.Second, filepath.Join(pg.bin, "initdb"), "-D", pg.data, "-U", "postgres",
		"--auth=trust", "-E", "UTF8", "--no-sync", "--no-instructions")
	pg.ctl(t, "start", "-w", "-t", "30")
	t.Cleanup(func() {
		pg.run(t, 30*time.Second, filepath.Join(pg.bin, "pg_ctl"), "-D", pg.data, "stop", "-m", "immediate")
	})
	pg.DSN = fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", pg.port)
	return pg
}

// ctl runs pg_ctl with the cluster's data directory, port and log.
func (pg *privatePostgres) ctl(t *testing.T, args ...string) {
	t.Helper()
	full := append([]string{"-D", pg.data, "-l", filepath.Join(pg.dir, "log"),
		"-o", fmt.Sprintf("-p %d -k %s -c listen_addresses=127.0.0.1 -c fsync=off", pg.port, pg.dir)}, args...)
	pg.run(t, 60*time.Second, filepath.Join(pg.bin, "pg_ctl"), full...)
}

func (pg *privatePostgres) run(t *testing.T, timeout time.Duration, name string, args ...string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	var cmd *exec.Cmd
	if pg.asUser != "" {
		cmd = exec.CommandContext(ctx, "runuser", append([]string{"-u", pg.asUser, "--", name}, args...)...)
	} else {
		cmd = exec.CommandContext(ctx, name, args...)
	}
	cmd.Dir = pg.dir
	if out, err := cmd.CombinedOutput(); err != nil {
		log, _ := os.ReadFile(filepath.Join(pg.dir, "log"))
		t.Fatalf("%s %v: %v\n%s\nserver log:\n%s", filepath.Base(name), args, err, out, log)
	}
}
