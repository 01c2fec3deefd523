// Package e2e drives a real Ninshou over real HTTP with real clients: the
// installed AWS CLI, aws-sdk-go-v2, and a real SMTP listener for the codes.
package e2e

import (
	"context"
	"io"
	"log/slog"
	"net"
	"os"
	"regexp"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"

	"github.com/ninshou/ninshou/internal/app"
	"github.com/ninshou/ninshou/internal/config"
	"github.com/ninshou/ninshou/internal/testutil/smtptest"
)

// server is one Ninshou serving on a loopback port, mailing to a test SMTP server.
type server struct {
	URL   string
	App   *app.App
	SMTP  *smtptest.Server
	Clock *clock
}

// clock is the server's clock: real time plus an offset tests advance, so
// that expiry and lockout are tested without sleeping; or, once frozen,
// a fixed instant plus the offset, for tests that count within a second.
type clock struct{ offset, frozen atomic.Int64 }

func (c *clock) Now() time.Time {
	if f := c.frozen.Load(); f != 0 {
		return time.Unix(0, f).Add(time.Duration(c.offset.Load()))
	}
	return time.Now().Add(time.Duration(c.offset.Load()))
}

// Freeze stops the clock where it is; only Advance moves it then.
func (c *clock) Freeze() { c.frozen.Store(time.Now().UnixNano()) }

// Advance moves the server's clock forward by d.
func (c *clock) Advance(d time.Duration) { c.offset.Add(int64(d)) }

func startServer(t *testing.T) *server {
	t.Helper()
	return startServerWith(t)
}

// startServerWith starts a server with extra flags (later flags win).
func startServerWith(t *testing.T, flags ...string) *server {
	t.Helper()
	mail := smtptest.Start(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	url := "http://" + ln.Addr().String()
	args := append([]string{
		"--addr", ln.Addr().String(), "--data", t.TempDir(), "--public-url", url,
		"--smtp-url", mail.URL(), "--password-cost", "low",
	}, append(backendFlags(t), flags...)...)
	cfg, err := config.Load(args, func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	logOut := io.Discard
	if os.Getenv("NINSHOU_TEST_LOG") != "" {
		logOut = os.Stderr
	}
	a, err := app.New(cfg, slog.New(slog.NewTextHandler(logOut, nil)))
	if err != nil {
		t.Fatal(err)
	}
	clk := &clock{}
	a.Service.Now = clk.Now
	a.Service.Tokens.Now = clk.Now
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Serve(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
		a.Close()
	})
	return &server{URL: url, App: a, SMTP: mail, Clock: clk}
}

// sdk is an aws-sdk-go-v2 client pointed at the server.
func (s *server) sdk() *cip.Client {
	return cip.New(cip.Options{
		Region:           "us-east-1",
		BaseEndpoint:     aws.String(s.URL),
		Credentials:      credentials.NewStaticCredentialsProvider("local", "local", ""),
		RetryMaxAttempts: 1,
	})
}

var sixDigits = regexp.MustCompile(`\b([0-9]{6})\b`)

// mailTo returns the n-th message (1-based) sent to addr, waiting for it.
func (s *server) mailTo(t *testing.T, addr string, n int) smtptest.Message {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		var got []smtptest.Message
		for _, m := range s.SMTP.Messages() {
			if len(m.To) == 1 && m.To[0] == addr {
				got = append(got, m)
			}
		}
		if len(got) >= n {
			return got[n-1]
		}
		if time.Now().After(deadline) {
			t.Fatalf("message %d to %s never arrived (have %d)", n, addr, len(got))
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// codeIn extracts the 6-digit code of a message.
func codeIn(t *testing.T, m smtptest.Message) string {
	t.Helper()
	found := sixDigits.FindStringSubmatch(m.Body)
	if found == nil {
		t.Fatalf("no code in %q", m.Body)
	}
	return found[1]
}
