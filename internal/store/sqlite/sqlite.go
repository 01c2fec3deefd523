package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/ninshou/ninshou/internal/store"
)

// Option configures Open.
type Option func(*options)

type options struct {
	readers     int
	busyTimeout time.Duration
}

// WithReaders sets the size of the read-only connection pool used by View
// (default: GOMAXPROCS, at least 4).
func WithReaders(n int) Option {
	return func(o *options) {
		if n > 0 {
			o.readers = n
		}
	}
}

// WithBusyTimeout sets how long a connection waits for a lock held by
// another process before SQLite gives up (default 10s). Within one process
// the single writer connection already serialises writers.
func WithBusyTimeout(d time.Duration) Option {
	return func(o *options) {
		if d > 0 {
			o.busyTimeout = d
		}
	}
}

// Store is a store.Store on one SQLite file.
type Store struct {
	path   string
	writer *sql.DB // exactly one connection: Update transactions are serial
	reader *sql.DB // query-only pool for View
	// Statements prepared once at Open, by query text. Immutable after Open.
	writeStmts map[string]*sql.Stmt
	readStmts  map[string]*sql.Stmt

	// Group commit (commit.go): wmu is held while an Update runs on the
	// writer; open is the transaction being filled, waiting counts the
	// Updates queued on wmu.
	wmu     sync.Mutex
	open    *batch
	waiting atomic.Int32
	commits atomic.Int64 // COMMITs issued, for tests and stats
}

var _ store.Store = (*Store)(nil)

// Open opens (creating it and its directory if needed) the database at path,
// applies pending migrations and returns the store. It refuses a database
// whose schema is newer than this binary knows.
func Open(path string, opts ...Option) (*Store, error) {
	o := options{readers: max(4, runtime.GOMAXPROCS(0)), busyTimeout: 10 * time.Second}
	for _, opt := range opts {
		opt(&o)
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("sqlite: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(abs), 0o700); err != nil {
		return nil, fmt.Errorf("sqlite: create directory: %w", err)
	}
	// Create the file ourselves so it is private: it holds password hashes.
	// SQLite gives the -wal and -shm files the database file's permissions.
	f, err := os.OpenFile(abs, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("sqlite: create database: %w", err)
	}
	if err := f.Close(); err != nil {
		return nil, fmt.Errorf("sqlite: create database: %w", err)
	}

	s := &Store{path: abs}
	busy := strconv.FormatInt(o.busyTimeout.Milliseconds(), 10)

	// The writer. The driver applies these keys in a fixed order, whatever
	// their order here, and that order is the one we want:
	//  1. _busy_timeout first, so that the statements below (journal_mode
	//     must take a write lock to convert the file) wait for a lock held by
	//     another process instead of failing with SQLITE_BUSY;
	//  2. _pragma=temp_store(memory): savepoint sub-journals and sort
	//     B-trees stay in memory instead of temporary files;
	//  3. _foreign_keys=1, per connection and off by default in SQLite: the
	//     pool cascade depends on it;
	//  4. _journal_mode=WAL, persistent in the file: readers keep reading a
	//     snapshot while the writer commits;
	//  5. _synchronous=FULL, per connection: in WAL mode NORMAL may lose the
	//     last commits on power loss; FULL fsyncs the WAL at every commit, so
	//     an acknowledged write survives (security.md 5.1).
	// _txlock=immediate makes database/sql's BEGIN a BEGIN IMMEDIATE: the
	// write lock is taken up front, so a transaction never fails halfway
	// upgrading a read lock.
	s.writer, err = sql.Open("sqlite", dsn(abs, url.Values{
		"_busy_timeout": {busy},
		"_foreign_keys": {"1"},
		"_journal_mode": {"WAL"},
		"_synchronous":  {"FULL"},
		"_pragma":       {"temp_store(memory)"},
		"_txlock":       {"immediate"},
	}))
	if err != nil {
		return nil, fmt.Errorf("sqlite: %w", err)
	}
	s.writer.SetMaxOpenConns(1)
	s.writer.SetMaxIdleConns(1)
	s.writer.SetConnMaxLifetime(0)
	s.writer.SetConnMaxIdleTime(0)
	if err := s.migrate(context.Background()); err != nil {
		s.writer.Close()
		return nil, err
	}

	// Readers: mode=ro opens the file read-only, so a write through View
	// fails with SQLITE_READONLY whatever the SQL. The WAL conversion above
	// has already happened, which a read-only connection could not do.
	s.reader, err = sql.Open("sqlite", dsn(abs, url.Values{
		"mode":          {"ro"},
		"_busy_timeout": {busy},
		"_pragma":       {"temp_store(memory)"},
	}))
	if err != nil {
		s.writer.Close()
		return nil, fmt.Errorf("sqlite: %w", err)
	}
	s.reader.SetMaxOpenConns(o.readers)
	s.reader.SetMaxIdleConns(o.readers)

	if err := s.prepare(); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// dsn builds a file: URI, so that any byte of the path is escaped and
// SQLite's own URI parameters (mode) apply.
func dsn(abs string, q url.Values) string {
	u := url.URL{Scheme: "file", Path: filepath.ToSlash(abs), RawQuery: q.Encode()}
	return u.String()
}

// Path returns the absolute path of the database file.
func (s *Store) Path() string { return s.path }

// Close closes both connection pools.
func (s *Store) Close() error {
	var errs []error
	for _, st := range s.writeStmts {
		errs = append(errs, st.Close())
	}
	for _, st := range s.readStmts {
		errs = append(errs, st.Close())
	}
	if s.reader != nil {
		errs = append(errs, s.reader.Close())
	}
	errs = append(errs, s.writer.Close())
	return errors.Join(errs...)
}

// prepare prepares every registered statement once on each pool: the
// writer's on its only connection, the reader's lazily per connection (see
// tx.stmt). The reader gets only the statements that read.
func (s *Store) prepare() error {
	s.writeStmts = make(map[string]*sql.Stmt, len(registry))
	s.readStmts = make(map[string]*sql.Stmt, len(registry))
	for _, q := range registry {
		st, err := s.writer.Prepare(q.text)
		if err != nil {
			return fmt.Errorf("sqlite: prepare %q: %w", q.text, err)
		}
		s.writeStmts[q.text] = st
		if q.read {
			st, err := s.reader.Prepare(q.text)
			if err != nil {
				return fmt.Errorf("sqlite: prepare %q: %w", q.text, err)
			}
			s.readStmts[q.text] = st
		}
	}
	return nil
}

// View runs fn in a read-only transaction on a snapshot of the database.
func (s *Store) View(ctx context.Context, fn func(store.Tx) error) error {
	sqlTx, err := s.reader.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return fmt.Errorf("sqlite: begin read: %w", err)
	}
	defer sqlTx.Rollback() // nothing to commit; releases the snapshot
	return fn(&tx{ctx: ctx, sql: sqlTx, stmts: s.readStmts})
}

// Update runs fn in a write transaction on the single writer connection and
// commits when fn returns nil. If fn returns an error or panics, everything
// it wrote is rolled back (and the panic continues). Update never retries,
// so fn runs exactly once. fn must not call Update on the same store (there
// is one writer connection, so it would wait forever); a View inside fn
// sees the last committed state, not fn's writes.
//
// Updates that arrive while another runs share its commit (see batch): fn
// runs in a savepoint of the open transaction, and Update returns once the
// COMMIT that made fn's writes durable has returned.
func (s *Store) Update(ctx context.Context, fn func(store.Tx) error) error {
	return s.update(ctx, fn, false)
}

// UpdateBulk is Update in a transaction of its own: the open batch, if any,
// commits first, and fn runs first in a new one (see join for why).
func (s *Store) UpdateBulk(ctx context.Context, fn func(store.Tx) error) error {
	return s.update(ctx, fn, true)
}

func (s *Store) update(ctx context.Context, fn func(store.Tx) error, alone bool) error {
	b, err := s.join(ctx, alone)
	if err != nil {
		return err
	}
	// Others' acknowledged-to-be writes are already in b: fence ours so that
	// a failure undoes only them.
	fenced := b.members > 0
	if fenced {
		if _, err := b.sql.Exec("SAVEPOINT member"); err != nil {
			s.fail(b, err)
			s.wmu.Unlock()
			return fmt.Errorf("sqlite: savepoint: %w", err)
		}
	}
	returned := false
	defer func() {
		if !returned { // fn panicked: undo its writes; the panic goes on
			s.undo(b, fenced)
			s.settle(b)
			s.wmu.Unlock()
		}
	}()
	// Statements do not take ctx's cancellation: interrupting one inside the
	// shared transaction would roll back the other members' writes too.
	fnErr := fn(&tx{ctx: context.WithoutCancel(ctx), sql: b.sql, stmts: s.writeStmts, write: true})
	returned = true
	switch {
	case fnErr != nil:
		s.undo(b, fenced)
	case fenced:
		if _, err := b.sql.Exec("RELEASE member"); err != nil {
			s.fail(b, err)
			fnErr = fmt.Errorf("sqlite: release: %w", err)
		} else {
			b.members++
		}
	default:
		b.members++
	}
	s.settle(b)
	s.wmu.Unlock()
	if fnErr != nil {
		return fnErr
	}
	<-b.done
	return b.err
}

// tx implements store.Tx over one database/sql transaction.
type tx struct {
	ctx   context.Context
	sql   *sql.Tx
	stmts map[string]*sql.Stmt
	write bool
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

// stmt returns q's prepared statement bound to this transaction, or nil
// when q was not registered (built at run time) or is a write inside View.
func (t *tx) stmt(q string) *sql.Stmt {
	if st, ok := t.stmts[q]; ok {
		return t.sql.StmtContext(t.ctx, st)
	}
	return nil
}

func (t *tx) exec(q string, args ...any) (sql.Result, error) {
	if st := t.stmt(q); st != nil {
		return st.ExecContext(t.ctx, args...)
	}
	return t.sql.ExecContext(t.ctx, q, args...)
}

func (t *tx) query(q string, args ...any) (*sql.Rows, error) {
	if st := t.stmt(q); st != nil {
		return st.QueryContext(t.ctx, args...)
	}
	return t.sql.QueryContext(t.ctx, q, args...)
}

func (t *tx) queryRow(q string, args ...any) *sql.Row {
	if st := t.stmt(q); st != nil {
		return st.QueryRowContext(t.ctx, args...)
	}
	return t.sql.QueryRowContext(t.ctx, q, args...)
}

// execOne runs a write that targets one row by its key and reports
// store.ErrNotFound when it touched none.
func (t *tx) execOne(q string, args ...any) error {
	res, err := t.exec(q, args...)
	if err != nil {
		return err
	}
	return oneRow(res)
}

func oneRow(res sql.Result) error {
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n == 0 {
		return store.ErrNotFound
	}
	return nil
}

// conditional runs a conditional write (version check, single use). When it
// touches no row, exists (a query selecting 1 by the same key) tells
// store.ErrConflict (the row is there, the condition lost) from
// store.ErrNotFound.
func (t *tx) conditional(q string, args []any, exists string, key ...any) error {
	res, err := t.exec(q, args...)
	if err != nil {
		return err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n > 0 {
		return nil
	}
	var one int
	switch err := t.queryRow(exists, key...).Scan(&one); {
	case errors.Is(err, sql.ErrNoRows):
		return store.ErrNotFound
	case err != nil:
		return err
	}
	return store.ErrConflict
}

// savepoint runs fn so that either everything it wrote stays or nothing does,
// even when the caller goes on with the transaction after an error (a user
// and its aliases are written by several statements).
func (t *tx) savepoint(fn func() error) error {
	if _, err := t.sql.ExecContext(t.ctx, "SAVEPOINT record"); err != nil {
		return err
	}
	if err := fn(); err != nil {
		_, rbErr := t.sql.ExecContext(t.ctx, "ROLLBACK TO record")
		if rbErr == nil {
			_, rbErr = t.sql.ExecContext(t.ctx, "RELEASE record")
		}
		return errors.Join(err, rbErr)
	}
	_, err := t.sql.ExecContext(t.ctx, "RELEASE record")
	return err
}

// registry lists every statement with fixed text, so Open can prepare them.
var registry []query

type query struct {
	text string
	read bool
}

// stmtRead and stmtWrite register a statement and return its text. Reads
// are prepared on both pools, writes on the writer only.
func stmtRead(text string) string {
	registry = append(registry, query{text: text, read: true})
	return text
}

func stmtWrite(text string) string {
	registry = append(registry, query{text: text})
	return text
}

// uniqueErr maps a unique-constraint violation to *store.ExistsError and a
// missing parent (foreign key) to store.ErrNotFound; what names the key the
// statement can collide with. Other errors pass through.
func uniqueErr(err error, what string) error {
	var se *sqlite.Error
	if !errors.As(err, &se) {
		return err
	}
	switch se.Code() {
	case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
		return &store.ExistsError{What: what}
	case sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY:
		return fmt.Errorf("%w: parent row (pool or token family) is missing", store.ErrNotFound)
	}
	return err
}

// isUniqueOn reports whether err violates the unique key over the given
// "table.column, table.column" list, in SQLite's own words.
func isUniqueOn(err error, columns string) bool {
	var se *sqlite.Error
	if !errors.As(err, &se) {
		return false
	}
	c := se.Code()
	if c != sqlite3.SQLITE_CONSTRAINT_UNIQUE && c != sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY {
		return false
	}
	return strings.Contains(se.Error(), "constraint failed: "+columns)
}
