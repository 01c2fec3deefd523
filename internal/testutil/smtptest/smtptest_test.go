package smtptest

import (
	"errors"
	"net/smtp"
	"net/textproto"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func send(t *testing.T, s *Server, auth smtp.Auth, raw string) error {
	t.Helper()
	raw = strings.ReplaceAll(raw, "\n", "\r\n")
	return smtp.SendMail(s.Addr(), auth, "sender@example.com", []string{"a@example.com", "b@example.com"}, []byte(raw))
}

func TestDecodes(t *testing.T) {
	tests := []struct {
		name, raw, subject, body string
	}{
		{
			name:    "plain 7bit",
			raw:     "Subject: Hello\nFrom: x@example.com\n\nYour code is 123456.\n",
			subject: "Hello", body: "Your code is 123456.\n",
		},
		{
			name:    "quoted-printable with encoded subject",
			raw:     "Subject: =?UTF-8?q?Gr=C3=BC=C3=9Fe?=\nContent-Type: text/plain; charset=UTF-8\nContent-Transfer-Encoding: quoted-printable\n\nCode: 123456.=20\nL=C3=A4nger line that is soft=\n-wrapped.\n",
			subject: "Grüße", body: "Code: 123456. \nLänger line that is soft-wrapped.\n",
		},
		{
			name:    "base64",
			raw:     "Subject: B\nContent-Type: text/plain; charset=UTF-8\nContent-Transfer-Encoding: base64\n\nWW91ciB0ZW1wb3Jhcnkg\ncGFzc3dvcmQgaXMgw6Qu\n",
			subject: "B", body: "Your temporary password is ä.",
		},
		{
			name: "multipart/alternative takes text/plain",
			raw: `Subject: M
MIME-Version: 1.0
Content-Type: multipart/alternative; boundary="XYZ"

--XYZ
Content-Type: text/html; charset=UTF-8

<p>html</p>
--XYZ
Content-Type: text/plain; charset=UTF-8
Content-Transfer-Encoding: quoted-printable

plain =E2=9C=93
--XYZ--
`,
			subject: "M", body: "plain ✓",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := Start(t)
			if err := send(t, s, nil, tt.raw); err != nil {
				t.Fatal(err)
			}
			m := s.WaitFor(t, nil, 5*time.Second)
			got := struct {
				From, Subject, Body string
				To                  []string
			}{m.From, m.Subject, m.Body, m.To}
			want := struct {
				From, Subject, Body string
				To                  []string
			}{"sender@example.com", tt.subject, tt.body, []string{"a@example.com", "b@example.com"}}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("message mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestRejectNext(t *testing.T) {
	s := Start(t)
	s.RejectNext(2, 451)
	for i := range 2 {
		err := send(t, s, nil, "Subject: x\n\nx\n")
		var tpe *textproto.Error
		if !errors.As(err, &tpe) || tpe.Code != 451 {
			t.Fatalf("delivery %d: err = %v, want a 451", i, err)
		}
	}
	if err := send(t, s, nil, "Subject: third\n\nx\n"); err != nil {
		t.Fatal(err)
	}
	if got := len(s.Messages()); got != 1 || s.Rejected() != 2 {
		t.Errorf("Messages() has %d, Rejected() = %d; want 1, 2", got, s.Rejected())
	}
	s.RejectNext(1, 550)
	err := send(t, s, nil, "Subject: x\n\nx\n")
	var tpe *textproto.Error
	if !errors.As(err, &tpe) || tpe.Code != 550 {
		t.Errorf("err = %v, want a 550", err)
	}
}

func TestAuth(t *testing.T) {
	s := Start(t, WithAuth("user", "secret"))
	if !strings.HasPrefix(s.URL(), "smtp://user:secret@127.0.0.1:") {
		t.Errorf("URL() = %q", s.URL())
	}
	if err := send(t, s, nil, "Subject: x\n\nx\n"); err == nil {
		t.Error("unauthenticated delivery accepted")
	}
	if err := send(t, s, smtp.PlainAuth("", "user", "wrong", "127.0.0.1"), "Subject: x\n\nx\n"); err == nil {
		t.Error("wrong password accepted")
	}
	if err := send(t, s, smtp.PlainAuth("", "user", "secret", "127.0.0.1"), "Subject: ok\n\nx\n"); err != nil {
		t.Fatal(err)
	}
	if m := s.WaitFor(t, nil, time.Second); m.Subject != "ok" {
		t.Errorf("got %q", m.Subject)
	}
}

func TestWaitForWaits(t *testing.T) {
	s := Start(t)
	go func() {
		time.Sleep(50 * time.Millisecond)
		smtp.SendMail(s.Addr(), nil, "x@example.com", []string{"late@example.com"}, []byte("Subject: late\r\n\r\nx\r\n"))
	}()
	m := s.WaitFor(t, func(m Message) bool { return m.Subject == "late" }, 5*time.Second)
	if m.To[0] != "late@example.com" {
		t.Errorf("To = %v", m.To)
	}
}
