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
//     transaction goes on and commits.
//
// The tests never sleep: every time is passed in.
package storetest
