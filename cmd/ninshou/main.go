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
	"syscall"

	"github.com/ninshou/ninshou/internal/app"
	"github.com/ninshou/ninshou/internal/config"
	"github.com/ninshou/ninshou/internal/memtune"
)

func main() {
	os.Exit(run())
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
	memtune.ReexecForStandardCost(cfg.PasswordCost) // returns only when it need not, or cannot
	var h slog.Handler = slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: cfg.LogLevel})
	if cfg.LogFormat == "json" {
		h = slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{Level: cfg.LogLevel})
	}
	log := slog.New(h)
	memtune.TuneGC(cfg.PasswordCost)
	memtune.TuneProcs(cfg.PasswordCost)
	if cfg.PasswordCost == "low" {
		log.Warn("password hashing cost is LOW: for tests and CI only, never for real users")
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		fmt.Fprintln(os.Stderr, "ninshou:", err)
		return 1
	}
	defer ln.Close()
	if cfg.PublicURL == config.DefaultPublicURL(cfg.Addr) {
		// The default follows the address listened on: with port 0, the
		// port the system chose, which tokens' issuer must name.
		cfg.PublicURL = config.DefaultPublicURL(ln.Addr().String())
	}
	a, err := app.New(cfg, log)
	if err != nil {
		fmt.Fprintln(os.Stderr, "ninshou:", err)
		return 1
	}
	defer a.Close()
	fmt.Fprint(os.Stdout, a.Banner(ln.Addr().String()))
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := a.Serve(ctx, ln); err != nil {
		log.Error("server stopped", "err", err)
		return 1
	}
	return 0
}
