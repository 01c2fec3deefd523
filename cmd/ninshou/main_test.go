//go:build unix

// These tests treat the ninshou command as a black box: TestMain builds the
// binary once, and every test runs it as a subprocess in its own temporary
// working directory, talking to it over loopback HTTP with hand-built AWS
// JSON 1.1 requests, exactly as a user who typed `go run ./cmd/ninshou`
// would. They are Unix-only because they deliver signals (SIGTERM, SIGKILL).
package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// binary is the ninshou executable TestMain built.
var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "ninshou-main-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "mkdir temp:", err)
		os.Exit(1)
	}
	binary = filepath.Join(dir, "ninshou")
	build := exec.Command("go", "build", "-o", binary, ".")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "go build:", err)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

const (
	startTimeout = 10 * time.Second // from exec to GET /health = 200
	exitTimeout  = 10 * time.Second // from a signal (or a bad flag) to exit
	target       = "AWSCognitoIdentityProviderService."
)

// freeAddr returns a loopback host:port that was free a moment ago.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// baseEnv is this process's environment without any NINSHOU_* variable, so
// that a developer's own settings never leak into a test.
func baseEnv(extra ...string) []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "NINSHOU_") {
			env = append(env, kv)
		}
	}
	return append(env, extra...)
}

// syncBuffer is an io.Writer safe to read while the process writes to it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// proc is one running ninshou.
type proc struct {
	cmd    *exec.Cmd
	stdout syncBuffer
	stderr syncBuffer
	done   chan struct{} // closed when the process has exited
	err    error         // cmd.Wait's result, valid after done
}

// start runs the binary in dir with env (added to a clean environment) and
// args. The process is killed at cleanup if still running, and its output is
// logged when the test failed.
func start(t *testing.T, dir string, env []string, args ...string) *proc {
	t.Helper()
	p := &proc{cmd: exec.Command(binary, args...), done: make(chan struct{})}
	p.cmd.Dir = dir
	p.cmd.Env = baseEnv(env...)
	p.cmd.Stdout = &p.stdout
	p.cmd.Stderr = &p.stderr
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		p.err = p.cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(func() {
		select {
		case <-p.done:
		default:
			p.cmd.Process.Kill()
			<-p.done
		}
		if t.Failed() {
			t.Logf("ninshou %s\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), p.stdout.String(), p.stderr.String())
		}
	})
	return p
}

func (p *proc) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// errExitedEarly is awaitReady's error when the process stopped first.
var errExitedEarly = errors.New("ninshou exited before it was ready")

// awaitReady waits until the process has printed its banner (so the port is
// its own, not some other server's) and GET /health answers 200. It polls
// every 20 ms and gives up after startTimeout.
func (p *proc) awaitReady(baseURL string) error {
	deadline := time.Now().Add(startTimeout)
	hc := &http.Client{Timeout: time.Second}
	var last string
	for time.Now().Before(deadline) {
		if p.exited() {
			return fmt.Errorf("%w: %v; stderr: %s", errExitedEarly, p.err, p.stderr.String())
		}
		if strings.Contains(p.stdout.String(), "aws cognito-idp") {
			resp, err := hc.Get(baseURL + "/health")
			if err == nil {
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode == http.StatusOK {
					return nil
				}
				last = resp.Status
			} else {
				last = err.Error()
			}
		} else {
			last = "no banner yet"
		}
		time.Sleep(20 * time.Millisecond)
	}
	return fmt.Errorf("not ready after %v: %s", startTimeout, last)
}

// mustStart starts a server on addr (passed as --addr unless addr is set
// through env or args already) and waits for it to be ready.
func mustStart(t *testing.T, dir, baseURL string, env []string, args ...string) *proc {
	t.Helper()
	p := start(t, dir, env, args...)
	if err := p.awaitReady(baseURL); err != nil {
		t.Fatal(err)
	}
	return p
}

// waitExit waits up to d for the process to exit and returns its status:
// the exit code, or -1 with signaled set if a signal killed it.
func (p *proc) waitExit(t *testing.T, d time.Duration) (code int, signaled syscall.Signal) {
	t.Helper()
	select {
	case <-p.done:
	case <-time.After(d):
		t.Fatalf("ninshou still running %v later", d)
	}
	ws, ok := p.cmd.ProcessState.Sys().(syscall.WaitStatus)
	if ok && ws.Signaled() {
		return -1, ws.Signal()
	}
	return p.cmd.ProcessState.ExitCode(), 0
}

// apiClient speaks the Cognito JSON protocol to one server.
type apiClient struct {
	url string
	hc  *http.Client
}

func newAPI(baseURL string) *apiClient {
	return &apiClient{url: baseURL, hc: &http.Client{
		Timeout:   10 * time.Second,
		Transport: &http.Transport{MaxIdleConnsPerHost: 8},
	}}
}

// do sends operation op with body in (marshalled to JSON) and returns the
// HTTP status, the Content-Type and the decoded JSON object answered.
func (c *apiClient) do(op string, in any) (status int, ctype string, out map[string]any, err error) {
	body, err := json.Marshal(in)
	if err != nil {
		return 0, "", nil, err
	}
	req, err := http.NewRequest(http.MethodPost, c.url+"/", bytes.NewReader(body))
	if err != nil {
		return 0, "", nil, err
	}
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	req.Header.Set("X-Amz-Target", target+op)
	resp, err := c.hc.Do(req)
	if err != nil {
		return 0, "", nil, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return resp.StatusCode, "", nil, err
	}
	if err := json.Unmarshal(raw, &out); err != nil {
		return resp.StatusCode, "", nil, fmt.Errorf("%s: answer is not a JSON object: %v: %q", op, err, raw)
	}
	return resp.StatusCode, resp.Header.Get("Content-Type"), out, nil
}

// call is do that fails the test unless the answer is 200.
func (c *apiClient) call(t *testing.T, op string, in any) map[string]any {
	t.Helper()
	status, _, out, err := c.do(op, in)
	if err != nil {
		t.Fatalf("%s: %v", op, err)
	}
	if status != http.StatusOK {
		t.Fatalf("%s: status %d, answer %v", op, status, out)
	}
	return out
}

// str digs a string out of decoded JSON by a path of object keys.
func str(v any, path ...string) string {
	for _, k := range path {
		m, ok := v.(map[string]any)
		if !ok {
			return ""
		}
		v = m[k]
	}
	s, _ := v.(string)
	return s
}

func mustExist(t *testing.T, path string) {
	t.Helper()
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("want %s to exist: %v", path, err)
	}
}

func mustNotExist(t *testing.T, path string) {
	t.Helper()
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("want no %s, stat says %v", path, err)
	}
}

// checkBanner: stdout names the endpoint URL and shows an AWS CLI example
// pointed at it.
func checkBanner(t *testing.T, p *proc, baseURL string) {
	t.Helper()
	out := p.stdout.String()
	if !strings.Contains(out, "serving the Cognito User Pools API at "+baseURL+"\n") {
		t.Errorf("banner does not name the endpoint %s:\n%s", baseURL, out)
	}
	if !strings.Contains(out, "aws cognito-idp ") || !strings.Contains(out, "--endpoint-url "+baseURL) {
		t.Errorf("banner has no `aws cognito-idp ... --endpoint-url %s` example:\n%s", baseURL, out)
	}
	if !strings.Contains(out, "console:   "+baseURL+"/_ninshou/console/\n") {
		t.Errorf("banner does not name the console:\n%s", out)
	}
}

// stopCleanly sends SIGTERM and requires exit status 0.
func stopCleanly(t *testing.T, p *proc) {
	t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if code, sig := p.waitExit(t, exitTimeout); code != 0 {
		t.Fatalf("after SIGTERM: exit code %d (signal %v), want 0", code, sig)
	}
}

// TestDefaultsServeAndHealth: with nothing but --addr, the server keeps its
// store in ./ninshou-data, prints where it is and how to try it, answers
// /health and the JSON API. Then, when 127.0.0.1:9229 is free, the same with
// no flag at all.
func TestDefaultsServeAndHealth(t *testing.T) {
	t.Run("only --addr", func(t *testing.T) {
		dir := t.TempDir()
		addr := freeAddr(t)
		baseURL := "http://" + addr
		p := mustStart(t, dir, baseURL, nil, "--addr", addr)
		checkBanner(t, p, baseURL)
		mustExist(t, filepath.Join(dir, "ninshou-data", "ninshou.db"))

		status, ctype, out, err := newAPI(baseURL).do("ListUserPools", map[string]any{"MaxResults": 10})
		if err != nil {
			t.Fatal(err)
		}
		if status != http.StatusOK {
			t.Fatalf("ListUserPools: status %d, answer %v", status, out)
		}
		if ctype != "application/x-amz-json-1.1" {
			t.Errorf("ListUserPools: Content-Type %q, want application/x-amz-json-1.1", ctype)
		}
		if pools, ok := out["UserPools"].([]any); !ok || len(pools) != 0 {
			t.Errorf("ListUserPools on a new store = %v, want an empty UserPools list", out)
		}
		stopCleanly(t, p)
	})

	t.Run("port 0", func(t *testing.T) {
		// The system picks the port; the default public URL, and so the
		// tokens' issuer, name that port, not 0.
		p := start(t, t.TempDir(), nil, "--addr", "127.0.0.1:0")
		deadline := time.Now().Add(startTimeout)
		for !strings.Contains(p.stdout.String(), "aws cognito-idp") && time.Now().Before(deadline) && !p.exited() {
			time.Sleep(20 * time.Millisecond)
		}
		m := regexp.MustCompile(`API at (http://127\.0\.0\.1:\d+)\n[\s\S]*issuer: +(\S+)/<poolId>`).FindStringSubmatch(p.stdout.String())
		if m == nil || strings.HasSuffix(m[1], ":0") || m[2] != m[1] {
			t.Fatalf("banner of --addr 127.0.0.1:0 (want the issuer at the address served):\n%s", p.stdout.String())
		}
		if err := p.awaitReady(m[1]); err != nil {
			t.Fatal(err)
		}
		stopCleanly(t, p)
	})

	t.Run("no flags at all", func(t *testing.T) {
		const addr = "127.0.0.1:9229"
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			t.Skipf("skipping: the default address %s is taken here (%v)", addr, err)
		}
		ln.Close()
		dir := t.TempDir()
		baseURL := "http://" + addr
		p := start(t, dir, nil)
		if err := p.awaitReady(baseURL); err != nil {
			if errors.Is(err, errExitedEarly) && strings.Contains(p.stderr.String(), "address already in use") {
				t.Skipf("skipping: %s was taken between the check and the start", addr)
			}
			t.Fatal(err)
		}
		checkBanner(t, p, baseURL)
		mustExist(t, filepath.Join(dir, "ninshou-data", "ninshou.db"))
		newAPI(baseURL).call(t, "ListUserPools", map[string]any{"MaxResults": 10})
		stopCleanly(t, p)
	})
}

// TestBadFlagsExitTwo: a bad value, from a flag or the environment, stops the
// server before it touches anything: exit status 2, one line on stderr naming
// the flag, nothing on stdout, no store created.
func TestBadFlagsExitTwo(t *testing.T) {
	cases := []struct {
		name string
		args []string
		env  []string
		want []string // each must appear in the stderr line
	}{
		{"addr", []string{"--addr", "nope"}, nil, []string{"--addr", `"nope"`}},
		{"region", []string{"--region", "Mars"}, nil, []string{"--region", `"Mars"`}},
		{"public-url", []string{"--public-url", "ftp://x"}, nil, []string{"--public-url"}},
		{"smtp-url", []string{"--smtp-url", "http://x"}, nil, []string{"--smtp-url"}},
		{"password-cost", []string{"--password-cost", "extreme"}, nil, []string{"--password-cost", `"extreme"`}},
		{"unknown flag", []string{"--no-such-flag"}, nil, []string{"no-such-flag"}},
		{"flag without value", []string{"--addr"}, nil, []string{"addr"}},
		{"positional argument", []string{"serve"}, nil, []string{`"serve"`}},
		{"addr from env", nil, []string{"NINSHOU_ADDR=nope"}, []string{"--addr", "NINSHOU_ADDR", `"nope"`}},
		{"region from env", nil, []string{"NINSHOU_REGION=Mars"}, []string{"--region", "NINSHOU_REGION"}},
		// A URL's password never reaches the message.
		{"sms-webhook-url with a password", []string{"--sms-webhook-url", "ftp://u:s3cretpw@host"}, nil, []string{"--sms-webhook-url", "u:xxxxx@host"}},
		{"lambda-endpoint with a password", []string{"--lambda-endpoint", "ftp://u:s3cretpw@host"}, nil, []string{"--lambda-endpoint", "u:xxxxx@host"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			// A valid, free --addr unless the case is about addr, so that a
			// bug accepting the bad value cannot collide with anything.
			args := c.args
			if !strings.Contains(c.name, "addr") {
				args = append([]string{"--addr", freeAddr(t)}, args...)
			}
			p := start(t, dir, c.env, args...)
			code, sig := p.waitExit(t, exitTimeout)
			if code != 2 {
				t.Errorf("exit code %d (signal %v), want 2", code, sig)
			}
			if out := p.stdout.String(); out != "" {
				t.Errorf("stdout = %q, want nothing", out)
			}
			errText := p.stderr.String()
			if strings.Count(errText, "\n") != 1 || !strings.HasSuffix(errText, "\n") {
				t.Errorf("stderr = %q, want exactly one line", errText)
			}
			for _, w := range c.want {
				if !strings.Contains(errText, w) {
					t.Errorf("stderr = %q, want it to contain %q", errText, w)
				}
			}
			if strings.Contains(errText, "s3cretpw") {
				t.Errorf("stderr = %q shows a password", errText)
			}
			mustNotExist(t, filepath.Join(dir, "ninshou-data"))
		})
	}
}

// TestHelp: -h prints the usage, every flag with its environment variable,
// on stdout and exits 0 without serving.
func TestHelp(t *testing.T) {
	for _, arg := range []string{"-h", "--help"} {
		t.Run(arg, func(t *testing.T) {
			dir := t.TempDir()
			p := start(t, dir, nil, arg)
			if code, sig := p.waitExit(t, exitTimeout); code != 0 {
				t.Errorf("exit code %d (signal %v), want 0", code, sig)
			}
			out := p.stdout.String()
			for _, w := range []string{"Usage: ninshou", "-addr", "NINSHOU_ADDR", "-data", "NINSHOU_DATA",
				"-public-url", "-region", "-smtp-url", "NINSHOU_SMTP_URL", "-password-cost"} {
				if !strings.Contains(out, w) {
					t.Errorf("usage does not mention %q:\n%s", w, out)
				}
			}
			if e := p.stderr.String(); e != "" {
				t.Errorf("stderr = %q, want nothing", e)
			}
			mustNotExist(t, filepath.Join(dir, "ninshou-data"))
		})
	}
}

// TestEnvConfiguration: NINSHOU_ADDR, NINSHOU_DATA and NINSHOU_REGION are
// honoured, and a flag beats its environment variable.
func TestEnvConfiguration(t *testing.T) {
	t.Run("env only", func(t *testing.T) {
		dir, data := t.TempDir(), filepath.Join(t.TempDir(), "store")
		addr := freeAddr(t)
		baseURL := "http://" + addr
		p := mustStart(t, dir, baseURL, []string{
			"NINSHOU_ADDR=" + addr, "NINSHOU_DATA=" + data, "NINSHOU_REGION=eu-west-2", "NINSHOU_PASSWORD_COST=low",
		})
		checkBanner(t, p, baseURL)
		mustExist(t, filepath.Join(data, "ninshou.db"))
		mustNotExist(t, filepath.Join(dir, "ninshou-data"))
		out := newAPI(baseURL).call(t, "CreateUserPool", map[string]any{"PoolName": "env"})
		if id := str(out, "UserPool", "Id"); !strings.HasPrefix(id, "eu-west-2_") {
			t.Errorf("pool Id %q, want the region of NINSHOU_REGION, eu-west-2_...", id)
		}
		stopCleanly(t, p)
	})

	t.Run("flag beats env", func(t *testing.T) {
		dir := t.TempDir()
		envData, flagData := filepath.Join(t.TempDir(), "env-store"), filepath.Join(t.TempDir(), "flag-store")
		envAddr, flagAddr := freeAddr(t), freeAddr(t)
		baseURL := "http://" + flagAddr
		p := mustStart(t, dir, baseURL,
			[]string{"NINSHOU_ADDR=" + envAddr, "NINSHOU_DATA=" + envData, "NINSHOU_REGION=eu-west-2"},
			"--addr", flagAddr, "--data", flagData, "--region", "ap-south-1")
		checkBanner(t, p, baseURL)
		mustExist(t, filepath.Join(flagData, "ninshou.db"))
		mustNotExist(t, envData)
		mustNotExist(t, filepath.Join(dir, "ninshou-data"))
		if c, err := net.DialTimeout("tcp", envAddr, time.Second); err == nil {
			c.Close()
			t.Errorf("something listens on the NINSHOU_ADDR %s although --addr %s was given", envAddr, flagAddr)
		}
		out := newAPI(baseURL).call(t, "CreateUserPool", map[string]any{"PoolName": "flag"})
		if id := str(out, "UserPool", "Id"); !strings.HasPrefix(id, "ap-south-1_") {
			t.Errorf("pool Id %q, want the region of --region, ap-south-1_...", id)
		}
		stopCleanly(t, p)
	})
}

// TestKill9KeepsAcknowledgedWrites: every AdminCreateUser the server
// answered 200 survives a SIGKILL that lands while other writes are in
// flight, as do the pool and client made before; and the restarted server
// signs one of those users in.
func TestKill9KeepsAcknowledgedWrites(t *testing.T) {
	const (
		tempPassword = "Temp-Passw0rd!"
		writers      = 2
		maxUsers     = 300
		writeFor     = 1500 * time.Millisecond
	)
	dir := t.TempDir()
	addr := freeAddr(t)
	baseURL := "http://" + addr
	p := mustStart(t, dir, baseURL, nil, "--addr", addr, "--password-cost", "low")
	c := newAPI(baseURL)

	pool := str(c.call(t, "CreateUserPool", map[string]any{"PoolName": "crash"}), "UserPool", "Id")
	if pool == "" {
		t.Fatal("CreateUserPool answered no UserPool.Id")
	}
	client := str(c.call(t, "CreateUserPoolClient", map[string]any{
		"UserPoolId": pool, "ClientName": "crash-app",
		"ExplicitAuthFlows": []string{"ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"},
	}), "UserPoolClient", "ClientId")
	if client == "" {
		t.Fatal("CreateUserPoolClient answered no UserPoolClient.ClientId")
	}

	var (
		mu       sync.Mutex
		acked    []string // usernames whose AdminCreateUser answered 200
		inFlight atomic.Int32
		stop     atomic.Bool
		wg       sync.WaitGroup
		badMu    sync.Mutex
		bad      []string // non-200 answers before the kill
	)
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; !stop.Load(); i++ {
				name := fmt.Sprintf("w%d-user-%04d", w, i)
				inFlight.Add(1)
				status, _, out, err := c.do("AdminCreateUser", map[string]any{
					"UserPoolId": pool, "Username": name,
					"TemporaryPassword": tempPassword, "MessageAction": "SUPPRESS",
				})
				inFlight.Add(-1)
				if err != nil {
					return // the server is gone
				}
				if status != http.StatusOK || str(out, "User", "Username") != name {
					badMu.Lock()
					bad = append(bad, fmt.Sprintf("%s: %d %v", name, status, out))
					badMu.Unlock()
					return
				}
				mu.Lock()
				acked = append(acked, name)
				mu.Unlock()
			}
		}()
	}
	// Stop the writers at the end whatever happens, so the test never hangs.
	t.Cleanup(func() { stop.Store(true); wg.Wait() })

	began := time.Now()
	for {
		mu.Lock()
		n := len(acked)
		mu.Unlock()
		if n >= maxUsers || time.Since(began) >= writeFor {
			break
		}
		time.Sleep(2 * time.Millisecond)
	}
	// Kill while at least one request is on its way, waiting at most a moment.
	for deadline := time.Now().Add(time.Second); inFlight.Load() == 0 && time.Now().Before(deadline); {
		time.Sleep(100 * time.Microsecond)
	}
	flying := inFlight.Load()
	if err := p.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	if _, sig := p.waitExit(t, exitTimeout); sig != syscall.SIGKILL {
		t.Fatalf("ninshou was not killed by SIGKILL (%v)", p.cmd.ProcessState)
	}
	stop.Store(true)
	wg.Wait()
	if len(bad) > 0 {
		t.Fatalf("AdminCreateUser failed before the kill: %v", bad)
	}
	if len(acked) == 0 {
		t.Fatal("no AdminCreateUser was acknowledged before the kill")
	}
	t.Logf("killed after %d acknowledged users, %d requests in flight", len(acked), flying)

	// Restart on the same data directory (the default one, in dir).
	addr2 := freeAddr(t)
	baseURL2 := "http://" + addr2
	p2 := mustStart(t, dir, baseURL2, nil, "--addr", addr2, "--password-cost", "low")
	c2 := newAPI(baseURL2)

	if got := str(c2.call(t, "DescribeUserPool", map[string]any{"UserPoolId": pool}), "UserPool", "Id"); got != pool {
		t.Errorf("DescribeUserPool after restart: Id %q, want %q", got, pool)
	}
	out := c2.call(t, "DescribeUserPoolClient", map[string]any{"UserPoolId": pool, "ClientId": client})
	if got := str(out, "UserPoolClient", "ClientId"); got != client {
		t.Errorf("DescribeUserPoolClient after restart: ClientId %q, want %q", got, client)
	}
	lost := 0
	for _, name := range acked {
		status, _, out, err := c2.do("AdminGetUser", map[string]any{"UserPoolId": pool, "Username": name})
		if err != nil {
			t.Fatalf("AdminGetUser %s: %v", name, err)
		}
		if status != http.StatusOK {
			lost++
			t.Errorf("acknowledged user %s lost: AdminGetUser status %d, %v", name, status, out)
			continue
		}
		if got := str(out, "UserStatus"); got != "FORCE_CHANGE_PASSWORD" {
			t.Errorf("user %s: UserStatus %q, want FORCE_CHANGE_PASSWORD", name, got)
		}
	}
	if lost > 0 {
		t.Fatalf("%d of %d acknowledged users lost to kill -9", lost, len(acked))
	}

	// The restarted server works: the last acknowledged user signs in.
	last := acked[len(acked)-1]
	out = c2.call(t, "InitiateAuth", map[string]any{
		"AuthFlow": "USER_PASSWORD_AUTH", "ClientId": client,
		"AuthParameters": map[string]string{"USERNAME": last, "PASSWORD": tempPassword},
	})
	if got := str(out, "ChallengeName"); got != "NEW_PASSWORD_REQUIRED" {
		t.Errorf("InitiateAuth %s: ChallengeName %q, want NEW_PASSWORD_REQUIRED (%v)", last, got, out)
	}
	if str(out, "Session") == "" {
		t.Errorf("InitiateAuth %s: no Session with the challenge (%v)", last, out)
	}
	stopCleanly(t, p2)
}

// TestSIGTERMStopsCleanly: SIGTERM (and Ctrl-C's SIGINT) stop a serving
// server with exit status 0 within 10 s, even with a kept-alive connection
// open, and the store opens again afterwards.
func TestSIGTERMStopsCleanly(t *testing.T) {
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGINT} {
		t.Run(sig.String(), func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			addr := freeAddr(t)
			baseURL := "http://" + addr
			p := mustStart(t, dir, baseURL, nil, "--addr", addr, "--password-cost", "low")
			c := newAPI(baseURL) // its connection stays open, idle
			pool := str(c.call(t, "CreateUserPool", map[string]any{"PoolName": "term"}), "UserPool", "Id")

			if err := p.cmd.Process.Signal(sig); err != nil {
				t.Fatal(err)
			}
			began := time.Now()
			if code, got := p.waitExit(t, exitTimeout); code != 0 {
				t.Fatalf("after %v: exit code %d (signal %v), want 0", sig, code, got)
			}
			t.Logf("stopped %v after %v", sig, time.Since(began).Round(time.Millisecond))

			addr2 := freeAddr(t)
			baseURL2 := "http://" + addr2
			p2 := mustStart(t, dir, baseURL2, nil, "--addr", addr2, "--password-cost", "low")
			newAPI(baseURL2).call(t, "DescribeUserPool", map[string]any{"UserPoolId": pool})
			stopCleanly(t, p2)
		})
	}
}
