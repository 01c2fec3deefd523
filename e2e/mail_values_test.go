package e2e

import (
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
)

// TestMailValuesArriveExactly: a temporary password with "<", ">" or "&"
// reaches the user as it is, through a real SMTP peer, whether the
// invitation template is plain text (the mailer must not read the password
// as markup and strip it) or HTML (the value is escaped into it). An audit
// found "Aa1<i>xyZ" delivered as "Aa1xyZ".
func TestMailValuesArriveExactly(t *testing.T) {
	e := newSDKEnv(t)
	invite := func(pool, name, password string) string {
		t.Helper()
		addr := name + "@example.com"
		_, err := e.c.AdminCreateUser(e.ctx, &cip.AdminCreateUserInput{UserPoolId: aws.String(pool), Username: aws.String(name),
			TemporaryPassword: aws.String(password), DesiredDeliveryMediums: []types.DeliveryMediumType{types.DeliveryMediumTypeEmail},
			UserAttributes: emailAttr(addr)})
		if err != nil {
			t.Fatal(err)
		}
		return e.mailTo(t, addr, 1).Body
	}
	plain := e.pool()
	if body := invite(plain, "ann", "Aa1<i>xyZ9"); !strings.Contains(body, "temporary password is Aa1<i>xyZ9.") {
		t.Errorf("plain template: %q", body)
	}
	htmlPool := e.pool(func(in *cip.CreateUserPoolInput) {
		in.AdminCreateUserConfig = &types.AdminCreateUserConfigType{InviteMessageTemplate: &types.MessageTemplateType{
			EmailSubject: aws.String("Welcome"), EmailMessage: aws.String("<p>Hello {username}, your password is <b>{####}</b></p>")}}
	})
	if body := invite(htmlPool, "bob", "Aa1<b>x&amp;Z9"); !strings.Contains(body, "your password is Aa1<b>x&amp;Z9") {
		t.Errorf("HTML template: %q", body)
	}
	// A plain template of several lines keeps its lines as they are.
	lines := e.pool(func(in *cip.CreateUserPoolInput) {
		in.AdminCreateUserConfig = &types.AdminCreateUserConfigType{InviteMessageTemplate: &types.MessageTemplateType{
			EmailSubject: aws.String("Welcome"), EmailMessage: aws.String("Hello {username},\n\nyour password is {####}\nBye")}}
	})
	if body := invite(lines, "cy", "Aa1<i>xyZ9"); strings.TrimRight(body, "\n") != "Hello cy,\n\nyour password is Aa1<i>xyZ9\nBye" {
		t.Errorf("plain template of several lines: %q", body)
	}
}

// TestMailFromSourceArn: without From, a pool's email comes from the address
// its SourceArn names: "If you specify COGNITO_DEFAULT, Amazon Cognito uses
// this address as the custom FROM address" (EmailConfigurationType), as in
// the AWS CLI's create-user-pool example (SourceArn and ReplyTo, no From).
func TestMailFromSourceArn(t *testing.T) {
	e := newSDKEnv(t)
	pool := e.pool(func(in *cip.CreateUserPoolInput) {
		in.EmailConfiguration = &types.EmailConfigurationType{EmailSendingAccount: types.EmailSendingAccountTypeCognitoDefault,
			SourceArn: aws.String("arn:aws:ses:us-east-1:123456789012:identity/jane@example.com"), ReplyToEmailAddress: aws.String("help@example.com")}
	})
	_, err := e.c.AdminCreateUser(e.ctx, &cip.AdminCreateUserInput{UserPoolId: aws.String(pool), Username: aws.String("ann"),
		DesiredDeliveryMediums: []types.DeliveryMediumType{types.DeliveryMediumTypeEmail}, UserAttributes: emailAttr("ann@example.com")})
	if err != nil {
		t.Fatal(err)
	}
	m := e.mailTo(t, "ann@example.com", 1)
	if m.From != "jane@example.com" || !strings.Contains(m.Header.Get("From"), "jane@example.com") || !strings.Contains(m.Header.Get("Reply-To"), "help@example.com") {
		t.Errorf("envelope from %q, From %q, Reply-To %q; want jane@example.com and help@example.com", m.From, m.Header.Get("From"), m.Header.Get("Reply-To"))
	}
}
