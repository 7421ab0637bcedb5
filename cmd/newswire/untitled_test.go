package main

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mmcdole/gofeed"
)

// untitledRSS is an outlet's feed of items without a title: a radio
// bulletin and a video with only a guid and an enclosure, a photo with
// nothing but its file, and a post of a few sentences. edit changes every
// item's bytes, as an outlet's template change does.
func untitledRSS(edit string) string {
	return `<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0" xmlns:media="http://search.yahoo.com/mrss/"><channel><title>Đài Phát thanh Hà Giang</title>
<link>http://radio.hagiang.test/</link><description>Phát thanh</description>
<item><guid isPermaLink="false">pt-0612</guid><pubDate>Sun, 29 Nov 2026 06:00:00 +0700</pubDate>` + edit + `
  <enclosure url="http://radio.hagiang.test/media/b%E1%BA%A3n-tin-s%C3%A1ng-29-11.mp3" length="4404019" type="audio/mpeg"/></item>
<item><pubDate>Sun, 29 Nov 2026 07:00:00 +0700</pubDate>` + edit + `
  <media:content url="http://radio.hagiang.test/anh/ruong-bac-thang-hoang-su-phi.jpg" type="image/jpeg" medium="image"/></item>
<item><link>http://radio.hagiang.test/tin/cau-treo</link><pubDate>Sun, 29 Nov 2026 08:00:00 +0700</pubDate>` + edit + `
  <description>Cầu treo Nậm Lang đã thông xe sáng nay. Hơn 200 học sinh không còn phải lội suối đến trường.</description></item>
</channel></rss>`
}

const untitledEnglishRSS = `<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Ha Giang Radio English</title><link>http://radio.hagiang.test/en</link><description>English</description>
<item><guid isPermaLink="false">en-video-11</guid><pubDate>Sun, 29 Nov 2026 09:00:00 +0700</pubDate>
  <enclosure url="http://radio.hagiang.test/video/dong-van-market.mp4" length="9000000" type="video/mp4"/></item>
</channel></rss>`

// TestUntitledItemsAreNamedOnce: items without a title are given one
// where they are normalised, before they are stored: the first sentence of
// the text, else the kind and file name of the media and the outlet, in
// English for an English source. The export, RSS, Atom and JSON Feed all
// carry that title, none writes an empty element, python3-feedparser reads
// both XML formats without complaint, and the outlet's next document,
// every item's bytes changed, stores nothing new.
func TestUntitledItemsAreNamedOnce(t *testing.T) {
	edit := ""
	outlet := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/rss+xml")
		if r.URL.Path == "/en.rss" {
			_, _ = io.WriteString(w, untitledEnglishRSS)
			return
		}
		_, _ = io.WriteString(w, untitledRSS(edit))
	}))
	defer outlet.Close()
	addr := freeAddr(t)
	cfgPath := filepath.Join(t.TempDir(), "config.yaml")
	cfg := fmt.Sprintf(`listen: %[2]s
data_dir: ./data
poll: {interval: 1h, min_interval: 1s, max_interval: 6h, timeout: 5s, concurrency: 1}
sources:
  - {id: phatthanh-hg, title: Đài Phát thanh Hà Giang, url: "%[1]s/vi.rss", language: vi}
  - {id: radio-en, title: Ha Giang Radio, url: "%[1]s/en.rss", language: en}
categories: [{id: thoi-su, title: Thời sự}]
default_category: thoi-su
`, outlet.URL, addr)
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := runCmd(t, "fetch", "-config", cfgPath); err != nil {
		t.Fatalf("fetch: %v\n%s", err, out)
	}
	want := []string{
		"Video: dong-van-market.mp4 (Ha Giang Radio)",
		"Cầu treo Nậm Lang đã thông xe sáng nay",
		"Ảnh: ruong-bac-thang-hoang-su-phi.jpg (Đài Phát thanh Hà Giang)",
		"Âm thanh: bản-tin-sáng-29-11.mp3 (Đài Phát thanh Hà Giang)",
	}
	var exported []string
	for _, r := range exportAll(t, cfgPath) {
		exported = append(exported, r.Title)
	}
	slices.Sort(exported)
	sorted := slices.Sorted(slices.Values(want))
	if !slices.Equal(exported, sorted) {
		t.Fatalf("exported titles %q, want %q", exported, sorted)
	}

	edit = "\n  <comments>http://radio.hagiang.test/binh-luan</comments>"
	out, err := runCmd(t, "fetch", "-config", cfgPath)
	if err != nil {
		t.Fatalf("second fetch: %v\n%s", err, out)
	}
	if n := len(exportAll(t, cfgPath)); n != len(want) {
		t.Errorf("after the outlet rewrote its items: %d stories, want %d\n%s", n, len(want), out)
	}

	serveDaemon(t, cfgPath, addr)
	base := "http://" + addr
	for _, ext := range []string{"rss", "atom", "json"} {
		resp, err := http.Get(base + "/feeds/all." + ext)
		if err != nil {
			t.Fatal(err)
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("%s: %d %v", ext, resp.StatusCode, err)
		}
		feed, err := gofeed.NewParser().ParseString(string(body))
		if err != nil {
			t.Fatalf("gofeed cannot read our %s: %v", ext, err)
		}
		var titles []string
		for _, it := range feed.Items {
			titles = append(titles, it.Title)
		}
		if !slices.Equal(titles, want) {
			t.Errorf("%s titles %q, want %q", ext, titles, want)
		}
		for _, empty := range []string{"<title></title>", "<description></description>", "<p></p>", `"title":""`, `"summary":""`, "></content>", "></summary>"} {
			if strings.Contains(string(body), empty) {
				t.Errorf("%s has %s:\n%s", ext, empty, body)
			}
		}
	}

	needTool(t, "/usr/bin/python3")
	script := `
import sys, feedparser
for url in sys.argv[1:]:
    d = feedparser.parse(url)
    if d.bozo:
        sys.exit("%s: bozo: %s" % (url, d.bozo_exception))
    for e in d.entries:
        if not e.get("title", "").strip():
            sys.exit("%s: an entry without a title: %r" % (url, e))
    print(url, d.version, [e.title for e in d.entries])
`
	cmd := exec.Command("/usr/bin/python3", "-c", script, base+"/feeds/all.rss", base+"/feeds/all.atom")
	cmd.WaitDelay = 10 * time.Second
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("feedparser: %v\n%s", err, out)
	} else {
		t.Logf("%s", out)
	}
}
