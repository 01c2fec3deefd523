package notify_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/google/go-cmp/cmp"

	"github.com/ninshou/ninshou/internal/notify"
	"github.com/ninshou/ninshou/internal/store"
)

func sms(to, body string) *store.Message {
	return &store.Message{PoolID: "us-east-1_Test", Channel: notify.ChannelSMS, To: to, Body: body, Kind: "mfa_code", CreatedAt: time.Now()}
}

// TestWebhookRetriedUntilDelivered: a webhook that fails twice (503) and
// then accepts gets the same JSON three times, on the backoff schedule, and
// the message ends sent.
func TestWebhookRetriedUntilDelivered(t *testing.T) {
	var mu sync.Mutex
	var bodies []map[string]string
	var types []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		var b map[string]string
		json.NewDecoder(r.Body).Decode(&b)
		bodies = append(bodies, b)
		types = append(types, r.Method+" "+r.Header.Get("Content-Type"))
		if len(bodies) <= 2 {
			http.Error(w, "busy", http.StatusServiceUnavailable)
		}
	}))
	t.Cleanup(srv.Close)
	st := openStore(t, "")
	clk := &clock{t: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
	d := notify.NewDispatcher(st, map[string]notify.Sender{"sms": &notify.WebhookSender{URL: srv.URL}},
		notify.Options{Logger: slog.New(slog.DiscardHandler), Now: clk.Now})
	enqueue(t, st, sms("+14155550123", "Your authentication code is 123456. "))
	for i, wait := range []time.Duration{0, time.Second, 2 * time.Second} {
		clk.Add(wait)
		if n, err := d.DispatchDue(context.Background()); err != nil || n != 1 {
			t.Fatalf("attempt %d: claimed %d, %v", i+1, n, err)
		}
	}
	m := list(t, st)[0]
	if m.State != "sent" || m.Attempts != 3 {
		t.Errorf("state %q after %d attempts; want sent after 3", m.State, m.Attempts)
	}
	one := map[string]string{"phone_number": "+14155550123", "message": "Your authentication code is 123456. "}
	if diff := cmp.Diff([]map[string]string{one, one, one}, bodies); diff != "" {
		t.Errorf("webhook bodies (-want +got):\n%s", diff)
	}
	if types[0] != "POST application/json" {
		t.Errorf("request %q", types[0])
	}
}

// TestWebhookClientErrorIsFinal: a 400 is not retried.
func TestWebhookClientErrorIsFinal(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "no such number", http.StatusBadRequest)
	}))
	t.Cleanup(srv.Close)
	st := openStore(t, "")
	d := notify.NewDispatcher(st, map[string]notify.Sender{"sms": &notify.WebhookSender{URL: srv.URL}},
		notify.Options{Logger: slog.New(slog.DiscardHandler)})
	enqueue(t, st, sms("+14155550123", "x"))
	if _, err := d.DispatchDue(context.Background()); err != nil {
		t.Fatal(err)
	}
	if m := list(t, st)[0]; m.State != "failed" {
		t.Errorf("state %q; want failed at once", m.State)
	}
}

// TestSNSSenderPublishes: the SNS sender speaks the real SNS query protocol
// (through aws-sdk-go-v2) to an overridden endpoint.
func TestSNSSenderPublishes(t *testing.T) {
	var got url.Values
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got, _ = url.ParseQuery(string(b))
		w.Header().Set("Content-Type", "text/xml")
		io.WriteString(w, `<PublishResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><PublishResult><MessageId>m-1</MessageId></PublishResult><ResponseMetadata><RequestId>r-1</RequestId></ResponseMetadata></PublishResponse>`)
	}))
	t.Cleanup(srv.Close)
	cfg := aws.Config{Region: "us-east-1", Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
		return aws.Credentials{AccessKeyID: "local", SecretAccessKey: "local"}, nil
	})}
	s := notify.NewSNSSender(cfg, srv.URL)
	if err := s.Send(context.Background(), sms("+14155550123", "Your code is 123456")); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"Action": "Publish", "PhoneNumber": "+14155550123", "Message": "Your code is 123456",
		"MessageAttributes.entry.1.Name":              "AWS.SNS.SMS.SMSType",
		"MessageAttributes.entry.1.Value.DataType":    "String",
		"MessageAttributes.entry.1.Value.StringValue": "Transactional",
	}
	for k, v := range want {
		if got.Get(k) != v {
			t.Errorf("%s = %q; want %q (request %v)", k, got.Get(k), v, got)
		}
	}
}
