package idp

import (
	"context"
	"html"
	"net/url"
	"regexp"
	"strings"

	"github.com/ninshou/ninshou/internal/store"
)

// Confirmation by link: a pool whose VerificationMessageTemplate has
// DefaultEmailOption CONFIRM_WITH_LINK sends its sign-up confirmation by
// email as a link instead of a code to type (EmailMessageByLink, whose
// "{##Click here##}" becomes the link, "Click here" its text). The link
// opens the managed login page /confirmUser with client_id, user_name and
// confirmation_code, which confirms the sign-up as ConfirmSignUp does.
// Links serve sign-up confirmation only; attribute verification and
// SMS always send codes.
// https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_VerificationMessageTemplateType.html
// https://docs.aws.amazon.com/cognito/latest/developerguide/managed-login-endpoints.html
//
// The link is an HTML anchor on its text, so the message goes out as HTML
// with a plain-text alternative ("Verify Email: https://...", see
// internal/notify).

// ConfirmLinkPath is the page a confirmation link opens.
const ConfirmLinkPath = "/confirmUser"

// Cognito's defaults for the link message.
const (
	defaultLinkBody    = "Please click the link below to verify your email address. {##Verify Email##} "
	defaultLinkSubject = "Your verification link"
)

var linkPlaceholder = regexp.MustCompile(`\{##(.*?)##\}`)

// hasLinkText reports whether a link message has a placeholder with text,
// as {##Verify Email##}: "{####}" is the code's.
func hasLinkText(msg string) bool {
	for _, m := range linkPlaceholder.FindAllStringSubmatch(msg, -1) {
		if strings.Trim(m[1], "# ") != "" {
			return true
		}
	}
	return false
}

// sendSignUpCode sends a sign-up confirmation: the code, or, to an email
// address of a pool that confirms by link, the link that carries it.
func (s *Service) sendSignUpCode(tx store.Tx, p *Pool, c *Client, username string, t codeTarget, code string, cm *customMessage) (*CodeDelivery, error) {
	vt := p.VerificationTemplate
	if t.attr != "email" || vt.DefaultEmailOption != "CONFIRM_WITH_LINK" {
		return s.sendCode(tx, p, t, code, "signup_code", cm)
	}
	link := s.Tokens.PublicURL + ConfirmLinkPath + "?" +
		url.Values{"client_id": {c.ID}, "user_name": {username}, "confirmation_code": {code}}.Encode()
	body := cm.pick(cm.emailMessage(), orDefault(vt.EmailMessageByLink, defaultLinkBody))
	body = linkPlaceholder.ReplaceAllStringFunc(body, func(m string) string {
		text := strings.TrimSpace(linkPlaceholder.FindStringSubmatch(m)[1])
		return `<a href="` + html.EscapeString(link) + `">` + text + `</a>`
	})
	subject := cm.subject(orDefault(vt.EmailSubjectByLink, defaultLinkSubject))
	if err := s.enqueueEmail(tx, p, t.value, subject, renderEmail(body, username, code), "signup_link"); err != nil {
		return nil, err
	}
	return &CodeDelivery{Destination: maskEmail(t.value), DeliveryMedium: "EMAIL", AttributeName: t.attr, ByLink: true}, nil
}

// ConfirmSignUpByLink confirms a sign-up from its confirmation link: the
// page is the client's own, so it proves the client's secret itself.
func (s *Service) ConfirmSignUpByLink(ctx context.Context, clientID, username, code string) error {
	_, c, err := s.clientFor(ctx, false, "", clientID)
	if err != nil {
		return err
	}
	_, err = s.ConfirmSignUp(ctx, ConfirmSignUpInput{ClientID: c.ID, SecretHash: pageSecretHash(c, username),
		Username: username, Code: code})
	return err
}
