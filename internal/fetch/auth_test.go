package fetch

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

// TestBasicAuthFromURL: user info in a source's URL goes as Basic
// authentication to that URL, and to a relative redirect on its host; not
// to another host a redirect points at.
func TestBasicAuthFromURL(t *testing.T) {
	var mu sync.Mutex
	seen := map[string]string{} // path → Authorization
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen["other"+r.URL.Path] = r.Header.Get("Authorization")
		mu.Unlock()
		w.Header().Set("Content-Type", "application/rss+xml")
		_, _ = w.Write([]byte(rss))
	}))
	defer other.Close()
	outlet := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen[r.URL.Path] = r.Header.Get("Authorization")
		mu.Unlock()
		switch r.URL.Path {
		case "/moved":
			http.Redirect(w, r, "/rss", http.StatusFound)
		case "/elsewhere":
			http.Redirect(w, r, other.URL+"/rss", http.StatusFound)
		default:
			if u, p, ok := r.BasicAuth(); !ok || u != "editor" || p != "mật-khẩu" {
				http.Error(w, "unauthorised", http.StatusUnauthorized)
				return
			}
			w.Header().Set("Content-Type", "application/rss+xml")
			_, _ = w.Write([]byte(rss))
		}
	}))
	defer outlet.Close()
	withAuth := strings.Replace(outlet.URL, "http://", "http://editor:m%E1%BA%ADt-kh%E1%BA%A9u@", 1)
	c := New(Options{})
	for _, path := range []string{"/rss", "/moved", "/elsewhere"} {
		if _, err := c.Get(context.Background(), Request{URL: withAuth + path}); err != nil {
			t.Errorf("%s: %v", path, err)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	want := "Basic " + "ZWRpdG9yOm3huq10LWto4bqpdQ=="
	for _, path := range []string{"/rss", "/moved", "/elsewhere"} {
		if seen[path] != want {
			t.Errorf("%s: Authorization %q, want %q", path, seen[path], want)
		}
	}
	if a := seen["other/rss"]; a != "" {
		t.Errorf("a redirect to another host took the credentials along: %q", a)
	}
}
