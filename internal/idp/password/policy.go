package password

import (
	"crypto/rand"
	"encoding/binary"
	"io"
	"strings"
	"unicode/utf8"
)

// Policy is a user pool's password policy (PasswordPolicyType, without the
// history and temporary-password validity, which the domain applies).
type Policy struct {
	MinimumLength    int
	RequireUppercase bool
	RequireLowercase bool
	RequireNumbers   bool
	RequireSymbols   bool
}

// Cognito's reasons, as they appear after "Password does not conform to
// policy: " in InvalidPasswordException.
const (
	ReasonTooShort    = "Password not long enough"
	ReasonNoUppercase = "Password must have uppercase characters"
	ReasonNoLowercase = "Password must have lowercase characters"
	ReasonNoNumbers   = "Password must have numeric characters"
	ReasonNoSymbols   = "Password must have symbol characters"
)

// symbolCharacters are Cognito's symbols; a space counts as one.
const symbolCharacters = "^$*.[]{}()?\"!@#%&/\\,><':;|_~`=+- "

// Check reports whether pw satisfies p, and if not the first failing rule
// in Cognito's order: length, uppercase, lowercase, numbers, symbols.
// Length counts characters (runes), not bytes. Maximum length (256) and
// leading/trailing whitespace are rejected earlier, by the wire validators.
func (p Policy) Check(pw string) (reason string, ok bool) {
	var upper, lower, number, symbol bool
	for _, r := range pw {
		switch {
		case r >= 'A' && r <= 'Z':
			upper = true
		case r >= 'a' && r <= 'z':
			lower = true
		case r >= '0' && r <= '9':
			number = true
		case r < utf8.RuneSelf && strings.IndexByte(symbolCharacters, byte(r)) >= 0:
			symbol = true
		}
	}
	switch {
	case utf8.RuneCountInString(pw) < p.MinimumLength:
		return ReasonTooShort, false
	case p.RequireUppercase && !upper:
		return ReasonNoUppercase, false
	case p.RequireLowercase && !lower:
		return ReasonNoLowercase, false
	case p.RequireNumbers && !number:
		return ReasonNoNumbers, false
	case p.RequireSymbols && !symbol:
		return ReasonNoSymbols, false
	}
	return "", true
}

// Alphabets of generated passwords: characters easy to misread in an email
// (I, O, l, 0, 1) and symbols that shells and templates mangle (quotes,
// backslash, backquote, space; <, > and &, which HTML email reads as
// markup) are left out.
const (
	minGeneratedLength = 12
	generatedSymbols   = "^$*.[]{}()?!@#%/,:;|_~=+-"
	uppers             = "ABCDEFGHJKLMNPQRSTUVWXYZ"
	lowers             = "abcdefghijkmnopqrstuvwxyz"
	digits             = "23456789"
)

// Generate returns a temporary password that satisfies p whatever it
// requires: max(p.MinimumLength, 12) characters with at least one upper,
// lower, digit and symbol, shuffled, with no spaces. r is the randomness
// (nil: crypto/rand). It panics if r fails, as crypto/rand itself does.
func Generate(p Policy, r io.Reader) string {
	if r == nil {
		r = rand.Reader
	}
	n := max(p.MinimumLength, minGeneratedLength)
	all := uppers + lowers + digits + generatedSymbols
	out := make([]byte, 0, n)
	for _, class := range []string{uppers, lowers, digits, generatedSymbols} {
		out = append(out, class[uniform(r, len(class))])
	}
	for len(out) < n {
		out = append(out, all[uniform(r, len(all))])
	}
	for i := len(out) - 1; i > 0; i-- { // Fisher–Yates
		j := uniform(r, i+1)
		out[i], out[j] = out[j], out[i]
	}
	return string(out)
}

// uniform returns an unbiased integer in [0, n) by rejection sampling.
func uniform(r io.Reader, n int) int {
	limit := uint32(1<<32 - (1<<32)%uint64(n)) // largest multiple of n that fits
	var b [4]byte
	for {
		if _, err := io.ReadFull(r, b[:]); err != nil {
			panic("password: reading randomness: " + err.Error())
		}
		v := binary.BigEndian.Uint32(b[:])
		if limit == 0 || v < limit {
			return int(v % uint32(n))
		}
	}
}
