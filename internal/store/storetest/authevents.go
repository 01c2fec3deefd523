package storetest

import (
	"fmt"
	"testing"
	"time"

	"github.com/ninshou/ninshou/internal/store"
)

func newAuthEvent(poolID, sub, id string, created time.Time) *store.AuthEvent {
	return &store.AuthEvent{
		PoolID:     poolID,
		Sub:        sub,
		ID:         id,
		Type:       "SignIn",
		Response:   "Fail",
		Challenges: []string{"Password:Success", "Mfa:Failure"},
		IPAddress:  "2001:db8::1",
		CreatedAt:  created,
	}
}

// testAuthEvents: List returns a user's events newest first, ties broken by
// ID descending, every row exactly once with small pages; an event ID is
// unique per user (ExistsError "auth_event"); DeleteBefore purges every
// pool's events created before t.
func testAuthEvents(t *testing.T, f *fixture) {
	f.seedPools("A", "B")
	f.seedUsers("A", "sub-1", "sub-2")
	f.seedUsers("B", "sub-1")
	const n = 9
	ev := func(pool, sub string, i int) *store.AuthEvent {
		return newAuthEvent(pool, sub, fmt.Sprintf("ev-%d", i), at(time.Duration(i/2)*time.Minute))
	}
	f.update(func(tx store.Tx) error {
		for _, i := range []int{4, 0, 8, 2, 6, 1, 7, 3, 5} {
			for _, e := range []*store.AuthEvent{ev("A", "sub-1", i), ev("A", "sub-2", i), ev("B", "sub-1", i)} {
				if err := tx.AuthEvents().Add(e); err != nil {
					return err
				}
			}
		}
		// Zero values round-trip.
		return tx.AuthEvents().Add(&store.AuthEvent{PoolID: "A", Sub: "sub-2", ID: "zero"})
	})
	var want []*store.AuthEvent
	for _, i := range []int{8, 7, 6, 5, 4, 3, 2, 1, 0} {
		want = append(want, ev("A", "sub-1", i))
	}
	list := func(pool, sub string, limit int) (got []*store.AuthEvent) {
		f.view(func(tx store.Tx) error {
			got = pages(t, func(p store.Page) ([]*store.AuthEvent, string, error) {
				return tx.AuthEvents().List(pool, sub, p)
			}, limit)
			return nil
		})
		return got
	}
	for _, limit := range []int{1, 2, n, n + 1} {
		same(t, fmt.Sprintf("List(A, sub-1) with limit %d", limit), list("A", "sub-1", limit), want)
	}
	if got := list("A", "sub-2", 100); len(got) != n+1 {
		t.Errorf("List(A, sub-2) has %d events, want %d", len(got), n+1)
	} else {
		same(t, "zero event", got[n], &store.AuthEvent{PoolID: "A", Sub: "sub-2", ID: "zero"})
	}
	same(t, "List(missing user)", list("A", "nope", 10), []*store.AuthEvent{})

	// Feedback: set, replaced, shown by List; only on the event named.
	setFeedback := func(pool, sub, id string, fb store.EventFeedback) error {
		return f.try(func(tx store.Tx) error { return tx.AuthEvents().SetFeedback(pool, sub, id, fb) })
	}
	invalid := store.EventFeedback{Value: "Invalid", Provider: "Admin", At: at(time.Hour)}
	valid := store.EventFeedback{Value: "Valid", Provider: "Admin", At: at(2 * time.Hour)}
	if err := setFeedback("A", "sub-1", "ev-7", invalid); err != nil {
		t.Fatalf("SetFeedback: %v", err)
	}
	if err := setFeedback("A", "sub-1", "ev-7", valid); err != nil {
		t.Fatalf("SetFeedback again: %v", err)
	}
	want[1].Feedback = &valid
	same(t, "List(A, sub-1) after SetFeedback", list("A", "sub-1", 100), want)
	if got := list("A", "sub-2", 100); got[1].Feedback != nil {
		t.Errorf("feedback on A/sub-1's ev-7 shows on A/sub-2's: %+v", got[1].Feedback)
	}
	for _, k := range [][3]string{{"A", "sub-1", "nope"}, {"A", "nope", "ev-7"}, {"C", "sub-1", "ev-7"}} {
		wantErr(t, fmt.Sprintf("SetFeedback%v", k), setFeedback(k[0], k[1], k[2], valid), store.ErrNotFound)
	}

	err := f.try(func(tx store.Tx) error { return tx.AuthEvents().Add(ev("A", "sub-1", 3)) })
	wantExists(t, "Add duplicate ID", err, "auth_event")
	err = f.try(func(tx store.Tx) error { return tx.AuthEvents().Add(ev("A", "nope", 1)) })
	wantErr(t, "Add for a missing user", err, store.ErrNotFound)

	// Events 0-3 were created before at(2m); in three users.
	var purged int64
	f.update(func(tx store.Tx) (err error) {
		purged, err = tx.AuthEvents().DeleteBefore(at(2 * time.Minute))
		return err
	})
	if purged != 3*4+1 {
		t.Errorf("DeleteBefore purged %d events, want %d", purged, 3*4+1)
	}
	same(t, "List(A, sub-1) after DeleteBefore", list("A", "sub-1", 3), want[:5])
	if got := list("B", "sub-1", 3); len(got) != 5 {
		t.Errorf("List(B, sub-1) after DeleteBefore has %d events, want 5", len(got))
	}
}
