package e2e

import (
	"errors"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/aws/smithy-go"
	"github.com/google/go-cmp/cmp"

	"github.com/ninshou/ninshou/internal/idp/srp"
)

// Remembered devices through aws-sdk-go-v2, with Ninshou's client-side SRP
// playing the device's part as amazon-cognito-identity-js does
// (identityjs_mfa_test.go drives that library's own device flow).

var deviceKeyPattern = regexp.MustCompile(`^us-east-1_[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)

// device is what a client keeps after ConfirmDevice.
type device struct {
	key, group, password string
}

// devicePool is a pool with email MFA ON that tracks devices as given, a
// client allowing the password and SRP flows, and user kim.
func (e *sdkEnv) devicePool(cfg *types.DeviceConfigurationType) (poolID, clientID string) {
	e.t.Helper()
	poolID = e.pool(func(in *cip.CreateUserPoolInput) { in.DeviceConfiguration = cfg })
	e.emailMFA(poolID, types.UserPoolMfaTypeOn)
	clientID = *e.client(poolID, func(in *cip.CreateUserPoolClientInput) {
		in.ExplicitAuthFlows = append(append([]types.ExplicitAuthFlowsType{}, passwordFlows...), types.ExplicitAuthFlowsTypeAllowUserSrpAuth)
	}).ClientId
	e.user(poolID, "kim", "kim@example.com", "Perm#Pass1")
	return poolID, clientID
}

// mfaTokens answers the EMAIL_OTP challenge of a sign-in with the newest code.
func (e *sdkEnv) mfaTokens(clientID string, session *string, name types.ChallengeNameType) *cip.RespondToAuthChallengeOutput {
	e.t.Helper()
	if name != types.ChallengeNameTypeEmailOtp {
		e.t.Fatalf("challenge %q; want EMAIL_OTP", name)
	}
	msgs := outbox(e.t, e.server, "kim@example.com")
	code := sixDigits.FindStringSubmatch(msgs[len(msgs)-1].Body)[1]
	return must[*cip.RespondToAuthChallengeOutput](e.t, "EMAIL_OTP")(e.respond(clientID, types.ChallengeNameTypeEmailOtp, *session,
		map[string]string{"USERNAME": "kim", "EMAIL_OTP_CODE": code}))
}

// confirmDevice registers a device's verifier as a client does after a
// sign-in that announced NewDeviceMetadata.
func (e *sdkEnv) confirmDevice(res *types.AuthenticationResultType) (device, bool) {
	e.t.Helper()
	md := res.NewDeviceMetadata
	if md == nil {
		e.t.Fatal("no NewDeviceMetadata")
	}
	pw, salt, verifier, err := srp.NewDeviceSecret(nil, *md.DeviceGroupKey, *md.DeviceKey)
	if err != nil {
		e.t.Fatal(err)
	}
	out := must[*cip.ConfirmDeviceOutput](e.t, "ConfirmDevice")(e.c.ConfirmDevice(e.ctx, &cip.ConfirmDeviceInput{
		AccessToken: res.AccessToken, DeviceKey: md.DeviceKey, DeviceName: aws.String("kim's laptop"),
		DeviceSecretVerifierConfig: &types.DeviceSecretVerifierConfigType{PasswordVerifier: aws.String(verifier), Salt: aws.String(salt)}}))
	return device{key: *md.DeviceKey, group: *md.DeviceGroupKey, password: pw}, out.UserConfirmationNecessary
}

// deviceSRP answers DEVICE_SRP_AUTH and DEVICE_PASSWORD_VERIFIER with the
// device's password (wrong when password differs).
func (e *sdkEnv) deviceSRP(clientID string, session *string, d device, password string) (*cip.RespondToAuthChallengeOutput, error) {
	e.t.Helper()
	cl, err := srp.NewClient(nil)
	if err != nil {
		e.t.Fatal(err)
	}
	pv := must[*cip.RespondToAuthChallengeOutput](e.t, "DEVICE_SRP_AUTH")(e.respond(clientID, types.ChallengeNameTypeDeviceSrpAuth, *session,
		map[string]string{"USERNAME": "kim", "DEVICE_KEY": d.key, "SRP_A": cl.A()}))
	cp := pv.ChallengeParameters
	if pv.ChallengeName != types.ChallengeNameTypeDevicePasswordVerifier || pv.Session == nil ||
		cp["USERNAME"] != "kim" || cp["DEVICE_KEY"] != d.key || cp["SRP_B"] == "" || cp["SALT"] == "" || cp["SECRET_BLOCK"] == "" {
		e.t.Fatalf("after DEVICE_SRP_AUTH: %q %v", pv.ChallengeName, cp)
	}
	ts, sig, err := cl.Claim(d.group, d.key, password, cp["SALT"], cp["SRP_B"], cp["SECRET_BLOCK"], e.Clock.Now())
	if err != nil {
		e.t.Fatal(err)
	}
	return e.respond(clientID, types.ChallengeNameTypeDevicePasswordVerifier, *pv.Session, map[string]string{
		"USERNAME": cp["USERNAME"], "DEVICE_KEY": d.key, "PASSWORD_CLAIM_SECRET_BLOCK": cp["SECRET_BLOCK"],
		"PASSWORD_CLAIM_SIGNATURE": sig, "TIMESTAMP": ts})
}

// signInDevice is USER_PASSWORD_AUTH presenting a DEVICE_KEY.
func (e *sdkEnv) signInDevice(clientID, key string) (*cip.InitiateAuthOutput, error) {
	return e.c.InitiateAuth(e.ctx, &cip.InitiateAuthInput{AuthFlow: types.AuthFlowTypeUserPasswordAuth, ClientId: aws.String(clientID),
		AuthParameters: map[string]string{"USERNAME": "kim", "PASSWORD": "Perm#Pass1", "DEVICE_KEY": key}})
}

func deviceAttrs(d *types.DeviceType) map[string]string {
	out := map[string]string{}
	for _, a := range d.DeviceAttributes {
		out[*a.Name] = *a.Value
	}
	return out
}

func TestSDKDevices(t *testing.T) {
	e := newSDKEnv(t)
	poolID, clientID := e.devicePool(&types.DeviceConfigurationType{ChallengeRequiredOnNewDevice: true})

	// A sign-in without DEVICE_KEY ends with a new device's metadata, whose
	// key the access token already carries.
	out := must[*cip.InitiateAuthOutput](t, "sign-in")(e.signIn(clientID, "kim", "Perm#Pass1"))
	first := e.mfaTokens(clientID, out.Session, out.ChallengeName).AuthenticationResult
	md := first.NewDeviceMetadata
	if md == nil || !deviceKeyPattern.MatchString(*md.DeviceKey) || md.DeviceGroupKey == nil || *md.DeviceGroupKey == "" {
		t.Fatalf("NewDeviceMetadata = %+v", md)
	}
	if got := verifyJWT(t, e.server, poolID, *first.AccessToken)["device_key"]; got != *md.DeviceKey {
		t.Errorf("access token device_key = %v; want %s", got, *md.DeviceKey)
	}
	// Admin flows track devices too (the CLI's example of
	// admin-respond-to-auth-challenge: "This user pool has device
	// remembering turned on, so the authentication result also returns a new
	// device key").
	a := must[*cip.AdminInitiateAuthOutput](t, "AdminInitiateAuth")(e.c.AdminInitiateAuth(e.ctx, &cip.AdminInitiateAuthInput{
		UserPoolId: aws.String(poolID), ClientId: aws.String(clientID), AuthFlow: types.AuthFlowTypeAdminUserPasswordAuth,
		AuthParameters: map[string]string{"USERNAME": "kim", "PASSWORD": "Perm#Pass1"}}))
	msgs := outbox(t, e.server, "kim@example.com")
	ar := must[*cip.AdminRespondToAuthChallengeOutput](t, "AdminRespondToAuthChallenge")(e.c.AdminRespondToAuthChallenge(e.ctx,
		&cip.AdminRespondToAuthChallengeInput{UserPoolId: aws.String(poolID), ClientId: aws.String(clientID), ChallengeName: a.ChallengeName,
			Session: a.Session, ChallengeResponses: map[string]string{"USERNAME": "kim",
				"EMAIL_OTP_CODE": sixDigits.FindStringSubmatch(msgs[len(msgs)-1].Body)[1]}}))
	if ar.AuthenticationResult == nil || ar.AuthenticationResult.NewDeviceMetadata == nil ||
		!deviceKeyPattern.MatchString(*ar.AuthenticationResult.NewDeviceMetadata.DeviceKey) {
		t.Errorf("admin sign-in: %+v; want tokens with NewDeviceMetadata", ar.AuthenticationResult)
	}

	// Not confirmed yet: not listed, and not usable to sign in.
	l := must[*cip.ListDevicesOutput](t, "ListDevices")(e.c.ListDevices(e.ctx, &cip.ListDevicesInput{AccessToken: first.AccessToken}))
	if len(l.Devices) != 0 {
		t.Errorf("ListDevices before ConfirmDevice = %d devices", len(l.Devices))
	}
	_, err := e.signInDevice(clientID, *md.DeviceKey)
	wantErr[*types.ResourceNotFoundException](t, err, "Device does not exist.")
	// Nor to refresh: Cognito "will not let the refresh token refresh the
	// access token" of a device never confirmed (amplify-android#2506).
	_, err = e.c.InitiateAuth(e.ctx, &cip.InitiateAuthInput{AuthFlow: types.AuthFlowTypeRefreshTokenAuth, ClientId: aws.String(clientID),
		AuthParameters: map[string]string{"REFRESH_TOKEN": *first.RefreshToken, "DEVICE_KEY": *md.DeviceKey}})
	wantErr[*types.NotAuthorizedException](t, err, "Invalid Refresh Token.")

	d, prompt := e.confirmDevice(first)
	if prompt {
		t.Errorf("UserConfirmationNecessary = true; the pool remembers devices without asking")
	}
	_, err = e.c.ConfirmDevice(e.ctx, &cip.ConfirmDeviceInput{AccessToken: first.AccessToken, DeviceKey: md.DeviceKey,
		DeviceSecretVerifierConfig: &types.DeviceSecretVerifierConfigType{PasswordVerifier: aws.String("AQ=="), Salt: aws.String("AQ==")}})
	wantErr[*types.DeviceKeyExistsException](t, err, "Device key already exists.")

	g := must[*cip.GetDeviceOutput](t, "GetDevice")(e.c.GetDevice(e.ctx, &cip.GetDeviceInput{AccessToken: first.AccessToken, DeviceKey: md.DeviceKey}))
	// The attributes of awscli's admin-get-device example, in its order: the
	// owner is "<username>.<pool>", last_ip_used the sign-in's address.
	owner := "kim." + poolID
	wantAttrs := map[string]string{"device_status": "valid", "device_name": "kim's laptop",
		"dev:device_arn":   "arn:aws:cognito-idp:us-east-1:000000000000:owner/" + owner + "/device/" + d.key,
		"dev:device_owner": owner, "last_ip_used": "127.0.0.1", "dev:device_remembered_status": "remembered"}
	if *g.Device.DeviceKey != d.key || !cmp.Equal(deviceAttrs(g.Device), wantAttrs) || g.Device.DeviceCreateDate == nil ||
		g.Device.DeviceLastModifiedDate == nil || g.Device.DeviceLastAuthenticatedDate == nil {
		t.Errorf("GetDevice = %+v %v", g.Device, deviceAttrs(g.Device))
	}
	var names []string
	for _, a := range g.Device.DeviceAttributes {
		names = append(names, *a.Name)
	}
	if want := []string{"device_status", "device_name", "dev:device_arn", "dev:device_owner", "last_ip_used",
		"dev:device_remembered_status"}; !slices.Equal(names, want) {
		t.Errorf("GetDevice attributes in order %v; want %v", names, want)
	}
	al := must[*cip.AdminListDevicesOutput](t, "AdminListDevices")(e.c.AdminListDevices(e.ctx,
		&cip.AdminListDevicesInput{UserPoolId: aws.String(poolID), Username: aws.String("kim")}))
	if len(al.Devices) != 1 || *al.Devices[0].DeviceKey != d.key || al.PaginationToken != nil {
		t.Errorf("AdminListDevices = %+v", al)
	}
	lastAuth := *g.Device.DeviceLastAuthenticatedDate
	if lastAuth.Nanosecond() != 0 { // whole seconds, as in the CLI's get-device example
		t.Errorf("DeviceLastAuthenticatedDate %v has a fraction of a second", lastAuth)
	}

	var deviceRefresh func() error // a refresh from the device, once it has a token
	t.Run("remembered device skips MFA", func(t *testing.T) {
		e.Clock.Advance(time.Minute)
		out, err := e.signInDevice(clientID, d.key)
		if err != nil {
			t.Fatal(err)
		}
		if out.ChallengeName != types.ChallengeNameTypeDeviceSrpAuth || out.Session == nil {
			t.Fatalf("sign-in with a remembered device: %q; want DEVICE_SRP_AUTH", out.ChallengeName)
		}
		done, err := e.deviceSRP(clientID, out.Session, d, d.password)
		if err != nil {
			t.Fatal(err)
		}
		res := done.AuthenticationResult
		if res == nil || res.NewDeviceMetadata != nil || res.RefreshToken == nil {
			t.Fatalf("DEVICE_PASSWORD_VERIFIER: %+v", done)
		}
		if got := verifyJWT(t, e.server, poolID, *res.AccessToken)["device_key"]; got != d.key {
			t.Errorf("device_key claim = %v", got)
		}
		// The device's key survives a refresh, which only that device may
		// ask for: "With device tracking, these tokens are linked to a
		// single device. If a refresh token is used on any other device, the
		// call fails." (aws.amazon.com/blogs/mobile/tracking-and-remembering-devices-using-amazon-cognito-your-user-pools/)
		refreshOn := func(key string) (*cip.InitiateAuthOutput, error) {
			params := map[string]string{"REFRESH_TOKEN": *res.RefreshToken}
			if key != "" {
				params["DEVICE_KEY"] = key
			}
			return e.c.InitiateAuth(e.ctx, &cip.InitiateAuthInput{AuthFlow: types.AuthFlowTypeRefreshTokenAuth,
				ClientId: aws.String(clientID), AuthParameters: params})
		}
		r := must[*cip.InitiateAuthOutput](t, "refresh")(refreshOn(d.key))
		if got := verifyJWT(t, e.server, poolID, *r.AuthenticationResult.AccessToken)["device_key"]; got != d.key {
			t.Errorf("refreshed device_key claim = %v", got)
		}
		for _, key := range []string{"", "us-east-1_00000000-0000-0000-0000-000000000000"} {
			_, err := refreshOn(key)
			wantErr[*types.NotAuthorizedException](t, err, "Invalid Refresh Token.")
		}
		_, err = e.c.GetTokensFromRefreshToken(e.ctx, &cip.GetTokensFromRefreshTokenInput{ClientId: aws.String(clientID), RefreshToken: res.RefreshToken})
		wantErr[*types.NotAuthorizedException](t, err, "Invalid Refresh Token.")
		if _, err := e.c.GetTokensFromRefreshToken(e.ctx, &cip.GetTokensFromRefreshTokenInput{ClientId: aws.String(clientID),
			RefreshToken: res.RefreshToken, DeviceKey: aws.String(d.key)}); err != nil {
			t.Errorf("GetTokensFromRefreshToken on the device: %v", err)
		}
		deviceRefresh = func() error { _, err := refreshOn(d.key); return err }
		g := must[*cip.AdminGetDeviceOutput](t, "AdminGetDevice")(e.c.AdminGetDevice(e.ctx, &cip.AdminGetDeviceInput{
			UserPoolId: aws.String(poolID), Username: aws.String("kim"), DeviceKey: aws.String(d.key)}))
		if !g.Device.DeviceLastAuthenticatedDate.After(lastAuth) {
			t.Errorf("DeviceLastAuthenticatedDate %v not after %v", g.Device.DeviceLastAuthenticatedDate, lastAuth)
		}
	})
	// An admin sign-in proving the device records the end user's address
	// its ContextData states as the device's last_ip_used.
	t.Run("admin sign-in with the device", func(t *testing.T) {
		e.Clock.Advance(time.Minute)
		ctxData := &types.ContextDataType{IpAddress: aws.String("203.0.113.7"), ServerName: aws.String("app.example.com"),
			ServerPath: aws.String("/login"), HttpHeaders: []types.HttpHeader{{HeaderName: aws.String("User-Agent"), HeaderValue: aws.String("e2e")}}}
		a := must[*cip.AdminInitiateAuthOutput](t, "AdminInitiateAuth")(e.c.AdminInitiateAuth(e.ctx, &cip.AdminInitiateAuthInput{
			UserPoolId: aws.String(poolID), ClientId: aws.String(clientID), AuthFlow: types.AuthFlowTypeAdminUserPasswordAuth,
			AuthParameters: map[string]string{"USERNAME": "kim", "PASSWORD": "Perm#Pass1", "DEVICE_KEY": d.key}, ContextData: ctxData}))
		if a.ChallengeName != types.ChallengeNameTypeDeviceSrpAuth {
			t.Fatalf("admin sign-in with a remembered device: %q", a.ChallengeName)
		}
		cl, err := srp.NewClient(nil)
		if err != nil {
			t.Fatal(err)
		}
		adminRespond := func(name types.ChallengeNameType, session *string, r map[string]string) *cip.AdminRespondToAuthChallengeOutput {
			return must[*cip.AdminRespondToAuthChallengeOutput](t, string(name))(e.c.AdminRespondToAuthChallenge(e.ctx,
				&cip.AdminRespondToAuthChallengeInput{UserPoolId: aws.String(poolID), ClientId: aws.String(clientID), ChallengeName: name,
					Session: session, ChallengeResponses: r, ContextData: ctxData}))
		}
		pv := adminRespond(types.ChallengeNameTypeDeviceSrpAuth, a.Session, map[string]string{"USERNAME": "kim", "DEVICE_KEY": d.key, "SRP_A": cl.A()})
		cp := pv.ChallengeParameters
		ts, sig, err := cl.Claim(d.group, d.key, d.password, cp["SALT"], cp["SRP_B"], cp["SECRET_BLOCK"], e.Clock.Now())
		if err != nil {
			t.Fatal(err)
		}
		done := adminRespond(types.ChallengeNameTypeDevicePasswordVerifier, pv.Session, map[string]string{"USERNAME": cp["USERNAME"],
			"DEVICE_KEY": d.key, "PASSWORD_CLAIM_SECRET_BLOCK": cp["SECRET_BLOCK"], "PASSWORD_CLAIM_SIGNATURE": sig, "TIMESTAMP": ts})
		if done.AuthenticationResult == nil {
			t.Fatalf("admin DEVICE_PASSWORD_VERIFIER: %+v", done)
		}
		g := must[*cip.AdminGetDeviceOutput](t, "AdminGetDevice")(e.c.AdminGetDevice(e.ctx, &cip.AdminGetDeviceInput{
			UserPoolId: aws.String(poolID), Username: aws.String("kim"), DeviceKey: aws.String(d.key)}))
		if got := deviceAttrs(g.Device)["last_ip_used"]; got != "203.0.113.7" {
			t.Errorf("last_ip_used after an admin sign-in stating 203.0.113.7: %q", got)
		}
	})
	t.Run("wrong device password", func(t *testing.T) {
		out := must[*cip.InitiateAuthOutput](t, "sign-in")(e.signInDevice(clientID, d.key))
		_, err := e.deviceSRP(clientID, out.Session, d, d.password+"x")
		wantErr[*types.NotAuthorizedException](t, err, "Incorrect username or password.")
	})
	t.Run("SRP sign-in with the device", func(t *testing.T) {
		cl, cp, err := e.srpChallenge(poolID, clientID, "kim", false, map[string]string{"DEVICE_KEY": d.key})
		if err != nil {
			t.Fatal(err)
		}
		// A device the pool does not know: the answer stays usable without it.
		r := srpProof(t, poolID, cl, cp, "Perm#Pass1", e.Clock.Now())
		r["DEVICE_KEY"] = "us-east-1_00000000-0000-0000-0000-000000000000"
		_, err = e.verifier(clientID, r)
		wantErr[*types.ResourceNotFoundException](t, err, "Device does not exist.")
		r["DEVICE_KEY"] = d.key
		out := must[*cip.RespondToAuthChallengeOutput](t, "PASSWORD_VERIFIER")(e.verifier(clientID, r))
		if out.ChallengeName != types.ChallengeNameTypeDeviceSrpAuth {
			t.Fatalf("after PASSWORD_VERIFIER: %q; want DEVICE_SRP_AUTH", out.ChallengeName)
		}
		if done, err := e.deviceSRP(clientID, out.Session, d, d.password); err != nil || done.AuthenticationResult == nil {
			t.Fatalf("device SRP: %v", err)
		}
	})
	t.Run("not remembered: MFA, then the device", func(t *testing.T) {
		must[*cip.UpdateDeviceStatusOutput](t, "UpdateDeviceStatus")(e.c.UpdateDeviceStatus(e.ctx, &cip.UpdateDeviceStatusInput{
			AccessToken: first.AccessToken, DeviceKey: aws.String(d.key), DeviceRememberedStatus: types.DeviceRememberedStatusTypeNotRemembered}))
		out := must[*cip.InitiateAuthOutput](t, "sign-in")(e.signInDevice(clientID, d.key))
		next := e.mfaTokens(clientID, out.Session, out.ChallengeName)
		if next.ChallengeName != types.ChallengeNameTypeDeviceSrpAuth {
			t.Fatalf("after EMAIL_OTP: %q; want DEVICE_SRP_AUTH", next.ChallengeName)
		}
		if done, err := e.deviceSRP(clientID, next.Session, d, d.password); err != nil || done.AuthenticationResult == nil {
			t.Fatalf("device SRP: %v", err)
		}
		must[*cip.AdminUpdateDeviceStatusOutput](t, "AdminUpdateDeviceStatus")(e.c.AdminUpdateDeviceStatus(e.ctx, &cip.AdminUpdateDeviceStatusInput{
			UserPoolId: aws.String(poolID), Username: aws.String("kim"), DeviceKey: aws.String(d.key),
			DeviceRememberedStatus: types.DeviceRememberedStatusTypeRemembered}))
		if out := must[*cip.InitiateAuthOutput](t, "sign-in")(e.signInDevice(clientID, d.key)); out.ChallengeName != types.ChallengeNameTypeDeviceSrpAuth {
			t.Errorf("remembered again: %q; want DEVICE_SRP_AUTH", out.ChallengeName)
		}
	})
	t.Run("forget", func(t *testing.T) {
		must[*cip.ForgetDeviceOutput](t, "ForgetDevice")(e.c.ForgetDevice(e.ctx, &cip.ForgetDeviceInput{AccessToken: first.AccessToken, DeviceKey: aws.String(d.key)}))
		// "the ForgetDevice API can be used to forget that specific device,
		// and as a result, all future calls to revalidate that device's
		// refresh tokens will fail."
		if deviceRefresh == nil {
			t.Fatal("no refresh token of the device")
		}
		wantErr[*types.NotAuthorizedException](t, deviceRefresh(), "Invalid Refresh Token.")
		_, err := e.c.GetDevice(e.ctx, &cip.GetDeviceInput{AccessToken: first.AccessToken, DeviceKey: aws.String(d.key)})
		wantErr[*types.ResourceNotFoundException](t, err, "Device does not exist.")
		_, err = e.c.AdminForgetDevice(e.ctx, &cip.AdminForgetDeviceInput{UserPoolId: aws.String(poolID), Username: aws.String("kim"), DeviceKey: aws.String(d.key)})
		wantErr[*types.ResourceNotFoundException](t, err, "Device does not exist.")
		_, err = e.signInDevice(clientID, d.key)
		wantErr[*types.ResourceNotFoundException](t, err, "Device does not exist.")
		// UserNotFoundException is not among AdminListDevices' modeled
		// errors, so the SDK reports it as a generic API error.
		_, err = e.c.AdminListDevices(e.ctx, &cip.AdminListDevicesInput{UserPoolId: aws.String(poolID), Username: aws.String("nobody")})
		var ae smithy.APIError
		if !errors.As(err, &ae) || ae.ErrorCode() != "UserNotFoundException" || ae.ErrorMessage() != "User does not exist." {
			t.Errorf("AdminListDevices of an unknown user: %v", err)
		}
	})
}

// TestSDKDevicesUserPrompt: DeviceOnlyRememberedOnUserPrompt: ConfirmDevice
// asks the user, the device is tracked but not remembered (MFA stays) until
// UpdateDeviceStatus remembers it; ChallengeRequiredOnNewDevice false:
// even a remembered device answers MFA before device SRP.
func TestSDKDevicesUserPrompt(t *testing.T) {
	e := newSDKEnv(t)
	poolID, clientID := e.devicePool(&types.DeviceConfigurationType{DeviceOnlyRememberedOnUserPrompt: true})
	out := must[*cip.InitiateAuthOutput](t, "sign-in")(e.signIn(clientID, "kim", "Perm#Pass1"))
	first := e.mfaTokens(clientID, out.Session, out.ChallengeName).AuthenticationResult
	d, prompt := e.confirmDevice(first)
	if !prompt {
		t.Fatal("UserConfirmationNecessary = false; want true")
	}
	g := must[*cip.AdminGetDeviceOutput](t, "AdminGetDevice")(e.c.AdminGetDevice(e.ctx, &cip.AdminGetDeviceInput{
		UserPoolId: aws.String(poolID), Username: aws.String("kim"), DeviceKey: aws.String(d.key)}))
	if got := deviceAttrs(g.Device)["dev:device_remembered_status"]; got != "not_remembered" {
		t.Errorf("remembered status = %q; want not_remembered", got)
	}
	must[*cip.UpdateDeviceStatusOutput](t, "UpdateDeviceStatus")(e.c.UpdateDeviceStatus(e.ctx, &cip.UpdateDeviceStatusInput{
		AccessToken: first.AccessToken, DeviceKey: aws.String(d.key), DeviceRememberedStatus: types.DeviceRememberedStatusTypeRemembered}))
	out = must[*cip.InitiateAuthOutput](t, "sign-in")(e.signInDevice(clientID, d.key))
	next := e.mfaTokens(clientID, out.Session, out.ChallengeName)
	if next.ChallengeName != types.ChallengeNameTypeDeviceSrpAuth {
		t.Fatalf("after EMAIL_OTP: %q; want DEVICE_SRP_AUTH", next.ChallengeName)
	}
	done, err := e.deviceSRP(clientID, next.Session, d, d.password)
	if err != nil || done.AuthenticationResult == nil || done.AuthenticationResult.NewDeviceMetadata != nil {
		t.Fatalf("device SRP: %v", err)
	}
	// Several devices list newest first, one per page.
	out = must[*cip.InitiateAuthOutput](t, "sign-in")(e.signIn(clientID, "kim", "Perm#Pass1"))
	e.Clock.Advance(time.Second)
	second := e.mfaTokens(clientID, out.Session, out.ChallengeName).AuthenticationResult
	d2, _ := e.confirmDevice(second)
	var keys []string
	var token *string
	for range 3 {
		l := must[*cip.ListDevicesOutput](t, "ListDevices")(e.c.ListDevices(e.ctx, &cip.ListDevicesInput{
			AccessToken: second.AccessToken, Limit: aws.Int32(1), PaginationToken: token}))
		for _, dv := range l.Devices {
			keys = append(keys, *dv.DeviceKey)
		}
		if token = l.PaginationToken; token == nil {
			break
		}
	}
	if strings.Join(keys, ",") != d2.key+","+d.key {
		t.Errorf("ListDevices pages = %v; want [%s %s]", keys, d2.key, d.key)
	}
}
