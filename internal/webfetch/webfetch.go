// Package webfetch reads the documents identity providers publish (OIDC
// discovery documents, SAML metadata) for the domain, which knows nothing
// of HTTP.
package webfetch

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"
)

// Limits: a discovery document or metadata file is a few KiB; a provider
// that does not answer must not hold an admin request for long.
const (
	maxBody = 1 << 20
	timeout = 10 * time.Second
)

var client = &http.Client{Timeout: timeout}

// Get fetches an http(s) URL and returns its body, which must come with
// status 200 and fit in 1 MiB.
func Get(ctx context.Context, rawURL string) ([]byte, error) {
	u, err := url.Parse(rawURL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, fmt.Errorf("webfetch: %q is not an http(s) URL", rawURL)
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, err
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("webfetch: %s answered %s", u.Redacted(), resp.Status)
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxBody+1))
	if err != nil {
		return nil, err
	}
	if len(b) > maxBody {
		return nil, fmt.Errorf("webfetch: %s is larger than %d bytes", u.Redacted(), maxBody)
	}
	return b, nil
}
