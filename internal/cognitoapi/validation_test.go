package cognitoapi

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func message(t *testing.T, err error) string {
	t.Helper()
	if err == nil {
		return ""
	}
	var ve *ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("error %T is not a *ValidationError", err)
	}
	if ve.ErrorCode() != "InvalidParameterException" {
		t.Errorf("ErrorCode() = %q", ve.ErrorCode())
	}
	return ve.ErrorMessage()
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name string
		in   interface{ Validate() error }
		want string
	}{
		{
			name: "valid",
			in:   &InitiateAuthRequest{AuthFlow: String(AuthFlowTypeUserPasswordAuth), ClientId: String("1example23456789")},
		},
		{
			name: "required member missing",
			in:   &InitiateAuthRequest{AuthFlow: String(AuthFlowTypeUserPasswordAuth)},
			want: "1 validation error detected: Value null at 'clientId' failed to satisfy constraint: Member must not be null",
		},
		{
			name: "pattern is matched against the whole value; ClientId is sensitive",
			in:   &InitiateAuthRequest{AuthFlow: String(AuthFlowTypeUserPasswordAuth), ClientId: String("abc def")},
			want: `1 validation error detected: Value at 'clientId' failed to satisfy constraint: Member must satisfy regular expression pattern: [\w+]+`,
		},
		{
			name: "enum",
			in:   &InitiateAuthRequest{AuthFlow: String("NOPE"), ClientId: String("abc")},
			want: "1 validation error detected: Value 'NOPE' at 'authFlow' failed to satisfy constraint: Member must satisfy enum value set: [USER_SRP_AUTH, REFRESH_TOKEN_AUTH, REFRESH_TOKEN, CUSTOM_AUTH, ADMIN_NO_SRP_AUTH, USER_PASSWORD_AUTH, ADMIN_USER_PASSWORD_AUTH, USER_AUTH]",
		},
		{
			name: "sensitive password value is withheld",
			in:   &ChangePasswordRequest{ProposedPassword: String(" leading space"), AccessToken: String("t")},
			want: `1 validation error detected: Value at 'proposedPassword' failed to satisfy constraint: Member must satisfy regular expression pattern: ^[\S]+.*[\S]+$`,
		},
		{
			name: "two errors, two members, model order",
			in:   &ChangePasswordRequest{},
			want: "2 validation errors detected: Value null at 'proposedPassword' failed to satisfy constraint: Member must not be null; Value null at 'accessToken' failed to satisfy constraint: Member must not be null",
		},
		{
			name: "two errors on one member: pattern, then length",
			in:   &AdminGetUserRequest{UserPoolId: String(""), Username: String("kim")},
			want: `2 validation errors detected: Value '' at 'userPoolId' failed to satisfy constraint: Member must satisfy regular expression pattern: [\w-]+_[0-9a-zA-Z]+; Value '' at 'userPoolId' failed to satisfy constraint: Member must have length greater than or equal to 1`,
		},
		{
			name: "nested path in a list of structures",
			in: &AdminCreateUserRequest{
				UserPoolId: String("us-east-1_abc"), Username: String("kim"),
				UserAttributes: []AttributeType{{Name: String("email"), Value: String("k@example.com")}, {Value: String("x")}},
			},
			want: "1 validation error detected: Value null at 'userAttributes.2.member.name' failed to satisfy constraint: Member must not be null",
		},
		{
			name: "nested path in a structure",
			in: &CreateUserPoolRequest{PoolName: String("p"),
				Policies: &UserPoolPolicyType{PasswordPolicy: &PasswordPolicyType{MinimumLength: Int32(5)}}},
			want: "1 validation error detected: Value '5' at 'policies.passwordPolicy.minimumLength' failed to satisfy constraint: Member must have value greater than or equal to 6",
		},
		{
			name: "integer range",
			in:   &ListUsersRequest{UserPoolId: String("us-east-1_abc"), Limit: Int32(61)},
			want: "1 validation error detected: Value '61' at 'limit' failed to satisfy constraint: Member must have value less than or equal to 60",
		},
		{
			name: "list of scalars reports at the list",
			in:   &ListUsersRequest{UserPoolId: String("us-east-1_abc"), AttributesToGet: []string{"email", strings.Repeat("a", 33)}},
			want: "1 validation error detected: Value '[email, " + strings.Repeat("a", 33) + "]' at 'attributesToGet' failed to satisfy constraint: Member must satisfy constraint: [Member must have length less than or equal to 32]",
		},
		{
			name: "map keys",
			in:   &TagResourceRequest{ResourceArn: String("arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_abc"), Tags: map[string]string{"": "v"}},
			want: "1 validation error detected: Value '{=v}' at 'tags' failed to satisfy constraint: Map keys must satisfy constraint: [Member must have length greater than or equal to 1]",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := message(t, tt.in.Validate())
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("message (-want +got):\n%s", diff)
			}
		})
	}
}

func TestJavaLength(t *testing.T) {
	// 😀 is one rune but two UTF-16 code units, as Java counts it.
	if got := javaLen("a😀"); got != 3 {
		t.Errorf("javaLen = %d, want 3", got)
	}
	// A 4-character user code of two emoji is 4 Java chars: too short for min 6.
	err := (&VerifySoftwareTokenRequest{UserCode: String("😀😀")}).Validate()
	if !strings.Contains(message(t, err), "Member must have length greater than or equal to 6") {
		t.Errorf("got %v", err)
	}
}

func TestTranslatedPattern(t *testing.T) {
	// ^[0-9A-Za-z\.\-_]*(?<!\.)$ : no trailing dot.
	for s, ok := range map[string]bool{"": true, "abc": true, "a.b-c_": true, "abc.": false, ".": false, "a b": false} {
		if got := modelPattern(t, `^(?:[0-9A-Za-z.\-_]*[0-9A-Za-z\-_])?$`).MatchString(s); got != ok {
			t.Errorf("%q: match = %v, want %v", s, got, ok)
		}
	}
}
