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
