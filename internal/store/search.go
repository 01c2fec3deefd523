package store

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"unicode/utf8"
)

// SearchFields lists every searchable field of UserFilter.Field.
var SearchFields = []string{
	FieldUsername, FieldEmail, FieldPhoneNumber, FieldName, FieldGivenName, FieldFamilyName,
	FieldPreferredUsername, FieldStatus, FieldEnabled, FieldSub,
}

// IsSearchField reports whether field is one of SearchFields.
func IsSearchField(field string) bool {
	for _, f := range SearchFields {
		if f == field {
			return true
		}
	}
	return false
}

// SearchValues returns, by field, the value a backend indexes for
// UserRepo.Search: it is the one definition of what each field means, so
// both backends find the same users. Username, sub, cognito:user_status and
// status always have a value; an attribute field has one only when the
// attribute is present in u.Attributes (possibly ""), so a user without an
// email is found by no email search, not even a prefix "".
func SearchValues(u *User) map[string]string {
	enabled := "Disabled"
	if u.Enabled {
		enabled = "Enabled"
	}
	v := map[string]string{
		FieldUsername: u.Username,
		FieldSub:      SearchKey(FieldSub, u.Sub),
		FieldStatus:   u.Status,
		FieldEnabled:  enabled,
	}
	for _, f := range []string{FieldEmail, FieldPhoneNumber, FieldName, FieldGivenName, FieldFamilyName, FieldPreferredUsername} {
		if a, ok := u.Attributes[f]; ok {
			v[f] = SearchKey(f, a)
		}
	}
	return v
}

// SearchKey is value as a backend indexes and matches it for field: the
// attributes are matched without regard to case ("All searches are
// case-insensitive", the developer guide's "Searching for users with the
// ListUsers API", which marks only username and status case-sensitive;
// cognito:user_status is upper-cased by the domain). The fold is ASCII's,
// which a store's own SQL can repeat exactly.
func SearchKey(field, value string) string {
	switch field {
	case FieldUsername, FieldStatus, FieldEnabled:
		return value
	}
	return asciiLower(value)
}

func asciiLower(s string) string {
	for i := 0; i < len(s); i++ {
		if 'A' <= s[i] && s[i] <= 'Z' {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				if 'A' <= b[j] && b[j] <= 'Z' {
					b[j] += 'a' - 'A'
				}
			}
			return string(b)
		}
	}
	return s
}

// PrefixEnd returns the least string greater than every string that starts
// with prefix, in byte (and so code point) order, so that a prefix search
// is the index range [prefix, end). ok is false when there is no such
// string (prefix is empty, or all U+10FFFF or 0xFF bytes): the range is
// then unbounded. When prefix is valid UTF-8 so is end, so PostgreSQL can
// take it as text; otherwise end is computed byte by byte.
func PrefixEnd(prefix string) (end string, ok bool) {
	if !utf8.ValidString(prefix) {
		b := []byte(prefix)
		for i := len(b) - 1; i >= 0; i-- {
			if b[i] != 0xFF {
				b[i]++
				return string(b[:i+1]), true
			}
		}
		return "", false
	}
	r := []rune(prefix)
	for i := len(r) - 1; i >= 0; i-- {
		switch {
		case r[i] == 0x10FFFF:
			continue // no greater code point here: carry into the previous one
		case r[i] == 0xD7FF:
			r[i] = 0xE000 // surrogates are not valid UTF-8
		default:
			r[i]++
		}
		return string(r[:i+1]), true
	}
	return "", false
}

// EncodeValueCursor is the cursor of a prefix Search page, whose order is
// (value, username key): both, so that the next page starts right after.
func EncodeValueCursor(value, usernameKey string) string {
	b, _ := json.Marshal([2]string{value, usernameKey})
	return base64.RawURLEncoding.EncodeToString(b)
}

// DecodeValueCursor reads a cursor made by EncodeValueCursor.
func DecodeValueCursor(c string) (value, usernameKey string, err error) {
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil {
		return "", "", err
	}
	var v [2]string
	if err := json.Unmarshal(b, &v); err != nil {
		return "", "", errors.New("store: not a search cursor")
	}
	return v[0], v[1], nil
}
