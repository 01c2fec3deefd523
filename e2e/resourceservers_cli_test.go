package e2e

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestResourceServersAWSCLI sets up what an M2M stack declares (Terraform's
// aws_cognito_resource_server, CloudFormation's UserPoolResourceServer)
// with the AWS CLI: a resource server with custom scopes, an app client
// allowed some of them, and the CLI's own paging of list-resource-servers.
// A scope no resource server defines is ScopeDoesNotExistException.
func TestResourceServersAWSCLI(t *testing.T) {
	s := startServer(t)
	aws := awsCLI{t: t, url: s.URL}
	poolID := aws.run("create-user-pool", "--pool-name", "apis")["UserPool"].(map[string]any)["Id"].(string)

	created := aws.run("create-resource-server", "--user-pool-id", poolID, "--identifier", "solar-system-data",
		"--name", "Solar system data", "--scopes",
		"ScopeName=sunproximity.read,ScopeDescription=Distance to the sun",
		"ScopeName=asteroids.add,ScopeDescription=Add asteroids")
	want := map[string]any{"ResourceServer": map[string]any{
		"UserPoolId": poolID, "Identifier": "solar-system-data", "Name": "Solar system data",
		"Scopes": []any{
			map[string]any{"ScopeName": "sunproximity.read", "ScopeDescription": "Distance to the sun"},
			map[string]any{"ScopeName": "asteroids.add", "ScopeDescription": "Add asteroids"},
		},
	}}
	if diff := cmp.Diff(want, created); diff != "" {
		t.Errorf("create-resource-server (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(want, aws.run("describe-resource-server", "--user-pool-id", poolID, "--identifier", "solar-system-data")); diff != "" {
		t.Errorf("describe-resource-server (-want +got):\n%s", diff)
	}
	if msg := aws.fail("create-resource-server", "--user-pool-id", poolID, "--identifier", "solar-system-data", "--name", "again"); !strings.Contains(msg, "InvalidParameterException") {
		t.Errorf("the same identifier again: %s", msg)
	}

	// A client allowed a custom scope; one the server lacks is refused.
	client := aws.run("create-user-pool-client", "--user-pool-id", poolID, "--client-name", "m2m", "--generate-secret",
		"--allowed-o-auth-flows", "client_credentials", "--allowed-o-auth-flows-user-pool-client",
		"--allowed-o-auth-scopes", "solar-system-data/sunproximity.read")["UserPoolClient"].(map[string]any)
	if got := client["AllowedOAuthScopes"]; !cmp.Equal(got, []any{"solar-system-data/sunproximity.read"}) {
		t.Errorf("the client's AllowedOAuthScopes: %v", got)
	}
	msg := aws.fail("create-user-pool-client", "--user-pool-id", poolID, "--client-name", "m2m", "--generate-secret",
		"--allowed-o-auth-flows", "client_credentials", "--allowed-o-auth-flows-user-pool-client",
		"--allowed-o-auth-scopes", "solar-system-data/planets.delete")
	if !strings.Contains(msg, "ScopeDoesNotExistException") || !strings.Contains(msg, "Invalid scope requested: solar-system-data/planets.delete") {
		t.Errorf("a scope the server lacks: %s", msg)
	}

	// Update replaces name and scopes.
	updated := aws.run("update-resource-server", "--user-pool-id", poolID, "--identifier", "solar-system-data",
		"--name", "Solar", "--scopes", "ScopeName=all,ScopeDescription=Everything")
	if rs := updated["ResourceServer"].(map[string]any); rs["Name"] != "Solar" || len(rs["Scopes"].([]any)) != 1 {
		t.Errorf("update-resource-server: %v", updated)
	}

	// The CLI pages list-resource-servers itself, 2 at a time here. (An
	// identifier may be a URL, but the AWS CLI v1 would fetch such a
	// parameter's value, so this test keeps to names.)
	for i := range 4 {
		aws.run("create-resource-server", "--user-pool-id", poolID, "--identifier", "api-"+string(rune('a'+i)), "--name", "api")
	}
	listed := aws.run("list-resource-servers", "--user-pool-id", poolID, "--page-size", "2")
	var ids []string
	for _, rs := range listed["ResourceServers"].([]any) {
		ids = append(ids, rs.(map[string]any)["Identifier"].(string))
	}
	if diff := cmp.Diff([]string{"api-a", "api-b", "api-c", "api-d", "solar-system-data"}, ids); diff != "" {
		t.Errorf("list-resource-servers, every page (-want +got):\n%s", diff)
	}

	aws.run("delete-resource-server", "--user-pool-id", poolID, "--identifier", "solar-system-data")
	if msg := aws.fail("describe-resource-server", "--user-pool-id", poolID, "--identifier", "solar-system-data"); !strings.Contains(msg, "ResourceNotFoundException") {
		t.Errorf("describe after delete: %s", msg)
	}
}
