package fetch

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
	"syscall"
	"time"
	"unicode/utf8"
)

// transport is an HTTP/1.1 round tripper for GET and HEAD that does all of a
// request's work in the caller's goroutine: it writes the request on a kept-
// alive connection, reads the answer with http.ReadResponse, and puts the
// connection back when the body has been read to its end.
//
// net/http's Transport runs two goroutines per connection and hands every
// request and response between them and the caller over channels; for a
// poller whose requests are mostly 304s, those hand-offs and the threads they
// wake were most of the CPU of a poll. Here a request costs the system calls
// it needs and one wait in the network poller.
//
// Requests through a proxy (HTTP_PROXY and the like), to hosts whose names
// are not ASCII, and with other methods or a body go to the standard
// transport, which handles what this one leaves out.
type transport struct {
	dialer      net.Dialer
	tls         *tls.Config
	perHost     int           // idle connections kept per host
	maxIdle     int           // idle connections kept in all
	idleTimeout time.Duration // an idle connection older than this is closed
	maxHeader   int64         // bytes of status line and headers
	proxy       func(*http.Request) (*url.URL, error)
	fallback    http.RoundTripper

	mu        sync.Mutex
	idle      map[string][]*persistConn // by scheme://host:port, newest last
	idleCount int
	lastSweep time.Time
}

func newTransport(perHost int, fallback http.RoundTripper) *transport {
	return &transport{
		dialer:      net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second},
		tls:         &tls.Config{NextProtos: []string{"http/1.1"}},
		perHost:     perHost,
		maxIdle:     128,
		idleTimeout: 90 * time.Second,
		maxHeader:   1 << 20,
		proxy:       http.ProxyFromEnvironment,
		fallback:    fallback,
		idle:        make(map[string][]*persistConn),
	}
}

// persistConn is one connection to a server, with its buffers.
type persistConn struct {
	key  string
	nc   net.Conn
	lr   limitedReader // nc, capped while headers are read
	br   *bufio.Reader
	bw   *bufio.Writer
	used time.Time // when it went idle
	peek *peeker   // looks at the socket while idle (quiet)
}

// limitedReader reads from r while n > 0, then reports errHeaderTooLarge.
type limitedReader struct {
	r io.Reader
	n int64
}

var errHeaderTooLarge = errors.New("response headers too large")

func (l *limitedReader) Read(p []byte) (int, error) {
	if l.n <= 0 {
		return 0, errHeaderTooLarge
	}
	if int64(len(p)) > l.n {
		p = p[:l.n]
	}
	n, err := l.r.Read(p)
	l.n -= int64(n)
	return n, err
}

const unlimited = 1<<63 - 1

// aLongTimeAgo is a deadline in the past: setting it wakes a blocked read or
// write at once.
var aLongTimeAgo = time.Unix(1, 0)

func (t *transport) RoundTrip(req *http.Request) (*http.Response, error) {
	deadline, _ := req.Context().Deadline()
	return t.roundTripUntil(req, deadline)
}

// roundTripUntil is RoundTrip with a deadline (none if zero) for the whole
// exchange, body included, kept apart from the request's context: a context
// with a deadline of its own costs a timer, and a map for the AfterFunc that
// watches it, on every request.
func (t *transport) roundTripUntil(req *http.Request, deadline time.Time) (*http.Response, error) {
	if (req.Method != http.MethodGet && req.Method != http.MethodHead) ||
		(req.Body != nil && req.Body != http.NoBody) ||
		strings.ContainsFunc(req.URL.Host, func(r rune) bool { return r >= utf8.RuneSelf }) {
		return untilDeadline(t.fallback, req, deadline)
	}
	if req.URL.Scheme != "http" && req.URL.Scheme != "https" {
		return nil, fmt.Errorf("unsupported protocol scheme %q", req.URL.Scheme)
	}
	if t.proxy != nil {
		if p, err := t.proxy(req); err != nil || p != nil {
			return untilDeadline(t.fallback, req, deadline)
		}
	}
	key := connKey(req.URL)
	for attempt := 0; ; attempt++ {
		var pc *persistConn
		var reused bool
		if attempt == 0 {
			pc, reused = t.getIdle(key)
		}
		if pc == nil {
			var err error
			if pc, err = t.dial(req.Context(), deadline, req.URL, key); err != nil {
				return nil, err
			}
		}
		resp, err := t.roundTrip(pc, req, deadline)
		if err == nil {
			return resp, nil
		}
		// A server may close a kept-alive connection at any moment, or
		// leave bytes on it after a response (quiet looks for those, but
		// they may come just after): a GET that fails on a reused
		// connection before its answer's headers is tried once more on a
		// new one. net/http retries only the first case.
		if !reused || attempt > 0 || req.Context().Err() != nil || timedOut(err) {
			return nil, err
		}
	}
}

// untilDeadline sends req with rt, whose requests end by their contexts,
// under a context with deadline; the context ends when the response's body
// is closed.
func untilDeadline(rt http.RoundTripper, req *http.Request, deadline time.Time) (*http.Response, error) {
	if deadline.IsZero() {
		return rt.RoundTrip(req)
	}
	ctx, cancel := context.WithDeadline(req.Context(), deadline)
	resp, err := rt.RoundTrip(req.WithContext(ctx))
	if err != nil {
		cancel()
		return nil, err
	}
	resp.Body = &cancelBody{ReadCloser: resp.Body, cancel: cancel}
	return resp, nil
}

type cancelBody struct {
	io.ReadCloser
	cancel context.CancelFunc
}

func (b *cancelBody) Close() error {
	err := b.ReadCloser.Close()
	b.cancel()
	return err
}

// roundTrip sends req on pc and reads the response's headers. On error pc is
// closed; on success it belongs to the response's body. The deadline is the
// connection's until the body is read; the request's context, when it can
// end, sets one in the past that wakes whatever waits on the connection.
func (t *transport) roundTrip(pc *persistConn, req *http.Request, deadline time.Time) (*http.Response, error) {
	ctx := req.Context()
	_ = pc.nc.SetDeadline(deadline)
	stop := neverStarted
	if ctx.Done() != nil {
		stop = context.AfterFunc(ctx, func() { _ = pc.nc.SetDeadline(aLongTimeAgo) })
	}
	fail := func(err error) (*http.Response, error) {
		stop()
		pc.nc.Close()
		return nil, ctxError(ctx, deadline, err)
	}

	gzipped := req.Header.Get("Accept-Encoding") == "" && req.Header.Get("Range") == "" && req.Method != http.MethodHead
	if err := writeRequest(pc.bw, req, gzipped); err != nil {
		return fail(err)
	}

	pc.lr.n = t.maxHeader
	var resp *http.Response
	for {
		var err error
		resp, err = http.ReadResponse(pc.br, req)
		if err != nil {
			if errors.Is(err, errHeaderTooLarge) {
				err = fmt.Errorf("response headers over %d bytes", t.maxHeader)
			}
			return fail(err)
		}
		// 1xx answers come before the real one (101 would switch
		// protocols, which a GET never asks for).
		if resp.StatusCode < 100 || resp.StatusCode >= 200 || resp.StatusCode == http.StatusSwitchingProtocols {
			break
		}
	}
	pc.lr.n = unlimited
	if resp.StatusCode == http.StatusSwitchingProtocols {
		return fail(errors.New("server switched protocols"))
	}

	keep := !resp.Close && !req.Close
	if resp.Body == http.NoBody || resp.Body == nil {
		// A connection whose cancellation has begun is not kept: it
		// could still set a deadline in the past on it.
		t.release(pc, stop() && keep)
		resp.Body = http.NoBody
		return resp, nil
	}
	body := &connBody{t: t, pc: pc, body: resp.Body, keep: keep, stop: stop, ctx: ctx, deadline: deadline}
	resp.Body = body
	if gzipped && strings.EqualFold(resp.Header.Get("Content-Encoding"), "gzip") {
		resp.Header.Del("Content-Encoding")
		resp.Header.Del("Content-Length")
		resp.ContentLength = -1
		resp.Uncompressed = true
		resp.Body = newGzipBody(body)
	}
	return resp, nil
}

// neverStarted stands for the AfterFunc of a context that cannot end.
func neverStarted() bool { return true }

// writeRequest writes req's request line and headers, the way net/http
// writes a GET without a body.
func writeRequest(bw *bufio.Writer, req *http.Request, gzipped bool) error {
	host := req.Host
	if host == "" {
		host = req.URL.Host
	}
	bw.WriteString(req.Method)
	bw.WriteByte(' ')
	bw.WriteString(req.URL.RequestURI())
	bw.WriteString(" HTTP/1.1\r\nHost: ")
	bw.WriteString(host)
	bw.WriteString("\r\n")
	if req.Header.Get("User-Agent") == "" {
		bw.WriteString("User-Agent: Go-http-client/1.1\r\n")
	}
	if err := req.Header.Write(bw); err != nil {
		return err
	}
	if req.Close {
		bw.WriteString("Connection: close\r\n")
	}
	if gzipped {
		bw.WriteString("Accept-Encoding: gzip\r\n")
	}
	bw.WriteString("\r\n")
	return bw.Flush()
}

// connBody is a response body that hands its connection back to the
// transport once read to the end, and closes it when abandoned before.
type connBody struct {
	t        *transport
	pc       *persistConn
	body     io.ReadCloser
	keep     bool
	stop     func() bool
	ctx      context.Context
	deadline time.Time
	done     bool
}

func (b *connBody) Read(p []byte) (int, error) {
	if b.done {
		return 0, io.EOF
	}
	n, err := b.body.Read(p)
	if err == io.EOF {
		b.finish(b.keep)
	} else if err != nil {
		b.finish(false)
		err = ctxError(b.ctx, b.deadline, err)
	}
	return n, err
}

// ctxError returns the error of ctx for an error that its cancellation
// caused, and context.DeadlineExceeded for any error once the request's
// deadline has passed: a read cut by the request's timeout says "context
// deadline exceeded", not "i/o timeout", nor what the parser made of the
// part of a line that came before the cut (a status line cut after
// "HTTP/1.1" reads as a malformed response, as bufio hands over a partial
// line without its error).
func ctxError(ctx context.Context, deadline time.Time, err error) error {
	if ctxErr := ctx.Err(); ctxErr != nil {
		return ctxErr
	}
	if !deadline.IsZero() && !time.Now().Before(deadline) {
		return context.DeadlineExceeded
	}
	return err
}

func (b *connBody) Close() error {
	if !b.done {
		b.finish(false)
	}
	return nil
}

func (b *connBody) finish(keep bool) {
	b.done = true
	b.t.release(b.pc, b.stop() && keep)
}

// gzipBody decompresses its body, opening the gzip stream on the first read.
type gzipBody struct {
	*decoder
	body *connBody
}

func newGzipBody(body *connBody) *gzipBody {
	// The gzip reader looks for a next member after each, so its io.EOF
	// comes after the body's: by then the connection is back in the pool.
	return &gzipBody{decoder: newDecoder("gzip", body, openGzip), body: body}
}

func (g *gzipBody) Close() error { return g.body.Close() }

// getIdle returns the newest idle connection for key, if one is fresh enough.
func (t *transport) getIdle(key string) (*persistConn, bool) {
	now := time.Now()
	t.mu.Lock()
	var stale []*persistConn
	if now.Sub(t.lastSweep) > t.idleTimeout/2 {
		t.lastSweep = now
		for k, list := range t.idle {
			kept := list[:0]
			for _, pc := range list {
				if now.Sub(pc.used) > t.idleTimeout {
					stale = append(stale, pc)
					t.idleCount--
				} else {
					kept = append(kept, pc)
				}
			}
			if len(kept) == 0 {
				delete(t.idle, k)
			} else {
				t.idle[k] = kept
			}
		}
	}
	var pc *persistConn
	if list := t.idle[key]; len(list) > 0 {
		pc = list[len(list)-1]
		list[len(list)-1] = nil
		t.idleCount--
		if len(list) == 1 {
			delete(t.idle, key)
		} else {
			t.idle[key] = list[:len(list)-1]
		}
	}
	t.mu.Unlock()
	for _, s := range stale {
		s.nc.Close()
	}
	if pc != nil && (now.Sub(pc.used) > t.idleTimeout || !pc.peek.quiet()) {
		pc.nc.Close()
		pc = nil
	}
	return pc, pc != nil
}

// release puts pc back among the idle connections, or closes it.
func (t *transport) release(pc *persistConn, keep bool) {
	if keep && pc.br.Buffered() == 0 {
		_ = pc.nc.SetDeadline(time.Time{})
		pc.used = time.Now()
		t.mu.Lock()
		if list := t.idle[pc.key]; len(list) < t.perHost && t.idleCount < t.maxIdle {
			t.idle[pc.key] = append(list, pc)
			t.idleCount++
			t.mu.Unlock()
			return
		}
		t.mu.Unlock()
	}
	pc.nc.Close()
}

// CloseIdleConnections closes every idle connection.
func (t *transport) CloseIdleConnections() {
	t.mu.Lock()
	idle := t.idle
	t.idle = make(map[string][]*persistConn)
	t.idleCount = 0
	t.mu.Unlock()
	for _, list := range idle {
		for _, pc := range list {
			pc.nc.Close()
		}
	}
	if c, ok := t.fallback.(interface{ CloseIdleConnections() }); ok {
		c.CloseIdleConnections()
	}
}

func (t *transport) dial(ctx context.Context, deadline time.Time, u *url.URL, key string) (*persistConn, error) {
	addr := strings.TrimPrefix(key, u.Scheme+"://")
	dialer := t.dialer
	dialer.Deadline = deadline
	nc, err := dialer.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, err
	}
	var raw syscall.RawConn
	if sc, ok := nc.(syscall.Conn); ok {
		raw, _ = sc.SyscallConn()
	}
	if u.Scheme == "https" {
		_ = nc.SetDeadline(deadline)
		cfg := t.tls.Clone()
		cfg.ServerName = u.Hostname()
		tc := tls.Client(nc, cfg)
		if err := tc.HandshakeContext(ctx); err != nil {
			nc.Close()
			return nil, err
		}
		nc = tc
	}
	pc := &persistConn{key: key, nc: nc, peek: newPeeker(raw)}
	pc.lr = limitedReader{r: nc, n: unlimited}
	pc.br = bufio.NewReaderSize(&pc.lr, 4096)
	pc.bw = bufio.NewWriterSize(nc, 1024)
	return pc, nil
}

// connKey names the server a URL's request goes to: scheme, lower-case host
// and port.
func connKey(u *url.URL) string {
	port := u.Port()
	if port == "" {
		port = "80"
		if u.Scheme == "https" {
			port = "443"
		}
	}
	return u.Scheme + "://" + net.JoinHostPort(strings.ToLower(u.Hostname()), port)
}

// timedOut reports an error of the request's deadline, which a new
// connection would not help.
func timedOut(err error) bool {
	return errors.Is(err, os.ErrDeadlineExceeded) || errors.Is(err, context.DeadlineExceeded)
}
