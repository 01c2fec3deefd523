package adapter

import (
	"encoding/base64"
	"testing"

	"github.com/ninshou/ninshou/internal/throttle"
)

func TestThrottleRequestNamesTheUser(t *testing.T) {
	payload := base64.RawURLEncoding.EncodeToString([]byte(`{"sub":"0f1e","username":"kim"}`))
	for _, c := range []struct {
		op, body string
		want     throttle.Request
	}{
		{"AdminGetUser", `{"UserPoolId":"us-east-1_a","Username":"kim"}`, throttle.Request{Operation: "AdminGetUser", User: "us-east-1_a/kim", Pool: "us-east-1_a"}},
		{"InitiateAuth", `{"ClientId":"c1","AuthFlow":"USER_PASSWORD_AUTH","AuthParameters":{"USERNAME":"kim","PASSWORD":"x"}}`,
			throttle.Request{Operation: "InitiateAuth", User: "c1/kim"}},
		{"RespondToAuthChallenge", `{"ClientId":"c1","ChallengeResponses":{"USERNAME":"kim"}}`,
			throttle.Request{Operation: "RespondToAuthChallenge", User: "c1/kim"}},
		{"GetUser", `{"AccessToken":"e30.` + payload + `.sig"}`, throttle.Request{Operation: "GetUser", User: "sub/0f1e"}},
		{"GetUser", `{"AccessToken":"not a token"}`, throttle.Request{Operation: "GetUser"}},
		{"ListUsers", `{"UserPoolId":"us-east-1_a"}`, throttle.Request{Operation: "ListUsers", Pool: "us-east-1_a"}},
		{"AdminRespondToAuthChallenge", `{"UserPoolId":"us-east-1_a","ChallengeName":"NEW_PASSWORD_REQUIRED","ChallengeResponses":{"USERNAME":"kim"}}`,
			throttle.Request{Operation: "AdminRespondToAuthChallenge", User: "us-east-1_a/kim", Pool: "us-east-1_a", Challenge: "NEW_PASSWORD_REQUIRED"}},
		{"TagResource", `{"ResourceArn":"arn:aws:cognito-idp:us-east-1:1:userpool/us-east-1_a"}`,
			throttle.Request{Operation: "TagResource", Pool: "arn:aws:cognito-idp:us-east-1:1:userpool/us-east-1_a"}},
		{"AdminGetUser", `{"Username":`, throttle.Request{Operation: "AdminGetUser"}},
	} {
		if got := ThrottleRequest(c.op, []byte(c.body)); got != c.want {
			t.Errorf("%s %s: %+v, want %+v", c.op, c.body, got, c.want)
		}
	}
}
