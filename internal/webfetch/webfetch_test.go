package webfetch

import (
	"context"
	"net/http"
	"net/http/httptest"
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
