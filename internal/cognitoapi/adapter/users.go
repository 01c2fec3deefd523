package adapter

import (
	"context"

	"github.com/ninshou/ninshou/internal/awsjson"
	api "github.com/ninshou/ninshou/internal/cognitoapi"
	"github.com/ninshou/ninshou/internal/idp"
)

func (h *handlers) registerUsers(m map[string]awsjson.Endpoint) {
	m["AdminCreateUser"] = awsjson.Op(h.adminCreateUser)
	m["AdminGetUser"] = awsjson.Op(h.adminGetUser)
	m["AdminDeleteUser"] = awsjson.Op(h.adminDeleteUser)
	m["AdminSetUserPassword"] = awsjson.Op(h.adminSetUserPassword)
	m["AdminUpdateUserAttributes"] = awsjson.Op(h.adminUpdateUserAttributes)
	m["AdminDeleteUserAttributes"] = awsjson.Op(h.adminDeleteUserAttributes)
	m["AdminSetUserMFAPreference"] = awsjson.Op(h.adminSetUserMFAPreference)
	m["AdminUserGlobalSignOut"] = awsjson.Op(h.adminUserGlobalSignOut)
}

func userOut(u *idp.User) *api.UserType {
	return &api.UserType{
		Username: api.String(u.Username), Attributes: attributesOut(u.Attributes),
		UserCreateDate: ts(u.CreatedAt), UserLastModifiedDate: ts(u.UpdatedAt),
		Enabled: api.Bool(u.Enabled), UserStatus: api.String(u.Status), MFAOptions: mfaOptions(u),
	}
}

func (h *handlers) adminCreateUser(ctx context.Context, in *api.AdminCreateUserRequest) (*api.AdminCreateUserResponse, error) {
	ctx = idp.WithClientMetadata(ctx, in.ClientMetadata)
	u, err := h.svc.AdminCreateUser(ctx, idp.CreateUserInput{
		PoolID: str(in.UserPoolId), Username: str(in.Username), Attributes: attributesIn(in.UserAttributes),
		TemporaryPassword: str(in.TemporaryPassword), MessageAction: str(in.MessageAction),
		DeliveryMediums: in.DesiredDeliveryMediums, ForceAliasCreation: api.ToBool(in.ForceAliasCreation),
		ValidationData: attributesIn(in.ValidationData),
	})
	if err != nil {
		return nil, err
	}
	return &api.AdminCreateUserResponse{User: userOut(u)}, nil
}

func (h *handlers) adminGetUser(ctx context.Context, in *api.AdminGetUserRequest) (*api.AdminGetUserResponse, error) {
	u, err := h.svc.AdminGetUser(ctx, str(in.UserPoolId), str(in.Username))
	if err != nil {
		return nil, err
	}
	return &api.AdminGetUserResponse{
		Username: api.String(u.Username), UserAttributes: attributesOut(u.Attributes),
		UserCreateDate: ts(u.CreatedAt), UserLastModifiedDate: ts(u.UpdatedAt),
		Enabled: api.Bool(u.Enabled), UserStatus: api.String(u.Status), MFAOptions: mfaOptions(u),
		PreferredMfaSetting: strPtr(u.MFAPreferred), UserMFASettingList: orNil(u.MFAEnabled),
	}, nil
}

func (h *handlers) adminDeleteUser(ctx context.Context, in *api.AdminDeleteUserRequest) (*noOutput, error) {
	if err := h.svc.AdminDeleteUser(ctx, str(in.UserPoolId), str(in.Username)); err != nil {
		return nil, err
	}
	return &noOutput{}, nil
}

func (h *handlers) adminSetUserPassword(ctx context.Context, in *api.AdminSetUserPasswordRequest) (*api.AdminSetUserPasswordResponse, error) {
	err := h.svc.AdminSetUserPassword(ctx, str(in.UserPoolId), str(in.Username), str(in.Password), api.ToBool(in.Permanent))
	if err != nil {
		return nil, err
	}
	return &api.AdminSetUserPasswordResponse{}, nil
}

func (h *handlers) adminUpdateUserAttributes(ctx context.Context, in *api.AdminUpdateUserAttributesRequest) (*api.AdminUpdateUserAttributesResponse, error) {
	ctx = idp.WithClientMetadata(ctx, in.ClientMetadata)
	if err := h.svc.AdminUpdateUserAttributes(ctx, str(in.UserPoolId), str(in.Username), attributesIn(in.UserAttributes)); err != nil {
		return nil, err
	}
	return &api.AdminUpdateUserAttributesResponse{}, nil
}

func (h *handlers) adminDeleteUserAttributes(ctx context.Context, in *api.AdminDeleteUserAttributesRequest) (*api.AdminDeleteUserAttributesResponse, error) {
	if err := h.svc.AdminDeleteUserAttributes(ctx, str(in.UserPoolId), str(in.Username), in.UserAttributeNames); err != nil {
		return nil, err
	}
	return &api.AdminDeleteUserAttributesResponse{}, nil
}

func (h *handlers) adminSetUserMFAPreference(ctx context.Context, in *api.AdminSetUserMFAPreferenceRequest) (*api.AdminSetUserMFAPreferenceResponse, error) {
	prefs := mfaPrefs(in.SMSMfaSettings, in.SoftwareTokenMfaSettings, in.EmailMfaSettings, in.WebAuthnMfaSettings)
	if err := h.svc.AdminSetUserMFAPreference(ctx, str(in.UserPoolId), str(in.Username), prefs); err != nil {
		return nil, err
	}
	return &api.AdminSetUserMFAPreferenceResponse{}, nil
}

func (h *handlers) adminUserGlobalSignOut(ctx context.Context, in *api.AdminUserGlobalSignOutRequest) (*api.AdminUserGlobalSignOutResponse, error) {
	if err := h.svc.AdminUserGlobalSignOut(ctx, str(in.UserPoolId), str(in.Username)); err != nil {
		return nil, err
	}
	return &api.AdminUserGlobalSignOutResponse{}, nil
}
