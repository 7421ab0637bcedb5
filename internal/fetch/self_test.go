package fetch

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
)

// TestRefuseSelf: once told where the daemon listens, the client never
// connects there, neither asked directly nor led by an outlet's redirect,
// while other servers, on the same address at another port included, are
// fetched as before. A daemon listening on every address is refused at its
// port on loopback.
func TestRefuseSelf(t *testing.T) {
	var reached atomic.Int32
	self := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		reached.Add(1)
		_, _ = w.Write([]byte(`{"id":"tag:example,2026:story/1"}`))
	}))
	defer self.Close()
	outlet := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/rss" {
			w.Header().Set("Content-Type", "application/rss+xml")
			_, _ = w.Write([]byte(`<rss version="2.0"><channel><title>Tin</title></channel></rss>`))
			return
		}
		http.Redirect(w, r, self.URL+"/api/export", http.StatusFound)
	}))
	defer outlet.Close()
	_, port, _ := net.SplitHostPort(self.Listener.Addr().String())

	for _, own := range []string{self.Listener.Addr().String(), "0.0.0.0:" + port, "[::]:" + port} {
		c := New(Options{})
		if err := c.RefuseSelf(own); err != nil {
			t.Fatal(err)
		}
		for _, u := range []string{self.URL + "/api/export", outlet.URL + "/redirect"} {
			_, err := c.Get(context.Background(), Request{URL: u})
			if err == nil || !strings.Contains(err.Error(), "own address") {
				t.Errorf("listening on %s, GET %s: %v; want it refused as the daemon's own address", own, u, err)
			}
		}
		if resp, err := c.Get(context.Background(), Request{URL: outlet.URL + "/rss"}); err != nil || resp.Status != http.StatusOK {
			t.Errorf("listening on %s, an outlet on the same address and another port: %v", own, err)
		}
	}
	if n := reached.Load(); n != 0 {
		t.Errorf("the daemon's own address was requested %d times", n)
	}
	if err := New(Options{}).RefuseSelf("localhost:8080"); err == nil {
		t.Error("RefuseSelf took a name, not an address")
	}
}

// TestTrailRefusesPrivateAfterPublic: along one trail of requests, a
// connection to a private, loopback or link-local address is refused once
// one has been made to a public address, and allowed before; a trail that
// stays on the private network (an admin's own source) is never refused.
func TestTrailRefusesPrivateAfterPublic(t *testing.T) {
	c := New(Options{})
	dial := func(ctx context.Context, addr string) error { return c.control(ctx, "tcp", addr, nil) }

	local := Trail(context.Background())
	for _, a := range []string{"127.0.0.1:8080", "10.1.2.3:80", "192.168.1.10:443", "[fd00::1]:80"} {
		if err := dial(local, a); err != nil {
			t.Errorf("a private trail to %s: %v", a, err)
		}
	}

	for _, private := range []string{"127.0.0.1:80", "10.0.0.5:80", "172.16.3.4:8080", "192.168.0.1:80", "169.254.169.254:80", "100.64.0.9:80", "[::1]:80", "[fe80::1]:80", "[fd12::3]:80", "0.0.0.0:80"} {
		ctx := Trail(context.Background())
		if err := dial(ctx, "203.0.113.10:80"); err != nil {
			t.Fatalf("public address: %v", err)
		}
		if err := dial(ctx, "[2001:db8::5]:443"); err != nil {
			t.Fatalf("another public address: %v", err)
		}
		if err := dial(ctx, private); err == nil || !strings.Contains(err.Error(), "private address") {
			t.Errorf("public then %s: %v; want it refused", private, err)
		}
	}
	if err := dial(context.Background(), "10.0.0.5:80"); err != nil {
		t.Errorf("no trail: %v", err)
	}
}
