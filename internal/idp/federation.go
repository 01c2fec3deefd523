package idp

import (
	"context"
	"crypto/rsa"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/ninshou/ninshou/internal/idp/oidcrp"
	"github.com/ninshou/ninshou/internal/idp/samlsp"
	"github.com/ninshou/ninshou/internal/store"
)

// Federated sign-in through an OIDC identity provider, as managed login
// does it: the authorization endpoint sends the browser to the provider's
// authorization endpoint; the provider sends it back to /oauth2/idpresponse
// with a code; the pool redeems the code at the provider's token endpoint
// (client_secret_post), checks the provider's ID token, reads its userInfo
// endpoint, creates or updates the federated user "<provider>_<sub>" from
// the attribute mapping (or signs in the user an administrator linked the
// identity to), and ends like a sign-in on the sign-in page: with an
// authorization code for the app.
// https://docs.aws.amazon.com/cognito/latest/developerguide/cognito-user-pools-oidc-flow.html
// https://docs.aws.amazon.com/cognito/latest/developerguide/cognito-user-pools-oidc-idp.html

// federationTTL: "Amazon Cognito cancels authentication requests that do
// not complete within 5 minutes" (cognito-user-pools-oidc-flow.html).
const federationTTL = 5 * time.Minute

// sessionFederation marks a sign-in waiting for its identity provider.
const sessionFederation = "FEDERATION"

// IdPResponsePath is where an identity provider sends the browser back:
// the redirect URI a pool's client is registered with at the provider.
const IdPResponsePath = "/oauth2/idpresponse"

// federationState is what a federated sign-in remembers while the
// browser is at the provider.
type federationState struct {
	Provider    string      `json:"p"`
	Nonce       string      `json:"n"`
	Grant       hostedGrant `json:"g"`
	ClientState string      `json:"s,omitempty"`
	// RequestID is a SAML AuthnRequest's ID, which the Response answers.
	RequestID string `json:"rq,omitempty"`
	// Browser is the hash of the value the browser that started the
	// sign-in keeps in a cookie: only that browser may finish it.
	Browser []byte `json:"b"`
}

// CallURL makes a relying party's request to an identity provider: a form
// in a GET's query or a POST's body, a bearer token if not empty; the
// answer's body, which must come with status 200.
type CallURL func(ctx context.Context, method, rawURL string, form url.Values, bearer string) ([]byte, error)

// federatedGroup is the group Cognito creates on a provider's first
// federated sign-in and adds its users to, "<pool ID>_<provider name>",
// bare (no role, no precedence); its users' tokens list it in
// cognito:groups (go-to-k/cdk-real-drift#961 describes it).
func federatedGroup(poolID, provider string) string { return poolID + "_" + provider }

// resolveProvider is the identity provider an authorization request names,
// by identity_provider or idp_identifier; "" for the pool's own directory
// (COGNITO, or neither given).
func resolveProvider(tx store.Tx, poolID string, in AuthorizeRequest) (string, error) {
	if in.IdentityProvider == cognitoProvider {
		return "", nil
	}
	if in.IdentityProvider != "" {
		return in.IdentityProvider, nil
	}
	if in.IdPIdentifier == "" {
		return "", nil
	}
	var name string
	found := errors.New("found")
	err := eachIdentityProvider(tx, poolID, func(ip *IdentityProvider) error {
		if slices.Contains(ip.Identifiers, in.IdPIdentifier) {
			name = ip.Name
			return found
		}
		return nil
	})
	if errors.Is(err, found) {
		return name, nil
	}
	if err != nil {
		return "", err
	}
	return "", &AuthorizeError{Code: "invalid_request", Redirect: true}
}

// SignInChoices are what the sign-in page offers a checked authorization
// request: the pool's directory (a password form) if its client supports
// COGNITO, with passkeys where they can sign in, and its other identity
// providers by name.
type SignInChoices struct {
	Directory, Passkeys bool
	// SignUp: the page offers sign-up (the pool lets users sign up).
	SignUp    bool
	Providers []string
}

// SignInOptions are the sign-in page's choices for a request, the page seen
// by the browser at origin. Passkeys need the client's choice-based sign-in
// (ALLOW_USER_AUTH), the pool's allowing them as a first factor, and its
// relying party covering the page's origin (a browser refuses the passkey
// ceremony anywhere else).
func (s *Service) SignInOptions(ctx context.Context, in AuthorizeRequest, origin string) (*SignInChoices, error) {
	p, c, _, err := s.checkAuthorize(ctx, in)
	if err != nil {
		return nil, err
	}
	out := &SignInChoices{}
	for _, name := range c.SupportedIdentityProviders {
		if name == cognitoProvider {
			out.Directory = true
		} else {
			out.Providers = append(out.Providers, name)
		}
	}
	out.SignUp = out.Directory && !p.AdminCreateUser.AllowAdminCreateUserOnly
	if out.Directory && c.AllowsFlow(FlowAllowUserAuth) {
		rpID, _, err := s.viewRelyingParty(ctx, p)
		out.Passkeys = err == nil && originAllowed(origin, rpID)
	}
	return out, nil
}

// FederatedRedirect starts a federated sign-in for a checked authorization
// request: the URL of the provider's authorization endpoint the browser
// goes to, its state a handle to this sign-in (single use, 5 minutes).
// browser is a secret the starting browser keeps (a cookie) and presents
// again at the end, so that an answer of the provider replayed into another
// browser signs no one in there (login CSRF).
func (s *Service) FederatedRedirect(ctx context.Context, in AuthorizeRequest, browser string) (string, error) {
	if browser == "" {
		return "", errors.New("idp: a federated sign-in needs the browser's binding")
	}
	p, c, scopes, err := s.checkAuthorize(ctx, in)
	if err != nil {
		return "", err
	}
	var target string
	err = s.withSigningKey(ctx, func() error { return s.federatedRedirect(ctx, p, c, scopes, in, browser, &target) })
	return target, err
}

// federatedRedirect is FederatedRedirect's transaction: the sign-in's
// session, and the provider's URL in *target.
func (s *Service) federatedRedirect(ctx context.Context, p *Pool, c *Client, scopes []string, in AuthorizeRequest, browser string, target *string) error {
	return s.update(ctx, func(tx store.Tx) error {
		name, err := resolveProvider(tx, p.ID, in)
		if err != nil {
			return err
		}
		if !slices.Contains(c.SupportedIdentityProviders, name) {
			return &AuthorizeError{Code: "unauthorized_client", Redirect: true}
		}
		ip, _, err := getIdentityProvider(tx, p.ID, name)
		if IsCode(err, ResourceNotFoundException) || err == nil && !signsIn(ip.Type) {
			return &AuthorizeError{Code: "invalid_request", Redirect: true}
		}
		if err != nil {
			return err
		}
		handle, hash := s.newHandle()
		nonce, _ := s.newHandle()
		fs := federationState{Provider: ip.Name, Nonce: nonce, ClientState: in.State, Grant: hostedGrantOf(in, scopes),
			Browser: hashHandle(browser)}
		if ip.Type == ProviderSAML {
			fs.RequestID = "_" + hex.EncodeToString(s.randomBytes(20))
			var key *rsa.PrivateKey
			if ip.Details["RequestSigningAlgorithm"] == "rsa-sha256" {
				if key, err = s.samlRequestKey(tx, p.ID); err != nil {
					return err
				}
			}
			if *target, err = samlsp.RedirectURL(ip.Details["SSORedirectBindingURI"], samlsp.Request{ID: fs.RequestID,
				Issuer: samlEntityID(p.ID), ACS: s.samlACSURL(), IssuedAt: s.now()}, handle, key); err != nil {
				return err
			}
		}
		st, err := json.Marshal(fs)
		if err != nil {
			return err
		}
		now := s.now()
		if err := tx.Sessions().Create(&store.Session{IDHash: hash, PoolID: p.ID, ClientID: c.ID,
			Challenge: sessionFederation, State: st, CreatedAt: now, ExpiresAt: now.Add(federationTTL)}); err != nil {
			return err
		}
		if ip.Type != ProviderSAML {
			q := url.Values{"response_type": {"code"}, "client_id": {ip.Details["client_id"]},
				"redirect_uri": {s.idpResponseURL()}, "scope": {ip.Details["authorize_scopes"]},
				"state": {handle}}
			if ip.Details["oidc_issuer"] != "" {
				q.Set("nonce", nonce) // OpenID providers echo it in their ID token
			}
			if ip.Type == ProviderApple {
				// Apple answers scoped requests only by a form post.
				q.Set("response_mode", "form_post")
			}
			*target = WithQuery(ip.Details["authorize_url"], q)
		}
		return nil
	})
}

func (s *Service) idpResponseURL() string { return s.Tokens.PublicURL + IdPResponsePath }

// WithQuery is u with q added to its query (the wire layers build their
// redirects with it too).
func WithQuery(u string, q url.Values) string {
	parsed, err := url.Parse(u)
	if err != nil {
		return u
	}
	all := parsed.Query()
	maps.Copy(all, q)
	parsed.RawQuery = all.Encode()
	return parsed.String()
}

// IdPResponse is what an identity provider sends the browser back with:
// an OIDC provider's code (or error) and state, or a SAML provider's
// SAMLResponse and RelayState (as State).
type IdPResponse struct {
	State, Code, Error string
	ErrorDescription   string
	SAMLResponse       string
	// User is Sign in with Apple's "user" field: the name it tells on a
	// user's first sign-in only.
	User string
	// Browser is the binding the browser presents (its cookie).
	Browser string
}

// FederatedOutcome is where the browser goes at the end of a federated
// sign-in: the app's redirect URI with a code, or with an error; or, in the
// implicit grant, with the tokens (Tokens, which go in its fragment).
type FederatedOutcome struct {
	RedirectURI string
	Query       url.Values
	Tokens      *OAuthTokens
	State       string
	// SignInSession is the managed login session the sign-in started (the
	// browser's session cookie).
	SignInSession string
}

// ErrFederationState: the state the provider sent back is not a federated
// sign-in waiting here (unknown, used, or older than 5 minutes).
var ErrFederationState = errors.New("idp: no federated sign-in waits for this state")

// errFederation refuses a federated sign-in after the provider answered;
// Description goes back to the app as error_description.
type errFederation struct{ Description string }

func (e *errFederation) Error() string { return "idp: federated sign-in: " + e.Description }

// errSAMLResponse refuses a SAML provider's Response. Cognito sends these
// back as error=server_error, not invalid_request: "error_description=
// Invalid SAML response received: SAML Assertion signature is invalid.
// &error=server_error" (aws/aws-sdk-js-v3#6201), "server_error: Error in
// SAML response processing: Invalid user attributes: ..."
// (aws-samples/cloudfront-authorization-at-edge#153).
type errSAMLResponse struct{ Description string }

func (e *errSAMLResponse) Error() string { return "idp: SAML sign-in: " + e.Description }

// attributeRefusal refuses a federated sign-in for the attributes it would
// write: in the OIDC and social providers' words (desc), or, for a SAML
// provider, as a refused Response, "Invalid SAML response received: Invalid
// user attributes: <samlDetail>" (the form of samlMissingAttr).
func attributeRefusal(ip *IdentityProvider, desc, samlDetail string) error {
	if ip.Type == ProviderSAML {
		return &errSAMLResponse{"Invalid SAML response received: Invalid user attributes: " + samlDetail}
	}
	return &errFederation{desc}
}

// Descriptions of refused SAML Responses. The signature's and the missing
// attribute's are Cognito's (aws/aws-sdk-js-v3#6201;
// repost.aws/knowledge-center/cognito-invalid-saml-response-errors:
// "Invalid SAML response received: Invalid user attributes:
// <attribute_name>: The attribute is required"); Cognito's texts for the
// other failures are unpublished, so they say it plainly in its form.
const (
	samlBadSignature   = "Invalid SAML response received: SAML Assertion signature is invalid."
	samlInvalid        = "Invalid SAML response received: The response failed verification."
	samlMissingAttr    = "Invalid SAML response received: Invalid user attributes: %s: The attribute is required"
	samlNameIDCase     = "Invalid SAML response received: NameID must be an exact case match."
	samlMetadataUnread = "The identity provider's metadata could not be read."
	samlMetadataBad    = "The identity provider's metadata is not usable."
)

// FederatedCallback ends a federated sign-in at /oauth2/idpresponse.
func (s *Service) FederatedCallback(ctx context.Context, in IdPResponse) (*FederatedOutcome, error) {
	if in.State == "" {
		return nil, ErrFederationState
	}
	if in.SAMLResponse != "" && strings.Contains(in.State, "client_id=") {
		// A session handle is base64url: a RelayState with parameters is an
		// IdP-initiated sign-in's authorization request.
		return s.idpInitiatedSignIn(ctx, in)
	}
	var sess *store.Session
	var st federationState
	hash := hashHandle(in.State)
	err := s.update(ctx, func(tx store.Tx) error {
		var err error
		sess, err = s.takeSession(tx, hash, sessionFederation, &st, ErrFederationState, func() bool {
			// Another browser: the sign-in stays for the one that began it.
			return subtle.ConstantTimeCompare(hashHandle(in.Browser), st.Browser) == 1
		})
		return err
	})
	if err != nil {
		return nil, err
	}
	return s.finishFederated(ctx, sess, st, in)
}

// takeSession spends the single-use session hash of kind in tx, its state
// decoded into state: unknown, of another kind, spent or expired, or
// refused by accept (nil: any), it is gone, and nothing is spent.
func (s *Service) takeSession(tx store.Tx, hash []byte, kind string, state any, gone error, accept func() bool) (*store.Session, error) {
	sess, err := tx.Sessions().Get(hash)
	if errors.Is(err, store.ErrNotFound) {
		return nil, gone
	}
	if err != nil {
		return nil, err
	}
	if sess.Challenge != kind || sess.ConsumedAt != nil || !s.now().Before(sess.ExpiresAt) {
		return nil, gone
	}
	if err := json.Unmarshal(sess.State, state); err != nil {
		return nil, err
	}
	if accept != nil && !accept() {
		return nil, gone
	}
	if err := consume(tx, hash, s.now()); err != nil {
		if errors.Is(err, errSessionUsed) {
			return nil, gone
		}
		return nil, err
	}
	return sess, nil
}

// finishFederated signs in the user the provider's answer names and says
// where the browser goes: back to the app with a code (or tokens), or with
// an error.
func (s *Service) finishFederated(ctx context.Context, sess *store.Session, st federationState, in IdPResponse) (*FederatedOutcome, error) {
	back := func(q url.Values) *FederatedOutcome {
		if st.ClientState != "" {
			q.Set("state", st.ClientState)
		}
		return &FederatedOutcome{RedirectURI: st.Grant.RedirectURI, Query: q}
	}
	if in.Error != "" {
		code := in.Error
		if code == "user_cancelled_authorize" {
			code = "access_denied" // Apple's word for it
		}
		if !slices.Contains([]string{"access_denied", "invalid_request", "unauthorized_client", "invalid_scope",
			"server_error", "temporarily_unavailable", "unsupported_response_type"}, code) {
			code = "server_error"
		}
		// "When an OIDC or OAuth 2.0 IdP returns an error that conforms to
		// standards, Amazon Cognito redirects your user to the callback URL
		// and adds the provider error response to error request parameters."
		// (federation-endpoint-idp-responses.html)
		q := url.Values{"error": {code}}
		if d := in.ErrorDescription; d != "" {
			q.Set("error_description", d)
		}
		return back(q), nil
	}
	code, signIn, err := s.federatedSignIn(ctx, sess, st, in)
	var fe *errFederation
	var se *errSAMLResponse
	switch {
	case errors.As(err, &fe):
		s.log().InfoContext(ctx, "federated sign-in refused", "pool", sess.PoolID, "provider", st.Provider, "reason", fe.Description)
		return back(url.Values{"error": {"invalid_request"}, "error_description": {fe.Description}}), nil
	case errors.As(err, &se):
		s.log().InfoContext(ctx, "SAML sign-in refused", "pool", sess.PoolID, "provider", st.Provider, "reason", se.Description)
		return back(url.Values{"error": {"server_error"}, "error_description": {se.Description}}), nil
	case err != nil:
		return nil, err
	}
	if !st.Grant.Implicit {
		out := back(url.Values{"code": {code}})
		out.SignInSession = signIn
		return out, nil
	}
	p, c, err := s.clientFor(ctx, false, sess.PoolID, sess.ClientID)
	if err != nil {
		return nil, err
	}
	t, err := s.redeemImplicit(ctx, p, c, code, st.Grant.RedirectURI)
	if err != nil {
		return nil, err
	}
	return &FederatedOutcome{RedirectURI: st.Grant.RedirectURI, Tokens: t, State: st.ClientState, SignInSession: signIn}, nil
}

// idpInitiatedSignIn is IdP-initiated SAML sign-in: the IdP (or the app,
// from its portal) posts an unsolicited Response to /saml2/idpresponse
// with, as RelayState, the parameters the sign-in would have given
// /oauth2/authorize (response_type, client_id, redirect_uri, scope, and
// identity_provider or idp_identifier). The provider must allow it
// (IDPInit) and be one the client supports, and the client may support no
// provider but SAML ones, its own directory included, since nothing ties
// the Response to a browser that asked for it. The Response must answer
// no request and its Assertion be at most 6 minutes old and never seen
// before.
// https://docs.aws.amazon.com/cognito/latest/developerguide/cognito-user-pools-SAML-session-initiation.html
// https://docs.aws.amazon.com/cognito/latest/developerguide/saml2-idpresponse-endpoint.html
func (s *Service) idpInitiatedSignIn(ctx context.Context, in IdPResponse) (*FederatedOutcome, error) {
	q, err := url.ParseQuery(in.State)
	if err != nil {
		return nil, ErrFederationState
	}
	req := AuthorizeRequest{ResponseType: q.Get("response_type"), ClientID: q.Get("client_id"), RedirectURI: q.Get("redirect_uri"),
		Scope: q.Get("scope"), State: q.Get("state"), Nonce: q.Get("nonce"), CodeChallenge: q.Get("code_challenge"),
		CodeChallengeMethod: q.Get("code_challenge_method"), IdentityProvider: q.Get("identity_provider"), IdPIdentifier: q.Get("idp_identifier")}
	p, c, scopes, err := s.checkAuthorize(ctx, req)
	var ae *AuthorizeError
	switch {
	case errors.As(err, &ae) && ae.Redirect:
		return &FederatedOutcome{RedirectURI: req.RedirectURI, Query: stateQuery(url.Values{"error": {ae.Code}}, req.State)}, nil
	case errors.As(err, &ae):
		return nil, ErrFederationState // no client, or not its redirect URI: nowhere to go back to
	case err != nil:
		return nil, err
	}
	st := federationState{ClientState: req.State, Grant: hostedGrantOf(req, scopes)}
	refused := ""
	err = s.view(ctx, func(tx store.Tx) error {
		name, err := resolveProvider(tx, p.ID, req)
		if err != nil || name == "" {
			refused = "The request names no SAML identity provider."
			return nil
		}
		st.Provider = name
		if !slices.Contains(c.SupportedIdentityProviders, name) {
			refused = "The app client does not support " + name + "."
			return nil
		}
		ip, _, err := getIdentityProvider(tx, p.ID, name)
		if IsCode(err, ResourceNotFoundException) {
			refused = "The identity provider " + name + " does not exist."
			return nil
		}
		if err != nil {
			return err
		}
		if ip.Type != ProviderSAML || ip.Details["IDPInit"] != "true" {
			refused = "The identity provider " + name + " does not allow IdP-initiated sign-in."
			return nil
		}
		for _, other := range c.SupportedIdentityProviders {
			op, _, err := getIdentityProvider(tx, p.ID, other)
			if other == cognitoProvider || IsCode(err, ResourceNotFoundException) || err == nil && op.Type != ProviderSAML {
				refused = "An app client with IdP-initiated SAML sign-in may support SAML identity providers only."
				return nil
			}
			if err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if refused != "" {
		s.log().InfoContext(ctx, "IdP-initiated sign-in refused", "pool", p.ID, "client", c.ID, "reason", refused)
		return &FederatedOutcome{RedirectURI: req.RedirectURI, Query: stateQuery(url.Values{"error": {"invalid_request"},
			"error_description": {refused}}, req.State)}, nil
	}
	return s.finishFederated(ctx, &store.Session{PoolID: p.ID, ClientID: c.ID}, st, in)
}

// stateQuery is q with the client's state, if any.
func stateQuery(q url.Values, state string) url.Values {
	if state != "" {
		q.Set("state", state)
	}
	return q
}

// federatedSignIn redeems the provider's code, checks what it answers and
// signs the user in; the authorization code for the app, and the managed
// login session the sign-in started.
func (s *Service) federatedSignIn(ctx context.Context, sess *store.Session, st federationState, in IdPResponse) (string, string, error) {
	var ip *IdentityProvider
	err := s.view(ctx, func(tx store.Tx) error {
		var err error
		ip, _, err = getIdentityProvider(tx, sess.PoolID, st.Provider)
		return err
	})
	if IsCode(err, ResourceNotFoundException) {
		return "", "", &errFederation{"The identity provider " + st.Provider + " does not exist any more."}
	}
	if err != nil {
		return "", "", err
	}
	var claims oidcrp.Claims
	var issuer *string
	var saml *samlSignIn
	switch {
	case ip.Type == ProviderSAML && in.SAMLResponse != "":
		if claims, issuer, saml, err = s.samlClaims(ctx, ip, sess.PoolID, st, in.SAMLResponse); err != nil {
			return "", "", err
		}
	case ip.Type == ProviderSAML:
		return "", "", &errFederation{"The identity provider sent no SAMLResponse."}
	case in.Code == "":
		return "", "", &errFederation{"The identity provider sent no code."}
	case plainOAuth(ip.Type):
		if claims, err = s.oauthClaims(ctx, ip, in.Code); err != nil {
			return "", "", err
		}
	default:
		if claims, err = s.providerClaims(ctx, ip, st.Nonce, in.Code); err != nil {
			return "", "", err
		}
		if ip.Type == ProviderApple {
			addAppleUser(claims, in.User)
		}
	}
	if err := s.externalPreSignUp(ctx, sess, ip, claims); err != nil {
		return "", "", err
	}
	var authCode, signIn string
	var created *User
	var pool *Pool
	err = s.update(ctx, func(tx store.Tx) error {
		created = nil
		p, err := lockedPool(tx, sess.PoolID) // federatedUser writes under the pool's lock
		if err != nil {
			return err
		}
		c, err := poolClient(tx, p.ID, sess.ClientID)
		if err != nil {
			return err
		}
		u, isNew, err := s.federatedUser(tx, p, c, ip, claims, issuer)
		if err != nil {
			return err
		}
		if isNew {
			created, pool = userView(u), p
		}
		if !u.Enabled {
			return &errFederation{"User is disabled."}
		}
		st.Grant.Scopes = slices.Clone(st.Grant.Scopes)
		pt, err := s.grantTokens(tx, p, c, u, sessionState{Username: u.Username, EventID: uuid.New().String(),
			AuthTime: s.now().Unix(), Hosted: &st.Grant, SAML: saml})
		if err != nil {
			return err
		}
		authCode, signIn = pt.authCode, pt.signInSession
		return nil
	})
	if err == nil && created != nil && len(pool.Lambda) > 0 {
		// A federated user's first sign-in confirms it (Cognito runs post
		// confirmation then too). If the function fails, the sign-in is
		// refused and the user it created is removed again, so that the
		// next sign-in is a first one and runs the function again.
		if err := s.postConfirmation(ctx, pool, "PostConfirmation_ConfirmSignUp", sess.ClientID, created); err != nil {
			derr := s.update(ctx, func(tx store.Tx) error { return tx.Users().Delete(pool.ID, created.Sub) })
			if derr != nil && !errors.Is(derr, store.ErrNotFound) {
				return "", "", derr
			}
			var e *Error
			if errors.As(err, &e) {
				return "", "", &errFederation{e.Message}
			}
			return "", "", err
		}
	}
	return authCode, signIn, err
}

// signsIn reports whether a provider of type typ can sign users in here:
// OIDC and SAML providers, and Google, an OpenID provider at fixed
// endpoints (completeDetails), whose ID token Ninshou checks against
// Google's published keys; the user's attributes are that token's claims
// (sub, email, email_verified, name, given_name, family_name, picture,
// locale with the email and profile scopes), not the People API fields
// Cognito may also read. Facebook and Login with Amazon sign in with OAuth
// alone (plainOAuth). Sign in with Apple is an OpenID provider too (see
// appleClientSecret), answering by form post.
// https://developers.google.com/identity/openid-connect/openid-connect
func signsIn(typ string) bool {
	return typ == ProviderOIDC || typ == ProviderSAML || typ == ProviderGoogle || typ == ProviderApple || plainOAuth(typ)
}

// maxAttributeValue is the longest value an attribute holds (quotas.html:
// "Maximum length of a custom attribute value: 2048 characters").
const maxAttributeValue = 2048

// plainOAuth reports whether a provider type signs in with OAuth 2.0
// alone, no ID token: Facebook and Login with Amazon. The user is who their
// profile endpoint (attributes_url) says the access token belongs to: its
// id (Facebook's Graph API /me) or user_id (Amazon's /user/profile), and
// the profile's fields are the attributes the mapping reads. Facebook's
// token request is a GET (token_request_method), and its profile endpoint
// is asked for the fields the mapping names (attributes_url_add_attributes).
// https://developers.facebook.com/docs/facebook-login/guides/advanced/manual-flow
// https://developer.amazon.com/docs/login-with-amazon/obtain-customer-profile.html
func plainOAuth(typ string) bool { return typ == ProviderFacebook || typ == ProviderAmazon }

// oauthClaims redeems code at a plain OAuth provider's token endpoint and
// reads the user's profile with the access token.
func (s *Service) oauthClaims(ctx context.Context, ip *IdentityProvider, code string) (oidcrp.Claims, error) {
	d := ip.Details
	tok, err := s.redeemProviderCode(ctx, ip, code, d["client_secret"])
	if err != nil {
		return nil, err
	}
	if tok.AccessToken == "" {
		return nil, &errFederation{"The identity provider answered no access_token."}
	}
	idClaim := usernameClaim[ip.Type]
	profileURL := d["attributes_url"]
	if d["attributes_url_add_attributes"] == "true" {
		fields := []string{idClaim}
		for attr, claim := range ip.AttributeMapping {
			if attr != "username" && !slices.Contains(fields, claim) {
				fields = append(fields, claim)
			}
		}
		slices.Sort(fields[1:])
		profileURL += url.QueryEscape(strings.Join(fields, ","))
	}
	body, err := s.CallURL(ctx, "GET", profileURL, nil, tok.AccessToken)
	if err != nil {
		s.log().InfoContext(ctx, "identity provider profile request failed", "provider", ip.Name, "err", err)
		return nil, &errFederation{"The identity provider's profile endpoint did not answer."}
	}
	claims, err := oidcrp.ParseClaims(body)
	// Graph API and Login with Amazon send the id as a string; anything
	// else, or one longer than a username may be, names no one.
	id, _ := claims[idClaim].(string)
	if err != nil || id == "" || len(id) > 128 {
		return nil, &errFederation{"The identity provider's profile names no user."}
	}
	claims["sub"] = id
	return claims, nil
}

// Google's published signing keys, and the other spelling of its issuer
// ("The value of iss in the ID token is equal to accounts.google.com or
// https://accounts.google.com").
const (
	googleJWKS      = "https://www.googleapis.com/oauth2/v3/certs"
	googleAltIssuer = "accounts.google.com"
)

// providerTokens are what a provider's token endpoint answers.
type providerTokens struct {
	IDToken     string `json:"id_token"`
	AccessToken string `json:"access_token"`
}

// redeemProviderCode redeems a provider's authorization code at its token
// endpoint, with clientSecret when not empty, by GET where
// token_request_method says so (Facebook's), else by POST. An answer that
// is not JSON holds no token.
func (s *Service) redeemProviderCode(ctx context.Context, ip *IdentityProvider, code, clientSecret string) (*providerTokens, error) {
	if s.CallURL == nil {
		return nil, errors.New("idp: this server calls no identity provider")
	}
	d := ip.Details
	form := url.Values{"grant_type": {"authorization_code"}, "code": {code},
		"redirect_uri": {s.idpResponseURL()}, "client_id": {d["client_id"]}}
	if clientSecret != "" {
		form.Set("client_secret", clientSecret)
	}
	method := "POST"
	if d["token_request_method"] == "GET" {
		method = "GET"
	}
	body, err := s.CallURL(ctx, method, d["token_url"], form, "")
	if err != nil {
		s.log().InfoContext(ctx, "identity provider token request failed", "provider", ip.Name, "err", err)
		// "Amazon Cognito adds the provider name and HTTP error code to the
		// existing error strings", as in its example "LoginWithAmazon Error
		// - 400 invalid_request The request is missing a required
		// parameter : client_secret" (federation-endpoint-idp-responses.html).
		var answered interface {
			HTTPStatus() int
			ResponseBody() []byte
		}
		var oe struct {
			Error       string `json:"error"`
			Description string `json:"error_description"`
		}
		if errors.As(err, &answered) && json.Unmarshal(answered.ResponseBody(), &oe) == nil && oe.Error != "" {
			return nil, &errFederation{strings.TrimSpace(fmt.Sprintf("%s Error - %d %s %s", ip.Name, answered.HTTPStatus(), oe.Error, oe.Description))}
		}
		return nil, &errFederation{"The identity provider did not redeem its code."}
	}
	var tok providerTokens
	if json.Unmarshal(body, &tok) != nil {
		return &providerTokens{}, nil
	}
	return &tok, nil
}

// providerClaims redeems code at the provider's token endpoint, checks its
// ID token and adds what its userInfo endpoint says of the user.
func (s *Service) providerClaims(ctx context.Context, ip *IdentityProvider, nonce, code string) (oidcrp.Claims, error) {
	d := ip.Details
	secret := d["client_secret"]
	if ip.Type == ProviderApple {
		var err error
		if secret, err = appleClientSecret(d, s.now()); err != nil {
			s.log().InfoContext(ctx, "Sign in with Apple key unusable", "provider", ip.Name, "err", err)
			return nil, &errFederation{"The identity provider's private_key cannot sign."}
		}
	}
	tok, err := s.redeemProviderCode(ctx, ip, code, secret)
	if err != nil {
		return nil, err
	}
	if tok.IDToken == "" {
		return nil, &errFederation{"The identity provider answered no id_token."}
	}
	jwksURI, altIssuer := d["jwks_uri"], ""
	switch ip.Type {
	case ProviderGoogle:
		jwksURI, altIssuer = googleJWKS, googleAltIssuer
	case ProviderApple:
		jwksURI = appleJWKS
	}
	jwks, err := s.CallURL(ctx, "GET", jwksURI, nil, "")
	if err != nil {
		s.log().InfoContext(ctx, "identity provider JWKS unavailable", "provider", ip.Name, "err", err)
		return nil, &errFederation{"The identity provider's keys could not be read."}
	}
	claims, err := oidcrp.VerifyIDToken(tok.IDToken, jwks, oidcrp.Check{Issuer: d["oidc_issuer"], AltIssuer: altIssuer,
		Audience: d["client_id"], Nonce: nonce, Now: s.now()})
	if err != nil {
		s.log().InfoContext(ctx, "identity provider ID token refused", "provider", ip.Name, "err", err)
		return nil, &errFederation{"Bad id_token."}
	}
	// The provider's own tokens can be mapped too, to keep them in custom
	// attributes: "map access_token or id_token from the IdP to the custom
	// attribute" (repost.aws/knowledge-center/cognito-user-pool-tokens-issued-by-idp).
	claims["id_token"] = tok.IDToken
	if tok.AccessToken != "" {
		claims["access_token"] = tok.AccessToken
	}
	if d["attributes_url"] == "" || tok.AccessToken == "" || ip.Type == ProviderGoogle {
		// Google's attributes are its ID token's claims (see signsIn).
		return claims, nil
	}
	method := "GET"
	if d["attributes_request_method"] == "POST" {
		method = "POST"
	}
	body, err := s.CallURL(ctx, method, d["attributes_url"], nil, tok.AccessToken)
	if err != nil {
		s.log().InfoContext(ctx, "identity provider userInfo failed", "provider", ip.Name, "err", err)
		return nil, &errFederation{"The identity provider's userInfo endpoint did not answer."}
	}
	info, err := oidcrp.ParseClaims(body)
	if err != nil || info.Subject() != "" && info.Subject() != claims.Subject() {
		// OpenID Connect Core §5.3.2: a userInfo sub that is not the ID
		// token's must not be used.
		return nil, &errFederation{"The identity provider's userInfo is not the ID token's user."}
	}
	for k, v := range info {
		if k != "sub" && k != "id_token" && k != "access_token" {
			claims[k] = v
		}
	}
	return claims, nil
}

// federatedUser is the user a provider's identity signs in as: the user an
// administrator linked it to (AdminLinkProviderForUser), or the federated
// user "<provider>_<sub>", created on its first sign-in and given the
// mapped attributes at every sign-in.
func (s *Service) federatedUser(tx store.Tx, p *Pool, c *Client, ip *IdentityProvider, claims oidcrp.Claims, issuer *string) (*store.User, bool, error) {
	sub := claims.Subject()
	mapped := mappedAttributes(ip, claims)
	// "the maximum value length ... must be large enough for the value that
	// Amazon Cognito obtains from the identity provider. Otherwise, Amazon
	// Cognito reports an error when users sign in"
	// (cognito-user-pools-specifying-attribute-mapping.html).
	if err := checkConstraints(p, attributeList(mapped)); err != nil {
		var e *Error
		if errors.As(err, &e) {
			msg := strings.TrimSuffix(e.Message, "\n")
			return nil, false, attributeRefusal(ip, msg, strings.TrimPrefix(msg, "Attributes did not conform to the schema: "))
		}
		return nil, false, err
	}
	if err := lockPool(tx, p.ID); err != nil {
		return nil, false, err
	}
	keys := []ProviderUser{{ProviderName: ip.Name, AttributeName: subjectAttribute, AttributeValue: sub}}
	for _, attr := range slices.Sorted(maps.Keys(mapped)) {
		keys = append(keys, ProviderUser{ProviderName: ip.Name, AttributeName: attr, AttributeValue: mapped[attr]})
	}
	for _, k := range keys {
		u, err := linkedUser(tx, p.ID, k)
		if err != nil {
			return nil, false, err
		}
		if u != nil { // the linked user takes the mapped values too
			return u, false, s.applyMapped(tx, p, c, ip, u, mapped)
		}
	}
	now := s.now()
	username := federatedUsername(ProviderUser{ProviderName: ip.Name, AttributeValue: sub})
	if !validUsername(username) {
		// A subject (a SAML NameID) too long or of characters no username
		// may hold would make a user no administrator call can name
		// (UsernameType); Cognito's answer is unpublished.
		if ip.Type == ProviderSAML {
			return nil, false, &errSAMLResponse{samlInvalid}
		}
		return nil, false, &errFederation{"The identity provider's profile names no user."}
	}
	u, err := tx.Users().GetByUsername(p.ID, p.usernameKey(username))
	isNew := errors.Is(err, store.ErrNotFound)
	switch {
	case isNew:
		attrs := maps.Clone(mapped)
		if names := allMissingRequired(p, attrs); len(names) > 0 {
			if ip.Type == ProviderSAML {
				// Cognito's SAML text names one attribute (see samlMissingAttr).
				return nil, false, &errSAMLResponse{fmt.Sprintf(samlMissingAttr, names[0])}
			}
			// Cognito names them all: "attributes required: [given_name, family_name]".
			return nil, false, &errFederation{fmt.Sprintf("attributes required: [%s]", strings.Join(names, ", "))}
		}
		u = &store.User{PoolID: p.ID, Sub: uuid.New().String(), Username: username, UsernameKey: p.usernameKey(username),
			Status: StatusExternalProvider, Enabled: true, Attributes: attrs, CreatedAt: now, UpdatedAt: now}
		setUserIdentities(u, []linkedIdentity{{UserID: sub, ProviderName: ip.Name, ProviderType: ip.Type,
			Issuer: issuer, Primary: true, DateCreated: now.UnixMilli()}})
		if err := tx.Users().Create(u); err != nil {
			return nil, false, err
		}
	case err != nil:
		return nil, false, err
	case otherNameID(ip, u, username):
		// Carlos@example.com's user, and carlos@example.com signs in: "the
		// sign-in doesn't succeed" (see otherNameID).
		return nil, false, &errSAMLResponse{samlNameIDCase}
	default:
		if err := s.applyMapped(tx, p, c, ip, u, mapped); err != nil {
			return nil, false, err
		}
	}
	group := federatedGroup(p.ID, ip.Name)
	if _, err := tx.Groups().Get(p.ID, group); errors.Is(err, store.ErrNotFound) {
		// Its description in Cognito's words (the CLI's list-groups example).
		err = tx.Groups().Create(&store.Group{PoolID: p.ID, Name: group, CreatedAt: now, UpdatedAt: now,
			Description: "Autogenerated group for users who sign in using " + ip.Name})
		if err != nil {
			return nil, false, err
		}
	} else if err != nil {
		return nil, false, err
	}
	return u, isNew, tx.Groups().AddMember(p.ID, group, u.Sub)
}

// otherNameID reports whether u, found by a SAML identity's username
// "<provider>_<NameID>" where names fold case (or by an alias), is not
// that identity's user: "Regardless of the case sensitivity settings of
// your user pool, Amazon Cognito requires that a federated user from a
// SAML IdP pass a unique and case-sensitive NameId claim"
// (cognito-user-pools-saml-idp-authentication.html, "Case sensitivity of
// SAML user names"). Other providers' subjects fold with the pool.
func otherNameID(ip *IdentityProvider, u *store.User, username string) bool {
	return ip.Type == ProviderSAML && u.Username != username
}

// mappedAttributes are the pool attributes the provider's attribute
// mapping gives from its claims.
func mappedAttributes(ip *IdentityProvider, claims oidcrp.Claims) map[string]string {
	mapped := map[string]string{}
	for attr, claim := range ip.AttributeMapping {
		if attr == "username" {
			continue
		}
		if v, ok := claims.String(claim); ok {
			mapped[attr] = v
		}
	}
	return mapped
}

// applyMapped writes the mapped values to an existing user at a later
// sign-in: "Amazon Cognito updates each mapped attribute, even if its
// current value already matches the latest information. If Amazon Cognito
// can't update the attribute, it reports an error"
// (cognito-user-pools-specifying-attribute-mapping.html), as it cannot an
// immutable one: "If an attribute is immutable, Amazon Cognito throws an
// error when it attempts to update the attribute" (SchemaAttributeType
// Mutable), in the words users see at the callback, "user.email: Attribute
// cannot be updated." (aws-amplify/amplify-js#3526). So it cannot one its
// app client may not write: "If your app client does not have write access
// to a mapped attribute, Amazon Cognito throws an error when it tries to
// update the attribute." (API_CreateUserPoolClient, WriteAttributes), the
// same error (the cause found in amplify-js#3526). Only a client that names
// its WriteAttributes is held to them here, and not for the verification
// flags providers map (no client may list those).
func (s *Service) applyMapped(tx store.Tx, p *Pool, c *Client, ip *IdentityProvider, u *store.User, mapped map[string]string) error {
	changed := false
	for _, k := range slices.Sorted(maps.Keys(mapped)) {
		sa, ok := p.schemaAttr(k)
		if ok && !sa.Mutable || len(c.WriteAttributes) > 0 && !isVerificationFlag(k) && !clientCanWrite(p, c, k) {
			return attributeRefusal(ip, "user."+k+": Attribute cannot be updated.", k+": Attribute cannot be updated.")
		}
		// A provider that sends a required attribute empty would delete it:
		// "Invalid SAML response received: Invalid user attributes:
		// <attribute_name>: Required attribute cannot be deleted", "when
		// the IdP sets a required attribute to null" after the user was
		// created (repost.aws/knowledge-center/cognito-invalid-saml-response-errors).
		if ok && sa.Required && mapped[k] == "" {
			return attributeRefusal(ip, "user."+k+": Required attribute cannot be deleted.", k+": Required attribute cannot be deleted")
		}
		if u.Attributes[k] != mapped[k] {
			if u.Attributes == nil {
				u.Attributes = map[string]string{}
			}
			u.Attributes[k], changed = mapped[k], true
		}
	}
	if !changed {
		return nil
	}
	u.UpdatedAt = s.now()
	return tx.Users().Update(u)
}

func attributeList(m map[string]string) []Attribute {
	out := make([]Attribute, 0, len(m))
	for _, k := range slices.Sorted(maps.Keys(m)) {
		out = append(out, Attribute{Name: k, Value: m[k]})
	}
	return out
}

// externalPreSignUp runs the pre sign-up trigger (PreSignUp_ExternalProvider)
// before a provider's identity becomes a new federated user; a function
// that throws refuses the sign-in.
func (s *Service) externalPreSignUp(ctx context.Context, sess *store.Session, ip *IdentityProvider, claims oidcrp.Claims) error {
	var p *Pool
	isNew := false
	username := federatedUsername(ProviderUser{ProviderName: ip.Name, AttributeValue: claims.Subject()})
	err := s.view(ctx, func(tx store.Tx) error {
		var err error
		if p, err = getPool(tx, sess.PoolID); err != nil || len(p.Lambda) == 0 {
			return err
		}
		if u, err := linkedUser(tx, p.ID, ProviderUser{ProviderName: ip.Name, AttributeName: subjectAttribute, AttributeValue: claims.Subject()}); err != nil || u != nil {
			return err
		}
		// A SAML user whose NameID differs in case only is found, so that
		// nothing runs for a sign-in federatedUser refuses (otherNameID).
		_, err = tx.Users().GetByUsername(p.ID, p.usernameKey(username))
		if errors.Is(err, store.ErrNotFound) {
			isNew, err = true, nil
		}
		return err
	})
	if err != nil || !isNew {
		return err
	}
	if _, err := s.preSignUp(ctx, p, "PreSignUp_ExternalProvider", username, sess.ClientID, mappedAttributes(ip, claims), nil); err != nil {
		var e *Error
		if errors.As(err, &e) {
			return &errFederation{e.Message}
		}
		return err
	}
	return nil
}

// SAMLResponsePath is a SAML provider's assertion consumer service: where
// it posts the Response (Cognito's ACS URL is https://<domain>/saml2/idpresponse).
const SAMLResponsePath = "/saml2/idpresponse"

func (s *Service) samlACSURL() string { return s.Tokens.PublicURL + SAMLResponsePath }

// samlEntityID is a pool's entity ID as a SAML service provider, which its
// IdPs name as the audience of their assertions.
// https://docs.aws.amazon.com/cognito/latest/developerguide/cognito-user-pools-saml-idp.html
func samlEntityID(poolID string) string { return "urn:amazon:cognito:sp:" + poolID }

// samlMetadataTTL is how long metadata fetched from a MetadataURL is used
// before it is fetched again: certificates roll over, so it is read again
// within a minute; but not at every Response posted, which anyone may post
// (IdP-initiated sign-in), so that posts cannot make the server fetch at
// will. A fetch that failed is tried again after samlMetadataRetry, and
// concurrent requests share one fetch.
const (
	samlMetadataTTL   = time.Minute
	samlMetadataRetry = 10 * time.Second
)

// fetchedMetadata is a MetadataURL's outcome: the IdP it describes, or why
// not.
type fetchedMetadata struct {
	idp *samlsp.IdP
	err error
	at  time.Time
}

// samlIdP reads a SAML provider's metadata: given inline, or from its URL
// (fetched again after samlMetadataTTL).
func (s *Service) samlIdP(ctx context.Context, ip *IdentityProvider) (*samlsp.IdP, error) {
	u := ip.Details["MetadataURL"]
	if u == "" {
		return s.parseSAMLMetadata(ctx, ip, []byte(ip.Details["MetadataFile"]))
	}
	if m, ok := s.samlMetadata.Load(u); ok {
		f := m.(fetchedMetadata)
		ttl := samlMetadataTTL
		if f.err != nil {
			ttl = samlMetadataRetry
		}
		if time.Since(f.at) < ttl {
			return f.idp, f.err
		}
	}
	v, _, _ := s.samlFetch.Do(u, func() (any, error) {
		// The first caller's cancellation must not fail the others.
		f := fetchedMetadata{at: time.Now()}
		doc, err := s.fetch(context.WithoutCancel(ctx), u)
		if err != nil {
			s.log().InfoContext(ctx, "SAML metadata unavailable", "provider", ip.Name, "err", err)
			f.err = &errSAMLResponse{samlMetadataUnread}
		} else {
			f.idp, f.err = s.parseSAMLMetadata(ctx, ip, doc)
		}
		s.samlMetadata.Store(u, f)
		return f, nil
	})
	f := v.(fetchedMetadata)
	return f.idp, f.err
}

// parseSAMLMetadata reads an IdP's metadata document.
func (s *Service) parseSAMLMetadata(ctx context.Context, ip *IdentityProvider, doc []byte) (*samlsp.IdP, error) {
	idp, err := samlsp.ParseMetadata(doc)
	if err != nil {
		s.log().InfoContext(ctx, "SAML metadata not usable", "provider", ip.Name, "err", err)
		return nil, &errSAMLResponse{samlMetadataBad}
	}
	return idp, nil
}

// sessionSAMLAssertion marks an unsolicited Assertion as used.
const sessionSAMLAssertion = "SAML_ASSERTION"

// errAssertionReplayed refuses an unsolicited Assertion seen before.
var errAssertionReplayed = errors.New("idp: this SAML assertion was used already")

// spendAssertion records an unsolicited Assertion's ID for as long as it
// could be accepted, so that it signs in once: an SP-initiated Response is
// spent with its sign-in's session, an unsolicited one has none. It is
// keyed by the IdP that issued it (its entity ID), not by the provider's
// name: two providers of the pool may share an IdP.
func (s *Service) spendAssertion(ctx context.Context, poolID, issuer, id string) error {
	now := s.now()
	err := s.update(ctx, func(tx store.Tx) error {
		return tx.Sessions().Create(&store.Session{IDHash: hashHandle("saml-assertion\n" + poolID + "\n" + issuer + "\n" + id),
			PoolID: poolID, Challenge: sessionSAMLAssertion, CreatedAt: now,
			ExpiresAt: now.Add(samlsp.MaxUnsolicitedAge + 2*samlsp.Leeway)})
	})
	if errors.Is(err, store.ErrExists) {
		return errAssertionReplayed
	}
	return err
}

// samlClaims checks a provider's Response to the request the sign-in sent
// and returns what it says of the user as claims: sub the NameID, each
// attribute by name (several values as "[a, b]", each form-encoded, see
// formEncode), and the IdP's entity ID.
func (s *Service) samlClaims(ctx context.Context, ip *IdentityProvider, poolID string, st federationState, response string) (oidcrp.Claims, *string, *samlSignIn, error) {
	idp, err := s.samlIdP(ctx, ip)
	if err != nil {
		return nil, nil, nil, err
	}
	key, err := samlDecryptionKey(ip)
	if err != nil {
		return nil, nil, nil, err
	}
	a, err := samlsp.Verify(response, samlsp.Check{IdP: idp, Audience: samlEntityID(poolID), Recipient: s.samlACSURL(),
		RequestID: st.RequestID, Now: s.now(), DecryptionKey: key})
	if err == nil && st.RequestID == "" {
		err = s.spendAssertion(ctx, poolID, idp.EntityID, a.ID)
	}
	if err != nil {
		s.log().InfoContext(ctx, "SAML response refused", "provider", ip.Name, "err", err)
		if errors.Is(err, samlsp.ErrSignature) {
			return nil, nil, nil, &errSAMLResponse{samlBadSignature}
		}
		return nil, nil, nil, &errSAMLResponse{samlInvalid}
	}
	claims := oidcrp.Claims{"sub": a.NameID}
	for name, vals := range a.Attributes {
		switch len(vals) {
		case 0:
		case 1:
			claims[name] = vals[0]
		default:
			enc := make([]string, len(vals))
			for i, v := range vals {
				enc[i] = formEncode(v)
			}
			claims[name] = "[" + strings.Join(enc, ", ") + "]"
		}
	}
	return claims, &idp.EntityID, &samlSignIn{Provider: ip.Name, NameID: a.NameID, NameIDFormat: a.NameIDFormat,
		NameQualifier: a.NameQualifier, SPNameQualifier: a.SPNameQualifier, SessionIndex: a.SessionIndex}, nil
}

// formEncode is v as Java's URLEncoder writes it (UTF-8): letters, digits
// and ".-*_" as they are, a space as "+", every other byte as %XX. "When
// IdP attributes contain multiple values, Amazon Cognito URL form encodes
// the values containing non-alphanumeric characters (excluding the '.',
// '-', '*', and '_' characters). You must decode the values before you use
// them in your application."
// (cognito-user-pools-specifying-attribute-mapping.html)
func formEncode(v string) string {
	var b strings.Builder
	for i := 0; i < len(v); i++ {
		c := v[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', c == '.', c == '-', c == '*', c == '_':
			b.WriteByte(c)
		case c == ' ':
			b.WriteByte('+')
		default:
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}
