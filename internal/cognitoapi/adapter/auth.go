package adapter

import (
	"context"

	"github.com/ninshou/ninshou/internal/awsjson"
	api "github.com/ninshou/ninshou/internal/cognitoapi"
	"github.com/ninshou/ninshou/internal/idp"
)

func (h *handlers) registerAuth(m map[string]awsjson.Endpoint) {
	m["InitiateAuth"] = awsjson.Op(h.initiateAuth)
	m["AdminInitiateAuth"] = awsjson.Op(h.adminInitiateAuth)
	m["RespondToAuthChallenge"] = awsjson.Op(h.respondToAuthChallenge)
	m["AdminRespondToAuthChallenge"] = awsjson.Op(h.adminRespondToAuthChallenge)
	m["GetUser"] = awsjson.Op(h.getUser)
	m["GlobalSignOut"] = awsjson.Op(h.globalSignOut)
	m["SetUserMFAPreference"] = awsjson.Op(h.setUserMFAPreference)
	m["SetUserSettings"] = awsjson.Op(h.setUserSettings)
	m["AdminSetUserSettings"] = awsjson.Op(h.adminSetUserSettings)
}

// resultOut is AuthenticationResult.
func resultOut(r *idp.AuthResult) *api.AuthenticationResultType {
	if r == nil {
		return nil
	}
	return &api.AuthenticationResultType{
		AccessToken:       strPtr(r.AccessToken),
		ExpiresIn:         api.Int32(int32(r.ExpiresIn)),
		TokenType:         strPtr(r.TokenType),
		RefreshToken:      strPtr(r.RefreshToken),
		IdToken:           strPtr(r.IDToken),
		NewDeviceMetadata: newDeviceOut(r.NewDevice),
	}
}

// params is ChallengeParameters: always present, {} with tokens.
func params(s *idp.Step) map[string]string {
	if s.Parameters == nil {
		return map[string]string{}
	}
	return s.Parameters
}

func (h *handlers) initiateAuth(ctx context.Context, in *api.InitiateAuthRequest) (*api.InitiateAuthResponse, error) {
	ctx = idp.WithInitiateMetadata(ctx, in.ClientMetadata)
	ctx = withSource(ctx, userContextIP(in.UserContextData))
	step, err := h.svc.Start(ctx, idp.StartInput{ClientID: str(in.ClientId), AuthFlow: str(in.AuthFlow), Params: in.AuthParameters,
		Session: str(in.Session)})
	if err != nil {
		return nil, err
	}
	return &api.InitiateAuthResponse{ChallengeName: strPtr(step.ChallengeName), Session: strPtr(step.Session),
		ChallengeParameters: params(step), AuthenticationResult: resultOut(step.Result), AvailableChallenges: step.AvailableChallenges}, nil
}

func (h *handlers) adminInitiateAuth(ctx context.Context, in *api.AdminInitiateAuthRequest) (*api.AdminInitiateAuthResponse, error) {
	ctx = idp.WithInitiateMetadata(ctx, in.ClientMetadata)
	ctx = withSource(ctx, contextIP(in.ContextData))
	step, err := h.svc.Start(ctx, idp.StartInput{Admin: true, PoolID: str(in.UserPoolId), ClientID: str(in.ClientId),
		AuthFlow: str(in.AuthFlow), Params: in.AuthParameters, Session: str(in.Session)})
	if err != nil {
		return nil, err
	}
	return &api.AdminInitiateAuthResponse{ChallengeName: strPtr(step.ChallengeName), Session: strPtr(step.Session),
		ChallengeParameters: params(step), AuthenticationResult: resultOut(step.Result), AvailableChallenges: step.AvailableChallenges}, nil
}

func (h *handlers) respondToAuthChallenge(ctx context.Context, in *api.RespondToAuthChallengeRequest) (*api.RespondToAuthChallengeResponse, error) {
	ctx = idp.WithClientMetadata(ctx, in.ClientMetadata)
	ctx = withSource(ctx, userContextIP(in.UserContextData))
	step, err := h.svc.Respond(ctx, idp.RespondInput{ClientID: str(in.ClientId), ChallengeName: str(in.ChallengeName),
		Session: str(in.Session), Responses: in.ChallengeResponses})
	if err != nil {
		return nil, err
	}
	return &api.RespondToAuthChallengeResponse{ChallengeName: strPtr(step.ChallengeName), Session: strPtr(step.Session),
		ChallengeParameters: params(step), AuthenticationResult: resultOut(step.Result)}, nil
}

func (h *handlers) adminRespondToAuthChallenge(ctx context.Context, in *api.AdminRespondToAuthChallengeRequest) (*api.AdminRespondToAuthChallengeResponse, error) {
	ctx = idp.WithClientMetadata(ctx, in.ClientMetadata)
	ctx = withSource(ctx, contextIP(in.ContextData))
	step, err := h.svc.Respond(ctx, idp.RespondInput{Admin: true, PoolID: str(in.UserPoolId), ClientID: str(in.ClientId),
		ChallengeName: str(in.ChallengeName), Session: str(in.Session), Responses: in.ChallengeResponses})
	if err != nil {
		return nil, err
	}
	return &api.AdminRespondToAuthChallengeResponse{ChallengeName: strPtr(step.ChallengeName), Session: strPtr(step.Session),
		ChallengeParameters: params(step), AuthenticationResult: resultOut(step.Result)}, nil
}

func (h *handlers) getUser(ctx context.Context, in *api.GetUserRequest) (*api.GetUserResponse, error) {
	u, err := h.svc.GetUser(ctx, str(in.AccessToken))
	if err != nil {
		return nil, err
	}
	return &api.GetUserResponse{Username: api.String(u.Username), UserAttributes: attributesOut(u.Attributes),
		MFAOptions: mfaOptions(u), PreferredMfaSetting: strPtr(u.MFAPreferred), UserMFASettingList: orNil(u.MFAEnabled)}, nil
}

func (h *handlers) globalSignOut(ctx context.Context, in *api.GlobalSignOutRequest) (*api.GlobalSignOutResponse, error) {
	if err := h.svc.GlobalSignOut(ctx, str(in.AccessToken)); err != nil {
		return nil, err
	}
	return &api.GlobalSignOutResponse{}, nil
}

func (h *handlers) setUserMFAPreference(ctx context.Context, in *api.SetUserMFAPreferenceRequest) (*api.SetUserMFAPreferenceResponse, error) {
	prefs := mfaPrefs(in.SMSMfaSettings, in.SoftwareTokenMfaSettings, in.EmailMfaSettings, in.WebAuthnMfaSettings)
	if err := h.svc.SetUserMFAPreference(ctx, str(in.AccessToken), prefs); err != nil {
		return nil, err
	}
	return &api.SetUserMFAPreferenceResponse{}, nil
}

func mfaOptionsIn(in []api.MFAOptionType) []idp.MFAOption {
	out := make([]idp.MFAOption, 0, len(in))
	for _, o := range in {
		out = append(out, idp.MFAOption{DeliveryMedium: str(o.DeliveryMedium), AttributeName: str(o.AttributeName)})
	}
	return out
}

func (h *handlers) setUserSettings(ctx context.Context, in *api.SetUserSettingsRequest) (*api.SetUserSettingsResponse, error) {
	if err := h.svc.SetUserSettings(ctx, str(in.AccessToken), mfaOptionsIn(in.MFAOptions)); err != nil {
		return nil, err
	}
	return &api.SetUserSettingsResponse{}, nil
}

func (h *handlers) adminSetUserSettings(ctx context.Context, in *api.AdminSetUserSettingsRequest) (*api.AdminSetUserSettingsResponse, error) {
	if err := h.svc.AdminSetUserSettings(ctx, str(in.UserPoolId), str(in.Username), mfaOptionsIn(in.MFAOptions)); err != nil {
		return nil, err
	}
	return &api.AdminSetUserSettingsResponse{}, nil
}

// mfaPrefs reads the factors a request names. Within a settings object that
// is present, an absent Enabled or PreferredMfa is false: the Smithy model
// gives both a default of false, so SDKs generated from it (aws-sdk-go-v2)
// never send a false value, and {} means "disabled, not preferred".
func mfaPrefs(sms *api.SMSMfaSettingsType, totp *api.SoftwareTokenMfaSettingsType, email *api.EmailMfaSettingsType,
	passkey *api.WebAuthnMfaSettingsType) map[string]idp.MFAPreference {
	pref := func(enabled, preferred *bool) idp.MFAPreference {
		return idp.MFAPreference{Enabled: api.Bool(api.ToBool(enabled)), Preferred: api.Bool(api.ToBool(preferred))}
	}
	prefs := map[string]idp.MFAPreference{}
	if sms != nil {
		prefs[idp.FactorSMS] = pref(sms.Enabled, sms.PreferredMfa)
	}
	if totp != nil {
		prefs[idp.FactorTOTP] = pref(totp.Enabled, totp.PreferredMfa)
	}
	if email != nil {
		prefs[idp.FactorEmail] = pref(email.Enabled, email.PreferredMfa)
	}
	if passkey != nil { // no PreferredMfa: passkey MFA applies only to a passkey first factor
		prefs[idp.FactorWebAuthn] = idp.MFAPreference{Enabled: api.Bool(api.ToBool(passkey.Enabled))}
	}
	return prefs
}

// mfaOptions is the legacy MFAOptions list: SMS to phone_number when SMS MFA is on.
func mfaOptions(u *idp.User) []api.MFAOptionType {
	for _, f := range u.MFAEnabled {
		if f == idp.FactorSMS {
			return []api.MFAOptionType{{DeliveryMedium: api.String("SMS"), AttributeName: api.String("phone_number")}}
		}
	}
	return nil
}

// userContextIP is the end user's address a public sign-in request states.
func userContextIP(d *api.UserContextDataType) string {
	if d == nil {
		return ""
	}
	return str(d.IpAddress)
}

// contextIP is the end user's address an admin sign-in request states.
func contextIP(d *api.ContextDataType) string {
	if d == nil {
		return ""
	}
	return str(d.IpAddress)
}

// withSource tells the domain where a sign-in comes from: the HTTP peer,
// and the end user's address the request states (threat protection's
// always-block list reads it, and a device's last_ip_used records it).
func withSource(ctx context.Context, stated string) context.Context {
	a := idp.SourceAddress{Stated: stated}
	if info := awsjson.Info(ctx); info != nil {
		a.Peer = info.RemoteAddr
	}
	return idp.WithSourceAddress(ctx, a)
}
