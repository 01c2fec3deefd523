package idp

import "context"

// ClientMetadata: an API request's custom key-value pairs for the Lambda
// triggers it runs. Cognito neither stores nor checks them; each trigger
// the request runs receives them as its event's clientMetadata, except that
// InitiateAuth and AdminInitiateAuth pass them to pre sign-up, pre
// authentication and user migration only (the last two as validationData)
// and to no other trigger of the sign-in (the API reference of InitiateAuth,
// ClientMetadata; user-pool-lambda-pre-authentication.html and
// user-pool-lambda-migrate-user.html, validationData). Pre authentication,
// whose event has no clientMetadata, reads any request's as validationData.

type clientMetadataKey struct{}

type requestMetadata struct {
	values   map[string]string
	initiate bool // InitiateAuth, AdminInitiateAuth
}

// WithClientMetadata carries a request's ClientMetadata to the triggers it
// runs.
func WithClientMetadata(ctx context.Context, md map[string]string) context.Context {
	if len(md) == 0 {
		return ctx
	}
	return context.WithValue(ctx, clientMetadataKey{}, requestMetadata{values: md})
}

// WithInitiateMetadata carries InitiateAuth's or AdminInitiateAuth's
// ClientMetadata, which only some triggers receive.
func WithInitiateMetadata(ctx context.Context, md map[string]string) context.Context {
	if len(md) == 0 {
		return ctx
	}
	return context.WithValue(ctx, clientMetadataKey{}, requestMetadata{values: md, initiate: true})
}

// metadataTriggers are the triggers whose request has a clientMetadata
// member (pre authentication's has none: it reads validationData).
var metadataTriggers = map[string]bool{
	TriggerPreSignUp: true, TriggerPostConfirmation: true, TriggerPostAuthentication: true,
	TriggerPreTokenGeneration: true, TriggerCustomMessage: true, TriggerUserMigration: true,
	TriggerDefineAuthChallenge: true, TriggerCreateAuthChallenge: true, TriggerVerifyAuthChallenge: true,
}

// addClientMetadata puts the request's ClientMetadata, if any, where
// trigger's event expects it.
func addClientMetadata(ctx context.Context, trigger string, request map[string]any) {
	md, ok := ctx.Value(clientMetadataKey{}).(requestMetadata)
	if !ok {
		return
	}
	switch {
	case trigger == TriggerPreAuthentication:
		// Its event reads the request's metadata as validationData, also
		// when a password is proven later (USER_AUTH's SELECT_CHALLENGE).
		request["validationData"] = md.values
	case md.initiate && trigger == TriggerUserMigration:
		request["validationData"] = md.values
	case !md.initiate && metadataTriggers[trigger], md.initiate && trigger == TriggerPreSignUp:
		request["clientMetadata"] = md.values
	}
}
