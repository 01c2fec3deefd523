package password

import (
	"bytes"
	"crypto/rand"
	"errors"
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestHashFormat(t *testing.T) {
	h := &Hasher{Params: Low, Rand: bytes.NewReader(make([]byte, 64))}
	phc, err := h.Hash("Passw0rd!")
	if err != nil {
		t.Fatal(err)
	}
	// Zero salt: 16 zero bytes are 22 'A's in unpadded base64; the key is 43 chars.
	prefix := "$argon2id$v=19$m=8,t=1,p=1$AAAAAAAAAAAAAAAAAAAAAA$"
	if !strings.HasPrefix(phc, prefix) || len(phc) != len(prefix)+43 {
		t.Errorf("Hash() = %q, want %q followed by 43 characters", phc, prefix)
	}
	if got := Standard.String(); got != "m=19456,t=2,p=1" {
		t.Errorf("Standard.String() = %q", got)
	}
}

func TestRoundTrip(t *testing.T) {
	for _, p := range []Params{Low, Standard} {
		t.Run(p.String(), func(t *testing.T) {
			h := &Hasher{Params: p}
			for _, pw := range []string{"Passw0rd!", "", "pässwörd ünïcödé", strings.Repeat("x", 256)} {
				phc, err := h.Hash(pw)
				if err != nil {
					t.Fatal(err)
				}
				if !strings.Contains(phc, "$"+p.String()+"$") {
					t.Errorf("Hash() = %q does not record %s", phc, p)
				}
				if ok, err := h.Verify(phc, pw); !ok || err != nil {
					t.Errorf("Verify(Hash(%q)) = %v, %v; want true", pw, ok, err)
				}
				if ok, err := h.Verify(phc, pw+"x"); ok || err != nil {
					t.Errorf("Verify(wrong password) = %v, %v; want false, nil", ok, err)
				}
			}
		})
	}
}

func TestSaltsDiffer(t *testing.T) {
	h := &Hasher{Params: Low}
	a, _ := h.Hash("same")
	b, _ := h.Hash("same")
	if a == b {
		t.Errorf("two hashes of one password are equal: %q", a)
	}
}

// TestCrossProfile: Verify reads the parameters from the string, so a
// hasher configured with one profile checks hashes made under another.
func TestCrossProfile(t *testing.T) {
	low, std := &Hasher{Params: Low}, &Hasher{Params: Standard}
	phcLow, _ := low.Hash("Passw0rd!")
	phcStd, _ := std.Hash("Passw0rd!")
	for _, tt := range []struct {
		name string
		h    *Hasher
		phc  string
	}{
		{"standard verifies low", std, phcLow},
		{"low verifies standard", low, phcStd},
		{"zero hasher verifies low", &Hasher{}, phcLow},
	} {
		if ok, err := tt.h.Verify(tt.phc, "Passw0rd!"); !ok || err != nil {
			t.Errorf("%s: Verify = %v, %v", tt.name, ok, err)
		}
	}
}

func TestVerifyMalformed(t *testing.T) {
	h := &Hasher{Params: Low}
	good, _ := h.Hash("Passw0rd!")
	f := strings.Split(good, "$")
	salt, key := f[4], f[5]
	tests := map[string]string{
		"empty":              "",
		"bcrypt":             "$2a$10$abcdefghijklmnopqrstuu5Wc6zV3yQ0Gm5x0m6.7fGq1a1oUO3y.",
		"argon2i":            "$argon2i$v=19$m=8,t=1,p=1$" + salt + "$" + key,
		"old version":        "$argon2id$v=16$m=8,t=1,p=1$" + salt + "$" + key,
		"missing field":      "$argon2id$v=19$m=8,t=1,p=1$" + salt,
		"extra field":        good + "$x",
		"params order":       "$argon2id$v=19$t=1,m=8,p=1$" + salt + "$" + key,
		"params missing":     "$argon2id$v=19$m=8,t=1$" + salt + "$" + key,
		"params not numbers": "$argon2id$v=19$m=x,t=1,p=1$" + salt + "$" + key,
		"huge memory":        "$argon2id$v=19$m=4294967295,t=1,p=1$" + salt + "$" + key,
		"huge time":          "$argon2id$v=19$m=8,t=100000,p=1$" + salt + "$" + key,
		"huge threads":       "$argon2id$v=19$m=8,t=1,p=255$" + salt + "$" + key,
		"zero threads":       "$argon2id$v=19$m=8,t=1,p=0$" + salt + "$" + key,
		"memory below lanes": "$argon2id$v=19$m=8,t=1,p=4$" + salt + "$" + key,
		"padded salt":        "$argon2id$v=19$m=8,t=1,p=1$" + salt + "==$" + key,
		"short salt":         "$argon2id$v=19$m=8,t=1,p=1$AAAA$" + key,
		"short key":          "$argon2id$v=19$m=8,t=1,p=1$" + salt + "$AAAA",
		"bad base64":         "$argon2id$v=19$m=8,t=1,p=1$" + salt + "$" + key[:40] + "!!!",
		"too long":           good + strings.Repeat("A", 1000),
	}
	for name, phc := range tests {
		t.Run(name, func(t *testing.T) {
			ok, err := h.Verify(phc, "Passw0rd!")
			if ok || !errors.Is(err, ErrMalformed) {
				t.Errorf("Verify(%q) = %v, %v; want false, ErrMalformed", phc, ok, err)
			}
		})
	}
}

// TestVerifyTampered: a well-formed string whose key or salt changed no
// longer verifies.
func TestVerifyTampered(t *testing.T) {
	h := &Hasher{Params: Low}
	good, _ := h.Hash("Passw0rd!")
	f := strings.Split(good, "$")
	flip := func(s string) string {
		c := byte('A')
		if s[0] == 'A' {
			c = 'B'
		}
		return string(c) + s[1:]
	}
	for name, phc := range map[string]string{
		"key":  strings.Join([]string{"", f[1], f[2], f[3], f[4], flip(f[5])}, "$"),
		"salt": strings.Join([]string{"", f[1], f[2], f[3], flip(f[4]), f[5]}, "$"),
		"time": strings.Join([]string{"", f[1], f[2], "m=8,t=2,p=1", f[4], f[5]}, "$"),
	} {
		if ok, err := h.Verify(phc, "Passw0rd!"); ok || err != nil {
			t.Errorf("%s tampered: Verify = %v, %v; want false, nil", name, ok, err)
		}
	}
}

func TestParamsFor(t *testing.T) {
	for name, want := range map[string]Params{"standard": Standard, "low": Low} {
		if got, err := ParamsFor(name); got != want || err != nil {
			t.Errorf("ParamsFor(%q) = %v, %v", name, got, err)
		}
	}
	if _, err := ParamsFor("high"); err == nil {
		t.Error("ParamsFor(high): no error")
	}
}

func TestHashRejectsBadParams(t *testing.T) {
	for _, p := range []Params{{Memory: 4, Time: 1, Threads: 1}, {Memory: 64, Time: 0, Threads: 1}, {Memory: 1 << 30, Time: 1, Threads: 1}} {
		if _, err := (&Hasher{Params: p}).Hash("x"); err == nil {
			t.Errorf("Hash with %v: no error", p)
		}
	}
}

func TestDummyVerify(t *testing.T) {
	// Its cost is measured by BenchmarkVerifyVsDummy; here, that it runs
	// with every kind of Hasher.
	(&Hasher{Params: Low}).DummyVerify("x")
	(&Hasher{}).DummyVerify("x")
	(&Hasher{Params: Params{Memory: 1}}).DummyVerify("x")
}

func TestPolicyCheck(t *testing.T) {
	all := Policy{MinimumLength: 8, RequireUppercase: true, RequireLowercase: true, RequireNumbers: true, RequireSymbols: true}
	tests := []struct {
		policy Policy
		pw     string
		want   string // "" = ok
	}{
		{all, "Passw0rd!", ""},
		{all, "Pa0!", ReasonTooShort},
		{all, "Pässw0rd", ReasonNoSymbols},                   // ä is not a symbol
		{all, "pässwörd", ReasonNoUppercase},                 // 8 runes, 10 bytes
		{all, "Pä0!", ReasonTooShort},                        // 4 runes
		{Policy{MinimumLength: 6}, "äöüäöü", ""},             // runes, not bytes
		{Policy{MinimumLength: 7}, "äöüäöü", ReasonTooShort}, // 12 bytes, 6 runes
		{all, "password1!", ReasonNoUppercase},
		{all, "PASSWORD1!", ReasonNoLowercase},
		{all, "Password!!", ReasonNoNumbers},
		{all, "Password12", ReasonNoSymbols},
		{all, "ÄÖÜpassword1!", ReasonNoUppercase}, // Basic Latin only
		{all, "PASSWORDß1!", ReasonNoLowercase},
		{all, "Password١!", ReasonNoNumbers}, // Arabic-Indic digit one
		{all, "Pass word1", ""},              // space is a symbol
		{all, "Password1-", ""},
		{all, "Password1€", ReasonNoSymbols},
		{all, "short", ReasonTooShort}, // length comes first
		{all, "abcdefgh", ReasonNoUppercase},
		{Policy{MinimumLength: 8, RequireNumbers: true}, "abcdefgh", ReasonNoNumbers},
		{Policy{}, "", ""},
	}
	for _, tt := range tests {
		reason, ok := tt.policy.Check(tt.pw)
		if reason != tt.want || ok != (tt.want == "") {
			t.Errorf("%+v.Check(%q) = %q, %v; want %q", tt.policy, tt.pw, reason, ok, tt.want)
		}
	}
	// Every one of Cognito's symbols counts.
	for _, r := range symbolCharacters {
		if reason, ok := (Policy{RequireSymbols: true}).Check(string(r)); !ok {
			t.Errorf("symbol %q: %s", r, reason)
		}
	}
}

func TestGenerate(t *testing.T) {
	all := Policy{RequireUppercase: true, RequireLowercase: true, RequireNumbers: true, RequireSymbols: true}
	for minLen := 0; minLen <= 99; minLen++ {
		for i := range 20 {
			p := all
			p.MinimumLength = minLen
			// Drop requirements in turn; the output must pass regardless.
			p.RequireSymbols = i%2 == 0
			p.RequireUppercase = i%3 == 0
			pw := Generate(p, nil)
			if reason, ok := p.Check(pw); !ok {
				t.Fatalf("Generate(%+v) = %q fails: %s", p, pw, reason)
			}
			if n := utf8.RuneCountInString(pw); n != max(minLen, 12) {
				t.Fatalf("Generate(%+v) has %d characters", p, n)
			}
			if strings.TrimSpace(pw) != pw || strings.ContainsAny(pw, " \"'`\\<>&") {
				t.Fatalf("Generate(%+v) = %q has awkward characters", p, pw)
			}
		}
	}
	if a, b := Generate(all, nil), Generate(all, nil); a == b {
		t.Errorf("two generated passwords are equal: %q", a)
	}
	// Deterministic given the reader.
	seed := bytes.Repeat([]byte{1, 2, 3, 200, 17, 99, 250, 4}, 100)
	if a, b := Generate(all, bytes.NewReader(seed)), Generate(all, bytes.NewReader(seed)); a != b {
		t.Errorf("same randomness, different passwords: %q, %q", a, b)
	}
}

func TestUniform(t *testing.T) {
	// Rejection sampling keeps every value reachable and in range.
	for _, n := range []int{1, 2, 3, 7, 64, 99} {
		seen := make([]bool, n)
		for range 2000 {
			v := uniform(rand.Reader, n)
			if v < 0 || v >= n {
				t.Fatalf("uniform(%d) = %d", n, v)
			}
			seen[v] = true
		}
		for v, ok := range seen {
			if !ok {
				t.Errorf("uniform(%d) never gave %d", n, v)
			}
		}
	}
}

func BenchmarkHashStandard(b *testing.B) { benchmarkHash(b, Standard) }
func BenchmarkHashLow(b *testing.B)      { benchmarkHash(b, Low) }

func benchmarkHash(b *testing.B, p Params) {
	h := &Hasher{Params: p}
	for b.Loop() {
		if _, err := h.Hash("Passw0rd!"); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkVerifyVsDummy shows that DummyVerify costs what Verify costs.
func BenchmarkVerifyVsDummy(b *testing.B) {
	for _, p := range []Params{Low, Standard} {
		h := &Hasher{Params: p}
		phc, _ := h.Hash("Passw0rd!")
		b.Run(fmt.Sprintf("verify/%s", p), func(b *testing.B) {
			for b.Loop() {
				h.Verify(phc, "wrong")
			}
		})
		b.Run(fmt.Sprintf("dummy/%s", p), func(b *testing.B) {
			for b.Loop() {
				h.DummyVerify("wrong")
			}
		})
	}
}
