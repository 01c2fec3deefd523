package app

import (
	"bufio"
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/ninshou/ninshou/internal/config"
)

// TestServeDropsStalledRequests: a client that sends a request's header and
// part of its body, then nothing, loses its connection after the read
// timeout instead of holding it (and a file descriptor) for ever; a client
// idle between requests loses it after the idle timeout.
func TestServeDropsStalledRequests(t *testing.T) {
	defer func(r, i time.Duration) { readTimeout, idleTimeout = r, i }(readTimeout, idleTimeout)
	readTimeout, idleTimeout = 300*time.Millisecond, 300*time.Millisecond
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load([]string{"--addr", ln.Addr().String(), "--data", t.TempDir(), "--password-cost", "low"},
		func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	a, err := New(cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Serve(ctx, ln) }()
	defer func() { cancel(); <-done }()

	closedWithin := func(c net.Conn, d time.Duration) bool {
		c.SetReadDeadline(time.Now().Add(d))
		_, err := io.ReadAll(c) // the server's answer, if any, then EOF when it closes
		return err == nil
	}
	// send opens a connection and writes raw, which may stop mid-request.
	send := func(raw string) net.Conn {
		c, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		io.WriteString(c, raw)
		return c
	}
	stalled := send("POST /oauth2/token HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\ngrant_type=")
	if !closedWithin(stalled, 5*time.Second) {
		t.Error("a request with a stalled body still holds its connection after 5 s")
	}

	// The import upload's long deadline is only for an upload its URL
	// admits: a wrong secret keeps the server's timeout.
	upload := send("PUT /_ninshou/user-import/us-east-1_AbC/import-x?secret=wrong HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\nab")
	if !closedWithin(upload, 5*time.Second) {
		t.Error("an upload to a URL with a wrong secret still holds its connection after 5 s")
	}

	idle := send("GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
	resp, err := http.ReadResponse(bufio.NewReader(idle), nil)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /health: %v %v", resp, err)
	}
	resp.Body.Close()
	if !closedWithin(idle, 5*time.Second) {
		t.Error("an idle keep-alive connection is still open after 5 s")
	}
}
