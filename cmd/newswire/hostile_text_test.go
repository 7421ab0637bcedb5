package main

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

// escapedMarkupOutlets are outlets whose text is escaped one level deeper
// than usual, which one more decoding turns into live tags: an RSS feed, an
// Atom feed, a JSON Feed and a news page read with selectors.
var escapedMarkupOutlets = map[string]string{
	"/rss": `<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Báo Hà Giang</title><link>http://baohagiang.test/</link><description>Tin</description>
<item><title>Hà Giang: &amp;amp;lt;img src=x onerror=alert(document.domain)&amp;amp;gt; mưa lũ</title>
  <link>http://baohagiang.test/tin/mua-lu.html</link><pubDate>Sun, 29 Nov 2026 06:00:00 +0700</pubDate>
  <category>&amp;lt;script&amp;gt;alert('cat')&amp;lt;/script&amp;gt;Thời sự</category>
  <author>bbt@baohagiang.test (&amp;amp;lt;b onmouseover=alert(2)&amp;amp;gt;Ban biên tập)</author>
  <description>Mưa lớn kéo dài &amp;amp;lt;svg onload=alert(3)&amp;amp;gt; ở Hoàng Su Phì; giá &lt; 5 triệu, Tom &amp;amp; Jerry.</description></item>
<item><guid isPermaLink="false">pt-1</guid><pubDate>Sun, 29 Nov 2026 07:00:00 +0700</pubDate>
  <enclosure url="http://baohagiang.test/media/%3Cimg%20src=x%20onerror=alert(9)%3E.mp3" length="1" type="audio/mpeg"/></item>
<item><link>http://baohagiang.test/tim?q=&lt;img/src=x/onerror=alert(10)&gt;</link><pubDate>Sun, 29 Nov 2026 08:00:00 +0700</pubDate></item>
</channel></rss>`,
	"/atom": `<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Đài Tuyên Quang</title><id>tag:tuyenquang.test,2026:feed</id>
<updated>2026-11-29T06:00:00+07:00</updated>
<entry><id>tag:tuyenquang.test,2026:1</id><title type="html">Tuyên Quang &amp;amp;lt;iframe src=//evil.test&amp;amp;gt; lễ hội</title>
  <link href="http://tuyenquang.test/tin/le-hoi.html"/><updated>2026-11-29T06:00:00+07:00</updated>
  <author><name>&amp;lt;img src=x onerror=alert(4)&amp;gt;Phóng viên</name></author>
  <summary type="text">Lễ hội &amp;lt;img src=x onerror=alert(5)&amp;gt; Thành Tuyên.</summary></entry>
</feed>`,
	"/feed.json": `{"version": "https://jsonfeed.org/version/1.1", "title": "Báo Lào Cai",
 "items": [{"id": "lc-1", "url": "http://baolaocai.test/tin/sa-pa.html", "date_published": "2026-11-29T06:00:00+07:00",
  "title": "Sa Pa &amp;lt;img src=x onerror=alert(6)&amp;gt; đón khách",
  "summary": "Du khách &lt;img src=x onerror=alert(7)&gt; đến Sa Pa.",
  "tags": ["&lt;script&gt;alert('tag')&lt;/script&gt;Du lịch"],
  "authors": [{"name": "&amp;lt;i onclick=alert(8)&amp;gt;Thu Hà"}],
  "content_html": "<p>Sa Pa mùa đông.</p>"}]}`,
	"/trang": `<!doctype html><html><head><title>Báo Yên Bái</title></head><body><ul class="tin">
<li><h3><a href="/tin/1.html">Tin 1 &amp;lt;img src=x onerror=alert(1)&amp;gt; cầu</a></h3></li>
<li><h3><a href="/tin/2.html">Tin 2 về cầu treo Nậm Lang</a></h3></li>
</ul></body></html>`,
}

// serveOutletFiles serves files by path from loopback, each with its type.
func serveOutletFiles(t *testing.T, files map[string]string) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, ok := files[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		switch {
		case strings.HasSuffix(r.URL.Path, ".json"):
			w.Header().Set("Content-Type", "application/feed+json")
		case strings.HasPrefix(body, "<!doctype"):
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
		default:
			w.Header().Set("Content-Type", "application/xml")
		}
		_, _ = io.WriteString(w, body)
	}))
	t.Cleanup(srv.Close)
	return srv
}

// liveTag is what a browser would take for a tag (or comment) in text.
var liveTag = regexp.MustCompile(`<(?:[A-Za-z!?]|/[A-Za-z])`)

// TestEscapedMarkupNeverLive: however deep an outlet escaped markup in a
// title, a category label, an author's name or a plain-text summary, from
// RSS, Atom, JSON Feed or a page read with selectors, newswire stores it
// with no tag in it, and republishes none: the export, and the RSS and Atom
// documents once their XML is read (what readers then take for HTML), and
// JSON Feed's plain-text fields. The words around it stay, and so do a lone
// "<" and an ampersand. An item without a title, named by its file, is
// named without a tag too.
func TestEscapedMarkupNeverLive(t *testing.T) {
	outlet := serveOutletFiles(t, escapedMarkupOutlets)
	addr := freeAddr(t)
	cfgPath := filepath.Join(t.TempDir(), "config.yaml")
	cfg := fmt.Sprintf(`listen: %[2]s
data_dir: ./data
poll: {interval: 1h, min_interval: 1s, max_interval: 6h, timeout: 5s, concurrency: 2}
sources:
  - {id: baohagiang, title: Báo Hà Giang, url: "%[1]s/rss", language: vi}
  - {id: tuyenquang, title: Đài Tuyên Quang, url: "%[1]s/atom", language: vi}
  - {id: baolaocai, title: Báo Lào Cai, url: "%[1]s/feed.json", language: vi}
  - id: baoyenbai
    title: Báo Yên Bái
    url: "%[1]s/trang"
    language: vi
    type: html
    html: {item: "ul.tin > li", title: "h3 a", link: "h3 a"}
categories: [{id: thoi-su, title: Thời sự}]
default_category: thoi-su
`, outlet.URL, addr)
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := runCmd(t, "fetch", "-config", cfgPath); err != nil {
		t.Fatalf("fetch: %v\n%s", err, out)
	}
	recs := exportAll(t, cfgPath)
	if len(recs) != 7 {
		t.Fatalf("%d stories exported, want 7: %+v", len(recs), recs)
	}
	for _, r := range recs {
		for field, v := range map[string]string{"title": r.Title, "summary": r.Summary} {
			if m := liveTag.FindString(v); m != "" {
				t.Errorf("story %s: exported %s %q holds %q", r.ID, field, v, m)
			}
		}
	}
	for _, prefix := range []string{"Hà Giang:", "Tuyên Quang", "Sa Pa", "Tin 1", "Tin 2", "Âm thanh: ", "http://baohagiang.test/tim?q="} {
		byTitle(t, recs, prefix)
	}
	r := byTitle(t, recs, "Hà Giang:")
	if !strings.HasSuffix(r.Title, "mưa lũ") || !strings.Contains(r.Summary, "giá < 5 triệu") || !strings.Contains(r.Summary, "Tom & Jerry") {
		t.Errorf("the words around the markup are lost: %q, %q", r.Title, r.Summary)
	}

	serveDaemon(t, cfgPath, addr)
	for _, ext := range []string{"rss", "atom", "json"} {
		resp, err := http.Get("http://" + addr + "/feeds/all." + ext)
		if err != nil {
			t.Fatal(err)
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("%s: %d %v", ext, resp.StatusCode, err)
		}
		doc := string(body)
		if ext == "json" {
			doc = strings.NewReplacer(`\u003c`, "<", `\u003e`, ">", `\u0026`, "&").Replace(doc)
		} else {
			// What a reader has once it has read the XML: the text
			// it may take for HTML.
			doc = strings.NewReplacer("&lt;", "<", "&gt;", ">", "&amp;", "&").Replace(doc)
		}
		for _, hostile := range []string{"<img", "<script", "<svg", "<iframe", "<b on", "<i on"} {
			if strings.Contains(doc, hostile) {
				i := strings.Index(doc, hostile)
				t.Errorf("/feeds/all.%s carries %q: …%s…", ext, hostile, doc[max(0, i-80):min(len(doc), i+80)])
			}
		}
		for _, want := range []string{"Ban biên tập", "Phóng viên", "Thu Hà", "Du lịch"} {
			if !strings.Contains(doc, want) {
				t.Errorf("/feeds/all.%s lost %q", ext, want)
			}
		}
	}
}

// controlOutlets are outlets whose text carries C1 controls (CSI U+009B,
// OSC U+009D, ST U+009C) and bidirectional overrides and isolates, raw and
// as character references (HTML reads &#x9c; as "œ", &#x9d; as U+009D),
// and one whose document is broken where an element name carries them,
// which the XML error quotes.
var controlOutlets = map[string]string{
	"/rss": "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<rss version=\"2.0\"><channel><title>Báo Hà Giang</title><link>http://baohagiang.test/</link><description>Tin</description>\n" +
		"<item><title>Lũ quét\u009b2J ở \u202eHoàng Su Phì\u202c: 3 người mất tích&#x9d;0;x&#x9c;</title>\n" +
		"  <link>http://baohagiang.test/tin/lu-quet.html</link><pubDate>Sun, 29 Nov 2026 06:00:00 +0700</pubDate>\n" +
		"  <category>Thời\u2066 sự\u0085</category><author>bbt@baohagiang.test (Ban\u009d biên tập&#x202e;)</author>\n" +
		"  <description>&lt;p&gt;Mưa lớn\u009b31m kéo dài &amp;#x202e;ở Hoàng Su Phì.&lt;/p&gt;</description></item>\n" +
		"<item><guid isPermaLink=\"false\">pt-2</guid><pubDate>Sun, 29 Nov 2026 07:00:00 +0700</pubDate>\n" +
		"  <enclosure url=\"http://baohagiang.test/media/ban-tin%E2%80%AEp3m.exe\" length=\"1\" type=\"audio/mpeg\"/></item>\n" +
		"</channel></rss>",
	"/hong": "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<rss version=\"2.0\"><channel><title>Báo Hỏng</title>" +
		"<item><title>Tin</title><\u202eSSR\u009b2J>x</\u202eSSR\u009b2J></item></channel></rss>",
}

// unprintable returns the first control or bidirectional control of s
// other than a newline, or -1.
func unprintable(s string) rune {
	for _, r := range s {
		if r != '\n' && (unicode.IsControl(r) || unicode.Is(unicode.Bidi_Control, r)) && r != '\u200e' && r != '\u200f' {
			return r
		}
	}
	return -1
}

// TestOutletControlCharactersReachNoOne: C1 controls and bidirectional
// overrides an outlet sends are in no stored text, so in no export line and
// no feed, and the real binary's fetch prints an outlet's error as /status
// and /api/status show it, without them.
func TestOutletControlCharactersReachNoOne(t *testing.T) {
	bin := newswireBinary(t)
	outlet := serveOutletFiles(t, controlOutlets)
	addr := freeAddr(t)
	cfgPath := filepath.Join(t.TempDir(), "config.yaml")
	cfg := fmt.Sprintf(`listen: %[2]s
data_dir: ./data
poll: {interval: 1h, min_interval: 1s, max_interval: 6h, timeout: 5s, concurrency: 2}
sources:
  - {id: baohagiang, title: Báo Hà Giang, url: "%[1]s/rss", language: vi}
  - {id: baohong, title: Báo Hỏng, url: "%[1]s/hong", language: vi}
categories: [{id: thoi-su, title: Thời sự}]
default_category: thoi-su
`, outlet.URL, addr)
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(bin, "fetch", "-config", cfgPath).CombinedOutput()
	if err == nil || !strings.Contains(string(out), "FAILED") || !strings.Contains(string(out), "SSR") {
		t.Fatalf("fetch: %v, want baohong failed, naming what it could not read\n%s", err, out)
	}
	if r := unprintable(string(out)); r >= 0 {
		t.Errorf("fetch printed %U:\n%q", r, out)
	}
	exported, err := exec.Command(bin, "export", "-config", cfgPath).Output()
	if err != nil {
		t.Fatalf("export: %v", err)
	}
	if r := unprintable(string(exported)); r >= 0 {
		t.Errorf("export wrote %U:\n%s", r, exported)
	}
	for _, want := range []string{`"title":"Lũ quét2J ở Hoàng Su Phì: 3 người mất tích0;xœ"`, `"summary":"Mưa lớn31m kéo dài ở Hoàng Su Phì."`, "ban-tin"} {
		if !strings.Contains(string(exported), want) {
			t.Errorf("export lacks %s:\n%s", want, exported)
		}
	}

	serveDaemon(t, cfgPath, addr)
	for _, path := range []string{"/status", "/api/status", "/feeds/all.rss", "/feeds/all.atom", "/feeds/all.json", "/"} {
		resp, err := http.Get("http://" + addr + path)
		if err != nil {
			t.Fatal(err)
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("%s: %d %v", path, resp.StatusCode, err)
		}
		// JSON may escape them: \u009b reads as the character itself.
		doc := regexp.MustCompile(`\\u[0-9a-fA-F]{4}`).ReplaceAllStringFunc(string(body), func(esc string) string {
			var r rune
			_, _ = fmt.Sscanf(esc[2:], "%x", &r)
			return string(r)
		})
		if r := unprintable(doc); r >= 0 && r != '\t' && r != '\r' {
			i := strings.IndexRune(doc, r)
			t.Errorf("%s carries %U: …%s…", path, r, doc[max(0, i-100):min(len(doc), i+40)])
		}
		if strings.Contains(path, "status") && !strings.Contains(doc, "SSR") {
			t.Errorf("%s does not show baohong's error", path)
		}
	}
}

// TestLongTitlesCut: an outlet's headline of 800,000 characters, and a
// category label and an author's name of thousands, are cut on a word
// boundary before they are stored: the export, the three feeds and the
// front page carry the same short title, not the outlet's. So is the title
// an item without one is given, from a long file name or link.
func TestLongTitlesCut(t *testing.T) {
	headline := strings.Repeat("Mưa lũ ở Hà Giang ", 800000/18)
	label := strings.Repeat("Thời sự ", 1000)
	name := strings.Repeat("Nguyễn Thị Thu Hà ", 1000)
	outlet := serveOutletFiles(t, map[string]string{"/rss": `<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Báo Hà Giang</title><link>http://baohagiang.test/</link><description>Tin</description>
<item><title>` + headline + `</title><link>http://baohagiang.test/tin/mua-lu.html</link>
  <pubDate>Sun, 29 Nov 2026 06:00:00 +0700</pubDate><category>` + label + `</category>
  <author>bbt@baohagiang.test (` + name + `)</author><description>Mưa lớn kéo dài.</description></item>
<item><guid isPermaLink="false">pt-3</guid><pubDate>Sun, 29 Nov 2026 07:00:00 +0700</pubDate>
  <enclosure url="http://baohagiang.test/media/` + strings.Repeat("ban-tin-", 2000) + `.mp3" length="1" type="audio/mpeg"/></item>
<item><link>http://baohagiang.test/tin?` + strings.Repeat("trang=2&amp;", 1000) + `</link><pubDate>Sun, 29 Nov 2026 08:00:00 +0700</pubDate></item>
</channel></rss>`})
	addr := freeAddr(t)
	cfgPath := filepath.Join(t.TempDir(), "config.yaml")
	cfg := fmt.Sprintf(`listen: %[2]s
data_dir: ./data
poll: {interval: 1h, min_interval: 1s, max_interval: 6h, timeout: 5s}
sources:
  - {id: baohagiang, title: Báo Hà Giang, url: "%[1]s/rss", language: vi}
categories: [{id: thoi-su, title: Thời sự}]
default_category: thoi-su
`, outlet.URL, addr)
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := runCmd(t, "fetch", "-config", cfgPath); err != nil {
		t.Fatalf("fetch: %v\n%s", err, out)
	}
	recs := exportAll(t, cfgPath)
	if len(recs) != 3 {
		t.Fatalf("%d stories, want 3", len(recs))
	}
	// Named after their file or link, the items without a title.
	for _, prefix := range []string{"Âm thanh: ban-tin-ban-tin", "http://baohagiang.test/tin?trang=2"} {
		if r := byTitle(t, recs, prefix); utf8.RuneCountInString(r.Title) > 301 {
			t.Errorf("a title made of a file name or link of %d runes", utf8.RuneCountInString(r.Title))
		}
	}
	title := byTitle(t, recs, "Mưa lũ").Title
	if n := utf8.RuneCountInString(title); n > 301 || n < 200 || !strings.HasPrefix(title, "Mưa lũ ở Hà Giang Mưa lũ") || !strings.HasSuffix(title, "…") || strings.HasSuffix(title, " …") {
		t.Fatalf("exported title of %d runes: %q", n, title)
	}

	serveDaemon(t, cfgPath, addr)
	for _, path := range []string{"/feeds/all.rss", "/feeds/all.atom", "/feeds/all.json", "/"} {
		resp, err := http.Get("http://" + addr + path)
		if err != nil {
			t.Fatal(err)
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("%s: %d %v", path, resp.StatusCode, err)
		}
		if len(body) > 64<<10 || !strings.Contains(string(body), title) {
			t.Errorf("%s: %d bytes, with the exported title: %v", path, len(body), strings.Contains(string(body), title))
		}
		if strings.Contains(string(body), strings.Repeat("Thời sự ", 20)) || strings.Contains(string(body), strings.Repeat("Nguyễn Thị Thu Hà ", 10)) {
			t.Errorf("%s carries the outlet's whole label or name", path)
		}
	}
}
