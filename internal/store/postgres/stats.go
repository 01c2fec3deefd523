package postgres

import (
	"context"
	"sync/atomic"

	"github.com/jackc/pgx/v5"
)

// Stats counts what a Store asks of the server, for benchmarks: how many
// SQL statements it ran and in how many round trips. Its zero value is
// ready; pass it to Open with WithStats and read it with Snapshot. It is
// safe for concurrent use.
//
// The counts come from pgx's tracer hooks, so they are the client's view:
// one round trip is one Query, QueryRow or Exec (BEGIN and COMMIT
// included), or one batch however many statements it carries; a statement
// pgx prepares the first time it meets it adds one round trip on that
// connection only.
type Stats struct {
	statements atomic.Int64
	roundTrips atomic.Int64
}

// StatsSnapshot is a Stats at one moment.
type StatsSnapshot struct {
	Statements int64
	RoundTrips int64
}

// Snapshot returns the counts so far.
func (s *Stats) Snapshot() StatsSnapshot {
	return StatsSnapshot{Statements: s.statements.Load(), RoundTrips: s.roundTrips.Load()}
}

// Sub returns a - b, the counts of the interval between two snapshots.
func (a StatsSnapshot) Sub(b StatsSnapshot) StatsSnapshot {
	return StatsSnapshot{Statements: a.Statements - b.Statements, RoundTrips: a.RoundTrips - b.RoundTrips}
}

// WithStats makes the store count its statements and round trips in s.
func WithStats(s *Stats) Option {
	return func(o *options) { o.stats = s }
}

// tracer is pgx's view of a Stats.
type tracer struct{ s *Stats }

var (
	_ pgx.QueryTracer   = tracer{}
	_ pgx.BatchTracer   = tracer{}
	_ pgx.PrepareTracer = tracer{}
)

func (t tracer) TraceQueryStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceQueryStartData) context.Context {
	t.s.statements.Add(1)
	t.s.roundTrips.Add(1)
	return ctx
}

func (tracer) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}

func (t tracer) TraceBatchStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceBatchStartData) context.Context {
	t.s.roundTrips.Add(1)
	return ctx
}

func (t tracer) TraceBatchQuery(context.Context, *pgx.Conn, pgx.TraceBatchQueryData) {
	t.s.statements.Add(1)
}

func (tracer) TraceBatchEnd(context.Context, *pgx.Conn, pgx.TraceBatchEndData) {}

func (tracer) TracePrepareStart(ctx context.Context, _ *pgx.Conn, _ pgx.TracePrepareStartData) context.Context {
	return ctx
}

// TracePrepareEnd counts a prepare that went to the server; pgx also calls
// it for a statement found in the connection's cache.
func (t tracer) TracePrepareEnd(_ context.Context, _ *pgx.Conn, d pgx.TracePrepareEndData) {
	if !d.AlreadyPrepared {
		t.s.roundTrips.Add(1)
	}
}
