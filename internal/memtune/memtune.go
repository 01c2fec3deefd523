// Package memtune sets the Go runtime's memory behaviour for a password
// hashing profile; the server and its benchmark both apply it.
package memtune

import (
	"os"
	"runtime"
	"runtime/debug"
	"strings"
	"syscall"
)

// TuneGC makes the collector run a quarter as often as Go's default
// (GOGC=400) at the low password cost, unless GOGC is set. The server's live
// heap is small (the data is in the store) and every request allocates, so
// at the default the collector took a large share of the CPU: alternating
// runs of the bench (low cost, c=16) gave GetUser 2970-3155 ops/s at
// GOGC=100 and 4076-5571 at 400, password sign-in 409-516 and 514-644. At
// the standard cost each running argon2id holds 19 MiB of live heap, which
// GOGC multiplies: 400 took peak RSS from 147 to 261 MiB for no gain (and a
// 160 MiB GOMEMLIMIT cost 10% of sign-ins), so there the default stays.
func TuneGC(passwordCost string) {
	if passwordCost == "low" && os.Getenv("GOGC") == "" {
		debug.SetGCPercent(400)
	}
}

// ReexecForStandardCost restarts the process in place (execve: same PID,
// same arguments) with GODEBUG=madvdontneed=0 at the standard password
// cost on Linux, unless GODEBUG already says how to return memory. Each
// argon2id call at that cost allocates a fresh 19 MiB block
// (golang.org/x/crypto/argon2 takes no buffer); the runtime hands freed
// blocks back to the kernel with MADV_DONTNEED, so the next ones fault
// every page in again, zeroed by the kernel: 10-20% of the CPU went to
// system time. With MADV_FREE the kernel takes pages back only when it
// needs them. Alternating bench runs (c=16, 2 cores) gave password sign-in
// 81-86% -> 92-93% of the crypto floor and AdminCreateUser 87% -> 91-96%,
// for a peak RSS of 150 -> 172-190 MiB (pages freed lazily still count).
// The setting is read only at process start, hence the exec; it is not a
// //go:debug one. It returns when it does not apply or the exec fails.
//
// Where argon2id runs in libargon2 (internal/primitives), its blocks are
// off the Go heap and reused, and the setting matters less; alternating
// runs still favoured it (founding flow 20.9-21.3 against 20.0-20.1/s,
// sign-in 85.1-86.5 against 84.5-84.8/s), so it stays.
func ReexecForStandardCost(passwordCost string) {
	godebug := os.Getenv("GODEBUG")
	if passwordCost != "standard" || runtime.GOOS != "linux" || strings.Contains(godebug, "madvdontneed=") {
		return
	}
	exe, err := os.Executable()
	if err != nil {
		return
	}
	if godebug != "" {
		godebug += ","
	}
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "GODEBUG=") { // the first of duplicates would win
			env = append(env, kv)
		}
	}
	env = append(env, "GODEBUG="+godebug+"madvdontneed=0")
	_ = syscall.Exec(exe, os.Args, env)
}

// cpus is the GOMAXPROCS the runtime chose (the CPUs the process may use,
// cgroup limits included), read before TuneProcs raises it.
var cpus = runtime.GOMAXPROCS(0)

// CPUs is the number of CPUs the process may use, whatever TuneProcs did:
// what bounds work that wants a core of its own, such as argon2id.
func CPUs() int { return cpus }

// TuneProcs gives the scheduler two Ps per CPU at the low password cost,
// unless GOMAXPROCS is set.
// A goroutine in a system call (the fsync of every SQLite commit) or a cgo
// call (an OpenSSL signature) keeps its P until the runtime's monitor takes
// it back, which it does lazily: not while another P is idle, and after 20
// µs to 10 ms. With one P per CPU, a core waits idle behind each commit's
// fsync while runnable requests queue for a P. Alternating runs of the bench
// (ninshou as its own process, c=16, low cost, 2 cores) with 2, 4 and 8 Ps:
// password sign-in +5 to +15% at 4, AdminCreateUser +2 to +10%, the
// new-password flow +8 to +9%; refresh and GetUser, which commit nothing,
// within the noise; 8 no better than 4. At the standard cost argon2id's
// memory-bound loop is nearly all of a sign-in, and the same runs with 4 Ps
// gave 5-10% fewer sign-ins and a 13% higher peak RSS, so there it stays
// at one per CPU. Returns the Ps in force.
func TuneProcs(passwordCost string) int {
	if passwordCost == "low" && os.Getenv("GOMAXPROCS") == "" {
		runtime.GOMAXPROCS(2 * cpus)
	}
	return runtime.GOMAXPROCS(0)
}
