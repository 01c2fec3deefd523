package idp

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	"github.com/google/uuid"
	"github.com/ninshou/ninshou/internal/store"
)

// USER_AUTH, choice-based sign-in. The pool's
// Policies.SignInPolicy.AllowedFirstAuthFactors say which first factors
// exist; the user's credentials narrow them to AvailableChallenges:
//
//	PASSWORD, PASSWORD_SRP  the user has a password (pool allows PASSWORD)
//	EMAIL_OTP               the user has an email address
//	SMS_OTP                 the user has a phone number
//	WEB_AUTHN               the user has a registered passkey (webauthn.go)
//
// Without PREFERRED_CHALLENGE (or with one that is not available) the answer
// is SELECT_CHALLENGE, answered with ANSWER=<factor> plus that factor's
// input; with it, sign-in goes straight to the factor. Passwordless codes
// have 8 digits, and no MFA follows them; PASSWORD and PASSWORD_SRP continue
// exactly as the password flows (NEW_PASSWORD_REQUIRED, MFA, tokens).
// https://docs.aws.amazon.com/cognito/latest/developerguide/authentication-flows-selection-sdk.html

// First factors (AuthFactorType) and USER_AUTH challenge names.
const (
	FactorPassword    = "PASSWORD"
	FactorPasswordSRP = "PASSWORD_SRP"
	FactorEmailOTP    = "EMAIL_OTP"
	FactorSMSOTP      = "SMS_OTP"
	FactorWebAuthn    = "WEB_AUTHN"
)

// passwordlessDigits is the length of EMAIL_OTP/SMS_OTP first-factor codes.
const passwordlessDigits = 8

// allowedFirstFactors is the pool's SignInPolicy; PASSWORD when unset.
func allowedFirstFactors(p *Pool) []string {
	if len(p.AllowedFirstAuthFactors) == 0 {
		return []string{FactorPassword}
	}
	return p.AllowedFirstAuthFactors
}

// availableFactors are the first factors the pool allows and u can use, in
// Cognito's order; passkeys says whether u has registered one. (An unknown
// username's are simulatedFactors.)
func availableFactors(p *Pool, u *store.User, passkeys bool) []string {
	allowed := allowedFirstFactors(p)
	var out []string
	if slices.Contains(allowed, FactorPassword) && u.PasswordHash != "" {
		out = append(out, FactorPassword)
		if p.SRPEnabled() {
			out = append(out, FactorPasswordSRP)
		}
	}
	if slices.Contains(allowed, FactorEmailOTP) && u.Attributes["email"] != "" {
		out = append(out, FactorEmailOTP)
	}
	if slices.Contains(allowed, FactorSMSOTP) && u.Attributes["phone_number"] != "" {
		out = append(out, FactorSMSOTP)
	}
	if slices.Contains(allowed, FactorWebAuthn) && passkeys && passkeyAllowed(p, u) {
		out = append(out, FactorWebAuthn)
	}
	return out
}

// userAuthStart is InitiateAuth(USER_AUTH).
func (s *Service) userAuthStart(ctx context.Context, p *Pool, c *Client, params map[string]string) (*Step, error) {
	username := params["USERNAME"]
	if username == "" {
		return nil, missing("USERNAME")
	}
	if err := checkSecretHash(c, []string{username}, params["SECRET_HASH"]); err != nil {
		return nil, err
	}
	var u *store.User
	var passkeys bool
	var resetErr error // u must set a password it does not have: the factors without one only
	err := s.view(ctx, func(tx store.Tx) error {
		var err error
		if u, err = findUser(tx, p, username); err != nil {
			return err
		}
		passkeys, err = hasPasskeys(tx, p.ID, u.Sub)
		return err
	})
	switch {
	case errors.Is(err, store.ErrNotFound):
		if c.PreventUserExistenceErrors != "ENABLED" {
			return nil, errUserNotFoundAuth
		}
		u = nil
	case err != nil:
		return nil, err
	default:
		if err := s.accountState(c, u); err != nil {
			// A user who must set a password and has none (an imported one)
			// may sign in without it meanwhile: "users can sign in with email
			// or SMS one-time passwords (OTPs) immediately after your import
			// job completes" (cognito-user-pools-using-import-tool.html). One
			// whose password an administrator reset must reset it first.
			if u.Status != StatusResetRequired || u.PasswordHash != "" || !errors.Is(err, errResetRequired) && !errors.Is(err, errIncorrect) {
				return nil, err
			}
			resetErr = err
		}
	}
	var avail []string
	if u != nil {
		avail = availableFactors(p, u, passkeys)
		if resetErr != nil {
			avail = slices.DeleteFunc(avail, func(f string) bool { return f == FactorPassword || f == FactorPasswordSRP })
			if len(avail) == 0 {
				return nil, resetErr
			}
		}
	} else {
		avail = s.simulatedFactors(p, p.usernameKey(username))
	}
	if pref := params["PREFERRED_CHALLENGE"]; pref != "" && slices.Contains(avail, pref) {
		return s.startFactor(ctx, p, c, u, pref, params, avail)
	}
	st := sessionState{EventID: uuid.New().String(), AuthTime: s.now().Unix(), Options: avail}
	sub := ""
	if u != nil {
		sub, st.Username = u.Sub, u.Username
	} else {
		st.Unknown = p.usernameKey(username)
	}
	handle, hash := s.newHandle()
	if err := s.update(ctx, func(tx store.Tx) error {
		return s.storeSessionFor(tx, c, sub, ChallengeSelect, st, hash)
	}); err != nil {
		return nil, err
	}
	return &Step{ChallengeName: ChallengeSelect, Session: handle, Parameters: map[string]string{},
		AvailableChallenges: avail}, nil
}

// startFactor begins one first factor. params carry USERNAME, SECRET_HASH
// and the factor's input (PASSWORD, SRP_A).
func (s *Service) startFactor(ctx context.Context, p *Pool, c *Client, u *store.User, factor string, params map[string]string, avail []string) (*Step, error) {
	switch factor {
	case FactorPassword:
		if params["PASSWORD"] == "" {
			return nil, missing("PASSWORD")
		}
		return s.passwordSignIn(ctx, p, c, params, nil)
	case FactorPasswordSRP:
		return s.srpStart(ctx, p, c, params, avail)
	case FactorEmailOTP, FactorSMSOTP:
		if u == nil {
			return s.simulatedCodeChallenge(ctx, p, c, params["USERNAME"], factor, avail)
		}
		var step *Step
		err := s.update(ctx, func(tx store.Tx) error {
			fresh, err := tx.Users().Get(p.ID, u.Sub)
			if err != nil {
				return err
			}
			st := sessionState{Username: fresh.Username, EventID: uuid.New().String(), AuthTime: s.now().Unix()}
			step, err = s.codeChallenge(tx, p, c, fresh, factor, st, passwordlessDigits)
			return err
		})
		if err != nil {
			return nil, err
		}
		step.AvailableChallenges = avail
		s.kick()
		return step, nil
	case FactorWebAuthn:
		if u == nil {
			return s.simulatedWebAuthnChallenge(ctx, p, c, params["USERNAME"], avail)
		}
		return s.webauthnChallenge(ctx, p, c, u, avail)
	}
	return nil, Errorf(InvalidParameterException, "Invalid challenge %s.", factor)
}

// respondSelectChallenge answers SELECT_CHALLENGE with ANSWER.
func (s *Service) respondSelectChallenge(ctx context.Context, p *Pool, c *Client, hash []byte, r map[string]string) (*Step, error) {
	username := r["USERNAME"]
	answer := r["ANSWER"]
	if answer == "" {
		return nil, missing("ANSWER")
	}
	switch answer {
	case FactorPassword:
		if r["PASSWORD"] == "" {
			return nil, missing("PASSWORD")
		}
	case FactorPasswordSRP:
		if r["SRP_A"] == "" {
			return nil, missing("SRP_A")
		}
	}
	var u *store.User
	err := s.update(ctx, func(tx store.Tx) error {
		sess, err := s.liveSession(tx, p, c, hash, ChallengeSelect)
		if err != nil {
			return err
		}
		var st sessionState
		if err := json.Unmarshal(sess.State, &st); err != nil {
			return fmt.Errorf("session state: %w", err)
		}
		if sess.Sub == "" {
			if p.usernameKey(username) != st.Unknown {
				return errSessionInvalid
			}
		} else {
			u, err = findUser(tx, p, username)
			if errors.Is(err, store.ErrNotFound) || err == nil && u.Sub != sess.Sub {
				return errSessionInvalid
			}
			if err != nil {
				return err
			}
		}
		if !slices.Contains(st.Options, answer) {
			return Errorf(InvalidParameterException, "Invalid challenge %s.", answer)
		}
		return consume(tx, hash, s.now())
	})
	if err != nil {
		return nil, err
	}
	return s.startFactor(ctx, p, c, u, answer, r, nil)
}

// sessionSignedUp marks the session ConfirmSignUp returns. It is no
// challenge: the confirmation code already passed for the first factor.
const sessionSignedUp = "SIGN_UP_CONFIRMED"

// sessionSignUp marks the session SignUp returns, which ConfirmSignUp may
// present. https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_SignUp.html (Session)
const sessionSignUp = "SIGN_UP"

// signUpSignIn is USER_AUTH with the Session of ConfirmSignUp: "Amazon
// Cognito assumes the SMS or email message one-time verification password
// from ConfirmSignUp as the primary authentication factor", valid once,
// within the client's session duration
// (https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_InitiateAuth.html,
// Session). So the answer is what follows a passwordless first factor:
// tokens, or a remembered device's challenge. Amplify's autoSignIn with
// authFlowType USER_AUTH signs in this way. (SignUp returns such a session
// too when a pre sign-up trigger confirms the user at once; without
// triggers every signed-up user waits for ConfirmSignUp, so SignUp returns
// none.)
func (s *Service) signUpSignIn(ctx context.Context, p *Pool, c *Client, params map[string]string, session string) (*Step, error) {
	username := params["USERNAME"]
	if username == "" {
		return nil, missing("USERNAME")
	}
	if err := checkSecretHash(c, []string{username}, params["SECRET_HASH"]); err != nil {
		return nil, err
	}
	hash := hashHandle(session)
	var step *Step
	var pending *pendingTokens
	err := s.updateGrant(ctx, p, c, &pending, func(tx store.Tx) error {
		step, pending = nil, nil
		sess, u, err := s.loadSession(tx, p, c, hash, sessionSignedUp, username)
		if err != nil {
			return err
		}
		if err := s.accountState(c, u); err != nil {
			return err
		}
		var st sessionState
		if err := json.Unmarshal(sess.State, &st); err != nil {
			return fmt.Errorf("session state: %w", err)
		}
		st.Admin = isAdminFlow(ctx)
		st.Hosted = hostedFrom(ctx) // a sign-up on the pages ends like a sign-in there
		if err := consume(tx, hash, s.now()); err != nil {
			return err
		}
		step, pending, err = s.deviceOrTokens(tx, p, c, u, st)
		return err
	})
	if err != nil {
		return nil, err
	}
	return s.finish(ctx, p, c, step, pending)
}

// passkeyAllowed: a passkey signs u in alone unless the sign-in needs MFA
// (the pool's MFA is on, or optional and u has a factor). Then only a
// passkey that counts as MFA may: the pool's FactorConfiguration is
// MULTI_FACTOR_WITH_USER_VERIFICATION ("passkey authentication with user
// verification satisfies MFA requirements", API_WebAuthnConfigurationType)
// and u's passkey MFA is on ("passkey sign-in is available when MFA is
// required", API_WebAuthnMfaSettingsType); the ceremony then requires
// user verification (webauthnChallenge).
func passkeyAllowed(p *Pool, u *store.User) bool {
	if challenge, _ := mfaFactors(p, u); challenge == "" {
		return true
	}
	return passkeyIsMFA(p, u)
}

// passkeyIsMFA: u's passkey MFA is on, in a pool whose passkeys count as a
// multi-factor (a flag set before the pool changed its setting does not).
func passkeyIsMFA(p *Pool, u *store.User) bool {
	return p.MFA.WebAuthnFactor == WebAuthnMultiFactor && decodeExtra(u).PasskeyMFA
}
