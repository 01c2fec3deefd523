package srp

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/big"
	"os"
	"path/filepath"
	"strings"
)

// KeySize is the size of a master key for NewSealer and DeriveKey.
const KeySize = 32

// Sealed layout: version (1) | key ID (4) | nonce (12) | ciphertext | tag (16).
// The header (version and key ID) is authenticated along with the caller's AAD.
const (
	sealVersion  = 1
	sealHeader   = 1 + 4
	sealOverhead = sealHeader + 12 + 16
)

// Sealer errors.
var (
	ErrSealedFormat = errors.New("srp: sealed value is malformed")
	ErrUnknownKey   = errors.New("srp: sealed value is under an unknown key")
	ErrOpen         = errors.New("srp: sealed value failed authentication")
)

// Sealer encrypts small secrets (SRP verifiers, challenge state) with
// AES-256-GCM under a key kept outside the database. Each output names the key
// that sealed it, so keys can rotate: seal with the current key, keep the
// previous ones for opening, and re-seal what NeedsReseal reports.
// A Sealer is safe for concurrent use.
type Sealer struct {
	current uint32
	keys    map[uint32]cipher.AEAD
}

// NewSealer returns a Sealer that seals under key and opens values sealed
// under key or any of previous. Every key is KeySize bytes; the AES key is
// derived from it (DeriveKey), so the same master key may also feed other
// purposes.
func NewSealer(key []byte, previous ...[]byte) (*Sealer, error) {
	s := &Sealer{keys: make(map[uint32]cipher.AEAD)}
	for i, k := range append([][]byte{key}, previous...) {
		if len(k) != KeySize {
			return nil, fmt.Errorf("srp: sealing key %d is %d bytes, want %d", i, len(k), KeySize)
		}
		id := KeyID(k)
		if _, dup := s.keys[id]; dup {
			return nil, fmt.Errorf("srp: sealing key %d repeats key ID %08x", i, id)
		}
		block, err := aes.NewCipher(DeriveKey(k, "ninshou/srp/sealer/aes-256-gcm/v1"))
		if err != nil {
			return nil, err
		}
		aead, err := cipher.NewGCMWithRandomNonce(block)
		if err != nil {
			return nil, err
		}
		s.keys[id] = aead
		if i == 0 {
			s.current = id
		}
	}
	return s, nil
}

// KeyID is the 32-bit identifier a Sealer writes for key: a one-way function
// of the key, safe to log.
func KeyID(key []byte) uint32 {
	return binary.BigEndian.Uint32(DeriveKey(key, "ninshou/srp/sealer/key-id/v1")[:4])
}

// DeriveKey derives an independent KeySize-byte key for purpose from a master
// key (HKDF-SHA256, purpose as info).
func DeriveKey(master []byte, purpose string) []byte {
	k, err := hkdf.Key(sha256.New, master, nil, purpose, KeySize)
	if err != nil {
		panic("srp: hkdf: " + err.Error())
	}
	return k
}

// Seal encrypts plaintext bound to aad (which is not stored: Open needs the
// same aad). Use VerifierAAD for verifiers so a sealed value moved to another
// user or pool fails to open.
func (s *Sealer) Seal(plaintext, aad []byte) []byte {
	out := make([]byte, sealHeader, sealOverhead+len(plaintext))
	out[0] = sealVersion
	binary.BigEndian.PutUint32(out[1:5], s.current)
	return s.keys[s.current].Seal(out, nil, plaintext, s.ad(out[:sealHeader], aad))
}

// Open decrypts what Seal produced under any of the Sealer's keys, checking
// aad.
func (s *Sealer) Open(sealed, aad []byte) ([]byte, error) {
	if len(sealed) < sealOverhead || sealed[0] != sealVersion {
		return nil, ErrSealedFormat
	}
	aead, ok := s.keys[binary.BigEndian.Uint32(sealed[1:5])]
	if !ok {
		return nil, ErrUnknownKey
	}
	pt, err := aead.Open(nil, nil, sealed[sealHeader:], s.ad(sealed[:sealHeader], aad))
	if err != nil {
		return nil, ErrOpen
	}
	return pt, nil
}

// NeedsReseal reports whether sealed was made under a key other than the
// current one (or is unreadable), i.e. should be opened and sealed again.
func (s *Sealer) NeedsReseal(sealed []byte) bool {
	return len(sealed) < sealHeader || sealed[0] != sealVersion ||
		binary.BigEndian.Uint32(sealed[1:5]) != s.current
}

func (s *Sealer) ad(header, aad []byte) []byte {
	ad := make([]byte, 0, len(header)+len(aad))
	return append(append(ad, header...), aad...)
}

// SealVerifier seals a verifier as fixed-width ModulusBytes bytes.
func (s *Sealer) SealVerifier(v *big.Int, aad []byte) ([]byte, error) {
	if !inGroup(v) {
		return nil, ErrInvalidVerifier
	}
	return s.Seal(v.FillBytes(make([]byte, ModulusBytes)), aad), nil
}

// OpenVerifier opens what SealVerifier produced.
func (s *Sealer) OpenVerifier(sealed, aad []byte) (*big.Int, error) {
	pt, err := s.Open(sealed, aad)
	if err != nil {
		return nil, err
	}
	v := new(big.Int).SetBytes(pt)
	if len(pt) != ModulusBytes || !inGroup(v) {
		return nil, ErrInvalidVerifier
	}
	return v, nil
}

// VerifierAAD is the associated data for a sealed verifier: the pool ID, the
// user's immutable ID (sub) and a verifier version (bump it when the password
// changes if old ciphertexts must not be replayable into the row), each
// length-prefixed.
func VerifierAAD(poolID, userSub string, version uint32) []byte {
	const label = "ninshou/srp/verifier/v1"
	b := make([]byte, 0, len(label)+12+len(poolID)+len(userSub))
	b = append(b, label...)
	b = binary.BigEndian.AppendUint32(b, uint32(len(poolID)))
	b = append(b, poolID...)
	b = binary.BigEndian.AppendUint32(b, uint32(len(userSub)))
	b = append(b, userSub...)
	return binary.BigEndian.AppendUint32(b, version)
}

// DecodeKey reads a KeySize-byte key given as text (an environment variable):
// 64 hex digits, or standard or URL-safe base64 with or without padding.
// Surrounding white space is ignored.
func DecodeKey(s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	if len(s) == 2*KeySize {
		if k, err := hex.DecodeString(s); err == nil {
			return k, nil
		}
	}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if k, err := enc.DecodeString(s); err == nil && len(k) == KeySize {
			return k, nil
		}
	}
	return nil, fmt.Errorf("srp: key must be %d bytes as 64 hex digits or base64", KeySize)
}

// LoadOrCreateKey returns the KeySize-byte key stored raw in the file at path,
// creating the file (mode 0600, parent directories 0700) with a fresh random
// key when it does not exist. Creation is atomic: a crash or a concurrent
// caller never leaves a short key behind, and two racing callers end up with
// the same key.
func LoadOrCreateKey(path string) ([]byte, error) {
	if k, err := readKey(path); !errors.Is(err, fs.ErrNotExist) {
		return k, err
	}
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("srp: creating key directory: %w", err)
	}
	tmp, err := os.CreateTemp(dir, ".srpkey-*")
	if err != nil {
		return nil, fmt.Errorf("srp: creating key: %w", err)
	}
	tmpName := tmp.Name()
	defer os.Remove(tmpName)
	key := make([]byte, KeySize)
	rand.Read(key)
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return nil, fmt.Errorf("srp: creating key: %w", err)
	}
	if _, err := tmp.Write(key); err != nil {
		tmp.Close()
		return nil, fmt.Errorf("srp: writing key: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return nil, fmt.Errorf("srp: writing key: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return nil, fmt.Errorf("srp: writing key: %w", err)
	}
	// Link fails if path appeared meanwhile; then the other writer's key wins.
	if err := os.Link(tmpName, path); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return readKey(path)
		}
		// No hard links on this file system: create in place, exclusively.
		return createKeyExclusive(path, key)
	}
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
	return key, nil
}

func createKeyExclusive(path string, key []byte) ([]byte, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return readKey(path)
	}
	if err != nil {
		return nil, fmt.Errorf("srp: creating key: %w", err)
	}
	_, err = f.Write(key)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(path)
		return nil, fmt.Errorf("srp: writing key: %w", err)
	}
	return key, nil
}

// readKey reads a key file, refusing anything but exactly KeySize bytes
// without reading more than that.
func readKey(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	k := make([]byte, KeySize+1)
	n, err := io.ReadFull(f, k)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("srp: reading key: %w", err)
	}
	if n != KeySize {
		return nil, fmt.Errorf("srp: key file %s must hold exactly %d bytes", path, KeySize)
	}
	return k[:KeySize], nil
}
