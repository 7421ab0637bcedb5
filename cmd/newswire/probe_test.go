package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"newswire/internal/config"
	"newswire/internal/scrape"
)

// listingPages are internal/scrape's saved listing pages, one per shape.
var listingPages = map[string]string{
	"/tin-tuc/":      "../../internal/scrape/testdata/card-grid.html",
	"/tin-hoat-dong": "../../internal/scrape/testdata/plain-list.html",
	"/van-hoa/":      "../../internal/scrape/testdata/table.html",
}

func loopbackServer(t *testing.T, h http.Handler) *httptest.Server {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &httptest.Server{Listener: ln, Config: &http.Server{Handler: h}}
	srv.Start()
	t.Cleanup(srv.Close)
	return srv
}

// TestProbe runs `newswire probe` on each shape and pastes the entry it
// prints into a config, unedited: the config must load, and its selectors
// must extract every item of the page.
func TestProbe(t *testing.T) {
	srv := loopbackServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		file, ok := listingPages[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		http.ServeFile(w, r, file)
	}))
	wantItems := map[string]int{"/tin-tuc/": 6, "/tin-hoat-dong": 5, "/van-hoa/": 4}
	for path, file := range listingPages {
		t.Run(path, func(t *testing.T) {
			var out bytes.Buffer
			if err := run(context.Background(), []string{"probe", srv.URL + path}, &out); err != nil {
				t.Fatalf("probe: %v\n%s", err, out.String())
			}
			text := out.String()
			start := strings.Index(text, "  - id: ")
			end := strings.Index(text, "\nFirst items")
			if start < 0 || end < 0 {
				t.Fatalf("no config entry in:\n%s", text)
			}
			yml := "sources:\n" + text[start:end] + "categories: [{id: thoi-su}]\ndefault_category: thoi-su\n"
			cfg, err := config.Parse([]byte(yml), "probe.yaml")
			if err != nil {
				t.Fatalf("the entry probe printed does not load: %v\n%s", err, yml)
			}
			src := cfg.Sources[0]
			if !src.IsHTML() || src.URL != srv.URL+path || src.ID != "127-0-0-1" {
				t.Errorf("source = %+v", src)
			}
			body, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			feed, warnings, err := scrape.Extract(scrape.Page{URL: src.URL, Body: body}, src.HTML.Rules(), scrape.Options{Location: cfg.Location(src)})
			if err != nil || len(warnings) > 0 {
				t.Fatalf("extract: %v %q", err, warnings)
			}
			if len(feed.Items) != wantItems[path] {
				t.Errorf("extracted %d items, want %d", len(feed.Items), wantItems[path])
			}
			if !strings.Contains(text, "1. "+feed.Items[0].Title+"\n") {
				t.Errorf("output does not show the first item %q:\n%s", feed.Items[0].Title, text)
			}
		})
	}
}

func TestProbeNothingFound(t *testing.T) {
	srv := loopbackServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write([]byte("<html><body><p>Trang đang bảo trì</p></body></html>"))
	}))
	var out bytes.Buffer
	err := run(context.Background(), []string{"probe", srv.URL + "/"}, &out)
	var ex exitError
	if !errors.As(err, &ex) || !strings.Contains(ex.msg, "announces no feed") {
		t.Errorf("err = %v, want an exitError saying nothing was found", err)
	}
}

// TestProbeOfAFeed: probe given a feed's own URL, even one served as
// text/html, says so and prints the entry that polls it.
func TestProbeOfAFeed(t *testing.T) {
	srv := loopbackServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write([]byte(`<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Tin Hà Giang</title><item><title>Mở tuyến xe khách mới</title><link>http://hagiang.example/1</link></item></channel></rss>`))
	}))
	var out bytes.Buffer
	if err := run(context.Background(), []string{"probe", srv.URL + "/rss"}, &out); err != nil {
		t.Fatalf("probe of a feed: %v\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), "is a feed itself (RSS)") || !strings.Contains(out.String(), `url: "`+srv.URL+`/rss"`) {
		t.Errorf("probe of a feed printed:\n%s", out.String())
	}
}

// TestProbeOfAFeedInASingleByteCharset: a feed in windows-1258 or
// ISO-8859-1, as the daemon polls it, is a feed to probe too.
func TestProbeOfAFeedInASingleByteCharset(t *testing.T) {
	docs := map[string]string{
		// "Đường lên Hà Giang", tone marks as combining characters.
		"/win1258.rss": "<?xml version=\"1.0\" encoding=\"windows-1258\"?><rss version=\"2.0\"><channel><title>\xd0\xfd\xf5\xccng l\xean Ha\xcc Giang</title>" +
			"<item><title>Kh\xe2\xecm s\xf4\xcc\xf2 n\xf4ng tha\xec\xf2 cu\xf2a th\xf4n mi\xea\xccn n\xfai</title><link>http://hagiang.example/2</link></item></channel></rss>",
		"/latin1.rss": "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><rss version=\"2.0\"><channel><title>R\xe9sum\xe9 de l'actualit\xe9 r\xe9gionale</title>" +
			"<item><title>La f\xeate des fleurs s'ouvre \xe0 Dalat</title><link>http://dalat.example/1</link></item></channel></rss>",
	}
	srv := loopbackServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/rss+xml")
		_, _ = w.Write([]byte(docs[r.URL.Path]))
	}))
	for path := range docs {
		var out bytes.Buffer
		if err := run(context.Background(), []string{"probe", srv.URL + path}, &out); err != nil {
			t.Errorf("probe of %s: %v\n%s", path, err, out.String())
			continue
		}
		if !strings.Contains(out.String(), "is a feed itself (RSS)") {
			t.Errorf("probe of %s printed:\n%s", path, out.String())
		}
	}
}

// TestProbeMasksCredentials: what probe says of a URL that carries a
// password or a token masks them, in its errors as in its output; only
// the entry to paste into config.yaml keeps the URL whole.
func TestProbeMasksCredentials(t *testing.T) {
	const password, token = "MatKhau9Bien", "TokBiMat7Tin"
	srv := loopbackServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/khong-co":
			http.NotFound(w, r)
			return
		case "/co-feed":
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			_, _ = w.Write([]byte(`<!doctype html><html><head><title>Báo Vùng Cao</title><link rel="alternate" type="application/rss+xml" title="Tin mới" href="/rss?api_key=` + token + `"></head><body><p>Tin tức các huyện vùng cao.</p></body></html>`))
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write([]byte(`<!doctype html><html><head><title>Báo Vùng Cao</title></head><body><p>Trang đang bảo trì.</p></body></html>`))
	}))
	secret := strings.Replace(srv.URL, "://", "://bientap:"+password+"@", 1)
	for _, path := range []string{"/khong-co", "/bao-tri"} {
		var out bytes.Buffer
		err := run(context.Background(), []string{"probe", secret + path + "?token=" + token}, &out)
		if err == nil {
			t.Fatalf("probe of %s succeeded:\n%s", path, out.String())
		}
		shown := err.Error() + "\n" + out.String()
		if !strings.Contains(shown, "xxxxx") || strings.Contains(shown, password) || strings.Contains(shown, token) {
			t.Errorf("probe of %s showed:\n%s", path, shown)
		}
	}

	var out bytes.Buffer
	if err := run(context.Background(), []string{"probe", secret + "/co-feed"}, &out); err != nil {
		t.Fatalf("probe of a page announcing its feed: %v\n%s", err, out.String())
	}
	said, entry, _ := strings.Cut(out.String(), "config.yaml entry")
	// The entry, to be pasted, keeps the page's login: the feed is on its host.
	if !strings.Contains(said, "api_key=xxxxx") || strings.Contains(said, password) || strings.Contains(said, token) ||
		!strings.Contains(entry, "api_key="+token) || !strings.Contains(entry, "://bientap:"+password+"@") {
		t.Errorf("probe of a page announcing its feed printed:\n%s", out.String())
	}
}

func TestWithUserOf(t *testing.T) {
	page := "http://bientap:MatKhau@127.0.0.1:8081/trang?token=x"
	for feed, want := range map[string]string{
		"http://127.0.0.1:8081/rss?api_key=k": "http://bientap:MatKhau@127.0.0.1:8081/rss?api_key=k",
		"http://127.0.0.1:8082/rss":           "http://127.0.0.1:8082/rss", // another port: another server
		"https://127.0.0.1:8081/rss":          "https://127.0.0.1:8081/rss",
		"http://127.0.0.2:8081/rss":           "http://127.0.0.2:8081/rss",
		"http://khac:Mat@127.0.0.1:8081/rss":  "http://khac:Mat@127.0.0.1:8081/rss",
	} {
		if got := withUserOf(feed, page); got != want {
			t.Errorf("withUserOf(%s) = %s, want %s", feed, got, want)
		}
	}
	if got := withUserOf("http://127.0.0.1:8081/rss", "http://127.0.0.1:8081/"); got != "http://127.0.0.1:8081/rss" {
		t.Errorf("a page without a login gave %s", got)
	}
}

// TestProbeShowsNoControlCharacters: what a page says is printed to the
// admin's terminal; its escape sequences are not.
func TestProbeShowsNoControlCharacters(t *testing.T) {
	srv := loopbackServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		var b strings.Builder
		b.WriteString("<!doctype html><html><head><title>Báo \x1b[31mĐỏ\x1b[0m \x1b]0;chiem-cua-so\x07 \u202eđảo chiều</title>" +
			`<link rel="alternate" type="application/rss+xml" title="Tin \x1b[2J mới" href="/rss"></head><body><ul>`)
		for i := range 4 {
			fmt.Fprintf(&b, "<li><h3><a href=\"/tin/%d.html\">Tin \x1b[2J số %d về cầu treo vùng cao</a></h3><p>Tóm tắt tin %d.</p></li>", i, i, i)
		}
		b.WriteString("</ul></body></html>")
		_, _ = io.WriteString(w, b.String())
	}))
	var out bytes.Buffer
	if err := run(context.Background(), []string{"probe", srv.URL + "/"}, &out); err != nil {
		t.Fatalf("probe: %v\n%s", err, out.String())
	}
	if strings.ContainsAny(out.String(), "\x1b\x07\u202e") {
		t.Errorf("probe printed control characters:\n%q", out.String())
	}
	if !strings.Contains(out.String(), "Báo") || !strings.Contains(out.String(), "cầu treo vùng cao") {
		t.Errorf("probe lost the text around them:\n%s", out.String())
	}
}

// TestProbeTitleIsPlainText: a page whose title carries escaped markup
// gives an entry whose title check-config takes.
func TestProbeTitleIsPlainText(t *testing.T) {
	srv := loopbackServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		var b strings.Builder
		b.WriteString(`<!doctype html><html><head><title>Báo &amp;lt;b&amp;gt;Bắc Kạn&amp;lt;/b&amp;gt; &amp;amp; Đời sống</title></head><body><ul>`)
		for i := range 4 {
			fmt.Fprintf(&b, "<li><h3><a href=\"/tin/%d.html\">Tin số %d về mùa hồng không hạt Bắc Kạn</a></h3><p>Tóm tắt tin %d.</p></li>", i, i, i)
		}
		b.WriteString("</ul></body></html>")
		_, _ = io.WriteString(w, b.String())
	}))
	var out bytes.Buffer
	if err := run(context.Background(), []string{"probe", srv.URL + "/"}, &out); err != nil {
		t.Fatalf("probe: %v\n%s", err, out.String())
	}
	entry := out.String()[strings.Index(out.String(), "  - id:"):]
	if end := strings.Index(entry, "\n\n"); end > 0 {
		entry = entry[:end+1]
	}
	if _, err := config.Parse([]byte("sources:\n"+entry+"categories: [{id: thoi-su}]\ndefault_category: thoi-su\n"), "probe.yaml"); err != nil {
		t.Errorf("the entry probe proposes is refused: %v\n%s", err, entry)
	}
}
