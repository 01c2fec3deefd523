package sqlite

import (
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/ninshou/ninshou/internal/store"
)

// Times are stored as INTEGER unix nanoseconds (UTC by definition), which
// keeps full precision and sorts numerically. The zero time.Time is stored
// as 0; the instant 1970-01-01T00:00:00Z therefore reads back as the zero
// time, which no record ever needs. Representable range: years 1678-2262.

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
func nullNanos(t *time.Time) any {
	if t == nil {
		return nil
	}
	return nanos(*t)
}

func fromNullNanos(n sql.NullInt64) *time.Time {
	if !n.Valid {
		return nil
	}
	t := fromNanos(n.Int64)
	return &t
}

// blob makes a nil slice an empty BLOB: the columns are NOT NULL.
func blob(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}

func boolInt(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

func jsonText(v any) (string, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return "", err
	}
	return string(b), nil
}

// Pagination cursors are opaque to callers: base64url of the last row's sort
// key, so a client cannot craft SQL-meaningful input and we can change the
// encoding without breaking anyone who treats them as opaque.

const defaultPageLimit = 60

var errBadCursor = fmt.Errorf("sqlite: %w", store.ErrBadCursor)

func pageLimit(n int) int {
	if n <= 0 {
		return defaultPageLimit
	}
	return n
}

func encodeCursor(s string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(s))
}

func decodeCursor(c string) (string, error) {
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil {
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
