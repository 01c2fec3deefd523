package e2e

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/google/go-cmp/cmp"
)

// Rules of user pool settings that Cognito checks across members: feature
// plans, MFA with passwordless first factors, the members that exclude or
// need each other, and renaming.

// TestSDKFeaturePlanLite: what needs the Essentials plan is refused on a
// Lite pool, set there or kept while the pool moves down to Lite.
// https://docs.aws.amazon.com/cognito/latest/developerguide/cognito-sign-in-feature-plans.html
func TestSDKFeaturePlanLite(t *testing.T) {
	e := newSDKEnv(t)
	lite := func(in *cip.CreateUserPoolInput) { in.UserPoolTier = types.UserPoolTierTypeLite }
	history := &types.UserPoolPolicyType{PasswordPolicy: &types.PasswordPolicyType{MinimumLength: aws.Int32(8), PasswordHistorySize: aws.Int32(5)}}
	passwordless := &types.UserPoolPolicyType{SignInPolicy: &types.SignInPolicyType{
		AllowedFirstAuthFactors: []types.AuthFactorType{types.AuthFactorTypePassword, types.AuthFactorTypeEmailOtp}}}

	_, err := e.c.CreateUserPool(e.ctx, &cip.CreateUserPoolInput{PoolName: aws.String("p"), UserPoolTier: types.UserPoolTierTypeLite, Policies: history})
	wantErr[*types.FeatureUnavailableInTierException](t, err, "The following features need to be disabled for the LITE pricing tier configured: Password history")
	_, err = e.c.CreateUserPool(e.ctx, &cip.CreateUserPoolInput{PoolName: aws.String("p"), UserPoolTier: types.UserPoolTierTypeLite, Policies: passwordless})
	wantErr[*types.FeatureUnavailableInTierException](t, err, "The following features need to be disabled for the LITE pricing tier configured: Choice-based sign-in")

	// A Lite pool with PASSWORD alone is fine; a USER_AUTH client is not.
	pool := e.pool(lite, func(in *cip.CreateUserPoolInput) {
		in.Policies = &types.UserPoolPolicyType{SignInPolicy: &types.SignInPolicyType{AllowedFirstAuthFactors: []types.AuthFactorType{types.AuthFactorTypePassword}}}
	})
	_, err = e.createClient(pool, func(in *cip.CreateUserPoolClientInput) {
		in.ExplicitAuthFlows = []types.ExplicitAuthFlowsType{types.ExplicitAuthFlowsTypeAllowUserAuth, types.ExplicitAuthFlowsTypeAllowRefreshTokenAuth}
	})
	wantErr[*types.FeatureUnavailableInTierException](t, err, "Choice-based sign-in (ALLOW_USER_AUTH) is not available in the LITE feature plan.")
	_, err = e.c.UpdateUserPool(e.ctx, &cip.UpdateUserPoolInput{UserPoolId: aws.String(pool), Policies: history})
	wantErr[*types.FeatureUnavailableInTierException](t, err, "The following features need to be disabled for the LITE pricing tier configured: Password history")

	// Moving down to Lite with the features on.
	essentials := e.pool()
	_, err = e.c.UpdateUserPool(e.ctx, &cip.UpdateUserPoolInput{UserPoolId: aws.String(essentials), Policies: passwordless, UserPoolTier: types.UserPoolTierTypeLite})
	wantErr[*types.FeatureUnavailableInTierException](t, err, "The following features need to be disabled for the LITE pricing tier configured: Choice-based sign-in")
	e.client(essentials, func(in *cip.CreateUserPoolClientInput) {
		in.ExplicitAuthFlows = append(passwordFlows, types.ExplicitAuthFlowsTypeAllowUserAuth)
	})
	_, err = e.c.UpdateUserPool(e.ctx, &cip.UpdateUserPoolInput{UserPoolId: aws.String(essentials), UserPoolTier: types.UserPoolTierTypeLite})
	wantErr[*types.FeatureUnavailableInTierException](t, err, "Choice-based sign-in (ALLOW_USER_AUTH) is not available in the LITE feature plan.")
	other := e.pool()
	e.emailMFA(other, types.UserPoolMfaTypeOptional)
	_, err = e.c.UpdateUserPool(e.ctx, &cip.UpdateUserPoolInput{UserPoolId: aws.String(other), MfaConfiguration: types.UserPoolMfaTypeOptional, UserPoolTier: types.UserPoolTierTypeLite})
	wantErr[*types.FeatureUnavailableInTierException](t, err, "The following features need to be disabled for the LITE pricing tier configured: Email MFA")
}

// TestSDKFeaturePlanThreatProtection: threat protection needs the Plus plan
// ("To activate this setting, your user pool must be on the Plus tier.",
// UserPoolAddOnsType), and access token customization (a version 2 or 3
// pre token generation trigger) the Essentials plan or higher
// (feature-plans-deactivate.html). Cognito names the features in its
// refusal: "The following features need to be disabled for the ESSENTIALS
// pricing tier configured: Threat Protection"
// (hashicorp/terraform-provider-aws#40734).
// https://docs.aws.amazon.com/cognito/latest/developerguide/cognito-user-pool-settings-threat-protection.html
func TestSDKFeaturePlanThreatProtection(t *testing.T) {
	e := newSDKEnv(t)
	enforced := &types.UserPoolAddOnsType{AdvancedSecurityMode: types.AdvancedSecurityModeTypeEnforced}
	_, err := e.c.CreateUserPool(e.ctx, &cip.CreateUserPoolInput{PoolName: aws.String("p"), UserPoolAddOns: enforced})
	wantErr[*types.FeatureUnavailableInTierException](t, err, "The following features need to be disabled for the ESSENTIALS pricing tier configured: Threat Protection")
	v2 := &types.LambdaConfigType{PreTokenGenerationConfig: &types.PreTokenGenerationVersionConfigType{
		LambdaArn: aws.String("arn:aws:lambda:us-east-1:123456789012:function:pre"), LambdaVersion: types.PreTokenGenerationLambdaVersionTypeV20}}
	_, err = e.c.CreateUserPool(e.ctx, &cip.CreateUserPoolInput{PoolName: aws.String("p"), UserPoolTier: types.UserPoolTierTypeLite,
		UserPoolAddOns: enforced, LambdaConfig: v2})
	wantErr[*types.FeatureUnavailableInTierException](t, err,
		"The following features need to be disabled for the LITE pricing tier configured: Access token customization, Threat Protection")

	essentials := e.pool()
	_, err = e.c.UpdateUserPool(e.ctx, &cip.UpdateUserPoolInput{UserPoolId: aws.String(essentials),
		UserPoolAddOns: &types.UserPoolAddOnsType{AdvancedSecurityMode: types.AdvancedSecurityModeTypeAudit}})
	wantErr[*types.FeatureUnavailableInTierException](t, err, "The following features need to be disabled for the ESSENTIALS pricing tier configured: Threat Protection")
	if _, err := e.c.UpdateUserPool(e.ctx, &cip.UpdateUserPoolInput{UserPoolId: aws.String(essentials), LambdaConfig: v2,
		UserPoolAddOns: &types.UserPoolAddOnsType{AdvancedSecurityMode: types.AdvancedSecurityModeTypeOff}}); err != nil {
		t.Fatalf("OFF and a V2_0 trigger on an Essentials pool: %v", err)
	}
	// Moving up to Plus with it is fine; moving down with it on is not.
	// With threat protection for custom authentication as well (kept and
	// described, as the model's UserPoolAddOnsType has it).
	if _, err := e.c.UpdateUserPool(e.ctx, &cip.UpdateUserPoolInput{UserPoolId: aws.String(essentials), UserPoolTier: types.UserPoolTierTypePlus,
		UserPoolAddOns: &types.UserPoolAddOnsType{AdvancedSecurityMode: types.AdvancedSecurityModeTypeEnforced,
			AdvancedSecurityAdditionalFlows: &types.AdvancedSecurityAdditionalFlowsType{CustomAuthMode: types.AdvancedSecurityEnabledModeTypeAudit}}}); err != nil {
		t.Fatalf("ENFORCED on the Plus plan: %v", err)
	}
	_, err = e.c.UpdateUserPool(e.ctx, &cip.UpdateUserPoolInput{UserPoolId: aws.String(essentials), UserPoolTier: types.UserPoolTierTypeEssentials,
		UserPoolAddOns: enforced})
	wantErr[*types.FeatureUnavailableInTierException](t, err, "The following features need to be disabled for the ESSENTIALS pricing tier configured: Threat Protection")
	got, err := e.c.DescribeUserPool(e.ctx, &cip.DescribeUserPoolInput{UserPoolId: aws.String(essentials)})
	if err != nil {
		t.Fatal(err)
	}
	if got.UserPool.UserPoolTier != types.UserPoolTierTypePlus || got.UserPool.UserPoolAddOns == nil ||
		got.UserPool.UserPoolAddOns.AdvancedSecurityMode != types.AdvancedSecurityModeTypeEnforced ||
		got.UserPool.UserPoolAddOns.AdvancedSecurityAdditionalFlows == nil ||
		got.UserPool.UserPoolAddOns.AdvancedSecurityAdditionalFlows.CustomAuthMode != types.AdvancedSecurityEnabledModeTypeAudit {
		t.Errorf("after the refused move down: tier %s, add-ons %+v", got.UserPool.UserPoolTier, got.UserPool.UserPoolAddOns)
	}
}

// TestSDKUpdatePoolMFAOn: UpdateUserPool cannot make MFA required on a pool
// that was created without it; SetUserPoolMfaConfig can. Cognito's words as
// an AWS CLI session quotes them
// (aws-cloudformation/cloudformation-coverage-roadmap#1176).
func TestSDKUpdatePoolMFAOn(t *testing.T) {
	e := newSDKEnv(t)
	pool := e.pool()
	totp := &types.SoftwareTokenMfaConfigType{Enabled: true}
	if _, err := e.c.SetUserPoolMfaConfig(e.ctx, &cip.SetUserPoolMfaConfigInput{UserPoolId: aws.String(pool),
		MfaConfiguration: types.UserPoolMfaTypeOptional, SoftwareTokenMfaConfiguration: totp}); err != nil {
		t.Fatal(err)
	}
	for _, mode := range []types.UserPoolMfaType{types.UserPoolMfaTypeOptional, types.UserPoolMfaTypeOn} {
		_, err := e.c.UpdateUserPool(e.ctx, &cip.UpdateUserPoolInput{UserPoolId: aws.String(pool), MfaConfiguration: mode})
		if mode == types.UserPoolMfaTypeOptional {
			if err != nil {
				t.Fatalf("OPTIONAL: %v", err)
			}
			continue
		}
		wantErr[*types.InvalidParameterException](t, err, "Cannot turn MFA functionality ON, once the user pool has been created.")
	}
	mfa, err := e.c.GetUserPoolMfaConfig(e.ctx, &cip.GetUserPoolMfaConfigInput{UserPoolId: aws.String(pool)})
	if err != nil || mfa.MfaConfiguration != types.UserPoolMfaTypeOptional {
		t.Fatalf("after the refused update: %v %v", mfa.MfaConfiguration, err)
	}
	// SetUserPoolMfaConfig turns it ON; then an update keeping it ON is fine.
	if _, err := e.c.SetUserPoolMfaConfig(e.ctx, &cip.SetUserPoolMfaConfigInput{UserPoolId: aws.String(pool),
		MfaConfiguration: types.UserPoolMfaTypeOn, SoftwareTokenMfaConfiguration: totp}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.c.UpdateUserPool(e.ctx, &cip.UpdateUserPoolInput{UserPoolId: aws.String(pool), MfaConfiguration: types.UserPoolMfaTypeOn}); err != nil {
		t.Errorf("ON on a pool that is ON: %v", err)
	}
}

// TestSDKFirstFactorsWithMFA: with MFA ON, only PASSWORD, and WEB_AUTHN when
// passkeys count as a multi-factor, may be first factors (go-to-k/cdkd
// issues #1975 and #2064 measured these against Cognito). OPTIONAL is
// accepted.
func TestSDKFirstFactorsWithMFA(t *testing.T) {
	e := newSDKEnv(t)
	factors := func(f ...types.AuthFactorType) func(*cip.CreateUserPoolInput) {
		return func(in *cip.CreateUserPoolInput) {
			in.Policies = &types.UserPoolPolicyType{SignInPolicy: &types.SignInPolicyType{AllowedFirstAuthFactors: f}}
		}
	}
	totp := &types.SoftwareTokenMfaConfigType{Enabled: true}
	setMFA := func(pool string, mode types.UserPoolMfaType, w *types.WebAuthnConfigurationType) (*cip.SetUserPoolMfaConfigOutput, error) {
		return e.c.SetUserPoolMfaConfig(e.ctx, &cip.SetUserPoolMfaConfigInput{UserPoolId: aws.String(pool), MfaConfiguration: mode,
			SoftwareTokenMfaConfiguration: totp, WebAuthnConfiguration: w})
	}
	const onlyPassword = "Only PASSWORD and WEB_AUTHN (if configured) can be enabled as an auth factor if MFA is enabled"

	otp := e.pool(factors(types.AuthFactorTypePassword, types.AuthFactorTypeEmailOtp))
	_, err := setMFA(otp, types.UserPoolMfaTypeOn, nil)
	wantErr[*types.InvalidParameterException](t, err, onlyPassword)
	must[*cip.SetUserPoolMfaConfigOutput](t, "OPTIONAL over EMAIL_OTP")(setMFA(otp, types.UserPoolMfaTypeOptional, nil))

	// UpdateUserPool refuses to add such a factor while MFA is ON.
	on := e.pool(factors(types.AuthFactorTypePassword))
	must[*cip.SetUserPoolMfaConfigOutput](t, "ON over PASSWORD")(setMFA(on, types.UserPoolMfaTypeOn, nil))
	_, err = e.c.UpdateUserPool(e.ctx, &cip.UpdateUserPoolInput{UserPoolId: aws.String(on), MfaConfiguration: types.UserPoolMfaTypeOn,
		Policies: &types.UserPoolPolicyType{SignInPolicy: &types.SignInPolicyType{
			AllowedFirstAuthFactors: []types.AuthFactorType{types.AuthFactorTypePassword, types.AuthFactorTypeSmsOtp}}}})
	wantErr[*types.InvalidParameterException](t, err, onlyPassword)
	_, err = e.c.UpdateUserPool(e.ctx, &cip.UpdateUserPoolInput{UserPoolId: aws.String(on), MfaConfiguration: types.UserPoolMfaTypeOn,
		Policies: &types.UserPoolPolicyType{SignInPolicy: &types.SignInPolicyType{
			AllowedFirstAuthFactors: []types.AuthFactorType{types.AuthFactorTypePassword, types.AuthFactorTypeWebAuthn}}}})
	wantErr[*types.InvalidParameterException](t, err, "WEB_AUTHN cannot be used as an auth factor when MFA is enabled if not configured for MFA")

	// WEB_AUTHN with MFA ON needs FactorConfiguration
	// MULTI_FACTOR_WITH_USER_VERIFICATION in the same request.
	passkey := e.pool(factors(types.AuthFactorTypePassword, types.AuthFactorTypeWebAuthn))
	const single = "Cannot set WebAuthn factor configuration to SINGLE_FACTOR if MFA is required and WebAuthn is an allowed first auth factor"
	_, err = setMFA(passkey, types.UserPoolMfaTypeOn, nil)
	wantErr[*types.InvalidParameterException](t, err, single)
	_, err = setMFA(passkey, types.UserPoolMfaTypeOn, &types.WebAuthnConfigurationType{FactorConfiguration: types.WebAuthnFactorConfigurationTypeSingleFactor})
	wantErr[*types.InvalidParameterException](t, err, single)
	multi := &types.WebAuthnConfigurationType{RelyingPartyId: aws.String("auth.example.com"), UserVerification: types.UserVerificationTypeRequired,
		FactorConfiguration: types.WebAuthnFactorConfigurationTypeMultiFactorWithUserVerification}
	set := must[*cip.SetUserPoolMfaConfigOutput](t, "ON with a multi-factor passkey")(setMFA(passkey, types.UserPoolMfaTypeOn, multi))
	got := must[*cip.GetUserPoolMfaConfigOutput](t, "GetUserPoolMfaConfig")(e.c.GetUserPoolMfaConfig(e.ctx, &cip.GetUserPoolMfaConfigInput{UserPoolId: aws.String(passkey)}))
	for _, w := range []*types.WebAuthnConfigurationType{set.WebAuthnConfiguration, got.WebAuthnConfiguration} {
		if diff := cmp.Diff(multi, w, cmpSDK); diff != "" {
			t.Errorf("WebAuthnConfiguration (-want +got):\n%s", diff)
		}
	}
	// SetUserPoolMfaConfig replaces it: left out, passkeys are one factor again.
	_, err = setMFA(passkey, types.UserPoolMfaTypeOn, nil)
	wantErr[*types.InvalidParameterException](t, err, single)
	must[*cip.SetUserPoolMfaConfigOutput](t, "OPTIONAL without WebAuthnConfiguration")(setMFA(passkey, types.UserPoolMfaTypeOptional, nil))
	got = must[*cip.GetUserPoolMfaConfigOutput](t, "GetUserPoolMfaConfig")(e.c.GetUserPoolMfaConfig(e.ctx, &cip.GetUserPoolMfaConfigInput{UserPoolId: aws.String(passkey)}))
	if f := got.WebAuthnConfiguration.FactorConfiguration; f != "" {
		t.Errorf("FactorConfiguration after a request without it: %q", f)
	}
}

// TestSDKVerificationBeforeUpdateSubset: an attribute that must be verified
// before it changes must be one Cognito verifies (aws/aws-cli#7151).
func TestSDKVerificationBeforeUpdateSubset(t *testing.T) {
	e := newSDKEnv(t)
	const msg = "All attributes in AttributesRequireVerificationBeforeUpdate must exist in AutoVerifiedAttributes"
	before := &types.UserAttributeUpdateSettingsType{AttributesRequireVerificationBeforeUpdate: []types.VerifiedAttributeType{types.VerifiedAttributeTypeEmail}}
	_, err := e.c.CreateUserPool(e.ctx, &cip.CreateUserPoolInput{PoolName: aws.String("p"), UserAttributeUpdateSettings: before})
	wantErr[*types.InvalidParameterException](t, err, msg)
	pool := e.pool(func(in *cip.CreateUserPoolInput) {
		in.AutoVerifiedAttributes = []types.VerifiedAttributeType{types.VerifiedAttributeTypeEmail}
		in.UserAttributeUpdateSettings = before
	})
	// UpdateUserPool resets what it leaves out: AutoVerifiedAttributes too.
	_, err = e.c.UpdateUserPool(e.ctx, &cip.UpdateUserPoolInput{UserPoolId: aws.String(pool), UserAttributeUpdateSettings: before})
	wantErr[*types.InvalidParameterException](t, err, msg)
	must[*cip.UpdateUserPoolOutput](t, "UpdateUserPool")(e.c.UpdateUserPool(e.ctx, &cip.UpdateUserPoolInput{UserPoolId: aws.String(pool),
		AutoVerifiedAttributes: []types.VerifiedAttributeType{types.VerifiedAttributeTypeEmail}, UserAttributeUpdateSettings: before}))
}

// TestSDKUpdateUserPoolName: PoolName renames the pool; left out, the name stays.
func TestSDKUpdateUserPoolName(t *testing.T) {
	e := newSDKEnv(t)
	pool := e.pool()
	name := func() string {
		return *must[*cip.DescribeUserPoolOutput](t, "DescribeUserPool")(e.c.DescribeUserPool(e.ctx, &cip.DescribeUserPoolInput{UserPoolId: aws.String(pool)})).UserPool.Name
	}
	must[*cip.UpdateUserPoolOutput](t, "UpdateUserPool")(e.c.UpdateUserPool(e.ctx, &cip.UpdateUserPoolInput{UserPoolId: aws.String(pool), PoolName: aws.String("renamed")}))
	if got := name(); got != "renamed" {
		t.Errorf("after PoolName renamed: %q", got)
	}
	must[*cip.UpdateUserPoolOutput](t, "UpdateUserPool")(e.c.UpdateUserPool(e.ctx, &cip.UpdateUserPoolInput{UserPoolId: aws.String(pool)}))
	if got := name(); got != "renamed" {
		t.Errorf("after an update without PoolName: %q", got)
	}
}

// TestSDKUnusedAccountValidityDays: the legacy UnusedAccountValidityDays and
// TemporaryPasswordValidityDays do not go in one request.
func TestSDKUnusedAccountValidityDays(t *testing.T) {
	e := newSDKEnv(t)
	const msg = "Please use TemporaryPasswordValidityDays in PasswordPolicy instead of UnusedAccountValidityDays"
	policies := &types.UserPoolPolicyType{PasswordPolicy: &types.PasswordPolicyType{MinimumLength: aws.Int32(8), TemporaryPasswordValidityDays: 3}}
	legacy := &types.AdminCreateUserConfigType{UnusedAccountValidityDays: 5}
	_, err := e.c.CreateUserPool(e.ctx, &cip.CreateUserPoolInput{PoolName: aws.String("p"), Policies: policies, AdminCreateUserConfig: legacy})
	wantErr[*types.InvalidParameterException](t, err, msg)
	pool := e.pool(func(in *cip.CreateUserPoolInput) { in.AdminCreateUserConfig = legacy })
	_, err = e.c.UpdateUserPool(e.ctx, &cip.UpdateUserPoolInput{UserPoolId: aws.String(pool), Policies: policies, AdminCreateUserConfig: legacy})
	wantErr[*types.InvalidParameterException](t, err, msg)
	must[*cip.UpdateUserPoolOutput](t, "UpdateUserPool")(e.c.UpdateUserPool(e.ctx, &cip.UpdateUserPoolInput{UserPoolId: aws.String(pool), Policies: policies}))
}
