package postgres

import (
	"encoding/base64"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/ninshou/ninshou/internal/store"
)

// Times are bigint unix nanoseconds (UTC by definition): exact to the
// nanosecond, which timestamptz (microseconds) is not, and numerically
// ordered. The zero time.Time is 0, so the instant 1970-01-01T00:00:00Z
// reads back as the zero time, which no record ever needs. Representable
// range: years 1678-2262.

func nanos(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}

func fromNanos(n int64) time.Time {
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n).UTC()
}

// nullNanos encodes an optional time: nil is NULL.
func nullNanos(t *time.Time) *int64 {
	if t == nil {
		return nil
	}
	n := nanos(*t)
	return &n
}

func fromNullNanos(n *int64) *time.Time {
	if n == nil {
		return nil
	}
	t := fromNanos(*n)
	return &t
}

// blob makes a nil slice an empty bytea (pgx sends nil as NULL; the columns
// are NOT NULL).
func blob(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}

// errUnstorable: a list was asked for by text that PostgreSQL cannot hold
// (invalid UTF-8 or a NUL byte), so it cannot name any row.
var errUnstorable = errors.New("postgres: text is not valid UTF-8 or contains NUL")

// storable reports whether every string among args can be sent as text.
// Sending one that cannot fails the statement and, outside a savepoint,
// aborts the whole transaction.
func storable(args []any) bool {
	for _, a := range args {
		if s, ok := a.(string); ok && (!utf8.ValidString(s) || strings.IndexByte(s, 0) >= 0) {
			return false
		}
	}
	return true
}

// Pagination cursors are opaque to callers: base64url of the last row's sort
// key, so a client cannot craft SQL-meaningful input and the encoding can
// change without breaking anyone who treats them as opaque.

const defaultPageLimit = 60

var errBadCursor = fmt.Errorf("postgres: %w", store.ErrBadCursor)

func pageLimit(n int) int {
	if n <= 0 {
		return defaultPageLimit
	}
	return n
}

func encodeCursor(s string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(s))
}

// decodeCursor also refuses a key that no row can have, so the query that
// follows cannot fail on it.
func decodeCursor(c string) (string, error) {
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil || !storable([]any{string(b)}) {
		return "", errBadCursor
	}
	return string(b), nil
}

// timeIDCursor encodes the (created_at, id) sort key of pools and clients.
func timeIDCursor(createdAt time.Time, id string) string {
	return encodeCursor(strconv.FormatInt(nanos(createdAt), 10) + ":" + id)
}

func decodeTimeIDCursor(c string) (int64, string, error) {
	s, err := decodeCursor(c)
	if err != nil {
		return 0, "", err
	}
	ts, id, ok := strings.Cut(s, ":")
	if !ok {
		return 0, "", errBadCursor
	}
	n, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return 0, "", fmt.Errorf("%w: %v", errBadCursor, err)
	}
	return n, id, nil
}

// timeIDAfter is where an ascending (time, ID) list resumes: the start for
// an empty cursor, else the decoded cursor.
func timeIDAfter(c string) (int64, string, error) {
	if c == "" {
		return math.MinInt64, "", nil
	}
	return decodeTimeIDCursor(c)
}

// timeIDBefore is timeIDAfter for lists in descending order: an empty
// cursor starts above every row.
func timeIDBefore(c string) (int64, string, error) {
	if c == "" {
		return math.MaxInt64, "", nil
	}
	return decodeTimeIDCursor(c)
}
