package storetest

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/ninshou/ninshou/internal/store"
)

// Run runs the conformance suite. newStore returns a new, empty store for
// each subtest; the subtest closes it. Subtests run in parallel.
func Run(t *testing.T, newStore func(t *testing.T) store.Store) {
	tests := []struct {
		name string
		fn   func(*testing.T, *fixture)
	}{
		{"Pools", testPools},
		{"PoolsList", testPoolsList},
		{"Clients", testClients},
		{"ClientsList", testClientsList},
		{"Users", testUsers},
		{"UsersUnique", testUsersUnique},
		{"UsersUpdate", testUsersUpdate},
		{"UsersPoolIsolation", testUsersPoolIsolation},
		{"UsersList", testUsersList},
		{"UsersConcurrentCreate", testUsersConcurrentCreate},
		{"Sessions", testSessions},
		{"SessionsConcurrentConsume", testSessionsConcurrentConsume},
		{"Codes", testCodes},
		{"CodesConcurrentConsume", testCodesConcurrentConsume},
		{"TokenFamilies", testTokenFamilies},
		{"RefreshTokens", testRefreshTokens},
		{"RefreshTokensConcurrentReplace", testRefreshTokensConcurrentReplace},
		{"Keys", testKeys},
		{"Outbox", testOutbox},
		{"OutboxLease", testOutboxLease},
		{"OutboxNewest", testOutboxNewest},
		{"PoolDeleteCascades", testPoolDeleteCascades},
		{"PoolPurgeInSteps", testPoolPurgeInSteps},
		{"RollbackOnError", testRollbackOnError},
		{"RollbackOnPanic", testRollbackOnPanic},
		{"UpdateBulk", testUpdateBulk},
		{"ConcurrentUpdatesIndependent", testConcurrentUpdatesIndependent},
		{"ViewCannotWrite", testViewCannotWrite},
		{"VersionConflictAcrossTransactions", testVersionConflictAcrossTransactions},
		{"UsersSearch", testUsersSearch},
		{"UsersSearchLiteral", testUsersSearchLiteral},
		{"UsersSearchMaintained", testUsersSearchMaintained},
		{"UsersSearchPages", testUsersSearchPages},
		{"Groups", testGroups},
		{"GroupsList", testGroupsList},
		{"Devices", testDevices},
		{"DevicesList", testDevicesList},
		{"WebAuthn", testWebAuthn},
		{"WebAuthnList", testWebAuthnList},
		{"AuthEvents", testAuthEvents},
		{"UserDeleteCascades", testUserDeleteCascades},
		{"PoolDeleteCascadesNew", testPoolDeleteCascadesNew},
		{"NewReposViewCannotWrite", testNewReposViewCannotWrite},
		{"ImportJobs", testImportJobs},
		{"ImportJobsList", testImportJobsList},
		{"ImportJobsCSV", testImportJobsCSV},
		{"ImportJobsListActive", testImportJobsListActive},
		{"ImportJobsPoolDelete", testImportJobsPoolDelete},
		{"ImportJobsExpire", testImportJobsExpire},
		{"ImportJobsLog", testImportJobsLog},
		{"UsersCount", testUsersCount},
		{"PoolObjects", testPoolObjects},
		{"PoolObjectsList", testPoolObjectsList},
		{"PoolObjectsGlobal", testPoolObjectsGlobal},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := newStore(t)
			t.Cleanup(func() {
				if err := s.Close(); err != nil {
					t.Errorf("Close: %v", err)
				}
			})
			tc.fn(t, &fixture{t: t, s: s, ctx: context.Background()})
		})
	}
}

// fixture wraps one store for one subtest.
type fixture struct {
	t   *testing.T
	s   store.Store
	ctx context.Context
}

// update runs fn in a write transaction and fails the test on error.
func (f *fixture) update(fn func(store.Tx) error) {
	f.t.Helper()
	if err := f.s.Update(f.ctx, fn); err != nil {
		f.t.Fatalf("Update: %v", err)
	}
}

// purge runs PurgeDeleted(limit), each call in an UpdateBulk of its own as
// the janitor does, until it returns 0, and returns what each call returned.
func (f *fixture) purge(limit int) []int64 {
	f.t.Helper()
	var steps []int64
	for len(steps) < 1000 {
		var n int64
		if err := f.s.UpdateBulk(f.ctx, func(tx store.Tx) (err error) {
			n, err = tx.Pools().PurgeDeleted(limit)
			return err
		}); err != nil {
			f.t.Fatalf("PurgeDeleted: %v", err)
		}
		steps = append(steps, n)
		if n == 0 {
			return steps
		}
	}
	f.t.Fatalf("PurgeDeleted(%d) still removing after %d calls: %v", limit, len(steps), steps[:10])
	return nil
}

// try runs fn in a write transaction and returns its error.
func (f *fixture) try(fn func(store.Tx) error) error {
	return f.s.Update(f.ctx, fn)
}

// view runs fn in a read transaction and fails the test on error.
func (f *fixture) view(fn func(store.Tx) error) {
	f.t.Helper()
	if err := f.s.View(f.ctx, fn); err != nil {
		f.t.Fatalf("View: %v", err)
	}
}

// peek runs fn in a read transaction and returns its error.
func (f *fixture) peek(fn func(store.Tx) error) error {
	return f.s.View(f.ctx, fn)
}

// Times carry nanoseconds and a non-UTC zone, to prove both survive: the
// instant is kept to the nanosecond and comes back in UTC.
var t0 = time.Date(2026, 3, 14, 15, 9, 26, 535897932, time.FixedZone("UTC+5:30", 5*3600+1800))

func at(d time.Duration) time.Time { return t0.Add(d) }

func ptr(t time.Time) *time.Time { return &t }

var cmpOpts = []cmp.Option{
	cmpopts.EquateEmpty(),
	cmpopts.SortSlices(func(a, b store.Alias) bool {
		return a.Kind < b.Kind || a.Kind == b.Kind && a.Key < b.Key
	}),
}

// same fails the test when got differs from want (times compared as
// instants, nil equal to empty), or when got holds a non-UTC time.
func same(t *testing.T, what string, got, want any) {
	t.Helper()
	if diff := cmp.Diff(want, got, cmpOpts...); diff != "" {
		t.Errorf("%s mismatch (-want +got):\n%s", what, diff)
	}
	for _, p := range nonUTC(reflect.ValueOf(got), "") {
		t.Errorf("%s: time at %s is not in UTC", what, p)
	}
}

var timeType = reflect.TypeFor[time.Time]()

// nonUTC walks v and returns the paths of non-zero times not in UTC.
func nonUTC(v reflect.Value, path string) []string {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			return nil
		}
		return nonUTC(v.Elem(), path)
	case reflect.Slice:
		var out []string
		for i := range v.Len() {
			out = append(out, nonUTC(v.Index(i), fmt.Sprintf("%s[%d]", path, i))...)
		}
		return out
	case reflect.Struct:
		if v.Type() == timeType {
			tm := v.Interface().(time.Time)
			if !tm.IsZero() && tm.Location() != time.UTC {
				return []string{path}
			}
			return nil
		}
		var out []string
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				out = append(out, nonUTC(v.Field(i), path+"."+v.Type().Field(i).Name)...)
			}
		}
		return out
	}
	return nil
}

// wantErr fails the test unless errors.Is(err, target).
func wantErr(t *testing.T, what string, err, target error) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Errorf("%s: got error %v, want %v", what, err, target)
	}
}

// wantExists fails the test unless err is an *store.ExistsError naming what
// and errors.Is(err, store.ErrExists).
func wantExists(t *testing.T, op string, err error, what string) {
	t.Helper()
	var ee *store.ExistsError
	if !errors.As(err, &ee) || !errors.Is(err, store.ErrExists) {
		t.Errorf("%s: got error %v, want *store.ExistsError{What: %q}", op, err, what)
		return
	}
	if ee.What != what {
		t.Errorf("%s: ExistsError.What = %q, want %q", op, ee.What, what)
	}
}

func newPool(id string) *store.Pool {
	return &store.Pool{
		ID:        id,
		Name:      "pool " + id,
		Settings:  []byte(`{"mfa":"OPTIONAL"}`),
		CreatedAt: t0,
		UpdatedAt: at(time.Second),
	}
}

// seedPools creates pools with the given IDs.
func (f *fixture) seedPools(ids ...string) {
	f.t.Helper()
	f.update(func(tx store.Tx) error {
		for _, id := range ids {
			if err := tx.Pools().Create(newPool(id)); err != nil {
				return err
			}
		}
		return nil
	})
}

func newUser(poolID, sub, username string) *store.User {
	return &store.User{
		PoolID:      poolID,
		Sub:         sub,
		Username:    username,
		UsernameKey: strings.ToLower(username),
		Status:      "CONFIRMED",
		Enabled:     true,
		Attributes:  map[string]string{"email": strings.ToLower(username) + "@example.com", "name": username},
		Aliases:     []store.Alias{{Kind: "email", Key: strings.ToLower(username) + "@example.com"}},
		CreatedAt:   t0,
		UpdatedAt:   t0,
	}
}

// pages collects every row of a paginated list, failing on a cycle.
func pages[T any](t *testing.T, list func(store.Page) ([]T, string, error), limit int) []T {
	t.Helper()
	var all []T
	page := store.Page{Limit: limit}
	for i := 0; ; i++ {
		if i > 1000 {
			t.Fatal("pagination does not terminate")
		}
		rows, next, err := list(page)
		if err != nil {
			t.Fatalf("List(%+v): %v", page, err)
		}
		if len(rows) > limit {
			t.Fatalf("List(%+v) returned %d rows, limit %d", page, len(rows), limit)
		}
		all = append(all, rows...)
		if next == "" {
			return all
		}
		if len(rows) == 0 {
			t.Fatalf("List(%+v) returned an empty page with a next cursor", page)
		}
		page.After = next
	}
}
