package fetch

import (
	"bytes"
	"compress/flate"
	"compress/gzip"
	"compress/zlib"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

const rss = `<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Tin tỉnh</title></channel></rss>`

func TestConditionalGet(t *testing.T) {
	var gotINM, gotIMS, gotUA string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gotINM, gotIMS, gotUA = r.Header.Get("If-None-Match"), r.Header.Get("If-Modified-Since"), r.Header.Get("User-Agent")
		if r.Header.Get("If-None-Match") == `"v1"` {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("ETag", `"v1"`)
		w.Header().Set("Last-Modified", "Mon, 13 Dec 2021 08:22:00 GMT")
		w.Header().Set("Content-Type", "application/rss+xml; charset=utf-8")
		w.Header().Set("Cache-Control", "public, max-age=600")
		_, _ = w.Write([]byte(rss))
	}))
	defer srv.Close()
	c := New(Options{UserAgent: "newswire/test (+http://127.0.0.1:8080)"})

	first, err := c.Get(context.Background(), Request{URL: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	if first.NotModified || string(first.Body) != rss || first.ETag != `"v1"` || first.MaxAge != 10*time.Minute {
		t.Fatalf("first response: %+v", first)
	}
	if gotINM != "" || gotIMS != "" {
		t.Fatalf("first request sent validators: %q %q", gotINM, gotIMS)
	}
	if !strings.HasPrefix(gotUA, "newswire/") {
		t.Fatalf("User-Agent %q", gotUA)
	}

	second, err := c.Get(context.Background(), Request{URL: srv.URL, ETag: first.ETag, LastModified: first.LastModified})
	if err != nil {
		t.Fatal(err)
	}
	if !second.NotModified || len(second.Body) != 0 {
		t.Fatalf("second response not a 304: %+v", second)
	}
	if gotINM != `"v1"` || gotIMS != "Mon, 13 Dec 2021 08:22:00 GMT" {
		t.Fatalf("validators not sent back exactly: %q %q", gotINM, gotIMS)
	}
	if second.ETag != `"v1"` || second.LastModified != first.LastModified {
		t.Fatalf("validators lost on 304: %+v", second)
	}
}

func TestGzipAndBodyCap(t *testing.T) {
	big := bytes.Repeat([]byte("a"), 4096)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Encoding", "gzip")
		zw := gzip.NewWriter(w)
		if r.URL.Path == "/big" {
			_, _ = zw.Write(big)
		} else {
			_, _ = zw.Write([]byte(rss))
		}
		_ = zw.Close()
	}))
	defer srv.Close()
	c := New(Options{MaxBody: 1024})
	resp, err := c.Get(context.Background(), Request{URL: srv.URL + "/small"})
	if err != nil {
		t.Fatal(err)
	}
	if string(resp.Body) != rss {
		t.Fatalf("gzip body not decoded: %q", resp.Body)
	}
	_, err = c.Get(context.Background(), Request{URL: srv.URL + "/big"})
	if !errors.Is(err, ErrTooLarge) {
		t.Fatalf("over-cap body: err = %v, want ErrTooLarge", err)
	}
}

func TestEndlessBodyIsCut(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		chunk := bytes.Repeat([]byte("<item>"), 1000)
		for i := 0; i < 100000; i++ {
			if _, err := w.Write(chunk); err != nil {
				return
			}
		}
	}))
	defer srv.Close()
	c := New(Options{MaxBody: 64 << 10})
	if _, err := c.Get(context.Background(), Request{URL: srv.URL}); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("endless body: err = %v, want ErrTooLarge", err)
	}
}

func TestStatusErrors(t *testing.T) {
	date := time.Now().Add(90 * time.Second).UTC().Format(http.TimeFormat)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/429":
			w.Header().Set("Retry-After", "120")
			w.WriteHeader(http.StatusTooManyRequests)
		case "/503":
			w.Header().Set("Retry-After", date)
			w.WriteHeader(http.StatusServiceUnavailable)
		case "/404":
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	c := New(Options{})
	tests := []struct {
		path    string
		status  int
		minWait time.Duration
		maxWait time.Duration
	}{
		{"/429", 429, 120 * time.Second, 120 * time.Second},
		{"/503", 503, 60 * time.Second, 91 * time.Second},
		{"/404", 404, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			_, err := c.Get(context.Background(), Request{URL: srv.URL + tt.path})
			var se *StatusError
			if !errors.As(err, &se) {
				t.Fatalf("err = %v, want *StatusError", err)
			}
			if se.Status != tt.status || se.RetryAfter < tt.minWait || se.RetryAfter > tt.maxWait {
				t.Fatalf("got %+v", se)
			}
			if !strings.Contains(err.Error(), srv.URL+tt.path) {
				t.Fatalf("error does not name the URL: %v", err)
			}
		})
	}
}

// TestNotModifiedWithoutValidators: a 304 to a request that had nothing to
// compare gives no document; it is an error, not a quiet success forever.
func TestNotModifiedWithoutValidators(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusNotModified)
	}))
	defer srv.Close()
	c := New(Options{})
	if _, err := c.Get(context.Background(), Request{URL: srv.URL}); err == nil || !strings.Contains(err.Error(), "304 Not Modified to a request that sent no") {
		t.Errorf("304 without validators: %v", err)
	}
	resp, err := c.Get(context.Background(), Request{URL: srv.URL, ETag: `"v1"`})
	if err != nil || !resp.NotModified {
		t.Errorf("304 with an ETag sent: %+v, %v", resp, err)
	}
}

func TestRedirects(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("/old", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/new", http.StatusMovedPermanently) })
	mux.HandleFunc("/temp", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/new", http.StatusFound) })
	mux.HandleFunc("/new", func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte(rss)) })
	mux.HandleFunc("/loop", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/loop", http.StatusFound) })
	srv := httptest.NewServer(mux)
	defer srv.Close()
	c := New(Options{})

	resp, err := c.Get(context.Background(), Request{URL: srv.URL + "/old"})
	if err != nil {
		t.Fatal(err)
	}
	if resp.MovedTo != srv.URL+"/new" {
		t.Fatalf("301: MovedTo = %q", resp.MovedTo)
	}
	resp, err = c.Get(context.Background(), Request{URL: srv.URL + "/temp"})
	if err != nil {
		t.Fatal(err)
	}
	if resp.MovedTo != "" || resp.URL != srv.URL+"/new" {
		t.Fatalf("302: MovedTo = %q, URL = %q", resp.MovedTo, resp.URL)
	}
	if _, err := c.Get(context.Background(), Request{URL: srv.URL + "/loop"}); err == nil || !strings.Contains(err.Error(), "redirects") {
		t.Fatalf("redirect loop: err = %v", err)
	}
}

func TestPerHostLimit(t *testing.T) {
	var running, peak atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := running.Add(1)
		for {
			p := peak.Load()
			if n <= p || peak.CompareAndSwap(p, n) {
				break
			}
		}
		time.Sleep(30 * time.Millisecond)
		running.Add(-1)
		_, _ = w.Write([]byte(rss))
	}))
	defer srv.Close()
	c := New(Options{PerHost: 2})
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := c.Get(context.Background(), Request{URL: srv.URL}); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if p := peak.Load(); p > 2 || p < 1 {
		t.Fatalf("peak concurrent requests to one host = %d, want at most 2", p)
	}
}

func TestRejectsNonHTTP(t *testing.T) {
	c := New(Options{})
	for _, u := range []string{"file:///etc/passwd", "ftp://x/y", "/relative", ""} {
		if _, err := c.Get(context.Background(), Request{URL: u}); err == nil {
			t.Errorf("%q accepted", u)
		}
	}
}

// TestDeclaredOversizeRefusedAtOnce: a server that declares a body over the
// cap and then sends it slowly is refused on its headers, not after the
// timeout.
func TestDeclaredOversizeRefusedAtOnce(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", strconv.Itoa(20<<20))
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write([]byte("<rss>"))
		w.(http.Flusher).Flush()
		<-release // the rest never comes while the client waits
	}))
	defer srv.Close()
	defer close(release)
	c := New(Options{MaxBody: 10 << 20, Timeout: time.Minute})
	done := make(chan error, 1)
	go func() {
		_, err := c.Get(context.Background(), Request{URL: srv.URL})
		done <- err
	}()
	select {
	case err := <-done:
		if !errors.Is(err, ErrTooLarge) || !strings.Contains(err.Error(), "Content-Length 20971520") {
			t.Fatalf("err = %v, want ErrTooLarge naming the declared length", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("a body declared over the cap was waited for")
	}
}

// TestDeclaredLengthBody: a body read with its declared length is whole.
func TestDeclaredLengthBody(t *testing.T) {
	doc := bytes.Repeat([]byte("<item><title>Tin Điện Biên</title></item>"), 2000)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", strconv.Itoa(len(doc)))
		_, _ = w.Write(doc)
	}))
	defer srv.Close()
	for _, max := range []int64{int64(len(doc)), 10 << 20} {
		resp, err := New(Options{MaxBody: max}).Get(context.Background(), Request{URL: srv.URL})
		if err != nil {
			t.Fatalf("cap %d: %v", max, err)
		}
		if !bytes.Equal(resp.Body, doc) {
			t.Fatalf("cap %d: %d bytes of %d", max, len(resp.Body), len(doc))
		}
	}
	if _, err := New(Options{MaxBody: int64(len(doc)) - 1}).Get(context.Background(), Request{URL: srv.URL}); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("one byte over the cap: %v", err)
	}
}

func TestRedirectChains(t *testing.T) {
	mux := http.NewServeMux()
	redirect := func(from, to string, code int) {
		mux.HandleFunc(from, func(w http.ResponseWriter, r *http.Request) {
			if to != "" {
				w.Header().Set("Location", to)
			}
			w.WriteHeader(code)
		})
	}
	redirect("/a", "b", http.StatusPermanentRedirect) // relative to /a
	redirect("/b", "/c", http.StatusMovedPermanently)
	redirect("/t", "/c", http.StatusTemporaryRedirect)
	redirect("/p-then-t", "/t", http.StatusMovedPermanently)
	redirect("/nowhere", "", http.StatusMovedPermanently)
	redirect("/ftp", "ftp://127.0.0.1/feed.xml", http.StatusFound)
	mux.HandleFunc("/c", func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("If-None-Match") == `"v3"` {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		_, _ = w.Write([]byte(rss))
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	c := New(Options{})

	for _, tc := range []struct {
		path, movedTo string
	}{
		{"/a", srv.URL + "/c"},
		{"/p-then-t", ""},
		{"/t", ""},
	} {
		resp, err := c.Get(context.Background(), Request{URL: srv.URL + tc.path})
		if err != nil {
			t.Fatalf("%s: %v", tc.path, err)
		}
		if resp.URL != srv.URL+"/c" || resp.MovedTo != tc.movedTo || string(resp.Body) != rss {
			t.Fatalf("%s: URL %q, MovedTo %q (want %q), body %q", tc.path, resp.URL, resp.MovedTo, tc.movedTo, resp.Body)
		}
	}
	// The validators go along to the redirect's target.
	resp, err := c.Get(context.Background(), Request{URL: srv.URL + "/a", ETag: `"v3"`})
	if err != nil || !resp.NotModified || resp.MovedTo != srv.URL+"/c" {
		t.Fatalf("304 after redirects: %+v, %v", resp, err)
	}
	var se *StatusError
	if _, err := c.Get(context.Background(), Request{URL: srv.URL + "/nowhere"}); !errors.As(err, &se) || se.Status != http.StatusMovedPermanently {
		t.Fatalf("301 without Location: err = %v, want a StatusError 301", err)
	}
	if _, err := c.Get(context.Background(), Request{URL: srv.URL + "/ftp"}); err == nil || !strings.Contains(err.Error(), `redirect to "ftp://127.0.0.1/feed.xml": not an http(s) URL`) {
		t.Fatalf("redirect to ftp: err = %v", err)
	}
}

// TestErrorNamesTheURLThatAnswered: a request that followed redirects and
// then failed names the URL that gave the failing answer, not the one
// asked for first.
func TestErrorNamesTheURLThatAnswered(t *testing.T) {
	gone := httptest.NewServer(http.NotFoundHandler())
	defer gone.Close()
	mux := http.NewServeMux()
	mux.HandleFunc("/chuyen-nha.rss", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, gone.URL+"/da-xoa.rss", http.StatusMovedPermanently)
	})
	mux.HandleFunc("/tam-thoi.rss", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/chuyen-nha.rss", http.StatusFound)
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	c := New(Options{})
	for _, path := range []string{"/chuyen-nha.rss", "/tam-thoi.rss"} {
		_, err := c.Get(context.Background(), Request{URL: srv.URL + path})
		var se *StatusError
		if !errors.As(err, &se) || se.Status != http.StatusNotFound {
			t.Fatalf("%s: err = %v, want a 404", path, err)
		}
		if want := gone.URL + "/da-xoa.rss"; se.URL != want || !strings.Contains(err.Error(), "GET "+want+": 404") {
			t.Errorf("%s: error %q (URL %q), want it to name %s", path, err, se.URL, want)
		}
	}
}

// TestContentEncodings: a deflate body, as a zlib stream (RFC 9110) or as
// the raw deflate some servers send, is decoded under the same cap as a
// gzip one; a body that is not what its Content-Encoding says fails with
// an error naming it.
func TestContentEncodings(t *testing.T) {
	compress := func(coding string, b []byte) []byte {
		var buf bytes.Buffer
		var w io.WriteCloser
		switch coding {
		case "zlib":
			w = zlib.NewWriter(&buf)
		case "raw":
			w, _ = flate.NewWriter(&buf, flate.BestCompression)
		case "gzip":
			w = gzip.NewWriter(&buf)
		}
		_, _ = w.Write(b)
		_ = w.Close()
		return buf.Bytes()
	}
	bomb := make([]byte, 64<<10)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		coding, body := "deflate", []byte(rss)
		switch r.URL.Path {
		case "/zlib", "/raw":
			body = compress(r.URL.Path[1:], body)
		case "/zlib-bomb":
			body = compress("zlib", bomb)
		case "/raw-bomb":
			body = compress("raw", bomb)
		case "/gzip-plain":
			coding = "gzip"
		case "/zlib-cut":
			body = compress("zlib", []byte(strings.Repeat(rss, 20)))
			body = body[:len(body)-8]
		}
		w.Header().Set("Content-Encoding", coding)
		w.Header().Set("Content-Type", "application/rss+xml; charset=utf-8")
		_, _ = w.Write(body)
	}))
	defer srv.Close()
	c := New(Options{MaxBody: 4096})
	for _, path := range []string{"/zlib", "/raw"} {
		resp, err := c.Get(context.Background(), Request{URL: srv.URL + path})
		if err != nil || string(resp.Body) != rss {
			t.Errorf("%s: body %q, error %v; want the feed decoded", path, resp.Body, err)
		}
	}
	for _, path := range []string{"/zlib-bomb", "/raw-bomb"} {
		if _, err := c.Get(context.Background(), Request{URL: srv.URL + path}); !errors.Is(err, ErrTooLarge) {
			t.Errorf("%s: error %v, want ErrTooLarge", path, err)
		}
	}
	for path, want := range map[string]string{
		"/plain":      "Content-Encoding deflate: ",
		"/gzip-plain": "Content-Encoding gzip: ",
		"/zlib-cut":   "Content-Encoding deflate: ",
	} {
		if _, err := c.Get(context.Background(), Request{URL: srv.URL + path}); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: error %v, want one naming %q", path, err, strings.TrimSuffix(want, ": "))
		}
	}

	// A connection lost in the middle of a compressed body is the
	// network's failure, not the coding's.
	for _, coding := range []string{"gzip", "deflate"} {
		zipped := compress(map[string]string{"gzip": "gzip", "deflate": "zlib"}[coding], []byte(strings.Repeat(rss, 20)))
		base, _ := rawServer(t, func(c net.Conn) {
			fmt.Fprintf(c, "HTTP/1.1 200 OK\r\nContent-Encoding: %s\r\nContent-Length: %d\r\n\r\n", coding, len(zipped))
			_, _ = c.Write(zipped[:len(zipped)/2])
		})
		_, err := c.Get(context.Background(), Request{URL: base + "/tin-moi.rss"})
		if err == nil || !errors.Is(err, io.ErrUnexpectedEOF) || strings.Contains(err.Error(), "Content-Encoding") {
			t.Errorf("%s body cut short: error %v, want the connection's unexpected EOF", coding, err)
		}
	}
}
