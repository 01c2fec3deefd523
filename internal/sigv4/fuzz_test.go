package sigv4

import (
	"bytes"
	"net/http"
	"testing"
	"time"
)

// FuzzVerify: whatever Authorization and X-Amz-Date a request carries,
// Verify answers without a panic and accepts nothing it cannot check
// against the secret. `go test` runs the seeds; `go test -fuzz FuzzVerify`
// explores.
func FuzzVerify(f *testing.F) {
	f.Add("AWS4-HMAC-SHA256 Credential=AKID/20261126/us-east-1/cognito-idp/aws4_request, SignedHeaders=host;x-amz-date, Signature=00", "20261126T120000Z", "{}")
	f.Add("AWS4-HMAC-SHA256 Credential=AKID/x/y/z/aws4_request,SignedHeaders=,Signature=", "bad", "")
	f.Add("AWS4-HMAC-SHA256 ,,,=", "", "x")
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	v := &Verifier{Service: "cognito-idp", Region: "us-east-1", Secrets: map[string]string{"AKID": "secret"}, Now: func() time.Time { return now }}
	f.Fuzz(func(t *testing.T, auth, date, body string) {
		r, _ := http.NewRequest(http.MethodPost, "http://127.0.0.1:9229/", bytes.NewReader([]byte(body)))
		r.Host = "127.0.0.1:9229"
		r.Header.Set("Authorization", auth)
		r.Header.Set("X-Amz-Date", date)
		if id, err := v.Verify(r, []byte(body)); err == nil {
			t.Fatalf("accepted a made-up signature as %q", id)
		}
	})
}
