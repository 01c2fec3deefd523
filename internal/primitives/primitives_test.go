package primitives

import (
	"bytes"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"math/big"
	mrand "math/rand/v2"
	"os"
	"sync"
	"testing"

	"golang.org/x/crypto/argon2"
)

// withBackend runs f with backend selected, then restores auto.
func withBackend(t testing.TB, backend string, f func()) {
	t.Helper()
	if err := Use(backend); err != nil {
		t.Fatalf("Use(%q): %v", backend, err)
	}
	defer func() { _ = Use(Auto) }()
	f()
}

// requireOpenSSL skips where libcrypto 3 cannot be loaded (a build without
// cgo); make test runs on machines that have it, so there it runs. In CI
// (CI set) a cgo build without it fails instead: the comparison must run.
func requireOpenSSL(t testing.TB) {
	t.Helper()
	if _, err := loadOpenSSL(); err != nil {
		missingNative(t, "OpenSSL", err)
	}
}

func missingNative(t testing.TB, what string, err error) {
	t.Helper()
	if cgoBuilt && os.Getenv("CI") != "" {
		t.Fatalf("%s not available in CI: %v", what, err)
	}
	t.Skipf("%s not available: %v", what, err)
}

var testKey = sync.OnceValue(func() *rsa.PrivateKey {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(err)
	}
	return k
})

func TestUseRefusesUnknownBackend(t *testing.T) {
	if err := Use("fast"); err == nil {
		t.Fatal("Use(fast) succeeded")
	}
	withBackend(t, Go, func() {
		if got := InForce(); got != "Go crypto/rsa and math/big; argon2id by golang.org/x/crypto" {
			t.Fatalf("InForce = %q", got)
		}
	})
}

// PKCS #1 v1.5 signatures are deterministic, so OpenSSL's must equal Go's
// byte for byte, and verify with crypto/rsa.
func TestOpenSSLSignaturesEqualGos(t *testing.T) {
	requireOpenSSL(t)
	keys := []*rsa.PrivateKey{testKey()}
	if k, err := rsa.GenerateKey(rand.Reader, 3072); err == nil {
		keys = append(keys, k)
	}
	for _, priv := range keys {
		var goKey, sslKey *RSAKey
		withBackend(t, Go, func() { goKey = mustKey(t, priv) })
		withBackend(t, OpenSSL, func() { sslKey = mustKey(t, priv) })
		if sslKey.native == nil || goKey.native != nil {
			t.Fatal("backends were not applied")
		}
		for i := range 20 {
			msg := make([]byte, i*37)
			rand.Read(msg)
			digest := sha256.Sum256(msg)
			a, err := goKey.SignSHA256(digest[:])
			if err != nil {
				t.Fatal(err)
			}
			b, err := sslKey.SignSHA256(digest[:])
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(a, b) {
				t.Fatalf("key %d bits, message %d: signatures differ", priv.N.BitLen(), i)
			}
			if err := rsa.VerifyPKCS1v15(&priv.PublicKey, crypto.SHA256, digest[:], b); err != nil {
				t.Fatalf("OpenSSL signature does not verify: %v", err)
			}
		}
	}
}

// Both backends accept a valid signature and refuse every corruption of it.
func TestVerifyAgreesWithGo(t *testing.T) {
	priv := testKey()
	digest := sha256.Sum256([]byte("header.payload"))
	good, err := rsa.SignPKCS1v15(nil, priv, crypto.SHA256, digest[:])
	if err != nil {
		t.Fatal(err)
	}
	otherDigest := sha256.Sum256([]byte("header.payload!"))
	allOnes := bytes.Repeat([]byte{0xff}, len(good)) // above the modulus
	for _, backend := range []string{Go, Auto} {
		withBackend(t, backend, func() {
			k := mustKey(t, priv)
			if err := k.VerifySHA256(digest[:], good); err != nil {
				t.Fatalf("%s: a good signature: %v", backend, err)
			}
			bad := map[string][2][]byte{
				"other digest":  {otherDigest[:], good},
				"short":         {digest[:], good[1:]},
				"long":          {digest[:], append(append([]byte{}, good...), 0)},
				"above modulus": {digest[:], allOnes},
				"zero":          {digest[:], make([]byte, len(good))},
				"short digest":  {digest[:31], good},
			}
			for i := 0; i < len(good); i += 17 {
				flipped := append([]byte{}, good...)
				flipped[i] ^= 0x01
				bad["bit flipped at "+string(rune('a'+i%26))+string(rune('0'+i/26%10))] = [2][]byte{digest[:], flipped}
			}
			for name, c := range bad {
				if err := k.VerifySHA256(c[0], c[1]); err == nil {
					t.Errorf("%s: %s: verified", backend, name)
				}
			}
		})
	}
}

func TestSignRefusesWrongDigestLength(t *testing.T) {
	for _, backend := range []string{Go, Auto} {
		withBackend(t, backend, func() {
			k := mustKey(t, testKey())
			if _, err := k.SignSHA256(make([]byte, 20)); err == nil {
				t.Fatalf("%s: signed a 20-byte digest", backend)
			}
		})
	}
}

// The key is shared by every request, so signing runs concurrently.
func TestConcurrentSigning(t *testing.T) {
	k := mustKey(t, testKey())
	digest := sha256.Sum256([]byte("header.payload"))
	want, err := k.SignSHA256(digest[:])
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan string, 16)
	for range 8 {
		wg.Go(func() {
			for range 10 {
				got, err := k.SignSHA256(digest[:])
				if err != nil || !bytes.Equal(got, want) {
					errs <- "a concurrent signature differs"
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Fatal(e)
	}
}

func TestExpModMatchesMathBig(t *testing.T) {
	for _, backend := range []string{Go, Auto} {
		withBackend(t, backend, func() {
			r := mrand.New(mrand.NewPCG(1, 2))
			n3072 := randOdd(r, 3072)
			cases := [][3]*big.Int{
				{big.NewInt(2), big.NewInt(0), n3072},                          // exponent 0
				{big.NewInt(0), big.NewInt(5), n3072},                          // base 0
				{new(big.Int).Add(n3072, big.NewInt(7)), big.NewInt(3), n3072}, // base above m
				{big.NewInt(5), big.NewInt(3), big.NewInt(1)},                  // m = 1
				{big.NewInt(3), big.NewInt(200), big.NewInt(7)},
			}
			for range 30 {
				m := randOdd(r, 64+r.IntN(3072))
				cases = append(cases, [3]*big.Int{randInt(r, 1+r.IntN(3100)), randInt(r, 1+r.IntN(300)), m})
			}
			for i, c := range cases {
				got := ExpMod(c[0], c[1], c[2])
				want := new(big.Int).Exp(c[0], c[1], c[2])
				if got.Cmp(want) != 0 {
					t.Fatalf("%s case %d: %v^%v mod %v = %v, want %v", backend, i, c[0], c[1], c[2], got, want)
				}
			}
		})
	}
}

func TestExpModRefusesEvenModulus(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Fatal("no panic for an even modulus")
		}
	}()
	ExpMod(big.NewInt(2), big.NewInt(3), big.NewInt(10))
}

func mustKey(t testing.TB, priv *rsa.PrivateKey) *RSAKey {
	t.Helper()
	k, err := NewRSAKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func randInt(r *mrand.Rand, bits int) *big.Int {
	b := make([]byte, (bits+7)/8)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return new(big.Int).SetBytes(b)
}

func randOdd(r *mrand.Rand, bits int) *big.Int {
	n := randInt(r, bits)
	n.SetBit(n, bits-1, 1)
	return n.SetBit(n, 0, 1)
}

// benchBackends runs, under each backend, op on every core; setup runs
// first, under the backend, and returns op.
func benchBackends(b *testing.B, setup func(b *testing.B) func() error) {
	for _, backend := range []string{Go, OpenSSL} {
		b.Run(backend, func(b *testing.B) {
			if backend == OpenSSL {
				requireOpenSSL(b)
			}
			withBackend(b, backend, func() {
				op := setup(b)
				b.RunParallel(func(pb *testing.PB) {
					for pb.Next() {
						if err := op(); err != nil {
							b.Fatal(err)
						}
					}
				})
			})
		})
	}
}

func BenchmarkSignSHA256(b *testing.B) {
	digest := sha256.Sum256([]byte("header.payload"))
	benchBackends(b, func(b *testing.B) func() error {
		k := mustKey(b, testKey())
		return func() error { _, err := k.SignSHA256(digest[:]); return err }
	})
}

func BenchmarkVerifySHA256(b *testing.B) {
	digest := sha256.Sum256([]byte("header.payload"))
	benchBackends(b, func(b *testing.B) func() error {
		k := mustKey(b, testKey())
		sig, _ := k.SignSHA256(digest[:])
		return func() error { return k.VerifySHA256(digest[:], sig) }
	})
}

// BenchmarkExpModSRP is SRP's verifier: a 3072-bit modulus, a 256-bit exponent.
func BenchmarkExpModSRP(b *testing.B) {
	r := mrand.New(mrand.NewPCG(3, 4))
	m, x := randOdd(r, 3072), randInt(r, 256)
	g := big.NewInt(2)
	benchBackends(b, func(*testing.B) func() error {
		return func() error { ExpMod(g, x, m); return nil }
	})
}

// requireArgon2 skips where libargon2 cannot be loaded (a build without
// cgo, a machine without the library); make test's machines have it.
func requireArgon2(t testing.TB) {
	t.Helper()
	if err := loadArgon2(); err != nil {
		missingNative(t, "libargon2", err)
	}
}

// libargon2's keys must equal golang.org/x/crypto's for every parameter a
// stored hash may carry: the two backends verify each other's hashes.
func TestArgon2IDEqualsXCrypto(t *testing.T) {
	requireArgon2(t)
	cases := []struct {
		pw, salt     string
		time, memory uint32
		lanes        uint8
		keyLen       uint32
	}{
		{"password", "0123456789abcdef", 2, 19 * 1024, 1, 32}, // the standard profile
		{"password", "0123456789abcdef", 1, 8, 1, 32},         // the low profile
		{"", "saltsalt", 1, 8, 1, 16},                         // empty password, shortest salt
		{"pässwörd", "0123456789abcdef0123", 3, 1001, 1, 64},  // memory not a multiple of 4 blocks
		{"lanes", "0123456789abcdef", 2, 64, 4, 32},           // several lanes, computed in turn
		{"x", "0123456789abcdef", 1, 37, 3, 17},
	}
	for _, c := range cases {
		want := argon2.IDKey([]byte(c.pw), []byte(c.salt), c.time, c.memory, c.lanes, c.keyLen)
		got, err := nativeArgon2ID([]byte(c.pw), []byte(c.salt), c.time, c.memory, c.lanes, c.keyLen)
		if err != nil {
			t.Fatalf("%+v: %v", c, err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%+v: libargon2 %x, x/crypto %x", c, got, want)
		}
		withBackend(t, Auto, func() {
			if got := Argon2ID([]byte(c.pw), []byte(c.salt), c.time, c.memory, c.lanes, c.keyLen); !bytes.Equal(got, want) {
				t.Errorf("%+v: Argon2ID %x, want %x", c, got, want)
			}
		})
	}
	// A salt under libargon2's 8-byte minimum is still argon2id: Argon2ID
	// falls back to x/crypto rather than fail.
	want := argon2.IDKey([]byte("pw"), []byte("salt"), 1, 8, 1, 32)
	if got := Argon2ID([]byte("pw"), []byte("salt"), 1, 8, 1, 32); !bytes.Equal(got, want) {
		t.Errorf("short salt: %x, want %x", got, want)
	}
}

// More block sizes than the library's pool keeps, several times over: the
// pool gives back its oldest blocks, and every key is still right.
func TestArgon2IDManySizes(t *testing.T) {
	requireArgon2(t)
	salt := []byte("0123456789abcdef")
	for round := range 3 {
		for i := range 24 {
			memory := uint32(8 * (i + 1))
			pw := []byte{byte(round), byte(i)}
			got, err := nativeArgon2ID(pw, salt, 1, memory, 1, 32)
			if want := argon2.IDKey(pw, salt, 1, memory, 1, 32); err != nil || !bytes.Equal(got, want) {
				t.Fatalf("round %d, %d KiB: %x %v, want %x", round, memory, got, err, want)
			}
		}
	}
	if _, err := nativeArgon2ID([]byte("pw"), salt, 1, 8, 1, 0); err == nil {
		t.Error("an empty key was computed by the library")
	}
}

// BenchmarkSignSHA256Parallel signs on every core at once, as a loaded
// server does (the crypto floor's measurement). On the 2-core benchmark
// VMs two signers are only 1.1-1.2x one: the cores share what a signature
// needs (separate keys per goroutine measured the same, so it is not
// OpenSSL's locking).
func BenchmarkSignSHA256Parallel(b *testing.B) {
	k, err := NewRSAKey(testKey())
	if err != nil {
		b.Fatal(err)
	}
	digest := sha256.Sum256([]byte("header.payload"))
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := k.SignSHA256(digest[:]); err != nil {
				b.Error(err)
			}
		}
	})
}

// BenchmarkArgon2IDParallel hashes at OWASP's cost on every core at once.
func BenchmarkArgon2IDParallel(b *testing.B) {
	salt := []byte("0123456789abcdef")
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			Argon2ID([]byte("password"), salt, 2, 19456, 1, 32)
		}
	})
}
