package e2e

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestTermsAWSCLI declares an app client's terms of use and privacy policy
// with the AWS CLI, as a stack with managed login does: one document of
// each name per client (TermsExistsException), described, updated, listed
// and deleted by TermsId, and gone with their client.
// https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_CreateTerms.html
func TestTermsAWSCLI(t *testing.T) {
	s := startServer(t)
	aws := awsCLI{t: t, url: s.URL}
	poolID := aws.run("create-user-pool", "--pool-name", "legal")["UserPool"].(map[string]any)["Id"].(string)
	clientID := aws.run("create-user-pool-client", "--user-pool-id", poolID, "--client-name", "web")["UserPoolClient"].(map[string]any)["ClientId"].(string)

	terms := aws.run("create-terms", "--user-pool-id", poolID, "--client-id", clientID, "--terms-name", "terms-of-use",
		"--terms-source", "LINK", "--enforcement", "NONE",
		"--links", `{"cognito:default":"https://terms.example.com","cognito:spanish":"https://terms.example.com/es"}`)["Terms"].(map[string]any)
	id, _ := terms["TermsId"].(string)
	if len(id) != 36 || terms["ClientId"] != clientID || terms["UserPoolId"] != poolID || terms["TermsSource"] != "LINK" ||
		terms["Enforcement"] != "NONE" || terms["CreationDate"] == nil || terms["LastModifiedDate"] == nil ||
		!cmp.Equal(terms["Links"], map[string]any{"cognito:default": "https://terms.example.com", "cognito:spanish": "https://terms.example.com/es"}) {
		t.Errorf("create-terms: %v", terms)
	}
	if diff := cmp.Diff(terms, aws.run("describe-terms", "--user-pool-id", poolID, "--terms-id", id)["Terms"]); diff != "" {
		t.Errorf("describe-terms (-create +describe):\n%s", diff)
	}
	if msg := aws.fail("create-terms", "--user-pool-id", poolID, "--client-id", clientID, "--terms-name", "terms-of-use",
		"--terms-source", "LINK", "--enforcement", "NONE", "--links", `{"cognito:default":"https://other.example.com"}`); !strings.Contains(msg, "TermsExistsException") {
		t.Errorf("a second terms-of-use: %s", msg)
	}
	privacy := aws.run("create-terms", "--user-pool-id", poolID, "--client-id", clientID, "--terms-name", "privacy-policy",
		"--terms-source", "LINK", "--enforcement", "NONE", "--links", `{"cognito:default":"https://privacy.example.com"}`)["Terms"].(map[string]any)
	if msg := aws.fail("update-terms", "--user-pool-id", poolID, "--terms-id", privacy["TermsId"].(string), "--terms-name", "terms-of-use"); !strings.Contains(msg, "TermsExistsException") {
		t.Errorf("renaming the privacy policy to a name taken: %s", msg)
	}

	updated := aws.run("update-terms", "--user-pool-id", poolID, "--terms-id", id,
		"--links", `{"cognito:default":"https://terms.example.com/v2"}`)["Terms"].(map[string]any)
	if !cmp.Equal(updated["Links"], map[string]any{"cognito:default": "https://terms.example.com/v2"}) || updated["TermsName"] != "terms-of-use" {
		t.Errorf("update-terms: %v", updated)
	}

	listed := aws.run("list-terms", "--user-pool-id", poolID)["Terms"].([]any)
	var names []string
	for _, d := range listed {
		names = append(names, d.(map[string]any)["TermsName"].(string))
	}
	if len(names) != 2 || !strings.Contains(strings.Join(names, ","), "privacy-policy") || !strings.Contains(strings.Join(names, ","), "terms-of-use") {
		t.Errorf("list-terms: %v", listed)
	}

	aws.run("delete-terms", "--user-pool-id", poolID, "--terms-id", id)
	if msg := aws.fail("describe-terms", "--user-pool-id", poolID, "--terms-id", id); !strings.Contains(msg, "ResourceNotFoundException") {
		t.Errorf("describe after delete: %s", msg)
	}
	// The client's documents go with it.
	aws.run("delete-user-pool-client", "--user-pool-id", poolID, "--client-id", clientID)
	if left := aws.run("list-terms", "--user-pool-id", poolID)["Terms"].([]any); len(left) != 0 {
		t.Errorf("terms left after their client was deleted: %v", left)
	}
}
