package idp

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/ninshou/ninshou/internal/store"
)

// Log delivery: where a pool's detailed activity logs go. Message-delivery
// errors (userNotification, ERROR) go to a CloudWatch Logs group;
// threat-protection user activity (userAuthEvents, INFO) to a log group,
// an S3 bucket or a Firehose stream, on the Plus feature plan only.
// https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_LogConfigurationType.html
//
// Ninshou keeps the configuration, so that infrastructure code that
// declares it runs unchanged; it exports nothing to AWS.

// LogConfiguration is one destination of a pool's logs.
type LogConfiguration struct {
	EventSource           string `json:"event_source"`
	LogLevel              string `json:"log_level"`
	CloudWatchLogGroupArn string `json:"cloudwatch_log_group_arn,omitempty"`
	S3BucketArn           string `json:"s3_bucket_arn,omitempty"`
	FirehoseStreamArn     string `json:"firehose_stream_arn,omitempty"`
}

// Event sources of log delivery (EventSourceName).
const (
	LogsUserNotification = "userNotification"
	LogsUserAuthEvents   = "userAuthEvents"
)

const (
	kindLogDelivery = "log-delivery"
	keyLogDelivery  = "config" // one per pool
)

func checkLogConfigurations(p *Pool, cfgs []LogConfiguration) error {
	seen := map[string]bool{}
	for _, c := range cfgs {
		if seen[c.EventSource] {
			return Errorf(InvalidParameterException, "The event source %s is configured more than once.", c.EventSource)
		}
		seen[c.EventSource] = true
		dests := 0
		for _, d := range []string{c.CloudWatchLogGroupArn, c.S3BucketArn, c.FirehoseStreamArn} {
			if d != "" {
				dests++
			}
		}
		if dests != 1 {
			return Errorf(InvalidParameterException, "A log configuration names exactly one destination: CloudWatchLogsConfiguration, S3Configuration or FirehoseConfiguration.")
		}
		switch c.EventSource {
		case LogsUserNotification:
			if c.LogLevel != "ERROR" || c.CloudWatchLogGroupArn == "" {
				return Errorf(InvalidParameterException, "userNotification logs are ERROR-level and go to a CloudWatchLogsConfiguration.")
			}
		case LogsUserAuthEvents:
			if c.LogLevel != "INFO" {
				return Errorf(InvalidParameterException, "userAuthEvents logs are INFO-level.")
			}
			if p.Tier != "PLUS" {
				return Errorf(FeatureUnavailableInTierException, "Exporting userAuthEvents logs needs the PLUS feature plan.")
			}
		}
	}
	return nil
}

// SetLogDelivery replaces the pool's log configurations (none: no export).
func (s *Service) SetLogDelivery(ctx context.Context, poolID string, cfgs []LogConfiguration) error {
	if cfgs == nil {
		cfgs = []LogConfiguration{}
	}
	body, err := json.Marshal(cfgs)
	if err != nil {
		return err
	}
	return s.update(ctx, func(tx store.Tx) error {
		p, err := getPool(tx, poolID)
		if err != nil {
			return err
		}
		if err := checkLogConfigurations(p, cfgs); err != nil {
			return err
		}
		_, err = putPoolObject(tx, poolID, kindLogDelivery, keyLogDelivery, body, s.now())
		return err
	})
}

// LogDelivery returns the pool's log configurations; none if it has none.
func (s *Service) LogDelivery(ctx context.Context, poolID string) ([]LogConfiguration, error) {
	cfgs := []LogConfiguration{}
	err := s.view(ctx, func(tx store.Tx) error {
		if err := requirePool(tx, poolID); err != nil {
			return err
		}
		o, err := tx.PoolObjects().Get(poolID, kindLogDelivery, keyLogDelivery)
		if errors.Is(err, store.ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		if err := json.Unmarshal(o.Body, &cfgs); err != nil {
			return fmt.Errorf("idp: log delivery of %s: %w", poolID, err)
		}
		return nil
	})
	return cfgs, err
}
