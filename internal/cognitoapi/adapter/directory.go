package adapter

import (
	"context"
	"regexp"

	"github.com/ninshou/ninshou/internal/awsjson"
	api "github.com/ninshou/ninshou/internal/cognitoapi"
	"github.com/ninshou/ninshou/internal/idp"
)

// The user directory: sign-up and confirmation, password recovery,
// attributes and their verification, account state, and pool tags.

func (h *handlers) registerDirectory(m map[string]awsjson.Endpoint) {
	m["SignUp"] = awsjson.Op(h.signUp)
	m["ConfirmSignUp"] = awsjson.Op(h.confirmSignUp)
	m["ResendConfirmationCode"] = awsjson.Op(h.resendConfirmationCode)
	m["AdminConfirmSignUp"] = awsjson.Op(h.adminConfirmSignUp)
	m["ForgotPassword"] = awsjson.Op(h.forgotPassword)
	m["ConfirmForgotPassword"] = awsjson.Op(h.confirmForgotPassword)
	m["AdminResetUserPassword"] = awsjson.Op(h.adminResetUserPassword)
	m["ChangePassword"] = awsjson.Op(h.changePassword)
	m["AddCustomAttributes"] = awsjson.Op(h.addCustomAttributes)
	m["UpdateUserAttributes"] = awsjson.Op(h.updateUserAttributes)
	m["DeleteUserAttributes"] = awsjson.Op(h.deleteUserAttributes)
	m["GetUserAttributeVerificationCode"] = awsjson.Op(h.getUserAttributeVerificationCode)
	m["VerifyUserAttribute"] = awsjson.Op(h.verifyUserAttribute)
	m["AdminDisableUser"] = awsjson.Op(h.adminDisableUser)
	m["AdminEnableUser"] = awsjson.Op(h.adminEnableUser)
	m["DeleteUser"] = awsjson.Op(h.deleteUser)
	m["TagResource"] = awsjson.Op(h.tagResource)
	m["UntagResource"] = awsjson.Op(h.untagResource)
	m["ListTagsForResource"] = awsjson.Op(h.listTagsForResource)
}

func deliveryOut(d *idp.CodeDelivery) *api.CodeDeliveryDetailsType {
	if d == nil {
		return nil
	}
	return &api.CodeDeliveryDetailsType{Destination: api.String(d.Destination),
		DeliveryMedium: api.String(d.DeliveryMedium), AttributeName: api.String(d.AttributeName)}
}

func (h *handlers) signUp(ctx context.Context, in *api.SignUpRequest) (*api.SignUpResponse, error) {
	ctx = idp.WithClientMetadata(ctx, in.ClientMetadata)
	r, err := h.svc.SignUp(ctx, idp.SignUpInput{
		ClientID: str(in.ClientId), SecretHash: str(in.SecretHash), Username: str(in.Username), Password: str(in.Password),
		Attributes: attributesIn(in.UserAttributes), ValidationData: attributesIn(in.ValidationData),
	})
	if err != nil {
		return nil, err
	}
	return &api.SignUpResponse{UserConfirmed: api.Bool(r.UserConfirmed), UserSub: api.String(r.UserSub),
		CodeDeliveryDetails: deliveryOut(r.Delivery), Session: strPtr(r.Session)}, nil
}

func (h *handlers) confirmSignUp(ctx context.Context, in *api.ConfirmSignUpRequest) (*api.ConfirmSignUpResponse, error) {
	ctx = idp.WithClientMetadata(ctx, in.ClientMetadata)
	session, err := h.svc.ConfirmSignUp(ctx, idp.ConfirmSignUpInput{
		ClientID: str(in.ClientId), SecretHash: str(in.SecretHash), Username: str(in.Username),
		Code: str(in.ConfirmationCode), ForceAliasCreation: api.ToBool(in.ForceAliasCreation), Session: str(in.Session),
	})
	if err != nil {
		return nil, err
	}
	return &api.ConfirmSignUpResponse{Session: strPtr(session)}, nil
}

func (h *handlers) resendConfirmationCode(ctx context.Context, in *api.ResendConfirmationCodeRequest) (*api.ResendConfirmationCodeResponse, error) {
	ctx = idp.WithClientMetadata(ctx, in.ClientMetadata)
	d, err := h.svc.ResendConfirmationCode(ctx, str(in.ClientId), str(in.SecretHash), str(in.Username))
	if err != nil {
		return nil, err
	}
	return &api.ResendConfirmationCodeResponse{CodeDeliveryDetails: deliveryOut(d)}, nil
}

func (h *handlers) adminConfirmSignUp(ctx context.Context, in *api.AdminConfirmSignUpRequest) (*api.AdminConfirmSignUpResponse, error) {
	ctx = idp.WithClientMetadata(ctx, in.ClientMetadata)
	if err := h.svc.AdminConfirmSignUp(ctx, str(in.UserPoolId), str(in.Username)); err != nil {
		return nil, err
	}
	return &api.AdminConfirmSignUpResponse{}, nil
}

func (h *handlers) forgotPassword(ctx context.Context, in *api.ForgotPasswordRequest) (*api.ForgotPasswordResponse, error) {
	ctx = idp.WithClientMetadata(ctx, in.ClientMetadata)
	d, err := h.svc.ForgotPassword(ctx, str(in.ClientId), str(in.SecretHash), str(in.Username))
	if err != nil {
		return nil, err
	}
	return &api.ForgotPasswordResponse{CodeDeliveryDetails: deliveryOut(d)}, nil
}

func (h *handlers) confirmForgotPassword(ctx context.Context, in *api.ConfirmForgotPasswordRequest) (*api.ConfirmForgotPasswordResponse, error) {
	ctx = idp.WithClientMetadata(ctx, in.ClientMetadata)
	err := h.svc.ConfirmForgotPassword(ctx, idp.ConfirmForgotPasswordInput{
		ClientID: str(in.ClientId), SecretHash: str(in.SecretHash), Username: str(in.Username),
		Code: str(in.ConfirmationCode), Password: str(in.Password),
	})
	if err != nil {
		return nil, err
	}
	return &api.ConfirmForgotPasswordResponse{}, nil
}

func (h *handlers) adminResetUserPassword(ctx context.Context, in *api.AdminResetUserPasswordRequest) (*api.AdminResetUserPasswordResponse, error) {
	ctx = idp.WithClientMetadata(ctx, in.ClientMetadata)
	if err := h.svc.AdminResetUserPassword(ctx, str(in.UserPoolId), str(in.Username)); err != nil {
		return nil, err
	}
	return &api.AdminResetUserPasswordResponse{}, nil
}

func (h *handlers) changePassword(ctx context.Context, in *api.ChangePasswordRequest) (*api.ChangePasswordResponse, error) {
	if err := h.svc.ChangePassword(ctx, str(in.AccessToken), str(in.PreviousPassword), str(in.ProposedPassword)); err != nil {
		return nil, err
	}
	return &api.ChangePasswordResponse{}, nil
}

func (h *handlers) addCustomAttributes(ctx context.Context, in *api.AddCustomAttributesRequest) (*api.AddCustomAttributesResponse, error) {
	if err := h.svc.AddCustomAttributes(ctx, str(in.UserPoolId), schemaIn(in.CustomAttributes)); err != nil {
		return nil, err
	}
	return &api.AddCustomAttributesResponse{}, nil
}

func (h *handlers) updateUserAttributes(ctx context.Context, in *api.UpdateUserAttributesRequest) (*api.UpdateUserAttributesResponse, error) {
	ctx = idp.WithClientMetadata(ctx, in.ClientMetadata)
	ds, err := h.svc.UpdateUserAttributes(ctx, str(in.AccessToken), attributesIn(in.UserAttributes))
	if err != nil {
		return nil, err
	}
	out := &api.UpdateUserAttributesResponse{}
	for i := range ds {
		out.CodeDeliveryDetailsList = append(out.CodeDeliveryDetailsList, *deliveryOut(&ds[i]))
	}
	return out, nil
}

func (h *handlers) deleteUserAttributes(ctx context.Context, in *api.DeleteUserAttributesRequest) (*api.DeleteUserAttributesResponse, error) {
	if err := h.svc.DeleteUserAttributes(ctx, str(in.AccessToken), in.UserAttributeNames); err != nil {
		return nil, err
	}
	return &api.DeleteUserAttributesResponse{}, nil
}

func (h *handlers) getUserAttributeVerificationCode(ctx context.Context, in *api.GetUserAttributeVerificationCodeRequest) (*api.GetUserAttributeVerificationCodeResponse, error) {
	ctx = idp.WithClientMetadata(ctx, in.ClientMetadata)
	d, err := h.svc.GetUserAttributeVerificationCode(ctx, str(in.AccessToken), str(in.AttributeName))
	if err != nil {
		return nil, err
	}
	return &api.GetUserAttributeVerificationCodeResponse{CodeDeliveryDetails: deliveryOut(d)}, nil
}

func (h *handlers) verifyUserAttribute(ctx context.Context, in *api.VerifyUserAttributeRequest) (*api.VerifyUserAttributeResponse, error) {
	if err := h.svc.VerifyUserAttribute(ctx, str(in.AccessToken), str(in.AttributeName), str(in.Code)); err != nil {
		return nil, err
	}
	return &api.VerifyUserAttributeResponse{}, nil
}

func (h *handlers) adminDisableUser(ctx context.Context, in *api.AdminDisableUserRequest) (*api.AdminDisableUserResponse, error) {
	if err := h.svc.AdminDisableUser(ctx, str(in.UserPoolId), str(in.Username)); err != nil {
		return nil, err
	}
	return &api.AdminDisableUserResponse{}, nil
}

func (h *handlers) adminEnableUser(ctx context.Context, in *api.AdminEnableUserRequest) (*api.AdminEnableUserResponse, error) {
	if err := h.svc.AdminEnableUser(ctx, str(in.UserPoolId), str(in.Username)); err != nil {
		return nil, err
	}
	return &api.AdminEnableUserResponse{}, nil
}

func (h *handlers) deleteUser(ctx context.Context, in *api.DeleteUserRequest) (*noOutput, error) {
	if err := h.svc.DeleteUser(ctx, str(in.AccessToken)); err != nil {
		return nil, err
	}
	return &noOutput{}, nil
}

// poolArnPattern is a user pool's ARN, the only taggable resource.
var poolArnPattern = regexp.MustCompile(`^arn:aws[\w-]*:cognito-idp:([a-z0-9-]+):[0-9]{12}:userpool/(([\w-]+)_[0-9a-zA-Z]+)$`)

// poolFromArn reads the pool ID from an ARN that poolArn would produce for it.
func poolFromArn(arn string) (string, error) {
	m := poolArnPattern.FindStringSubmatch(arn)
	if m == nil || m[1] != m[3] {
		return "", idp.Errorf(idp.InvalidParameterException, "Invalid ARN: %s", arn)
	}
	if poolArn(m[2]) != arn {
		return "", idp.Errorf(idp.ResourceNotFoundException, "User pool %s does not exist.", m[2])
	}
	return m[2], nil
}

func (h *handlers) tagResource(ctx context.Context, in *api.TagResourceRequest) (*api.TagResourceResponse, error) {
	id, err := poolFromArn(str(in.ResourceArn))
	if err != nil {
		return nil, err
	}
	if err := h.svc.TagPool(ctx, id, in.Tags); err != nil {
		return nil, err
	}
	return &api.TagResourceResponse{}, nil
}

func (h *handlers) untagResource(ctx context.Context, in *api.UntagResourceRequest) (*api.UntagResourceResponse, error) {
	id, err := poolFromArn(str(in.ResourceArn))
	if err != nil {
		return nil, err
	}
	if err := h.svc.UntagPool(ctx, id, in.TagKeys); err != nil {
		return nil, err
	}
	return &api.UntagResourceResponse{}, nil
}

// listTagsForResource answers Tags: {} for a pool without tags, as
// DescribeUserPool's UserPoolTags does.
func (h *handlers) listTagsForResource(ctx context.Context, in *api.ListTagsForResourceRequest) (*api.ListTagsForResourceResponse, error) {
	id, err := poolFromArn(str(in.ResourceArn))
	if err != nil {
		return nil, err
	}
	tags, err := h.svc.PoolTags(ctx, id)
	if err != nil {
		return nil, err
	}
	if tags == nil {
		tags = map[string]string{}
	}
	return &api.ListTagsForResourceResponse{Tags: tags}, nil
}
