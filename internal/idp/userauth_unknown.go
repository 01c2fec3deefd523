package idp

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/google/uuid"
	"github.com/ninshou/ninshou/internal/store"
)

// Choice-based sign-in (USER_AUTH) for a username no user has, when the
// client's PreventUserExistenceErrors is ENABLED. Cognito "responds to
// requests for choice-based authentication with a random selection from
// the challenge types that the user pool allows. Your user pool might return
// a passkey, one-time password, or password challenge."
// https://docs.aws.amazon.com/cognito/latest/developerguide/cognito-user-pool-managing-errors.html
//
// So an unknown username is offered first factors as a user would be, and
// each one it picks is simulated to the end: a one-time password challenge
// names a masked destination (no message is sent) and refuses every code as
// a wrong one; a passkey challenge names a credential no authenticator holds.
// The selection is drawn once per username, keyed by the server's secret:
// asking again offers the same list, as it would for a real user, so the
// list's stability tells nothing either.

// unknownSeed is the stable randomness of an unknown username in a pool.
func (s *Service) unknownSeed(p *Pool, key string) []byte {
	m := hmac.New(sha256.New, s.FakeSRPSecret)
	fmt.Fprintf(m, "user-auth\x00%s\x00%s", p.ID, key)
	return m.Sum(nil)
}

// simulatedFactors is the first factors offered to the unknown username
// key: the password factors whenever the pool allows them (as for every
// user with a password); a one-time password to the address the name is,
// when the pool signs in by that address (every user found by it has it);
// and each other factor the pool allows by the username's seed, in
// Cognito's order.
func (s *Service) simulatedFactors(p *Pool, key string) []string {
	allowed := allowedFirstFactors(p)
	seed := s.unknownSeed(p, key)
	var out []string
	if slices.Contains(allowed, FactorPassword) {
		out = append(out, FactorPassword)
		if p.SRPEnabled() {
			out = append(out, FactorPasswordSRP)
		}
	}
	kinds := p.aliasKinds()
	surely := map[string]bool{
		FactorEmailOTP: slices.Contains(kinds, "email") && aliasShaped("email", key),
		FactorSMSOTP:   slices.Contains(kinds, "phone_number") && aliasShaped("phone_number", key),
	}
	for i, f := range []string{FactorEmailOTP, FactorSMSOTP, FactorWebAuthn} {
		if slices.Contains(allowed, f) && (surely[f] || seed[0]>>i&1 == 1) {
			out = append(out, f)
		}
	}
	if len(out) == 0 { // a pool whose only factors lost the draw
		for _, f := range []string{FactorEmailOTP, FactorSMSOTP, FactorWebAuthn} {
			if slices.Contains(allowed, f) {
				return []string{f}
			}
		}
	}
	return out
}

// simulatedCodeChallenge is an EMAIL_OTP or SMS_OTP challenge for an
// unknown username: a session that no code answers, and a destination
// masked as a real one would be (the username itself when it is an email
// address, as it is for most users of pools that sign in by email).
func (s *Service) simulatedCodeChallenge(ctx context.Context, p *Pool, c *Client, username, factor string, avail []string) (*Step, error) {
	key := p.usernameKey(username)
	seed := s.unknownSeed(p, key)
	medium, dest := "EMAIL", maskEmail(username)
	if factor == FactorEmailOTP && !strings.Contains(username, "@") {
		dest = string(rune('a'+seed[1]%26)) + "***@" + string(rune('a'+seed[2]%26)) + "***"
	}
	if factor == FactorSMSOTP {
		medium, dest = "SMS", maskPhone(username)
		if !phonePattern.MatchString(username) {
			dest = maskPhone(fmt.Sprintf("+1555%07d", (int(seed[3])<<16|int(seed[4])<<8|int(seed[5]))%10000000))
		}
	}
	st := sessionState{Unknown: key, Destination: dest, EventID: uuid.New().String(), AuthTime: s.now().Unix()}
	handle, hash := s.newHandle()
	if err := s.update(ctx, func(tx store.Tx) error {
		return s.storeSessionFor(tx, c, "", factor, st, hash)
	}); err != nil {
		return nil, err
	}
	return &Step{ChallengeName: factor, Session: handle, AvailableChallenges: avail, Parameters: map[string]string{
		"CODE_DELIVERY_DELIVERY_MEDIUM": medium,
		"CODE_DELIVERY_DESTINATION":     dest,
	}}, nil
}

// simulatedWebAuthnChallenge is a WEB_AUTHN challenge for an unknown
// username: request options naming one credential, stable for the
// username, that no authenticator holds.
func (s *Service) simulatedWebAuthnChallenge(ctx context.Context, p *Pool, c *Client, username string, avail []string) (*Step, error) {
	rpID, uv, err := s.viewRelyingParty(ctx, p)
	if err != nil {
		return nil, err
	}
	key := p.usernameKey(username)
	seed := s.unknownSeed(p, "passkey\x00"+key)
	// One or two passkeys, as users mostly have; IDs of the length
	// platform authenticators make, with their transports.
	creds := [][]byte{seed[:16]}
	if seed[16]&1 == 1 {
		creds = append(creds, seed[16:])
	}
	transports := [][]string{{"internal", "hybrid"}, {"hybrid", "internal"}, {"internal"}, {"usb"}}
	var allow []CredentialDescriptor
	for i, id := range creds {
		allow = append(allow, CredentialDescriptor{Type: "public-key", ID: b64(id), Transports: transports[int(seed[i+17])%len(transports)]})
	}
	cer := ceremony{RPID: rpID, UV: uv, Challenge: s.randomBytes(32), Allowed: creds, Unknown: key,
		EventID: uuid.New().String(), AuthTime: s.now().Unix(), Hosted: hostedFrom(ctx)}
	state, err := json.Marshal(cer)
	if err != nil {
		return nil, err
	}
	handle, hash := s.newHandle()
	err = s.update(ctx, func(tx store.Tx) error {
		now := s.now()
		return tx.Sessions().Create(&store.Session{IDHash: hash, PoolID: p.ID, ClientID: c.ID, Challenge: ChallengeWebAuthn,
			State: state, CreatedAt: now, ExpiresAt: now.Add(c.SessionTTL())})
	})
	if err != nil {
		return nil, err
	}
	opts, err := json.Marshal(RequestOptions{Challenge: b64(cer.Challenge), RPID: rpID,
		AllowCredentials: allow,
		UserVerification: uv, Timeout: c.SessionTTL().Milliseconds()})
	if err != nil {
		return nil, err
	}
	return &Step{ChallengeName: ChallengeWebAuthn, Session: handle, AvailableChallenges: avail,
		Parameters: map[string]string{"CREDENTIAL_REQUEST_OPTIONS": string(opts)}}, nil
}

// simulatedCodeAnswer answers a code sent to no one: the username must be
// the one the challenge was issued to (else the session is not theirs), the
// code must be there, and it is wrong, counted toward the session's
// attempts as a real wrong code is. It returns the failure to report once
// the attempt is committed.
func simulatedCodeAnswer(tx store.Tx, p *Pool, sess *store.Session, challenge, username string, r map[string]string) (failure, err error) {
	var st sessionState
	if json.Unmarshal(sess.State, &st) != nil || st.Unknown == "" || p.usernameKey(username) != st.Unknown {
		return nil, errSessionInvalid
	}
	if challenge != ChallengeEmailOTP && challenge != ChallengeSMSOTP {
		return nil, errSessionInvalid
	}
	key, _ := codeAnswer(challenge)
	if r[key] == "" {
		return nil, missing(key)
	}
	if _, err := tx.Sessions().AddAttempt(sess.IDHash); err != nil {
		return nil, err
	}
	return errCodeMismatch, nil
}
