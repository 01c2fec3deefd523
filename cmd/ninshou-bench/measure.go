package main

import (
	"cmp"
	"context"
	"math"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// maxKeptErrors is how many error messages a measurement keeps to print.
const maxKeptErrors = 5

// measurement is what one workload did at one concurrency.
type measurement struct {
	Concurrency int
	Ops         int64 // operations that succeeded
	Errors      int64 // operations that failed
	Elapsed     time.Duration
	Latency     latency // of the successful operations
	FirstErrors []string
}

// OpsPerSec is the rate of successful operations.
func (m measurement) OpsPerSec() float64 {
	if m.Elapsed <= 0 {
		return 0
	}
	return float64(m.Ops) / m.Elapsed.Seconds()
}

// ErrorRate is the failed fraction of all operations attempted.
func (m measurement) ErrorRate() float64 {
	if n := m.Ops + m.Errors; n > 0 {
		return float64(m.Errors) / float64(n)
	}
	return 0
}

// latency summarises a sample of durations.
type latency struct {
	P50, P90, P99, Max time.Duration
}

// summarise sorts samples in place and reads its percentiles by nearest
// rank: the counts here (at most --max-ops) are small enough to keep every
// sample, so the percentiles are exact rather than bucketed.
func summarise(samples []time.Duration) latency {
	if len(samples) == 0 {
		return latency{}
	}
	slices.Sort(samples)
	rank := func(p float64) time.Duration {
		i := int(math.Ceil(p*float64(len(samples)))) - 1
		return samples[max(i, 0)]
	}
	return latency{P50: rank(0.50), P90: rank(0.90), P99: rank(0.99), Max: samples[len(samples)-1]}
}

// measure runs o on conc workers until d has passed or maxOps operations
// have started, whichever is first; operations in flight then finish (each
// is bounded by the client's timeout), and the elapsed time includes them.
func measure(ctx context.Context, o op, conc int, d time.Duration, maxOps int64) measurement {
	type worker struct {
		lat    []time.Duration
		errors int64
		kept   []numbered
	}
	workers := make([]worker, conc)
	var next atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	deadline := start.Add(d)
	for w := range workers {
		wg.Go(func() {
			me := &workers[w]
			for ctx.Err() == nil && time.Now().Before(deadline) {
				n := next.Add(1)
				if n > maxOps {
					return
				}
				t0 := time.Now()
				err := o(ctx, n)
				took := time.Since(t0)
				if err != nil {
					me.errors++
					if len(me.kept) < maxKeptErrors {
						me.kept = append(me.kept, numbered{n, err.Error()})
					}
					continue
				}
				me.lat = append(me.lat, took)
			}
		})
	}
	wg.Wait()
	m := measurement{Concurrency: conc, Elapsed: time.Since(start)}
	var all []time.Duration
	var kept []numbered
	for _, w := range workers {
		all = append(all, w.lat...)
		m.Errors += w.errors
		kept = append(kept, w.kept...)
	}
	m.Ops = int64(len(all))
	m.Latency = summarise(all)
	slices.SortFunc(kept, func(a, b numbered) int { return cmp.Compare(a.n, b.n) })
	for _, k := range kept[:min(len(kept), maxKeptErrors)] {
		m.FirstErrors = append(m.FirstErrors, k.msg)
	}
	return m
}

type numbered struct {
	n   int64
	msg string
}
