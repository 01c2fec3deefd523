package e2e

import (
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
