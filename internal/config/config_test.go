package config

import (
	"errors"
	"flag"
	"log/slog"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func env(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func TestLoadDefaults(t *testing.T) {
	got, err := Load(nil, env(nil))
	if err != nil {
		t.Fatal(err)
	}
	want := Config{
		Addr:         "127.0.0.1:9229",
		DataDir:      "./ninshou-data",
		PublicURL:    "http://127.0.0.1:9229",
		Region:       "us-east-1",
		MailFrom:     "no-reply@verificationemail.com",
		Outbox:       true,
		Throttle:     "off",
		PasswordCost: "standard",
		Crypto:       "auto",
		LogFormat:    "text",
		LogLevel:     slog.LevelInfo,
		SMSSender:    "log",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Load() mismatch (-want +got):\n%s", diff)
	}
}

// TestLoadEachFlag checks, for every flag, its default, that the environment
// sets it, and that the flag beats the environment.
func TestLoadEachFlag(t *testing.T) {
	tests := []struct {
		flag     string
		envValue string
		flagVal  string
		field    func(Config) any
		def      any
		wantEnv  any
		wantFlag any
	}{
		{"addr", "127.0.0.1:1000", "[::1]:2000", func(c Config) any { return c.Addr }, "127.0.0.1:9229", "127.0.0.1:1000", "[::1]:2000"},
		{"data", "/var/lib/a", "/var/lib/b", func(c Config) any { return c.DataDir }, "./ninshou-data", "/var/lib/a", "/var/lib/b"},
		{"db", "postgres://db-a/ninshou", "postgresql://u@db-b:5433/ninshou?sslmode=require", func(c Config) any { return c.DB }, "", "postgres://db-a/ninshou", "postgresql://u@db-b:5433/ninshou?sslmode=require"},
		{"public-url", "https://a.example", "https://b.example/auth", func(c Config) any { return c.PublicURL }, "http://127.0.0.1:9229", "https://a.example", "https://b.example/auth"},
		{"region", "eu-west-1", "us-gov-west-1", func(c Config) any { return c.Region }, "us-east-1", "eu-west-1", "us-gov-west-1"},
		{"smtp-url", "smtp://mail:25", "smtps://u:p@mail.example:465", func(c Config) any { return c.SMTPURL }, "", "smtp://mail:25", "smtps://u:p@mail.example:465"},
		{"mail-from", "a@example.com", "Ninshou <b@example.com>", func(c Config) any { return c.MailFrom }, DefaultMailFrom, "a@example.com", "Ninshou <b@example.com>"},
		{"outbox", "false", "true", func(c Config) any { return c.Outbox }, true, false, true},
		{"password-cost", "low", "standard", func(c Config) any { return c.PasswordCost }, "standard", "low", "standard"},
		{"crypto", "go", "openssl", func(c Config) any { return c.Crypto }, "auto", "go", "openssl"},
		{"throttle", "cognito", "off", func(c Config) any { return c.Throttle }, "off", "cognito", "off"},
		{"log-format", "json", "text", func(c Config) any { return c.LogFormat }, "text", "json", "text"},
		{"log-level", "debug", "error", func(c Config) any { return c.LogLevel }, slog.LevelInfo, slog.LevelDebug, slog.LevelError},
		{"server-key", strings.Repeat("ab", 32), "AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyA=", func(c Config) any { return c.ServerKey }, []byte(nil),
			[]byte(strings.Repeat("\xab", 32)), []byte{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32}},
		{"sms-webhook-url", "http://127.0.0.1:8080/sms", "https://hooks.example/sms", func(c Config) any { return [2]string{c.SMSWebhookURL, c.SMSSender} },
			[2]string{"", "log"}, [2]string{"http://127.0.0.1:8080/sms", "webhook"}, [2]string{"https://hooks.example/sms", "webhook"}},
		{"sns-endpoint", "http://127.0.0.1:4566", "https://sns.eu-west-1.amazonaws.com", func(c Config) any { return [2]string{c.SNSEndpoint, c.SMSSender} },
			[2]string{"", "log"}, [2]string{"http://127.0.0.1:4566", "sns"}, [2]string{"https://sns.eu-west-1.amazonaws.com", "sns"}},
		{"sms-sender", "sns", "log", func(c Config) any { return c.SMSSender }, "log", "sns", "log"},
	}
	for _, tt := range tests {
		t.Run(tt.flag, func(t *testing.T) {
			e := map[string]string{EnvName(tt.flag): tt.envValue}
			for _, step := range []struct {
				name string
				args []string
				env  map[string]string
				want any
			}{
				{"default", nil, nil, tt.def},
				{"env", nil, e, tt.wantEnv},
				{"flag beats env", []string{"--" + tt.flag + "=" + tt.flagVal}, e, tt.wantFlag},
				{"flag", []string{"-" + tt.flag, tt.flagVal}, nil, tt.wantFlag},
			} {
				if tt.flag == "outbox" && step.name == "flag" {
					step.args = []string{"--outbox"} // a bare boolean flag
				}
				c, err := Load(step.args, env(step.env))
				if err != nil {
					t.Fatalf("%s: %v", step.name, err)
				}
				if diff := cmp.Diff(step.want, tt.field(c)); diff != "" {
					t.Errorf("%s: mismatch (-want +got):\n%s", step.name, diff)
				}
			}
		})
	}
}

func TestLoadBadValues(t *testing.T) {
	tests := []struct {
		flag, value string
	}{
		{"addr", "abc"},
		{"addr", "127.0.0.1:http"},
		{"addr", "127.0.0.1:70000"},
		{"data", ""},
		{"db", "mysql://db/ninshou"},
		{"db", "/var/lib/ninshou.db"},
		{"db", "postgres:///ninshou"},
		{"public-url", "example.com"},
		{"public-url", "ftp://example.com"},
		{"public-url", "http://example.com/"},
		{"public-url", "http://example.com?x=1"},
		{"public-url", "http://u@example.com"}, // with a password, that is shown as xxxxx (cmd/ninshou TestBadFlagsExitTwo)
		{"public-url", "http://"},
		{"region", "us-east"},
		{"region", "US-EAST-1"},
		{"region", "useast1"},
		{"smtp-url", "mail.example.com:25"},
		{"smtp-url", "http://mail.example.com:25"},
		{"smtp-url", "smtp://mail.example.com"},
		{"smtp-url", "smtp://:25"},
		{"smtp-url", "smtp://mail.example.com:0"},
		{"smtp-url", "smtp://mail.example.com:25/x"},
		{"mail-from", "not an address"},
		{"outbox", "maybe"},
		{"password-cost", "high"},
		{"crypto", "fast"},
		{"throttle", "on"},
		{"log-format", "xml"},
		{"log-level", "loud"},
		{"sms-webhook-url", "ftp://hooks.example/sms"},
		{"sms-webhook-url", "hooks.example/sms"},
		{"sns-endpoint", "localhost:4566"},
		{"sms-sender", "pigeon"},
		{"sms-sender", "webhook"},
	}
	for _, tt := range tests {
		t.Run(tt.flag+"="+tt.value, func(t *testing.T) {
			// As a flag...
			_, err := Load([]string{"--" + tt.flag + "=" + tt.value}, env(nil))
			wantPrefix := `invalid value "` + tt.value + `" for --` + tt.flag + ": "
			if err == nil || !strings.HasPrefix(err.Error(), wantPrefix) {
				t.Errorf("flag: err = %v, want prefix %q", err, wantPrefix)
			}
			if tt.value == "" {
				return // an empty variable means unset
			}
			// ... and from the environment, which the message names.
			name := EnvName(tt.flag)
			_, err = Load(nil, env(map[string]string{name: tt.value}))
			wantPrefix = `invalid value "` + tt.value + `" for --` + tt.flag + " (from " + name + "): "
			if err == nil || !strings.HasPrefix(err.Error(), wantPrefix) {
				t.Errorf("env: err = %v, want prefix %q", err, wantPrefix)
			}
		})
	}
}

func TestLoadRedactsDBPassword(t *testing.T) {
	_, err := Load([]string{"--db=mysql://user:secret@db/ninshou"}, env(nil))
	if err == nil || strings.Contains(err.Error(), "secret") {
		t.Errorf("err = %v, want an error without the password", err)
	}
	c, err := Load([]string{"--db=postgres://user:secret@db/ninshou"}, env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if got := c.LogValue().String(); strings.Contains(got, "secret") {
		t.Errorf("LogValue() = %q", got)
	}
}

func TestLoadRedactsSMTPPassword(t *testing.T) {
	_, err := Load([]string{"--smtp-url=smtp://user:secret@mail.example.com"}, env(nil))
	if err == nil {
		t.Fatal("no error for a URL without port")
	}
	if strings.Contains(err.Error(), "secret") {
		t.Errorf("error shows the password: %v", err)
	}
	c, err := Load([]string{"--smtp-url=smtp://user:secret@mail.example.com:587"}, env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if got := c.RedactedSMTPURL(); strings.Contains(got, "secret") {
		t.Errorf("RedactedSMTPURL() = %q", got)
	}
	if got := c.LogValue().String(); strings.Contains(got, "secret") {
		t.Errorf("LogValue() = %q", got)
	}
}

// TestLoadDerivedDefaults: --public-url and --outbox follow --addr unless set.
func TestLoadDerivedDefaults(t *testing.T) {
	tests := []struct {
		args       []string
		wantURL    string
		wantOutbox bool
	}{
		{[]string{"--addr=localhost:8080"}, "http://localhost:8080", true},
		{[]string{"--addr=[::1]:8080"}, "http://[::1]:8080", true},
		{[]string{"--addr=127.0.0.2:8080"}, "http://127.0.0.2:8080", true},
		{[]string{"--addr=:8080"}, "http://localhost:8080", false},
		{[]string{"--addr=0.0.0.0:8080"}, "http://localhost:8080", false},
		{[]string{"--addr=10.0.0.1:8080"}, "http://10.0.0.1:8080", false},
		{[]string{"--addr=auth.internal:8080"}, "http://auth.internal:8080", false},
		{[]string{"--addr=0.0.0.0:8080", "--outbox"}, "http://localhost:8080", true},
		{[]string{"--addr=127.0.0.1:8080", "--outbox=false"}, "http://127.0.0.1:8080", false},
		{[]string{"--addr=0.0.0.0:8080", "--public-url=https://auth.example.com"}, "https://auth.example.com", false},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			c, err := Load(tt.args, env(nil))
			if err != nil {
				t.Fatal(err)
			}
			if c.PublicURL != tt.wantURL || c.Outbox != tt.wantOutbox {
				t.Errorf("PublicURL, Outbox = %q, %v; want %q, %v", c.PublicURL, c.Outbox, tt.wantURL, tt.wantOutbox)
			}
		})
	}
}

func TestLoadUsageErrors(t *testing.T) {
	if _, err := Load([]string{"-h"}, env(nil)); !errors.Is(err, flag.ErrHelp) {
		t.Errorf("-h: err = %v, want flag.ErrHelp", err)
	}
	if _, err := Load([]string{"--nope"}, env(nil)); err == nil || !strings.Contains(err.Error(), "nope") {
		t.Errorf("unknown flag: err = %v", err)
	}
	if _, err := Load([]string{"serve"}, env(nil)); err == nil || !strings.Contains(err.Error(), `"serve"`) {
		t.Errorf("positional argument: err = %v", err)
	}
	var b strings.Builder
	Usage(&b)
	for _, o := range options {
		if !strings.Contains(b.String(), "-"+o.name) || !strings.Contains(b.String(), EnvName(o.name)) {
			t.Errorf("Usage does not mention %s and %s", o.name, EnvName(o.name))
		}
	}
}

// TestLoadServerKey: a bad --server-key names the flag but never echoes the
// value, which may be most of a real key.
func TestLoadServerKey(t *testing.T) {
	for _, v := range []string{"abc", strings.Repeat("ab", 31), strings.Repeat("zz", 32)} {
		_, err := Load([]string{"--server-key", v}, env(nil))
		want := `invalid value "(hidden)" for --server-key: want 32 bytes as 64 hex digits or base64`
		if err == nil || err.Error() != want {
			t.Errorf("--server-key %q: err = %v, want %q", v, err, want)
		}
	}
	_, err := Load([]string{"--sms-webhook-url", "http://a/sms", "--sns-endpoint", "http://b"}, env(nil))
	if err == nil || !strings.Contains(err.Error(), "--sms-sender") {
		t.Errorf("webhook and SNS without --sms-sender: err = %v, want a --sms-sender error", err)
	}
}
