// Command ninshou serves the Amazon Cognito User Pools API.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"

	"github.com/ninshou/ninshou/internal/app"
	"github.com/ninshou/ninshou/internal/config"
)

func main() {
	os.Exit(run())
}

// tuneGC makes the collector run a quarter as often as Go's default
// (GOGC=400) at the low password cost, unless GOGC is set. The server's live
// heap is small (the data is in the store) and every request allocates, so
// at the default the collector took a large share of the CPU: alternating
// runs of the bench (low cost, c=16) gave GetUser 2970-3155 ops/s at
// GOGC=100 and 4076-5571 at 400, password sign-in 409-516 and 514-644. At
// the standard cost each running argon2id holds 19 MiB of live heap, which
// GOGC multiplies: 400 took peak RSS from 147 to 261 MiB for no gain (and a
// 160 MiB GOMEMLIMIT cost 10% of sign-ins), so there the default stays.
func tuneGC(passwordCost string) {
	if passwordCost == "low" && os.Getenv("GOGC") == "" {
		debug.SetGCPercent(400)
	}
}

func run() int {
	if len(os.Args) > 1 {
		if c := findCommand(os.Args[1]); c != nil {
			return runCommand(c, os.Args[2:], os.Getenv, os.Stdout, os.Stderr)
		}
	}
	cfg, err := config.Load(os.Args[1:], os.Getenv)
	if errors.Is(err, flag.ErrHelp) {
		config.Usage(os.Stdout)
		fmt.Fprintln(os.Stdout, "\nCommands (ninshou <command> -h for their flags):")
		for _, c := range commands {
			fmt.Fprintf(os.Stdout, "  %-12s %s\n", c.name, c.summary)
		}
		return 0
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "ninshou:", err)
		return config.ExitCode
	}
	var h slog.Handler = slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: cfg.LogLevel})
	if cfg.LogFormat == "json" {
		h = slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{Level: cfg.LogLevel})
	}
	log := slog.New(h)
	tuneGC(cfg.PasswordCost)
	if cfg.PasswordCost == "low" {
		log.Warn("password hashing cost is LOW: for tests and CI only, never for real users")
	}
	a, err := app.New(cfg, log)
	if err != nil {
		fmt.Fprintln(os.Stderr, "ninshou:", err)
		return 1
	}
	defer a.Close()
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		fmt.Fprintln(os.Stderr, "ninshou:", err)
		return 1
	}
	fmt.Fprint(os.Stdout, a.Banner(ln.Addr().String()))
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := a.Serve(ctx, ln); err != nil {
		log.Error("server stopped", "err", err)
		return 1
	}
	return 0
}
