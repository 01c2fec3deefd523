package e2e

import (
	"strings"
	"testing"
)

// TestUserPoolDomainsAWSCLI declares a pool's domains as infrastructure code
// does (Terraform's aws_cognito_user_pool_domain): a prefix domain and a
// custom one, each read back by name, shown by describe-user-pool, unique
// across pools; a pool keeps its domains until they are deleted, and a
// name no pool has describes as an empty description.
func TestUserPoolDomainsAWSCLI(t *testing.T) {
	s := startServer(t)
	aws := awsCLI{t: t, url: s.URL}
	poolID := aws.run("create-user-pool", "--pool-name", "hosted")["UserPool"].(map[string]any)["Id"].(string)
	other := aws.run("create-user-pool", "--pool-name", "other")["UserPool"].(map[string]any)["Id"].(string)

	aws.run("create-user-pool-domain", "--user-pool-id", poolID, "--domain", "my-app-login")
	custom := aws.run("create-user-pool-domain", "--user-pool-id", poolID, "--domain", "auth.example.com",
		"--custom-domain-config", "CertificateArn=arn:aws:acm:us-east-1:111111111111:certificate/abc")
	cloudFront, _ := custom["CloudFrontDomain"].(string)
	if !strings.HasSuffix(cloudFront, ".cloudfront.net") {
		t.Errorf("create-user-pool-domain (custom): %v", custom)
	}

	d := aws.run("describe-user-pool-domain", "--domain", "my-app-login")["DomainDescription"].(map[string]any)
	// A prefix domain is described with its distribution and Cognito's
	// assets bucket too (real answers in localstack/localstack#9242).
	if d["UserPoolId"] != poolID || d["Domain"] != "my-app-login" || d["Status"] != "ACTIVE" || d["CustomDomainConfig"] != nil ||
		!strings.HasSuffix(d["CloudFrontDistribution"].(string), ".cloudfront.net") || d["S3Bucket"] != "aws-cognito-prod-iad-assets" {
		t.Errorf("describe-user-pool-domain (prefix): %v", d)
	}
	d = aws.run("describe-user-pool-domain", "--domain", "auth.example.com")["DomainDescription"].(map[string]any)
	if d["CloudFrontDistribution"] != cloudFront || d["CustomDomainConfig"].(map[string]any)["CertificateArn"] != "arn:aws:acm:us-east-1:111111111111:certificate/abc" {
		t.Errorf("describe-user-pool-domain (custom): %v", d)
	}
	if got := aws.run("describe-user-pool-domain", "--domain", "nobody-has-this"); len(got["DomainDescription"].(map[string]any)) != 0 {
		t.Errorf("a domain no pool has: %v, want an empty DomainDescription", got)
	}
	pool := aws.run("describe-user-pool", "--user-pool-id", poolID)["UserPool"].(map[string]any)
	if pool["Domain"] != "my-app-login" || pool["CustomDomain"] != "auth.example.com" {
		t.Errorf("describe-user-pool: Domain %v, CustomDomain %v", pool["Domain"], pool["CustomDomain"])
	}

	for _, c := range []struct {
		what string
		args []string
		want string
	}{
		{"another pool's name", []string{"--user-pool-id", other, "--domain", "my-app-login"}, "Domain already associated with another user pool."},
		{"a second prefix", []string{"--user-pool-id", poolID, "--domain", "my-app-two"}, "User pool already has a domain configured."},
		{"an invalid prefix", []string{"--user-pool-id", other, "--domain", "My_App"}, "The domain name contains an invalid character."},
		{"a reserved word", []string{"--user-pool-id", other, "--domain", "my-cognito-app"}, "Domain cannot contain reserved word: cognito"},
	} {
		if msg := aws.fail(append([]string{"create-user-pool-domain"}, c.args...)...); !strings.Contains(msg, c.want) {
			t.Errorf("%s: %s", c.what, msg)
		}
	}

	// Without its CustomDomainConfig an update would make a prefix of it
	// (hashicorp/terraform-provider-aws#43248 quotes Cognito's refusal).
	if msg := aws.fail("update-user-pool-domain", "--user-pool-id", poolID, "--domain", "auth.example.com",
		"--managed-login-version", "2"); !strings.Contains(msg, "Cannot convert custom domain to prefix domain.") {
		t.Errorf("update-user-pool-domain without CustomDomainConfig: %s", msg)
	}
	aws.run("update-user-pool-domain", "--user-pool-id", poolID, "--domain", "auth.example.com",
		"--custom-domain-config", "CertificateArn=arn:aws:acm:us-east-1:111111111111:certificate/new", "--managed-login-version", "2")
	d = aws.run("describe-user-pool-domain", "--domain", "auth.example.com")["DomainDescription"].(map[string]any)
	if d["CustomDomainConfig"].(map[string]any)["CertificateArn"] != "arn:aws:acm:us-east-1:111111111111:certificate/new" || d["ManagedLoginVersion"] != 2.0 {
		t.Errorf("after update-user-pool-domain: %v", d)
	}

	if msg := aws.fail("delete-user-pool", "--user-pool-id", poolID); !strings.Contains(msg, "User pool cannot be deleted. It has a domain configured that should be deleted first.") {
		t.Errorf("delete-user-pool with domains: %s", msg)
	}
	aws.run("delete-user-pool-domain", "--user-pool-id", poolID, "--domain", "my-app-login")
	aws.run("delete-user-pool-domain", "--user-pool-id", poolID, "--domain", "auth.example.com")
	// Deleting it again is Cognito's "No such domain or user pool exists."
	// (met by aws-amplify/amplify-cli's hosted UI end-to-end test).
	if msg := aws.fail("delete-user-pool-domain", "--user-pool-id", poolID, "--domain", "my-app-login"); !strings.Contains(msg, "InvalidParameterException") ||
		!strings.Contains(msg, "No such domain or user pool exists.") {
		t.Errorf("delete-user-pool-domain of a domain already deleted: %s", msg)
	}
	// The name is free for another pool at once.
	aws.run("create-user-pool-domain", "--user-pool-id", other, "--domain", "my-app-login")
	aws.run("delete-user-pool", "--user-pool-id", poolID)
}
