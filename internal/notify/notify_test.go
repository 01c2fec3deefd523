package notify_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/ninshou/ninshou/internal/notify"
	"github.com/ninshou/ninshou/internal/store"
	"github.com/ninshou/ninshou/internal/store/sqlite"
	"github.com/ninshou/ninshou/internal/testutil/smtptest"
)

const defaultFrom = "no-reply@verificationemail.com"

func openStore(t *testing.T, path string) *sqlite.Store {
	t.Helper()
	if path == "" {
		path = filepath.Join(t.TempDir(), "ninshou.db")
	}
	st, err := sqlite.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func enqueue(t *testing.T, st store.Store, m *store.Message) {
	t.Helper()
	err := st.Update(context.Background(), func(tx store.Tx) error { return tx.Outbox().Enqueue(m) })
	if err != nil {
		t.Fatal(err)
	}
}

func list(t *testing.T, st store.Store) []*store.Message {
	t.Helper()
	var ms []*store.Message
	err := st.View(context.Background(), func(tx store.Tx) error {
		var err error
		ms, err = tx.Outbox().List(0, 1000)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return ms
}

func email(to, subject, body string) *store.Message {
	return &store.Message{
		PoolID: "us-east-1_Test", Channel: notify.ChannelEmail, To: to,
		Subject: subject, Body: body, Kind: "signup", CreatedAt: time.Now(),
	}
}

func smtpSender(t *testing.T, url string) *notify.SMTPSender {
	t.Helper()
	s, err := notify.NewSMTPSender(url, defaultFrom)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// logBuffer collects JSON log lines from goroutines.
type logBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

// messageLines returns the "outbox message" records logged.
func (l *logBuffer) messageLines(t *testing.T) []map[string]any {
	t.Helper()
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(l.b.String()), "\n") {
		if line == "" {
			continue
		}
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("log line %q: %v", line, err)
		}
		if rec["msg"] == "outbox message" {
			delete(rec, "time")
			out = append(out, rec)
		}
	}
	return out
}

func newLogger() (*slog.Logger, *logBuffer) {
	lb := &logBuffer{}
	return slog.New(slog.NewJSONHandler(lb, nil)), lb
}

// clock is a settable time source.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func runDispatcher(t *testing.T, d *notify.Dispatcher) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- d.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	})
}

func waitSent(t *testing.T, st store.Store, n int) []*store.Message {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		ms := list(t, st)
		sent := 0
		for _, m := range ms {
			if m.State == "sent" {
				sent++
			}
		}
		if sent >= n {
			return ms
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d messages sent", sent, n)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestDeliversOnceWithHeadersAndLogLine(t *testing.T) {
	srv := smtptest.Start(t)
	st := openStore(t, "")
	logger, logs := newLogger()
	d := notify.NewDispatcher(st, map[string]notify.Sender{"email": smtpSender(t, srv.URL())},
		notify.Options{Logger: logger, PollInterval: time.Hour})
	runDispatcher(t, d)

	m := email("kim@example.com", "Your verification code", "Your verification code is 123456. ")
	m.ReplyTo = "help@example.com"
	enqueue(t, st, m)
	d.Kick() // PollInterval is an hour: only the kick can wake it

	got := srv.WaitFor(t, nil, 10*time.Second)
	waitSent(t, st, 1)
	if _, err := d.DispatchDue(context.Background()); err != nil { // nothing left
		t.Fatal(err)
	}
	if n := len(srv.Messages()); n != 1 {
		t.Fatalf("%d deliveries, want 1", n)
	}
	type view struct {
		EnvFrom                     string
		EnvTo                       []string
		From, To, ReplyTo, Subject  string
		Body, ContentType, HasMsgID string
	}
	want := view{
		EnvFrom: defaultFrom, EnvTo: []string{"kim@example.com"},
		From: "<" + defaultFrom + ">", To: "<kim@example.com>", ReplyTo: "<help@example.com>",
		Subject: "Your verification code", Body: "Your verification code is 123456. ",
		ContentType: "text/plain; charset=UTF-8", HasMsgID: "yes",
	}
	has := "no"
	if got.Header.Get("Message-ID") != "" && got.Header.Get("Date") != "" {
		has = "yes"
	}
	gotView := view{
		EnvFrom: got.From, EnvTo: got.To,
		From: got.Header.Get("From"), To: got.Header.Get("To"), ReplyTo: got.Header.Get("Reply-To"),
		Subject: got.Subject, Body: strings.TrimSuffix(got.Body, "\n"),
		ContentType: got.Header.Get("Content-Type"), HasMsgID: has,
	}
	if diff := cmp.Diff(want, gotView); diff != "" {
		t.Errorf("delivered message mismatch (-want +got):\n%s", diff)
	}

	wantLog := []map[string]any{{
		"level": "INFO", "msg": "outbox message", "message_id": float64(m.ID), "pool_id": "us-east-1_Test",
		"channel": "email", "kind": "signup", "to": "kim@example.com",
		"subject": "Your verification code", "body": "Your verification code is 123456. ",
	}}
	if diff := cmp.Diff(wantLog, logs.messageLines(t)); diff != "" {
		t.Errorf("log lines mismatch (-want +got):\n%s", diff)
	}
}

// A body with markup (an HTML template, a confirmation link) goes out as
// HTML with a plain-text alternative: the link written after its text,
// line breaks kept, other tags dropped, entities decoded.
func TestHTMLBodyHasPlainAlternative(t *testing.T) {
	srv := smtptest.Start(t)
	st := openStore(t, "")
	d := notify.NewDispatcher(st, map[string]notify.Sender{"email": smtpSender(t, srv.URL())},
		notify.Options{Logger: slog.New(slog.DiscardHandler), PollInterval: time.Hour})
	runDispatcher(t, d)
	body := `<p>Welcome <b>kim</b> &amp; friends!</p>Please <a href="https://auth.example/confirmUser?client_id=c&amp;code=1">confirm <i>here</i></a>.`
	enqueue(t, st, email("kim@example.com", "Your verification link", body))
	d.Kick()
	got := srv.WaitFor(t, nil, 10*time.Second)
	if want := "Welcome kim & friends!\nPlease confirm here: https://auth.example/confirmUser?client_id=c&code=1."; strings.TrimSuffix(got.Body, "\n") != want {
		t.Errorf("the plain-text part:\n%q\nwant\n%q", got.Body, want)
	}
	raw := string(got.Raw)
	if !strings.Contains(got.Header.Get("Content-Type"), "multipart/alternative") || !strings.Contains(raw, "Content-Type: text/html") ||
		!strings.Contains(raw, "https://auth.example/confirmUser") {
		t.Errorf("not an HTML message with a plain alternative:\n%s", raw)
	}
}

func TestMessageFromOverridesDefault(t *testing.T) {
	srv := smtptest.Start(t)
	st := openStore(t, "")
	d := notify.NewDispatcher(st, map[string]notify.Sender{"email": smtpSender(t, srv.URL())},
		notify.Options{Logger: slog.New(slog.DiscardHandler)})
	m := email("kim@example.com", "s", "b")
	m.From = "Example <auth@example.com>"
	enqueue(t, st, m)
	if _, err := d.DispatchDue(context.Background()); err != nil {
		t.Fatal(err)
	}
	got := srv.WaitFor(t, nil, 5*time.Second)
	if got.From != "auth@example.com" || got.Header.Get("From") != `"Example" <auth@example.com>` {
		t.Errorf("envelope %q, header %q", got.From, got.Header.Get("From"))
	}
	if got.Header.Get("Reply-To") != "" {
		t.Errorf("Reply-To = %q, want none", got.Header.Get("Reply-To"))
	}
}

// TestRetriesTransientRefusal: a 4xx refusal is retried after 1s, then 2s,
// and the third attempt delivers. The log line is written once.
func TestRetriesTransientRefusal(t *testing.T) {
	srv := smtptest.Start(t)
	srv.RejectNext(2, 451)
	st := openStore(t, "")
	clk := &clock{t: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
	logger, logs := newLogger()
	d := notify.NewDispatcher(st, map[string]notify.Sender{"email": smtpSender(t, srv.URL())},
		notify.Options{Logger: logger, Now: clk.Now})
	enqueue(t, st, email("kim@example.com", "code", "Your code is 654321."))
	ctx := context.Background()

	steps := []struct {
		advance      time.Duration
		wantClaimed  int
		wantState    string
		wantAttempts int
		wantNext     time.Duration // from the start
	}{
		{0, 1, "pending", 1, time.Second},                      // refused
		{999 * time.Millisecond, 0, "pending", 1, time.Second}, // not due yet
		{time.Millisecond, 1, "pending", 2, 3 * time.Second},   // refused again: 1s + 2s
		{2 * time.Second, 1, "sent", 3, 3 * time.Second},       // delivered
		{time.Hour, 0, "sent", 3, 3 * time.Second},             // nothing more
	}
	start := clk.Now()
	for i, s := range steps {
		clk.Add(s.advance)
		n, err := d.DispatchDue(ctx)
		if err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
		m := list(t, st)[0]
		got := []any{n, m.State, m.Attempts, m.NextAttemptAt.Sub(start)}
		want := []any{s.wantClaimed, s.wantState, s.wantAttempts, s.wantNext}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Fatalf("step %d: claimed, state, attempts, next mismatch (-want +got):\n%s", i, diff)
		}
	}
	if n, r := len(srv.Messages()), srv.Rejected(); n != 1 || r != 2 {
		t.Errorf("delivered %d, refused %d; want 1, 2", n, r)
	}
	if n := len(logs.messageLines(t)); n != 1 {
		t.Errorf("%d log lines for the message, want 1", n)
	}
}

func TestPermanentRefusalIsFinal(t *testing.T) {
	srv := smtptest.Start(t)
	srv.RejectNext(1, 550)
	st := openStore(t, "")
	d := notify.NewDispatcher(st, map[string]notify.Sender{"email": smtpSender(t, srv.URL())},
		notify.Options{Logger: slog.New(slog.DiscardHandler)})
	enqueue(t, st, email("nobody@example.com", "s", "b"))
	if _, err := d.DispatchDue(context.Background()); err != nil {
		t.Fatal(err)
	}
	m := list(t, st)[0]
	if m.State != "failed" || m.Attempts != 1 || !strings.Contains(m.LastError, "550") {
		t.Errorf("state %q, attempts %d, last error %q; want failed after one attempt with a 550", m.State, m.Attempts, m.LastError)
	}
}

// failing is a channel whose every delivery fails.
type failing struct{ calls int }

func (f *failing) Send(context.Context, *store.Message) error {
	f.calls++
	return errors.New("gateway down")
}

func TestBackoffScheduleAndGiveUp(t *testing.T) {
	st := openStore(t, "")
	clk := &clock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	f := &failing{}
	d := notify.NewDispatcher(st, map[string]notify.Sender{"sms": f}, notify.Options{
		Logger: slog.New(slog.DiscardHandler), Now: clk.Now,
		RetryBase: time.Second, RetryMax: 5 * time.Second, MaxAttempts: 5,
	})
	enqueue(t, st, &store.Message{PoolID: "p", Channel: "sms", To: "+14155550123", Body: "Your code is 1"})
	var delays []time.Duration
	for range 10 {
		before := clk.Now()
		if _, err := d.DispatchDue(context.Background()); err != nil {
			t.Fatal(err)
		}
		m := list(t, st)[0]
		if m.State != "pending" {
			break
		}
		delays = append(delays, m.NextAttemptAt.Sub(before))
		clk.t = m.NextAttemptAt
	}
	// 1s, 2s, 4s, then capped at 5s; the fifth attempt is final.
	if diff := cmp.Diff([]time.Duration{time.Second, 2 * time.Second, 4 * time.Second, 5 * time.Second}, delays); diff != "" {
		t.Errorf("delays mismatch (-want +got):\n%s", diff)
	}
	m := list(t, st)[0]
	if m.State != "failed" || m.Attempts != 5 || f.calls != 5 || m.LastError != "gateway down" {
		t.Errorf("state %q, attempts %d, calls %d, last error %q", m.State, m.Attempts, f.calls, m.LastError)
	}
}

// TestChannelWithoutSenderIsLoggedAndSent: with no SMTP configured, the log
// line is the delivery.
func TestChannelWithoutSenderIsLoggedAndSent(t *testing.T) {
	st := openStore(t, "")
	logger, logs := newLogger()
	d := notify.NewDispatcher(st, nil, notify.Options{Logger: logger})
	enqueue(t, st, email("kim@example.com", "Your temporary password", "Your username is kim and temporary password is Xy7!abcdEFGH. "))
	enqueue(t, st, &store.Message{PoolID: "p", Channel: "sms", To: "+14155550123", Body: "Your code is 123456", Kind: "mfa_code"})
	if n, err := d.DispatchDue(context.Background()); n != 2 || err != nil {
		t.Fatalf("DispatchDue = %d, %v", n, err)
	}
	for _, m := range list(t, st) {
		if m.State != "sent" || m.SentAt == nil {
			t.Errorf("message %d: state %q", m.ID, m.State)
		}
	}
	var bodies []string
	for _, rec := range logs.messageLines(t) {
		bodies = append(bodies, rec["body"].(string))
	}
	want := []string{"Your username is kim and temporary password is Xy7!abcdEFGH. ", "Your code is 123456"}
	if diff := cmp.Diff(want, bodies); diff != "" {
		t.Errorf("logged bodies mismatch (-want +got):\n%s", diff)
	}
}

// TestTwoDispatchersDeliverEachOnce runs two nodes, each with its own
// connection to one database file, against one SMTP server.
func TestTwoDispatchersDeliverEachOnce(t *testing.T) {
	srv := smtptest.Start(t)
	path := filepath.Join(t.TempDir(), "shared.db")
	stA, stB := openStore(t, path), openStore(t, path)
	const n = 40
	for i := range n {
		enqueue(t, stA, email(fmt.Sprintf("user%d@example.com", i), fmt.Sprintf("message %d", i), "body"))
	}
	for _, st := range []store.Store{stA, stB} {
		d := notify.NewDispatcher(st, map[string]notify.Sender{"email": smtpSender(t, srv.URL())},
			notify.Options{Logger: slog.New(slog.DiscardHandler), PollInterval: 5 * time.Millisecond, BatchSize: 3})
		runDispatcher(t, d)
	}
	waitSent(t, stA, n)
	count := map[string]int{}
	for _, m := range srv.Messages() {
		count[m.Subject]++
	}
	for i := range n {
		if c := count[fmt.Sprintf("message %d", i)]; c != 1 {
			t.Errorf("message %d delivered %d times", i, c)
		}
	}
	if len(srv.Messages()) != n {
		t.Errorf("%d deliveries, want %d", len(srv.Messages()), n)
	}
}

func TestSMTPAuthOnLoopback(t *testing.T) {
	srv := smtptest.Start(t, smtptest.WithAuth("ninshou", "s3cret"))
	ctx := context.Background()
	if err := smtpSender(t, srv.URL()).Send(ctx, email("kim@example.com", "authed", "b")); err != nil {
		t.Fatal(err)
	}
	srv.WaitFor(t, func(m smtptest.Message) bool { return m.Subject == "authed" }, 5*time.Second)

	wrong := strings.Replace(srv.URL(), "s3cret", "wrong", 1)
	if err := smtpSender(t, wrong).Send(ctx, email("kim@example.com", "s", "b")); err == nil {
		t.Error("wrong password: no error")
	}
	noAuth := "smtp://" + srv.Addr()
	if err := smtpSender(t, noAuth).Send(ctx, email("kim@example.com", "s", "b")); err == nil {
		t.Error("no credentials: no error")
	}
}

func TestSMTPServerDown(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	err = smtpSender(t, "smtp://"+addr).Send(context.Background(), email("kim@example.com", "s", "b"))
	if err == nil || notify.IsPermanent(err) {
		t.Errorf("err = %v, want a transient error", err)
	}
}

func TestNewSMTPSenderRejects(t *testing.T) {
	for _, u := range []string{"", "mail:25", "http://mail:25", "smtp://mail", "smtp://:25", "smtp://mail:99999"} {
		if _, err := notify.NewSMTPSender(u, defaultFrom); err == nil {
			t.Errorf("NewSMTPSender(%q): no error", u)
		}
	}
	for _, u := range []string{"smtp://mail.example.com:587", "smtps://u:p@mail.example.com:465"} {
		if _, err := notify.NewSMTPSender(u, defaultFrom); err != nil {
			t.Errorf("NewSMTPSender(%q): %v", u, err)
		}
	}
}

func TestPermanent(t *testing.T) {
	base := errors.New("x")
	if !notify.IsPermanent(fmt.Errorf("wrapped: %w", notify.Permanent(base))) || notify.IsPermanent(base) {
		t.Error("IsPermanent does not see through wrapping")
	}
	if !errors.Is(notify.Permanent(base), base) || notify.Permanent(nil) != nil {
		t.Error("Permanent must wrap its error and keep nil")
	}
}
