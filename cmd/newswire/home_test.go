package main

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"
)

// TestOutletHomeFromItsFeed: an outlet whose feed is served from another
// host than its site (an rss. host, a CDN) is credited with the site its
// feed names (the channel's link), not its feed's host: in the feeds'
// attribution and in /sources.opml, from the store at a start, and from
// the next poll when the feed names another.
func TestOutletHomeFromItsFeed(t *testing.T) {
	var home atomic.Value
	home.Store("https://www.baoxanh.example.vn/")
	outlet := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/rss+xml; charset=utf-8")
		fmt.Fprintf(w, `<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Báo Xanh</title><link>%s</link><description>Tin tỉnh</description><language>vi</language>
<item><title>Nông dân Bắc Quang thu hoạch cam sành sớm hơn mọi năm</title><link>https://www.baoxanh.example.vn/kinh-te/cam-sanh-1201.html</link>
<description>Giá cam sành đầu vụ đạt 18.000 đồng một ki-lô-gam, cao hơn năm ngoái.</description><pubDate>Sun, 29 Nov 2026 07:30:00 +0700</pubDate></item>
</channel></rss>`, home.Load())
	}))
	t.Cleanup(outlet.Close)
	addr := freeAddr(t)
	dir := t.TempDir()
	cfg := filepath.Join(dir, "config.yaml")
	if err := os.WriteFile(cfg, []byte(fmt.Sprintf(`listen: %[1]s
base_url: http://%[1]s
data_dir: ./data
poll: {interval: 2s, min_interval: 1s, max_interval: 1m, timeout: 5s, concurrency: 1, per_host: 2, host_gap: 0s}
sources:
  - {id: baoxanh, title: Báo Xanh, url: "%[2]s/rss/tin-tinh.rss", level: provincial}
categories:
  - {id: thoi-su, title: Thời sự}
default_category: thoi-su
`, addr, outlet.URL)), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := runCmd(t, "fetch", "-config", cfg); err != nil {
		t.Fatalf("fetch: %v\n%s", err, out)
	}
	serveDaemon(t, cfg, addr)
	credited := func() (feedHome, atomHome, opmlHome string) {
		var doc struct {
			Items []struct {
				Newswire struct {
					Sources []struct {
						HomeURL string `json:"home_page_url"`
					} `json:"sources"`
				} `json:"_newswire"`
			} `json:"items"`
		}
		if err := json.Unmarshal(getBody(t, "http://"+addr+"/feeds/all.json"), &doc); err != nil || len(doc.Items) != 1 || len(doc.Items[0].Newswire.Sources) != 1 {
			t.Fatalf("all.json: %v, %+v", err, doc)
		}
		var atom struct {
			Entries []struct {
				Source struct {
					Links []struct {
						Rel  string `xml:"rel,attr"`
						Href string `xml:"href,attr"`
					} `xml:"link"`
				} `xml:"source"`
			} `xml:"entry"`
		}
		if err := xml.Unmarshal(getBody(t, "http://"+addr+"/feeds/all.atom"), &atom); err != nil || len(atom.Entries) != 1 {
			t.Fatalf("all.atom: %v", err)
		}
		for _, l := range atom.Entries[0].Source.Links {
			if l.Rel == "alternate" {
				atomHome = l.Href
			}
		}
		var opml struct {
			Outlines []struct {
				HTMLURL string `xml:"htmlUrl,attr"`
			} `xml:"body>outline>outline"`
		}
		if err := xml.Unmarshal(getBody(t, "http://"+addr+"/sources.opml"), &opml); err != nil || len(opml.Outlines) != 1 {
			t.Fatalf("sources.opml: %v, %+v", err, opml)
		}
		return doc.Items[0].Newswire.Sources[0].HomeURL, atomHome, opml.Outlines[0].HTMLURL
	}
	if f, a, o := credited(); f != "https://www.baoxanh.example.vn/" || a != f || o != f {
		t.Errorf("at the start: home %q in JSON Feed, %q in Atom, %q in the OPML; want the channel's link", f, a, o)
	}
	home.Store("https://baoxanh.example.vn/trang-chu")
	deadline := time.Now().Add(15 * time.Second)
	for {
		f, a, o := credited()
		if f == "https://baoxanh.example.vn/trang-chu" && a == f && o == f {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after the feed named another site: %q, %q, %q", f, a, o)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func getBody(t *testing.T, url string) []byte {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("%s: %d, %v", url, resp.StatusCode, err)
	}
	return body
}
