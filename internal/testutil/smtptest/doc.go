// Package smtptest runs a real SMTP server on the loopback interface for
// tests: it accepts mail without TLS (and, if asked, with PLAIN
// authentication over the plain connection), decodes what it receives into
// Messages, and can refuse the next deliveries to exercise retries.
//
// It is built on github.com/emersion/go-smtp, so the code under test talks
// to an independent SMTP implementation rather than to a mock.
package smtptest
