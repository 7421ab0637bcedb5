// Package fetch downloads outlet documents over HTTP, politely: conditional
// GET with the validators the server gave, a capped body, a bounded number of
// connections per host, a User-Agent that says who is asking, and the
// server's own words on when to come back (Retry-After, Cache-Control).
//
// It does not parse what it downloads and it does not decide when to poll
// again; it only reports what the server said.
package fetch

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"newswire/feeds"
	"newswire/internal/urlsafe"
)

// Options configure a Client. Zero values take the defaults in brackets.
type Options struct {
	Timeout   time.Duration // whole request, body included [20s]
	MaxBody   int64         // bytes after decompression [10 MiB]
	UserAgent string        // [newswire]
	PerHost   int           // concurrent requests to one host [2]
	// Transport replaces the default transport (tests).
	Transport http.RoundTripper
}

// Request is one conditional GET.
type Request struct {
	URL          string
	ETag         string // sent back as If-None-Match, exactly as received
	LastModified string // sent back as If-Modified-Since, exactly as received
}

// Response is what the server answered to a successful request (2xx or 304).
type Response struct {
	URL          string // final URL after redirects
	Status       int
	NotModified  bool
	Body         []byte
	ContentType  string
	ETag         string
	LastModified string
	// MovedTo is the new address when every redirect followed was permanent
	// (301 or 308): the source should be polled there from now on.
	MovedTo string
	// MaxAge is how long the server says the document stays fresh
	// (Cache-Control max-age, else Expires); zero when it says nothing.
	MaxAge time.Duration
	// Cursor is the X-Newswire-Cursor a newswire feed gives: where its
	// change log stands, to ask with ?since= for what changes after it.
	// Empty from any other server, and on a 304.
	Cursor   string
	Duration time.Duration
}

// StatusError is a response with a status newswire does not accept.
type StatusError struct {
	URL        string // the URL that answered, after any redirects
	Status     int
	RetryAfter time.Duration // from Retry-After on 429/503; zero when absent
	MovedTo    string        // permanent redirects followed before the error
	// Obeyed is the wait its caller keeps to after a Retry-After, when
	// that is not RetryAfter (capped, or raised to its shortest
	// interval): the message shows it, and what the server asked beside.
	Obeyed time.Duration
}

func (e *StatusError) Error() string {
	msg := fmt.Sprintf("fetch: GET %s: %d %s", urlsafe.Redacted(e.URL), e.Status, http.StatusText(e.Status))
	switch {
	case e.RetryAfter <= 0:
	case e.Obeyed > 0 && e.Obeyed != e.RetryAfter:
		msg += fmt.Sprintf(" (retry after %s; asked %s)", roughly(e.Obeyed), roughly(e.RetryAfter))
	default:
		msg += fmt.Sprintf(" (retry after %s)", roughly(e.RetryAfter))
	}
	return msg
}

// roughly writes a wait as people say it when it is long: "7 days", "72
// years"; else to the second.
func roughly(d time.Duration) string {
	const day, year = 24 * time.Hour, 365 * 24 * time.Hour
	switch {
	case d >= longest:
		return fmt.Sprintf("over %d years", d/year)
	case d >= 2*year:
		return fmt.Sprintf("%d years", d/year)
	case d >= 2*day && d%day == 0:
		return fmt.Sprintf("%d days", d/day)
	}
	return d.Round(time.Second).String()
}

// ErrTooLarge reports a body over Options.MaxBody.
var ErrTooLarge = errors.New("body too large")

const maxRedirects = 5

// Client fetches documents. It is safe for concurrent use.
type Client struct {
	opt Options
	rt  http.RoundTripper

	mu    sync.Mutex
	hosts map[string]chan struct{}

	// self is where the daemon listens (RefuseSelf); nil: anywhere goes.
	self atomic.Pointer[selfAddr]
}

// selfAddr is an address no request may be sent to.
type selfAddr struct {
	ip    net.IP
	port  string
	local []net.IP // this host's addresses, for a daemon listening on all
}

// RefuseSelf makes c refuse to connect to addr, the address the daemon
// listens on ("127.0.0.1:8080", "[::]:8080"): an outlet's redirect or the
// feed link of its page must not make the daemon request its own admin
// endpoints, which trust a loopback peer. A daemon listening on every
// address is refused at its port on loopback and on each of this host's
// addresses.
func (c *Client) RefuseSelf(addr string) error {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("fetch: own address %q: %w", addr, err)
	}
	s := &selfAddr{ip: net.ParseIP(host), port: port}
	if s.ip == nil {
		return fmt.Errorf("fetch: own address %q: not an IP address", addr)
	}
	if s.ip.IsUnspecified() {
		addrs, _ := net.InterfaceAddrs()
		for _, a := range addrs {
			if n, ok := a.(*net.IPNet); ok {
				s.local = append(s.local, n.IP)
			}
		}
	}
	c.self.Store(s)
	return nil
}

// control is the dialers' ControlContext: it refuses a connection to the
// daemon's own address (RefuseSelf), and one to a private address along a
// trail that has reached a public one (Trail).
func (c *Client) control(ctx context.Context, _, address string, _ syscall.RawConn) error {
	host, port, err := net.SplitHostPort(address)
	if err != nil {
		return nil
	}
	ip := net.ParseIP(host)
	if ip == nil {
		return nil
	}
	if s := c.self.Load(); s != nil && port == s.port {
		own := ip.Equal(s.ip) || ip.IsUnspecified()
		if s.ip.IsUnspecified() {
			own = own || ip.IsLoopback() || slices.ContainsFunc(s.local, ip.Equal)
		}
		if own {
			return fmt.Errorf("%s is this newswire's own address: a feed is never fetched from it", address)
		}
	}
	if t, _ := ctx.Value(trailKey{}).(*trail); t != nil {
		public := isPublic(ip)
		t.mu.Lock()
		defer t.mu.Unlock()
		if public {
			t.public = true
		} else if t.public {
			return fmt.Errorf("%s is a private address, and an outlet on the internet led here (a redirect, or a link in its page): refused", address)
		}
	}
	return nil
}

type trailKey struct{}

// trail records whether the requests of one poll have connected to a
// public address.
type trail struct {
	mu     sync.Mutex
	public bool
}

// Trail returns ctx for the requests of one poll (the configured URL, the
// redirects it leads to, the feed its page links to, the articles of a
// scraped page): once one of them has connected to a public address, none
// after it may connect to a loopback, private or link-local one. An outlet
// on the internet must not make the daemon fetch, and republish, what only
// its own network can reach; an admin who configures a source on the
// private network still can. Get starts a trail of its own when ctx has
// none.
func Trail(ctx context.Context) context.Context {
	if ctx.Value(trailKey{}) != nil {
		return ctx
	}
	return context.WithValue(ctx, trailKey{}, &trail{})
}

// isPublic reports an address on the internet: not loopback, private,
// link-local, shared (RFC 6598) or unspecified.
func isPublic(ip net.IP) bool {
	if ip.IsLoopback() || ip.IsPrivate() || ip.IsLinkLocalUnicast() || ip.IsLinkLocalMulticast() ||
		ip.IsInterfaceLocalMulticast() || ip.IsUnspecified() {
		return false
	}
	return !shared.Contains(ip)
}

// shared is the carrier-grade NAT range, private in all but name.
var shared = &net.IPNet{IP: net.IPv4(100, 64, 0, 0), Mask: net.CIDRMask(10, 32)}

// New returns a Client with opt, defaults filled in.
func New(opt Options) *Client {
	if opt.Timeout <= 0 {
		opt.Timeout = 20 * time.Second
	}
	if opt.MaxBody <= 0 {
		opt.MaxBody = 10 << 20
	}
	if opt.UserAgent == "" {
		opt.UserAgent = "newswire"
	}
	if opt.PerHost <= 0 {
		opt.PerHost = 2
	}
	c := &Client{opt: opt, hosts: make(map[string]chan struct{})}
	c.rt = opt.Transport
	if c.rt == nil {
		t := newTransport(opt.PerHost, &http.Transport{
			Proxy:                 http.ProxyFromEnvironment,
			DialContext:           (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second, ControlContext: c.control}).DialContext,
			MaxIdleConns:          100,
			MaxIdleConnsPerHost:   opt.PerHost,
			MaxConnsPerHost:       opt.PerHost,
			IdleConnTimeout:       90 * time.Second,
			TLSHandshakeTimeout:   10 * time.Second,
			ResponseHeaderTimeout: opt.Timeout,
			ForceAttemptHTTP2:     true,
		})
		t.dialer.ControlContext = c.control
		c.rt = t
	}
	return c
}

// HTTPClient returns an http.Client over c's connections, with c's guards
// (RefuseSelf, and Trail for a ctx that carries one) and timeout, for
// requests other than a poll's GET: WebSub's discovery of a feed's hub and
// its subscription request, whose addresses come from an outlet. It
// follows up to maxRedirects redirects of a GET, and none of another
// method: a POST's form (a subscription's secret) is never sent on to
// where a redirect points, and the 3xx is its answer.
func (c *Client) HTTPClient() *http.Client {
	return &http.Client{
		Transport: c.rt,
		Timeout:   c.opt.Timeout,
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if req.Response != nil && req.Response.Request.Method != http.MethodGet && req.Response.Request.Method != http.MethodHead {
				return http.ErrUseLastResponse
			}
			if len(via) >= maxRedirects {
				return fmt.Errorf("stopped after %d redirects", maxRedirects)
			}
			return nil
		},
	}
}

// hostSlot blocks until fewer than PerHost requests to host are running.
func (c *Client) hostSlot(ctx context.Context, host string) (release func(), err error) {
	c.mu.Lock()
	sem, ok := c.hosts[host]
	if !ok {
		sem = make(chan struct{}, c.opt.PerHost)
		c.hosts[host] = sem
	}
	c.mu.Unlock()
	select {
	case sem <- struct{}{}:
		return func() { <-sem }, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// Get performs one conditional GET.
func (c *Client) Get(ctx context.Context, r Request) (*Response, error) {
	ctx = Trail(ctx)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, r.URL, nil)
	if err != nil || (req.URL.Scheme != "http" && req.URL.Scheme != "https") || req.URL.Host == "" {
		return nil, fmt.Errorf("fetch: %q is not an absolute http(s) URL", urlsafe.Redacted(r.URL))
	}
	release, err := c.hostSlot(ctx, strings.ToLower(req.URL.Host))
	if err != nil {
		return nil, fmt.Errorf("fetch: GET %s: %w", urlsafe.Redacted(r.URL), err)
	}
	defer release()

	// The timeout covers the body: Get reads it before it returns.
	deadline := time.Now().Add(c.opt.Timeout)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	req.Header.Set("User-Agent", c.opt.UserAgent)
	req.Header.Set("Accept", "application/rss+xml, application/atom+xml, application/feed+json, application/json;q=0.9, application/xml;q=0.9, text/xml;q=0.8, text/html;q=0.5, */*;q=0.1")
	if r.ETag != "" {
		req.Header.Set("If-None-Match", r.ETag)
	}
	if r.LastModified != "" {
		req.Header.Set("If-Modified-Since", r.LastModified)
	}

	start := time.Now()
	resp, movedTo, err := c.follow(req, deadline)
	if err != nil {
		return nil, fmt.Errorf("fetch: GET %s: %w", urlsafe.Redacted(r.URL), err)
	}
	defer resp.Body.Close()
	// Past the redirects, errors name the URL that answered, redacted
	// when an error is made: most requests make none.
	answered := resp.Request.URL.String()

	out := &Response{
		URL:          answered,
		Status:       resp.StatusCode,
		ContentType:  resp.Header.Get("Content-Type"),
		ETag:         resp.Header.Get("ETag"),
		LastModified: resp.Header.Get("Last-Modified"),
		MovedTo:      movedTo,
		MaxAge:       maxAge(resp.Header, start),
		Cursor:       resp.Header.Get(feeds.CursorHeader),
	}
	switch {
	case resp.StatusCode == http.StatusNotModified && r.ETag == "" && r.LastModified == "":
		// Not modified since nothing: a server (or a cache before it)
		// that answers so gives no document, and the source would look
		// healthy forever without one.
		return nil, fmt.Errorf("fetch: GET %s: 304 Not Modified to a request that sent no If-None-Match or If-Modified-Since", urlsafe.Redacted(answered))
	case resp.StatusCode == http.StatusNotModified:
		out.NotModified = true
		// A 304 may omit validators; keep the ones we sent.
		if out.ETag == "" {
			out.ETag = r.ETag
		}
		if out.LastModified == "" {
			out.LastModified = r.LastModified
		}
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	case resp.StatusCode >= 200 && resp.StatusCode < 300:
		if resp.ContentLength > c.opt.MaxBody {
			// Refused before reading: a server that declares more than
			// the cap and then trickles it would hold a worker until the
			// timeout for a body that would be refused anyway.
			return nil, fmt.Errorf("fetch: GET %s: %w (Content-Length %d, over %d bytes)", urlsafe.Redacted(answered), ErrTooLarge, resp.ContentLength, c.opt.MaxBody)
		}
		var src io.Reader = resp.Body
		length := resp.ContentLength
		decoded := resp.Uncompressed
		if strings.EqualFold(strings.TrimSpace(resp.Header.Get("Content-Encoding")), "deflate") {
			// Not asked for (the request accepts gzip), but some servers
			// send it anyway; read under the same cap as any body.
			src, length, decoded = newDecoder("deflate", resp.Body, openDeflate), -1, true
		}
		body, err := readBody(src, length, c.opt.MaxBody)
		if err != nil {
			return nil, fmt.Errorf("fetch: GET %s: reading body: %w", urlsafe.Redacted(answered), err)
		}
		if int64(len(body)) > c.opt.MaxBody {
			once := ""
			if decoded {
				// A compression bomb is small on the wire.
				once = " once decompressed"
			}
			return nil, fmt.Errorf("fetch: GET %s: %w (over %d bytes%s)", urlsafe.Redacted(answered), ErrTooLarge, c.opt.MaxBody, once)
		}
		out.Body = body
	default:
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		se := &StatusError{URL: answered, Status: resp.StatusCode, MovedTo: movedTo}
		if resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable {
			// What a server says of when to come back after any other
			// error is not obeyed: the backoff and its cap are.
			se.RetryAfter = retryAfter(resp.Header.Get("Retry-After"), time.Now())
		}
		return nil, se
	}
	out.Duration = time.Since(start)
	return out, nil
}

// readBody reads at most max+1 bytes of r. With the length the server
// declared, it reads into one buffer of that size (io.ReadAll would grow its
// buffer a dozen times for a feed of 50 KB, and allocate twice the body).
func readBody(r io.Reader, length, max int64) ([]byte, error) {
	if length < 0 || length > max {
		length = 0
	}
	buf := bytes.NewBuffer(make([]byte, 0, length+bytes.MinRead))
	_, err := buf.ReadFrom(io.LimitReader(r, max+1))
	return buf.Bytes(), err
}

// follow sends req and follows up to maxRedirects redirects. movedTo is the
// final URL when every redirect followed was permanent (301 or 308).
//
// It does what http.Client does for a GET, without the copies of the
// request it makes for each one: a redirect without a Location is the
// answer, a relative Location is resolved against the URL it came from, and
// the same headers go to every URL (newswire sends no credentials).
func (c *Client) follow(req *http.Request, deadline time.Time) (resp *http.Response, movedTo string, err error) {
	original, permanent := req.URL.String(), true
	for redirects := 0; ; redirects++ {
		// User info in the URL goes as Basic authentication (RFC 7617),
		// to that URL alone: a redirect elsewhere does not take it along
		// (a relative one keeps the URL's user info, and so its host).
		req.Header.Del("Authorization")
		if u := req.URL.User; u != nil {
			pw, _ := u.Password()
			req.SetBasicAuth(u.Username(), pw)
		}
		if t, ok := c.rt.(*transport); ok {
			resp, err = t.roundTripUntil(req, deadline)
		} else {
			resp, err = untilDeadline(c.rt, req, deadline)
		}
		if err != nil {
			return nil, "", err
		}
		loc := resp.Header.Get("Location")
		switch resp.StatusCode {
		case http.StatusMovedPermanently, http.StatusPermanentRedirect:
		case http.StatusFound, http.StatusSeeOther, http.StatusTemporaryRedirect:
			if loc != "" {
				permanent = false
			}
		default:
			loc = ""
		}
		if loc == "" {
			if redirects > 0 && permanent && req.URL.String() != original {
				movedTo = req.URL.String()
			}
			return resp, movedTo, nil
		}
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		resp.Body.Close()
		if redirects == maxRedirects {
			return nil, "", fmt.Errorf("stopped after %d redirects", maxRedirects)
		}
		next, err := req.URL.Parse(loc)
		if err != nil {
			return nil, "", fmt.Errorf("redirect to %q: %w", urlsafe.Redacted(loc), err)
		}
		if next.Scheme != "http" && next.Scheme != "https" {
			return nil, "", fmt.Errorf("redirect to %q: not an http(s) URL", urlsafe.Redacted(loc))
		}
		req = req.Clone(req.Context())
		req.URL, req.Host = next, ""
	}
}

// retryAfter reads a Retry-After value: delay seconds or an HTTP date.
// RetryAfter is how long a Retry-After header's value (seconds, or an HTTP
// date) asks to wait from now; zero when it asks nothing readable.
func RetryAfter(v string, now time.Time) time.Duration { return retryAfter(v, now) }

func retryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if d, ok := seconds(v); ok {
		return d
	}
	if t, err := http.ParseTime(v); err == nil {
		if d := t.Sub(now); d > 0 {
			return d
		}
	}
	return 0
}

// maxAge reads how long the response says it stays fresh.
func maxAge(h http.Header, now time.Time) time.Duration {
	for _, part := range strings.Split(h.Get("Cache-Control"), ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(part), "=")
		switch strings.ToLower(k) {
		case "no-cache", "no-store":
			return 0
		case "max-age":
			if d, ok := seconds(strings.Trim(v, `"`)); ok && d > 0 {
				return d
			}
		}
	}
	if exp := h.Get("Expires"); exp != "" {
		if t, err := http.ParseTime(exp); err == nil {
			if d := t.Sub(now); d > 0 {
				return d
			}
		}
	}
	return 0
}

// seconds reads a count of seconds as Retry-After and max-age write it,
// digits only. A count past what a time.Duration holds (292 years) is the
// longest Duration, for the caller to cap: multiplied as it is, it would
// wrap around to a short or a negative wait, and a server that asked to be
// left alone would be polled at once.
func seconds(v string) (time.Duration, bool) {
	if v == "" || strings.Trim(v, "0123456789") != "" {
		return 0, false
	}
	secs, err := strconv.ParseInt(v, 10, 64)
	if err != nil || secs > int64(longest/time.Second) { // digits only: err is strconv.ErrRange
		return longest, true
	}
	return time.Duration(secs) * time.Second, true
}

// longest is the longest wait in whole seconds a Duration holds.
const longest = math.MaxInt64 / time.Second * time.Second
