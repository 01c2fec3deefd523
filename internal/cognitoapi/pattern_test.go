package cognitoapi

import (
	"math/rand/v2"
	"strings"
	"testing"
	"unicode/utf8"
)

// modelPatterns are the generated patterns (the generator lists them).
func modelPatterns() []*pattern { return allPatterns }

// modelPattern is the generated pattern compiled from the model's src
// (their numbers change as the model does).
func modelPattern(t testing.TB, src string) *pattern {
	t.Helper()
	for _, p := range modelPatterns() {
		if p.re.String() == "^(?:"+src+")$" {
			return p
		}
	}
	t.Fatalf("no generated pattern for %s", src)
	return nil
}

// TestPatternsAgreeWithRegexp: the rune-class fast path answers as the
// regexp does on every model pattern, for strings built from the
// characters that matter (ASCII, classes' edges, invalid UTF-8, newlines).
func TestPatternsAgreeWithRegexp(t *testing.T) {
	alphabet := []string{"a", "Z", "0", "9", "_", "-", "=", ".", "+", "/", "@", " ", "\t", "\n", "\r", "*",
		"{", "}", "#", "é", "ß", "中", "\u00a0", "\u2028", "\u200b", "😀", "\x00", "\x7f", "\xff", "\xc3",
		"\U0010FFFF", "\uFFFD", "%", "~", ":", "\\", "\""}
	rng := rand.New(rand.NewPCG(1, 2))
	fast := 0
	for i, p := range modelPatterns() {
		if p.class != nil {
			fast++
		}
		check := func(s string) {
			if got, want := p.MatchString(s), p.re.MatchString(s); got != want {
				t.Errorf("pattern%d %s on %q: %v, regexp says %v", i, p.re, s, got, want)
			}
		}
		check("")
		for _, a := range alphabet {
			check(a)
			check(a + a)
		}
		for range 3000 {
			var b strings.Builder
			for range rng.IntN(12) {
				b.WriteString(alphabet[rng.IntN(len(alphabet))])
			}
			check(b.String())
		}
	}
	if fast < 20 {
		t.Errorf("only %d patterns took the fast path; the shape check is broken", fast)
	}
	if token := modelPattern(t, `[A-Za-z0-9-_=.]+`); !token.MatchString(strings.Repeat("eyJhbGciOiJSUzI1NiJ9.", 40)) || token.MatchString("eyJ hbG") {
		t.Error("the token pattern answers wrongly")
	}
	if utf8.ValidString("\xff") {
		t.Fatal("unreachable")
	}
}

func BenchmarkTokenPattern(b *testing.B) {
	token := strings.Repeat("eyJhbGciOiJSUzI1NiIsImtpZCI6Ij-_=.", 30)
	p := modelPattern(b, `[A-Za-z0-9-_=.]+`)
	b.Run("regexp", func(b *testing.B) {
		for b.Loop() {
			p.re.MatchString(token)
		}
	})
	b.Run("class", func(b *testing.B) {
		for b.Loop() {
			p.MatchString(token)
		}
	})
}
