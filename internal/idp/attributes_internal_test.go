package idp

import (
	"slices"
	"testing"
)

// TestClientCanWriteFlags: no client writes a verification flag, not even
// one stored (before checkClientSettings refused such lists) with the flags
// among its WriteAttributes; the client's other attributes stay writable.
func TestClientCanWriteFlags(t *testing.T) {
	p := &Pool{PoolSettings: NewPoolSettings()}
	p.Schema = slices.Clone(standardSchema)
	for _, c := range []*Client{
		{},
		{ClientSettings: ClientSettings{WriteAttributes: []string{"email", "email_verified", "phone_number_verified"}}},
	} {
		for _, flag := range []string{"email_verified", "phone_number_verified"} {
			if clientCanWrite(p, c, flag) {
				t.Errorf("a client writing %v may write %s", c.WriteAttributes, flag)
			}
		}
		if !clientCanWrite(p, c, "email") {
			t.Errorf("a client writing %v may not write email", c.WriteAttributes)
		}
	}
}
