package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

const (
	targetPrefix    = "AWSCognitoIdentityProviderService."
	amzJSON         = "application/x-amz-json-1.1"
	signingService  = "cognito-idp"
	maxResponseBody = 4 << 20
)

// client speaks the Cognito JSON 1.1 protocol to one base URL over a
// keep-alive connection pool.
type client struct {
	base string
	// spread, when set, gives each request the next of several bases
	// (nodes on one database) in turn.
	spread *roundRobin
	region string
	http   *http.Client // GETs (health, outbox, import log)
	conns  *connPool    // API calls
	signer *v4.Signer
	creds  aws.Credentials
}

func newClient(base, region string, conns int) *client {
	tr := &http.Transport{
		Proxy:               nil, // loopback: never through an environment proxy
		DialContext:         (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConns:        conns,
		MaxIdleConnsPerHost: conns,
		IdleConnTimeout:     90 * time.Second,
		DisableCompression:  true,
	}
	return &client{
		base:   strings.TrimRight(base, "/"),
		region: region,
		http:   &http.Client{Transport: tr, Timeout: 30 * time.Second},
		conns:  newConnPool(conns),
		signer: v4.NewSigner(),
		creds:  aws.Credentials{AccessKeyID: "local", SecretAccessKey: "local", Source: "ninshou-bench"},
	}
}

func (c *client) close() {
	c.http.CloseIdleConnections()
	c.conns.closeIdle()
}

// pick is the base URL of the next request.
func (c *client) pick() string {
	if c.spread != nil {
		return c.spread.pick()
	}
	return c.base
}

// apiError is an error answer of the API: {"__type": ..., "message": ...}.
type apiError struct {
	Op      string
	Status  int
	Type    string
	Message string
}

func (e *apiError) Error() string {
	return fmt.Sprintf("%s: %s: %s (HTTP %d)", e.Op, e.Type, e.Message, e.Status)
}

// call sends operation op with input in and decodes a 200 answer into out
// (which may be nil). signed operations carry a SigV4 Authorization header,
// as the AWS SDKs send for operations that need IAM credentials.
func (c *client) call(ctx context.Context, op string, signed bool, in, out any) error {
	body, err := json.Marshal(in)
	if err != nil {
		return fmt.Errorf("%s: encode: %w", op, err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.pick()+"/", bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	req.Header.Set("Content-Type", amzJSON)
	req.Header.Set("X-Amz-Target", targetPrefix+op)
	req.Header.Set("User-Agent", "ninshou-bench")
	if signed {
		sum := sha256.Sum256(body)
		if err := c.signer.SignHTTP(ctx, c.creds, req, hex.EncodeToString(sum[:]), signingService, c.region, time.Now()); err != nil {
			return fmt.Errorf("%s: sign: %w", op, err)
		}
	}
	status, header, b, err := c.conns.do(req, maxResponseBody)
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	if status != http.StatusOK {
		return decodeAPIError(op, status, header, b)
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(b, out); err != nil {
		return fmt.Errorf("%s: decode answer: %w", op, err)
	}
	return nil
}

func decodeAPIError(op string, status int, header http.Header, b []byte) error {
	e := &apiError{Op: op, Status: status}
	var wire struct {
		Type     string `json:"__type"`
		Message  string `json:"message"`
		MessageU string `json:"Message"` // some emulators capitalise it
	}
	if json.Unmarshal(b, &wire) == nil && wire.Type != "" {
		e.Type, e.Message = wire.Type, wire.Message
		if e.Message == "" {
			e.Message = wire.MessageU
		}
	} else {
		e.Type = strings.TrimSuffix(header.Get("X-Amzn-ErrorType"), ":")
		e.Message = strings.TrimSpace(string(b))
		if len(e.Message) > 200 {
			e.Message = e.Message[:200] + "..."
		}
	}
	// Some services qualify the type: "com.amazonaws...#NotAuthorizedException".
	if i := strings.LastIndexByte(e.Type, '#'); i >= 0 {
		e.Type = e.Type[i+1:]
	}
	if e.Type == "" {
		e.Type = "HTTP" + strconv.Itoa(status)
	}
	return e
}

// get fetches path (with query) and decodes a 200 JSON answer into out.
func (c *client) get(ctx context.Context, path string, q url.Values, out any) error {
	u := c.pick() + path
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return err
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return fmt.Errorf("GET %s: %w", path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBody))
	if err != nil {
		return fmt.Errorf("GET %s: %w", path, err)
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: HTTP %d: %.200s", path, resp.StatusCode, b)
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(b, out); err != nil {
		return fmt.Errorf("GET %s: decode: %w", path, err)
	}
	return nil
}

// waitHealthy polls GET /health until it answers 200, and returns how long
// that took from start.
func (c *client) waitHealthy(ctx context.Context, start time.Time, limit time.Duration) (time.Duration, error) {
	ctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	var last error
	for {
		if last = c.get(ctx, "/health", nil, nil); last == nil {
			return time.Since(start), nil
		}
		select {
		case <-ctx.Done():
			return 0, fmt.Errorf("not healthy after %v: %w", limit, last)
		case <-time.After(time.Millisecond):
		}
	}
}

// Wire shapes, as far as the workloads use them.

type attribute struct {
	Name  string `json:"Name"`
	Value string `json:"Value"`
}

type authenticationResult struct {
	AccessToken  string `json:"AccessToken"`
	IdToken      string `json:"IdToken"`
	RefreshToken string `json:"RefreshToken"`
	ExpiresIn    int    `json:"ExpiresIn"`
	TokenType    string `json:"TokenType"`
}

// authAnswer is the answer of InitiateAuth and RespondToAuthChallenge.
type authAnswer struct {
	ChallengeName        string                `json:"ChallengeName"`
	ChallengeParameters  map[string]string     `json:"ChallengeParameters"`
	Session              string                `json:"Session"`
	AuthenticationResult *authenticationResult `json:"AuthenticationResult"`
}

// tokens checks that a answers with tokens.
func (a *authAnswer) tokens(op string) error {
	r := a.AuthenticationResult
	if r == nil || r.AccessToken == "" || r.IdToken == "" {
		return fmt.Errorf("%s: no tokens in the answer (ChallengeName %q)", op, a.ChallengeName)
	}
	return nil
}

// challenge checks that a asks for challenge name with a session.
func (a *authAnswer) challenge(op, name string) error {
	if a.ChallengeName != name || a.Session == "" {
		return fmt.Errorf("%s: ChallengeName %q with session %t; want %s with a session", op, a.ChallengeName, a.Session != "", name)
	}
	return nil
}

func (c *client) initiatePasswordAuth(ctx context.Context, clientID, username, password string) (*authAnswer, error) {
	var out authAnswer
	err := c.call(ctx, "InitiateAuth", false, map[string]any{
		"AuthFlow":       "USER_PASSWORD_AUTH",
		"ClientId":       clientID,
		"AuthParameters": map[string]string{"USERNAME": username, "PASSWORD": password},
	}, &out)
	return &out, err
}

func (c *client) respond(ctx context.Context, clientID, challenge, session string, responses map[string]string) (*authAnswer, error) {
	var out authAnswer
	err := c.call(ctx, "RespondToAuthChallenge", false, map[string]any{
		"ChallengeName":      challenge,
		"ClientId":           clientID,
		"Session":            session,
		"ChallengeResponses": responses,
	}, &out)
	return &out, err
}

// createPool creates a user pool and an app client allowing
// USER_PASSWORD_AUTH, and returns their IDs.
func (c *client) createPool(ctx context.Context, name string) (poolID, clientID string, err error) {
	var pool struct {
		UserPool struct {
			Id string `json:"Id"`
		} `json:"UserPool"`
	}
	if err := c.call(ctx, "CreateUserPool", true, map[string]any{"PoolName": name}, &pool); err != nil {
		return "", "", err
	}
	var cl struct {
		UserPoolClient struct {
			ClientId string `json:"ClientId"`
		} `json:"UserPoolClient"`
	}
	err = c.call(ctx, "CreateUserPoolClient", true, map[string]any{
		"UserPoolId":        pool.UserPool.Id,
		"ClientName":        "bench",
		"ExplicitAuthFlows": []string{"ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"},
	}, &cl)
	if err != nil {
		return "", "", err
	}
	if pool.UserPool.Id == "" || cl.UserPoolClient.ClientId == "" {
		return "", "", errors.New("CreateUserPool/CreateUserPoolClient answered without an Id")
	}
	return pool.UserPool.Id, cl.UserPoolClient.ClientId, nil
}

// createUser creates username, an email address that is also its verified
// email attribute, sending nothing.
//
// Every workload's usernames are email addresses, and the same as the
// user's email, on every target: cognito-local refuses a username that is
// not an email by default (its pools default to UsernameAttributes
// [email], whatever CreateUserPool asks), and then stores the user under
// its sub and finds it by its email attribute. A username that is its own
// email works the same on a pool of either kind, so the workloads stay
// identical across targets.
func (c *client) createUser(ctx context.Context, poolID, username string) error {
	return c.call(ctx, "AdminCreateUser", true, map[string]any{
		"UserPoolId":    poolID,
		"Username":      username,
		"MessageAction": "SUPPRESS",
		"UserAttributes": []attribute{
			{Name: "email", Value: username},
			{Name: "email_verified", Value: "true"},
		},
	}, nil)
}

// benchUser is the username (and email) of the n-th user of a workload's
// pool: kind-<n>-<tag>@bench.example.com.
func benchUser(kind string, n int64, tag string) string {
	return fmt.Sprintf("%s-%07d-%s@bench.example.com", kind, n, tag)
}

func (c *client) setPassword(ctx context.Context, poolID, username, password string, permanent bool) error {
	return c.call(ctx, "AdminSetUserPassword", true, map[string]any{
		"UserPoolId": poolID,
		"Username":   username,
		"Password":   password,
		"Permanent":  permanent,
	}, nil)
}

// outboxMessage is one message of Ninshou's local outbox.
type outboxMessage struct {
	ID   int64  `json:"id"`
	To   string `json:"to"`
	Body string `json:"body"`
}

// outbox lists the messages to recipient with an id greater than after.
func (c *client) outbox(ctx context.Context, to string, after int64) ([]outboxMessage, error) {
	var out struct {
		Messages []outboxMessage `json:"messages"`
	}
	q := url.Values{"to": {to}}
	if after > 0 {
		q.Set("after", strconv.FormatInt(after, 10))
	}
	err := c.get(ctx, "/_ninshou/outbox", q, &out)
	return out.Messages, err
}
