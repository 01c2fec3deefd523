package e2e

import (
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
)

// TestSDKManagedLoginNotInLite: "Managed login requires that your user pool
// be configured for any feature plan other than Lite"
// (API_CreateUserPoolDomain.html, ManagedLoginVersion). A Lite pool's
// domain is refused version 2, created or updated; the classic hosted UI
// (version 1) stays; and a pool whose domain serves managed login does not
// move down to Lite.
func TestSDKManagedLoginNotInLite(t *testing.T) {
	e := newSDKEnv(t)
	lite := e.pool(func(in *cip.CreateUserPoolInput) { in.UserPoolTier = types.UserPoolTierTypeLite })
	const inLite = "Managed login is not available in the LITE feature plan."

	_, err := e.c.CreateUserPoolDomain(e.ctx, &cip.CreateUserPoolDomainInput{UserPoolId: &lite, Domain: aws.String("lite-login"),
		ManagedLoginVersion: aws.Int32(2)})
	wantErr[*types.FeatureUnavailableInTierException](t, err, inLite)
	must[*cip.CreateUserPoolDomainOutput](t, "CreateUserPoolDomain version 1")(e.c.CreateUserPoolDomain(e.ctx,
		&cip.CreateUserPoolDomainInput{UserPoolId: &lite, Domain: aws.String("lite-login"), ManagedLoginVersion: aws.Int32(1)}))
	_, err = e.c.UpdateUserPoolDomain(e.ctx, &cip.UpdateUserPoolDomainInput{UserPoolId: &lite, Domain: aws.String("lite-login"),
		ManagedLoginVersion: aws.Int32(2)})
	wantErr[*types.FeatureUnavailableInTierException](t, err, inLite)
	d := must[*cip.DescribeUserPoolDomainOutput](t, "DescribeUserPoolDomain")(e.c.DescribeUserPoolDomain(e.ctx,
		&cip.DescribeUserPoolDomainInput{Domain: aws.String("lite-login")})).DomainDescription
	if aws.ToInt32(d.ManagedLoginVersion) != 1 {
		t.Errorf("the Lite pool's domain after the refused update: version %d; want 1", aws.ToInt32(d.ManagedLoginVersion))
	}

	// Essentials has managed login, and keeps the pool from Lite while on.
	essentials := e.pool(func(in *cip.CreateUserPoolInput) { in.UserPoolTier = types.UserPoolTierTypeEssentials })
	must[*cip.CreateUserPoolDomainOutput](t, "CreateUserPoolDomain version 2")(e.c.CreateUserPoolDomain(e.ctx,
		&cip.CreateUserPoolDomainInput{UserPoolId: &essentials, Domain: aws.String("essentials-login"), ManagedLoginVersion: aws.Int32(2)}))
	_, err = e.c.UpdateUserPool(e.ctx, &cip.UpdateUserPoolInput{UserPoolId: &essentials, UserPoolTier: types.UserPoolTierTypeLite})
	wantErr[*types.FeatureUnavailableInTierException](t, err, inLite)
	must[*cip.UpdateUserPoolDomainOutput](t, "UpdateUserPoolDomain back to version 1")(e.c.UpdateUserPoolDomain(e.ctx,
		&cip.UpdateUserPoolDomainInput{UserPoolId: &essentials, Domain: aws.String("essentials-login"), ManagedLoginVersion: aws.Int32(1)}))
	must[*cip.UpdateUserPoolOutput](t, "UpdateUserPool to Lite")(e.c.UpdateUserPool(e.ctx,
		&cip.UpdateUserPoolInput{UserPoolId: &essentials, UserPoolTier: types.UserPoolTierTypeLite}))
}

// TestSDKCustomDomainCertificateInUSEast1: a custom domain's certificate
// must be an ACM certificate of US East (N. Virginia), on create and on
// update (API_CreateUserPoolDomain.html, API_UpdateUserPoolDomain.html);
// Cognito passes on CloudFront's refusal (aws-amplify/amplify-hosting#2278).
func TestSDKCustomDomainCertificateInUSEast1(t *testing.T) {
	e := newSDKEnv(t)
	pool := e.pool()
	const refusal = "The specified SSL certificate doesn't exist, isn't in us-east-1 region, isn't valid, or doesn't include a valid certificate chain."
	custom := func(arn string) *types.CustomDomainConfigType {
		return &types.CustomDomainConfigType{CertificateArn: aws.String(arn)}
	}
	for _, arn := range []string{
		"arn:aws:acm:eu-west-1:111111111111:certificate/abc",
		"arn:aws-cn:acm:cn-north-1:111111111111:certificate/abc",
		"arn:aws:iam:us-east-1:111111111111:server-certificate/abc",
	} {
		_, err := e.c.CreateUserPoolDomain(e.ctx, &cip.CreateUserPoolDomainInput{UserPoolId: &pool, Domain: aws.String("auth.example.com"),
			CustomDomainConfig: custom(arn)})
		wantErrPrefix[*types.InvalidParameterException](t, err, refusal)
	}
	must[*cip.CreateUserPoolDomainOutput](t, "CreateUserPoolDomain in us-east-1")(e.c.CreateUserPoolDomain(e.ctx,
		&cip.CreateUserPoolDomainInput{UserPoolId: &pool, Domain: aws.String("auth.example.com"),
			CustomDomainConfig: custom("arn:aws:acm:us-east-1:111111111111:certificate/abc")}))
	_, err := e.c.UpdateUserPoolDomain(e.ctx, &cip.UpdateUserPoolDomainInput{UserPoolId: &pool, Domain: aws.String("auth.example.com"),
		CustomDomainConfig: custom("arn:aws:acm:us-west-2:111111111111:certificate/new")})
	wantErrPrefix[*types.InvalidParameterException](t, err, refusal)
	d := must[*cip.DescribeUserPoolDomainOutput](t, "DescribeUserPoolDomain")(e.c.DescribeUserPoolDomain(e.ctx,
		&cip.DescribeUserPoolDomainInput{Domain: aws.String("auth.example.com")})).DomainDescription
	if got := aws.ToString(d.CustomDomainConfig.CertificateArn); got != "arn:aws:acm:us-east-1:111111111111:certificate/abc" {
		t.Errorf("the certificate after the refused update: %s", got)
	}
}

// wantErrPrefix is wantErr for a message that ends in something that
// varies (here the request ID of the service Cognito asked).
func wantErrPrefix[E apiError](t *testing.T, err error, prefix string) {
	t.Helper()
	var e E
	if !errors.As(err, &e) {
		t.Fatalf("error = %v; want %T %q...", err, e, prefix)
	}
	if got := e.ErrorMessage(); !strings.HasPrefix(got, prefix) {
		t.Errorf("%s message = %q; want it to begin %q", e.ErrorCode(), got, prefix)
	}
}
