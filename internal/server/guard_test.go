//go:build unix

package server

import (
	"bufio"
	"bytes"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// guardedSite serves body (or "tin mới" when nil) from an http.Server whose
// connections g bounds, as the daemon's are, with no deadline of its own.
func guardedSite(t *testing.T, g *Guard, body []byte) *httptest.Server {
	t.Helper()
	if body == nil {
		body = []byte("tin mới")
	}
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write(body)
	}))
	srv.Listener = g.Listener(srv.Listener)
	srv.Config.ConnState = g.ConnState
	srv.Start()
	t.Cleanup(func() { srv.Close(); g.Close() })
	return srv
}

// closedWithin reads conn until the server closes it, and returns how long
// that took from start; it fails the test if the server has not closed it
// after limit.
func closedWithin(t *testing.T, conn net.Conn, start time.Time, limit time.Duration) time.Duration {
	t.Helper()
	_ = conn.SetReadDeadline(start.Add(limit))
	_, err := io.Copy(io.Discard, conn)
	if isTimeout(err) {
		t.Fatalf("connection still open %v after the start", limit)
	}
	return time.Since(start)
}

// dial opens a connection to srv, closed when the test ends.
func dial(t *testing.T, srv *httptest.Server) net.Conn {
	t.Helper()
	conn, err := net.Dial("tcp", srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}

func get(t *testing.T, conn net.Conn, r *bufio.Reader) {
	t.Helper()
	if _, err := io.WriteString(conn, "GET / HTTP/1.1\r\nHost: newswire.test\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(r, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if _, err := io.ReadAll(resp.Body); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("got %s, %v", resp.Status, err)
	}
}

// A header that never ends loses its connection at the header's limit, on
// a new connection and on a kept-alive one alike, whose idle limit is much
// longer.
func TestGuardHeaderLimit(t *testing.T) {
	g := NewGuard(GuardLimits{Header: 300 * time.Millisecond, Idle: 5 * time.Second, Active: 5 * time.Second})
	srv := guardedSite(t, g, nil)
	for _, kept := range []bool{false, true} {
		conn := dial(t, srv)
		if kept {
			get(t, conn, bufio.NewReader(conn))
			time.Sleep(500 * time.Millisecond) // idle longer than a header may take
		}
		start := time.Now()
		if _, err := io.WriteString(conn, "GET / HTTP/1.1\r\nHost: newswire.test\r\nX-Chậm: "); err != nil {
			t.Fatal(err)
		}
		took := closedWithin(t, conn, start, 3*time.Second)
		if took < 200*time.Millisecond {
			t.Errorf("kept-alive %v: closed after %v, before the header's limit of 300ms", kept, took)
		}
		t.Logf("kept-alive %v: a header that never ends was cut after %v", kept, took)
	}
}

// A kept-alive connection with no request is closed at the idle limit; one
// that keeps asking stays open however long it lives.
func TestGuardIdleLimit(t *testing.T) {
	g := NewGuard(GuardLimits{Header: 300 * time.Millisecond, Idle: 600 * time.Millisecond, Active: 300 * time.Millisecond})
	srv := guardedSite(t, g, nil)

	busy := dial(t, srv)
	r := bufio.NewReader(busy)
	idle := dial(t, srv)
	get(t, idle, bufio.NewReader(idle))
	start := time.Now()
	// Requests every 150 ms for 2 s: more than every limit, in all.
	for time.Since(start) < 2*time.Second {
		get(t, busy, r)
		time.Sleep(150 * time.Millisecond)
	}
	closedWithin(t, idle, time.Now(), 100*time.Millisecond) // long since closed

	// Closed by the server, the idle connection is forgotten; the busy one
	// is watched until it closes.
	if n := g.Watched(); n != 1 {
		t.Errorf("the guard watches %d connections, want 1", n)
	}
	busy.Close()
	deadline := time.Now().Add(3 * time.Second)
	for g.Watched() != 0 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if n := g.Watched(); n != 0 {
		t.Errorf("the guard still watches %d connections after all closed", n)
	}
}

// The idle limit counts from the end of the last response, not from the
// connection's start.
func TestGuardIdleFromLastResponse(t *testing.T) {
	g := NewGuard(GuardLimits{Header: 300 * time.Millisecond, Idle: 600 * time.Millisecond, Active: 300 * time.Millisecond})
	srv := guardedSite(t, g, nil)
	conn := dial(t, srv)
	r := bufio.NewReader(conn)
	get(t, conn, r)
	time.Sleep(400 * time.Millisecond)
	get(t, conn, r)
	start := time.Now()
	took := closedWithin(t, conn, start, 3*time.Second)
	if took < 450*time.Millisecond {
		t.Errorf("closed %v after the last response, before the idle limit of 600ms", took)
	}
}

// A client that stops reading a large response loses its connection at the
// active limit, instead of holding the server's goroutine and buffers.
func TestGuardSlowReader(t *testing.T) {
	g := NewGuard(GuardLimits{Header: 5 * time.Second, Idle: 5 * time.Second, Active: 300 * time.Millisecond})
	// More than the kernel's socket buffers on both sides take.
	body := bytes.Repeat([]byte("<p>Bản tin dài về mùa lúa chín trên ruộng bậc thang Hoàng Su Phì.</p>\n"), 400_000)
	srv := guardedSite(t, g, body)
	if got := slowReaderGets(t, srv.Listener.Addr().String()); got >= int64(len(body)) {
		t.Fatalf("read %d bytes of a %d-byte body: the slow reader was never cut off", got, len(body))
	}
}

// The step of the sweep follows the smallest limit, up to a second.
func TestGuardStep(t *testing.T) {
	for _, tt := range []struct {
		limits GuardLimits
		step   time.Duration
		header int64
	}{
		{GuardLimits{Header: 10 * time.Second, Idle: 2 * time.Minute, Active: 2 * time.Minute}, time.Second, 10},
		{GuardLimits{Header: 300 * time.Millisecond, Idle: 5 * time.Second, Active: 5 * time.Second}, 60 * time.Millisecond, 5},
	} {
		g := NewGuard(tt.limits)
		if g.step != tt.step || g.limits[phaseHeader] != tt.header {
			t.Errorf("%+v: step %v, header %d steps; want %v, %d", tt.limits, g.step, g.limits[phaseHeader], tt.step, tt.header)
		}
		g.Close()
	}
}
