package sqlite

import (
	"encoding/json"
	"unicode/utf8"
)

// Decoders for the three JSON shapes a user row holds: its attributes (an
// object of strings), its MFA methods (an array of strings) and its aliases
// (an array of string pairs). encoding/json decodes them by reflection after
// a separate validation pass; on a ListUsers page of 60 users that was 10%
// of the server's CPU. These read the common case in one pass: strings with
// no escape, no control character and valid UTF-8, exactly as written by
// json.Marshal for ordinary values. Anything else (an escape, other value
// types, malformed input) goes to encoding/json, so the result is always
// the one json.Unmarshal gives; FuzzStrJSON holds them to that.

// decodeStringMap decodes the JSON object b into *m, as json.Unmarshal(b, m)
// does: members are added to a non-nil map.
func decodeStringMap(b []byte, m *map[string]string) error {
	if decodeStringMapFast(b, m) {
		return nil
	}
	return json.Unmarshal(b, m)
}

// decodeStrings decodes the JSON array of strings b, as json.Unmarshal into
// a nil []string does.
func decodeStrings(b []byte) ([]string, error) {
	if out, ok := decodeStringsFast(b); ok {
		return out, nil
	}
	var out []string
	err := json.Unmarshal(b, &out)
	return out, err
}

// decodePairs decodes the JSON array of two-string arrays b, as
// json.Unmarshal into a nil [][2]string does.
func decodePairs(b []byte) ([][2]string, error) {
	if out, ok := decodePairsFast(b); ok {
		return out, nil
	}
	var out [][2]string
	err := json.Unmarshal(b, &out)
	return out, err
}

// jsonScanner reads the subset of JSON the fast paths accept. Any method
// returning false means "not in the subset": the caller falls back.
type jsonScanner struct {
	b []byte
	i int
}

func (s *jsonScanner) space() {
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return
		}
	}
}

// byte consumes c after optional white space.
func (s *jsonScanner) byte(c byte) bool {
	s.space()
	if s.i < len(s.b) && s.b[s.i] == c {
		s.i++
		return true
	}
	return false
}

// end reports whether only white space is left.
func (s *jsonScanner) end() bool {
	s.space()
	return s.i == len(s.b)
}

// str reads a string that needs no decoding.
func (s *jsonScanner) str() (string, bool) {
	if !s.byte('"') {
		return "", false
	}
	start, ascii := s.i, true
	for ; s.i < len(s.b); s.i++ {
		c := s.b[s.i]
		switch {
		case c == '"':
			v := s.b[start:s.i]
			s.i++
			if !ascii && !utf8.Valid(v) {
				return "", false // encoding/json replaces bad bytes with U+FFFD
			}
			return string(v), true
		case c == '\\' || c < 0x20:
			return "", false
		case c >= utf8.RuneSelf:
			ascii = false
		}
	}
	return "", false
}

// seq reads open, items separated by commas, then close, calling item for
// each; true only if every item was read and nothing but white space
// follows close.
func (s *jsonScanner) seq(open, close byte, item func() bool) bool {
	if !s.byte(open) {
		return false
	}
	if !s.byte(close) {
		for {
			if !item() {
				return false
			}
			if s.byte(',') {
				continue
			}
			if s.byte(close) {
				break
			}
			return false
		}
	}
	return s.end()
}

func decodeStringMapFast(b []byte, m *map[string]string) bool {
	s := jsonScanner{b: b}
	// Decode into a scratch list first: a fallback must start from m as it
	// was.
	var kv [16][2]string
	pairs := kv[:0]
	ok := s.seq('{', '}', func() bool {
		k, ok := s.str()
		if !ok || !s.byte(':') {
			return false
		}
		v, ok := s.str()
		pairs = append(pairs, [2]string{k, v})
		return ok
	})
	if !ok {
		return false
	}
	if *m == nil {
		*m = make(map[string]string, len(pairs))
	}
	for _, p := range pairs {
		(*m)[p[0]] = p[1]
	}
	return true
}

func decodeStringsFast(b []byte) ([]string, bool) {
	s := jsonScanner{b: b}
	out := []string{}
	ok := s.seq('[', ']', func() bool {
		v, ok := s.str()
		out = append(out, v)
		return ok
	})
	return out, ok
}

func decodePairsFast(b []byte) ([][2]string, bool) {
	s := jsonScanner{b: b}
	out := [][2]string{}
	ok := s.seq('[', ']', func() bool {
		var p [2]string
		var ok bool
		if !s.byte('[') {
			return false
		}
		if p[0], ok = s.str(); !ok || !s.byte(',') {
			return false
		}
		if p[1], ok = s.str(); !ok || !s.byte(']') {
			return false
		}
		out = append(out, p)
		return true
	})
	return out, ok
}
