package cognitoapi

import (
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"unicode/utf16"
)

// ValidationError reports the model constraints an input breaks. The AWS
// service answers these with InvalidParameterException and Coral's text:
//
//	1 validation error detected: Value null at 'clientId' failed to satisfy constraint: Member must not be null
//
// Generated Validate methods return it; the awsjson package writes it
// through ErrorCode and ErrorMessage.
type ValidationError struct {
	Failures []ValidationFailure
}

// ValidationFailure is one broken constraint.
type ValidationFailure struct {
	// Path is the Coral member path: lower-camel member names joined by
	// dots, list elements as "<list>.<1-based index>.member", for example
	// "userAttributes.1.member.name".
	Path string
	// Value is the rendered value: "null" for an absent member, "" when the
	// value is withheld (sensitive or binary members), or the value in
	// single quotes.
	Value string
	// Constraint is the constraint text, such as "Member must not be null".
	Constraint string
}

func (f ValidationFailure) String() string {
	v := "Value "
	if f.Value != "" {
		v += f.Value + " "
	}
	return v + "at '" + f.Path + "' failed to satisfy constraint: " + f.Constraint
}

// ErrorCode is the wire error code, InvalidParameterException.
func (e *ValidationError) ErrorCode() string { return "InvalidParameterException" }

// ErrorMessage is the Coral text listing every failure.
func (e *ValidationError) ErrorMessage() string {
	var b strings.Builder
	n := len(e.Failures)
	if n == 1 {
		b.WriteString("1 validation error detected: ")
	} else {
		fmt.Fprintf(&b, "%d validation errors detected: ", n)
	}
	for i, f := range e.Failures {
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(f.String())
	}
	return b.String()
}

func (e *ValidationError) Error() string { return e.ErrorMessage() }

// err returns e as an error, or nil when nothing failed.
func (e *ValidationError) err() error {
	if len(e.Failures) == 0 {
		return nil
	}
	return e
}

// Constraint texts, in Coral's words.
const (
	notNull = "Member must not be null"
)

func (e *ValidationError) add(path, value string, constraints []string) {
	for _, c := range constraints {
		e.Failures = append(e.Failures, ValidationFailure{Path: path, Value: value, Constraint: c})
	}
}

func (e *ValidationError) null(path string) {
	e.add(path, "null", []string{notNull})
}

// quote renders a scalar value the way Coral does, unless it is withheld.
func quote(s string, withheld bool) string {
	if withheld {
		return ""
	}
	return "'" + s + "'"
}

// nested wraps the distinct failures of list elements, map keys or map
// values into the one constraint Coral reports at the collection, such as
// "Member must satisfy constraint: [Member must have length less than or equal to 32]".
func nested(prefix string, fails []string) []string {
	if len(fails) == 0 {
		return nil
	}
	var uniq []string
	for _, f := range fails {
		if !slices.Contains(uniq, f) {
			uniq = append(uniq, f)
		}
	}
	return []string{prefix + " must satisfy constraint: [" + strings.Join(uniq, ", ") + "]"}
}

func lenMin(n int64) string {
	return "Member must have length greater than or equal to " + strconv.FormatInt(n, 10)
}
func lenMax(n int64) string {
	return "Member must have length less than or equal to " + strconv.FormatInt(n, 10)
}
func valMin(n int64) string {
	return "Member must have value greater than or equal to " + strconv.FormatInt(n, 10)
}
func valMax(n int64) string {
	return "Member must have value less than or equal to " + strconv.FormatInt(n, 10)
}
func patternText(p string) string {
	return "Member must satisfy regular expression pattern: " + p
}
func enumText(values []string) string {
	return "Member must satisfy enum value set: [" + strings.Join(values, ", ") + "]"
}

// javaLen is the length of s as Java counts it: UTF-16 code units.
func javaLen(s string) int {
	n := 0
	for _, r := range s {
		n += utf16.RuneLen(r)
	}
	return n
}

// render writes a list, map or structure the way a Java toString would,
// for the value part of a failure on a collection. Struct fields tagged
// sensitive:"true" are redacted.
func render(v any) string {
	var b strings.Builder
	renderValue(&b, reflect.ValueOf(v))
	return "'" + b.String() + "'"
}

func renderValue(b *strings.Builder, v reflect.Value) {
	switch v.Kind() {
	case reflect.Pointer:
		if v.IsNil() {
			b.WriteString("null")
			return
		}
		renderValue(b, v.Elem())
	case reflect.Slice:
		if v.Type().Elem().Kind() == reflect.Uint8 {
			b.WriteString("<binary>")
			return
		}
		b.WriteByte('[')
		for i := range v.Len() {
			if i > 0 {
				b.WriteString(", ")
			}
			renderValue(b, v.Index(i))
		}
		b.WriteByte(']')
	case reflect.Map:
		keys := v.MapKeys()
		slices.SortFunc(keys, func(a, c reflect.Value) int { return strings.Compare(a.String(), c.String()) })
		b.WriteByte('{')
		for i, k := range keys {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(k.String())
			b.WriteByte('=')
			renderValue(b, v.MapIndex(k))
		}
		b.WriteByte('}')
	case reflect.Struct:
		if ts, ok := v.Interface().(Timestamp); ok {
			b.WriteString(ts.UTC().Format("Mon Jan 02 15:04:05 UTC 2006"))
			return
		}
		t := v.Type()
		b.WriteByte('{')
		first := true
		for i := range t.NumField() {
			f := v.Field(i)
			if !t.Field(i).IsExported() || f.IsZero() {
				continue
			}
			if !first {
				b.WriteString(",")
			}
			first = false
			b.WriteString(t.Field(i).Name + ": ")
			if t.Field(i).Tag.Get("sensitive") == "true" {
				b.WriteString("*** Sensitive Data Redacted ***")
				continue
			}
			renderValue(b, f)
		}
		b.WriteByte('}')
	default:
		fmt.Fprint(b, v.Interface())
	}
}

// Small helpers keep the generated file's imports fixed.
func strconvItoa(i int64) string { return strconv.FormatInt(i, 10) }

func slicesContains(s []string, v string) bool { return slices.Contains(s, v) }
