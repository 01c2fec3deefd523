package e2e

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestLegacyUserSettingsAWSCLI: admin-set-user-settings, the legacy API that
// "can configure only SMS MFA", turns a user's SMS MFA on with an SMS entry
// to phone_number and off with an empty list; admin-get-user shows it in
// both MFAOptions and UserMFASettingList; another medium is refused.
func TestLegacyUserSettingsAWSCLI(t *testing.T) {
	s := startServer(t)
	aws := awsCLI{t: t, url: s.URL}
	poolID := aws.run("create-user-pool", "--pool-name", "legacy", "--mfa-configuration", "OPTIONAL",
		"--sms-configuration", "SnsCallerArn=arn:aws:iam::111111111111:role/sns")["UserPool"].(map[string]any)["Id"].(string)
	aws.run("admin-create-user", "--user-pool-id", poolID, "--username", "kim", "--message-action", "SUPPRESS",
		"--user-attributes", "Name=phone_number,Value=+15555550100", "Name=phone_number_verified,Value=true")

	aws.run("admin-set-user-settings", "--user-pool-id", poolID, "--username", "kim",
		"--mfa-options", "DeliveryMedium=SMS,AttributeName=phone_number")
	got := aws.run("admin-get-user", "--user-pool-id", poolID, "--username", "kim")
	if diff := cmp.Diff([]any{map[string]any{"DeliveryMedium": "SMS", "AttributeName": "phone_number"}}, got["MFAOptions"]); diff != "" {
		t.Errorf("MFAOptions after SMS on (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]any{"SMS_MFA"}, got["UserMFASettingList"]); diff != "" {
		t.Errorf("UserMFASettingList after SMS on (-want +got):\n%s", diff)
	}

	msg := aws.fail("admin-set-user-settings", "--user-pool-id", poolID, "--username", "kim",
		"--mfa-options", "DeliveryMedium=EMAIL,AttributeName=email")
	if !strings.Contains(msg, "InvalidParameterException") {
		t.Errorf("an EMAIL option: %s", msg)
	}

	aws.run("admin-set-user-settings", "--user-pool-id", poolID, "--username", "kim", "--mfa-options", "[]")
	got = aws.run("admin-get-user", "--user-pool-id", poolID, "--username", "kim")
	if got["MFAOptions"] != nil || got["UserMFASettingList"] != nil {
		t.Errorf("after an empty list: MFAOptions %v, UserMFASettingList %v; want neither", got["MFAOptions"], got["UserMFASettingList"])
	}
	if msg := aws.fail("admin-set-user-settings", "--user-pool-id", poolID, "--username", "nobody", "--mfa-options", "[]"); !strings.Contains(msg, "UserNotFoundException") {
		t.Errorf("an unknown user: %s", msg)
	}
}
