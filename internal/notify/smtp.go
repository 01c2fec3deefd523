package notify

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"time"

	gomail "github.com/wneessen/go-mail"

	"github.com/ninshou/ninshou/internal/store"
)

// SMTPTimeout bounds connecting to the server and each exchange with it.
const SMTPTimeout = 10 * time.Second

// SMTPSender sends email through one SMTP server, one connection per
// message. It is safe for concurrent use.
type SMTPSender struct {
	client      *gomail.Client
	defaultFrom string
}

// NewSMTPSender configures a sender from rawURL:
//
//	smtp://[user:pass@]host:port   plain connection, STARTTLS when the server offers it
//	smtps://[user:pass@]host:port  TLS from the first byte (implicit TLS)
//
// Authentication happens only when the URL has user information. Without
// TLS, only mechanisms that do not reveal the password are used, except
// toward a loopback host, where PLAIN and LOGIN are allowed too (local
// development mail catchers). defaultFrom is the From of messages that name
// none.
func NewSMTPSender(rawURL, defaultFrom string) (*SMTPSender, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, errors.New("notify: SMTP URL does not parse")
	}
	host, portText := u.Hostname(), u.Port()
	port, err := strconv.Atoi(portText)
	if err != nil || port < 1 || port > 65535 || host == "" {
		return nil, fmt.Errorf("notify: SMTP URL %q: want smtp://[user:pass@]host:port", u.Redacted())
	}
	opts := []gomail.Option{
		gomail.WithPort(port),
		gomail.WithTimeout(SMTPTimeout),
	}
	switch u.Scheme {
	case "smtp":
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSOpportunistic))
	case "smtps":
		opts = append(opts, gomail.WithSSL())
	default:
		return nil, fmt.Errorf("notify: SMTP URL %q: scheme must be smtp or smtps", u.Redacted())
	}
	if u.User != nil {
		pass, _ := u.User.Password()
		opts = append(opts, gomail.WithUsername(u.User.Username()), gomail.WithPassword(pass))
		if isLoopback(host) {
			opts = append(opts, gomail.WithOpportunisticSMTPAuth(
				gomail.SMTPAuthSCRAMSHA256, gomail.SMTPAuthCramMD5,
				gomail.SMTPAuthPlainNoEnc, gomail.SMTPAuthLoginNoEnc))
		} else {
			opts = append(opts, gomail.WithSMTPAuth(gomail.SMTPAuthAutoDiscover))
		}
	}
	c, err := gomail.NewClient(host, opts...)
	if err != nil {
		return nil, fmt.Errorf("notify: SMTP client: %w", err)
	}
	return &SMTPSender{client: c, defaultFrom: defaultFrom}, nil
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// Send delivers m as a plain-text email, or, when its body has markup, as
// HTML with a plain-text alternative (html.go). A 5xx reply from the
// server is returned wrapped by Permanent.
func (s *SMTPSender) Send(ctx context.Context, m *store.Message) error {
	msg := gomail.NewMsg()
	from := m.From
	if from == "" {
		from = s.defaultFrom
	}
	if err := msg.From(from); err != nil {
		return Permanent(fmt.Errorf("from address: %w", err))
	}
	if err := msg.To(m.To); err != nil {
		return Permanent(fmt.Errorf("to address: %w", err))
	}
	if m.ReplyTo != "" {
		if err := msg.ReplyTo(m.ReplyTo); err != nil {
			return Permanent(fmt.Errorf("reply-to address: %w", err))
		}
	}
	msg.Subject(m.Subject)
	msg.SetDate()
	msg.SetMessageID()
	if isHTML(m.Body) {
		msg.SetBodyString(gomail.TypeTextPlain, plainText(m.Body))
		msg.AddAlternativeString(gomail.TypeTextHTML, m.Body)
	} else {
		msg.SetBodyString(gomail.TypeTextPlain, m.Body)
	}

	ctx, cancel := context.WithTimeout(ctx, SMTPTimeout)
	defer cancel()
	if err := s.client.DialAndSendWithContext(ctx, msg); err != nil {
		var se *gomail.SendError
		if errors.As(err, &se) && se.ErrorCode() >= 500 && se.ErrorCode() < 600 {
			return Permanent(err)
		}
		return err
	}
	return nil
}
