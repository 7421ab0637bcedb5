package poll

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"newswire/internal/config"
)

// TestCredentialsNeverShown: a source's URL may carry a password and an
// API token, the only place a config has for them. However its poll fails,
// and wherever a redirect or a page's feed link leads it, neither shows in
// the error, the state the status page reads, or the log: the URL is shown
// with both masked.
func TestCredentialsNeverShown(t *testing.T) {
	const password, token, key = "MatKhau9Bien", "TokBiMat7Tin", "KhoaApi4Bao"
	good := fixture(t, "good.xml")
	var zipped bytes.Buffer
	zw := gzip.NewWriter(&zipped)
	_, _ = zw.Write(bytes.Repeat([]byte("<rss>"), 100))
	_ = zw.Close()
	mux := http.NewServeMux()
	mux.HandleFunc("/khong-co.rss", http.NotFound)
	mux.HandleFunc("/chuyen.rss", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/khong-co.rss?"+r.URL.RawQuery, http.StatusMovedPermanently)
	})
	mux.HandleFunc("/ngung.rss", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusGone) })
	mux.HandleFunc("/ban.rss", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "120")
		w.WriteHeader(http.StatusTooManyRequests)
	})
	mux.HandleFunc("/hong.rss", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/rss+xml")
		_, _ = w.Write([]byte(`<rss version="2.0"><channel><title>Tin bị cắt giữa chừng`))
	})
	mux.HandleFunc("/cut.rss", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Encoding", "gzip")
		_, _ = w.Write(zipped.Bytes()[:zipped.Len()/2])
	})
	mux.HandleFunc("/trang", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write([]byte(`<!doctype html><html><head><title>Báo Vùng Cao</title></head><body><p>Tin tức các huyện vùng cao.</p></body></html>`))
	})
	mux.HandleFunc("/trang-co-feed", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, `<!doctype html><html><head><link rel="alternate" type="application/rss+xml" href="/%s?api_key=%s"></head><body>Tin mới</body></html>`,
			r.URL.Query().Get("feed"), key)
	})
	mux.HandleFunc("/tot.rss", good)
	base := serveOn(t, "127.0.0.2", mux)
	secret := strings.Replace(base, "://", "://bientap:"+password+"@", 1)

	var b strings.Builder
	fmt.Fprintf(&b, "data_dir: %s\npoll:\n%s\nsources:\n", t.TempDir(), fastPoll)
	for id, path := range map[string]string{
		"notfound": "/khong-co.rss", "moved": "/chuyen.rss", "gone": "/ngung.rss", "limited": "/ban.rss",
		"broken": "/hong.rss", "cut": "/cut.rss", "page": "/trang", "lostfeed": "/trang-co-feed?feed=khong-co.rss",
		"foundfeed": "/trang-co-feed?feed=tot.rss",
	} {
		sep := "?"
		if strings.Contains(path, "?") {
			sep = "&"
		}
		fmt.Fprintf(&b, "  - {id: %s, url: %q}\n", id, secret+path+sep+"token="+token)
	}
	fmt.Fprintf(&b, "  - id: scraped\n    url: %q\n    type: html\n    html: {item: article.card, title: h3, link: h3 a}\n", secret+"/trang?token="+token)
	b.WriteString("categories: [{id: thoi-su}]\ndefault_category: thoi-su\n")
	cfg, err := config.Parse([]byte(b.String()), "test.yaml")
	if err != nil {
		t.Fatalf("config:\n%s\n%v", b.String(), err)
	}
	p, st, logs := newPoller(t, cfg)
	for _, src := range cfg.Sources {
		rep := p.Poll(context.Background(), src)
		if src.ID == "foundfeed" {
			if rep.Err != nil {
				t.Errorf("%s: %v", src.ID, rep.Err)
			}
			continue
		}
		if rep.Err == nil {
			t.Errorf("%s: poll succeeded, want it to fail", src.ID)
			continue
		}
		shown := rep.Err.Error() + "\n" + savedState(t, st, src.ID).LastError
		if !strings.Contains(shown, "xxxxx") {
			t.Errorf("%s: error %q does not show the URL, masked", src.ID, rep.Err)
		}
		for _, s := range []string{password, token, key} {
			if strings.Contains(shown, s) {
				t.Errorf("%s: error shows a credential: %s", src.ID, shown)
			}
		}
	}
	log := logs.String()
	for _, s := range []string{password, token, key} {
		if strings.Contains(log, s) {
			t.Errorf("the log shows a credential (%s):\n%s", s, log)
		}
	}
	for _, msg := range []string{"source moved permanently", "polling the feed it links to", "source is gone"} {
		if !strings.Contains(log, msg) {
			t.Errorf("no %q line in the log:\n%s", msg, log)
		}
	}
}
