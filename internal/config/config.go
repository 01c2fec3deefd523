package config

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/mail"
	"net/url"
	"regexp"
	"strconv"
	"strings"

	"github.com/ninshou/ninshou/internal/idp/srp"
	"github.com/ninshou/ninshou/internal/sigv4"
)

// ExitCode is the process status for a configuration error (the status Go's
// flag package uses for bad usage).
const ExitCode = 2

// EnvPrefix is prepended to a flag's upper-cased name, '-' replaced by '_',
// to give its environment variable: --public-url is NINSHOU_PUBLIC_URL.
const EnvPrefix = "NINSHOU_"

// DefaultMailFrom is Amazon Cognito's own default sender address.
const DefaultMailFrom = "no-reply@verificationemail.com"

// Config is the validated process configuration.
type Config struct {
	// Addr is the TCP address the HTTP server listens on (host:port).
	Addr string
	// DataDir is the directory of the embedded store.
	DataDir string
	// DB selects the store: "" is SQLite in DataDir; a postgres:// or
	// postgresql:// URL is that PostgreSQL database, which several nodes may
	// share. It may hold a password: print it with RedactedDB.
	DB string
	// PublicURL is the absolute http(s) URL clients reach the server at,
	// without a trailing slash. A pool's token issuer is PublicURL + "/" + poolID.
	PublicURL string
	// Region is the AWS region the server pretends to be in (pool IDs are
	// "<region>_<id>").
	Region string
	// SMTPURL is smtp://[user:pass@]host:port or smtps://...; "" means
	// messages go only to the log and the outbox. It holds a password: print
	// it with RedactedSMTPURL.
	SMTPURL string
	// MailFrom is the sender of messages whose pool names none.
	MailFrom string
	// Outbox exposes the message outbox over HTTP (local mode).
	Outbox bool
	// Throttle is "off" or "cognito": Cognito's default request-rate
	// quotas (internal/throttle).
	Throttle string
	// PasswordCost names the password hashing profile: "standard" or "low"
	// (see internal/idp/password.ParamsFor).
	PasswordCost string
	// Crypto selects how RSA signatures, SRP exponentiations and argon2id
	// are computed: "auto" (OpenSSL's libcrypto and libargon2, each when it
	// loads, else Go), "go" or "openssl" (see internal/primitives).
	Crypto string
	// LogFormat is "text" or "json".
	LogFormat string
	// LogLevel is the minimum level logged.
	LogLevel slog.Level
	// ServerKey is the 32-byte key that seals SRP verifiers and TOTP secrets;
	// nil means <data>/server.key, created at first start. Never log it.
	ServerKey []byte
	// SMSSender is how SMS leave: "log" (log line and outbox only),
	// "webhook" (POST to SMSWebhookURL) or "sns" (Amazon SNS Publish).
	SMSSender string
	// SMSWebhookURL receives {"phone_number": ..., "message": ...} per SMS.
	SMSWebhookURL string
	// SNSEndpoint overrides the Amazon SNS endpoint ("" is AWS's own).
	SNSEndpoint string
	// LambdaEndpoint is where the pools' Lambda triggers run: the http(s)
	// URL of the Lambda Invoke API (a stand-in such as `sam local
	// start-lambda`), "aws" for AWS Lambda itself, or "" to run none.
	LambdaEndpoint string
	// AdminCredentials are the access keys ("KEYID:SECRET,...") whose AWS
	// Signature Version 4 the signed (administrative) operations must
	// carry; "" checks none (local mode).
	AdminCredentials string
}

// RedactedDB is DB with any password replaced by "xxxxx".
func (c Config) RedactedDB() string { return redactURL(c.DB) }

// RedactedSMTPURL is SMTPURL with any password replaced by "xxxxx".
func (c Config) RedactedSMTPURL() string { return redactURL(c.SMTPURL) }

// LogValue logs the configuration without the SMTP password.
func (c Config) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("addr", c.Addr),
		slog.String("data", c.DataDir),
		slog.String("db", c.RedactedDB()),
		slog.String("public_url", c.PublicURL),
		slog.String("region", c.Region),
		slog.String("smtp_url", c.RedactedSMTPURL()),
		slog.String("mail_from", c.MailFrom),
		slog.Bool("outbox", c.Outbox),
		slog.String("password_cost", c.PasswordCost),
		slog.String("throttle", c.Throttle),
		slog.String("crypto", c.Crypto),
		slog.String("log_format", c.LogFormat),
		slog.String("log_level", c.LogLevel.String()),
		slog.Bool("server_key_given", c.ServerKey != nil),
		slog.String("sms_sender", c.SMSSender),
		slog.String("sms_webhook_url", redactURL(c.SMSWebhookURL)),
		slog.String("sns_endpoint", c.SNSEndpoint),
		slog.String("lambda_endpoint", c.LambdaEndpoint),
		slog.Bool("admin_signatures_checked", c.AdminCredentials != ""),
	)
}

// option describes one setting. Every flag is registered as a raw string and
// validated afterwards in one place, so that a bad value gives the same
// message whether it came from the environment or the command line.
type option struct {
	name   string
	def    string // "" with a derived default is resolved in Load
	usage  string
	isBool bool
}

var options = []option{
	{name: "addr", def: "127.0.0.1:9229", usage: "`host:port` to listen on"},
	{name: "data", def: "./ninshou-data", usage: "`directory` of the embedded store"},
	{name: "db", usage: "store: unset for SQLite in --data, or a postgres://user:pass@host:port/db?sslmode=... `URL` that several nodes may share"},
	{name: "public-url", usage: "absolute http(s) `URL` clients reach the server at, without trailing slash (default http://<addr>)"},
	{name: "region", def: "us-east-1", usage: "AWS `region` to answer as"},
	{name: "smtp-url", usage: "smtp://[user:pass@]host:port (STARTTLS when offered) or smtps://... (implicit TLS); unset: messages go only to the log and the outbox"},
	{name: "mail-from", def: DefaultMailFrom, usage: "default sender `address` of email"},
	{name: "outbox", usage: "expose the outbox over HTTP at /_ninshou/outbox (default true when --addr is a loopback address)", isBool: true},
	{name: "password-cost", def: "standard", usage: "password hashing profile: standard or low (tests only)"},
	{name: "crypto", def: "auto", usage: "how RSA signatures, SRP and argon2id are computed: auto (OpenSSL's libcrypto.so.3 and libargon2.so.1, each when it loads, else Go), go or openssl (libcrypto required)"},
	{name: "log-format", def: "text", usage: "log format: text or json"},
	{name: "log-level", def: "info", usage: "minimum log `level`: debug, info, warn or error"},
	{name: "server-key", usage: "32-byte `key` (64 hex digits or base64) sealing SRP verifiers and TOTP secrets (default: <data>/server.key, created at first start)"},
	{name: "sms-sender", usage: "how SMS are sent: log, webhook or sns (default webhook with --sms-webhook-url, sns with --sns-endpoint, else log)"},
	{name: "sms-webhook-url", usage: "http(s) `URL` that receives each SMS as POSTed JSON {\"phone_number\", \"message\"}"},
	{name: "sns-endpoint", usage: "http(s) `URL` of Amazon SNS (or a stand-in) for --sms-sender sns; credentials from the standard AWS chain"},
	{name: "admin-credentials", usage: "access keys `KEYID:SECRET[,...]` whose SigV4 signature every signed (administrative) operation must carry, as on AWS; default: none is checked (use NINSHOU_ADMIN_CREDENTIALS to keep it out of ps)"},
	{name: "throttle", def: "off", usage: "request-rate quotas: off, or cognito (Cognito's default quotas of the categories its documentation names, and 10 reads and 10 writes a second per user; TooManyRequestsException beyond, for testing back-off)"},
	{name: "lambda-endpoint", usage: "where Lambda triggers run: http(s) `URL` of the Lambda Invoke API (sam local start-lambda, LocalStack), or aws for AWS Lambda (credentials from the standard AWS chain); default: triggers are not run"},
}

// EnvName returns the environment variable that sets flag name.
func EnvName(name string) string {
	return EnvPrefix + strings.ToUpper(strings.ReplaceAll(name, "-", "_"))
}

// rawValue is a flag.Value keeping the text it was given.
type rawValue struct {
	s      string
	isBool bool
}

func (v *rawValue) String() string {
	if v == nil {
		return ""
	}
	return v.s
}
func (v *rawValue) Set(s string) error { v.s = s; return nil }
func (v *rawValue) IsBoolFlag() bool   { return v.isBool }

// newFlagSet registers every option; values maps a name to its raw value.
func newFlagSet(values map[string]*rawValue) *flag.FlagSet {
	fs := flag.NewFlagSet("ninshou", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	for _, o := range options {
		v := &rawValue{s: o.def, isBool: o.isBool}
		values[o.name] = v
		usage := o.usage + " [$" + EnvName(o.name) + "]"
		fs.Var(v, o.name, usage)
	}
	return fs
}

// Usage writes the flags, their defaults and environment variables to w.
func Usage(w io.Writer) {
	fs := newFlagSet(map[string]*rawValue{})
	fmt.Fprintf(w, "Usage: ninshou [flags]\n\nEach flag can also be set by its environment variable; a flag beats the environment.\n\n")
	// Printed by hand: the flag package's own listing writes "-addr", while
	// we document (and users type) "--addr".
	fs.VisitAll(func(f *flag.Flag) {
		name, usage := flag.UnquoteUsage(f)
		fmt.Fprintf(w, "  --%s %s\n    \t%s\n", f.Name, name, strings.ReplaceAll(usage, "\n", "\n    \t"))
	})
}

// Load builds the Config from args (without the program name) and getenv
// (os.Getenv in production). Precedence is default < environment < flag.
// It returns flag.ErrHelp for -h/--help, and otherwise one error naming the
// offending flag.
func Load(args []string, getenv func(string) string) (Config, error) {
	if getenv == nil {
		getenv = func(string) string { return "" }
	}
	values := map[string]*rawValue{}
	fs := newFlagSet(values)

	// source records where each explicitly set value came from, for errors.
	source := map[string]string{}
	for _, o := range options {
		env := EnvName(o.name)
		if s := getenv(env); s != "" {
			values[o.name].s = s
			source[o.name] = env
		}
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return Config{}, flag.ErrHelp
		}
		return Config{}, err
	}
	if fs.NArg() > 0 {
		return Config{}, fmt.Errorf("unexpected argument %q (every setting is a --flag)", fs.Arg(0))
	}
	fs.Visit(func(f *flag.Flag) { source[f.Name] = "" }) // a flag beats the environment

	bad := func(name string, err error) error {
		shown := values[name].s
		switch name {
		case "smtp-url", "db":
			shown = redactURL(shown)
		case "sms-webhook-url", "lambda-endpoint", "sns-endpoint", "public-url":
			if strings.Contains(shown, "@") {
				shown = redactURL(shown) // a URL's password stays out of the message
			}
		}
		if name == "server-key" || name == "admin-credentials" {
			shown = "(hidden)"
		}
		from := ""
		if env := source[name]; env != "" {
			from = " (from " + env + ")"
		}
		return fmt.Errorf("invalid value %q for --%s%s: %w", shown, name, from, err)
	}
	get := func(name string) string { return values[name].s }

	var c Config
	var err error

	c.Addr = get("addr")
	loopback, err := checkAddr(c.Addr)
	if err != nil {
		return Config{}, bad("addr", err)
	}

	c.DataDir = get("data")
	if c.DataDir == "" {
		return Config{}, bad("data", errors.New("must not be empty"))
	}

	c.DB = get("db")
	if c.DB != "" {
		if err := checkDB(c.DB); err != nil {
			return Config{}, bad("db", err)
		}
	}

	c.PublicURL = get("public-url")
	if c.PublicURL == "" {
		c.PublicURL = DefaultPublicURL(c.Addr)
	} else if err := checkPublicURL(c.PublicURL); err != nil {
		return Config{}, bad("public-url", err)
	}

	c.Region = get("region")
	if !regionRE.MatchString(c.Region) {
		return Config{}, bad("region", errors.New("want a region name like us-east-1"))
	}

	c.SMTPURL = get("smtp-url")
	if c.SMTPURL != "" {
		if err := checkSMTPURL(c.SMTPURL); err != nil {
			return Config{}, bad("smtp-url", err)
		}
	}

	c.MailFrom = get("mail-from")
	if _, err := mail.ParseAddress(c.MailFrom); err != nil {
		return Config{}, bad("mail-from", err)
	}

	c.Outbox = loopback
	if s := get("outbox"); s != "" {
		if c.Outbox, err = strconv.ParseBool(s); err != nil {
			return Config{}, bad("outbox", errors.New("want true or false"))
		}
	}

	c.Throttle = get("throttle")
	if c.Throttle != "off" && c.Throttle != "cognito" {
		return Config{}, bad("throttle", errors.New("want off or cognito"))
	}
	c.PasswordCost = get("password-cost")
	if c.PasswordCost != "standard" && c.PasswordCost != "low" {
		return Config{}, bad("password-cost", errors.New("want standard or low"))
	}

	c.Crypto = get("crypto")
	if c.Crypto != "auto" && c.Crypto != "go" && c.Crypto != "openssl" {
		return Config{}, bad("crypto", errors.New("want auto, go or openssl"))
	}

	c.LogFormat = get("log-format")
	if c.LogFormat != "text" && c.LogFormat != "json" {
		return Config{}, bad("log-format", errors.New("want text or json"))
	}

	if err := c.LogLevel.UnmarshalText([]byte(get("log-level"))); err != nil {
		return Config{}, bad("log-level", errors.New("want debug, info, warn or error"))
	}

	if k := get("server-key"); k != "" {
		if c.ServerKey, err = srp.DecodeKey(k); err != nil {
			return Config{}, bad("server-key", errors.New("want 32 bytes as 64 hex digits or base64"))
		}
	}
	c.SMSWebhookURL = get("sms-webhook-url")
	if c.SMSWebhookURL != "" {
		if err := checkHTTPURL(c.SMSWebhookURL); err != nil {
			return Config{}, bad("sms-webhook-url", err)
		}
	}
	c.SNSEndpoint = get("sns-endpoint")
	if c.SNSEndpoint != "" {
		if err := checkHTTPURL(c.SNSEndpoint); err != nil {
			return Config{}, bad("sns-endpoint", err)
		}
	}
	c.AdminCredentials = get("admin-credentials")
	if c.AdminCredentials != "" {
		if _, err := sigv4.ParseSecrets(c.AdminCredentials); err != nil {
			return Config{}, bad("admin-credentials", err)
		}
		if get("outbox") == "" {
			// A server whose administration needs keys does not show its
			// messages and users unsigned (outbox, console) unless asked.
			c.Outbox = false
		}
	}
	c.LambdaEndpoint = get("lambda-endpoint")
	if c.LambdaEndpoint != "" && c.LambdaEndpoint != "aws" {
		if err := checkHTTPURL(c.LambdaEndpoint); err != nil {
			return Config{}, bad("lambda-endpoint", errors.New("want an http(s) URL or aws"))
		}
	}
	c.SMSSender = get("sms-sender")
	switch {
	case c.SMSSender == "" && c.SMSWebhookURL != "" && c.SNSEndpoint != "":
		return Config{}, bad("sms-sender", errors.New("choose webhook or sns: both --sms-webhook-url and --sns-endpoint are set"))
	case c.SMSSender == "" && c.SMSWebhookURL != "":
		c.SMSSender = "webhook"
	case c.SMSSender == "" && c.SNSEndpoint != "":
		c.SMSSender = "sns"
	case c.SMSSender == "":
		c.SMSSender = "log"
	case c.SMSSender == "webhook" && c.SMSWebhookURL == "":
		return Config{}, bad("sms-sender", errors.New("webhook needs --sms-webhook-url"))
	case c.SMSSender != "log" && c.SMSSender != "webhook" && c.SMSSender != "sns":
		return Config{}, bad("sms-sender", errors.New("want log, webhook or sns"))
	}
	return c, nil
}

// regionRE matches AWS region names: us-east-1, ap-southeast-2, us-gov-west-1.
var regionRE = regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-\d$`)

// checkAddr validates host:port and reports whether host is a loopback
// address (or "localhost").
func checkAddr(addr string) (loopback bool, err error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		var ae *net.AddrError
		if errors.As(err, &ae) {
			return false, errors.New(ae.Err)
		}
		return false, err
	}
	if n, err := strconv.ParseUint(port, 10, 16); err != nil || (n == 0 && port != "0") {
		return false, fmt.Errorf("bad port %q", port)
	}
	if host == "localhost" {
		return true, nil
	}
	if host == "" {
		return false, nil // all interfaces
	}
	ip := net.ParseIP(host)
	if ip == nil {
		// A name other than localhost: allowed, but not known to be loopback.
		return false, nil
	}
	return ip.IsLoopback(), nil
}

// DefaultPublicURL is http://<addr>, with "localhost" standing in for an
// empty or unspecified host, which a client cannot connect to.
func DefaultPublicURL(addr string) string {
	host, port, _ := net.SplitHostPort(addr)
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		host = "localhost"
	}
	return "http://" + net.JoinHostPort(host, port)
}

func checkPublicURL(s string) error {
	u, err := url.Parse(s)
	if err != nil {
		return errors.New("not a URL")
	}
	switch {
	case u.Scheme != "http" && u.Scheme != "https":
		return errors.New("want an absolute http:// or https:// URL")
	case u.Host == "" || u.Hostname() == "":
		return errors.New("missing host")
	case u.User != nil:
		return errors.New("must not contain user information")
	case u.RawQuery != "" || u.ForceQuery || u.Fragment != "":
		return errors.New("must not have a query or fragment")
	case strings.HasSuffix(s, "/"):
		return errors.New("must not end with a slash")
	}
	return nil
}

// checkDB accepts a PostgreSQL URL; pgx reads the rest (sslmode,
// search_path, pool_max_conns, ...) when the store opens.
func checkDB(s string) error {
	u, err := url.Parse(s)
	if err != nil {
		return errors.New("not a URL")
	}
	if u.Scheme != "postgres" && u.Scheme != "postgresql" {
		return errors.New("want postgres://[user[:pass]@]host[:port]/database[?...] (or unset for SQLite in --data)")
	}
	if u.Host == "" && u.Query().Get("host") == "" {
		return errors.New("missing host")
	}
	return nil
}

// checkHTTPURL validates an absolute http(s) URL of a service Ninshou calls.
func checkHTTPURL(s string) error {
	u, err := url.Parse(s)
	if err != nil {
		return errors.New("not a URL")
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return errors.New("want an absolute http:// or https:// URL")
	}
	if u.Hostname() == "" {
		return errors.New("missing host")
	}
	return nil
}

func checkSMTPURL(s string) error {
	u, err := url.Parse(s)
	if err != nil {
		return errors.New("not a URL")
	}
	if u.Scheme != "smtp" && u.Scheme != "smtps" {
		return errors.New("want smtp://[user:pass@]host:port or smtps://...")
	}
	if u.Hostname() == "" {
		return errors.New("missing host")
	}
	if u.Port() == "" {
		return errors.New("missing port")
	}
	if n, err := strconv.ParseUint(u.Port(), 10, 16); err != nil || n == 0 {
		return fmt.Errorf("bad port %q", u.Port())
	}
	if (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" {
		return errors.New("must not have a path, query or fragment")
	}
	return nil
}

// redactURL hides the password of a URL; text that does not parse is
// hidden entirely when it might hold one.
func redactURL(s string) string {
	if s == "" {
		return ""
	}
	u, err := url.Parse(s)
	if err != nil {
		if strings.Contains(s, "@") {
			return "(unparsable URL with user information)"
		}
		return s
	}
	return u.Redacted()
}
