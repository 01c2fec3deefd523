package idp

import (
	"testing"
	"time"

	"github.com/ninshou/ninshou/internal/store"
)

// TestCountSend: five codes an hour per kind, on the injected clock.
func TestCountSend(t *testing.T) {
	now := time.Date(2025, 1, 1, 12, 0, 0, 0, time.UTC)
	s := &Service{Now: func() time.Time { return now }}
	u := &store.User{}
	for i := range 5 {
		if err := s.countSend(u, sendKindForgot, 5); err != nil {
			t.Fatalf("send %d: %v", i+1, err)
		}
		now = now.Add(time.Minute)
	}
	if err := s.countSend(u, sendKindForgot, 5); !IsCode(err, LimitExceededException) {
		t.Fatalf("sixth send = %v; want LimitExceededException", err)
	}
	if err := s.countSend(u, sendKindResend, 5); err != nil {
		t.Fatalf("another kind: %v", err)
	}
	now = now.Add(55 * time.Minute) // the first send is an hour old
	if err := s.countSend(u, sendKindForgot, 5); err != nil {
		t.Fatalf("after an hour: %v", err)
	}
	if err := s.countSend(u, sendKindForgot, 5); !IsCode(err, LimitExceededException) {
		t.Fatalf("again = %v; want LimitExceededException", err)
	}
}
