package srp

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"math/big"
	mrand "math/rand/v2"
	"strings"
	"testing"
	"time"
)

// padHexString is the padHex rule as the research document states it, on hex
// strings, used as an independent reference for PadHex.
func padHexString(n *big.Int) string {
	h := n.Text(16)
	if len(h)%2 == 1 {
		return "0" + h
	}
	if strings.ContainsRune("89abcdef", rune(h[0])) {
		return "00" + h
	}
	return h
}

func TestPadHex(t *testing.T) {
	for _, c := range []struct {
		n    int64
		want string
	}{
		{0, "00"}, {1, "01"}, {0x7f, "7f"}, {0x80, "0080"}, {0xff, "00ff"},
		{0x100, "0100"}, {0x7fff, "7fff"}, {0x8000, "008000"}, {0xabcdef, "00abcdef"},
	} {
		if got := hex.EncodeToString(PadHex(big.NewInt(c.n))); got != c.want {
			t.Errorf("PadHex(%#x) = %s, want %s", c.n, got, c.want)
		}
	}
	if got := PadHex(nInt); len(got) != ModulusBytes+1 || got[0] != 0 || got[1] != 0xff {
		t.Errorf("PadHex(N) starts %x, length %d", got[:2], len(got))
	}
	rng := mrand.New(mrand.NewPCG(1, 2))
	for i := range 2000 {
		buf := make([]byte, 1+rng.IntN(48))
		for j := range buf {
			buf[j] = byte(rng.Uint32())
		}
		if i%3 == 0 {
			buf[0] = 0 // leading zero bytes vanish
		}
		n := new(big.Int).SetBytes(buf)
		if got, want := hex.EncodeToString(PadHex(n)), padHexString(n); got != want {
			t.Fatalf("PadHex(%x) = %s, want %s", buf, got, want)
		}
	}
}

func TestGroupConstants(t *testing.T) {
	if nInt.BitLen() != 3072 || !nInt.ProbablyPrime(20) {
		t.Fatal("N is not a 3072-bit prime")
	}
	if Hex(K()) != KHex {
		t.Fatalf("k = %s, want %s", Hex(K()), KHex)
	}
	if N().Cmp(nInt) != 0 {
		t.Fatal("N() differs from the modulus")
	}
	N().SetInt64(5) // copies: the package's N is untouched
	if nInt.BitLen() != 3072 {
		t.Fatal("N() exposes the package's modulus")
	}
}

// randomString returns a string mixing ASCII, Latin-1, CJK, emoji and
// combining characters.
func randomString(rng *mrand.Rand, n int) string {
	alphabet := []rune("abcXYZ019 !@#:$%_-.+=éüßøñ日本語パスワード密码🔑🙂\u0301Ωж")
	var b strings.Builder
	for range n {
		b.WriteRune(alphabet[rng.IntN(len(alphabet))])
	}
	return b.String()
}

// signIn runs a whole exchange; claimPassword is what the client types.
func signIn(t testing.TB, poolName, userID, password, claimPassword string, salt []byte) bool {
	t.Helper()
	v := Verifier(poolName, userID, password, salt)
	client, err := NewClient(nil)
	if err != nil {
		t.Fatal(err)
	}
	A, err := ParseA(client.A())
	if err != nil {
		t.Fatal(err)
	}
	ch, err := NewChallenge(v, nil)
	if err != nil {
		t.Fatal(err)
	}
	secretBlock := make([]byte, 64)
	rand.Read(secretBlock)
	blockB64 := base64.StdEncoding.EncodeToString(secretBlock)
	ts, sig, err := client.Claim(poolName, userID, claimPassword, SaltHex(salt), ch.BHex(), blockB64, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ParseTimestamp(ts); err != nil {
		t.Fatalf("client TIMESTAMP %q does not parse: %v", ts, err)
	}
	K, err := ch.Key(A, v)
	if err != nil {
		t.Fatal(err)
	}
	return VerifyClaim(K, poolName, userID, secretBlock, ts, sig)
}

func TestRoundTrip(t *testing.T) {
	rng := mrand.New(mrand.NewPCG(3, 4))
	for i := range 20 {
		poolName := "Pool" + fmt.Sprint(i)
		userID := randomString(rng, 1+rng.IntN(20))
		password := randomString(rng, 8+rng.IntN(30))
		salt := NewSalt(nil)
		switch i % 4 {
		case 1:
			salt[0] = 0 // SALT loses a byte on the wire
		case 2:
			salt[0] |= 0x80 // PadHex adds a byte
		case 3:
			salt[0], salt[1] = 0, 0x90
		}
		if !signIn(t, poolName, userID, password, password, salt) {
			t.Errorf("#%d: correct password %q for %q rejected", i, password, userID)
		}
		if signIn(t, poolName, userID, password, password+"x", salt) {
			t.Errorf("#%d: wrong password accepted", i)
		}
	}
}

func TestWrongInputsFail(t *testing.T) {
	const pool, user, pw = "AbCdEf123", "alice", "Correct horse 1!"
	salt := NewSalt(nil)
	v := Verifier(pool, user, pw, salt)
	client, _ := NewClient(nil)
	ch, _ := NewChallenge(v, nil)
	block := []byte("block")
	blockB64 := base64.StdEncoding.EncodeToString(block)
	now := time.Date(2025, 9, 5, 8, 7, 6, 0, time.UTC)
	ts, sig, err := client.Claim(pool, user, pw, SaltHex(salt), ch.BHex(), blockB64, now)
	if err != nil {
		t.Fatal(err)
	}
	if ts != "Fri Sep 5 08:07:06 UTC 2025" {
		t.Fatalf("TIMESTAMP = %q", ts)
	}
	A, _ := ParseA(client.A())
	K, err := ch.Key(A, v)
	if err != nil {
		t.Fatal(err)
	}
	if !VerifyClaim(K, pool, user, block, ts, sig) {
		t.Fatal("correct claim rejected")
	}
	otherV := Verifier(pool, user, pw+"!", salt)
	otherK, _ := ch.Key(A, otherV)
	rawSig, _ := base64.StdEncoding.DecodeString(sig)
	rawSig[0] ^= 1
	for name, ok := range map[string]bool{
		"zero-padded day": VerifyClaim(K, pool, user, block, "Fri Sep 05 08:07:06 UTC 2025", sig),
		"other second":    VerifyClaim(K, pool, user, block, "Fri Sep 5 08:07:07 UTC 2025", sig),
		"other user":      VerifyClaim(K, pool, "Alice", block, ts, sig),
		"other pool":      VerifyClaim(K, "AbCdEf124", user, block, ts, sig),
		"other block":     VerifyClaim(K, pool, user, []byte("block2"), ts, sig),
		"other verifier":  VerifyClaim(otherK, pool, user, block, ts, sig),
		"flipped bit":     VerifyClaim(K, pool, user, block, ts, base64.StdEncoding.EncodeToString(rawSig)),
		"not base64":      VerifyClaim(K, pool, user, block, ts, "!!!"),
		"empty":           VerifyClaim(K, pool, user, block, ts, ""),
		"truncated":       VerifyClaim(K, pool, user, block, ts, sig[:20]),
		"huge":            VerifyClaim(K, pool, user, block, ts, strings.Repeat("A", 1<<20)),
	} {
		if ok {
			t.Errorf("%s: claim accepted", name)
		}
	}
	// The pool name and user ID are concatenated without separator, exactly
	// like the client does: moving a character across leaves x unchanged.
	if Verifier("ab", "c", pw, salt).Cmp(Verifier("a", "bc", pw, salt)) != 0 {
		t.Error("x is not H(poolName + userID + \":\" + password)")
	}
}

func TestParseA(t *testing.T) {
	nHex := strings.ToLower(NHex)
	nMinus1 := Hex(new(big.Int).Sub(nInt, big.NewInt(1)))
	for _, s := range []string{"1", "2", "0001", "ABCDEF", nMinus1, strings.ToUpper(nMinus1), strings.Repeat("0", 32) + nMinus1} {
		if _, err := ParseA(s); err != nil {
			t.Errorf("ParseA(%.40q) = %v", s, err)
		}
	}
	huge := strings.Repeat("f", 10<<20)
	for name, s := range map[string]string{
		"empty":             "",
		"zero":              "0",
		"zeros":             "0000",
		"N":                 nHex,
		"N upper":           NHex,
		"N leading zeros":   "0000" + nHex,
		"N+1":               Hex(new(big.Int).Add(nInt, big.NewInt(1))),
		"2N":                Hex(new(big.Int).Lsh(nInt, 1)),
		"negative":          "-1",
		"plus":              "+1",
		"0x prefix":         "0x1",
		"space":             " 1",
		"underscore":        "1_0",
		"non-hex":           "zz",
		"10 MB":             huge,
		"N padded too much": strings.Repeat("0", 64) + nMinus1,
	} {
		start := time.Now()
		A, err := ParseA(s)
		if elapsed := time.Since(start); elapsed > 50*time.Millisecond {
			t.Errorf("%s: ParseA took %v", name, elapsed)
		}
		if !errors.Is(err, ErrInvalidPublicValue) || A != nil {
			t.Errorf("%s: ParseA = %v, %v; want ErrInvalidPublicValue", name, A, err)
		}
	}
	allocs := testing.AllocsPerRun(10, func() { ParseA(huge) })
	if allocs > 0 {
		t.Errorf("ParseA(10 MB) allocates %v times", allocs)
	}
}

func TestKeyRejects(t *testing.T) {
	v := Verifier("p", "u", "pw", NewSalt(nil))
	ch, err := NewChallenge(v, nil)
	if err != nil {
		t.Fatal(err)
	}
	for name, A := range map[string]*big.Int{
		"0": big.NewInt(0), "N": N(), "2N": new(big.Int).Lsh(nInt, 1), "-1": big.NewInt(-1), "nil": nil,
	} {
		if _, err := ch.Key(A, v); !errors.Is(err, ErrInvalidPublicValue) {
			t.Errorf("Key(A=%s) = %v", name, err)
		}
	}
	for name, bad := range map[string]*big.Int{"0": big.NewInt(0), "N": N(), "nil": nil} {
		if _, err := ch.Key(big.NewInt(2), bad); !errors.Is(err, ErrInvalidVerifier) {
			t.Errorf("Key(v=%s) = %v", name, err)
		}
		if _, err := NewChallenge(bad, nil); !errors.Is(err, ErrInvalidVerifier) {
			t.Errorf("NewChallenge(v=%s) = %v", name, err)
		}
	}
	if _, err := (&Challenge{}).Key(big.NewInt(2), v); err == nil {
		t.Error("Key on an empty Challenge succeeded")
	}
	// The zero-u check: u is a hash, so exercise the guard directly.
	if _, err := computeU(big.NewInt(2), big.NewInt(3)); err != nil {
		t.Error(err)
	}
}

func TestClientRejects(t *testing.T) {
	client, err := NewClient(nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(client.A()) < 700 { // a is 1024 bits, so A is practically full size
		t.Errorf("A has %d hex digits", len(client.A()))
	}
	good := Hex(big.NewInt(12345))
	now := time.Now()
	for name, c := range map[string]struct{ salt, B, block string }{
		"B = 0":         {"ab", "0", ""},
		"B = N":         {"ab", NHex, ""},
		"B huge":        {"ab", strings.Repeat("1", 1<<20), ""},
		"B non-hex":     {"ab", "xyz", ""},
		"salt empty":    {"", good, ""},
		"salt non-hex":  {"zz", good, ""},
		"salt huge":     {strings.Repeat("a", 1000), good, ""},
		"block invalid": {"ab", good, "***"},
	} {
		if _, _, err := client.Claim("p", "u", "pw", c.salt, c.B, c.block, now); err == nil {
			t.Errorf("%s: Claim succeeded", name)
		}
	}
	if _, err := NewClient(bytes.NewReader(make([]byte, 10))); err == nil {
		t.Error("NewClient with a short reader succeeded")
	}
}

func TestNewChallenge(t *testing.T) {
	v := Verifier("p", "u", "pw", NewSalt(nil))
	c1, err := NewChallenge(v, nil)
	if err != nil {
		t.Fatal(err)
	}
	c2, _ := NewChallenge(v, nil)
	if c1.B.Cmp(c2.B) == 0 {
		t.Error("two challenges share B")
	}
	if c1.b.BitLen() < 200 || c1.b.BitLen() > 256 {
		t.Errorf("b has %d bits", c1.b.BitLen())
	}
	// An all-zero reader first gives b = 0, which is skipped.
	r := bytes.NewReader(append(make([]byte, ephemeralBytes), bytes.Repeat([]byte{7}, ephemeralBytes)...))
	c3, err := NewChallenge(v, r)
	if err != nil || c3.b.Sign() == 0 {
		t.Fatalf("NewChallenge after a zero draw: %v", err)
	}
	if _, err := NewChallenge(v, bytes.NewReader(nil)); err == nil {
		t.Error("NewChallenge with an empty reader succeeded")
	}
}

func TestChallengeMarshal(t *testing.T) {
	v := Verifier("p", "u", "pw", NewSalt(nil))
	ch, _ := NewChallenge(v, nil)
	data, err := ch.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	back, err := UnmarshalChallenge(data)
	if err != nil {
		t.Fatal(err)
	}
	if back.B.Cmp(ch.B) != 0 || back.b.Cmp(ch.b) != 0 {
		t.Fatal("round trip changed the challenge")
	}
	client, _ := NewClient(nil)
	A, _ := ParseA(client.A())
	k1, _ := ch.Key(A, v)
	k2, _ := back.Key(A, v)
	if !bytes.Equal(k1, k2) {
		t.Fatal("restored challenge derives another key")
	}
	bad := func(mut func([]byte) []byte) []byte { return mut(bytes.Clone(data)) }
	nBytes := nInt.FillBytes(make([]byte, ModulusBytes))
	for name, d := range map[string][]byte{
		"empty":     {},
		"version":   bad(func(d []byte) []byte { d[0] = 2; return d }),
		"truncated": data[:len(data)-1],
		"trailing":  append(bytes.Clone(data), 0),
		"b len 0":   bad(func(d []byte) []byte { d[1], d[2] = 0, 0; return d }),
		"b len big": bad(func(d []byte) []byte { d[1], d[2] = 0xff, 0xff; return d }),
		"b zero":    bad(func(d []byte) []byte { clear(d[3 : len(d)-ModulusBytes]); return d }),
		"B zero":    bad(func(d []byte) []byte { clear(d[len(d)-ModulusBytes:]); return d }),
		"B = N":     bad(func(d []byte) []byte { copy(d[len(d)-ModulusBytes:], nBytes); return d }),
	} {
		if _, err := UnmarshalChallenge(d); !errors.Is(err, ErrInvalidChallenge) {
			t.Errorf("%s: UnmarshalChallenge = %v", name, err)
		}
	}
	if _, err := (&Challenge{}).MarshalBinary(); err == nil {
		t.Error("MarshalBinary of an empty challenge succeeded")
	}
}

func TestSaltHex(t *testing.T) {
	for _, c := range []struct{ salt, hex string }{
		{"00000000000000000000000000000001", "1"},
		{"0fa1a1a1a1a1a1a1a1a1a1a1a1a1a1a1", "fa1a1a1a1a1a1a1a1a1a1a1a1a1a1a1"},
		{"3fa1a1a1a1a1a1a1a1a1a1a1a1a1a1a1", "3fa1a1a1a1a1a1a1a1a1a1a1a1a1a1a1"},
		{"8fa1a1a1a1a1a1a1a1a1a1a1a1a1a1a1", "8fa1a1a1a1a1a1a1a1a1a1a1a1a1a1a1"},
	} {
		salt, _ := hex.DecodeString(c.salt)
		if got := SaltHex(salt); got != c.hex {
			t.Errorf("SaltHex(%s) = %s, want %s", c.salt, got, c.hex)
		}
		back, err := ParseSaltHex(c.hex)
		if err != nil {
			t.Fatal(err)
		}
		// Stored bytes and parsed bytes differ in leading zeros but give one x.
		if computeX("p", "u", "pw", salt).Cmp(computeX("p", "u", "pw", back)) != 0 {
			t.Errorf("salt %s: x differs after the wire round trip", c.salt)
		}
	}
	if s := NewSalt(nil); len(s) != SaltLen {
		t.Errorf("NewSalt gives %d bytes", len(s))
	}
}

func TestDeviceSRP(t *testing.T) {
	const groupKey, deviceKey = "-Ab1Cd2Ef", "us-east-1_0123abcd-4567-89ef-0123-456789abcdef"
	if DeviceVerifier(groupKey, deviceKey, "pw", []byte{1, 2}).Cmp(Verifier(groupKey, deviceKey, "pw", []byte{1, 2})) != 0 {
		t.Fatal("DeviceVerifier is not Verifier with device identities")
	}
	readers := []func() *bytes.Reader{
		func() *bytes.Reader { return nil },
		// salt with the top bit set: PadHex gives 17 bytes
		func() *bytes.Reader {
			return bytes.NewReader(append(bytes.Repeat([]byte{1}, devicePasswordBytes), bytes.Repeat([]byte{0xf0}, SaltLen)...))
		},
		// salt with a leading zero byte
		func() *bytes.Reader {
			return bytes.NewReader(append(bytes.Repeat([]byte{2}, devicePasswordBytes), append([]byte{0}, bytes.Repeat([]byte{0x11}, SaltLen-1)...)...))
		},
	}
	for i, mk := range readers {
		var pw, saltB64, verB64 string
		var err error
		if r := mk(); r != nil {
			pw, saltB64, verB64, err = NewDeviceSecret(r, groupKey, deviceKey)
		} else {
			pw, saltB64, verB64, err = NewDeviceSecret(nil, groupKey, deviceKey)
		}
		if err != nil {
			t.Fatal(err)
		}
		salt, v, err := ParseDeviceVerifier(saltB64, verB64)
		if err != nil {
			t.Fatalf("#%d: %v", i, err)
		}
		client, _ := NewClient(nil)
		ch, _ := NewChallenge(v, nil)
		block := []byte("device-block")
		blockB64 := base64.StdEncoding.EncodeToString(block)
		ts, sig, err := client.Claim(groupKey, deviceKey, pw, SaltHex(salt), ch.BHex(), blockB64, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		A, _ := ParseA(client.A())
		K, _ := ch.Key(A, v)
		if !VerifyClaim(K, groupKey, deviceKey, block, ts, sig) {
			t.Errorf("#%d: device claim rejected", i)
		}
		_, sig2, _ := client.Claim(groupKey, deviceKey, pw+"x", SaltHex(salt), ch.BHex(), blockB64, time.Now())
		if VerifyClaim(K, groupKey, deviceKey, block, ts, sig2) {
			t.Errorf("#%d: wrong device password accepted", i)
		}
	}
	for name, c := range map[string][2]string{
		"empty":       {"", ""},
		"salt bad":    {"***", "AQ=="},
		"v zero":      {"AQ==", "AA=="},
		"v = N":       {"AQ==", base64.StdEncoding.EncodeToString(nInt.Bytes())},
		"v huge":      {"AQ==", strings.Repeat("A", 4000)},
		"v not b64":   {"AQ==", "!!"},
		"salt huge":   {strings.Repeat("A", 4000), "AQ=="},
		"salt empty":  {"", "AQ=="},
		"salt zeroes": {"====", "AQ=="},
	} {
		if _, _, err := ParseDeviceVerifier(c[0], c[1]); err == nil {
			t.Errorf("%s: ParseDeviceVerifier succeeded", name)
		}
	}
}
