package idp

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/ninshou/ninshou/internal/store"
)

// Self-service sign-up and its confirmation, and the one-time codes that
// sign-up, password recovery and attribute verification share.
//
// A code is six digits, stored only as an HMAC keyed by a random salt and
// bound to the pool, the user, the purpose and the address it was sent to,
// so a code mailed to an old address cannot verify a new one. One live code
// per (user, purpose): a new code replaces the old one. Wrong answers are
// counted on the code; past the purpose's limit even the right code is
// refused until a new one is requested.
//
//	stateDiagram-v2
//	    [*] --> UNCONFIRMED: SignUp
//	    UNCONFIRMED --> CONFIRMED: ConfirmSignUp (code) / AdminConfirmSignUp
//	    UNCONFIRMED --> CONFIRMED: ConfirmForgotPassword (verified contact)

// Code purposes (store.Code.Purpose).
const (
	purposeSignUp = "signup"
	purposeForgot = "forgot_password"
	purposeVerify = "verify:" // + attribute name
)

// Code validity and wrong-answer limits per purpose.
// https://docs.aws.amazon.com/cognito/latest/developerguide/quotas.html (per-user rates)
const (
	signUpCodeTTL      = 24 * time.Hour
	verifyCodeTTL      = 24 * time.Hour
	forgotCodeTTL      = time.Hour
	maxSignUpAttempts  = 15
	maxVerifyAttempts  = 15
	maxForgotAttempts  = 5
	codeSaltLen        = 16
	defaultVerifyBody  = "Your verification code is {####}. "
	defaultVerifySubj  = "Your verification code"
	msgUserNotFoundCli = "Username/client id combination not found."
)

var (
	errVerifyMismatch = Errorf(CodeMismatchException, "Invalid verification code provided, please try again.")
	errCodeExpired    = Errorf(ExpiredCodeException, "Invalid code provided, please request a code again.")
	errAttemptLimit   = Errorf(LimitExceededException, "Attempt limit exceeded, please try after some time.")
)

// CodeDelivery is CodeDeliveryDetails: where a code went, masked.
type CodeDelivery struct {
	Destination    string
	DeliveryMedium string // EMAIL or SMS
	AttributeName  string // email or phone_number
	// ByLink: the code went as a confirmation link to open, not to type
	// (CONFIRM_WITH_LINK).
	ByLink bool
}

// codeTarget is an address a code may have been sent to.
type codeTarget struct{ attr, value string }

// contactTargets are the user's current email and phone number.
func contactTargets(u *store.User) []codeTarget {
	return []codeTarget{{"email", u.Attributes["email"]}, {"phone_number", u.Attributes["phone_number"]}}
}

func codeDigest(salt []byte, poolID, sub, purpose string, t codeTarget, code string) []byte {
	m := hmac.New(sha256.New, salt)
	for _, part := range []string{poolID, sub, purpose, t.attr, t.value, code} {
		m.Write([]byte(part))
		m.Write([]byte{0})
	}
	return append(slices.Clone(salt), m.Sum(nil)...)
}

// issueCode stores a fresh code for u and returns it.
func (s *Service) issueCode(tx store.Tx, u *store.User, purpose string, t codeTarget, ttl time.Duration) (string, error) {
	code := s.randomString(digits, 6)
	now := s.now()
	err := tx.Codes().Put(&store.Code{
		PoolID: u.PoolID, Sub: u.Sub, Purpose: purpose,
		CodeHash:  codeDigest(s.randomBytes(codeSaltLen), u.PoolID, u.Sub, purpose, t, code),
		CreatedAt: now, ExpiresAt: now.Add(ttl),
	})
	return code, err
}

// checkCode checks code against u's live code for purpose and consumes it.
// It returns the target the code was sent to; or failure, an answer for the
// caller that must still commit (the counted attempt); or err.
func (s *Service) checkCode(tx store.Tx, u *store.User, purpose, code string, targets []codeTarget, max int) (target codeTarget, failure, err error) {
	rec, err := tx.Codes().Get(u.PoolID, u.Sub, purpose)
	if errors.Is(err, store.ErrNotFound) {
		return codeTarget{}, errCodeExpired, nil
	}
	if err != nil {
		return codeTarget{}, nil, err
	}
	now := s.now()
	switch {
	case rec.ConsumedAt != nil || !now.Before(rec.ExpiresAt):
		return codeTarget{}, errCodeExpired, nil
	case rec.Attempts >= max:
		return codeTarget{}, errAttemptLimit, nil
	}
	if len(rec.CodeHash) > codeSaltLen {
		salt := rec.CodeHash[:codeSaltLen]
		for _, t := range targets {
			if subtle.ConstantTimeCompare(codeDigest(salt, u.PoolID, u.Sub, purpose, t, code), rec.CodeHash) == 1 {
				err := tx.Codes().Consume(u.PoolID, u.Sub, purpose, now)
				if errors.Is(err, store.ErrConflict) {
					return codeTarget{}, errCodeExpired, nil
				}
				return t, nil, err
			}
		}
	}
	if _, err := tx.Codes().AddAttempt(u.PoolID, u.Sub, purpose); err != nil {
		return codeTarget{}, nil, err
	}
	return codeTarget{}, errVerifyMismatch, nil
}

// sendCode sends a verification code to the target's address with the
// pool's verification message and says where it went.
// https://docs.aws.amazon.com/cognito/latest/developerguide/cognito-user-pool-settings-message-templates.html
func (s *Service) sendCode(tx store.Tx, p *Pool, t codeTarget, code, kind string, cm *customMessage) (*CodeDelivery, error) {
	vt := p.VerificationTemplate
	if t.attr == "phone_number" {
		body := render(cm.pick(cm.smsMessage(), orDefault(vt.SmsMessage, orDefault(p.SmsVerificationMessage, defaultVerifyBody))), "", code)
		if err := s.enqueueSMS(tx, p, t.value, body, kind); err != nil {
			return nil, err
		}
		return &CodeDelivery{Destination: maskPhone(t.value), DeliveryMedium: "SMS", AttributeName: t.attr}, nil
	}
	subject := cm.subject(orDefault(vt.EmailSubject, orDefault(p.EmailVerificationSubj, defaultVerifySubj)))
	body := renderEmail(cm.pick(cm.emailMessage(), orDefault(vt.EmailMessage, orDefault(p.EmailVerificationMsg, defaultVerifyBody))), "", code)
	if err := s.enqueueEmail(tx, p, t.value, subject, body, kind); err != nil {
		return nil, err
	}
	return &CodeDelivery{Destination: maskEmail(t.value), DeliveryMedium: "EMAIL", AttributeName: t.attr}, nil
}

// signUpTarget is where a sign-up confirmation code goes: the attribute of
// AutoVerifiedAttributes the user has, the phone number when both are
// auto-verified (Cognito then verifies the phone only).
// https://docs.aws.amazon.com/cognito/latest/developerguide/user-pool-settings-email-phone-verification.html
func signUpTarget(p *Pool, u *store.User) (codeTarget, bool) {
	for _, attr := range []string{"phone_number", "email"} {
		if slices.Contains(p.AutoVerifiedAttributes, attr) && u.Attributes[attr] != "" {
			return codeTarget{attr, u.Attributes[attr]}, true
		}
	}
	return codeTarget{}, false
}

// decoyCode does the store work of issuing a code for a user that does not
// exist (or must look as if it did not), so that PreventUserExistenceErrors
// answers take the same path and time. The row names no user and expires.
func (s *Service) decoyCode(tx store.Tx, p *Pool, purpose, name string, ttl time.Duration) error {
	h := sha256.Sum256([]byte(p.ID + "\x00" + p.usernameKey(name)))
	decoy := &store.User{PoolID: p.ID, Sub: "decoy-" + hex.EncodeToString(h[:16])}
	_, err := s.issueCode(tx, decoy, purpose, codeTarget{}, ttl)
	return err
}

// simulatedDelivery is the CodeDeliveryDetails shown for a user that does
// not exist: the name's own shape when it is an address, otherwise a masked
// address derived from the name, stable for the same pool and name.
func simulatedDelivery(p *Pool, name string, preferSMS bool) *CodeDelivery {
	switch {
	case strings.Contains(name, "@"):
		return &CodeDelivery{Destination: maskEmail(name), DeliveryMedium: "EMAIL", AttributeName: "email"}
	case phonePattern.MatchString(name):
		return &CodeDelivery{Destination: maskPhone(name), DeliveryMedium: "SMS", AttributeName: "phone_number"}
	}
	h := sha256.Sum256([]byte("simulated\x00" + p.ID + "\x00" + p.usernameKey(name)))
	if preferSMS {
		last := make([]byte, 4)
		for i := range last {
			last[i] = digits[int(h[i])%10]
		}
		return &CodeDelivery{Destination: "+" + strings.Repeat("*", 7+int(h[4])%4) + string(last), DeliveryMedium: "SMS", AttributeName: "phone_number"}
	}
	letter := func(b byte) string { return string(rune('a' + int(b)%26)) }
	return &CodeDelivery{Destination: letter(h[0]) + "***@" + letter(h[1]) + "***", DeliveryMedium: "EMAIL", AttributeName: "email"}
}

// SignUpInput is SignUp's input.
type SignUpInput struct {
	ClientID   string
	SecretHash string
	Username   string
	Password   string
	Attributes []Attribute
	// ValidationData only reaches the pre sign-up trigger.
	ValidationData []Attribute
}

// SignUpResult is SignUp's answer.
type SignUpResult struct {
	UserConfirmed bool
	UserSub       string
	Delivery      *CodeDelivery // nil when nothing is auto-verified
	// Session is the sign-up's session, which ConfirmSignUp may present
	// (see ConfirmSignUp).
	Session string
}

// SignUp registers a user (UNCONFIRMED) and sends the confirmation code to
// the auto-verified attribute.
// https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_SignUp.html
func (s *Service) SignUp(ctx context.Context, in SignUpInput) (*SignUpResult, error) {
	p, c, err := s.clientFor(ctx, false, "", in.ClientID)
	if err != nil {
		return nil, err
	}
	if err := checkSecretHash(c, []string{in.Username}, in.SecretHash); err != nil {
		return nil, err
	}
	if p.AdminCreateUser.AllowAdminCreateUserOnly {
		return nil, Errorf(NotAuthorizedException, "SignUp is not permitted for this user pool.")
	}
	if err := checkClientWrite(p, c, in.Attributes); err != nil {
		return nil, err
	}
	if err := checkAttributes(p, in.Attributes, true); err != nil {
		return nil, err
	}
	if err := checkConstraints(p, in.Attributes); err != nil {
		return nil, err
	}
	if err := checkPreferredUsernameAlias(p, in.Attributes); err != nil {
		return nil, err
	}
	attrs := map[string]string{}
	for _, a := range in.Attributes {
		if a.Value != "" {
			attrs[a.Name] = a.Value
		}
	}
	sub := uuid.New().String()
	username, err := poolUsername(p, in.Username, sub, attrs)
	if err != nil {
		return nil, err
	}
	if name := missingRequired(p, attrs); name != "" {
		return nil, Errorf(InvalidParameterException, "Attributes did not conform to the schema: %s: The attribute is required\n", name)
	}
	var rec *passwordRecord
	if in.Password != "" || !passwordlessSignUp(p, c, attrs) {
		if err := s.policyError(p, in.Password); err != nil {
			// SignUp words the same policy failure differently (observed).
			return nil, reworded(err, "does not conform to policy", "did not conform with policy")
		}
		if rec, err = s.passwordRecord(p, username, in.Password); err != nil {
			return nil, err
		}
	}
	pre, err := s.preSignUp(ctx, p, "PreSignUp_SignUp", username, c.ID, attrs, in.ValidationData)
	if err != nil {
		return nil, err
	}
	status := StatusUnconfirmed
	var verified []string // the addresses the function verified
	if pre.AutoConfirmUser {
		status = StatusConfirmed
		for _, v := range [...]struct {
			on   bool
			attr string
		}{{pre.AutoVerifyEmail, "email"}, {pre.AutoVerifyPhone, "phone_number"}} {
			if v.on && attrs[v.attr] != "" {
				attrs[v.attr+"_verified"] = "true"
				verified = append(verified, v.attr)
			}
		}
	}
	var cm *customMessage
	if !pre.AutoConfirmUser {
		if cm, err = s.customMessageFor(ctx, p, "CustomMessage_SignUp", c.ID, username, sub, StatusUnconfirmed, attrs); err != nil {
			return nil, err
		}
	}
	now := s.now()
	out := &SignUpResult{UserSub: sub, UserConfirmed: pre.AutoConfirmUser}
	err = s.update(ctx, func(tx store.Tx) error {
		u := &store.User{
			PoolID: p.ID, Sub: sub, Username: username, UsernameKey: p.usernameKey(username),
			Status: status, Enabled: true, Attributes: attrs, Aliases: p.aliases(attrs),
			CreatedAt: now, UpdatedAt: now,
		}
		if rec != nil {
			if err := s.setPassword(u, rec, now); err != nil {
				return err
			}
		}
		// "If an alias with that email already exists, the alias will be
		// moved to the new user and the previous user's email will be
		// marked as unverified" (likewise the phone number).
		// https://docs.aws.amazon.com/cognito/latest/developerguide/user-pool-lambda-pre-sign-up.html
		if err := takeAliases(tx, p, u, verified); err != nil {
			return err
		}
		if err := signUpCreate(tx, p, u); err != nil {
			return err
		}
		if err := s.recordEvent(tx, p, u.Sub, "", EventSignUp, EventPass); err != nil {
			return err
		}
		if pre.AutoConfirmUser {
			// Confirmed by the pre sign-up function: no code, and a session
			// that signs the user in (USER_AUTH), as ConfirmSignUp's does.
			out.Session, err = s.newSession(tx, c, u, sessionSignedUp,
				sessionState{Username: u.Username, EventID: uuid.New().String(), AuthTime: now.Unix()})
			return err
		}
		// The session lives as long as the confirmation code it goes with.
		session, hash := s.newHandle()
		if err := s.storeSessionTTL(tx, c, u.Sub, sessionSignUp, sessionState{Username: u.Username}, hash, signUpCodeTTL); err != nil {
			return err
		}
		out.Session = session
		t, ok := signUpTarget(p, u)
		if !ok {
			out.Delivery = nil
			return nil
		}
		code, err := s.issueCode(tx, u, purposeSignUp, t, signUpCodeTTL)
		if err != nil {
			return err
		}
		out.Delivery, err = s.sendSignUpCode(tx, p, c, u.Username, t, code, cm)
		return err
	})
	if err != nil {
		return nil, err
	}
	s.kick()
	return out, nil
}

// passwordlessSignUp reports whether SignUp may create a user without a
// password: "Amazon Cognito requires passwords from all users when they sign
// up, except" when the pool and the client offer passwordless sign-in (a
// USER_AUTH client, EMAIL_OTP or SMS_OTP among the pool's first factors),
// the user gives the attribute such a factor sends its code to, and the pool
// verifies that attribute automatically. Such a user signs in with codes
// (or passkeys it registers later); every password check fails for it.
// https://docs.aws.amazon.com/cognito/latest/developerguide/signing-up-users-in-your-app.html
// ("Passwords at sign-up")
func passwordlessSignUp(p *Pool, c *Client, attrs map[string]string) bool {
	if !c.AllowsFlow(FlowAllowUserAuth) {
		return false
	}
	allowed := allowedFirstFactors(p)
	for _, f := range [...]struct{ factor, attr string }{{FactorEmailOTP, "email"}, {FactorSMSOTP, "phone_number"}} {
		if slices.Contains(allowed, f.factor) && attrs[f.attr] != "" && slices.Contains(p.AutoVerifiedAttributes, f.attr) {
			return true
		}
	}
	return false
}

// checkAliasShapedUsername refuses a username shaped like an alias of the
// pool: "if email is selected as an alias, a username can't be in a valid
// email format. Similarly, if phone number is selected as an alias, a
// username that matches a valid phone number pattern is not accepted"
// (user-pool-settings-attributes.html, Aliases).
func checkAliasShapedUsername(p *Pool, name string) error {
	if slices.Contains(p.AliasAttributes, "email") && strings.Contains(name, "@") {
		return Errorf(InvalidParameterException, "Username cannot be of email format, since user pool is configured for email alias.")
	}
	if slices.Contains(p.AliasAttributes, "phone_number") && phonePattern.MatchString(name) {
		return Errorf(InvalidParameterException, "Username cannot be of phone number format, since user pool is configured for phone number alias.")
	}
	return nil
}

// errUsernameKind refuses a username that is none of the pool's
// UsernameAttributes, in Cognito's words for each: "Username should be an
// email." (apps match the text), "Username should be a phone number." and,
// with both, "Username should be either an email or a phone number.".
func errUsernameKind(p *Pool) error {
	switch {
	case len(p.UsernameAttributes) == 1 && p.UsernameAttributes[0] == "email":
		return Errorf(InvalidParameterException, "Username should be an email.")
	case len(p.UsernameAttributes) == 1:
		return Errorf(InvalidParameterException, "Username should be a phone number.")
	}
	return Errorf(InvalidParameterException, "Username should be either an email or a phone number.")
}

// poolUsername is the username a new user gets: in pools whose usernames
// are email or phone, the name must be one and the user is named by its
// sub; in pools with an email alias, the name must not look like an email.
func poolUsername(p *Pool, name, sub string, attrs map[string]string) (string, error) {
	if len(p.UsernameAttributes) == 0 {
		return name, checkAliasShapedUsername(p, name)
	}
	kind := p.usernameKind(name)
	switch kind {
	case "":
		return "", errUsernameKind(p)
	case "email":
		if err := checkAttributes(p, []Attribute{{Name: "email", Value: name}}, true); err != nil {
			return "", err
		}
	}
	if err := checkUsernameAddress(p, kind, name, attrs); err != nil {
		return "", err
	}
	attrs[kind] = name
	return sub, nil
}

// checkUsernameAddress: in a pool whose usernames are addresses, the
// address attribute given beside one must be that address. Cognito's words
// for email, as apps match them ("User email should be empty or same as
// username, since username attribute is email."); the phone's are
// unpublished and follow them.
func checkUsernameAddress(p *Pool, kind, name string, attrs map[string]string) error {
	v := attrs[kind]
	if v == "" || v == name || p.caseInsensitive() && strings.EqualFold(v, name) {
		return nil
	}
	if kind == "phone_number" {
		return Errorf(InvalidParameterException, "User phone number should be empty or same as username, since username attribute is phone number.")
	}
	return Errorf(InvalidParameterException, "User email should be empty or same as username, since username attribute is email.")
}

// signUpCreate creates a signed-up user, in SignUp's words on collisions.
func signUpCreate(tx store.Tx, p *Pool, u *store.User) error {
	err := tx.Users().Create(u)
	var ee *store.ExistsError
	if !errors.As(err, &ee) {
		return err
	}
	kind := strings.TrimPrefix(ee.What, "alias:")
	switch {
	case ee.What == "username":
		return Errorf(UsernameExistsException, "User already exists")
	case slices.Contains(p.UsernameAttributes, kind):
		return Errorf(UsernameExistsException, "An account with the given %s already exists.", kind)
	default:
		return Errorf(AliasExistsException, "An account with the %s already exists.", kind)
	}
}

// ConfirmSignUpInput is ConfirmSignUp's input.
type ConfirmSignUpInput struct {
	ClientID           string
	SecretHash         string
	Username           string
	Code               string
	ForceAliasCreation bool
	// Session is SignUp's, if the caller presents it: it must be this
	// user's, and serves once.
	Session string
}

// errNoClientUser is the LEGACY answer of the code APIs for unknown users.
func errNoClientUser() error { return Errorf(UserNotFoundException, msgUserNotFoundCli) }

// ConfirmSignUp confirms a signed-up user with the code it was sent; the
// address the code reached becomes verified. It returns a session with
// which InitiateAuth's USER_AUTH signs the user in without a second code
// (see signUpSignIn).
// https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_ConfirmSignUp.html
func (s *Service) ConfirmSignUp(ctx context.Context, in ConfirmSignUpInput) (session string, err error) {
	p, c, err := s.clientFor(ctx, false, "", in.ClientID)
	if err != nil {
		return "", err
	}
	if err := checkSecretHash(c, []string{in.Username}, in.SecretHash); err != nil {
		return "", err
	}
	var failure error
	var confirmed *User
	err = s.update(ctx, func(tx store.Tx) error {
		failure, session = nil, ""
		u, err := findUser(tx, p, in.Username)
		if errors.Is(err, store.ErrNotFound) {
			if c.PreventUserExistenceErrors == "ENABLED" {
				return errVerifyMismatch
			}
			return errNoClientUser()
		}
		if err != nil {
			return err
		}
		if u.Status != StatusUnconfirmed {
			return Errorf(NotAuthorizedException, "User cannot be confirmed. Current status is %s", u.Status)
		}
		var signUpSession []byte
		if in.Session != "" {
			signUpSession = hashHandle(in.Session)
			if _, _, err := s.loadSession(tx, p, c, signUpSession, sessionSignUp, in.Username); err != nil {
				return err
			}
		}
		t, f, err := s.checkCode(tx, u, purposeSignUp, in.Code, contactTargets(u), maxSignUpAttempts)
		if err != nil || f != nil {
			failure = f
			return err
		}
		if signUpSession != nil {
			// Spent by the confirmation, not by a wrong code.
			if err := consume(tx, signUpSession, s.now()); err != nil {
				return err
			}
		}
		now := s.now()
		u.Status, u.UpdatedAt = StatusConfirmed, now
		if t.attr != "" && t.value != "" {
			u.Attributes[t.attr+"_verified"] = "true"
		}
		if err := saveClaimingAliases(tx, p, u, in.ForceAliasCreation); err != nil {
			return err
		}
		confirmed = userView(u)
		session, err = s.newSession(tx, c, u, sessionSignedUp,
			sessionState{Username: u.Username, EventID: uuid.New().String(), AuthTime: now.Unix()})
		return err
	})
	if err != nil {
		return "", err
	}
	if failure != nil {
		return "", failure
	}
	// The user is confirmed whatever the function answers (as in Cognito).
	if err := s.postConfirmation(ctx, p, "PostConfirmation_ConfirmSignUp", c.ID, confirmed); err != nil {
		return "", err
	}
	return session, nil
}

// saveClaimingAliases saves u whose aliases may have become active. An
// alias another user holds is AliasExistsException, unless force moves it:
// the other user's address is then no longer verified, so no longer an alias.
func saveClaimingAliases(tx store.Tx, p *Pool, u *store.User, force bool) error {
	for _, a := range p.aliases(u.Attributes) {
		other, err := tx.Users().GetByAlias(p.ID, a)
		if errors.Is(err, store.ErrNotFound) || err == nil && other.Sub == u.Sub {
			continue
		}
		if err != nil {
			return err
		}
		if !force || a.Kind == "preferred_username" || len(p.UsernameAttributes) > 0 {
			return Errorf(AliasExistsException, "An account with the %s already exists.", a.Kind)
		}
		if err := releaseAlias(tx, p, other, a.Kind, u.UpdatedAt); err != nil {
			return err
		}
	}
	return saveUser(tx, p, u)
}

// takeAliases moves to the user u, about to be created, the aliases of the
// given kinds (email, phone_number) that another user holds, as
// ForceAliasCreation does; aliases of other kinds are left to the
// creation's own check. In pools whose usernames are addresses, an address
// is a username and never moves.
func takeAliases(tx store.Tx, p *Pool, u *store.User, kinds []string) error {
	if len(kinds) == 0 || len(p.UsernameAttributes) > 0 {
		return nil
	}
	for _, a := range p.aliases(u.Attributes) {
		if !slices.Contains(kinds, a.Kind) {
			continue
		}
		other, err := tx.Users().GetByAlias(p.ID, a)
		if errors.Is(err, store.ErrNotFound) {
			continue
		}
		if err != nil {
			return err
		}
		if err := releaseAlias(tx, p, other, a.Kind, u.UpdatedAt); err != nil {
			return err
		}
	}
	return nil
}

// releaseAlias takes the alias kind from other: its address is no longer
// verified, so no longer an alias.
func releaseAlias(tx store.Tx, p *Pool, other *store.User, kind string, now time.Time) error {
	other.Attributes[kind+"_verified"] = "false"
	other.UpdatedAt = now
	return saveUser(tx, p, other)
}

// ResendConfirmationCode sends a new sign-up code.
// https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_ResendConfirmationCode.html
func (s *Service) ResendConfirmationCode(ctx context.Context, clientID, secretHash, username string) (*CodeDelivery, error) {
	p, c, err := s.clientFor(ctx, false, "", clientID)
	if err != nil {
		return nil, err
	}
	if err := checkSecretHash(c, []string{username}, secretHash); err != nil {
		return nil, err
	}
	prevent := c.PreventUserExistenceErrors == "ENABLED"
	cm, err := s.customMessageOf(ctx, p, "CustomMessage_ResendCode", c.ID, username)
	if err != nil {
		return nil, err
	}
	var out *CodeDelivery
	err = s.update(ctx, func(tx store.Tx) error {
		u, err := findUser(tx, p, username)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return err
		}
		if u == nil || !u.Enabled {
			if !prevent {
				if u == nil {
					return errNoClientUser()
				}
				return errUserDisabled
			}
			out = simulatedDelivery(p, username, slices.Contains(p.AutoVerifiedAttributes, "phone_number"))
			return s.decoyCode(tx, p, purposeSignUp, username, signUpCodeTTL)
		}
		if u.Status != StatusUnconfirmed {
			return Errorf(InvalidParameterException, "User is already confirmed.")
		}
		t, ok := signUpTarget(p, u)
		if !ok {
			return Errorf(InvalidParameterException, "Cannot resend codes. Auto verification not turned on.")
		}
		if err := s.countSend(u, sendKindResend, sendsResendCode); err != nil {
			return err
		}
		code, err := s.issueCode(tx, u, purposeSignUp, t, signUpCodeTTL)
		if err != nil {
			return err
		}
		if out, err = s.sendSignUpCode(tx, p, c, u.Username, t, code, cm); err != nil {
			return err
		}
		if err := s.recordEvent(tx, p, u.Sub, "", EventResendCode, EventPass); err != nil {
			return err
		}
		return saveUser(tx, p, u)
	})
	if err != nil {
		return nil, err
	}
	s.kick()
	return out, nil
}

// AdminConfirmSignUp confirms a user without a code. It verifies nothing.
// https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_AdminConfirmSignUp.html
func (s *Service) AdminConfirmSignUp(ctx context.Context, poolID, username string) error {
	var pool *Pool
	var confirmed *User
	err := s.adminChangeUser(ctx, poolID, username, func(tx store.Tx, p *Pool, u *store.User) error {
		if u.Status != StatusUnconfirmed {
			return Errorf(NotAuthorizedException, "User cannot be confirmed. Current status is %s", u.Status)
		}
		u.Status = StatusConfirmed
		pool, confirmed = p, userView(u)
		err := tx.Codes().Delete(p.ID, u.Sub, purposeSignUp)
		if errors.Is(err, store.ErrNotFound) {
			return nil
		}
		return err
	})
	if err != nil {
		return err
	}
	return s.postConfirmation(ctx, pool, "PostConfirmation_ConfirmSignUp", adminClientID, confirmed)
}

// adminClientID is the callerContext clientId of a trigger an
// administrator's operation runs.
const adminClientID = "CLIENT_ID_NOT_APPLICABLE"
