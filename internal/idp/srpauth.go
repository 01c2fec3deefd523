package idp

import (
	"context"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"time"

	"github.com/google/uuid"
	"github.com/ninshou/ninshou/internal/idp/srp"
	"github.com/ninshou/ninshou/internal/store"
)

// SRP sign-in (USER_SRP_AUTH, and USER_AUTH's PASSWORD_SRP factor):
//
//	InitiateAuth(USERNAME, SRP_A) -> PASSWORD_VERIFIER {SALT, SECRET_BLOCK, SRP_B, USERNAME, USER_ID_FOR_SRP}
//	RespondToAuthChallenge(PASSWORD_VERIFIER: USERNAME, PASSWORD_CLAIM_SECRET_BLOCK,
//	                       PASSWORD_CLAIM_SIGNATURE, TIMESTAMP) -> as after a password
//
// Cognito issues PASSWORD_VERIFIER without a Session; the challenge state
// lives in a stored session whose handle is the SECRET_BLOCK itself (the
// base64 of 32 random bytes), so the answer is single-use and expires with
// AuthSessionValidity like any session. The server's secret b is sealed in
// that row. Unknown users (PreventUserExistenceErrors ENABLED) get a stable
// fake salt, a UUID-shaped USER_ID_FOR_SRP and a B from a verifier nobody
// knows, and fail the proof after the same work as a real user.
// research/cognito-semantics.md §7, research/security.md §4.1.

// timestampSkew is how far TIMESTAMP may be from the server's clock. AWS
// documents no figure ("within a few seconds" for the answer); ±5 minutes
// tolerates ordinary client clock skew (research §3.2 recommendation).
const timestampSkew = 5 * time.Minute

// srpStart answers SRP_A with PASSWORD_VERIFIER. avail is non-nil for
// USER_AUTH (the step then also lists AvailableChallenges).
func (s *Service) srpStart(ctx context.Context, p *Pool, c *Client, params map[string]string, avail []string) (*Step, error) {
	username := params["USERNAME"]
	if username == "" {
		return nil, missing("USERNAME")
	}
	if err := checkSecretHash(c, []string{username}, params["SECRET_HASH"]); err != nil {
		return nil, err
	}
	aHex := params["SRP_A"]
	if aHex == "" {
		return nil, missing("SRP_A")
	}
	A, err := srp.ParseA(aHex)
	if err != nil {
		// A = 0 mod N, out of range or not hex: refused before any work.
		return nil, errIncorrect
	}
	var u *store.User
	err = s.view(ctx, func(tx store.Tx) error {
		var err error
		u, err = findUser(tx, p, username)
		return err
	})
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return nil, err
	}
	st := sessionState{EventID: uuid.New().String(), AuthTime: s.now().Unix(), SRPA: srp.Hex(A)}
	var salt []byte
	var v *big.Int
	var userID, sub string
	if u == nil {
		if c.PreventUserExistenceErrors != "ENABLED" {
			return nil, errUserNotFoundAuth
		}
		key := p.usernameKey(username)
		salt = srp.FakeSalt(s.FakeSRPSecret, p.ID, key)
		userID = srp.FakeUserID(s.FakeSRPSecret, p.ID, key)
		v = srp.FakeVerifier(s.FakeSRPSecret, p.ID, key)
		st.Username, st.Unknown = userID, key
	} else {
		if err := s.accountState(c, u); err != nil {
			return nil, err
		}
		if customStateFrom(ctx) == nil { // custom authentication ran it already
			if err := s.preAuthentication(ctx, p, c, u); err != nil {
				return nil, err
			}
		}
		userID, sub = u.Username, u.Sub
		st.Username = u.Username
		salt, v, err = s.userVerifier(u)
		if err != nil {
			if !errors.Is(err, errNoVerifier) {
				s.log().Warn("srp: unusable verifier", "pool_id", p.ID, "err", err)
			}
			// No verifier (set before SRP existed): a well-formed challenge
			// that no password answers, counted as a wrong password.
			salt = srp.FakeSalt(s.FakeSRPSecret, p.ID, "\x00"+u.Sub)
			v = srp.FakeVerifier(s.FakeSRPSecret, p.ID, "\x00"+u.Sub)
			st.NoVerifier = true
		}
	}
	ch, err := srp.NewChallenge(v, s.rand())
	if err != nil {
		return nil, internal(err)
	}
	block := base64.StdEncoding.EncodeToString(s.randomBytes(32))
	hash := hashHandle(block)
	state, err := ch.MarshalBinary()
	if err != nil {
		return nil, internal(err)
	}
	st.SRPState = s.sealSecret("srp-challenge", p.ID, hex.EncodeToString(hash), state)
	st.Custom = customStateFrom(ctx)
	err = s.update(ctx, func(tx store.Tx) error {
		return s.storeSessionFor(tx, c, sub, ChallengePasswordSRP, st, hash)
	})
	if err != nil {
		return nil, err
	}
	return &Step{ChallengeName: ChallengePasswordSRP, AvailableChallenges: avail, Parameters: map[string]string{
		"SALT":            srp.SaltHex(salt),
		"SECRET_BLOCK":    block,
		"SRP_B":           ch.BHex(),
		"USERNAME":        userID,
		"USER_ID_FOR_SRP": userID,
	}}, nil
}

// srpVerify checks the client's proof and continues as a password sign-in.
func (s *Service) srpVerify(ctx context.Context, p *Pool, c *Client, r map[string]string) (*Step, error) {
	username := r["USERNAME"]
	block := r["PASSWORD_CLAIM_SECRET_BLOCK"]
	if block == "" {
		return nil, missing("PASSWORD_CLAIM_SECRET_BLOCK")
	}
	claim := r["PASSWORD_CLAIM_SIGNATURE"]
	if claim == "" {
		return nil, missing("PASSWORD_CLAIM_SIGNATURE")
	}
	timestamp := r["TIMESTAMP"]
	if timestamp == "" {
		return nil, missing("TIMESTAMP")
	}
	hash := hashHandle(block)
	var sess *store.Session
	var st sessionState
	var u *store.User
	err := s.view(ctx, func(tx store.Tx) error {
		var err error
		sess, err = s.liveSession(tx, p, c, hash, ChallengePasswordSRP)
		if errors.Is(err, errSessionInvalid) {
			// A SECRET_BLOCK Cognito never issued (or another client's) is
			// a failed proof to it: "Incorrect username or password."
			// (measured against Cognito in ministackorg/ministack#1758).
			return errIncorrect
		}
		if err != nil {
			return err
		}
		if err := json.Unmarshal(sess.State, &st); err != nil {
			return fmt.Errorf("session state: %w", err)
		}
		if sess.Sub == "" {
			if username != st.Username && p.usernameKey(username) != st.Unknown {
				return errSessionInvalid
			}
			return nil
		}
		u, err = findUser(tx, p, username)
		if errors.Is(err, store.ErrNotFound) || err == nil && u.Sub != sess.Sub {
			return errSessionInvalid
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	if u != nil {
		if err := s.accountState(c, u); err != nil {
			return nil, err
		}
	}

	// The proof, outside any transaction: one modular exponentiation, the
	// same for real, verifier-less and unknown users.
	ok := false
	raw, err := s.openSecret("srp-challenge", p.ID, hex.EncodeToString(hash), st.SRPState)
	if err != nil {
		return nil, internal(err)
	}
	ch, err := srp.UnmarshalChallenge(raw)
	if err != nil {
		return nil, internal(err)
	}
	A, err := srp.ParseA(st.SRPA)
	if err != nil {
		return nil, internal(err)
	}
	var v *big.Int
	switch {
	case u == nil:
		v = srp.FakeVerifier(s.FakeSRPSecret, p.ID, st.Unknown)
	case st.NoVerifier:
		v = srp.FakeVerifier(s.FakeSRPSecret, p.ID, "\x00"+u.Sub)
	default:
		if _, v, err = s.userVerifier(u); err != nil {
			// Changed since the challenge (password reset): this proof cannot match.
			v = srp.FakeVerifier(s.FakeSRPSecret, p.ID, "\x00"+u.Sub)
			st.NoVerifier = true
		}
	}
	if K, err := ch.Key(A, v); err == nil {
		blockBytes, _ := base64.StdEncoding.DecodeString(block)
		ok = srp.VerifyClaim(K, poolName(p.ID), st.Username, blockBytes, timestamp, claim)
	}
	if ts, err := srp.ParseTimestamp(timestamp); err != nil || s.now().Sub(ts).Abs() > timestampSkew {
		ok = false
	}
	if u == nil || st.NoVerifier {
		ok = false
	}
	// The device is the one this answer presents (the SDKs repeat
	// InitiateAuth's DEVICE_KEY here). One the pool does not know fails
	// before the challenge is used: amazon-cognito-identity-js then resends
	// this very answer without DEVICE_KEY.
	deviceKey := r["DEVICE_KEY"]
	if ok && deviceKey != "" {
		err := s.view(ctx, func(tx store.Tx) error {
			_, err := signInDevice(tx, p, u, deviceKey)
			return err
		})
		if err != nil {
			return nil, err
		}
	}

	// The challenge is used up whatever the outcome: one guess per SRP_B.
	var locked bool
	err = s.update(ctx, func(tx store.Tx) error {
		if err := consume(tx, hash, s.now()); err != nil {
			return err
		}
		if !ok && u != nil {
			var err error
			locked, err = s.recordSignInFailureTx(tx, p, u.Sub)
			return err
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if locked {
		return nil, errLockedOut
	}
	if !ok {
		return nil, errIncorrect
	}
	if st.Custom != nil {
		// Custom authentication with SRP: back to Define, which sees the
		// verifier's result.
		next := sessionState{Username: u.Username, EventID: uuid.New().String(), AuthTime: s.now().Unix(), Admin: st.Admin}
		results := append(st.Custom.Results, challengeResult{ChallengeName: ChallengePasswordSRP, ChallengeResult: true})
		return s.customNext(ctx, p, c, u, next, results, nil)
	}
	return s.afterPassword(ctx, p, c, u.Sub, deviceKey)
}

// liveSession finds an unconsumed, unexpired session of this client for
// challenge, without resolving its user.
func (s *Service) liveSession(tx store.Tx, p *Pool, c *Client, hash []byte, challenge string) (*store.Session, error) {
	sess, err := tx.Sessions().Get(hash)
	if errors.Is(err, store.ErrNotFound) {
		return nil, errSessionInvalid
	}
	if err != nil {
		return nil, err
	}
	switch {
	case sess.ClientID != c.ID || sess.PoolID != p.ID || sess.Challenge != challenge:
		return nil, errSessionInvalid
	case sess.Attempts >= maxCodeAttempts:
		return nil, errSessionInvalid
	case sess.ConsumedAt != nil:
		return nil, errSessionUsed
	case !s.now().Before(sess.ExpiresAt):
		return nil, errSessionExpired
	}
	return sess, nil
}

// storeSessionFor stores a session for a user by sub ("" for a simulated
// unknown user).
func (s *Service) storeSessionFor(tx store.Tx, c *Client, sub, challenge string, st sessionState, hash []byte) error {
	return s.storeSessionTTL(tx, c, sub, challenge, st, hash, c.SessionTTL())
}

// storeSessionTTL is storeSessionFor with a lifetime other than the
// client's AuthSessionValidity.
func (s *Service) storeSessionTTL(tx store.Tx, c *Client, sub, challenge string, st sessionState, hash []byte, ttl time.Duration) error {
	state, err := json.Marshal(st)
	if err != nil {
		return err
	}
	now := s.now()
	return tx.Sessions().Create(&store.Session{
		IDHash: hash, PoolID: c.PoolID, ClientID: c.ID, Sub: sub, Challenge: challenge,
		State: state, CreatedAt: now, ExpiresAt: now.Add(ttl),
	})
}
