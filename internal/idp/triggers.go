package idp

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/ninshou/ninshou/internal/idp/tokens"
	"github.com/ninshou/ninshou/internal/store"
)

// Lambda triggers: the functions a pool's LambdaConfig names, run with
// Cognito's events at Cognito's moments. The domain builds each event and
// reads the function's answer; how a function is run (AWS Lambda, a local
// stand-in such as `sam local start-lambda`) is the Invoke seam's business.
// https://docs.aws.amazon.com/cognito/latest/developerguide/cognito-user-pools-working-with-lambda-triggers.html
//
// Triggers run outside store transactions: a trigger before a write (pre
// sign-up) decides what is written; one after it (post confirmation) runs
// once the write is durable, and its failure does not undo it, as in
// Cognito, where a user whose post confirmation function failed is still
// confirmed.

// InvokeFunc runs the Lambda function function (as LambdaConfig names it,
// usually an ARN) with the JSON event and returns its JSON answer. A
// *FunctionError is the function's own failure (it threw); any other error
// means it could not be run.
type InvokeFunc func(ctx context.Context, function string, event []byte) ([]byte, error)

// FunctionError is a function's own failure: its errorMessage.
type FunctionError struct{ Message string }

func (e *FunctionError) Error() string { return "lambda function error: " + e.Message }

// The triggers, by LambdaConfig member.
const (
	TriggerPreSignUp          = "PreSignUp"
	TriggerPostConfirmation   = "PostConfirmation"
	TriggerPreAuthentication  = "PreAuthentication"
	TriggerPostAuthentication = "PostAuthentication"
	TriggerPreTokenGeneration = "PreTokenGeneration"
)

// triggerEvent is the envelope every trigger's event shares.
type triggerEvent struct {
	Version       string        `json:"version"`
	TriggerSource string        `json:"triggerSource"`
	Region        string        `json:"region"`
	UserPoolID    string        `json:"userPoolId"`
	UserName      string        `json:"userName"`
	CallerContext callerContext `json:"callerContext"`
	Request       any           `json:"request"`
	Response      any           `json:"response"`
}

type callerContext struct {
	AWSSDKVersion string `json:"awsSdkVersion"`
	ClientID      string `json:"clientId"`
}

// preTokenVersion is the event version of the pre token generation trigger
// configured as PreTokenGenerationConfig: V1_0 unless V2_0 or V3_0.
func preTokenVersion(lambda map[string]string) string {
	switch v := lambda["PreTokenGenerationConfig.LambdaVersion"]; v {
	case "V2_0", "V3_0":
		return v
	}
	return "V1_0"
}

// triggerFunction is the function p runs for trigger and its event
// version; "" when it runs none. The pre token generation trigger may be
// configured as PreTokenGenerationConfig (with a version) or as the older
// PreTokenGeneration (version 1).
func triggerFunction(p *Pool, trigger string) (function, version string) {
	if trigger == TriggerPreTokenGeneration {
		if arn := p.Lambda["PreTokenGenerationConfig.LambdaArn"]; arn != "" {
			switch preTokenVersion(p.Lambda) {
			case "V2_0":
				return arn, "2"
			case "V3_0":
				return arn, "3"
			}
			return arn, "1"
		}
	}
	return p.Lambda[trigger], "1"
}

// Trigger invocations: "When called, your Lambda function must respond
// within 5 seconds. If it doesn't, Amazon Cognito retries the call. After 3
// unsuccessful attempts, the function times out."
// https://docs.aws.amazon.com/cognito/latest/developerguide/cognito-user-pools-working-with-lambda-triggers.html
const (
	triggerTimeout  = 5 * time.Second
	triggerAttempts = 3
)

// invokeWithRetry runs a function within the trigger timeout, again after
// a timeout or a failure to run it (never after the function's own error),
// at most triggerAttempts times.
func (s *Service) invokeWithRetry(ctx context.Context, function string, event []byte) ([]byte, error) {
	timeout := s.TriggerTimeout
	if timeout <= 0 {
		timeout = triggerTimeout
	}
	var err error
	for range triggerAttempts {
		attempt, cancel := context.WithTimeout(ctx, timeout)
		var answer []byte
		answer, err = s.Invoke(attempt, function, event)
		cancel()
		var fe *FunctionError
		if err == nil || errors.As(err, &fe) || ctx.Err() != nil {
			return answer, err
		}
	}
	return nil, err
}

// notRun remembers the triggers logged as not run, so that each is logged
// once a pool.
var notRun sync.Map

// logNotRun logs, once for p and trigger, that p's function for trigger is
// not run, and why.
func (s *Service) logNotRun(ctx context.Context, p *Pool, trigger, function, why string) {
	if _, seen := notRun.LoadOrStore(p.ID+"\n"+trigger, true); !seen {
		s.log().WarnContext(ctx, "Lambda trigger not run: "+why, "pool", p.ID, "trigger", trigger, "function", function)
	}
}

// The custom sender triggers are stored and shown, never run: Ninshou
// sends the messages they would send (codes KMS-encrypted for them)
// itself, and says so once a pool when it sends the first.
// https://docs.aws.amazon.com/cognito/latest/developerguide/user-pool-lambda-custom-sender-triggers.html
const (
	TriggerCustomEmailSender = "CustomEmailSender"
	TriggerCustomSMSSender   = "CustomSMSSender"
)

// customSenderNotRun logs that p's custom sender for a message about to go
// out, if it has one, is not run.
func (s *Service) customSenderNotRun(p *Pool, trigger string) {
	if function := p.Lambda[trigger+".LambdaArn"]; function != "" {
		s.logNotRun(context.Background(), p, trigger, function, "Ninshou sends the message itself")
	}
}

// runTrigger runs p's function for trigger, if any, with request and the
// default response, and decodes the function's answer into response. It
// reports whether a function ran. A function that threw is
// UserLambdaValidationException "<trigger> failed with error <message>.",
// as Cognito words it; an answer that is not the event is
// InvalidLambdaResponseException.
func (s *Service) runTrigger(ctx context.Context, p *Pool, trigger, source, username, clientID string, request, response any) (bool, error) {
	function, version := triggerFunction(p, trigger)
	if function == "" {
		return false, nil
	}
	if s.Invoke == nil {
		s.logNotRun(ctx, p, trigger, function, "no --lambda-endpoint")
		return false, nil
	}
	if req, ok := request.(map[string]any); ok {
		addClientMetadata(ctx, trigger, req)
	}
	event, err := json.Marshal(triggerEvent{Version: version, TriggerSource: source, Region: s.Region, UserPoolID: p.ID,
		UserName: username, CallerContext: callerContext{AWSSDKVersion: "aws-sdk-unknown-unknown", ClientID: clientID},
		Request: request, Response: response})
	if err != nil {
		return false, err
	}
	answer, err := s.invokeWithRetry(ctx, function, event)
	var fe *FunctionError
	switch {
	case errors.As(err, &fe):
		return true, Errorf(UserLambdaValidationException, "%s failed with error %s.", trigger, fe.Message)
	case err != nil:
		s.log().ErrorContext(ctx, "Lambda trigger could not be run", "pool", p.ID, "trigger", trigger, "function", function, "err", err)
		code := "ServiceException"
		var coded interface{ ErrorCode() string }
		switch {
		case errors.Is(err, context.DeadlineExceeded):
			// Three attempts of 5 s. Cognito's words, as a client quotes
			// them: "PostAuthentication invocation failed due to error
			// Socket timeout while invoking Lambda function."
			// (furaiev/amazon-cognito-identity-dart-2#204).
			code = "Socket timeout while invoking Lambda function"
		case errors.As(err, &coded) && coded.ErrorCode() != "":
			code = coded.ErrorCode()
		}
		return true, Errorf(UnexpectedLambdaException, "%s invocation failed due to error %s.", trigger, code)
	}
	// A function that returns nothing (an async Node handler that forgets
	// to return the event) answers null, which Cognito refuses in its own
	// words (aws-amplify/amplify-cli#4341, #2735, #7219), after the
	// function's side effects, as here.
	if a := bytes.TrimSpace(answer); len(a) == 0 || string(a) == "null" {
		return true, Errorf(InvalidLambdaResponseException, "Invalid lambda function output : Invalid JSON")
	}
	var out struct {
		Response json.RawMessage `json:"response"`
	}
	if err := json.Unmarshal(answer, &out); err != nil {
		return true, Errorf(InvalidLambdaResponseException, "Unrecognizable lambda output")
	}
	if len(out.Response) > 0 && string(out.Response) != "null" {
		if err := json.Unmarshal(out.Response, response); err != nil {
			return true, Errorf(InvalidLambdaResponseException, "Unrecognizable lambda output")
		}
	}
	return true, nil
}

// triggerAttributes are a user's attributes as triggers see them: every
// attribute, with sub and cognito:user_status (and cognito:email_alias or
// cognito:phone_number_alias where the address is an alias).
func triggerAttributes(p *Pool, sub, status string, attrs map[string]string) map[string]string {
	out := maps.Clone(attrs)
	if out == nil {
		out = map[string]string{}
	}
	out["sub"] = sub
	if status != "" {
		out["cognito:user_status"] = status
	}
	for _, a := range p.aliases(attrs) {
		if a.Kind == "email" || a.Kind == "phone_number" {
			out["cognito:"+a.Kind+"_alias"] = attrs[a.Kind]
		}
	}
	return out
}

// preSignUpResponse is what a pre sign-up function may answer.
type preSignUpResponse struct {
	AutoConfirmUser bool `json:"autoConfirmUser"`
	AutoVerifyEmail bool `json:"autoVerifyEmail"`
	AutoVerifyPhone bool `json:"autoVerifyPhone"`
}

// preSignUp runs the pre sign-up trigger for a new user (source
// PreSignUp_SignUp or PreSignUp_AdminCreateUser).
// https://docs.aws.amazon.com/cognito/latest/developerguide/user-pool-lambda-pre-sign-up.html
func (s *Service) preSignUp(ctx context.Context, p *Pool, source, username, clientID string, attrs map[string]string, validation []Attribute) (*preSignUpResponse, error) {
	resp := &preSignUpResponse{}
	req := map[string]any{"userAttributes": nonNilMap(attrs), "validationData": attributeMap(validation)}
	_, err := s.runTrigger(ctx, p, TriggerPreSignUp, source, username, clientID, req, resp)
	if err != nil {
		return nil, err
	}
	if (resp.AutoVerifyEmail || resp.AutoVerifyPhone) && !resp.AutoConfirmUser && source == "PreSignUp_SignUp" {
		// "autoVerifyPhone and autoVerifyEmail ... can be set only if
		// autoConfirmUser is true" (user-pool-lambda-pre-sign-up.html).
		// Cognito's words, as users quote them (aws/aws-sdk-java#1049);
		// the exception's type is not quoted.
		return nil, Errorf(InvalidLambdaResponseException, "Phone or email cannot be auto verified, when user is not being auto confirmed.")
	}
	if source == "PreSignUp_SignUp" {
		// "If autoVerifyEmail is set to true, the email attribute must have
		// a valid, non-null value. Otherwise an error will occur and the
		// user will not be able to complete sign-up" (likewise
		// autoVerifyPhone and phone_number). The error is not published:
		// the function's answer does not fit the user, so
		// InvalidLambdaResponseException, worded like the answer above.
		switch {
		case resp.AutoVerifyEmail && attrs["email"] == "":
			return nil, Errorf(InvalidLambdaResponseException, "Email cannot be auto verified, when user has no email.")
		case resp.AutoVerifyPhone && attrs["phone_number"] == "":
			return nil, Errorf(InvalidLambdaResponseException, "Phone cannot be auto verified, when user has no phone_number.")
		}
	}
	return resp, nil
}

// postConfirmation runs the post confirmation trigger once a user is
// confirmed (source PostConfirmation_ConfirmSignUp or
// PostConfirmation_ConfirmForgotPassword).
// https://docs.aws.amazon.com/cognito/latest/developerguide/user-pool-lambda-post-confirmation.html
func (s *Service) postConfirmation(ctx context.Context, p *Pool, source, clientID string, u *User) error {
	attrs := map[string]string{}
	for _, a := range u.Attributes {
		attrs[a.Name] = a.Value
	}
	req := map[string]any{"userAttributes": triggerAttributes(p, u.Sub, u.Status, attrs)}
	_, err := s.runTrigger(ctx, p, TriggerPostConfirmation, source, u.Username, clientID, req, &struct{}{})
	return err
}

func nonNilMap(m map[string]string) map[string]string {
	if m == nil {
		return map[string]string{}
	}
	return m
}

// attributeMap is a list of attributes as an event's map; nil for none
// (the event then says null, as Cognito's does).
func attributeMap(as []Attribute) map[string]string {
	if len(as) == 0 {
		return nil
	}
	m := map[string]string{}
	for _, a := range as {
		m[a.Name] = a.Value
	}
	return m
}

// groupConfiguration is the groups part of a pre token generation event
// and of its answer's groupOverrideDetails.
type groupConfiguration struct {
	GroupsToOverride   []string `json:"groupsToOverride"`
	IAMRolesToOverride []string `json:"iamRolesToOverride"`
	PreferredRole      *string  `json:"preferredRole"`
}

// groupOverride is an answer's groupOverrideDetails, which replaces the
// groups when present at all: "If you provide an empty or null object in
// the response, then the groups are suppressed"
// (user-pool-lambda-pre-token-generation.html). Absent, the groups stay.
type groupOverride struct {
	present bool
	groupConfiguration
}

func (g *groupOverride) UnmarshalJSON(b []byte) error {
	g.present = true
	if string(b) == "null" {
		g.groupConfiguration = groupConfiguration{}
		return nil
	}
	return json.Unmarshal(b, &g.groupConfiguration)
}

// tokenGeneration is one token's part of a version 2 answer (version 1's
// claimsOverrideDetails has the same claim fields, for the ID token).
type tokenGeneration struct {
	ClaimsToAddOrOverride map[string]any `json:"claimsToAddOrOverride"`
	ClaimsToSuppress      []string       `json:"claimsToSuppress"`
	ScopesToAdd           []string       `json:"scopesToAdd"`
	ScopesToSuppress      []string       `json:"scopesToSuppress"`
}

type preTokenResponse struct {
	// Version 1.
	ClaimsOverrideDetails *struct {
		tokenGeneration
		GroupOverrideDetails groupOverride `json:"groupOverrideDetails"`
	} `json:"claimsOverrideDetails"`
	// Versions 2 and 3.
	ClaimsAndScopeOverrideDetails *struct {
		IDTokenGeneration     *tokenGeneration `json:"idTokenGeneration"`
		AccessTokenGeneration *tokenGeneration `json:"accessTokenGeneration"`
		GroupOverrideDetails  groupOverride    `json:"groupOverrideDetails"`
	} `json:"claimsAndScopeOverrideDetails"`
}

// tokenClaims are what a sign-in's tokens will say, which the pre token
// generation trigger may change.
type tokenClaims struct {
	groups, roles []string
	preferredRole string
	idAttributes  map[string]string
	idExtra       map[string]any
	accessExtra   map[string]any
	scope         string // space separated; "" for the API's own scope
}

// preTokenGeneration runs the pre token generation trigger, if p has one,
// and applies its answer to tc: claims added, overridden or suppressed
// (the tokens' own claims stay as they are), groups and roles replaced,
// and, from version 2, the access token's claims and scopes.
// https://docs.aws.amazon.com/cognito/latest/developerguide/user-pool-lambda-pre-token-generation.html
func (s *Service) preTokenGeneration(ctx context.Context, p *Pool, c *Client, pt *pendingTokens, tc *tokenClaims) error {
	function, version := triggerFunction(p, TriggerPreTokenGeneration)
	if function == "" {
		return nil
	}
	source := "TokenGeneration_Authentication"
	switch {
	case pt.codeGrant:
		source = "TokenGeneration_HostedAuth"
	case pt.source != "":
		source = pt.source
	}
	var preferred *string
	if tc.preferredRole != "" {
		preferred = &tc.preferredRole
	}
	req := map[string]any{
		"userAttributes":     triggerAttributes(p, pt.user.Sub, pt.user.Status, pt.user.Attributes),
		"groupConfiguration": groupConfiguration{GroupsToOverride: nonNilSlice(tc.groups), IAMRolesToOverride: nonNilSlice(tc.roles), PreferredRole: preferred},
	}
	scopes := strings.Fields(tc.scope)
	if tc.scope == "" {
		scopes = []string{"aws.cognito.signin.user.admin"}
	}
	if version != "1" {
		req["scopes"] = scopes
	}
	var resp preTokenResponse
	ran, err := s.runTrigger(ctx, p, TriggerPreTokenGeneration, source, pt.user.Username, c.ID, req, &resp)
	if err != nil || !ran {
		return err
	}
	var id, access *tokenGeneration
	var groups groupOverride
	if d := resp.ClaimsOverrideDetails; d != nil {
		id, groups = &d.tokenGeneration, d.GroupOverrideDetails
	}
	if d := resp.ClaimsAndScopeOverrideDetails; d != nil && version != "1" {
		id, access, groups = d.IDTokenGeneration, d.AccessTokenGeneration, d.GroupOverrideDetails
	}
	if groups.present {
		tc.groups, tc.roles, tc.preferredRole = groups.GroupsToOverride, groups.IAMRolesToOverride, ""
		if groups.PreferredRole != nil {
			tc.preferredRole = *groups.PreferredRole
		}
	}
	if id != nil {
		tc.idAttributes = maps.Clone(tc.idAttributes)
		for name, v := range id.ClaimsToAddOrOverride {
			if unmodifiableClaim(name) {
				continue
			}
			if str, ok := v.(string); ok {
				tc.idAttributes[name] = str
				continue
			}
			delete(tc.idAttributes, name)
			if tc.idExtra == nil {
				tc.idExtra = map[string]any{}
			}
			tc.idExtra[name] = v
		}
		for _, name := range id.ClaimsToSuppress {
			if unmodifiableClaim(name) {
				continue
			}
			delete(tc.idAttributes, name)
			delete(tc.idExtra, name)
		}
	}
	if access != nil {
		tc.accessExtra, scopes = access.applyToAccess(scopes)
		tc.scope = strings.Join(scopes, " ")
	}
	return nil
}

// unmodifiableClaims are the claims no answer adds, overrides or
// suppresses: "You can not modify the following claims: acr, amr, aud,
// at_hash, auth_time, azp, cognito:username, exp, iat, identities, iss,
// jti, nbf, nonce, origin_jti, sub, token_use". The access token's other
// own claims (client_id, scope, username, ...) the token issuer keeps.
// https://docs.aws.amazon.com/cognito/latest/developerguide/user-pool-lambda-pre-token-generation.html
var unmodifiableClaims = map[string]bool{
	"acr": true, "amr": true, "aud": true, "at_hash": true, "auth_time": true, "azp": true, "cognito:username": true,
	"exp": true, "iat": true, "identities": true, "iss": true, "jti": true, "nbf": true, "nonce": true,
	"origin_jti": true, "sub": true, "token_use": true,
}

// unmodifiableClaim matches whatever the case, as the token issuer's own
// reserved names do (a JSON decoder may take "Sub" for sub).
func unmodifiableClaim(name string) bool { return unmodifiableClaims[strings.ToLower(name)] }

// applyToAccess is an answer's access token part applied: the claims it
// adds (less those it suppresses: suppression wins) and the scopes, less
// those suppressed, with those added.
func (g *tokenGeneration) applyToAccess(scopes []string) (map[string]any, []string) {
	extra := maps.Clone(g.ClaimsToAddOrOverride)
	maps.DeleteFunc(extra, func(name string, _ any) bool { return unmodifiableClaim(name) })
	for _, name := range g.ClaimsToSuppress {
		delete(extra, name)
	}
	for _, sc := range g.ScopesToSuppress {
		scopes = slices.DeleteFunc(scopes, func(x string) bool { return x == sc })
	}
	for _, sc := range g.ScopesToAdd {
		if !slices.Contains(scopes, sc) {
			scopes = append(scopes, sc)
		}
	}
	return extra, scopes
}

// clientTokenGeneration runs the pre token generation function for a
// client-credentials grant (TokenGeneration_ClientCredentials), which only
// a version 3 function receives, and returns the access token's added
// claims and its scopes. There is no user: the event's userAttributes and
// groups are empty, and its userName, which Cognito's documentation does
// not show for this event, is the client ID, the token's subject. The
// request carries the granted scopes and the token request's
// aws_client_metadata.
// https://docs.aws.amazon.com/cognito/latest/developerguide/user-pool-lambda-pre-token-generation.html
func (s *Service) clientTokenGeneration(ctx context.Context, p *Pool, c *Client, scopes []string) (map[string]any, []string, error) {
	if function, version := triggerFunction(p, TriggerPreTokenGeneration); function == "" || version != "3" {
		return nil, scopes, nil
	}
	req := map[string]any{
		"userAttributes":     map[string]string{},
		"groupConfiguration": groupConfiguration{GroupsToOverride: []string{}, IAMRolesToOverride: []string{}},
		"scopes":             scopes,
	}
	var resp preTokenResponse
	ran, err := s.runTrigger(ctx, p, TriggerPreTokenGeneration, "TokenGeneration_ClientCredentials", c.ID, c.ID, req, &resp)
	if err != nil || !ran || resp.ClaimsAndScopeOverrideDetails == nil || resp.ClaimsAndScopeOverrideDetails.AccessTokenGeneration == nil {
		return nil, scopes, err
	}
	extra, scopes := resp.ClaimsAndScopeOverrideDetails.AccessTokenGeneration.applyToAccess(slices.Clone(scopes))
	return extra, scopes, nil
}

func nonNilSlice(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// preAuthentication runs the pre authentication trigger for a user about
// to prove a password; a function that throws refuses the sign-in.
// https://docs.aws.amazon.com/cognito/latest/developerguide/user-pool-lambda-pre-authentication.html
func (s *Service) preAuthentication(ctx context.Context, p *Pool, c *Client, u *store.User) error {
	if len(p.Lambda) == 0 {
		return nil
	}
	req := map[string]any{"userAttributes": triggerAttributes(p, u.Sub, u.Status, u.Attributes),
		"validationData": nil, "userNotFound": false}
	_, err := s.runTrigger(ctx, p, TriggerPreAuthentication, "PreAuthentication_Authentication", u.Username, c.ID, req, &struct{}{})
	return err
}

// postAuthentication runs the post authentication trigger for a signed-in
// user, before its tokens; a function that throws refuses them.
// https://docs.aws.amazon.com/cognito/latest/developerguide/user-pool-lambda-post-authentication.html
func (s *Service) postAuthentication(ctx context.Context, p *Pool, c *Client, pt *pendingTokens) error {
	req := map[string]any{"userAttributes": triggerAttributes(p, pt.user.Sub, pt.user.Status, pt.user.Attributes),
		"newDeviceUsed": pt.newDevice != nil}
	_, err := s.runTrigger(ctx, p, TriggerPostAuthentication, "PostAuthentication_Authentication", pt.user.Username, c.ID, req, &struct{}{})
	return err
}

// TriggerCustomMessage customizes the messages that carry codes.
const TriggerCustomMessage = "CustomMessage"

// customMessage is a custom message function's answer: templates with
// {####} for the code (or temporary password) and {username}.
type customMessage struct {
	SMSMessage   *string `json:"smsMessage"`
	EmailMessage *string `json:"emailMessage"`
	EmailSubject *string `json:"emailSubject"`
	// withUsername: the message must keep {username} too (an invitation).
	withUsername bool
}

// customMessageFor runs the custom message trigger (source
// CustomMessage_SignUp, _ResendCode, _ForgotPassword, _AdminCreateUser)
// for a user before the transaction that sends its code; nil when the pool
// has no such function.
// https://docs.aws.amazon.com/cognito/latest/developerguide/user-pool-lambda-custom-message.html
func (s *Service) customMessageFor(ctx context.Context, p *Pool, source, clientID, username, sub, status string, attrs map[string]string) (*customMessage, error) {
	if f, _ := triggerFunction(p, TriggerCustomMessage); f == "" {
		return nil, nil
	}
	req := map[string]any{"userAttributes": triggerAttributes(p, sub, status, attrs), "codeParameter": "{####}",
		"usernameParameter": nil, "linkParameter": "{##Click Here##}", "clientMetadata": nil}
	if source == "CustomMessage_AdminCreateUser" {
		req["usernameParameter"] = "{username}"
	}
	cm := &customMessage{withUsername: source == "CustomMessage_AdminCreateUser"}
	ran, err := s.runTrigger(ctx, p, TriggerCustomMessage, source, username, clientID, req, cm)
	if err != nil || !ran {
		return nil, err
	}
	return cm, nil
}

// pick is the function's message when it keeps the code's placeholder (a
// message without the code would lose it), and for an invitation the
// username's too: "the request must include both request.usernameParameter
// and request.codeParameter" (user-pool-lambda-custom-message.html); "If
// this is not the case, the default message is used instead"
// (awsdocs/amazon-cognito-developer-guide#31). Else the template's.
func (cm *customMessage) pick(custom *string, template string) string {
	if cm == nil || custom == nil || !strings.Contains(*custom, "{####}") ||
		cm.withUsername && !strings.Contains(*custom, "{username}") {
		return template
	}
	return *custom
}

func (cm *customMessage) subject(template string) string {
	if cm == nil || cm.EmailSubject == nil || *cm.EmailSubject == "" {
		return template
	}
	return *cm.EmailSubject
}

// customMessageOf reads the user username names, outside any transaction,
// and runs the custom message trigger for it; nil without a function or a
// user.
func (s *Service) customMessageOf(ctx context.Context, p *Pool, source, clientID, username string) (*customMessage, error) {
	if f, _ := triggerFunction(p, TriggerCustomMessage); f == "" {
		return nil, nil
	}
	var u *store.User
	err := s.view(ctx, func(tx store.Tx) error {
		var err error
		u, err = findUser(tx, p, username)
		return err
	})
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return s.customMessageFor(ctx, p, source, clientID, u.Username, u.Sub, u.Status, u.Attributes)
}

func (cm *customMessage) smsMessage() *string {
	if cm == nil {
		return nil
	}
	return cm.SMSMessage
}

func (cm *customMessage) emailMessage() *string {
	if cm == nil {
		return nil
	}
	return cm.EmailMessage
}

// adminCreateTriggers runs AdminCreateUser's triggers before its
// transaction: pre sign-up (PreSignUp_AdminCreateUser, which may refuse the
// user) for a new user, and the invitation's custom message.
func (s *Service) adminCreateTriggers(ctx context.Context, p *Pool, in CreateUserInput, sub string) (*customMessage, error) {
	if in.MessageAction == "RESEND" {
		return s.customMessageOf(ctx, p, "CustomMessage_AdminCreateUser", adminClientID, in.Username)
	}
	attrs := map[string]string{}
	for _, a := range in.Attributes {
		attrs[a.Name] = a.Value
	}
	if _, err := s.preSignUp(ctx, p, "PreSignUp_AdminCreateUser", in.Username, adminClientID, attrs, in.ValidationData); err != nil {
		return nil, err
	}
	if in.MessageAction == "SUPPRESS" {
		return nil, nil
	}
	return s.customMessageFor(ctx, p, "CustomMessage_AdminCreateUser", adminClientID, in.Username, sub, StatusForceChangePassword, attrs)
}

// TriggerUserMigration brings a user over from another directory at its
// first sign-in or password reset.
const TriggerUserMigration = "UserMigration"

type migrationResponse struct {
	UserAttributes         map[string]string `json:"userAttributes"`
	FinalUserStatus        string            `json:"finalUserStatus"`
	MessageAction          string            `json:"messageAction"`
	DesiredDeliveryMediums []string          `json:"desiredDeliveryMediums"`
	ForceAliasCreation     bool              `json:"forceAliasCreation"`
}

// migrateUser runs the user migration trigger for a username the pool does
// not know (source UserMigration_Authentication with the password the user
// gave, or UserMigration_ForgotPassword without one) and creates the user
// it answers: CONFIRMED with that password, or RESET_REQUIRED. nil, nil
// when the pool has no such function. As the answer says: the welcome
// message, "usually sent by Amazon Cognito to new users" unless
// messageAction is SUPPRESS, by desiredDeliveryMediums (SMS when none);
// it is the pool's invitation (the "template for the welcome message to
// new users", InviteMessageTemplate) for a user without a temporary
// password. forceAliasCreation moves an email or phone alias another user
// holds to the new user; without it, that is AliasExistsException. A function that throws (the user is
// not in the other directory either) is UserNotFoundException, or
// "Incorrect username or password." when the client prevents user
// existence errors.
// https://docs.aws.amazon.com/cognito/latest/developerguide/user-pool-lambda-migrate-user.html
func (s *Service) migrateUser(ctx context.Context, p *Pool, c *Client, source, username, pw string) (*store.User, error) {
	if f, _ := triggerFunction(p, TriggerUserMigration); f == "" || s.Invoke == nil {
		return nil, nil
	}
	req := map[string]any{"validationData": nil, "clientMetadata": nil}
	if source == "UserMigration_Authentication" {
		req["password"] = pw
	}
	var resp migrationResponse
	_, err := s.runTrigger(ctx, p, TriggerUserMigration, source, username, c.ID, req, &resp)
	var e *Error
	if errors.As(err, &e) && e.Code == UserLambdaValidationException {
		if c.PreventUserExistenceErrors == "ENABLED" {
			return nil, errIncorrect
		}
		// The answer Cognito gives when the function refuses (as reported
		// by its users; the text is not in its reference).
		return nil, Errorf(UserNotFoundException, "Exception migrating user in app client %s", c.ID)
	}
	if err != nil {
		return nil, err
	}
	status := resp.FinalUserStatus
	switch {
	case status == "" && source == "UserMigration_Authentication":
		status = StatusConfirmed
	case status == "":
		status = StatusResetRequired
	case status != StatusConfirmed && status != StatusResetRequired:
		return nil, Errorf(InvalidLambdaResponseException, "Invalid lambda response.")
	}
	if status == StatusConfirmed && pw == "" {
		return nil, Errorf(InvalidLambdaResponseException, "Invalid lambda response.")
	}
	attrs := map[string]string{}
	for k, v := range resp.UserAttributes {
		if k != "sub" && k != "username" && v != "" {
			attrs[k] = v
		}
	}
	sub := uuid.New().String()
	name, err := poolUsername(p, username, sub, attrs)
	if err != nil {
		return nil, err
	}
	var rec *passwordRecord
	if status == StatusConfirmed {
		if rec, err = s.passwordRecord(p, name, pw); err != nil {
			return nil, err
		}
	}
	now := s.now()
	u := &store.User{PoolID: p.ID, Sub: sub, Username: name, UsernameKey: p.usernameKey(name), Status: status, Enabled: true,
		Attributes: attrs, Aliases: p.aliases(attrs), CreatedAt: now, UpdatedAt: now}
	err = s.update(ctx, func(tx store.Tx) error {
		if rec != nil {
			if err := s.setPassword(u, rec, now); err != nil {
				return err
			}
		}
		if resp.ForceAliasCreation {
			if err := takeAliases(tx, p, u, []string{"email", "phone_number"}); err != nil {
				return err
			}
		}
		if err := createUser(tx, p, u); err != nil {
			return err
		}
		if resp.MessageAction == "SUPPRESS" {
			return nil
		}
		return s.sendInvitation(tx, p, u, "", resp.DesiredDeliveryMediums, nil)
	})
	if err != nil {
		return nil, err
	}
	s.kick()
	return u, nil
}

// migrateForReset brings over, before ForgotPassword sends its code, a
// user the pool does not know yet (UserMigration_ForgotPassword).
func (s *Service) migrateForReset(ctx context.Context, p *Pool, c *Client, username string) error {
	err := s.view(ctx, func(tx store.Tx) error {
		_, err := findUser(tx, p, username)
		return err
	})
	if !errors.Is(err, store.ErrNotFound) {
		return err
	}
	_, err = s.migrateUser(ctx, p, c, "UserMigration_ForgotPassword", username, "")
	if IsCode(err, UserNotFoundException) || errors.Is(err, errIncorrect) {
		return nil // not in the other directory either: ForgotPassword answers as for any unknown user
	}
	return err
}

// authMessage runs the custom message trigger (CustomMessage_Authentication)
// for the MFA code the next sign-in step of the user sub will send, before
// the step's transaction: after the password (answering ""), after a new
// password (ChallengeNewPassword) or a factor chosen (SELECT_MFA_TYPE's
// answer); nil when no code is due or the pool has no such function.
func (s *Service) authMessage(ctx context.Context, p *Pool, c *Client, sub, answering string) (*customMessage, error) {
	if f, _ := triggerFunction(p, TriggerCustomMessage); f == "" {
		return nil, nil
	}
	var u *store.User
	if err := s.view(ctx, func(tx store.Tx) error {
		var err error
		u, err = tx.Users().Get(p.ID, sub)
		return err
	}); err != nil {
		return nil, err
	}
	challenge := answering
	switch {
	case answering == "" && u.Status == StatusForceChangePassword:
		return nil, nil // NEW_PASSWORD_REQUIRED comes first
	case answering == "" || answering == ChallengeNewPassword:
		challenge, _ = mfaFactors(p, u)
	}
	if challenge != ChallengeEmailOTP && challenge != ChallengeSMSMFA {
		return nil, nil // no code goes out: the function is not run
	}
	return s.customMessageFor(ctx, p, "CustomMessage_Authentication", c.ID, u.Username, u.Sub, u.Status, u.Attributes)
}

// tokenUserMessage runs the custom message trigger for a code an access
// token's user is about to be sent to verify an address (source
// CustomMessage_UpdateUserAttribute with the attributes being set, or
// CustomMessage_VerifyUserAttribute), before the transaction that sends
// it; nil when the pool has no such function (or the token does not hold:
// the operation itself then answers).
func (s *Service) tokenUserMessage(ctx context.Context, accessToken, source string, changes []Attribute) (*customMessage, error) {
	var p *Pool
	var u *store.User
	var clientID string
	err := s.view(ctx, func(tx store.Tx) error {
		var err error
		var claims *tokens.AccessClaims
		p, u, claims, err = s.authorize(tx, accessToken)
		if err == nil {
			clientID = claims.ClientID
		}
		return err
	})
	if err != nil || p == nil || len(p.Lambda) == 0 {
		return nil, nil
	}
	if source == "CustomMessage_UpdateUserAttribute" {
		return s.attributeUpdateMessage(ctx, p, clientID, u, changes, false)
	}
	return s.customMessageFor(ctx, p, source, clientID, u.Username, u.Sub, u.Status, u.Attributes)
}

// attributeUpdateMessage runs the custom message trigger
// (CustomMessage_UpdateUserAttribute) for the code an update of u's
// attributes (admin: AdminUpdateUserAttributes) is about to send, with the
// attributes as they will be; nil when no code goes out.
func (s *Service) attributeUpdateMessage(ctx context.Context, p *Pool, clientID string, u *store.User, changes []Attribute, admin bool) (*customMessage, error) {
	if !slices.ContainsFunc(changes, func(a Attribute) bool {
		return codeDue(p, u, a, admin && verifiedInRequest(changes, a.Name))
	}) {
		return nil, nil // no code goes out
	}
	attrs := maps.Clone(u.Attributes)
	for _, a := range changes {
		if attrs == nil {
			attrs = map[string]string{}
		}
		attrs[a.Name] = a.Value
	}
	return s.customMessageFor(ctx, p, "CustomMessage_UpdateUserAttribute", clientID, u.Username, u.Sub, u.Status, attrs)
}
