package idp

import (
	"html"
	"slices"
	"strings"

	"github.com/ninshou/ninshou/internal/notify"
	"github.com/ninshou/ninshou/internal/store"
)

// Default texts, as Cognito sends them when the pool sets none.
// https://docs.aws.amazon.com/cognito/latest/developerguide/cognito-user-pool-settings-message-templates.html
const (
	defaultInviteSubject = "Your temporary password"
	defaultInviteBody    = "Your username is {username} and temporary password is {####}. "
	defaultWelcomeBody   = "Your username is {username}. "
	defaultMFAEmailSubj  = "Your verification code"
	defaultMFAEmailBody  = "Your verification code is {####}. "
	defaultMFASms        = "Your authentication code is {####}. "
)

// maskEmail masks like Cognito: k***@g***.
func maskEmail(addr string) string {
	local, domain, ok := strings.Cut(addr, "@")
	if !ok || local == "" || domain == "" {
		return "***"
	}
	return firstRune(local) + "***@" + firstRune(domain) + "***"
}

// maskPhone masks like Cognito: +*******0123.
func maskPhone(phone string) string {
	if len(phone) <= 5 {
		return phone
	}
	return "+" + strings.Repeat("*", len(phone)-5) + phone[len(phone)-4:]
}

func firstRune(s string) string {
	for _, r := range s {
		return string(r)
	}
	return ""
}

func render(tpl, username, code string) string {
	return strings.NewReplacer("{username}", username, "{####}", code).Replace(tpl)
}

// renderEmail is render for an email body, which the mailer sends as HTML
// when it has markup (notify.HasMarkup). A template with markup gets the
// values escaped, so that a password with "<" or "&" reads as it is. A
// template without goes out as plain text, unless a value would look like
// markup (an administrator's temporary password "Aa1<i>xyZ"): then the
// whole message is escaped into HTML, line breaks kept, so that both its
// HTML and its plain-text part show it exactly.
func renderEmail(tpl, username, code string) string {
	if notify.HasMarkup(tpl) {
		return render(tpl, html.EscapeString(username), html.EscapeString(code))
	}
	body := render(tpl, username, code)
	if !notify.HasMarkup(body) {
		return body
	}
	return "<span>" + strings.ReplaceAll(html.EscapeString(body), "\n", "<br>") + "</span>"
}

func orDefault(v, def string) string {
	if v == "" {
		return def
	}
	return v
}

// fromAddress is the sender of a pool's email: its From; else the address
// its SourceArn names, "If you specify COGNITO_DEFAULT, Amazon Cognito uses
// this address as the custom FROM address ... If you specify DEVELOPER,
// Amazon Cognito emails your users with this address"
// (EmailConfigurationType.SourceArn), when the SES identity is an address
// ("arn:aws:ses:us-east-1:123456789012:identity/jane@example.com"), not a
// domain; else the server's --mail-from.
func (s *Service) fromAddress(p *Pool) string {
	if p.Email.From != "" {
		return p.Email.From
	}
	if _, identity, ok := strings.Cut(p.Email.SourceArn, ":identity/"); ok && strings.Contains(identity, "@") {
		return identity
	}
	return s.MailFrom
}

// enqueueEmail puts an email in the outbox inside the caller's transaction,
// so that the message exists exactly when the state that promised it does.
func (s *Service) enqueueEmail(tx store.Tx, p *Pool, to, subject, body, kind string) error {
	s.customSenderNotRun(p, TriggerCustomEmailSender)
	return tx.Outbox().Enqueue(&store.Message{
		PoolID: p.ID, Channel: "email", To: to, From: s.fromAddress(p), ReplyTo: p.Email.ReplyToEmailAddress,
		Subject: subject, Body: body, Kind: kind, CreatedAt: s.now(), NextAttemptAt: s.now(),
	})
}

func (s *Service) enqueueSMS(tx store.Tx, p *Pool, to, body, kind string) error {
	s.customSenderNotRun(p, TriggerCustomSMSSender)
	return tx.Outbox().Enqueue(&store.Message{
		PoolID: p.ID, Channel: "sms", To: to, Body: body, Kind: kind, CreatedAt: s.now(), NextAttemptAt: s.now(),
	})
}

// Cognito's answers to a DesiredDeliveryMediums medium the user has no
// address for. The email text is the real one, quoted from responses in
// rahulpsd18/cognito-backup-restore#25 and awslabs/sagemaker-dashboards-for-ml#2;
// the SMS text is unpublished, written in the same words.
var (
	errNoInviteEmail = Errorf(InvalidParameterException, "No email provided but desired delivery medium was Email")
	errNoInvitePhone = Errorf(InvalidParameterException, "No phone number provided but desired delivery medium was SMS")
)

// checkInviteMediums refuses a medium asked for in DesiredDeliveryMediums
// that the user has no address for: "You must provide a value for email
// ... if you set EMAIL in the DesiredDeliveryMediums parameter", and
// likewise phone_number for SMS. Only mediums the caller named count: the
// default (SMS) goes by whatever address the user has.
// https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_AdminCreateUser.html#CognitoUserPools-AdminCreateUser-request-UserAttributes
func checkInviteMediums(p *Pool, attrs map[string]string, mediums []string) error {
	for _, m := range mediums {
		switch {
		case m == "EMAIL" && attrs["email"] == "":
			return errNoInviteEmail
		case m == "SMS" && attrs["phone_number"] == "":
			return errNoInvitePhone
		}
	}
	// An invitation due by SMS (the default medium) in a pool that cannot
	// send SMS: Cognito's answer, as tools that restore pools match it
	// (rahulpsd18/cognito-backup-restore).
	if (len(mediums) == 0 || slices.Contains(mediums, "SMS")) && attrs["phone_number"] != "" && p.Sms == nil {
		return errNoSMSConfig
	}
	return nil
}

var errNoSMSConfig = Errorf(InvalidParameterException, "User pool does not have SMS configuration to send messages.")

// sendInvitation sends AdminCreateUser's welcome message with the temporary
// password by each requested medium the user has an address for (SMS by default).
// A template without the {####} placeholder is not delivered: "If your
// template doesn't have this placeholder, Amazon Cognito doesn't deliver the
// invitation message" (every user AdminCreateUser makes here has a temporary password).
// CreateUserPool and UpdateUserPool accept such a template, since users
// without passwords may omit it: temp "" is such a user (one the user
// migration trigger brought over), whose message needs no placeholder and
// has none filled in ({####} is left empty: no temporary password exists,
// and the user's own password is never sent).
// https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_AdminCreateUser.html
func (s *Service) sendInvitation(tx store.Tx, p *Pool, u *store.User, temp string, mediums []string, cm *customMessage) error {
	if len(mediums) == 0 {
		mediums = []string{"SMS"}
	}
	tpl := p.AdminCreateUser.Invite
	// A migrated user's welcome message (temp "") has no password to
	// give: Cognito's default template says "temporary password is {####}",
	// so the default gives the username alone (Ninshou's words; Cognito's
	// are unpublished); a pool's own template is sent as written, its
	// {####} empty.
	inviteBody := defaultInviteBody
	if temp == "" {
		inviteBody = defaultWelcomeBody
	}
	shown := u.Username
	for _, m := range mediums {
		switch m {
		case "EMAIL":
			body := cm.pick(cm.emailMessage(), orDefault(tpl.EmailMessage, inviteBody))
			if to := u.Attributes["email"]; to != "" && (temp == "" || strings.Contains(body, "{####}")) {
				if err := s.enqueueEmail(tx, p, to, cm.subject(orDefault(tpl.EmailSubject, defaultInviteSubject)), renderEmail(body, shown, temp), "invitation"); err != nil {
					return err
				}
			}
		case "SMS":
			body := cm.pick(cm.smsMessage(), orDefault(tpl.SMSMessage, inviteBody))
			if to := u.Attributes["phone_number"]; to != "" && (temp == "" || strings.Contains(body, "{####}")) {
				if err := s.enqueueSMS(tx, p, to, render(body, shown, temp), "invitation"); err != nil {
					return err
				}
			}
		}
	}
	return nil
}
