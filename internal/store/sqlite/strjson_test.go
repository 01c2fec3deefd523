package sqlite

import (
	"encoding/json"
	"reflect"
	"testing"
)

var strJSONSeeds = []string{
	`{}`, ` { } `, `{"email":"a@example.com","email_verified":"true","sub":"5f0c"}`,
	`{"name":"Zoë","x":""}`, `{"a":"1","a":"2"}`, `{"a":"\u00e9"}`, `{"a":"<&>"}`, `{"a":1}`,
	`{"a":"b",}`, `{"a" "b"}`, `{"a":"b"} x`, `null`, `[]`, `["SMS_MFA","SOFTWARE_TOKEN_MFA"]`,
	`[ "a" , "b" ]`, `["a",]`, `["a"`, `[["email","a@example.com"],["phone_number","+15550100"]]`,
	`[["a"]]`, `[["a","b","c"]]`, `[["a",1]]`, "{\"a\":\"\xff\"}", "[\"\x01\"]", `[null]`, ``, ` `,
	`{"a":"b"}{"c":"d"}`, `[[],["a","b"]]`, `["\ud800"]`, "{\"\t\":\"\"}",
}

// FuzzStrJSON: the fast decoders give exactly what encoding/json gives,
// value and error alike, for any input.
func FuzzStrJSON(f *testing.F) {
	for _, s := range strJSONSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		got, want := map[string]string{"pre": "x"}, map[string]string{"pre": "x"}
		gotErr, wantErr := decodeStringMap(b, &got), json.Unmarshal(b, &want)
		if (gotErr != nil) != (wantErr != nil) || (wantErr == nil && !reflect.DeepEqual(got, want)) {
			t.Errorf("map %q: got %#v, %v; encoding/json %#v, %v", b, got, gotErr, want, wantErr)
		}
		var gotNil, wantNil map[string]string
		gotErr, wantErr = decodeStringMap(b, &gotNil), json.Unmarshal(b, &wantNil)
		if (gotErr != nil) != (wantErr != nil) || (wantErr == nil && !reflect.DeepEqual(gotNil, wantNil)) {
			t.Errorf("nil map %q: got %#v, %v; encoding/json %#v, %v", b, gotNil, gotErr, wantNil, wantErr)
		}
		strs, sErr := decodeStrings(b)
		var wantStrs []string
		wsErr := json.Unmarshal(b, &wantStrs)
		if (sErr != nil) != (wsErr != nil) || (wsErr == nil && !reflect.DeepEqual(strs, wantStrs)) {
			t.Errorf("strings %q: got %#v, %v; encoding/json %#v, %v", b, strs, sErr, wantStrs, wsErr)
		}
		pairs, pErr := decodePairs(b)
		var wantPairs [][2]string
		wpErr := json.Unmarshal(b, &wantPairs)
		if (pErr != nil) != (wpErr != nil) || (wpErr == nil && !reflect.DeepEqual(pairs, wantPairs)) {
			t.Errorf("pairs %q: got %#v, %v; encoding/json %#v, %v", b, pairs, pErr, wantPairs, wpErr)
		}
	})
}

// TestStrJSONFastPath: the stored shapes json.Marshal writes for ordinary
// values take the fast path (the fuzz test alone would pass if every input
// fell back).
func TestStrJSONFastPath(t *testing.T) {
	attrs, _ := json.Marshal(map[string]string{"email": "zoë@example.com", "email_verified": "true", "custom:tier": "gold"})
	if m := map[string]string{}; !decodeStringMapFast(attrs, &m) || len(m) != 3 {
		t.Errorf("attributes %s: fast path refused or lost members: %v", attrs, m)
	}
	mfa, _ := json.Marshal([]string{"SMS_MFA", "SOFTWARE_TOKEN_MFA"})
	if got, ok := decodeStringsFast(mfa); !ok || len(got) != 2 {
		t.Errorf("mfa %s: fast path gave %v, %v", mfa, got, ok)
	}
	if got, ok := decodePairsFast([]byte(`[["email","a@example.com"],["phone_number","+15550100"]]`)); !ok || len(got) != 2 {
		t.Errorf("aliases: fast path gave %v, %v", got, ok)
	}
}

func BenchmarkStrJSONAttributes(b *testing.B) {
	attrs := []byte(`{"email":"ada.lovelace@example.com","email_verified":"true","family_name":"Lovelace","given_name":"Ada","name":"Ada Lovelace","phone_number":"+15550100","sub":"5f0c2a4e-8f3b-4c1e-9d6a-0b7e3f2a1c9d"}`)
	b.Run("fast", func(b *testing.B) {
		for b.Loop() {
			m := map[string]string{}
			if err := decodeStringMap(attrs, &m); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("encoding-json", func(b *testing.B) {
		for b.Loop() {
			m := map[string]string{}
			if err := json.Unmarshal(attrs, &m); err != nil {
				b.Fatal(err)
			}
		}
	})
}
