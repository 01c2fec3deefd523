// Package awsjson serves an AWS JSON 1.1 protocol API over HTTP, for any
// service: it knows target prefixes, operations and error codes only as
// strings handed to it in a Config.
//
// It owns the wire framing of every request and response:
//
//   - routing by the X-Amz-Target header ("<prefix>.<Operation>");
//   - reading the body within a bound and decoding it into the operation's
//     input (unknown members ignored, null members absent, an empty body
//     read as {});
//   - calling the input's Validate method, if it has one;
//   - writing the output with Content-Type application/x-amz-json-1.1, or an
//     error as {"__type": code, "message": text} with the x-amzn-ErrorType
//     and x-amzn-ErrorMessage headers;
//   - the x-amzn-RequestId header, CORS headers and preflight answers;
//   - turning unexpected errors and panics into InternalErrorException
//     (the cause is logged, never sent);
//   - one structured log line per request.
//
// An operation's code sees a typed input and returns a typed output:
//
//	h := awsjson.NewHandler(awsjson.Config{
//		TargetPrefix: "AWSCognitoIdentityProviderService",
//		Endpoints: map[string]awsjson.Endpoint{
//			"InitiateAuth": awsjson.Op(svc.InitiateAuth), // func(ctx, *In) (*Out, error)
//		},
//		Known:  cognitoapi.OperationNames,
//		Status: cognitoapi.HTTPStatus,
//	})
//
// Errors that implement ErrorCode() string and ErrorMessage() string are
// sent with that code and message; anything else becomes a 500
// InternalErrorException.
package awsjson
