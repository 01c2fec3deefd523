package storetest

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/ninshou/ninshou/internal/store"
)

func newMessage(poolID, to string) *store.Message {
	return &store.Message{
		PoolID:    poolID,
		Channel:   "email",
		To:        to,
		From:      "no-reply@example.com",
		ReplyTo:   "help@example.com",
		Subject:   "Your code",
		Body:      "Your code is 123456 ✓",
		Kind:      "mfa_code",
		CreatedAt: t0,
	}
}

func ids(ms []*store.Message) []int64 {
	out := []int64{}
	for _, m := range ms {
		out = append(out, m.ID)
	}
	return out
}

func testOutbox(t *testing.T, f *fixture) {
	var ms []*store.Message
	f.update(func(tx store.Tx) error {
		for _, to := range []string{"a@example.com", "b@example.com", "c@example.com"} {
			m := newMessage("A", to) // no pool: the outbox has no foreign key
			if err := tx.Outbox().Enqueue(m); err != nil {
				return err
			}
			ms = append(ms, m)
		}
		return nil
	})
	for i, m := range ms {
		if m.State != "pending" {
			t.Errorf("Enqueue set State = %q, want pending", m.State)
		}
		if i > 0 && m.ID <= ms[i-1].ID {
			t.Errorf("Enqueue IDs not increasing: %d after %d", m.ID, ms[i-1].ID)
		}
	}
	var got []*store.Message
	f.view(func(tx store.Tx) (err error) { got, err = tx.Outbox().List(0, 0); return err })
	same(t, "List(0)", got, ms)
	f.view(func(tx store.Tx) (err error) { got, err = tx.Outbox().List(ms[0].ID, 1); return err })
	same(t, "List(first ID, 1)", got, ms[1:2])

	// MarkSent.
	f.update(func(tx store.Tx) error { return tx.Outbox().MarkSent(ms[0].ID, at(time.Second)) })
	err := f.try(func(tx store.Tx) error { return tx.Outbox().MarkSent(ms[0].ID, at(time.Second)) })
	wantErr(t, "MarkSent twice", err, store.ErrConflict)
	// MarkFailed, not final: stays pending, counts the attempt, keeps the error.
	f.update(func(tx store.Tx) error {
		return tx.Outbox().MarkFailed(ms[1].ID, "smtp: 421 try later", at(time.Minute), false)
	})
	// MarkFailed, final.
	f.update(func(tx store.Tx) error { return tx.Outbox().MarkFailed(ms[2].ID, "smtp: 550 no such user", t0, true) })
	err = f.try(func(tx store.Tx) error { return tx.Outbox().MarkFailed(ms[2].ID, "again", t0, true) })
	wantErr(t, "MarkFailed of a failed message", err, store.ErrConflict)

	sent, retry, failed := *ms[0], *ms[1], *ms[2]
	sent.State, sent.Attempts, sent.SentAt = "sent", 1, ptr(at(time.Second))
	retry.Attempts, retry.LastError, retry.NextAttemptAt = 1, "smtp: 421 try later", at(time.Minute)
	failed.State, failed.Attempts, failed.LastError, failed.NextAttemptAt = "failed", 1, "smtp: 550 no such user", t0
	f.view(func(tx store.Tx) (err error) { got, err = tx.Outbox().List(0, 10); return err })
	same(t, "List after MarkSent/MarkFailed", got, []*store.Message{&sent, &retry, &failed})

	for _, op := range []func(tx store.Tx) error{
		func(tx store.Tx) error { return tx.Outbox().MarkSent(999999, t0) },
		func(tx store.Tx) error { return tx.Outbox().MarkFailed(999999, "x", t0, false) },
	} {
		wantErr(t, "Mark of a missing message", f.try(op), store.ErrNotFound)
	}

	// DeleteBefore purges finished messages created before t, never pending ones.
	var n int64
	f.update(func(tx store.Tx) (err error) { n, err = tx.Outbox().DeleteBefore(t0); return err })
	if n != 0 {
		t.Errorf("DeleteBefore(t0) = %d, want 0 (nothing created before t0)", n)
	}
	f.update(func(tx store.Tx) (err error) { n, err = tx.Outbox().DeleteBefore(at(time.Hour)); return err })
	if n != 2 {
		t.Errorf("DeleteBefore(t0+1h) = %d, want 2 (sent and failed)", n)
	}
	f.view(func(tx store.Tx) (err error) { got, err = tx.Outbox().List(0, 10); return err })
	same(t, "List after DeleteBefore", got, []*store.Message{&retry})

	// IDs keep increasing after deletes.
	m := newMessage("A", "d@example.com")
	f.update(func(tx store.Tx) error { return tx.Outbox().Enqueue(m) })
	if m.ID <= ms[2].ID {
		t.Errorf("ID after DeleteBefore = %d, not above %d", m.ID, ms[2].ID)
	}
}

// testOutboxLease: Claim hands out due pending messages in ID order and
// leases them; a leased message is not claimed again until the lease ends.
func testOutboxLease(t *testing.T, f *fixture) {
	var ms []*store.Message
	f.update(func(tx store.Tx) error {
		for i := range 5 {
			m := newMessage("A", "x@example.com")
			if i == 4 {
				m.NextAttemptAt = at(time.Hour) // not due yet
			}
			if err := tx.Outbox().Enqueue(m); err != nil {
				return err
			}
			ms = append(ms, m)
		}
		return nil
	})
	claim := func(now, until time.Time, limit int) (got []*store.Message) {
		t.Helper()
		f.update(func(tx store.Tx) (err error) { got, err = tx.Outbox().Claim(now, until, limit); return err })
		return got
	}
	lease := at(time.Minute)
	got := claim(t0, lease, 2)
	same(t, "first Claim IDs", ids(got), []int64{ms[0].ID, ms[1].ID})
	for _, m := range got {
		if !m.LeaseUntil.Equal(lease) {
			t.Errorf("claimed message %d has LeaseUntil %v, want %v", m.ID, m.LeaseUntil, lease)
		}
	}
	got = claim(t0, lease, 10)
	same(t, "second Claim IDs (leased ones skipped, undue one skipped)", ids(got), []int64{ms[2].ID, ms[3].ID})
	same(t, "third Claim IDs (all leased)", ids(claim(at(30*time.Second), at(2*time.Minute), 10)), []int64{})

	// Sent and failed messages are never claimed again.
	f.update(func(tx store.Tx) error {
		if err := tx.Outbox().MarkSent(ms[0].ID, at(time.Second)); err != nil {
			return err
		}
		if err := tx.Outbox().MarkFailed(ms[1].ID, "boom", t0, true); err != nil {
			return err
		}
		// A retryable failure releases the lease; due again at t0+2m.
		return tx.Outbox().MarkFailed(ms[2].ID, "later", at(2*time.Minute), false)
	})
	// At the lease end, ms[3] (lease expired) is claimable; ms[2] is not due.
	same(t, "Claim at lease end", ids(claim(lease, at(3*time.Minute), 10)), []int64{ms[3].ID})
	same(t, "Claim when the retry is due", ids(claim(at(2*time.Minute), at(4*time.Minute), 10)), []int64{ms[2].ID})
	same(t, "Claim at t0+1h", ids(claim(at(time.Hour), at(2*time.Hour), 10)), []int64{ms[2].ID, ms[3].ID, ms[4].ID})

	var all []*store.Message
	f.view(func(tx store.Tx) (err error) { all, err = tx.Outbox().List(0, 0); return err })
	states := map[int64]string{}
	for _, m := range all {
		states[m.ID] = m.State
	}
	same(t, "states", states, map[int64]string{
		ms[0].ID: "sent", ms[1].ID: "failed", ms[2].ID: "pending", ms[3].ID: "pending", ms[4].ID: "pending",
	})
	if len(all) != 5 {
		t.Errorf("List has %d messages, want 5", len(all))
	}
}

// testOutboxNewest: store.NewestMessages over more than one page of the
// outbox gives the newest kept messages, newest first, at most n.
func testOutboxNewest(t *testing.T, f *fixture) {
	var ms []*store.Message
	f.update(func(tx store.Tx) error {
		for i := range 2500 {
			m := newMessage("A", fmt.Sprintf("u%d@example.com", i%3))
			if err := tx.Outbox().Enqueue(m); err != nil {
				return err
			}
			ms = append(ms, m)
		}
		return nil
	})
	var want []*store.Message
	for i := len(ms) - 1; i >= 0 && len(want) < 60; i-- {
		if ms[i].To == "u1@example.com" {
			want = append(want, ms[i])
		}
	}
	var got []*store.Message
	f.view(func(tx store.Tx) (err error) {
		got, err = store.NewestMessages(tx, func(m *store.Message) bool { return m.To == "u1@example.com" }, 60)
		return err
	})
	if !slices.Equal(ids(got), ids(want)) {
		t.Errorf("NewestMessages(u1, 60) = %v; want %v", ids(got), ids(want))
	}
	f.view(func(tx store.Tx) (err error) { got, err = store.NewestMessages(tx, nil, 3); return err })
	if !slices.Equal(ids(got), ids([]*store.Message{ms[2499], ms[2498], ms[2497]})) {
		t.Errorf("NewestMessages(all, 3) = %v", ids(got))
	}
	f.view(func(tx store.Tx) (err error) {
		got, err = store.NewestMessages(tx, func(m *store.Message) bool { return m.To == "nobody" }, 60)
		return err
	})
	if len(got) != 0 {
		t.Errorf("NewestMessages of nobody = %v", ids(got))
	}
}
