package main

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"
	"time"
)

// connPool sends API calls over keep-alive HTTP/1.1 connections, one
// request at a time per connection, in the calling goroutine.
//
// Why not net/http's Transport: it runs a reader and a writer goroutine per
// connection and hands every request and answer between them and the
// caller. On two cores shared with the server under test, that hand-off
// (futex wake-ups, scheduling, select) was a third of the load generator's
// CPU at concurrency 16, CPU the server then lacked. Requests are still
// written by http.Request.Write and answers read by http.ReadResponse, so
// the bytes on the wire and their parsing are net/http's own.
type connPool struct {
	mu      sync.Mutex
	idle    map[string][]*poolConn // by host:port
	max     int                    // idle connections kept per host
	maxIdle time.Duration          // maxIdleAge, but in tests
}

type poolConn struct {
	net.Conn
	r         *bufio.Reader
	w         *bufio.Writer
	idleSince time.Time
}

const callTimeout = 30 * time.Second

// maxIdleAge is how long a connection may wait in the pool. Servers close
// idle keep-alive connections (Node.js after 5 s), and a request written
// to one that is being closed fails; a request is a POST, never retried,
// so the pool does not reuse a connection a server may have given up on.
// Connections in steady use never reach it; ones left at the bottom of the
// pool while fewer calls were in flight do.
const maxIdleAge = 2 * time.Second

func newConnPool(maxIdle int) *connPool {
	return &connPool{idle: map[string][]*poolConn{}, max: max(maxIdle, 1), maxIdle: maxIdleAge}
}

func (p *connPool) get(host string) (*poolConn, error) {
	p.mu.Lock()
	for list := p.idle[host]; len(list) > 0; list = p.idle[host] {
		c := list[len(list)-1]
		p.idle[host] = list[:len(list)-1]
		if time.Since(c.idleSince) < p.maxIdle {
			p.mu.Unlock()
			return c, nil
		}
		c.Close()
	}
	p.mu.Unlock()
	nc, err := net.DialTimeout("tcp", host, 5*time.Second)
	if err != nil {
		return nil, err
	}
	if tc, ok := nc.(*net.TCPConn); ok {
		tc.SetNoDelay(true)
	}
	return &poolConn{Conn: nc, r: bufio.NewReaderSize(nc, 16<<10), w: bufio.NewWriterSize(nc, 8<<10)}, nil
}

func (p *connPool) put(host string, c *poolConn) {
	c.idleSince = time.Now()
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.idle[host]) >= p.max {
		c.Close()
		return
	}
	p.idle[host] = append(p.idle[host], c)
}

func (p *connPool) closeIdle() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for host, list := range p.idle {
		for _, c := range list {
			c.Close()
		}
		delete(p.idle, host)
	}
}

// do sends req and returns the answer's status and whole body (at most
// limit bytes). The connection goes back to the pool only after a complete
// exchange that leaves it open.
func (p *connPool) do(req *http.Request, limit int64) (int, http.Header, []byte, error) {
	host := req.URL.Host
	if req.URL.Port() == "" {
		host = net.JoinHostPort(req.URL.Hostname(), "80")
	}
	c, err := p.get(host)
	if err != nil {
		return 0, nil, nil, err
	}
	deadline := time.Now().Add(callTimeout)
	if d, ok := req.Context().Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	c.SetDeadline(deadline)
	if err := req.Write(c.w); err != nil {
		c.Close()
		return 0, nil, nil, err
	}
	if err := c.w.Flush(); err != nil {
		c.Close()
		return 0, nil, nil, err
	}
	resp, err := http.ReadResponse(c.r, req)
	if err != nil {
		c.Close()
		return 0, nil, nil, err
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	resp.Body.Close()
	if err != nil {
		c.Close()
		return 0, nil, nil, err
	}
	if int64(len(body)) > limit {
		c.Close()
		return 0, nil, nil, fmt.Errorf("answer larger than %d bytes", limit)
	}
	if resp.Close || c.r.Buffered() > 0 {
		c.Close() // the server ends the connection, or sent more than one answer
	} else {
		c.SetDeadline(time.Time{})
		p.put(host, c)
	}
	return resp.StatusCode, resp.Header, body, nil
}
