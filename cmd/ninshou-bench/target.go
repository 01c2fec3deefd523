package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/ninshou/ninshou/internal/app"
	"github.com/ninshou/ninshou/internal/config"
	"github.com/ninshou/ninshou/internal/store/postgres"
)

// target is one server speaking the Cognito User Pools API that the
// workloads run against: Ninshou started here, or any server already
// running on a loopback address.
type target struct {
	Name    string
	BaseURL string
	// Bases are the nodes' URLs when there are several; requests go to
	// each in turn.
	Bases []string
	// DBStats counts the PostgreSQL work of every node; nil when unknown.
	DBStats *postgres.Stats
	// Kind says how the server runs: "in-process" or "external".
	Kind string
	// PID is the process whose RSS is reported; 0 when unknown.
	PID int
	// HealthyIn is the time from start until GET /health answered 200
	// (for an external target, from when the bench began probing).
	HealthyIn time.Duration
	// PasswordParams are the password hashing parameters in force; "" when
	// unknown.
	PasswordParams string
	// DataDir is where the server keeps its data, for bytes on disk; ""
	// when it keeps none there.
	DataDir string
	// Version is the peer's release; "" for Ninshou.
	Version string
	// Config is the peer's configuration when it is not its default; ""
	// when it runs as shipped.
	Config string
	// Outbox says the target serves Ninshou's /_ninshou/outbox, which
	// founding-flow reads the email code from.
	Outbox bool

	stop func() error
}

// Close stops the target if this program started it.
func (t *target) Close() error {
	if t.stop == nil {
		return nil
	}
	return t.stop()
}

// startInProcess builds a Ninshou with a fresh store in a temporary
// directory (or on the store in dir) and serves it on a loopback port of
// this process. The directory is removed at Close.
func startInProcess(ctx context.Context, name, cost, crypto string, logLevel slog.Level, dir string) (*target, error) {
	start := time.Now()
	if dir == "" {
		var err error
		if dir, err = os.MkdirTemp("", "ninshou-bench-"); err != nil {
			return nil, err
		}
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	base := "http://" + ln.Addr().String()
	noEnv := func(string) string { return "" }
	cfg, err := config.Load([]string{
		"--addr", ln.Addr().String(), "--data", dir, "--public-url", base, "--password-cost", cost, "--crypto", crypto,
	}, noEnv)
	if err != nil {
		ln.Close()
		os.RemoveAll(dir)
		return nil, err
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: logLevel}))
	a, err := app.New(cfg, log)
	if err != nil {
		ln.Close()
		os.RemoveAll(dir)
		return nil, err
	}
	sctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	done := make(chan error, 1)
	go func() { done <- a.Serve(sctx, ln) }()
	stop := func() error {
		cancel()
		err := <-done
		return errors.Join(err, a.Close(), os.RemoveAll(dir))
	}
	probe := newClient(base, cfg.Region, 1)
	defer probe.close()
	healthy, err := probe.waitHealthy(ctx, start, 10*time.Second)
	if err != nil {
		return nil, errors.Join(err, stop())
	}
	return &target{
		Name:           name,
		BaseURL:        base,
		Kind:           "in-process",
		PID:            os.Getpid(),
		HealthyIn:      healthy,
		PasswordParams: "argon2id " + a.PasswordParams.String() + " (" + cost + ")",
		Outbox:         cfg.Outbox,
		DataDir:        dir,
		stop:           stop,
	}, nil
}

// external is a server already running at base, which must be a loopback
// URL: the bench is not a tool to load someone else's machine.
func external(ctx context.Context, name, base string) (*target, error) {
	if err := checkLoopback(base); err != nil {
		return nil, err
	}
	probe := newClient(base, "us-east-1", 1)
	defer probe.close()
	healthy, err := probe.waitHealthy(ctx, time.Now(), 10*time.Second)
	if err != nil {
		return nil, fmt.Errorf("target %s: %w", name, err)
	}
	return &target{Name: name, BaseURL: strings.TrimRight(base, "/"), Kind: "external", HealthyIn: healthy, Outbox: true}, nil
}

// parseTarget splits "[name=]URL"; the name defaults to "external".
func parseTarget(s string) (name, base string) {
	if n, u, ok := strings.Cut(s, "="); ok && !strings.Contains(n, "/") {
		return n, u
	}
	return "external", s
}

func checkLoopback(base string) error {
	u, err := url.Parse(base)
	if err != nil {
		return fmt.Errorf("target %q: %w", base, err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return fmt.Errorf("target %q: want an http:// URL", base)
	}
	host := u.Hostname()
	if host == "localhost" {
		return nil
	}
	ip := net.ParseIP(host)
	if ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("target %q: only loopback addresses (127.0.0.0/8, ::1, localhost) may be loaded", base)
	}
	return nil
}

// memory is a process's resident set: now and its peak.
type memory struct {
	RSS, Peak int64 // bytes; 0 when unknown
}

// readMemory reads VmRSS and VmHWM of process pid from /proc.
func readMemory(pid int) memory {
	if pid == 0 {
		return memory{}
	}
	f, err := os.Open("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return memory{}
	}
	defer f.Close()
	var m memory
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		key, val, ok := strings.Cut(sc.Text(), ":")
		if !ok {
			continue
		}
		var dst *int64
		switch key {
		case "VmRSS":
			dst = &m.RSS
		case "VmHWM":
			dst = &m.Peak
		default:
			continue
		}
		kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(val), " kB"), 10, 64)
		if err == nil {
			*dst = kb << 10
		}
	}
	return m
}
