package tokens

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/ninshou/ninshou/internal/store"
)

// DefaultValidity is Cognito's default ID and access token validity, used
// when an input's Validity is zero.
const DefaultValidity = time.Hour

// DefaultScope is the scope of access tokens issued by the API sign-in
// (InitiateAuth and friends), used when AccessTokenInput.Scope is empty.
const DefaultScope = "aws.cognito.signin.user.admin"

// Claims are the facts an ID token and an access token of one sign-in share.
type Claims struct {
	PoolID   string
	ClientID string
	Sub      string // the user's immutable UUID
	Username string // the real username (a UUID when email/phone is the username attribute)
	// Groups become cognito:groups, omitted when empty.
	Groups []string
	// AuthTime is when the user authenticated; refreshes keep it. Zero means
	// now.
	AuthTime time.Time
	// EventID names the authentication event (event_id).
	EventID string
	// OriginJTI is the token family: constant across refreshes, the key the
	// domain revokes by. Emitted as origin_jti unless DisableRevocation.
	OriginJTI string
	// DisableRevocation is the client's EnableTokenRevocation=false: the ID
	// token then has neither jti nor origin_jti, the access token no
	// origin_jti. The zero value is Cognito's default (revocation on).
	DisableRevocation bool
}

// IDTokenInput is what IssueID needs.
type IDTokenInput struct {
	Claims
	// Attributes are the user's readable attributes, as stored (all
	// strings). email_verified and phone_number_verified become JSON
	// booleans, address becomes {"formatted": ...}, a numeric updated_at a
	// number; everything else, custom:* included, stays a string. An
	// attribute named like a token claim (sub, iss, ...) is dropped.
	Attributes map[string]string
	// Roles become cognito:roles and PreferredRole cognito:preferred_role,
	// each omitted when empty (the user's groups carry no IAM role).
	Roles         []string
	PreferredRole string
	// Validity is exp - iat (the client's IdTokenValidity); zero means
	// DefaultValidity. Rounded down to whole seconds.
	Validity time.Duration
	// Nonce is the authorization request's nonce, echoed as the nonce
	// claim (OpenID Connect Core §2); omitted when empty.
	Nonce string
	// HashAccessToken adds at_hash, the hash of the access token issued
	// with it (OpenID Connect Core §3.1.3.6), as Cognito's ID tokens from
	// the authorization code grant have.
	HashAccessToken bool
	// Extra are claims a pre token generation function added, any JSON
	// value, after the attributes; a token's own claims (reservedID) and
	// attributes are never replaced through it.
	Extra map[string]any
}

// AccessTokenInput is what IssueAccess needs.
type AccessTokenInput struct {
	Claims
	// Scope is space separated; empty means DefaultScope.
	Scope string
	// DeviceKey is set when a remembered device authenticated.
	DeviceKey string
	// OAuth: the token carries OAuth scopes (an authorization code's or
	// an implicit grant's), and then Cognito's "version": 2, which a real
	// OAuth access token shows after iss (quoted in
	// GeoscienceAustralia/geodesy-web-services' ResourceServerConfig.java)
	// and API sign-ins' tokens lack (aws-amplify-identity-broker#376).
	OAuth bool
	// Validity is exp - iat (the client's AccessTokenValidity); zero means
	// DefaultValidity. Rounded down to whole seconds.
	Validity time.Duration
	// Extra are claims a pre token generation function (version 2) added,
	// at the end; the token's own claims (reservedAccess) are never
	// replaced through it.
	Extra map[string]any
}

// reservedAccess are the access token's own claims.
var reservedAccess = map[string]bool{
	"sub": true, "cognito:groups": true, "device_key": true, "iss": true, "client_id": true, "origin_jti": true,
	"event_id": true, "token_use": true, "scope": true, "auth_time": true, "exp": true, "iat": true, "jti": true,
	"username": true, "version": true, "nbf": true, "aud": true,
}

// extra appends the claims of m that reserved does not hold and skip does
// not name, in name order. Reserved names are matched whatever their case:
// encoding/json matches object keys to fields case-insensitively, so a
// "Sub" added after "sub" would be the sub a verifier decodes.
func (o *object) extra(m map[string]any, reserved map[string]bool, skip map[string]string) {
	names := make([]string, 0, len(m))
	for n := range m {
		if _, taken := skip[n]; !reserved[strings.ToLower(n)] && !taken {
			names = append(names, n)
		}
	}
	slices.Sort(names)
	for _, n := range names {
		o.val(n, m[n])
	}
}

// Issued is one signed token.
type Issued struct {
	Token     string
	ExpiresAt time.Time
}

// IssueID signs an ID token with the pool's active "id" key. It reads the
// keyring once.
//
// Claims, after https://docs.aws.amazon.com/cognito/latest/developerguide/amazon-cognito-user-pools-using-the-id-token.html:
// sub, cognito:groups, cognito:preferred_role and cognito:roles (if any),
// iss, cognito:username, origin_jti (with
// revocation), aud (the client ID, a string), event_id, token_use "id",
// auth_time, exp, iat, jti (with revocation), then the user's attributes.
func (s *Service) IssueID(tx store.Tx, in IDTokenInput) (token string, exp time.Time, err error) {
	keys, err := tx.Keys().List(in.PoolID)
	if err != nil {
		return "", time.Time{}, fmt.Errorf("tokens: list keys: %w", err)
	}
	iss, err := s.issueID(keys, in, s.now(), "")
	return iss.Token, iss.ExpiresAt, err
}

// IssueAccess signs an access token with the pool's active "access" key. It
// reads the keyring once.
//
// Claims, after https://docs.aws.amazon.com/cognito/latest/developerguide/amazon-cognito-user-pools-using-the-access-token.html:
// sub, cognito:groups (if any), device_key (if any), iss, client_id,
// origin_jti (with revocation), event_id, token_use "access", scope,
// auth_time, exp, iat, jti, username. No aud.
func (s *Service) IssueAccess(tx store.Tx, in AccessTokenInput) (token string, exp time.Time, err error) {
	keys, err := tx.Keys().List(in.PoolID)
	if err != nil {
		return "", time.Time{}, fmt.Errorf("tokens: list keys: %w", err)
	}
	iss, err := s.issueAccess(keys, in, s.now())
	return iss.Token, iss.ExpiresAt, err
}

// Issue signs the ID and access tokens of one sign-in (or refresh) with one
// read of the keyring and one clock reading, so both share iat.
func (s *Service) Issue(tx store.Tx, id IDTokenInput, access AccessTokenInput) (idToken, accessToken Issued, err error) {
	keys, err := tx.Keys().List(id.PoolID)
	if err != nil {
		return Issued{}, Issued{}, fmt.Errorf("tokens: list keys: %w", err)
	}
	return s.IssueWithKeys(keys, id, access, time.Time{})
}

// IssueWithKeys is Issue with the pool's keyring already read (Keys().List),
// so that callers can sign after their transaction has ended: RSA signing
// is the slowest step of a sign-in and should hold no store resources.
// issuedAt is the tokens' iat; zero means now.
func (s *Service) IssueWithKeys(keys []*store.SigningKey, id IDTokenInput, access AccessTokenInput, issuedAt time.Time) (idToken, accessToken Issued, err error) {
	if id.PoolID != access.PoolID {
		return Issued{}, Issued{}, fmt.Errorf("tokens: ID and access tokens for different pools %q and %q", id.PoolID, access.PoolID)
	}
	now := issuedAt
	if now.IsZero() {
		now = s.now()
	}
	if id.HashAccessToken {
		if accessToken, err = s.issueAccess(keys, access, now); err != nil {
			return Issued{}, Issued{}, err
		}
		if idToken, err = s.issueID(keys, id, now, accessToken.Token); err != nil {
			return Issued{}, Issued{}, err
		}
		return idToken, accessToken, nil
	}
	if idToken, err = s.issueID(keys, id, now, ""); err != nil {
		return Issued{}, Issued{}, err
	}
	if accessToken, err = s.issueAccess(keys, access, now); err != nil {
		return Issued{}, Issued{}, err
	}
	return idToken, accessToken, nil
}

// reservedID are the ID token's own claims, which attributes never override.
var reservedID = map[string]bool{
	"sub": true, "iss": true, "aud": true, "token_use": true, "cognito:username": true,
	"auth_time": true, "iat": true, "exp": true, "jti": true, "origin_jti": true,
	"event_id": true, "cognito:groups": true, "nbf": true,
	"cognito:roles": true, "cognito:preferred_role": true, "nonce": true, "at_hash": true,
}

// issueID signs an ID token; accessToken, when not empty, is hashed into
// at_hash: the left half of its SHA-256, base64url (RS256's hash).
func (s *Service) issueID(keys []*store.SigningKey, in IDTokenInput, now time.Time, accessToken string) (Issued, error) {
	iat, exp, authTime := times(now, in.AuthTime, in.Validity)
	jti, err := s.newJTI(!in.DisableRevocation)
	if err != nil {
		return Issued{}, err
	}
	var o object
	if accessToken != "" {
		sum := sha256.Sum256([]byte(accessToken))
		o.str("at_hash", base64.RawURLEncoding.EncodeToString(sum[:16]))
	}
	o.str("sub", in.Sub)
	if len(in.Groups) > 0 {
		o.val("cognito:groups", in.Groups)
	}
	if in.PreferredRole != "" {
		o.str("cognito:preferred_role", in.PreferredRole)
	}
	if len(in.Roles) > 0 {
		o.val("cognito:roles", in.Roles)
	}
	o.str("iss", s.Issuer(in.PoolID))
	o.str("cognito:username", in.Username)
	if !in.DisableRevocation {
		o.str("origin_jti", in.OriginJTI)
	}
	o.str("aud", in.ClientID)
	o.str("event_id", in.EventID)
	if in.Nonce != "" {
		o.str("nonce", in.Nonce)
	}
	o.str("token_use", UseID)
	o.num("auth_time", authTime)
	o.num("exp", exp)
	o.num("iat", iat)
	if jti != "" {
		o.str("jti", jti)
	}
	names := make([]string, 0, len(in.Attributes))
	for name := range in.Attributes {
		if !reservedID[name] {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	for _, name := range names {
		v := in.Attributes[name]
		switch name {
		case "email_verified", "phone_number_verified":
			o.val(name, v == "true")
		case "identities":
			if ids, ok := identitiesClaim(v); ok {
				o.val(name, ids)
			}
		case "address":
			o.val(name, struct {
				Formatted string `json:"formatted"`
			}{v})
		case "updated_at":
			if n, err := strconv.ParseInt(v, 10, 64); err == nil {
				o.num(name, n)
			} else {
				o.str(name, v)
			}
		default:
			o.str(name, v)
		}
	}
	o.extra(in.Extra, reservedID, in.Attributes)
	return s.sign(keys, UseID, o.bytes(), exp)
}

func (s *Service) issueAccess(keys []*store.SigningKey, in AccessTokenInput, now time.Time) (Issued, error) {
	iat, exp, authTime := times(now, in.AuthTime, in.Validity)
	jti, err := s.newJTI(true)
	if err != nil {
		return Issued{}, err
	}
	scope := in.Scope
	if scope == "" {
		scope = DefaultScope
	}
	var o object
	o.str("sub", in.Sub)
	if len(in.Groups) > 0 {
		o.val("cognito:groups", in.Groups)
	}
	if in.DeviceKey != "" {
		o.str("device_key", in.DeviceKey)
	}
	o.str("iss", s.Issuer(in.PoolID))
	if in.OAuth {
		o.num("version", 2)
	}
	o.str("client_id", in.ClientID)
	if !in.DisableRevocation {
		o.str("origin_jti", in.OriginJTI)
	}
	o.str("event_id", in.EventID)
	o.str("token_use", UseAccess)
	o.str("scope", scope)
	o.num("auth_time", authTime)
	o.num("exp", exp)
	o.num("iat", iat)
	o.str("jti", jti)
	o.str("username", in.Username)
	o.extra(in.Extra, reservedAccess, nil)
	return s.sign(keys, UseAccess, o.bytes(), exp)
}

// ClientAccessInput is what IssueClientAccess needs: a client-credentials
// grant's client and the custom scopes it was granted.
type ClientAccessInput struct {
	PoolID   string
	ClientID string
	Scope    string // space separated
	// Validity is the client's AccessTokenValidity; zero means DefaultValidity.
	Validity time.Duration
	// Extra are claims a pre token generation function (version 3) added,
	// any JSON value; the token's own claims are never replaced.
	Extra map[string]any
}

// IssueClientAccess signs a machine-to-machine access token (the client
// credentials grant) with the pool's active "access" key: its subject is
// the client, and it names no user. Claims, in Cognito's order: sub,
// token_use, scope, auth_time, iss, exp, iat, version (2), jti, client_id.
// https://docs.aws.amazon.com/cognito/latest/developerguide/amazon-cognito-user-pools-using-the-access-token.html
func (s *Service) IssueClientAccess(keys []*store.SigningKey, in ClientAccessInput, now time.Time) (Issued, error) {
	iat, exp, authTime := times(now, time.Time{}, in.Validity)
	jti, err := s.newJTI(true)
	if err != nil {
		return Issued{}, err
	}
	var o object
	o.str("sub", in.ClientID)
	o.str("token_use", UseAccess)
	o.str("scope", in.Scope)
	o.num("auth_time", authTime)
	o.str("iss", s.Issuer(in.PoolID))
	o.num("exp", exp)
	o.num("iat", iat)
	o.num("version", 2)
	o.str("jti", jti)
	o.str("client_id", in.ClientID)
	o.extra(in.Extra, reservedAccess, nil)
	return s.sign(keys, UseAccess, o.bytes(), exp)
}

// times returns iat, exp and auth_time in epoch seconds.
func times(now, authTime time.Time, validity time.Duration) (iat, exp, auth int64) {
	if validity <= 0 {
		validity = DefaultValidity
	}
	iat = now.Unix()
	exp = iat + int64(validity/time.Second)
	auth = iat
	if !authTime.IsZero() {
		auth = authTime.Unix()
	}
	return iat, exp, auth
}

func (s *Service) newJTI(want bool) (string, error) {
	if !want {
		return "", nil
	}
	id, err := uuid.NewRandomFromReader(s.rand())
	if err != nil {
		return "", fmt.Errorf("tokens: jti: %w", err)
	}
	return id.String(), nil
}

// sign makes the compact JWS of payload with the active key of the given
// use. The header is written by hand so that it is exactly Cognito's:
// {"kid":"...","alg":"RS256"}, kid first, no typ.
func (s *Service) sign(keys []*store.SigningKey, use string, payload []byte, exp int64) (Issued, error) {
	if len(keys) == 0 {
		return Issued{}, fmt.Errorf("tokens: pool has no signing keys")
	}
	k := activeKey(keys, use)
	if k == nil {
		return Issued{}, fmt.Errorf("tokens: pool %s has no active %s key", keys[0].PoolID, use)
	}
	priv, err := s.private(k)
	if err != nil {
		return Issued{}, err
	}
	kid, err := json.Marshal(k.KID)
	if err != nil {
		return Issued{}, err
	}
	header := append(append([]byte(`{"kid":`), kid...), `,"alg":"RS256"}`...)
	enc := base64.RawURLEncoding
	buf := make([]byte, 0, enc.EncodedLen(len(header))+enc.EncodedLen(len(payload))+enc.EncodedLen(priv.Size())+2)
	buf = enc.AppendEncode(buf, header)
	buf = append(buf, '.')
	buf = enc.AppendEncode(buf, payload)
	digest := sha256.Sum256(buf)
	sig, err := priv.SignSHA256(digest[:])
	if err != nil {
		return Issued{}, fmt.Errorf("tokens: sign: %w", err)
	}
	buf = append(buf, '.')
	buf = enc.AppendEncode(buf, sig)
	return Issued{Token: string(buf), ExpiresAt: time.Unix(exp, 0).UTC()}, nil
}

// object writes a JSON object with its members in the order they are added,
// so tokens read like Cognito's. Names and values go through encoding/json.
type object struct{ buf []byte }

func (o *object) name(n string) {
	if len(o.buf) == 0 {
		o.buf = append(o.buf, '{')
	} else {
		o.buf = append(o.buf, ',')
	}
	o.buf = appendJSON(o.buf, n)
	o.buf = append(o.buf, ':')
}

func (o *object) str(n, v string) { o.name(n); o.buf = appendJSON(o.buf, v) }
func (o *object) num(n string, v int64) {
	o.name(n)
	o.buf = strconv.AppendInt(o.buf, v, 10)
}
func (o *object) val(n string, v any) { o.name(n); o.buf = appendJSON(o.buf, v) }

func (o *object) bytes() []byte {
	if len(o.buf) == 0 {
		return []byte("{}")
	}
	return append(o.buf, '}')
}

// appendJSON appends the encoding of v, which is always a string, bool,
// []string or a struct of strings here, so it cannot fail.
func appendJSON(buf []byte, v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic("tokens: encode claim: " + err.Error())
	}
	return append(buf, b...)
}

// identitiesClaim is a federated user's identities attribute as its ID
// token shows it: the same array, but with every value a string or null
// ("primary": "true", "dateCreated": "1642699117273"), as Cognito's tokens
// have it. false if the attribute is not such an array.
func identitiesClaim(attr string) ([]map[string]any, bool) {
	d := json.NewDecoder(strings.NewReader(attr))
	d.UseNumber()
	var ids []map[string]any
	if err := d.Decode(&ids); err != nil {
		return nil, false
	}
	for _, id := range ids {
		for k, v := range id {
			switch v := v.(type) {
			case bool:
				id[k] = strconv.FormatBool(v)
			case json.Number:
				id[k] = v.String()
			}
		}
	}
	return ids, true
}
