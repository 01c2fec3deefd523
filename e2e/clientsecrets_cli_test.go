package e2e

import (
	"strings"
	"testing"
)

// TestClientSecretRotationAWSCLI rotates a confidential client's secret the
// way AddUserPoolClientSecret's reference describes it: a second secret is
// added (generated, so its value is shown once), both sign for a while,
// list-user-pool-client-secrets shows their IDs and dates but no value,
// the old one is deleted and stops working; the last one cannot go, and a
// client holds two at most.
func TestClientSecretRotationAWSCLI(t *testing.T) {
	s := startServer(t)
	aws := awsCLI{t: t, url: s.URL}
	poolID := aws.run("create-user-pool", "--pool-name", "rotation")["UserPool"].(map[string]any)["Id"].(string)
	client := aws.run("create-user-pool-client", "--user-pool-id", poolID, "--client-name", "server", "--generate-secret",
		"--explicit-auth-flows", "ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH")["UserPoolClient"].(map[string]any)
	clientID, first := client["ClientId"].(string), client["ClientSecret"].(string)
	aws.run("admin-create-user", "--user-pool-id", poolID, "--username", "kim", "--message-action", "SUPPRESS")
	aws.run("admin-set-user-password", "--user-pool-id", poolID, "--username", "kim", "--password", "Passw0rd!x", "--permanent")
	signIn := func(secret string) (ok bool, msg string) {
		t.Helper()
		args := []string{"initiate-auth", "--client-id", clientID, "--auth-flow", "USER_PASSWORD_AUTH",
			"--auth-parameters", "USERNAME=kim,PASSWORD=Passw0rd!x,SECRET_HASH=" + secretHash(secret, "kim", clientID)}
		if err := aws.cmd(args...).Run(); err == nil {
			return true, ""
		}
		return false, aws.fail(args...)
	}
	if ok, msg := signIn(first); !ok {
		t.Fatalf("sign-in with the first secret: %s", msg)
	}

	added := aws.run("add-user-pool-client-secret", "--user-pool-id", poolID, "--client-id", clientID)["ClientSecretDescriptor"].(map[string]any)
	second, _ := added["ClientSecretValue"].(string)
	secondID, _ := added["ClientSecretId"].(string)
	if len(second) < 24 || !strings.HasPrefix(secondID, clientID+"--") || added["ClientSecretCreateDate"] == nil {
		t.Fatalf("add-user-pool-client-secret: %v", added)
	}
	for name, secret := range map[string]string{"first": first, "second": second} {
		if ok, msg := signIn(secret); !ok {
			t.Errorf("sign-in with the %s secret during the rotation: %s", name, msg)
		}
	}
	listed := aws.run("list-user-pool-client-secrets", "--user-pool-id", poolID, "--client-id", clientID)["ClientSecrets"].([]any)
	if len(listed) != 2 {
		t.Fatalf("list-user-pool-client-secrets: %v", listed)
	}
	var firstID string
	for _, x := range listed {
		d := x.(map[string]any)
		if _, shown := d["ClientSecretValue"]; shown {
			t.Errorf("list-user-pool-client-secrets shows a value: %v", d)
		}
		if id := d["ClientSecretId"].(string); id != secondID {
			firstID = id
		}
	}
	if firstID == "" || !strings.HasPrefix(firstID, clientID+"--") {
		t.Fatalf("the first secret's ID: %v", listed)
	}
	if msg := aws.fail("add-user-pool-client-secret", "--user-pool-id", poolID, "--client-id", clientID); !strings.Contains(msg, "LimitExceededException") {
		t.Errorf("a third secret: %s", msg)
	}

	aws.run("delete-user-pool-client-secret", "--user-pool-id", poolID, "--client-id", clientID, "--client-secret-id", firstID)
	if ok, msg := signIn(first); ok || !strings.Contains(msg, "NotAuthorizedException") {
		t.Errorf("sign-in with the deleted secret: ok %t, %s", ok, msg)
	}
	if ok, msg := signIn(second); !ok {
		t.Errorf("sign-in with the second secret after the rotation: %s", msg)
	}
	described := aws.run("describe-user-pool-client", "--user-pool-id", poolID, "--client-id", clientID)["UserPoolClient"].(map[string]any)
	if described["ClientSecret"] != second {
		t.Errorf("describe-user-pool-client after the rotation shows another secret than the second")
	}
	if msg := aws.fail("delete-user-pool-client-secret", "--user-pool-id", poolID, "--client-id", clientID, "--client-secret-id", secondID); !strings.Contains(msg, "InvalidParameterException") {
		t.Errorf("deleting the last secret: %s", msg)
	}

	// A secret of one's own is not echoed back, and signs like any other.
	own := "Own0secret0of0twenty0eight0chars"
	added = aws.run("add-user-pool-client-secret", "--user-pool-id", poolID, "--client-id", clientID, "--client-secret", own)["ClientSecretDescriptor"].(map[string]any)
	if _, shown := added["ClientSecretValue"]; shown {
		t.Errorf("add-user-pool-client-secret echoed a given secret: %v", added)
	}
	if ok, msg := signIn(own); !ok {
		t.Errorf("sign-in with a given secret: %s", msg)
	}

	// A public client has no secret to rotate.
	public := aws.run("create-user-pool-client", "--user-pool-id", poolID, "--client-name", "spa")["UserPoolClient"].(map[string]any)["ClientId"].(string)
	if msg := aws.fail("add-user-pool-client-secret", "--user-pool-id", poolID, "--client-id", public); !strings.Contains(msg, "InvalidParameterException") {
		t.Errorf("a public client: %s", msg)
	}
}
