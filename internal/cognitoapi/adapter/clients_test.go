package adapter

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	api "github.com/ninshou/ninshou/internal/cognitoapi"
	"github.com/ninshou/ninshou/internal/idp"
)

func clientFrom(cs idp.ClientSettings) *idp.Client {
	at := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	return &idp.Client{ID: "1example23456789", PoolID: "eu-west-1_AbC123xyz", Name: "app", CreatedAt: at, UpdatedAt: at, ClientSettings: cs}
}

// TestDefaultClientShape pins what a client created with nothing but a name
// reports on the wire.
func TestDefaultClientShape(t *testing.T) {
	b, err := json.Marshal(clientOut(clientFrom(clientSettingsIn(clientSettingsReq{}))))
	if err != nil {
		t.Fatal(err)
	}
	want := `{"UserPoolId":"eu-west-1_AbC123xyz","ClientName":"app","ClientId":"1example23456789",` +
		`"LastModifiedDate":1740830400,"CreationDate":1740830400,"RefreshTokenValidity":30,"TokenValidityUnits":{},` +
		`"AllowedOAuthFlowsUserPoolClient":false,"PreventUserExistenceErrors":"LEGACY","EnableTokenRevocation":true,` +
		`"EnablePropagateAdditionalUserContextData":false,"AuthSessionValidity":3,` +
		`"RefreshTokenRotation":{"Feature":"DISABLED","RetryGracePeriodSeconds":0}}`
	if string(b) != want {
		t.Errorf("default client\n got %s\nwant %s", b, want)
	}
}

// TestClientRoundTrip checks that every member CreateUserPoolClient takes
// comes back from DescribeUserPoolClient as given.
func TestClientRoundTrip(t *testing.T) {
	in := clientSettingsReq{
		RefreshTokenValidity:            api.Int32(10),
		AccessTokenValidity:             api.Int32(60),
		IdTokenValidity:                 api.Int32(2),
		TokenValidityUnits:              &api.TokenValidityUnitsType{AccessToken: api.String("minutes"), IdToken: api.String("hours"), RefreshToken: api.String("days")},
		ReadAttributes:                  []string{"email", "email_verified"},
		WriteAttributes:                 []string{"email"},
		ExplicitAuthFlows:               []string{"ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"},
		SupportedIdentityProviders:      []string{"COGNITO"},
		CallbackURLs:                    []string{"https://example.com/cb"},
		LogoutURLs:                      []string{"https://example.com/out"},
		DefaultRedirectURI:              api.String("https://example.com/cb"),
		AllowedOAuthFlows:               []string{"code"},
		AllowedOAuthScopes:              []string{"openid", "email"},
		AllowedOAuthFlowsUserPoolClient: api.Bool(true),
		AnalyticsConfiguration: &api.AnalyticsConfigurationType{
			ApplicationArn: api.String("arn:aws:mobiletargeting:eu-west-1:1:apps/a"), UserDataShared: api.Bool(true),
		},
		PreventUserExistenceErrors:               api.String("ENABLED"),
		EnableTokenRevocation:                    api.Bool(false),
		EnablePropagateAdditionalUserContextData: api.Bool(true),
		AuthSessionValidity:                      api.Int32(7),
		RefreshTokenRotation:                     &api.RefreshTokenRotationType{Feature: api.String("ENABLED"), RetryGracePeriodSeconds: api.Int32(30)},
	}
	out := clientOut(clientFrom(clientSettingsIn(in)))
	got := clientSettingsReq{
		RefreshTokenValidity:                     out.RefreshTokenValidity,
		AccessTokenValidity:                      out.AccessTokenValidity,
		IdTokenValidity:                          out.IdTokenValidity,
		TokenValidityUnits:                       out.TokenValidityUnits,
		ReadAttributes:                           out.ReadAttributes,
		WriteAttributes:                          out.WriteAttributes,
		ExplicitAuthFlows:                        out.ExplicitAuthFlows,
		SupportedIdentityProviders:               out.SupportedIdentityProviders,
		CallbackURLs:                             out.CallbackURLs,
		LogoutURLs:                               out.LogoutURLs,
		DefaultRedirectURI:                       out.DefaultRedirectURI,
		AllowedOAuthFlows:                        out.AllowedOAuthFlows,
		AllowedOAuthScopes:                       out.AllowedOAuthScopes,
		AllowedOAuthFlowsUserPoolClient:          out.AllowedOAuthFlowsUserPoolClient,
		AnalyticsConfiguration:                   out.AnalyticsConfiguration,
		PreventUserExistenceErrors:               out.PreventUserExistenceErrors,
		EnableTokenRevocation:                    out.EnableTokenRevocation,
		EnablePropagateAdditionalUserContextData: out.EnablePropagateAdditionalUserContextData,
		AuthSessionValidity:                      out.AuthSessionValidity,
		RefreshTokenRotation:                     out.RefreshTokenRotation,
	}
	if d := cmp.Diff(in, got); d != "" {
		t.Errorf("client (-given +described):\n%s", d)
	}
}

func TestClientSecretOnlyWhenSet(t *testing.T) {
	cs := clientSettingsIn(clientSettingsReq{})
	if out := clientOut(clientFrom(cs)); out.ClientSecret != nil {
		t.Errorf("ClientSecret = %q for a client without one", *out.ClientSecret)
	}
	cs.Secret = "s3cret"
	if got := api.ToString(clientOut(clientFrom(cs)).ClientSecret); got != "s3cret" {
		t.Errorf("ClientSecret = %q, want s3cret", got)
	}
}
