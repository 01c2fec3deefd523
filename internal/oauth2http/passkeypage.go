package oauth2http

import (
	"encoding/json"
	"errors"
	"html/template"
	"log/slog"
	"net/http"
	"net/url"

	"github.com/ninshou/ninshou/internal/idp"
)

// AddPasskeyPath is managed login's page that adds a passkey to the
// signed-in user's profile (idp.HostedPasskeyOptions).
// https://docs.aws.amazon.com/cognito/latest/developerguide/managed-login-endpoints.html
const AddPasskeyPath = "/passkeys/add"

var addPasskeyPage = template.Must(template.New("passkey").Parse(pageTop + `{{if .Options}}<form method="post" action="{{.Action}}">
<input type="hidden" name="_csrf" value="{{.CSRF}}">
<input type="hidden" name="CREDENTIAL" id="credential">
<button class="submitButton-customizable" type="button" id="passkey-add">Add a passkey</button>
<p class="errorMessage-customizable" id="passkey-error" role="alert"></p>
</form>
<div id="passkey-options" hidden data-options="{{.Options}}"></div>
<script>
"use strict";
// navigator.credentials.create with the page's creation options, its
// answer as RegistrationResponseJSON in CREDENTIAL.
(function () {
` + base64urlJS + `  const button = document.getElementById("passkey-add");
  async function add() {
    const o = JSON.parse(document.getElementById("passkey-options").dataset.options);
    const cred = await navigator.credentials.create({ publicKey: { ...o, challenge: bytes(o.challenge),
      user: { ...o.user, id: bytes(o.user.id) },
      excludeCredentials: (o.excludeCredentials || []).map((c) => ({ ...c, id: bytes(c.id) })) } });
    const r = cred.response;
    document.getElementById("credential").value = JSON.stringify({ id: cred.id, rawId: b64u(cred.rawId), type: cred.type,
      authenticatorAttachment: cred.authenticatorAttachment || undefined, clientExtensionResults: cred.getClientExtensionResults(),
      response: { clientDataJSON: b64u(r.clientDataJSON), attestationObject: b64u(r.attestationObject),
        transports: r.getTransports ? r.getTransports() : [] } });
    button.form.submit();
  }
  button.addEventListener("click", () => add().catch((e) => {
    document.getElementById("passkey-error").textContent = e.name === "InvalidStateError" ?
      "This device already holds a passkey for your account." : "No passkey was added (" + e.name + "). Try again.";
  }));
})();
</script>{{end}}
<p><a class="redirect-customizable" id="skip" href="{{.Back}}">{{if .Options}}Not now{{else}}Continue{{end}}</a></p>
</main>
</body></html>
`))

type addPasskeyView struct {
	Title, Action, CSRF, Message, Prompt string
	CSSURL, LogoURL                      string
	// Options are the creation options (JSON); empty when the page cannot
	// offer a passkey.
	Options string
	// Back is the app's callback URL.
	Back string
}

// addPasskeyHandler serves /passkeys/add: GET shows the page for the
// signed-in user (a browser without a managed login session is sent to
// sign in first, with the same client and callback), POST takes the
// browser's new passkey and goes on to redirect_uri.
func addPasskeyHandler(svc *idp.Service, log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		in := idp.AddPasskeyRequest{ClientID: q.Get("client_id"), RedirectURI: q.Get("redirect_uri"), Origin: pageOrigin(r, svc)}
		handle := cookieValue(r, sessionCookie)
		show := func(message string) {
			v := addPasskeyView{Title: "Add a passkey", Action: AddPasskeyPath + "?" + r.URL.RawQuery, Message: message,
				Prompt: "Sign in next time with your face, fingerprint or device PIN instead of a password.", Back: in.RedirectURI}
			opts, err := svc.HostedPasskeyOptions(r.Context(), in, handle)
			var first *idp.SignInFirst
			var ae *idp.AuthorizeError
			var e *idp.Error
			switch {
			case errors.As(err, &first):
				signIn := url.Values{"response_type": {first.ResponseType}, "client_id": {in.ClientID}, "redirect_uri": {in.RedirectURI}}
				http.Redirect(w, r, LoginPath+"?"+signIn.Encode(), http.StatusFound)
				return
			case errors.As(err, &ae):
				w.Header().Set("Content-Type", "text/html; charset=utf-8")
				w.WriteHeader(http.StatusBadRequest)
				errorPage.Execute(w, ae.Code)
				return
			case errors.As(err, &e) && e.Code != idp.InternalErrorException:
				v.Message, v.Prompt = e.Message, ""
			case err != nil:
				log.ErrorContext(r.Context(), "oauth2: passkey page", slog.Any("err", err))
				somethingWentWrong(w)
				return
			default:
				b, err := json.Marshal(opts)
				if err != nil {
					somethingWentWrong(w)
					return
				}
				v.Options = string(b)
			}
			v.CSRF = setCSRF(w, r)
			v.CSSURL, v.LogoURL = branding(r, svc, in.ClientID)
			pageHeaders(w)
			addPasskeyPage.Execute(w, v)
		}
		switch r.Method {
		case http.MethodGet:
			show("")
		case http.MethodPost:
			r.Body = http.MaxBytesReader(w, r.Body, maxForm)
			if err := r.ParseForm(); err != nil {
				http.Error(w, "Bad request", http.StatusBadRequest)
				return
			}
			if !csrfValid(r, r.PostForm.Get(csrfField)) {
				show("Your form expired. Please try again.")
				return
			}
			err := svc.HostedAddPasskey(r.Context(), in, handle, []byte(r.PostForm.Get("CREDENTIAL")))
			var e *idp.Error
			switch {
			case err == nil:
				http.Redirect(w, r, in.RedirectURI, http.StatusFound)
			case errors.As(err, &e) && e.Code != idp.InternalErrorException:
				show(e.Message)
			default:
				var first *idp.SignInFirst
				var ae *idp.AuthorizeError
				if errors.As(err, &first) || errors.As(err, &ae) {
					show("") // GET's answer: sign in first, or the request's error
					return
				}
				log.ErrorContext(r.Context(), "oauth2: adding a passkey", slog.Any("err", err))
				show("No passkey was added. Please try again.")
			}
		default:
			methodNotAllowed(w, "GET, POST")
		}
	})
}
