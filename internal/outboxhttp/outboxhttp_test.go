package outboxhttp_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/ninshou/ninshou/internal/outboxhttp"
	"github.com/ninshou/ninshou/internal/store"
	"github.com/ninshou/ninshou/internal/store/sqlite"
)

var created = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

// setup stores n messages: to a@ for odd IDs and b@ for even ones; the
// first is marked sent.
func setup(t *testing.T, n int) http.Handler {
	t.Helper()
	st, err := sqlite.Open(filepath.Join(t.TempDir(), "ninshou.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	err = st.Update(context.Background(), func(tx store.Tx) error {
		for i := 1; i <= n; i++ {
			to := "b@example.com"
			if i%2 == 1 {
				to = "a@example.com"
			}
			m := &store.Message{
				PoolID: "us-east-1_abc", Channel: "email", To: to, From: "no-reply@verificationemail.com",
				Subject: "Your verification code", Body: fmt.Sprintf("Your verification code is %06d. ", i),
				Kind: "signup", CreatedAt: created.Add(time.Duration(i) * time.Second),
			}
			if err := tx.Outbox().Enqueue(m); err != nil {
				return err
			}
		}
		if n > 0 {
			return tx.Outbox().MarkSent(1, created)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/_ninshou/outbox", outboxhttp.Handler(st, slog.Default()))
	return mux
}

func get(t *testing.T, h http.Handler, method, target string) (int, http.Header, []byte) {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(method, target, nil))
	return rec.Code, rec.Header(), rec.Body.Bytes()
}

func ids(t *testing.T, body []byte) []int64 {
	t.Helper()
	var r outboxhttp.Response
	if err := json.Unmarshal(body, &r); err != nil {
		t.Fatalf("%s: %v", body, err)
	}
	out := []int64{}
	for _, m := range r.Messages {
		out = append(out, m.ID)
	}
	return out
}

func TestWireFormat(t *testing.T) {
	h := setup(t, 2)
	code, hdr, body := get(t, h, "GET", "/_ninshou/outbox?limit=1")
	if code != 200 || hdr.Get("Content-Type") != "application/json" || hdr.Get("Cache-Control") != "no-store" {
		t.Fatalf("status %d, headers %v", code, hdr)
	}
	var got any
	if err := json.Unmarshal(body, &got); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"messages": []any{map[string]any{
		"id": 1.0, "pool_id": "us-east-1_abc", "channel": "email", "to": "a@example.com",
		"from": "no-reply@verificationemail.com", "subject": "Your verification code",
		"body": "Your verification code is 000001. ", "kind": "signup",
		"created_at": "2026-01-02T03:04:06Z", "state": "sent",
	}}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("body mismatch (-want +got):\n%s", diff)
	}
}

func TestQueries(t *testing.T) {
	h := setup(t, 250)
	seq := func(from, to, step int64) []int64 {
		out := []int64{}
		for i := from; i <= to; i += step {
			out = append(out, i)
		}
		return out
	}
	tests := []struct {
		query string
		want  []int64
	}{
		{"", seq(1, 100, 1)}, // default limit 100
		{"?limit=3", []int64{1, 2, 3}},
		{"?after=248", []int64{249, 250}},
		{"?after=250", []int64{}},
		{"?after=10&limit=2", []int64{11, 12}},
		{"?limit=1000", seq(1, 250, 1)},
		{"?to=b@example.com&limit=3", []int64{2, 4, 6}},
		{"?to=a@example.com&after=240", []int64{241, 243, 245, 247, 249}},
		{"?to=b@example.com&limit=100", seq(2, 200, 2)},
		{"?to=c@example.com", []int64{}},
		{"?to=A@example.com", []int64{}}, // exact match
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			code, _, body := get(t, h, "GET", "/_ninshou/outbox"+tt.query)
			if code != 200 {
				t.Fatalf("status %d: %s", code, body)
			}
			if diff := cmp.Diff(tt.want, ids(t, body)); diff != "" {
				t.Errorf("ids mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// TestFilterScansPages: the to= filter keeps reading the store past its
// first page until limit messages match.
func TestFilterScansPages(t *testing.T) {
	h := setup(t, 2100)
	code, _, body := get(t, h, "GET", "/_ninshou/outbox?to=b@example.com&limit=1000")
	if code != 200 {
		t.Fatalf("status %d: %s", code, body)
	}
	got := ids(t, body)
	if len(got) != 1000 || got[0] != 2 || got[999] != 2000 {
		t.Errorf("got %d ids from %v to %v; want 1000 from 2 to 2000", len(got), got[0], got[len(got)-1])
	}
}

func TestEmptyOutbox(t *testing.T) {
	code, _, body := get(t, setup(t, 0), "GET", "/_ninshou/outbox")
	if code != 200 || string(body) != "{\"messages\":[]}\n" {
		t.Errorf("status %d, body %s", code, body)
	}
}

func TestBadRequests(t *testing.T) {
	h := setup(t, 1)
	tests := []struct {
		method, query string
		wantStatus    int
		wantError     string
	}{
		{"GET", "?limit=0", 400, "invalid limit: 0 is not between 1 and 1000"},
		{"GET", "?limit=1001", 400, "invalid limit: 1001 is not between 1 and 1000"},
		{"GET", "?limit=ten", 400, `invalid limit: "ten" is not an integer`},
		{"GET", "?after=-1", 400, "invalid after: -1 is not between 0 and 9223372036854775807"},
		{"GET", "?after=x", 400, `invalid after: "x" is not an integer`},
		{"GET", "?to=", 400, "invalid to: must not be empty"},
		{"POST", "", 405, "method not allowed"},
		{"DELETE", "", 405, "method not allowed"},
	}
	for _, tt := range tests {
		t.Run(tt.method+tt.query, func(t *testing.T) {
			code, hdr, body := get(t, h, tt.method, "/_ninshou/outbox"+tt.query)
			var e struct{ Error string }
			if err := json.Unmarshal(body, &e); err != nil {
				t.Fatalf("%s: %v", body, err)
			}
			if code != tt.wantStatus || e.Error != tt.wantError || hdr.Get("Content-Type") != "application/json" {
				t.Errorf("got %d %q, want %d %q", code, e.Error, tt.wantStatus, tt.wantError)
			}
		})
	}
}
