package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"strings"
)

// startProfile starts the profiles of one measurement when --profile-dir is
// set and Ninshou runs in this process, and returns what stops them. Each
// measurement gets <label>-c<conc>.cpu.pprof and two allocation profiles,
// .allocs.base.pprof before and .allocs.pprof after, so that
//
//	go tool pprof -sample_index=alloc_space -base X.allocs.base.pprof X.allocs.pprof
//
// shows what that measurement allocated. The profiles include the load
// generator, which shares the process (its frames are in package main).
func startProfile(opts options, t *target, label string, conc int, stderr io.Writer) (stop func()) {
	if opts.ProfileDir == "" || t.Kind != "in-process" {
		return func() {}
	}
	name := strings.NewReplacer("/", "_", "@", "_").Replace(label) + fmt.Sprintf("-c%d", conc)
	path := func(ext string) string { return filepath.Join(opts.ProfileDir, name+ext) }
	if err := os.MkdirAll(opts.ProfileDir, 0o755); err != nil {
		fmt.Fprintln(stderr, "ninshou-bench: --profile-dir:", err)
		return func() {}
	}
	writeAllocs(path(".allocs.base.pprof"), stderr)
	f, err := os.Create(path(".cpu.pprof"))
	if err == nil {
		err = pprof.StartCPUProfile(f)
	}
	if err != nil {
		fmt.Fprintln(stderr, "ninshou-bench: cpu profile:", err)
		return func() {}
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
		writeAllocs(path(".allocs.pprof"), stderr)
	}
}

func writeAllocs(path string, stderr io.Writer) {
	runtime.GC()
	f, err := os.Create(path)
	if err == nil {
		err = pprof.Lookup("allocs").WriteTo(f, 0)
		f.Close()
	}
	if err != nil {
		fmt.Fprintln(stderr, "ninshou-bench: allocation profile:", err)
	}
}
