package e2e

import (
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/document"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/google/go-cmp/cmp"
)

// TestManagedLoginBrandingAWSCLI configures an app client's managed login
// style as a Terraform or CDK stack does (aws_cognito_managed_login_branding,
// CfnManagedLoginBranding), with the AWS CLI: Cognito's defaults first, then
// settings and an SVG logo; an update merges settings and replaces only the
// assets it names (checked with aws-sdk-go-v2, which sends a PNG); one style
// per client; the style goes with its client.
// https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_CreateManagedLoginBranding.html
func TestManagedLoginBrandingAWSCLI(t *testing.T) {
	e := newSDKEnv(t)
	cli := awsCLI{t: t, url: e.URL}
	pool := e.pool()
	client := *e.client(pool).ClientId
	branding := func(out map[string]any) map[string]any { return out["ManagedLoginBranding"].(map[string]any) }

	created := branding(cli.run("create-managed-login-branding", "--user-pool-id", pool, "--client-id", client,
		"--use-cognito-provided-values"))
	id, _ := created["ManagedLoginBrandingId"].(string)
	if !uuidPattern.MatchString(id) || created["UseCognitoProvidedValues"] != true || created["UserPoolId"] != pool {
		t.Errorf("created: %v", created)
	}
	if msg := cli.fail("create-managed-login-branding", "--user-pool-id", pool, "--client-id", client,
		"--use-cognito-provided-values"); !strings.Contains(msg, "ManagedLoginBrandingExistsException") {
		t.Errorf("a second style for the client: %s", msg)
	}
	// A request names one source of its style, Cognito's defaults or
	// settings, on create and update alike (measured in floci-io/floci#2869;
	// the message is also what a real CLI user was answered).
	const oneSource = "useCognitoProvidedValues or settings should be specified (but not both)"
	bare := *e.client(pool).ClientId
	for _, args := range [][]string{
		{"create-managed-login-branding", "--user-pool-id", pool, "--client-id", bare},
		{"create-managed-login-branding", "--user-pool-id", pool, "--client-id", bare, "--no-use-cognito-provided-values"},
		{"create-managed-login-branding", "--user-pool-id", pool, "--client-id", bare, "--use-cognito-provided-values", "--settings", `{"components":{}}`},
		{"update-managed-login-branding", "--user-pool-id", pool, "--managed-login-branding-id", id},
		{"update-managed-login-branding", "--user-pool-id", pool, "--managed-login-branding-id", id, "--use-cognito-provided-values", "--settings", `{"components":{}}`},
	} {
		if msg := cli.fail(args...); !strings.Contains(msg, "InvalidParameterException") || !strings.Contains(msg, oneSource) {
			t.Errorf("%s: %s", strings.Join(args, " "), msg)
		}
	}
	// Settings alone, even empty, are a source.
	if got := branding(cli.run("create-managed-login-branding", "--user-pool-id", pool, "--client-id", bare, "--settings", `{}`)); got["UseCognitoProvidedValues"] != false {
		t.Errorf("created with empty settings: %v", got)
	}

	svg := `<svg xmlns="http://www.w3.org/2000/svg" width="1" height="1"/>`
	updated := branding(cli.run("update-managed-login-branding", "--user-pool-id", pool, "--managed-login-branding-id", id,
		"--settings", `{"components":{"form":{"borderRadius":8,"logo":{"location":"CENTER"}}}}`,
		"--assets", `[{"Category":"FORM_LOGO","ColorMode":"LIGHT","Extension":"SVG","Bytes":`+jsonString(svg)+`}]`))
	if updated["UseCognitoProvidedValues"] != false {
		t.Errorf("after custom settings, UseCognitoProvidedValues %v", updated["UseCognitoProvidedValues"])
	}

	// A later update merges: settings key by key, assets by category and
	// color mode.
	png := []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
	var patch document.Interface = document.NewLazyDocument(map[string]any{
		"components": map[string]any{"form": map[string]any{"logo": map[string]any{"enabled": true}}}})
	_, err := e.c.UpdateManagedLoginBranding(e.ctx, &cip.UpdateManagedLoginBrandingInput{UserPoolId: aws.String(pool),
		ManagedLoginBrandingId: aws.String(id), Settings: patch, Assets: []types.AssetType{
			{Category: types.AssetCategoryTypePageBackground, ColorMode: types.ColorSchemeModeTypeDark, Extension: types.AssetExtensionTypePng, Bytes: png},
		}})
	if err != nil {
		t.Fatalf("UpdateManagedLoginBranding: %v", err)
	}
	got := branding(cli.run("describe-managed-login-branding-by-client", "--user-pool-id", pool, "--client-id", client))
	wantSettings := map[string]any{"components": map[string]any{"form": map[string]any{
		"borderRadius": float64(8), "logo": map[string]any{"location": "CENTER", "enabled": true}}}}
	if diff := cmp.Diff(wantSettings, got["Settings"]); diff != "" {
		t.Errorf("merged settings (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]any{
		map[string]any{"Category": "FORM_LOGO", "ColorMode": "LIGHT", "Extension": "SVG", "Bytes": b64(svg)},
		map[string]any{"Category": "PAGE_BACKGROUND", "ColorMode": "DARK", "Extension": "PNG", "Bytes": b64(string(png))},
	}, got["Assets"]); diff != "" {
		t.Errorf("merged assets (-want +got):\n%s", diff)
	}
	if byID := branding(cli.run("describe-managed-login-branding", "--user-pool-id", pool, "--managed-login-branding-id", id,
		"--return-merged-resources")); !cmp.Equal(byID, got) {
		t.Errorf("by ID %v; by client %v", byID, got)
	}

	// An update of assets alone names empty settings: without a source
	// it would be refused.
	var noSettings document.Interface = document.NewLazyDocument(map[string]any{})
	// These two operations take requests up to 2 MB, where others stop at
	// 1 MiB: a 900 kB image is 1.2 MB of base64.
	big := append([]byte("\x89PNG\r\n\x1a\n"), make([]byte, 900_000)...)
	_, err = e.c.UpdateManagedLoginBranding(e.ctx, &cip.UpdateManagedLoginBrandingInput{UserPoolId: aws.String(pool),
		ManagedLoginBrandingId: aws.String(id), Settings: noSettings, Assets: []types.AssetType{
			{Category: types.AssetCategoryTypePageBackground, ColorMode: types.ColorSchemeModeTypeLight, Extension: types.AssetExtensionTypePng, Bytes: big},
		}})
	if err != nil {
		t.Fatalf("UpdateManagedLoginBranding with a 900 kB image: %v", err)
	}
	desc := must[*cip.DescribeManagedLoginBrandingOutput](t, "DescribeManagedLoginBranding")(e.c.DescribeManagedLoginBranding(e.ctx,
		&cip.DescribeManagedLoginBrandingInput{UserPoolId: aws.String(pool), ManagedLoginBrandingId: aws.String(id)}))
	if as := desc.ManagedLoginBranding.Assets; len(as) != 3 || len(as[2].Bytes) != len(big) {
		t.Errorf("after the big image: %d assets", len(as))
	}

	// An image that is not of its extension.
	_, err = e.c.UpdateManagedLoginBranding(e.ctx, &cip.UpdateManagedLoginBrandingInput{UserPoolId: aws.String(pool),
		ManagedLoginBrandingId: aws.String(id), Settings: noSettings, Assets: []types.AssetType{
			{Category: types.AssetCategoryTypeFaviconIco, ColorMode: types.ColorSchemeModeTypeDynamic, Extension: types.AssetExtensionTypeIco, Bytes: png},
		}})
	wantErr[*types.InvalidParameterException](t, err, "The FAVICON_ICO asset for color mode DYNAMIC is not a ICO image.")

	// Deleting the client deletes its style.
	must[*cip.DeleteUserPoolClientOutput](t, "DeleteUserPoolClient")(e.c.DeleteUserPoolClient(e.ctx,
		&cip.DeleteUserPoolClientInput{UserPoolId: aws.String(pool), ClientId: aws.String(client)}))
	if msg := cli.fail("describe-managed-login-branding", "--user-pool-id", pool, "--managed-login-branding-id", id); !strings.Contains(msg,
		"ResourceNotFoundException") {
		t.Errorf("the style of a deleted client: %s", msg)
	}

	// Delete: the client has no style after, and may have a new one.
	other := *e.client(pool).ClientId
	second := branding(cli.run("create-managed-login-branding", "--user-pool-id", pool, "--client-id", other,
		"--use-cognito-provided-values"))["ManagedLoginBrandingId"].(string)
	cli.run("delete-managed-login-branding", "--user-pool-id", pool, "--managed-login-branding-id", second)
	_, err = e.c.DescribeManagedLoginBrandingByClient(e.ctx, &cip.DescribeManagedLoginBrandingByClientInput{
		UserPoolId: aws.String(pool), ClientId: aws.String(other)})
	wantErr[*types.ResourceNotFoundException](t, err, "App client "+other+" has no managed login branding style.")
	cli.run("create-managed-login-branding", "--user-pool-id", pool, "--client-id", other, "--use-cognito-provided-values")
}

func jsonString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }
