package main

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"fmt"
	"io"
	"math"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ninshou/ninshou/internal/idp/password"
	"github.com/ninshou/ninshou/internal/idp/srp"
	"github.com/ninshou/ninshou/internal/primitives"
)

// The crypto floor of a workload is the throughput this machine would reach
// if a request did nothing but the cryptography it cannot avoid: all cores
// busy, cores / (CPU seconds of that cryptography per operation). It is
// measured in this run, in this process, before any target starts, so that
// "achieved / floor" compares numbers taken on the same machine in the same
// state. What each operation must compute:
//
//   - argon2id, at the profile in force: one per password verified or set
//     (hashing and verifying cost the same);
//   - an SRP verifier (g^x mod N, 3072-bit group) per password set, which
//     USER_SRP_AUTH needs;
//   - an RSA-2048 PKCS #1 v1.5 SHA-256 signature per token (ID and access).
//
// Everything else a request does (HTTP, JSON, SQL, the commit) is the
// overhead the ratio shows.
type floor struct {
	Cores         int     `json:"cores"`
	PasswordCost  string  `json:"password_cost"`
	Crypto        string  `json:"crypto"`
	Argon2Params  string  `json:"argon2id_params"`
	Argon2Millis  float64 `json:"argon2id_ms"`
	RSASignMillis float64 `json:"rsa2048_sign_ms"`
	SRPMillis     float64 `json:"srp_verifier_ms"`
	// Workloads are the CPU milliseconds per operation and the floor in
	// operations per second, by workload.
	Workloads map[string]floorOf `json:"workloads"`
	Round     int                `json:"round,omitempty"` // 1, 2, ... with --rounds; else 0
}

// medianFloor is the floor whose every figure is the median of fs's (fs's
// only one, or nil, when there are fewer than two).
func medianFloor(fs []*floor) *floor {
	if len(fs) < 2 {
		if len(fs) == 1 {
			return fs[0]
		}
		return nil
	}
	med := func(v func(*floor) float64) float64 {
		xs := make([]float64, len(fs))
		for i, f := range fs {
			xs[i] = v(f)
		}
		return median(xs)
	}
	out := *fs[0]
	out.Round = 0
	out.Argon2Millis = med(func(f *floor) float64 { return f.Argon2Millis })
	out.RSASignMillis = med(func(f *floor) float64 { return f.RSASignMillis })
	out.SRPMillis = med(func(f *floor) float64 { return f.SRPMillis })
	out.Workloads = map[string]floorOf{}
	for name, w := range fs[0].Workloads {
		w.CPUMillis = med(func(f *floor) float64 { return f.Workloads[name].CPUMillis })
		w.OpsPerSec = med(func(f *floor) float64 { return f.Workloads[name].OpsPerSec })
		out.Workloads[name] = w
	}
	return &out
}

// median is the middle value of xs (the lower of the two middle ones for an
// even count, so that it is a value that was measured); xs is reordered.
func median(xs []float64) float64 {
	slices.Sort(xs)
	return xs[(len(xs)-1)/2]
}

type floorOf struct {
	Argon2, SRP, RSA int     // how many of each per operation
	CPUMillis        float64 `json:"cpu_ms"`
	OpsPerSec        float64 `json:"ops_per_s"`
}

// cryptoPerOp says which primitives each hash- or signature-bound workload
// must run once per operation.
var cryptoPerOp = map[string]floorOf{
	// verify the password; sign the ID and access tokens.
	"password-signin": {Argon2: 1, RSA: 2},
	// sign the two tokens.
	"refresh": {RSA: 2},
	// hash the generated temporary password and derive its SRP verifier.
	"admin-create-user": {Argon2: 1, SRP: 1},
	// AdminCreateUser (hash + SRP of the generated password),
	// AdminSetUserPassword (hash + SRP), InitiateAuth (verify),
	// NEW_PASSWORD_REQUIRED (hash + SRP), then the two tokens.
	"new-password-flow": {Argon2: 4, SRP: 3, RSA: 2},
	"founding-flow":     {Argon2: 4, SRP: 3, RSA: 2},
}

// measureFloor times each primitive on every core at once (timeEach) at
// the parameters of cost.
func measureFloor(cost, crypto string) *floor {
	_ = primitives.Use(crypto) // checked with the options; the servers use the same
	p, err := password.ParamsFor(cost)
	if err != nil {
		p = password.Standard
	}
	f := &floor{Cores: runtime.GOMAXPROCS(0), PasswordCost: cost, Argon2Params: p.String(), Workloads: map[string]floorOf{}}
	salt := make([]byte, 16)
	f.Argon2Millis = timeEach(func() { primitives.Argon2ID([]byte(signinPassword), salt, p.Time, p.Memory, p.Threads, 32) })
	f.Crypto = primitives.InForce()
	if priv, err := rsa.GenerateKey(rand.Reader, 2048); err == nil {
		if key, err := primitives.NewRSAKey(priv); err == nil {
			digest := sha256.Sum256([]byte("header.payload"))
			f.RSASignMillis = timeEach(func() { _, _ = key.SignSHA256(digest[:]) })
		}
	}
	f.SRPMillis = timeEach(func() { srp.Verifier("AbCdEf123", "user0000001", signinPassword, salt) })
	for name, w := range cryptoPerOp {
		w.CPUMillis = float64(w.Argon2)*f.Argon2Millis + float64(w.SRP)*f.SRPMillis + float64(w.RSA)*f.RSASignMillis
		w.OpsPerSec = float64(f.Cores) * 1000 / w.CPUMillis
		f.Workloads[name] = w
	}
	return f
}

// timeEach returns the CPU milliseconds one call of fn costs when every
// core runs it, as a loaded server does: one goroutine per core calls fn
// for a second, after a warm-up long enough for the heap to have faulted in
// the memory argon2id reuses (a cold process pays page faults for its first
// few 19 MiB blocks, and a first-call timing came out 30% slow); then cores
// x elapsed / calls. Running all cores at once also charges argon2id for
// the memory bandwidth the cores share. It keeps the cheapest of three
// one-second runs: on a shared machine a run that a neighbour slowed would
// lower the floor and flatter the server measured against it.
func timeEach(fn func()) float64 {
	cores := runtime.GOMAXPROCS(0)
	run := func(d time.Duration) (int, time.Duration) {
		var wg sync.WaitGroup
		var calls atomic.Int64
		start := time.Now()
		for range cores {
			wg.Go(func() {
				for n := 0; time.Since(start) < d || n < 2; n++ {
					fn()
					calls.Add(1)
				}
			})
		}
		wg.Wait()
		return int(calls.Load()), time.Since(start)
	}
	run(300 * time.Millisecond)
	best := math.Inf(1)
	for range 3 {
		n, took := run(time.Second)
		best = min(best, float64(took)/float64(time.Millisecond)*float64(cores)/float64(n))
	}
	return best
}

func (f *floor) print(w io.Writer) {
	if f == nil {
		return
	}
	fmt.Fprintf(w, "floor     measured here, all cores at once, CPU per call: argon2id %s %.3f ms; RSA-2048 sign %.3f ms; SRP verifier %.3f ms (%s)\n",
		f.Argon2Params, f.Argon2Millis, f.RSASignMillis, f.SRPMillis, f.Crypto)
	for _, name := range []string{"password-signin", "refresh", "admin-create-user", "new-password-flow", "founding-flow"} {
		x := f.Workloads[name]
		fmt.Fprintf(w, "          %-18s %d argon2id + %d SRP + %d RSA = %.2f ms CPU -> floor %.0f/s on %d cores\n",
			name, x.Argon2, x.SRP, x.RSA, x.CPUMillis, x.OpsPerSec, f.Cores)
	}
	fmt.Fprintln(w)
}
