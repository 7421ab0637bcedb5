//go:build unix

package server

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"syscall"
	"testing"
	"time"
)

// deadlineSite serves the feed site's handler with short per-request
// deadlines, from an http.Server that has none of its own.
func deadlineSite(t *testing.T) *httptest.Server {
	t.Helper()
	fs := newFeedSite(t, "")
	fs.fill(t)
	s := New(fs.cfg, fs.st, slog.New(slog.DiscardHandler))
	s.bodyTimeout, s.writeTimeout = 200*time.Millisecond, 2*time.Second
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(srv.Close)
	return srv
}

// A request announcing a body it never sends cannot hold its connection for
// ever: the server closes it once the body's deadline passes. A feed is
// still answered, since it does not need the body.
func TestRequestBodyDeadline(t *testing.T) {
	for _, path := range []string{"/feeds/thoi-su.rss", "/sources.opml"} {
		t.Run(path, func(t *testing.T) {
			srv := deadlineSite(t)
			conn, err := net.Dial("tcp", srv.Listener.Addr().String())
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			if _, err := io.WriteString(conn, "GET "+path+" HTTP/1.1\r\nHost: newswire.test\r\nContent-Length: 1000\r\n\r\nmột"); err != nil {
				t.Fatal(err)
			}
			_ = conn.SetReadDeadline(time.Now().Add(10 * time.Second))
			got, err := io.ReadAll(conn)
			if isTimeout(err) {
				t.Fatalf("connection still open 10 s after the body's deadline (read %d bytes)", len(got))
			}
			if !strings.HasPrefix(path, "/feeds/") {
				return
			}
			resp, err := http.ReadResponse(bufio.NewReader(bytes.NewReader(got)), nil)
			if err != nil {
				t.Fatalf("no response while the body trickles: %v", err)
			}
			defer resp.Body.Close()
			if _, err := io.ReadAll(resp.Body); err != nil || resp.StatusCode != http.StatusOK || !resp.Close {
				t.Fatalf("got %s (closing %v), body error %v; want 200 and the connection closed", resp.Status, resp.Close, err)
			}
		})
	}
}

// A client that stops reading a large response loses its connection when
// the write deadline passes, instead of holding the server's goroutine and
// buffers for as long as it likes.
func TestSlowReaderWriteDeadline(t *testing.T) {
	s := &Server{writeTimeout: 200 * time.Millisecond}
	// More than the kernel's socket buffers on both sides take.
	body := bytes.Repeat([]byte("<p>Bản tin dài về mùa lúa chín trên ruộng bậc thang Hoàng Su Phì.</p>\n"), 400_000)
	e := newEntry(body, "text/html; charset=utf-8", time.Now(), time.Minute, false, nil)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.serveCached(w, r, e)
	}))
	defer srv.Close()

	if got := slowReaderGets(t, srv.Listener.Addr().String()); got >= int64(len(body)) {
		t.Fatalf("read %d bytes of a %d-byte body: the write deadline never cut the slow reader off", got, len(body))
	}
}

// slowReaderGets asks addr for / over a connection with a 4 KiB receive
// buffer, reads nothing for 1.5 s, then reads on, and returns how many bytes
// it got before the server closed the connection. It fails the test if the
// server keeps the connection open 20 s more.
func slowReaderGets(t *testing.T, addr string) int64 {
	t.Helper()
	d := net.Dialer{Control: func(_, _ string, c syscall.RawConn) error {
		var serr error
		err := c.Control(func(fd uintptr) {
			serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 4096)
		})
		return errors.Join(err, serr)
	}}
	conn, err := d.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := io.WriteString(conn, "GET / HTTP/1.1\r\nHost: newswire.test\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	time.Sleep(1500 * time.Millisecond) // a reader far slower than the server's limit
	_ = conn.SetReadDeadline(time.Now().Add(20 * time.Second))
	got, err := io.Copy(io.Discard, conn)
	if isTimeout(err) {
		t.Fatalf("the server kept the connection open after its limit (read %d bytes)", got)
	}
	return got
}

// A 304 and a HEAD write a header alone and set no deadline; a 200 with a
// body does.
func TestDeadlineOnlyWithBody(t *testing.T) {
	s := &Server{writeTimeout: time.Minute}
	e := newEntry([]byte("<rss/>"), "application/rss+xml", time.Now(), time.Minute, false, nil)
	for _, tt := range []struct {
		method, inm string
		want        bool
	}{
		{"GET", "", true},
		{"HEAD", "", false},
		{"GET", e.etag, false},
	} {
		r := httptest.NewRequest(tt.method, "/feeds/thoi-su.rss", nil)
		if tt.inm != "" {
			r.Header.Set("If-None-Match", tt.inm)
		}
		w := &deadlineRecorder{ResponseRecorder: httptest.NewRecorder()}
		status := s.serveCached(w, r, e)
		if w.write.IsZero() == tt.want {
			t.Errorf("%s If-None-Match %q (%d): write deadline %v, want set %v", tt.method, tt.inm, status, w.write, tt.want)
		}
	}
}

type deadlineRecorder struct {
	*httptest.ResponseRecorder
	write time.Time
}

func (d *deadlineRecorder) SetWriteDeadline(t time.Time) error { d.write = t; return nil }

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}
