package e2e

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"html"
	"io"
	"math/big"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
)

// oidcProvider is an OpenID Connect identity provider on loopback, for a
// pool to federate to: discovery, authorization (it signs in whoever the
// test says, at once), token (client_secret_post, single-use codes bound
// to their redirect_uri), userInfo and JWKS endpoints. It checks what a
// relying party must send and records what it was sent.
type oidcProvider struct {
	t            *testing.T
	URL          string
	ClientID     string
	ClientSecret string
	// Issuer is the iss of its ID tokens; "" means URL.
	Issuer string
	// ProfileInIDToken puts the user's claims in the ID token, as Google
	// does, instead of only sub and email (the rest at userInfo).
	ProfileInIDToken bool
	// CheckSecret, when set, checks the token request's client_secret
	// instead of comparing it with ClientSecret (Apple's is a JWT).
	CheckSecret func(secret string) error
	// FormPost answers by an auto-submitting form (response_mode
	// form_post, as Apple does), with FormUser as its "user" field if set.
	FormPost bool
	FormUser string
	key      *rsa.PrivateKey

	mu sync.Mutex
	// User is the claims of whoever signs in next (sub, email, ...).
	User map[string]any
	// Deny makes the authorization endpoint answer error=access_denied, or
	// error=DenyCode when that is set.
	Deny     bool
	DenyCode string
	// DenyDescription is the refusal's error_description, if set.
	DenyDescription string
	// RefuseCode makes the token endpoint refuse the next code with 400
	// {"error": RefuseCode, "error_description": RefuseDescription}.
	RefuseCode, RefuseDescription string
	// BadNonce makes the next ID tokens carry another nonce.
	BadNonce bool
	// TokenForms are the token requests it was sent.
	TokenForms []url.Values
	codes      map[string]idpGrant
	access     map[string]map[string]any
}

type idpGrant struct {
	redirectURI, nonce string
	user               map[string]any
}

func newOIDCProvider(t *testing.T) *oidcProvider {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	p := &oidcProvider{t: t, ClientID: "ninshou-rp", ClientSecret: "rp-secret-1", key: key,
		codes: map[string]idpGrant{}, access: map[string]map[string]any{}}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) {
		writeJSONTo(w, map[string]any{"issuer": p.URL, "authorization_endpoint": p.URL + "/authorize",
			"token_endpoint": p.URL + "/token", "userinfo_endpoint": p.URL + "/userinfo", "jwks_uri": p.URL + "/jwks",
			"response_types_supported": []string{"code"}, "id_token_signing_alg_values_supported": []string{"RS256"}})
	})
	mux.HandleFunc("GET /jwks", func(w http.ResponseWriter, r *http.Request) {
		writeJSONTo(w, map[string]any{"keys": []any{map[string]any{"kty": "RSA", "kid": "idp-1", "use": "sig", "alg": "RS256",
			"n": base64.RawURLEncoding.EncodeToString(key.N.Bytes()),
			"e": base64.RawURLEncoding.EncodeToString(big.NewInt(int64(key.E)).Bytes())}}})
	})
	mux.HandleFunc("GET /authorize", p.authorize)
	mux.HandleFunc("POST /token", p.token)
	mux.HandleFunc("GET /userinfo", p.userInfo)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	p.URL = srv.URL
	return p
}

func writeJSONTo(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(v)
}

func randomString() string {
	b := make([]byte, 18)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// SignIn sets who signs in next.
func (p *oidcProvider) SignIn(claims map[string]any) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.User = claims
}

func (p *oidcProvider) authorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	redirect := q.Get("redirect_uri")
	if q.Get("client_id") != p.ClientID || q.Get("response_type") != "code" || redirect == "" || q.Get("state") == "" {
		http.Error(w, "bad authorization request: "+q.Encode(), http.StatusBadRequest)
		return
	}
	back := url.Values{"state": {q.Get("state")}}
	p.mu.Lock()
	if p.Deny {
		back.Set("error", "access_denied")
		if p.DenyCode != "" {
			back.Set("error", p.DenyCode)
		}
		if p.DenyDescription != "" {
			back.Set("error_description", p.DenyDescription)
		}
	} else {
		code := randomString()
		p.codes[code] = idpGrant{redirectURI: redirect, nonce: q.Get("nonce"), user: p.User}
		back.Set("code", code)
	}
	formPost, user := p.FormPost, p.FormUser
	p.mu.Unlock()
	if formPost {
		if q.Get("response_mode") != "form_post" {
			http.Error(w, "form_post expected", http.StatusBadRequest)
			return
		}
		if user != "" {
			back.Set("user", user)
		}
		var fields strings.Builder
		for k := range back {
			fields.WriteString(`<input type="hidden" name="` + html.EscapeString(k) + `" value="` + html.EscapeString(back.Get(k)) + `">`)
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		io.WriteString(w, `<html><body onload="document.forms[0].submit()"><form method="post" action="`+
			html.EscapeString(redirect)+`">`+fields.String()+`</form></body></html>`)
		return
	}
	http.Redirect(w, r, redirect+"?"+back.Encode(), http.StatusFound)
}

func (p *oidcProvider) token(w http.ResponseWriter, r *http.Request) {
	r.ParseForm()
	p.mu.Lock()
	defer p.mu.Unlock()
	p.TokenForms = append(p.TokenForms, r.PostForm)
	g, ok := p.codes[r.PostForm.Get("code")]
	delete(p.codes, r.PostForm.Get("code"))
	secretOK := r.PostForm.Get("client_secret") == p.ClientSecret
	if p.CheckSecret != nil {
		if err := p.CheckSecret(r.PostForm.Get("client_secret")); err != nil {
			p.t.Errorf("client_secret: %v", err)
			secretOK = false
		} else {
			secretOK = true
		}
	}
	if p.RefuseCode != "" {
		w.WriteHeader(http.StatusBadRequest)
		writeJSONTo(w, map[string]string{"error": p.RefuseCode, "error_description": p.RefuseDescription})
		return
	}
	if !ok || r.PostForm.Get("grant_type") != "authorization_code" || r.PostForm.Get("redirect_uri") != g.redirectURI ||
		r.PostForm.Get("client_id") != p.ClientID || !secretOK {
		w.WriteHeader(http.StatusBadRequest)
		writeJSONTo(w, map[string]string{"error": "invalid_grant"})
		return
	}
	now := time.Now()
	iss := p.URL
	if p.Issuer != "" {
		iss = p.Issuer
	}
	claims := map[string]any{"iss": iss, "aud": p.ClientID, "sub": g.user["sub"], "iat": now.Unix(),
		"exp": now.Add(time.Hour).Unix(), "nonce": g.nonce, "email": g.user["email"]}
	for k, v := range g.user {
		if _, set := claims[k]; !set && p.ProfileInIDToken {
			claims[k] = v
		}
	}
	if p.BadNonce {
		claims["nonce"] = "not-the-request's"
	}
	access := randomString()
	p.access[access] = g.user
	writeJSONTo(w, map[string]any{"id_token": p.sign(claims), "access_token": access, "token_type": "Bearer", "expires_in": 3600})
}

func (p *oidcProvider) sign(claims map[string]any) string {
	h, _ := json.Marshal(map[string]string{"alg": "RS256", "kid": "idp-1", "typ": "JWT"})
	c, _ := json.Marshal(claims)
	signed := base64.RawURLEncoding.EncodeToString(h) + "." + base64.RawURLEncoding.EncodeToString(c)
	sum := sha256.Sum256([]byte(signed))
	sig, err := rsa.SignPKCS1v15(rand.Reader, p.key, crypto.SHA256, sum[:])
	if err != nil {
		p.t.Error(err)
	}
	return signed + "." + base64.RawURLEncoding.EncodeToString(sig)
}

func (p *oidcProvider) userInfo(w http.ResponseWriter, r *http.Request) {
	p.mu.Lock()
	user, ok := p.access[strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")]
	p.mu.Unlock()
	if !ok {
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	writeJSONTo(w, user)
}
