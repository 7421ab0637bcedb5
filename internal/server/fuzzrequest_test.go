package server

import (
	"bytes"
	"compress/gzip"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"newswire/feeds"
)

// FuzzRequest: whatever a client asks (any path, query, conditional
// headers, encodings and credentials), newswire answers without a server
// error, and a feed it answers 200 is one its own parser reads whole.
func FuzzRequest(f *testing.F) {
	fs := newFeedSite(f, "rate_limit: {per_client: 100000000, burst: 100000000}\n")
	fs.fill(f)
	h := New(fs.cfg, fs.st, slog.New(slog.DiscardHandler)).Handler()
	for _, s := range [][6]string{
		{"/feeds/thoi-su.rss", "", "", "", "gzip", ""},
		{"/feeds/du-lich.atom", "limit=1", `"x"`, "Tue, 10 Mar 2026 08:00:00 GMT", "", ""},
		{"/feeds/all.json", "since=AAAAAAAAAAE&limit=2", "", "", "gzip, br", ""},
		{"/feeds/noi-bo.rss", "token=" + tokenVTV, "", "", "", ""},
		{"/feeds/noi-bo.atom", "", "", "", "", "Bearer " + tokenVOV},
		{"/feeds/thoi-su.rss", "cursor=%ff%00&limit=-1&lang=vi", "*", "not a date", "identity;q=0", "Basic eA=="},
		{"/feeds/thoi-su/archive/0.atom", "", "", "", "", ""},
		{"/feeds.opml", "", "", "", "", ""},
		{"/sources.opml", "", "", "", "", ""},
		{"/status", "lang=en", "", "", "", ""},
		{"/api/status", "", "", "", "", ""},
		{"/", "category=du-lich&cursor=abc", "", "", "", ""},
	} {
		f.Add(s[0], s[1], s[2], s[3], s[4], s[5])
	}
	f.Fuzz(func(t *testing.T, path, query, inm, ims, ae, auth string) {
		u := &url.URL{Scheme: "http", Host: "127.0.0.1", Path: path, RawQuery: query}
		req, err := http.NewRequest(http.MethodGet, u.String(), nil)
		if err != nil || !strings.HasPrefix(req.URL.Path, "/") {
			return
		}
		req.RemoteAddr = "127.0.0.1:40000"
		for k, v := range map[string]string{"If-None-Match": inm, "If-Modified-Since": ims, "Accept-Encoding": ae, "Authorization": auth} {
			if v != "" {
				req.Header.Set(k, v)
			}
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		if w.Code >= 500 {
			t.Fatalf("GET %s: %d %q", u.RequestURI(), w.Code, w.Body.String())
		}
		ct := w.Header().Get("Content-Type")
		if w.Code != http.StatusOK || !strings.Contains(ct, "rss") && !strings.Contains(ct, "atom") && !strings.Contains(ct, "feed+json") {
			return
		}
		body := w.Body.Bytes()
		if w.Header().Get("Content-Encoding") == "gzip" {
			zr, err := gzip.NewReader(bytes.NewReader(body))
			if err != nil {
				t.Fatalf("GET %s: gzip: %v", u.RequestURI(), err)
			}
			if body, err = io.ReadAll(zr); err != nil {
				t.Fatalf("GET %s: gzip: %v", u.RequestURI(), err)
			}
		}
		if _, err := feeds.Parse(body, feeds.ParseOptions{FeedURL: u.String()}); err != nil {
			t.Fatalf("GET %s (%s): %v", u.RequestURI(), ct, err)
		}
	})
}
