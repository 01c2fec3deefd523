package srp

import (
	"errors"
	mrand "math/rand/v2"
	"testing"
	"time"
)

func TestFormatTimestamp(t *testing.T) {
	tokyo := time.FixedZone("JST", 9*3600)
	for _, c := range []struct {
		t    time.Time
		want string
	}{
		{time.Date(2025, 1, 7, 9, 5, 3, 0, time.UTC), "Tue Jan 7 09:05:03 UTC 2025"},
		{time.Date(2023, 8, 11, 15, 51, 6, 0, time.UTC), "Fri Aug 11 15:51:06 UTC 2023"},
		{time.Date(2024, 2, 29, 0, 0, 0, 999_999_999, time.UTC), "Thu Feb 29 00:00:00 UTC 2024"},
		{time.Date(1999, 12, 31, 23, 59, 59, 0, time.UTC), "Fri Dec 31 23:59:59 UTC 1999"},
		{time.Date(2025, 1, 1, 8, 0, 0, 0, tokyo), "Tue Dec 31 23:00:00 UTC 2024"},
		{time.Date(2026, 5, 10, 12, 1, 2, 0, time.UTC), "Sun May 10 12:01:02 UTC 2026"},
	} {
		if got := FormatTimestamp(c.t); got != c.want {
			t.Errorf("FormatTimestamp(%v) = %q, want %q", c.t, got, c.want)
		}
	}
}

func TestParseTimestamp(t *testing.T) {
	utc := func(y int, m time.Month, d, hh, mm, ss int) time.Time {
		return time.Date(y, m, d, hh, mm, ss, 0, time.UTC)
	}
	for _, c := range []struct {
		in      string
		want    time.Time
		strict  bool // ParseTimestamp accepts
		lenient bool // ParseTimestampLenient accepts
	}{
		{"Tue Jan 7 09:05:03 UTC 2025", utc(2025, 1, 7, 9, 5, 3), true, true},
		{"Fri Aug 11 15:51:06 UTC 2023", utc(2023, 8, 11, 15, 51, 6), true, true},
		{"Thu Feb 29 00:00:00 UTC 2024", utc(2024, 2, 29, 0, 0, 0), true, true},
		{"Sun May 31 23:59:59 UTC 2026", utc(2026, 5, 31, 23, 59, 59), true, true},
		// zero-padded day (strftime %d): Cognito says NotAuthorizedException
		{"Tue Jan 07 09:05:03 UTC 2025", utc(2025, 1, 7, 9, 5, 3), false, true},
		{"Fri Sep 05 08:07:06 UTC 2025", utc(2025, 9, 5, 8, 7, 6), false, true},
		{"Tue Jan 007 09:05:03 UTC 2025", time.Time{}, false, false},
		{"Tue Jan 0 09:05:03 UTC 2025", time.Time{}, false, false},
		{"Tue Jan 00 09:05:03 UTC 2025", time.Time{}, false, false},
		// weekday must match the date
		{"Wed Jan 7 09:05:03 UTC 2025", time.Time{}, false, false},
		{"Mon Jan 07 09:05:03 UTC 2025", time.Time{}, false, false},
		// not a calendar date / time
		{"Fri Feb 29 00:00:00 UTC 2023", time.Time{}, false, false},
		{"Sat Feb 30 00:00:00 UTC 2025", time.Time{}, false, false},
		{"Tue Jan 32 09:05:03 UTC 2025", time.Time{}, false, false},
		{"Tue Jan 7 24:00:00 UTC 2025", time.Time{}, false, false},
		{"Tue Jan 7 09:60:00 UTC 2025", time.Time{}, false, false},
		{"Tue Jan 7 09:05:60 UTC 2025", time.Time{}, false, false},
		// spelling and layout
		{"tue Jan 7 09:05:03 UTC 2025", time.Time{}, false, false},
		{"Tue JAN 7 09:05:03 UTC 2025", time.Time{}, false, false},
		{"Tuesday Jan 7 09:05:03 UTC 2025", time.Time{}, false, false},
		{"Tue January 7 09:05:03 UTC 2025", time.Time{}, false, false},
		{"Tue Jan  7 09:05:03 UTC 2025", time.Time{}, false, false},
		{"Tue Jan 7 9:05:03 UTC 2025", time.Time{}, false, false},
		{"Tue Jan 7 09:5:03 UTC 2025", time.Time{}, false, false},
		{"Tue Jan 7 09:05:03.000 UTC 2025", time.Time{}, false, false},
		{"Tue Jan 7 09:05:03 GMT 2025", time.Time{}, false, false},
		{"Tue Jan 7 09:05:03 utc 2025", time.Time{}, false, false},
		{"Tue Jan 7 09:05:03 +0000 2025", time.Time{}, false, false},
		{"Tue Jan 7 09:05:03 UTC 25", time.Time{}, false, false},
		{"Tue Jan 7 09:05:03 UTC 2025 ", time.Time{}, false, false},
		{" Tue Jan 7 09:05:03 UTC 2025", time.Time{}, false, false},
		{"Tue, Jan 7 09:05:03 UTC 2025", time.Time{}, false, false},
		{"Tue Jan +7 09:05:03 UTC 2025", time.Time{}, false, false},
		{"2025-01-07T09:05:03Z", time.Time{}, false, false},
		{"", time.Time{}, false, false},
	} {
		got, err := ParseTimestamp(c.in)
		if c.strict {
			if err != nil || !got.Equal(c.want) || got.Location() != time.UTC {
				t.Errorf("ParseTimestamp(%q) = %v, %v; want %v", c.in, got, err, c.want)
			}
		} else if !errors.Is(err, ErrInvalidTimestamp) {
			t.Errorf("ParseTimestamp(%q) = %v, %v; want ErrInvalidTimestamp", c.in, got, err)
		}
		got, err = ParseTimestampLenient(c.in)
		if c.lenient {
			if err != nil || !got.Equal(c.want) {
				t.Errorf("ParseTimestampLenient(%q) = %v, %v; want %v", c.in, got, err, c.want)
			}
		} else if !errors.Is(err, ErrInvalidTimestamp) {
			t.Errorf("ParseTimestampLenient(%q) = %v, %v; want ErrInvalidTimestamp", c.in, got, err)
		}
	}
}

func TestTimestampRoundTrip(t *testing.T) {
	rng := mrand.New(mrand.NewPCG(5, 6))
	start := time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC).Unix()
	end := time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC).Unix()
	for range 20000 {
		tm := time.Unix(start+rng.Int64N(end-start), 0).UTC()
		s := FormatTimestamp(tm)
		back, err := ParseTimestamp(s)
		if err != nil || !back.Equal(tm) {
			t.Fatalf("%v → %q → %v, %v", tm, s, back, err)
		}
		// Go's own layout with a non-padded day agrees with ours.
		if want := tm.Format("Mon Jan 2 15:04:05 UTC 2006"); s != want {
			t.Fatalf("FormatTimestamp = %q, Go layout gives %q", s, want)
		}
	}
}
