package e2e

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
)

// TestSDKUICustomizationVersionAdvances: CSSVersion is a yyyyMMddHHmmss
// stamp (the CLI's set-ui-customization example), and it names the assets'
// URLs, which are cached for good: a second setting within the same second
// gets the next second's stamp, not the same one.
func TestSDKUICustomizationVersionAdvances(t *testing.T) {
	e := newSDKEnv(t)
	e.Clock.Freeze()
	pool := e.pool()
	must[*cip.CreateUserPoolDomainOutput](t, "CreateUserPoolDomain")(e.c.CreateUserPoolDomain(e.ctx,
		&cip.CreateUserPoolDomainInput{UserPoolId: aws.String(pool), Domain: aws.String("ui-version-test")}))
	set := func(css string) string {
		out := must[*cip.SetUICustomizationOutput](t, "SetUICustomization")(e.c.SetUICustomization(e.ctx,
			&cip.SetUICustomizationInput{UserPoolId: aws.String(pool), ClientId: aws.String("ALL"), CSS: aws.String(css)}))
		return *out.UICustomization.CSSVersion
	}
	v1 := set(".banner-customizable {background-color: red;}")
	v2 := set(".banner-customizable {background-color: blue;}")
	if want := e.Clock.Now().UTC().Format("20060102150405"); v1 != want || v2 <= v1 {
		t.Errorf("CSSVersion %s then %s at %s; want the stamp of now, then a later one", v1, v2, want)
	}
}
