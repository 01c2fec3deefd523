package idp

import (
	"context"
	"errors"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/ninshou/ninshou/internal/store"
)

// Explicit auth flows (ExplicitAuthFlowsType).
const (
	FlowAllowAdminUserPassword = "ALLOW_ADMIN_USER_PASSWORD_AUTH"
	FlowAllowCustom            = "ALLOW_CUSTOM_AUTH"
	FlowAllowUserPassword      = "ALLOW_USER_PASSWORD_AUTH"
	FlowAllowUserSRP           = "ALLOW_USER_SRP_AUTH"
	FlowAllowRefresh           = "ALLOW_REFRESH_TOKEN_AUTH"
	FlowAllowUserAuth          = "ALLOW_USER_AUTH"
	legacyAdminNoSRP           = "ADMIN_NO_SRP_AUTH"
	legacyCustomOnly           = "CUSTOM_AUTH_FLOW_ONLY"
	legacyUserPassword         = "USER_PASSWORD_AUTH"
)

// defaultAuthFlows apply when a client names none.
// https://docs.aws.amazon.com/cognito/latest/developerguide/amazon-cognito-user-pools-authentication-flow-methods.html
var defaultAuthFlows = []string{FlowAllowRefresh, FlowAllowUserSRP, FlowAllowCustom}

// ClientInput is what CreateUserPoolClient and UpdateUserPoolClient give.
type ClientInput struct {
	Name           string
	GenerateSecret bool
	Secret         string // a caller-chosen secret, when given
	ClientSettings
}

// NewClientSettings returns the settings of a client created with nothing but a name.
func NewClientSettings() ClientSettings {
	return ClientSettings{
		RefreshTokenValidity:       30,
		PreventUserExistenceErrors: "LEGACY",
		EnableTokenRevocation:      true,
		AuthSessionValidity:        3,
	}
}

// CreateClient creates an app client in a pool.
func (s *Service) CreateClient(ctx context.Context, poolID string, in ClientInput) (*Client, error) {
	if in.GenerateSecret && in.Secret != "" {
		// The rule is API_CreateUserPoolClient's (ClientSecret: "You cannot
		// specify both GenerateSecret as true and provide a ClientSecret
		// value."); the text of Cognito's refusal is unpublished, so the
		// documentation's sentence stands in for it.
		return nil, Errorf(InvalidParameterException, "You cannot specify both GenerateSecret as true and provide a ClientSecret value.")
	}
	now := s.now()
	c := &Client{ID: s.randomString(lowerDigits, 26), PoolID: poolID, Name: in.Name, CreatedAt: now, UpdatedAt: now, ClientSettings: in.ClientSettings}
	switch {
	case in.Secret != "":
		c.Secret = in.Secret
	case in.GenerateSecret:
		c.Secret = s.randomString(lowerDigits, 51)
	}
	c.Secrets = nil
	if c.Secret != "" {
		c.Secrets = []ClientSecret{newClientSecret(c.ID, c.Secret, now, nil)}
	}
	err := s.update(ctx, func(tx store.Tx) error {
		p, err := getPool(tx, poolID)
		if err != nil {
			return err
		}
		if err := checkClientSettings(p, &c.ClientSettings, "creating"); err != nil {
			return err
		}
		if err := checkOAuthScopes(tx, poolID, c.AllowedOAuthScopes); err != nil {
			return err
		}
		if err := checkSupportedProviders(tx, poolID, c.SupportedIdentityProviders); err != nil {
			return err
		}
		rec, err := c.record()
		if err != nil {
			return err
		}
		if err := tx.Clients().Create(rec); err != nil {
			return err
		}
		c.Version = rec.Version
		return nil
	})
	if err != nil {
		return nil, err
	}
	return c, nil
}

// checkClientSettings holds a client's settings to Cognito's rules; doing is
// "creating" or "updating", as Cognito's texts say.
func checkClientSettings(p *Pool, cs *ClientSettings, doing string) error {
	legacy, modern := 0, 0
	for _, f := range cs.ExplicitAuthFlows {
		switch f {
		case legacyAdminNoSRP, legacyCustomOnly, legacyUserPassword:
			legacy++
		default:
			modern++
		}
	}
	if legacy > 0 && modern > 0 {
		return Errorf(InvalidParameterException, "Explicit auth flows can only contain ALLOW_ prefixed or legacy values, not both.")
	}
	// "You can only activate EnablePropagateAdditionalUserContextData in an
	// app client that has a client secret." (the model's documentation; the
	// text of Cognito's refusal is unpublished). A public client could
	// otherwise state the address threat protection judges it by.
	if cs.EnablePropagateContextData && cs.Secret == "" && len(cs.Secrets) == 0 {
		return Errorf(InvalidParameterException, "You can only activate EnablePropagateAdditionalUserContextData in an app client that has a client secret.")
	}
	if cs.RefreshTokenValidity == 0 {
		// "You can't set RefreshTokenValidity to 0. If you do, Amazon
		// Cognito overrides the value with the default value of 30 days."
		// (API_CreateUserPoolClient). Thirty days in the client's own unit,
		// so what Describe reports is what the tokens get.
		cs.RefreshTokenValidity = int(defaultRefreshTTL / unitDuration(1, cs.RefreshTokenUnit, UnitDays, 0))
	}
	c := Client{ClientSettings: *cs}
	if d := c.AccessTTL(); d < 5*time.Minute || d > 24*time.Hour {
		return Errorf(InvalidParameterException, "Invalid range for token validity.")
	}
	if d := c.IDTTL(); d < 5*time.Minute || d > 24*time.Hour {
		return Errorf(InvalidParameterException, "Invalid range for token validity.")
	}
	if d := c.RefreshTTL(); d < time.Hour || d > 3650*24*time.Hour {
		return Errorf(InvalidParameterException, "Invalid range for token validity.")
	}
	if cs.AuthSessionValidity == 0 {
		cs.AuthSessionValidity = 3
	}
	if p.Tier == TierLite && slices.Contains(cs.ExplicitAuthFlows, FlowAllowUserAuth) {
		return notInLite("Choice-based sign-in (ALLOW_USER_AUTH)")
	}
	if err := checkRedirectURLs(cs); err != nil {
		return err
	}
	if err := checkOAuthFlows(cs); err != nil {
		return err
	}
	if cs.PreventUserExistenceErrors == "" {
		cs.PreventUserExistenceErrors = "LEGACY"
	}
	inSchema := func(a string) bool {
		return slices.ContainsFunc(p.Schema, func(x SchemaAttribute) bool { return x.Name == a })
	}
	for _, a := range cs.ReadAttributes {
		if !inSchema(a) {
			return Errorf(InvalidParameterException, "Invalid read attributes specified while %s a client", doing)
		}
	}
	// A client writes only attributes of the schema that a user may set
	// (never sub or a verification flag, which would let users verify
	// their own addresses), and, when it names any, every required one,
	// which sign-up must be able to give. Cognito's text in both cases
	// (aws/aws-cdk#2608, #20760; aws/aws-sdk-java#1395 for "updating").
	badWrite := Errorf(InvalidParameterException, "Invalid write attributes specified while %s a client", doing)
	for _, a := range cs.WriteAttributes {
		if !inSchema(a) || a == "sub" || isVerificationFlag(a) {
			return badWrite
		}
	}
	if len(cs.WriteAttributes) > 0 {
		for _, x := range p.Schema {
			if x.Required && x.Name != "sub" && !slices.Contains(cs.WriteAttributes, x.Name) {
				return badWrite
			}
		}
	}
	return nil
}

// checkRedirectURLs holds CallbackURLs, LogoutURLs and DefaultRedirectURI to
// API_CreateUserPoolClient's rules for a redirect URI: absolute, without a
// fragment, HTTPS unless it is http://localhost, http://127.0.0.1 or
// http://[::1] (any port); an app's own scheme (myapp://) is allowed. The
// default redirect URI must be one of the callback URLs.
// https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_CreateUserPoolClient.html
func checkRedirectURLs(cs *ClientSettings) error {
	for _, list := range [][]string{cs.CallbackURLs, cs.LogoutURLs} {
		for _, raw := range list {
			if err := checkRedirectURL(raw); err != nil {
				return err
			}
		}
	}
	if cs.DefaultRedirectURI != "" {
		if err := checkRedirectURL(cs.DefaultRedirectURI); err != nil {
			return err
		}
		if !slices.Contains(cs.CallbackURLs, cs.DefaultRedirectURI) {
			// Cognito's text for this refusal is unpublished.
			return Errorf(InvalidParameterException, "DefaultRedirectURI must be in CallbackURLs.")
		}
	}
	return nil
}

func checkRedirectURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || !u.IsAbs() {
		// Unpublished text.
		return Errorf(InvalidParameterException, "%s is not an absolute URI.", raw)
	}
	if strings.Contains(raw, "#") {
		// Unpublished text.
		return Errorf(InvalidParameterException, "%s cannot include a fragment component.", raw)
	}
	if u.Scheme == "http" && !slices.Contains([]string{"localhost", "127.0.0.1", "::1"}, u.Hostname()) {
		// Cognito's words, as users quote them (for example
		// github.com/Destrayon/Connapse#441 and the S3-website callbacks
		// refused in public deployment notes).
		return Errorf(InvalidParameterException, "%s cannot use the HTTP protocol.", raw)
	}
	return nil
}

// OAuth grant types (OAuthFlowType).
const (
	oauthCode              = "code"
	oauthImplicit          = "implicit"
	oauthClientCredentials = "client_credentials"
)

// checkOAuthFlows enforces how a client's OAuth settings go together when
// it may use the authorization server (AllowedOAuthFlowsUserPoolClient).
// The messages are Cognito's, as its refusals were quoted: in
// hashicorp/terraform-provider-aws's Cognito client tests (flows and scopes
// required; callback URLs), in terraform-provider-aws issue #4984 (a
// standard scope with client_credentials), and in Terraform configurations
// that hit the client_credentials rules ("can not be selected along with
// code flow or implicit flow", "if client does not have a client secret").
func checkOAuthFlows(cs *ClientSettings) error {
	if !cs.AllowedOAuthFlowsUserPool {
		return nil
	}
	if len(cs.AllowedOAuthFlows) == 0 || len(cs.AllowedOAuthScopes) == 0 {
		return Errorf(InvalidParameterException, "AllowedOAuthFlows and AllowedOAuthScopes are required if user pool client is allowed to use OAuth flows.")
	}
	userFlows := slices.Contains(cs.AllowedOAuthFlows, oauthCode) || slices.Contains(cs.AllowedOAuthFlows, oauthImplicit)
	if slices.Contains(cs.AllowedOAuthFlows, oauthClientCredentials) {
		// "To create an app client that generates client credentials
		// grants, you must add client_credentials as the only allowed
		// OAuth flow." (AllowedOAuthFlows)
		if userFlows {
			return Errorf(InvalidOAuthFlowException, "client_credentials flow can not be selected along with code flow or implicit flow.")
		}
		if cs.Secret == "" {
			return Errorf(InvalidOAuthFlowException, "client_credentials flow can not be selected if client does not have a client secret.")
		}
		for _, scope := range cs.AllowedOAuthScopes {
			if slices.Contains(standardScopes, scope) {
				return Errorf(InvalidOAuthFlowException, "%s is not supported with client_credentials flow", scope)
			}
		}
	}
	if userFlows && len(cs.CallbackURLs) == 0 {
		return Errorf(InvalidOAuthFlowException, "CallbackUrls can not be empty when code flow or implicit flow is selected")
	}
	return nil
}

// AllowsFlow reports whether the client's explicit auth flows allow flow (an
// ALLOW_* name), counting the defaults and what the legacy names imply.
func (c *Client) AllowsFlow(flow string) bool {
	flows := c.ExplicitAuthFlows
	if len(flows) == 0 {
		flows = defaultAuthFlows
	}
	if slices.Contains(flows, flow) {
		return true
	}
	if strings.HasPrefix(flows[0], "ALLOW_") {
		return false
	}
	// Legacy clients: refresh and custom auth always; SRP unless custom-only;
	// the password flows only when named.
	switch flow {
	case FlowAllowRefresh, FlowAllowCustom:
		return true
	case FlowAllowUserSRP:
		return !slices.Contains(flows, legacyCustomOnly)
	case FlowAllowAdminUserPassword:
		return slices.Contains(flows, legacyAdminNoSRP)
	case FlowAllowUserPassword:
		return slices.Contains(flows, legacyUserPassword)
	}
	return false
}

// GetClient returns a client of the given pool, or ResourceNotFoundException.
func (s *Service) GetClient(ctx context.Context, poolID, clientID string) (*Client, error) {
	var c *Client
	err := s.view(ctx, func(tx store.Tx) error {
		if err := requirePool(tx, poolID); err != nil {
			return err
		}
		var err error
		c, err = poolClient(tx, poolID, clientID)
		return err
	})
	return c, err
}

func clientNotFound(id string) error {
	return Errorf(ResourceNotFoundException, "User pool client %s does not exist.", id)
}

func getClient(tx store.Tx, clientID string) (*Client, error) {
	r, err := tx.Clients().Get(clientID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, clientNotFound(clientID)
	}
	if err != nil {
		return nil, err
	}
	return clientFromRecord(r)
}

// poolClient reads a client that must belong to poolID: one of another
// pool is as unknown as one that does not exist.
func poolClient(tx store.Tx, poolID, clientID string) (*Client, error) {
	c, err := getClient(tx, clientID)
	if err != nil {
		return nil, err
	}
	if c.PoolID != poolID {
		return nil, clientNotFound(clientID)
	}
	return c, nil
}

// UpdateClient replaces a client's settings; like Cognito, settings the
// request leaves out go back to their defaults (the adapter starts from
// NewClientSettings). The secret is kept.
func (s *Service) UpdateClient(ctx context.Context, poolID, clientID string, in ClientInput) (*Client, error) {
	var c *Client
	err := s.update(ctx, func(tx store.Tx) error {
		// The pool's lock queues the client's writers (lockedPool).
		p, err := lockedPool(tx, poolID)
		if err != nil {
			return err
		}
		if c, err = poolClient(tx, poolID, clientID); err != nil {
			return err
		}
		next := in.ClientSettings
		next.Secret, next.Secrets = c.Secret, c.Secrets
		if err := checkClientSettings(p, &next, "updating"); err != nil {
			return err
		}
		if err := checkOAuthScopes(tx, poolID, next.AllowedOAuthScopes); err != nil {
			return err
		}
		if err := checkSupportedProviders(tx, poolID, next.SupportedIdentityProviders); err != nil {
			return err
		}
		if in.Name != "" {
			c.Name = in.Name
		}
		c.ClientSettings = next
		c.UpdatedAt = s.now()
		rec, err := c.record()
		if err != nil {
			return err
		}
		if err := tx.Clients().Update(rec); err != nil {
			return err
		}
		c.Version = rec.Version
		return nil
	})
	return c, err
}

// DeleteClient deletes a client.
func (s *Service) DeleteClient(ctx context.Context, poolID, clientID string) error {
	return s.update(ctx, func(tx store.Tx) error {
		// The pool's lock queues the client's writers (lockedPool).
		if err := lockPool(tx, poolID); err != nil {
			return err
		}
		if _, err := poolClient(tx, poolID, clientID); err != nil {
			return err
		}
		// What the pool keeps for this client alone goes with it.
		for _, kind := range clientScopedKinds {
			if err := tx.PoolObjects().Delete(poolID, kind, clientID); err != nil && !errors.Is(err, store.ErrNotFound) {
				return err
			}
		}
		if err := deleteClientTerms(tx, poolID, clientID); err != nil {
			return err
		}
		if err := deleteClientBranding(tx, poolID, clientID); err != nil {
			return err
		}
		return tx.Clients().Delete(clientID)
	})
}

// clientScopedKinds are the pool objects keyed by a client ID.
var clientScopedKinds = []string{kindRiskConfiguration, kindUICustomization}

// ListClients lists a pool's clients a page at a time.
func (s *Service) ListClients(ctx context.Context, poolID string, page store.Page) ([]*Client, string, error) {
	scope := "ListUserPoolClients\x00" + poolID
	page, err := s.boundPage(scope, page)
	if err != nil {
		return nil, "", err
	}
	var out []*Client
	var next string
	err = s.view(ctx, func(tx store.Tx) error {
		if err := requirePool(tx, poolID); err != nil {
			return err
		}
		recs, n, err := tx.Clients().List(poolID, page)
		if err != nil {
			return badPage(err)
		}
		next = n
		for _, r := range recs {
			c, err := clientFromRecord(r)
			if err != nil {
				return err
			}
			out = append(out, c)
		}
		return nil
	})
	return out, s.boundToken(scope, next), err
}
