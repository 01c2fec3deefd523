package srp

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"math/big"
	"os"
	"path/filepath"
	"sync"
	"testing"
)

func testKey(b byte) []byte { return bytes.Repeat([]byte{b}, KeySize) }

func TestSealRoundTrip(t *testing.T) {
	s, err := NewSealer(testKey(1))
	if err != nil {
		t.Fatal(err)
	}
	aad := VerifierAAD("us-east-1_AbCdEf123", "sub-1", 1)
	for _, pt := range [][]byte{nil, {}, []byte("x"), bytes.Repeat([]byte("verifier"), 100)} {
		sealed := s.Seal(pt, aad)
		if len(sealed) != sealOverhead+len(pt) {
			t.Errorf("sealed length %d for %d bytes", len(sealed), len(pt))
		}
		got, err := s.Open(sealed, aad)
		if err != nil || !bytes.Equal(got, pt) {
			t.Errorf("Open = %q, %v; want %q", got, err, pt)
		}
	}
	a, b := s.Seal([]byte("same"), aad), s.Seal([]byte("same"), aad)
	if bytes.Equal(a, b) {
		t.Error("two seals of one plaintext are equal (nonce reuse)")
	}
	if bytes.Contains(s.Seal([]byte("plaintext-marker"), nil), []byte("plaintext-marker")) {
		t.Error("plaintext visible in sealed output")
	}
}

func TestSealTamper(t *testing.T) {
	s, _ := NewSealer(testKey(1))
	aad := VerifierAAD("pool", "sub", 1)
	sealed := s.Seal([]byte("secret verifier"), aad)
	for i := range sealed {
		for _, bit := range []byte{0x01, 0x80} {
			c := bytes.Clone(sealed)
			c[i] ^= bit
			if _, err := s.Open(c, aad); err == nil {
				t.Fatalf("flipping bit %#x of byte %d still opens", bit, i)
			}
		}
	}
	for name, bad := range map[string][]byte{
		"empty": nil, "header only": sealed[:sealHeader], "truncated": sealed[:len(sealed)-1],
		"extended": append(bytes.Clone(sealed), 0),
	} {
		if _, err := s.Open(bad, aad); err == nil {
			t.Errorf("%s: opens", name)
		}
	}
	for name, other := range map[string][]byte{
		"other user":    VerifierAAD("pool", "sub2", 1),
		"other pool":    VerifierAAD("pool2", "sub", 1),
		"other version": VerifierAAD("pool", "sub", 2),
		"shifted":       VerifierAAD("poo", "lsub", 1),
		"nil":           nil,
	} {
		if _, err := s.Open(sealed, other); !errors.Is(err, ErrOpen) {
			t.Errorf("%s AAD: Open = %v, want ErrOpen", name, err)
		}
	}
	other, _ := NewSealer(testKey(2))
	if _, err := other.Open(sealed, aad); !errors.Is(err, ErrUnknownKey) {
		t.Errorf("other key: Open = %v, want ErrUnknownKey", err)
	}
	// Same key ID forged onto another key's ciphertext still fails.
	forged := other.Seal([]byte("secret verifier"), aad)
	copy(forged[1:5], sealed[1:5])
	if _, err := s.Open(forged, aad); !errors.Is(err, ErrOpen) {
		t.Errorf("forged key ID: Open = %v, want ErrOpen", err)
	}
}

func TestSealRotation(t *testing.T) {
	old, _ := NewSealer(testKey(1))
	sealedOld := old.Seal([]byte("v"), []byte("aad"))
	rotated, err := NewSealer(testKey(2), testKey(1))
	if err != nil {
		t.Fatal(err)
	}
	if got, err := rotated.Open(sealedOld, []byte("aad")); err != nil || string(got) != "v" {
		t.Fatalf("rotated sealer cannot open old value: %v", err)
	}
	if !rotated.NeedsReseal(sealedOld) {
		t.Error("old value not reported for re-sealing")
	}
	sealedNew := rotated.Seal([]byte("v"), []byte("aad"))
	if rotated.NeedsReseal(sealedNew) {
		t.Error("fresh value reported for re-sealing")
	}
	if _, err := old.Open(sealedNew, []byte("aad")); !errors.Is(err, ErrUnknownKey) {
		t.Errorf("old sealer opens new value: %v", err)
	}
	if KeyID(testKey(1)) == KeyID(testKey(2)) {
		t.Error("key IDs collide")
	}
	for name, keys := range map[string][][]byte{
		"short":     {testKey(1)[:31]},
		"long":      {append(testKey(1), 0)},
		"nil":       {nil},
		"duplicate": {testKey(1), testKey(1)},
		"old short": {testKey(1), []byte("x")},
	} {
		if _, err := NewSealer(keys[0], keys[1:]...); err == nil {
			t.Errorf("%s: NewSealer succeeded", name)
		}
	}
}

func TestSealVerifier(t *testing.T) {
	s, _ := NewSealer(testKey(3))
	v := Verifier("pool", "user", "pw", NewSalt(nil))
	aad := VerifierAAD("us-east-1_pool", "sub", 1)
	sealed, err := s.SealVerifier(v, aad)
	if err != nil {
		t.Fatal(err)
	}
	got, err := s.OpenVerifier(sealed, aad)
	if err != nil || got.Cmp(v) != 0 {
		t.Fatalf("OpenVerifier = %v, %v", got, err)
	}
	if _, err := s.OpenVerifier(sealed, VerifierAAD("us-east-1_pool", "sub2", 1)); err == nil {
		t.Error("verifier moved to another user opens")
	}
	if _, err := s.SealVerifier(big.NewInt(0), aad); err == nil {
		t.Error("SealVerifier(0) succeeded")
	}
	if _, err := s.OpenVerifier(s.Seal([]byte{1}, aad), aad); !errors.Is(err, ErrInvalidVerifier) {
		t.Errorf("OpenVerifier of a short plaintext = %v", err)
	}
}

func TestDeriveKey(t *testing.T) {
	a, b := DeriveKey(testKey(1), "a"), DeriveKey(testKey(1), "b")
	if len(a) != KeySize || bytes.Equal(a, b) || bytes.Equal(a, DeriveKey(testKey(2), "a")) {
		t.Error("DeriveKey does not separate purposes and keys")
	}
	if !bytes.Equal(a, DeriveKey(testKey(1), "a")) {
		t.Error("DeriveKey is not deterministic")
	}
}

func TestDecodeKey(t *testing.T) {
	k := make([]byte, KeySize)
	for i := range k {
		k[i] = byte(250 + i) // bytes that differ between base64 alphabets
	}
	for _, s := range []string{
		hex.EncodeToString(k), " " + hex.EncodeToString(k) + "\n",
		base64.StdEncoding.EncodeToString(k), base64.RawStdEncoding.EncodeToString(k),
		base64.URLEncoding.EncodeToString(k), base64.RawURLEncoding.EncodeToString(k),
	} {
		got, err := DecodeKey(s)
		if err != nil || !bytes.Equal(got, k) {
			t.Errorf("DecodeKey(%q) = %x, %v", s, got, err)
		}
	}
	for _, s := range []string{"", "abc", hex.EncodeToString(k[:31]), base64.StdEncoding.EncodeToString(k[:31]),
		base64.StdEncoding.EncodeToString(append(k, 1)), hex.EncodeToString(k)[:63] + "g"} {
		if _, err := DecodeKey(s); err == nil {
			t.Errorf("DecodeKey(%q) succeeded", s)
		}
	}
}

func TestLoadOrCreateKey(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "sub", "srp.key")
	k1, err := LoadOrCreateKey(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(k1) != KeySize || bytes.Equal(k1, make([]byte, KeySize)) {
		t.Fatalf("key %x", k1)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("key file mode %v, want 0600", fi.Mode().Perm())
	}
	k2, err := LoadOrCreateKey(path)
	if err != nil || !bytes.Equal(k1, k2) {
		t.Fatalf("second load = %x, %v; want %x", k2, err, k1)
	}
	if ents, _ := os.ReadDir(filepath.Dir(path)); len(ents) != 1 {
		t.Errorf("temporary files left behind: %v", ents)
	}

	bad := filepath.Join(dir, "bad.key")
	os.WriteFile(bad, []byte("short"), 0o600)
	if _, err := LoadOrCreateKey(bad); err == nil {
		t.Error("short key file accepted")
	}
	if got, _ := os.ReadFile(bad); string(got) != "short" {
		t.Error("short key file overwritten")
	}

	// Racing creators agree on one key.
	race := filepath.Join(dir, "race.key")
	keys := make([][]byte, 16)
	var wg sync.WaitGroup
	for i := range keys {
		wg.Go(func() {
			k, err := LoadOrCreateKey(race)
			if err != nil {
				t.Error(err)
			}
			keys[i] = k
		})
	}
	wg.Wait()
	for i := range keys {
		if !bytes.Equal(keys[i], keys[0]) {
			t.Fatalf("racing callers got different keys")
		}
	}
}
