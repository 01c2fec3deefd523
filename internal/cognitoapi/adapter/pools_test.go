package adapter

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	api "github.com/ninshou/ninshou/internal/cognitoapi"
	"github.com/ninshou/ninshou/internal/idp"
)

// poolFrom builds the pool the domain would store for these settings,
// without the standard schema the domain merges in.
func poolFrom(ps idp.PoolSettings, schema []idp.SchemaAttribute) *idp.Pool {
	ps.Schema = schema
	at := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	return &idp.Pool{ID: "eu-west-1_AbC123xyz", Name: "p", CreatedAt: at, UpdatedAt: at, PoolSettings: ps}
}

// fullCreateRequest sets every CreateUserPool member the domain keeps.
func fullCreateRequest() *api.CreateUserPoolRequest {
	return &api.CreateUserPoolRequest{
		PoolName: api.String("p"),
		Policies: &api.UserPoolPolicyType{
			PasswordPolicy: &api.PasswordPolicyType{
				MinimumLength: api.Int32(12), RequireUppercase: api.Bool(false), RequireLowercase: api.Bool(true),
				RequireNumbers: api.Bool(true), RequireSymbols: api.Bool(false),
				PasswordHistorySize: api.Int32(5), TemporaryPasswordValidityDays: api.Int32(3),
			},
			SignInPolicy: &api.SignInPolicyType{AllowedFirstAuthFactors: []string{"PASSWORD", "EMAIL_OTP"}},
		},
		DeletionProtection: api.String("ACTIVE"),
		LambdaConfig: &api.LambdaConfigType{
			PreSignUp:         api.String("arn:aws:lambda:eu-west-1:1:function:pre"),
			KMSKeyID:          api.String("arn:aws:kms:eu-west-1:1:key/k"),
			CustomEmailSender: &api.CustomEmailLambdaVersionConfigType{LambdaArn: api.String("arn:aws:lambda:eu-west-1:1:function:mail"), LambdaVersion: api.String("V1_0")},
		},
		AutoVerifiedAttributes:   []string{"email"},
		UsernameAttributes:       []string{"email"},
		SmsVerificationMessage:   api.String("code {####}"),
		EmailVerificationMessage: api.String("mail code {####}"),
		EmailVerificationSubject: api.String("subject"),
		VerificationMessageTemplate: &api.VerificationMessageTemplateType{
			SmsMessage: api.String("code {####}"), EmailMessage: api.String("mail code {####}"), EmailSubject: api.String("subject"),
			EmailMessageByLink: api.String("click {##Click##}"),
			DefaultEmailOption: api.String("CONFIRM_WITH_LINK"),
		},
		SmsAuthenticationMessage:    api.String("auth {####}"),
		MfaConfiguration:            api.String("OPTIONAL"),
		UserAttributeUpdateSettings: &api.UserAttributeUpdateSettingsType{AttributesRequireVerificationBeforeUpdate: []string{"email"}},
		DeviceConfiguration:         &api.DeviceConfigurationType{ChallengeRequiredOnNewDevice: api.Bool(true), DeviceOnlyRememberedOnUserPrompt: api.Bool(false)},
		EmailConfiguration: &api.EmailConfigurationType{
			SourceArn: api.String("arn:aws:ses:eu-west-1:1:identity/a@b.c"), EmailSendingAccount: api.String("DEVELOPER"),
			From: api.String("A <a@b.c>"), ReplyToEmailAddress: api.String("r@b.c"), ConfigurationSet: api.String("cs"),
		},
		SmsConfiguration: &api.SmsConfigurationType{SnsCallerArn: api.String("arn:aws:iam::1:role/sms"), ExternalId: api.String("x"), SnsRegion: api.String("eu-west-1")},
		UserPoolTags:     map[string]string{"team": "id"},
		AdminCreateUserConfig: &api.AdminCreateUserConfigType{
			AllowAdminCreateUserOnly:  api.Bool(true),
			UnusedAccountValidityDays: api.Int32(4),
			InviteMessageTemplate:     &api.MessageTemplateType{EmailMessage: api.String("{username} {####}"), EmailSubject: api.String("hi")},
		},
		Schema: []api.SchemaAttributeType{{
			Name: api.String("custom:tier"), AttributeDataType: api.String("Number"), DeveloperOnlyAttribute: api.Bool(false),
			Mutable: api.Bool(true), Required: api.Bool(false),
			NumberAttributeConstraints: &api.NumberAttributeConstraintsType{MinValue: api.String("1"), MaxValue: api.String("9")},
		}},
		UserPoolAddOns: &api.UserPoolAddOnsType{AdvancedSecurityMode: api.String("AUDIT"),
			AdvancedSecurityAdditionalFlows: &api.AdvancedSecurityAdditionalFlowsType{CustomAuthMode: api.String("AUDIT")}},
		UsernameConfiguration:  &api.UsernameConfigurationType{CaseSensitive: api.Bool(false)},
		AccountRecoverySetting: &api.AccountRecoverySettingType{RecoveryMechanisms: []api.RecoveryOptionType{{Priority: api.Int32(1), Name: api.String("verified_email")}}},
		UserPoolTier:           api.String("PLUS"),
	}
}

// TestPoolRoundTrip checks that every member CreateUserPool takes comes
// back from DescribeUserPool as given.
func TestPoolRoundTrip(t *testing.T) {
	in := fullCreateRequest()
	ps, schema := createSettings(in)
	if !ps.MFA.SmsEnabled {
		t.Error("MFA OPTIONAL with an SMS configuration should enable SMS MFA")
	}
	out := poolOut(poolFrom(ps, schema), 3)

	checks := []struct {
		name      string
		give, got any
	}{
		{"Policies", in.Policies, out.Policies},
		{"DeletionProtection", in.DeletionProtection, out.DeletionProtection},
		{"LambdaConfig", in.LambdaConfig, out.LambdaConfig},
		{"AutoVerifiedAttributes", in.AutoVerifiedAttributes, out.AutoVerifiedAttributes},
		{"UsernameAttributes", in.UsernameAttributes, out.UsernameAttributes},
		{"SmsVerificationMessage", in.SmsVerificationMessage, out.SmsVerificationMessage},
		{"EmailVerificationMessage", in.EmailVerificationMessage, out.EmailVerificationMessage},
		{"EmailVerificationSubject", in.EmailVerificationSubject, out.EmailVerificationSubject},
		{"VerificationMessageTemplate", in.VerificationMessageTemplate, out.VerificationMessageTemplate},
		{"SmsAuthenticationMessage", in.SmsAuthenticationMessage, out.SmsAuthenticationMessage},
		{"MfaConfiguration", in.MfaConfiguration, out.MfaConfiguration},
		{"UserAttributeUpdateSettings", in.UserAttributeUpdateSettings, out.UserAttributeUpdateSettings},
		{"DeviceConfiguration", in.DeviceConfiguration, out.DeviceConfiguration},
		{"EmailConfiguration", in.EmailConfiguration, out.EmailConfiguration},
		{"SmsConfiguration", in.SmsConfiguration, out.SmsConfiguration},
		{"UserPoolTags", in.UserPoolTags, out.UserPoolTags},
		{"AdminCreateUserConfig", in.AdminCreateUserConfig, out.AdminCreateUserConfig},
		{"SchemaAttributes", in.Schema, out.SchemaAttributes},
		{"UserPoolAddOns", in.UserPoolAddOns, out.UserPoolAddOns},
		{"UsernameConfiguration", in.UsernameConfiguration, out.UsernameConfiguration},
		{"AccountRecoverySetting", in.AccountRecoverySetting, out.AccountRecoverySetting},
		{"UserPoolTier", in.UserPoolTier, out.UserPoolTier},
	}
	for _, c := range checks {
		if d := cmp.Diff(c.give, c.got); d != "" {
			t.Errorf("%s (-given +described):\n%s", c.name, d)
		}
	}
	if got, want := api.ToString(out.Arn), "arn:aws:cognito-idp:eu-west-1:000000000000:userpool/eu-west-1_AbC123xyz"; got != want {
		t.Errorf("Arn = %q, want %q", got, want)
	}
	if got := api.ToInt32(out.EstimatedNumberOfUsers); got != 3 {
		t.Errorf("EstimatedNumberOfUsers = %d, want 3", got)
	}
}

// TestDefaultPoolShape pins what a pool created with nothing but a name
// reports, member by member, on the wire.
func TestDefaultPoolShape(t *testing.T) {
	ps, schema := createSettings(&api.CreateUserPoolRequest{PoolName: api.String("p")})
	b, err := json.Marshal(poolOut(poolFrom(ps, schema), 0))
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	delete(got, "CreationDate")
	delete(got, "LastModifiedDate")
	delete(got, "SchemaAttributes") // merged in by the domain
	want := map[string]any{
		"Id":   "eu-west-1_AbC123xyz",
		"Name": "p",
		"Policies": map[string]any{
			"PasswordPolicy": map[string]any{
				"MinimumLength": 8.0, "RequireUppercase": true, "RequireLowercase": true,
				"RequireNumbers": true, "RequireSymbols": true, "TemporaryPasswordValidityDays": 7.0,
			},
			"SignInPolicy": map[string]any{"AllowedFirstAuthFactors": []any{"PASSWORD"}},
		},
		"DeletionProtection":          "INACTIVE",
		"LambdaConfig":                map[string]any{},
		"VerificationMessageTemplate": map[string]any{"DefaultEmailOption": "CONFIRM_WITH_CODE"},
		"UserAttributeUpdateSettings": map[string]any{"AttributesRequireVerificationBeforeUpdate": []any{}},
		"MfaConfiguration":            "OFF",
		"EstimatedNumberOfUsers":      0.0,
		"EmailConfiguration":          map[string]any{"EmailSendingAccount": "COGNITO_DEFAULT"},
		"UserPoolTags":                map[string]any{},
		"AdminCreateUserConfig":       map[string]any{"AllowAdminCreateUserOnly": false, "UnusedAccountValidityDays": 7.0},
		"Arn":                         "arn:aws:cognito-idp:eu-west-1:000000000000:userpool/eu-west-1_AbC123xyz",
		"UserPoolTier":                "ESSENTIALS",
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("default pool (-want +got):\n%s", d)
	}
}

func TestUpdateSettingsResetsButKeepsMFAFactors(t *testing.T) {
	cur, _ := createSettings(fullCreateRequest())
	cur.MFA.TotpEnabled = true
	cur.MFA.EmailEnabled = true
	cur.MFA.EmailMessage = "otp {####}"
	cur.MFA.WebAuthnRelyingPartyID = "auth.example.com"

	next := updateSettings(&cur, &api.UpdateUserPoolRequest{
		UserPoolId:       api.String("eu-west-1_AbC123xyz"),
		MfaConfiguration: api.String("ON"),
	})

	want := idp.NewPoolSettings()
	want.MFA = cur.MFA
	want.MFA.Mode = "ON"
	want.MFA.SmsMessage = "" // SmsAuthenticationMessage left out: back to the default
	want.Tags = cur.Tags
	want.Tier = cur.Tier
	want.UsernameAttributes = cur.UsernameAttributes
	want.CaseSensitive = cur.CaseSensitive
	if d := cmp.Diff(want, next); d != "" {
		t.Errorf("UpdateUserPool settings (-want +got):\n%s", d)
	}

	next = updateSettings(&cur, &api.UpdateUserPoolRequest{UserPoolTags: map[string]string{}, UserPoolTier: api.String("LITE")})
	if len(next.Tags) != 0 || next.Tier != "LITE" {
		t.Errorf("given UserPoolTags {} and tier LITE: tags %v, tier %q", next.Tags, next.Tier)
	}
}

func TestMfaOut(t *testing.T) {
	ps := idp.NewPoolSettings()
	b, err := json.Marshal(mfaOut(poolFrom(ps, nil)))
	if err != nil {
		t.Fatal(err)
	}
	want := `{"SoftwareTokenMfaConfiguration":{"Enabled":false},"MfaConfiguration":"OFF","WebAuthnConfiguration":{"UserVerification":"preferred"}}`
	if string(b) != want {
		t.Errorf("fresh pool MFA config\n got %s\nwant %s", b, want)
	}

	ps.MFA = idp.MFAConfig{Mode: "OPTIONAL", SmsEnabled: true, SmsMessage: "sms {####}", EmailEnabled: true, EmailMessage: "m {####}", EmailSubject: "s",
		WebAuthnRelyingPartyID: "auth.example.com", WebAuthnUserVerification: "required"}
	ps.Sms = &idp.SmsConfig{SnsCallerArn: "arn:aws:iam::1:role/sms"}
	got := mfaOut(poolFrom(ps, nil))
	wantOut := &api.GetUserPoolMfaConfigResponse{
		SmsMfaConfiguration: &api.SmsMfaConfigType{
			SmsAuthenticationMessage: api.String("sms {####}"),
			SmsConfiguration:         &api.SmsConfigurationType{SnsCallerArn: api.String("arn:aws:iam::1:role/sms")},
		},
		SoftwareTokenMfaConfiguration: &api.SoftwareTokenMfaConfigType{Enabled: api.Bool(false)},
		EmailMfaConfiguration:         &api.EmailMfaConfigType{Message: api.String("m {####}"), Subject: api.String("s")},
		MfaConfiguration:              api.String("OPTIONAL"),
		WebAuthnConfiguration:         &api.WebAuthnConfigurationType{RelyingPartyId: api.String("auth.example.com"), UserVerification: api.String("required")},
	}
	if d := cmp.Diff(wantOut, got); d != "" {
		t.Errorf("MFA config (-want +got):\n%s", d)
	}
}

func TestLambdaOmitsEmpty(t *testing.T) {
	if m := lambdaIn(&api.LambdaConfigType{}); m != nil {
		t.Errorf("lambdaIn({}) = %v, want nil", m)
	}
	if d := cmp.Diff(&api.LambdaConfigType{}, lambdaOut(nil)); d != "" {
		t.Errorf("lambdaOut(nil) (-want +got):\n%s", d)
	}
}

// TestPoolMirroredMembers: members Cognito reports twice come back in both
// places, whichever one the pool set, as the CLI's examples show them
// (describe-user-pool.rst, list-user-pools.rst).
func TestPoolMirroredMembers(t *testing.T) {
	legacy := &api.CreateUserPoolRequest{PoolName: api.String("p"),
		EmailVerificationMessage: api.String("code {####}"), EmailVerificationSubject: api.String("s"), SmsVerificationMessage: api.String("sms {####}"),
		LambdaConfig:   &api.LambdaConfigType{PreTokenGeneration: api.String("arn:aws:lambda:eu-west-1:1:function:v1")},
		Policies:       &api.UserPoolPolicyType{PasswordPolicy: &api.PasswordPolicyType{MinimumLength: api.Int32(8), TemporaryPasswordValidityDays: api.Int32(1)}},
		UserPoolAddOns: &api.UserPoolAddOnsType{AdvancedSecurityMode: api.String("ENFORCED")},
	}
	ps, schema := createSettings(legacy)
	out := poolOut(poolFrom(ps, schema), 0)
	vt := out.VerificationMessageTemplate
	if api.ToString(vt.EmailMessage) != "code {####}" || api.ToString(vt.EmailSubject) != "s" || api.ToString(vt.SmsMessage) != "sms {####}" {
		t.Errorf("the template of a pool that set the legacy members: %+v", vt)
	}
	if c := out.LambdaConfig.PreTokenGenerationConfig; c == nil || api.ToString(c.LambdaArn) != "arn:aws:lambda:eu-west-1:1:function:v1" || api.ToString(c.LambdaVersion) != "V1_0" {
		t.Errorf("PreTokenGenerationConfig of a PreTokenGeneration function: %+v", c)
	}
	if got := api.ToInt32(out.AdminCreateUserConfig.UnusedAccountValidityDays); got != 1 {
		t.Errorf("UnusedAccountValidityDays = %d; want TemporaryPasswordValidityDays, 1", got)
	}
	if a := out.UserPoolAddOns; a == nil || a.AdvancedSecurityAdditionalFlows == nil || a.AdvancedSecurityAdditionalFlows.CustomAuthMode != nil {
		t.Errorf("UserPoolAddOns = %+v; want AdvancedSecurityAdditionalFlows {}", a)
	}

	modern := &api.CreateUserPoolRequest{PoolName: api.String("p"),
		VerificationMessageTemplate: &api.VerificationMessageTemplateType{EmailMessage: api.String("code {####}"), EmailSubject: api.String("s"), SmsMessage: api.String("sms {####}")},
		LambdaConfig: &api.LambdaConfigType{PreTokenGenerationConfig: &api.PreTokenGenerationVersionConfigType{
			LambdaArn: api.String("arn:aws:lambda:eu-west-1:1:function:v2"), LambdaVersion: api.String("V2_0")}},
	}
	ps, schema = createSettings(modern)
	out = poolOut(poolFrom(ps, schema), 0)
	if api.ToString(out.EmailVerificationMessage) != "code {####}" || api.ToString(out.EmailVerificationSubject) != "s" || api.ToString(out.SmsVerificationMessage) != "sms {####}" {
		t.Errorf("the legacy members of a pool that set the template: %v %v %v", out.EmailVerificationMessage, out.EmailVerificationSubject, out.SmsVerificationMessage)
	}
	if got := api.ToString(out.LambdaConfig.PreTokenGeneration); got != "arn:aws:lambda:eu-west-1:1:function:v2" {
		t.Errorf("PreTokenGeneration of a PreTokenGenerationConfig function: %q", got)
	}
	if got := api.ToInt32(out.AdminCreateUserConfig.UnusedAccountValidityDays); got != 7 {
		t.Errorf("UnusedAccountValidityDays = %d; want the default 7", got)
	}
	if out.UserPoolAddOns != nil {
		t.Errorf("UserPoolAddOns of a pool without threat protection: %+v", out.UserPoolAddOns)
	}
}
