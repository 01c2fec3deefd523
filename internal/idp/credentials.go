package idp

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math/big"
	"strings"
	"time"

	"github.com/ninshou/ninshou/internal/idp/srp"
	"github.com/ninshou/ninshou/internal/store"
)

// A user's password is stored twice, both derived in one place
// (passwordRecord) whenever a password is set: the argon2id hash that the
// password flows check, and the SRP salt and verifier that USER_SRP_AUTH
// needs. The verifier is only a salted SHA-256 derivation fixed by the
// client SDKs, so it is sealed (AES-256-GCM under the server key, bound to
// pool, sub and a version) before it reaches the store
// (research/security.md §4.1). Users set before verifiers existed, or while
// no server key was configured, simply fail SRP like a wrong password.

// passwordRecord is a password in its stored forms, computed outside any
// transaction (both derivations are slow on purpose or by nature).
type passwordRecord struct {
	hash     string
	salt     []byte
	verifier *big.Int // nil when the service has no Sealer
}

// poolName is the pool ID after the underscore, as SRP hashes it.
func poolName(poolID string) string {
	_, name, ok := strings.Cut(poolID, "_")
	if !ok {
		return poolID
	}
	return name
}

// passwordRecord derives the stored forms of pw for the user whose real
// (immutable) username is username. Every operation that sets a password
// calls it, then setPassword inside its transaction.
func (s *Service) passwordRecord(p *Pool, username, pw string) (*passwordRecord, error) {
	hash, err := s.Hasher.Hash(pw)
	if err != nil {
		return nil, internal(err)
	}
	rec := &passwordRecord{hash: hash}
	if s.Sealer != nil && p.SRPEnabled() {
		rec.salt = srp.NewSalt(s.rand())
		rec.verifier = srp.Verifier(poolName(p.ID), username, pw, rec.salt)
	}
	return rec, nil
}

// setPassword writes rec onto u (not saved): hash, set time and the sealed
// verifier under a new version, so an older sealed verifier copied back into
// the row no longer opens.
func (s *Service) setPassword(u *store.User, rec *passwordRecord, now time.Time) error {
	u.PasswordHash, u.PasswordSetAt = rec.hash, now
	x := decodeExtra(u)
	x.SRPSalt, x.SRPVerifier = nil, nil
	if rec.verifier != nil {
		x.SRPVersion++
		sealed, err := s.Sealer.SealVerifier(rec.verifier, srp.VerifierAAD(u.PoolID, u.Sub, x.SRPVersion))
		if err != nil {
			return internal(err)
		}
		x.SRPSalt, x.SRPVerifier = rec.salt, sealed
	}
	encodeExtra(u, x)
	return nil
}

// errNoVerifier: the user has no usable SRP verifier.
var errNoVerifier = errors.New("idp: user has no SRP verifier")

// userVerifier opens the user's SRP salt and verifier.
func (s *Service) userVerifier(u *store.User) (salt []byte, v *big.Int, err error) {
	x := decodeExtra(u)
	if s.Sealer == nil || len(x.SRPVerifier) == 0 {
		return nil, nil, errNoVerifier
	}
	v, err = s.Sealer.OpenVerifier(x.SRPVerifier, srp.VerifierAAD(u.PoolID, u.Sub, x.SRPVersion))
	if err != nil {
		return nil, nil, fmt.Errorf("open verifier of %s: %w", u.Sub, err)
	}
	return x.SRPSalt, v, nil
}

// secretAAD binds a sealed per-user secret (TOTP key, SRP state) to its
// purpose, pool and owner.
func secretAAD(purpose, poolID, sub string) []byte {
	b := []byte("ninshou/idp/" + purpose)
	for _, part := range []string{poolID, sub} {
		b = binary.BigEndian.AppendUint32(b, uint32(len(part)))
		b = append(b, part...)
	}
	return b
}

// sealSecret seals a small secret when a Sealer is configured; without one
// (unit tests) it is kept as is, tagged so it cannot be mistaken.
func (s *Service) sealSecret(purpose, poolID, sub string, secret []byte) []byte {
	if s.Sealer == nil {
		return append([]byte{0}, secret...)
	}
	return s.Sealer.Seal(secret, secretAAD(purpose, poolID, sub))
}

func (s *Service) openSecret(purpose, poolID, sub string, sealed []byte) ([]byte, error) {
	if len(sealed) > 0 && sealed[0] == 0 {
		return sealed[1:], nil
	}
	if s.Sealer == nil {
		return nil, errors.New("idp: sealed secret but no server key")
	}
	return s.Sealer.Open(sealed, secretAAD(purpose, poolID, sub))
}

// errConcurrentChange: the user changed between the slow derivation and
// the write (deleted and re-created under another name).
var errConcurrentChange = Errorf(ConcurrentModificationException, "The user was modified concurrently; retry the request.")
