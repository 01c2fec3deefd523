package tokens

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/ninshou/ninshou/internal/primitives"
	"github.com/ninshou/ninshou/internal/store"
)

// Cognito's messages for a refused access token; both go out as
// NotAuthorizedException.
const (
	MsgInvalidAccessToken = "Invalid Access Token"
	MsgExpiredAccessToken = "Access Token has expired"
)

// Error is why VerifyAccess refused a token. Message is Cognito's text (one
// of the Msg constants) and is what the caller sends; Err is the cause, for
// the log only.
//
// This package cannot return *idp.Error: package idp imports it. The domain
// turns an *Error into idp.Errorf(idp.NotAuthorizedException, e.Message);
// ErrorCode and ErrorMessage let a wire layer map it even if it does not.
type Error struct {
	Message string
	Err     error
}

func (e *Error) Error() string {
	if e.Err != nil {
		return "NotAuthorizedException: " + e.Message + ": " + e.Err.Error()
	}
	return "NotAuthorizedException: " + e.Message
}

func (e *Error) Unwrap() error { return e.Err }

// ErrorCode is always "NotAuthorizedException".
func (e *Error) ErrorCode() string { return "NotAuthorizedException" }

// ErrorMessage is Cognito's text.
func (e *Error) ErrorMessage() string { return e.Message }

// Expired reports whether the token was refused only for having expired.
func (e *Error) Expired() bool { return e.Message == MsgExpiredAccessToken }

func invalid(format string, args ...any) *Error {
	return &Error{Message: MsgInvalidAccessToken, Err: fmt.Errorf(format, args...)}
}

// Verification limits.
const (
	// maxTokenLen bounds the work done on an unauthenticated input. Real
	// access tokens are about 1 KB; many groups make them longer.
	maxTokenLen = 64 << 10
	// iatLeeway is how far in the future iat may be (clock skew between
	// nodes).
	iatLeeway = 60 * time.Second
)

// AccessClaims are the verified claims of an access token.
type AccessClaims struct {
	PoolID    string
	Sub       string
	Username  string
	ClientID  string
	JTI       string
	OriginJTI string // "" when the client had revocation disabled
	EventID   string
	Scope     string
	Groups    []string
	DeviceKey string
	AuthTime  time.Time
	IssuedAt  time.Time
	ExpiresAt time.Time
}

// accessPayload is the JSON of an access token as VerifyAccess reads it.
type accessPayload struct {
	Iss       string   `json:"iss"`
	Sub       string   `json:"sub"`
	TokenUse  string   `json:"token_use"`
	ClientID  string   `json:"client_id"`
	Username  string   `json:"username"`
	JTI       string   `json:"jti"`
	OriginJTI string   `json:"origin_jti"`
	EventID   string   `json:"event_id"`
	Scope     string   `json:"scope"`
	Groups    []string `json:"cognito:groups"`
	DeviceKey string   `json:"device_key"`
	AuthTime  *int64   `json:"auth_time"`
	Iat       *int64   `json:"iat"`
	Exp       *int64   `json:"exp"`
	Nbf       *int64   `json:"nbf"`
}

// VerifyAccess checks an access token issued by this server and returns its
// claims, or an *Error. In order:
//
//  1. compact JWS whose alg is RS256 (nothing else: not none, not HS256)
//     and that has no crit header; jku, x5u and jwk headers are never used;
//  2. iss, read before the signature, must be PublicURL/<poolId>; it only
//     chooses whose keys to try;
//  3. kid must name one of that pool's access keys, active or retired;
//  4. the signature must verify;
//  5. token_use must be "access"; exp must be present and in the future;
//     iat (and nbf, if any) at most a minute ahead.
//
// It does not check revocation: the caller looks up OriginJTI's family and
// the user.
func (s *Service) VerifyAccess(tx store.Tx, token string) (*AccessClaims, error) {
	if len(token) > maxTokenLen {
		return nil, invalid("token of %d bytes", len(token))
	}
	header, payload, sig, signed, err := splitCompact(token)
	if err != nil {
		return nil, err
	}
	var h struct {
		Alg  string          `json:"alg"`
		Kid  string          `json:"kid"`
		Crit json.RawMessage `json:"crit"`
	}
	if err := json.Unmarshal(header, &h); err != nil {
		return nil, invalid("header: %w", err)
	}
	switch {
	case h.Alg != "RS256":
		return nil, invalid("alg %q", h.Alg)
	case h.Crit != nil: // no extension is understood, so none may be critical
		return nil, invalid("crit header")
	}
	// The claims are decoded before the signature is checked, but only iss
	// is used until it has been: it chooses whose keys to try.
	var p accessPayload
	if err := json.Unmarshal(payload, &p); err != nil {
		return nil, invalid("payload: %w", err)
	}
	poolID, ok := s.poolOf(p.Iss)
	if !ok {
		return nil, invalid("issuer %q is not ours", p.Iss)
	}
	key, err := s.accessKey(tx, poolID, h.Kid)
	if err != nil {
		return nil, err
	}
	digest := sha256.Sum256([]byte(signed))
	if err := key.VerifySHA256(digest[:], sig); err != nil {
		return nil, invalid("signature: %w", err)
	}
	switch {
	case p.TokenUse != UseAccess:
		return nil, invalid("token_use %q", p.TokenUse)
	case p.Sub == "" || p.ClientID == "":
		return nil, invalid("sub or client_id missing")
	case p.Username == "" && p.Sub != p.ClientID:
		// Only a client-credentials token, whose subject is its client,
		// names no user; the user APIs then refuse it for its scopes.
		return nil, invalid("username missing")
	case p.Exp == nil || p.Iat == nil:
		return nil, invalid("exp or iat missing")
	}
	now := s.now()
	if !now.Before(time.Unix(*p.Exp, 0)) {
		return nil, &Error{Message: MsgExpiredAccessToken, Err: fmt.Errorf("expired at %d", *p.Exp)}
	}
	if time.Unix(*p.Iat, 0).After(now.Add(iatLeeway)) {
		return nil, invalid("iat %d in the future", *p.Iat)
	}
	if p.Nbf != nil && time.Unix(*p.Nbf, 0).After(now.Add(iatLeeway)) {
		return nil, invalid("nbf %d in the future", *p.Nbf)
	}
	c := &AccessClaims{
		PoolID:    poolID,
		Sub:       p.Sub,
		Username:  p.Username,
		ClientID:  p.ClientID,
		JTI:       p.JTI,
		OriginJTI: p.OriginJTI,
		EventID:   p.EventID,
		Scope:     p.Scope,
		Groups:    p.Groups,
		DeviceKey: p.DeviceKey,
		IssuedAt:  time.Unix(*p.Iat, 0).UTC(),
		ExpiresAt: time.Unix(*p.Exp, 0).UTC(),
	}
	if p.AuthTime != nil {
		c.AuthTime = time.Unix(*p.AuthTime, 0).UTC()
	}
	return c, nil
}

// splitCompact splits a compact JWS into its decoded header, payload and
// signature, and the signing input (the first two segments as sent). There
// must be exactly three segments, each canonical base64url: otherwise
// several strings would carry one signature, and a mutated token could
// still verify.
func splitCompact(token string) (header, payload, sig []byte, signed string, err error) {
	if strings.Count(token, ".") != 2 {
		return nil, nil, nil, "", invalid("not a compact JWS")
	}
	h, rest, _ := strings.Cut(token, ".")
	pl, sg, _ := strings.Cut(rest, ".")
	enc := base64.RawURLEncoding.Strict()
	if header, err = enc.DecodeString(h); err == nil {
		if payload, err = enc.DecodeString(pl); err == nil {
			sig, err = enc.DecodeString(sg)
		}
	}
	if err != nil {
		return nil, nil, nil, "", invalid("segment encoding: %w", err)
	}
	return header, payload, sig, token[:len(h)+1+len(pl)], nil
}

// accessKey returns the access-token key kid of the pool, from the cache
// when it can. A key's kid names its public key and its use never changes,
// so a cached key stays right for as long as the key exists; a key deleted
// after retirement (RetiredKeyTTL) is one whose tokens have all expired, so
// still knowing it lets no token through that exp would not refuse. The
// caller reads the pool itself, so a deleted pool's tokens fail there.
func (s *Service) accessKey(tx store.Tx, poolID, kid string) (*primitives.RSAKey, error) {
	if c, ok := s.cached(poolID, kid); ok && c.use == UseAccess {
		return c.key, nil
	}
	keys, err := tx.Keys().List(poolID)
	if err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return nil, invalid("pool %q: %w", poolID, err)
		}
		return nil, fmt.Errorf("tokens: list keys: %w", err)
	}
	for _, k := range keys {
		if k.KID == kid && k.Use == UseAccess {
			return s.private(k) // caches it
		}
	}
	return nil, invalid("no access key %q in pool %s", kid, poolID)
}

// poolOf returns the pool ID of one of this server's issuers.
func (s *Service) poolOf(iss string) (string, bool) {
	poolID, ok := strings.CutPrefix(iss, s.PublicURL+"/")
	if !ok || poolID == "" || len(poolID) > 55 || strings.ContainsAny(poolID, "/?#") {
		return "", false
	}
	return poolID, true
}
