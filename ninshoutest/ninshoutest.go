// Package ninshoutest runs Ninshou inside a Go test: the real server (the
// Cognito JSON API, the OAuth 2.0 endpoints and the sign-in pages over HTTP
// on a loopback port, on a SQLite file in the test's temporary directory),
// which aws-sdk-go-v2, the AWS CLI or any Cognito client reaches at URL.
// The messages it sends (codes, temporary passwords) are read from its
// outbox, and its clock moves forward on request, so that expiry is tested
// without sleeping.
//
//	srv := ninshoutest.Start(t)
//	client := cognitoidentityprovider.NewFromConfig(srv.AWSConfig())
//	... client.SignUp(ctx, ...)
//	code := srv.Code(t, "kim@example.com")
//
// Passwords are hashed at the low cost (argon2id at minimal parameters) for
// speed; pass "--password-cost", "standard" to Start for production's.
package ninshoutest

import (
	"context"
	"io"
	"log/slog"
	"net"
	"os"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/ninshou/ninshou/internal/app"
	"github.com/ninshou/ninshou/internal/config"
	"github.com/ninshou/ninshou/internal/store"
)

// Server is one Ninshou serving a test.
type Server struct {
	// URL is the server's base URL: the endpoint of the cognito-idp API and
	// the OAuth 2.0 endpoints, and every pool's token issuer is URL/<poolId>.
	URL string
	// Region is the region pool IDs are made in.
	Region string

	app    *app.App
	offset atomic.Int64
}

// Start starts a server for tb, stopped when tb ends. flags are any of
// ninshou's flags (later ones win), for example "--password-cost",
// "standard" or "--region", "eu-west-1", but for those Start sets itself
// to serve at URL: "--addr", "--data" and "--public-url" fail the test.
// "--crypto" chooses the backend of the whole test binary, not of one
// server. Set NINSHOU_TEST_LOG to see the server's log on stderr.
func Start(tb testing.TB, flags ...string) *Server {
	tb.Helper()
	for _, f := range flags {
		name, _, _ := strings.Cut(strings.TrimLeft(f, "-"), "=")
		if strings.HasPrefix(f, "-") && (name == "addr" || name == "data" || name == "public-url") {
			tb.Fatalf("ninshoutest: Start sets %s itself (the server is at its URL, its store in the test's directory)", f)
		}
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	url := "http://" + ln.Addr().String()
	args := append([]string{"--addr", ln.Addr().String(), "--data", tb.TempDir(), "--public-url", url,
		"--password-cost", "low"}, flags...)
	cfg, err := config.Load(args, func(string) string { return "" })
	if err != nil {
		ln.Close()
		tb.Fatal(err)
	}
	logOut := io.Discard
	if os.Getenv("NINSHOU_TEST_LOG") != "" {
		logOut = os.Stderr
	}
	a, err := app.New(cfg, slog.New(slog.NewTextHandler(logOut, nil)))
	if err != nil {
		ln.Close()
		tb.Fatal(err)
	}
	s := &Server{URL: url, Region: cfg.Region, app: a}
	a.Service.Now = s.Now
	a.Service.Tokens.Now = s.Now
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Serve(ctx, ln) }()
	tb.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			tb.Errorf("ninshoutest: serve: %v", err)
		}
		a.Close()
	})
	return s
}

// Now is the server's clock: real time, plus every Advance.
func (s *Server) Now() time.Time { return time.Now().Add(time.Duration(s.offset.Load())) }

// Advance moves the server's clock forward by d: codes, sessions and
// tokens expire as they would d later. Tokens then carry the moved clock's
// times: check them against Now, not time.Now. d must not be negative.
func (s *Server) Advance(d time.Duration) {
	if d < 0 {
		panic("ninshoutest: Advance moves the clock forward only")
	}
	s.offset.Add(int64(d))
}

// AWSConfig is an AWS SDK configuration for the server: its endpoint and
// region, and static credentials (Ninshou checks no signature).
func (s *Server) AWSConfig() aws.Config {
	return aws.Config{
		Region:           s.Region,
		BaseEndpoint:     aws.String(s.URL),
		Credentials:      credentials.NewStaticCredentialsProvider("ninshoutest", "ninshoutest", ""),
		RetryMaxAttempts: 1,
	}
}

// Message is one message the server sent (or would have: without a mail
// server or SMS sender, messages stay in its outbox).
type Message struct {
	PoolID  string
	Channel string // "email" or "sms"
	To      string
	Subject string
	Body    string
	Kind    string // what it is for: "signup", "mfa_code", "invitation", ...
	SentAt  time.Time
}

// Messages are the messages to to (every message when to is ""; addresses
// compared without regard to case), oldest first.
func (s *Server) Messages(tb testing.TB, to string) []Message {
	tb.Helper()
	var msgs []*store.Message
	err := s.app.Store.View(context.Background(), func(tx store.Tx) error {
		var err error
		msgs, err = store.Messages(tx, func(m *store.Message) bool { return to == "" || strings.EqualFold(m.To, to) })
		return err
	})
	if err != nil {
		tb.Fatalf("ninshoutest: reading the outbox: %v", err)
	}
	out := make([]Message, 0, len(msgs))
	for _, m := range msgs {
		out = append(out, Message{PoolID: m.PoolID, Channel: m.Channel, To: m.To, Subject: m.Subject,
			Body: m.Body, Kind: m.Kind, SentAt: m.CreatedAt})
	}
	return out
}

// codePattern finds a code in a message: six digits (confirmation,
// verification, MFA codes) or eight (USER_AUTH's passwordless codes).
var codePattern = regexp.MustCompile(`\b([0-9]{8}|[0-9]{6})\b`)

// Code is the code of the latest message to to (an email address or a
// phone number): six digits, or eight for a passwordless sign-in code. The
// test fails if there is no message to to, or if the latest has no code
// (an older message's code is never returned in its place).
func (s *Server) Code(tb testing.TB, to string) string {
	tb.Helper()
	msgs := s.Messages(tb, to)
	if len(msgs) == 0 {
		tb.Fatalf("ninshoutest: no message to %s", to)
		return ""
	}
	last := msgs[len(msgs)-1]
	m := codePattern.FindStringSubmatch(last.Body)
	if m == nil {
		tb.Fatalf("ninshoutest: the latest message to %s (%s) has no code", to, last.Kind)
		return ""
	}
	return m[1]
}
