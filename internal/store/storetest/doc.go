// Package storetest is the storage contract of internal/store, written as a
// conformance suite that every backend runs against a fresh, empty store:
//
//	func TestConformance(t *testing.T) {
//		storetest.Run(t, func(t *testing.T) store.Store { ... })
//	}
//
// The suite is the precise reading of the contract's prose. Where store.go
// leaves a choice open, the suite fixes it and says so next to the test:
//
//   - every time.Time reads back at nanosecond precision in UTC; a nil slice
//     or map may read back empty and vice versa; User.Aliases read back
//     ordered by Kind, then Key; User.Attributes reads back non-nil;
//   - creating a row whose pool (or, for refresh tokens, token family) does
//     not exist fails with ErrNotFound;
//   - TokenFamilies.Revoke of a revoked family succeeds and keeps the first
//     time; RevokeUser counts families neither revoked nor expired at now;
//   - Outbox: MarkSent and MarkFailed count an attempt, release the lease and
//     return ErrConflict for a message that is no longer pending;
//     DeleteBefore purges only sent or failed messages; outbox rows outlive
//     their pool;
//   - a repository method that fails leaves nothing half-written even if the
//     transaction goes on and commits;
//   - Users.Search matches the values of store.SearchValues: an attribute
//     field finds only users that have the attribute (the prefix "" finds
//     every user that has it); a field that is not searchable is an error;
//   - devices, passkeys, events and memberships belong to a user: creating
//     one for a missing user is ErrNotFound, and deleting the user (or its
//     pool) deletes them; Groups.Update and Devices.Update write every field
//     but the key (and a device's user);
//   - Groups.AddMember with a user or group of another pool is ErrNotFound;
//     RemoveMember of a missing group or non-member succeeds;
//   - WebAuthn.Delete of another user's credential is ErrNotFound; a
//     credential's ID, like a device's key, is unique in its pool;
//   - AuthEvents: an event ID is unique per user (ExistsError "auth_event");
//     List breaks ties in CreatedAt by ID descending; DeleteBefore purges
//     every pool; SetFeedback replaces an event's feedback, ErrNotFound for
//     an event of another user or pool.
//
// The tests never sleep: every time is passed in.
package storetest
