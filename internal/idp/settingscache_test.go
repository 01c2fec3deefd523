package idp

import (
	"encoding/json"
	"fmt"
	"reflect"
	"testing"
)

// fill sets every leaf of v to a non-zero value, every slice and map to one
// element and every pointer to a value, so that a copy shares memory with
// v wherever deepCopy forgot a kind of field.
func fill(v reflect.Value, seed int) {
	switch v.Kind() {
	case reflect.Pointer:
		v.Set(reflect.New(v.Type().Elem()))
		fill(v.Elem(), seed)
	case reflect.Struct:
		for i := range v.NumField() {
			fill(v.Field(i), seed+i)
		}
	case reflect.Slice:
		v.Set(reflect.MakeSlice(v.Type(), 1, 1))
		fill(v.Index(0), seed)
	case reflect.Map:
		v.Set(reflect.MakeMap(v.Type()))
		k, e := reflect.New(v.Type().Key()).Elem(), reflect.New(v.Type().Elem()).Elem()
		fill(k, seed)
		fill(e, seed)
		v.SetMapIndex(k, e)
	case reflect.String:
		v.SetString("s" + string(rune('a'+seed%26)))
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Int, reflect.Int32, reflect.Int64:
		v.SetInt(int64(seed + 1))
	}
}

// mutate changes every leaf reachable from v (maps' values included).
func mutate(v reflect.Value) {
	switch v.Kind() {
	case reflect.Pointer:
		mutate(v.Elem())
	case reflect.Struct:
		for i := range v.NumField() {
			mutate(v.Field(i))
		}
	case reflect.Slice:
		for i := range v.Len() {
			mutate(v.Index(i))
		}
	case reflect.Map:
		for it := v.MapRange(); it.Next(); {
			e := reflect.New(v.Type().Elem()).Elem()
			e.Set(it.Value())
			mutate(e)
			v.SetMapIndex(it.Key(), e)
		}
	case reflect.String:
		v.SetString(v.String() + "!")
	case reflect.Bool:
		v.SetBool(!v.Bool())
	case reflect.Int, reflect.Int32, reflect.Int64:
		v.SetInt(v.Int() + 100)
	}
}

func testDeepCopy[T any](t *testing.T) {
	var orig T
	fill(reflect.ValueOf(&orig).Elem(), 0)
	want, _ := json.Marshal(orig)
	cp := deepCopy(orig)
	if !reflect.DeepEqual(cp, orig) {
		t.Fatalf("%T: copy differs from the original", orig)
	}
	mutate(reflect.ValueOf(&cp).Elem())
	if got, _ := json.Marshal(orig); string(got) != string(want) {
		t.Errorf("%T: changing the copy changed the original:\n got %s\nwant %s", orig, got, want)
	}
	if reflect.DeepEqual(cp, orig) {
		t.Errorf("%T: mutate changed nothing; the test proves nothing", orig)
	}
}

// TestDeepCopySharesNothing: every field of pool and client settings,
// present and future, is copied, not shared (settingsCache hands out
// copies that callers may change).
func TestDeepCopySharesNothing(t *testing.T) {
	testDeepCopy[PoolSettings](t)
	testDeepCopy[ClientSettings](t)
}

// TestSettingsCache: the same bytes give equal, independent values; other
// bytes under the same ID are decoded afresh.
func TestSettingsCache(t *testing.T) {
	var c settingsCache[PoolSettings]
	var s PoolSettings
	fill(reflect.ValueOf(&s).Elem(), 3)
	raw, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	a, err := c.decode("pool", raw)
	if err != nil {
		t.Fatal(err)
	}
	a.Tags["mine"] = "changed by a caller"
	a.Schema[0].Name = "changed"
	b, err := c.decode("pool", raw)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(b, s) {
		t.Errorf("second decode of the same bytes differs from the original settings (a caller's change leaked?)")
	}
	s.DeletionProtection = "INACTIVE-other"
	raw2, _ := json.Marshal(s)
	d, err := c.decode("pool", raw2)
	if err != nil {
		t.Fatal(err)
	}
	if d.DeletionProtection != "INACTIVE-other" {
		t.Errorf("new bytes under the same ID decoded to the old value %q", d.DeletionProtection)
	}
	if _, err := c.decode("pool", []byte("{")); err == nil {
		t.Error("bad JSON decoded without error")
	}
}

func BenchmarkPoolSettings(b *testing.B) {
	var s PoolSettings
	fill(reflect.ValueOf(&s).Elem(), 0)
	raw, _ := json.Marshal(s)
	b.Run("json", func(b *testing.B) {
		for b.Loop() {
			var v PoolSettings
			if err := json.Unmarshal(raw, &v); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("cache", func(b *testing.B) {
		var c settingsCache[PoolSettings]
		for b.Loop() {
			if _, err := c.decode("pool", raw); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// TestSettingsCacheBounded: a server that sees ever new pools does not keep
// the settings of every one of them.
func TestSettingsCacheBounded(t *testing.T) {
	var c settingsCache[ClientSettings]
	for i := range maxCachedSettings + 10 {
		if _, err := c.decode(fmt.Sprint("client-", i), []byte(`{}`)); err != nil {
			t.Fatal(err)
		}
	}
	if n := len(c.m); n > maxCachedSettings {
		t.Errorf("%d entries cached, want at most %d", n, maxCachedSettings)
	}
}
