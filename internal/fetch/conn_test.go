package fetch

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// countingServer is an httptest server that counts the connections it
// accepted.
func countingServer(t *testing.T, h http.HandlerFunc) (*httptest.Server, *atomic.Int32) {
	t.Helper()
	var conns atomic.Int32
	srv := httptest.NewUnstartedServer(h)
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Start()
	t.Cleanup(srv.Close)
	return srv, &conns
}

func TestKeepAlive(t *testing.T) {
	srv, conns := countingServer(t, func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("If-None-Match") == `"v1"` {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("ETag", `"v1"`)
		if r.URL.Path == "/gzip" && strings.Contains(r.Header.Get("Accept-Encoding"), "gzip") {
			w.Header().Set("Content-Encoding", "gzip")
			zw := gzip.NewWriter(w)
			_, _ = zw.Write([]byte(rss))
			_ = zw.Close()
			return
		}
		if r.URL.Path == "/chunked" {
			_, _ = io.WriteString(w, rss[:20])
			w.(http.Flusher).Flush()
			_, _ = io.WriteString(w, rss[20:])
			return
		}
		_, _ = io.WriteString(w, rss)
	})
	c := New(Options{})
	for i := range 30 {
		path := []string{"/plain", "/gzip", "/chunked"}[i%3]
		etag := ""
		if i%2 == 1 {
			etag = `"v1"`
		}
		resp, err := c.Get(context.Background(), Request{URL: srv.URL + path, ETag: etag})
		if err != nil {
			t.Fatalf("request %d (%s): %v", i, path, err)
		}
		if etag == "" && string(resp.Body) != rss {
			t.Fatalf("request %d (%s): body %q", i, path, resp.Body)
		}
		if etag != "" && !resp.NotModified {
			t.Fatalf("request %d (%s): status %d, want 304", i, path, resp.Status)
		}
	}
	if n := conns.Load(); n != 1 {
		t.Fatalf("30 requests in a row opened %d connections, want 1", n)
	}
}

// rawServer reads one request on each connection and leaves the answer to
// fn, on loopback.
func rawServer(t *testing.T, fn func(c net.Conn)) (string, *atomic.Int32) {
	t.Helper()
	return acceptLoop(t, func(c net.Conn) {
		req, err := http.ReadRequest(bufio.NewReader(c))
		if err != nil {
			return
		}
		_, _ = io.Copy(io.Discard, req.Body)
		fn(c)
	})
}

// acceptLoop serves each connection to a loopback listener with serve,
// closing it after, and counts the connections.
func acceptLoop(t *testing.T, serve func(c net.Conn)) (string, *atomic.Int32) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	var conns atomic.Int32
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			conns.Add(1)
			go func() {
				defer c.Close()
				serve(c)
			}()
		}
	}()
	return "http://" + ln.Addr().String(), &conns
}

func TestServerClosedIdleConnectionIsRetried(t *testing.T) {
	// The server answers one request per connection and then closes it,
	// without saying "Connection: close": the next request on that
	// connection finds it closed and goes again on a new one.
	url, conns := rawServer(t, func(c net.Conn) {
		fmt.Fprintf(c, "HTTP/1.1 304 Not Modified\r\nETag: \"v1\"\r\n\r\n")
	})
	c := New(Options{})
	for i := range 5 {
		resp, err := c.Get(context.Background(), Request{URL: url, ETag: `"v1"`})
		if err != nil {
			t.Fatalf("request %d: %v", i, err)
		}
		if !resp.NotModified {
			t.Fatalf("request %d: %d", i, resp.Status)
		}
		time.Sleep(20 * time.Millisecond) // let the close arrive
	}
	if n := conns.Load(); n != 5 {
		t.Fatalf("%d connections, want 5", n)
	}
}

func TestConnectionCloseAndAbandonedBodies(t *testing.T) {
	srv, conns := countingServer(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/close" {
			w.Header().Set("Connection", "close")
		}
		_, _ = w.Write(bytes.Repeat([]byte("x"), 64<<10))
	})
	tr := newTransport(2, http.DefaultTransport)
	get := func(path string, read bool) {
		t.Helper()
		resp, err := tr.RoundTrip(httptest.NewRequest(http.MethodGet, srv.URL+path, nil).WithContext(context.Background()))
		if err != nil {
			t.Fatal(err)
		}
		if read {
			if _, err := io.Copy(io.Discard, resp.Body); err != nil {
				t.Fatal(err)
			}
		} else {
			buf := make([]byte, 100)
			_, _ = io.ReadFull(resp.Body, buf)
		}
		resp.Body.Close()
	}
	get("/", true)
	get("/", true)
	if n := conns.Load(); n != 1 {
		t.Fatalf("two whole bodies took %d connections, want 1", n)
	}
	get("/", false) // abandoned: its connection cannot serve again
	get("/", true)
	if n := conns.Load(); n != 2 {
		t.Fatalf("after an abandoned body: %d connections, want 2", n)
	}
	get("/close", true)
	get("/", true)
	if n := conns.Load(); n != 3 {
		t.Fatalf("after Connection: close: %d connections, want 3", n)
	}
}

func TestEndlessHeadersAreCut(t *testing.T) {
	url, _ := rawServer(t, func(c net.Conn) {
		fmt.Fprintf(c, "HTTP/1.1 200 OK\r\n")
		line := []byte("X-Filler: " + strings.Repeat("a", 1000) + "\r\n")
		for {
			if _, err := c.Write(line); err != nil {
				return
			}
		}
	})
	_, err := New(Options{}).Get(context.Background(), Request{URL: url})
	if err == nil || !strings.Contains(err.Error(), "response headers over 1048576 bytes") {
		t.Fatalf("err = %v, want one about the headers' size", err)
	}
}

func TestInformationalResponsesSkipped(t *testing.T) {
	url, _ := rawServer(t, func(c net.Conn) {
		fmt.Fprintf(c, "HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload\r\n\r\n")
		fmt.Fprintf(c, "HTTP/1.1 200 OK\r\nContent-Length: %d\r\nETag: \"v2\"\r\n\r\n%s", len(rss), rss)
	})
	resp, err := New(Options{}).Get(context.Background(), Request{URL: url})
	if err != nil {
		t.Fatal(err)
	}
	if resp.Status != 200 || string(resp.Body) != rss || resp.ETag != `"v2"` {
		t.Fatalf("%+v", resp)
	}
}

func TestCancelMidBody(t *testing.T) {
	url, _ := rawServer(t, func(c net.Conn) {
		fmt.Fprintf(c, "HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\nabc")
		time.Sleep(5 * time.Second)
	})
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(200*time.Millisecond, cancel)
	start := time.Now()
	_, err := New(Options{}).Get(ctx, Request{URL: url})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("cancel took %s to end the read", d)
	}
}

func TestHTTPS(t *testing.T) {
	var conns atomic.Int32
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ProtoMajor != 1 {
			t.Errorf("request over %s, want HTTP/1.1", r.Proto)
		}
		w.Header().Set("ETag", `"v1"`)
		_, _ = io.WriteString(w, rss)
	}))
	srv.EnableHTTP2 = true
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	srv.StartTLS()
	defer srv.Close()
	tr := newTransport(2, http.DefaultTransport)
	pool := x509.NewCertPool()
	pool.AddCert(srv.Certificate())
	tr.tls = &tls.Config{RootCAs: pool, NextProtos: []string{"http/1.1"}}
	c := New(Options{Transport: tr})
	for range 3 {
		resp, err := c.Get(context.Background(), Request{URL: srv.URL})
		if err != nil {
			t.Fatal(err)
		}
		if string(resp.Body) != rss {
			t.Fatalf("body %q", resp.Body)
		}
	}
	if n := conns.Load(); n != 1 {
		t.Fatalf("%d TLS connections, want 1", n)
	}
}

func TestProxiedRequestsUseTheStandardTransport(t *testing.T) {
	var proxied atomic.Int32
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.IsAbs() {
			proxied.Add(1)
		}
		_, _ = io.WriteString(w, rss)
	}))
	defer proxy.Close()
	pu, _ := url.Parse(proxy.URL)
	fixed := http.ProxyURL(pu)
	tr := newTransport(2, &http.Transport{Proxy: fixed})
	tr.proxy = fixed
	resp, err := New(Options{Transport: tr}).Get(context.Background(), Request{URL: "http://outlet.invalid/rss.xml"})
	if err != nil {
		t.Fatal(err)
	}
	if string(resp.Body) != rss || proxied.Load() != 1 {
		t.Fatalf("body %q, %d requests through the proxy", resp.Body, proxied.Load())
	}
}

// BenchmarkConditionalGet compares a 304 through net/http's Transport with
// one through transport, on a loopback server in the same process.
func BenchmarkConditionalGet(b *testing.B) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("ETag", `"v1"`)
		w.WriteHeader(http.StatusNotModified)
	}))
	defer srv.Close()
	for _, tc := range []struct {
		name string
		tr   http.RoundTripper
	}{
		{"net-http", &http.Transport{MaxIdleConnsPerHost: 2, MaxConnsPerHost: 2}},
		{"inline", nil},
	} {
		b.Run(tc.name, func(b *testing.B) {
			c := New(Options{Transport: tc.tr})
			req := Request{URL: srv.URL + "/rss.xml", ETag: `"v1"`}
			b.ReportAllocs()
			for b.Loop() {
				if resp, err := c.Get(context.Background(), req); err != nil || !resp.NotModified {
					b.Fatal(resp, err)
				}
			}
		})
	}
}

func TestIdleConnectionsCapped(t *testing.T) {
	handler := func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNotModified) }
	a, connsA := countingServer(t, handler)
	b, connsB := countingServer(t, handler)
	tr := newTransport(2, http.DefaultTransport)
	tr.maxIdle = 1
	for range 2 {
		for _, srv := range []*httptest.Server{a, b} {
			resp, err := tr.RoundTrip(httptest.NewRequest(http.MethodGet, srv.URL, nil).WithContext(context.Background()))
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
		}
	}
	// The connection to a was kept, the one to b was not: the second
	// request to a reused it, the second to b needed a new one.
	if na, nb := connsA.Load(), connsB.Load(); na != 1 || nb != 2 {
		t.Fatalf("connections: %d to a, %d to b; want 1 and 2", na, nb)
	}
}

// roundTripFunc answers requests with a function.
type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func TestLeftToTheStandardTransport(t *testing.T) {
	var got []string
	tr := newTransport(2, roundTripFunc(func(r *http.Request) (*http.Response, error) {
		got = append(got, r.Method+" "+r.URL.Hostname())
		return &http.Response{StatusCode: http.StatusNoContent, Body: http.NoBody, Request: r}, nil
	}))
	tr.proxy = nil
	for _, req := range []*http.Request{
		httptest.NewRequest(http.MethodGet, "http://báo-tỉnh.invalid/rss.xml", nil),
		httptest.NewRequest(http.MethodPost, "http://127.0.0.1:1/hub", strings.NewReader("hub.mode=publish")),
	} {
		if _, err := tr.RoundTrip(req); err != nil {
			t.Fatal(err)
		}
	}
	want := []string{"GET báo-tỉnh.invalid", "POST 127.0.0.1"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("the standard transport got %q, want %q", got, want)
	}
}

// TestTimeoutCoversTheExchange: the timeout of Options ends a request
// whose server is slow to answer and one whose body trickles, through this
// transport and through the standard one (by a proxy), with the error a
// context's deadline gives; a request cancelled meanwhile says so.
func TestTimeoutCoversTheExchange(t *testing.T) {
	release := make(chan struct{})
	defer close(release)
	slow := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/trickle.xml") {
			w.Header().Set("Content-Length", "1000")
			_, _ = io.WriteString(w, "<rss")
			w.(http.Flusher).Flush()
		}
		select {
		case <-release:
		case <-r.Context().Done():
		}
	})
	direct := httptest.NewServer(slow)
	defer direct.Close()
	proxy := httptest.NewServer(slow)
	defer proxy.Close()
	pu, _ := url.Parse(proxy.URL)
	proxied := newTransport(2, &http.Transport{Proxy: http.ProxyURL(pu)})
	proxied.proxy = http.ProxyURL(pu)

	for _, tc := range []struct {
		name string
		tr   http.RoundTripper
		base string
	}{
		{"this transport", nil, direct.URL},
		{"through a proxy", proxied, "http://outlet.invalid"},
	} {
		for _, path := range []string{"/late.xml", "/trickle.xml"} {
			c := New(Options{Transport: tc.tr, Timeout: 300 * time.Millisecond})
			start := time.Now()
			_, err := c.Get(context.Background(), Request{URL: tc.base + path})
			if took := time.Since(start); err == nil || !errors.Is(err, context.DeadlineExceeded) || took > 2*time.Second {
				t.Errorf("%s, %s: error %v after %s, want the deadline's after 300ms", tc.name, path, err, took)
			}

			ctx, cancel := context.WithCancel(context.Background())
			time.AfterFunc(100*time.Millisecond, cancel)
			c = New(Options{Transport: tc.tr, Timeout: time.Minute})
			start = time.Now()
			_, err = c.Get(ctx, Request{URL: tc.base + path})
			if took := time.Since(start); err == nil || !errors.Is(err, context.Canceled) || took > 2*time.Second {
				t.Errorf("%s, %s, cancelled: error %v after %s", tc.name, path, err, took)
			}
		}
	}
}

// TestStrayBytesAfterAResponse: a server that sends more than its
// Content-Length leaves bytes on the kept-alive connection after the
// response. The next request to that server, for another feed, must not
// read them as its answer: the connection is dropped and a new one used.
func TestStrayBytesAfterAResponse(t *testing.T) {
	base, conns := acceptLoop(t, func(c net.Conn) {
		br := bufio.NewReader(c)
		for {
			req, err := http.ReadRequest(br)
			if err != nil {
				return
			}
			fmt.Fprintf(c, "HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s", len(rss), rss)
			if req.URL.Path == "/long.xml" {
				// Ten bytes more than it declared, a moment later.
				time.Sleep(20 * time.Millisecond)
				_, _ = io.WriteString(c, "chợ phiên\n")
			}
		}
	})
	c := New(Options{})
	for i, path := range []string{"/long.xml", "/good.xml", "/long.xml", "/good.xml"} {
		resp, err := c.Get(context.Background(), Request{URL: base + path})
		if err != nil {
			t.Fatalf("request %d (%s): %v", i, path, err)
		}
		if string(resp.Body) != rss {
			t.Fatalf("request %d (%s): body %q", i, path, resp.Body)
		}
		time.Sleep(60 * time.Millisecond) // the stray bytes arrive
	}
	if n := conns.Load(); n < 3 {
		t.Errorf("%d connections: a connection with stray bytes on it was used again", n)
	}
}

// TestTimeoutWhileHeadersArrive: a server that stops in the middle of its
// status line or of a header is slow, not broken. The deadline cuts the
// read after a part of a line, which the parser would call malformed; the
// error must be the deadline's, as for a slow body.
func TestTimeoutWhileHeadersArrive(t *testing.T) {
	for _, sent := range []string{
		"HTTP/1.1",
		"HTTP/1.1 200 OK\r\nContent-Type: application/rss+xml; char",
	} {
		release := make(chan struct{})
		base, _ := rawServer(t, func(c net.Conn) {
			_, _ = io.WriteString(c, sent)
			<-release
		})
		c := New(Options{Timeout: 300 * time.Millisecond})
		start := time.Now()
		_, err := c.Get(context.Background(), Request{URL: base + "/tin-moi.rss"})
		close(release)
		if took := time.Since(start); err == nil || !errors.Is(err, context.DeadlineExceeded) ||
			!strings.Contains(err.Error(), "deadline exceeded") || took > 2*time.Second {
			t.Errorf("after %q: error %v after %s, want the deadline's after 300ms", sent, err, took)
		}
	}
}
