package notify

import (
	"html"
	"regexp"
	"strings"
)

// Message templates may be HTML, as Cognito's are (its messages are HTML
// email: the AWS CLI's describe-user-pool example has an EmailMessageByLink
// of "... <b>{##Verify Your Email##}</b>"), and a link confirmation is an
// anchor. A body with markup goes out as HTML with a plain-text
// alternative derived from it; a body without goes out as plain text, as
// it always did.

var (
	markup = regexp.MustCompile(`</?[a-zA-Z][a-zA-Z0-9]*(\s[^<>]*)?/?>`)
	anchor = regexp.MustCompile(`(?is)<a\s[^>]*href\s*=\s*"([^"]*)"[^>]*>(.*?)</a>`)
	breaks = regexp.MustCompile(`(?i)<br\s*/?>|</p>|</div>|</li>|</tr>|</h[1-6]>`)
)

// isHTML reports whether a message body has markup.
func isHTML(body string) bool { return markup.MatchString(body) }

// HasMarkup reports whether an email body goes out as HTML: whoever
// writes a body into it decides with it how to put text in.
func HasMarkup(body string) bool { return isHTML(body) }

// plainText is an HTML body as text: a link as "text: URL", line breaks
// where the markup breaks lines, other tags dropped, entities decoded.
func plainText(body string) string {
	s := anchor.ReplaceAllStringFunc(body, func(a string) string {
		m := anchor.FindStringSubmatch(a)
		text := strings.TrimSpace(markup.ReplaceAllString(m[2], ""))
		return text + ": " + m[1]
	})
	s = breaks.ReplaceAllString(s, "\n")
	s = markup.ReplaceAllString(s, "")
	return html.UnescapeString(s)
}
