// Package lambdainvoke runs the pools' Lambda triggers through the Lambda
// Invoke API (RequestResponse): on AWS Lambda itself, or on a stand-in that
// serves the same API on loopback (`sam local start-lambda`, LocalStack).
package lambdainvoke

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/lambda"

	"github.com/ninshou/ninshou/internal/idp"
)

// New returns the invoker of endpoint: "aws" for AWS Lambda in region
// (credentials from the standard AWS chain), or the http(s) URL of a
// stand-in (which checks no signature: fixed credentials sign for it).
func New(ctx context.Context, endpoint, region string) (idp.InvokeFunc, error) {
	var cfg aws.Config
	if endpoint == "aws" {
		var err error
		if cfg, err = awsconfig.LoadDefaultConfig(ctx); err != nil {
			return nil, fmt.Errorf("lambda: %w", err)
		}
		if cfg.Region == "" {
			cfg.Region = region
		}
	} else {
		cfg = aws.Config{Region: region, BaseEndpoint: aws.String(endpoint),
			Credentials: credentials.NewStaticCredentialsProvider("ninshou", "ninshou", "")}
	}
	client := lambda.NewFromConfig(cfg, func(o *lambda.Options) { o.RetryMaxAttempts = 1 })
	return func(ctx context.Context, function string, event []byte) ([]byte, error) {
		out, err := client.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String(function), Payload: event})
		if err != nil {
			return nil, err
		}
		if out.FunctionError != nil {
			// The payload is the function's error: {"errorMessage": ..., "errorType": ...}.
			var fe struct {
				ErrorMessage string `json:"errorMessage"`
			}
			json.Unmarshal(out.Payload, &fe)
			return nil, &idp.FunctionError{Message: fe.ErrorMessage}
		}
		return out.Payload, nil
	}, nil
}
