// Package sqlite is the embedded storage backend: it implements
// internal/store on one SQLite file through modernc.org/sqlite (pure Go, so
// the server stays a static binary).
//
// Layout of a Store:
//
//   - one writer connection (BEGIN IMMEDIATE, synchronous=FULL) that every
//     Update runs on, one at a time, so Update transactions are serial and
//     SQLITE_BUSY never reaches a caller;
//   - a pool of read-only connections (mode=ro) for View, which read a
//     consistent WAL snapshot while the writer works;
//   - the schema, applied at Open from the embedded migrations/NNNN_name.sql
//     files, forward-only, and recorded in schema_migrations.
//
// Records map to one table per aggregate. Times are INTEGER unix nanoseconds
// in UTC (the zero time.Time is 0, an unset *time.Time is NULL), maps and
// string slices are JSON text, and the domain's opaque encodings are BLOBs.
// Unique-key collisions come back as *store.ExistsError, lost version checks
// and lost single-use writes as store.ErrConflict.
//
// The conformance suite in internal/store/storetest is the specification;
// sqlite_test.go runs it against a fresh file, and crash_test.go kills a
// writer with SIGKILL to prove acknowledged writes survive.
package sqlite
