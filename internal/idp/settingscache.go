package idp

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"sync"
)

// Decoding a pool's or client's settings (JSON in the store) costs more than
// reading the row: it was a tenth of AdminGetUser's and GetUser's CPU. The
// settings only change through UpdateUserPool and the like, so each decoded
// value is kept beside the bytes it came from and reused while the row
// holds the same bytes (compared in full: a pool changed on another node
// reads back different bytes). Callers may change what they get, so each
// gets a deep copy.
type settingsCache[T any] struct {
	mu sync.RWMutex
	m  map[string]*cachedSettings[T] // by pool or client ID
}

// maxCachedSettings bounds a cache: a server that has seen more pools (or
// clients) than this since it last emptied its cache empties it again,
// rather than keeping every deleted pool's settings for ever.
const maxCachedSettings = 4096

type cachedSettings[T any] struct {
	raw []byte
	val T
}

// decode returns raw decoded into a fresh T, from the cache when id's
// settings were last seen with the same bytes.
func (c *settingsCache[T]) decode(id string, raw []byte) (T, error) {
	c.mu.RLock()
	e := c.m[id]
	c.mu.RUnlock()
	if e != nil && bytes.Equal(e.raw, raw) {
		return deepCopy(e.val), nil
	}
	var v T
	if err := json.Unmarshal(raw, &v); err != nil {
		return v, err
	}
	e = &cachedSettings[T]{raw: bytes.Clone(raw), val: deepCopy(v)}
	c.mu.Lock()
	if c.m == nil || len(c.m) >= maxCachedSettings {
		c.m = make(map[string]*cachedSettings[T])
	}
	c.m[id] = e
	c.mu.Unlock()
	return v, nil
}

var (
	poolSettingsCache   settingsCache[PoolSettings]
	clientSettingsCache settingsCache[ClientSettings]
)

// deepCopy copies v so that the copy shares no slice, map or pointer with
// it. It walks the value by reflection, so a field added to the settings
// is copied without anyone remembering to.
func deepCopy[T any](v T) T {
	var out T
	copyValue(reflect.ValueOf(&out).Elem(), reflect.ValueOf(&v).Elem())
	return out
}

func copyValue(dst, src reflect.Value) {
	switch src.Kind() {
	case reflect.Pointer:
		if src.IsNil() {
			return
		}
		n := reflect.New(src.Type().Elem())
		copyValue(n.Elem(), src.Elem())
		dst.Set(n)
	case reflect.Struct:
		for i := range src.NumField() {
			copyValue(dst.Field(i), src.Field(i))
		}
	case reflect.Slice:
		if src.IsNil() {
			return
		}
		n := reflect.MakeSlice(src.Type(), src.Len(), src.Len())
		for i := range src.Len() {
			copyValue(n.Index(i), src.Index(i))
		}
		dst.Set(n)
	case reflect.Map:
		if src.IsNil() {
			return
		}
		n := reflect.MakeMapWithSize(src.Type(), src.Len())
		for it := src.MapRange(); it.Next(); {
			v := reflect.New(src.Type().Elem()).Elem()
			copyValue(v, it.Value())
			n.SetMapIndex(it.Key(), v)
		}
		dst.Set(n)
	case reflect.Array:
		for i := range src.Len() {
			copyValue(dst.Index(i), src.Index(i))
		}
	case reflect.Interface, reflect.Chan, reflect.Func, reflect.UnsafePointer:
		// Settings are plain data decoded from JSON; none of these belongs.
		panic(fmt.Sprintf("idp: deepCopy of a %s", src.Type()))
	default:
		dst.Set(src)
	}
}
