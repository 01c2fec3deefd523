package memtune

import (
	"runtime"
	"testing"
)

func TestTuneProcs(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	runtime.GOMAXPROCS(CPUs()) // as the process starts (go test -cpu changes it)
	t.Setenv("GOMAXPROCS", "")
	if got := TuneProcs("standard"); got != CPUs() {
		t.Errorf("standard cost: %d Ps, want one per CPU (%d)", got, CPUs())
	}
	if got := TuneProcs("low"); got != 2*CPUs() {
		t.Errorf("low cost: %d Ps, want two per CPU (%d)", got, 2*CPUs())
	}
	runtime.GOMAXPROCS(CPUs())
	t.Setenv("GOMAXPROCS", "1")
	if got := TuneProcs("low"); got != CPUs() {
		t.Errorf("low cost with GOMAXPROCS set: %d Ps, want them left as they were (%d)", got, CPUs())
	}
}
