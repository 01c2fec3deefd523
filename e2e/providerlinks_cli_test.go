package e2e

import (
	"encoding/json"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/google/go-cmp/cmp"
)

// TestProviderLinksAWSCLI links external identities to users and unlinks
// them with the AWS CLI (the operations under test; setup and the refusals
// go through aws-sdk-go-v2), as a pre sign-up function or an account page
// does: the user's identities attribute lists its links; one identity
// belongs to one user; at most five per user; social identities are named
// by Cognito_Subject; an identity that already signed up is not merged;
// AdminDisableProviderForUser removes a link, disables a federated user, and
// stops a directory user's password sign-in until a new password is set.
// https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_AdminLinkProviderForUser.html
// https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_AdminDisableProviderForUser.html
func TestProviderLinksAWSCLI(t *testing.T) {
	e := newSDKEnv(t)
	cli := awsCLI{t: t, url: e.URL}
	pool := e.pool()
	client := *e.client(pool).ClientId
	for _, ip := range []*cip.CreateIdentityProviderInput{
		{ProviderName: aws.String("Google"), ProviderType: types.IdentityProviderTypeTypeGoogle,
			ProviderDetails: map[string]string{"client_id": "x", "client_secret": "y", "authorize_scopes": "openid"}},
		{ProviderName: aws.String("Corp"), ProviderType: types.IdentityProviderTypeTypeSaml,
			ProviderDetails: map[string]string{"MetadataFile": samlMetadataDoc}},
	} {
		ip.UserPoolId = aws.String(pool)
		must[*cip.CreateIdentityProviderOutput](t, "CreateIdentityProvider")(e.c.CreateIdentityProvider(e.ctx, ip))
	}
	for _, name := range []string{"ann", "bob", "Google_2001"} {
		e.user(pool, name, name+"@example.com", "Perm#Pass1")
	}
	ident := func(provider, attr, value string) *types.ProviderUserIdentifierType {
		return &types.ProviderUserIdentifierType{ProviderName: aws.String(provider),
			ProviderAttributeName: aws.String(attr), ProviderAttributeValue: aws.String(value)}
	}
	google := func(sub string) *types.ProviderUserIdentifierType { return ident("Google", "Cognito_Subject", sub) }
	cognito := func(user string) *types.ProviderUserIdentifierType { return ident("Cognito", "Cognito_Subject", user) }
	shorthand := func(u *types.ProviderUserIdentifierType) string {
		return "ProviderName=" + *u.ProviderName + ",ProviderAttributeName=" + *u.ProviderAttributeName +
			",ProviderAttributeValue=" + *u.ProviderAttributeValue
	}
	link := func(dst, src *types.ProviderUserIdentifierType) {
		t.Helper()
		cli.run("admin-link-provider-for-user", "--user-pool-id", pool, "--destination-user", shorthand(dst), "--source-user", shorthand(src))
	}
	disable := func(u *types.ProviderUserIdentifierType) {
		t.Helper()
		cli.run("admin-disable-provider-for-user", "--user-pool-id", pool, "--user", shorthand(u))
	}
	linkErr := func(dst, src *types.ProviderUserIdentifierType) error {
		_, err := e.c.AdminLinkProviderForUser(e.ctx, &cip.AdminLinkProviderForUserInput{UserPoolId: aws.String(pool),
			DestinationUser: dst, SourceUser: src})
		return err
	}
	disableErr := func(u *types.ProviderUserIdentifierType) error {
		_, err := e.c.AdminDisableProviderForUser(e.ctx, &cip.AdminDisableProviderForUserInput{UserPoolId: aws.String(pool), User: u})
		return err
	}
	identities := func(user string) []map[string]any {
		t.Helper()
		out := must[*cip.AdminGetUserOutput](t, "AdminGetUser")(e.c.AdminGetUser(e.ctx,
			&cip.AdminGetUserInput{UserPoolId: aws.String(pool), Username: aws.String(user)}))
		for _, a := range out.UserAttributes {
			if aws.ToString(a.Name) == "identities" {
				var ids []map[string]any
				if err := json.Unmarshal([]byte(aws.ToString(a.Value)), &ids); err != nil {
					t.Fatalf("identities of %s: %v", user, err)
				}
				return ids
			}
		}
		return nil
	}

	link(cognito("ann"), google("1001"))
	link(cognito("ann"), google("1001")) // again: nothing changes
	link(cognito("ann"), ident("Corp", "email", "ann@corp.example"))
	ids := identities("ann")
	if len(ids) != 2 {
		t.Fatalf("ann's identities: %v", ids)
	}
	for _, id := range ids {
		if d, ok := id["dateCreated"].(float64); !ok || d < 1.7e12 {
			t.Errorf("dateCreated %v is not a time in milliseconds", id["dateCreated"])
		}
		delete(id, "dateCreated")
	}
	want := []map[string]any{
		{"userId": "1001", "providerName": "Google", "providerType": "Google", "issuer": nil, "primary": false},
		{"userId": "ann@corp.example", "providerName": "Corp", "providerType": "SAML", "issuer": nil, "primary": false},
	}
	if diff := cmp.Diff(want, ids); diff != "" {
		t.Errorf("ann's identities (-want +got):\n%s", diff)
	}

	wantErr[*types.AliasExistsException](t, linkErr(cognito("bob"), google("1001")), "The SourceUser is already linked to another user.")
	wantErr[*types.InvalidParameterException](t, linkErr(cognito("bob"), ident("Google", "email", "b@example.com")),
		"ProviderAttributeName of a Google SourceUser must be Cognito_Subject.")
	wantErr[*types.ResourceNotFoundException](t, linkErr(cognito("bob"), ident("Okta", "Cognito_Subject", "1")),
		"Identity provider Okta does not exist.")
	wantErr[*types.InvalidParameterException](t, linkErr(cognito("bob"), cognito("ann")),
		"SourceUser must be a user of an external identity provider, not of Cognito.")
	wantErr[*types.UserNotFoundException](t, linkErr(cognito("ghost"), google("1002")), "User does not exist.")
	wantErr[*types.InvalidParameterException](t, linkErr(cognito("bob"), google("2001")),
		"Merging is not currently supported, provide a SourceUser that has not been signed up in order to link")

	// Five identities at most.
	for _, sub := range []string{"1002", "1003", "1004"} {
		must[*cip.AdminLinkProviderForUserOutput](t, "link "+sub)(nil, linkErr(cognito("ann"), google(sub)))
	}
	wantErr[*types.LimitExceededException](t, linkErr(cognito("ann"), google("1005")), "A user can have at most 5 linked identities.")

	// Unlinking frees the identity for another user.
	disable(google("1001"))
	if ids := identities("ann"); len(ids) != 4 || ids[0]["userId"] == "1001" {
		t.Errorf("ann's identities after unlinking 1001: %v", ids)
	}
	wantErr[*types.UserNotFoundException](t, disableErr(google("1001")), "User does not exist.")
	link(cognito("bob"), google("1001"))
	// A deleted user's links are void.
	must[*cip.AdminDeleteUserOutput](t, "AdminDeleteUser")(e.c.AdminDeleteUser(e.ctx,
		&cip.AdminDeleteUserInput{UserPoolId: aws.String(pool), Username: aws.String("bob")}))
	must[*cip.AdminLinkProviderForUserOutput](t, "link to another after a delete")(nil, linkErr(cognito("Google_2001"), google("1001")))

	// A federated user is disabled.
	disable(google("2001"))
	if out, err := e.c.AdminGetUser(e.ctx, &cip.AdminGetUserInput{UserPoolId: aws.String(pool), Username: aws.String("Google_2001")}); err != nil || out.Enabled {
		t.Errorf("Google_2001 after AdminDisableProviderForUser: %+v, %v", out, err)
	}

	// A directory user loses password sign-in, until given a new password.
	e.tokens(client, "ann", "Perm#Pass1")
	wantErr[*types.InvalidParameterException](t, disableErr(ident("Cognito", "email", "ann")),
		"ProviderAttributeName must be Cognito_Subject for a Cognito user.")
	disable(cognito("ann"))
	_, err := e.signIn(client, "ann", "Perm#Pass1")
	wantErr[*types.NotAuthorizedException](t, err, "Incorrect username or password.")
	if ids := identities("ann"); len(ids) != 4 {
		t.Errorf("ann's links went with her password: %v", ids)
	}
	e.setPassword(pool, "ann", "Perm#Pass1", true)
	e.tokens(client, "ann", "Perm#Pass1")
}
