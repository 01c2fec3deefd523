// Package oauth2http serves the user pool's OAuth 2.0 token endpoint
// (POST /oauth2/token) and revocation endpoint (POST /oauth2/revoke): thin
// adapters from the form-encoded requests and HTTP Basic client
// authentication of RFC 6749 to idp.Service.Token and RevokeToken, and
// back to JSON.
// https://docs.aws.amazon.com/cognito/latest/developerguide/token-endpoint.html
// https://docs.aws.amazon.com/cognito/latest/developerguide/revocation-endpoint.html
package oauth2http

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"log/slog"
	"mime"
	"net/http"
	"net/url"
	"strings"

	"github.com/ninshou/ninshou/internal/idp"
)

// Where the endpoints are served.
const (
	TokenPath  = "/oauth2/token"
	RevokePath = "/oauth2/revoke"
)

// maxForm bounds the request body: a token request is a few short fields.
const maxForm = 64 << 10

// maxSAMLForm bounds the form a SAML provider posts: "The
// saml2/idpresponse endpoint can accept SAML assertions of up to 100,000
// characters in length" (saml2-idpresponse-endpoint.html), form-encoded.
const maxSAMLForm = 256 << 10

// Paths lists every path Handler serves (ServeMux patterns).
var Paths = []string{TokenPath, RevokePath, AuthorizePath, LoginPath, ErrorPath, UserInfoPath, LogoutPath, idp.IdPResponsePath, idp.SAMLResponsePath, idp.SAMLLogoutPath,
	SignUpPath, ConfirmPath, ConfirmUserPath, confirmUserSlash, ForgotPasswordPath, ConfirmForgotPasswordPath, ResendCodePath, AddPasskeyPath}

// confirmUserSlash is the confirmation link as AWS's guide writes it,
// "https://<your user pool domain>/confirmUser/?client_id=..."
// (cognito-user-pool-settings-email-verification-message-customization.html).
const confirmUserSlash = ConfirmUserPath + "/{$}"

// Handler serves Paths.
func Handler(svc *idp.Service, log *slog.Logger) http.Handler {
	mux := http.NewServeMux()
	mux.Handle(TokenPath, crossOrigin("POST", post(tokenHandler(svc, log))))
	mux.Handle(RevokePath, crossOrigin("POST", post(revokeHandler(svc, log))))
	mux.Handle(AuthorizePath, authorizeHandler(svc, log))
	mux.Handle(LoginPath, loginHandler(svc, log))
	mux.Handle(ErrorPath, errorHandler())
	mux.Handle(UserInfoPath, crossOrigin("GET, POST", userInfoHandler(svc, log)))
	mux.Handle(LogoutPath, logoutHandler(svc, log))
	mux.Handle(idp.IdPResponsePath, idpResponseHandler(svc, log))
	mux.Handle(idp.SAMLResponsePath, idpResponseHandler(svc, log))
	mux.Handle(idp.SAMLLogoutPath, samlLogoutHandler(svc, log))
	mux.Handle(AddPasskeyPath, addPasskeyHandler(svc, log))
	account := accountHandler(svc, log)
	for _, p := range []string{SignUpPath, ConfirmPath, ConfirmUserPath, ForgotPasswordPath, ConfirmForgotPasswordPath, ResendCodePath} {
		mux.Handle(p, account)
	}
	mux.Handle(confirmUserSlash, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r2 := r.Clone(r.Context())
		r2.URL.Path, r2.URL.RawPath = ConfirmUserPath, ""
		account.ServeHTTP(w, r2)
	}))
	return mux
}

// crossOrigin lets a browser app on any origin call an endpoint it calls
// directly (not by navigation): every answer, refusals too, carries
// Access-Control-Allow-Origin: *, and a CORS preflight (OPTIONS) is
// answered for methods, with any request headers (userInfo's Authorization,
// a form's Content-Type). The token endpoint "returns an
// Access-Control-Allow-Origin: * response header. You can call the token
// endpoint cross-origin from a browser-based app ... Amazon Cognito doesn't
// support custom CORS origin policies on this endpoint" (token-endpoint.html);
// browser OIDC clients (oidc-client-ts) call the revocation and userInfo
// endpoints the same way, and read Cognito's refusals from them
// (authts/oidc-client-ts#262), and OpenID Connect Core §5.3 asks the
// userInfo endpoint to support CORS. No credentials are allowed: these
// endpoints authenticate by their parameters and bearer tokens, never by
// cookies.
func crossOrigin(methods string, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hd := w.Header()
		hd.Set("Access-Control-Allow-Origin", "*")
		if r.Method != http.MethodOptions || r.Header.Get("Access-Control-Request-Method") == "" {
			h.ServeHTTP(w, r)
			return
		}
		hd.Set("Access-Control-Allow-Methods", methods)
		if asked := r.Header.Get("Access-Control-Request-Headers"); asked != "" {
			hd.Set("Access-Control-Allow-Headers", asked)
		}
		hd.Set("Access-Control-Max-Age", "7200")
		hd.Add("Vary", "Access-Control-Request-Headers")
		w.WriteHeader(http.StatusNoContent)
	})
}

func post(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			w.Header().Set("Allow", http.MethodPost)
			writeJSON(w, http.StatusMethodNotAllowed, map[string]string{"error": "invalid_request"})
			return
		}
		h.ServeHTTP(w, r)
	})
}

func tokenHandler(svc *idp.Service, log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		in, ok := parse(w, r)
		if !ok {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": "invalid_request"})
			return
		}
		out, err := svc.Token(r.Context(), in)
		var oe *idp.OAuthError
		var e *idp.Error
		switch {
		case errors.As(err, &oe):
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": oe.Code})
		case errors.As(err, &e) && (e.Code == idp.UserLambdaValidationException || e.Code == idp.InvalidLambdaResponseException ||
			e.Code == idp.UnexpectedLambdaException):
			// A pre token generation function refused or failed: the
			// request cannot be granted, which is not the server's fault.
			// (What Cognito answers here is not published.)
			log.InfoContext(r.Context(), "oauth2: token refused by a Lambda trigger", slog.String("grant_type", in.GrantType), slog.Any("err", err))
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": "invalid_request"})
		case err != nil && r.Context().Err() != nil:
			return // the client went away: nothing to answer, nothing gone wrong here
		case err != nil:
			log.ErrorContext(r.Context(), "oauth2: token", slog.String("grant_type", in.GrantType), slog.Any("err", err))
			writeJSON(w, http.StatusInternalServerError, map[string]string{"error": "server_error"})
		default:
			writeJSON(w, http.StatusOK, tokenResponse{AccessToken: out.AccessToken, IDToken: out.IDToken,
				RefreshToken: out.RefreshToken, TokenType: "Bearer", ExpiresIn: out.ExpiresIn})
		}
	})
}

// revokeHandler revokes a refresh token and the access tokens issued from
// it (RevokeToken's rules): 200 with an empty body, also for a token it
// does not know; 401 invalid_client for bad client credentials; 400
// unsupported_token_type for a JWT; 400 invalid_request without a token or
// when the client does not allow revocation.
func revokeHandler(svc *idp.Service, log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		in, ok := parse(w, r)
		token := r.PostForm.Get("token")
		if !ok || token == "" || in.ClientID == "" {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": "invalid_request"})
			return
		}
		err := svc.RevokeToken(r.Context(), in.ClientID, in.ClientSecret, token)
		var e *idp.Error
		switch {
		case err == nil:
			w.Header().Set("Cache-Control", "no-store")
			w.WriteHeader(http.StatusOK)
		case errors.As(err, &e) && e.Code == idp.UnauthorizedException:
			writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "invalid_client"})
		case errors.As(err, &e) && e.Code == idp.UnsupportedTokenTypeException:
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": "unsupported_token_type"})
		case errors.As(err, &e) && e.Code == idp.UnsupportedOperationException:
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": "invalid_request"})
		case r.Context().Err() != nil:
			return // the client went away
		default:
			log.ErrorContext(r.Context(), "oauth2: revoke", slog.Any("err", err))
			writeJSON(w, http.StatusInternalServerError, map[string]string{"error": "server_error"})
		}
	})
}

// tokenResponse is RFC 6749 §5.1's answer, with OpenID Connect's id_token.
type tokenResponse struct {
	IDToken      string `json:"id_token,omitempty"`
	AccessToken  string `json:"access_token"`
	RefreshToken string `json:"refresh_token,omitempty"`
	ExpiresIn    int    `json:"expires_in"`
	TokenType    string `json:"token_type"`
}

// parse reads the form and the client's credentials: HTTP Basic
// (client_secret_basic) or client_id and client_secret in the form
// (client_secret_post). Both at once must name the same client.
func parse(w http.ResponseWriter, r *http.Request) (idp.TokenRequest, bool) {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "application/x-www-form-urlencoded" {
		return idp.TokenRequest{}, false
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxForm)
	if err := r.ParseForm(); err != nil {
		return idp.TokenRequest{}, false
	}
	f := r.PostForm
	in := idp.TokenRequest{GrantType: f.Get("grant_type"), ClientID: f.Get("client_id"), ClientSecret: f.Get("client_secret"),
		Scope: f.Get("scope"), RefreshToken: f.Get("refresh_token"), Code: f.Get("code"),
		RedirectURI: f.Get("redirect_uri"), CodeVerifier: f.Get("code_verifier")}
	// aws_client_metadata: a JSON object of strings for the pre token
	// generation trigger (token-endpoint.html).
	if md := f.Get("aws_client_metadata"); md != "" {
		if err := json.Unmarshal([]byte(md), &in.ClientMetadata); err != nil {
			return idp.TokenRequest{}, false
		}
	}
	if h := r.Header.Get("Authorization"); h != "" {
		id, secret, ok := basicAuth(h)
		if !ok || in.ClientID != "" && in.ClientID != id || in.ClientSecret != "" {
			return idp.TokenRequest{}, false
		}
		in.ClientID, in.ClientSecret = id, secret
	}
	return in, true
}

// basicAuth decodes "Basic base64(id:secret)", each part form-encoded as
// RFC 6749 §2.3.1 asks (clients that do not encode send the same bytes).
func basicAuth(h string) (id, secret string, ok bool) {
	scheme, enc, found := cutSpace(h)
	if !found || !equalFold(scheme, "Basic") {
		return "", "", false
	}
	raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(enc))
	if err != nil {
		return "", "", false
	}
	id, secret, ok = strings.Cut(string(raw), ":")
	if !ok {
		return "", "", false
	}
	if id, err = url.QueryUnescape(id); err != nil {
		return "", "", false
	}
	if secret, err = url.QueryUnescape(secret); err != nil {
		return "", "", false
	}
	return id, secret, true
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	h := w.Header()
	h.Set("Content-Type", "application/json;charset=UTF-8")
	h.Set("Cache-Control", "no-store")
	h.Set("Pragma", "no-cache")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

// cutSpace splits an Authorization header into scheme and credentials.
func cutSpace(h string) (scheme, rest string, ok bool) {
	scheme, rest, ok = strings.Cut(strings.TrimSpace(h), " ")
	return scheme, strings.TrimSpace(rest), ok
}

func equalFold(a, b string) bool { return strings.EqualFold(a, b) }
