package e2e

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/ninshou/ninshou/internal/testutil/smtptest"
)

// Several Ninshou processes on one database. The tests here run the real
// binary, built once per test binary, as a subprocess per node: a node
// killed with SIGKILL is really gone, with its connections and its
// in-flight transactions.

var buildDir string

func TestMain(m *testing.M) {
	code := m.Run()
	if buildDir != "" {
		os.RemoveAll(buildDir)
	}
	os.Exit(code)
}

// ninshouBinary builds cmd/ninshou once.
var ninshouBinary = sync.OnceValues(func() (string, error) {
	dir, err := os.MkdirTemp("", "ninshou-e2e-bin-")
	if err != nil {
		return "", err
	}
	buildDir = dir
	bin := filepath.Join(dir, "ninshou")
	cmd := exec.Command("go", "build", "-o", bin, "github.com/ninshou/ninshou/cmd/ninshou")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("go build: %v\n%s", err, out.String())
	}
	return bin, nil
})

func binary(t testing.TB) string {
	t.Helper()
	bin, err := ninshouBinary()
	if err != nil {
		t.Fatal(err)
	}
	return bin
}

// cluster is nodes sharing one database, one public URL (as behind a load
// balancer, so every node issues and accepts the same iss) and one SMTP
// server.
type cluster struct {
	t     *testing.T
	DB    string
	Mail  *smtptest.Server
	Nodes []*node
	// PublicURL is every node's --public-url.
	PublicURL string
	// Key is the server key every node is given (--server-key).
	Key string
	// Flags are added to the flags of the nodes started from now on; a
	// flag given again wins (--smtp-url, say).
	Flags []string
}

// node is one ninshou process.
type node struct {
	Name string
	URL  string
	Data string
	cmd  *exec.Cmd
	out  *lockedBuffer
	done chan struct{}
}

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// newCluster starts n nodes on db (a fresh schema's DSN).
func newCluster(t *testing.T, db string, n int) *cluster {
	t.Helper()
	c := &cluster{t: t, DB: db, Mail: smtptest.Start(t), PublicURL: "http://ninshou.test"}
	c.Key = sharedServerKey(t)
	for i := range n {
		c.Nodes = append(c.Nodes, c.start(fmt.Sprintf("node%d", i+1)))
	}
	return c
}

// serverKeyFlag is the flag that gives a node its server key, if this
// binary has one: with several nodes on one database, every node must seal
// and open SRP verifiers with the same key.
var serverKeyFlag = sync.OnceValue(func() string {
	bin, err := ninshouBinary()
	if err != nil {
		return ""
	}
	out, _ := exec.Command(bin, "-h").CombinedOutput()
	if strings.Contains(string(out), "--server-key") {
		return "--server-key"
	}
	return ""
})

// sharedServerKey is one random server key (64 hex digits) for a
// cluster's nodes.
func sharedServerKey(t *testing.T) string {
	t.Helper()
	b := make([]byte, 32)
	rand.Read(b)
	return hex.EncodeToString(b)
}

var serving = regexp.MustCompile(`serving the Cognito User Pools API at (http://\S+)`)

// start starts one more node and waits until it is healthy.
func (c *cluster) start(name string) *node {
	t := c.t
	t.Helper()
	return c.startIn(name, t.TempDir())
}

// startIn starts a node with its --data directory; with c.DB empty it
// stores in SQLite there.
func (c *cluster) startIn(name, data string) *node {
	t := c.t
	t.Helper()
	nd := &node{Name: name, Data: data, out: &lockedBuffer{}, done: make(chan struct{})}
	args := []string{"--addr", "127.0.0.1:0", "--data", nd.Data, "--public-url", c.PublicURL,
		"--smtp-url", c.Mail.URL(), "--password-cost", "low", "--outbox", "--log-level", "warn"}
	if c.DB != "" {
		args = append(args, "--db", c.DB)
	}
	if f := serverKeyFlag(); f != "" {
		args = append(args, f, c.Key)
	}
	args = append(args, c.Flags...)
	nd.cmd = exec.Command(binary(t), args...)
	nd.cmd.Env = cleanEnv()
	nd.cmd.Stdout, nd.cmd.Stderr = nd.out, nd.out
	if err := nd.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { nd.cmd.Wait(); close(nd.done) }()
	t.Cleanup(func() {
		nd.kill(syscall.SIGTERM)
		if t.Failed() {
			t.Logf("%s output:\n%s", nd.Name, nd.out.String())
		}
	})
	deadline := time.Now().Add(15 * time.Second)
	for {
		if m := serving.FindStringSubmatch(nd.out.String()); m != nil && nd.URL == "" {
			nd.URL = m[1]
		}
		if nd.URL != "" && healthy(nd.URL) {
			return nd
		}
		select {
		case <-nd.done:
			t.Fatalf("%s exited before it was ready:\n%s", name, nd.out.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s not ready after 15s:\n%s", name, nd.out.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func healthy(base string) bool {
	hc := &http.Client{Timeout: time.Second}
	resp, err := hc.Get(base + "/health")
	if err != nil {
		return false
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}

// kill sends sig and waits for the node to exit (SIGKILL after 10s).
func (nd *node) kill(sig syscall.Signal) {
	select {
	case <-nd.done:
		return
	default:
	}
	nd.cmd.Process.Signal(sig)
	select {
	case <-nd.done:
	case <-time.After(10 * time.Second):
		nd.cmd.Process.Kill()
		<-nd.done
	}
}

// cleanEnv is this process's environment without NINSHOU_* variables.
func cleanEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "NINSHOU_") {
			env = append(env, kv)
		}
	}
	return env
}

// env is the SDK test environment pointed at node i (0-based).
func (c *cluster) env(i int) *sdkEnv {
	s := &server{URL: c.Nodes[i].URL, SMTP: c.Mail}
	return &sdkEnv{server: s, t: c.t, ctx: context.Background(), c: s.sdk()}
}

// run runs the ninshou binary with args to completion and returns its
// output, failing the test on a non-zero exit.
func runNinshou(t *testing.T, args ...string) string {
	t.Helper()
	cmd := exec.Command(binary(t), args...)
	cmd.Env = cleanEnv()
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("ninshou %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}
