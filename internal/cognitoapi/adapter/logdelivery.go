package adapter

import (
	"context"

	"github.com/ninshou/ninshou/internal/awsjson"
	api "github.com/ninshou/ninshou/internal/cognitoapi"
	"github.com/ninshou/ninshou/internal/idp"
)

// Log delivery configuration.

func (h *handlers) registerLogDelivery(m map[string]awsjson.Endpoint) {
	m["SetLogDeliveryConfiguration"] = awsjson.Op(h.setLogDeliveryConfiguration)
	m["GetLogDeliveryConfiguration"] = awsjson.Op(h.getLogDeliveryConfiguration)
}

func logDeliveryOut(poolID string, cfgs []idp.LogConfiguration) *api.LogDeliveryConfigurationType {
	out := &api.LogDeliveryConfigurationType{UserPoolId: api.String(poolID), LogConfigurations: make([]api.LogConfigurationType, 0, len(cfgs))}
	for _, c := range cfgs {
		lc := api.LogConfigurationType{LogLevel: api.String(c.LogLevel), EventSource: api.String(c.EventSource)}
		if c.CloudWatchLogGroupArn != "" {
			lc.CloudWatchLogsConfiguration = &api.CloudWatchLogsConfigurationType{LogGroupArn: api.String(c.CloudWatchLogGroupArn)}
		}
		if c.S3BucketArn != "" {
			lc.S3Configuration = &api.S3ConfigurationType{BucketArn: api.String(c.S3BucketArn)}
		}
		if c.FirehoseStreamArn != "" {
			lc.FirehoseConfiguration = &api.FirehoseConfigurationType{StreamArn: api.String(c.FirehoseStreamArn)}
		}
		out.LogConfigurations = append(out.LogConfigurations, lc)
	}
	return out
}

func (h *handlers) setLogDeliveryConfiguration(ctx context.Context, in *api.SetLogDeliveryConfigurationRequest) (*api.SetLogDeliveryConfigurationResponse, error) {
	cfgs := make([]idp.LogConfiguration, 0, len(in.LogConfigurations))
	for _, lc := range in.LogConfigurations {
		c := idp.LogConfiguration{LogLevel: str(lc.LogLevel), EventSource: str(lc.EventSource)}
		if lc.CloudWatchLogsConfiguration != nil {
			c.CloudWatchLogGroupArn = str(lc.CloudWatchLogsConfiguration.LogGroupArn)
		}
		if lc.S3Configuration != nil {
			c.S3BucketArn = str(lc.S3Configuration.BucketArn)
		}
		if lc.FirehoseConfiguration != nil {
			c.FirehoseStreamArn = str(lc.FirehoseConfiguration.StreamArn)
		}
		cfgs = append(cfgs, c)
	}
	if err := h.svc.SetLogDelivery(ctx, str(in.UserPoolId), cfgs); err != nil {
		return nil, err
	}
	return &api.SetLogDeliveryConfigurationResponse{LogDeliveryConfiguration: logDeliveryOut(str(in.UserPoolId), cfgs)}, nil
}

func (h *handlers) getLogDeliveryConfiguration(ctx context.Context, in *api.GetLogDeliveryConfigurationRequest) (*api.GetLogDeliveryConfigurationResponse, error) {
	cfgs, err := h.svc.LogDelivery(ctx, str(in.UserPoolId))
	if err != nil {
		return nil, err
	}
	return &api.GetLogDeliveryConfigurationResponse{LogDeliveryConfiguration: logDeliveryOut(str(in.UserPoolId), cfgs)}, nil
}
