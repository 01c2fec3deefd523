package cognitoapi

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// TestGeneratedCodeIsFresh regenerates every _gen.go file into a temporary
// directory and fails if a committed file differs.
func TestGeneratedCodeIsFresh(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the generator with go run")
	}
	out, idpOut := t.TempDir(), t.TempDir()
	cmd := exec.Command("go", "run", "./gen", "-model", "../../api/cognito-idp/service-2.json", "-out", out, "-idp-out", idpOut)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("generator failed: %v\n%s", err, b)
	}
	check := func(dir, committedDir string) {
		files, err := filepath.Glob(filepath.Join(dir, "*_gen.go"))
		if err != nil || len(files) == 0 {
			t.Fatalf("generator wrote no files into %s (%v)", dir, err)
		}
		for _, f := range files {
			committed := filepath.Join(committedDir, filepath.Base(f))
			want, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			got, err := os.ReadFile(committed)
			if err != nil {
				t.Errorf("%s is missing: run `go generate ./internal/cognitoapi`", committed)
				continue
			}
			if !bytes.Equal(got, want) {
				t.Errorf("%s is stale: run `go generate ./internal/cognitoapi` and commit the result", committed)
			}
		}
	}
	check(out, ".")
	check(idpOut, "../idp")
}

func TestOperationTable(t *testing.T) {
	if len(Operations) != 122 || len(OperationNames) != 122 {
		t.Fatalf("got %d operations and %d names, want 122", len(Operations), len(OperationNames))
	}
	unsigned := 0
	for _, name := range OperationNames {
		op, ok := Operations[name]
		if !ok || op.Name != name {
			t.Fatalf("OperationNames has %q but Operations does not", name)
		}
		if op.NewInput() == nil {
			t.Errorf("%s: NewInput returned nil", name)
		}
		if !op.Signed {
			unsigned++
		}
	}
	if unsigned != 32 {
		t.Errorf("%d unsigned operations, want 32", unsigned)
	}
	for name, signed := range map[string]bool{"InitiateAuth": false, "GetUser": false, "AdminInitiateAuth": true, "ListUsers": true} {
		if Operations[name].Signed != signed {
			t.Errorf("%s: Signed = %v, want %v", name, Operations[name].Signed, signed)
		}
	}
	if _, ok := Operations["InitiateAuth"].NewInput().(*InitiateAuthRequest); !ok {
		t.Error("InitiateAuth input is not *InitiateAuthRequest")
	}
}

func TestHTTPStatus(t *testing.T) {
	for code, want := range map[string]int{
		"InternalErrorException":    500,
		"InternalServerException":   500,
		"NotAuthorizedException":    400,
		"UserNotFoundException":     400,
		"ResourceNotFoundException": 400,
		"NoSuchThing":               400,
	} {
		if got := HTTPStatus(code); got != want {
			t.Errorf("HTTPStatus(%q) = %d, want %d", code, got, want)
		}
	}
}
