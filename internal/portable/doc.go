// Package portable moves a whole Ninshou state between stores: Export
// writes every pool, signing key, app client and user of a store.Store as
// JSON Lines, and Import reads them into another, whatever the backends, so
// that a team moves from SQLite to PostgreSQL, or restores a backup, without
// any user resetting a password or any issued token failing to verify.
//
// The format is specified in docs/export-format.md: a header line naming
// the format and its version, then one record per line, each an object with
// a "type" field, each pool followed by its keys, clients and users, and an
// "end" line with the record counts, so that a truncated file is refused.
//
// Both directions stream: Export holds at most one page of records in
// memory, Import one record. Export reads one consistent snapshot (one View
// transaction); Import writes in one Update transaction, so an import that
// fails leaves the target store as it was.
//
// What is not exported, by design: challenge sessions, one-time codes,
// token families and refresh tokens (short-lived; users sign in again), and
// the outbox (messages already delivered or due on the old store).
package portable
