package e2e

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"sync"
	"syscall"
	"testing"
	"time"
)

// A headless Chromium driven over the DevTools protocol through
// --remote-debugging-pipe: commands are JSON messages, each ended by a NUL
// byte, written to the browser's fd 3; answers and events come back on its
// fd 4. No websocket and no driver library are needed, and nothing is
// downloaded: the browser is the system's (the Debian chromium package).
// https://chromedevtools.github.io/devtools-protocol/

// chromiumPath finds the browser: $NINSHOU_CHROMIUM, else chromium on PATH.
func chromiumPath() (string, error) {
	if p := os.Getenv("NINSHOU_CHROMIUM"); p != "" {
		return p, nil
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p, nil
		}
	}
	return "", errors.New("no chromium on PATH (install it with: apt-get install -y chromium)")
}

// needChromium returns the browser's path. Without one the test fails
// under CI (the suite's install step provides it) and is skipped, loudly,
// elsewhere.
func needChromium(t *testing.T) string {
	t.Helper()
	p, err := chromiumPath()
	if err == nil {
		return p
	}
	if os.Getenv("CI") != "" {
		t.Fatalf("CI is set but the browser test cannot run: %v", err)
	}
	t.Skipf("SKIPPED, NOT RUN: %v; the real-browser passkey test needs Chromium", err)
	return ""
}

type cdpBrowser struct {
	cmd  *exec.Cmd
	out  *os.File // our end of the browser's fd 3
	in   *os.File // our end of the browser's fd 4
	wmu  sync.Mutex
	mu   sync.Mutex
	next int64
	wait map[int64]chan cdpMessage
	dead chan struct{} // closed when the reader stops
	err  error         // why it stopped
}

type cdpMessage struct {
	ID        int64           `json:"id,omitempty"`
	SessionID string          `json:"sessionId,omitempty"`
	Method    string          `json:"method,omitempty"`
	Params    json.RawMessage `json:"params,omitempty"`
	Result    json.RawMessage `json:"result,omitempty"`
	Error     *struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
	} `json:"error,omitempty"`
}

// startChromium launches a headless browser with a fresh profile; it is
// closed when the test ends.
func startChromium(t *testing.T, path string) *cdpBrowser {
	t.Helper()
	toBrowser, out, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	in, fromBrowser, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(path, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
		"--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-extensions",
		"--no-first-run", "--no-default-browser-check", "--user-data-dir="+t.TempDir(),
		"--remote-debugging-pipe", "about:blank")
	cmd.ExtraFiles = []*os.File{toBrowser, fromBrowser} // fd 3, fd 4
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	logs := &lockedBuffer{}
	cmd.Stdout, cmd.Stderr = logs, logs
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", path, err)
	}
	toBrowser.Close()
	fromBrowser.Close()
	b := &cdpBrowser{cmd: cmd, out: out, in: in, wait: map[int64]chan cdpMessage{}, dead: make(chan struct{})}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	go b.read()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_, _ = b.call(ctx, "", "Browser.close", nil)
		select {
		case <-exited:
		case <-time.After(5 * time.Second):
			_ = cmd.Process.Kill()
			<-exited
		}
		// The browser's helpers (renderer, zygote) are in its process group.
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		out.Close()
		in.Close()
		if t.Failed() {
			t.Logf("chromium output:\n%s", logs.String())
		}
	})
	return b
}

func (b *cdpBrowser) read() {
	defer close(b.dead)
	r := bufio.NewReaderSize(b.in, 1<<20)
	for {
		line, err := r.ReadBytes(0)
		if err != nil {
			b.err = fmt.Errorf("devtools pipe: %w", err)
			return
		}
		var m cdpMessage
		if err := json.Unmarshal(line[:len(line)-1], &m); err != nil {
			b.err = fmt.Errorf("devtools message %q: %w", line, err)
			return
		}
		if m.ID == 0 {
			continue // an event; the tests poll instead of waiting for events
		}
		b.mu.Lock()
		ch := b.wait[m.ID]
		delete(b.wait, m.ID)
		b.mu.Unlock()
		if ch != nil {
			ch <- m
		}
	}
}

// call sends one command (to a page when session is set) and waits for its
// answer, at most until ctx ends.
func (b *cdpBrowser) call(ctx context.Context, session, method string, params any) (json.RawMessage, error) {
	b.mu.Lock()
	b.next++
	id := b.next
	ch := make(chan cdpMessage, 1)
	b.wait[id] = ch
	b.mu.Unlock()
	raw, err := json.Marshal(params)
	if err != nil {
		return nil, err
	}
	if params == nil {
		raw = []byte("{}")
	}
	msg, _ := json.Marshal(cdpMessage{ID: id, SessionID: session, Method: method, Params: raw})
	b.wmu.Lock()
	_, err = b.out.Write(append(msg, 0))
	b.wmu.Unlock()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", method, err)
	}
	select {
	case m := <-ch:
		if m.Error != nil {
			return nil, fmt.Errorf("%s: %s (%d)", method, m.Error.Message, m.Error.Code)
		}
		return m.Result, nil
	case <-b.dead:
		return nil, fmt.Errorf("%s: browser gone: %v", method, b.err)
	case <-ctx.Done():
		return nil, fmt.Errorf("%s: %w", method, ctx.Err())
	}
}

// cdpPage is one tab, attached with a flat session.
type cdpPage struct {
	b       *cdpBrowser
	session string
}

func (b *cdpBrowser) newPage(ctx context.Context) (*cdpPage, error) {
	res, err := b.call(ctx, "", "Target.createTarget", map[string]any{"url": "about:blank"})
	if err != nil {
		return nil, err
	}
	var target struct {
		TargetID string `json:"targetId"`
	}
	if err := json.Unmarshal(res, &target); err != nil {
		return nil, err
	}
	res, err = b.call(ctx, "", "Target.attachToTarget", map[string]any{"targetId": target.TargetID, "flatten": true})
	if err != nil {
		return nil, err
	}
	var attached struct {
		SessionID string `json:"sessionId"`
	}
	if err := json.Unmarshal(res, &attached); err != nil {
		return nil, err
	}
	return &cdpPage{b: b, session: attached.SessionID}, nil
}

func (p *cdpPage) call(ctx context.Context, method string, params any, result any) error {
	res, err := p.b.call(ctx, p.session, method, params)
	if err != nil || result == nil {
		return err
	}
	return json.Unmarshal(res, result)
}

// eval evaluates a JavaScript expression in the page, awaiting it when it
// is a promise, and decodes its JSON value into result.
func (p *cdpPage) eval(ctx context.Context, expr string, result any) error {
	var res struct {
		Result struct {
			Value json.RawMessage `json:"value"`
		} `json:"result"`
		ExceptionDetails *struct {
			Text      string `json:"text"`
			Exception struct {
				Description string `json:"description"`
			} `json:"exception"`
		} `json:"exceptionDetails"`
	}
	err := p.call(ctx, "Runtime.evaluate", map[string]any{"expression": expr, "awaitPromise": true, "returnByValue": true}, &res)
	if err != nil {
		return err
	}
	if ex := res.ExceptionDetails; ex != nil {
		return fmt.Errorf("javascript: %s %s", ex.Text, ex.Exception.Description)
	}
	if result == nil {
		return nil
	}
	return json.Unmarshal(res.Result.Value, result)
}

// navigate loads url and waits until the page has loaded and ready() (a
// JavaScript expression) is true.
func (p *cdpPage) navigate(ctx context.Context, url, ready string) error {
	if err := p.call(ctx, "Page.navigate", map[string]any{"url": url}, nil); err != nil {
		return err
	}
	for {
		var ok bool
		if err := p.eval(ctx, "document.readyState === 'complete' && location.href === "+jsString(url)+" && ("+ready+")", &ok); err == nil && ok {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("navigate %s: %w", url, ctx.Err())
		case <-time.After(20 * time.Millisecond):
		}
	}
}

func jsString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// virtualAuthenticator is a virtual WebAuthn authenticator of a page.
type virtualAuthenticator struct {
	AuthenticatorID string `json:"authenticatorId"`
}

// addPlatformAuthenticator gives page a virtual platform authenticator, as
// a phone or laptop has: CTAP2, internal transport, resident keys, user
// verification that always passes, presence simulated.
func addPlatformAuthenticator(ctx context.Context, t *testing.T, page *cdpPage) virtualAuthenticator {
	t.Helper()
	if err := page.call(ctx, "WebAuthn.enable", map[string]any{"enableUI": false}, nil); err != nil {
		t.Fatalf("WebAuthn.enable: %v", err)
	}
	var va virtualAuthenticator
	if err := page.call(ctx, "WebAuthn.addVirtualAuthenticator", map[string]any{"options": map[string]any{
		"protocol": "ctap2", "transport": "internal", "hasResidentKey": true, "hasUserVerification": true,
		"isUserVerified": true, "automaticPresenceSimulation": true,
	}}, &va); err != nil {
		t.Fatalf("WebAuthn.addVirtualAuthenticator: %v", err)
	}
	return va
}
