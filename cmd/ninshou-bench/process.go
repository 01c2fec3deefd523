package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// A server is something the bench can start, once or several times: Ninshou
// (in this process or as its own), moto_server or cognito-local. dir is the
// data directory to serve; "" means a fresh temporary one.
type server struct {
	Name  string
	Start func(ctx context.Context, dir string) (*target, error)
	// Ninshou is set for Ninshou, whose big pools are loaded with its own
	// `ninshou import`; the peers' are created through AdminCreateUser.
	Ninshou bool
}

// freeLoopback returns a loopback address with a port nothing listens on
// right now (the child binds it a moment later).
func freeLoopback() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// logDir is where the children's output goes; it outlives them, so that a
// failure can be read.
var logDir = filepath.Join(os.TempDir(), "ninshou-bench-logs")

// startChild starts cmd (its output to a log file in logDir), waits until
// ready succeeds, and returns a target whose Close stops the process and
// removes cleanup. The child gets a process group of its own so that
// stopping it also stops anything it forked (a shim that runs Python).
func startChild(ctx context.Context, name, base string, cmd *exec.Cmd, cleanup string, ready func(ctx context.Context, c *client) error) (*target, error) {
	if err := os.MkdirAll(logDir, 0o755); err != nil {
		return nil, err
	}
	logPath := filepath.Join(logDir, name+".log")
	logf, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	start := time.Now()
	if err := cmd.Start(); err != nil {
		logf.Close()
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	stop := func() error {
		defer logf.Close()
		pgid := cmd.Process.Pid
		syscall.Kill(-pgid, syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(5 * time.Second):
			syscall.Kill(-pgid, syscall.SIGKILL)
			<-exited
		}
		if cleanup != "" {
			return os.RemoveAll(cleanup)
		}
		return nil
	}
	probe := newClient(base, "us-east-1", 1)
	defer probe.close()
	pctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	var last error
	for {
		if last = ready(pctx, probe); last == nil {
			break
		}
		select {
		case err := <-exited:
			exited <- err
			stop()
			return nil, fmt.Errorf("%s exited before it was ready (%v); its log: %s", name, err, tail(logPath))
		case <-pctx.Done():
			stop()
			return nil, fmt.Errorf("%s not ready after 60 s: %v; its log: %s", name, last, tail(logPath))
		case <-time.After(time.Millisecond):
		}
	}
	return &target{
		Name: name, BaseURL: base, Kind: "process", PID: cmd.Process.Pid,
		HealthyIn: time.Since(start), stop: stop,
	}, nil
}

// tail is the end of a log file, for an error message.
func tail(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return path
	}
	if len(b) > 800 {
		b = b[len(b)-800:]
	}
	return strings.TrimSpace(string(b))
}

// healthOK is Ninshou's readiness: GET /health answers 200.
func healthOK(ctx context.Context, c *client) error { return c.get(ctx, "/health", nil, nil) }

// apiReady is a peer's readiness: the API answers ListUserPools.
func apiReady(ctx context.Context, c *client) error {
	return c.call(ctx, "ListUserPools", true, map[string]any{"MaxResults": 1}, nil)
}

// ninshouProcess starts the Ninshou binary bin serving dir (a fresh
// temporary directory when dir is ""), which is removed at Close.
func ninshouProcess(bin, cost, crypto string) func(ctx context.Context, dir string) (*target, error) {
	return func(ctx context.Context, dir string) (*target, error) {
		if dir == "" {
			var err error
			if dir, err = os.MkdirTemp("", "ninshou-bench-"); err != nil {
				return nil, err
			}
		}
		addr, err := freeLoopback()
		if err != nil {
			return nil, err
		}
		base := "http://" + addr
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, err
		}
		cmd := exec.Command(bin, "--addr", addr, "--data", dir, "--public-url", base,
			"--password-cost", cost, "--crypto", crypto, "--log-level", "warn")
		cmd.Env = ninshouEnv()
		t, err := startChild(ctx, "ninshou", base, cmd, dir, healthOK)
		if err != nil {
			os.RemoveAll(dir)
			return nil, err
		}
		t.Outbox, t.DataDir = true, dir
		t.PasswordParams = passwordParams(cost)
		return t, nil
	}
}

// ninshouEnv is the environment without NINSHOU_* settings, so that the
// server runs with the flags the bench gives and nothing else.
func ninshouEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "NINSHOU_") {
			env = append(env, kv)
		}
	}
	return env
}

// motoProcess starts `moto_server` on a free loopback port. It keeps
// everything in memory: there are no bytes on disk to report.
func motoProcess(ctx context.Context, _ string) (*target, error) {
	bin, err := exec.LookPath("moto_server")
	if err != nil {
		return nil, fmt.Errorf("moto: %w (pip install 'moto[server]')", err)
	}
	dir, err := os.MkdirTemp("", "bench-moto-")
	if err != nil {
		return nil, err
	}
	addr, err := freeLoopback()
	if err != nil {
		return nil, err
	}
	host, port, _ := net.SplitHostPort(addr)
	cmd := exec.Command(bin, "-H", host, "-p", port)
	cmd.Dir = dir
	t, err := startChild(ctx, "moto", "http://"+addr, cmd, dir, apiReady)
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	t.PasswordParams = "stored in plain text (moto keeps passwords as given)"
	t.Version = commandVersion("pip", "show", "moto")
	return t, nil
}

// cognitoLocalVersion is the cognito-local release the bench installs.
const cognitoLocalVersion = "5.3.0"

// cognitoLocalConfig is the .cognito/config.json the bench starts
// cognito-local with. cognito-local gives every new pool the
// UsernameAttributes of UserPoolDefaults, [email] unless configured, and a
// CreateUserPool cannot take them away (it merges the request into the
// defaults, so UsernameAttributes [] leaves [email]). Empty defaults make
// its pools what the workloads' CreateUserPool asks for and what Ninshou
// and moto create: pools whose usernames are plain usernames, with no
// username attributes. The usernames are emails anyway (see createUser),
// so the workloads also run on a cognito-local left at its default.
const cognitoLocalConfig = `{"UserPoolDefaults": {"UsernameAttributes": []}}` + "\n"

// cognitoLocalProcess starts cognito-local from cache (installing it there
// with npm the first time) with a temporary working directory for its
// .cognito database and cognitoLocalConfig, which is removed at Close.
func cognitoLocalProcess(cache string) func(ctx context.Context, _ string) (*target, error) {
	return func(ctx context.Context, _ string) (*target, error) {
		cache, err := filepath.Abs(cache)
		if err != nil {
			return nil, err
		}
		script := filepath.Join(cache, "node_modules", "cognito-local", "lib", "bin", "start.js")
		if _, err := os.Stat(script); err != nil {
			if err := os.MkdirAll(cache, 0o755); err != nil {
				return nil, err
			}
			inst := exec.CommandContext(ctx, "npm", "install", "--prefix", cache, "--no-audit", "--no-fund",
				"--loglevel=error", "cognito-local@"+cognitoLocalVersion)
			if out, err := inst.CombinedOutput(); err != nil {
				return nil, fmt.Errorf("cognito-local: npm install: %v: %s", err, out)
			}
		}
		dir, err := os.MkdirTemp("", "bench-cognito-local-")
		if err != nil {
			return nil, err
		}
		conf := filepath.Join(dir, ".cognito", "config.json")
		if err := os.MkdirAll(filepath.Dir(conf), 0o755); err != nil {
			os.RemoveAll(dir)
			return nil, err
		}
		if err := os.WriteFile(conf, []byte(cognitoLocalConfig), 0o644); err != nil {
			os.RemoveAll(dir)
			return nil, err
		}
		addr, err := freeLoopback()
		if err != nil {
			os.RemoveAll(dir)
			return nil, err
		}
		host, port, _ := net.SplitHostPort(addr)
		cmd := exec.Command("node", script)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "HOST="+host, "PORT="+port, "DEBUG=")
		t, err := startChild(ctx, "cognito-local", "http://"+addr, cmd, dir, apiReady)
		if err != nil {
			os.RemoveAll(dir)
			return nil, err
		}
		t.PasswordParams = "stored in plain text (cognito-local keeps passwords as given)"
		t.DataDir = filepath.Join(dir, ".cognito")
		t.Version = cognitoLocalVersion
		t.Config = "UserPoolDefaults.UsernameAttributes [] (plain usernames, as the workloads' CreateUserPool asks)"
		return t, nil
	}
}

// commandVersion is the "Version:" line of a command's output, or "".
func commandVersion(name string, args ...string) string {
	out, err := exec.Command(name, args...).Output()
	if err != nil {
		return ""
	}
	for line := range strings.SplitSeq(string(out), "\n") {
		if v, ok := strings.CutPrefix(line, "Version:"); ok {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

// dirBytes is the size of the files under dir.
func dirBytes(dir string) int64 {
	var n int64
	filepath.WalkDir(dir, func(_ string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			if fi, err := d.Info(); err == nil && !strings.HasSuffix(fi.Name(), ".log") {
				n += fi.Size()
			}
		}
		return nil
	})
	return n
}

// buildNinshou compiles ./cmd/ninshou into the cache and returns its path.
func buildNinshou(ctx context.Context, cache string) (string, error) {
	if err := os.MkdirAll(cache, 0o755); err != nil {
		return "", err
	}
	bin, err := filepath.Abs(filepath.Join(cache, "ninshou"))
	if err != nil {
		return "", err
	}
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, "./cmd/ninshou")
	cmd.Stderr = os.Stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("go build ./cmd/ninshou (run the bench from the repository root, or pass --ninshou-bin): %w", err)
	}
	return bin, nil
}

// runTool runs bin with args, its output to w, and returns how long it took.
func runTool(ctx context.Context, w io.Writer, bin string, args ...string) (time.Duration, error) {
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = ninshouEnv()
	cmd.Stdout, cmd.Stderr = w, w
	start := time.Now()
	err := cmd.Run()
	if err != nil {
		err = fmt.Errorf("%s %s: %w", filepath.Base(bin), strings.Join(args, " "), err)
	}
	return time.Since(start), err
}
