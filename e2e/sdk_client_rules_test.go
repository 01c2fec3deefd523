package e2e

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/google/go-cmp/cmp"
)

// Rules of app client settings that Cognito checks across members: the
// OAuth settings, redirect URLs, the secret, the refresh token default.

// oauth is the OAuth part of a client: the authorization server allowed,
// the flows, scopes and callback URLs given.
func oauth(flows []types.OAuthFlowType, scopes, callbacks []string) func(*cip.CreateUserPoolClientInput) {
	return func(in *cip.CreateUserPoolClientInput) {
		in.AllowedOAuthFlowsUserPoolClient = true
		in.AllowedOAuthFlows, in.AllowedOAuthScopes, in.CallbackURLs = flows, scopes, callbacks
		in.SupportedIdentityProviders = []string{"COGNITO"}
	}
}

// TestSDKClientOAuthRules: the OAuth settings of a client must go together,
// on CreateUserPoolClient and UpdateUserPoolClient alike.
// https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_CreateUserPoolClient.html
func TestSDKClientOAuthRules(t *testing.T) {
	e := newSDKEnv(t)
	pool := e.pool()
	must[*cip.CreateResourceServerOutput](t, "CreateResourceServer")(e.c.CreateResourceServer(e.ctx, &cip.CreateResourceServerInput{
		UserPoolId: aws.String(pool), Identifier: aws.String("api"), Name: aws.String("API"),
		Scopes: []types.ResourceServerScopeType{{ScopeName: aws.String("read"), ScopeDescription: aws.String("r")}}}))
	code := []types.OAuthFlowType{types.OAuthFlowTypeCode}
	cc := []types.OAuthFlowType{types.OAuthFlowTypeClientCredentials}
	cb := []string{"https://app.example/cb"}
	withSecret := func(in *cip.CreateUserPoolClientInput) { in.GenerateSecret = true }
	for _, c := range []struct {
		name    string
		changes []func(*cip.CreateUserPoolClientInput)
		invalid string // InvalidParameterException
		flow    string // InvalidOAuthFlowException
	}{
		{name: "no flows", changes: []func(*cip.CreateUserPoolClientInput){oauth(nil, []string{"openid"}, cb)},
			invalid: "AllowedOAuthFlows and AllowedOAuthScopes are required if user pool client is allowed to use OAuth flows."},
		{name: "no scopes", changes: []func(*cip.CreateUserPoolClientInput){oauth(code, nil, cb)},
			invalid: "AllowedOAuthFlows and AllowedOAuthScopes are required if user pool client is allowed to use OAuth flows."},
		{name: "code without callback URLs", changes: []func(*cip.CreateUserPoolClientInput){oauth(code, []string{"openid"}, nil)},
			flow: "CallbackUrls can not be empty when code flow or implicit flow is selected"},
		{name: "implicit without callback URLs", changes: []func(*cip.CreateUserPoolClientInput){oauth([]types.OAuthFlowType{types.OAuthFlowTypeImplicit}, []string{"openid"}, nil)},
			flow: "CallbackUrls can not be empty when code flow or implicit flow is selected"},
		{name: "client_credentials with code", changes: []func(*cip.CreateUserPoolClientInput){withSecret,
			oauth([]types.OAuthFlowType{types.OAuthFlowTypeClientCredentials, types.OAuthFlowTypeCode}, []string{"api/read"}, cb)},
			flow: "client_credentials flow can not be selected along with code flow or implicit flow."},
		{name: "client_credentials without a secret", changes: []func(*cip.CreateUserPoolClientInput){oauth(cc, []string{"api/read"}, nil)},
			flow: "client_credentials flow can not be selected if client does not have a client secret."},
		{name: "client_credentials with openid", changes: []func(*cip.CreateUserPoolClientInput){withSecret, oauth(cc, []string{"api/read", "openid"}, nil)},
			flow: "openid is not supported with client_credentials flow"},
	} {
		_, err := e.createClient(pool, func(in *cip.CreateUserPoolClientInput) {
			for _, f := range c.changes {
				f(in)
			}
		})
		if c.invalid != "" {
			wantErr[*types.InvalidParameterException](t, err, c.invalid)
		} else {
			wantErr[*types.InvalidOAuthFlowException](t, err, c.flow)
		}
	}

	// What goes together is accepted: a code client, a machine client.
	web := e.client(pool, oauth(code, []string{"openid"}, cb))
	e.client(pool, withSecret, oauth(cc, []string{"api/read"}, nil))
	// Update checks the same rules.
	_, err := e.c.UpdateUserPoolClient(e.ctx, &cip.UpdateUserPoolClientInput{UserPoolId: aws.String(pool), ClientId: web.ClientId,
		AllowedOAuthFlowsUserPoolClient: true, AllowedOAuthFlows: code, AllowedOAuthScopes: []string{"openid"}})
	wantErr[*types.InvalidOAuthFlowException](t, err, "CallbackUrls can not be empty when code flow or implicit flow is selected")
	_, err = e.c.UpdateUserPoolClient(e.ctx, &cip.UpdateUserPoolClientInput{UserPoolId: aws.String(pool), ClientId: web.ClientId,
		AllowedOAuthFlowsUserPoolClient: true, AllowedOAuthFlows: cc, AllowedOAuthScopes: []string{"api/read"}})
	wantErr[*types.InvalidOAuthFlowException](t, err, "client_credentials flow can not be selected if client does not have a client secret.")
}

// TestSDKClientRedirectURLs: callback and sign-out URLs are absolute, have no
// fragment and use HTTPS except on the loopback hosts; an app's own scheme
// is allowed; the default redirect URI is one of the callback URLs.
func TestSDKClientRedirectURLs(t *testing.T) {
	e := newSDKEnv(t)
	pool := e.pool()
	urls := func(callbacks, logouts []string, def string) func(*cip.CreateUserPoolClientInput) {
		return func(in *cip.CreateUserPoolClientInput) {
			in.CallbackURLs, in.LogoutURLs = callbacks, logouts
			if def != "" {
				in.DefaultRedirectURI = aws.String(def)
			}
		}
	}
	ok := []string{"https://app.example/cb", "http://localhost:3000/cb", "http://127.0.0.1:8080/cb", "http://[::1]:9000/cb", "myapp://signed-in"}
	got := e.client(pool, urls(ok, []string{"https://app.example/bye", "http://localhost/bye"}, "myapp://signed-in"))
	if !cmp.Equal(got.CallbackURLs, ok) || aws.ToString(got.DefaultRedirectURI) != "myapp://signed-in" {
		t.Errorf("CallbackURLs %v, DefaultRedirectURI %q", got.CallbackURLs, aws.ToString(got.DefaultRedirectURI))
	}
	for _, c := range []struct {
		name string
		set  func(*cip.CreateUserPoolClientInput)
		msg  string
	}{
		{"http callback", urls([]string{"http://app.example/cb"}, nil, ""), "http://app.example/cb cannot use the HTTP protocol."},
		{"http logout", urls(nil, []string{"http://app.example/bye"}, ""), "http://app.example/bye cannot use the HTTP protocol."},
		{"a fragment", urls([]string{"https://app.example/#/cb"}, nil, ""), "https://app.example/#/cb cannot include a fragment component."},
		{"relative", urls([]string{"/cb"}, nil, ""), "/cb is not an absolute URI."},
		{"default not a callback", urls([]string{"https://app.example/cb"}, nil, "https://other.example/cb"), "DefaultRedirectURI must be in CallbackURLs."},
	} {
		_, err := e.createClient(pool, c.set)
		wantErr[*types.InvalidParameterException](t, err, c.msg)
	}
	_, err := e.c.UpdateUserPoolClient(e.ctx, &cip.UpdateUserPoolClientInput{UserPoolId: aws.String(pool), ClientId: got.ClientId,
		CallbackURLs: []string{"http://192.168.1.50:5001/cb"}})
	wantErr[*types.InvalidParameterException](t, err, "http://192.168.1.50:5001/cb cannot use the HTTP protocol.")
}

// TestSDKClientSecretChoice: a client's secret is generated or given, not both.
func TestSDKClientSecretChoice(t *testing.T) {
	e := newSDKEnv(t)
	pool := e.pool()
	_, err := e.createClient(pool, func(in *cip.CreateUserPoolClientInput) {
		in.GenerateSecret, in.ClientSecret = true, aws.String("aSecretOfTheCallersOwnChoosing0123")
	})
	wantErr[*types.InvalidParameterException](t, err, "You cannot specify both GenerateSecret as true and provide a ClientSecret value.")
	given := e.client(pool, func(in *cip.CreateUserPoolClientInput) {
		in.ClientSecret = aws.String("aSecretOfTheCallersOwnChoosing0123")
	})
	if aws.ToString(given.ClientSecret) != "aSecretOfTheCallersOwnChoosing0123" {
		t.Errorf("ClientSecret %q", aws.ToString(given.ClientSecret))
	}
}

// TestSDKRefreshTokenValidityZero: RefreshTokenValidity 0 (which the Go SDK
// leaves out, as boto3 does not) is Cognito's default of 30 days, in
// whatever unit the client chose.
func TestSDKRefreshTokenValidityZero(t *testing.T) {
	e := newSDKEnv(t)
	pool := e.pool()
	for unit, want := range map[types.TimeUnitsType]int32{"": 30, types.TimeUnitsTypeDays: 30, types.TimeUnitsTypeHours: 720,
		types.TimeUnitsTypeMinutes: 43200, types.TimeUnitsTypeSeconds: 2592000} {
		c := e.client(pool, func(in *cip.CreateUserPoolClientInput) {
			in.RefreshTokenValidity = 0
			if unit != "" {
				in.TokenValidityUnits = &types.TokenValidityUnitsType{RefreshToken: unit}
			}
		})
		if c.RefreshTokenValidity != want {
			t.Errorf("unit %q: RefreshTokenValidity %d, want %d", unit, c.RefreshTokenValidity, want)
		}
	}
}

// TestSDKClientPropagateContextData: "You can only activate
// EnablePropagateAdditionalUserContextData in an app client that has a
// client secret." (API_CreateUserPoolClient); a public client could
// otherwise state the address threat protection judges it by.
func TestSDKClientPropagateContextData(t *testing.T) {
	e := newSDKEnv(t)
	pool := e.pool()
	const want = "You can only activate EnablePropagateAdditionalUserContextData in an app client that has a client secret."
	_, err := e.createClient(pool, func(in *cip.CreateUserPoolClientInput) { in.EnablePropagateAdditionalUserContextData = aws.Bool(true) })
	wantErr[*types.InvalidParameterException](t, err, want)
	public := e.client(pool)
	_, err = e.c.UpdateUserPoolClient(e.ctx, &cip.UpdateUserPoolClientInput{UserPoolId: aws.String(pool), ClientId: public.ClientId,
		EnablePropagateAdditionalUserContextData: aws.Bool(true)})
	wantErr[*types.InvalidParameterException](t, err, want)
	secret, err := e.createClient(pool, func(in *cip.CreateUserPoolClientInput) {
		in.GenerateSecret = true
		in.EnablePropagateAdditionalUserContextData = aws.Bool(true)
	})
	if err != nil || !aws.ToBool(secret.UserPoolClient.EnablePropagateAdditionalUserContextData) {
		t.Fatalf("a client with a secret: %v", err)
	}
}

// TestSDKClientWriteAttributes: a client may not write sub or a
// verification flag (a user could otherwise verify their own address
// through UpdateUserAttributes), must write every required attribute when
// it names any, and Cognito says "write" and "creating" or "updating"
// (aws/aws-cdk#2608 and #20760, aws/aws-sdk-java#1395).
func TestSDKClientWriteAttributes(t *testing.T) {
	e := newSDKEnv(t)
	pool := e.pool(func(in *cip.CreateUserPoolInput) {
		in.Schema = []types.SchemaAttributeType{{Name: aws.String("email"), AttributeDataType: types.AttributeDataTypeString,
			Required: aws.Bool(true), Mutable: aws.Bool(true)}}
	})
	client := *e.client(pool).ClientId
	for _, write := range [][]string{{"email", "email_verified"}, {"email", "phone_number_verified"}, {"email", "sub"}, {"given_name"}, {"email", "custom:nope"}} {
		_, err := e.c.CreateUserPoolClient(e.ctx, &cip.CreateUserPoolClientInput{UserPoolId: aws.String(pool), ClientName: aws.String("c"),
			WriteAttributes: write})
		wantErr[*types.InvalidParameterException](t, err, "Invalid write attributes specified while creating a client")
		_, err = e.c.UpdateUserPoolClient(e.ctx, &cip.UpdateUserPoolClientInput{UserPoolId: aws.String(pool), ClientId: aws.String(client),
			WriteAttributes: write})
		wantErr[*types.InvalidParameterException](t, err, "Invalid write attributes specified while updating a client")
	}
	_, err := e.c.UpdateUserPoolClient(e.ctx, &cip.UpdateUserPoolClientInput{UserPoolId: aws.String(pool), ClientId: aws.String(client),
		ReadAttributes: []string{"custom:nope"}})
	wantErr[*types.InvalidParameterException](t, err, "Invalid read attributes specified while updating a client")
	// Reading the flags and sub is fine, and so is writing the required email with others.
	must[*cip.CreateUserPoolClientOutput](t, "CreateUserPoolClient")(e.c.CreateUserPoolClient(e.ctx, &cip.CreateUserPoolClientInput{
		UserPoolId: aws.String(pool), ClientName: aws.String("c"), ReadAttributes: []string{"email", "email_verified", "sub"},
		WriteAttributes: []string{"email", "given_name"}}))
}
