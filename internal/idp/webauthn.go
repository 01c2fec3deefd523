package idp

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/protocol/webauthncose"
	"github.com/google/uuid"

	"github.com/ninshou/ninshou/internal/store"
)

// Passkeys (WebAuthn). A signed-in user registers one with
// StartWebAuthnRegistration (the PublicKeyCredentialCreationOptions to give
// navigator.credentials.create) and CompleteWebAuthnRegistration (the
// RegistrationResponseJSON it produced); ListWebAuthnCredentials and
// DeleteWebAuthnCredential manage them; USER_AUTH offers WEB_AUTHN as a first
// factor to users who have one, asking with CREDENTIAL_REQUEST_OPTIONS and
// answered with CREDENTIAL (an AuthenticationResponseJSON). No MFA follows a
// passkey: a sign-in that needs MFA offers one only when it counts as MFA
// (passkeyAllowed), with user verification.
// https://docs.aws.amazon.com/cognito/latest/developerguide/amazon-cognito-user-pools-authentication-flow-methods.html#amazon-cognito-user-pools-authentication-flow-methods-passkey
//
// The pool's WebAuthnConfiguration gives the relying party: RelyingPartyId
// (by default the pool's domain, see relyingParty; a pool with neither
// answers WebAuthnConfigurationMissingException) and UserVerification
// (preferred, or required). Passkeys are enabled when the
// pool's SignInPolicy allows the WEB_AUTHN first factor.
//
// Every challenge is single-use and server-side: a registration challenge
// is a session row keyed by the hash of the challenge itself (it comes back
// inside clientDataJSON), bound to the user and the app client that asked
// for it; a sign-in challenge lives in the WEB_AUTHN challenge's session.
// Attestation is verified but not trusted to a root (none, packed, tpm,
// apple, android-key, fido-u2f formats are checked by go-webauthn), as
// Cognito accepts any passkey provider.

// ChallengeWebAuthn is the USER_AUTH passkey challenge.
const ChallengeWebAuthn = "WEB_AUTHN"

const (
	// challengeWebAuthnRegistration marks a registration challenge's session
	// row; it never appears on the wire.
	challengeWebAuthnRegistration = "WEB_AUTHN_REGISTRATION"
	// webauthnRegistrationTTL is how long a registration challenge lives;
	// webauthnRegistrationTimeout the timeout the creation options give the
	// browser, Cognito's (the CLI's start-web-authn-registration example).
	webauthnRegistrationTTL     = 3 * time.Minute
	webauthnRegistrationTimeout = time.Minute
	// maxPasskeys is how many passkeys one user may register (the most
	// ListWebAuthnCredentials returns in one page).
	maxPasskeys = 20
	// uvPreferred and uvRequired are WebAuthnConfiguration.UserVerification.
	uvPreferred = "preferred"
	uvRequired  = "required"
)

var (
	errPasskeyChallenge = Errorf(WebAuthnChallengeNotFoundException, "The WebAuthn registration challenge is not found or has expired.")
	errPasskeyClient    = Errorf(WebAuthnClientMismatchException, "The access token is for a different app client than the one that started the registration.")
	errPasskeyRP        = Errorf(WebAuthnRelyingPartyMismatchException, "The credential is for a different relying party than the user pool's.")
	errPasskeyOrigin    = Errorf(WebAuthnOriginNotAllowedException, "The credential's origin is not allowed for the user pool's relying party.")
	errPasskeySignIn    = Errorf(NotAuthorizedException, "Invalid passkey credential.")
)

// Passkey is one registered credential as ListWebAuthnCredentials shows it.
type Passkey struct {
	CredentialID   string // base64url of the raw credential ID
	FriendlyName   string
	RelyingPartyID string
	Attachment     string // platform, cross-platform or ""
	Transports     []string
	CreatedAt      time.Time
}

// The WebAuthn JSON forms (WebAuthn Level 3, §5.1.8 and §5.1.10) that
// StartWebAuthnRegistration and CREDENTIAL_REQUEST_OPTIONS carry. Binary
// members are base64url without padding.
type (
	// CreationOptions is PublicKeyCredentialCreationOptionsJSON.
	CreationOptions struct {
		Challenge              string                 `json:"challenge"`
		RP                     RelyingParty           `json:"rp"`
		User                   PasskeyUser            `json:"user"`
		PubKeyCredParams       []CredentialParameter  `json:"pubKeyCredParams"`
		Timeout                int64                  `json:"timeout"`
		ExcludeCredentials     []CredentialDescriptor `json:"excludeCredentials"`
		AuthenticatorSelection AuthenticatorSelection `json:"authenticatorSelection"`
	}
	// RequestOptions is PublicKeyCredentialRequestOptionsJSON.
	RequestOptions struct {
		Challenge        string                 `json:"challenge"`
		RPID             string                 `json:"rpId"`
		AllowCredentials []CredentialDescriptor `json:"allowCredentials"`
		UserVerification string                 `json:"userVerification"`
		Timeout          int64                  `json:"timeout"`
	}
	RelyingParty struct {
		ID   string `json:"id"`
		Name string `json:"name"`
	}
	PasskeyUser struct {
		ID          string `json:"id"`
		Name        string `json:"name"`
		DisplayName string `json:"displayName"`
	}
	CredentialParameter struct {
		Type string `json:"type"`
		Alg  int    `json:"alg"`
	}
	CredentialDescriptor struct {
		Type       string   `json:"type"`
		ID         string   `json:"id"`
		Transports []string `json:"transports,omitempty"`
	}
	AuthenticatorSelection struct {
		ResidentKey        string `json:"residentKey"`
		RequireResidentKey bool   `json:"requireResidentKey"`
		UserVerification   string `json:"userVerification"`
	}
)

// supportedAlgorithms are the COSE algorithms offered: ES256 and RS256,
// which every passkey provider supports.
var supportedAlgorithms = []CredentialParameter{{Type: "public-key", Alg: -7}, {Type: "public-key", Alg: -257}}

// ceremony is the state a WebAuthn challenge's session row keeps.
type ceremony struct {
	RPID      string   `json:"rp"`
	UV        string   `json:"uv"`
	Challenge []byte   `json:"ch,omitempty"` // sign-in (registration rows are keyed by it)
	Allowed   [][]byte `json:"al,omitempty"`
	// Sign-in continuation, as sessionState has it (Hosted under the same
	// key, so that the sign-in page knows its own ceremonies).
	Username string       `json:"u,omitempty"`
	EventID  string       `json:"e,omitempty"`
	AuthTime int64        `json:"t,omitempty"`
	Hosted   *hostedGrant `json:"h,omitempty"`
	// Unknown is the username key of a simulated sign-in (no such user).
	Unknown string `json:"k,omitempty"`
}

// relyingParty is the pool's passkey configuration: its RP ID and
// user-verification requirement, or why passkeys cannot be used. Without
// a RelyingPartyId of its own the pool's domain is the RP ID: "When you
// create a custom domain, the passkey RP ID defaults to the custom domain"
// (CreateUserPoolDomain's CustomDomainConfig), else the prefix domain's
// host; WebAuthnConfigurationMissingException is for "a user pool
// [that] doesn't have a configured relying party id or a user pool domain".
func relyingParty(tx store.Tx, p *Pool) (rpID, uv string, err error) {
	var domains []*Domain
	if p.MFA.WebAuthnRelyingPartyID == "" && slices.Contains(allowedFirstFactors(p), FactorWebAuthn) {
		if domains, err = poolDomains(tx, p.ID); err != nil {
			return "", "", err
		}
	}
	return relyingPartyOf(p, domains)
}

// viewRelyingParty is relyingParty in a read of its own.
func (s *Service) viewRelyingParty(ctx context.Context, p *Pool) (rpID, uv string, err error) {
	err = s.view(ctx, func(tx store.Tx) (err error) { rpID, uv, err = relyingParty(tx, p); return err })
	return rpID, uv, err
}

// relyingPartyOf is relyingParty for a pool with the given domains.
func relyingPartyOf(p *Pool, domains []*Domain) (rpID, uv string, err error) {
	if !slices.Contains(allowedFirstFactors(p), FactorWebAuthn) {
		return "", "", Errorf(WebAuthnNotEnabledException, "Passkeys are not enabled for this user pool.")
	}
	rpID = p.MFA.WebAuthnRelyingPartyID
	if rpID == "" {
		for _, d := range domains { // a custom domain wins over a prefix
			if rpID = d.Host(); d.Custom() {
				break
			}
		}
	}
	if rpID == "" {
		return "", "", Errorf(WebAuthnConfigurationMissingException,
			"The user pool has no relying party ID (WebAuthnConfiguration.RelyingPartyId) and no domain.")
	}
	uv = p.MFA.WebAuthnUserVerification
	if uv != uvRequired {
		uv = uvPreferred
	}
	return rpID, uv, nil
}

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

// unb64 reads base64url with or without padding.
func unb64(s string) ([]byte, error) {
	return base64.RawURLEncoding.DecodeString(strings.TrimRight(s, "="))
}

// userHandle is the WebAuthn user ID given for a user: its sub. It is
// stable and reveals nothing the ID token does not.
func userHandle(u *store.User) []byte { return []byte(u.Sub) }

// registrationHash keys a registration challenge's session row.
func registrationHash(challenge []byte) []byte {
	h := sha256.Sum256(append([]byte("webauthn-registration:"), challenge...))
	return h[:]
}

// userPasskeys lists all of a user's credentials (at most maxPasskeys).
func userPasskeys(tx store.Tx, poolID, sub string) ([]*store.WebAuthnCredential, error) {
	var out []*store.WebAuthnCredential
	page := store.Page{Limit: maxPasskeys}
	for {
		creds, next, err := tx.WebAuthn().List(poolID, sub, page)
		if err != nil {
			return nil, err
		}
		out = append(out, creds...)
		if next == "" {
			return out, nil
		}
		page.After = next
	}
}

// hasPasskeys tells whether a user has at least one credential.
func hasPasskeys(tx store.Tx, poolID, sub string) (bool, error) {
	creds, _, err := tx.WebAuthn().List(poolID, sub, store.Page{Limit: 1})
	return len(creds) > 0, err
}

func descriptors(creds []*store.WebAuthnCredential) []CredentialDescriptor {
	out := make([]CredentialDescriptor, 0, len(creds))
	for _, c := range creds {
		out = append(out, CredentialDescriptor{Type: "public-key", ID: b64(c.ID), Transports: c.Transports})
	}
	return out
}

// StartWebAuthnRegistration issues creation options for a new passkey of
// the access token's user and remembers their challenge.
func (s *Service) StartWebAuthnRegistration(ctx context.Context, accessToken string) (*CreationOptions, error) {
	var out *CreationOptions
	err := s.update(ctx, func(tx store.Tx) error {
		p, u, claims, err := s.authorize(tx, accessToken)
		if err != nil {
			return err
		}
		out, err = s.newRegistration(tx, p, u, claims.ClientID)
		return err
	})
	return out, err
}

// newRegistration issues creation options for a new passkey of u, asked
// for through app client clientID, and remembers their challenge.
func (s *Service) newRegistration(tx store.Tx, p *Pool, u *store.User, clientID string) (*CreationOptions, error) {
	rpID, uv, err := relyingParty(tx, p)
	if err != nil {
		return nil, err
	}
	creds, err := userPasskeys(tx, p.ID, u.Sub)
	if err != nil {
		return nil, err
	}
	if len(creds) >= maxPasskeys {
		return nil, Errorf(LimitExceededException, "The user has the maximum number of passkeys (%d).", maxPasskeys)
	}
	challenge := s.randomBytes(32)
	state, err := json.Marshal(ceremony{RPID: rpID, UV: uv})
	if err != nil {
		return nil, err
	}
	now := s.now()
	if err := tx.Sessions().Create(&store.Session{
		IDHash: registrationHash(challenge), PoolID: p.ID, ClientID: clientID, Sub: u.Sub,
		Challenge: challengeWebAuthnRegistration, State: state, CreatedAt: now, ExpiresAt: now.Add(webauthnRegistrationTTL),
	}); err != nil {
		return nil, err
	}
	return &CreationOptions{
		Challenge:          b64(challenge),
		RP:                 RelyingParty{ID: rpID, Name: rpID},
		User:               PasskeyUser{ID: b64(userHandle(u)), Name: u.Username, DisplayName: u.Username},
		PubKeyCredParams:   supportedAlgorithms,
		Timeout:            webauthnRegistrationTimeout.Milliseconds(),
		ExcludeCredentials: descriptors(creds),
		AuthenticatorSelection: AuthenticatorSelection{
			ResidentKey: "required", RequireResidentKey: true, UserVerification: uv,
		},
	}, nil
}

// CompleteWebAuthnRegistration verifies a RegistrationResponseJSON against
// the challenge StartWebAuthnRegistration issued and stores the passkey.
// Checks run in this order: the access token, passkeys enabled, the
// challenge (known, live, unused, this user's), the app client, the origin,
// the relying party, then the attestation itself.
func (s *Service) CompleteWebAuthnRegistration(ctx context.Context, accessToken string, credential []byte) error {
	var p *Pool
	var sub, clientID string
	err := s.view(ctx, func(tx store.Tx) error {
		pool, u, claims, err := s.authorize(tx, accessToken)
		if err != nil {
			return err
		}
		p, sub, clientID = pool, u.Sub, claims.ClientID
		return nil
	})
	if err != nil {
		return err
	}
	return s.finishRegistration(ctx, p, sub, clientID, credential, func(tx store.Tx) error {
		_, _, _, err := s.authorize(tx, accessToken)
		return err
	})
}

// finishRegistration verifies a RegistrationResponseJSON of user sub,
// through app client clientID, against the challenge newRegistration issued
// and stores the passkey; stillAllowed checks again, in the transaction
// that stores it, that the caller may still add one (its access token or
// managed login session unrevoked).
func (s *Service) finishRegistration(ctx context.Context, p *Pool, sub, clientID string, credential []byte, stillAllowed func(store.Tx) error) error {
	// The pool's relying party now, not when the challenge was issued: a
	// credential for an RP the pool has since left is a mismatch.
	rpID, uv, err := s.viewRelyingParty(ctx, p)
	if err != nil {
		return err
	}
	parsed, err := protocol.ParseCredentialCreationResponseBytes(credential)
	if err != nil {
		return &Error{Code: InvalidParameterException, Message: "Credential data is not valid", Err: err}
	}
	cd := parsed.Response.CollectedClientData
	if cd.Type != protocol.CreateCeremony {
		return Errorf(InvalidParameterException, "Credential is not a registration response (clientDataJSON type %q).", cd.Type)
	}
	challenge, err := unb64(cd.Challenge)
	if err != nil || len(challenge) == 0 {
		return errPasskeyChallenge
	}
	key := registrationHash(challenge)

	err = s.view(ctx, func(tx store.Tx) error {
		sess, err := s.registrationSession(tx, key, p.ID, sub)
		if err != nil {
			return err
		}
		if sess.ClientID != clientID {
			return errPasskeyClient
		}
		return nil
	})
	if err != nil {
		return err
	}
	if !originAllowed(cd.Origin, rpID) {
		return errPasskeyOrigin
	}
	authData := parsed.Response.AttestationObject.AuthData
	if rpHash := sha256.Sum256([]byte(rpID)); subtle.ConstantTimeCompare(authData.RPIDHash, rpHash[:]) != 1 {
		return errPasskeyRP
	}
	params := make([]protocol.CredentialParameter, 0, len(supportedAlgorithms))
	for _, a := range supportedAlgorithms {
		params = append(params, protocol.CredentialParameter{Type: protocol.PublicKeyCredentialType, Algorithm: webauthncose.COSEAlgorithmIdentifier(a.Alg)})
	}
	if _, err := parsed.Verify(cd.Challenge, rpID, []string{cd.Origin}, nil, nil, protocol.TopOriginExplicitVerificationMode,
		false, uv == uvRequired, true, nil, params, protocol.AttestationPolicy{}, protocol.SignaturePolicy{}); err != nil {
		return &Error{Code: WebAuthnCredentialNotSupportedException,
			Message: "The passkey credential could not be verified or is not supported.", Err: errors.New(describe(err))}
	}
	if flags := authData.Flags; !flags.HasBackupEligible() && flags.HasBackupState() {
		return Errorf(WebAuthnCredentialNotSupportedException, "The passkey credential has an invalid backup state.")
	}

	rec := &store.WebAuthnCredential{
		PoolID: p.ID, Sub: sub, ID: authData.AttData.CredentialID, PublicKey: authData.AttData.CredentialPublicKey,
		SignCount: authData.Counter, RelyingPartyID: rpID, Attachment: string(parsed.AuthenticatorAttachment),
		AAGUID: authData.AttData.AAGUID,
	}
	for _, t := range parsed.Response.Transports {
		rec.Transports = append(rec.Transports, string(t))
	}
	rec.FriendlyName = friendlyName(rec.AAGUID, rec.Attachment)
	return s.update(ctx, func(tx store.Tx) error {
		if err := stillAllowed(tx); err != nil {
			return err
		}
		if _, err := s.registrationSession(tx, key, p.ID, sub); err != nil {
			return err
		}
		if err := tx.Sessions().Consume(key, s.now()); errors.Is(err, store.ErrConflict) {
			return errPasskeyChallenge
		} else if err != nil {
			return err
		}
		creds, err := userPasskeys(tx, p.ID, sub)
		if err != nil {
			return err
		}
		if len(creds) >= maxPasskeys {
			return Errorf(LimitExceededException, "The user has the maximum number of passkeys (%d).", maxPasskeys)
		}
		rec.CreatedAt = s.now()
		err = tx.WebAuthn().Create(rec)
		if errors.Is(err, store.ErrExists) {
			return Errorf(InvalidParameterException, "This passkey is already registered.")
		}
		return err
	})
}

// registrationSession finds the live registration challenge of a user.
func (s *Service) registrationSession(tx store.Tx, key []byte, poolID, sub string) (*store.Session, error) {
	sess, err := tx.Sessions().Get(key)
	if errors.Is(err, store.ErrNotFound) {
		return nil, errPasskeyChallenge
	}
	if err != nil {
		return nil, err
	}
	if sess.Challenge != challengeWebAuthnRegistration || sess.PoolID != poolID || sess.Sub != sub ||
		sess.ConsumedAt != nil || !s.now().Before(sess.ExpiresAt) {
		return nil, errPasskeyChallenge
	}
	return sess, nil
}

// ListWebAuthnCredentials pages through the access token's user's passkeys,
// oldest first. max is MaxResults (0: the most, 20).
func (s *Service) ListWebAuthnCredentials(ctx context.Context, accessToken string, max int, nextToken string) ([]Passkey, string, error) {
	if max <= 0 || max > maxPasskeys {
		max = maxPasskeys
	}
	var out []Passkey
	var next, scope string
	err := s.view(ctx, func(tx store.Tx) error {
		p, u, _, err := s.authorize(tx, accessToken)
		if err != nil {
			return err
		}
		scope = "ListWebAuthnCredentials\x00" + p.ID + "\x00" + u.Sub
		page, err := s.boundPage(scope, store.Page{Limit: max, After: nextToken})
		if err != nil {
			return err
		}
		creds, n, err := tx.WebAuthn().List(p.ID, u.Sub, page)
		if err != nil {
			return badPage(err)
		}
		next = n
		out = make([]Passkey, 0, len(creds))
		for _, c := range creds {
			out = append(out, Passkey{CredentialID: b64(c.ID), FriendlyName: c.FriendlyName, RelyingPartyID: c.RelyingPartyID,
				Attachment: c.Attachment, Transports: slices.Clone(c.Transports), CreatedAt: c.CreatedAt})
		}
		return nil
	})
	return out, s.boundToken(scope, next), err
}

// DeleteWebAuthnCredential removes one of the access token's user's passkeys.
func (s *Service) DeleteWebAuthnCredential(ctx context.Context, accessToken, credentialID string) error {
	errNotFound := Errorf(ResourceNotFoundException, "Credential not found.")
	id, err := unb64(credentialID)
	if err != nil || len(id) == 0 {
		return errNotFound
	}
	return s.update(ctx, func(tx store.Tx) error {
		p, u, _, err := s.authorize(tx, accessToken)
		if err != nil {
			return err
		}
		c, err := tx.WebAuthn().Get(p.ID, id)
		if errors.Is(err, store.ErrNotFound) || err == nil && c.Sub != u.Sub {
			return errNotFound
		}
		if err != nil {
			return err
		}
		return tx.WebAuthn().Delete(p.ID, u.Sub, id)
	})
}

// webauthnChallenge issues USER_AUTH's WEB_AUTHN challenge: request options
// naming the user's passkeys, and a session holding their challenge.
func (s *Service) webauthnChallenge(ctx context.Context, p *Pool, c *Client, u *store.User, avail []string) (*Step, error) {
	var step *Step
	err := s.update(ctx, func(tx store.Tx) error {
		rpID, uv, err := relyingParty(tx, p)
		if err != nil {
			return err
		}
		fresh, err := tx.Users().Get(p.ID, u.Sub)
		if err != nil {
			return err
		}
		all, err := userPasskeys(tx, p.ID, fresh.Sub)
		if err != nil {
			return err
		}
		// Passkeys registered for a relying party the pool has since left
		// cannot answer; the browser would not even offer them.
		creds := slices.DeleteFunc(all, func(cr *store.WebAuthnCredential) bool { return cr.RelyingPartyID != rpID })
		if len(creds) == 0 {
			return errIncorrect // the factor was offered, then the last passkey deleted
		}
		if passkeyIsMFA(p, fresh) { // "the user's passkey authentication requires user verification"
			uv = uvRequired
		}
		cer := ceremony{RPID: rpID, UV: uv, Challenge: s.randomBytes(32), Username: fresh.Username,
			EventID: uuid.New().String(), AuthTime: s.now().Unix(), Hosted: hostedFrom(ctx)}
		for _, cr := range creds {
			cer.Allowed = append(cer.Allowed, cr.ID)
		}
		state, err := json.Marshal(cer)
		if err != nil {
			return err
		}
		handle, hash := s.newHandle()
		now := s.now()
		if err := tx.Sessions().Create(&store.Session{
			IDHash: hash, PoolID: p.ID, ClientID: c.ID, Sub: fresh.Sub, Challenge: ChallengeWebAuthn,
			State: state, CreatedAt: now, ExpiresAt: now.Add(c.SessionTTL()),
		}); err != nil {
			return err
		}
		opts, err := json.Marshal(RequestOptions{Challenge: b64(cer.Challenge), RPID: rpID, AllowCredentials: descriptors(creds),
			UserVerification: uv, Timeout: c.SessionTTL().Milliseconds()})
		if err != nil {
			return err
		}
		step = &Step{ChallengeName: ChallengeWebAuthn, Session: handle, AvailableChallenges: avail,
			Parameters: map[string]string{"CREDENTIAL_REQUEST_OPTIONS": string(opts)}}
		return nil
	})
	return step, err
}

// respondWebAuthn answers the WEB_AUTHN challenge with CREDENTIAL: the
// assertion must come from one of the passkeys the challenge named, from an
// origin of the pool's relying party, sign this challenge, carry user
// verification when the pool requires it, and advance the signature
// counter. A failed assertion counts as a wrong code does (the session dies
// after maxCodeAttempts); a good one consumes the session and yields tokens.
func (s *Service) respondWebAuthn(ctx context.Context, p *Pool, c *Client, hash []byte, r map[string]string) (*Step, error) {
	username := r["USERNAME"]
	raw := r["CREDENTIAL"]
	if raw == "" {
		return nil, missing("CREDENTIAL")
	}
	var cer ceremony
	var cred *store.WebAuthnCredential
	var u *store.User
	var simulated bool
	err := s.view(ctx, func(tx store.Tx) error {
		sess, user, err := s.loadSession(tx, p, c, hash, ChallengeWebAuthn, username)
		if errors.Is(err, errSimulatedSession) {
			if json.Unmarshal(sess.State, &cer) != nil || cer.Unknown == "" || p.usernameKey(username) != cer.Unknown {
				return errSessionInvalid
			}
			simulated = true
			return nil
		}
		if err != nil {
			return err
		}
		u = user
		return json.Unmarshal(sess.State, &cer)
	})
	if err != nil {
		return nil, err
	}
	parsed, perr := protocol.ParseCredentialRequestResponseBytes([]byte(raw))
	if perr != nil {
		return nil, &Error{Code: InvalidParameterException, Message: "CREDENTIAL is not a valid AuthenticationResponseJSON.", Err: perr}
	}
	if simulated { // no authenticator holds the credential it named
		if err := s.update(ctx, func(tx store.Tx) error {
			_, err := tx.Sessions().AddAttempt(hash)
			return err
		}); err != nil {
			return nil, err
		}
		return nil, errPasskeySignIn
	}
	err = s.view(ctx, func(tx store.Tx) error {
		cr, err := tx.WebAuthn().Get(p.ID, parsed.RawID)
		if errors.Is(err, store.ErrNotFound) {
			return nil
		}
		cred = cr
		return err
	})
	if err != nil {
		return nil, err
	}
	if why := s.checkAssertion(parsed, cer, cred, u); why != nil {
		s.log().Info("passkey sign-in refused", "pool_id", p.ID, "client_id", c.ID, "reason", why.Error())
		err := s.update(ctx, func(tx store.Tx) error {
			_, err := tx.Sessions().AddAttempt(hash)
			return err
		})
		if err != nil {
			return nil, err
		}
		return nil, errPasskeySignIn
	}

	var pending *pendingTokens
	err = s.updateGrant(ctx, p, c, &pending, func(tx store.Tx) error {
		_, u, err := s.loadSession(tx, p, c, hash, ChallengeWebAuthn, username)
		if err != nil {
			return err
		}
		if err := consume(tx, hash, s.now()); err != nil {
			return err
		}
		// The counter is checked again under the write lock: two answers
		// signed by one authenticator cannot both advance it.
		cur, err := tx.WebAuthn().Get(p.ID, cred.ID)
		if errors.Is(err, store.ErrNotFound) {
			return errPasskeySignIn
		}
		if err != nil {
			return err
		}
		count := parsed.Response.AuthenticatorData.Counter
		if !counterAdvances(cur.SignCount, count) {
			return errPasskeySignIn
		}
		if count != cur.SignCount {
			if err := tx.WebAuthn().UpdateSignCount(p.ID, cred.ID, count); err != nil {
				return err
			}
		}
		// A new device is minted as after any sign-in (NewDeviceMetadata on
		// a tracking pool, not for the admin API); no device challenge follows.
		st := sessionState{Username: u.Username, EventID: cer.EventID, AuthTime: cer.AuthTime, Admin: isAdminFlow(ctx), Hosted: cer.Hosted}
		pending, err = s.grantTokens(tx, p, c, u, st)
		return err
	})
	if err != nil {
		return nil, err
	}
	return s.finish(ctx, p, c, nil, pending)
}

// checkAssertion says why an assertion does not sign the user in, or nil.
func (s *Service) checkAssertion(parsed *protocol.ParsedCredentialAssertionData, cer ceremony, cred *store.WebAuthnCredential, u *store.User) error {
	switch {
	case cred == nil || cred.Sub != u.Sub:
		return errors.New("credential not registered to the user")
	case !slices.ContainsFunc(cer.Allowed, func(id []byte) bool { return bytes.Equal(id, cred.ID) }):
		return errors.New("credential not among the challenge's allowCredentials")
	case len(parsed.Response.UserHandle) > 0 && !bytes.Equal(parsed.Response.UserHandle, userHandle(u)):
		return errors.New("user handle is not the user's")
	case !originAllowed(parsed.Response.CollectedClientData.Origin, cer.RPID):
		return fmt.Errorf("origin %q not allowed for relying party %q", parsed.Response.CollectedClientData.Origin, cer.RPID)
	}
	err := parsed.Verify(b64(cer.Challenge), cer.RPID, "", []string{parsed.Response.CollectedClientData.Origin}, nil, nil,
		protocol.TopOriginExplicitVerificationMode, false, cer.UV == uvRequired, true, cred.PublicKey, protocol.SignaturePolicy{})
	if err != nil {
		return errors.New(describe(err))
	}
	if flags := parsed.Response.AuthenticatorData.Flags; !flags.HasBackupEligible() && flags.HasBackupState() {
		return errors.New("backup state without backup eligibility")
	}
	if !counterAdvances(cred.SignCount, parsed.Response.AuthenticatorData.Counter) {
		return fmt.Errorf("signature counter %d does not advance past %d (cloned authenticator?)",
			parsed.Response.AuthenticatorData.Counter, cred.SignCount)
	}
	return nil
}

// counterAdvances is WebAuthn §7.2 step 21: an authenticator that counts
// signatures must count up; one that always reports 0 (many synced
// passkeys) is accepted.
func counterAdvances(stored, got uint32) bool {
	return got == 0 && stored == 0 || got > stored
}

// originAllowed is the WebAuthn origin rule for the pool's relying party:
// the origin's host is the RP ID or a subdomain of it, over https, or over
// http on localhost, which browsers treat as a secure context.
func originAllowed(origin, rpID string) bool {
	o, err := url.Parse(origin)
	if err != nil || o.Host == "" || o.User != nil || (o.Path != "" && o.Path != "/") || o.RawQuery != "" || o.Fragment != "" {
		return false
	}
	host, rp := strings.ToLower(o.Hostname()), strings.ToLower(rpID)
	if rp == "" || host != rp && !strings.HasSuffix(host, "."+rp) {
		return false
	}
	switch o.Scheme {
	case "https":
		return true
	case "http":
		return host == "localhost" || strings.HasSuffix(host, ".localhost")
	}
	return false
}

// describe flattens a go-webauthn error (its details are the useful part)
// for the log.
func describe(err error) string {
	var pe *protocol.Error
	if errors.As(err, &pe) {
		return strings.TrimSpace(pe.Type + ": " + pe.Details + " " + pe.DevInfo)
	}
	return err.Error()
}

// friendlyName names a new passkey after its provider, known by AAGUID, or
// its kind.
func friendlyName(aaguid []byte, attachment string) string {
	if id, err := uuid.FromBytes(aaguid); err == nil {
		if name, ok := knownProviders[id.String()]; ok {
			return name
		}
	}
	if attachment == string(protocol.CrossPlatform) {
		return "Security key"
	}
	return "Passkey"
}

// knownProviders are the AAGUIDs of common passkey providers.
var knownProviders = map[string]string{
	"ea9b8d66-4d01-1d21-3ce4-b6b48cb575d4": "Google Password Manager",
	"fbfc3007-154e-4ecc-8c0b-6e020557d7bd": "iCloud Keychain",
	"adce0002-35bc-c60a-648b-0b25f1f05503": "Chrome on Mac",
	"08987058-cadc-4b81-b6e1-30de50dcbe96": "Windows Hello",
	"bada5566-a7aa-401f-bd96-45619a55120d": "1Password",
	"d548826e-79b4-db40-a3d8-11116f7e8349": "Bitwarden",
}
