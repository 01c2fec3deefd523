package idp

import (
	"context"
	"crypto/rand"
	"errors"
	"io"
	"log/slog"
	"math/big"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"

	"github.com/ninshou/ninshou/internal/idp/password"
	"github.com/ninshou/ninshou/internal/idp/srp"
	"github.com/ninshou/ninshou/internal/idp/tokens"
	"github.com/ninshou/ninshou/internal/store"
)

// Service is the domain: every operation of every adapter goes through it.
type Service struct {
	Store  store.Store
	Tokens *tokens.Service
	Hasher *password.Hasher
	// Sealer seals SRP verifiers and TOTP secrets under the server key;
	// nil disables SRP (every SRP proof then fails like a wrong password).
	Sealer *srp.Sealer
	// FakeSRPSecret derives the stable fake SRP answers for unknown users.
	FakeSRPSecret []byte
	// Region prefixes pool IDs (us-east-1_AbCdEf123).
	Region string
	// MailFrom is the sender when a pool sets none.
	MailFrom string
	// Kick wakes the outbox dispatcher after a message was enqueued.
	Kick func()
	Log  *slog.Logger
	// ImportUploadURL is the URL a user import job's CSV file is PUT to
	// (CreateUserImportJob's PreSignedUrl), built by the wire layer that
	// serves it; nil leaves PreSignedUrl empty.
	ImportUploadURL func(poolID, jobID, secret string) string
	// FetchURL reads a document an identity provider publishes (an OIDC
	// discovery document, SAML metadata), as Cognito does when a provider
	// is created; nil: such a provider must give its endpoints itself.
	FetchURL func(ctx context.Context, url string) ([]byte, error)
	// CallURL makes the requests of a federated sign-in to an OIDC
	// identity provider (its token, JWKS and userInfo endpoints); nil:
	// federated sign-in fails.
	CallURL CallURL
	// Invoke runs the pools' Lambda triggers; nil: triggers are not run
	// (and each is logged once).
	Invoke InvokeFunc
	// TriggerTimeout bounds one attempt of a trigger (three are made);
	// zero means Cognito's 5 seconds.
	TriggerTimeout time.Duration
	// UILogoURL is the URL a hosted UI logo (SetUICustomization's
	// ImageFile) is served at, built by the wire layer that serves it.
	UILogoURL func(poolID, clientKey, version string) string
	// Now and Rand are injected so that tests control time and randomness.
	Now  func() time.Time
	Rand io.Reader

	wakeOnce sync.Once
	wake     chan struct{} // a job was started here: RunImports looks now
	// samlMetadata caches SAML providers' metadata fetched from their
	// MetadataURL (samlIdP), by URL; samlFetch makes concurrent fetches of
	// one URL one.
	samlMetadata sync.Map
	samlFetch    singleflight.Group
}

func (s *Service) importWake() chan struct{} {
	s.wakeOnce.Do(func() { s.wake = make(chan struct{}, 1) })
	return s.wake
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC()
	}
	return time.Now().UTC()
}

func (s *Service) rand() io.Reader {
	if s.Rand != nil {
		return s.Rand
	}
	return rand.Reader
}

func (s *Service) log() *slog.Logger {
	if s.Log != nil {
		return s.Log
	}
	return slog.Default()
}

func (s *Service) kick() {
	if s.Kick != nil {
		s.Kick()
	}
}

const (
	lowerDigits = "abcdefghijklmnopqrstuvwxyz0123456789"
	alnum       = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	digits      = "0123456789"
)

// randomString draws n characters from alphabet, uniformly.
func (s *Service) randomString(alphabet string, n int) string {
	b := make([]byte, n)
	max := big.NewInt(int64(len(alphabet)))
	for i := range b {
		v, err := rand.Int(s.rand(), max)
		if err != nil {
			panic("idp: randomness failed: " + err.Error())
		}
		b[i] = alphabet[v.Int64()]
	}
	return string(b)
}

func (s *Service) randomBytes(n int) []byte {
	b := make([]byte, n)
	if _, err := io.ReadFull(s.rand(), b); err != nil {
		panic("idp: randomness failed: " + err.Error())
	}
	return b
}

// internal wraps an unexpected failure; adapters answer InternalErrorException.
func internal(err error) error {
	if err == nil {
		return nil
	}
	var e *Error
	if errors.As(err, &e) {
		return err
	}
	return &Error{Code: InternalErrorException, Message: "Internal server error.", Err: err}
}

func (s *Service) view(ctx context.Context, fn func(store.Tx) error) error {
	return internal(s.Store.View(ctx, fn))
}

func (s *Service) update(ctx context.Context, fn func(store.Tx) error) error {
	return internal(s.Store.Update(ctx, fn))
}
