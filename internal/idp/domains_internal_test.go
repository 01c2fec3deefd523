package idp

import "testing"

// TestAssetsBucket: the regions whose bucket AWS has shown, and none else.
func TestAssetsBucket(t *testing.T) {
	for pool, want := range map[string]string{
		"us-east-1_AbC": "aws-cognito-prod-iad-assets", // DescribeUserPoolDomain responses
		"us-west-2_AbC": "aws-cognito-prod-pdx-assets", // the CLI's describe-user-pool-domain example
		"eu-west-1_AbC": "",
	} {
		if got := (&Domain{PoolID: pool, Name: "x"}).AssetsBucket(); got != want {
			t.Errorf("AssetsBucket of %s = %q; want %q", pool, got, want)
		}
	}
}
