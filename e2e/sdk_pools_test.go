package e2e

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"go/token"
	"regexp"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/google/go-cmp/cmp"
)

// Shared helpers of the sdk_*_test.go files: one server, an aws-sdk-go-v2
// client, and short ways to make pools, clients and users.

// sdkEnv is a running server with an SDK client bound to one test.
type sdkEnv struct {
	*server
	t   *testing.T
	ctx context.Context
	c   *cip.Client
}

func newSDKEnv(t *testing.T) *sdkEnv {
	t.Helper()
	s := startServer(t)
	return &sdkEnv{server: s, t: t, ctx: context.Background(), c: s.sdk()}
}

// cmpSDK lets go-cmp compare the SDK's types, which carry an unexported
// marker field.
var cmpSDK = cmp.FilterPath(func(p cmp.Path) bool {
	sf, ok := p.Last().(cmp.StructField)
	return ok && !token.IsExported(sf.Name())
}, cmp.Ignore())

var poolIDPattern = regexp.MustCompile(`^us-east-1_[A-Za-z0-9]{9}$`)

// apiError is what every typed exception of the SDK implements.
type apiError interface {
	error
	ErrorCode() string
	ErrorMessage() string
}

// wantErr asserts that err is the SDK exception E (for example
// *types.NotAuthorizedException) with exactly the message msg.
func wantErr[E apiError](t *testing.T, err error, msg string) {
	t.Helper()
	var e E
	if !errors.As(err, &e) {
		t.Fatalf("error = %v; want %T %q", err, e, msg)
	}
	if got := e.ErrorMessage(); got != msg {
		t.Errorf("%s message = %q; want %q", e.ErrorCode(), got, msg)
	}
}

// must fails the test on err, naming what was being done.
func must[T any](t *testing.T, what string) func(T, error) T {
	return func(v T, err error) T {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		return v
	}
}

// pool creates a user pool (default settings unless changed) and returns its ID.
func (e *sdkEnv) pool(change ...func(*cip.CreateUserPoolInput)) string {
	e.t.Helper()
	in := &cip.CreateUserPoolInput{PoolName: aws.String("pool")}
	for _, f := range change {
		f(in)
	}
	out, err := e.c.CreateUserPool(e.ctx, in)
	if err != nil {
		e.t.Fatalf("CreateUserPool: %v", err)
	}
	return *out.UserPool.Id
}

// emailMFA turns on email MFA for a pool in the given mode.
func (e *sdkEnv) emailMFA(poolID string, mode types.UserPoolMfaType) {
	e.t.Helper()
	_, err := e.c.SetUserPoolMfaConfig(e.ctx, &cip.SetUserPoolMfaConfigInput{
		UserPoolId: aws.String(poolID), MfaConfiguration: mode,
		EmailMfaConfiguration: &types.EmailMfaConfigType{Message: aws.String("Your sign-in code is {####}"), Subject: aws.String("Sign-in code")},
	})
	if err != nil {
		e.t.Fatalf("SetUserPoolMfaConfig: %v", err)
	}
}

// passwordFlows are the explicit auth flows of the clients most tests use.
var passwordFlows = []types.ExplicitAuthFlowsType{
	types.ExplicitAuthFlowsTypeAllowUserPasswordAuth, types.ExplicitAuthFlowsTypeAllowAdminUserPasswordAuth,
	types.ExplicitAuthFlowsTypeAllowRefreshTokenAuth,
}

// client creates an app client allowing the password flows (unless changed).
func (e *sdkEnv) client(poolID string, change ...func(*cip.CreateUserPoolClientInput)) *types.UserPoolClientType {
	e.t.Helper()
	in := &cip.CreateUserPoolClientInput{UserPoolId: aws.String(poolID), ClientName: aws.String("app"), ExplicitAuthFlows: passwordFlows}
	for _, f := range change {
		f(in)
	}
	out, err := e.c.CreateUserPoolClient(e.ctx, in)
	if err != nil {
		e.t.Fatalf("CreateUserPoolClient: %v", err)
	}
	return out.UserPoolClient
}

// createClient is CreateUserPoolClient with the given changes, error and all.
func (e *sdkEnv) createClient(poolID string, change func(*cip.CreateUserPoolClientInput)) (*cip.CreateUserPoolClientOutput, error) {
	in := &cip.CreateUserPoolClientInput{UserPoolId: aws.String(poolID), ClientName: aws.String("app")}
	change(in)
	return e.c.CreateUserPoolClient(e.ctx, in)
}

// user creates a CONFIRMED user with an email address and a permanent password.
func (e *sdkEnv) user(poolID, username, email, password string) {
	e.t.Helper()
	_, err := e.c.AdminCreateUser(e.ctx, &cip.AdminCreateUserInput{
		UserPoolId: aws.String(poolID), Username: aws.String(username), MessageAction: types.MessageActionTypeSuppress,
		UserAttributes: []types.AttributeType{{Name: aws.String("email"), Value: aws.String(email)}},
	})
	if err != nil {
		e.t.Fatalf("AdminCreateUser %s: %v", username, err)
	}
	e.setPassword(poolID, username, password, true)
}

func (e *sdkEnv) setPassword(poolID, username, password string, permanent bool) {
	e.t.Helper()
	_, err := e.c.AdminSetUserPassword(e.ctx, &cip.AdminSetUserPasswordInput{
		UserPoolId: aws.String(poolID), Username: aws.String(username), Password: aws.String(password), Permanent: permanent,
	})
	if err != nil {
		e.t.Fatalf("AdminSetUserPassword %s: %v", username, err)
	}
}

// signIn is InitiateAuth USER_PASSWORD_AUTH.
func (e *sdkEnv) signIn(clientID, username, password string) (*cip.InitiateAuthOutput, error) {
	return e.c.InitiateAuth(e.ctx, &cip.InitiateAuthInput{
		AuthFlow: types.AuthFlowTypeUserPasswordAuth, ClientId: aws.String(clientID),
		AuthParameters: map[string]string{"USERNAME": username, "PASSWORD": password},
	})
}

// tokens signs in and requires tokens without any challenge.
func (e *sdkEnv) tokens(clientID, username, password string) *types.AuthenticationResultType {
	e.t.Helper()
	out, err := e.signIn(clientID, username, password)
	if err != nil {
		e.t.Fatalf("sign-in of %s: %v", username, err)
	}
	if out.ChallengeName != "" || out.AuthenticationResult == nil {
		e.t.Fatalf("sign-in of %s: challenge %q, want tokens", username, out.ChallengeName)
	}
	return out.AuthenticationResult
}

// respond is RespondToAuthChallenge.
func (e *sdkEnv) respond(clientID string, name types.ChallengeNameType, session string, responses map[string]string) (*cip.RespondToAuthChallengeOutput, error) {
	return e.c.RespondToAuthChallenge(e.ctx, &cip.RespondToAuthChallengeInput{
		ClientId: aws.String(clientID), ChallengeName: name, Session: aws.String(session), ChallengeResponses: responses,
	})
}

// emailOTP signs in a user whose sign-in is due an EMAIL_OTP challenge and
// returns the session and the code of the n-th message to email, read from
// the local outbox (it is written with the challenge, so no waiting, and it
// does not depend on the dispatcher's clock when a test advances the
// server's).
func (e *sdkEnv) emailOTP(clientID, username, password, email string, n int) (session, code string) {
	e.t.Helper()
	out, err := e.signIn(clientID, username, password)
	if err != nil {
		e.t.Fatalf("sign-in of %s: %v", username, err)
	}
	if out.ChallengeName != types.ChallengeNameTypeEmailOtp {
		e.t.Fatalf("sign-in of %s: challenge %q; want EMAIL_OTP", username, out.ChallengeName)
	}
	msgs := outbox(e.t, e.server, email)
	if len(msgs) != n {
		e.t.Fatalf("outbox has %d messages to %s; want %d", len(msgs), email, n)
	}
	found := sixDigits.FindStringSubmatch(msgs[n-1].Body)
	if found == nil {
		e.t.Fatalf("no code in %q", msgs[n-1].Body)
	}
	return *out.Session, found[1]
}

// otherCode is a 6-digit code that is not code.
func otherCode(code string) string {
	if code == "000000" {
		return "111111"
	}
	return "000000"
}

// secretHash is base64(HMAC-SHA256(secret, username+clientId)).
func secretHash(secret, username, clientID string) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(username + clientID))
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

// TestSDKUserPools covers CreateUserPool, DescribeUserPool, UpdateUserPool,
// ListUserPools (paged one at a time) and DeleteUserPool.
func TestSDKUserPools(t *testing.T) {
	e := newSDKEnv(t)
	created, err := e.c.CreateUserPool(e.ctx, &cip.CreateUserPoolInput{
		PoolName: aws.String("alpha"),
		Policies: &types.UserPoolPolicyType{PasswordPolicy: &types.PasswordPolicyType{
			MinimumLength: aws.Int32(10), RequireUppercase: true, RequireLowercase: true, RequireNumbers: true,
			TemporaryPasswordValidityDays: 3,
		}},
	})
	if err != nil {
		t.Fatal(err)
	}
	id := *created.UserPool.Id
	if !poolIDPattern.MatchString(id) {
		t.Errorf("pool ID %q does not look like us-east-1_XXXXXXXXX", id)
	}

	described := must[*cip.DescribeUserPoolOutput](t, "DescribeUserPool")(e.c.DescribeUserPool(e.ctx, &cip.DescribeUserPoolInput{UserPoolId: aws.String(id)}))
	p := described.UserPool
	if *p.Id != id || *p.Name != "alpha" {
		t.Errorf("DescribeUserPool: Id %s Name %s", *p.Id, *p.Name)
	}
	wantPolicy := types.PasswordPolicyType{MinimumLength: aws.Int32(10), RequireUppercase: true, RequireLowercase: true,
		RequireNumbers: true, TemporaryPasswordValidityDays: 3}
	if diff := cmp.Diff(wantPolicy, *p.Policies.PasswordPolicy, cmpSDK); diff != "" {
		t.Errorf("password policy (-want +got):\n%s", diff)
	}
	if p.MfaConfiguration != types.UserPoolMfaTypeOff {
		t.Errorf("MfaConfiguration = %q; want OFF", p.MfaConfiguration)
	}
	if p.CreationDate == nil || time.Since(*p.CreationDate) > time.Minute {
		t.Errorf("CreationDate = %v", p.CreationDate)
	}

	// UpdateUserPool: the new policy is in force at once.
	_, err = e.c.UpdateUserPool(e.ctx, &cip.UpdateUserPoolInput{UserPoolId: aws.String(id),
		Policies: &types.UserPoolPolicyType{PasswordPolicy: &types.PasswordPolicyType{MinimumLength: aws.Int32(14)}}})
	if err != nil {
		t.Fatalf("UpdateUserPool: %v", err)
	}
	described = must[*cip.DescribeUserPoolOutput](t, "DescribeUserPool")(e.c.DescribeUserPool(e.ctx, &cip.DescribeUserPoolInput{UserPoolId: aws.String(id)}))
	if got := aws.ToInt32(described.UserPool.Policies.PasswordPolicy.MinimumLength); got != 14 {
		t.Errorf("MinimumLength after update = %d; want 14", got)
	}
	e.user(id, "kim", "kim@example.com", "Long#Passw0rd123")
	_, err = e.c.AdminSetUserPassword(e.ctx, &cip.AdminSetUserPasswordInput{UserPoolId: aws.String(id), Username: aws.String("kim"),
		Password: aws.String("Short#Pass1"), Permanent: true})
	wantErr[*types.InvalidPasswordException](t, err, "Password does not conform to policy: Password not long enough")

	// ListUserPools with MaxResults 1 visits each of three pools exactly once.
	ids := map[string]int{id: 0, e.pool(): 0, e.pool(): 0}
	var token *string
	for pages := 0; ; pages++ {
		if pages > 5 {
			t.Fatal("ListUserPools does not end")
		}
		out, err := e.c.ListUserPools(e.ctx, &cip.ListUserPoolsInput{MaxResults: aws.Int32(1), NextToken: token})
		if err != nil {
			t.Fatalf("ListUserPools: %v", err)
		}
		if len(out.UserPools) > 1 {
			t.Fatalf("page of %d pools with MaxResults 1", len(out.UserPools))
		}
		for _, up := range out.UserPools {
			ids[*up.Id]++
		}
		if out.NextToken == nil {
			break
		}
		token = out.NextToken
	}
	if diff := cmp.Diff(map[string]int{id: 1, keyNot(ids, id, 0): 1, keyNot(ids, id, 1): 1}, ids); diff != "" {
		t.Errorf("pools visited (-want +got):\n%s", diff)
	}

	// DeleteUserPool: gone.
	if _, err := e.c.DeleteUserPool(e.ctx, &cip.DeleteUserPoolInput{UserPoolId: aws.String(id)}); err != nil {
		t.Fatalf("DeleteUserPool: %v", err)
	}
	_, err = e.c.DescribeUserPool(e.ctx, &cip.DescribeUserPoolInput{UserPoolId: aws.String(id)})
	wantErr[*types.ResourceNotFoundException](t, err, "User pool "+id+" does not exist.")
}

// keyNot returns the i-th key of m (in sorted order) other than skip.
func keyNot(m map[string]int, skip string, i int) string {
	var ks []string
	for k := range m {
		if k != skip {
			ks = append(ks, k)
		}
	}
	return sortStrings(ks)[i]
}

// TestSDKUserPoolMfaConfig covers SetUserPoolMfaConfig and GetUserPoolMfaConfig.
func TestSDKUserPoolMfaConfig(t *testing.T) {
	e := newSDKEnv(t)
	id := e.pool()
	got := must[*cip.GetUserPoolMfaConfigOutput](t, "GetUserPoolMfaConfig")(e.c.GetUserPoolMfaConfig(e.ctx, &cip.GetUserPoolMfaConfigInput{UserPoolId: aws.String(id)}))
	if got.MfaConfiguration != types.UserPoolMfaTypeOff || got.EmailMfaConfiguration != nil {
		t.Errorf("new pool: MfaConfiguration %q, email %+v", got.MfaConfiguration, got.EmailMfaConfiguration)
	}
	set := must[*cip.SetUserPoolMfaConfigOutput](t, "SetUserPoolMfaConfig")(e.c.SetUserPoolMfaConfig(e.ctx, &cip.SetUserPoolMfaConfigInput{
		UserPoolId: aws.String(id), MfaConfiguration: types.UserPoolMfaTypeOptional,
		EmailMfaConfiguration:         &types.EmailMfaConfigType{Message: aws.String("Code: {####}"), Subject: aws.String("Code")},
		SoftwareTokenMfaConfiguration: &types.SoftwareTokenMfaConfigType{Enabled: true},
	}))
	got = must[*cip.GetUserPoolMfaConfigOutput](t, "GetUserPoolMfaConfig")(e.c.GetUserPoolMfaConfig(e.ctx, &cip.GetUserPoolMfaConfigInput{UserPoolId: aws.String(id)}))
	for _, g := range []struct {
		mode  types.UserPoolMfaType
		email *types.EmailMfaConfigType
		totp  *types.SoftwareTokenMfaConfigType
	}{{set.MfaConfiguration, set.EmailMfaConfiguration, set.SoftwareTokenMfaConfiguration},
		{got.MfaConfiguration, got.EmailMfaConfiguration, got.SoftwareTokenMfaConfiguration}} {
		if g.mode != types.UserPoolMfaTypeOptional {
			t.Errorf("MfaConfiguration = %q; want OPTIONAL", g.mode)
		}
		if diff := cmp.Diff(&types.EmailMfaConfigType{Message: aws.String("Code: {####}"), Subject: aws.String("Code")}, g.email, cmpSDK); diff != "" {
			t.Errorf("EmailMfaConfiguration (-want +got):\n%s", diff)
		}
		if g.totp == nil || !g.totp.Enabled {
			t.Errorf("SoftwareTokenMfaConfiguration = %+v; want enabled", g.totp)
		}
	}
	described := must[*cip.DescribeUserPoolOutput](t, "DescribeUserPool")(e.c.DescribeUserPool(e.ctx, &cip.DescribeUserPoolInput{UserPoolId: aws.String(id)}))
	if described.UserPool.MfaConfiguration != types.UserPoolMfaTypeOptional {
		t.Errorf("DescribeUserPool MfaConfiguration = %q", described.UserPool.MfaConfiguration)
	}
}

// TestSDKUserPoolClients covers the client operations and what a client's
// settings do to sign-in: its secret, default flows, token validity and
// units, AuthSessionValidity, EnableTokenRevocation.
func TestSDKUserPoolClients(t *testing.T) {
	e := newSDKEnv(t)
	pool := e.pool()
	e.user(pool, "kim", "kim@example.com", "Perm#Pass1")

	// Defaults: a client created with a name only.
	bare := e.client(pool, func(in *cip.CreateUserPoolClientInput) { in.ExplicitAuthFlows = nil })
	if bare.ClientSecret != nil {
		t.Errorf("client without GenerateSecret has secret %q", *bare.ClientSecret)
	}
	desc := must[*cip.DescribeUserPoolClientOutput](t, "DescribeUserPoolClient")(e.c.DescribeUserPoolClient(e.ctx,
		&cip.DescribeUserPoolClientInput{UserPoolId: aws.String(pool), ClientId: bare.ClientId})).UserPoolClient
	type defaults struct {
		Name                string
		RefreshDays         int32
		PreventUserExist    types.PreventUserExistenceErrorTypes
		Revocation          bool
		AuthSessionValidity int32
	}
	if diff := cmp.Diff(defaults{"app", 30, types.PreventUserExistenceErrorTypesLegacy, true, 3},
		defaults{*desc.ClientName, desc.RefreshTokenValidity, desc.PreventUserExistenceErrors, aws.ToBool(desc.EnableTokenRevocation), aws.ToInt32(desc.AuthSessionValidity)}); diff != "" {
		t.Errorf("client defaults (-want +got):\n%s", diff)
	}
	// No explicit flows means SRP, refresh and custom: the password flow is refused.
	_, err := e.signIn(*bare.ClientId, "kim", "Perm#Pass1")
	wantErr[*types.InvalidParameterException](t, err, "USER_PASSWORD_AUTH flow not enabled for this client")
	_, err = e.c.AdminInitiateAuth(e.ctx, &cip.AdminInitiateAuthInput{UserPoolId: aws.String(pool), ClientId: bare.ClientId,
		AuthFlow: types.AuthFlowTypeAdminUserPasswordAuth, AuthParameters: map[string]string{"USERNAME": "kim", "PASSWORD": "Perm#Pass1"}})
	wantErr[*types.InvalidParameterException](t, err, "Auth flow not enabled for this client")

	// GenerateSecret gives a secret, returned by Describe too.
	secret := e.client(pool, func(in *cip.CreateUserPoolClientInput) { in.GenerateSecret = true })
	if s := aws.ToString(secret.ClientSecret); len(s) < 24 {
		t.Errorf("generated secret %q is too short", s)
	}
	desc = must[*cip.DescribeUserPoolClientOutput](t, "DescribeUserPoolClient")(e.c.DescribeUserPoolClient(e.ctx,
		&cip.DescribeUserPoolClientInput{UserPoolId: aws.String(pool), ClientId: secret.ClientId})).UserPoolClient
	if aws.ToString(desc.ClientSecret) != aws.ToString(secret.ClientSecret) {
		t.Errorf("Describe secret %q; Create gave %q", aws.ToString(desc.ClientSecret), aws.ToString(secret.ClientSecret))
	}

	// Token validity with units: ExpiresIn and each token's exp-iat.
	timed := e.client(pool, func(in *cip.CreateUserPoolClientInput) {
		in.AccessTokenValidity, in.IdTokenValidity = aws.Int32(10), aws.Int32(2)
		in.TokenValidityUnits = &types.TokenValidityUnitsType{AccessToken: types.TimeUnitsTypeMinutes, IdToken: types.TimeUnitsTypeHours}
	})
	res := e.tokens(*timed.ClientId, "kim", "Perm#Pass1")
	if res.ExpiresIn != 600 {
		t.Errorf("ExpiresIn = %d; want 600", res.ExpiresIn)
	}
	lifetime := func(claims map[string]any) float64 { return claims["exp"].(float64) - claims["iat"].(float64) }
	if got := lifetime(verifyJWT(t, e.server, pool, *res.AccessToken)); got != 600 {
		t.Errorf("access token exp-iat = %v; want 600", got)
	}
	if got := lifetime(verifyJWT(t, e.server, pool, *res.IdToken)); got != 7200 {
		t.Errorf("ID token exp-iat = %v; want 7200", got)
	}

	// UpdateUserPoolClient: new validity, revocation off (no jti/origin_jti),
	// PreventUserExistenceErrors ENABLED.
	_, err = e.c.UpdateUserPoolClient(e.ctx, &cip.UpdateUserPoolClientInput{
		UserPoolId: aws.String(pool), ClientId: timed.ClientId, ClientName: aws.String("renamed"),
		ExplicitAuthFlows: passwordFlows, AccessTokenValidity: aws.Int32(3600),
		TokenValidityUnits:         &types.TokenValidityUnitsType{AccessToken: types.TimeUnitsTypeSeconds},
		EnableTokenRevocation:      aws.Bool(false),
		PreventUserExistenceErrors: types.PreventUserExistenceErrorTypesEnabled,
		AuthSessionValidity:        aws.Int32(5),
	})
	if err != nil {
		t.Fatalf("UpdateUserPoolClient: %v", err)
	}
	desc = must[*cip.DescribeUserPoolClientOutput](t, "DescribeUserPoolClient")(e.c.DescribeUserPoolClient(e.ctx,
		&cip.DescribeUserPoolClientInput{UserPoolId: aws.String(pool), ClientId: timed.ClientId})).UserPoolClient
	if *desc.ClientName != "renamed" || aws.ToInt32(desc.AuthSessionValidity) != 5 || aws.ToBool(desc.EnableTokenRevocation) ||
		desc.PreventUserExistenceErrors != types.PreventUserExistenceErrorTypesEnabled {
		t.Errorf("after update: name %s, session %d, revocation %v, prevent %s", *desc.ClientName,
			aws.ToInt32(desc.AuthSessionValidity), aws.ToBool(desc.EnableTokenRevocation), desc.PreventUserExistenceErrors)
	}
	res = e.tokens(*timed.ClientId, "kim", "Perm#Pass1")
	if res.ExpiresIn != 3600 {
		t.Errorf("ExpiresIn after update = %d; want 3600", res.ExpiresIn)
	}
	idClaims := verifyJWT(t, e.server, pool, *res.IdToken)
	for _, c := range []string{"jti", "origin_jti"} {
		if _, ok := idClaims[c]; ok {
			t.Errorf("ID token has %s with EnableTokenRevocation false", c)
		}
	}
	if got := lifetime(idClaims); got != 3600 {
		t.Errorf("ID token exp-iat after update = %v; want the default 3600", got)
	}
	_, err = e.signIn(*timed.ClientId, "nobody", "Perm#Pass1")
	wantErr[*types.NotAuthorizedException](t, err, "Incorrect username or password.")

	// ListUserPoolClients pages one at a time over the three clients.
	seen := map[string]int{}
	var token *string
	for pages := 0; ; pages++ {
		if pages > 5 {
			t.Fatal("ListUserPoolClients does not end")
		}
		out, err := e.c.ListUserPoolClients(e.ctx, &cip.ListUserPoolClientsInput{UserPoolId: aws.String(pool), MaxResults: aws.Int32(1), NextToken: token})
		if err != nil {
			t.Fatalf("ListUserPoolClients: %v", err)
		}
		for _, c := range out.UserPoolClients {
			seen[*c.ClientId]++
			if *c.UserPoolId != pool {
				t.Errorf("client %s listed with pool %s", *c.ClientId, *c.UserPoolId)
			}
		}
		if out.NextToken == nil {
			break
		}
		token = out.NextToken
	}
	if diff := cmp.Diff(map[string]int{*bare.ClientId: 1, *secret.ClientId: 1, *timed.ClientId: 1}, seen); diff != "" {
		t.Errorf("clients listed (-want +got):\n%s", diff)
	}

	// DeleteUserPoolClient: gone, for admin calls and for sign-in.
	if _, err := e.c.DeleteUserPoolClient(e.ctx, &cip.DeleteUserPoolClientInput{UserPoolId: aws.String(pool), ClientId: bare.ClientId}); err != nil {
		t.Fatalf("DeleteUserPoolClient: %v", err)
	}
	_, err = e.c.DescribeUserPoolClient(e.ctx, &cip.DescribeUserPoolClientInput{UserPoolId: aws.String(pool), ClientId: bare.ClientId})
	wantErr[*types.ResourceNotFoundException](t, err, "User pool client "+*bare.ClientId+" does not exist.")
	_, err = e.signIn(*bare.ClientId, "kim", "Perm#Pass1")
	wantErr[*types.ResourceNotFoundException](t, err, "User pool client "+*bare.ClientId+" does not exist.")
}
