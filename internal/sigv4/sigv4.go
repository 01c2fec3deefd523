// Package sigv4 verifies AWS Signature Version 4 on requests to the
// Cognito JSON API, so that a self-hosted Ninshou accepts the signed
// (administrative) operations only from holders of its access keys, as
// AWS does, while the public operations stay open.
// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-create-signed-request.html
package sigv4

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Error is a refusal, with the code and message AWS answers.
type Error struct{ Code, Message string }

func (e *Error) Error() string { return e.Code + ": " + e.Message }

// The refusals.
var (
	errMissing = &Error{"MissingAuthenticationTokenException", "Missing Authentication Token"}
	errUnknown = &Error{"UnrecognizedClientException", "The security token included in the request is invalid."}
	errBad     = &Error{"InvalidSignatureException", "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details."}
)

// Skew is how far a request's X-Amz-Date may be from the server's clock.
const Skew = 5 * time.Minute

// Verifier checks signatures for one service and region.
type Verifier struct {
	Service string // "cognito-idp"
	Region  string
	// Secrets maps access key IDs to their secret keys.
	Secrets map[string]string
	Now     func() time.Time
}

// Verify checks r (whose body was read into body) and returns the access
// key ID that signed it.
// basicISO is SigV4's request time, ISO 8601 basic format.
const basicISO = "20060102T150405Z"

func (v *Verifier) Verify(r *http.Request, body []byte) (string, error) {
	// 1. The Authorization header: algorithm, credential scope, signed
	// headers, signature.
	auth := r.Header.Get("Authorization")
	if auth == "" {
		return "", errMissing
	}
	alg, rest, _ := strings.Cut(auth, " ")
	if alg != "AWS4-HMAC-SHA256" {
		return "", &Error{"IncompleteSignatureException", "Unsupported signature algorithm " + alg + "."}
	}
	fields := map[string]string{}
	for _, part := range strings.Split(rest, ",") {
		k, val, ok := strings.Cut(strings.TrimSpace(part), "=")
		if ok {
			fields[k] = val
		}
	}
	cred, signed, sig := fields["Credential"], fields["SignedHeaders"], fields["Signature"]
	scope := strings.Split(cred, "/")
	if len(scope) != 5 || signed == "" || sig == "" || scope[4] != "aws4_request" {
		return "", &Error{"IncompleteSignatureException", "Authorization header requires 'Credential', 'SignedHeaders' and 'Signature' parameters."}
	}
	keyID, day, region, service := scope[0], scope[1], scope[2], scope[3]
	secret, ok := v.Secrets[keyID]
	if !ok {
		return "", errUnknown
	}
	// 2. The request's time, within the skew, and the scope's day, region
	// and service.
	// "If the Date header is specified in the ISO 8601 basic format,
	// X-Amz-Date is not required." (the API references' Common Parameters)
	amzDate := r.Header.Get("X-Amz-Date")
	if amzDate == "" {
		amzDate = r.Header.Get("Date")
	}
	at, err := time.Parse(basicISO, amzDate)
	if err != nil {
		return "", &Error{"IncompleteSignatureException", "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header."}
	}
	now := time.Now()
	if v.Now != nil {
		now = v.Now()
	}
	// AWS's words for a signature outside the window, as SDK issues quote
	// them (aws/aws-sdk-php#1780, aws/aws-sdk-go#2194); Cognito's own are
	// unpublished.
	now = now.UTC()
	switch d := now.Sub(at); {
	case d > Skew:
		return "", &Error{"InvalidSignatureException", "Signature expired: " + amzDate + " is now earlier than " +
			now.Add(-Skew).Format(basicISO) + " (" + now.Format(basicISO) + " - 5 min.)"}
	case d < -Skew:
		return "", &Error{"InvalidSignatureException", "Signature not yet current: " + amzDate + " is still later than " +
			now.Add(Skew).Format(basicISO) + " (" + now.Format(basicISO) + " + 5 min.)"}
	}
	switch {
	case day != amzDate[:8]:
		return "", &Error{"InvalidSignatureException", "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '" +
			day + "' != '" + amzDate[:8] + "', from '" + amzDate + "'."}
	case region != v.Region:
		// The trailing space is AWS's (aws/aws-sdk-ruby#508 quotes it).
		return "", &Error{"InvalidSignatureException", "Credential should be scoped to a valid region, not '" + region + "'. "}
	case service != v.Service:
		return "", &Error{"InvalidSignatureException", "Credential should be scoped to correct service: '" + service + "'. "}
	}
	headers := strings.Split(signed, ";")
	if !slices.Contains(headers, "host") || !slices.IsSorted(headers) ||
		r.Header.Get("X-Amz-Target") != "" && !slices.Contains(headers, "x-amz-target") {
		// The operation is named by X-Amz-Target: unsigned, a captured
		// request could be replayed as another operation on the same body.
		return "", errBad
	}
	// A payload hash header must be the body's (AWS hashes the body of
	// this service's requests; no SDK sends UNSIGNED-PAYLOAD to it).
	if h := r.Header.Get("X-Amz-Content-Sha256"); h != "" {
		sum := sha256.Sum256(body)
		if subtle.ConstantTimeCompare([]byte(h), []byte(hex.EncodeToString(sum[:]))) != 1 {
			return "", errBad
		}
	}
	// 3. The canonical request, 4. the string to sign, 5. the signing key,
	// 6. the signature, compared in constant time.
	canonical := canonicalRequest(r, headers, body)
	sum := sha256.Sum256([]byte(canonical))
	toSign := "AWS4-HMAC-SHA256\n" + amzDate + "\n" + strings.Join(scope[1:], "/") + "\n" + hex.EncodeToString(sum[:])
	key := hmacSHA256([]byte("AWS4"+secret), day)
	key = hmacSHA256(key, region)
	key = hmacSHA256(key, service)
	key = hmacSHA256(key, "aws4_request")
	want := hex.EncodeToString(hmacSHA256(key, toSign))
	if subtle.ConstantTimeCompare([]byte(want), []byte(sig)) != 1 {
		return "", errBad
	}
	return keyID, nil
}

func canonicalRequest(r *http.Request, headers []string, body []byte) string {
	var b strings.Builder
	b.WriteString(r.Method + "\n")
	path := r.URL.EscapedPath()
	if path == "" {
		path = "/"
	}
	b.WriteString(path + "\n")
	b.WriteString(canonicalQuery(r.URL.Query()) + "\n")
	for _, h := range headers {
		var val string
		switch {
		case h == "host":
			val = r.Host
		case h == "content-length" && r.Header.Get(h) == "" && r.ContentLength >= 0:
			val = strconv.FormatInt(r.ContentLength, 10) // a client's request keeps it out of Header
		default:
			val = strings.Join(r.Header.Values(h), ",")
		}
		b.WriteString(h + ":" + strings.Join(strings.Fields(val), " ") + "\n")
	}
	b.WriteString("\n" + strings.Join(headers, ";") + "\n")
	sum := sha256.Sum256(body) // always the body's own hash, never a header's word for it
	b.WriteString(hex.EncodeToString(sum[:]))
	return b.String()
}

func canonicalQuery(q url.Values) string {
	keys := make([]string, 0, len(q))
	for k := range q {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var parts []string
	for _, k := range keys {
		vals := slices.Clone(q[k])
		slices.Sort(vals)
		for _, v := range vals {
			parts = append(parts, escape(k)+"="+escape(v))
		}
	}
	return strings.Join(parts, "&")
}

// escape is SigV4's URI encoding: unreserved characters as they are,
// everything else %XX in upper case.
func escape(s string) string {
	return strings.ReplaceAll(url.QueryEscape(s), "+", "%20")
}

func hmacSHA256(key []byte, data string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(data))
	return m.Sum(nil)
}

// ParseSecrets reads "KEYID:SECRET[,KEYID:SECRET...]".
func ParseSecrets(s string) (map[string]string, error) {
	out := map[string]string{}
	for _, pair := range strings.Split(s, ",") {
		id, secret, ok := strings.Cut(strings.TrimSpace(pair), ":")
		if !ok || id == "" || secret == "" {
			return nil, errors.New("want KEYID:SECRET pairs separated by commas")
		}
		out[id] = secret
	}
	return out, nil
}
