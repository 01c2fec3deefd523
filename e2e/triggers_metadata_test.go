package e2e

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
)

// TestTriggerClientMetadata: a request's ClientMetadata reaches the
// triggers it runs as their event's clientMetadata, except that
// InitiateAuth's reaches pre authentication as validationData and none of
// the sign-in's later triggers (the API reference of InitiateAuth,
// ClientMetadata; user-pool-lambda-pre-authentication.html).
func TestTriggerClientMetadata(t *testing.T) {
	lambda := newLambdaStandIn(t)
	s := startServerWith(t, "--lambda-endpoint", lambda.URL)
	e := &sdkEnv{server: s, t: t, ctx: t.Context(), c: s.sdk()}
	for _, fn := range []string{"presignup", "postconfirm", "preauth", "postauth", "pretoken", "message", "create", "verify"} {
		lambda.handle(fn, func(ev map[string]any) (any, error) { return ev, nil })
	}
	lambda.handle("create", func(ev map[string]any) (any, error) {
		return respond(ev, map[string]any{"publicChallengeParameters": map[string]string{"q": "1+1"},
			"privateChallengeParameters": map[string]string{"a": "2"}}), nil
	})
	lambda.handle("verify", func(ev map[string]any) (any, error) {
		req := ev["request"].(map[string]any)
		return respond(ev, map[string]any{"answerCorrect": req["challengeAnswer"] == "2"}), nil
	})
	lambda.handle("define", func(ev map[string]any) (any, error) {
		if session, _ := ev["request"].(map[string]any)["session"].([]any); len(session) > 0 {
			return respond(ev, map[string]any{"issueTokens": true, "failAuthentication": false}), nil
		}
		return respond(ev, map[string]any{"challengeName": "CUSTOM_CHALLENGE", "issueTokens": false, "failAuthentication": false}), nil
	})
	pool := e.pool(func(in *cip.CreateUserPoolInput) {
		in.AutoVerifiedAttributes = []types.VerifiedAttributeType{types.VerifiedAttributeTypeEmail}
		in.LambdaConfig = &types.LambdaConfigType{PreSignUp: aws.String(fnARN + "presignup"),
			PostConfirmation: aws.String(fnARN + "postconfirm"), PreAuthentication: aws.String(fnARN + "preauth"),
			PostAuthentication: aws.String(fnARN + "postauth"), CustomMessage: aws.String(fnARN + "message"),
			DefineAuthChallenge: aws.String(fnARN + "define"), CreateAuthChallenge: aws.String(fnARN + "create"),
			VerifyAuthChallengeResponse: aws.String(fnARN + "verify"),
			PreTokenGenerationConfig: &types.PreTokenGenerationVersionConfigType{LambdaArn: aws.String(fnARN + "pretoken"),
				LambdaVersion: types.PreTokenGenerationLambdaVersionTypeV20}}
	})
	clientID := *e.client(pool, func(in *cip.CreateUserPoolClientInput) {
		in.ExplicitAuthFlows = append(in.ExplicitAuthFlows, types.ExplicitAuthFlowsTypeAllowCustomAuth, types.ExplicitAuthFlowsTypeAllowUserAuth)
	}).ClientId
	md := func(step string) map[string]string { return map[string]string{"step": step} }
	// last is the newest event of fn; member its request's member.
	last := func(fn string) map[string]any {
		t.Helper()
		evs := lambda.events(fn)
		if len(evs) == 0 {
			t.Fatalf("%s never ran", fn)
		}
		return evs[len(evs)-1]
	}
	member := func(ev map[string]any, name string) any { return ev["request"].(map[string]any)[name] }
	wantMeta := func(fn, source, name, step string) {
		t.Helper()
		ev := last(fn)
		got := member(ev, name)
		var want any
		if step != "" {
			want = map[string]any{"step": step}
		}
		if ev["triggerSource"] != source || !reflect.DeepEqual(got, want) {
			t.Errorf("%s (%v): %s = %v; want %v", fn, ev["triggerSource"], name, got, want)
		}
	}

	must[*cip.SignUpOutput](t, "SignUp")(e.c.SignUp(e.ctx, &cip.SignUpInput{ClientId: &clientID, Username: aws.String("ana"),
		Password: aws.String("Perm#Pass1"), ClientMetadata: md("signup"),
		UserAttributes: []types.AttributeType{{Name: aws.String("email"), Value: aws.String("ana@example.com")}}}))
	wantMeta("presignup", "PreSignUp_SignUp", "clientMetadata", "signup")
	wantMeta("message", "CustomMessage_SignUp", "clientMetadata", "signup")
	must[*cip.ConfirmSignUpOutput](t, "ConfirmSignUp")(e.c.ConfirmSignUp(e.ctx, &cip.ConfirmSignUpInput{ClientId: &clientID,
		Username: aws.String("ana"), ConfirmationCode: aws.String(e.code("ana@example.com", 1)), ClientMetadata: md("confirm")}))
	wantMeta("postconfirm", "PostConfirmation_ConfirmSignUp", "clientMetadata", "confirm")

	// InitiateAuth: pre authentication reads it as validationData; post
	// authentication and pre token generation do not get it.
	out := must[*cip.InitiateAuthOutput](t, "InitiateAuth")(e.c.InitiateAuth(e.ctx, &cip.InitiateAuthInput{ClientId: &clientID,
		AuthFlow: types.AuthFlowTypeUserPasswordAuth, ClientMetadata: md("initiate"),
		AuthParameters: map[string]string{"USERNAME": "ana", "PASSWORD": "Perm#Pass1"}}))
	wantMeta("preauth", "PreAuthentication_Authentication", "validationData", "initiate")
	wantMeta("postauth", "PostAuthentication_Authentication", "clientMetadata", "")
	wantMeta("pretoken", "TokenGeneration_Authentication", "clientMetadata", "")

	must[*cip.GetTokensFromRefreshTokenOutput](t, "GetTokensFromRefreshToken")(e.c.GetTokensFromRefreshToken(e.ctx,
		&cip.GetTokensFromRefreshTokenInput{ClientId: &clientID, RefreshToken: out.AuthenticationResult.RefreshToken, ClientMetadata: md("refresh")}))
	wantMeta("pretoken", "TokenGeneration_RefreshTokens", "clientMetadata", "refresh")

	// CUSTOM_AUTH: InitiateAuth's metadata reaches neither define nor
	// create; RespondToAuthChallenge's reaches every trigger it runs.
	start := must[*cip.InitiateAuthOutput](t, "InitiateAuth CUSTOM_AUTH")(e.c.InitiateAuth(e.ctx, &cip.InitiateAuthInput{ClientId: &clientID,
		AuthFlow: types.AuthFlowTypeCustomAuth, ClientMetadata: md("initiate"), AuthParameters: map[string]string{"USERNAME": "ana"}}))
	wantMeta("define", "DefineAuthChallenge_Authentication", "clientMetadata", "")
	wantMeta("create", "CreateAuthChallenge_Authentication", "clientMetadata", "")
	must[*cip.RespondToAuthChallengeOutput](t, "RespondToAuthChallenge")(e.c.RespondToAuthChallenge(e.ctx, &cip.RespondToAuthChallengeInput{
		ClientId: &clientID, ChallengeName: types.ChallengeNameTypeCustomChallenge, Session: start.Session, ClientMetadata: md("respond"),
		ChallengeResponses: map[string]string{"USERNAME": "ana", "ANSWER": "2"}}))
	wantMeta("verify", "VerifyAuthChallengeResponse_Authentication", "clientMetadata", "respond")
	wantMeta("define", "DefineAuthChallenge_Authentication", "clientMetadata", "respond")
	wantMeta("postauth", "PostAuthentication_Authentication", "clientMetadata", "respond")
	wantMeta("pretoken", "TokenGeneration_Authentication", "clientMetadata", "respond")

	// USER_AUTH: the password, proven in RespondToAuthChallenge, runs pre
	// authentication with that request's metadata as validationData.
	choice := must[*cip.InitiateAuthOutput](t, "InitiateAuth USER_AUTH")(e.c.InitiateAuth(e.ctx, &cip.InitiateAuthInput{ClientId: &clientID,
		AuthFlow: types.AuthFlowTypeUserAuth, ClientMetadata: md("initiate"), AuthParameters: map[string]string{"USERNAME": "ana"}}))
	if choice.ChallengeName != types.ChallengeNameTypeSelectChallenge {
		t.Fatalf("USER_AUTH: %q", choice.ChallengeName)
	}
	must[*cip.RespondToAuthChallengeOutput](t, "SELECT_CHALLENGE")(e.c.RespondToAuthChallenge(e.ctx, &cip.RespondToAuthChallengeInput{
		ClientId: &clientID, ChallengeName: types.ChallengeNameTypeSelectChallenge, Session: choice.Session, ClientMetadata: md("select"),
		ChallengeResponses: map[string]string{"USERNAME": "ana", "ANSWER": "PASSWORD", "PASSWORD": "Perm#Pass1"}}))
	wantMeta("preauth", "PreAuthentication_Authentication", "validationData", "select")
	wantMeta("pretoken", "TokenGeneration_Authentication", "clientMetadata", "select")

	// Without ClientMetadata, none.
	must[*cip.ForgotPasswordOutput](t, "ForgotPassword")(e.c.ForgotPassword(e.ctx, &cip.ForgotPasswordInput{ClientId: &clientID, Username: aws.String("ana")}))
	wantMeta("message", "CustomMessage_ForgotPassword", "clientMetadata", "")

	// AdminUpdateUserAttributes: a new address's code goes through the
	// custom message function with the request's metadata.
	must[*cip.AdminUpdateUserAttributesOutput](t, "AdminUpdateUserAttributes")(e.c.AdminUpdateUserAttributes(e.ctx, &cip.AdminUpdateUserAttributesInput{
		UserPoolId: &pool, Username: aws.String("ana"), ClientMetadata: md("admin-update"),
		UserAttributes: []types.AttributeType{{Name: aws.String("email"), Value: aws.String("ana2@example.com")}}}))
	wantMeta("message", "CustomMessage_UpdateUserAttribute", "clientMetadata", "admin-update")
}

// TestClientCredentialsPreTokenGeneration: a version 3 pre token generation
// function runs for client-credentials grants (TokenGeneration_ClientCredentials)
// with the granted scopes and the token request's aws_client_metadata, and
// its answer shapes the access token's claims and scopes; a version 2
// function does not run for them.
// https://docs.aws.amazon.com/cognito/latest/developerguide/user-pool-lambda-pre-token-generation.html
func TestClientCredentialsPreTokenGeneration(t *testing.T) {
	lambda := newLambdaStandIn(t)
	s := startServerWith(t, "--lambda-endpoint", lambda.URL)
	e := &sdkEnv{server: s, t: t, ctx: t.Context(), c: s.sdk()}
	lambda.handle("m2m", func(ev map[string]any) (any, error) {
		tenant, _ := ev["request"].(map[string]any)["clientMetadata"].(map[string]any)["tenant"].(string)
		return respond(ev, map[string]any{"claimsAndScopeOverrideDetails": map[string]any{
			"accessTokenGeneration": map[string]any{
				// The token's own claims stay, also when named in another case
				// (a JSON decoder would match "Sub" to sub).
				"claimsToAddOrOverride": map[string]any{"tenant": tenant, "client_id": "forged", "tier": "gold",
					"Sub": "someone-else", "USERNAME": "alice", "Scope": "aws.cognito.signin.user.admin"},
				"claimsToSuppress": []string{"tier"},
				"scopesToSuppress": []string{"api/write"}}}}), nil
	})
	machine := func(version types.PreTokenGenerationLambdaVersionType) (id, secret string) {
		pool := e.pool(func(in *cip.CreateUserPoolInput) {
			in.LambdaConfig = &types.LambdaConfigType{PreTokenGenerationConfig: &types.PreTokenGenerationVersionConfigType{
				LambdaArn: aws.String(fnARN + "m2m"), LambdaVersion: version}}
		})
		must[*cip.CreateResourceServerOutput](t, "CreateResourceServer")(e.c.CreateResourceServer(e.ctx, &cip.CreateResourceServerInput{
			UserPoolId: &pool, Identifier: aws.String("api"), Name: aws.String("API"),
			Scopes: []types.ResourceServerScopeType{{ScopeName: aws.String("read"), ScopeDescription: aws.String("r")},
				{ScopeName: aws.String("write"), ScopeDescription: aws.String("w")}}}))
		c := e.client(pool, func(in *cip.CreateUserPoolClientInput) {
			in.ExplicitAuthFlows, in.GenerateSecret, in.AllowedOAuthFlowsUserPoolClient = nil, true, true
			in.AllowedOAuthFlows = []types.OAuthFlowType{types.OAuthFlowTypeClientCredentials}
			in.AllowedOAuthScopes = []string{"api/read", "api/write"}
		})
		return *c.ClientId, *c.ClientSecret
	}
	token := func(id, secret string, form url.Values) (int, map[string]any) {
		t.Helper()
		form.Set("grant_type", "client_credentials")
		req, _ := http.NewRequest(http.MethodPost, s.URL+"/oauth2/token", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(id+":"+secret)))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		var body map[string]any
		if err := json.Unmarshal(b, &body); err != nil {
			t.Fatalf("not JSON: %s", b)
		}
		return resp.StatusCode, body
	}

	id, secret := machine(types.PreTokenGenerationLambdaVersionTypeV30)
	status, body := token(id, secret, url.Values{"scope": {"api/read api/write"}, "aws_client_metadata": {`{"tenant":"acme"}`}})
	if status != 200 {
		t.Fatalf("client credentials with a v3 function: %d %v", status, body)
	}
	claims := jwtClaims(t, body["access_token"].(string))
	if claims["tenant"] != "acme" || claims["client_id"] != id || claims["tier"] != nil || claims["scope"] != "api/read" || claims["sub"] != id ||
		claims["Sub"] != nil || claims["USERNAME"] != nil || claims["Scope"] != nil {
		t.Errorf("the access token after the v3 function: %v", claims)
	}
	evs := lambda.events("m2m")
	if len(evs) != 1 {
		t.Fatalf("the function ran %d times", len(evs))
	}
	ev := evs[0]
	req := ev["request"].(map[string]any)
	if ev["version"] != "3" || ev["triggerSource"] != "TokenGeneration_ClientCredentials" || ev["userName"] != id ||
		ev["callerContext"].(map[string]any)["clientId"] != id ||
		!reflect.DeepEqual(req["scopes"], []any{"api/read", "api/write"}) || !reflect.DeepEqual(req["clientMetadata"], map[string]any{"tenant": "acme"}) {
		t.Errorf("the client-credentials event: %v", ev)
	}

	// aws_client_metadata that is not a JSON object of strings.
	if status, body := token(id, secret, url.Values{"aws_client_metadata": {`{"tenant":`}}); status != 400 || body["error"] != "invalid_request" {
		t.Errorf("malformed aws_client_metadata: %d %v", status, body)
	}

	// A function that throws: the grant is refused (400), not a server
	// error.
	lambda.handle("m2m", func(map[string]any) (any, error) { return nil, errors.New("no machines today") })
	if status, body := token(id, secret, url.Values{}); status != 400 || body["error"] != "invalid_request" {
		t.Errorf("a throwing v3 function: %d %v", status, body)
	}
	lambda.handle("m2m", func(ev map[string]any) (any, error) { return ev, nil })

	// A version 2 function is not run for machines.
	id2, secret2 := machine(types.PreTokenGenerationLambdaVersionTypeV20)
	if status, body := token(id2, secret2, url.Values{}); status != 200 || jwtClaims(t, body["access_token"].(string))["tenant"] != nil {
		t.Errorf("client credentials with a v2 function: %d %v", status, body)
	}
	if n := len(lambda.events("m2m")); n != 2 {
		t.Errorf("a v2 function ran for a client-credentials grant (%d events)", n-1)
	}
}
