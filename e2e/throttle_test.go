package e2e

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/smithy-go/middleware"
)

// TestThrottle runs a server with --throttle cognito: Cognito's default
// request-rate quotas (quotas.html). A burst over the UserList quota (30 a
// second) and over one user's 10 reads a second is refused with
// TooManyRequestsException "Rate exceeded" on the wire, other users and
// categories unaffected; a second later there is room again; and the AWS
// SDK's standard retryer, which backs off on that error, gets its call
// through.
func TestThrottle(t *testing.T) {
	s := startServerWith(t, "--throttle", "cognito")
	e := &sdkEnv{t: t, ctx: context.Background(), server: s, c: s.sdk()}
	poolID := e.pool()
	e.user(poolID, "kim", "kim@example.com", "Perm#Pass1")
	e.user(poolID, "lee", "lee@example.com", "Perm#Pass1")
	// The quotas are counted on the server's clock: stopped, a burst is
	// one instant, whatever the machine's speed.
	s.Clock.Freeze()

	// burst sends n requests of op at once (one after another, as fast as
	// they go) and counts the answers: OK, throttled; anything else fails.
	burst := func(op string, n int, body map[string]string) (ok, throttled int) {
		t.Helper()
		raw, _ := json.Marshal(body)
		for range n {
			r := post(t, s, op, strings.NewReader(string(raw)))
			switch {
			case r.Status == http.StatusOK:
				ok++
			default:
				wantWireError(t, r, http.StatusBadRequest, wireError{Type: "TooManyRequestsException", Message: "Rate exceeded"})
				throttled++
			}
		}
		return ok, throttled
	}
	ok, throttled := burst("ListUsers", 45, map[string]string{"UserPoolId": poolID})
	if ok != 30 || throttled != 15 {
		t.Errorf("45 ListUsers at once: %d answered, %d throttled; want 30 answered", ok, throttled)
	}
	if r := post(t, s, "DescribeUserPool", strings.NewReader(`{"UserPoolId":"`+poolID+`"}`)); r.Status != http.StatusOK {
		t.Errorf("DescribeUserPool (another category) while ListUsers is throttled: %d %s", r.Status, r.Body)
	}
	s.Clock.Advance(time.Second)
	if ok, _ := burst("ListUsers", 1, map[string]string{"UserPoolId": poolID}); ok != 1 {
		t.Error("ListUsers still throttled a second later")
	}

	// One user's reads: 10 a second, whatever the category has left.
	ok, throttled = burst("AdminGetUser", 20, map[string]string{"UserPoolId": poolID, "Username": "kim"})
	if ok != 10 || throttled != 10 {
		t.Errorf("20 AdminGetUser of kim at once: %d answered, %d throttled; want 10", ok, throttled)
	}
	if ok, _ := burst("AdminGetUser", 1, map[string]string{"UserPoolId": poolID, "Username": "lee"}); ok != 1 {
		t.Error("lee was throttled by kim's reads")
	}

	// The SDK's standard retryer treats TooManyRequestsException as
	// throttling and retries with back-off: its second attempt, a second
	// later on the server's clock, finds room.
	burst("ListUsers", 40, map[string]string{"UserPoolId": poolID})
	retrying := cip.New(cip.Options{Region: "us-east-1", BaseEndpoint: aws.String(s.URL),
		Credentials: credentials.NewStaticCredentialsProvider("local", "local", ""), RetryMaxAttempts: 10})
	var attempts int
	out, err := retrying.ListUsers(e.ctx, &cip.ListUsersInput{UserPoolId: aws.String(poolID)}, func(o *cip.Options) {
		o.APIOptions = append(o.APIOptions, countAttempts(&attempts, func(n int) {
			if n == 2 {
				s.Clock.Advance(time.Second)
			}
		}))
	})
	if err != nil || len(out.Users) != 2 {
		t.Fatalf("ListUsers through the SDK's retryer: %v", err)
	}
	if attempts != 2 {
		t.Errorf("the SDK answered in %d attempt(s), want 2 (throttled, then through)", attempts)
	}
}

// countAttempts counts the attempts of an SDK call (a step after the
// retryer sees each) and calls before with each attempt's number before
// it is sent.
func countAttempts(n *int, before func(int)) func(*middleware.Stack) error {
	return func(st *middleware.Stack) error {
		return st.Finalize.Insert(middleware.FinalizeMiddlewareFunc("countAttempts",
			func(ctx context.Context, in middleware.FinalizeInput, next middleware.FinalizeHandler) (middleware.FinalizeOutput, middleware.Metadata, error) {
				*n++
				before(*n)
				return next.HandleFinalize(ctx, in)
			}), "Retry", middleware.After)
	}
}
