package e2e

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/google/go-cmp/cmp"
	api "github.com/ninshou/ninshou/internal/cognitoapi"
)

// rawResponse is one answer of the JSON API read with net/http alone.
type rawResponse struct {
	Status int
	Header http.Header
	Body   []byte
}

// post sends body to the JSON API with X-Amz-Target set to target (the
// operation name is prefixed with the service's target prefix unless it
// already holds a dot).
func post(t *testing.T, s *server, target string, body io.Reader) rawResponse {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, s.URL+"/", body)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(target, ".") {
		target = "AWSCognitoIdentityProviderService." + target
	}
	req.Header.Set("X-Amz-Target", target)
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("POST %s: %v", target, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.Header.Get("x-amzn-RequestId") == "" {
		t.Errorf("%s: no x-amzn-RequestId", target)
	}
	return rawResponse{Status: resp.StatusCode, Header: resp.Header, Body: b}
}

// wireError is the JSON body of an error.
type wireError struct {
	Type    string `json:"__type"`
	Message string `json:"message,omitempty"`
}

// wantWireError asserts status, body and x-amzn-ErrorType of an error answer.
func wantWireError(t *testing.T, r rawResponse, status int, want wireError) {
	t.Helper()
	if r.Status != status {
		t.Errorf("status = %d; want %d (body %s)", r.Status, status, r.Body)
	}
	if ct := r.Header.Get("Content-Type"); ct != "application/x-amz-json-1.1" {
		t.Errorf("Content-Type = %q", ct)
	}
	var got wireError
	dec := json.NewDecoder(bytes.NewReader(r.Body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&got); err != nil {
		t.Fatalf("error body %s: %v", r.Body, err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("error body (-want +got):\n%s", diff)
	}
	if et := r.Header.Get("x-amzn-ErrorType"); et != want.Type+":" {
		t.Errorf("x-amzn-ErrorType = %q; want %q", et, want.Type+":")
	}
}

// outboxMessage is one message of GET /_ninshou/outbox.
type outboxMessage struct {
	To, Subject, Body, Kind, Channel string
}

// outbox lists the local outbox's messages to addr.
func outbox(t *testing.T, s *server, addr string) []outboxMessage {
	t.Helper()
	resp, err := http.Get(s.URL + "/_ninshou/outbox?to=" + url.QueryEscape(addr))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET outbox: %s", resp.Status)
	}
	var body struct{ Messages []outboxMessage }
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		t.Fatal(err)
	}
	return body.Messages
}

// TestHTTPProtocolErrors: what the protocol layer answers before any
// operation runs, read with net/http alone.
func TestHTTPProtocolErrors(t *testing.T) {
	s := startServer(t)

	t.Run("malformed JSON", func(t *testing.T) {
		r := post(t, s, "InitiateAuth", strings.NewReader(`{"ClientId":`))
		wantWireError(t, r, 400, wireError{Type: "SerializationException", Message: "Malformed JSON at byte offset 12."})
	})
	t.Run("not an object", func(t *testing.T) {
		r := post(t, s, "InitiateAuth", strings.NewReader(`["ClientId"]`))
		wantWireError(t, r, 400, wireError{Type: "SerializationException", Message: "Start of structure or map expected: the body must be a JSON object."})
	})
	t.Run("unknown operation", func(t *testing.T) {
		wantWireError(t, post(t, s, "NoSuchOperation", strings.NewReader(`{}`)), 400, wireError{Type: "UnknownOperationException"})
		wantWireError(t, post(t, s, "SomeOtherService.InitiateAuth", strings.NewReader(`{}`)), 400, wireError{Type: "UnknownOperationException"})
	})
	t.Run("every operation of the model is built", func(t *testing.T) {
		if len(api.OperationNames) != 122 {
			t.Errorf("the model has %d operations, want 122", len(api.OperationNames))
		}
		for _, op := range api.OperationNames {
			r := post(t, s, op, strings.NewReader(`{}`))
			var e wireError
			_ = json.Unmarshal(r.Body, &e)
			if e.Type == "UnsupportedOperationException" && strings.Contains(e.Message, "does not implement") || e.Type == "UnknownOperationException" {
				t.Errorf("%s: %d %s", op, r.Status, r.Body)
			}
		}
	})
	t.Run("oversized body", func(t *testing.T) {
		big := `{"ClientId":"` + strings.Repeat("a", 2<<20) + `"}`
		r := post(t, s, "InitiateAuth", strings.NewReader(big))
		wantWireError(t, r, 413, wireError{Type: "SerializationException", Message: "Request body is larger than 1048576 bytes."})
	})
	t.Run("model validation", func(t *testing.T) {
		r := post(t, s, "InitiateAuth", strings.NewReader(`{"AuthFlow":"USER_PASSWORD_AUTH"}`))
		wantWireError(t, r, 400, wireError{Type: "InvalidParameterException",
			Message: "1 validation error detected: Value null at 'clientId' failed to satisfy constraint: Member must not be null"})
		if got := r.Header.Get("x-amzn-ErrorMessage"); got != "1 validation error detected: Value null at 'clientId' failed to satisfy constraint: Member must not be null" {
			t.Errorf("x-amzn-ErrorMessage = %q", got)
		}
	})
	t.Run("success has a request ID and no error type", func(t *testing.T) {
		r := post(t, s, "CreateUserPool", strings.NewReader(`{"PoolName":"p"}`))
		if r.Status != 200 || r.Header.Get("x-amzn-ErrorType") != "" {
			t.Errorf("CreateUserPool: %d, x-amzn-ErrorType %q", r.Status, r.Header.Get("x-amzn-ErrorType"))
		}
		if r.Header.Get("Access-Control-Allow-Origin") != "*" {
			t.Errorf("Access-Control-Allow-Origin = %q", r.Header.Get("Access-Control-Allow-Origin"))
		}
	})
}

// TestHTTPCORSPreflight: a browser (Amplify) preflight is answered.
func TestHTTPCORSPreflight(t *testing.T) {
	s := startServer(t)
	req, _ := http.NewRequest(http.MethodOptions, s.URL+"/", nil)
	req.Header.Set("Origin", "http://localhost:3000")
	req.Header.Set("Access-Control-Request-Method", "POST")
	req.Header.Set("Access-Control-Request-Headers", "content-type,x-amz-target,x-amz-user-agent,cache-control")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK && resp.StatusCode != http.StatusNoContent {
		t.Errorf("preflight status = %s", resp.Status)
	}
	if got := resp.Header.Get("Access-Control-Allow-Origin"); got != "*" {
		t.Errorf("Access-Control-Allow-Origin = %q", got)
	}
	if got := resp.Header.Get("Access-Control-Allow-Methods"); !strings.Contains(got, "POST") {
		t.Errorf("Access-Control-Allow-Methods = %q", got)
	}
	allowed := map[string]bool{}
	for _, h := range strings.Split(resp.Header.Get("Access-Control-Allow-Headers"), ",") {
		allowed[strings.ToLower(strings.TrimSpace(h))] = true
	}
	for _, h := range []string{"content-type", "x-amz-target", "x-amz-user-agent", "cache-control"} {
		if !allowed[h] {
			t.Errorf("Access-Control-Allow-Headers %q lacks %s", resp.Header.Get("Access-Control-Allow-Headers"), h)
		}
	}
	if resp.Header.Get("x-amzn-RequestId") == "" {
		t.Error("preflight has no x-amzn-RequestId")
	}
}

// TestHTTPInitiateAuthWire: the exact members of a successful InitiateAuth
// that returns tokens, byte for byte: AuthenticationResult and an empty
// ChallengeParameters object, nothing else.
func TestHTTPInitiateAuthWire(t *testing.T) {
	e := newSDKEnv(t)
	pool := e.pool()
	client := *e.client(pool).ClientId
	e.user(pool, "kim", "kim@example.com", "Perm#Pass1")

	r := post(t, e.server, "InitiateAuth", strings.NewReader(
		`{"AuthFlow":"USER_PASSWORD_AUTH","ClientId":"`+client+`","AuthParameters":{"USERNAME":"kim","PASSWORD":"Perm#Pass1"}}`))
	if r.Status != 200 {
		t.Fatalf("InitiateAuth: %d %s", r.Status, r.Body)
	}
	if ct := r.Header.Get("Content-Type"); ct != "application/x-amz-json-1.1" {
		t.Errorf("Content-Type = %q", ct)
	}
	var top map[string]json.RawMessage
	if err := json.Unmarshal(r.Body, &top); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"AuthenticationResult", "ChallengeParameters"}, rawKeys(top)); diff != "" {
		t.Errorf("top-level members (-want +got):\n%s", diff)
	}
	if got := string(top["ChallengeParameters"]); got != "{}" {
		t.Errorf("ChallengeParameters = %s; want {}", got)
	}
	var result map[string]json.RawMessage
	if err := json.Unmarshal(top["AuthenticationResult"], &result); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"AccessToken", "ExpiresIn", "IdToken", "RefreshToken", "TokenType"}, rawKeys(result)); diff != "" {
		t.Errorf("AuthenticationResult members (-want +got):\n%s", diff)
	}
	if string(result["ExpiresIn"]) != "3600" || string(result["TokenType"]) != `"Bearer"` {
		t.Errorf("ExpiresIn %s, TokenType %s", result["ExpiresIn"], result["TokenType"])
	}
}

func rawKeys(m map[string]json.RawMessage) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return sortStrings(out)
}

// TestHTTPOutbox: the MFA email is in GET /_ninshou/outbox with its code,
// the same code the SMTP server received, and that code signs in.
func TestHTTPOutbox(t *testing.T) {
	e := newSDKEnv(t)
	pool := e.pool()
	e.emailMFA(pool, types.UserPoolMfaTypeOn)
	client := *e.client(pool).ClientId
	const mail = "kim@example.com"
	e.user(pool, "kim", mail, "Perm#Pass1")

	session, code := e.emailOTP(client, "kim", "Perm#Pass1", mail, 1)
	msgs := outbox(t, e.server, mail)
	if len(msgs) != 1 {
		t.Fatalf("outbox has %d messages to %s; want 1", len(msgs), mail)
	}
	want := outboxMessage{To: mail, Subject: "Sign-in code", Body: "Your sign-in code is " + code, Kind: "mfa_code", Channel: "email"}
	if diff := cmp.Diff(want, msgs[0]); diff != "" {
		t.Errorf("outbox message (-want +got):\n%s", diff)
	}
	res, err := e.respond(client, types.ChallengeNameTypeEmailOtp, session, map[string]string{"USERNAME": "kim", "EMAIL_OTP_CODE": code})
	if err != nil || res.AuthenticationResult == nil {
		t.Fatalf("answer with the outbox code: %v", err)
	}
}
