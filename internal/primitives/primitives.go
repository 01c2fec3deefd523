package primitives

import (
	"crypto"
	"crypto/rsa"
	"errors"
	"fmt"
	"math/big"
	"runtime"
	"sync"

	"golang.org/x/crypto/argon2"
)

// Backend names.
const (
	Auto    = "auto"    // OpenSSL when it loads, else Go
	Go      = "go"      // Go's crypto/rsa and math/big
	OpenSSL = "openssl" // OpenSSL's libcrypto; an error when it does not load
)

var (
	mu       sync.RWMutex
	useSSL   bool   // the backend in force uses libcrypto
	useA2    bool   // the backend in force uses libargon2
	inForce  string // description of the backend in force
	selected bool
)

// Use selects the backend: Auto, Go or OpenSSL. Call it once at start, before
// any key is loaded; keys already loaded keep the backend they were loaded
// with. It fails for OpenSSL when libcrypto cannot be loaded, with the reason.
func Use(backend string) error {
	mu.Lock()
	defer mu.Unlock()
	switch backend {
	case Go:
		useSSL, useA2, inForce = false, false, "Go crypto/rsa and math/big; argon2id by golang.org/x/crypto"
	case Auto, OpenSSL, "":
		version, err := loadOpenSSL()
		switch {
		case err == nil:
			useSSL, inForce = true, "OpenSSL libcrypto ("+version+")"
		case backend == OpenSSL:
			return fmt.Errorf("primitives: OpenSSL: %w", err)
		default:
			useSSL, inForce = false, "Go crypto/rsa and math/big (OpenSSL not loaded: "+err.Error()+")"
		}
		if err := loadArgon2(); err != nil {
			useA2, inForce = false, inForce+"; argon2id by golang.org/x/crypto ("+err.Error()+")"
		} else {
			useA2, inForce = true, inForce+"; argon2id by libargon2.so.1"
		}
	default:
		return fmt.Errorf("primitives: unknown backend %q (want auto, go or openssl)", backend)
	}
	selected = true
	return nil
}

func current() bool {
	ssl, _ := inUse()
	return ssl
}

// inUse reports whether libcrypto and libargon2 are in force, selecting
// Auto on first use.
func inUse() (ssl, a2 bool) {
	mu.RLock()
	ok := selected
	ssl, a2 = useSSL, useA2
	mu.RUnlock()
	if ok {
		return ssl, a2
	}
	_ = Use(Auto) // Auto never fails
	return inUse()
}

// InForce describes the backend in force, for the start-up log and reports.
func InForce() string {
	current()
	mu.RLock()
	defer mu.RUnlock()
	return inForce
}

// RSAKey is an RSA private key prepared for signing by the backend in force.
// It is safe for concurrent use.
type RSAKey struct {
	priv   *rsa.PrivateKey
	native *nativeKey // nil under the Go backend
}

// NewRSAKey prepares priv for signing. The key must not be modified afterwards.
func NewRSAKey(priv *rsa.PrivateKey) (*RSAKey, error) {
	if priv == nil {
		return nil, errors.New("primitives: nil key")
	}
	priv.Precompute()
	k := &RSAKey{priv: priv}
	if current() {
		n, err := newNativeKey(priv)
		if err != nil {
			return nil, err
		}
		k.native = n
	}
	return k, nil
}

// Private is the key as Go holds it.
func (k *RSAKey) Private() *rsa.PrivateKey { return k.priv }

// Size is the length of the key's signatures in bytes.
func (k *RSAKey) Size() int { return k.priv.Size() }

// SignSHA256 returns the RSASSA-PKCS1-v1_5 signature of a SHA-256 digest.
func (k *RSAKey) SignSHA256(digest []byte) ([]byte, error) {
	if len(digest) != 32 {
		return nil, errors.New("primitives: a SHA-256 digest is 32 bytes")
	}
	if k.native != nil {
		return k.native.sign(digest, k.priv.Size())
	}
	// The random source is unused by PKCS #1 v1.5; crypto/rsa blinds with
	// crypto/rand itself.
	return rsa.SignPKCS1v15(nil, k.priv, crypto.SHA256, digest)
}

// ErrVerification is VerifySHA256's answer to a signature that does not verify.
var ErrVerification = errors.New("primitives: signature does not verify")

// VerifySHA256 checks an RSASSA-PKCS1-v1_5 signature of a SHA-256 digest
// made by k's private key. The signature must be exactly Size bytes.
func (k *RSAKey) VerifySHA256(digest, sig []byte) error {
	if len(digest) != 32 || len(sig) != k.priv.Size() {
		return ErrVerification
	}
	if k.native != nil {
		if !k.native.verify(digest, sig) {
			return ErrVerification
		}
		return nil
	}
	if rsa.VerifyPKCS1v15(&k.priv.PublicKey, crypto.SHA256, digest, sig) != nil {
		return ErrVerification
	}
	return nil
}

// ExpMod returns base^exp mod m for an odd modulus m > 1 and non-negative
// base and exp. Under OpenSSL its running time does not depend on the value
// of exp, so exp may be a secret (SRP's x and b).
func ExpMod(base, exp, m *big.Int) *big.Int {
	if m.Sign() <= 0 || m.Bit(0) == 0 || base.Sign() < 0 || exp.Sign() < 0 {
		panic("primitives: ExpMod wants an odd positive modulus and non-negative operands")
	}
	if current() {
		if r, ok := nativeExpMod(base, exp, m); ok {
			return r
		}
	}
	return new(big.Int).Exp(base, exp, m)
}

// fallbackSlots bound the x/crypto computations of calls the worker threads
// would have run (Argon2Bounded), one per core as the workers are.
var fallbackSlots = make(chan struct{}, runtime.GOMAXPROCS(0))

// Argon2ID returns the argon2id (version 0x13) key of password and salt,
// as golang.org/x/crypto/argon2.IDKey does, with the same results. Where
// libargon2 is in force it computes it instead: on the 2-core benchmark
// machine, at OWASP's 19 MiB, two concurrent calls cost about a quarter less
// CPU each than x/crypto's, which allocates a fresh 19 MiB block on the Go
// heap for every call (the collector and the page faults of those blocks
// were most of the difference); the library's blocks are kept for the next
// call. Lanes are computed one after another on the calling goroutine
// there; Ninshou's profiles have one.
func Argon2ID(password, salt []byte, time, memory uint32, threads uint8, keyLen uint32) []byte {
	if _, a2 := inUse(); a2 {
		if k, err := nativeArgon2ID(password, salt, time, memory, threads, keyLen); err == nil {
			return k
		}
		// Parameters the library refuses (a salt under 8 bytes) are
		// still argon2id's: x/crypto computes them, as many at once as
		// the workers would have, whose bound callers rely on.
		if Argon2Bounded(time, memory) {
			fallbackSlots <- struct{}{}
			defer func() { <-fallbackSlots }()
		}
	}
	return argon2.IDKey(password, salt, time, memory, threads, keyLen)
}
