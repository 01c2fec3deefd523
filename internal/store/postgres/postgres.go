package postgres

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/ninshou/ninshou/internal/store"
)

// Option configures Open and Migrate.
type Option func(*options)

type options struct {
	schema           string
	maxConns         int32
	connectTimeout   time.Duration
	statementTimeout time.Duration
	txTimeout        time.Duration
	migrationTimeout time.Duration
	retries          int
	stats            *Stats
	// set records which settings an Option chose, so that they win over the
	// same setting in the DSN while the defaults do not.
	set map[string]bool
}

func defaults() options {
	return options{
		connectTimeout:   5 * time.Second,
		statementTimeout: 10 * time.Second,
		txTimeout:        30 * time.Second,
		migrationTimeout: 2 * time.Minute,
		retries:          5,
		set:              map[string]bool{},
	}
}

// WithSchema makes the store live in the given schema: it becomes the
// connections' search_path. The schema must exist. Without it, the DSN's
// search_path (a search_path=... parameter) or the server's default applies.
func WithSchema(name string) Option {
	return func(o *options) { o.schema = name }
}

// WithMaxConns caps the connection pool (default: pgxpool's, max(4, NumCPU),
// or the DSN's pool_max_conns).
func WithMaxConns(n int32) Option {
	return func(o *options) {
		if n > 0 {
			o.maxConns = n
		}
	}
}

// WithConnectTimeout bounds each connection attempt (default 5s), so an
// unreachable server is an error, not a hang.
func WithConnectTimeout(d time.Duration) Option {
	return func(o *options) {
		if d > 0 {
			o.connectTimeout, o.set["connect_timeout"] = d, true
		}
	}
}

// WithStatementTimeout sets the server's statement_timeout (default 10s):
// no statement, and no wait for a row lock, lasts longer.
func WithStatementTimeout(d time.Duration) Option {
	return func(o *options) {
		if d > 0 {
			o.statementTimeout, o.set["statement_timeout"] = d, true
		}
	}
}

// WithTxTimeout bounds one View or Update call, retries included (default
// 30s), unless the caller's context ends sooner. The server also ends a
// session left idle inside a transaction for longer than this plus 30s, so
// a frozen node cannot hold row locks for ever.
func WithTxTimeout(d time.Duration) Option {
	return func(o *options) {
		if d > 0 {
			o.txTimeout = d
		}
	}
}

// WithMigrationTimeout bounds each migration statement, and the wait for
// another node that holds the migration lock (default 2m).
func WithMigrationTimeout(d time.Duration) Option {
	return func(o *options) {
		if d > 0 {
			o.migrationTimeout = d
		}
	}
}

// WithRetries sets how many times Update runs fn again after a
// serialization failure or a deadlock (default 5).
func WithRetries(n int) Option {
	return func(o *options) {
		if n >= 0 {
			o.retries = n
		}
	}
}

// Store is a store.Store on a PostgreSQL database.
type Store struct {
	pool *pgxpool.Pool
	opts options
}

var _ store.Store = (*Store)(nil)

// Open connects to the database named by dsn (a postgres:// URL or a
// key=value string, as pgx reads it), applies pending migrations under an
// advisory lock and returns the store. It refuses a schema newer than this
// binary knows (ErrSchemaTooNew).
func Open(ctx context.Context, dsn string, opts ...Option) (*Store, error) {
	cfg, o, err := parseConfig(dsn, opts)
	if err != nil {
		return nil, err
	}
	if err := migrate(ctx, cfg.ConnConfig, o); err != nil {
		return nil, err
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	return &Store{pool: pool, opts: o}, nil
}

// Exists reports whether the database (and schema) dsn names, as Open would
// use it, already holds a Ninshou store, without creating anything there.
func Exists(ctx context.Context, dsn string, opts ...Option) (bool, error) {
	cfg, _, err := parseConfig(dsn, opts)
	if err != nil {
		return false, err
	}
	conn, err := pgx.ConnectConfig(ctx, cfg.ConnConfig)
	if err != nil {
		return false, fmt.Errorf("postgres: %w", err)
	}
	defer conn.Close(ctx)
	var table *string
	if err := conn.QueryRow(ctx, `SELECT to_regclass('schema_migrations')::text`).Scan(&table); err != nil {
		return false, fmt.Errorf("postgres: %w", err)
	}
	return table != nil, nil
}

// parseConfig reads dsn and applies the options and the defaults the DSN
// does not set itself.
func parseConfig(dsn string, opts []Option) (*pgxpool.Config, options, error) {
	o := defaults()
	for _, opt := range opts {
		opt(&o)
	}
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return nil, o, fmt.Errorf("postgres: parse DSN: %w", err)
	}
	cc := cfg.ConnConfig
	if cc.ConnectTimeout == 0 || o.set["connect_timeout"] {
		cc.ConnectTimeout = o.connectTimeout
	}
	rp := cc.RuntimeParams
	if o.schema != "" {
		rp["search_path"] = pgx.Identifier{o.schema}.Sanitize()
	}
	if _, ok := rp["statement_timeout"]; !ok || o.set["statement_timeout"] {
		rp["statement_timeout"] = millis(o.statementTimeout)
	}
	if _, ok := rp["idle_in_transaction_session_timeout"]; !ok {
		rp["idle_in_transaction_session_timeout"] = millis(o.txTimeout + 30*time.Second)
	}
	if _, ok := rp["application_name"]; !ok {
		rp["application_name"] = "ninshou"
	}
	if o.maxConns > 0 {
		cfg.MaxConns = o.maxConns
	}
	if o.stats != nil {
		cc.Tracer = tracer{o.stats}
	}
	return cfg, o, nil
}

func millis(d time.Duration) string { return strconv.FormatInt(d.Milliseconds(), 10) }

// Close closes every connection of the pool.
func (s *Store) Close() error {
	s.pool.Close()
	return nil
}

// bound applies the transaction timeout unless ctx ends sooner.
func (s *Store) bound(ctx context.Context) (context.Context, context.CancelFunc) {
	if dl, ok := ctx.Deadline(); ok && time.Until(dl) <= s.opts.txTimeout {
		return context.WithCancel(ctx)
	}
	return context.WithTimeout(ctx, s.opts.txTimeout)
}

// View runs fn in a READ ONLY, REPEATABLE READ transaction: every read sees
// one snapshot, and the server refuses any write.
func (s *Store) View(ctx context.Context, fn func(store.Tx) error) error {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	_, err := s.run(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, false, fn)
	return err
}

// Update runs fn in a READ COMMITTED read-write transaction and commits when
// fn returns nil. If fn returns an error or panics, everything it wrote is
// rolled back (and the panic continues).
//
// Every read inside Update locks the rows it returns until commit (FOR
// UPDATE; FOR SHARE for pools, clients and signing keys, which every
// sign-in reads and few writes), and re-reads the newest committed version
// after waiting for a lock, so a read-modify-write in fn is safe against
// other transactions on any node. When the transaction is chosen as a
// deadlock victim or hits a serialization failure (SQLSTATE 40P01, 40001),
// Update runs fn again, up to the configured number of retries, with a short
// random pause: fn must have no effect outside the transaction, and must
// not call Update on the same store.
func (s *Store) Update(ctx context.Context, fn func(store.Tx) error) error {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	opts := pgx.TxOptions{IsoLevel: pgx.ReadCommitted, AccessMode: pgx.ReadWrite}
	for attempt := 0; ; attempt++ {
		retry, err := s.run(ctx, opts, true, fn)
		if err == nil || !retry || attempt >= s.opts.retries {
			return err
		}
		// Full jitter, 1ms doubling to at most 64ms, so the losers of a
		// deadlock do not collide again in step.
		pause := time.Duration(rand.Int64N(int64(time.Millisecond << min(attempt, 6))))
		select {
		case <-ctx.Done():
			return err
		case <-time.After(pause):
		}
	}
}

// UpdateBulk is Update: every PostgreSQL transaction is already its own.
func (s *Store) UpdateBulk(ctx context.Context, fn func(store.Tx) error) error {
	return s.Update(ctx, fn)
}

// run runs fn in one transaction. retry reports whether the transaction
// failed on a serialization failure or deadlock, even one fn did not pass
// on.
func (s *Store) run(ctx context.Context, opts pgx.TxOptions, write bool, fn func(store.Tx) error) (retry bool, err error) {
	pgTx, err := s.pool.BeginTx(ctx, opts)
	if err != nil {
		return false, fmt.Errorf("postgres: begin: %w", err)
	}
	finished := false
	defer func() {
		if !finished {
			// Runs on error, for View, and while panicking; the panic, if
			// any, goes on. Roll back even if ctx has ended, but not for
			// longer than a moment: pgx closes the connection if it fails.
			rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
			defer cancel()
			_ = pgTx.Rollback(rctx)
		}
	}()
	t := &tx{ctx: ctx, pg: pgTx, write: write}
	if err := fn(t); err != nil {
		return retryable(err) || retryable(t.aborted), err
	}
	if !write {
		return false, nil
	}
	if err := pgTx.Commit(ctx); err != nil {
		return retryable(err) || retryable(t.aborted), fmt.Errorf("postgres: commit: %w", err)
	}
	finished = true
	return false, nil
}

// retryable reports a serialization failure or a deadlock: the transaction
// lost to another one and may succeed if run again.
func retryable(err error) bool {
	var pe *pgconn.PgError
	if !errors.As(err, &pe) {
		return false
	}
	return pe.Code == "40001" || pe.Code == "40P01"
}

// tx implements store.Tx over one pgx transaction.
type tx struct {
	ctx   context.Context
	pg    pgx.Tx
	write bool
	// aborted is the first error of a statement run outside a savepoint;
	// after it the server refuses everything until rollback.
	aborted error
}

func (t *tx) Pools() store.PoolRepo                 { return poolRepo{t} }
func (t *tx) Clients() store.ClientRepo             { return clientRepo{t} }
func (t *tx) Users() store.UserRepo                 { return userRepo{t} }
func (t *tx) Sessions() store.SessionRepo           { return sessionRepo{t} }
func (t *tx) Codes() store.CodeRepo                 { return codeRepo{t} }
func (t *tx) TokenFamilies() store.TokenFamilyRepo  { return familyRepo{t} }
func (t *tx) RefreshTokens() store.RefreshTokenRepo { return refreshRepo{t} }
func (t *tx) Keys() store.KeyRepo                   { return keyRepo{t} }
func (t *tx) Outbox() store.OutboxRepo              { return outboxRepo{t} }

// errReadOnly is what a write inside View returns. The transaction is READ
// ONLY on the server too; checking here first keeps the refused write from
// aborting the View transaction.
var errReadOnly = errors.New("postgres: write inside a read-only (View) transaction")

// note records the first failure of an unguarded statement.
func (t *tx) note(err error) {
	if err != nil && t.aborted == nil && !errors.Is(err, pgx.ErrNoRows) {
		t.aborted = err
	}
}

// query is a read with two forms: as written, for View, and with the
// locking clause that Update appends so the rows read stay as read until
// commit.
type query struct{ view, update string }

// locked returns q in both forms; lock is FOR UPDATE, FOR SHARE, ...
func locked(q, lock string) query { return query{view: q, update: q + "\n\t" + lock} }

// plain is a read that locks nothing, in View and in Update alike.
func plain(q string) query { return query{view: q, update: q} }

func (t *tx) text(q query) string {
	if t.write {
		return q.update
	}
	return q.view
}

// row runs a read expected to return at most one row. Text that PostgreSQL
// cannot store (invalid UTF-8, NUL) cannot be a key of any row, so a lookup
// by it finds nothing, instead of failing and aborting the transaction.
func (t *tx) row(q query, args ...any) pgx.Row {
	if !storable(args) {
		return noRow{}
	}
	return trackedRow{t, t.pg.QueryRow(t.ctx, t.text(q), args...)}
}

type noRow struct{}

func (noRow) Scan(...any) error { return pgx.ErrNoRows }

type trackedRow struct {
	t   *tx
	row pgx.Row
}

func (r trackedRow) Scan(dest ...any) error {
	err := r.row.Scan(dest...)
	r.t.note(err)
	return err
}

// rows runs a read and calls each for every row.
func (t *tx) rows(q query, args []any, each func(pgx.Rows) error) error {
	if !storable(args) {
		return errUnstorable
	}
	rows, err := t.pg.Query(t.ctx, t.text(q), args...)
	if err != nil {
		t.note(err)
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := each(rows); err != nil {
			return err
		}
	}
	t.note(rows.Err())
	return rows.Err()
}

// A step is one statement of a guarded write, with how to read its result.
type step struct {
	sql  string
	args []any
	// exists is the ExistsError.What of a unique violation; "" names it by
	// the constraint.
	exists string
	// At most one of these reads the result: scan for exactly one row, each
	// for every row, tag for the command tag. With none, the result is
	// discarded. They must return only errors of the database: guard
	// decides on rollback by that.
	scan []any
	each func(pgx.Rows) error
	tag  *pgconn.CommandTag
}

const (
	sqlSavepoint  = "SAVEPOINT op"
	sqlRelease    = "RELEASE SAVEPOINT op"
	sqlRollbackTo = "ROLLBACK TO SAVEPOINT op; RELEASE SAVEPOINT op"
)

// guard runs steps in one round trip as
//
//	SAVEPOINT op; steps...; RELEASE SAVEPOINT op
//
// so that a failing statement (a unique or foreign key violation, a
// deadlock) leaves nothing of the steps written and the transaction usable:
// the server skips the rest of the batch, RELEASE included, and guard rolls
// back to the savepoint. The domain may go on after such an error.
func (t *tx) guard(steps ...step) error {
	return t.send(true, true, steps)
}

// send is guard with the savepoint's two ends optional: open=false continues
// a savepoint opened by an earlier send with release=false, which the caller
// ends with another send or with t.release.
func (t *tx) send(open, release bool, steps []step) error {
	if !t.write {
		return errReadOnly
	}
	b := &pgx.Batch{}
	if open {
		b.Queue(sqlSavepoint)
	}
	for _, s := range steps {
		b.Queue(s.sql, s.args...)
	}
	if release {
		b.Queue(sqlRelease)
	}
	br := t.pg.SendBatch(t.ctx, b)
	exists, err := readBatch(br, open, release, steps)
	if cerr := br.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		return nil
	}
	var pe *pgconn.PgError
	var pre pgx.ErrPreprocessingBatch
	if !errors.As(err, &pe) || errors.As(err, &pre) {
		// Nothing reached the server, or the connection is gone: there is
		// no savepoint to return to.
		t.note(err)
		return err
	}
	if _, rbErr := t.pg.Exec(t.ctx, sqlRollbackTo); rbErr != nil {
		t.note(rbErr)
		return errors.Join(err, rbErr)
	}
	return mapWriteErr(err, exists)
}

// readBatch reads the results of a batch built by send, up to the first
// error, and returns it with the exists of the step that raised it.
func readBatch(br pgx.BatchResults, open, release bool, steps []step) (exists string, err error) {
	if open {
		if _, err := br.Exec(); err != nil {
			return "", err
		}
	}
	for _, s := range steps {
		if err := readStep(br, s); err != nil {
			return s.exists, err
		}
	}
	if release {
		if _, err := br.Exec(); err != nil {
			return "", err
		}
	}
	return "", nil
}

func readStep(br pgx.BatchResults, s step) error {
	switch {
	case s.scan != nil:
		return br.QueryRow().Scan(s.scan...)
	case s.each != nil:
		rows, err := br.Query()
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			if err := s.each(rows); err != nil {
				return err
			}
		}
		return rows.Err()
	default:
		tag, err := br.Exec()
		if s.tag != nil {
			*s.tag = tag
		}
		return err
	}
}

// release ends a savepoint left open by send(…, false, …) when the caller
// decides not to go on.
func (t *tx) release() error {
	_, err := t.pg.Exec(t.ctx, sqlRelease)
	t.note(err)
	return err
}

// existsByConstraint names the unique key behind each unique constraint.
// Aliases are named by the statement that inserts them (alias:<kind>).
var existsByConstraint = map[string]string{
	"pools_pkey":            "pool",
	"clients_pkey":          "client",
	"users_pkey":            "sub",
	"users_username_unique": "username",
	"sessions_pkey":         "session",
	"token_families_pkey":   "token_family",
	"refresh_tokens_pkey":   "refresh_token",
	"signing_keys_pkey":     "key",
}

// mapWriteErr maps a unique violation to *store.ExistsError and a missing
// parent row (foreign key violation) to store.ErrNotFound. Other errors
// pass through.
func mapWriteErr(err error, exists string) error {
	var pe *pgconn.PgError
	if !errors.As(err, &pe) {
		return err
	}
	switch pe.Code {
	case "23505": // unique_violation
		what := exists
		if what == "" {
			what = existsByConstraint[pe.ConstraintName]
		}
		if what == "" {
			what = pe.ConstraintName
		}
		return &store.ExistsError{What: what}
	case "23503": // foreign_key_violation
		return fmt.Errorf("%w: parent row (pool or token family) is missing: %w", store.ErrNotFound, err)
	}
	return err
}

// conditional reads the result of a conditional write written as
//
//	WITH changed AS (UPDATE ... WHERE key AND condition RETURNING ...)
//	SELECT EXISTS (SELECT 1 FROM changed), EXISTS (SELECT 1 FROM table WHERE key)
//
// and tells the three outcomes apart: written, store.ErrConflict (the row is
// there, the condition lost) and store.ErrNotFound.
func conditional(changed, exists bool) error {
	switch {
	case changed:
		return nil
	case exists:
		return store.ErrConflict
	}
	return store.ErrNotFound
}
