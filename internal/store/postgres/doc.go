// Package postgres is the clustered storage backend: it implements
// internal/store on PostgreSQL through pgx (pgxpool), so that several
// Ninshou nodes can share one database.
//
// Layout of a Store:
//
//   - one connection pool; connections carry statement_timeout,
//     idle_in_transaction_session_timeout and a bounded connect timeout, and
//     every View and Update call runs under a deadline, so a lost server or
//     a stuck lock is an error, never a hang;
//   - View is a READ ONLY, REPEATABLE READ transaction: one snapshot;
//   - Update is a READ COMMITTED transaction in which every read locks the
//     rows it returns (SELECT ... FOR UPDATE, or FOR SHARE for the pool
//     configuration every sign-in reads) and re-reads the newest committed
//     version after a wait, so a domain read-modify-write is safe across
//     nodes; a deadlock or serialization failure runs fn again;
//   - every write runs inside a savepoint sent in the same round trip
//     (SAVEPOINT; statements; RELEASE), so a failed repository call, such as
//     a unique violation, writes nothing and leaves the transaction usable;
//   - the schema, applied at Open (or by Migrate) from the embedded
//     migrations/NNNN_name.sql files, forward-only, recorded in
//     schema_migrations, under a pg_advisory_lock so nodes starting together
//     migrate once.
//
// The SQL is written out for PostgreSQL, not translated from the SQLite
// backend's. Times are bigint unix nanoseconds (exact, unlike timestamptz's
// microseconds), opaque encodings are bytea, attributes jsonb. Unique-key
// collisions come back as *store.ExistsError, named by constraint; lost
// version checks and lost single-use writes as store.ErrConflict.
//
// PostgreSQL text cannot hold NUL bytes or invalid UTF-8. A lookup by such
// a key finds nothing (ErrNotFound); writing one fails, harmlessly. The
// domain validates input before it gets here.
//
// The conformance suite in internal/store/storetest is the specification;
// postgres_test.go runs it against a fresh schema per store, plus tests of
// what only a shared server can show: concurrent migrations, and
// read-modify-write and outbox claims across stores.
package postgres
