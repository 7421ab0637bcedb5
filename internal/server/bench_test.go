package server

import (
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"newswire/store"
)

// discardWriter is a ResponseWriter that keeps nothing, so that a benchmark
// measures the handler rather than the recorder.
type discardWriter struct{ h http.Header }

func (d *discardWriter) Header() http.Header         { return d.h }
func (d *discardWriter) Write(p []byte) (int, error) { return len(p), nil }
func (d *discardWriter) WriteHeader(int)             {}

// BenchmarkServeFeed compares newswire's whole handler (routing, token
// check, rate limit, cache, metrics) serving a cached 100-item feed with a
// minimal handler writing the same bytes, for 200 and 304, in process:
// the per-request overhead of the path, without the network's noise.
//
//	go test -run '^$' -bench ServeFeed -benchtime 200000x ./internal/server
func BenchmarkServeFeed(b *testing.B) {
	fs := newFeedSite(b, "rate_limit: {per_client: 100000000, burst: 100000000}\n")
	items := make([]store.Incoming, 0, 100)
	for i := range 100 {
		items = append(items, story("baohagiang", fmt.Sprint("tin-", i), fmt.Sprintf("Tin số %d: Hà Giang khánh thành cầu treo", i), i, "thoi-su"))
	}
	fs.apply(b, "baohagiang", items...)
	resp, body := fs.get(b, "GET", "/feeds/thoi-su.rss")
	etag := resp.Header.Get("ETag")
	wire := New(fs.cfg, fs.st, slog.New(slog.DiscardHandler)).Handler()
	minimal := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h["Content-Type"] = []string{"application/rss+xml; charset=utf-8"}
		h["Etag"] = []string{etag}
		if r.Header.Get("If-None-Match") == etag {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		h["Content-Length"] = []string{fmt.Sprint(len(body))}
		_, _ = w.Write(body)
	})
	for _, path := range []string{"200", "304"} {
		for _, h := range []struct {
			name string
			h    http.Handler
		}{{"newswire", wire}, {"minimal", minimal}} {
			b.Run(path+"/"+h.name, func(b *testing.B) {
				req := httptest.NewRequest("GET", "/feeds/thoi-su.rss", nil)
				req.RemoteAddr = "127.0.0.1:40000"
				if path == "304" {
					req.Header.Set("If-None-Match", etag)
				}
				w := &discardWriter{h: http.Header{}}
				b.ReportAllocs()
				for b.Loop() {
					clear(w.h)
					h.h.ServeHTTP(w, req)
				}
			})
		}
	}
}
