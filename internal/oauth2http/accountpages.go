package oauth2http

import (
	"crypto/subtle"
	"errors"
	"fmt"
	"html/template"
	"log/slog"
	"net/http"
	"strings"

	"github.com/ninshou/ninshou/internal/idp"
)

// The managed login pages besides sign-in, at the classic hosted UI's
// paths: /signup and /confirm (sign-up and its code, after which the user
// is signed in and sent to the app; /resendcode sends a new code, and
// /confirmUser takes a confirmation link), /forgotPassword and
// /confirmForgotPassword (a reset code, a new password, then the sign-in
// page). Each keeps the authorization request's query, so the sign-in it
// leads to ends at the same callback.
// https://docs.aws.amazon.com/cognito/latest/developerguide/signup-endpoint.html
const (
	SignUpPath                = "/signup"
	ConfirmPath               = "/confirm"
	ConfirmUserPath           = idp.ConfirmLinkPath
	ForgotPasswordPath        = "/forgotPassword"
	ConfirmForgotPasswordPath = "/confirmForgotPassword"
	// ResendCodePath sends a new sign-up code from the code page ("Resend
	// code"), then shows that page again.
	ResendCodePath = "/resendcode"
)

var accountPage = template.Must(template.New("account").Parse(pageTop + `<form method="post" action="{{.Action}}">
<input type="hidden" name="_csrf" value="{{.CSRF}}">
{{range .Hidden}}<input type="hidden" name="{{.Name}}" value="{{.Value}}">
{{end}}` + pageFields + `<button class="submitButton-customizable" type="submit">{{.Submit}}</button>
</form>
{{if .ResendAction}}<form method="post" action="{{.ResendAction}}" id="resend">
<input type="hidden" name="_csrf" value="{{.CSRF}}">
{{range .Hidden}}<input type="hidden" name="{{.Name}}" value="{{.Value}}">
{{end}}<button class="redirect-customizable" type="submit">Resend code</button>
</form>{{end}}
<p><a class="redirect-customizable" href="{{.SignInURL}}">Sign in</a></p>
</main>
</body></html>
`))

// linkPage answers a sign-up confirmation link: confirmed, or why not.
var linkPage = template.Must(template.New("link").Parse(pageTop + `</main>
</body></html>
`))

type hiddenField struct{ Name, Value string }

type accountView struct {
	Title, Action, CSRF, Message, Prompt, Submit, SignInURL string
	// ResendAction, when set, offers a second form that sends a new code.
	ResendAction    string
	CSSURL, LogoURL string
	Hidden          []hiddenField
	Fields          []field
}

// attributeLabel names an attribute on a page.
func attributeLabel(name string) string {
	switch name {
	case "email":
		return "Email"
	case "phone_number":
		return "Phone number"
	}
	name = strings.TrimPrefix(name, "custom:")
	return strings.ToUpper(name[:1]) + strings.ReplaceAll(name[1:], "_", " ")
}

// deliveryPrompt says where a code went.
func deliveryPrompt(d *idp.CodeDelivery, then string) string {
	if d == nil {
		return then
	}
	how := "by email"
	if d.DeliveryMedium == "SMS" {
		how = "by text message"
	}
	return fmt.Sprintf("We have sent a code %s to %s. %s", how, d.Destination, then)
}

// errNoSelfSignUp: the pool lets only administrators create users, so the
// pages offer no sign-up (its link is gone from the sign-in page too).
var errNoSelfSignUp = errors.New("sign-up is for administrators only")

func accountHandler(svc *idp.Service, log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		in := authorizeRequest(r.URL.Query())
		query := "?" + r.URL.RawQuery
		show := func(v accountView) {
			v.CSRF = setCSRF(w, r)
			v.CSSURL, v.LogoURL = branding(r, svc, in.ClientID)
			v.SignInURL = LoginPath + query
			if v.Action == "" {
				v.Action = r.URL.Path + query
			}
			pageHeaders(w)
			w.WriteHeader(http.StatusOK)
			accountPage.Execute(w, v)
		}
		signUpForm := func(message string) (accountView, error) {
			form, err := svc.HostedSignUpForm(r.Context(), in)
			if err != nil {
				return accountView{}, err
			}
			if !form.SelfSignUp {
				return accountView{}, errNoSelfSignUp
			}
			v := accountView{Title: "Sign up", Submit: "Sign up", Message: message, Action: SignUpPath + query}
			user := field{"Username", "username", "text", "username"}
			if form.UsernameAttribute != "" {
				user.Label = attributeLabel(form.UsernameAttribute)
			}
			v.Fields = append(v.Fields, user)
			for _, a := range form.Attributes {
				v.Fields = append(v.Fields, field{attributeLabel(a), a, "text", "off"})
			}
			v.Fields = append(v.Fields, field{"Password", "password", "password", "new-password"})
			return v, nil
		}
		confirmUser := func(username, session, prompt, message string) accountView {
			return accountView{Title: "Confirm your account", Submit: "Confirm account", Prompt: prompt, Message: message,
				Action: ConfirmPath + query, Hidden: []hiddenField{{"username", username}, {"session", session}},
				Fields:       []field{{"Verification code", "code", "text", "one-time-code"}},
				ResendAction: ResendCodePath + query}
		}
		resetPassword := func(username, prompt, message string) accountView {
			return accountView{Title: "Reset your password", Submit: "Change password", Prompt: prompt, Message: message,
				Action: ConfirmForgotPasswordPath + query, Hidden: []hiddenField{{"username", username}},
				Fields: []field{{"Code", "code", "text", "one-time-code"}, {"New password", "password", "password", "new-password"}}}
		}
		forgot := func(message string) accountView {
			return accountView{Title: "Forgot your password?", Submit: "Reset my password", Message: message,
				Action: ForgotPasswordPath + query, Fields: []field{{"Username", "username", "text", "username"}},
				Prompt: "Enter your username and we will send you a code to reset your password."}
		}
		// fail shows a refusal in Cognito's words on the page it came
		// from, or answers what the page cannot show.
		fail := func(err error, again func(msg string) accountView) {
			var ae *idp.AuthorizeError
			var e *idp.Error
			switch {
			case errors.As(err, &ae):
				refuse(w, r, in, err, log)
			case errors.As(err, &e) && e.Code != idp.InternalErrorException && again != nil:
				show(again(e.Message))
			case r.Context().Err() != nil:
				return // the client went away
			default:
				log.ErrorContext(r.Context(), "oauth2: account page", slog.String("path", r.URL.Path), slog.Any("err", err))
				http.Error(w, "Internal error", http.StatusInternalServerError)
			}
		}

		if r.Method == http.MethodGet {
			switch r.URL.Path {
			case SignUpPath:
				v, err := signUpForm("")
				if errors.Is(err, errNoSelfSignUp) { // only administrators create users: back to sign-in
					http.Redirect(w, r, LoginPath+query, http.StatusFound)
					return
				}
				if err != nil {
					fail(err, nil)
					return
				}
				show(v)
			case ForgotPasswordPath:
				if _, err := svc.HostedSignUpForm(r.Context(), in); err != nil { // the same checks
					fail(err, nil)
					return
				}
				show(forgot(""))
			case ConfirmUserPath:
				q := r.URL.Query()
				if !q.Has("confirmation_code") {
					http.Redirect(w, r, LoginPath+query, http.StatusFound)
					return
				}
				// A confirmation link (idp.ConfirmSignUpByLink).
				v := accountView{Title: "Account confirmed", Prompt: "Your registration has been confirmed. You can sign in now."}
				err := svc.ConfirmSignUpByLink(r.Context(), q.Get("client_id"), q.Get("user_name"), q.Get("confirmation_code"))
				var e *idp.Error
				switch {
				case errors.As(err, &e) && e.Code != idp.InternalErrorException:
					v = accountView{Title: "Account not confirmed", Message: e.Message}
				case err != nil && r.Context().Err() != nil:
					return // the client went away
				case err != nil:
					log.ErrorContext(r.Context(), "oauth2: confirmation link", slog.Any("err", err))
					http.Error(w, "Internal error", http.StatusInternalServerError)
					return
				}
				v.CSSURL, v.LogoURL = branding(r, svc, q.Get("client_id"))
				pageHeaders(w)
				linkPage.Execute(w, v)
			default:
				// The confirmation pages follow a form; alone, they start over.
				http.Redirect(w, r, LoginPath+query, http.StatusFound)
			}
			return
		}
		if r.Method != http.MethodPost {
			methodNotAllowed(w, "GET, POST")
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, maxForm)
		if err := r.ParseForm(); err != nil {
			http.Error(w, "Bad request", http.StatusBadRequest)
			return
		}
		f := r.PostForm
		if !csrfValid(r, f.Get(csrfField)) {
			// An expired or forged form: start the page over.
			http.Redirect(w, r, r.URL.Path+query, http.StatusSeeOther)
			return
		}
		username := strings.TrimSpace(f.Get("username"))
		switch r.URL.Path {
		case SignUpPath:
			form, err := svc.HostedSignUpForm(r.Context(), in)
			if err != nil {
				fail(err, nil)
				return
			}
			var attrs []idp.Attribute
			for _, a := range form.Attributes {
				if v := strings.TrimSpace(f.Get(a)); v != "" {
					attrs = append(attrs, idp.Attribute{Name: a, Value: v})
				}
			}
			res, step, err := svc.HostedSignUp(r.Context(), in, username, f.Get("password"), attrs)
			if err != nil {
				if _, ferr := signUpForm(""); errors.Is(ferr, errNoSelfSignUp) {
					http.Redirect(w, r, LoginPath+query, http.StatusFound) // no sign-up page to show the refusal on
					return
				}
				fail(err, func(msg string) accountView { v, _ := signUpForm(msg); return v })
				return
			}
			if step != nil && (step.AuthCode != "" || step.AuthTokens != nil) {
				// Confirmed at once (a pre sign-up function): signed in.
				signedIn(w, r, step.AuthRedirect, step.AuthCode, step.AuthTokens, step.SignInSession, in.State)
				return
			}
			if res.UserConfirmed {
				// Confirmed, but signing in needs a step of its own (or
				// failed): the sign-in page takes over.
				http.Redirect(w, r, LoginPath+query, http.StatusFound)
				return
			}
			if res.UserConfirmed || res.Delivery == nil {
				// Nothing to confirm here: an administrator confirms the user.
				show(accountView{Title: "Account created", Submit: "Sign in", Action: LoginPath + query,
					Prompt: "Your account was created. An administrator must confirm it before you can sign in."})
				return
			}
			if res.Delivery.ByLink {
				show(accountView{Title: "Confirm your account", Submit: "Sign in", Action: LoginPath + query,
					Prompt: "We have sent a link by email to " + res.Delivery.Destination + ". Open it to confirm your account, then sign in."})
				return
			}
			show(confirmUser(username, res.Session, deliveryPrompt(res.Delivery, "Enter it below to confirm your account."), ""))
		case ConfirmPath:
			session := f.Get("session")
			step, err := svc.HostedConfirmSignUp(r.Context(), in, username, strings.TrimSpace(f.Get("code")), session)
			var e *idp.Error
			switch {
			case err == nil && (step.AuthCode != "" || step.AuthTokens != nil):
				signedIn(w, r, step.AuthRedirect, step.AuthCode, step.AuthTokens, step.SignInSession, in.State)
			case err == nil:
				// Confirmed, but the sign-in needs a step the page does not
				// take from here: sign in afresh.
				http.Redirect(w, r, LoginPath+query, http.StatusFound)
			case errors.As(err, &e) && (e.Code == idp.CodeMismatchException || e.Code == idp.ExpiredCodeException):
				show(confirmUser(username, session, "", e.Message))
			default:
				fail(err, func(msg string) accountView { return confirmUser(username, session, "", msg) })
			}
		case ResendCodePath:
			session := f.Get("session")
			d, err := svc.HostedResendSignUpCode(r.Context(), in, username)
			if err != nil {
				fail(err, func(msg string) accountView { return confirmUser(username, session, "", msg) })
				return
			}
			show(confirmUser(username, session, deliveryPrompt(d, "Enter it below to confirm your account."), ""))
		case ForgotPasswordPath:
			d, err := svc.HostedForgotPassword(r.Context(), in, username)
			if err != nil {
				fail(err, forgot)
				return
			}
			show(resetPassword(username, deliveryPrompt(d, "Enter it below with your new password."), ""))
		case ConfirmForgotPasswordPath:
			err := svc.HostedConfirmForgotPassword(r.Context(), in, username, strings.TrimSpace(f.Get("code")), f.Get("password"))
			if err != nil {
				fail(err, func(msg string) accountView { return resetPassword(username, "", msg) })
				return
			}
			http.Redirect(w, r, LoginPath+query, http.StatusFound)
		default:
			http.NotFound(w, r)
		}
	})
}

// csrfValid checks a form's CSRF token against the cookie's (double submit).
func csrfValid(r *http.Request, token string) bool {
	c, err := r.Cookie(csrfCookie)
	return err == nil && c.Value != "" && subtle.ConstantTimeCompare([]byte(c.Value), []byte(token)) == 1
}
