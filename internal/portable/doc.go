// Package portable moves a whole Ninshou state between stores: Export
// writes every pool, signing key, app client, user (with its devices and
// passkeys) and group (with its members) of a store.Store as JSON Lines,
// and Import reads them into another, whatever the backends, so that a team
// moves from SQLite to PostgreSQL, or restores a backup, without any user
// resetting a password, forgetting a device or losing a passkey, and
// without any issued token failing to verify.
//
// The format is specified in docs/export-format.md: a header line naming
// the format and its version, then one record per line, each an object with
// a "type" field, each pool followed by its keys, clients, users and
// groups, each user by its devices and passkeys, each group by its members,
// and an "end" line with the record counts, so that a truncated file is
// refused. Import reads every version up to Version (version 1 files have
// no devices, passkeys or groups).
//
// Both directions stream: Export holds at most one page of records in
// memory, Import one record. Export reads one consistent snapshot (one View
// transaction); Import writes in one Update transaction, so an import that
// fails leaves the target store as it was.
//
// What is not exported, by design: challenge sessions, one-time codes,
// token families and refresh tokens (short-lived; users sign in again),
// authentication events (history, not state), and the outbox (messages
// already delivered or due on the old store).
package portable
