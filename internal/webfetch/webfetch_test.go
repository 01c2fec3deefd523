package webfetch

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

func TestGet(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/doc":
			w.Write([]byte(`{"issuer":"x"}`))
		case "/big":
			w.Write([]byte(strings.Repeat("x", maxBody+1)))
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	ctx := context.Background()
	if b, err := Get(ctx, srv.URL+"/doc"); err != nil || string(b) != `{"issuer":"x"}` {
		t.Errorf("a document: %q, %v", b, err)
	}
	for _, url := range []string{srv.URL + "/missing", srv.URL + "/big", "file:///etc/passwd", "ftp://example.com/x", "not a url"} {
		if _, err := Get(ctx, url); err == nil {
			t.Errorf("Get(%q) succeeded; want an error", url)
		}
	}
}

// TestCall: a POST carries its form in the body and the bearer token in
// the Authorization header; a GET's form goes in the query.
func TestCall(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := r.ParseForm(); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		w.Write([]byte(r.Method + " " + r.Header.Get("Authorization") + " " + r.Form.Encode() + " " + r.URL.RawQuery))
	}))
	defer srv.Close()
	ctx := context.Background()
	b, err := Call(ctx, http.MethodPost, srv.URL+"/token", url.Values{"code": {"c 1"}}, "")
	if err != nil || string(b) != "POST  code=c+1 " {
		t.Errorf("POST with a form: %q, %v", b, err)
	}
	b, err = Call(ctx, http.MethodGet, srv.URL+"/userinfo?a=1", url.Values{"b": {"2"}}, "tok")
	if err != nil || string(b) != "GET Bearer tok a=1&b=2 a=1&b=2" {
		t.Errorf("GET with a bearer: %q, %v", b, err)
	}
}
