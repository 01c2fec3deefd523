package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestBoto3Directory: boto3, as a Python back end uses it, creates a pool
// and a client, signs a user up, confirms it with the mailed code, signs it
// in, puts it in groups (seen in its refreshed tokens) and finds users with
// ListUsers filters and boto3's paginator (e2e/py/directory.py).
func TestBoto3Directory(t *testing.T) {
	e := newSDKEnv(t)
	if err := exec.Command("python3", "-c", "import boto3").Run(); err != nil {
		t.Fatalf("python3 with boto3 is needed: %v", err)
	}
	script, err := filepath.Abs(filepath.Join("py", "directory.py"))
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("python3", script)
	cmd.Env = append(os.Environ(), "AWS_EC2_METADATA_DISABLED=true", "AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null")
	steps := runDialog(t, cmd, map[string]string{"endpoint": e.URL}, func(purpose, to string) string {
		return e.code(to, 1)
	})
	got := map[string]map[string]any{}
	for _, s := range steps {
		name, _ := s["step"].(string)
		if name == "" {
			t.Fatalf("boto3 failed: %v", s)
		}
		delete(s, "step")
		got[name] = s
	}
	const staffRole = "arn:aws:iam::123456789012:role/Staff"
	want := map[string]map[string]any{
		"setup":           {},
		"sign_up":         {"confirmed": false, "medium": "EMAIL"},
		"sign_up_again":   {"error": "UsernameExistsException: User already exists"},
		"confirm_sign_up": {"status": "CONFIRMED"},
		"initiate_auth":   {"groups": []any{}, "token_type": "Bearer", "expires_in": 3600.0},
		"groups": {
			"duplicate": "GroupExistsException: A group with the name staff already exists.",
			"missing":   "ResourceNotFoundException: Group not found.",
			"for_user":  []any{"admins", "staff"}, "members": []any{"pat"},
			"id_groups": []any{"admins", "staff"}, "access_groups": []any{"admins", "staff"},
			"roles": []any{staffRole}, "preferred_role": staffRole,
		},
		"list_users": {
			"found": []any{
				[]any{"pam", []any{map[string]any{"Name": "email", "Value": "pam@example.net"}}},
				[]any{"pat", []any{map[string]any{"Name": "email", "Value": "pat@example.com"}}},
			},
			"confirmed":  []any{"pat"},
			"pages":      []any{[]any{"pam"}, []any{"pat"}, []any{"quinn"}, []any{"zoe"}},
			"bad_filter": "InvalidParameterException: Error while parsing filter.",
		},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("boto3 steps (-want +got):\n%s", diff)
	}
}
