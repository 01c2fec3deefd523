package e2e

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestLogDeliveryAWSCLI: set-log-delivery-configuration keeps what a stack
// declares and get-log-delivery-configuration reads it back, under the
// rules of LogConfigurationType: message-delivery errors (userNotification,
// ERROR) to a CloudWatch Logs group; user activity (userAuthEvents, INFO)
// only on the PLUS feature plan; one destination each.
func TestLogDeliveryAWSCLI(t *testing.T) {
	s := startServer(t)
	aws := awsCLI{t: t, url: s.URL}
	essentials := aws.run("create-user-pool", "--pool-name", "logs")["UserPool"].(map[string]any)["Id"].(string)
	plus := aws.run("create-user-pool", "--pool-name", "logs-plus", "--user-pool-tier", "PLUS")["UserPool"].(map[string]any)["Id"].(string)

	none := aws.run("get-log-delivery-configuration", "--user-pool-id", essentials)
	if diff := cmp.Diff(map[string]any{"LogDeliveryConfiguration": map[string]any{"UserPoolId": essentials, "LogConfigurations": []any{}}}, none); diff != "" {
		t.Errorf("before any configuration (-want +got):\n%s", diff)
	}

	group := "arn:aws:logs:us-east-1:111111111111:log-group:/aws/cognito/notifications"
	notify := "LogLevel=ERROR,EventSource=userNotification,CloudWatchLogsConfiguration={LogGroupArn=" + group + "}"
	aws.run("set-log-delivery-configuration", "--user-pool-id", essentials, "--log-configurations", notify)
	want := map[string]any{"LogDeliveryConfiguration": map[string]any{"UserPoolId": essentials, "LogConfigurations": []any{
		map[string]any{"LogLevel": "ERROR", "EventSource": "userNotification", "CloudWatchLogsConfiguration": map[string]any{"LogGroupArn": group}},
	}}}
	if diff := cmp.Diff(want, aws.run("get-log-delivery-configuration", "--user-pool-id", essentials)); diff != "" {
		t.Errorf("after set (-want +got):\n%s", diff)
	}

	activity := "LogLevel=INFO,EventSource=userAuthEvents,S3Configuration={BucketArn=arn:aws:s3:::cognito-activity}"
	if msg := aws.fail("set-log-delivery-configuration", "--user-pool-id", essentials, "--log-configurations", activity); !strings.Contains(msg, "FeatureUnavailableInTierException") {
		t.Errorf("userAuthEvents on ESSENTIALS: %s", msg)
	}
	aws.run("set-log-delivery-configuration", "--user-pool-id", plus, "--log-configurations", notify, activity)
	got := aws.run("get-log-delivery-configuration", "--user-pool-id", plus)["LogDeliveryConfiguration"].(map[string]any)
	if n := len(got["LogConfigurations"].([]any)); n != 2 {
		t.Errorf("PLUS pool: %d configurations, want 2: %v", n, got)
	}
	for name, cfg := range map[string]string{
		"userNotification at INFO": "LogLevel=INFO,EventSource=userNotification,CloudWatchLogsConfiguration={LogGroupArn=" + group + "}",
		"userNotification to S3":   "LogLevel=ERROR,EventSource=userNotification,S3Configuration={BucketArn=arn:aws:s3:::b}",
		"no destination":           "LogLevel=ERROR,EventSource=userNotification",
		"two of one event source":  notify + " " + notify,
	} {
		args := append([]string{"set-log-delivery-configuration", "--user-pool-id", plus, "--log-configurations"}, strings.Fields(cfg)...)
		if msg := aws.fail(args...); !strings.Contains(msg, "InvalidParameterException") {
			t.Errorf("%s: %s", name, msg)
		}
	}
	// An empty list turns export off.
	aws.run("set-log-delivery-configuration", "--user-pool-id", essentials, "--log-configurations", "[]")
	if diff := cmp.Diff(none, aws.run("get-log-delivery-configuration", "--user-pool-id", essentials)); diff != "" {
		t.Errorf("after an empty list (-want +got):\n%s", diff)
	}
}
