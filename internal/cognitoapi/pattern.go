package cognitoapi

import (
	"regexp"
	"regexp/syntax"
	"slices"
	"unicode/utf8"
)

// pattern is a model pattern, anchored for a full match. Most of the
// model's patterns are one character class repeated ([\w+]+,
// [\p{L}\p{M}\p{S}\p{N}\p{P}]+, [A-Za-z0-9-_=.]+ for every token): those
// are matched rune by rune against the class, which on a 1 KB access token
// is many times cheaper than the regexp engine; the others use the regexp.
// Both give the regexp's answer (TestPatternsAgreeWithRegexp).
type pattern struct {
	re    *regexp.Regexp
	class []rune // the class as sorted lo, hi pairs; nil: use re
	ascii [utf8.RuneSelf]bool
	empty bool // the class is repeated with *, so "" matches
}

func mustPattern(expr string) *pattern {
	p := &pattern{re: regexp.MustCompile(expr)}
	tree, err := syntax.Parse(expr, syntax.Perl)
	if err != nil {
		panic(err) // regexp.MustCompile accepted it
	}
	tree = tree.Simplify()
	if tree.Op != syntax.OpConcat {
		return p
	}
	subs := tree.Sub
	for len(subs) > 0 && subs[0].Op == syntax.OpBeginText {
		subs = subs[1:]
	}
	for len(subs) > 0 && subs[len(subs)-1].Op == syntax.OpEndText {
		subs = subs[:len(subs)-1]
	}
	if len(subs) != 1 || (subs[0].Op != syntax.OpPlus && subs[0].Op != syntax.OpStar) {
		return p
	}
	rep := subs[0]
	switch c := rep.Sub[0]; c.Op {
	case syntax.OpCharClass:
		p.class = slices.Clone(c.Rune)
	case syntax.OpAnyChar:
		p.class = []rune{0, utf8.MaxRune}
	default:
		return p
	}
	p.empty = rep.Op == syntax.OpStar
	for r := range rune(utf8.RuneSelf) {
		p.ascii[r] = p.inClass(r)
	}
	return p
}

// MatchString reports whether the whole of s matches.
func (p *pattern) MatchString(s string) bool {
	if p.class == nil {
		return p.re.MatchString(s)
	}
	if s == "" {
		return p.empty
	}
	for i := 0; i < len(s); {
		if b := s[i]; b < utf8.RuneSelf {
			if !p.ascii[b] {
				return false
			}
			i++
			continue
		}
		// An invalid byte reads as U+FFFD, as it does for the regexp.
		r, n := utf8.DecodeRuneInString(s[i:])
		if !p.inClass(r) {
			return false
		}
		i += n
	}
	return true
}

func (p *pattern) inClass(r rune) bool {
	// Pairs are sorted and disjoint: find the first pair whose hi >= r.
	lo, hi := 0, len(p.class)/2
	for lo < hi {
		m := (lo + hi) / 2
		if p.class[2*m+1] < r {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo < len(p.class)/2 && p.class[2*lo] <= r
}
