package idp

import (
	"context"
	"errors"
	"math/big"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/ninshou/ninshou/internal/store"
)

// Attributes: the schema's custom attributes, what an app client may read
// and write, and the self-service attribute operations with verification of
// email and phone_number.

const maxCustomAttributes = 50

var errUnauthorizedAttr = Errorf(NotAuthorizedException, "A client attempted to write unauthorized attribute")

func (p *Pool) schemaAttr(name string) (SchemaAttribute, bool) {
	i := slices.IndexFunc(p.Schema, func(s SchemaAttribute) bool { return s.Name == name })
	if i < 0 {
		return SchemaAttribute{}, false
	}
	return p.Schema[i], true
}

// clientCanWrite: a client that names WriteAttributes writes those, one that
// names none every attribute; no client writes the verification flags.
// Developer-only attributes are for the admin APIs alone.
// https://docs.aws.amazon.com/cognito/latest/developerguide/user-pool-settings-attributes.html#user-pool-settings-attribute-permissions-and-scopes
func clientCanWrite(p *Pool, c *Client, name string) bool {
	sa, ok := p.schemaAttr(name)
	if !ok {
		return true // checkAttributes answers with the schema error
	}
	if sa.DeveloperOnly || name == "identities" {
		// identities says how the user signs in through identity
		// providers, and ID tokens carry it: only the pool writes it.
		return false
	}
	if isVerificationFlag(name) {
		// Never through a client, whatever it lists (checkClientSettings
		// refuses such a list; a client stored before it did may hold one).
		return false
	}
	return len(c.WriteAttributes) == 0 || slices.Contains(c.WriteAttributes, name)
}

// clientCanRead: a client that names ReadAttributes reads those (and sub);
// one that names none reads every attribute but developer-only ones.
func clientCanRead(p *Pool, c *Client, name string) bool {
	if name == "sub" {
		return true
	}
	if sa, ok := p.schemaAttr(name); ok && sa.DeveloperOnly {
		return false
	}
	return len(c.ReadAttributes) == 0 || slices.Contains(c.ReadAttributes, name)
}

func checkClientWrite(p *Pool, c *Client, attrs []Attribute) error {
	for _, a := range attrs {
		if !clientCanWrite(p, c, a.Name) {
			return errUnauthorizedAttr
		}
	}
	return nil
}

// readableUser is what GetUser shows the client an access token was issued
// to: the user with only the attributes that client may read.
func readableUser(p *Pool, c *Client, u *store.User) *User {
	v := userView(u)
	v.Attributes = slices.DeleteFunc(v.Attributes, func(a Attribute) bool { return !clientCanRead(p, c, a.Name) })
	return v
}

// userForClient is GetUser's answer for a user and the client of its access
// token: attributes filtered by the client's ReadAttributes.
func (s *Service) userForClient(tx store.Tx, p *Pool, clientID string, u *store.User) (*User, error) {
	c, err := getClient(tx, clientID)
	var e *Error
	if errors.As(err, &e) && e.Code == ResourceNotFoundException {
		return nil, errAccessInvalid // the client is gone: so is its token
	}
	if err != nil {
		return nil, err
	}
	return readableUser(p, c, u), nil
}

// checkConstraints enforces the schema's length and range constraints on
// the values given.
func checkConstraints(p *Pool, attrs []Attribute) error {
	for _, a := range attrs {
		sa, ok := p.schemaAttr(a.Name)
		if !ok || a.Value == "" {
			continue
		}
		bad := func(why string, args ...any) error {
			return Errorf(InvalidParameterException, "Attributes did not conform to the schema: %s: "+why+"\n", append([]any{a.Name}, args...)...)
		}
		switch sa.DataType {
		case "String":
			n := utf8.RuneCountInString(a.Value)
			if min, err := strconv.Atoi(sa.StringMin); err == nil && n < min {
				return bad("String must be no shorter than %d characters", min)
			}
			if max, err := strconv.Atoi(sa.StringMax); err == nil && n > max {
				return bad("String must be no longer than %d characters", max)
			}
			// Without a MaxLength of its own, an attribute still holds at
			// most 2048: "the maximum value length (2048 characters) must
			// be large enough for the value that Amazon Cognito obtains from
			// the IdP" (cognito-user-pools-specifying-attribute-mapping.html).
			if javaLength(a.Value) > maxAttributeValue {
				return bad("String must be no longer than %d characters", maxAttributeValue)
			}
		case "Number":
			v, ok := new(big.Float).SetString(a.Value)
			if !ok {
				return bad("Number must be a number")
			}
			if min, ok := new(big.Float).SetString(sa.NumberMin); ok && v.Cmp(min) < 0 {
				return bad("Number must be no less than %s", sa.NumberMin)
			}
			if max, ok := new(big.Float).SetString(sa.NumberMax); ok && v.Cmp(max) > 0 {
				return bad("Number must be no greater than %s", sa.NumberMax)
			}
		}
	}
	return nil
}

// AddCustomAttributes adds custom attributes to a pool's schema. Names are
// given without the custom: prefix; like at pool creation they cannot be
// required, and an existing name cannot be added again.
// https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_AddCustomAttributes.html
func (s *Service) AddCustomAttributes(ctx context.Context, poolID string, attrs []SchemaAttribute) error {
	return s.update(ctx, func(tx store.Tx) error {
		p, err := lockedPool(tx, poolID)
		if err != nil {
			return err
		}
		if err := requireNoImport(tx, poolID); err != nil {
			return err
		}
		custom := 0
		for _, a := range p.Schema {
			if isCustom(a.Name) {
				custom++
			}
		}
		for _, d := range attrs {
			name := customBase(d.Name)
			if name == "" {
				return Errorf(InvalidParameterException, "Attribute name is required.")
			}
			if utf8.RuneCountInString(name) > 20 {
				return Errorf(InvalidParameterException, "Custom attribute name must be no longer than 20 characters: %s", name)
			}
			a := d
			a.Name = customName(name, d.DeveloperOnly)
			_, plain := p.schemaAttr(customName(name, false))
			if _, dev := p.schemaAttr(customName(name, true)); plain || dev {
				return Errorf(InvalidParameterException, "Existing attribute already has name %s.", a.Name)
			}
			if a.Required {
				return Errorf(InvalidParameterException, "Required custom attributes are not supported currently.")
			}
			switch a.DataType {
			case "":
				a.DataType = "String"
			case "String", "Number", "DateTime", "Boolean":
			default:
				return Errorf(InvalidParameterException, "Invalid AttributeDataType input, consider using the provided AttributeDataType enum.")
			}
			if a.DataType == "String" && !a.HasString {
				a.HasString = true
			}
			if a.DataType == "Number" && !a.HasNumber {
				a.HasNumber = true
			}
			if custom++; custom > maxCustomAttributes {
				return Errorf(LimitExceededException, "Too many custom attributes: a user pool has at most %d.", maxCustomAttributes)
			}
			p.Schema = append(p.Schema, a)
		}
		p.UpdatedAt = s.now()
		return savePool(tx, p)
	})
}

// tokenClient loads the app client an access token was issued to.
func tokenClient(tx store.Tx, clientID string) (*Client, error) {
	c, err := getClient(tx, clientID)
	if err != nil {
		return nil, errAccessInvalid
	}
	return c, nil
}

// verifiable reports whether attr is one Cognito verifies with a code.
func verifiable(attr string) bool { return attr == "email" || attr == "phone_number" }

// errRequiredDeleted is Cognito's answer to a blank value for a required
// attribute, as a real UpdateUserAttributes gave it in
// https://github.com/aws-amplify/aws-sdk-ios/issues/4251.
func errRequiredDeleted(name string) error {
	return Errorf(InvalidParameterException, "user.%s: Required attribute cannot be deleted.", name)
}

// checkRequiredKept refuses an update that deletes a required attribute by
// giving it a blank value (DeleteUserAttributes refuses it too).
func checkRequiredKept(p *Pool, attrs []Attribute) error {
	for _, a := range attrs {
		if sa, ok := p.schemaAttr(a.Name); ok && sa.Required && a.Value == "" {
			return errRequiredDeleted(a.Name)
		}
	}
	return nil
}

// verifiedFlag is the attribute that says whether addr is verified.
func verifiedFlag(addr string) string { return addr + "_verified" }

// isVerificationFlag reports whether name is one of the verification flags
// (email_verified, phone_number_verified).
func isVerificationFlag(name string) bool {
	return name == verifiedFlag("email") || name == verifiedFlag("phone_number")
}

// verifiedInRequest reports whether attrs set addr's verification flag to
// true: an administrator's AdminUpdateUserAttributes then applies a new
// address at once, verified, and sends no code.
// https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_AdminUpdateUserAttributes.html
func verifiedInRequest(attrs []Attribute, addr string) bool {
	return slices.Contains(attrs, Attribute{Name: verifiedFlag(addr), Value: "true"})
}

// codeDue reports whether setting a sends a verification code: a new
// email or phone number the pool auto-verifies, unless the same admin
// request verifies it.
func codeDue(p *Pool, u *store.User, a Attribute, verifiedNow bool) bool {
	return verifiable(a.Name) && a.Value != "" && a.Value != u.Attributes[a.Name] && !verifiedNow &&
		slices.Contains(p.AutoVerifiedAttributes, a.Name)
}

// changeAttributes applies an attribute update to u (not saved) and returns
// the addresses due a verification code. A blank value deletes (with an
// address, its verification and any pending change). A changed email or
// phone number is unverified; when the pool requires verification before
// update, the old value stays (and keeps signing in) until the new one is
// verified. admin is AdminUpdateUserAttributes, which may also set the
// verification flags: set to true with a new address, that address applies
// at once, verified, without a code.
func changeAttributes(p *Pool, u *store.User, attrs []Attribute, admin bool) []codeTarget {
	if u.Attributes == nil {
		u.Attributes = map[string]string{}
	}
	x := decodeExtra(u)
	var sendTo []codeTarget
	var flags []Attribute
	for _, a := range attrs {
		if admin && (a.Name == verifiedFlag("email") || a.Name == verifiedFlag("phone_number")) {
			flags = append(flags, a) // after the addresses they describe
			continue
		}
		cur, had := u.Attributes[a.Name]
		if a.Value == "" {
			delete(u.Attributes, a.Name)
			if verifiable(a.Name) {
				delete(u.Attributes, verifiedFlag(a.Name))
				delete(x.Pending, a.Name)
			}
			continue
		}
		verifiedNow := admin && verifiedInRequest(attrs, a.Name)
		if !verifiable(a.Name) || had && cur == a.Value || verifiedNow {
			u.Attributes[a.Name] = a.Value
			if verifiable(a.Name) {
				delete(x.Pending, a.Name) // asking for the current value again cancels a pending change
			}
			continue
		}
		due := codeDue(p, u, a, false)
		if due && had && slices.Contains(p.RequireVerificationBeforeUpdate, a.Name) {
			if x.Pending == nil {
				x.Pending = map[string]string{}
			}
			x.Pending[a.Name] = a.Value
		} else {
			u.Attributes[a.Name] = a.Value
			u.Attributes[verifiedFlag(a.Name)] = "false"
			delete(x.Pending, a.Name)
		}
		if due {
			sendTo = append(sendTo, codeTarget{a.Name, a.Value})
		}
	}
	for _, f := range flags {
		addr := strings.TrimSuffix(f.Name, "_verified")
		_, pending := x.Pending[addr]
		if slices.ContainsFunc(attrs, func(a Attribute) bool { return a.Name == addr }) && (u.Attributes[addr] == "" || pending) {
			// The same request deleted the address, or its new value
			// waits for its code: the current value keeps its own flag.
			continue
		}
		if v, ok := x.Pending[addr]; ok && f.Value == "true" {
			// An administrator confirms the new value that waits for its
			// code: "You can also call the AdminUpdateUserAttributes API and
			// set email_verified or phone_number_verified to true"
			// (API_UserAttributeUpdateSettingsType.html).
			u.Attributes[addr] = v
			delete(x.Pending, addr)
		}
		if f.Value == "" {
			delete(u.Attributes, f.Name)
		} else {
			u.Attributes[f.Name] = f.Value
		}
	}
	if len(x.Pending) == 0 {
		x.Pending = nil
	}
	encodeExtra(u, x)
	return sendTo
}

// UpdateUserAttributes changes the signed-in user's attributes. A changed
// email or phone number is unverified and, when the pool auto-verifies it,
// gets a code; when the pool requires verification before update, the old
// value stays (and keeps signing in) until the new one is verified.
// https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_UpdateUserAttributes.html
func (s *Service) UpdateUserAttributes(ctx context.Context, accessToken string, attrs []Attribute) ([]CodeDelivery, error) {
	cm, err := s.tokenUserMessage(ctx, accessToken, "CustomMessage_UpdateUserAttribute", attrs)
	if err != nil {
		return nil, err
	}
	var out []CodeDelivery
	err = s.update(ctx, func(tx store.Tx) error {
		out = nil
		p, u, claims, err := s.authorize(tx, accessToken)
		if err != nil {
			return err
		}
		c, err := tokenClient(tx, claims.ClientID)
		if err != nil {
			return err
		}
		if err := checkClientWrite(p, c, attrs); err != nil {
			return err
		}
		if err := checkAttributes(p, attrs, false); err != nil {
			return err
		}
		if err := checkConstraints(p, attrs); err != nil {
			return err
		}
		if err := checkRequiredKept(p, attrs); err != nil {
			return err
		}
		if out, err = s.sendVerifyCodes(tx, p, u, changeAttributes(p, u, attrs, false), cm); err != nil {
			return err
		}
		u.UpdatedAt = s.now()
		return saveUser(tx, p, u)
	})
	if err != nil {
		return nil, err
	}
	s.kick()
	return out, nil
}

// sendVerifyCodes sends a code to verify each of u's addresses in sendTo.
func (s *Service) sendVerifyCodes(tx store.Tx, p *Pool, u *store.User, sendTo []codeTarget, cm *customMessage) ([]CodeDelivery, error) {
	var out []CodeDelivery
	for _, t := range sendTo {
		code, err := s.issueCode(tx, u, purposeVerify+t.attr, t, verifyCodeTTL)
		if err != nil {
			return nil, err
		}
		d, err := s.sendCode(tx, p, t, code, "attribute_code", cm)
		if err != nil {
			return nil, err
		}
		out = append(out, *d)
	}
	return out, nil
}

// deleteAttributes removes attributes from u (not saved); removing an
// address removes its verification and any pending change too.
func deleteAttributes(p *Pool, u *store.User, names []string) error {
	for _, n := range names {
		sa, ok := p.schemaAttr(n)
		switch {
		case !ok:
			return Errorf(InvalidParameterException, "Attributes did not conform to the schema: %s: Attribute does not exist in the schema.\n", n)
		case sa.Required:
			return Errorf(InvalidParameterException, "Attributes did not conform to the schema: %s: The attribute is required\n", n)
		case !sa.Mutable:
			return Errorf(InvalidParameterException, "user.%s: Attribute cannot be updated.", n) // as an update of it is
		}
		delete(u.Attributes, n)
		if verifiable(n) {
			delete(u.Attributes, n+"_verified")
			x := decodeExtra(u)
			if _, ok := x.Pending[n]; ok {
				delete(x.Pending, n)
				encodeExtra(u, x)
			}
		}
	}
	return nil
}

// DeleteUserAttributes removes attributes of the signed-in user.
// https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_DeleteUserAttributes.html
func (s *Service) DeleteUserAttributes(ctx context.Context, accessToken string, names []string) error {
	return s.update(ctx, func(tx store.Tx) error {
		p, u, claims, err := s.authorize(tx, accessToken)
		if err != nil {
			return err
		}
		c, err := tokenClient(tx, claims.ClientID)
		if err != nil {
			return err
		}
		for _, n := range names {
			if !clientCanWrite(p, c, n) {
				return errUnauthorizedAttr
			}
		}
		if err := deleteAttributes(p, u, names); err != nil {
			return err
		}
		u.UpdatedAt = s.now()
		return saveUser(tx, p, u)
	})
}

// verifyTarget is the value a verification code for attr is about: the
// pending new value if there is one, else the current value.
func verifyTarget(u *store.User, attr string) (codeTarget, bool) {
	if v, ok := decodeExtra(u).Pending[attr]; ok {
		return codeTarget{attr, v}, true
	}
	v := u.Attributes[attr]
	return codeTarget{attr, v}, v != ""
}

func checkVerifiable(attr string) error {
	if !verifiable(attr) {
		return Errorf(InvalidParameterException, "Invalid attribute name: %s can not be verified.", attr)
	}
	return nil
}

// GetUserAttributeVerificationCode sends a code to verify the signed-in
// user's email or phone number (the pending value if one waits).
// https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_GetUserAttributeVerificationCode.html
func (s *Service) GetUserAttributeVerificationCode(ctx context.Context, accessToken, attr string) (*CodeDelivery, error) {
	if err := checkVerifiable(attr); err != nil {
		return nil, err
	}
	cm, err := s.tokenUserMessage(ctx, accessToken, "CustomMessage_VerifyUserAttribute", nil)
	if err != nil {
		return nil, err
	}
	var out *CodeDelivery
	err = s.update(ctx, func(tx store.Tx) error {
		p, u, _, err := s.authorize(tx, accessToken)
		if err != nil {
			return err
		}
		t, ok := verifyTarget(u, attr)
		if !ok {
			return Errorf(InvalidParameterException, "User has no %s to verify.", attr)
		}
		if err := s.countSend(u, sendKindVerify, sendsVerifyCode); err != nil {
			return err
		}
		code, err := s.issueCode(tx, u, purposeVerify+attr, t, verifyCodeTTL)
		if err != nil {
			return err
		}
		if out, err = s.sendCode(tx, p, t, code, "attribute_code", cm); err != nil {
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

// VerifyUserAttribute checks a verification code: the attribute is then
// verified, and a pending value replaces the old one.
// https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_VerifyUserAttribute.html
func (s *Service) VerifyUserAttribute(ctx context.Context, accessToken, attr, code string) error {
	if err := checkVerifiable(attr); err != nil {
		return err
	}
	var failure error
	err := s.update(ctx, func(tx store.Tx) error {
		failure = nil
		p, u, _, err := s.authorize(tx, accessToken)
		if err != nil {
			return err
		}
		t, ok := verifyTarget(u, attr)
		if !ok {
			return errCodeExpired
		}
		_, f, err := s.checkCode(tx, u, purposeVerify+attr, code, []codeTarget{t}, maxVerifyAttempts)
		if err != nil || f != nil {
			failure = f
			return err
		}
		x := decodeExtra(u)
		if _, ok := x.Pending[attr]; ok {
			delete(x.Pending, attr)
			if len(x.Pending) == 0 {
				x.Pending = nil
			}
			encodeExtra(u, x)
		}
		u.Attributes[attr] = t.value
		u.Attributes[attr+"_verified"] = "true"
		u.UpdatedAt = s.now()
		return saveUser(tx, p, u)
	})
	if err != nil {
		return err
	}
	return failure
}
