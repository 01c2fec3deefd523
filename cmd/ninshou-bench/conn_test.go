package main

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// TestConnPoolDropsIdleConnections: a connection that waited in the pool
// longer than the pool's idle age is not reused, so a server that closed
// it meanwhile (as Node.js does after 5 s) costs no failed call.
func TestConnPoolDropsIdleConnections(t *testing.T) {
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("{}"))
	}))
	srv.Config.IdleTimeout = 200 * time.Millisecond
	srv.Start()
	t.Cleanup(srv.Close)

	p := newConnPool(4)
	p.maxIdle = 100 * time.Millisecond
	call := func() error {
		req, err := http.NewRequest(http.MethodPost, srv.URL, strings.NewReader("{}"))
		if err != nil {
			t.Fatal(err)
		}
		_, _, _, err = p.do(req, 1<<10)
		return err
	}
	if err := call(); err != nil {
		t.Fatalf("first call: %v", err)
	}
	time.Sleep(400 * time.Millisecond) // the server has closed the idle connection
	if err := call(); err != nil {
		t.Fatalf("call after the server closed the idle connection: %v", err)
	}
}
