package adapter

import (
	"context"
	"time"

	"github.com/ninshou/ninshou/internal/awsjson"
	api "github.com/ninshou/ninshou/internal/cognitoapi"
	"github.com/ninshou/ninshou/internal/idp"
	"github.com/ninshou/ninshou/internal/store"
)

// Remembered devices: the self-service operations (access token) and their
// admin twins (pool and username).
func (h *handlers) registerDevices(m map[string]awsjson.Endpoint) {
	m["ConfirmDevice"] = awsjson.Op(h.confirmDevice)
	m["GetDevice"] = awsjson.Op(h.getDevice)
	m["ListDevices"] = awsjson.Op(h.listDevices)
	m["UpdateDeviceStatus"] = awsjson.Op(h.updateDeviceStatus)
	m["ForgetDevice"] = awsjson.Op(h.forgetDevice)
	m["AdminGetDevice"] = awsjson.Op(h.adminGetDevice)
	m["AdminListDevices"] = awsjson.Op(h.adminListDevices)
	m["AdminUpdateDeviceStatus"] = awsjson.Op(h.adminUpdateDeviceStatus)
	m["AdminForgetDevice"] = awsjson.Op(h.adminForgetDevice)
}

func newDeviceOut(d *idp.NewDeviceMetadata) *api.NewDeviceMetadataType {
	if d == nil {
		return nil
	}
	return &api.NewDeviceMetadataType{DeviceKey: api.String(d.DeviceKey), DeviceGroupKey: api.String(d.DeviceGroupKey)}
}

func deviceOut(d *idp.Device) *api.DeviceType {
	out := &api.DeviceType{DeviceKey: api.String(d.Key), DeviceAttributes: attributesOut(d.Attributes),
		DeviceCreateDate: ts(d.CreatedAt), DeviceLastModifiedDate: ts(d.UpdatedAt)}
	if !d.LastAuthAt.IsZero() {
		// In whole seconds, as every device of the CLI's examples shows it
		// (get-device.rst, list-devices.rst).
		out.DeviceLastAuthenticatedDate = ts(d.LastAuthAt.Truncate(time.Second))
	}
	return out
}

func devicesOut(ds []*idp.Device) []api.DeviceType {
	out := make([]api.DeviceType, 0, len(ds))
	for _, d := range ds {
		out = append(out, *deviceOut(d))
	}
	return out
}

func (h *handlers) confirmDevice(ctx context.Context, in *api.ConfirmDeviceRequest) (*api.ConfirmDeviceResponse, error) {
	var secret *idp.DeviceSecret
	if c := in.DeviceSecretVerifierConfig; c != nil {
		secret = &idp.DeviceSecret{PasswordVerifier: str(c.PasswordVerifier), Salt: str(c.Salt)}
	}
	prompt, err := h.svc.ConfirmDevice(ctx, str(in.AccessToken), str(in.DeviceKey), secret, str(in.DeviceName))
	if err != nil {
		return nil, err
	}
	return &api.ConfirmDeviceResponse{UserConfirmationNecessary: api.Bool(prompt)}, nil
}

func (h *handlers) getDevice(ctx context.Context, in *api.GetDeviceRequest) (*api.GetDeviceResponse, error) {
	d, err := h.svc.GetDevice(ctx, idp.DeviceOwner{AccessToken: str(in.AccessToken)}, str(in.DeviceKey))
	if err != nil {
		return nil, err
	}
	return &api.GetDeviceResponse{Device: deviceOut(d)}, nil
}

func (h *handlers) listDevices(ctx context.Context, in *api.ListDevicesRequest) (*api.ListDevicesResponse, error) {
	ds, next, err := h.svc.ListDevices(ctx, idp.DeviceOwner{AccessToken: str(in.AccessToken)},
		store.Page{Limit: int(api.ToInt32(in.Limit)), After: str(in.PaginationToken)})
	if err != nil {
		return nil, err
	}
	return &api.ListDevicesResponse{Devices: devicesOut(ds), PaginationToken: strPtr(next)}, nil
}

func (h *handlers) updateDeviceStatus(ctx context.Context, in *api.UpdateDeviceStatusRequest) (*api.UpdateDeviceStatusResponse, error) {
	err := h.svc.UpdateDeviceStatus(ctx, idp.DeviceOwner{AccessToken: str(in.AccessToken)}, str(in.DeviceKey), str(in.DeviceRememberedStatus))
	if err != nil {
		return nil, err
	}
	return &api.UpdateDeviceStatusResponse{}, nil
}

func (h *handlers) forgetDevice(ctx context.Context, in *api.ForgetDeviceRequest) (*noOutput, error) {
	if err := h.svc.ForgetDevice(ctx, idp.DeviceOwner{AccessToken: str(in.AccessToken)}, str(in.DeviceKey)); err != nil {
		return nil, err
	}
	return &noOutput{}, nil
}

func adminOwner(poolID, username *string) idp.DeviceOwner {
	return idp.DeviceOwner{PoolID: str(poolID), Username: str(username)}
}

func (h *handlers) adminGetDevice(ctx context.Context, in *api.AdminGetDeviceRequest) (*api.AdminGetDeviceResponse, error) {
	d, err := h.svc.GetDevice(ctx, adminOwner(in.UserPoolId, in.Username), str(in.DeviceKey))
	if err != nil {
		return nil, err
	}
	return &api.AdminGetDeviceResponse{Device: deviceOut(d)}, nil
}

func (h *handlers) adminListDevices(ctx context.Context, in *api.AdminListDevicesRequest) (*api.AdminListDevicesResponse, error) {
	ds, next, err := h.svc.ListDevices(ctx, adminOwner(in.UserPoolId, in.Username),
		store.Page{Limit: int(api.ToInt32(in.Limit)), After: str(in.PaginationToken)})
	if err != nil {
		return nil, err
	}
	return &api.AdminListDevicesResponse{Devices: devicesOut(ds), PaginationToken: strPtr(next)}, nil
}

func (h *handlers) adminUpdateDeviceStatus(ctx context.Context, in *api.AdminUpdateDeviceStatusRequest) (*api.AdminUpdateDeviceStatusResponse, error) {
	err := h.svc.UpdateDeviceStatus(ctx, adminOwner(in.UserPoolId, in.Username), str(in.DeviceKey), str(in.DeviceRememberedStatus))
	if err != nil {
		return nil, err
	}
	return &api.AdminUpdateDeviceStatusResponse{}, nil
}

func (h *handlers) adminForgetDevice(ctx context.Context, in *api.AdminForgetDeviceRequest) (*noOutput, error) {
	if err := h.svc.ForgetDevice(ctx, adminOwner(in.UserPoolId, in.Username), str(in.DeviceKey)); err != nil {
		return nil, err
	}
	return &noOutput{}, nil
}
