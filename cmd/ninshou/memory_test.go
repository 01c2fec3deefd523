package main

import (
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"
)

// TestStandardCostRunsWithMADVFree: at the standard password cost the server
// re-executes itself with GODEBUG=madvdontneed=0 (see memtune.ReexecForStandardCost),
// keeping the PID, its arguments and any GODEBUG setting it was given; at
// the low cost, or when GODEBUG already chooses, it leaves the environment
// alone.
func TestStandardCostRunsWithMADVFree(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("the re-exec is Linux-only")
	}
	t.Setenv("GODEBUG", "") // restored afterwards; the cases set their own
	os.Unsetenv("GODEBUG")
	tests := []struct {
		name string
		env  []string
		args []string
		want string // GODEBUG of the running server
	}{
		{"standard", []string{"GODEBUG="}, nil, "madvdontneed=0"},
		{"standard keeps other settings", []string{"GODEBUG=http2debug=0"}, nil, "http2debug=0,madvdontneed=0"},
		{"standard, chosen by the user", []string{"GODEBUG=madvdontneed=1"}, nil, "madvdontneed=1"},
		{"low", []string{"GODEBUG=http2debug=0"}, []string{"--password-cost", "low"}, "http2debug=0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			addr := freeAddr(t)
			p := mustStart(t, dir, "http://"+addr, tt.env, append([]string{"--addr", addr}, tt.args...)...)
			environ, err := os.ReadFile("/proc/" + strconv.Itoa(p.cmd.Process.Pid) + "/environ")
			if err != nil {
				t.Fatal(err)
			}
			got, seen := "", false
			for kv := range strings.SplitSeq(string(environ), "\x00") {
				if v, ok := strings.CutPrefix(kv, "GODEBUG="); ok {
					if seen {
						t.Fatalf("GODEBUG twice in the environment: %q and %q", got, v)
					}
					got, seen = v, true
				}
			}
			if got != tt.want {
				t.Errorf("GODEBUG of the server = %q, want %q", got, tt.want)
			}
			if !strings.Contains(p.stdout.String(), "passwords:") {
				t.Errorf("banner missing after the re-exec: %q", p.stdout.String())
			}
			stopCleanly(t, p)
		})
	}
}
