package e2e

import (
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
)

// TestSDKConcurrentPoolWrites: writers of one pool's settings, and of one
// app client, at once. Each must succeed; on PostgreSQL, reading the row
// shared and then writing it once deadlocked them against each other until
// every one failed with InternalErrorException after 30 s (found by an
// audit with six concurrent UpdateUserPool calls).
func TestSDKConcurrentPoolWrites(t *testing.T) {
	e := newSDKEnv(t)
	pool := e.pool()
	client := *e.client(pool).ClientId
	desc, err := e.c.DescribeUserPool(e.ctx, &cip.DescribeUserPoolInput{UserPoolId: aws.String(pool)})
	if err != nil {
		t.Fatal(err)
	}
	arn := desc.UserPool.Arn
	const n = 8
	var wg sync.WaitGroup
	errs := make(chan error, 5*n)
	for i := range n {
		wg.Go(func() {
			_, err := e.c.UpdateUserPool(e.ctx, &cip.UpdateUserPoolInput{UserPoolId: aws.String(pool),
				UserPoolTags: map[string]string{"writer": fmt.Sprint(i)}})
			errs <- err
		})
		wg.Go(func() {
			_, err := e.c.SetUserPoolMfaConfig(e.ctx, &cip.SetUserPoolMfaConfigInput{UserPoolId: aws.String(pool),
				MfaConfiguration: types.UserPoolMfaTypeOff})
			errs <- err
		})
		wg.Go(func() {
			_, err := e.c.AddCustomAttributes(e.ctx, &cip.AddCustomAttributesInput{UserPoolId: aws.String(pool),
				CustomAttributes: []types.SchemaAttributeType{{Name: aws.String(fmt.Sprintf("a%d", i)), AttributeDataType: types.AttributeDataTypeString}}})
			errs <- err
		})
		wg.Go(func() {
			_, err := e.c.TagResource(e.ctx, &cip.TagResourceInput{ResourceArn: arn,
				Tags: map[string]string{fmt.Sprintf("t%d", i): "x"}})
			errs <- err
		})
		wg.Go(func() {
			_, err := e.c.UpdateUserPoolClient(e.ctx, &cip.UpdateUserPoolClientInput{UserPoolId: aws.String(pool), ClientId: aws.String(client),
				ClientName: aws.String(fmt.Sprintf("app%d", i))})
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	got, err := e.c.DescribeUserPool(e.ctx, &cip.DescribeUserPoolInput{UserPoolId: aws.String(pool)})
	if err != nil {
		t.Fatal(err)
	}
	custom := 0
	for _, a := range got.UserPool.SchemaAttributes {
		if strings.HasPrefix(aws.ToString(a.Name), "custom:") {
			custom++
		}
	}
	if custom != n {
		t.Errorf("%d custom attributes after %d concurrent adds", custom, n)
	}
}
