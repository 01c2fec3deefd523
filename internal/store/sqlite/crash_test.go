//go:build unix

package sqlite

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/ninshou/ninshou/internal/store"
)

// The helper process is this test binary re-executed with these variables.
const (
	helperDirEnv   = "NINSHOU_SQLITE_CRASH_DIR"
	helperStartEnv = "NINSHOU_SQLITE_CRASH_START"
)

// crashUser is the i-th user the helper writes: deterministic, so the
// parent can compare what it reads back field by field. It has three
// aliases, so a torn write would show as a user missing some of them.
func crashUser(i int) *store.User {
	name := fmt.Sprintf("user%06d", i)
	t := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(i)*time.Second + 123456789)
	return &store.User{
		PoolID:      "pool",
		Sub:         fmt.Sprintf("00000000-0000-4000-8000-%012d", i),
		Username:    name,
		UsernameKey: name,
		Status:      "CONFIRMED",
		Enabled:     true,
		Attributes:  map[string]string{"email": name + "@example.com", "phone_number": "+1555" + strconv.Itoa(i)},
		Aliases: []store.Alias{
			{Kind: "email", Key: name + "@example.com"},
			{Kind: "phone_number", Key: "+1555" + strconv.Itoa(i)},
			{Kind: "preferred_username", Key: "p-" + name},
		},
		PasswordHash:  "$argon2id$v=19$m=19456,t=2,p=1$" + strings.Repeat("s", 22) + "$" + strings.Repeat("h", 43),
		PasswordSetAt: t,
		Extra:         bytes.Repeat([]byte{byte(i)}, 512),
		CreatedAt:     t,
		UpdatedAt:     t,
		Version:       1,
	}
}

// TestHelperWriter is not a test: it is the child process of
// TestKill9KeepsAcknowledgedWrites. It commits one user per Update and
// prints "acked <i>" only after Update returned nil, until it is killed.
func TestHelperWriter(t *testing.T) {
	dir := os.Getenv(helperDirEnv)
	if dir == "" {
		t.Skip("helper process of TestKill9KeepsAcknowledgedWrites")
	}
	start, err := strconv.Atoi(os.Getenv(helperStartEnv))
	if err != nil {
		fmt.Fprintln(os.Stderr, "bad start:", err)
		os.Exit(2)
	}
	s, err := Open(filepath.Join(dir, "ninshou.db"))
	if err != nil {
		fmt.Fprintln(os.Stderr, "open:", err)
		os.Exit(2)
	}
	// Stop on our own if the parent never kills us.
	deadline := time.Now().Add(2 * time.Minute)
	for i := start; time.Now().Before(deadline); i++ {
		u := crashUser(i)
		u.Version = 0
		if err := s.Update(context.Background(), func(tx store.Tx) error { return tx.Users().Create(u) }); err != nil {
			fmt.Fprintln(os.Stderr, "create:", err)
			os.Exit(2)
		}
		// os.Stdout is unbuffered: the line leaves the process in this call.
		fmt.Fprintf(os.Stdout, "acked %d\n", i)
	}
	os.Exit(3)
}

// TestKill9KeepsAcknowledgedWrites kills a writer with SIGKILL in the middle
// of its stream of commits, three times over, and checks after each kill
// that every user whose commit was acknowledged is there and intact and that
// the file passes PRAGMA integrity_check (security.md 5.1). This proves
// application-crash durability; power loss needs fsync-dropping storage.
func TestKill9KeepsAcknowledgedWrites(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns processes")
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "ninshou.db")
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Update(context.Background(), func(tx store.Tx) error {
		return tx.Pools().Create(&store.Pool{ID: "pool", Name: "crash"})
	}); err != nil {
		t.Fatal(err)
	}
	s.Close()

	const perRound = 200
	var acked []int
	next := 0
	for round := range 3 {
		got := killWriter(t, dir, next, perRound)
		t.Logf("round %d: %d writes acknowledged before SIGKILL", round, len(got))
		acked = append(acked, got...)
		next = got[len(got)-1] + 1
		// The child may have committed one more user after its last line;
		// start the next round past it so no Create collides.
		next++
		checkAcked(t, path, acked)
	}
}

// killWriter runs the helper, waits for n acknowledgements, kills it with
// SIGKILL and returns every index it acknowledged (including lines already
// in the pipe when it died: those commits were acknowledged too).
func killWriter(t *testing.T, dir string, start, n int) []int {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperWriter$", "-test.count=1")
	cmd.Env = append(os.Environ(), helperDirEnv+"="+dir, helperStartEnv+"="+strconv.Itoa(start))
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	killed := false
	defer func() {
		if !killed {
			cmd.Process.Kill()
			cmd.Wait()
		}
	}()

	lines := make(chan int)
	scanErr := make(chan error, 1)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			rest, ok := strings.CutPrefix(sc.Text(), "acked ")
			if !ok {
				continue
			}
			i, err := strconv.Atoi(rest)
			if err != nil {
				scanErr <- fmt.Errorf("bad line %q", sc.Text())
				return
			}
			lines <- i
		}
	}()

	var acked []int
	timeout := time.After(60 * time.Second)
	for len(acked) < n {
		select {
		case i, ok := <-lines:
			if !ok {
				var err error
				select {
				case err = <-scanErr:
				default:
				}
				t.Fatalf("writer exited after %d writes (%v)\nstderr:\n%s", len(acked), err, stderr.String())
			}
			acked = append(acked, i)
		case <-timeout:
			t.Fatalf("writer stalled: %d of %d writes acknowledged in 60s\nstderr:\n%s", len(acked), n, stderr.String())
		}
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	killed = true
	// Drain what the child wrote before it died; the pipe closes at its death.
	drain := time.After(10 * time.Second)
	for done := false; !done; {
		select {
		case i, ok := <-lines:
			if ok {
				acked = append(acked, i)
			}
			done = !ok
		case <-drain:
			t.Fatal("stdout of the killed writer did not close")
		}
	}
	err = cmd.Wait()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
		t.Fatalf("writer did not die of SIGKILL: %v\nstderr:\n%s", err, stderr.String())
	}
	return acked
}

// checkAcked reopens the database after a crash and checks its integrity and
// every acknowledged user.
func checkAcked(t *testing.T, path string, acked []int) {
	t.Helper()
	s, err := Open(path)
	if err != nil {
		t.Fatalf("reopen after SIGKILL: %v", err)
	}
	defer s.Close()
	var res string
	if err := s.writer.QueryRow(`PRAGMA integrity_check`).Scan(&res); err != nil || res != "ok" {
		t.Fatalf("PRAGMA integrity_check = %q, %v; want ok", res, err)
	}
	var fk int
	if err := s.writer.QueryRow(`SELECT count(*) FROM pragma_foreign_key_check`).Scan(&fk); err != nil || fk != 0 {
		t.Errorf("foreign_key_check found %d violations (%v)", fk, err)
	}
	err = s.View(context.Background(), func(tx store.Tx) error {
		for _, i := range acked {
			want := crashUser(i)
			got, err := tx.Users().Get("pool", want.Sub)
			if err != nil {
				t.Errorf("acknowledged user %d: %v", i, err)
				continue
			}
			if diff := cmp.Diff(want, got, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("acknowledged user %d is not intact (-want +got):\n%s", i, diff)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
