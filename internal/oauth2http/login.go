package oauth2http

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"image/png"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/ninshou/ninshou/internal/idp"
	"github.com/pquerna/otp"
)

// The authorization endpoint and the sign-in page of the authorization
// code grant, as Cognito's managed login serves them: /oauth2/authorize
// checks the request and sends the browser to /login with the same query;
// /login shows a password form and, once the user has signed in,
// redirects to the client's redirect_uri with a code (and the state).
// Refusals the client may hear go back to redirect_uri as error=...;
// others (an unknown client, a redirect_uri it did not register) go to
// /error, never to an address the client did not register.
// https://docs.aws.amazon.com/cognito/latest/developerguide/authorization-endpoint.html
// https://docs.aws.amazon.com/cognito/latest/developerguide/login-endpoint.html

const (
	AuthorizePath = "/oauth2/authorize"
	LoginPath     = "/login"
	ErrorPath     = "/error"
	UserInfoPath  = "/oauth2/userInfo"
	LogoutPath    = "/logout"
	// UICSSPath + pool/client/version is where the page links a UI
	// customization's stylesheet (served by internal/app, beside the logo).
	UICSSPath  = "/_ninshou/ui-css/"
	csrfCookie = "XSRF-TOKEN"
	// sessionCookie holds the managed login session (an hour).
	sessionCookie = "cognito"
	// federationCookie binds a federated sign-in to the browser that began
	// it (5 minutes).
	federationCookie = "csrf-state"
	csrfField        = "_csrf"
)

func authorizeRequest(q url.Values) idp.AuthorizeRequest {
	return idp.AuthorizeRequest{ResponseType: q.Get("response_type"), ClientID: q.Get("client_id"),
		RedirectURI: q.Get("redirect_uri"), Scope: q.Get("scope"), State: q.Get("state"),
		CodeChallenge: q.Get("code_challenge"), CodeChallengeMethod: q.Get("code_challenge_method"),
		Nonce: q.Get("nonce"), IdentityProvider: q.Get("identity_provider"), IdPIdentifier: q.Get("idp_identifier"),
		Prompt: q.Get("prompt")}
}

// refuse answers an authorization request the endpoint cannot serve.
func refuse(w http.ResponseWriter, r *http.Request, in idp.AuthorizeRequest, err error, log *slog.Logger) {
	var ae *idp.AuthorizeError
	if !errors.As(err, &ae) && r.Context().Err() != nil {
		return // the client went away
	}
	if !errors.As(err, &ae) {
		log.ErrorContext(r.Context(), "oauth2: authorize", slog.Any("err", err))
		http.Error(w, "Internal error", http.StatusInternalServerError)
		return
	}
	if ae.Redirect {
		back := url.Values{"error": {ae.Code}}
		if in.State != "" {
			back.Set("state", in.State)
		}
		http.Redirect(w, r, idp.WithQuery(in.RedirectURI, back), http.StatusFound)
		return
	}
	http.Redirect(w, r, ErrorPath+"?"+url.Values{"error": {ae.Code}, "client_id": {in.ClientID}}.Encode(), http.StatusFound)
}

// signedIn ends a sign-in on the pages: the managed login session's cookie,
// then the app's redirect_uri with the code, or (implicit grant) the
// tokens in its fragment.
func signedIn(w http.ResponseWriter, r *http.Request, redirectURI, code string, tokens *idp.OAuthTokens, session, state string) {
	if session != "" {
		setSessionCookie(w, r, session)
	}
	if tokens != nil {
		http.Redirect(w, r, implicitRedirect(redirectURI, tokens, state), http.StatusFound)
		return
	}
	back := url.Values{"code": {code}}
	if state != "" {
		back.Set("state", state)
	}
	http.Redirect(w, r, idp.WithQuery(redirectURI, back), http.StatusFound)
}

// setFederationCookie keeps a federated sign-in's binding in the browser.
// A SAML provider's Response comes back as a cross-site POST, which only
// carries a SameSite=None cookie, and SameSite=None needs Secure: so over
// https it is None, over plain http (a laptop, where the provider is
// usually the same site) Lax.
func setFederationCookie(w http.ResponseWriter, r *http.Request, value string, secure bool) {
	c := &http.Cookie{Name: federationCookie, Value: value, Path: "/", MaxAge: 300, HttpOnly: true, SameSite: http.SameSiteLaxMode}
	if secure {
		c.Secure, c.SameSite = true, http.SameSiteNoneMode
	}
	http.SetCookie(w, c)
}

// pageOrigin is the origin the browser sees this page at.
func pageOrigin(r *http.Request, svc *idp.Service) string {
	if secureSite(r, svc) {
		return "https://" + r.Host
	}
	return "http://" + r.Host
}

// secureSite reports whether the browser reaches this server over https:
// its public URL says so, or the request came over TLS.
func secureSite(r *http.Request, svc *idp.Service) bool {
	return r.TLS != nil || strings.HasPrefix(svc.Tokens.PublicURL, "https://")
}

// repostPage posts a provider's form post again (a SAML Response, Sign in
// with Apple's answer), to the same address, from this site: over plain
// http the binding cookie is SameSite=Lax, which a browser sends with this
// same-site POST but not with the provider's cross-site one.
var repostPage = template.Must(template.New("repost").Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Signing in</title></head>
<body onload="document.forms[0].submit()"><form method="post" action="{{.Action}}">
{{range .Fields}}<input type="hidden" name="{{.Name}}" value="{{.Value}}">{{end}}
<input type="hidden" name="_reposted" value="1"><noscript><button type="submit">Continue</button></noscript></form></body></html>
`))

// reposted are the fields a provider's form post carries, by path.
var reposted = map[string][]string{
	idp.SAMLResponsePath: {"SAMLResponse", "RelayState"},
	idp.IdPResponsePath:  {"code", "state", "error", "error_description", "user"},
}

func setSessionCookie(w http.ResponseWriter, r *http.Request, handle string) {
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: handle, Path: "/", MaxAge: 3600, HttpOnly: true,
		Secure: r.TLS != nil, SameSite: http.SameSiteLaxMode})
}

func cookieValue(r *http.Request, name string) string {
	c, err := r.Cookie(name)
	if err != nil {
		return ""
	}
	return c.Value
}

// implicitRedirect is the implicit grant's answer: the tokens in the
// redirect_uri's fragment, which the browser keeps from every server.
// https://docs.aws.amazon.com/cognito/latest/developerguide/authorization-endpoint.html
func implicitRedirect(redirectURI string, t *idp.OAuthTokens, state string) string {
	f := url.Values{"access_token": {t.AccessToken}, "token_type": {"Bearer"}, "expires_in": {strconv.Itoa(t.ExpiresIn)}}
	if t.IDToken != "" {
		f.Set("id_token", t.IDToken)
	}
	if state != "" {
		f.Set("state", state)
	}
	base, _, _ := strings.Cut(redirectURI, "#")
	return base + "#" + f.Encode()
}

func authorizeHandler(svc *idp.Service, log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet {
			methodNotAllowed(w, http.MethodGet)
			return
		}
		in := authorizeRequest(r.URL.Query())
		if _, err := svc.CheckAuthorize(r.Context(), in); err != nil {
			refuse(w, r, in, err, log)
			return
		}
		if in.IdentityProvider != "" && in.IdentityProvider != "COGNITO" || in.IdentityProvider == "" && in.IdPIdentifier != "" {
			// Straight to the identity provider, as Cognito does when the
			// request names one.
			browser := newCSRF()
			target, err := svc.FederatedRedirect(r.Context(), in, browser)
			if err != nil {
				refuse(w, r, in, err, log)
				return
			}
			setFederationCookie(w, r, browser, secureSite(r, svc))
			http.Redirect(w, r, target, http.StatusFound)
			return
		}
		if in.Prompt != "login" {
			// A managed login session signs its user in again, no page.
			step, err := svc.ResumeSignIn(r.Context(), in, cookieValue(r, sessionCookie))
			if err != nil {
				refuse(w, r, in, err, log)
				return
			}
			if step != nil {
				signedIn(w, r, step.AuthRedirect, step.AuthCode, step.AuthTokens, step.SignInSession, in.State)
				return
			}
		}
		if in.Prompt == "none" {
			refuse(w, r, in, idp.ErrLoginRequired, log)
			return
		}
		http.Redirect(w, r, LoginPath+"?"+r.URL.RawQuery, http.StatusFound)
	})
}

// base64urlJS are the passkey scripts' conversions between ArrayBuffers
// and the base64url of WebAuthn's JSON forms (b64u, bytes).
const base64urlJS = `  const b64u = (buf) => { let s = ""; for (const b of new Uint8Array(buf)) s += String.fromCharCode(b);
    return btoa(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, ""); };
  const bytes = (s) => Uint8Array.from(atob(s.replace(/-/g, "+").replace(/_/g, "/") + "===".slice((s.length + 3) % 4)), (c) => c.charCodeAt(0));
`

// pageTop and pageFields are the markup every page shares: the head with
// the client's stylesheet, the banner with its logo, the title, message and
// prompt; the labelled inputs of a form.
const (
	pageTop = `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}}</title>{{if .CSSURL}}
<link rel="stylesheet" href="{{.CSSURL}}">{{end}}</head>
<body class="background-customizable">
<div class="banner-customizable">{{if .LogoURL}}<img class="logo-customizable" src="{{.LogoURL}}" alt="">{{end}}</div>
<main>
<h1 class="textDescription-customizable">{{.Title}}</h1>
{{if .Message}}<p role="alert" id="message" class="errorMessage-customizable">{{.Message}}</p>{{end}}
{{if .Prompt}}<p id="prompt" class="textDescription-customizable">{{.Prompt}}</p>{{end}}
`
	pageFields = `{{range .Fields}}<label class="label-customizable">{{.Label}} <input class="inputField-customizable" name="{{.Name}}" type="{{.Type}}" autocomplete="{{.Autocomplete}}" required></label>
{{end}}`
)

// loginPage carries the class names of Cognito's classic hosted UI, which
// a client's UI customization (SetUICustomization) styles; its stylesheet
// is linked, never inlined, and its logo shown.
// https://docs.aws.amazon.com/cognito/latest/developerguide/hosted-ui-classic-branding.html
var loginPage = template.Must(template.New("login").Parse(pageTop + `{{if .TOTPSecret}}<p><img id="qrcode" src="{{.QRCode}}" width="200" height="200" alt="QR code of the key"></p>
<p class="textDescription-customizable">Key: <code id="secret">{{.TOTPSecret}}</code></p>{{end}}
{{if or .Challenge .Directory}}<form method="post" action="{{.Action}}">
<input type="hidden" name="_csrf" value="{{.CSRF}}">
{{if .Challenge}}<input type="hidden" name="challenge" value="{{.Challenge}}">
<input type="hidden" name="session" value="{{.Session}}">
<input type="hidden" name="username" value="{{.Username}}">
{{if .Destination}}<input type="hidden" name="destination" value="{{.Destination}}">{{end}}
{{if .TOTPURI}}<input type="hidden" name="totp_uri" value="{{.TOTPURI}}">
{{end}}` + pageFields + `{{range .Choices}}<button class="submitButton-customizable" type="submit" name="answer" value="{{.}}">{{.}}</button>
{{end}}{{if .Fields}}<button class="submitButton-customizable" type="submit">Continue</button>{{end}}
{{else}}<label class="label-customizable">Username <input class="inputField-customizable" name="username" autocomplete="username" autocapitalize="none" required value="{{.Username}}"></label>
<label class="label-customizable">Password <input class="inputField-customizable" name="password" type="password" autocomplete="current-password" required></label>
<button class="submitButton-customizable" type="submit" name="signInSubmitButton">Sign in</button>
{{if .Passkeys}}<button class="submitButton-customizable" type="submit" name="passkey" value="1" formnovalidate>Sign in with a passkey</button>
{{end}}{{end}}{{if .PasskeyOptions}}<input type="hidden" name="CREDENTIAL" id="credential">
<button class="submitButton-customizable" type="button" id="passkey-go">Use your passkey</button>
<p class="errorMessage-customizable" id="passkey-error" role="alert"></p>
{{end}}</form>{{if .PasskeyOptions}}
<div id="passkey-options" hidden data-options="{{.PasskeyOptions}}"></div>
<script>
"use strict";
// The WEB_AUTHN step: navigator.credentials.get with the challenge's
// options, its answer as AuthenticationResponseJSON in CREDENTIAL.
(function () {
` + base64urlJS + `  const button = document.getElementById("passkey-go");
  async function signIn() {
    const o = JSON.parse(document.getElementById("passkey-options").dataset.options);
    const cred = await navigator.credentials.get({ publicKey: { ...o, challenge: bytes(o.challenge),
      allowCredentials: (o.allowCredentials || []).map((c) => ({ ...c, id: bytes(c.id) })) } });
    const r = cred.response;
    document.getElementById("credential").value = JSON.stringify({ id: cred.id, rawId: b64u(cred.rawId), type: cred.type,
      authenticatorAttachment: cred.authenticatorAttachment || undefined, clientExtensionResults: cred.getClientExtensionResults(),
      response: { clientDataJSON: b64u(r.clientDataJSON), authenticatorData: b64u(r.authenticatorData),
        signature: b64u(r.signature), userHandle: r.userHandle ? b64u(r.userHandle) : undefined } });
    button.form.submit();
  }
  const attempt = () => signIn().catch((e) => {
    document.getElementById("passkey-error").textContent = "Your passkey did not sign you in (" + e.name + "). Try again.";
  });
  button.addEventListener("click", attempt);
  attempt();
})();
</script>{{end}}{{if and .Directory (not .Challenge)}}
<p><a class="redirect-customizable" href="{{.ForgotURL}}">Forgot your password?</a></p>
{{if .SignUp}}<p><a class="redirect-customizable" href="{{.SignUpURL}}">Sign up</a></p>{{end}}{{end}}{{end}}
{{if not .Challenge}}{{range .Providers}}<p><a class="idpButton-customizable" href="{{.URL}}">Continue with {{.Name}}</a></p>
{{end}}{{end}}</main>
</body></html>
`))

var errorPage = template.Must(template.New("error").Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Error</title></head>
<body><main><h1>An error was encountered with the requested page.</h1><p id="error">{{.}}</p></main></body></html>
`))

type field struct{ Label, Name, Type, Autocomplete string }

type loginView struct {
	Title, Action, CSRF, Username, Message, Prompt string
	// The client's UI customization, if any.
	CSSURL, LogoURL string
	// A challenge step: its name and session, the fields that answer it
	// (or the choices of SELECT_MFA_TYPE).
	Challenge, Session string
	// Destination is where a code step's code went (masked), kept in the
	// form so that the step's page shows it again after a wrong code.
	Destination string
	Fields      []field
	Choices     []string
	// The first page: a password form if the client signs in through the
	// pool's directory (with a passkey button when passkeys can sign in),
	// and a link to each of its identity providers.
	Directory, Passkeys, SignUp bool
	// PasskeyOptions is the WEB_AUTHN step's CREDENTIAL_REQUEST_OPTIONS.
	PasskeyOptions string
	Providers      []providerLink
	// SignUpURL and ForgotURL are the directory's other pages.
	SignUpURL, ForgotURL string
	// Setting up an authenticator app: its key, as text, as an otpauth
	// URI and as a QR code of it (a data: URL).
	TOTPSecret, TOTPURI string
	QRCode              template.URL
}

// challengeTOTPSetup is the page's own step for MFA_SETUP with an
// authenticator app: the key is shown, a code of it answers.
const challengeTOTPSetup = "MFA_SETUP_SOFTWARE_TOKEN"

// totpSetupView is the page that sets up an authenticator app.
func totpSetupView(username, session, uri string) loginView {
	v := loginView{Title: "Set up your authenticator app", Challenge: challengeTOTPSetup, Session: session, Username: username,
		Prompt: "Scan the QR code, or enter the key, in your authenticator app, then enter the code it shows.",
		Fields: []field{{"Code", "SOFTWARE_TOKEN_MFA_CODE", "text", "one-time-code"}}, TOTPURI: uri}
	key, err := otp.NewKeyFromURL(uri)
	if err != nil {
		return v
	}
	v.TOTPSecret = key.Secret()
	if img, err := key.Image(200, 200); err == nil {
		var b bytes.Buffer
		if png.Encode(&b, img) == nil {
			v.QRCode = template.URL("data:image/png;base64," + base64.StdEncoding.EncodeToString(b.Bytes()))
		}
	}
	return v
}

type providerLink struct{ Name, URL string }

// codeField is the response key and prompt of each code challenge.
var codeField = map[string]struct{ key, prompt string }{
	"EMAIL_OTP":          {"EMAIL_OTP_CODE", "We sent a code by email to %s."},
	"SMS_MFA":            {"SMS_MFA_CODE", "We sent a code by text message to %s."},
	"SOFTWARE_TOKEN_MFA": {"SOFTWARE_TOKEN_MFA_CODE", "Enter the code from your authenticator app%s."},
}

// stepView is the page of a challenge step; ok is false for a step the
// page cannot show.
func stepView(step *idp.Step, username string) (loginView, bool) {
	v := loginView{Challenge: step.ChallengeName, Session: step.Session, Username: username}
	switch name := step.ChallengeName; name {
	case "NEW_PASSWORD_REQUIRED":
		v.Title = "Change your password"
		v.Fields = []field{{"New password", "NEW_PASSWORD", "password", "new-password"}}
		var required []string
		json.Unmarshal([]byte(step.Parameters["requiredAttributes"]), &required)
		for _, a := range required {
			v.Fields = append(v.Fields, field{strings.TrimPrefix(a, "userAttributes."), a, "text", "off"})
		}
	case "EMAIL_OTP", "SMS_MFA", "SOFTWARE_TOKEN_MFA":
		f := codeField[name]
		v.Title = "Enter your code"
		v.Destination = step.Parameters["CODE_DELIVERY_DESTINATION"]
		v.Prompt = fmt.Sprintf(f.prompt, v.Destination)
		v.Fields = []field{{"Code", f.key, "text", "one-time-code"}}
	case "SELECT_MFA_TYPE":
		v.Title = "Choose how to verify"
		json.Unmarshal([]byte(step.Parameters["MFAS_CAN_CHOOSE"]), &v.Choices)
	case "WEB_AUTHN":
		v.Title = "Sign in with your passkey"
		v.Prompt = "Use the passkey you saved for this site."
		v.PasskeyOptions = step.Parameters["CREDENTIAL_REQUEST_OPTIONS"]
		if v.PasskeyOptions == "" {
			return v, false // an answer that failed: the options were used
		}
	default:
		return v, false
	}
	return v, true
}

func loginHandler(svc *idp.Service, log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		in := authorizeRequest(r.URL.Query())
		action := LoginPath + "?" + r.URL.RawQuery
		show := func(status int, v loginView) {
			v.CSRF = setCSRF(w, r)
			pageHeaders(w)
			w.WriteHeader(status)
			v.Action = action
			if v.Title == "" {
				v.Title = "Sign in"
			}
			if v.Challenge == "" {
				v.Directory, v.Passkeys, v.SignUp, v.Providers = signInOptions(r, svc, in)
				v.SignUpURL, v.ForgotURL = SignUpPath+"?"+r.URL.RawQuery, ForgotPasswordPath+"?"+r.URL.RawQuery
			}
			v.CSSURL, v.LogoURL = branding(r, svc, in.ClientID)
			loginPage.Execute(w, v)
		}
		switch r.Method {
		case http.MethodGet:
			if _, err := svc.CheckAuthorize(r.Context(), in); err != nil {
				refuse(w, r, in, err, log)
				return
			}
			show(http.StatusOK, loginView{})
		case http.MethodPost:
			r.Body = http.MaxBytesReader(w, r.Body, maxForm)
			if err := r.ParseForm(); err != nil {
				http.Error(w, "Bad request", http.StatusBadRequest)
				return
			}
			f := r.PostForm
			if !csrfValid(r, f.Get(csrfField)) {
				show(http.StatusForbidden, loginView{Message: "Your sign-in form expired. Please try again."})
				return
			}
			username := f.Get("username")
			var step *idp.Step
			var err error
			var current loginView
			if challenge := f.Get("challenge"); challenge != "" {
				responses := map[string]string{}
				for k, vs := range f {
					if k == "answer" {
						responses["ANSWER"] = vs[0]
					} else if strings.ToUpper(k) == k || strings.HasPrefix(k, "userAttributes.") {
						responses[k] = vs[0]
					}
				}
				if challenge == challengeTOTPSetup {
					current = totpSetupView(username, f.Get("session"), f.Get("totp_uri"))
					step, err = svc.HostedVerifyTOTP(r.Context(), in, f.Get("session"), username, responses["SOFTWARE_TOKEN_MFA_CODE"])
				} else {
					current, _ = stepView(&idp.Step{ChallengeName: challenge, Session: f.Get("session"),
						Parameters: map[string]string{"CODE_DELIVERY_DESTINATION": f.Get("destination")}}, username)
					step, err = svc.HostedRespond(r.Context(), in, challenge, f.Get("session"), username, responses)
				}
			} else if f.Get("passkey") != "" {
				step, err = svc.HostedPasskeySignIn(idp.WithSourceAddress(r.Context(), idp.SourceAddress{Peer: r.RemoteAddr}), in, username)
			} else {
				step, err = svc.HostedSignIn(idp.WithSourceAddress(r.Context(), idp.SourceAddress{Peer: r.RemoteAddr}), in, username, f.Get("password"))
			}
			var ae *idp.AuthorizeError
			var e *idp.Error
			switch {
			case err == nil && (step.AuthTokens != nil || step.AuthCode != ""):
				signedIn(w, r, step.AuthRedirect, step.AuthCode, step.AuthTokens, step.SignInSession, in.State)
			case err == nil && step.ChallengeName == "MFA_SETUP" && strings.Contains(step.Parameters["MFAS_CAN_SETUP"], "SOFTWARE_TOKEN_MFA"):
				setup, err := svc.HostedSetupTOTP(r.Context(), in, step.Session, username)
				if err != nil {
					log.ErrorContext(r.Context(), "oauth2: authenticator set-up", slog.Any("err", err))
					show(http.StatusOK, loginView{Username: username, Message: "Your authenticator app could not be set up. Please sign in again."})
					return
				}
				show(http.StatusOK, totpSetupView(username, setup.Session, setup.URI))
			case err == nil:
				v, ok := stepView(step, username)
				if !ok {
					show(http.StatusOK, loginView{Username: username,
						Message: "This sign-in needs a step (" + step.ChallengeName + ") that Ninshou's sign-in page does not offer yet."})
					return
				}
				show(http.StatusOK, v)
			case errors.As(err, &ae):
				refuse(w, r, in, err, log)
			case errors.Is(err, idp.ErrNotHostedSession):
				show(http.StatusOK, loginView{Message: "Your sign-in session is not valid. Please sign in again."})
			case errors.As(err, &e) && e.Code != idp.InternalErrorException:
				// Cognito's own message: incorrect password or code, locked
				// out, disabled, not confirmed, password policy...
				if current.Challenge != "" && (e.Code == idp.CodeMismatchException || e.Code == idp.InvalidPasswordException ||
					e.Code == idp.EnableSoftwareTokenMFAException) {
					current.Message = e.Message
					show(http.StatusOK, current) // the same session takes another try
					return
				}
				show(http.StatusOK, loginView{Username: username, Message: e.Message})
			case r.Context().Err() != nil:
				return // the client went away
			default:
				log.ErrorContext(r.Context(), "oauth2: sign-in", slog.Any("err", err))
				http.Error(w, "Internal error", http.StatusInternalServerError)
			}
		default:
			methodNotAllowed(w, "GET, POST")
		}
	})
}

// methodNotAllowed answers a request of a method the endpoint does not
// serve, naming those it does.
func methodNotAllowed(w http.ResponseWriter, allow string) {
	w.Header().Set("Allow", allow)
	http.Error(w, "Method not allowed", http.StatusMethodNotAllowed)
}

// logoutHandler serves GET /logout: to the client's registered logout_uri,
// or, given response_type, back to the sign-in page for a new request.
func logoutHandler(svc *idp.Service, log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// "The /logout endpoint only supports HTTPS GET." (logout-endpoint.html)
		if r.Method != http.MethodGet {
			methodNotAllowed(w, http.MethodGet)
			return
		}
		q := r.URL.Query()
		var again *idp.AuthorizeRequest
		// With logout_uri and client_id, Cognito "redirects user sessions to
		// the URL in the value of logout_uri, ignoring all other request
		// parameters" (logout-endpoint.html); only without logout_uri does
		// response_type ask for the sign-in page again.
		if q.Get("response_type") != "" && q.Get("logout_uri") == "" {
			in := authorizeRequest(q)
			again = &in
		}
		err := svc.CheckLogout(r.Context(), q.Get("client_id"), q.Get("logout_uri"), again)
		switch {
		case err != nil && again != nil:
			refuse(w, r, *again, err, log)
			return
		case err != nil:
			refuse(w, r, idp.AuthorizeRequest{ClientID: q.Get("client_id")}, err, log)
			return
		}
		destination := q.Get("logout_uri")
		if again != nil {
			destination = LoginPath + "?" + r.URL.RawQuery
		}
		// Signed out of managed login: the session ends with its cookie
		// (and, for a SAML provider's user, at the provider first).
		target, err := svc.SignOut(r.Context(), cookieValue(r, sessionCookie), destination)
		if err != nil {
			log.ErrorContext(r.Context(), "oauth2: logout", slog.Any("err", err))
			http.Error(w, "Internal error", http.StatusInternalServerError)
			return
		}
		http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true,
			Secure: r.TLS != nil, SameSite: http.SameSiteLaxMode})
		http.Redirect(w, r, target, http.StatusFound)
	})
}

// samlLogoutHandler serves POST /saml2/logout, where a SAML provider posts
// its LogoutResponse at the end of a single logout.
func samlLogoutHandler(svc *idp.Service, log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			methodNotAllowed(w, http.MethodPost)
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, maxSAMLForm)
		if err := r.ParseForm(); err != nil {
			http.Error(w, "Bad request", http.StatusBadRequest)
			return
		}
		target, err := svc.FinishSAMLLogout(r.Context(), r.PostForm.Get("RelayState"), r.PostForm.Get("SAMLResponse"))
		switch {
		case errors.Is(err, idp.ErrSAMLLogoutState):
			somethingWentWrong(w)
		case err != nil:
			log.ErrorContext(r.Context(), "oauth2: saml2/logout", slog.Any("err", err))
			http.Error(w, "Internal error", http.StatusInternalServerError)
		default:
			http.Redirect(w, r, target, http.StatusFound)
		}
	})
}

// idpResponseHandler serves /oauth2/idpresponse, where an OIDC identity
// provider sends the browser back (GET, or POST with form_post), and
// /saml2/idpresponse, where a SAML provider posts its Response.
func idpResponseHandler(svc *idp.Service, log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodPost {
			methodNotAllowed(w, "GET, POST")
			return
		}
		limit := int64(maxForm)
		if r.URL.Path == idp.SAMLResponsePath {
			limit = maxSAMLForm
		}
		r.Body = http.MaxBytesReader(w, r.Body, limit)
		if err := r.ParseForm(); err != nil {
			http.Error(w, "Bad request", http.StatusBadRequest)
			return
		}
		in := idp.IdPResponse{State: r.Form.Get("state"), Code: r.Form.Get("code"), Error: r.Form.Get("error"),
			ErrorDescription: r.Form.Get("error_description"), User: r.PostForm.Get("user")}
		if r.Method == http.MethodPost && cookieValue(r, federationCookie) == "" && r.PostForm.Get("_reposted") == "" {
			var fields []hiddenField
			for _, name := range reposted[r.URL.Path] {
				if r.PostForm.Has(name) {
					fields = append(fields, hiddenField{Name: name, Value: r.PostForm.Get(name)})
				}
			}
			pageHeaders(w)
			repostPage.Execute(w, map[string]any{"Action": r.URL.Path, "Fields": fields})
			return
		}
		if r.URL.Path == idp.SAMLResponsePath {
			// A SAML provider posts its Response (HTTP-POST binding).
			in = idp.IdPResponse{State: r.PostForm.Get("RelayState"), SAMLResponse: r.PostForm.Get("SAMLResponse")}
		}
		in.Browser = cookieValue(r, federationCookie)
		out, err := svc.FederatedCallback(r.Context(), in)
		switch {
		case errors.Is(err, idp.ErrFederationState):
			somethingWentWrong(w)
		case err != nil:
			log.ErrorContext(r.Context(), "oauth2: idpresponse", slog.Any("err", err))
			http.Error(w, "Internal error", http.StatusInternalServerError)
		case out.Tokens != nil:
			signedIn(w, r, out.RedirectURI, "", out.Tokens, out.SignInSession, out.State)
		default:
			if out.SignInSession != "" {
				setSessionCookie(w, r, out.SignInSession)
			}
			http.Redirect(w, r, idp.WithQuery(out.RedirectURI, out.Query), http.StatusFound)
		}
	})
}

// somethingWentWrong is Cognito's page for a federated sign-in (or SAML
// logout) it no longer waits for (cognito-user-pools-oidc-flow.html).
func somethingWentWrong(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(http.StatusBadRequest)
	errorPage.Execute(w, "Something went wrong. Please sign in again.")
}

func errorHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(http.StatusBadRequest)
		errorPage.Execute(w, r.URL.Query().Get("error"))
	})
}

// userInfoHandler serves GET and POST /oauth2/userInfo with a bearer
// access token that has the openid scope.
func userInfoHandler(svc *idp.Service, log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodPost {
			w.Header().Set("Allow", "GET, POST")
			writeJSON(w, http.StatusMethodNotAllowed, map[string]string{"error": "invalid_request"})
			return
		}
		scheme, token, ok := cutSpace(r.Header.Get("Authorization"))
		if !ok || !equalFold(scheme, "Bearer") || token == "" {
			w.Header().Set("WWW-Authenticate", `error="invalid_request", error_description="Bad OAuth2 request at UserInfo Endpoint"`)
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": "invalid_request"})
			return
		}
		info, err := svc.UserInfo(r.Context(), token)
		switch {
		case errors.Is(err, idp.ErrInvalidToken):
			w.Header().Set("WWW-Authenticate", `error="invalid_token", error_description="Access token is expired, disabled, or deleted, or the user has globally signed out."`)
			writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "invalid_token"})
		case err != nil:
			log.ErrorContext(r.Context(), "oauth2: userInfo", slog.Any("err", err))
			writeJSON(w, http.StatusInternalServerError, map[string]string{"error": "server_error"})
		default:
			writeJSON(w, http.StatusOK, info)
		}
	})
}

// signInOptions are the first page's ways to sign in: the password form
// if the client supports the pool's directory (and passkeys, where they can
// sign in), and a link per identity provider (the same authorization
// request, naming it).
func signInOptions(r *http.Request, svc *idp.Service, in idp.AuthorizeRequest) (directory, passkeys, signUp bool, links []providerLink) {
	choices, err := svc.SignInOptions(r.Context(), in, pageOrigin(r, svc))
	if err != nil {
		return false, false, false, nil
	}
	for _, name := range choices.Providers {
		q := r.URL.Query()
		q.Del("idp_identifier")
		q.Set("identity_provider", name)
		links = append(links, providerLink{Name: name, URL: AuthorizePath + "?" + q.Encode()})
	}
	return choices.Directory, choices.Passkeys, choices.SignUp, links
}

// setCSRF gives the browser a fresh CSRF token (cookie), which the page's
// form carries back (double submit).
func setCSRF(w http.ResponseWriter, r *http.Request) string {
	token := newCSRF()
	http.SetCookie(w, &http.Cookie{Name: csrfCookie, Value: token, Path: "/", HttpOnly: true,
		Secure: r.TLS != nil, SameSite: http.SameSiteLaxMode})
	return token
}

// pageHeaders: a page is never cached or framed.
func pageHeaders(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Frame-Options", "DENY")
}

// branding is the client's UI customization on a page: its stylesheet's
// URL and its logo's, or "".
func branding(r *http.Request, svc *idp.Service, clientID string) (cssURL, logoURL string) {
	ui, err := svc.HostedUI(r.Context(), clientID)
	if err != nil || ui == nil {
		return "", ""
	}
	if ui.CSS != "" {
		cssURL = UICSSPath + url.PathEscape(ui.PoolID) + "/" + url.PathEscape(ui.ClientID) + "/" + url.PathEscape(ui.Version)
	}
	return cssURL, svc.LogoURL(ui)
}

func newCSRF() string {
	b := make([]byte, 32)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}
