package idp

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/ninshou/ninshou/internal/store"
)

// Pool is a user pool: its identity and every setting Cognito keeps for it.
type Pool struct {
	ID        string
	Name      string
	CreatedAt time.Time
	UpdatedAt time.Time
	Version   int64
	PoolSettings
}

// PoolSettings is everything about a pool that CreateUserPool/UpdateUserPool
// and SetUserPoolMfaConfig set. It is stored as one document (the store keeps
// it opaque); field names are stable storage names, so rename with care.
type PoolSettings struct {
	PasswordPolicy                  PasswordPolicy        `json:"password_policy"`
	AllowedFirstAuthFactors         []string              `json:"allowed_first_auth_factors,omitempty"`
	DeletionProtection              string                `json:"deletion_protection,omitempty"`
	Lambda                          map[string]string     `json:"lambda,omitempty"`
	AutoVerifiedAttributes          []string              `json:"auto_verified_attributes,omitempty"`
	AliasAttributes                 []string              `json:"alias_attributes,omitempty"`
	UsernameAttributes              []string              `json:"username_attributes,omitempty"`
	CaseSensitive                   *bool                 `json:"case_sensitive,omitempty"` // nil: UsernameConfiguration not given (case-sensitive)
	SmsVerificationMessage          string                `json:"sms_verification_message,omitempty"`
	EmailVerificationMsg            string                `json:"email_verification_message,omitempty"`
	EmailVerificationSubj           string                `json:"email_verification_subject,omitempty"`
	SmsAuthenticationMsg            string                `json:"sms_authentication_message,omitempty"`
	VerificationTemplate            VerificationTemplate  `json:"verification_template"`
	RequireVerificationBeforeUpdate []string              `json:"require_verification_before_update,omitempty"`
	MFA                             MFAConfig             `json:"mfa"`
	Device                          *DeviceConfig         `json:"device,omitempty"`
	Email                           EmailConfig           `json:"email"`
	Sms                             *SmsConfig            `json:"sms,omitempty"`
	Tags                            map[string]string     `json:"tags,omitempty"`
	AdminCreateUser                 AdminCreateUserConfig `json:"admin_create_user"`
	Schema                          []SchemaAttribute     `json:"schema"`
	AdvancedSecurityMode            string                `json:"advanced_security_mode,omitempty"`
	// CustomAuthSecurityMode is UserPoolAddOns.AdvancedSecurityAdditionalFlows'
	// CustomAuthMode (AUDIT or ENFORCED): kept and reported; Ninshou assesses
	// no risk, in custom authentication or elsewhere.
	CustomAuthSecurityMode string           `json:"custom_auth_security_mode,omitempty"`
	AccountRecovery        []RecoveryOption `json:"account_recovery,omitempty"`
	Tier                   string           `json:"tier,omitempty"`
}

// SRPDisabledTag is the pool tag (key and value) with which operators turn
// SRP off for a pool: no SRP verifier is ever computed or stored for its
// users, and USER_SRP_AUTH and PASSWORD_SRP are refused. Cognito's API has no
// member for this, so it rides on UserPoolTags / TagResource.
const (
	SRPTagKey      = "ninshou:srp"
	SRPTagDisabled = "disabled"
)

// SRPEnabled reports whether the pool allows SRP sign-in.
func (p *Pool) SRPEnabled() bool { return p.Tags[SRPTagKey] != SRPTagDisabled }

// PasswordPolicy is Policies.PasswordPolicy.
type PasswordPolicy struct {
	MinimumLength                 int  `json:"min_length"`
	RequireUppercase              bool `json:"upper"`
	RequireLowercase              bool `json:"lower"`
	RequireNumbers                bool `json:"numbers"`
	RequireSymbols                bool `json:"symbols"`
	PasswordHistorySize           int  `json:"history,omitempty"`
	TemporaryPasswordValidityDays int  `json:"temp_days"`
}

// DefaultPasswordPolicy is what a pool created without one gets.
var DefaultPasswordPolicy = PasswordPolicy{MinimumLength: 8, RequireUppercase: true, RequireLowercase: true,
	RequireNumbers: true, RequireSymbols: true, TemporaryPasswordValidityDays: 7}

// VerificationTemplate is VerificationMessageTemplate.
type VerificationTemplate struct {
	SmsMessage         string `json:"sms_message,omitempty"`
	EmailMessage       string `json:"email_message,omitempty"`
	EmailSubject       string `json:"email_subject,omitempty"`
	EmailMessageByLink string `json:"email_message_by_link,omitempty"`
	EmailSubjectByLink string `json:"email_subject_by_link,omitempty"`
	DefaultEmailOption string `json:"default_email_option,omitempty"`
}

// MFA modes (UserPoolMfaType).
const (
	MFAOff      = "OFF"
	MFAOn       = "ON"
	MFAOptional = "OPTIONAL"
)

// MFA factor names as Cognito spells them in UserMFASettingList and challenges.
const (
	FactorSMS   = "SMS_MFA"
	FactorTOTP  = "SOFTWARE_TOKEN_MFA"
	FactorEmail = "EMAIL_OTP"
)

// MFAConfig is the pool's MFA configuration (SetUserPoolMfaConfig).
type MFAConfig struct {
	Mode         string `json:"mode"`
	SmsEnabled   bool   `json:"sms,omitempty"`
	SmsMessage   string `json:"sms_message,omitempty"`
	TotpEnabled  bool   `json:"totp,omitempty"`
	EmailEnabled bool   `json:"email,omitempty"`
	EmailMessage string `json:"email_message,omitempty"`
	EmailSubject string `json:"email_subject,omitempty"`
	// WebAuthn relying party settings.
	WebAuthnRelyingPartyID   string `json:"webauthn_rp_id,omitempty"`
	WebAuthnUserVerification string `json:"webauthn_uv,omitempty"`
	// WebAuthnFactor is WebAuthnConfiguration.FactorConfiguration: "" (not
	// set, a single factor), SINGLE_FACTOR or WebAuthnMultiFactor.
	WebAuthnFactor string `json:"webauthn_factor,omitempty"`
}

// DeviceConfig is DeviceConfiguration.
type DeviceConfig struct {
	ChallengeRequiredOnNewDevice     bool `json:"challenge_on_new"`
	DeviceOnlyRememberedOnUserPrompt bool `json:"remember_on_prompt"`
}

// EmailConfig is EmailConfiguration.
type EmailConfig struct {
	SourceArn           string `json:"source_arn,omitempty"`
	ReplyToEmailAddress string `json:"reply_to,omitempty"`
	EmailSendingAccount string `json:"sending_account,omitempty"`
	From                string `json:"from,omitempty"`
	ConfigurationSet    string `json:"configuration_set,omitempty"`
}

// SmsConfig is SmsConfiguration.
type SmsConfig struct {
	SnsCallerArn string `json:"sns_caller_arn"`
	ExternalID   string `json:"external_id,omitempty"`
	SnsRegion    string `json:"sns_region,omitempty"`
}

// AdminCreateUserConfig is AdminCreateUserConfig.
type AdminCreateUserConfig struct {
	AllowAdminCreateUserOnly  bool           `json:"admin_only"`
	UnusedAccountValidityDays int            `json:"unused_days,omitempty"`
	Invite                    InviteTemplate `json:"invite"`
}

// InviteTemplate is InviteMessageTemplate.
type InviteTemplate struct {
	SMSMessage   string `json:"sms,omitempty"`
	EmailMessage string `json:"email,omitempty"`
	EmailSubject string `json:"subject,omitempty"`
}

// SchemaAttribute is one attribute of the pool's schema.
type SchemaAttribute struct {
	Name          string `json:"name"`
	DataType      string `json:"type"` // String, Number, DateTime, Boolean
	DeveloperOnly bool   `json:"developer_only,omitempty"`
	Mutable       bool   `json:"mutable"`
	Required      bool   `json:"required"`
	// Constraints as Cognito reports them (strings); HasString/HasNumber say
	// whether the constraint structure is present at all.
	HasNumber bool   `json:"has_number,omitempty"`
	NumberMin string `json:"number_min,omitempty"`
	NumberMax string `json:"number_max,omitempty"`
	HasString bool   `json:"has_string,omitempty"`
	StringMin string `json:"string_min,omitempty"`
	StringMax string `json:"string_max,omitempty"`
}

// RecoveryOption is one entry of AccountRecoverySetting.
type RecoveryOption struct {
	Name     string `json:"name"`
	Priority int    `json:"priority"`
}

// Client is an app client.
type Client struct {
	ID        string
	PoolID    string
	Name      string
	CreatedAt time.Time
	UpdatedAt time.Time
	Version   int64
	ClientSettings
}

// Token validity units.
const (
	UnitSeconds = "seconds"
	UnitMinutes = "minutes"
	UnitHours   = "hours"
	UnitDays    = "days"
)

// ClientSettings is everything CreateUserPoolClient/UpdateUserPoolClient set.
type ClientSettings struct {
	// Secret is the value of the client's first secret ("" for a public
	// client): what DescribeUserPoolClient shows, and all that records
	// written before secrets could rotate hold.
	Secret string `json:"secret,omitempty"`
	// Secrets are every secret, oldest first: one, or two while a rotation
	// is under way (AddUserPoolClientSecret). Any of them signs. A client
	// with a Secret always has them (clientFromRecord fills in the one of an
	// older record).
	Secrets                    []ClientSecret    `json:"secrets,omitempty"`
	RefreshTokenValidity       int               `json:"refresh_validity"`
	AccessTokenValidity        int               `json:"access_validity"`
	IDTokenValidity            int               `json:"id_validity"`
	AccessTokenUnit            string            `json:"access_unit"`
	IDTokenUnit                string            `json:"id_unit"`
	RefreshTokenUnit           string            `json:"refresh_unit"`
	ReadAttributes             []string          `json:"read_attributes,omitempty"`
	WriteAttributes            []string          `json:"write_attributes,omitempty"`
	ExplicitAuthFlows          []string          `json:"explicit_auth_flows,omitempty"`
	SupportedIdentityProviders []string          `json:"idps,omitempty"`
	CallbackURLs               []string          `json:"callback_urls,omitempty"`
	LogoutURLs                 []string          `json:"logout_urls,omitempty"`
	DefaultRedirectURI         string            `json:"default_redirect_uri,omitempty"`
	AllowedOAuthFlows          []string          `json:"oauth_flows,omitempty"`
	AllowedOAuthScopes         []string          `json:"oauth_scopes,omitempty"`
	AllowedOAuthFlowsUserPool  bool              `json:"oauth_flows_user_pool,omitempty"`
	PreventUserExistenceErrors string            `json:"prevent_user_existence_errors"`
	EnableTokenRevocation      bool              `json:"token_revocation"`
	EnablePropagateContextData bool              `json:"propagate_context_data,omitempty"`
	AuthSessionValidity        int               `json:"auth_session_validity"`
	RefreshRotation            bool              `json:"refresh_rotation,omitempty"`
	RefreshRotationGrace       int               `json:"refresh_rotation_grace,omitempty"`
	HasRefreshRotation         bool              `json:"has_refresh_rotation,omitempty"`
	Analytics                  map[string]string `json:"analytics,omitempty"`
}

// AccessTTL is the access token lifetime: 60 minutes unless the client sets one.
func (c *Client) AccessTTL() time.Duration {
	return unitDuration(c.AccessTokenValidity, c.AccessTokenUnit, UnitHours, time.Hour)
}

// IDTTL is the ID token lifetime: 60 minutes unless the client sets one.
func (c *Client) IDTTL() time.Duration {
	return unitDuration(c.IDTokenValidity, c.IDTokenUnit, UnitHours, time.Hour)
}

// defaultRefreshTTL is a refresh token's lifetime unless the client sets one.
const defaultRefreshTTL = 30 * 24 * time.Hour

// RefreshTTL is the refresh token lifetime: 30 days unless the client sets one.
func (c *Client) RefreshTTL() time.Duration {
	return unitDuration(c.RefreshTokenValidity, c.RefreshTokenUnit, UnitDays, defaultRefreshTTL)
}

// SessionTTL is AuthSessionValidity: how long each challenge session lives.
func (c *Client) SessionTTL() time.Duration {
	if c.AuthSessionValidity == 0 {
		return 3 * time.Minute
	}
	return time.Duration(c.AuthSessionValidity) * time.Minute
}

func unitDuration(n int, unit, defaultUnit string, fallback time.Duration) time.Duration {
	if n == 0 {
		return fallback
	}
	if unit == "" {
		unit = defaultUnit
	}
	d := time.Duration(n)
	switch unit {
	case UnitSeconds:
		return d * time.Second
	case UnitMinutes:
		return d * time.Minute
	case UnitDays:
		return d * 24 * time.Hour
	default:
		return d * time.Hour
	}
}

// User statuses (UserStatusType).
const (
	StatusUnconfirmed         = "UNCONFIRMED"
	StatusConfirmed           = "CONFIRMED"
	StatusForceChangePassword = "FORCE_CHANGE_PASSWORD"
	StatusResetRequired       = "RESET_REQUIRED"
	StatusExternalProvider    = "EXTERNAL_PROVIDER"
)

// Attribute is one user attribute.
type Attribute struct {
	Name  string
	Value string
}

// User is what the domain tells adapters about a user.
type User struct {
	PoolID       string
	Username     string
	Sub          string
	Attributes   []Attribute // sub first, then by name
	Status       string
	Enabled      bool
	CreatedAt    time.Time
	UpdatedAt    time.Time
	MFAEnabled   []string
	MFAPreferred string
}

func poolFromRecord(r *store.Pool) (*Pool, error) {
	settings, err := poolSettingsCache.decode(r.ID, r.Settings)
	if err != nil {
		return nil, fmt.Errorf("decode pool %s settings: %w", r.ID, err)
	}
	return &Pool{ID: r.ID, Name: r.Name, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt, Version: r.Version,
		PoolSettings: settings}, nil
}

func (p *Pool) record() (*store.Pool, error) {
	b, err := json.Marshal(&p.PoolSettings)
	if err != nil {
		return nil, err
	}
	return &store.Pool{ID: p.ID, Name: p.Name, Settings: b, CreatedAt: p.CreatedAt, UpdatedAt: p.UpdatedAt, Version: p.Version}, nil
}

func clientFromRecord(r *store.Client) (*Client, error) {
	settings, err := clientSettingsCache.decode(r.ID, r.Settings)
	if err != nil {
		return nil, fmt.Errorf("decode client %s settings: %w", r.ID, err)
	}
	if settings.Secret != "" && len(settings.Secrets) == 0 { // written before rotation
		settings.Secrets = []ClientSecret{newClientSecret(r.ID, settings.Secret, r.CreatedAt, nil)}
	}
	return &Client{ID: r.ID, PoolID: r.PoolID, Name: r.Name, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt, Version: r.Version,
		ClientSettings: settings}, nil
}

func (c *Client) record() (*store.Client, error) {
	b, err := json.Marshal(&c.ClientSettings)
	if err != nil {
		return nil, err
	}
	return &store.Client{ID: c.ID, PoolID: c.PoolID, Name: c.Name, Settings: b, CreatedAt: c.CreatedAt, UpdatedAt: c.UpdatedAt, Version: c.Version}, nil
}
