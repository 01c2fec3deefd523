package e2e

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/google/go-cmp/cmp"
)

// TestOAuth2UserInfoScopes: what /oauth2/userInfo shows for each scope.
// "The profile scope grants access to all user attributes that are
// readable by the client" (cognito-user-pools-app-idp-settings.html), as
// openid alone does; without profile, email and phone show only their own
// attributes (userinfo-endpoint.html). An attribute the client may not
// read is never shown.
func TestOAuth2UserInfoScopes(t *testing.T) {
	e := newSDKEnv(t)
	pool := e.pool(func(in *cip.CreateUserPoolInput) {
		in.Schema = []types.SchemaAttributeType{{Name: aws.String("team"), AttributeDataType: types.AttributeDataTypeString, Mutable: aws.Bool(true)}}
	})
	const callback = "https://app.example/callback"
	clientID := *e.client(pool, oauthClient(types.OAuthFlowTypeCode, callback,
		[]string{"openid", "email", "phone", "profile"}, []string{"COGNITO"}), func(in *cip.CreateUserPoolClientInput) {
		in.ReadAttributes = []string{"email", "email_verified", "given_name", "phone_number", "custom:team"}
	}).ClientId
	must[*cip.AdminCreateUserOutput](t, "AdminCreateUser")(e.c.AdminCreateUser(e.ctx, &cip.AdminCreateUserInput{UserPoolId: &pool,
		Username: aws.String("ana"), MessageAction: types.MessageActionTypeSuppress, UserAttributes: []types.AttributeType{
			{Name: aws.String("email"), Value: aws.String("ana@example.com")}, {Name: aws.String("email_verified"), Value: aws.String("true")},
			{Name: aws.String("given_name"), Value: aws.String("Ana")}, {Name: aws.String("family_name"), Value: aws.String("Silva")},
			{Name: aws.String("phone_number"), Value: aws.String("+15555550100")}, {Name: aws.String("custom:team"), Value: aws.String("blue")}}}))
	e.setPassword(pool, "ana", "Perm#Pass1", true)
	var sub string
	for _, a := range must[*cip.AdminGetUserOutput](t, "AdminGetUser")(e.c.AdminGetUser(e.ctx, &cip.AdminGetUserInput{
		UserPoolId: &pool, Username: aws.String("ana")})).UserAttributes {
		if aws.ToString(a.Name) == "sub" {
			sub = aws.ToString(a.Value)
		}
	}

	readable := map[string]any{"sub": sub, "username": "ana", "email": "ana@example.com", "email_verified": "true",
		"given_name": "Ana", "phone_number": "+15555550100", "custom:team": "blue"}
	for _, c := range []struct {
		scope string
		want  map[string]any
	}{
		{"openid", readable},
		{"openid profile", readable},
		{"openid profile email", readable},
		{"openid email", map[string]any{"sub": sub, "username": "ana", "email": "ana@example.com", "email_verified": "true"}},
		{"openid phone", map[string]any{"sub": sub, "username": "ana", "phone_number": "+15555550100"}},
	} {
		tok := e.pageTokens(clientID, callback, c.scope, "ana", "Perm#Pass1")
		status, got := userInfoCall(t, e.URL, tok["access_token"].(string))
		if status != 200 {
			t.Errorf("userInfo with %q: %d %v", c.scope, status, got)
			continue
		}
		if diff := cmp.Diff(c.want, got); diff != "" {
			t.Errorf("userInfo with %q (-want +got):\n%s", c.scope, diff)
		}
	}
}
