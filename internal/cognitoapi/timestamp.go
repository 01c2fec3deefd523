package cognitoapi

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"strconv"
	"time"
)

// Timestamp is a model timestamp. The AWS JSON protocol writes it as a JSON
// number of seconds since the Unix epoch with an optional fractional part,
// such as 1732587123.123. Marshalling keeps millisecond precision, as the
// service does. Unmarshalling accepts a number, a string holding a number,
// or (leniently) an RFC 3339 string.
type Timestamp struct {
	time.Time
}

// MarshalJSON writes t as epoch seconds with up to three decimals.
func (t Timestamp) MarshalJSON() ([]byte, error) {
	ms := t.UnixMilli()
	var b []byte
	if ms < 0 {
		b = append(b, '-')
		ms = -ms
	}
	sec, frac := ms/1000, ms%1000
	b = strconv.AppendInt(b, sec, 10)
	if frac != 0 {
		f := fmt.Sprintf("%03d", frac)
		b = append(b, '.')
		b = append(b, bytes.TrimRight([]byte(f), "0")...)
	}
	return b, nil
}

// UnmarshalJSON reads epoch seconds from a JSON number or a string.
func (t *Timestamp) UnmarshalJSON(b []byte) error {
	s := string(bytes.TrimSpace(b))
	if s == "null" {
		return nil
	}
	if len(s) >= 2 && s[0] == '"' && s[len(s)-1] == '"' {
		uq, err := strconv.Unquote(s)
		if err != nil {
			return errors.New("timestamp: invalid string")
		}
		if tt, err := time.Parse(time.RFC3339Nano, uq); err == nil {
			t.Time = tt
			return nil
		}
		s = uq
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsInf(f, 0) || math.IsNaN(f) || math.Abs(f) > 1e14 {
		return errors.New("timestamp: expected epoch seconds")
	}
	t.Time = time.UnixMilli(int64(math.Round(f * 1000))).UTC()
	return nil
}
