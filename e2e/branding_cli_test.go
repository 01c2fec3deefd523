package e2e

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestUICustomizationAWSCLI brands the classic hosted UI as Terraform's
// aws_cognito_user_pool_ui_customization does, with the AWS CLI: not
// before the pool has a domain; CSS and a logo for ALL clients, which a
// client without its own branding falls back to, and a client's own; the
// logo served at ImageUrl; CSS with a forbidden statement refused.
// https://docs.aws.amazon.com/cognito/latest/developerguide/hosted-ui-classic-branding.html
func TestUICustomizationAWSCLI(t *testing.T) {
	s := startServer(t)
	aws := awsCLI{t: t, url: s.URL}
	poolID := aws.run("create-user-pool", "--pool-name", "branded")["UserPool"].(map[string]any)["Id"].(string)
	clientID := aws.run("create-user-pool-client", "--user-pool-id", poolID, "--client-name", "web")["UserPoolClient"].(map[string]any)["ClientId"].(string)
	other := aws.run("create-user-pool-client", "--user-pool-id", poolID, "--client-name", "mobile")["UserPoolClient"].(map[string]any)["ClientId"].(string)

	// Nothing set yet: an empty object.
	if diff := cmp.Diff(map[string]any{"UICustomization": map[string]any{}}, aws.run("get-ui-customization", "--user-pool-id", poolID)); diff != "" {
		t.Errorf("get-ui-customization before any (-want +got):\n%s", diff)
	}
	css := ".label-customizable {font-weight: 400;}\n.banner-customizable {background-color: #1b2a3c;}"
	msg := aws.fail("set-ui-customization", "--user-pool-id", poolID, "--client-id", "ALL", "--css", css)
	if !strings.Contains(msg, "InvalidParameterException") || !strings.Contains(msg, "A domain must be associated with this user pool.") {
		t.Errorf("branding a pool without a domain: %s", msg)
	}
	aws.run("create-user-pool-domain", "--user-pool-id", poolID, "--domain", "branded-"+strings.ToLower(strings.ReplaceAll(poolID, "_", "-")))

	// A logo, as the CLI reads it from a file.
	img := image.NewRGBA(image.Rect(0, 0, 8, 4))
	img.Set(1, 1, color.RGBA{R: 200, A: 255})
	var logo bytes.Buffer
	if err := png.Encode(&logo, img); err != nil {
		t.Fatal(err)
	}
	logoPath := filepath.Join(t.TempDir(), "logo.png")
	if err := os.WriteFile(logoPath, logo.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	all := aws.run("set-ui-customization", "--user-pool-id", poolID, "--client-id", "ALL", "--css", css,
		"--image-file", "fileb://"+logoPath)["UICustomization"].(map[string]any)
	// CSSVersion is a yyyyMMddHHmmss stamp, as in the CLI's set-ui-customization example.
	if all["ClientId"] != "ALL" || all["CSS"] != css || all["UserPoolId"] != poolID || !regexp.MustCompile(`^20\d{12}$`).MatchString(fmt.Sprint(all["CSSVersion"])) ||
		all["CreationDate"] == nil || all["LastModifiedDate"] == nil {
		t.Errorf("set-ui-customization ALL: %v", all)
	}
	imageURL, _ := all["ImageUrl"].(string)
	resp, err := http.Get(imageURL)
	if err != nil {
		t.Fatalf("GET ImageUrl %q: %v", imageURL, err)
	}
	served, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "image/png" || !bytes.Equal(served, logo.Bytes()) {
		t.Errorf("GET ImageUrl: %d %s, %d bytes (want the %d of the logo)", resp.StatusCode, resp.Header.Get("Content-Type"), len(served), logo.Len())
	}

	// A client without its own branding gets ALL's; one with its own, its own.
	if diff := cmp.Diff(all, aws.run("get-ui-customization", "--user-pool-id", poolID, "--client-id", clientID)["UICustomization"]); diff != "" {
		t.Errorf("a client without branding of its own (-ALL +got):\n%s", diff)
	}
	own := aws.run("set-ui-customization", "--user-pool-id", poolID, "--client-id", other,
		"--css", ".submitButton-customizable {background-color: #0a0;}")["UICustomization"].(map[string]any)
	got := aws.run("get-ui-customization", "--user-pool-id", poolID, "--client-id", other)["UICustomization"].(map[string]any)
	if got["ClientId"] != other || got["CSS"] != own["CSS"] || got["ImageUrl"] != nil {
		t.Errorf("the client's own branding: %v", got)
	}

	if msg := aws.fail("set-ui-customization", "--user-pool-id", poolID, "--client-id", "ALL",
		"--css", "@import url(https://example.com/x.css); .label-customizable {color: red;}"); !strings.Contains(msg, "InvalidParameterException") {
		t.Errorf("CSS with @import: %s", msg)
	}
	// Only the customizable classes of hosted-ui-classic-branding.html, two
	// of them with a state; comments are not rules.
	for _, css := range []string{"body {color: red;}", ".foo {color: red;}", ".label-customizable, h1 {color: red;}",
		".label-customizable:hover {color: red;}", ".label-customizable .inner {color: red;}", "color: red;"} {
		if msg := aws.fail("set-ui-customization", "--user-pool-id", poolID, "--client-id", "ALL",
			"--css", css); !strings.Contains(msg, "InvalidParameterException") {
			t.Errorf("CSS %q: %s", css, msg)
		}
	}
	aws.run("set-ui-customization", "--user-pool-id", poolID, "--client-id", "ALL", "--css",
		"/* brand */ .idpButton-customizable:hover, .inputField-customizable:focus {color: #111;}\n.submitButton-customizable:hover{color:#222}")
	if msg := aws.fail("get-ui-customization", "--user-pool-id", poolID, "--client-id", "nosuchclient"); !strings.Contains(msg, "ResourceNotFoundException") {
		t.Errorf("an unknown client: %s", msg)
	}
}

// TestRiskConfigurationAWSCLI configures threat protection's answers as
// Terraform's aws_cognito_risk_configuration does, with the AWS CLI: only
// on a pool whose threat protection is on; for the pool, and for a client
// that then overrides it; reset by a request with no settings.
// https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_SetRiskConfiguration.html
func TestRiskConfigurationAWSCLI(t *testing.T) {
	s := startServer(t)
	aws := awsCLI{t: t, url: s.URL}
	plain := aws.run("create-user-pool", "--pool-name", "plain")["UserPool"].(map[string]any)["Id"].(string)
	if msg := aws.fail("describe-risk-configuration", "--user-pool-id", plain); !strings.Contains(msg, "UserPoolAddOnNotEnabledException") {
		t.Errorf("a pool without threat protection: %s", msg)
	}
	poolID := aws.run("create-user-pool", "--pool-name", "guarded", "--user-pool-tier", "PLUS",
		"--user-pool-add-ons", "AdvancedSecurityMode=ENFORCED")["UserPool"].(map[string]any)["Id"].(string)
	clientID := aws.run("create-user-pool-client", "--user-pool-id", poolID, "--client-name", "web")["UserPoolClient"].(map[string]any)["ClientId"].(string)

	if diff := cmp.Diff(map[string]any{"RiskConfiguration": map[string]any{"UserPoolId": poolID}},
		aws.run("describe-risk-configuration", "--user-pool-id", poolID)); diff != "" {
		t.Errorf("describe-risk-configuration before any (-want +got):\n%s", diff)
	}

	set := aws.run("set-risk-configuration", "--user-pool-id", poolID,
		"--compromised-credentials-risk-configuration", `{"EventFilter":["SIGN_IN","SIGN_UP"],"Actions":{"EventAction":"BLOCK"}}`,
		"--account-takeover-risk-configuration", `{"NotifyConfiguration":{"From":"security@example.com","SourceArn":"arn:aws:ses:us-east-1:123456789012:identity/example.com","BlockEmail":{"Subject":"Blocked","TextBody":"We blocked a sign-in."}},"Actions":{"LowAction":{"Notify":false,"EventAction":"NO_ACTION"},"HighAction":{"Notify":true,"EventAction":"BLOCK"}}}`,
		"--risk-exception-configuration", `{"BlockedIPRangeList":["192.0.2.0/24"],"SkippedIPRangeList":["10.0.0.0/8"]}`)["RiskConfiguration"].(map[string]any)
	if set["LastModifiedDate"] == nil {
		t.Errorf("set-risk-configuration has no LastModifiedDate: %v", set)
	}
	delete(set, "LastModifiedDate")
	want := map[string]any{
		"UserPoolId": poolID,
		"CompromisedCredentialsRiskConfiguration": map[string]any{"EventFilter": []any{"SIGN_IN", "SIGN_UP"}, "Actions": map[string]any{"EventAction": "BLOCK"}},
		"AccountTakeoverRiskConfiguration": map[string]any{
			"NotifyConfiguration": map[string]any{"From": "security@example.com", "SourceArn": "arn:aws:ses:us-east-1:123456789012:identity/example.com",
				"BlockEmail": map[string]any{"Subject": "Blocked", "TextBody": "We blocked a sign-in."}},
			"Actions": map[string]any{"LowAction": map[string]any{"Notify": false, "EventAction": "NO_ACTION"},
				"HighAction": map[string]any{"Notify": true, "EventAction": "BLOCK"}},
		},
		"RiskExceptionConfiguration": map[string]any{"BlockedIPRangeList": []any{"192.0.2.0/24"}, "SkippedIPRangeList": []any{"10.0.0.0/8"}},
	}
	if diff := cmp.Diff(want, set); diff != "" {
		t.Errorf("set-risk-configuration (-want +got):\n%s", diff)
	}

	// The client inherits the pool's, until it has its own.
	inherited := aws.run("describe-risk-configuration", "--user-pool-id", poolID, "--client-id", clientID)["RiskConfiguration"].(map[string]any)
	delete(inherited, "LastModifiedDate")
	if diff := cmp.Diff(want, inherited); diff != "" {
		t.Errorf("a client without its own (-pool's +got):\n%s", diff)
	}
	aws.run("set-risk-configuration", "--user-pool-id", poolID, "--client-id", clientID,
		"--risk-exception-configuration", `{"SkippedIPRangeList":["203.0.113.7/32"]}`)
	own := aws.run("describe-risk-configuration", "--user-pool-id", poolID, "--client-id", clientID)["RiskConfiguration"].(map[string]any)
	if own["ClientId"] != clientID || own["CompromisedCredentialsRiskConfiguration"] != nil ||
		!cmp.Equal(own["RiskExceptionConfiguration"], map[string]any{"SkippedIPRangeList": []any{"203.0.113.7/32"}}) {
		t.Errorf("the client's own: %v", own)
	}
	// UserPoolId and ClientId alone: the client inherits again.
	aws.run("set-risk-configuration", "--user-pool-id", poolID, "--client-id", clientID)
	if got := aws.run("describe-risk-configuration", "--user-pool-id", poolID, "--client-id", clientID)["RiskConfiguration"].(map[string]any); got["ClientId"] != nil || got["CompromisedCredentialsRiskConfiguration"] == nil {
		t.Errorf("after the client's reset: %v", got)
	}

	if msg := aws.fail("set-risk-configuration", "--user-pool-id", poolID,
		"--risk-exception-configuration", `{"BlockedIPRangeList":["not-a-range"]}`); !strings.Contains(msg, "InvalidParameterException") {
		t.Errorf("a range that is not CIDR: %s", msg)
	}
	if msg := aws.fail("set-risk-configuration", "--user-pool-id", poolID,
		"--account-takeover-risk-configuration", `{"Actions":{"HighAction":{"Notify":true,"EventAction":"BLOCK"}}}`); !strings.Contains(msg, "InvalidParameterException") {
		t.Errorf("a notice with no NotifyConfiguration: %s", msg)
	}
}
