package e2e

import (
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/google/go-cmp/cmp"
)

func attr(name, value string) types.AttributeType {
	return types.AttributeType{Name: aws.String(name), Value: aws.String(value)}
}

func (e *sdkEnv) selfAttrs(token string) map[string]string {
	e.t.Helper()
	out, err := e.c.GetUser(e.ctx, &cip.GetUserInput{AccessToken: aws.String(token)})
	if err != nil {
		e.t.Fatalf("GetUser: %v", err)
	}
	return attrMap(out.UserAttributes)
}

func (e *sdkEnv) updateAttrs(token string, attrs ...types.AttributeType) (*cip.UpdateUserAttributesOutput, error) {
	return e.c.UpdateUserAttributes(e.ctx, &cip.UpdateUserAttributesInput{AccessToken: aws.String(token), UserAttributes: attrs})
}

func (e *sdkEnv) verifyAttr(token, name, code string) error {
	_, err := e.c.VerifyUserAttribute(e.ctx, &cip.VerifyUserAttributeInput{AccessToken: aws.String(token),
		AttributeName: aws.String(name), Code: aws.String(code)})
	return err
}

// TestSDKCustomAttributes: AddCustomAttributes, then the schema's types,
// constraints and mutability enforced on self-service writes.
func TestSDKCustomAttributes(t *testing.T) {
	e := newSDKEnv(t)
	pool := e.pool()
	client := *e.client(pool).ClientId
	_, err := e.c.AddCustomAttributes(e.ctx, &cip.AddCustomAttributesInput{UserPoolId: aws.String(pool), CustomAttributes: []types.SchemaAttributeType{
		{Name: aws.String("tier"), AttributeDataType: types.AttributeDataTypeString, StringAttributeConstraints: &types.StringAttributeConstraintsType{MinLength: aws.String("1"), MaxLength: aws.String("5")}},
		{Name: aws.String("level"), AttributeDataType: types.AttributeDataTypeNumber, NumberAttributeConstraints: &types.NumberAttributeConstraintsType{MinValue: aws.String("1"), MaxValue: aws.String("10")}},
		{Name: aws.String("plan"), AttributeDataType: types.AttributeDataTypeString, Mutable: aws.Bool(false)},
		{Name: aws.String("secret"), AttributeDataType: types.AttributeDataTypeString, DeveloperOnlyAttribute: aws.Bool(true)},
	}})
	if err != nil {
		t.Fatalf("AddCustomAttributes: %v", err)
	}
	desc := must[*cip.DescribeUserPoolOutput](t, "DescribeUserPool")(e.c.DescribeUserPool(e.ctx, &cip.DescribeUserPoolInput{UserPoolId: aws.String(pool)}))
	got := map[string]types.SchemaAttributeType{}
	for _, a := range desc.UserPool.SchemaAttributes {
		got[*a.Name] = a
	}
	if a := got["custom:tier"]; a.AttributeDataType != types.AttributeDataTypeString || aws.ToString(a.StringAttributeConstraints.MaxLength) != "5" || !aws.ToBool(a.Mutable) {
		t.Errorf("custom:tier = %+v", a)
	}
	if a := got["custom:plan"]; aws.ToBool(a.Mutable) {
		t.Errorf("custom:plan is mutable")
	}
	// Developer-only attributes are dev:custom:<name>, as CreateUserPool's
	// sample response names one ("dev:custom:mydev").
	if a, ok := got["dev:custom:secret"]; !ok || !aws.ToBool(a.DeveloperOnlyAttribute) {
		t.Errorf("dev:custom:secret = %+v (present %v)", a, ok)
	}
	if _, ok := got["custom:secret"]; ok {
		t.Errorf("a developer-only attribute is also described as custom:secret")
	}
	_, err = e.c.AddCustomAttributes(e.ctx, &cip.AddCustomAttributesInput{UserPoolId: aws.String(pool), CustomAttributes: []types.SchemaAttributeType{
		{Name: aws.String("secret"), AttributeDataType: types.AttributeDataTypeString}}})
	wantErr[*types.InvalidParameterException](t, err, "Existing attribute already has name custom:secret.")
	_, err = e.c.AddCustomAttributes(e.ctx, &cip.AddCustomAttributesInput{UserPoolId: aws.String(pool), CustomAttributes: []types.SchemaAttributeType{
		{Name: aws.String("tier"), AttributeDataType: types.AttributeDataTypeString}}})
	wantErr[*types.InvalidParameterException](t, err, "Existing attribute already has name custom:tier.")

	// Immutable attributes are written at creation only.
	_, err = e.c.AdminCreateUser(e.ctx, &cip.AdminCreateUserInput{UserPoolId: aws.String(pool), Username: aws.String("ann"),
		MessageAction: types.MessageActionTypeSuppress, UserAttributes: []types.AttributeType{attr("custom:plan", "basic")}})
	if err != nil {
		t.Fatalf("AdminCreateUser: %v", err)
	}
	e.setPassword(pool, "ann", "Perm#Pass1", true)
	tok := *e.tokens(client, "ann", "Perm#Pass1").AccessToken
	if _, err := e.updateAttrs(tok, attr("custom:tier", "gold"), attr("custom:level", "7"), attr("given_name", "Ann")); err != nil {
		t.Fatalf("UpdateUserAttributes: %v", err)
	}
	_, err = e.updateAttrs(tok, attr("custom:tier", "platinum"))
	wantErr[*types.InvalidParameterException](t, err, "Attributes did not conform to the schema: custom:tier: String must be no longer than 5 characters\n")
	_, err = e.updateAttrs(tok, attr("custom:level", "11"))
	wantErr[*types.InvalidParameterException](t, err, "Attributes did not conform to the schema: custom:level: Number must be no greater than 10\n")
	_, err = e.updateAttrs(tok, attr("custom:plan", "pro"))
	wantErr[*types.InvalidParameterException](t, err, "user.custom:plan: Attribute cannot be updated.") // aws-amplify/amplify-swift#3981's form
	_, err = e.updateAttrs(tok, attr("custom:nope", "x"))
	wantErr[*types.InvalidParameterException](t, err, "Attributes did not conform to the schema: custom:nope: Attribute does not exist in the schema.\n")
	_, err = e.updateAttrs(tok, attr("dev:custom:secret", "x"))
	wantErr[*types.NotAuthorizedException](t, err, "A client attempted to write unauthorized attribute")
	// Only the administrator writes it.
	if _, err := e.c.AdminUpdateUserAttributes(e.ctx, &cip.AdminUpdateUserAttributesInput{UserPoolId: aws.String(pool), Username: aws.String("ann"),
		UserAttributes: []types.AttributeType{attr("dev:custom:secret", "s3")}}); err != nil {
		t.Errorf("AdminUpdateUserAttributes dev:custom:secret: %v", err)
	}
	if g := must[*cip.AdminGetUserOutput](t, "AdminGetUser")(e.c.AdminGetUser(e.ctx, &cip.AdminGetUserInput{UserPoolId: aws.String(pool),
		Username: aws.String("ann")})); !slices.ContainsFunc(g.UserAttributes, func(a types.AttributeType) bool {
		return *a.Name == "dev:custom:secret" && *a.Value == "s3"
	}) {
		t.Errorf("AdminGetUser without dev:custom:secret: %v", g.UserAttributes)
	}
	_, err = e.updateAttrs(tok, attr("email_verified", "true"))
	wantErr[*types.NotAuthorizedException](t, err, "A client attempted to write unauthorized attribute")
	// The administrator's writes meet the same constraints.
	_, err = e.c.AdminUpdateUserAttributes(e.ctx, &cip.AdminUpdateUserAttributesInput{UserPoolId: aws.String(pool), Username: aws.String("ann"),
		UserAttributes: []types.AttributeType{attr("custom:tier", "platinum")}})
	wantErr[*types.InvalidParameterException](t, err, "Attributes did not conform to the schema: custom:tier: String must be no longer than 5 characters\n")
	_, err = e.c.AdminUpdateUserAttributes(e.ctx, &cip.AdminUpdateUserAttributesInput{UserPoolId: aws.String(pool), Username: aws.String("ann"),
		UserAttributes: []types.AttributeType{attr("custom:level", "seven")}})
	wantErr[*types.InvalidParameterException](t, err, "Attributes did not conform to the schema: custom:level: Number must be a number\n")
	_, err = e.c.AdminCreateUser(e.ctx, &cip.AdminCreateUserInput{UserPoolId: aws.String(pool), Username: aws.String("cy"),
		MessageAction: types.MessageActionTypeSuppress, UserAttributes: []types.AttributeType{attr("custom:level", "11")}})
	wantErr[*types.InvalidParameterException](t, err, "Attributes did not conform to the schema: custom:level: Number must be no greater than 10\n")
	// So do the attributes given with a new password (NEW_PASSWORD_REQUIRED).
	_, err = e.c.AdminCreateUser(e.ctx, &cip.AdminCreateUserInput{UserPoolId: aws.String(pool), Username: aws.String("dee"),
		TemporaryPassword: aws.String("Temp#Pass1"), MessageAction: types.MessageActionTypeSuppress})
	if err != nil {
		t.Fatalf("AdminCreateUser dee: %v", err)
	}
	first := must[*cip.InitiateAuthOutput](t, "InitiateAuth dee")(e.signIn(client, "dee", "Temp#Pass1"))
	_, err = e.respond(client, types.ChallengeNameTypeNewPasswordRequired, *first.Session,
		map[string]string{"USERNAME": "dee", "NEW_PASSWORD": "Perm#Pass1", "userAttributes.custom:tier": "platinum"})
	wantErr[*types.InvalidParameterException](t, err, "Attributes did not conform to the schema: custom:tier: String must be no longer than 5 characters\n")
	attrs := e.selfAttrs(tok)
	if attrs["custom:tier"] != "gold" || attrs["custom:level"] != "7" || attrs["custom:plan"] != "basic" || attrs["given_name"] != "Ann" {
		t.Errorf("attributes after updates: %v", attrs)
	}

	// DeleteUserAttributes.
	if _, err := e.c.DeleteUserAttributes(e.ctx, &cip.DeleteUserAttributesInput{AccessToken: aws.String(tok), UserAttributeNames: []string{"given_name", "custom:tier"}}); err != nil {
		t.Fatalf("DeleteUserAttributes: %v", err)
	}
	attrs = e.selfAttrs(tok)
	if _, ok := attrs["given_name"]; ok {
		t.Errorf("given_name survived DeleteUserAttributes")
	}
	_, err = e.c.DeleteUserAttributes(e.ctx, &cip.DeleteUserAttributesInput{AccessToken: aws.String(tok), UserAttributeNames: []string{"custom:plan"}})
	wantErr[*types.InvalidParameterException](t, err, "user.custom:plan: Attribute cannot be updated.")

	// A client that names its write attributes writes those only.
	narrow := *e.client(pool, func(in *cip.CreateUserPoolClientInput) { in.WriteAttributes = []string{"given_name"} }).ClientId
	ntok := *e.tokens(narrow, "ann", "Perm#Pass1").AccessToken
	if _, err := e.updateAttrs(ntok, attr("given_name", "Annie")); err != nil {
		t.Fatalf("UpdateUserAttributes given_name: %v", err)
	}
	_, err = e.updateAttrs(ntok, attr("family_name", "Lee"))
	wantErr[*types.NotAuthorizedException](t, err, "A client attempted to write unauthorized attribute")
	_, err = e.c.SignUp(e.ctx, &cip.SignUpInput{ClientId: aws.String(narrow), Username: aws.String("bo"), Password: aws.String("Perm#Pass1"),
		UserAttributes: []types.AttributeType{attr("family_name", "Lee")}})
	wantErr[*types.NotAuthorizedException](t, err, "A client attempted to write unauthorized attribute")
}

// TestSDKEmailChangeWithVerification: a changed email is unverified until
// its code comes back; GetUserAttributeVerificationCode sends another.
func TestSDKEmailChangeWithVerification(t *testing.T) {
	e := newSDKEnv(t)
	pool := e.emailVerifyPool()
	client := *e.client(pool).ClientId
	e.signedUp(client, "ann", "Perm#Pass1", "ann@example.com", 1)
	tok := *e.tokens(client, "ann", "Perm#Pass1").AccessToken

	out, err := e.updateAttrs(tok, attr("email", "new@example.com"))
	if err != nil {
		t.Fatalf("UpdateUserAttributes: %v", err)
	}
	if len(out.CodeDeliveryDetailsList) != 1 || deliveryOf(&out.CodeDeliveryDetailsList[0]) != [3]string{"n***@e***", "EMAIL", "email"} {
		t.Errorf("CodeDeliveryDetailsList = %+v", out.CodeDeliveryDetailsList)
	}
	if a := e.selfAttrs(tok); a["email"] != "new@example.com" || a["email_verified"] != "false" {
		t.Errorf("after the change: %v", a)
	}
	code := e.code("new@example.com", 1)
	wantErr[*types.CodeMismatchException](t, e.verifyAttr(tok, "email", otherCode(code)), msgMismatch)
	if err := e.verifyAttr(tok, "email", code); err != nil {
		t.Fatalf("VerifyUserAttribute: %v", err)
	}
	if a := e.selfAttrs(tok); a["email_verified"] != "true" {
		t.Errorf("after verification: %v", a)
	}
	wantErr[*types.ExpiredCodeException](t, e.verifyAttr(tok, "email", code), msgExpired)

	sent, err := e.c.GetUserAttributeVerificationCode(e.ctx, &cip.GetUserAttributeVerificationCodeInput{AccessToken: aws.String(tok), AttributeName: aws.String("email")})
	if err != nil || deliveryOf(sent.CodeDeliveryDetails) != [3]string{"n***@e***", "EMAIL", "email"} {
		t.Fatalf("GetUserAttributeVerificationCode: %v %v", err, sent)
	}
	if err := e.verifyAttr(tok, "email", e.code("new@example.com", 2)); err != nil {
		t.Fatalf("VerifyUserAttribute (second code): %v", err)
	}
	_, err = e.c.GetUserAttributeVerificationCode(e.ctx, &cip.GetUserAttributeVerificationCodeInput{AccessToken: aws.String(tok), AttributeName: aws.String("given_name")})
	wantErr[*types.InvalidParameterException](t, err, "Invalid attribute name: given_name can not be verified.")

	// A code sent to one address does not verify another.
	must[*cip.UpdateUserAttributesOutput](t, "UpdateUserAttributes")(e.updateAttrs(tok, attr("email", "third@example.com")))
	stale := e.code("third@example.com", 1)
	must[*cip.UpdateUserAttributesOutput](t, "UpdateUserAttributes")(e.updateAttrs(tok, attr("email", "fourth@example.com")))
	wantErr[*types.CodeMismatchException](t, e.verifyAttr(tok, "email", stale), msgMismatch)
}

// TestSDKVerificationBeforeUpdate: with AttributesRequireVerificationBeforeUpdate
// the old email stays (and keeps signing in) until the new one is verified.
func TestSDKVerificationBeforeUpdate(t *testing.T) {
	e := newSDKEnv(t)
	pool := e.emailVerifyPool(func(in *cip.CreateUserPoolInput) {
		in.AliasAttributes = []types.AliasAttributeType{types.AliasAttributeTypeEmail}
		in.UserAttributeUpdateSettings = &types.UserAttributeUpdateSettingsType{
			AttributesRequireVerificationBeforeUpdate: []types.VerifiedAttributeType{types.VerifiedAttributeTypeEmail}}
	})
	client := *e.client(pool).ClientId
	e.signedUp(client, "ann", "Perm#Pass1", "old@example.com", 1)
	tok := *e.tokens(client, "old@example.com", "Perm#Pass1").AccessToken

	out, err := e.updateAttrs(tok, attr("email", "new@example.com"))
	if err != nil || len(out.CodeDeliveryDetailsList) != 1 {
		t.Fatalf("UpdateUserAttributes: %v %+v", err, out)
	}
	want := map[string]string{"email": "old@example.com", "email_verified": "true"}
	a := e.selfAttrs(tok)
	if diff := cmp.Diff(want, map[string]string{"email": a["email"], "email_verified": a["email_verified"]}); diff != "" {
		t.Errorf("before verification (-want +got):\n%s", diff)
	}
	e.tokens(client, "old@example.com", "Perm#Pass1")
	_, err = e.signIn(client, "new@example.com", "Perm#Pass1")
	wantErr[*types.UserNotFoundException](t, err, "User does not exist.")

	if err := e.verifyAttr(tok, "email", e.code("new@example.com", 1)); err != nil {
		t.Fatalf("VerifyUserAttribute: %v", err)
	}
	a = e.selfAttrs(tok)
	if a["email"] != "new@example.com" || a["email_verified"] != "true" {
		t.Errorf("after verification: %v", a)
	}
	e.tokens(client, "new@example.com", "Perm#Pass1")
	_, err = e.signIn(client, "old@example.com", "Perm#Pass1")
	wantErr[*types.UserNotFoundException](t, err, "User does not exist.")

	// An administrator may confirm a waiting value instead of the code:
	// "You can also call the AdminUpdateUserAttributes API and set
	// email_verified or phone_number_verified to true"
	// (API_UserAttributeUpdateSettingsType.html).
	if _, err := e.updateAttrs(tok, attr("email", "third@example.com")); err != nil {
		t.Fatal(err)
	}
	if a = e.selfAttrs(tok); a["email"] != "new@example.com" {
		t.Fatalf("a second change did not wait: %v", a)
	}
	must[*cip.AdminUpdateUserAttributesOutput](t, "AdminUpdateUserAttributes")(e.c.AdminUpdateUserAttributes(e.ctx, &cip.AdminUpdateUserAttributesInput{
		UserPoolId: aws.String(pool), Username: aws.String("ann"), UserAttributes: []types.AttributeType{attr("email_verified", "true")}}))
	if a = e.selfAttrs(tok); a["email"] != "third@example.com" || a["email_verified"] != "true" {
		t.Errorf("after an administrator verified the waiting email: %v", a)
	}
	e.tokens(client, "third@example.com", "Perm#Pass1")
}

// TestSDKGetUserReadAttributes: GetUser shows the attributes the access
// token's app client may read (its ReadAttributes, and sub), all of them
// for a client that names none.
func TestSDKGetUserReadAttributes(t *testing.T) {
	e := newSDKEnv(t)
	pool := e.pool()
	all := *e.client(pool).ClientId
	narrow := *e.client(pool, func(in *cip.CreateUserPoolClientInput) { in.ReadAttributes = []string{"email"} }).ClientId
	e.user(pool, "ann", "ann@example.com", "Perm#Pass1")
	must[*cip.AdminUpdateUserAttributesOutput](t, "AdminUpdateUserAttributes")(e.c.AdminUpdateUserAttributes(e.ctx, &cip.AdminUpdateUserAttributesInput{
		UserPoolId: aws.String(pool), Username: aws.String("ann"), UserAttributes: []types.AttributeType{attr("given_name", "Ann")}}))

	everything := e.selfAttrs(*e.tokens(all, "ann", "Perm#Pass1").AccessToken)
	if everything["given_name"] != "Ann" || everything["email"] != "ann@example.com" {
		t.Errorf("GetUser through a client without ReadAttributes: %v", everything)
	}
	got := e.selfAttrs(*e.tokens(narrow, "ann", "Perm#Pass1").AccessToken)
	if diff := cmp.Diff(map[string]string{"sub": everything["sub"], "email": "ann@example.com"}, got); diff != "" {
		t.Errorf("GetUser through a client that reads email (-want +got):\n%s", diff)
	}
}

// TestSDKRequiredAttributeKept: a blank value deletes an attribute, but not
// a required one, in UpdateUserAttributes and AdminUpdateUserAttributes as
// in DeleteUserAttributes (Cognito's answer quoted in
// https://github.com/aws-amplify/aws-sdk-ios/issues/4251).
func TestSDKRequiredAttributeKept(t *testing.T) {
	e := newSDKEnv(t)
	pool := e.pool(func(in *cip.CreateUserPoolInput) {
		in.Schema = []types.SchemaAttributeType{{Name: aws.String("email"), AttributeDataType: types.AttributeDataTypeString,
			Required: aws.Bool(true), Mutable: aws.Bool(true)}}
	})
	client := *e.client(pool).ClientId
	e.user(pool, "ann", "ann@example.com", "Perm#Pass1")
	tok := *e.tokens(client, "ann", "Perm#Pass1").AccessToken

	const msg = "user.email: Required attribute cannot be deleted."
	_, err := e.updateAttrs(tok, attr("email", ""))
	wantErr[*types.InvalidParameterException](t, err, msg)
	_, err = e.c.AdminUpdateUserAttributes(e.ctx, &cip.AdminUpdateUserAttributesInput{UserPoolId: aws.String(pool), Username: aws.String("ann"),
		UserAttributes: []types.AttributeType{attr("given_name", "Ann"), attr("email", "")}})
	wantErr[*types.InvalidParameterException](t, err, msg)
	if a := e.selfAttrs(tok); a["email"] != "ann@example.com" || a["given_name"] != "" {
		t.Errorf("after the refused updates: %v", a)
	}
	// Blank values of attributes that are not required still delete.
	must[*cip.UpdateUserAttributesOutput](t, "UpdateUserAttributes")(e.updateAttrs(tok, attr("given_name", "Ann")))
	must[*cip.UpdateUserAttributesOutput](t, "UpdateUserAttributes")(e.updateAttrs(tok, attr("given_name", "")))
	if _, ok := e.selfAttrs(tok)["given_name"]; ok {
		t.Errorf("given_name survived a blank value")
	}
}

// TestSDKAttributeValueLength: a value holds up to 2048 characters as the
// model counts them, in UTF-16 units (the model's AttributeValueType, max
// 2048; quotas.html: "Maximum length of a custom attribute value: 2048
// characters"), not bytes: 2048 two-byte "é" fit, and 1024 emoji (two
// units each); 1025 emoji do not.
func TestSDKAttributeValueLength(t *testing.T) {
	e := newSDKEnv(t)
	pool := e.pool()
	create := func(name, nickname string) error {
		_, err := e.c.AdminCreateUser(e.ctx, &cip.AdminCreateUserInput{UserPoolId: aws.String(pool), Username: aws.String(name),
			MessageAction:  types.MessageActionTypeSuppress,
			UserAttributes: []types.AttributeType{{Name: aws.String("nickname"), Value: aws.String(nickname)}}})
		return err
	}
	if err := create("fits", strings.Repeat("é", 2048)); err != nil {
		t.Errorf("2048 characters (4096 bytes): %v", err)
	}
	if err := create("emoji", strings.Repeat("😀", 1024)); err != nil {
		t.Errorf("1024 emoji (2048 UTF-16 units): %v", err)
	}
	// The model's own check answers first, in its words.
	wantErr[*types.InvalidParameterException](t, create("over", strings.Repeat("😀", 1025)),
		"1 validation error detected: Value at 'userAttributes.1.member.value' failed to satisfy constraint: Member must have length less than or equal to 2048")
}
