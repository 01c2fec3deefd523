package idp

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"

	"github.com/ninshou/ninshou/internal/idp/samlsp"
	"github.com/ninshou/ninshou/internal/store"
)

// SAML single logout: the logout endpoint sends a user whose managed login
// session came from a SAML provider with IDPSignout to the IdP's
// SingleLogoutService with a LogoutRequest signed by the pool's signing
// certificate; the IdP posts its LogoutResponse to /saml2/logout, which
// sends the browser on to where the sign-out was going.
// https://docs.aws.amazon.com/cognito/latest/developerguide/cognito-user-pools-saml-idp-sign-out.html

// SAMLLogoutPath is where a SAML provider posts its LogoutResponse.
const SAMLLogoutPath = "/saml2/logout"

// sessionSAMLLogout is a single logout waiting for its LogoutResponse.
const sessionSAMLLogout = "SAML_LOGOUT"

// samlLogoutState is what a waiting single logout remembers.
type samlLogoutState struct {
	Provider    string `json:"p"`
	RequestID   string `json:"r"`
	Destination string `json:"d"`
}

// ErrSAMLLogoutState: the RelayState posted to /saml2/logout is not a
// single logout waiting here (unknown, used, or older than 5 minutes).
var ErrSAMLLogoutState = errors.New("idp: no SAML logout waits for this state")

// samlLogoutRequest records a single logout of the SAML session saml and
// returns the IdP's logout URL with its signed LogoutRequest.
func (s *Service) samlLogoutRequest(tx store.Tx, poolID string, saml *samlSignIn, slo, destination string) (string, error) {
	key, err := s.samlRequestKey(tx, poolID)
	if err != nil {
		return "", err
	}
	handle, hash := s.newHandle()
	st := samlLogoutState{Provider: saml.Provider, RequestID: "_" + hex.EncodeToString(s.randomBytes(20)), Destination: destination}
	body, err := json.Marshal(st)
	if err != nil {
		return "", err
	}
	now := s.now()
	if err := tx.Sessions().Create(&store.Session{IDHash: hash, PoolID: poolID, Challenge: sessionSAMLLogout, State: body,
		CreatedAt: now, ExpiresAt: now.Add(federationTTL)}); err != nil {
		return "", err
	}
	return samlsp.LogoutRedirectURL(slo, samlsp.LogoutRequest{ID: st.RequestID, Issuer: samlEntityID(poolID),
		NameID: saml.NameID, NameIDFormat: saml.NameIDFormat, NameQualifier: saml.NameQualifier, SPNameQualifier: saml.SPNameQualifier,
		SessionIndex: saml.SessionIndex, IssuedAt: now}, handle, key)
}

// FinishSAMLLogout takes a provider's LogoutResponse to the single logout
// relayState names and returns where the sign-out was going. A
// LogoutResponse that does not check out (not the provider's, for another
// request, not a success) is refused; the managed login session ended when
// the logout began either way.
func (s *Service) FinishSAMLLogout(ctx context.Context, relayState, response string) (string, error) {
	if relayState == "" {
		return "", ErrSAMLLogoutState
	}
	hash := hashHandle(relayState)
	var st samlLogoutState
	var poolID string
	err := s.update(ctx, func(tx store.Tx) error {
		sess, err := s.takeSession(tx, hash, sessionSAMLLogout, &st, ErrSAMLLogoutState, nil)
		if err == nil {
			poolID = sess.PoolID
		}
		return err
	})
	if err != nil {
		return "", err
	}
	var ip *IdentityProvider
	if err := s.view(ctx, func(tx store.Tx) error {
		var err error
		ip, _, err = getIdentityProvider(tx, poolID, st.Provider)
		return err
	}); err != nil {
		if IsCode(err, ResourceNotFoundException) {
			return st.Destination, nil // the provider is gone: nothing to check it against
		}
		return "", err
	}
	idp, err := s.samlIdP(ctx, ip)
	if err != nil {
		return "", ErrSAMLLogoutState
	}
	if err := samlsp.VerifyLogoutResponse(response, idp, st.RequestID, s.now()); err != nil {
		s.log().InfoContext(ctx, "SAML logout response refused", "pool", poolID, "provider", st.Provider, "err", err)
		return "", ErrSAMLLogoutState
	}
	return st.Destination, nil
}
