package tokens

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/ninshou/ninshou/internal/primitives"
	"github.com/ninshou/ninshou/internal/store"
)

// Key uses, as stored in store.SigningKey.Use.
const (
	UseID     = "id"
	UseAccess = "access"
)

// keyBits is the RSA modulus size of every signing key, as in Cognito.
const keyBits = 2048

// Service issues and verifies a pool's tokens. Its exported fields are set
// once before use; a Service is then safe for concurrent use.
type Service struct {
	// PublicURL is the base of every issuer: iss = PublicURL + "/" + poolID.
	// No trailing slash.
	PublicURL string
	// Now is the clock; time.Now when nil.
	Now func() time.Time
	// Rand is the source of key material, token IDs and refresh tokens;
	// crypto/rand when nil.
	Rand io.Reader
	// RetiredKeyTTL, when positive, makes RotateKeys delete keys that were
	// retired longer ago than this. It must exceed the longest ID or access
	// token validity (one day in Cognito) so that no live token loses its
	// key. Zero keeps retired keys for ever.
	RetiredKeyTTL time.Duration

	mu   sync.RWMutex
	keys map[cacheKey]cachedKey // keys parsed from stored rows; immutable once stored
}

type cacheKey struct{ pool, kid string }

// cachedKey is a parsed key and its use (UseID or UseAccess).
type cachedKey struct {
	key *primitives.RSAKey
	use string
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

func (s *Service) rand() io.Reader {
	if s.Rand != nil {
		return s.Rand
	}
	return rand.Reader
}

// Issuer returns the iss claim of the pool's tokens.
func (s *Service) Issuer(poolID string) string {
	return s.PublicURL + "/" + poolID
}

// uses are the key uses every pool has one active key for.
var uses = [...]string{UseID, UseAccess}

// EnsureKeys gives the pool one active key for ID tokens and one for access
// tokens, creating whichever is missing. Call it when a pool is created (and
// at start-up for pools created before); it writes nothing when the keys
// exist.
//
// Like RotateKeys it is safe to run at once on several nodes: whatever the
// interleaving, each use ends with exactly one active key (see lockKeyring).
func (s *Service) EnsureKeys(tx store.Tx, poolID string) error {
	keys, err := tx.Keys().List(poolID)
	if err != nil {
		return fmt.Errorf("tokens: list keys: %w", err)
	}
	var missing []string
	for _, use := range uses {
		if activeKey(keys, use) == nil {
			missing = append(missing, use)
		}
	}
	if len(missing) == 0 {
		return nil // the usual case: no write, no lock beyond the rows read
	}
	// A key is missing, or seemed to: on PostgreSQL a read that waited for
	// a rotation sees the old keys retired but not the new ones, which its
	// snapshot predates. Generate first (slow, and nothing is locked yet),
	// then decide on the keyring as it is once locked.
	fresh := map[string]*newKey{}
	for _, use := range missing {
		if fresh[use], err = s.generate(poolID, use); err != nil {
			return err
		}
	}
	keys, err = lockKeyring(tx, poolID)
	if err != nil {
		return err
	}
	for _, use := range uses {
		if activeKey(keys, use) != nil {
			continue
		}
		k := fresh[use]
		if k == nil {
			// It was there at the first read and is gone now: deleted,
			// since a rotation always leaves one.
			if k, err = s.generate(poolID, use); err != nil {
				return err
			}
		}
		if err := s.save(tx, k); err != nil {
			return err
		}
	}
	return nil
}

// RotateKeys creates new active keys for both uses and retires the old ones:
// they stop signing but stay in the JWKS and keep verifying (RetiredAt is
// set). With RetiredKeyTTL set, keys retired before now-RetiredKeyTTL are
// deleted.
//
// Rotations of one pool on several nodes at once are serialised (see
// lockKeyring): each retires the keys the previous one made, so the pool
// ends with exactly one active key per use, the last rotation's, and every
// key any of them made stays in the JWKS.
func (s *Service) RotateKeys(tx store.Tx, poolID string) error {
	var fresh []*newKey
	for _, use := range uses {
		k, err := s.generate(poolID, use)
		if err != nil {
			return err
		}
		fresh = append(fresh, k)
	}
	keys, err := lockKeyring(tx, poolID)
	if err != nil {
		return err
	}
	now := s.now().UTC()
	for _, k := range keys {
		switch {
		case k.Active:
			k.Active = false
			t := now
			k.RetiredAt = &t
			if err := tx.Keys().Update(k); err != nil {
				return fmt.Errorf("tokens: retire key %s: %w", k.KID, err)
			}
		case s.RetiredKeyTTL > 0 && k.RetiredAt != nil && k.RetiredAt.Before(now.Add(-s.RetiredKeyTTL)):
			if err := tx.Keys().Delete(poolID, k.KID); err != nil {
				return fmt.Errorf("tokens: delete key %s: %w", k.KID, err)
			}
			s.forget(poolID, k.KID)
		}
	}
	for _, k := range fresh {
		if err := s.save(tx, k); err != nil {
			return err
		}
	}
	return nil
}

// lockKeyring makes the writers of one pool's keyring take turns, on every
// backend and every node, and returns the keyring as the previous writer
// left it.
//
// The turn is the pool's row, locked for writing (Pools().Lock): on SQLite
// every Update runs alone anyway; on PostgreSQL a second writer waits for
// the first to commit, and its List, a statement that starts after that
// commit, sees the first writer's keys. Locking the pool, not the keys,
// also covers a pool with no keys yet, where there is no key row to lock.
func lockKeyring(tx store.Tx, poolID string) ([]*store.SigningKey, error) {
	if _, err := tx.Pools().Lock(poolID); err != nil {
		return nil, fmt.Errorf("tokens: lock the keyring of pool %s: %w", poolID, err)
	}
	keys, err := tx.Keys().List(poolID)
	if err != nil {
		return nil, fmt.Errorf("tokens: list keys: %w", err)
	}
	return keys, nil
}

// newKey is a generated key not stored yet.
type newKey struct {
	rec *store.SigningKey
}

// generate makes one active key; RSA generation is the slow part, done
// before any lock is taken.
func (s *Service) generate(poolID, use string) (*newKey, error) {
	priv, err := rsa.GenerateKey(s.rand(), keyBits)
	if err != nil {
		return nil, fmt.Errorf("tokens: generate key: %w", err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return nil, fmt.Errorf("tokens: encode key: %w", err)
	}
	kid, err := keyID(&priv.PublicKey)
	if err != nil {
		return nil, err
	}
	return &newKey{rec: &store.SigningKey{
		PoolID:        poolID,
		KID:           kid,
		Use:           use,
		PrivateKeyDER: der,
		Active:        true,
	}}, nil
}

// save writes a generated key and caches it. Its creation time is the
// time it is stored, so that the keyring's order (oldest first) is the
// order in which writers took their turns.
func (s *Service) save(tx store.Tx, k *newKey) error {
	k.rec.CreatedAt = s.now().UTC()
	if err := tx.Keys().Create(k.rec); err != nil {
		return fmt.Errorf("tokens: store key: %w", err)
	}
	// Not cached here: the cache holds only keys read back from stored rows
	// (private), so a rolled-back key is never found in it.
	return nil
}

// keyID is Cognito's kid shape: standard base64 (with padding) of the
// SHA-256 of the public key's PKIX DER, 44 characters ending in "=".
func keyID(pub *rsa.PublicKey) (string, error) {
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return "", fmt.Errorf("tokens: encode public key: %w", err)
	}
	sum := sha256.Sum256(der)
	return base64.StdEncoding.EncodeToString(sum[:]), nil
}

// activeKey returns the newest active key of the given use, or nil. keys are
// oldest first, as store.KeyRepo.List returns them.
func activeKey(keys []*store.SigningKey, use string) *store.SigningKey {
	for i := len(keys) - 1; i >= 0; i-- {
		if k := keys[i]; k.Active && k.Use == use {
			return k
		}
	}
	return nil
}

// private returns the parsed private key of k, from the cache when it can.
func (s *Service) private(k *store.SigningKey) (*primitives.RSAKey, error) {
	if c, ok := s.cached(k.PoolID, k.KID); ok {
		return c.key, nil
	}
	parsed, err := x509.ParsePKCS8PrivateKey(k.PrivateKeyDER)
	if err != nil {
		return nil, fmt.Errorf("tokens: parse key %s: %w", k.KID, err)
	}
	priv, ok := parsed.(*rsa.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("tokens: key %s is %T, not RSA", k.KID, parsed)
	}
	if priv.N.BitLen() < keyBits {
		return nil, errors.New("tokens: key " + k.KID + " is shorter than 2048 bits")
	}
	key, err := primitives.NewRSAKey(priv)
	if err != nil {
		return nil, fmt.Errorf("tokens: key %s: %w", k.KID, err)
	}
	s.mu.Lock()
	if s.keys == nil || len(s.keys) >= maxCachedKeys {
		s.keys = make(map[cacheKey]cachedKey) // bounded: start again
	}
	s.keys[cacheKey{k.PoolID, k.KID}] = cachedKey{key: key, use: k.Use}
	s.mu.Unlock()
	return key, nil
}

// maxCachedKeys bounds the key cache: a server that has seen more keys
// since it last emptied it empties it again.
const maxCachedKeys = 8192

func (s *Service) cached(poolID, kid string) (cachedKey, bool) {
	s.mu.RLock()
	c, ok := s.keys[cacheKey{poolID, kid}]
	s.mu.RUnlock()
	return c, ok
}

func (s *Service) forget(poolID, kid string) {
	s.mu.Lock()
	delete(s.keys, cacheKey{poolID, kid})
	s.mu.Unlock()
}
