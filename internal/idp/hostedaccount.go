package idp

import (
	"context"
	"encoding/base64"
	"net/url"
	"slices"
)

// The managed login pages besides sign-in: sign-up with its confirmation
// code, and a forgotten password. Each page is the app client's own, so it
// proves the client's secret itself, and each runs the API operation a
// client would call (SignUp, ConfirmSignUp, ForgotPassword,
// ConfirmForgotPassword) with its rules and messages. A confirmed sign-up
// signs its user in with SignUp's session, as Amplify's autoSignIn does
// through the API, and ends at the app's callback like a sign-in.
// https://docs.aws.amazon.com/cognito/latest/developerguide/signup-endpoint.html
// https://docs.aws.amazon.com/cognito/latest/developerguide/cognito-user-pools-managed-login.html

// SignUpForm is what the sign-up page asks for: the username (or, in a
// pool whose users sign in with their email address or phone number,
// that), the attributes the pool requires or verifies, and a password.
type SignUpForm struct {
	// UsernameAttribute is "email" or "phone_number" when that is the
	// username, "" for a username of its own.
	UsernameAttribute string
	Attributes        []string
	// SelfSignUp: users may sign themselves up (the pool's
	// AllowAdminCreateUserOnly is false); else the pages offer no sign-up.
	SelfSignUp bool
}

// hostedClient checks an authorization request for the pages of the
// pool's own directory.
func (s *Service) hostedClient(ctx context.Context, in AuthorizeRequest) (*Pool, *Client, []string, error) {
	p, c, scopes, err := s.checkAuthorize(ctx, in)
	if err != nil {
		return nil, nil, nil, err
	}
	if !slices.Contains(c.SupportedIdentityProviders, cognitoProvider) {
		return nil, nil, nil, &AuthorizeError{Code: "unauthorized_client", Redirect: true}
	}
	return p, c, scopes, nil
}

// pageSecretHash is the SECRET_HASH a page computes for its confidential
// client; "" for a public client.
func pageSecretHash(c *Client, username string) string {
	if c.Secret == "" {
		return ""
	}
	return base64.StdEncoding.EncodeToString(secretHash(c.Secret, username, c.ID))
}

// HostedSignUpForm describes the sign-up page of a checked request.
func (s *Service) HostedSignUpForm(ctx context.Context, in AuthorizeRequest) (*SignUpForm, error) {
	p, _, _, err := s.hostedClient(ctx, in)
	if err != nil {
		return nil, err
	}
	f := &SignUpForm{SelfSignUp: !p.AdminCreateUser.AllowAdminCreateUserOnly}
	if len(p.UsernameAttributes) > 0 {
		f.UsernameAttribute = p.UsernameAttributes[0]
	}
	add := func(name string) {
		if name != f.UsernameAttribute && !slices.Contains(f.Attributes, name) {
			f.Attributes = append(f.Attributes, name)
		}
	}
	for _, a := range p.AutoVerifiedAttributes {
		add(a)
	}
	for _, sa := range p.Schema {
		if sa.Required && sa.Name != "sub" {
			add(sa.Name)
		}
	}
	return f, nil
}

// The account pages call the operations behind the API's model checks, so
// they check what those would: a username the model's UsernameType takes
// (1-128 characters of letters, marks, symbols, numbers and punctuation) and
// a password its PasswordType does (checkPasswordShape). A user the API
// could not then name is never created.
func checkPageUsername(username string) error {
	switch n := javaLength(username); {
	case n < 1:
		return pageInvalid("username", "Member must have length greater than or equal to 1")
	case n > 128:
		return pageInvalid("username", "Member must have length less than or equal to 128")
	case !validUsername(username):
		return pageInvalid("username", `Member must satisfy regular expression pattern: [\p{L}\p{M}\p{S}\p{N}\p{P}]+`)
	}
	return nil
}

func checkPagePassword(password string) error {
	if password == "" {
		return nil // the operation says what it wants
	}
	return checkPasswordShape(password)
}

func pageInvalid(member, constraint string) error {
	return Errorf(InvalidParameterException, "1 validation error detected: Value at '%s' failed to satisfy constraint: %s", member, constraint)
}

// HostedSignUp signs a user up from the sign-up page. A user the pre
// sign-up function confirmed at once is signed in with SignUp's session:
// the Step then ends at the app's callback.
func (s *Service) HostedSignUp(ctx context.Context, in AuthorizeRequest, username, password string, attrs []Attribute) (*SignUpResult, *Step, error) {
	p, c, scopes, err := s.hostedClient(ctx, in)
	if err != nil {
		return nil, nil, err
	}
	if err := checkPageUsername(username); err != nil {
		return nil, nil, err
	}
	if err := checkPagePassword(password); err != nil {
		return nil, nil, err
	}
	hash := pageSecretHash(c, username)
	res, err := s.SignUp(ctx, SignUpInput{ClientID: c.ID, SecretHash: hash, Username: username, Password: password, Attributes: attrs})
	if err != nil || !res.UserConfirmed || res.Session == "" {
		return res, nil, err
	}
	h := hostedGrantOf(in, scopes)
	step, err := s.signUpSignIn(withHosted(ctx, &h), p, c, map[string]string{"USERNAME": username, "SECRET_HASH": hash}, res.Session)
	if err != nil {
		// The user exists now: the sign-in page is where it goes on.
		s.log().InfoContext(ctx, "sign-in after a confirmed sign-up failed", "pool", p.ID, "err", err)
		return res, nil, nil
	}
	return res, step, nil
}

// HostedConfirmSignUp confirms a sign-up from the page that signed it up
// (its SignUp session) and signs the user in: the Step ends at the app's
// callback like a sign-in on the sign-in page.
func (s *Service) HostedConfirmSignUp(ctx context.Context, in AuthorizeRequest, username, code, signUpSession string) (*Step, error) {
	p, c, scopes, err := s.hostedClient(ctx, in)
	if err != nil {
		return nil, err
	}
	if signUpSession == "" {
		return nil, errSessionInvalid
	}
	if err := checkPageUsername(username); err != nil {
		return nil, err
	}
	hash := pageSecretHash(c, username)
	session, err := s.ConfirmSignUp(ctx, ConfirmSignUpInput{ClientID: c.ID, SecretHash: hash,
		Username: username, Code: code, Session: signUpSession})
	if err != nil {
		return nil, err
	}
	h := hostedGrantOf(in, scopes)
	return s.signUpSignIn(withHosted(ctx, &h), p, c, map[string]string{"USERNAME": username, "SECRET_HASH": hash}, session)
}

// HostedResendSignUpCode sends a new sign-up code from the page.
func (s *Service) HostedResendSignUpCode(ctx context.Context, in AuthorizeRequest, username string) (*CodeDelivery, error) {
	_, c, _, err := s.hostedClient(ctx, in)
	if err != nil {
		return nil, err
	}
	if err := checkPageUsername(username); err != nil {
		return nil, err
	}
	return s.ResendConfirmationCode(ctx, c.ID, pageSecretHash(c, username), username)
}

// HostedForgotPassword sends a password reset code from the page.
func (s *Service) HostedForgotPassword(ctx context.Context, in AuthorizeRequest, username string) (*CodeDelivery, error) {
	_, c, _, err := s.hostedClient(ctx, in)
	if err != nil {
		return nil, err
	}
	if err := checkPageUsername(username); err != nil {
		return nil, err
	}
	return s.ForgotPassword(ctx, c.ID, pageSecretHash(c, username), username)
}

// HostedConfirmForgotPassword sets a new password with a reset code from
// the page; the user then signs in on the sign-in page.
func (s *Service) HostedConfirmForgotPassword(ctx context.Context, in AuthorizeRequest, username, code, password string) error {
	_, c, _, err := s.hostedClient(ctx, in)
	if err != nil {
		return err
	}
	if err := checkPageUsername(username); err != nil {
		return err
	}
	if err := checkPagePassword(password); err != nil {
		return err
	}
	return s.ConfirmForgotPassword(ctx, ConfirmForgotPasswordInput{ClientID: c.ID, SecretHash: pageSecretHash(c, username),
		Username: username, Code: code, Password: password})
}

// TOTPSetup is what the page that sets up an authenticator app shows: the
// secret (base32, as AssociateSoftwareToken answers it), its otpauth URI
// for a QR code, and the MFA_SETUP session that goes on.
type TOTPSetup struct {
	Secret, URI, Session string
}

// HostedSetupTOTP starts setting up an authenticator app for an
// MFA_SETUP step of a sign-in on the pages, as a client would with
// AssociateSoftwareToken and the step's session.
func (s *Service) HostedSetupTOTP(ctx context.Context, in AuthorizeRequest, session, username string) (*TOTPSetup, error) {
	p, _, _, err := s.hostedClient(ctx, in)
	if err != nil {
		return nil, err
	}
	if !s.hostedSession(ctx, session) {
		return nil, ErrNotHostedSession
	}
	secret, next, err := s.AssociateSoftwareToken(ctx, "", session)
	if err != nil {
		return nil, err
	}
	// Key URI Format (github.com/google/google-authenticator): the pool's
	// name as the issuer, the username as the account.
	label := url.PathEscape(p.Name + ":" + username)
	uri := "otpauth://totp/" + label + "?" + url.Values{"secret": {secret}, "issuer": {p.Name}}.Encode()
	return &TOTPSetup{Secret: secret, URI: uri, Session: next}, nil
}

// HostedVerifyTOTP answers the set-up page with a code of the new
// authenticator app (VerifySoftwareToken) and goes on with the sign-in
// (MFA_SETUP answered): the next step, or the code for the app.
func (s *Service) HostedVerifyTOTP(ctx context.Context, in AuthorizeRequest, session, username, code string) (*Step, error) {
	if _, _, _, err := s.hostedClient(ctx, in); err != nil {
		return nil, err
	}
	if !s.hostedSession(ctx, session) {
		return nil, ErrNotHostedSession
	}
	next, err := s.VerifySoftwareToken(ctx, "", session, code, "")
	if err != nil {
		return nil, err
	}
	return s.HostedRespond(ctx, in, ChallengeMFASetup, next, username, nil)
}
