package idp

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/ninshou/ninshou/internal/store"
)

// Identity providers: the social, OIDC and SAML providers a pool federates
// to, which app clients name in SupportedIdentityProviders.
// https://docs.aws.amazon.com/cognito/latest/developerguide/cognito-user-pools-identity-federation.html
// What each type requires and what Describe shows of it follows the API
// reference of ProviderDetails (CreateIdentityProvider).

// IdentityProvider is an identity provider as the API shows it.
type IdentityProvider struct {
	PoolID           string
	Name             string
	Type             string
	Details          map[string]string
	AttributeMapping map[string]string
	Identifiers      []string
	CreatedAt        time.Time
	UpdatedAt        time.Time
	// encryption is a SAML provider's key pair for encrypted responses,
	// made when EncryptedResponses first asks for it; nil until then.
	encryption *samlSigningBody
}

// The provider types (the model's IdentityProviderTypeType).
const (
	ProviderSAML     = "SAML"
	ProviderFacebook = "Facebook"
	ProviderGoogle   = "Google"
	ProviderAmazon   = "LoginWithAmazon"
	ProviderApple    = "SignInWithApple"
	ProviderOIDC     = "OIDC"
)

// cognitoProvider is what SupportedIdentityProviders calls the pool's own
// directory.
const cognitoProvider = "COGNITO"

// MaxIdentityProviders is Cognito's quota of identity providers per pool.
// https://docs.aws.amazon.com/cognito/latest/developerguide/quotas.html
const MaxIdentityProviders = 300

const kindIdentityProvider = "identity-provider"

// social lists the social types: a social provider is named after its type.
var social = []string{ProviderFacebook, ProviderGoogle, ProviderAmazon, ProviderApple}

// requiredDetails are the ProviderDetails keys each type needs.
var requiredDetails = map[string][]string{
	ProviderGoogle:   {"client_id", "client_secret", "authorize_scopes"},
	ProviderAmazon:   {"client_id", "client_secret", "authorize_scopes"},
	ProviderFacebook: {"client_id", "client_secret", "authorize_scopes"},
	ProviderApple:    {"client_id", "team_id", "key_id", "private_key", "authorize_scopes"},
	ProviderOIDC:     {"client_id", "attributes_request_method", "oidc_issuer", "authorize_scopes"},
}

// usernameClaim is the provider attribute a federated user's Cognito
// username comes from, which Cognito adds to the attribute mapping itself.
var usernameClaim = map[string]string{
	ProviderGoogle:   "sub",
	ProviderFacebook: "id",
	ProviderAmazon:   "user_id",
	ProviderApple:    "sub",
	ProviderOIDC:     "sub",
}

// hiddenDetails are never shown back: Apple's signing key.
var hiddenDetails = []string{"private_key"}

// identityProviderBody is what the store keeps of an identity provider.
type identityProviderBody struct {
	Type        string            `json:"type"`
	Details     map[string]string `json:"details"`
	Mapping     map[string]string `json:"mapping,omitempty"`
	Identifiers []string          `json:"identifiers,omitempty"`
	Encryption  *samlSigningBody  `json:"encryption,omitempty"`
}

// body is what the store keeps of ip.
func (ip *IdentityProvider) body() ([]byte, error) {
	return json.Marshal(identityProviderBody{Type: ip.Type, Details: ip.Details, Mapping: ip.AttributeMapping,
		Identifiers: ip.Identifiers, Encryption: ip.encryption})
}

func identityProviderFrom(o *store.PoolObject) (*IdentityProvider, error) {
	var b identityProviderBody
	if err := json.Unmarshal(o.Body, &b); err != nil {
		return nil, fmt.Errorf("idp: identity provider %s of %s: %w", o.Key, o.PoolID, err)
	}
	return &IdentityProvider{PoolID: o.PoolID, Name: o.Key, Type: b.Type, Details: b.Details,
		AttributeMapping: b.Mapping, Identifiers: b.Identifiers, CreatedAt: o.CreatedAt, UpdatedAt: o.UpdatedAt,
		encryption: b.Encryption}, nil
}

// Shown is the provider as the API answers it: without the details it
// never shows.
func (ip *IdentityProvider) Shown() *IdentityProvider {
	out := *ip
	out.Details = maps.Clone(ip.Details)
	for _, k := range hiddenDetails {
		delete(out.Details, k)
	}
	return &out
}

func identityProviderNotFound(name string) error {
	return Errorf(ResourceNotFoundException, "Identity provider %s does not exist.", name)
}

// checkProviderName applies Cognito's naming rules: a social provider is
// named after its type, and no other provider may take such a name or
// COGNITO's.
func checkProviderName(name, typ string) error {
	if strings.EqualFold(name, cognitoProvider) {
		return Errorf(InvalidParameterException, "Provider %s cannot be of type %s.", name, typ)
	}
	if (slices.Contains(social, typ) || slices.Contains(social, name)) && name != typ {
		// The message AWS answers for a Google provider named otherwise
		// (aws/aws-cli#3179).
		return Errorf(InvalidParameterException, "Provider %s cannot be of type %s.", name, typ)
	}
	return nil
}

// completeDetails checks the details a request gives for its type and
// returns them as Cognito keeps them: with the endpoints a social provider
// always has, the ones an OIDC issuer's discovery document names, or the
// SAML endpoints its metadata names. old are the details stored before an
// update: a secret the API never shows back is kept when the update leaves
// it out.
func (s *Service) completeDetails(ctx context.Context, typ string, in, old map[string]string) (map[string]string, error) {
	d := maps.Clone(in)
	if d == nil {
		d = map[string]string{}
	}
	for _, k := range hiddenDetails {
		if _, ok := d[k]; !ok && old[k] != "" {
			d[k] = old[k]
		}
	}
	for _, k := range requiredDetails[typ] {
		if strings.TrimSpace(d[k]) == "" {
			if typ == ProviderGoogle || typ == ProviderFacebook || typ == ProviderAmazon {
				// One text for all three keys, as Cognito answers (Amplify's
				// deployments quote it: aws-amplify/amplify-cli#9384, #12417).
				return nil, Errorf(InvalidParameterException, "client_id, client_secret and authorize_scopes are all required idp details.")
			}
			// Apple's and OIDC's texts are unpublished.
			return nil, Errorf(InvalidParameterException, "ProviderDetails must contain %s for provider type %s.", k, typ)
		}
	}
	switch typ {
	case ProviderGoogle:
		maps.Copy(d, map[string]string{
			"attributes_url":                "https://people.googleapis.com/v1/people/me?personFields=",
			"attributes_url_add_attributes": "true",
			"authorize_url":                 "https://accounts.google.com/o/oauth2/v2/auth",
			"oidc_issuer":                   "https://accounts.google.com",
			"token_request_method":          "POST",
			"token_url":                     "https://www.googleapis.com/oauth2/v4/token",
		})
	case ProviderAmazon:
		maps.Copy(d, map[string]string{
			"attributes_url":                "https://api.amazon.com/user/profile",
			"attributes_url_add_attributes": "false",
			"authorize_url":                 "https://www.amazon.com/ap/oa",
			"token_request_method":          "POST",
			"token_url":                     "https://api.amazon.com/auth/o2/token",
		})
	case ProviderApple:
		// private_key is not parsed here: the AWS CLI's own example creates
		// an Apple provider with "1EXAMPLE". A key that cannot sign fails
		// the sign-in (appleClientSecret), with a log line saying why.
		maps.Copy(d, map[string]string{
			"attributes_url_add_attributes": "false",
			"authorize_url":                 "https://appleid.apple.com/auth/authorize",
			"oidc_issuer":                   "https://appleid.apple.com",
			"token_request_method":          "POST",
			"token_url":                     "https://appleid.apple.com/auth/token",
		})
	case ProviderFacebook:
		v := ""
		if d["api_version"] != "" {
			v = "/" + d["api_version"]
		}
		maps.Copy(d, map[string]string{
			"attributes_url":                "https://graph.facebook.com" + v + "/me?fields=",
			"attributes_url_add_attributes": "true",
			"authorize_url":                 "https://www.facebook.com" + v + "/dialog/oauth",
			"token_request_method":          "GET",
			"token_url":                     "https://graph.facebook.com" + v + "/oauth/access_token",
		})
	case ProviderOIDC:
		if err := s.completeOIDC(ctx, d); err != nil {
			return nil, err
		}
	case ProviderSAML:
		if err := s.completeSAML(ctx, d); err != nil {
			return nil, err
		}
	}
	return d, nil
}

// oidcEndpoints are the endpoint keys of an OIDC provider and the names
// its discovery document gives them.
var oidcEndpoints = [][2]string{
	{"authorize_url", "authorization_endpoint"},
	{"token_url", "token_endpoint"},
	{"attributes_url", "userinfo_endpoint"},
	{"jwks_uri", "jwks_uri"},
}

// completeOIDC checks an OIDC provider's details and reads the endpoints
// the request leaves out from the issuer's discovery document, as Cognito
// does.
func (s *Service) completeOIDC(ctx context.Context, d map[string]string) error {
	switch d["attributes_request_method"] {
	case "GET", "POST":
	default:
		return Errorf(InvalidParameterException, "attributes_request_method must be GET or POST.")
	}
	d["attributes_url_add_attributes"] = "false"
	missing := false
	for _, e := range oidcEndpoints {
		missing = missing || d[e[0]] == ""
	}
	if !missing {
		return nil
	}
	issuer := strings.TrimRight(d["oidc_issuer"], "/")
	var doc map[string]any
	body, err := s.fetch(ctx, issuer+"/.well-known/openid-configuration")
	if err == nil {
		err = json.Unmarshal(body, &doc)
	}
	if err != nil {
		s.log().Info("OIDC discovery failed", "issuer", issuer, "err", err)
		return Errorf(InvalidParameterException, "Unable to read the OpenID Connect discovery document of %s; give authorize_url, token_url, attributes_url and jwks_uri instead.", issuer)
	}
	for _, e := range oidcEndpoints {
		if v, _ := doc[e[1]].(string); d[e[0]] == "" && v != "" {
			d[e[0]] = v
		}
	}
	for _, e := range oidcEndpoints {
		if d[e[0]] == "" {
			return Errorf(InvalidParameterException, "The discovery document of %s names no %s; give %s.", issuer, e[1], e[0])
		}
	}
	return nil
}

// fetch reads a document an identity provider publishes.
func (s *Service) fetch(ctx context.Context, url string) ([]byte, error) {
	if s.FetchURL == nil {
		return nil, errors.New("idp: this server fetches no URL")
	}
	return s.FetchURL(ctx, url)
}

// IdentityProviderInput is what Create and UpdateIdentityProvider give.
type IdentityProviderInput struct {
	PoolID, Name, Type string
	// Details, AttributeMapping and Identifiers are nil when an update
	// leaves them as they are.
	Details          map[string]string
	AttributeMapping map[string]string
	Identifiers      []string
}

// mappingFor is the attribute mapping Cognito keeps: the request's, with
// the username mapping of the provider's type.
func mappingFor(typ string, in map[string]string) map[string]string {
	m := maps.Clone(in)
	if claim, ok := usernameClaim[typ]; ok {
		if m == nil {
			m = map[string]string{}
		}
		m["username"] = claim
	}
	return m
}

// checkAttributeMapping refuses mapping keys that are not attributes of
// the pool: the keys are "standard and custom user pool attributes"
// (API_CreateIdentityProvider.html, AttributeMapping), and "username",
// which Cognito keeps in every mapping itself (mappingFor). Cognito's
// answer names the bad keys as a list, as aws/aws-cli#9729 quotes it for a
// custom attribute the pool lacked: InvalidParameterException
// "AttributeMapping contains invalid mapping: [custom:zen_groups]". How it
// joins several is unpublished; this joins them as Java prints a list.
func checkAttributeMapping(p *Pool, mapping map[string]string) error {
	var bad []string
	for key := range mapping {
		if _, ok := p.schemaAttr(key); !ok && key != "username" {
			bad = append(bad, key)
		}
	}
	if len(bad) == 0 {
		return nil
	}
	slices.Sort(bad)
	return Errorf(InvalidParameterException, "AttributeMapping contains invalid mapping: [%s]", strings.Join(bad, ", "))
}

// checkIdentifiers refuses an identifier listed twice or already used by
// another of the pool's providers: GetIdentityProviderByIdentifier must
// find one provider.
func checkIdentifiers(tx store.Tx, poolID, name string, ids []string) error {
	if len(ids) == 0 {
		return nil
	}
	seen := map[string]bool{}
	for _, id := range ids {
		if seen[id] {
			return Errorf(InvalidParameterException, "The identifier %s is listed more than once.", id)
		}
		seen[id] = true
	}
	return eachIdentityProvider(tx, poolID, func(ip *IdentityProvider) error {
		if ip.Name == name {
			return nil
		}
		for _, id := range ip.Identifiers {
			if seen[id] {
				return Errorf(InvalidParameterException, "The identifier %s is already used by identity provider %s.", id, ip.Name)
			}
		}
		return nil
	})
}

// eachIdentityProvider calls fn for each of a pool's identity providers.
func eachIdentityProvider(tx store.Tx, poolID string, fn func(*IdentityProvider) error) error {
	return eachPoolObject(tx, poolID, kindIdentityProvider, identityProviderFrom, fn)
}

// CreateIdentityProvider adds an identity provider to a pool.
func (s *Service) CreateIdentityProvider(ctx context.Context, in IdentityProviderInput) (*IdentityProvider, error) {
	if err := checkProviderName(in.Name, in.Type); err != nil {
		return nil, err
	}
	details, err := s.completeDetails(ctx, in.Type, in.Details, nil)
	if err != nil {
		return nil, err
	}
	now := s.now()
	ip := &IdentityProvider{PoolID: in.PoolID, Name: in.Name, Type: in.Type, Details: details,
		AttributeMapping: mappingFor(in.Type, in.AttributeMapping), Identifiers: in.Identifiers, CreatedAt: now, UpdatedAt: now}
	premade, err := s.samlEncryptionKey(ip, nil)
	if err != nil {
		return nil, err
	}
	ip.showEncryption(premade)
	body, err := ip.body()
	if err != nil {
		return nil, err
	}
	err = s.update(ctx, func(tx store.Tx) error {
		// The pool's lock makes the count, the identifier check and the
		// create one step on every node.
		if err := lockPool(tx, in.PoolID); err != nil {
			return err
		}
		if len(in.AttributeMapping) > 0 {
			p, err := getPool(tx, in.PoolID)
			if err != nil {
				return err
			}
			if err := checkAttributeMapping(p, in.AttributeMapping); err != nil {
				return err
			}
		}
		if _, err := tx.PoolObjects().Get(in.PoolID, kindIdentityProvider, in.Name); err == nil {
			return duplicateProvider(in.Name, in.PoolID)
		} else if !errors.Is(err, store.ErrNotFound) {
			return err
		}
		n, err := tx.PoolObjects().Count(in.PoolID, kindIdentityProvider)
		if err != nil {
			return err
		}
		if n >= MaxIdentityProviders {
			return Errorf(LimitExceededException, "A user pool has at most %d identity providers.", MaxIdentityProviders)
		}
		if err := checkIdentifiers(tx, in.PoolID, in.Name, in.Identifiers); err != nil {
			return err
		}
		err = tx.PoolObjects().Create(&store.PoolObject{PoolID: in.PoolID, Kind: kindIdentityProvider,
			Key: in.Name, Body: body, CreatedAt: now, UpdatedAt: now})
		if errors.Is(err, store.ErrExists) {
			return duplicateProvider(in.Name, in.PoolID)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return ip.Shown(), nil
}

// duplicateProvider is the error CloudTrail records for a name taken
// (aws-cloudformation/cloudformation-coverage-roadmap#1287).
func duplicateProvider(name, poolID string) error {
	return Errorf(DuplicateProviderException, "%s already exists in user pool %s", name, poolID)
}

// getIdentityProvider reads one identity provider of a pool that exists.
func getIdentityProvider(tx store.Tx, poolID, name string) (*IdentityProvider, *store.PoolObject, error) {
	o, err := namedObject(tx, poolID, kindIdentityProvider, name, identityProviderNotFound)
	if err != nil {
		return nil, nil, err
	}
	ip, err := identityProviderFrom(o)
	return ip, o, err
}

// DescribeIdentityProvider returns an identity provider.
func (s *Service) DescribeIdentityProvider(ctx context.Context, poolID, name string) (*IdentityProvider, error) {
	var out *IdentityProvider
	err := s.view(ctx, func(tx store.Tx) error {
		ip, _, err := getIdentityProvider(tx, poolID, name)
		out = ip
		return err
	})
	if err != nil {
		return nil, err
	}
	return out.Shown(), nil
}

// GetIdentityProviderByIdentifier returns the provider that lists an
// identifier among its IdpIdentifiers.
func (s *Service) GetIdentityProviderByIdentifier(ctx context.Context, poolID, identifier string) (*IdentityProvider, error) {
	var out *IdentityProvider
	found := errors.New("found")
	err := s.view(ctx, func(tx store.Tx) error {
		if err := requirePool(tx, poolID); err != nil {
			return err
		}
		err := eachIdentityProvider(tx, poolID, func(ip *IdentityProvider) error {
			if slices.Contains(ip.Identifiers, identifier) {
				out = ip
				return found
			}
			return nil
		})
		if errors.Is(err, found) {
			return nil
		}
		if err != nil {
			return err
		}
		return Errorf(ResourceNotFoundException, "Identity provider with identifier %s does not exist.", identifier)
	})
	if err != nil {
		return nil, err
	}
	return out.Shown(), nil
}

// UpdateIdentityProvider replaces what the request gives of a provider:
// its details (checked and completed as on create), attribute mapping
// and identifiers.
func (s *Service) UpdateIdentityProvider(ctx context.Context, in IdentityProviderInput) (*IdentityProvider, error) {
	// The provider's type decides what its details need, and the details
	// may need a document fetched: read it first, outside the write.
	var stored *IdentityProvider
	err := s.view(ctx, func(tx store.Tx) error {
		var err error
		stored, _, err = getIdentityProvider(tx, in.PoolID, in.Name)
		return err
	})
	if err != nil {
		return nil, err
	}
	var details map[string]string
	var premade *samlSigningBody
	if in.Details != nil {
		if details, err = s.completeDetails(ctx, stored.Type, in.Details, stored.Details); err != nil {
			return nil, err
		}
		// A key pair the new details need is made outside the write.
		if premade, err = s.samlEncryptionKey(&IdentityProvider{Type: stored.Type, Details: details, PoolID: in.PoolID}, stored.encryption); err != nil {
			return nil, err
		}
	}
	var out *IdentityProvider
	err = s.update(ctx, func(tx store.Tx) error {
		if err := lockPool(tx, in.PoolID); err != nil {
			return err
		}
		ip, o, err := getIdentityProvider(tx, in.PoolID, in.Name)
		if err != nil {
			return err
		}
		if details != nil {
			ip.Details = details
			ip.showEncryption(premade)
		}
		if in.AttributeMapping != nil {
			p, err := getPool(tx, in.PoolID)
			if err != nil {
				return err
			}
			if err := checkAttributeMapping(p, in.AttributeMapping); err != nil {
				return err
			}
			ip.AttributeMapping = mappingFor(ip.Type, in.AttributeMapping)
		}
		if in.Identifiers != nil {
			if err := checkIdentifiers(tx, in.PoolID, in.Name, in.Identifiers); err != nil {
				return err
			}
			ip.Identifiers = in.Identifiers
		}
		ip.UpdatedAt = s.now()
		body, err := ip.body()
		if err != nil {
			return err
		}
		o.Body, o.UpdatedAt = body, ip.UpdatedAt
		out = ip
		return tx.PoolObjects().Update(o)
	})
	if err != nil {
		return nil, err
	}
	return out.Shown(), nil
}

// DeleteIdentityProvider deletes an identity provider.
func (s *Service) DeleteIdentityProvider(ctx context.Context, poolID, name string) error {
	return s.update(ctx, func(tx store.Tx) error {
		return deleteNamedObject(tx, poolID, kindIdentityProvider, name, identityProviderNotFound)
	})
}

// ListIdentityProviders lists a pool's identity providers by name; a page
// holds at most 60 (the model's MaxResults), 60 when the request leaves it
// out.
func (s *Service) ListIdentityProviders(ctx context.Context, poolID string, page store.Page) ([]*IdentityProvider, string, error) {
	return listPoolObjects(s, ctx, poolID, kindIdentityProvider, page, 60, func(o *store.PoolObject) (*IdentityProvider, error) {
		ip, err := identityProviderFrom(o)
		if err != nil {
			return nil, err
		}
		return ip.Shown(), nil
	})
}

// checkSupportedProviders refuses a client's SupportedIdentityProviders
// entry that is neither COGNITO nor one of the pool's providers, with the
// message AWS answers (lgallard/terraform-aws-cognito-user-pool#71).
func checkSupportedProviders(tx store.Tx, poolID string, names []string) error {
	for _, name := range names {
		if name == cognitoProvider {
			continue
		}
		_, err := tx.PoolObjects().Get(poolID, kindIdentityProvider, name)
		if errors.Is(err, store.ErrNotFound) {
			return Errorf(InvalidParameterException, "The provider %s does not exist for User Pool %s.", name, poolID)
		}
		if err != nil {
			return err
		}
	}
	return nil
}
