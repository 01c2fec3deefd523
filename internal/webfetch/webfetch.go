// Package webfetch reads the documents identity providers publish (OIDC
// discovery documents, SAML metadata, JWKS) and makes the calls a relying
// party makes to them (an OAuth token request, a userInfo request) for
// the domain, which knows nothing of HTTP.
package webfetch

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Limits: a discovery document or metadata file is a few KiB; a provider
// that does not answer must not hold an admin request for long.
const (
	maxBody = 1 << 20
	timeout = 10 * time.Second
)

var client = &http.Client{Timeout: timeout}

// maxErrorBody bounds the body a StatusError keeps.
const maxErrorBody = 16 << 10

// StatusError is an answer other than 200: its status and (the start of)
// its body, which an OAuth server's error document may be.
type StatusError struct {
	Method, URL string // the URL without its query
	Status      int
	Body        []byte
}

func (e *StatusError) Error() string {
	return fmt.Sprintf("webfetch: %s %s answered %d %s", e.Method, e.URL, e.Status, http.StatusText(e.Status))
}

// HTTPStatus and ResponseBody let callers that know only the error read
// the answer.
func (e *StatusError) HTTPStatus() int      { return e.Status }
func (e *StatusError) ResponseBody() []byte { return e.Body }

// Get fetches an http(s) URL and returns its body, which must come with
// status 200 and fit in 1 MiB.
func Get(ctx context.Context, rawURL string) ([]byte, error) {
	return Call(ctx, http.MethodGet, rawURL, nil, "")
}

// Call requests an http(s) URL with method: a form, if any, goes in a GET's
// query or a POST's body (form-encoded); bearer, if not empty, goes in the
// Authorization header. The answer must come with status 200 and fit in
// 1 MiB.
func Call(ctx context.Context, method, rawURL string, form url.Values, bearer string) ([]byte, error) {
	u, err := url.Parse(rawURL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, fmt.Errorf("webfetch: %q is not an http(s) URL", rawURL)
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var body io.Reader
	switch {
	case method == http.MethodPost && form != nil:
		body = strings.NewReader(form.Encode())
	case form != nil:
		q := u.Query()
		for k, vs := range form {
			q[k] = vs
		}
		u.RawQuery = q.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, method, u.String(), body)
	if err != nil {
		return nil, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	req.Header.Set("Accept", "application/json")
	// Errors name the URL without its query, where a GET's form (a code, a
	// client secret) would be, so that they can be logged.
	where := u.Scheme + "://" + u.Host + u.Path
	resp, err := client.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // its text names the whole URL
		}
		return nil, fmt.Errorf("webfetch: %s %s: %w", method, where, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
		return nil, &StatusError{Method: method, URL: where, Status: resp.StatusCode, Body: b}
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxBody+1))
	if err != nil {
		return nil, err
	}
	if len(b) > maxBody {
		return nil, fmt.Errorf("webfetch: %s is larger than %d bytes", where, maxBody)
	}
	return b, nil
}
