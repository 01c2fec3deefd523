package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/ninshou/ninshou/internal/app"
	"github.com/ninshou/ninshou/internal/config"
	"github.com/ninshou/ninshou/internal/idp/tokens"
	"github.com/ninshou/ninshou/internal/portable"
	"github.com/ninshou/ninshou/internal/store"
	"github.com/ninshou/ninshou/internal/store/postgres"
)

// A command is a subcommand: `ninshou <name> [its flags] [store flags]`.
// Its own flags are taken out of the arguments first; the rest are the
// server's flags (--db, --data, ...) read by config.Load, so that every
// command names its store exactly as the server does.
type command struct {
	name    string
	summary string
	// flags are the command's own flags: name -> usage. Each takes a value.
	flags map[string]string
	// bools are its own boolean flags.
	bools map[string]string
	// noStore: the command uses no store (the server's flags give defaults).
	noStore bool
	run     func(ctx context.Context, cfg config.Config, own map[string]string, stdout, stderr io.Writer) error
}

var commands = []command{
	{
		name:    "migrate",
		summary: "apply pending store migrations and exit (PostgreSQL: under an advisory lock, safe while other nodes start)",
		run:     runMigrate,
	},
	{
		name:    "export",
		summary: "write the whole state (pools, keys, clients, users, devices, passkeys, groups, pool objects) as JSON Lines; see docs/export-format.md",
		flags:   map[string]string{"out": "`file` to write, or - for standard output (default -)"},
		run:     runExport,
	},
	{
		name:    "import",
		summary: "read an export into an empty store, in one transaction",
		flags:   map[string]string{"in": "`file` to read, or - for standard input (default -)"},
		bools:   map[string]string{"force": "import into a store that already has pools (records may still not collide)"},
		run:     runImport,
	},
	{
		name:    "rotate-keys",
		summary: "give a pool new signing keys; the old ones keep verifying the tokens they signed",
		flags:   map[string]string{"pool": "`ID` of the user pool"},
		run:     runRotateKeys,
	},
	loginCommand,
}

func findCommand(name string) *command {
	for i := range commands {
		if commands[i].name == name {
			return &commands[i]
		}
	}
	return nil
}

// runCommand runs c with args (after its name) and returns the exit status.
func runCommand(c *command, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	own, rest, err := c.split(args)
	if errors.Is(err, flag.ErrHelp) {
		c.usage(stdout)
		return 0
	}
	if err != nil {
		fmt.Fprintf(stderr, "ninshou %s: %v\n", c.name, err)
		return config.ExitCode
	}
	cfg, err := config.Load(rest, getenv)
	if errors.Is(err, flag.ErrHelp) {
		c.usage(stdout)
		return 0
	}
	if err != nil {
		fmt.Fprintf(stderr, "ninshou %s: %v\n", c.name, err)
		return config.ExitCode
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := c.run(ctx, cfg, own, stdout, stderr); err != nil {
		fmt.Fprintf(stderr, "ninshou %s: %v\n", c.name, err)
		var usage usageError
		if errors.As(err, &usage) {
			return config.ExitCode
		}
		return 1
	}
	return 0
}

// usageError is a missing or bad command flag: exit status 2.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

// split takes the command's own flags (--name value, --name=value, -name
// value; booleans bare or =true/false) out of args.
func (c *command) split(args []string) (own map[string]string, rest []string, err error) {
	own = map[string]string{}
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			return own, append(rest, args[i:]...), nil
		}
		if !strings.HasPrefix(a, "-") || a == "-" {
			rest = append(rest, a)
			continue
		}
		name, value, hasValue := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if name == "h" || name == "help" {
			return nil, nil, flag.ErrHelp
		}
		if _, ok := c.bools[name]; ok {
			if !hasValue {
				value = "true"
			}
			if value != "true" && value != "false" {
				return nil, nil, fmt.Errorf("--%s: want true or false, not %q", name, value)
			}
			own[name] = value
			continue
		}
		if _, ok := c.flags[name]; ok {
			if !hasValue {
				if i+1 >= len(args) {
					return nil, nil, fmt.Errorf("--%s needs a value", name)
				}
				i++
				value = args[i]
			}
			own[name] = value
			continue
		}
		rest = append(rest, a)
	}
	return own, rest, nil
}

func (c *command) usage(w io.Writer) {
	fmt.Fprintf(w, "Usage: ninshou %s [flags]\n\n%s.\n\n", c.name, c.summary)
	// Sorted, as the flag package prints the server's: a map's order changes from run to run.
	for _, name := range slices.Sorted(maps.Keys(c.flags)) {
		fmt.Fprintf(w, "  --%s\n    \t%s\n", name, c.flags[name])
	}
	for _, name := range slices.Sorted(maps.Keys(c.bools)) {
		fmt.Fprintf(w, "  --%s\n    \t%s\n", name, c.bools[name])
	}
	if c.noStore {
		fmt.Fprintf(w, "\nThe server's flags (--region, --public-url) give the defaults; see `ninshou -h`.\n")
		return
	}
	fmt.Fprintf(w, "\nThe store is named by the server's flags (--db, or --data for SQLite); see `ninshou -h`.\n")
}

// Export and import run in one transaction that may last a while.
var longTx = app.WithPostgres(postgres.WithTxTimeout(24 * time.Hour))

func runMigrate(ctx context.Context, cfg config.Config, _ map[string]string, stdout, _ io.Writer) error {
	if err := app.Migrate(ctx, cfg); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "store %s is migrated\n", app.StoreName(cfg))
	return nil
}

func runExport(ctx context.Context, cfg config.Config, own map[string]string, stdout, stderr io.Writer) error {
	if err := app.RequireExisting(ctx, cfg); err != nil {
		return err
	}
	st, err := app.OpenStore(ctx, cfg, longTx)
	if err != nil {
		return err
	}
	defer st.Close()
	out := own["out"]
	export := func(w io.Writer) (portable.Counts, error) { return portable.Export(ctx, st, w, time.Now()) }
	report := func(n portable.Counts, to string) {
		fmt.Fprintf(stderr, "exported %v from %s%s\n", n, app.StoreName(cfg), to)
	}
	if out == "" || out == "-" {
		n, err := export(stdout)
		if err == nil {
			report(n, "")
		}
		return err
	}
	f, inPlace, err := exportTarget(out)
	if err != nil {
		return err
	}
	if inPlace {
		n, err := export(f)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err == nil {
			report(n, " to "+out)
		}
		return err
	}
	// Written aside and renamed when complete, so that a failed export never
	// leaves a file that looks like one. It holds password hashes and
	// private keys: readable by its owner only.
	f, err = os.CreateTemp(filepath.Dir(out), "."+filepath.Base(out)+".*")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	if err := f.Chmod(0o600); err != nil {
		f.Close()
		return err
	}
	n, err := export(f)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), out)
	}
	if err != nil {
		return err
	}
	report(n, " to "+out)
	return nil
}

// exportTarget opens an --out that is already there and is not a file to
// be replaced: a device or a named pipe (/dev/null, a FIFO a backup tool
// reads) is written in place, as renaming over it would replace it with a
// file, but only one the exporter owns (or root does), since the export
// holds password hashes and private keys and a pipe someone else made at a
// guessable path would hand them over. A symbolic link is refused rather
// than followed (a link planted where the export goes would redirect it),
// and so are directories and sockets. A regular file, or none, is left to
// the rename (inPlace false).
func exportTarget(out string) (f *os.File, inPlace bool, err error) {
	fi, err := os.Lstat(out)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, false, nil
	case err != nil:
		return nil, false, err
	case fi.Mode().IsRegular():
		return nil, false, nil
	case fi.Mode()&fs.ModeSymlink != 0:
		return nil, false, fmt.Errorf("--out %s is a symbolic link: name the file itself (or - for standard output)", out)
	case fi.Mode()&(fs.ModeNamedPipe|fs.ModeCharDevice) == 0:
		return nil, false, fmt.Errorf("--out %s is neither a file, a device nor a named pipe", out)
	}
	if st, ok := fi.Sys().(*syscall.Stat_t); !ok || (st.Uid != uint32(os.Getuid()) && st.Uid != 0) {
		return nil, false, fmt.Errorf("--out %s belongs to another user", out)
	}
	f, err = os.OpenFile(out, os.O_WRONLY|syscall.O_NOFOLLOW, 0)
	if err != nil {
		return nil, false, err
	}
	// What was opened is what was checked, not something put there since.
	if now, err := f.Stat(); err != nil || !os.SameFile(fi, now) {
		f.Close()
		return nil, false, fmt.Errorf("--out %s changed while it was opened", out)
	}
	return f, true, nil
}

func runImport(ctx context.Context, cfg config.Config, own map[string]string, _, stderr io.Writer) error {
	var in io.Reader = os.Stdin
	if name := own["in"]; name != "" && name != "-" {
		f, err := os.Open(name)
		if err != nil {
			return err
		}
		defer f.Close()
		in = f
	}
	st, err := app.OpenStore(ctx, cfg, longTx)
	if err != nil {
		return err
	}
	defer st.Close()
	n, err := portable.Import(ctx, st, in, portable.ImportOptions{Force: own["force"] == "true"})
	if err != nil {
		return err
	}
	fmt.Fprintf(stderr, "imported %v into %s\n", n, app.StoreName(cfg))
	return nil
}

func runRotateKeys(ctx context.Context, cfg config.Config, own map[string]string, stdout, _ io.Writer) error {
	pool := own["pool"]
	if pool == "" {
		return usageError{"--pool is required"}
	}
	if err := app.RequireExisting(ctx, cfg); err != nil { // no pool to rotate in a store not made yet
		return err
	}
	st, err := app.OpenStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	ts := &tokens.Service{PublicURL: cfg.PublicURL}
	err = st.Update(ctx, func(tx store.Tx) error {
		if _, err := tx.Pools().Lock(pool); err != nil {
			return fmt.Errorf("pool %s: %w", pool, err)
		}
		return ts.RotateKeys(tx, pool)
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "pool %s signs with new keys; the old ones still verify\n", pool)
	return nil
}
