package idp

import (
	"context"
	"errors"
	"net/mail"
	"regexp"
	"slices"
	"sort"
	"strings"

	"time"

	"github.com/google/uuid"
	"github.com/ninshou/ninshou/internal/idp/password"
	"github.com/ninshou/ninshou/internal/store"
)

func (p *Pool) caseInsensitive() bool { return p.CaseSensitive != nil && !*p.CaseSensitive }

// usernameKey is how a username is looked up in this pool.
func (p *Pool) usernameKey(name string) string {
	if p.caseInsensitive() {
		return strings.ToLower(name)
	}
	return name
}

func (p *Pool) aliasKey(kind, value string) string {
	if kind != "phone_number" && p.caseInsensitive() {
		return strings.ToLower(value)
	}
	return value
}

// aliasKinds are the attributes a user may sign in with besides the username.
func (p *Pool) aliasKinds() []string {
	if len(p.UsernameAttributes) > 0 {
		return p.UsernameAttributes
	}
	return p.AliasAttributes
}

// aliases computes the unique sign-in names the store must keep for u:
// username attributes always; alias attributes email and phone_number only
// once verified; preferred_username always.
func (p *Pool) aliases(attrs map[string]string) []store.Alias {
	var out []store.Alias
	for _, kind := range p.aliasKinds() {
		v := attrs[kind]
		if v == "" {
			continue
		}
		if len(p.UsernameAttributes) == 0 && kind != "preferred_username" && attrs[kind+"_verified"] != "true" {
			continue
		}
		out = append(out, store.Alias{Kind: kind, Key: p.aliasKey(kind, v)})
	}
	return out
}

// usernameKind is the username attribute ("email" or "phone_number") a
// username given to a pool with UsernameAttributes stands for, or "".
func (p *Pool) usernameKind(username string) string {
	switch {
	case slices.Contains(p.UsernameAttributes, "email") && strings.Contains(username, "@"):
		return "email"
	case slices.Contains(p.UsernameAttributes, "phone_number") && phonePattern.MatchString(username):
		return "phone_number"
	}
	return ""
}

// aliasShaped says whether name could be an alias of kind: an email
// address has an @, a phone number a leading +.
func aliasShaped(kind, name string) bool {
	switch kind {
	case "email":
		return strings.Contains(name, "@")
	case "phone_number":
		return strings.HasPrefix(name, "+")
	}
	return true
}

// findUser resolves a username or alias to a user of the pool.
func findUser(tx store.Tx, p *Pool, name string) (*store.User, error) {
	u, err := tx.Users().GetByUsername(p.ID, p.usernameKey(name))
	if err == nil || !errors.Is(err, store.ErrNotFound) {
		return u, err
	}
	for _, kind := range p.aliasKinds() {
		if !aliasShaped(kind, name) {
			continue
		}
		u, err = tx.Users().GetByAlias(p.ID, store.Alias{Kind: kind, Key: p.aliasKey(kind, name)})
		if err == nil || !errors.Is(err, store.ErrNotFound) {
			return u, err
		}
	}
	return nil, store.ErrNotFound
}

func userNotFound() error { return Errorf(UserNotFoundException, "User does not exist.") }

// mustFindUser is findUser for the admin APIs, which also take a user's
// sub ("If username isn't an alias attribute in your user pool, this value
// must be the sub of a local user or the username of a user from a
// third-party IdP"; getmoto/moto#7376 reports AdminGetUser by sub working
// on AWS in a pool of plain usernames). Sign-in names stay findUser's.
// Unknown users are UserNotFoundException.
// https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_AdminGetUser.html#CognitoUserPools-AdminGetUser-request-Username
func mustFindUser(tx store.Tx, p *Pool, name string) (*store.User, error) {
	u, err := findUser(tx, p, name)
	if errors.Is(err, store.ErrNotFound) {
		u, err = tx.Users().Get(p.ID, name)
	}
	if errors.Is(err, store.ErrNotFound) {
		return nil, userNotFound()
	}
	return u, err
}

// userView is what adapters see of a stored user.
func userView(u *store.User) *User {
	v := &User{PoolID: u.PoolID, Username: u.Username, Sub: u.Sub, Status: u.Status, Enabled: u.Enabled,
		CreatedAt: u.CreatedAt, UpdatedAt: u.UpdatedAt, MFAEnabled: slices.Clone(u.MFAEnabled), MFAPreferred: u.MFAPreferred}
	v.Attributes = sortedAttributes(u)
	return v
}

func sortedAttributes(u *store.User) []Attribute {
	out := []Attribute{{Name: "sub", Value: u.Sub}}
	names := make([]string, 0, len(u.Attributes))
	for n := range u.Attributes {
		if n != "sub" {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	for _, n := range names {
		out = append(out, Attribute{Name: n, Value: u.Attributes[n]})
	}
	return out
}

var phonePattern = regexp.MustCompile(`^\+[0-9]{4,15}$`)

// checkAttributes validates attribute writes against the pool's schema.
// creating allows immutable attributes to be set.
func checkAttributes(p *Pool, attrs []Attribute, creating bool) error {
	for _, a := range attrs {
		if a.Name == "sub" {
			return Errorf(InvalidParameterException, "Cannot modify an already provided sub")
		}
		i := slices.IndexFunc(p.Schema, func(s SchemaAttribute) bool { return s.Name == a.Name })
		if i < 0 {
			return Errorf(InvalidParameterException, "Attributes did not conform to the schema: %s: Attribute does not exist in the schema.\n", a.Name)
		}
		sa := p.Schema[i]
		if !creating && !sa.Mutable {
			// Cognito's words for an immutable attribute, as apps meet them
			// (aws-amplify/amplify-swift#3981: "user.email: Attribute cannot
			// be updated."; the same for custom attributes).
			return Errorf(InvalidParameterException, "user.%s: Attribute cannot be updated.", a.Name)
		}
		switch {
		case a.Name == "email" && a.Value != "":
			if addr, err := mail.ParseAddress(a.Value); err != nil || addr.Address != a.Value {
				return Errorf(InvalidParameterException, "Invalid email address format.")
			}
		case a.Name == "phone_number" && a.Value != "":
			if !phonePattern.MatchString(a.Value) {
				return Errorf(InvalidParameterException, "Invalid phone number format.")
			}
		case sa.DataType == "Boolean" && a.Value != "" && a.Value != "true" && a.Value != "false":
			return Errorf(InvalidParameterException, "Attributes did not conform to the schema: %s: The attribute value is not a valid Boolean.\n", a.Name)
		}
		if javaLength(a.Value) > maxAttributeValue { // as the model counts characters
			return Errorf(InvalidParameterException, "Attributes did not conform to the schema: %s: String must be no longer than 2048 characters\n", a.Name)
		}
	}
	return nil
}

// missingRequired names the first required schema attribute without a value.
// allMissingRequired names every required attribute attrs lacks.
func allMissingRequired(p *Pool, attrs map[string]string) []string {
	var out []string
	for _, sa := range p.Schema {
		if sa.Required && sa.Name != "sub" && attrs[sa.Name] == "" {
			out = append(out, sa.Name)
		}
	}
	return out
}

// missingRequired names the first required attribute attrs lacks.
func missingRequired(p *Pool, attrs map[string]string) string {
	if names := allMissingRequired(p, attrs); len(names) > 0 {
		return names[0]
	}
	return ""
}

func (s *Service) policyError(p *Pool, pw string) error {
	pol := password.Policy{
		MinimumLength:    p.PasswordPolicy.MinimumLength,
		RequireUppercase: p.PasswordPolicy.RequireUppercase,
		RequireLowercase: p.PasswordPolicy.RequireLowercase,
		RequireNumbers:   p.PasswordPolicy.RequireNumbers,
		RequireSymbols:   p.PasswordPolicy.RequireSymbols,
	}
	if reason, ok := pol.Check(pw); !ok {
		return Errorf(InvalidPasswordException, "Password does not conform to policy: %s", reason)
	}
	return nil
}

// reworded is the *Error err with old replaced by new in its message.
func reworded(err error, old, new string) error {
	var e *Error
	if !errors.As(err, &e) {
		return err
	}
	c := *e
	c.Message = strings.Replace(c.Message, old, new, 1)
	return &c
}

// maxPasswordChars and passwordShape are what the API checks of every
// password member (PasswordType: at most 256 characters, no white space
// at either end), which a password given in ChallengeResponses must meet
// too: "Amazon Cognito passwords can be up to 256 characters in length"
// (user-pool-settings-policies.html).
const maxPasswordChars = 256

var passwordShape = regexp.MustCompile(`^[\S]+.*[\S]+$`)

// checkPasswordShape refuses a NEW_PASSWORD that no password operation
// would take (Cognito's texts for it are unpublished).
func checkPasswordShape(pw string) error {
	if javaLength(pw) > maxPasswordChars {
		return Errorf(InvalidPasswordException, "Password does not conform to policy: Password must be at most %d characters long", maxPasswordChars)
	}
	if !passwordShape.MatchString(pw) {
		return Errorf(InvalidPasswordException, "Password does not conform to policy: Password must not begin or end with white space")
	}
	return nil
}

// CreateUserInput is AdminCreateUser's input.
type CreateUserInput struct {
	PoolID             string
	Username           string
	Attributes         []Attribute
	TemporaryPassword  string
	MessageAction      string   // "", "RESEND" or "SUPPRESS"
	DeliveryMediums    []string // "EMAIL", "SMS"; default SMS
	ForceAliasCreation bool
	// ValidationData only reaches the pre sign-up trigger: "Temporary user
	// attributes that contribute to the outcomes of your pre sign-up
	// Lambda trigger".
	ValidationData []Attribute
}

// newUserAttributes are the attributes AdminCreateUser gives a new user:
// the request's, and in a pool whose usernames are addresses the username
// as that address unless the request gives one.
func newUserAttributes(p *Pool, in CreateUserInput) map[string]string {
	attrs := map[string]string{}
	for _, a := range in.Attributes {
		attrs[a.Name] = a.Value
	}
	if kind := p.usernameKind(in.Username); len(p.UsernameAttributes) > 0 && kind != "" && attrs[kind] == "" {
		attrs[kind] = in.Username
	}
	return attrs
}

// AdminCreateUser creates a user with a temporary password
// (FORCE_CHANGE_PASSWORD) and sends the invitation unless suppressed.
// https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_AdminCreateUser.html
func (s *Service) AdminCreateUser(ctx context.Context, in CreateUserInput) (*User, error) {
	p, err := s.GetPool(ctx, in.PoolID)
	if err != nil {
		return nil, err
	}
	if err := checkAttributes(p, in.Attributes, true); err != nil {
		return nil, err
	}
	if err := checkConstraints(p, in.Attributes); err != nil {
		return nil, err
	}
	temp := in.TemporaryPassword
	if temp != "" {
		if err := s.policyError(p, temp); err != nil {
			// AdminCreateUser's own words for it, as a deployment log quotes
			// them (data-dot-all/dataall#690).
			return nil, reworded(err, "does not conform to policy", "did not conform with password policy")
		}
	} else {
		temp = password.Generate(password.Policy{
			MinimumLength: p.PasswordPolicy.MinimumLength, RequireUppercase: true, RequireLowercase: true,
			RequireNumbers: true, RequireSymbols: true}, s.rand())
	}
	// The SRP verifier hashes the real username: the new sub in pools whose
	// usernames are email or phone, the stored username on RESEND.
	sub := uuid.New().String()
	srpName := in.Username
	if len(p.UsernameAttributes) > 0 {
		srpName = sub
	}
	if in.MessageAction == "RESEND" {
		if err := s.view(ctx, func(tx store.Tx) error {
			u, err := mustFindUser(tx, p, in.Username)
			if err == nil {
				srpName = u.Username
			}
			return err
		}); err != nil {
			return nil, err
		}
	}
	rec, err := s.passwordRecord(p, srpName, temp)
	if err != nil {
		return nil, err
	}
	var cm *customMessage
	if len(p.Lambda) > 0 {
		if in.MessageAction == "" { // a medium without its address is refused before any function runs
			if err := checkInviteMediums(p, newUserAttributes(p, in), in.DeliveryMediums); err != nil {
				return nil, err
			}
		}
		if cm, err = s.adminCreateTriggers(ctx, p, in, sub); err != nil {
			return nil, err
		}
	}
	now := s.now()
	var out *store.User
	err = s.update(ctx, func(tx store.Tx) error {
		if in.MessageAction == "RESEND" {
			u, err := mustFindUser(tx, p, in.Username)
			if err != nil {
				return err
			}
			if u.Status != StatusForceChangePassword {
				return Errorf(UnsupportedUserStateException, "Resend not possible. %s status is not FORCE_CHANGE_PASSWORD", u.Username)
			}
			if u.Username != srpName {
				return errConcurrentChange // renamed meanwhile: usernames are immutable, so never
			}
			if err := checkInviteMediums(p, u.Attributes, in.DeliveryMediums); err != nil {
				return err
			}
			if err := s.setPassword(u, rec, now); err != nil {
				return err
			}
			u.UpdatedAt = now
			if err := tx.Users().Update(u); err != nil {
				return err
			}
			out = u
			return s.sendInvitation(tx, p, u, temp, in.DeliveryMediums, cm)
		}
		attrs := newUserAttributes(p, in)
		username := in.Username
		if len(p.UsernameAttributes) > 0 {
			kind := p.usernameKind(username)
			if kind == "" {
				return errUsernameKind(p)
			}
			if err := checkUsernameAddress(p, kind, in.Username, attrs); err != nil {
				return err
			}
			username = sub
		} else if err := checkAliasShapedUsername(p, username); err != nil {
			return err
		}
		if name := missingRequired(p, attrs); name != "" {
			return Errorf(InvalidParameterException, "Attributes did not conform to the schema: %s: The attribute is required\n", name)
		}
		if in.MessageAction != "SUPPRESS" {
			// Refused before the user exists. SUPPRESS sends nothing, so no
			// medium is checked (what AWS does for SUPPRESS with a medium
			// named is unpublished).
			if err := checkInviteMediums(p, attrs, in.DeliveryMediums); err != nil {
				return err
			}
		}
		u := &store.User{
			PoolID: p.ID, Sub: sub, Username: username, UsernameKey: p.usernameKey(username),
			Status: StatusForceChangePassword, Enabled: true, Attributes: attrs, Aliases: p.aliases(attrs),
			CreatedAt: now, UpdatedAt: now,
		}
		if err := s.setPassword(u, rec, now); err != nil {
			return err
		}
		// "If this parameter is set to True and the phone number or email
		// address specified in the UserAttributes parameter already exists as
		// an alias with a different user, this request migrates the alias from
		// the previous user to the newly-created user." (API_AdminCreateUser)
		if in.ForceAliasCreation {
			if err := takeAliases(tx, p, u, []string{"email", "phone_number"}); err != nil {
				return err
			}
		}
		if err := createUser(tx, p, u); err != nil {
			return err
		}
		out = u
		if in.MessageAction == "SUPPRESS" {
			return nil
		}
		return s.sendInvitation(tx, p, u, temp, in.DeliveryMediums, cm)
	})
	if err != nil {
		return nil, err
	}
	s.kick()
	return userView(out), nil
}

func createUser(tx store.Tx, p *Pool, u *store.User) error {
	err := tx.Users().Create(u)
	var ee *store.ExistsError
	if errors.As(err, &ee) {
		if ee.What == "username" || len(p.UsernameAttributes) > 0 {
			if len(p.UsernameAttributes) > 0 && ee.What != "username" {
				kind := strings.TrimPrefix(ee.What, "alias:")
				if kind == "phone_number" {
					return Errorf(UsernameExistsException, "An account with the given phone_number already exists.")
				}
				return Errorf(UsernameExistsException, "An account with the given email already exists.")
			}
			return Errorf(UsernameExistsException, "User account already exists")
		}
		return Errorf(AliasExistsException, "An account with the %s already exists.", strings.TrimPrefix(ee.What, "alias:"))
	}
	return err
}

// saveUser writes u back, mapping alias collisions to AliasExistsException.
func saveUser(tx store.Tx, p *Pool, u *store.User) error {
	u.Aliases = p.aliases(u.Attributes)
	err := tx.Users().Update(u)
	var ee *store.ExistsError
	if errors.As(err, &ee) {
		return Errorf(AliasExistsException, "An account with the %s already exists.", strings.TrimPrefix(ee.What, "alias:"))
	}
	return err
}

// AdminGetUser returns a user by username or alias.
func (s *Service) AdminGetUser(ctx context.Context, poolID, username string) (*User, error) {
	var out *User
	err := s.view(ctx, func(tx store.Tx) error {
		p, err := getPool(tx, poolID)
		if err != nil {
			return err
		}
		u, err := mustFindUser(tx, p, username)
		if err != nil {
			return err
		}
		out = userView(u)
		return nil
	})
	return out, err
}

// AdminDeleteUser deletes a user.
func (s *Service) AdminDeleteUser(ctx context.Context, poolID, username string) error {
	return s.update(ctx, func(tx store.Tx) error {
		p, err := getPool(tx, poolID)
		if err != nil {
			return err
		}
		u, err := mustFindUser(tx, p, username)
		if err != nil {
			return err
		}
		return tx.Users().Delete(p.ID, u.Sub)
	})
}

// adminChangeUser loads a user for an admin write and saves what fn changed.
func (s *Service) adminChangeUser(ctx context.Context, poolID, username string, fn func(tx store.Tx, p *Pool, u *store.User) error) error {
	return s.update(ctx, func(tx store.Tx) error {
		p, err := getPool(tx, poolID)
		if err != nil {
			return err
		}
		u, err := mustFindUser(tx, p, username)
		if err != nil {
			return err
		}
		if err := fn(tx, p, u); err != nil {
			return err
		}
		u.UpdatedAt = s.now()
		return saveUser(tx, p, u)
	})
}

// AdminSetUserPassword sets a permanent (CONFIRMED) or temporary
// (FORCE_CHANGE_PASSWORD) password.
// https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_AdminSetUserPassword.html
func (s *Service) AdminSetUserPassword(ctx context.Context, poolID, username, pw string, permanent bool) error {
	p, err := s.GetPool(ctx, poolID)
	if err != nil {
		return err
	}
	if err := s.policyError(p, pw); err != nil {
		return err
	}
	var realName string
	var cur *store.User
	if err := s.view(ctx, func(tx store.Tx) error {
		u, err := mustFindUser(tx, p, username)
		if err == nil {
			realName, cur = u.Username, u
		}
		return err
	}); err != nil {
		return err
	}
	if err := s.checkHistory(p, cur, pw); err != nil {
		return err
	}
	rec, err := s.passwordRecord(p, realName, pw)
	if err != nil {
		return err
	}
	return s.adminChangeUser(ctx, poolID, username, func(_ store.Tx, _ *Pool, u *store.User) error {
		if u.Username != realName {
			return errConcurrentChange
		}
		rememberPassword(p, u)
		if err := s.setPassword(u, rec, s.now()); err != nil {
			return err
		}
		u.FailedAttempts, u.LockedUntil = 0, time.Time{}
		if permanent {
			u.Status = StatusConfirmed
		} else {
			u.Status = StatusForceChangePassword
		}
		return nil
	})
}

// AdminUpdateUserAttributes changes a user's attributes as
// UpdateUserAttributes does (a changed email or phone number unverified, a
// code sent to it when the pool auto-verifies it, the old value kept until
// then when the pool requires verification before update), except that an
// administrator may also set email_verified and phone_number_verified:
// true with a new address applies it at once and sends nothing. An address
// verified here that another user holds as an alias moves to this user,
// and the other user's address is no longer verified ("the email address
// alias is transferred to the newer user",
// https://repost.aws/knowledge-center/cognito-email-verified-attribute;
// real Cognito's answer in https://github.com/boto/boto3/issues/3213).
// preferred_username and the addresses of a pool whose usernames they are
// never move: AliasExistsException.
// https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_AdminUpdateUserAttributes.html
func (s *Service) AdminUpdateUserAttributes(ctx context.Context, poolID, username string, attrs []Attribute) error {
	// The custom message trigger runs before the transaction that sends the code.
	var p *Pool
	var u *store.User
	if err := s.view(ctx, func(tx store.Tx) error {
		var err error
		p, u, err = adminAttributeUpdate(tx, poolID, username, attrs)
		return err
	}); err != nil {
		return err
	}
	cm, err := s.attributeUpdateMessage(ctx, p, adminClientID, u, attrs, true)
	if err != nil {
		return err
	}
	err = s.update(ctx, func(tx store.Tx) error {
		p, u, err := adminAttributeUpdate(tx, poolID, username, attrs)
		if err != nil {
			return err
		}
		if _, err := s.sendVerifyCodes(tx, p, u, changeAttributes(p, u, attrs, true), cm); err != nil {
			return err
		}
		u.UpdatedAt = s.now()
		return saveClaimingAliases(tx, p, u, true)
	})
	if err != nil {
		return err
	}
	s.kick()
	return nil
}

// adminAttributeUpdate loads the pool and user of an AdminUpdateUserAttributes
// request and checks its attributes.
func adminAttributeUpdate(tx store.Tx, poolID, username string, attrs []Attribute) (*Pool, *store.User, error) {
	p, err := getPool(tx, poolID)
	if err != nil {
		return nil, nil, err
	}
	u, err := mustFindUser(tx, p, username)
	if err != nil {
		return nil, nil, err
	}
	if err := checkAttributes(p, attrs, false); err != nil {
		return nil, nil, err
	}
	if err := checkConstraints(p, attrs); err != nil {
		return nil, nil, err
	}
	if err := checkRequiredKept(p, attrs); err != nil {
		return nil, nil, err
	}
	if u.Status == StatusUnconfirmed {
		if err := checkPreferredUsernameAlias(p, attrs); err != nil {
			return nil, nil, err
		}
	}
	return p, u, nil
}

// checkPreferredUsernameAlias refuses a preferred_username for an
// unconfirmed account where it is an alias: "If preferred_username is
// selected as an alias, the value can be provided only when an account is
// confirmed. The value cannot be provided during registration."
// (user-pool-settings-attributes.html, Aliases; the text is Cognito's
// answer to SignUp, quoted in aws-amplify/amplify-js#1669).
func checkPreferredUsernameAlias(p *Pool, attrs []Attribute) error {
	if !slices.Contains(p.AliasAttributes, "preferred_username") {
		return nil
	}
	for _, a := range attrs {
		if a.Name == "preferred_username" && a.Value != "" {
			return Errorf(InvalidParameterException,
				"Preferred username cannot be provided for unconfirmed account, since user pool is configured for preferred username alias.")
		}
	}
	return nil
}

// AdminDeleteUserAttributes removes attributes, as DeleteUserAttributes
// does: an address goes with its verification and any pending change.
func (s *Service) AdminDeleteUserAttributes(ctx context.Context, poolID, username string, names []string) error {
	return s.adminChangeUser(ctx, poolID, username, func(_ store.Tx, p *Pool, u *store.User) error {
		return deleteAttributes(p, u, names)
	})
}

// MFAPreference is one factor's {Enabled, PreferredMfa} as given; nil means not given.
type MFAPreference struct {
	Enabled   *bool
	Preferred *bool
}

// SetMFAPreference applies Set/AdminSetUserMFAPreference to a stored user.
// Passkey MFA (prefs[FactorWebAuthn], WebAuthnMfaSettings) is a switch of
// its own: "When activated, the user's passkey authentication requires user
// verification, and passkey sign-in is available when MFA is required. The
// user must also have at least one other MFA method such as SMS, TOTP, or
// email activated to prevent account lockout." (API_WebAuthnMfaSettingsType)
func setMFAPreference(p *Pool, u *store.User, prefs map[string]MFAPreference) error {
	if err := applyMFAPreference(p, u, prefs); err != nil {
		return err
	}
	x := decodeExtra(u)
	if pk, ok := prefs[FactorWebAuthn]; ok && pk.Enabled != nil {
		if *pk.Enabled && p.MFA.WebAuthnFactor != WebAuthnMultiFactor {
			// "To activate this setting, the FactorConfiguration of your user
			// pool WebAuthnConfiguration must be
			// MULTI_FACTOR_WITH_USER_VERIFICATION" (the model's
			// WebAuthnMfaSettings, which a Lite pool cannot have). The rule
			// is documented; its error text is not.
			return Errorf(InvalidParameterException, "Passkey MFA requires the user pool's WebAuthnConfiguration FactorConfiguration to be MULTI_FACTOR_WITH_USER_VERIFICATION.")
		}
		x.PasskeyMFA = *pk.Enabled
	}
	if x.PasskeyMFA && p.MFA.WebAuthnFactor == WebAuthnMultiFactor && len(u.MFAEnabled) == 0 {
		// (A flag left from before the pool's passkeys became a single
		// factor counts for nothing, passkeyIsMFA, and holds nothing back.)
		// The rule is documented; its error text is not.
		return Errorf(InvalidParameterException, "Passkey MFA requires another MFA method (SMS, TOTP or email) to be enabled for the user.")
	}
	encodeExtra(u, x)
	return nil
}

func applyMFAPreference(p *Pool, u *store.User, prefs map[string]MFAPreference) error {
	for _, factor := range []string{FactorSMS, FactorTOTP, FactorEmail} {
		pref, ok := prefs[factor]
		if !ok {
			continue
		}
		if pref.Enabled != nil {
			if *pref.Enabled {
				// A factor needs somewhere to deliver: Cognito answers "User
				// does not have delivery config set to turn on
				// SOFTWARE_TOKEN_MFA" (aws-sdk-js-v3#4645) for a user without
				// a software token, and refuses SMS MFA to a user without a
				// phone number (amplify-js#618; an unverified one will do,
				// amplify-js#11259). The same words for each factor.
				noDelivery := Errorf(InvalidParameterException, "User does not have delivery config set to turn on %s", factor)
				switch factor {
				case FactorEmail:
					if !p.MFA.EmailEnabled {
						return Errorf(InvalidParameterException, "Email MFA is not enabled for this user pool.")
					}
					if u.Attributes["email"] == "" {
						return noDelivery
					}
				case FactorSMS:
					if u.Attributes["phone_number"] == "" {
						return noDelivery
					}
				case FactorTOTP:
					if !hasTOTP(u) {
						return noDelivery
					}
				}
				if !slices.Contains(u.MFAEnabled, factor) {
					u.MFAEnabled = append(u.MFAEnabled, factor)
				}
			} else {
				u.MFAEnabled = slices.DeleteFunc(u.MFAEnabled, func(f string) bool { return f == factor })
				if u.MFAPreferred == factor {
					u.MFAPreferred = ""
				}
			}
		}
		if pref.Preferred != nil {
			if *pref.Preferred {
				if !slices.Contains(u.MFAEnabled, factor) {
					return Errorf(InvalidParameterException, "%s must be enabled to be preferred.", factor)
				}
				u.MFAPreferred = factor
			} else if u.MFAPreferred == factor {
				u.MFAPreferred = ""
			}
		}
	}
	return nil
}

// hasTOTP reports whether the user has a verified software token.
func hasTOTP(u *store.User) bool {
	return decodeExtra(u).TOTPVerified
}

// AdminSetUserMFAPreference sets a user's MFA factors.
func (s *Service) AdminSetUserMFAPreference(ctx context.Context, poolID, username string, prefs map[string]MFAPreference) error {
	return s.adminChangeUser(ctx, poolID, username, func(_ store.Tx, p *Pool, u *store.User) error {
		return setMFAPreference(p, u, prefs)
	})
}

// AdminUserGlobalSignOut revokes every refresh token of the user and the
// access tokens issued before now.
func (s *Service) AdminUserGlobalSignOut(ctx context.Context, poolID, username string) error {
	return s.adminChangeUser(ctx, poolID, username, func(tx store.Tx, p *Pool, u *store.User) error {
		return signOut(tx, u, s.now())
	})
}

// signOut revokes the user's token families and every token dated at or
// before the revocation second. A token issued after an earlier sign-out in
// that same second was dated one second later (issueTime), so the new
// revocation reaches that far, but only if some sign-in did issue one: each
// made a family, which this sign-out found live. Sign-outs alone never move
// the revocation (and so new tokens' dates) past the present.
func signOut(tx store.Tx, u *store.User, now time.Time) error {
	live, err := tx.TokenFamilies().RevokeUser(u.PoolID, u.Sub, now)
	if err != nil {
		return err
	}
	if !u.TokensRevokedAt.IsZero() && now.Unix() <= u.TokensRevokedAt.Unix() {
		if live == 0 {
			// No token issued since that sign-out: the revocation's second
			// stays, but its instant moves to now, which ends the managed
			// login sessions begun since (managedLoginUser compares them at
			// full precision; their codes make families only when redeemed).
			if now.After(u.TokensRevokedAt) {
				u.TokensRevokedAt = now
			}
			return nil
		}
		now = time.Unix(u.TokensRevokedAt.Unix()+1, 0).UTC()
	}
	u.TokensRevokedAt = now
	return nil
}

// MFAOption is an entry of the legacy MFAOptions list (MFAOptionType): a
// delivery medium and the attribute it goes to.
type MFAOption struct {
	DeliveryMedium string
	AttributeName  string
}

// legacyMFAPreference reads SetUserSettings' and AdminSetUserSettings'
// MFAOptions, which "configure only SMS MFA": an SMS entry to phone_number
// turns SMS MFA on, an empty list turns it off, anything else is refused.
// The preferred factor is left alone, as the legacy API knew none.
// https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_AdminSetUserSettings.html
func legacyMFAPreference(options []MFAOption) (map[string]MFAPreference, error) {
	for _, o := range options {
		if o.DeliveryMedium != "SMS" || o.AttributeName != "phone_number" {
			return nil, Errorf(InvalidParameterException, "Only SMS MFA to phone_number can be set with MFAOptions; use SetUserMFAPreference for other factors.")
		}
	}
	on := len(options) > 0
	return map[string]MFAPreference{FactorSMS: {Enabled: &on}}, nil
}

// AdminSetUserSettings is the legacy way to turn a user's SMS MFA on or off.
func (s *Service) AdminSetUserSettings(ctx context.Context, poolID, username string, options []MFAOption) error {
	prefs, err := legacyMFAPreference(options)
	if err != nil {
		return err
	}
	return s.AdminSetUserMFAPreference(ctx, poolID, username, prefs)
}

// SetUserSettings is AdminSetUserSettings for the signed-in user.
func (s *Service) SetUserSettings(ctx context.Context, accessToken string, options []MFAOption) error {
	prefs, err := legacyMFAPreference(options)
	if err != nil {
		return err
	}
	return s.SetUserMFAPreference(ctx, accessToken, prefs)
}
