package idp

import (
	"context"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/ninshou/ninshou/internal/idp/tokens"
	"github.com/ninshou/ninshou/internal/store"
)

// pendingTokens is a grant recorded in the store whose JWTs are signed after
// the transaction commits, so that RSA signing never holds the write lock.
type pendingTokens struct {
	family   *store.TokenFamily
	refresh  string // "" on refresh
	user     *store.User
	eventID  string
	authTime time.Time
	// newDevice is NewDeviceMetadata of a sign-in on a tracking pool.
	newDevice *NewDeviceMetadata
	// admin: an admin API signed the user in (its stated address is the
	// end user's, for the device's last_ip_used).
	admin bool
	// signing is what signing needs, read in the grant's transaction; nil
	// if it was not, and sign reads it.
	signing *signingMaterial
	// scope is the access token's scope ("" for the API's own), nonce the
	// ID token's, from an authorization code's request (codeGrant: the ID
	// token then carries at_hash); withoutID: the request did not ask for
	// openid, so no ID token is answered.
	scope, nonce         string
	codeGrant, withoutID bool
	// authCode replaces the tokens when the sign-in page signed the user
	// in: the code and the redirect_uri it goes to.
	authCode, authRedirect string
	implicit               bool   // the implicit grant: the code is redeemed at once
	signInSession          string // the managed login session the sign-in started
	// ahead is the outcome of signing begun while the grant's transaction
	// committed (updateGrant); nil if signing waits for sign.
	ahead chan signedTokens
	// source is the pre token generation trigger's triggerSource for the
	// grant; "" for TokenGeneration_Authentication (or _HostedAuth, for a
	// code's tokens).
	source string
}

// signedTokens is the outcome of signing a grant's ID and access tokens.
type signedTokens struct {
	id, access string
	err        error
}

// signingMaterial is what issuing a grant's tokens reads from the store:
// the pool's keyring, and the user's groups, read at every issue so that a
// membership change shows in the next sign-in or refresh.
type signingMaterial struct {
	keys   []*store.SigningKey
	groups []*store.Group
}

// readSigning reads the signing material of a grant in the transaction
// that made it, which saves sign a transaction of its own.
func readSigning(tx store.Tx, pt *pendingTokens) error {
	keys, err := tx.Keys().List(pt.family.PoolID)
	if err != nil {
		return err
	}
	groups, err := userGroups(tx, pt.family.PoolID, pt.user.Sub)
	if err != nil {
		return err
	}
	pt.signing = &signingMaterial{keys: keys, groups: groups}
	if len(pt.family.Scopes) == 0 {
		return nil // the API's own scope
	}
	// A grant keeps its custom scopes only while their resource servers
	// define them, at its first tokens and at every refresh (liveScopes).
	live, err := liveScopes(tx, pt.family.PoolID, pt.family.Scopes)
	if err != nil {
		return err
	}
	if len(live) == 0 {
		return errGrantScopesGone
	}
	pt.scope = strings.Join(live, " ")
	return nil
}

// errGrantScopesGone refuses tokens to a grant all of whose scopes were
// custom ones that their resource servers no longer define: its access
// token would have no scope left (an empty one means the API's own). What
// Cognito answers then is unpublished; this is its answer to a refresh
// token that grants nothing.
var errGrantScopesGone = Errorf(NotAuthorizedException, "Invalid Refresh Token.")

// grantTokens records a new token family and its refresh token.
func (s *Service) grantTokens(tx store.Tx, p *Pool, c *Client, u *store.User, st sessionState) (*pendingTokens, error) {
	if st.Hosted != nil {
		// The sign-in page: the grant is a code, redeemed for tokens later.
		code, err := s.issueAuthCode(tx, p, c, u, st)
		if err != nil {
			return nil, err
		}
		pt := &pendingTokens{authCode: code, authRedirect: st.Hosted.RedirectURI, implicit: st.Hosted.Implicit}
		if !st.Resumed {
			if pt.signInSession, err = s.newSignInSession(tx, p, c, u, st.AuthTime, st.SAML); err != nil {
				return nil, err
			}
		}
		return pt, nil
	}
	now := s.now()
	deviceKey, newDevice, err := s.grantDevice(tx, p, u, st)
	if err != nil {
		return nil, err
	}
	fam := &store.TokenFamily{
		ID: uuid.New().String(), PoolID: p.ID, ClientID: c.ID, Sub: u.Sub, DeviceKey: deviceKey, Scopes: st.codeScopes,
		AuthTime: time.Unix(st.AuthTime, 0).UTC(), CreatedAt: now, ExpiresAt: now.Add(c.RefreshTTL()),
	}
	if err := tx.TokenFamilies().Create(fam); err != nil {
		return nil, err
	}
	value, hash, err := tokens.NewRefreshToken(s.rand())
	if err != nil {
		return nil, err
	}
	if err := tx.RefreshTokens().Create(&store.RefreshToken{Hash: hash, FamilyID: fam.ID, CreatedAt: now, ExpiresAt: fam.ExpiresAt}); err != nil {
		return nil, err
	}
	if err := s.recordSignIn(tx, p, u, st.EventID); err != nil {
		return nil, err
	}
	pt := &pendingTokens{family: fam, refresh: value, user: u, eventID: st.EventID, authTime: fam.AuthTime, newDevice: newDevice,
		admin: st.Admin}
	pt.scope, pt.withoutID = familyScope(fam)
	// TokenGeneration_AuthenticateDevice: "Called at the end of the
	// authentication of a user device"; TokenGeneration_NewPasswordChallenge:
	// "This flow is invoked when the user has to change a temporary
	// password", so for the sign-in's tokens, whether they came straight
	// from the new password or after the MFA that followed it.
	// https://docs.aws.amazon.com/cognito/latest/developerguide/user-pool-lambda-pre-token-generation.html
	switch {
	case st.DeviceDone:
		pt.source = "TokenGeneration_AuthenticateDevice"
	case st.NewPassword:
		pt.source = "TokenGeneration_NewPasswordChallenge"
	}
	return pt, readSigning(tx, pt)
}

// refreshedGrant is the grant a refresh of fam makes (refresh is the new
// refresh token under rotation, else "").
func refreshedGrant(fam *store.TokenFamily, u *store.User, refresh string) *pendingTokens {
	pt := &pendingTokens{family: fam, refresh: refresh, user: u, eventID: uuid.New().String(), authTime: fam.AuthTime,
		source: "TokenGeneration_RefreshTokens"}
	pt.scope, pt.withoutID = familyScope(fam)
	return pt
}

// familyScope is the access token scope of a family's tokens and whether
// they go without an ID token. A family an authorization code started
// carries the code's scopes at every refresh, so its refreshed access
// tokens still open the userInfo endpoint, and, as at the code's
// redemption, "An ID token is only returned if openid scope is requested"
// (https://docs.aws.amazon.com/cognito/latest/developerguide/authorization-endpoint.html).
// A family of an API sign-in (or one stored before families kept scopes)
// carries the API's own scope and an ID token.
func familyScope(fam *store.TokenFamily) (scope string, withoutID bool) {
	if len(fam.Scopes) == 0 {
		return "", false
	}
	return strings.Join(fam.Scopes, " "), !slices.Contains(fam.Scopes, "openid")
}

// updateGrant is update for a transaction that may grant tokens (*pending
// set by fn). Once fn has made its grant, the tokens are signed while the
// transaction commits: the two RSA signatures are most of a sign-in's CPU,
// the commit mostly waits for the disk (or PostgreSQL), and with group
// commit every Update of a batch waits for the same fsync, leaving the CPUs
// idle unless its members have something to compute. Nothing is answered
// before the commit has returned (finish runs after update), so a failed
// commit drops its signed tokens unseen and an acknowledged grant is as
// durable as before. Grants that a trigger may change, and codes, are
// signed by sign as before.
func (s *Service) updateGrant(ctx context.Context, p *Pool, c *Client, pending **pendingTokens, fn func(store.Tx) error) error {
	return s.update(ctx, func(tx store.Tx) error {
		// A store that runs fn again (PostgreSQL, after a serialization
		// failure) must not find the grant of an attempt it rolled back.
		*pending = nil
		if err := fn(tx); err != nil {
			return err
		}
		if pt := *pending; pt != nil && pt.family != nil && pt.family.DeviceKey != "" && pt.refresh != "" {
			if err := noteDeviceAddress(ctx, tx, p, c, pt.family.DeviceKey, pt.admin); err != nil {
				return err
			}
		}
		if pt := *pending; pt != nil && pt.family != nil && pt.signing != nil && len(p.Lambda) == 0 {
			ch := make(chan signedTokens, 1)
			pt.ahead = ch
			go func() {
				var out signedTokens
				out.id, out.access, out.err = s.signJWTs(p, c, pt, s.tokenClaims(p, c, pt))
				ch <- out
			}()
		}
		return nil
	})
}

// finish turns the outcome of a transaction into a Step, signing tokens if due.
func (s *Service) finish(ctx context.Context, p *Pool, c *Client, step *Step, pending *pendingTokens) (*Step, error) {
	if pending == nil {
		// A challenge may have queued a code. A grant never queues a
		// message, and a needless wake-up costs the dispatcher a write
		// transaction, so sign-ins and refreshes do not wake it.
		s.kick()
		return step, nil
	}
	if pending.implicit {
		t, err := s.redeemImplicit(ctx, p, c, pending.authCode, pending.authRedirect)
		if err != nil {
			return nil, err
		}
		return &Step{AuthTokens: t, AuthRedirect: pending.authRedirect, SignInSession: pending.signInSession}, nil
	}
	if pending.authCode != "" {
		return &Step{AuthCode: pending.authCode, AuthRedirect: pending.authRedirect, SignInSession: pending.signInSession}, nil
	}
	res, err := s.sign(ctx, p, c, pending)
	if err != nil {
		return nil, err
	}
	res.NewDevice = pending.newDevice
	return &Step{Result: res, Parameters: map[string]string{}}, nil
}

// sign issues the ID and access tokens of a grant.
func (s *Service) sign(ctx context.Context, p *Pool, c *Client, pt *pendingTokens) (*AuthResult, error) {
	res := &AuthResult{RefreshToken: pt.refresh, TokenType: "Bearer", ExpiresIn: int(c.AccessTTL() / time.Second)}
	if pt.ahead != nil {
		out := <-pt.ahead
		if out.err != nil {
			return nil, out.err
		}
		res.IDToken, res.AccessToken = out.id, out.access
		if pt.withoutID {
			res.IDToken = ""
		}
		return res, nil
	}
	if pt.signing == nil {
		if err := s.view(ctx, func(tx store.Tx) error { return readSigning(tx, pt) }); err != nil {
			return nil, err
		}
	}
	if len(p.Lambda) > 0 && pt.refresh != "" && pt.source != "TokenGeneration_RefreshTokens" {
		// A sign-in (not a refresh, whose rotation hands out a refresh
		// token too) is authenticated: post authentication.
		if err := s.postAuthentication(ctx, p, c, pt); err != nil {
			return nil, err
		}
	}
	tc := s.tokenClaims(p, c, pt)
	if len(p.Lambda) > 0 {
		if err := s.preTokenGeneration(ctx, p, c, pt, tc); err != nil {
			return nil, err
		}
	}
	id, access, err := s.signJWTs(p, c, pt, tc)
	if err != nil {
		return nil, err
	}
	res.IDToken, res.AccessToken = id, access
	if pt.withoutID {
		res.IDToken = ""
	}
	return res, nil
}

// tokenClaims are the claims of a grant's tokens before any trigger.
func (s *Service) tokenClaims(p *Pool, c *Client, pt *pendingTokens) *tokenClaims {
	tc := &tokenClaims{idAttributes: idTokenAttributes(p, c, pt.user), scope: pt.scope}
	tc.groups, tc.roles, tc.preferredRole = groupClaims(pt.signing.groups)
	return tc
}

// signJWTs signs a grant's ID and access tokens with the pool's keys.
func (s *Service) signJWTs(p *Pool, c *Client, pt *pendingTokens, tc *tokenClaims) (id, access string, err error) {
	claims := tokens.Claims{
		PoolID: p.ID, ClientID: c.ID, Sub: pt.user.Sub, Username: pt.user.Username, Groups: tc.groups,
		AuthTime: pt.authTime, EventID: pt.eventID, OriginJTI: pt.family.ID,
		// Rotation adds the claims whatever EnableTokenRevocation says: "When
		// you activate refresh token rotation ... the origin_jti and jti claims
		// are added to access and ID tokens" (amazon-cognito-user-pools-using-the-refresh-token.html).
		DisableRevocation: !c.EnableTokenRevocation && !c.RefreshRotation,
	}
	idTok, accessTok, err := s.Tokens.IssueWithKeys(pt.signing.keys,
		tokens.IDTokenInput{Claims: claims, Roles: tc.roles, PreferredRole: tc.preferredRole, Attributes: tc.idAttributes,
			Extra: tc.idExtra, Validity: c.IDTTL(), Nonce: pt.nonce, HashAccessToken: pt.codeGrant},
		tokens.AccessTokenInput{Claims: claims, DeviceKey: pt.family.DeviceKey, Validity: c.AccessTTL(), Scope: tc.scope, Extra: tc.accessExtra,
			OAuth: pt.scope != ""},
		issueTime(s.now(), pt.user.TokensRevokedAt))
	if err != nil {
		return "", "", err
	}
	return idTok.Token, accessTok.Token, nil
}

// issueTime is when new tokens say they were issued. JWT times are whole
// seconds and a global sign-out revokes every token issued at or before its
// second, so a sign-in within that same second is dated one second later
// (inside the verifiers' leeway) rather than being born revoked.
func issueTime(now, revokedAt time.Time) time.Time {
	if !revokedAt.IsZero() && now.Unix() <= revokedAt.Unix() {
		return time.Unix(revokedAt.Unix()+1, 0)
	}
	return now
}

// idTokenAttributes are the user's attributes the client may read.
func idTokenAttributes(p *Pool, c *Client, u *store.User) map[string]string {
	out := make(map[string]string, len(u.Attributes))
	for k, v := range u.Attributes {
		if k == "sub" {
			continue
		}
		if len(c.ReadAttributes) > 0 && !slices.Contains(c.ReadAttributes, k) {
			continue
		}
		out[k] = v
	}
	return out
}

// refresh is REFRESH_TOKEN_AUTH: new ID and access tokens from the same
// family. ahead is the grant Start read with the client (readAhead), if
// it did.
func (s *Service) refresh(ctx context.Context, p *Pool, c *Client, params map[string]string, ahead *readAheadResult) (*Step, error) {
	value := params["REFRESH_TOKEN"]
	if value == "" {
		return nil, missing("REFRESH_TOKEN")
	}
	if c.RefreshRotation {
		// "You can't authenticate with REFRESH_TOKEN_AUTH in app clients with
		// refresh token rotation enabled." (exact error text unpublished)
		return nil, Errorf(InvalidParameterException, "Refresh token rotation is enabled for this client; use GetTokensFromRefreshToken.")
	}
	if ahead == nil || !ahead.refreshRead {
		ahead = &readAheadResult{}
		if err := s.view(ctx, func(tx store.Tx) error { s.readRefresh(tx, p, c, params, ahead); return nil }); err != nil {
			return nil, err
		}
	}
	if ahead.refreshErr != nil {
		return nil, ahead.refreshErr
	}
	return s.finish(ctx, p, c, nil, ahead.refresh)
}

// readRefresh resolves a REFRESH_TOKEN_AUTH grant and its signing material
// in tx; its outcome goes to r.
func (s *Service) readRefresh(tx store.Tx, p *Pool, c *Client, params map[string]string, r *readAheadResult) {
	r.refreshRead = true
	_, fam, u, err := s.refreshGrant(tx, p, c, params["REFRESH_TOKEN"], params["DEVICE_KEY"])
	if err == nil {
		err = checkSecretHash(c, []string{params["USERNAME"], u.Username, u.Sub}, params["SECRET_HASH"])
	}
	if err != nil {
		r.refreshErr = err
		return
	}
	pt := refreshedGrant(fam, u, "")
	if r.refreshErr = readSigning(tx, pt); r.refreshErr == nil {
		r.refresh = pt
	}
}

// refreshTokens is the grant of a checked refresh token without rotation.
func (s *Service) refreshTokens(tx store.Tx, p *Pool, c *Client, value, deviceKey string) (*pendingTokens, error) {
	_, fam, u, err := s.refreshGrant(tx, p, c, value, deviceKey)
	if err != nil {
		return nil, err
	}
	pt := refreshedGrant(fam, u, "")
	return pt, readSigning(tx, pt)
}

// refreshGrant resolves a refresh token of this client to its row, family
// and user, refusing revoked, expired and disabled ones, and those of a
// device (deviceKey is the one the request names) the request is not from.
func (s *Service) refreshGrant(tx store.Tx, p *Pool, c *Client, value, deviceKey string) (*store.RefreshToken, *store.TokenFamily, *store.User, error) {
	rt, fam, u, err := s.lookupRefresh(tx, p, c, value)
	if err != nil {
		return nil, nil, nil, err
	}
	switch {
	case fam.RevokedAt != nil:
		return nil, nil, nil, errRefreshRevoked
	case !s.now().Before(rt.ExpiresAt):
		return nil, nil, nil, errRefreshExpired
	case !u.Enabled:
		return nil, nil, nil, errUserDisabled
	case resetDue(u):
		return nil, nil, nil, errResetRequired
	}
	if err := onFamilyDevice(tx, fam, deviceKey); err != nil {
		return nil, nil, nil, err
	}
	return rt, fam, u, nil
}

// lookupRefresh finds a refresh token, its family and user, for this client.
func (s *Service) lookupRefresh(tx store.Tx, p *Pool, c *Client, value string) (*store.RefreshToken, *store.TokenFamily, *store.User, error) {
	rt, err := tx.RefreshTokens().Get(tokens.HashRefreshToken(value))
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil, nil, errInvalidRefresh
	}
	if err != nil {
		return nil, nil, nil, err
	}
	fam, err := tx.TokenFamilies().Get(rt.FamilyID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil, nil, errInvalidRefresh
	}
	if err != nil {
		return nil, nil, nil, err
	}
	if fam.PoolID != p.ID {
		return nil, nil, nil, errInvalidRefresh
	}
	if fam.ClientID != c.ID {
		// Cognito's words since January 2022, as a client quotes them
		// (aws/aws-sdk-js#4016; before, "Invalid Refresh Token.").
		return nil, nil, nil, Errorf(NotAuthorizedException, "Refresh Token has different Client.")
	}
	u, err := tx.Users().Get(p.ID, fam.Sub)
	if errors.Is(err, store.ErrNotFound) {
		// The user was deleted: Cognito says so (aws-amplify/aws-sdk-android#366,
		// aws-amplify/amplify-flutter#3292 quote its UserNotFoundException).
		return nil, nil, nil, userNotFound()
	}
	if err != nil {
		return nil, nil, nil, err
	}
	return rt, fam, u, nil
}

// onFamilyDevice checks that a family minted for a tracked device is
// refreshed from that device, confirmed and not forgotten since: "With
// device tracking, these tokens are linked to a single device. If a refresh
// token is used on any other device, the call fails. In a scenario where,
// for example, a device is stolen, the ForgetDevice API can be used to
// forget that specific device, and as a result, all future calls to
// revalidate that device's refresh tokens will fail."
// (https://aws.amazon.com/blogs/mobile/tracking-and-remembering-devices-using-amazon-cognito-your-user-pools/).
// GetTokensFromRefreshToken: "You must provide the confirmed device key in
// this request if device remembering is enabled in your user pool." Cognito
// answers "Invalid Refresh Token." (aws-sdk-java-v2#3418; an unconfirmed
// device, amplify-android#2506).
func onFamilyDevice(tx store.Tx, fam *store.TokenFamily, deviceKey string) error {
	if fam.DeviceKey == "" {
		return nil
	}
	if deviceKey != fam.DeviceKey {
		return errInvalidRefresh
	}
	d, err := tx.Devices().Get(fam.PoolID, fam.DeviceKey)
	if errors.Is(err, store.ErrNotFound) {
		return errInvalidRefresh
	}
	if err != nil {
		return err
	}
	if d.Sub != fam.Sub || !confirmed(d) { // another user's, or never confirmed
		return errInvalidRefresh
	}
	return nil
}
