package e2e

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	bin "encoding/binary"
	"encoding/json"
	"errors"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/document"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/google/go-cmp/cmp"
)

// softAuthenticator is a platform authenticator in software: ES256 keys,
// "none" attestation, a signature counter, user verification on demand. It
// builds clientDataJSON, authenticatorData and the attestation object
// byte by byte (CBOR by hand), so it checks Ninshou against the WebAuthn
// specification rather than against the library Ninshou verifies with.
type softAuthenticator struct {
	t      *testing.T
	origin string // what the browser would put in clientDataJSON
	uv     bool   // the authenticator verifies the user (flag UV)
	keys   []*softKey
}

type softKey struct {
	id         []byte
	priv       *ecdsa.PrivateKey
	rpID       string
	userHandle []byte
	count      uint32
}

// creationOptions and requestOptions are the members of the WebAuthn JSON
// options the authenticator (and the tests) read.
type creationOptions struct {
	Challenge string `json:"challenge"`
	RP        struct {
		ID   string `json:"id"`
		Name string `json:"name"`
	} `json:"rp"`
	User struct {
		ID          string `json:"id"`
		Name        string `json:"name"`
		DisplayName string `json:"displayName"`
	} `json:"user"`
	PubKeyCredParams []struct {
		Type string `json:"type"`
		Alg  int    `json:"alg"`
	} `json:"pubKeyCredParams"`
	Timeout            int                    `json:"timeout"`
	ExcludeCredentials []credentialDescriptor `json:"excludeCredentials"`
	Selection          struct {
		ResidentKey        string `json:"residentKey"`
		RequireResidentKey bool   `json:"requireResidentKey"`
		UserVerification   string `json:"userVerification"`
	} `json:"authenticatorSelection"`
}

type requestOptions struct {
	Challenge        string                 `json:"challenge"`
	RPID             string                 `json:"rpId"`
	AllowCredentials []credentialDescriptor `json:"allowCredentials"`
	UserVerification string                 `json:"userVerification"`
	Timeout          int                    `json:"timeout"`
}

type credentialDescriptor struct {
	Type       string   `json:"type"`
	ID         string   `json:"id"`
	Transports []string `json:"transports"`
}

var b64u = base64.RawURLEncoding

// CBOR (RFC 8949), the little of it WebAuthn needs.
func cborHead(major byte, n uint64) []byte {
	switch {
	case n < 24:
		return []byte{major<<5 | byte(n)}
	case n < 1<<8:
		return []byte{major<<5 | 24, byte(n)}
	case n < 1<<16:
		return bin.BigEndian.AppendUint16([]byte{major<<5 | 25}, uint16(n))
	default:
		return bin.BigEndian.AppendUint32([]byte{major<<5 | 26}, uint32(n))
	}
}

func cborInt(v int) []byte {
	if v < 0 {
		return cborHead(1, uint64(-1-v))
	}
	return cborHead(0, uint64(v))
}
func cborBytes(b []byte) []byte { return append(cborHead(2, uint64(len(b))), b...) }
func cborText(s string) []byte  { return append(cborHead(3, uint64(len(s))), s...) }

// cborMap encodes pairs of already encoded keys and values, in the given
// (canonical) order.
func cborMap(kv ...[]byte) []byte {
	out := cborHead(5, uint64(len(kv)/2))
	for _, b := range kv {
		out = append(out, b...)
	}
	return out
}

// Authenticator data flags (WebAuthn §6.1).
const (
	flagUP = 0x01
	flagUV = 0x04
	flagAT = 0x40
)

func (a *softAuthenticator) clientData(typ, challenge string) []byte {
	b, _ := json.Marshal(map[string]any{"type": typ, "challenge": challenge, "origin": a.origin, "crossOrigin": false})
	return b
}

func (a *softAuthenticator) flags() byte {
	if a.uv {
		return flagUP | flagUV
	}
	return flagUP
}

// create is navigator.credentials.create: a new key for the options' RP and
// user, returned as a RegistrationResponseJSON. rpIDOverride, when set,
// makes the authenticator scope the key to another RP (a lying client).
func (a *softAuthenticator) create(o creationOptions, rpIDOverride string) map[string]any {
	a.t.Helper()
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		a.t.Fatal(err)
	}
	id := make([]byte, 32)
	rand.Read(id)
	uh, err := b64u.DecodeString(o.User.ID)
	if err != nil {
		a.t.Fatalf("user.id %q: %v", o.User.ID, err)
	}
	rpID := o.RP.ID
	if rpIDOverride != "" {
		rpID = rpIDOverride
	}
	k := &softKey{id: id, priv: priv, rpID: rpID, userHandle: uh}
	a.keys = append(a.keys, k)

	pub, err := priv.PublicKey.ECDH()
	if err != nil {
		a.t.Fatal(err)
	}
	point := pub.Bytes() // 0x04 || X || Y
	cose := cborMap(cborInt(1), cborInt(2), cborInt(3), cborInt(-7), cborInt(-1), cborInt(1),
		cborInt(-2), cborBytes(point[1:33]), cborInt(-3), cborBytes(point[33:]))
	rpHash := sha256.Sum256([]byte(rpID))
	auth := append(rpHash[:], a.flags()|flagAT)
	auth = bin.BigEndian.AppendUint32(auth, k.count)
	auth = append(auth, make([]byte, 16)...) // AAGUID: none
	auth = bin.BigEndian.AppendUint16(auth, uint16(len(id)))
	auth = append(auth, id...)
	auth = append(auth, cose...)
	attObj := cborMap(cborText("fmt"), cborText("none"), cborText("attStmt"), cborMap(), cborText("authData"), cborBytes(auth))
	return map[string]any{
		"id": b64u.EncodeToString(id), "rawId": b64u.EncodeToString(id), "type": "public-key",
		"authenticatorAttachment": "platform", "clientExtensionResults": map[string]any{},
		"response": map[string]any{
			"clientDataJSON":    b64u.EncodeToString(a.clientData("webauthn.create", o.Challenge)),
			"attestationObject": b64u.EncodeToString(attObj),
			"transports":        []string{"internal"},
		},
	}
}

// get is navigator.credentials.get: an assertion by the first key allowed,
// as an AuthenticationResponseJSON string. countStep is how far the
// signature counter moves (0 replays the last value).
func (a *softAuthenticator) get(o requestOptions, countStep uint32) string {
	a.t.Helper()
	var k *softKey
	for _, c := range o.AllowCredentials {
		for _, key := range a.keys {
			if b64u.EncodeToString(key.id) == c.ID && key.rpID == o.RPID {
				k = key
			}
		}
	}
	if k == nil {
		a.t.Fatalf("no key for %+v", o)
	}
	k.count += countStep
	rpHash := sha256.Sum256([]byte(k.rpID))
	auth := bin.BigEndian.AppendUint32(append(rpHash[:], a.flags()), k.count)
	cd := a.clientData("webauthn.get", o.Challenge)
	cdHash := sha256.Sum256(cd)
	digest := sha256.Sum256(append(append([]byte{}, auth...), cdHash[:]...))
	sig, err := ecdsa.SignASN1(rand.Reader, k.priv, digest[:])
	if err != nil {
		a.t.Fatal(err)
	}
	b, _ := json.Marshal(map[string]any{
		"id": b64u.EncodeToString(k.id), "rawId": b64u.EncodeToString(k.id), "type": "public-key",
		"authenticatorAttachment": "platform", "clientExtensionResults": map[string]any{},
		"response": map[string]any{
			"clientDataJSON": b64u.EncodeToString(cd), "authenticatorData": b64u.EncodeToString(auth),
			"signature": b64u.EncodeToString(sig), "userHandle": b64u.EncodeToString(k.userHandle),
		},
	})
	return string(b)
}

// passkeyEnv is a pool whose first factors are PASSWORD and WEB_AUTHN with
// relying party rpID (none when ""), a USER_AUTH client, and user kim.
func passkeyEnv(t *testing.T, rpID, uv string) (e *sdkEnv, poolID, clientID string) {
	e = newSDKEnv(t)
	poolID = e.pool(func(in *cip.CreateUserPoolInput) {
		in.Policies = &types.UserPoolPolicyType{SignInPolicy: &types.SignInPolicyType{
			AllowedFirstAuthFactors: []types.AuthFactorType{types.AuthFactorTypePassword, types.AuthFactorTypeWebAuthn}}}
	})
	if rpID != "" {
		must[*cip.SetUserPoolMfaConfigOutput](t, "SetUserPoolMfaConfig")(e.c.SetUserPoolMfaConfig(e.ctx, &cip.SetUserPoolMfaConfigInput{
			UserPoolId: aws.String(poolID), WebAuthnConfiguration: &types.WebAuthnConfigurationType{
				RelyingPartyId: aws.String(rpID), UserVerification: types.UserVerificationType(uv)}}))
	}
	clientID = *e.client(poolID, func(in *cip.CreateUserPoolClientInput) {
		in.ExplicitAuthFlows = append(passwordFlows, types.ExplicitAuthFlowsTypeAllowUserAuth)
	}).ClientId
	e.user(poolID, "kim", "kim@example.com", "Perm#Pass1")
	return e, poolID, clientID
}

func (e *sdkEnv) startPasskey(token string) creationOptions {
	e.t.Helper()
	out := must[*cip.StartWebAuthnRegistrationOutput](e.t, "StartWebAuthnRegistration")(e.c.StartWebAuthnRegistration(e.ctx,
		&cip.StartWebAuthnRegistrationInput{AccessToken: aws.String(token)}))
	raw, err := out.CredentialCreationOptions.MarshalSmithyDocument()
	if err != nil {
		e.t.Fatalf("CredentialCreationOptions: %v", err)
	}
	var o creationOptions
	if err := json.Unmarshal(raw, &o); err != nil {
		e.t.Fatalf("CredentialCreationOptions %s: %v", raw, err)
	}
	return o
}

func (e *sdkEnv) completePasskey(token string, cred map[string]any) error {
	_, err := e.c.CompleteWebAuthnRegistration(e.ctx, &cip.CompleteWebAuthnRegistrationInput{
		AccessToken: aws.String(token), Credential: document.NewLazyDocument(cred)})
	return err
}

func (e *sdkEnv) passkeys(token string) []types.WebAuthnCredentialDescription {
	e.t.Helper()
	return must[*cip.ListWebAuthnCredentialsOutput](e.t, "ListWebAuthnCredentials")(e.c.ListWebAuthnCredentials(e.ctx,
		&cip.ListWebAuthnCredentialsInput{AccessToken: aws.String(token)})).Credentials
}

// requestOptionsOf reads CREDENTIAL_REQUEST_OPTIONS of a WEB_AUTHN challenge.
func requestOptionsOf(t *testing.T, name types.ChallengeNameType, params map[string]string) requestOptions {
	t.Helper()
	if name != types.ChallengeNameTypeWebAuthn {
		t.Fatalf("challenge %q, want WEB_AUTHN", name)
	}
	var o requestOptions
	if err := json.Unmarshal([]byte(params["CREDENTIAL_REQUEST_OPTIONS"]), &o); err != nil {
		t.Fatalf("CREDENTIAL_REQUEST_OPTIONS %q: %v", params["CREDENTIAL_REQUEST_OPTIONS"], err)
	}
	return o
}

// TestSDKWebAuthn registers a passkey through the SDK and signs in with it
// under USER_AUTH, both ways (PREFERRED_CHALLENGE and SELECT_CHALLENGE).
func TestSDKWebAuthn(t *testing.T) {
	e, poolID, clientID := passkeyEnv(t, "localhost", "preferred")
	a := &softAuthenticator{t: t, origin: "http://localhost:3000", uv: true}
	token := *e.tokens(clientID, "kim", "Perm#Pass1").AccessToken

	if got := e.userAuth(clientID, map[string]string{"USERNAME": "kim"}).AvailableChallenges; !cmp.Equal(got, []types.ChallengeNameType{"PASSWORD", "PASSWORD_SRP"}) {
		t.Fatalf("before any passkey, AvailableChallenges = %v", got)
	}

	opts := e.startPasskey(token)
	uh, _ := b64u.DecodeString(opts.User.ID)
	if opts.RP.ID != "localhost" || opts.User.Name != "kim" || opts.User.DisplayName != "kim" || len(uh) == 0 ||
		len(opts.ExcludeCredentials) != 0 || opts.Selection.UserVerification != "preferred" || opts.Selection.ResidentKey != "required" ||
		opts.Timeout != 60000 || len(opts.PubKeyCredParams) == 0 || opts.PubKeyCredParams[0].Alg != -7 { // the CLI's start-web-authn-registration example
		t.Fatalf("creation options = %+v", opts)
	}
	if c, err := b64u.DecodeString(opts.Challenge); err != nil || len(c) < 16 {
		t.Fatalf("challenge %q", opts.Challenge)
	}
	before := e.Clock.Now().Add(-time.Second)
	reg := a.create(opts, "")
	if err := e.completePasskey(token, reg); err != nil {
		t.Fatalf("CompleteWebAuthnRegistration: %v", err)
	}
	t.Run("registration challenge is single-use", func(t *testing.T) {
		wantErr[*types.WebAuthnChallengeNotFoundException](t, e.completePasskey(token, reg),
			"The WebAuthn registration challenge is not found or has expired.")
	})

	list := e.passkeys(token)
	if len(list) != 1 {
		t.Fatalf("ListWebAuthnCredentials = %d credentials", len(list))
	}
	got := list[0]
	if *got.CredentialId != reg["id"] || *got.RelyingPartyId != "localhost" || *got.FriendlyCredentialName != "Passkey" ||
		aws.ToString(got.AuthenticatorAttachment) != "platform" || !cmp.Equal(got.AuthenticatorTransports, []string{"internal"}) ||
		got.CreatedAt == nil || got.CreatedAt.Before(before) {
		t.Errorf("credential = %+v", got)
	}
	if again := e.startPasskey(token); len(again.ExcludeCredentials) != 1 || again.ExcludeCredentials[0].ID != reg["id"] {
		t.Errorf("excludeCredentials = %+v", again.ExcludeCredentials)
	}

	t.Run("offered", func(t *testing.T) {
		out := e.userAuth(clientID, map[string]string{"USERNAME": "kim"})
		if want := []types.ChallengeNameType{"PASSWORD", "PASSWORD_SRP", "WEB_AUTHN"}; !cmp.Equal(out.AvailableChallenges, want) {
			t.Errorf("AvailableChallenges = %v, want %v", out.AvailableChallenges, want)
		}
		f := must[*cip.GetUserAuthFactorsOutput](t, "GetUserAuthFactors")(e.c.GetUserAuthFactors(e.ctx, &cip.GetUserAuthFactorsInput{AccessToken: aws.String(token)}))
		if want := []types.AuthFactorType{"PASSWORD", "WEB_AUTHN"}; !cmp.Equal(f.ConfiguredUserAuthFactors, want) {
			t.Errorf("ConfiguredUserAuthFactors = %v", f.ConfiguredUserAuthFactors)
		}
	})

	t.Run("PREFERRED_CHALLENGE", func(t *testing.T) {
		out := e.userAuth(clientID, map[string]string{"USERNAME": "kim", "PREFERRED_CHALLENGE": "WEB_AUTHN"})
		o := requestOptionsOf(t, out.ChallengeName, out.ChallengeParameters)
		if o.RPID != "localhost" || o.UserVerification != "preferred" || o.Timeout <= 0 || len(o.AllowCredentials) != 1 ||
			o.AllowCredentials[0].ID != reg["id"] || o.AllowCredentials[0].Type != "public-key" || out.Session == nil {
			t.Fatalf("request options = %+v", o)
		}
		answer := a.get(o, 1)
		done := must[*cip.RespondToAuthChallengeOutput](t, "WEB_AUTHN")(e.respond(clientID, types.ChallengeNameTypeWebAuthn,
			*out.Session, map[string]string{"USERNAME": "kim", "CREDENTIAL": answer}))
		if done.AuthenticationResult == nil || done.AuthenticationResult.RefreshToken == nil {
			t.Fatalf("no tokens: %q", done.ChallengeName)
		}
		claims := verifyJWT(t, e.server, poolID, *done.AuthenticationResult.AccessToken)
		if claims["username"] != "kim" || claims["token_use"] != "access" {
			t.Errorf("access token claims = %v", claims)
		}
		_, err := e.respond(clientID, types.ChallengeNameTypeWebAuthn, *out.Session, map[string]string{"USERNAME": "kim", "CREDENTIAL": answer})
		wantErr[*types.NotAuthorizedException](t, err, "Invalid session for the user, session can only be used once.")
	})

	t.Run("SELECT_CHALLENGE", func(t *testing.T) {
		out := e.userAuth(clientID, map[string]string{"USERNAME": "kim"})
		next := must[*cip.RespondToAuthChallengeOutput](t, "SELECT_CHALLENGE")(e.respond(clientID, types.ChallengeNameTypeSelectChallenge,
			*out.Session, map[string]string{"USERNAME": "kim", "ANSWER": "WEB_AUTHN"}))
		o := requestOptionsOf(t, next.ChallengeName, next.ChallengeParameters)
		done := must[*cip.RespondToAuthChallengeOutput](t, "WEB_AUTHN")(e.respond(clientID, types.ChallengeNameTypeWebAuthn,
			*next.Session, map[string]string{"USERNAME": "kim", "CREDENTIAL": a.get(o, 1)}))
		if done.AuthenticationResult == nil {
			t.Fatalf("no tokens: %q", done.ChallengeName)
		}
	})

	t.Run("refused assertions", func(t *testing.T) {
		start := func() (string, requestOptions) {
			out := e.userAuth(clientID, map[string]string{"USERNAME": "kim", "PREFERRED_CHALLENGE": "WEB_AUTHN"})
			return *out.Session, requestOptionsOf(t, out.ChallengeName, out.ChallengeParameters)
		}
		refused := func(session, credential string) {
			t.Helper()
			_, err := e.respond(clientID, types.ChallengeNameTypeWebAuthn, session, map[string]string{"USERNAME": "kim", "CREDENTIAL": credential})
			wantErr[*types.NotAuthorizedException](t, err, "Invalid passkey credential.")
		}
		session, o := start()
		_, other := start()
		refused(session, a.get(o, 0))     // the counter does not advance: a cloned authenticator
		refused(session, a.get(other, 1)) // signs another session's challenge
		evil := &softAuthenticator{t: t, origin: "https://evil.example", uv: true, keys: a.keys}
		refused(session, evil.get(o, 1))
		// The session survived the failures; the right answer still works.
		done := must[*cip.RespondToAuthChallengeOutput](t, "WEB_AUTHN")(e.respond(clientID, types.ChallengeNameTypeWebAuthn,
			session, map[string]string{"USERNAME": "kim", "CREDENTIAL": a.get(o, 1)}))
		if done.AuthenticationResult == nil {
			t.Fatal("no tokens")
		}
		session, _ = start()
		_, err := e.respond(clientID, types.ChallengeNameTypeWebAuthn, session, map[string]string{"USERNAME": "kim"})
		wantErr[*types.InvalidParameterException](t, err, "Missing required parameter CREDENTIAL")
		_, err = e.respond(clientID, types.ChallengeNameTypeWebAuthn, session, map[string]string{"USERNAME": "kim", "CREDENTIAL": "{}"})
		wantErr[*types.InvalidParameterException](t, err, "CREDENTIAL is not a valid AuthenticationResponseJSON.")
	})

	t.Run("passkey MFA", func(t *testing.T) {
		// With WEB_AUTHN a first factor, Cognito turns MFA ON only when
		// passkeys count as a multi-factor (go-to-k/cdkd#2064).
		must[*cip.SetUserPoolMfaConfigOutput](t, "SetUserPoolMfaConfig")(e.c.SetUserPoolMfaConfig(e.ctx, &cip.SetUserPoolMfaConfigInput{
			UserPoolId: aws.String(poolID), MfaConfiguration: types.UserPoolMfaTypeOn,
			EmailMfaConfiguration: &types.EmailMfaConfigType{Message: aws.String("Your sign-in code is {####}"), Subject: aws.String("Sign-in code")},
			WebAuthnConfiguration: &types.WebAuthnConfigurationType{RelyingPartyId: aws.String("localhost"), UserVerification: types.UserVerificationTypePreferred,
				FactorConfiguration: types.WebAuthnFactorConfigurationTypeMultiFactorWithUserVerification}}))
		if out, err := e.signIn(clientID, "kim", "Perm#Pass1"); err != nil || out.ChallengeName != types.ChallengeNameTypeEmailOtp {
			t.Fatalf("password sign-in with MFA on: %v %v", out, err)
		}
		// MFA is due, and kim's passkey does not count as MFA yet: it is not offered.
		if got := e.userAuth(clientID, map[string]string{"USERNAME": "kim"}).AvailableChallenges; slices.Contains(got, "WEB_AUTHN") {
			t.Fatalf("a passkey offered for a sign-in that needs MFA: %v", got)
		}
		// Passkey MFA needs another MFA method of the user's
		// (API_WebAuthnMfaSettingsType: "to prevent account lockout").
		passkeyMFA := func() error {
			_, err := e.c.AdminSetUserMFAPreference(e.ctx, &cip.AdminSetUserMFAPreferenceInput{UserPoolId: aws.String(poolID),
				Username: aws.String("kim"), WebAuthnMfaSettings: &types.WebAuthnMfaSettingsType{Enabled: true}})
			return err
		}
		wantErr[*types.InvalidParameterException](t, passkeyMFA(),
			"Passkey MFA requires another MFA method (SMS, TOTP or email) to be enabled for the user.")
		must[*cip.AdminSetUserMFAPreferenceOutput](t, "AdminSetUserMFAPreference")(e.c.AdminSetUserMFAPreference(e.ctx, &cip.AdminSetUserMFAPreferenceInput{
			UserPoolId: aws.String(poolID), Username: aws.String("kim"), EmailMfaSettings: &types.EmailMfaSettingsType{Enabled: true}}))
		if err := passkeyMFA(); err != nil {
			t.Fatal(err)
		}
		// Now it signs in without a further step, and only with user verification.
		out := e.userAuth(clientID, map[string]string{"USERNAME": "kim", "PREFERRED_CHALLENGE": "WEB_AUTHN"})
		o := requestOptionsOf(t, out.ChallengeName, out.ChallengeParameters)
		if o.UserVerification != "required" {
			t.Errorf("userVerification %q under passkey MFA; want required", o.UserVerification)
		}
		a.uv = false
		_, err := e.respond(clientID, types.ChallengeNameTypeWebAuthn, *out.Session, map[string]string{"USERNAME": "kim", "CREDENTIAL": a.get(o, 1)})
		wantErr[*types.NotAuthorizedException](t, err, "Invalid passkey credential.")
		a.uv = true
		done := must[*cip.RespondToAuthChallengeOutput](t, "WEB_AUTHN")(e.respond(clientID, types.ChallengeNameTypeWebAuthn,
			*out.Session, map[string]string{"USERNAME": "kim", "CREDENTIAL": a.get(o, 1)}))
		if done.AuthenticationResult == nil {
			t.Fatalf("challenge %q after a verified passkey, want tokens", done.ChallengeName)
		}
	})

	t.Run("delete", func(t *testing.T) {
		_, err := e.c.DeleteWebAuthnCredential(e.ctx, &cip.DeleteWebAuthnCredentialInput{AccessToken: aws.String(token), CredentialId: aws.String("AAAA")})
		wantErr[*types.ResourceNotFoundException](t, err, "Credential not found.")
		must[*cip.DeleteWebAuthnCredentialOutput](t, "DeleteWebAuthnCredential")(e.c.DeleteWebAuthnCredential(e.ctx,
			&cip.DeleteWebAuthnCredentialInput{AccessToken: aws.String(token), CredentialId: got.CredentialId}))
		if list := e.passkeys(token); len(list) != 0 {
			t.Errorf("after delete: %d credentials", len(list))
		}
		if got := e.userAuth(clientID, map[string]string{"USERNAME": "kim"}).AvailableChallenges; !cmp.Equal(got, []types.ChallengeNameType{"PASSWORD", "PASSWORD_SRP"}) {
			t.Errorf("after delete, AvailableChallenges = %v", got)
		}
		_, err = e.c.DeleteWebAuthnCredential(e.ctx, &cip.DeleteWebAuthnCredentialInput{AccessToken: aws.String(token), CredentialId: got.CredentialId})
		wantErr[*types.ResourceNotFoundException](t, err, "Credential not found.")
	})
}

// TestSDKWebAuthnPaging lists passkeys a page at a time.
func TestSDKWebAuthnPaging(t *testing.T) {
	e, _, clientID := passkeyEnv(t, "localhost", "preferred")
	a := &softAuthenticator{t: t, origin: "http://localhost:3000", uv: true}
	token := *e.tokens(clientID, "kim", "Perm#Pass1").AccessToken
	var ids []string
	for range 3 {
		reg := a.create(e.startPasskey(token), "")
		if err := e.completePasskey(token, reg); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, reg["id"].(string))
	}
	var got []string
	var next *string
	for pages := 0; ; pages++ {
		if pages > 3 {
			t.Fatal("too many pages")
		}
		out := must[*cip.ListWebAuthnCredentialsOutput](t, "ListWebAuthnCredentials")(e.c.ListWebAuthnCredentials(e.ctx,
			&cip.ListWebAuthnCredentialsInput{AccessToken: aws.String(token), MaxResults: aws.Int32(2), NextToken: next}))
		if len(out.Credentials) > 2 {
			t.Fatalf("page of %d", len(out.Credentials))
		}
		for _, c := range out.Credentials {
			got = append(got, *c.CredentialId)
		}
		if next = out.NextToken; next == nil {
			break
		}
	}
	if !cmp.Equal(got, ids) {
		t.Errorf("listed %v, want %v (oldest first)", got, ids)
	}
	_, err := e.c.ListWebAuthnCredentials(e.ctx, &cip.ListWebAuthnCredentialsInput{AccessToken: aws.String(token), NextToken: aws.String("bogus")})
	wantErr[*types.InvalidParameterException](t, err, "Invalid pagination token.")
}

// TestSDKWebAuthnRegistrationErrors: each way a registration is refused.
func TestSDKWebAuthnRegistrationErrors(t *testing.T) {
	t.Run("not enabled", func(t *testing.T) {
		e := newSDKEnv(t)
		poolID := e.pool()
		clientID := *e.client(poolID).ClientId
		e.user(poolID, "kim", "kim@example.com", "Perm#Pass1")
		token := *e.tokens(clientID, "kim", "Perm#Pass1").AccessToken
		_, err := e.c.StartWebAuthnRegistration(e.ctx, &cip.StartWebAuthnRegistrationInput{AccessToken: aws.String(token)})
		wantErr[*types.WebAuthnNotEnabledException](t, err, "Passkeys are not enabled for this user pool.")
	})
	t.Run("no relying party", func(t *testing.T) {
		e, _, clientID := passkeyEnv(t, "", "")
		token := *e.tokens(clientID, "kim", "Perm#Pass1").AccessToken
		_, err := e.c.StartWebAuthnRegistration(e.ctx, &cip.StartWebAuthnRegistrationInput{AccessToken: aws.String(token)})
		wantErr[*types.WebAuthnConfigurationMissingException](t, err,
			"The user pool has no relying party ID (WebAuthnConfiguration.RelyingPartyId) and no domain.")
	})
	// Without a RelyingPartyId the pool's domain is the RP ID: the prefix
	// domain's host, or a custom domain ("the passkey RP ID defaults to the
	// custom domain", CreateUserPoolDomain's CustomDomainConfig).
	t.Run("the pool's domain", func(t *testing.T) {
		e, poolID, clientID := passkeyEnv(t, "", "")
		token := *e.tokens(clientID, "kim", "Perm#Pass1").AccessToken
		must[*cip.CreateUserPoolDomainOutput](t, "CreateUserPoolDomain")(e.c.CreateUserPoolDomain(e.ctx,
			&cip.CreateUserPoolDomainInput{UserPoolId: aws.String(poolID), Domain: aws.String("kims-app")}))
		if o := e.startPasskey(token); o.RP.ID != "kims-app.auth.us-east-1.amazoncognito.com" {
			t.Errorf("the RP ID of a pool with a prefix domain: %q", o.RP.ID)
		}
		must[*cip.CreateUserPoolDomainOutput](t, "CreateUserPoolDomain")(e.c.CreateUserPoolDomain(e.ctx,
			&cip.CreateUserPoolDomainInput{UserPoolId: aws.String(poolID), Domain: aws.String("login.kims-app.example"),
				CustomDomainConfig: &types.CustomDomainConfigType{CertificateArn: aws.String("arn:aws:acm:us-east-1:111111111111:certificate/abc")}}))
		if o := e.startPasskey(token); o.RP.ID != "login.kims-app.example" {
			t.Errorf("the RP ID of a pool with a custom domain: %q", o.RP.ID)
		}
	})

	e, poolID, clientID := passkeyEnv(t, "localhost", "required")
	token := *e.tokens(clientID, "kim", "Perm#Pass1").AccessToken
	good := &softAuthenticator{t: t, origin: "http://localhost:3000", uv: true}
	t.Run("origin", func(t *testing.T) {
		for _, origin := range []string{"https://evil.example", "http://127.0.0.1:3000", "http://notlocalhost", "ftp://localhost"} {
			a := &softAuthenticator{t: t, origin: origin, uv: true}
			wantErr[*types.WebAuthnOriginNotAllowedException](t, e.completePasskey(token, a.create(e.startPasskey(token), "")),
				"The credential's origin is not allowed for the user pool's relying party.")
		}
	})
	t.Run("relying party", func(t *testing.T) {
		wantErr[*types.WebAuthnRelyingPartyMismatchException](t, e.completePasskey(token, good.create(e.startPasskey(token), "example.com")),
			"The credential is for a different relying party than the user pool's.")
	})
	t.Run("user verification required", func(t *testing.T) {
		a := &softAuthenticator{t: t, origin: "http://localhost:3000", uv: false}
		o := e.startPasskey(token)
		if o.Selection.UserVerification != "required" {
			t.Errorf("userVerification = %q", o.Selection.UserVerification)
		}
		wantErr[*types.WebAuthnCredentialNotSupportedException](t, e.completePasskey(token, a.create(o, "")),
			"The passkey credential could not be verified or is not supported.")
	})
	t.Run("expired challenge", func(t *testing.T) {
		o := e.startPasskey(token)
		e.Clock.Advance(4 * time.Minute)
		token := *e.tokens(clientID, "kim", "Perm#Pass1").AccessToken
		wantErr[*types.WebAuthnChallengeNotFoundException](t, e.completePasskey(token, good.create(o, "")),
			"The WebAuthn registration challenge is not found or has expired.")
	})
	t.Run("another user's challenge", func(t *testing.T) {
		e.user(poolID, "lee", "lee@example.com", "Perm#Pass1")
		other := *e.tokens(clientID, "lee", "Perm#Pass1").AccessToken
		wantErr[*types.WebAuthnChallengeNotFoundException](t, e.completePasskey(other, good.create(e.startPasskey(token), "")),
			"The WebAuthn registration challenge is not found or has expired.")
	})
	t.Run("another client", func(t *testing.T) {
		second := *e.client(poolID).ClientId
		otherToken := *e.tokens(second, "kim", "Perm#Pass1").AccessToken
		wantErr[*types.WebAuthnClientMismatchException](t, e.completePasskey(otherToken, good.create(e.startPasskey(token), "")),
			"The access token is for a different app client than the one that started the registration.")
	})
	t.Run("malformed", func(t *testing.T) {
		wantErr[*types.InvalidParameterException](t, e.completePasskey(token, map[string]any{"id": "x"}),
			"Credential data is not valid")
	})
	t.Run("bad token", func(t *testing.T) {
		_, err := e.c.StartWebAuthnRegistration(e.ctx, &cip.StartWebAuthnRegistrationInput{AccessToken: aws.String("not.a.token")})
		var na *types.NotAuthorizedException
		if err == nil || !errors.As(err, &na) {
			t.Errorf("StartWebAuthnRegistration with a bad token: %v", err)
		}
	})
	if list := e.passkeys(token); len(list) != 0 {
		t.Errorf("refused registrations stored %d credentials", len(list))
	}
	// The good path still works on this required-UV pool.
	if err := e.completePasskey(token, good.create(e.startPasskey(token), "")); err != nil {
		t.Fatalf("registration with user verification: %v", err)
	}
}

// TestSDKWebAuthnNewDevice: on a pool that tracks devices a passkey
// sign-in, like any other, hands the client a new device (Amplify's passkey
// sign-in reads NewDeviceMetadata).
func TestSDKWebAuthnNewDevice(t *testing.T) {
	e := newSDKEnv(t)
	poolID := e.pool(func(in *cip.CreateUserPoolInput) {
		in.Policies = &types.UserPoolPolicyType{SignInPolicy: &types.SignInPolicyType{
			AllowedFirstAuthFactors: []types.AuthFactorType{types.AuthFactorTypePassword, types.AuthFactorTypeWebAuthn}}}
		in.DeviceConfiguration = &types.DeviceConfigurationType{}
	})
	must[*cip.SetUserPoolMfaConfigOutput](t, "SetUserPoolMfaConfig")(e.c.SetUserPoolMfaConfig(e.ctx, &cip.SetUserPoolMfaConfigInput{
		UserPoolId: aws.String(poolID), WebAuthnConfiguration: &types.WebAuthnConfigurationType{RelyingPartyId: aws.String("localhost")}}))
	clientID := *e.client(poolID, func(in *cip.CreateUserPoolClientInput) {
		in.ExplicitAuthFlows = append(passwordFlows, types.ExplicitAuthFlowsTypeAllowUserAuth)
	}).ClientId
	e.user(poolID, "kim", "kim@example.com", "Perm#Pass1")
	token := *e.tokens(clientID, "kim", "Perm#Pass1").AccessToken
	a := &softAuthenticator{t: t, origin: "https://localhost", uv: true}
	if err := e.completePasskey(token, a.create(e.startPasskey(token), "")); err != nil {
		t.Fatal(err)
	}
	out := e.userAuth(clientID, map[string]string{"USERNAME": "kim", "PREFERRED_CHALLENGE": "WEB_AUTHN"})
	o := requestOptionsOf(t, out.ChallengeName, out.ChallengeParameters)
	done := must[*cip.RespondToAuthChallengeOutput](t, "WEB_AUTHN")(e.respond(clientID, types.ChallengeNameTypeWebAuthn,
		*out.Session, map[string]string{"USERNAME": "kim", "CREDENTIAL": a.get(o, 1)}))
	if r := done.AuthenticationResult; r == nil || r.NewDeviceMetadata == nil || aws.ToString(r.NewDeviceMetadata.DeviceKey) == "" {
		t.Fatalf("passkey sign-in on a tracking pool: %+v", r)
	}
}

// TestHostedPasskeyButton: the sign-in page offers "Sign in with a
// passkey" to a client with choice-based sign-in (ALLOW_USER_AUTH) on a
// pool that allows passkeys, and not to one without; a user with no
// passkey who asks for one is told to use the password. (The passkey
// sign-in itself, in a real browser: TestBrowserPasskey.)
func TestHostedPasskeyButton(t *testing.T) {
	e, poolID, _ := passkeyEnv(t, "localhost", "preferred")
	const callback = "https://app.example/callback"
	client := func(userAuth bool) string {
		return *e.client(poolID, oauthClient(types.OAuthFlowTypeCode, callback, []string{"openid"}, []string{"COGNITO"}),
			func(in *cip.CreateUserPoolClientInput) {
				if userAuth {
					in.ExplicitAuthFlows = append(passwordFlows, types.ExplicitAuthFlowsTypeAllowUserAuth)
				}
			}).ClientId
	}
	// The page as the browser sees it at localhost, the relying party's
	// host (Ninshou listens on 127.0.0.1).
	local := strings.Replace(e.server.URL, "127.0.0.1", "localhost", 1)
	login := func(clientID string) string {
		return local + "/login?" + url.Values{"response_type": {"code"}, "client_id": {clientID},
			"redirect_uri": {callback}, "scope": {"openid"}}.Encode()
	}
	with, without := client(true), client(false)
	b := newBrowser(t, local)
	// At an origin the relying party does not cover, no passkey is offered.
	if _, page := b.get(strings.Replace(login(with), "localhost", "127.0.0.1", 1)); strings.Contains(page, `name="passkey"`) {
		t.Errorf("passkeys offered at 127.0.0.1 for relying party localhost")
	}
	if _, page := b.get(login(without)); strings.Contains(page, `name="passkey"`) {
		t.Errorf("a client without ALLOW_USER_AUTH is offered passkeys")
	}
	_, page := b.get(login(with))
	if !strings.Contains(page, `name="passkey"`) {
		t.Fatalf("no passkey button:\n%s", page)
	}
	_, page = b.submit(local, page, url.Values{"username": {"kim"}, "passkey": {"1"}})
	if !strings.Contains(page, "You have no passkey to sign in with.") {
		t.Errorf("a user without a passkey:\n%s", page)
	}
}

// TestSDKPasskeyMFASingleFactorPool: "To activate this setting, the
// FactorConfiguration of your user pool WebAuthnConfiguration must be
// MULTI_FACTOR_WITH_USER_VERIFICATION" (the model's WebAuthnMfaSettings of
// SetUserMFAPreference and AdminSetUserMFAPreference): refused on a pool
// whose passkeys are a single factor, and so on a Lite pool.
func TestSDKPasskeyMFASingleFactorPool(t *testing.T) {
	e := newSDKEnv(t)
	const msg = "Passkey MFA requires the user pool's WebAuthnConfiguration FactorConfiguration to be MULTI_FACTOR_WITH_USER_VERIFICATION."
	for _, tier := range []types.UserPoolTierType{types.UserPoolTierTypeEssentials, types.UserPoolTierTypeLite} {
		pool := e.pool(func(in *cip.CreateUserPoolInput) { in.UserPoolTier = tier })
		must[*cip.SetUserPoolMfaConfigOutput](t, "SetUserPoolMfaConfig")(e.c.SetUserPoolMfaConfig(e.ctx, &cip.SetUserPoolMfaConfigInput{
			UserPoolId: aws.String(pool), MfaConfiguration: types.UserPoolMfaTypeOptional,
			SoftwareTokenMfaConfiguration: &types.SoftwareTokenMfaConfigType{Enabled: true}}))
		clientID := *e.client(pool).ClientId
		e.user(pool, "kim", "kim@example.com", "Perm#Pass1")
		e.enrolTOTP(*e.tokens(clientID, "kim", "Perm#Pass1").AccessToken)
		_, err := e.c.AdminSetUserMFAPreference(e.ctx, &cip.AdminSetUserMFAPreferenceInput{UserPoolId: aws.String(pool), Username: aws.String("kim"),
			SoftwareTokenMfaSettings: &types.SoftwareTokenMfaSettingsType{Enabled: true},
			WebAuthnMfaSettings:      &types.WebAuthnMfaSettingsType{Enabled: true}})
		wantErr[*types.InvalidParameterException](t, err, msg)
		// Turning it off is always allowed.
		must[*cip.AdminSetUserMFAPreferenceOutput](t, "AdminSetUserMFAPreference")(e.c.AdminSetUserMFAPreference(e.ctx, &cip.AdminSetUserMFAPreferenceInput{
			UserPoolId: aws.String(pool), Username: aws.String("kim"), WebAuthnMfaSettings: &types.WebAuthnMfaSettingsType{Enabled: false}}))
	}
}
