package idp

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"time"

	"github.com/ninshou/ninshou/internal/store"
)

// The pool's SAML signing certificate (GetSigningCertificate): the key a
// pool signs SAML authentication requests with, as a self-signed X.509
// certificate valid for ten years, which SAML IdPs are given to check
// those signatures. Made at the first request and kept.
// https://docs.aws.amazon.com/cognito/latest/developerguide/cognito-user-pools-SAML-signing-encrypting.html

const kindSAMLSigning = "saml-signing"

// samlSigningValidity is the ten years the API reference gives.
const samlSigningValidity = 10 * 365 * 24 * time.Hour

type samlSigningBody struct {
	Key  []byte `json:"key"`  // PKCS #8
	Cert []byte `json:"cert"` // DER
}

// newSAMLSigning makes a signing key and its certificate, named after the
// pool's SAML service-provider entity ID.
func (s *Service) newSAMLSigning(poolID string) (*samlSigningBody, error) {
	return s.newSAMLKeyPair(poolID, x509.KeyUsageDigitalSignature)
}

// newSAMLKeyPair makes a key and its certificate, for usage.
func (s *Service) newSAMLKeyPair(poolID string, usage x509.KeyUsage) (*samlSigningBody, error) {
	key, err := rsa.GenerateKey(s.rand(), 2048)
	if err != nil {
		return nil, err
	}
	serial, err := rand.Int(s.rand(), new(big.Int).Lsh(big.NewInt(1), 128))
	if err != nil {
		return nil, err
	}
	now := s.now()
	name := pkix.Name{CommonName: "urn:amazon:cognito:sp:" + poolID}
	tmpl := &x509.Certificate{
		SerialNumber: serial, Subject: name, Issuer: name,
		NotBefore: now.Add(-time.Minute), NotAfter: now.Add(samlSigningValidity),
		KeyUsage:              usage,
		BasicConstraintsValid: true,
	}
	cert, err := x509.CreateCertificate(s.rand(), tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, err
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, err
	}
	return &samlSigningBody{Key: der, Cert: cert}, nil
}

// noSigningKey: the pool has no SAML signing key yet. It is made outside
// any write transaction (an RSA key takes tens of milliseconds), by
// withSigningKey, which learns the pool from the error.
type noSigningKey struct{ poolID string }

func (e *noSigningKey) Error() string {
	return "idp: pool " + e.poolID + " has no SAML signing key yet"
}

// samlRequestKey is the pool's SAML signing key, read in tx, which signs
// AuthnRequests to providers whose RequestSigningAlgorithm is rsa-sha256
// and LogoutRequests; a *noSigningKey if the pool has none yet.
func (s *Service) samlRequestKey(tx store.Tx, poolID string) (*rsa.PrivateKey, error) {
	o, err := tx.PoolObjects().Get(poolID, kindSAMLSigning, poolLevel)
	if errors.Is(err, store.ErrNotFound) {
		return nil, &noSigningKey{poolID}
	}
	if err != nil {
		return nil, err
	}
	var b samlSigningBody
	if err := json.Unmarshal(o.Body, &b); err != nil {
		return nil, fmt.Errorf("idp: SAML signing key of %s: %w", poolID, err)
	}
	key, err := x509.ParsePKCS8PrivateKey(b.Key)
	if err != nil {
		return nil, fmt.Errorf("idp: SAML signing key of %s: %w", poolID, err)
	}
	rk, ok := key.(*rsa.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("idp: SAML signing key of %s is not RSA", poolID)
	}
	return rk, nil
}

// withSigningKey runs write, and, if it needed a pool's SAML signing key
// before the pool had one (its transaction then rolled back), makes the
// key as GetSigningCertificate does and runs write again.
func (s *Service) withSigningKey(ctx context.Context, write func() error) error {
	err := write()
	var missing *noSigningKey
	if !errors.As(err, &missing) {
		return err
	}
	if _, err := s.GetSigningCertificate(ctx, missing.poolID); err != nil {
		return err
	}
	return write()
}

// GetSigningCertificate returns the pool's SAML signing certificate, DER
// in base64 as the API answers it, making it on first use.
func (s *Service) GetSigningCertificate(ctx context.Context, poolID string) (string, error) {
	read := func(tx store.Tx) ([]byte, error) {
		if err := requirePool(tx, poolID); err != nil {
			return nil, err
		}
		o, err := tx.PoolObjects().Get(poolID, kindSAMLSigning, poolLevel)
		if err != nil {
			return nil, err
		}
		var b samlSigningBody
		if err := json.Unmarshal(o.Body, &b); err != nil {
			return nil, fmt.Errorf("idp: SAML signing certificate of %s: %w", poolID, err)
		}
		return b.Cert, nil
	}
	var cert []byte
	err := s.view(ctx, func(tx store.Tx) error {
		var err error
		cert, err = read(tx)
		return err
	})
	if errors.Is(err, store.ErrNotFound) {
		// The key is made outside the write; the pool's lock lets one
		// request (on any node) keep its own, and the others read it.
		b, err := s.newSAMLSigning(poolID)
		if err != nil {
			return "", err
		}
		body, err := json.Marshal(b)
		if err != nil {
			return "", err
		}
		err = s.update(ctx, func(tx store.Tx) error {
			if err := lockPool(tx, poolID); err != nil {
				return err
			}
			if cert, err = read(tx); !errors.Is(err, store.ErrNotFound) {
				return err
			}
			now := s.now()
			cert = b.Cert
			return tx.PoolObjects().Create(&store.PoolObject{PoolID: poolID, Kind: kindSAMLSigning, Key: poolLevel,
				Body: body, CreatedAt: now, UpdatedAt: now})
		})
		if err != nil {
			return "", err
		}
	} else if err != nil {
		return "", err
	}
	return base64.StdEncoding.EncodeToString(cert), nil
}

// Encrypted SAML responses: each SAML provider whose EncryptedResponses is
// "true" has a key pair of its own, whose certificate the provider's
// details show as ActiveEncryptionCertificate (base64 DER, as
// GetSigningCertificate answers) for the IdP to encrypt its assertions
// to; from then on only encrypted assertions are accepted from it. The key
// is kept when encryption is turned off, and goes with the provider.
// https://docs.aws.amazon.com/cognito/latest/developerguide/cognito-user-pools-SAML-signing-encryption.html

// samlEncryptionKey returns a key pair for ip if its details ask for
// encrypted responses and it has none (have), else nil.
func (s *Service) samlEncryptionKey(ip *IdentityProvider, have *samlSigningBody) (*samlSigningBody, error) {
	if ip.Type != ProviderSAML || ip.Details["EncryptedResponses"] != "true" || have != nil {
		return nil, nil
	}
	return s.newSAMLKeyPair(ip.PoolID, x509.KeyUsageKeyEncipherment)
}

// showEncryption gives ip the key pair made for it (if it has none yet)
// and shows its certificate while responses are encrypted.
func (ip *IdentityProvider) showEncryption(made *samlSigningBody) {
	if ip.Type != ProviderSAML {
		return
	}
	if ip.encryption == nil {
		ip.encryption = made
	}
	if ip.Details["EncryptedResponses"] == "true" && ip.encryption != nil {
		ip.Details["ActiveEncryptionCertificate"] = base64.StdEncoding.EncodeToString(ip.encryption.Cert)
		return
	}
	delete(ip.Details, "ActiveEncryptionCertificate")
}

// samlDecryptionKey is the key a provider's encrypted responses are read
// with; nil when it does not encrypt them.
func samlDecryptionKey(ip *IdentityProvider) (*rsa.PrivateKey, error) {
	if ip.Details["EncryptedResponses"] != "true" {
		return nil, nil
	}
	if ip.encryption == nil {
		return nil, fmt.Errorf("idp: SAML provider %s of %s has no encryption key", ip.Name, ip.PoolID)
	}
	key, err := x509.ParsePKCS8PrivateKey(ip.encryption.Key)
	if err != nil {
		return nil, err
	}
	rk, ok := key.(*rsa.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("idp: SAML provider %s of %s: the encryption key is not RSA", ip.Name, ip.PoolID)
	}
	return rk, nil
}
