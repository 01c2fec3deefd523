package idp

import (
	"context"
	"crypto/subtle"
	"encoding/base32"
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/hotp"

	"github.com/ninshou/ninshou/internal/store"
)

// Software tokens (TOTP MFA): RFC 6238 with SHA-1, 6 digits and 30-second
// steps, as authenticator apps and Cognito use them. A code is accepted one
// step either side of the server's clock, and each step at most once per
// user (the last accepted step is remembered), so a code seen once cannot
// be replayed in another session.
// https://docs.aws.amazon.com/cognito/latest/developerguide/user-pool-settings-mfa-totp.html

const (
	totpPeriod     = 30
	totpSecretSize = 20 // bytes: 32 base32 characters
)

var (
	errTOTPMismatch = Errorf(EnableSoftwareTokenMFAException, "Code mismatch and fail enable Software Token MFA") // aws-amplify-auth-starters#15 quotes the response
	errNoTOTP       = Errorf(SoftwareTokenMFANotFoundException, "User has not set up software token mfa")
	errTokenOrSess  = Errorf(InvalidParameterException, "Either AccessToken or Session must be provided.")
	// https://docs.aws.amazon.com/cognito/latest/developerguide/user-pool-settings-mfa-totp.html:
	// a pool without TOTP "can't use the token to associate or verify users".
	errTOTPOff = Errorf(SoftwareTokenMFANotFoundException, "Software Token MFA has not been enabled by the userPool")
	// A code already accepted once, in its 30-second window; real Cognito's
	// words, quoted by aws-amplify/amplify-swift's MFA sign-in tests.
	errTOTPReused = Errorf(ExpiredCodeException, "Your software token has already been used once.")
)

var base32NoPad = base32.StdEncoding.WithPadding(base32.NoPadding)

// totpStep is the current RFC 6238 counter.
func (s *Service) totpStep() int64 { return s.now().Unix() / totpPeriod }

// matchTOTP returns the step within ±1 of now whose code is code, and
// whether there is one after notBefore; reused reports a code that matches
// only a step at or before notBefore (one already accepted).
func (s *Service) matchTOTP(secret []byte, code string, notBefore int64) (step int64, ok, reused bool) {
	if len(code) != 6 {
		return 0, false, false
	}
	key := base32NoPad.EncodeToString(secret)
	now := s.totpStep()
	for at := now - 1; at <= now+1; at++ {
		want, err := hotp.GenerateCodeCustom(key, uint64(at), hotp.ValidateOpts{Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
		if err != nil || subtle.ConstantTimeCompare([]byte(want), []byte(code)) != 1 {
			continue
		}
		if at <= notBefore {
			reused = true
			continue
		}
		return at, true, false
	}
	return 0, false, reused
}

// totpKey is the user's verified secret.
func (s *Service) totpKey(u *store.User) ([]byte, error) {
	x := decodeExtra(u)
	switch {
	case !x.TOTPVerified:
		return nil, errNoTOTP
	case len(x.TOTPKey) > 0:
		return s.openSecret("totp", u.PoolID, u.Sub, x.TOTPKey)
	case x.TOTPSecret != "": // written before secrets were sealed
		return base32NoPad.DecodeString(x.TOTPSecret)
	}
	return nil, errNoTOTP
}

// checkTOTP answers SOFTWARE_TOKEN_MFA: the matching step, if any, and
// whether the code was one already used.
func (s *Service) checkTOTP(u *store.User, code string) (step int64, ok, reused bool, err error) {
	key, err := s.totpKey(u)
	if err != nil && !errors.Is(err, errNoTOTP) {
		// A secret sealed under another server key (a store restored without
		// its server.key) opens for no one: no code matches, as an SRP
		// verifier sealed so answers no password; the operator reads why.
		s.log().Warn("totp: unusable secret", "pool_id", u.PoolID, "err", err)
		return 0, false, false, nil
	}
	if err != nil {
		return 0, false, false, err
	}
	step, ok, reused = s.matchTOTP(key, code, decodeExtra(u).TOTPLastStep)
	return step, ok, reused, nil
}

// useTOTPStep remembers the step of an accepted code.
func (s *Service) useTOTPStep(tx store.Tx, p *Pool, u *store.User, step int64) error {
	x := decodeExtra(u)
	x.TOTPLastStep = step
	encodeExtra(u, x)
	u.UpdatedAt = s.now()
	return saveUser(tx, p, u)
}

// setupSession loads an MFA_SETUP session by handle for the token
// operations, which name no client.
func (s *Service) setupSession(tx store.Tx, handle string) (*store.Session, sessionState, *Pool, *store.User, error) {
	var st sessionState
	sess, err := tx.Sessions().Get(hashHandle(handle))
	if errors.Is(err, store.ErrNotFound) {
		return nil, st, nil, nil, errSessionInvalid
	}
	if err != nil {
		return nil, st, nil, nil, err
	}
	switch {
	case sess.Challenge != ChallengeMFASetup || sess.Attempts >= maxCodeAttempts:
		return nil, st, nil, nil, errSessionInvalid
	case sess.ConsumedAt != nil:
		return nil, st, nil, nil, errSessionUsed
	case !s.now().Before(sess.ExpiresAt):
		return nil, st, nil, nil, errSessionExpired
	}
	if err := json.Unmarshal(sess.State, &st); err != nil {
		return nil, st, nil, nil, fmt.Errorf("session state: %w", err)
	}
	p, err := getPool(tx, sess.PoolID)
	if err != nil {
		return nil, st, nil, nil, errSessionInvalid
	}
	u, err := tx.Users().Get(sess.PoolID, sess.Sub)
	if errors.Is(err, store.ErrNotFound) {
		return nil, st, nil, nil, errSessionInvalid
	}
	if err != nil {
		return nil, st, nil, nil, err
	}
	if !u.Enabled {
		return nil, st, nil, nil, errUserDisabled
	}
	if u.Attributes == nil {
		u.Attributes = map[string]string{}
	}
	return sess, st, p, u, nil
}

// nextSetupSession replaces a consumed MFA_SETUP session with a new one.
func (s *Service) nextSetupSession(tx store.Tx, sess *store.Session, st sessionState) (string, error) {
	c, err := getClient(tx, sess.ClientID)
	if err != nil {
		return "", errSessionInvalid
	}
	handle, hash := s.newHandle()
	return handle, s.storeSessionFor(tx, c, sess.Sub, ChallengeMFASetup, st, hash)
}

// AssociateSoftwareToken issues a new TOTP secret for the user of an access
// token, or of an MFA_SETUP session (which is then replaced by a new one).
// The secret becomes the user's token once VerifySoftwareToken accepts a code.
// https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_AssociateSoftwareToken.html
func (s *Service) AssociateSoftwareToken(ctx context.Context, accessToken, session string) (secretCode, newSession string, err error) {
	if (accessToken == "") == (session == "") {
		return "", "", errTokenOrSess
	}
	secret := s.randomBytes(totpSecretSize)
	err = s.update(ctx, func(tx store.Tx) error {
		var p *Pool
		var u *store.User
		if accessToken != "" {
			var err error
			if p, u, _, err = s.authorize(tx, accessToken); err != nil {
				return err
			}
		} else {
			sess, st, sp, su, err := s.setupSession(tx, session)
			if err != nil {
				return err
			}
			if err := consume(tx, sess.IDHash, s.now()); err != nil {
				return err
			}
			st.Setup = false
			if newSession, err = s.nextSetupSession(tx, sess, st); err != nil {
				return err
			}
			p, u = sp, su
		}
		if !p.MFA.TotpEnabled {
			return errTOTPOff
		}
		x := decodeExtra(u)
		x.TOTPPending = s.sealSecret("totp", u.PoolID, u.Sub, secret)
		encodeExtra(u, x)
		u.UpdatedAt = s.now()
		return saveUser(tx, p, u)
	})
	if err != nil {
		return "", "", err
	}
	return base32NoPad.EncodeToString(secret), newSession, nil
}

// VerifySoftwareToken checks a code of the associated secret and makes it
// the user's verified software token. With a Session (MFA_SETUP) it returns
// the session with which RespondToAuthChallenge(MFA_SETUP) completes sign-in.
// https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_VerifySoftwareToken.html
func (s *Service) VerifySoftwareToken(ctx context.Context, accessToken, session, code, friendlyName string) (newSession string, err error) {
	if (accessToken == "") == (session == "") {
		return "", errTokenOrSess
	}
	var failure error
	err = s.update(ctx, func(tx store.Tx) error {
		var p *Pool
		var u *store.User
		var sess *store.Session
		var st sessionState
		var err error
		if accessToken != "" {
			if p, u, _, err = s.authorize(tx, accessToken); err != nil {
				return err
			}
		} else if sess, st, p, u, err = s.setupSession(tx, session); err != nil {
			return err
		}
		if !p.MFA.TotpEnabled {
			return errTOTPOff
		}
		x := decodeExtra(u)
		if len(x.TOTPPending) == 0 {
			return errNoTOTP
		}
		secret, err := s.openSecret("totp", u.PoolID, u.Sub, x.TOTPPending)
		if err != nil {
			return internal(err)
		}
		step, ok, _ := s.matchTOTP(secret, code, 0)
		if !ok {
			if sess != nil {
				if _, err := tx.Sessions().AddAttempt(sess.IDHash); err != nil {
					return err
				}
			}
			failure = errTOTPMismatch
			return nil // commit the attempt
		}
		x.TOTPKey, x.TOTPPending = x.TOTPPending, nil
		x.TOTPSecret = ""
		x.TOTPVerified, x.TOTPFriendlyName, x.TOTPLastStep = true, friendlyName, step
		encodeExtra(u, x)
		u.UpdatedAt = s.now()
		if err := saveUser(tx, p, u); err != nil {
			return err
		}
		if sess == nil {
			return nil
		}
		if err := consume(tx, sess.IDHash, s.now()); err != nil {
			return err
		}
		st.Setup = true
		newSession, err = s.nextSetupSession(tx, sess, st)
		return err
	})
	if err != nil {
		return "", err
	}
	if failure != nil {
		return "", failure
	}
	return newSession, nil
}

// configuredFactors is GetUserAuthFactors' ConfiguredUserAuthFactors: the
// first factors USER_AUTH would offer this user, as the model's
// AuthFactorType names them (PASSWORD, EMAIL_OTP, SMS_OTP, WEB_AUTHN):
// PASSWORD_SRP is a challenge, not a factor of its own.
func configuredFactors(tx store.Tx, p *Pool, u *store.User) ([]string, error) {
	passkeys, err := hasPasskeys(tx, p.ID, u.Sub)
	if err != nil {
		return nil, err
	}
	return slices.DeleteFunc(availableFactors(p, u, passkeys), func(f string) bool { return f == FactorPasswordSRP }), nil
}

// UserAuthFactors is GetUserAuthFactors' answer.
type UserAuthFactors struct {
	Username     string
	MFAPreferred string
	MFAEnabled   []string
	Configured   []string
}

// GetUserAuthFactors lists the user's MFA settings and first factors.
func (s *Service) GetUserAuthFactors(ctx context.Context, accessToken string) (*UserAuthFactors, error) {
	var out *UserAuthFactors
	err := s.view(ctx, func(tx store.Tx) error {
		p, u, _, err := s.authorize(tx, accessToken)
		if err != nil {
			return err
		}
		configured, err := configuredFactors(tx, p, u)
		if err != nil {
			return err
		}
		out = &UserAuthFactors{Username: u.Username, MFAPreferred: u.MFAPreferred,
			MFAEnabled: slices.Clone(u.MFAEnabled), Configured: configured}
		return nil
	})
	return out, err
}
