package e2e

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/ninshou/ninshou/internal/idp/srp"
)

// lambdaStandIn serves the Lambda Invoke API on loopback, as `sam local
// start-lambda` does, with functions written in Go: each gets Cognito's
// event and returns its answer, or fails (the Invoke API's function
// error). It records every event it was sent.
type lambdaStandIn struct {
	URL string
	mu  sync.Mutex
	fns map[string]func(event map[string]any) (any, error)
	// Events are the events sent, by function name.
	Events map[string][]map[string]any
}

func newLambdaStandIn(t *testing.T) *lambdaStandIn {
	l := &lambdaStandIn{fns: map[string]func(map[string]any) (any, error){}, Events: map[string][]map[string]any{}}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name, ok := strings.CutPrefix(r.URL.EscapedPath(), "/2015-03-31/functions/")
		name, ok2 := strings.CutSuffix(name, "/invocations")
		name, _ = url.PathUnescape(name)
		if _, fn, found := strings.Cut(name, ":function:"); found {
			name = fn // functions are named by ARN
		}
		if !ok || !ok2 || r.Method != http.MethodPost {
			http.NotFound(w, r)
			return
		}
		var event map[string]any
		body, _ := io.ReadAll(r.Body)
		if err := json.Unmarshal(body, &event); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		l.mu.Lock()
		fn := l.fns[name]
		l.Events[name] = append(l.Events[name], event)
		l.mu.Unlock()
		if fn == nil {
			w.Header().Set("X-Amzn-ErrorType", "ResourceNotFoundException")
			w.WriteHeader(http.StatusNotFound)
			w.Write([]byte(`{"Type":"User","Message":"Function not found: ` + name + `"}`))
			return
		}
		answer, err := fn(event)
		if err != nil {
			w.Header().Set("X-Amz-Function-Error", "Unhandled")
			json.NewEncoder(w).Encode(map[string]string{"errorMessage": err.Error(), "errorType": "Error"})
			return
		}
		if raw, ok := answer.(string); ok {
			w.Write([]byte(raw))
			return
		}
		json.NewEncoder(w).Encode(answer)
	}))
	t.Cleanup(srv.Close)
	l.URL = srv.URL
	return l
}

func (l *lambdaStandIn) handle(name string, fn func(event map[string]any) (any, error)) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.fns[name] = fn
}

func (l *lambdaStandIn) events(name string) []map[string]any {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]map[string]any(nil), l.Events[name]...)
}

// respond is the event with its response set, as a function returns it.
func respond(event map[string]any, response map[string]any) map[string]any {
	event["response"] = response
	return event
}

func jwtClaims(t *testing.T, token string) map[string]any {
	t.Helper()
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		t.Fatalf("not a JWT: %q", token)
	}
	b, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	var claims map[string]any
	if err := json.Unmarshal(b, &claims); err != nil {
		t.Fatal(err)
	}
	return claims
}

const fnARN = "arn:aws:lambda:us-east-1:123456789012:function:"

// TestLambdaTriggers runs a pool's triggers on a stand-in of the Lambda
// Invoke API (--lambda-endpoint), with Cognito's events and answers: pre
// sign-up refusing a domain (UserLambdaValidationException in Cognito's
// words) or confirming and verifying at once; post confirmation after
// ConfirmSignUp; pre authentication refusing a user; post authentication;
// pre token generation adding, suppressing and overriding claims and groups
// (version 1, ID token) and the access token's claims and scopes (version
// 2); an answer that is not an event.
// https://docs.aws.amazon.com/cognito/latest/developerguide/cognito-user-pools-working-with-lambda-triggers.html
func TestLambdaTriggers(t *testing.T) {
	lambda := newLambdaStandIn(t)
	s := startServerWith(t, "--lambda-endpoint", lambda.URL)
	e := &sdkEnv{server: s, t: t, ctx: t.Context(), c: s.sdk()}

	lambda.handle("presignup", func(ev map[string]any) (any, error) {
		email, _ := ev["request"].(map[string]any)["userAttributes"].(map[string]any)["email"].(string)
		switch {
		case strings.HasSuffix(email, "@blocked.example"):
			return nil, errors.New("Registration from this domain is not allowed.")
		case strings.HasSuffix(email, "@auto.example"):
			return respond(ev, map[string]any{"autoConfirmUser": true, "autoVerifyEmail": true, "autoVerifyPhone": false}), nil
		}
		return ev, nil
	})
	lambda.handle("postconfirm", func(ev map[string]any) (any, error) { return ev, nil })
	lambda.handle("preauth", func(ev map[string]any) (any, error) {
		if ev["userName"] == "frozen" {
			return nil, errors.New("Account frozen")
		}
		return ev, nil
	})
	lambda.handle("postauth", func(ev map[string]any) (any, error) { return ev, nil })
	lambda.handle("pretoken", func(ev map[string]any) (any, error) {
		return respond(ev, map[string]any{"claimsOverrideDetails": map[string]any{
			"claimsToAddOrOverride": map[string]any{"tenant": "acme", "given_name": "Overridden"},
			"claimsToSuppress":      []string{"email"},
			"groupOverrideDetails":  map[string]any{"groupsToOverride": []string{"admins"}}}}), nil
	})

	pool := e.pool(func(in *cip.CreateUserPoolInput) {
		in.AutoVerifiedAttributes = []types.VerifiedAttributeType{types.VerifiedAttributeTypeEmail}
		in.LambdaConfig = &types.LambdaConfigType{PreSignUp: aws.String(fnARN + "presignup"),
			PostConfirmation: aws.String(fnARN + "postconfirm"), PreAuthentication: aws.String(fnARN + "preauth"),
			PostAuthentication: aws.String(fnARN + "postauth"), PreTokenGeneration: aws.String(fnARN + "pretoken")}
	})
	clientID := *e.client(pool).ClientId
	signUp := func(username, email string) (*cip.SignUpOutput, error) {
		return e.c.SignUp(e.ctx, &cip.SignUpInput{ClientId: &clientID, Username: aws.String(username), Password: aws.String("Perm#Pass1"),
			UserAttributes: []types.AttributeType{{Name: aws.String("email"), Value: aws.String(email)},
				{Name: aws.String("given_name"), Value: aws.String("Ana")}}})
	}

	// Pre sign-up: a refusal in Cognito's words, then an auto-confirmed user.
	_, err := signUp("mallory", "m@blocked.example")
	wantErr[*types.UserLambdaValidationException](t, err, "PreSignUp failed with error Registration from this domain is not allowed..")
	ev := lambda.events("presignup")[0]
	if ev["triggerSource"] != "PreSignUp_SignUp" || ev["userPoolId"] != pool || ev["userName"] != "mallory" || ev["version"] != "1" ||
		ev["callerContext"].(map[string]any)["clientId"] != clientID {
		t.Errorf("the pre sign-up event: %v", ev)
	}
	auto := must[*cip.SignUpOutput](t, "SignUp auto")(signUp("auto", "a@auto.example"))
	if !auto.UserConfirmed || auto.CodeDeliveryDetails != nil {
		t.Errorf("an auto-confirmed sign-up: confirmed %v, delivery %v", auto.UserConfirmed, auto.CodeDeliveryDetails)
	}
	user := must[*cip.AdminGetUserOutput](t, "AdminGetUser")(e.c.AdminGetUser(e.ctx, &cip.AdminGetUserInput{UserPoolId: &pool, Username: aws.String("auto")}))
	verified := false
	for _, a := range user.UserAttributes {
		verified = verified || *a.Name == "email_verified" && *a.Value == "true"
	}
	if user.UserStatus != types.UserStatusTypeConfirmed || !verified {
		t.Errorf("the auto-confirmed user: %s, email verified %v", user.UserStatus, verified)
	}

	// Post confirmation, after ConfirmSignUp.
	must[*cip.SignUpOutput](t, "SignUp ana")(signUp("ana", "ana@example.com"))
	if err := e.confirm(clientID, "ana", e.code("ana@example.com", 1)); err != nil {
		t.Fatal(err)
	}
	post := lambda.events("postconfirm")
	if len(post) != 1 || post[0]["triggerSource"] != "PostConfirmation_ConfirmSignUp" {
		t.Fatalf("post confirmation events: %v", post)
	}
	attrs := post[0]["request"].(map[string]any)["userAttributes"].(map[string]any)
	if attrs["cognito:user_status"] != "CONFIRMED" || attrs["email_verified"] != "true" || attrs["sub"] == "" || attrs["email"] != "ana@example.com" {
		t.Errorf("post confirmation's userAttributes: %v", attrs)
	}

	// Sign-in: pre and post authentication, then pre token generation (v1).
	out := must[*cip.InitiateAuthOutput](t, "InitiateAuth")(e.c.InitiateAuth(e.ctx, &cip.InitiateAuthInput{ClientId: &clientID,
		AuthFlow: types.AuthFlowTypeUserPasswordAuth, AuthParameters: map[string]string{"USERNAME": "ana", "PASSWORD": "Perm#Pass1"}}))
	id := jwtClaims(t, *out.AuthenticationResult.IdToken)
	if id["tenant"] != "acme" || id["given_name"] != "Overridden" || id["email"] != nil || id["cognito:username"] != "ana" {
		t.Errorf("the ID token after pre token generation: %v", id)
	}
	if g, _ := id["cognito:groups"].([]any); len(g) != 1 || g[0] != "admins" {
		t.Errorf("cognito:groups = %v, want [admins]", id["cognito:groups"])
	}
	if g, _ := jwtClaims(t, *out.AuthenticationResult.AccessToken)["cognito:groups"].([]any); len(g) != 1 || g[0] != "admins" {
		t.Errorf("the access token's cognito:groups: %v", g)
	}
	if n := len(lambda.events("preauth")); n != 1 {
		t.Errorf("pre authentication ran %d times", n)
	}
	if pa := lambda.events("postauth"); len(pa) != 1 || pa[0]["triggerSource"] != "PostAuthentication_Authentication" {
		t.Errorf("post authentication events: %v", pa)
	}
	pt := lambda.events("pretoken")
	if len(pt) != 1 || pt[0]["triggerSource"] != "TokenGeneration_Authentication" {
		t.Fatalf("pre token generation events: %v", pt)
	}
	if gc := pt[0]["request"].(map[string]any)["groupConfiguration"].(map[string]any); gc["groupsToOverride"] == nil {
		t.Errorf("groupConfiguration: %v", gc)
	}
	must[*cip.InitiateAuthOutput](t, "refresh")(e.c.InitiateAuth(e.ctx, &cip.InitiateAuthInput{ClientId: &clientID,
		AuthFlow: types.AuthFlowTypeRefreshTokenAuth, AuthParameters: map[string]string{"REFRESH_TOKEN": *out.AuthenticationResult.RefreshToken}}))
	if pt := lambda.events("pretoken"); len(pt) != 2 || pt[1]["triggerSource"] != "TokenGeneration_RefreshTokens" {
		t.Errorf("a refresh's pre token generation: %v", pt)
	}
	if n := len(lambda.events("postauth")); n != 1 {
		t.Errorf("a refresh ran post authentication (%d events)", n)
	}

	// Pre authentication refuses.
	e.user(pool, "frozen", "frozen@example.com", "Perm#Pass1")
	_, err = e.c.InitiateAuth(e.ctx, &cip.InitiateAuthInput{ClientId: &clientID, AuthFlow: types.AuthFlowTypeUserPasswordAuth,
		AuthParameters: map[string]string{"USERNAME": "frozen", "PASSWORD": "Perm#Pass1"}})
	wantErr[*types.UserLambdaValidationException](t, err, "PreAuthentication failed with error Account frozen.")

	// Version 2: the access token's claims and scopes.
	lambda.handle("pretoken2", func(ev map[string]any) (any, error) {
		return respond(ev, map[string]any{"claimsAndScopeOverrideDetails": map[string]any{
			"idTokenGeneration":     map[string]any{"claimsToAddOrOverride": map[string]any{"tier": "gold"}},
			"accessTokenGeneration": map[string]any{"claimsToAddOrOverride": map[string]any{"tenant": "acme", "roles": []string{"a", "b"}}, "scopesToAdd": []string{"read:all"}},
		}}), nil
	})
	v2 := e.pool(func(in *cip.CreateUserPoolInput) {
		in.LambdaConfig = &types.LambdaConfigType{PreTokenGenerationConfig: &types.PreTokenGenerationVersionConfigType{
			LambdaArn: aws.String(fnARN + "pretoken2"), LambdaVersion: types.PreTokenGenerationLambdaVersionTypeV20}}
	})
	v2Client := *e.client(v2).ClientId
	e.user(v2, "bo", "bo@example.com", "Perm#Pass1")
	out = must[*cip.InitiateAuthOutput](t, "InitiateAuth v2")(e.c.InitiateAuth(e.ctx, &cip.InitiateAuthInput{ClientId: &v2Client,
		AuthFlow: types.AuthFlowTypeUserPasswordAuth, AuthParameters: map[string]string{"USERNAME": "bo", "PASSWORD": "Perm#Pass1"}}))
	access := jwtClaims(t, *out.AuthenticationResult.AccessToken)
	if access["tenant"] != "acme" || access["scope"] != "aws.cognito.signin.user.admin read:all" || access["username"] != "bo" {
		t.Errorf("the v2 access token: %v", access)
	}
	if r, _ := access["roles"].([]any); len(r) != 2 {
		t.Errorf("a list claim in the access token: %v", access["roles"])
	}
	if id := jwtClaims(t, *out.AuthenticationResult.IdToken); id["tier"] != "gold" {
		t.Errorf("the v2 ID token: %v", id)
	}
	if ev := lambda.events("pretoken2")[0]; ev["version"] != "2" || ev["request"].(map[string]any)["scopes"] == nil {
		t.Errorf("the v2 event: %v", ev)
	}

	// An answer that is not the event.
	lambda.handle("garbage", func(map[string]any) (any, error) { return "not an event", nil })
	bad := e.pool(func(in *cip.CreateUserPoolInput) {
		in.LambdaConfig = &types.LambdaConfigType{PreSignUp: aws.String(fnARN + "garbage")}
	})
	badClient := *e.client(bad).ClientId
	_, err = e.c.SignUp(e.ctx, &cip.SignUpInput{ClientId: &badClient, Username: aws.String("x"), Password: aws.String("Perm#Pass1")})
	wantErr[*types.InvalidLambdaResponseException](t, err, "Unrecognizable lambda output")
	// A function that returns nothing (an async handler without its
	// return) answers null: Cognito's words (aws-amplify/amplify-cli#4341).
	lambda.handle("nothing", func(map[string]any) (any, error) { return nil, nil })
	silent := e.pool(func(in *cip.CreateUserPoolInput) {
		in.LambdaConfig = &types.LambdaConfigType{PreSignUp: aws.String(fnARN + "nothing")}
	})
	_, err = e.c.SignUp(e.ctx, &cip.SignUpInput{ClientId: e.client(silent).ClientId, Username: aws.String("x"), Password: aws.String("Perm#Pass1")})
	wantErr[*types.InvalidLambdaResponseException](t, err, "Invalid lambda function output : Invalid JSON")

	// CUSTOM_AUTH: the functions decide the challenges.
	lambda.handle("define", func(ev map[string]any) (any, error) {
		session, _ := ev["request"].(map[string]any)["session"].([]any)
		resp := map[string]any{"challengeName": "CUSTOM_CHALLENGE", "issueTokens": false, "failAuthentication": false}
		if n := len(session); n > 0 {
			last := session[n-1].(map[string]any)
			switch {
			case last["challengeResult"] == true:
				resp = map[string]any{"issueTokens": true, "failAuthentication": false}
			case n >= 3:
				resp = map[string]any{"issueTokens": false, "failAuthentication": true}
			}
		}
		return respond(ev, resp), nil
	})
	lambda.handle("create", func(ev map[string]any) (any, error) {
		return respond(ev, map[string]any{"publicChallengeParameters": map[string]string{"question": "6 x 7"},
			"privateChallengeParameters": map[string]string{"answer": "42"}, "challengeMetadata": "MULTIPLY"}), nil
	})
	lambda.handle("verify", func(ev map[string]any) (any, error) {
		req := ev["request"].(map[string]any)
		right := req["challengeAnswer"] == req["privateChallengeParameters"].(map[string]any)["answer"]
		return respond(ev, map[string]any{"answerCorrect": right}), nil
	})
	custom := e.pool(func(in *cip.CreateUserPoolInput) {
		in.LambdaConfig = &types.LambdaConfigType{DefineAuthChallenge: aws.String(fnARN + "define"),
			CreateAuthChallenge: aws.String(fnARN + "create"), VerifyAuthChallengeResponse: aws.String(fnARN + "verify")}
	})
	customClient := *e.client(custom, func(in *cip.CreateUserPoolClientInput) {
		in.ExplicitAuthFlows = []types.ExplicitAuthFlowsType{types.ExplicitAuthFlowsTypeAllowCustomAuth, types.ExplicitAuthFlowsTypeAllowRefreshTokenAuth}
	}).ClientId
	e.user(custom, "cy", "cy@example.com", "Perm#Pass1")
	start := func() *cip.InitiateAuthOutput {
		t.Helper()
		out := must[*cip.InitiateAuthOutput](t, "InitiateAuth CUSTOM_AUTH")(e.c.InitiateAuth(e.ctx, &cip.InitiateAuthInput{ClientId: &customClient,
			AuthFlow: types.AuthFlowTypeCustomAuth, AuthParameters: map[string]string{"USERNAME": "cy"}}))
		if out.ChallengeName != types.ChallengeNameTypeCustomChallenge || out.ChallengeParameters["question"] != "6 x 7" ||
			out.ChallengeParameters["USERNAME"] != "cy" || out.Session == nil {
			t.Fatalf("CUSTOM_AUTH: %+v", out)
		}
		return out
	}
	answer := func(session *string, a string) (*cip.RespondToAuthChallengeOutput, error) {
		return e.c.RespondToAuthChallenge(e.ctx, &cip.RespondToAuthChallengeInput{ClientId: &customClient,
			ChallengeName: types.ChallengeNameTypeCustomChallenge, Session: session,
			ChallengeResponses: map[string]string{"USERNAME": "cy", "ANSWER": a}})
	}
	first := start()
	wrong := must[*cip.RespondToAuthChallengeOutput](t, "a wrong answer")(answer(first.Session, "41"))
	if wrong.ChallengeName != types.ChallengeNameTypeCustomChallenge || wrong.Session == nil || *wrong.Session == *first.Session {
		t.Fatalf("after a wrong answer, want a new CUSTOM_CHALLENGE: %+v", wrong)
	}
	if _, err := answer(first.Session, "42"); err == nil {
		t.Error("an answered challenge's session was accepted again")
	}
	right := must[*cip.RespondToAuthChallengeOutput](t, "the right answer")(answer(wrong.Session, "42"))
	if right.AuthenticationResult == nil || jwtClaims(t, *right.AuthenticationResult.IdToken)["cognito:username"] != "cy" {
		t.Fatalf("after the right answer: %+v", right)
	}
	defs := lambda.events("define")
	last := defs[len(defs)-1]["request"].(map[string]any)["session"].([]any)
	if len(last) != 2 || last[0].(map[string]any)["challengeResult"] != false || last[1].(map[string]any)["challengeResult"] != true ||
		last[0].(map[string]any)["challengeMetadata"] != "MULTIPLY" {
		t.Errorf("the session list Define saw last: %v", last)
	}
	s3 := start().Session
	for range 2 {
		out := must[*cip.RespondToAuthChallengeOutput](t, "wrong")(answer(s3, "0"))
		s3 = out.Session
	}
	_, err = answer(s3, "0")
	wantErr[*types.NotAuthorizedException](t, err, "Incorrect username or password.")

	// ninshou login walks the same custom challenge from a terminal.
	run := startLogin(t, "--endpoint", e.URL, "--client-id", customClient, "--username", "cy", "--flow", "CUSTOM_AUTH")
	run.answer("Answer: ", "42")
	if res := run.result(); res["AccessToken"] == "" {
		t.Errorf("ninshou login CUSTOM_AUTH: %v", res)
	}

	// A name nobody has, where the client prevents user existence errors:
	// the functions run with userNotFound true and may play challenges on,
	// but the sign-in never ends in tokens (cognito-user-pool-managing-errors.html).
	hiding := *e.client(custom, func(in *cip.CreateUserPoolClientInput) {
		in.ExplicitAuthFlows = []types.ExplicitAuthFlowsType{types.ExplicitAuthFlowsTypeAllowCustomAuth, types.ExplicitAuthFlowsTypeAllowRefreshTokenAuth}
		in.PreventUserExistenceErrors = types.PreventUserExistenceErrorTypesEnabled
	}).ClientId
	ghost := must[*cip.InitiateAuthOutput](t, "CUSTOM_AUTH for nobody")(e.c.InitiateAuth(e.ctx, &cip.InitiateAuthInput{ClientId: &hiding,
		AuthFlow: types.AuthFlowTypeCustomAuth, AuthParameters: map[string]string{"USERNAME": "ghost"}}))
	if ghost.ChallengeName != types.ChallengeNameTypeCustomChallenge || ghost.ChallengeParameters["question"] != "6 x 7" ||
		ghost.ChallengeParameters["USERNAME"] != "ghost" {
		t.Fatalf("CUSTOM_AUTH for nobody: %+v", ghost)
	}
	respondGhost := func(session *string, a string) (*cip.RespondToAuthChallengeOutput, error) {
		return e.c.RespondToAuthChallenge(e.ctx, &cip.RespondToAuthChallengeInput{ClientId: &hiding,
			ChallengeName: types.ChallengeNameTypeCustomChallenge, Session: session,
			ChallengeResponses: map[string]string{"USERNAME": "ghost", "ANSWER": a}})
	}
	_, err = e.c.RespondToAuthChallenge(e.ctx, &cip.RespondToAuthChallengeInput{ClientId: &hiding,
		ChallengeName: types.ChallengeNameTypeCustomChallenge, Session: ghost.Session,
		ChallengeResponses: map[string]string{"USERNAME": "cy", "ANSWER": "42"}})
	wantErr[*types.NotAuthorizedException](t, err, "Invalid session for the user.")
	again := must[*cip.RespondToAuthChallengeOutput](t, "a wrong answer for nobody")(respondGhost(ghost.Session, "41"))
	if again.ChallengeName != types.ChallengeNameTypeCustomChallenge || again.Session == nil {
		t.Fatalf("after a wrong answer for nobody: %+v", again)
	}
	_, err = respondGhost(again.Session, "42")
	wantErr[*types.NotAuthorizedException](t, err, "Incorrect username or password.")
	for _, fn := range []string{"define", "create", "verify"} {
		evs := lambda.events(fn)
		req := evs[len(evs)-1]["request"].(map[string]any)
		if req["userNotFound"] != true || evs[len(evs)-1]["userName"] != "ghost" || len(req["userAttributes"].(map[string]any)) != 0 {
			t.Errorf("%s's event for nobody: %v", fn, evs[len(evs)-1])
		}
	}
	if evs := lambda.events("verify"); evs[0]["request"].(map[string]any)["userNotFound"] != false {
		t.Errorf("verify's event for cy: %v", evs[0])
	}

	// Custom messages: the function's templates, with the code put in.
	lambda.handle("message", func(ev map[string]any) (any, error) {
		switch ev["triggerSource"] {
		case "CustomMessage_SignUp":
			return respond(ev, map[string]any{"emailSubject": "Welcome to Acme", "emailMessage": "Your Acme code is {####}."}), nil
		case "CustomMessage_ForgotPassword":
			return respond(ev, map[string]any{"emailSubject": "Acme password reset", "emailMessage": "Reset with {####}, " +
				ev["request"].(map[string]any)["userAttributes"].(map[string]any)["given_name"].(string) + "."}), nil
		case "CustomMessage_AdminCreateUser":
			return respond(ev, map[string]any{"emailSubject": "You are invited", "emailMessage": "Hi {username}, your password is {####}."}), nil
		}
		return respond(ev, map[string]any{"emailMessage": "This message lost its code."}), nil
	})
	msgPool := e.pool(func(in *cip.CreateUserPoolInput) {
		in.AutoVerifiedAttributes = []types.VerifiedAttributeType{types.VerifiedAttributeTypeEmail}
		in.LambdaConfig = &types.LambdaConfigType{CustomMessage: aws.String(fnARN + "message")}
	})
	msgClient := *e.client(msgPool).ClientId
	must[*cip.SignUpOutput](t, "SignUp dee")(e.c.SignUp(e.ctx, &cip.SignUpInput{ClientId: &msgClient, Username: aws.String("dee"),
		Password: aws.String("Perm#Pass1"), UserAttributes: []types.AttributeType{{Name: aws.String("email"), Value: aws.String("dee@example.com")},
			{Name: aws.String("given_name"), Value: aws.String("Dee")}}}))
	m := s.mailTo(t, "dee@example.com", 1)
	if m.Subject != "Welcome to Acme" || !sixDigits.MatchString(m.Body) || !strings.HasPrefix(strings.TrimSpace(m.Body), "Your Acme code is ") {
		t.Errorf("the sign-up message: %q %q", m.Subject, m.Body)
	}
	if err := e.confirm(msgClient, "dee", codeIn(t, m)); err != nil {
		t.Fatal(err)
	}
	must[*cip.ForgotPasswordOutput](t, "ForgotPassword")(e.c.ForgotPassword(e.ctx, &cip.ForgotPasswordInput{ClientId: &msgClient, Username: aws.String("dee")}))
	if m := s.mailTo(t, "dee@example.com", 2); m.Subject != "Acme password reset" || !strings.Contains(m.Body, ", Dee.") || !sixDigits.MatchString(m.Body) {
		t.Errorf("the reset message: %q %q", m.Subject, m.Body)
	}
	must[*cip.AdminCreateUserOutput](t, "AdminCreateUser")(e.c.AdminCreateUser(e.ctx, &cip.AdminCreateUserInput{UserPoolId: &msgPool,
		Username: aws.String("eve"), TemporaryPassword: aws.String("Temp#Pass9"), DesiredDeliveryMediums: []types.DeliveryMediumType{types.DeliveryMediumTypeEmail},
		UserAttributes: []types.AttributeType{{Name: aws.String("email"), Value: aws.String("eve@example.com")}}}))
	if m := s.mailTo(t, "eve@example.com", 1); m.Subject != "You are invited" || strings.TrimSpace(m.Body) != "Hi eve, your password is Temp#Pass9." {
		t.Errorf("the invitation: %q %q", m.Subject, m.Body)
	}
	must[*cip.SignUpOutput](t, "SignUp fay")(e.c.SignUp(e.ctx, &cip.SignUpInput{ClientId: &msgClient, Username: aws.String("fay"),
		Password: aws.String("Perm#Pass1"), UserAttributes: []types.AttributeType{{Name: aws.String("email"), Value: aws.String("fay@example.com")}}}))
	must[*cip.ResendConfirmationCodeOutput](t, "ResendConfirmationCode")(e.c.ResendConfirmationCode(e.ctx, &cip.ResendConfirmationCodeInput{
		ClientId: &msgClient, Username: aws.String("fay")}))
	if m := s.mailTo(t, "fay@example.com", 2); strings.Contains(m.Body, "lost its code") || !sixDigits.MatchString(m.Body) {
		t.Errorf("a custom message without the code must not replace the template's: %q", m.Body)
	}

	// User migration: at sign-in with the password, and at a password reset.
	lambda.handle("migrate", func(ev map[string]any) (any, error) {
		req := ev["request"].(map[string]any)
		switch {
		case ev["triggerSource"] == "UserMigration_Authentication" && ev["userName"] == "legacy" && req["password"] == "Old#Pass1":
			return respond(ev, map[string]any{"userAttributes": map[string]string{"email": "legacy@example.com", "email_verified": "true"},
				"finalUserStatus": "CONFIRMED", "messageAction": "SUPPRESS"}), nil
		case ev["triggerSource"] == "UserMigration_ForgotPassword" && ev["userName"] == "resetme":
			return respond(ev, map[string]any{"userAttributes": map[string]string{"email": "resetme@example.com", "email_verified": "true"},
				"finalUserStatus": "RESET_REQUIRED", "messageAction": "SUPPRESS"}), nil
		}
		return nil, errors.New("User not found")
	})
	mig := e.pool(func(in *cip.CreateUserPoolInput) {
		in.LambdaConfig = &types.LambdaConfigType{UserMigration: aws.String(fnARN + "migrate")}
	})
	migClient := *e.client(mig).ClientId
	signIn := func(user, pw string) (*cip.InitiateAuthOutput, error) {
		return e.c.InitiateAuth(e.ctx, &cip.InitiateAuthInput{ClientId: &migClient, AuthFlow: types.AuthFlowTypeUserPasswordAuth,
			AuthParameters: map[string]string{"USERNAME": user, "PASSWORD": pw}})
	}
	if out, err := signIn("legacy", "Old#Pass1"); err != nil || out.AuthenticationResult == nil {
		t.Fatalf("a migrated sign-in: %v", err)
	}
	legacy := must[*cip.AdminGetUserOutput](t, "AdminGetUser legacy")(e.c.AdminGetUser(e.ctx, &cip.AdminGetUserInput{UserPoolId: &mig, Username: aws.String("legacy")}))
	if legacy.UserStatus != types.UserStatusTypeConfirmed {
		t.Errorf("the migrated user: %s", legacy.UserStatus)
	}
	if _, err := signIn("legacy", "Old#Pass1"); err != nil || len(lambda.events("migrate")) != 1 {
		t.Errorf("the second sign-in: %v, migration ran %d times", err, len(lambda.events("migrate")))
	}
	_, err = signIn("nobody", "Any#Pass1")
	wantErr[*types.UserNotFoundException](t, err, "Exception migrating user in app client "+migClient)
	must[*cip.ForgotPasswordOutput](t, "ForgotPassword resetme")(e.c.ForgotPassword(e.ctx, &cip.ForgotPasswordInput{ClientId: &migClient, Username: aws.String("resetme")}))
	must[*cip.ConfirmForgotPasswordOutput](t, "ConfirmForgotPassword")(e.c.ConfirmForgotPassword(e.ctx, &cip.ConfirmForgotPasswordInput{ClientId: &migClient,
		Username: aws.String("resetme"), ConfirmationCode: aws.String(e.code("resetme@example.com", 1)), Password: aws.String("New#Pass2")}))
	if _, err := signIn("resetme", "New#Pass2"); err != nil {
		t.Errorf("the user migrated at its password reset: %v", err)
	}

	// A function that does not answer in time: three attempts, then
	// UnexpectedLambdaException; the request does not hang.
	s.App.Service.TriggerTimeout = 100 * time.Millisecond
	lambda.handle("slow", func(ev map[string]any) (any, error) { time.Sleep(time.Second); return ev, nil })
	slow := e.pool(func(in *cip.CreateUserPoolInput) {
		in.LambdaConfig = &types.LambdaConfigType{PreSignUp: aws.String(fnARN + "slow")}
	})
	slowClient := *e.client(slow).ClientId
	_, err = e.c.SignUp(e.ctx, &cip.SignUpInput{ClientId: &slowClient, Username: aws.String("z"), Password: aws.String("Perm#Pass1")})
	wantErr[*types.UnexpectedLambdaException](t, err, "PreSignUp invocation failed due to error Socket timeout while invoking Lambda function.")
	if n := len(lambda.events("slow")); n != 3 {
		t.Errorf("a function that timed out was tried %d times, want 3", n)
	}

	// Custom authentication that starts with SRP (Amplify's
	// CUSTOM_WITH_SRP): Define asks for PASSWORD_VERIFIER, then a custom
	// challenge.
	lambda.handle("define-srp", func(ev map[string]any) (any, error) {
		session, _ := ev["request"].(map[string]any)["session"].([]any)
		names := []string{}
		for _, r := range session {
			if r.(map[string]any)["challengeResult"] != true {
				return respond(ev, map[string]any{"failAuthentication": true}), nil
			}
			names = append(names, r.(map[string]any)["challengeName"].(string))
		}
		switch strings.Join(names, ",") {
		case "SRP_A":
			return respond(ev, map[string]any{"challengeName": "PASSWORD_VERIFIER"}), nil
		case "SRP_A,PASSWORD_VERIFIER":
			return respond(ev, map[string]any{"challengeName": "CUSTOM_CHALLENGE"}), nil
		}
		return respond(ev, map[string]any{"issueTokens": true}), nil
	})
	withSRP := e.pool(func(in *cip.CreateUserPoolInput) {
		in.LambdaConfig = &types.LambdaConfigType{DefineAuthChallenge: aws.String(fnARN + "define-srp"),
			CreateAuthChallenge: aws.String(fnARN + "create"), VerifyAuthChallengeResponse: aws.String(fnARN + "verify")}
	})
	srpClient := *e.client(withSRP, func(in *cip.CreateUserPoolClientInput) {
		in.ExplicitAuthFlows = []types.ExplicitAuthFlowsType{types.ExplicitAuthFlowsTypeAllowCustomAuth, types.ExplicitAuthFlowsTypeAllowRefreshTokenAuth}
	}).ClientId
	e.user(withSRP, "gus", "gus@example.com", "Perm#Pass1")
	cl, err := srp.NewClient(nil)
	if err != nil {
		t.Fatal(err)
	}
	init := must[*cip.InitiateAuthOutput](t, "CUSTOM_AUTH with SRP_A")(e.c.InitiateAuth(e.ctx, &cip.InitiateAuthInput{ClientId: &srpClient,
		AuthFlow: types.AuthFlowTypeCustomAuth, AuthParameters: map[string]string{"USERNAME": "gus", "SRP_A": cl.A(), "CHALLENGE_NAME": "SRP_A"}}))
	if init.ChallengeName != types.ChallengeNameTypePasswordVerifier {
		t.Fatalf("CUSTOM_AUTH with SRP_A: %+v", init)
	}
	cp := init.ChallengeParameters
	ts, sig, err := cl.Claim(strings.SplitN(withSRP, "_", 2)[1], cp["USER_ID_FOR_SRP"], "Perm#Pass1", cp["SALT"], cp["SRP_B"], cp["SECRET_BLOCK"], s.Clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	afterVerifier := must[*cip.RespondToAuthChallengeOutput](t, "PASSWORD_VERIFIER")(e.c.RespondToAuthChallenge(e.ctx, &cip.RespondToAuthChallengeInput{
		ClientId: &srpClient, ChallengeName: types.ChallengeNameTypePasswordVerifier, Session: init.Session,
		ChallengeResponses: map[string]string{"USERNAME": cp["USER_ID_FOR_SRP"], "PASSWORD_CLAIM_SECRET_BLOCK": cp["SECRET_BLOCK"],
			"PASSWORD_CLAIM_SIGNATURE": sig, "TIMESTAMP": ts}}))
	if afterVerifier.ChallengeName != types.ChallengeNameTypeCustomChallenge || afterVerifier.Session == nil {
		t.Fatalf("after the password verifier: %+v", afterVerifier)
	}
	done := must[*cip.RespondToAuthChallengeOutput](t, "the custom answer")(e.c.RespondToAuthChallenge(e.ctx, &cip.RespondToAuthChallengeInput{
		ClientId: &srpClient, ChallengeName: types.ChallengeNameTypeCustomChallenge, Session: afterVerifier.Session,
		ChallengeResponses: map[string]string{"USERNAME": "gus", "ANSWER": "42"}}))
	if done.AuthenticationResult == nil {
		t.Fatalf("after the custom answer: %+v", done)
	}

	// amazon-cognito-identity-js's CUSTOM_AUTH, which starts with SRP.
	events, err := runFlow(t, "identityjs-flow.mjs", map[string]any{"endpoint": e.URL + "/", "userPoolId": withSRP, "clientId": srpClient,
		"username": "gus", "password": "Perm#Pass1", "flow": "CUSTOM_AUTH"}, func(ev jsEvent) any {
		if ev.str("event") != "customChallenge" || ev["params"].(map[string]any)["question"] != "6 x 7" {
			t.Errorf("amazon-cognito-identity-js was asked: %v", ev)
		}
		return map[string]string{"answer": "42"}
	})
	if err != nil || len(events) != 2 || events[1].str("event") != "success" || events[1].str("username") != "gus" {
		t.Errorf("amazon-cognito-identity-js CUSTOM_AUTH: %v %v", events, err)
	}

	// A federated user's first sign-in: pre sign-up (PreSignUp_ExternalProvider)
	// and post confirmation; later sign-ins run neither.
	provider := newOIDCProvider(t)
	lambda.handle("presignup-fed", func(ev map[string]any) (any, error) {
		if ev["userName"] == "Corp_u-bad" {
			return nil, errors.New("Not allowed.")
		}
		return ev, nil
	})
	fed := e.pool(func(in *cip.CreateUserPoolInput) {
		in.LambdaConfig = &types.LambdaConfigType{PreSignUp: aws.String(fnARN + "presignup-fed"), PostConfirmation: aws.String(fnARN + "postconfirm")}
	})
	must[*cip.CreateIdentityProviderOutput](t, "CreateIdentityProvider")(e.c.CreateIdentityProvider(e.ctx, &cip.CreateIdentityProviderInput{
		UserPoolId: &fed, ProviderName: aws.String("Corp"), ProviderType: types.IdentityProviderTypeTypeOidc,
		ProviderDetails: map[string]string{"client_id": provider.ClientID, "client_secret": provider.ClientSecret,
			"attributes_request_method": "GET", "oidc_issuer": provider.URL, "authorize_scopes": "openid email"},
		AttributeMapping: map[string]string{"email": "email"}}))
	const callback = "https://app.example/callback"
	fedClient := *e.client(fed, oauthClient(types.OAuthFlowTypeCode, callback, []string{"openid"}, []string{"Corp"})).ClientId
	federate := func(sub string) url.Values {
		t.Helper()
		provider.SignIn(map[string]any{"sub": sub, "email": sub + "@corp.example"})
		b := newBrowser(t, s.URL, provider.URL)
		resp, _ := b.get(s.URL + "/oauth2/authorize?" + url.Values{"response_type": {"code"}, "client_id": {fedClient},
			"redirect_uri": {callback}, "scope": {"openid"}, "identity_provider": {"Corp"}}.Encode())
		loc, _ := url.Parse(resp.Header.Get("Location"))
		if resp.StatusCode != http.StatusFound || loc == nil {
			t.Fatalf("federated sign-in: %d", resp.StatusCode)
		}
		return loc.Query()
	}
	before := len(lambda.events("postconfirm"))
	if q := federate("u-9"); q.Get("code") == "" {
		t.Fatalf("a first federated sign-in: %v", q)
	}
	fedPre := lambda.events("presignup-fed")
	fedPost := lambda.events("postconfirm")
	if len(fedPre) != 1 || fedPre[0]["triggerSource"] != "PreSignUp_ExternalProvider" || fedPre[0]["userName"] != "Corp_u-9" ||
		len(fedPost) != before+1 || fedPost[len(fedPost)-1]["userName"] != "Corp_u-9" {
		t.Errorf("a first federated sign-in's triggers: pre %v, post %v", fedPre, fedPost[before:])
	}
	if q := federate("u-9"); q.Get("code") == "" || len(lambda.events("presignup-fed")) != 1 || len(lambda.events("postconfirm")) != before+1 {
		t.Errorf("a second federated sign-in ran the sign-up triggers again: %v", q)
	}
	if q := federate("u-bad"); q.Get("error_description") != "PreSignUp failed with error Not allowed.." || q.Has("code") {
		t.Errorf("a federated sign-up the function refuses: %v", q)
	}

	// Amplify v6: signUp with autoSignIn, the user confirmed by the pre
	// sign-up function, so no code: straight to COMPLETE_AUTO_SIGN_IN.
	amplifyClient := *e.client(pool, func(in *cip.CreateUserPoolClientInput) {
		in.ExplicitAuthFlows = []types.ExplicitAuthFlowsType{types.ExplicitAuthFlowsTypeAllowUserAuth, types.ExplicitAuthFlowsTypeAllowRefreshTokenAuth}
	}).ClientId
	events, err = runFlow(t, "amplify-autosignin.mjs", map[string]any{"endpoint": e.URL + "/", "userPoolId": pool, "clientId": amplifyClient,
		"username": "amp", "password": "Perm#Pass1", "email": "amp@auto.example"}, func(ev jsEvent) any { return map[string]string{"response": ""} })
	if err != nil || len(events) != 2 || events[0].str("event") != "COMPLETE_AUTO_SIGN_IN" || events[1].str("event") != "success" ||
		events[1].str("username") != "amp" {
		t.Errorf("Amplify's autoSignIn after an auto-confirmed sign-up: %v %v", events, err)
	}

	// The founding scenario with a custom message for its EMAIL_OTP code
	// (CustomMessage_Authentication), after the new password.
	lambda.handle("mfa-message", func(ev map[string]any) (any, error) {
		if ev["triggerSource"] == "CustomMessage_Authentication" {
			return respond(ev, map[string]any{"emailSubject": "Your Acme sign-in code", "emailMessage": "Sign in with {####}."}), nil
		}
		return ev, nil
	})
	mfaPool := e.pool(func(in *cip.CreateUserPoolInput) {
		in.LambdaConfig = &types.LambdaConfigType{CustomMessage: aws.String(fnARN + "mfa-message")}
	})
	e.emailMFA(mfaPool, types.UserPoolMfaTypeOn)
	mfaClient := *e.client(mfaPool).ClientId
	must[*cip.AdminCreateUserOutput](t, "AdminCreateUser kim")(e.c.AdminCreateUser(e.ctx, &cip.AdminCreateUserInput{UserPoolId: &mfaPool,
		Username: aws.String("kim"), TemporaryPassword: aws.String("Temp#Pass1"), MessageAction: types.MessageActionTypeSuppress,
		UserAttributes: []types.AttributeType{{Name: aws.String("email"), Value: aws.String("kim@gmail.com")},
			{Name: aws.String("email_verified"), Value: aws.String("true")}}}))
	kimStart := must[*cip.InitiateAuthOutput](t, "InitiateAuth kim")(e.c.InitiateAuth(e.ctx, &cip.InitiateAuthInput{ClientId: &mfaClient,
		AuthFlow: types.AuthFlowTypeUserPasswordAuth, AuthParameters: map[string]string{"USERNAME": "kim", "PASSWORD": "Temp#Pass1"}}))
	if n := len(lambda.events("mfa-message")); n != 0 {
		t.Errorf("the custom message function ran %d times before any code was due", n)
	}
	otp := must[*cip.RespondToAuthChallengeOutput](t, "NEW_PASSWORD_REQUIRED")(e.c.RespondToAuthChallenge(e.ctx, &cip.RespondToAuthChallengeInput{
		ClientId: &mfaClient, ChallengeName: types.ChallengeNameTypeNewPasswordRequired, Session: kimStart.Session,
		ChallengeResponses: map[string]string{"USERNAME": "kim", "NEW_PASSWORD": "Perm#Pass1"}}))
	if otp.ChallengeName != types.ChallengeNameTypeEmailOtp {
		t.Fatalf("after the new password: %s", otp.ChallengeName)
	}
	otpMail := s.mailTo(t, "kim@gmail.com", 1)
	if otpMail.Subject != "Your Acme sign-in code" || !strings.HasPrefix(strings.TrimSpace(otpMail.Body), "Sign in with ") {
		t.Errorf("the EMAIL_OTP message: %q %q", otpMail.Subject, otpMail.Body)
	}
	if ev := lambda.events("mfa-message"); len(ev) != 1 || ev[0]["triggerSource"] != "CustomMessage_Authentication" {
		t.Errorf("custom message events: %v", ev)
	}
	signedIn := must[*cip.RespondToAuthChallengeOutput](t, "EMAIL_OTP")(e.c.RespondToAuthChallenge(e.ctx, &cip.RespondToAuthChallengeInput{
		ClientId: &mfaClient, ChallengeName: types.ChallengeNameTypeEmailOtp, Session: otp.Session,
		ChallengeResponses: map[string]string{"USERNAME": "kim", "EMAIL_OTP_CODE": codeIn(t, otpMail)}}))
	if signedIn.AuthenticationResult == nil {
		t.Error("the code of the custom message did not sign in")
	}

	// Custom messages for attribute verification codes.
	lambda.handle("attr-message", func(ev map[string]any) (any, error) {
		switch ev["triggerSource"] {
		case "CustomMessage_UpdateUserAttribute":
			return respond(ev, map[string]any{"emailSubject": "Confirm your new address", "emailMessage": "New address code {####}"}), nil
		case "CustomMessage_VerifyUserAttribute":
			return respond(ev, map[string]any{"emailSubject": "Verify your address", "emailMessage": "Verification code {####}"}), nil
		}
		return ev, nil
	})
	attrPool := e.pool(func(in *cip.CreateUserPoolInput) {
		in.AutoVerifiedAttributes = []types.VerifiedAttributeType{types.VerifiedAttributeTypeEmail}
		in.LambdaConfig = &types.LambdaConfigType{CustomMessage: aws.String(fnARN + "attr-message")}
	})
	attrClient := *e.client(attrPool).ClientId
	e.user(attrPool, "hal", "hal@example.com", "Perm#Pass1")
	halTokens := must[*cip.InitiateAuthOutput](t, "InitiateAuth hal")(e.c.InitiateAuth(e.ctx, &cip.InitiateAuthInput{ClientId: &attrClient,
		AuthFlow: types.AuthFlowTypeUserPasswordAuth, AuthParameters: map[string]string{"USERNAME": "hal", "PASSWORD": "Perm#Pass1"}}))
	halAccess := halTokens.AuthenticationResult.AccessToken
	must[*cip.UpdateUserAttributesOutput](t, "UpdateUserAttributes name")(e.c.UpdateUserAttributes(e.ctx, &cip.UpdateUserAttributesInput{
		AccessToken: halAccess, UserAttributes: []types.AttributeType{{Name: aws.String("name"), Value: aws.String("Hal")}}}))
	if n := len(lambda.events("attr-message")); n != 0 {
		t.Errorf("a change that sends no code ran the custom message function (%d)", n)
	}
	must[*cip.UpdateUserAttributesOutput](t, "UpdateUserAttributes email")(e.c.UpdateUserAttributes(e.ctx, &cip.UpdateUserAttributesInput{
		AccessToken: halAccess, UserAttributes: []types.AttributeType{{Name: aws.String("email"), Value: aws.String("hal2@example.com")}}}))
	if m := s.mailTo(t, "hal2@example.com", 1); m.Subject != "Confirm your new address" || !sixDigits.MatchString(m.Body) {
		t.Errorf("the new address's code: %q %q", m.Subject, m.Body)
	}
	must[*cip.GetUserAttributeVerificationCodeOutput](t, "GetUserAttributeVerificationCode")(e.c.GetUserAttributeVerificationCode(e.ctx,
		&cip.GetUserAttributeVerificationCodeInput{AccessToken: halAccess, AttributeName: aws.String("email")}))
	if m := s.mailTo(t, "hal2@example.com", 2); m.Subject != "Verify your address" || !strings.HasPrefix(strings.TrimSpace(m.Body), "Verification code ") {
		t.Errorf("the verification code: %q %q", m.Subject, m.Body)
	}

	// The sign-up page, when the pre sign-up function confirms the user at
	// once: signed in, back to the app with a code, no code to type.
	const pageCallback = "https://app.example/callback"
	pageClient := *e.client(pool, oauthClient(types.OAuthFlowTypeCode, pageCallback, []string{"openid"}, []string{"COGNITO"})).ClientId
	pb := newBrowser(t, s.URL)
	_, page := pb.get(s.URL + "/signup?" + url.Values{"response_type": {"code"}, "client_id": {pageClient},
		"redirect_uri": {pageCallback}, "scope": {"openid"}, "state": {"ps"}}.Encode())
	resp, _ := pb.submit(s.URL, page, url.Values{"username": {"pageauto"}, "email": {"p@auto.example"}, "password": {"Perm#Pass1"}, "given_name": {"Pa"}})
	if loc := resp.Header.Get("Location"); resp.StatusCode != http.StatusFound || !strings.HasPrefix(loc, pageCallback+"?code=") || !strings.Contains(loc, "state=ps") {
		t.Errorf("the sign-up page with an auto-confirmed user: %d, Location %q", resp.StatusCode, loc)
	}

	// A federated first sign-in whose post confirmation fails: refused, and
	// the next sign-in is a first one again (the function runs again).
	failOnce := true
	lambda.handle("postconfirm-flaky", func(ev map[string]any) (any, error) {
		if failOnce {
			failOnce = false
			return nil, errors.New("Database unavailable")
		}
		return ev, nil
	})
	flaky := e.pool(func(in *cip.CreateUserPoolInput) {
		in.LambdaConfig = &types.LambdaConfigType{PostConfirmation: aws.String(fnARN + "postconfirm-flaky")}
	})
	must[*cip.CreateIdentityProviderOutput](t, "CreateIdentityProvider flaky")(e.c.CreateIdentityProvider(e.ctx, &cip.CreateIdentityProviderInput{
		UserPoolId: &flaky, ProviderName: aws.String("Corp"), ProviderType: types.IdentityProviderTypeTypeOidc,
		ProviderDetails: map[string]string{"client_id": provider.ClientID, "client_secret": provider.ClientSecret,
			"attributes_request_method": "GET", "oidc_issuer": provider.URL, "authorize_scopes": "openid email"},
		AttributeMapping: map[string]string{"email": "email"}}))
	fedClient = *e.client(flaky, oauthClient(types.OAuthFlowTypeCode, callback, []string{"openid"}, []string{"Corp"})).ClientId
	if q := federate("u-42"); q.Get("error_description") != "PostConfirmation failed with error Database unavailable." || q.Has("code") {
		t.Errorf("a first sign-in whose post confirmation failed: %v", q)
	}
	if _, err := e.c.AdminGetUser(e.ctx, &cip.AdminGetUserInput{UserPoolId: &flaky, Username: aws.String("Corp_u-42")}); err == nil {
		t.Error("the user of a refused first sign-in was kept")
	}
	if q := federate("u-42"); q.Get("code") == "" || len(lambda.events("postconfirm-flaky")) != 2 {
		t.Errorf("the next sign-in: %v (post confirmation ran %d times)", q, len(lambda.events("postconfirm-flaky")))
	}
}
