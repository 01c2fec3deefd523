package sigv4

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// sign signs a request as the AWS SDK does.
func sign(t *testing.T, keyID, secret, region string, at time.Time, body string) *http.Request {
	t.Helper()
	r, _ := http.NewRequest(http.MethodPost, "http://127.0.0.1:9229/", bytes.NewReader([]byte(body)))
	r.Header.Set("Content-Type", "application/x-amz-json-1.1")
	r.Header.Set("X-Amz-Target", "AWSCognitoIdentityProviderService.AdminGetUser")
	sum := sha256.Sum256([]byte(body))
	err := v4.NewSigner().SignHTTP(context.Background(), aws.Credentials{AccessKeyID: keyID, SecretAccessKey: secret},
		r, hex.EncodeToString(sum[:]), "cognito-idp", region, at)
	if err != nil {
		t.Fatal(err)
	}
	r.Host = r.URL.Host
	return r
}

func TestVerify(t *testing.T) {
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	v := &Verifier{Service: "cognito-idp", Region: "us-east-1", Secrets: map[string]string{"AKIDNINSHOU": "s3cret/key+1"},
		Now: func() time.Time { return now }}
	body := `{"UserPoolId":"us-east-1_x","Username":"kim"}`
	if id, err := v.Verify(sign(t, "AKIDNINSHOU", "s3cret/key+1", "us-east-1", now, body), []byte(body)); err != nil || id != "AKIDNINSHOU" {
		t.Fatalf("a request the SDK signed: %q %v", id, err)
	}
	code := func(err error) string {
		var e *Error
		if errors.As(err, &e) {
			return e.Code
		}
		return ""
	}
	cases := []struct {
		name, want string
		req        *http.Request
		body       string
	}{
		{"another secret", "InvalidSignatureException", sign(t, "AKIDNINSHOU", "wrong", "us-east-1", now, body), body},
		{"an unknown key", "UnrecognizedClientException", sign(t, "AKIDOTHER", "s3cret/key+1", "us-east-1", now, body), body},
		{"another body", "InvalidSignatureException", sign(t, "AKIDNINSHOU", "s3cret/key+1", "us-east-1", now, body), `{"UserPoolId":"us-east-1_x","Username":"admin"}`},
		{"another region", "InvalidSignatureException", sign(t, "AKIDNINSHOU", "s3cret/key+1", "eu-west-1", now, body), body},
		{"signed an hour ago", "InvalidSignatureException", sign(t, "AKIDNINSHOU", "s3cret/key+1", "us-east-1", now.Add(-time.Hour), body), body},
	}
	for _, c := range cases {
		if _, err := v.Verify(c.req, []byte(c.body)); code(err) != c.want {
			t.Errorf("%s: %v, want %s", c.name, err, c.want)
		}
	}
	tampered := sign(t, "AKIDNINSHOU", "s3cret/key+1", "us-east-1", now, body)
	tampered.Header.Set("X-Amz-Target", "AWSCognitoIdentityProviderService.AdminDeleteUser")
	if _, err := v.Verify(tampered, []byte(body)); code(err) != "InvalidSignatureException" {
		t.Errorf("a signed header changed: %v", err)
	}
	// X-Amz-Target left out of the signature: refused, whatever the rest.
	r, _ := http.NewRequest(http.MethodPost, "http://127.0.0.1:9229/", bytes.NewReader([]byte(body)))
	sum := sha256.Sum256([]byte(body))
	if err := v4.NewSigner().SignHTTP(context.Background(), aws.Credentials{AccessKeyID: "AKIDNINSHOU", SecretAccessKey: "s3cret/key+1"},
		r, hex.EncodeToString(sum[:]), "cognito-idp", "us-east-1", now); err != nil {
		t.Fatal(err)
	}
	r.Host = r.URL.Host
	r.Header.Set("X-Amz-Target", "AWSCognitoIdentityProviderService.AdminDeleteUser")
	if _, err := v.Verify(r, []byte(body)); code(err) != "InvalidSignatureException" {
		t.Errorf("an operation outside the signature: %v", err)
	}
	// A payload hash header that vouches for another body: refused.
	swapped := sign(t, "AKIDNINSHOU", "s3cret/key+1", "us-east-1", now, body)
	origSum := sha256.Sum256([]byte(body))
	swapped.Header.Set("X-Amz-Content-Sha256", hex.EncodeToString(origSum[:]))
	if _, err := v.Verify(swapped, []byte(`{"UserPoolId":"us-east-1_x","Username":"admin"}`)); code(err) != "InvalidSignatureException" {
		t.Errorf("another body under the original's hash header: %v", err)
	}
	// The refusals' texts, in AWS's words (SDK issues quote them).
	message := func(err error) string {
		var e *Error
		if errors.As(err, &e) {
			return e.Message
		}
		return ""
	}
	for _, c := range []struct {
		name, want string
		req        *http.Request
	}{
		{"signed 20 minutes ago", "Signature expired: 20261126T114000Z is now earlier than 20261126T115500Z (20261126T120000Z - 5 min.)",
			sign(t, "AKIDNINSHOU", "s3cret/key+1", "us-east-1", now.Add(-20*time.Minute), body)},
		{"signed 20 minutes ahead", "Signature not yet current: 20261126T122000Z is still later than 20261126T120500Z (20261126T120000Z + 5 min.)",
			sign(t, "AKIDNINSHOU", "s3cret/key+1", "us-east-1", now.Add(20*time.Minute), body)},
		{"scoped to another region", "Credential should be scoped to a valid region, not 'eu-west-1'. ",
			sign(t, "AKIDNINSHOU", "s3cret/key+1", "eu-west-1", now, body)},
	} {
		if _, err := v.Verify(c.req, []byte(body)); message(err) != c.want {
			t.Errorf("%s: %q, want %q", c.name, message(err), c.want)
		}
	}
	// A Date header in the ISO 8601 basic format dates the request when
	// there is no X-Amz-Date (the API references' Common Parameters).
	dated, _ := http.NewRequest(http.MethodPost, "http://127.0.0.1:9229/", bytes.NewReader([]byte(body)))
	dated.Host = dated.URL.Host
	dated.Header.Set("X-Amz-Target", "AWSCognitoIdentityProviderService.AdminGetUser")
	dated.Header.Set("Date", "20261126T120000Z")
	headers := []string{"date", "host", "x-amz-target"}
	canon := sha256.Sum256([]byte(canonicalRequest(dated, headers, []byte(body))))
	scope := "20261126/us-east-1/cognito-idp/aws4_request"
	key := hmacSHA256([]byte("AWS4s3cret/key+1"), "20261126")
	for _, part := range []string{"us-east-1", "cognito-idp", "aws4_request"} {
		key = hmacSHA256(key, part)
	}
	sig := hex.EncodeToString(hmacSHA256(key, "AWS4-HMAC-SHA256\n20261126T120000Z\n"+scope+"\n"+hex.EncodeToString(canon[:])))
	dated.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=AKIDNINSHOU/"+scope+", SignedHeaders=date;host;x-amz-target, Signature="+sig)
	if id, err := v.Verify(dated, []byte(body)); err != nil || id != "AKIDNINSHOU" {
		t.Errorf("a request dated by its Date header: %q %v", id, err)
	}
	unsigned, _ := http.NewRequest(http.MethodPost, "http://127.0.0.1:9229/", nil)
	if _, err := v.Verify(unsigned, nil); code(err) != "MissingAuthenticationTokenException" {
		t.Errorf("no signature: %v", err)
	}
}

func TestParseSecrets(t *testing.T) {
	m, err := ParseSecrets("A:x, B:y:z")
	if err != nil || m["A"] != "x" || m["B"] != "y:z" {
		t.Errorf("%v %v", m, err)
	}
	for _, bad := range []string{"", "A", ":x", "A:"} {
		if _, err := ParseSecrets(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}
