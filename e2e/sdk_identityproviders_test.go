package e2e

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/google/go-cmp/cmp"
)

// TestSDKIdentityProviderMappingKeys: an identity provider's
// AttributeMapping maps onto attributes of the pool, standard or custom
// (and username, which Cognito keeps itself); a key the pool has no
// attribute for is refused with the list of such keys, as real Cognito
// answers (aws/aws-cli#9729), on create and on update.
func TestSDKIdentityProviderMappingKeys(t *testing.T) {
	e := newSDKEnv(t)
	pool := e.pool(func(in *cip.CreateUserPoolInput) {
		in.Schema = []types.SchemaAttributeType{{Name: aws.String("team"), AttributeDataType: types.AttributeDataTypeString, Mutable: aws.Bool(true)}}
	})
	google := map[string]string{"client_id": "1example23456789.apps.googleusercontent.com", "client_secret": "secret",
		"authorize_scopes": "email profile openid"}
	create := func(mapping map[string]string) (*cip.CreateIdentityProviderOutput, error) {
		return e.c.CreateIdentityProvider(e.ctx, &cip.CreateIdentityProviderInput{UserPoolId: &pool, ProviderName: aws.String("Google"),
			ProviderType: types.IdentityProviderTypeTypeGoogle, ProviderDetails: google, AttributeMapping: mapping})
	}

	_, err := create(map[string]string{"email": "email", "custom:zen_groups": "groups"})
	wantErr[*types.InvalidParameterException](t, err, "AttributeMapping contains invalid mapping: [custom:zen_groups]")
	_, err = create(map[string]string{"team": "team", "custom:zen_groups": "groups", "email": "email"})
	wantErr[*types.InvalidParameterException](t, err, "AttributeMapping contains invalid mapping: [custom:zen_groups, team]")

	ip := must[*cip.CreateIdentityProviderOutput](t, "CreateIdentityProvider")(create(map[string]string{
		"email": "email", "email_verified": "email_verified", "custom:team": "hd", "username": "sub"})).IdentityProvider
	if diff := cmp.Diff(map[string]string{"email": "email", "email_verified": "email_verified", "custom:team": "hd", "username": "sub"},
		ip.AttributeMapping); diff != "" {
		t.Errorf("the mapping (-want +got):\n%s", diff)
	}

	_, err = e.c.UpdateIdentityProvider(e.ctx, &cip.UpdateIdentityProviderInput{UserPoolId: &pool, ProviderName: aws.String("Google"),
		AttributeMapping: map[string]string{"email": "email", "custom:nope": "x"}})
	wantErr[*types.InvalidParameterException](t, err, "AttributeMapping contains invalid mapping: [custom:nope]")
	ip = must[*cip.DescribeIdentityProviderOutput](t, "DescribeIdentityProvider")(e.c.DescribeIdentityProvider(e.ctx,
		&cip.DescribeIdentityProviderInput{UserPoolId: &pool, ProviderName: aws.String("Google")})).IdentityProvider
	if _, kept := ip.AttributeMapping["custom:team"]; !kept || ip.AttributeMapping["custom:nope"] != "" {
		t.Errorf("the mapping after a refused update: %v", ip.AttributeMapping)
	}
}

// TestSDKSocialProviderRequiredDetails: a Google, Facebook or Login with
// Amazon provider needs client_id, client_secret and authorize_scopes, and
// Cognito names all three in one text whichever is missing, on create and
// on update (Amplify's deployments quote it: aws-amplify/amplify-cli#9384,
// #12417).
func TestSDKSocialProviderRequiredDetails(t *testing.T) {
	e := newSDKEnv(t)
	pool := e.pool()
	const text = "client_id, client_secret and authorize_scopes are all required idp details."
	full := map[string]string{"client_id": "a", "client_secret": "b", "authorize_scopes": "email"}
	for _, typ := range []types.IdentityProviderTypeType{types.IdentityProviderTypeTypeGoogle, types.IdentityProviderTypeTypeFacebook,
		types.IdentityProviderTypeTypeLoginWithAmazon} {
		for _, drop := range []string{"client_id", "client_secret", "authorize_scopes"} {
			details := map[string]string{}
			for k, v := range full {
				if k != drop {
					details[k] = v
				}
			}
			_, err := e.c.CreateIdentityProvider(e.ctx, &cip.CreateIdentityProviderInput{UserPoolId: &pool, ProviderName: aws.String(string(typ)),
				ProviderType: typ, ProviderDetails: details})
			wantErr[*types.InvalidParameterException](t, err, text)
		}
		must[*cip.CreateIdentityProviderOutput](t, "CreateIdentityProvider")(e.c.CreateIdentityProvider(e.ctx, &cip.CreateIdentityProviderInput{
			UserPoolId: &pool, ProviderName: aws.String(string(typ)), ProviderType: typ, ProviderDetails: full}))
		_, err := e.c.UpdateIdentityProvider(e.ctx, &cip.UpdateIdentityProviderInput{UserPoolId: &pool, ProviderName: aws.String(string(typ)),
			ProviderDetails: map[string]string{"client_id": "a", "client_secret": "", "authorize_scopes": "email"}})
		wantErr[*types.InvalidParameterException](t, err, text)
	}
	// A token Ninshou did not make (here a provider's name, which the
	// store's cursor is) is refused, not read as a position.
	for _, token := range []string{"Google", "garbage"} {
		_, err := e.c.ListIdentityProviders(e.ctx, &cip.ListIdentityProvidersInput{UserPoolId: &pool, NextToken: aws.String(token)})
		wantErr[*types.InvalidParameterException](t, err, "Invalid pagination token.")
	}
	first := must[*cip.ListIdentityProvidersOutput](t, "ListIdentityProviders")(e.c.ListIdentityProviders(e.ctx,
		&cip.ListIdentityProvidersInput{UserPoolId: &pool, MaxResults: aws.Int32(1)}))
	rest := must[*cip.ListIdentityProvidersOutput](t, "ListIdentityProviders, next page")(e.c.ListIdentityProviders(e.ctx,
		&cip.ListIdentityProvidersInput{UserPoolId: &pool, NextToken: first.NextToken}))
	if len(first.Providers)+len(rest.Providers) != 3 || rest.NextToken != nil {
		t.Errorf("ListIdentityProviders pages: %d + %d providers", len(first.Providers), len(rest.Providers))
	}
}
