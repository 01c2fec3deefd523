//go:build cgo && linux

package primitives

import (
	"bytes"
	"sync"
	"testing"

	"golang.org/x/crypto/argon2"
)

// Concurrent calls reuse the library's kept memory blocks; each must still
// compute its own key, with calls run on their callers (8 KiB) and calls
// queued to the worker threads (8 MiB, more callers than workers)
// interleaved.
func TestArgon2IDConcurrent(t *testing.T) {
	requireArgon2(t)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 6 {
				pw := []byte{byte(g), byte(i)}
				salt := []byte("0123456789abcdef")
				memory := uint32(8)
				if (g+i)%2 == 0 {
					memory = queuedArgon2Work
				}
				got, err := nativeArgon2ID(pw, salt, 1, memory, 1, 32)
				if want := argon2.IDKey(pw, salt, 1, memory, 1, 32); err != nil || !bytes.Equal(got, want) {
					t.Errorf("goroutine %d call %d: %x %v, want %x", g, i, got, err, want)
				}
			}
		}()
	}
	wg.Wait()
}

// Which calls go to the worker threads, and what the library refuses
// there comes back as an error, not a wait.
func TestArgon2IDQueue(t *testing.T) {
	requireArgon2(t)
	withBackend(t, Auto, func() {
		if !Argon2Bounded(2, 19*1024) {
			t.Error("the standard profile does not run on the worker threads")
		}
		if Argon2Bounded(1, 8) {
			t.Error("the low profile runs on the worker threads")
		}
	})
	before := argon2Queue.done.Load()
	if _, err := nativeArgon2ID([]byte("pw"), []byte("0123456789abcdef"), 1, queuedArgon2Work, 1, 32); err != nil {
		t.Fatal(err)
	}
	if _, err := nativeArgon2ID([]byte("pw"), []byte("0123456789abcdef"), 1, queuedArgon2Work-1, 1, 32); err != nil {
		t.Fatal(err)
	}
	if n := argon2Queue.done.Load() - before; n != 1 {
		t.Errorf("%d of the two calls, one of each side of the threshold, ran on a worker thread; want 1", n)
	}
	if _, err := nativeArgon2ID([]byte("pw"), []byte("salt"), 1, queuedArgon2Work, 1, 32); err == nil {
		t.Error("a 4-byte salt was accepted by the library")
	}
	want := argon2.IDKey([]byte("pw"), []byte("salt"), 1, queuedArgon2Work, 1, 32)
	if got := Argon2ID([]byte("pw"), []byte("salt"), 1, queuedArgon2Work, 1, 32); !bytes.Equal(got, want) {
		t.Errorf("short salt, queued cost: %x, want %x", got, want)
	}
}
