package srp

import (
	"errors"
	"strconv"
	"strings"
	"time"
)

// The TIMESTAMP challenge response is Java's "EEE MMM d HH:mm:ss 'UTC' yyyy"
// in UTC with English names: "Tue Jan 7 09:05:03 UTC 2025". Every client we
// checked produces exactly this, day of month not zero-padded:
// amazon-cognito-identity-js DateHelper.getNowString, Amplify v6
// getNowString, pycognito get_cognito_formatted_timestamp (and warrant after
// its 2017 fix). Amazon Cognito answers a zero-padded day ("Sep 05") or a
// weekday that does not match the date with NotAuthorizedException, so the
// strict parser is the faithful one.

var (
	weekdayNames = [...]string{"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"}
	monthNames   = [...]string{"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"}
)

// ErrInvalidTimestamp: a TIMESTAMP not in Cognito's format.
var ErrInvalidTimestamp = errors.New("srp: invalid TIMESTAMP")

// FormatTimestamp formats t (converted to UTC) as a TIMESTAMP:
// "Tue Jan 7 09:05:03 UTC 2025".
func FormatTimestamp(t time.Time) string {
	t = t.UTC()
	var b strings.Builder
	b.Grow(28)
	b.WriteString(weekdayNames[t.Weekday()])
	b.WriteByte(' ')
	b.WriteString(monthNames[t.Month()-1])
	b.WriteByte(' ')
	b.WriteString(strconv.Itoa(t.Day()))
	b.WriteByte(' ')
	write2(&b, t.Hour())
	b.WriteByte(':')
	write2(&b, t.Minute())
	b.WriteByte(':')
	write2(&b, t.Second())
	b.WriteString(" UTC ")
	b.WriteString(strconv.Itoa(t.Year()))
	return b.String()
}

func write2(b *strings.Builder, n int) {
	b.WriteByte(byte('0' + n/10))
	b.WriteByte(byte('0' + n%10))
}

// ParseTimestamp parses a TIMESTAMP in exactly the format FormatTimestamp
// writes, as Cognito does: single spaces, English three-letter weekday and
// month, day of month 1–31 without a leading zero, two-digit hour, minute and
// second, the literal "UTC", a four-digit year, a real calendar date, and a
// weekday that matches it.
func ParseTimestamp(s string) (time.Time, error) { return parseTimestamp(s, false) }

// ParseTimestampLenient is ParseTimestamp that also accepts a zero-padded day
// of month ("Tue Jan 07 09:05:03 UTC 2025"), as written by hand-rolled
// clients using strftime's %d. Amazon Cognito rejects those; use this only
// for an explicitly relaxed mode.
func ParseTimestampLenient(s string) (time.Time, error) { return parseTimestamp(s, true) }

func parseTimestamp(s string, lenient bool) (time.Time, error) {
	if len(s) > 40 {
		return time.Time{}, ErrInvalidTimestamp
	}
	f := strings.Split(s, " ")
	if len(f) != 6 || f[4] != "UTC" {
		return time.Time{}, ErrInvalidTimestamp
	}
	wd := indexOf(weekdayNames[:], f[0])
	mon := indexOf(monthNames[:], f[1])
	if wd < 0 || mon < 0 {
		return time.Time{}, ErrInvalidTimestamp
	}
	day, ok := digits(f[2], 1, 2)
	if !ok || day < 1 || (f[2][0] == '0' && !lenient) {
		return time.Time{}, ErrInvalidTimestamp
	}
	hms := f[3]
	if len(hms) != 8 || hms[2] != ':' || hms[5] != ':' {
		return time.Time{}, ErrInvalidTimestamp
	}
	hh, ok1 := digits(hms[0:2], 2, 2)
	mm, ok2 := digits(hms[3:5], 2, 2)
	ss, ok3 := digits(hms[6:8], 2, 2)
	year, ok4 := digits(f[5], 4, 4)
	if !ok1 || !ok2 || !ok3 || !ok4 || hh > 23 || mm > 59 || ss > 59 {
		return time.Time{}, ErrInvalidTimestamp
	}
	t := time.Date(year, time.Month(mon+1), day, hh, mm, ss, 0, time.UTC)
	if t.Day() != day || int(t.Month()) != mon+1 || int(t.Weekday()) != wd {
		return time.Time{}, ErrInvalidTimestamp
	}
	return t, nil
}

func indexOf(names []string, s string) int {
	for i, n := range names {
		if n == s {
			return i
		}
	}
	return -1
}

// digits parses an all-ASCII-digit string of min..max characters.
func digits(s string, minLen, maxLen int) (int, bool) {
	if len(s) < minLen || len(s) > maxLen {
		return 0, false
	}
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}
