package adapter

import (
	"context"
	"maps"

	"github.com/ninshou/ninshou/internal/awsjson"
	api "github.com/ninshou/ninshou/internal/cognitoapi"
	"github.com/ninshou/ninshou/internal/idp"
	"github.com/ninshou/ninshou/internal/store"
)

const accountID = idp.AccountID

// Defaults DescribeUserPool reports for settings a pool never set.
const (
	defaultDefaultEmailOption       = "CONFIRM_WITH_CODE"
	defaultWebAuthnUserVerification = "preferred"
)

func (h *handlers) registerPools(m map[string]awsjson.Endpoint) {
	m["CreateUserPool"] = awsjson.Op(h.createUserPool)
	m["DescribeUserPool"] = awsjson.Op(h.describeUserPool)
	m["UpdateUserPool"] = awsjson.Op(h.updateUserPool)
	m["DeleteUserPool"] = awsjson.Op(h.deleteUserPool)
	m["ListUserPools"] = awsjson.Op(h.listUserPools)
	m["SetUserPoolMfaConfig"] = awsjson.Op(h.setUserPoolMfaConfig)
	m["GetUserPoolMfaConfig"] = awsjson.Op(h.getUserPoolMfaConfig)
}

func (h *handlers) createUserPool(ctx context.Context, in *api.CreateUserPoolRequest) (*api.CreateUserPoolResponse, error) {
	if err := checkLegacyUnusedDays(in.Policies, in.AdminCreateUserConfig); err != nil {
		return nil, err
	}
	// A pool created with MFA on can only have SMS MFA (the other factors
	// come with SetUserPoolMfaConfig), so it needs an SMS configuration.
	// Cognito's text, from real calls in aws-cdk#32615 and aws-cli#3876.
	if m := str(in.MfaConfiguration); (m == idp.MFAOn || m == idp.MFAOptional) && in.SmsConfiguration == nil {
		return nil, idp.Errorf(idp.InvalidParameterException, "SMS configuration and Auto verification for phone_number are required when MFA is required/optional")
	}
	ps, schema := createSettings(in)
	p, err := h.svc.CreatePool(ctx, str(in.PoolName), ps, schema)
	if err != nil {
		return nil, err
	}
	return &api.CreateUserPoolResponse{UserPool: poolOut(p, 0)}, nil
}

// checkLegacyUnusedDays refuses a request that sets both
// PasswordPolicy.TemporaryPasswordValidityDays and the legacy
// AdminCreateUserConfig.UnusedAccountValidityDays: "When you set
// TemporaryPasswordValidityDays for a user pool, you can no longer set a
// value for the legacy UnusedAccountValidityDays parameter" (PasswordPolicyType;
// 0 counts as not set, as Cognito treats it). A rule about which members a
// request carries, so it is checked here, where the request is still whole.
// The message is Cognito's, as hashicorp/terraform-provider-aws matches it
// before retrying UpdateUserPool without UnusedAccountValidityDays.
func checkLegacyUnusedDays(p *api.UserPoolPolicyType, a *api.AdminCreateUserConfigType) error {
	if p == nil || p.PasswordPolicy == nil || api.ToInt32(p.PasswordPolicy.TemporaryPasswordValidityDays) == 0 ||
		a == nil || api.ToInt32(a.UnusedAccountValidityDays) == 0 {
		return nil
	}
	return idp.Errorf(idp.InvalidParameterException, "Please use TemporaryPasswordValidityDays in PasswordPolicy instead of UnusedAccountValidityDays")
}

// createSettings is what CreateUserPool asks for: the pool's settings and
// the attributes its Schema declares.
func createSettings(in *api.CreateUserPoolRequest) (idp.PoolSettings, []idp.SchemaAttribute) {
	ps := idp.NewPoolSettings()
	applyPoolSettings(&ps, poolSettingsIn{
		Policies:                    in.Policies,
		DeletionProtection:          in.DeletionProtection,
		LambdaConfig:                in.LambdaConfig,
		AutoVerifiedAttributes:      in.AutoVerifiedAttributes,
		SmsVerificationMessage:      in.SmsVerificationMessage,
		EmailVerificationMessage:    in.EmailVerificationMessage,
		EmailVerificationSubject:    in.EmailVerificationSubject,
		VerificationMessageTemplate: in.VerificationMessageTemplate,
		SmsAuthenticationMessage:    in.SmsAuthenticationMessage,
		MfaConfiguration:            in.MfaConfiguration,
		UserAttributeUpdateSettings: in.UserAttributeUpdateSettings,
		DeviceConfiguration:         in.DeviceConfiguration,
		EmailConfiguration:          in.EmailConfiguration,
		SmsConfiguration:            in.SmsConfiguration,
		AdminCreateUserConfig:       in.AdminCreateUserConfig,
		UserPoolAddOns:              in.UserPoolAddOns,
		AccountRecoverySetting:      in.AccountRecoverySetting,
		UserPoolTier:                in.UserPoolTier,
	})
	ps.Tags = maps.Clone(in.UserPoolTags)
	ps.AliasAttributes = in.AliasAttributes
	ps.UsernameAttributes = in.UsernameAttributes
	if in.UsernameConfiguration != nil {
		ps.CaseSensitive = api.Bool(api.ToBool(in.UsernameConfiguration.CaseSensitive))
	}
	// Before SetUserPoolMfaConfig existed, pool-level MFA meant SMS MFA: a
	// pool created with MFA on and an SMS configuration has SMS MFA enabled.
	if ps.MFA.Mode != idp.MFAOff && ps.Sms != nil {
		ps.MFA.SmsEnabled = true
	}
	return ps, schemaIn(in.Schema)
}

func (h *handlers) describeUserPool(ctx context.Context, in *api.DescribeUserPoolRequest) (*api.DescribeUserPoolResponse, error) {
	p, err := h.svc.GetPool(ctx, str(in.UserPoolId))
	if err != nil {
		return nil, err
	}
	n, err := h.svc.CountUsers(ctx, p.ID)
	if err != nil {
		return nil, err
	}
	prefix, custom, err := h.svc.PoolDomains(ctx, p.ID)
	if err != nil {
		return nil, err
	}
	out := poolOut(p, n)
	out.Domain, out.CustomDomain = strPtr(prefix), strPtr(custom)
	return &api.DescribeUserPoolResponse{UserPool: out}, nil
}

func (h *handlers) updateUserPool(ctx context.Context, in *api.UpdateUserPoolRequest) (*api.UpdateUserPoolResponse, error) {
	if err := checkLegacyUnusedDays(in.Policies, in.AdminCreateUserConfig); err != nil {
		return nil, err
	}
	// PoolName, "The updated name of your user pool.", renames it; left
	// out, the name stays.
	_, err := h.svc.UpdatePool(ctx, str(in.UserPoolId), str(in.PoolName), func(ps *idp.PoolSettings) error {
		*ps = updateSettings(ps, in)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &api.UpdateUserPoolResponse{}, nil
}

// updateSettings is what UpdateUserPool makes of the pool's settings cur:
// like Cognito, every setting the request leaves out goes back to its
// default. What UpdateUserPool cannot express is kept: the MFA factors (set
// only by SetUserPoolMfaConfig), the tags when UserPoolTags is absent, and
// the feature plan when UserPoolTier is absent. (The domain keeps the schema
// and the username, alias and case settings.)
func updateSettings(cur *idp.PoolSettings, in *api.UpdateUserPoolRequest) idp.PoolSettings {
	next := idp.NewPoolSettings()
	applyPoolSettings(&next, poolSettingsIn{
		Policies:                    in.Policies,
		DeletionProtection:          in.DeletionProtection,
		LambdaConfig:                in.LambdaConfig,
		AutoVerifiedAttributes:      in.AutoVerifiedAttributes,
		SmsVerificationMessage:      in.SmsVerificationMessage,
		EmailVerificationMessage:    in.EmailVerificationMessage,
		EmailVerificationSubject:    in.EmailVerificationSubject,
		VerificationMessageTemplate: in.VerificationMessageTemplate,
		SmsAuthenticationMessage:    in.SmsAuthenticationMessage,
		MfaConfiguration:            in.MfaConfiguration,
		UserAttributeUpdateSettings: in.UserAttributeUpdateSettings,
		DeviceConfiguration:         in.DeviceConfiguration,
		EmailConfiguration:          in.EmailConfiguration,
		SmsConfiguration:            in.SmsConfiguration,
		AdminCreateUserConfig:       in.AdminCreateUserConfig,
		UserPoolAddOns:              in.UserPoolAddOns,
		AccountRecoverySetting:      in.AccountRecoverySetting,
		UserPoolTier:                in.UserPoolTier,
	})
	// The factors and their email texts have no UpdateUserPool member. The
	// SMS text does (SmsAuthenticationMessage), so it follows the request
	// like every other member.
	mfa := cur.MFA
	mfa.Mode = next.MFA.Mode
	mfa.SmsMessage = next.MFA.SmsMessage
	next.MFA = mfa
	// Tags are also managed by TagResource/UntagResource; an update that
	// does not mention them must not drop them. Given (even empty), they
	// replace the pool's tags.
	if in.UserPoolTags != nil {
		next.Tags = maps.Clone(in.UserPoolTags)
	} else {
		next.Tags = maps.Clone(cur.Tags)
	}
	// A feature plan is billing, not configuration: leaving it out of an
	// update keeps it rather than silently changing plans.
	if in.UserPoolTier == nil {
		next.Tier = cur.Tier
	}
	next.Schema = cur.Schema
	next.UsernameAttributes = cur.UsernameAttributes
	next.AliasAttributes = cur.AliasAttributes
	next.CaseSensitive = cur.CaseSensitive
	return next
}

func (h *handlers) deleteUserPool(ctx context.Context, in *api.DeleteUserPoolRequest) (*struct{}, error) {
	return nil, h.svc.DeletePool(ctx, str(in.UserPoolId))
}

func (h *handlers) listUserPools(ctx context.Context, in *api.ListUserPoolsRequest) (*api.ListUserPoolsResponse, error) {
	pools, next, err := h.svc.ListPools(ctx, store.Page{Limit: int(api.ToInt32(in.MaxResults)), After: str(in.NextToken)})
	if err != nil {
		return nil, err
	}
	out := &api.ListUserPoolsResponse{UserPools: make([]api.UserPoolDescriptionType, 0, len(pools)), NextToken: strPtr(next)}
	for _, p := range pools {
		out.UserPools = append(out.UserPools, api.UserPoolDescriptionType{
			Id:               api.String(p.ID),
			Name:             api.String(p.Name),
			LambdaConfig:     lambdaOut(p.Lambda),
			LastModifiedDate: ts(p.UpdatedAt),
			CreationDate:     ts(p.CreatedAt),
		})
	}
	return out, nil
}

// setUserPoolMfaConfig replaces the pool's MFA factors: a factor whose
// configuration the request leaves out is turned off. MfaConfiguration left
// out keeps the pool's mode (the domain's rule), and WebAuthnConfiguration
// left out keeps the relying-party settings, which are not an MFA factor;
// its FactorConfiguration, which is, goes back to a single factor.
func (h *handlers) setUserPoolMfaConfig(ctx context.Context, in *api.SetUserPoolMfaConfigRequest) (*api.SetUserPoolMfaConfigResponse, error) {
	p, err := h.svc.SetMFAConfig(ctx, str(in.UserPoolId), func(ps *idp.PoolSettings) error {
		cfg := ps.MFA
		cfg.Mode = str(in.MfaConfiguration)
		cfg.SmsEnabled = in.SmsMfaConfiguration != nil
		if s := in.SmsMfaConfiguration; s != nil {
			// One setting with two names: the pool's SmsAuthenticationMessage.
			cfg.SmsMessage = str(s.SmsAuthenticationMessage)
			ps.SmsAuthenticationMsg = cfg.SmsMessage
			if s.SmsConfiguration != nil {
				ps.Sms = smsIn(s.SmsConfiguration)
			}
		}
		cfg.TotpEnabled = in.SoftwareTokenMfaConfiguration != nil && api.ToBool(in.SoftwareTokenMfaConfiguration.Enabled)
		cfg.EmailEnabled = in.EmailMfaConfiguration != nil
		cfg.EmailMessage, cfg.EmailSubject = "", ""
		if e := in.EmailMfaConfiguration; e != nil {
			cfg.EmailMessage, cfg.EmailSubject = str(e.Message), str(e.Subject)
		}
		// FactorConfiguration is replaced like the factors: a request
		// without it leaves passkeys a single factor (measured against
		// Cognito in go-to-k/cdkd issue #2064).
		cfg.WebAuthnFactor = ""
		if w := in.WebAuthnConfiguration; w != nil {
			cfg.WebAuthnRelyingPartyID = str(w.RelyingPartyId)
			cfg.WebAuthnUserVerification = str(w.UserVerification)
			cfg.WebAuthnFactor = str(w.FactorConfiguration)
		}
		ps.MFA = cfg
		return nil
	})
	if err != nil {
		return nil, err
	}
	o := mfaOut(p)
	return &api.SetUserPoolMfaConfigResponse{
		SmsMfaConfiguration:           o.SmsMfaConfiguration,
		SoftwareTokenMfaConfiguration: o.SoftwareTokenMfaConfiguration,
		EmailMfaConfiguration:         o.EmailMfaConfiguration,
		MfaConfiguration:              o.MfaConfiguration,
		WebAuthnConfiguration:         o.WebAuthnConfiguration,
	}, nil
}

func (h *handlers) getUserPoolMfaConfig(ctx context.Context, in *api.GetUserPoolMfaConfigRequest) (*api.GetUserPoolMfaConfigResponse, error) {
	p, err := h.svc.GetPool(ctx, str(in.UserPoolId))
	if err != nil {
		return nil, err
	}
	return mfaOut(p), nil
}

// mfaOut is the pool's MFA configuration as GetUserPoolMfaConfig reports it.
func mfaOut(p *idp.Pool) *api.GetUserPoolMfaConfigResponse {
	c := p.MFA
	out := &api.GetUserPoolMfaConfigResponse{
		SoftwareTokenMfaConfiguration: &api.SoftwareTokenMfaConfigType{Enabled: api.Bool(c.TotpEnabled)},
		MfaConfiguration:              api.String(orElse(c.Mode, idp.MFAOff)),
		WebAuthnConfiguration: &api.WebAuthnConfigurationType{
			RelyingPartyId:      strPtr(c.WebAuthnRelyingPartyID),
			UserVerification:    api.String(orElse(c.WebAuthnUserVerification, defaultWebAuthnUserVerification)),
			FactorConfiguration: strPtr(c.WebAuthnFactor),
		},
	}
	if c.SmsEnabled {
		out.SmsMfaConfiguration = &api.SmsMfaConfigType{
			SmsAuthenticationMessage: strPtr(orElse(c.SmsMessage, p.SmsAuthenticationMsg)),
			SmsConfiguration:         smsOut(p.Sms),
		}
	}
	if c.EmailEnabled {
		out.EmailMfaConfiguration = &api.EmailMfaConfigType{Message: strPtr(c.EmailMessage), Subject: strPtr(c.EmailSubject)}
	}
	return out
}

// poolSettingsIn gathers the members CreateUserPool and UpdateUserPool share.
type poolSettingsIn struct {
	Policies                    *api.UserPoolPolicyType
	DeletionProtection          *string
	LambdaConfig                *api.LambdaConfigType
	AutoVerifiedAttributes      []string
	SmsVerificationMessage      *string
	EmailVerificationMessage    *string
	EmailVerificationSubject    *string
	VerificationMessageTemplate *api.VerificationMessageTemplateType
	SmsAuthenticationMessage    *string
	MfaConfiguration            *string
	UserAttributeUpdateSettings *api.UserAttributeUpdateSettingsType
	DeviceConfiguration         *api.DeviceConfigurationType
	EmailConfiguration          *api.EmailConfigurationType
	SmsConfiguration            *api.SmsConfigurationType
	AdminCreateUserConfig       *api.AdminCreateUserConfigType
	UserPoolAddOns              *api.UserPoolAddOnsType
	AccountRecoverySetting      *api.AccountRecoverySettingType
	UserPoolTier                *string
}

// applyPoolSettings lays the members a request gives over ps (the defaults
// from idp.NewPoolSettings); a member left out keeps the default.
func applyPoolSettings(ps *idp.PoolSettings, in poolSettingsIn) {
	if in.Policies != nil {
		if pp := in.Policies.PasswordPolicy; pp != nil {
			// A given policy replaces the default whole: a Require* member
			// left out is false, as with Cognito. The domain fills in the
			// minimum length and temporary-password days when 0.
			ps.PasswordPolicy = idp.PasswordPolicy{
				MinimumLength:                 int(api.ToInt32(pp.MinimumLength)),
				RequireUppercase:              api.ToBool(pp.RequireUppercase),
				RequireLowercase:              api.ToBool(pp.RequireLowercase),
				RequireNumbers:                api.ToBool(pp.RequireNumbers),
				RequireSymbols:                api.ToBool(pp.RequireSymbols),
				PasswordHistorySize:           int(api.ToInt32(pp.PasswordHistorySize)),
				TemporaryPasswordValidityDays: int(api.ToInt32(pp.TemporaryPasswordValidityDays)),
			}
		}
		if sp := in.Policies.SignInPolicy; sp != nil {
			ps.AllowedFirstAuthFactors = sp.AllowedFirstAuthFactors
		}
	}
	if in.DeletionProtection != nil {
		ps.DeletionProtection = *in.DeletionProtection
	}
	ps.Lambda = lambdaIn(in.LambdaConfig)
	ps.AutoVerifiedAttributes = in.AutoVerifiedAttributes
	ps.SmsVerificationMessage = str(in.SmsVerificationMessage)
	ps.EmailVerificationMsg = str(in.EmailVerificationMessage)
	ps.EmailVerificationSubj = str(in.EmailVerificationSubject)
	if t := in.VerificationMessageTemplate; t != nil {
		ps.VerificationTemplate = idp.VerificationTemplate{
			SmsMessage:         str(t.SmsMessage),
			EmailMessage:       str(t.EmailMessage),
			EmailSubject:       str(t.EmailSubject),
			EmailMessageByLink: str(t.EmailMessageByLink),
			EmailSubjectByLink: str(t.EmailSubjectByLink),
			DefaultEmailOption: orElse(str(t.DefaultEmailOption), defaultDefaultEmailOption),
		}
	}
	ps.SmsAuthenticationMsg = str(in.SmsAuthenticationMessage)
	ps.MFA.SmsMessage = ps.SmsAuthenticationMsg
	if in.MfaConfiguration != nil {
		ps.MFA.Mode = *in.MfaConfiguration
	}
	if u := in.UserAttributeUpdateSettings; u != nil {
		ps.RequireVerificationBeforeUpdate = u.AttributesRequireVerificationBeforeUpdate
	}
	if d := in.DeviceConfiguration; d != nil {
		ps.Device = &idp.DeviceConfig{
			ChallengeRequiredOnNewDevice:     api.ToBool(d.ChallengeRequiredOnNewDevice),
			DeviceOnlyRememberedOnUserPrompt: api.ToBool(d.DeviceOnlyRememberedOnUserPrompt),
		}
	}
	if e := in.EmailConfiguration; e != nil {
		ps.Email = idp.EmailConfig{
			SourceArn:           str(e.SourceArn),
			ReplyToEmailAddress: str(e.ReplyToEmailAddress),
			EmailSendingAccount: orElse(str(e.EmailSendingAccount), ps.Email.EmailSendingAccount),
			From:                str(e.From),
			ConfigurationSet:    str(e.ConfigurationSet),
		}
	}
	if in.SmsConfiguration != nil {
		ps.Sms = smsIn(in.SmsConfiguration)
	}
	if a := in.AdminCreateUserConfig; a != nil {
		ps.AdminCreateUser = idp.AdminCreateUserConfig{
			AllowAdminCreateUserOnly:  api.ToBool(a.AllowAdminCreateUserOnly),
			UnusedAccountValidityDays: int(api.ToInt32(a.UnusedAccountValidityDays)),
		}
		if t := a.InviteMessageTemplate; t != nil {
			ps.AdminCreateUser.Invite = idp.InviteTemplate{
				SMSMessage:   str(t.SMSMessage),
				EmailMessage: str(t.EmailMessage),
				EmailSubject: str(t.EmailSubject),
			}
		}
	}
	if a := in.UserPoolAddOns; a != nil {
		ps.AdvancedSecurityMode = str(a.AdvancedSecurityMode)
		if f := a.AdvancedSecurityAdditionalFlows; f != nil {
			ps.CustomAuthSecurityMode = str(f.CustomAuthMode)
		}
	}
	if r := in.AccountRecoverySetting; r != nil {
		ps.AccountRecovery = make([]idp.RecoveryOption, 0, len(r.RecoveryMechanisms))
		for _, m := range r.RecoveryMechanisms {
			ps.AccountRecovery = append(ps.AccountRecovery, idp.RecoveryOption{Name: str(m.Name), Priority: int(api.ToInt32(m.Priority))})
		}
	}
	if in.UserPoolTier != nil {
		ps.Tier = *in.UserPoolTier
	}
}

func smsIn(s *api.SmsConfigurationType) *idp.SmsConfig {
	return &idp.SmsConfig{SnsCallerArn: str(s.SnsCallerArn), ExternalID: str(s.ExternalId), SnsRegion: str(s.SnsRegion)}
}

func smsOut(s *idp.SmsConfig) *api.SmsConfigurationType {
	if s == nil {
		return nil
	}
	return &api.SmsConfigurationType{SnsCallerArn: api.String(s.SnsCallerArn), ExternalId: strPtr(s.ExternalID), SnsRegion: strPtr(s.SnsRegion)}
}

// Lambda triggers are stored flat, by LambdaConfigType member name. The
// versioned triggers (a structure of LambdaArn and LambdaVersion) are stored
// as "<Member>.LambdaArn" and "<Member>.LambdaVersion" so that they survive
// a round trip.
const (
	lambdaArn     = ".LambdaArn"
	lambdaVersion = ".LambdaVersion"
)

// lambdaStrings pairs each string-valued member of l with its name.
func lambdaStrings(l *api.LambdaConfigType) []struct {
	name string
	p    **string
} {
	return []struct {
		name string
		p    **string
	}{
		{"PreSignUp", &l.PreSignUp},
		{"CustomMessage", &l.CustomMessage},
		{"PostConfirmation", &l.PostConfirmation},
		{"PreAuthentication", &l.PreAuthentication},
		{"PostAuthentication", &l.PostAuthentication},
		{"DefineAuthChallenge", &l.DefineAuthChallenge},
		{"CreateAuthChallenge", &l.CreateAuthChallenge},
		{"VerifyAuthChallengeResponse", &l.VerifyAuthChallengeResponse},
		{"PreTokenGeneration", &l.PreTokenGeneration},
		{"UserMigration", &l.UserMigration},
		{"KMSKeyID", &l.KMSKeyID},
	}
}

func lambdaIn(l *api.LambdaConfigType) map[string]string {
	if l == nil {
		return nil
	}
	out := map[string]string{}
	for _, m := range lambdaStrings(l) {
		if *m.p != nil {
			out[m.name] = **m.p
		}
	}
	versioned := func(name string, arn, version *string) {
		if arn != nil {
			out[name+lambdaArn] = *arn
		}
		if version != nil {
			out[name+lambdaVersion] = *version
		}
	}
	if c := l.PreTokenGenerationConfig; c != nil {
		versioned("PreTokenGenerationConfig", c.LambdaArn, c.LambdaVersion)
	}
	if c := l.CustomSMSSender; c != nil {
		versioned("CustomSMSSender", c.LambdaArn, c.LambdaVersion)
	}
	if c := l.CustomEmailSender; c != nil {
		versioned("CustomEmailSender", c.LambdaArn, c.LambdaVersion)
	}
	if c := l.InboundFederation; c != nil {
		versioned("InboundFederation", c.LambdaArn, c.LambdaVersion)
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// lambdaOut is LambdaConfig as Cognito reports it: {} when empty.
func lambdaOut(m map[string]string) *api.LambdaConfigType {
	l := &api.LambdaConfigType{}
	for _, s := range lambdaStrings(l) {
		if v, ok := m[s.name]; ok {
			*s.p = api.String(v)
		}
	}
	versioned := func(name string) (arn, version *string, ok bool) {
		a, okA := m[name+lambdaArn]
		v, okV := m[name+lambdaVersion]
		if okA {
			arn = api.String(a)
		}
		if okV {
			version = api.String(v)
		}
		return arn, version, okA || okV
	}
	if a, v, ok := versioned("PreTokenGenerationConfig"); ok {
		l.PreTokenGenerationConfig = &api.PreTokenGenerationVersionConfigType{LambdaArn: a, LambdaVersion: v}
	}
	// "This parameter and the PreTokenGeneration property of LambdaConfig
	// have the same value" (PreTokenGenerationVersionConfigType.LambdaArn);
	// the CLI's list-user-pools and describe-user-pool examples show both,
	// a function set the old way as version V1_0.
	switch c := l.PreTokenGenerationConfig; {
	case c != nil && c.LambdaArn != nil:
		l.PreTokenGeneration = api.String(*c.LambdaArn)
	case c == nil && l.PreTokenGeneration != nil:
		l.PreTokenGenerationConfig = &api.PreTokenGenerationVersionConfigType{LambdaArn: api.String(*l.PreTokenGeneration), LambdaVersion: api.String("V1_0")}
	}
	if a, v, ok := versioned("CustomSMSSender"); ok {
		l.CustomSMSSender = &api.CustomSMSLambdaVersionConfigType{LambdaArn: a, LambdaVersion: v}
	}
	if a, v, ok := versioned("CustomEmailSender"); ok {
		l.CustomEmailSender = &api.CustomEmailLambdaVersionConfigType{LambdaArn: a, LambdaVersion: v}
	}
	if a, v, ok := versioned("InboundFederation"); ok {
		l.InboundFederation = &api.InboundFederationLambdaType{LambdaArn: a, LambdaVersion: v}
	}
	return l
}

// schemaIn maps CreateUserPool's Schema onto the domain's attributes.
func schemaIn(in []api.SchemaAttributeType) []idp.SchemaAttribute {
	if len(in) == 0 {
		return nil
	}
	out := make([]idp.SchemaAttribute, 0, len(in))
	for _, a := range in {
		s := idp.SchemaAttribute{
			Name:          str(a.Name),
			DataType:      str(a.AttributeDataType),
			DeveloperOnly: api.ToBool(a.DeveloperOnlyAttribute),
			// Cognito's default for Mutable is true; Required defaults to false.
			Mutable:  a.Mutable == nil || *a.Mutable,
			Required: api.ToBool(a.Required),
		}
		if c := a.NumberAttributeConstraints; c != nil {
			s.HasNumber, s.NumberMin, s.NumberMax = true, str(c.MinValue), str(c.MaxValue)
		}
		if c := a.StringAttributeConstraints; c != nil {
			s.HasString, s.StringMin, s.StringMax = true, str(c.MinLength), str(c.MaxLength)
		}
		out = append(out, s)
	}
	return out
}

func schemaOut(in []idp.SchemaAttribute) []api.SchemaAttributeType {
	out := make([]api.SchemaAttributeType, 0, len(in))
	for _, a := range in {
		s := api.SchemaAttributeType{
			Name:                   api.String(a.Name),
			AttributeDataType:      api.String(a.DataType),
			DeveloperOnlyAttribute: api.Bool(a.DeveloperOnly),
			Mutable:                api.Bool(a.Mutable),
			Required:               api.Bool(a.Required),
		}
		if a.HasNumber {
			s.NumberAttributeConstraints = &api.NumberAttributeConstraintsType{MinValue: strPtr(a.NumberMin), MaxValue: strPtr(a.NumberMax)}
		}
		if a.HasString {
			s.StringAttributeConstraints = &api.StringAttributeConstraintsType{MinLength: strPtr(a.StringMin), MaxLength: strPtr(a.StringMax)}
		}
		out = append(out, s)
	}
	return out
}

// poolArn is the pool's ARN. The region is the pool ID's prefix.
func poolArn(id string) string {
	return "arn:aws:cognito-idp:" + idp.PoolRegion(id) + ":" + accountID + ":userpool/" + id
}

// poolOut is the UserPool that CreateUserPool and DescribeUserPool return.
func poolOut(p *idp.Pool, users int64) *api.UserPoolType {
	pp := p.PasswordPolicy
	policy := &api.PasswordPolicyType{
		MinimumLength:                 api.Int32(int32(pp.MinimumLength)),
		RequireUppercase:              api.Bool(pp.RequireUppercase),
		RequireLowercase:              api.Bool(pp.RequireLowercase),
		RequireNumbers:                api.Bool(pp.RequireNumbers),
		RequireSymbols:                api.Bool(pp.RequireSymbols),
		TemporaryPasswordValidityDays: api.Int32(int32(orElseInt(pp.TemporaryPasswordValidityDays, idp.DefaultPasswordPolicy.TemporaryPasswordValidityDays))),
	}
	// Password history is a Plus-plan feature; Cognito reports it only
	// when the pool sets it.
	if pp.PasswordHistorySize > 0 {
		policy.PasswordHistorySize = api.Int32(int32(pp.PasswordHistorySize))
	}
	factors := p.AllowedFirstAuthFactors
	if len(factors) == 0 {
		factors = []string{idp.FactorPassword}
	}
	vt := p.VerificationTemplate
	out := &api.UserPoolType{
		Id:                     api.String(p.ID),
		Name:                   api.String(p.Name),
		Policies:               &api.UserPoolPolicyType{PasswordPolicy: policy, SignInPolicy: &api.SignInPolicyType{AllowedFirstAuthFactors: factors}},
		DeletionProtection:     api.String(orElse(p.DeletionProtection, "INACTIVE")),
		LambdaConfig:           lambdaOut(p.Lambda),
		LastModifiedDate:       ts(p.UpdatedAt),
		CreationDate:           ts(p.CreatedAt),
		SchemaAttributes:       schemaOut(p.Schema),
		AutoVerifiedAttributes: listOut(p.AutoVerifiedAttributes),
		AliasAttributes:        listOut(p.AliasAttributes),
		UsernameAttributes:     listOut(p.UsernameAttributes),
		// The legacy message members and the template's report the same
		// texts, whichever the pool set (the CLI's describe-user-pool example).
		SmsVerificationMessage:   strPtr(orElse(p.SmsVerificationMessage, vt.SmsMessage)),
		EmailVerificationMessage: strPtr(orElse(p.EmailVerificationMsg, vt.EmailMessage)),
		EmailVerificationSubject: strPtr(orElse(p.EmailVerificationSubj, vt.EmailSubject)),
		VerificationMessageTemplate: &api.VerificationMessageTemplateType{
			SmsMessage:         strPtr(orElse(vt.SmsMessage, p.SmsVerificationMessage)),
			EmailMessage:       strPtr(orElse(vt.EmailMessage, p.EmailVerificationMsg)),
			EmailSubject:       strPtr(orElse(vt.EmailSubject, p.EmailVerificationSubj)),
			EmailMessageByLink: strPtr(vt.EmailMessageByLink),
			EmailSubjectByLink: strPtr(vt.EmailSubjectByLink),
			DefaultEmailOption: api.String(orElse(vt.DefaultEmailOption, defaultDefaultEmailOption)),
		},
		SmsAuthenticationMessage: strPtr(p.SmsAuthenticationMsg),
		// Cognito reports the structure with an empty list when nothing
		// needs verification before update.
		UserAttributeUpdateSettings: &api.UserAttributeUpdateSettingsType{
			AttributesRequireVerificationBeforeUpdate: append([]string{}, p.RequireVerificationBeforeUpdate...),
		},
		MfaConfiguration:       api.String(orElse(p.MFA.Mode, idp.MFAOff)),
		EstimatedNumberOfUsers: api.Int32(int32(min(users, int64(1<<31-1)))),
		EmailConfiguration: &api.EmailConfigurationType{
			SourceArn:           strPtr(p.Email.SourceArn),
			ReplyToEmailAddress: strPtr(p.Email.ReplyToEmailAddress),
			EmailSendingAccount: strPtr(p.Email.EmailSendingAccount),
			From:                strPtr(p.Email.From),
			ConfigurationSet:    strPtr(p.Email.ConfigurationSet),
		},
		SmsConfiguration: smsOut(p.Sms),
		// Always present, {} without tags, as Cognito answers.
		UserPoolTags: maps.Clone(p.Tags),
		AdminCreateUserConfig: &api.AdminCreateUserConfigType{
			AllowAdminCreateUserOnly: api.Bool(p.AdminCreateUser.AllowAdminCreateUserOnly),
			// The legacy member follows TemporaryPasswordValidityDays unless
			// the pool set it (the CLI's describe-user-pool example: 1 and 1).
			UnusedAccountValidityDays: api.Int32(int32(orElseInt(p.AdminCreateUser.UnusedAccountValidityDays, int(*policy.TemporaryPasswordValidityDays)))),
		},
		Arn:          api.String(poolArn(p.ID)),
		UserPoolTier: strPtr(p.Tier),
	}
	if out.UserPoolTags == nil {
		out.UserPoolTags = map[string]string{}
	}
	if t := p.AdminCreateUser.Invite; t != (idp.InviteTemplate{}) {
		out.AdminCreateUserConfig.InviteMessageTemplate = &api.MessageTemplateType{
			SMSMessage:   strPtr(t.SMSMessage),
			EmailMessage: strPtr(t.EmailMessage),
			EmailSubject: strPtr(t.EmailSubject),
		}
	}
	if d := p.Device; d != nil {
		out.DeviceConfiguration = &api.DeviceConfigurationType{
			ChallengeRequiredOnNewDevice:     api.Bool(d.ChallengeRequiredOnNewDevice),
			DeviceOnlyRememberedOnUserPrompt: api.Bool(d.DeviceOnlyRememberedOnUserPrompt),
		}
	}
	if p.AdvancedSecurityMode != "" {
		// AdvancedSecurityAdditionalFlows is {} when unset (the CLI's
		// describe-user-pool example).
		out.UserPoolAddOns = &api.UserPoolAddOnsType{AdvancedSecurityMode: api.String(p.AdvancedSecurityMode),
			AdvancedSecurityAdditionalFlows: &api.AdvancedSecurityAdditionalFlowsType{CustomAuthMode: strPtr(p.CustomAuthSecurityMode)}}
	}
	if p.CaseSensitive != nil {
		out.UsernameConfiguration = &api.UsernameConfigurationType{CaseSensitive: api.Bool(*p.CaseSensitive)}
	}
	if len(p.AccountRecovery) > 0 {
		r := &api.AccountRecoverySettingType{RecoveryMechanisms: make([]api.RecoveryOptionType, 0, len(p.AccountRecovery))}
		for _, m := range p.AccountRecovery {
			r.RecoveryMechanisms = append(r.RecoveryMechanisms, api.RecoveryOptionType{Priority: api.Int32(int32(m.Priority)), Name: api.String(m.Name)})
		}
		out.AccountRecoverySetting = r
	}
	return out
}

// listOut returns s, or nil when it is empty so the member is left out.
func listOut(s []string) []string {
	if len(s) == 0 {
		return nil
	}
	return s
}

func orElse(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

func orElseInt(n, def int) int {
	if n == 0 {
		return def
	}
	return n
}
