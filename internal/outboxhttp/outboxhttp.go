package outboxhttp

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"math"
	"net/http"
	"strconv"
	"time"

	"github.com/ninshou/ninshou/internal/store"
)

// Limits of the limit parameter.
const (
	DefaultLimit = 100
	MaxLimit     = 1000
)

// Message is one message on the wire.
type Message struct {
	ID        int64  `json:"id"`
	PoolID    string `json:"pool_id"`
	Channel   string `json:"channel"`
	To        string `json:"to"`
	From      string `json:"from"`
	Subject   string `json:"subject"`
	Body      string `json:"body"`
	Kind      string `json:"kind"`
	CreatedAt string `json:"created_at"` // RFC 3339, UTC
	State     string `json:"state"`
}

// Response is the body of a successful GET.
type Response struct {
	Messages []Message `json:"messages"`
}

// Handler serves the outbox of st, whatever path it is mounted on.
func Handler(st store.Store, log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			writeJSON(w, http.StatusMethodNotAllowed, errorBody{"method not allowed"})
			return
		}
		q := r.URL.Query()
		after, err := intParam(q.Get("after"), 0, 0, math.MaxInt64)
		if err != nil {
			writeJSON(w, http.StatusBadRequest, errorBody{"invalid after: " + err.Error()})
			return
		}
		limit64, err := intParam(q.Get("limit"), DefaultLimit, 1, MaxLimit)
		if err != nil {
			writeJSON(w, http.StatusBadRequest, errorBody{"invalid limit: " + err.Error()})
			return
		}
		limit := int(limit64)
		to, filter := q.Get("to"), q.Has("to")
		if filter && to == "" {
			writeJSON(w, http.StatusBadRequest, errorBody{"invalid to: must not be empty"})
			return
		}

		resp := Response{Messages: []Message{}}
		err = st.View(r.Context(), func(tx store.Tx) error {
			resp.Messages = resp.Messages[:0] // View may retry
			// Filtering happens here, not in the store, so scan in large
			// pages until limit messages matched or the outbox ended.
			cursor, pageSize := after, limit
			if filter {
				pageSize = MaxLimit
			}
			for {
				page, err := tx.Outbox().List(cursor, pageSize)
				if err != nil {
					return err
				}
				for _, m := range page {
					if !filter || m.To == to {
						resp.Messages = append(resp.Messages, wire(m))
						if len(resp.Messages) == limit {
							return nil
						}
					}
				}
				if len(page) < pageSize || !filter {
					return nil
				}
				cursor = page[len(page)-1].ID
			}
		})
		if err != nil && r.Context().Err() != nil {
			return // the client went away
		}
		if err != nil {
			log.ErrorContext(r.Context(), "outbox: list failed", slog.Any("err", err))
			writeJSON(w, http.StatusInternalServerError, errorBody{"internal error"})
			return
		}
		writeJSON(w, http.StatusOK, resp)
	})
}

func wire(m *store.Message) Message {
	return Message{
		ID:        m.ID,
		PoolID:    m.PoolID,
		Channel:   m.Channel,
		To:        m.To,
		From:      m.From,
		Subject:   m.Subject,
		Body:      m.Body,
		Kind:      m.Kind,
		CreatedAt: m.CreatedAt.UTC().Format(time.RFC3339),
		State:     m.State,
	}
}

// intParam parses a decimal parameter in [lo, hi]; "" gives def.
func intParam(s string, def, lo, hi int64) (int64, error) {
	if s == "" {
		return def, nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%q is not an integer", s)
	}
	if n < lo || n > hi {
		return 0, fmt.Errorf("%d is not between %d and %d", n, lo, hi)
	}
	return n, nil
}

type errorBody struct {
	Error string `json:"error"`
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store") // bodies hold codes
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}
