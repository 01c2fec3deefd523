package notify

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	snstypes "github.com/aws/aws-sdk-go-v2/service/sns/types"
	"github.com/aws/smithy-go"

	"github.com/ninshou/ninshou/internal/store"
)

// WebhookSender delivers each SMS as an HTTP POST of
//
//	{"phone_number": "+14155550123", "message": "Your authentication code is 123456. "}
//
// to one URL, for a gateway of the operator's choosing. A 2xx answer is
// delivery; 408, 429 and 5xx answers and transport errors are retried by the
// Dispatcher; any other status is final (the request itself is wrong).
type WebhookSender struct {
	URL    string
	Client *http.Client // nil: a client with a 10 s timeout
}

var defaultWebhookClient = &http.Client{Timeout: 10 * time.Second}

// webhookBody is the JSON a WebhookSender posts.
type webhookBody struct {
	PhoneNumber string `json:"phone_number"`
	Message     string `json:"message"`
}

// Send posts m.
func (w *WebhookSender) Send(ctx context.Context, m *store.Message) error {
	body, err := json.Marshal(webhookBody{PhoneNumber: m.To, Message: m.Body})
	if err != nil {
		return Permanent(err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.URL, bytes.NewReader(body))
	if err != nil {
		return Permanent(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "ninshou-sms-webhook")
	c := w.Client
	if c == nil {
		c = defaultWebhookClient
	}
	resp, err := c.Do(req)
	if err != nil {
		return fmt.Errorf("notify: SMS webhook: %w", err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	switch code := resp.StatusCode; {
	case code >= 200 && code < 300:
		return nil
	case code == http.StatusRequestTimeout || code == http.StatusTooManyRequests || code >= 500:
		return fmt.Errorf("notify: SMS webhook answered %s", resp.Status)
	default:
		return Permanent(fmt.Errorf("notify: SMS webhook answered %s", resp.Status))
	}
}

// SNSPublisher is the part of the SNS client SNSSender uses.
type SNSPublisher interface {
	Publish(ctx context.Context, in *sns.PublishInput, optFns ...func(*sns.Options)) (*sns.PublishOutput, error)
}

// SNSSender delivers SMS through Amazon SNS Publish to a phone number, as
// Cognito itself does, marked Transactional (the type for one-time codes).
type SNSSender struct {
	Client SNSPublisher
}

// NewSNSSender builds the sender from an AWS configuration (credentials and
// region from the standard chain); endpoint, when not "", replaces the SNS
// endpoint (LocalStack, a test double).
func NewSNSSender(cfg aws.Config, endpoint string) *SNSSender {
	return &SNSSender{Client: sns.NewFromConfig(cfg, func(o *sns.Options) {
		if endpoint != "" {
			o.BaseEndpoint = aws.String(endpoint)
		}
	})}
}

// Send publishes m.
func (s *SNSSender) Send(ctx context.Context, m *store.Message) error {
	_, err := s.Client.Publish(ctx, &sns.PublishInput{
		PhoneNumber: aws.String(m.To),
		Message:     aws.String(m.Body),
		MessageAttributes: map[string]snstypes.MessageAttributeValue{
			"AWS.SNS.SMS.SMSType": {DataType: aws.String("String"), StringValue: aws.String("Transactional")},
		},
	})
	if err == nil {
		return nil
	}
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) && apiErr.ErrorFault() == smithy.FaultClient {
		switch apiErr.ErrorCode() {
		case "Throttling", "ThrottlingException", "ThrottledException", "RequestLimitExceeded":
		default:
			return Permanent(fmt.Errorf("notify: SNS Publish: %w", err))
		}
	}
	return fmt.Errorf("notify: SNS Publish: %w", err)
}
