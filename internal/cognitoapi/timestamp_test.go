package cognitoapi

import (
	"encoding/json"
	"testing"
	"time"
)

func TestTimestampJSON(t *testing.T) {
	for _, tc := range []struct {
		t    time.Time
		want string
	}{
		{time.UnixMilli(1732587123123), "1732587123.123"},
		{time.UnixMilli(1732587123100), "1732587123.1"},
		{time.Unix(1732587123, 0), "1732587123"},
		{time.UnixMilli(-1500), "-1.5"},
	} {
		b, err := json.Marshal(Time(tc.t))
		if err != nil || string(b) != tc.want {
			t.Errorf("Marshal(%v) = %s, %v; want %s", tc.t, b, err, tc.want)
		}
		var back Timestamp
		if err := json.Unmarshal(b, &back); err != nil || !back.Equal(tc.t) {
			t.Errorf("Unmarshal(%s) = %v, %v; want %v", b, back, err, tc.t)
		}
	}
	var ts Timestamp
	if err := json.Unmarshal([]byte(`"1732587123.5"`), &ts); err != nil || ts.UnixMilli() != 1732587123500 {
		t.Errorf("string number: %v %v", ts, err)
	}
	for _, bad := range []string{`"x"`, `true`, `{}`, `1e300`} {
		if err := json.Unmarshal([]byte(bad), &ts); err == nil {
			t.Errorf("Unmarshal(%s) succeeded", bad)
		}
	}
	var out struct {
		T *Timestamp `json:"T,omitzero"`
	}
	if b, _ := json.Marshal(out); string(b) != "{}" {
		t.Errorf("absent timestamp marshalled as %s", b)
	}
}
