package srp

import (
	"bytes"
	"encoding/base64"
	"regexp"
	"testing"
	"time"
)

var uuidV4 = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

func TestFake(t *testing.T) {
	secret := []byte("server secret")
	type who struct{ pool, user string }
	cases := []who{
		{"us-east-1_A", "alice"}, {"us-east-1_A", "bob"}, {"us-east-1_B", "alice"},
		{"us-east-1_Aa", "lice"}, {"us-east-1_", "Aalice"}, {"us-east-1_A", "Alice"}, {"us-east-1_A", ""},
	}
	salts := map[string]who{}
	ids := map[string]who{}
	verifiers := map[string]who{}
	for _, c := range cases {
		s1, s2 := FakeSalt(secret, c.pool, c.user), FakeSalt(secret, c.pool, c.user)
		if len(s1) != SaltLen || !bytes.Equal(s1, s2) {
			t.Errorf("%v: FakeSalt not deterministic or wrong length", c)
		}
		id := FakeUserID(secret, c.pool, c.user)
		if id != FakeUserID(secret, c.pool, c.user) || !uuidV4.MatchString(id) {
			t.Errorf("%v: FakeUserID %q not deterministic or not a v4 UUID", c, id)
		}
		v := FakeVerifier(secret, c.pool, c.user)
		if !inGroup(v) || v.Cmp(FakeVerifier(secret, c.pool, c.user)) != 0 {
			t.Errorf("%v: FakeVerifier out of range or not deterministic", c)
		}
		if prev, dup := salts[string(s1)]; dup {
			t.Errorf("%v and %v share a fake salt", c, prev)
		}
		if prev, dup := ids[id]; dup {
			t.Errorf("%v and %v share a fake user ID", c, prev)
		}
		if prev, dup := verifiers[v.String()]; dup {
			t.Errorf("%v and %v share a fake verifier", c, prev)
		}
		salts[string(s1)], ids[id], verifiers[v.String()] = c, c, c
	}
	if bytes.Equal(FakeSalt(secret, "p", "u"), FakeSalt([]byte("other"), "p", "u")) ||
		FakeUserID(secret, "p", "u") == FakeUserID([]byte("other"), "p", "u") {
		t.Error("fake values do not depend on the secret")
	}
	if v := FakeVerifier(secret, "p", "u"); v.BitLen() < 3000 {
		t.Errorf("fake verifier has only %d bits", v.BitLen())
	}
}

// TestFakeFlow: an unknown user gets a well-formed challenge and no password
// passes.
func TestFakeFlow(t *testing.T) {
	secret := DeriveKey(testKey(9), "fake-srp")
	const pool, poolName, user = "us-east-1_AbCdEf123", "AbCdEf123", "nobody"
	salt := FakeSalt(secret, pool, user)
	userID := FakeUserID(secret, pool, user)
	ch, err := NewChallenge(FakeVerifier(secret, pool, user), nil)
	if err != nil {
		t.Fatal(err)
	}
	block := []byte("fake-block")
	for _, pw := range []string{"", "password", "P@ssw0rd!"} {
		client, _ := NewClient(nil)
		ts, sig, err := client.Claim(poolName, userID, pw, SaltHex(salt), ch.BHex(), base64.StdEncoding.EncodeToString(block), time.Now())
		if err != nil {
			t.Fatal(err)
		}
		A, _ := ParseA(client.A())
		K, err := ch.Key(A, FakeVerifier(secret, pool, user))
		if err != nil {
			t.Fatal(err)
		}
		if VerifyClaim(K, poolName, userID, block, ts, sig) {
			t.Errorf("password %q accepted for an unknown user", pw)
		}
	}
}
