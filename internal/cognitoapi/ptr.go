package cognitoapi

import "time"

// String returns a pointer to s.
func String(s string) *string { return &s }

// Bool returns a pointer to b.
func Bool(b bool) *bool { return &b }

// Int32 returns a pointer to i.
func Int32(i int32) *int32 { return &i }

// Int64 returns a pointer to i.
func Int64(i int64) *int64 { return &i }

// Time returns a pointer to a Timestamp holding t.
func Time(t time.Time) *Timestamp { return &Timestamp{Time: t} }

// ToString returns *p, or "" when p is nil.
func ToString(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// ToBool returns *p, or false when p is nil.
func ToBool(p *bool) bool {
	if p == nil {
		return false
	}
	return *p
}

// ToInt32 returns *p, or 0 when p is nil.
func ToInt32(p *int32) int32 {
	if p == nil {
		return 0
	}
	return *p
}

// ToInt64 returns *p, or 0 when p is nil.
func ToInt64(p *int64) int64 {
	if p == nil {
		return 0
	}
	return *p
}
