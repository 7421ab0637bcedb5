package server

import (
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
)

func parseHTML(t *testing.T, body string) *goquery.Document {
	t.Helper()
	doc, err := goquery.NewDocumentFromReader(strings.NewReader(body))
	if err != nil {
		t.Fatalf("parsing the page: %v", err)
	}
	return doc
}

func texts(sel *goquery.Selection) []string {
	var out []string
	sel.Each(func(_ int, s *goquery.Selection) { out = append(out, strings.TrimSpace(s.Text())) })
	return out
}

func TestFrontPage(t *testing.T) {
	fs := newFrontSite(t, 0)
	tests := []struct {
		name, path, acceptLanguage string
		status                     int
		lang, h1                   string
		titles                     []string // the story titles, in order
		contains, excludes         []string
	}{
		{
			name: "every category, newest first", path: "/", status: 200, lang: "vi", h1: "Tất cả tin",
			titles: []string{
				"Ruộng bậc thang Hoàng Su Phì vào mùa nước đổ",
				"<script>alert(1)</script> Cảnh báo lũ quét <img src=x onerror=alert(2)> ở Mèo Vạc",
				"Terraced fields of Hoang Su Phi draw summer visitors",
				"Kinh tế tỉnh tăng trưởng khá trong sáu tháng đầu năm",
				"Border trade through Thanh Thuy gate rises in first half",
				"Lễ hội khèn Mông trên cao nguyên đá",
			},
			contains: []string{"Theo dõi mục này", "/feeds/all.rss", "/feeds.opml", "5 phút trước", "2 giờ trước", "hôm qua "},
		},
		{
			name: "one category", path: "/c/du-lich", status: 200, lang: "vi", h1: "Du lịch",
			titles: []string{
				"Ruộng bậc thang Hoàng Su Phì vào mùa nước đổ",
				"Terraced fields of Hoang Su Phi draw summer visitors",
				"Lễ hội khèn Mông trên cao nguyên đá",
			},
			contains: []string{
				`<link rel="alternate" type="application/rss+xml" title="Du lịch (RSS)" href="http://127.0.0.1:`,
				`<link rel="alternate" type="application/atom+xml" title="Du lịch (Atom)" href="http://127.0.0.1:`,
				`<link rel="alternate" type="application/feed+json" title="Du lịch (JSON Feed)" href="http://127.0.0.1:`,
				"/feeds/du-lich.rss", "/feeds/du-lich.atom", "/feeds/du-lich.json",
			},
			excludes: []string{"/feeds/all.rss"},
		},
		{
			name: "English by query", path: "/?lang=en", status: 200, lang: "en", h1: "All stories",
			contains: []string{"Follow this section", "5 minutes ago", "2 hours ago", "yesterday ", "first published"},
			excludes: []string{"Theo dõi mục này"},
		},
		{
			name: "English by Accept-Language", path: "/c/thoi-su", acceptLanguage: "en-GB,en;q=0.8,fr;q=0.5",
			status: 200, lang: "en", h1: "Thời sự", contains: []string{"Follow this section"},
		},
		{
			name: "query beats Accept-Language", path: "/?lang=vi", acceptLanguage: "en", status: 200, lang: "vi", h1: "Tất cả tin",
		},
		{
			name: "a language nobody offers falls back to Vietnamese", path: "/", acceptLanguage: "de, fr;q=0.9",
			status: 200, lang: "vi", h1: "Tất cả tin",
		},
		{
			name: "stories in English only", path: "/?story_lang=en", status: 200, lang: "vi", h1: "Tất cả tin",
			titles: []string{
				"Terraced fields of Hoang Su Phi draw summer visitors",
				"Border trade through Thanh Thuy gate rises in first half",
			},
		},
		{name: "unknown category", path: "/c/khong-co", status: 404},
		{name: "forged cursor", path: "/?cursor=AAAA", status: 400},
		{name: "bad story language", path: "/?story_lang=%3Cb%3E", status: 400},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := fs.get(t, tt.path, "Accept-Language", tt.acceptLanguage)
			if resp.StatusCode != tt.status {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, tt.status, body)
			}
			if tt.status != 200 {
				return
			}
			doc := parseHTML(t, body)
			if got, _ := doc.Find("html").Attr("lang"); got != tt.lang {
				t.Errorf("lang=%q, want %q", got, tt.lang)
			}
			if h1 := texts(doc.Find("h1")); len(h1) != 1 || h1[0] != tt.h1 {
				t.Errorf("h1 %q, want one: %q", h1, tt.h1)
			}
			if tt.titles != nil {
				if got := texts(doc.Find(".story h2")); !slices.Equal(got, tt.titles) {
					t.Errorf("stories:\n%q\nwant\n%q", got, tt.titles)
				}
			}
			for _, s := range tt.contains {
				if !strings.Contains(body, s) {
					t.Errorf("page lacks %q", s)
				}
			}
			for _, s := range tt.excludes {
				if strings.Contains(body, s) {
					t.Errorf("page has %q", s)
				}
			}
		})
	}
}

func TestFrontCreditsOutlets(t *testing.T) {
	fs := newFrontSite(t, 0)
	_, body := fs.get(t, "/c/du-lich")
	doc := parseHTML(t, body)
	story := doc.Find(".story").First()
	if got, want := texts(story.Find(".outlets > span:not(.badge)")), []string{"Báo Hà Giang", "TTXVN", "VOV"}; !slices.Equal(got, want) {
		t.Errorf("outlets %q, want %q", got, want)
	}
	if got := texts(story.Find(".first")); !slices.Equal(got, []string{"Báo Hà Giang"}) {
		t.Errorf("first publisher marked on %q, want Báo Hà Giang", got)
	}
	if got := texts(story.Find(".badge")); !slices.Equal(got, []string{"đăng đầu tiên"}) {
		t.Errorf("badge %q", got)
	}
	// A story carried by one outlet names it without a "first" badge.
	if n := doc.Find(".story").Eq(1).Find(".badge").Length(); n != 0 {
		t.Errorf("single-outlet story has %d badges", n)
	}
	if href, _ := story.Find("h2 a").Attr("href"); !strings.HasSuffix(href, "/baohagiang/tin/ruong-bac-thang.html") {
		t.Errorf("title links to %q, want the original", href)
	}
}

// TestFrontHostileStory stores a title and summary full of markup and a
// javascript: link and image: all must arrive as text or not at all.
func TestFrontHostileStory(t *testing.T) {
	fs := newFrontSite(t, 0)
	for _, path := range []string{"/", "/?images=1", "/?lang=en&images=1"} {
		_, body := fs.get(t, path)
		for _, bad := range []string{"<script>alert", "<img src=x", "javascript:"} {
			if strings.Contains(body, bad) {
				t.Errorf("%s: page contains %q", path, bad)
			}
		}
		doc := parseHTML(t, body)
		if n := doc.Find("script").Length(); n != 1 {
			t.Errorf("%s: %d script elements, want only copy.js", path, n)
		}
		if src, _ := doc.Find("script").Attr("src"); !strings.HasPrefix(src, "/static/copy.js?v=") {
			t.Errorf("%s: script src %q", path, src)
		}
		doc.Find("*").Each(func(_ int, s *goquery.Selection) {
			for _, a := range s.Nodes[0].Attr {
				if strings.HasPrefix(a.Key, "on") {
					t.Errorf("%s: <%s %s=%q>", path, s.Nodes[0].Data, a.Key, a.Val)
				}
			}
		})
		hostile := doc.Find(".story").FilterFunction(func(_ int, s *goquery.Selection) bool {
			return strings.Contains(s.Text(), "Mèo Vạc")
		})
		if got := texts(hostile.Find("h2")); len(got) != 1 || !strings.HasPrefix(got[0], "<script>alert(1)</script>") {
			t.Errorf("%s: hostile title shown as %q, want its text", path, got)
		}
		if hostile.Find("h2 a, img").Length() != 0 {
			t.Errorf("%s: javascript: link or image rendered", path)
		}
	}
}

func TestFrontImagesOptIn(t *testing.T) {
	fs := newFrontSite(t, 0)
	outlet := "http://" + fs.outlet.Listener.Addr().String()
	tests := []struct {
		path   string
		images []string
		imgCSP string
	}{
		{"/", nil, "img-src 'self';"},
		{"/?images=1", []string{outlet + "/img/ruong.png", outlet + "/img/kinh-te.png"}, "img-src 'self' " + outlet + ";"},
	}
	for _, tt := range tests {
		resp, body := fs.get(t, tt.path)
		var got []string
		parseHTML(t, body).Find("img").Each(func(_ int, s *goquery.Selection) {
			src, _ := s.Attr("src")
			if _, ok := s.Attr("alt"); !ok {
				t.Errorf("%s: image %s without alt", tt.path, src)
			}
			got = append(got, src)
		})
		if !slices.Equal(got, tt.images) {
			t.Errorf("%s: images %q, want %q", tt.path, got, tt.images)
		}
		csp := resp.Header.Get("Content-Security-Policy")
		if !strings.Contains(csp, tt.imgCSP) {
			t.Errorf("%s: CSP %q lacks %q", tt.path, csp, tt.imgCSP)
		}
		for _, want := range []string{"script-src 'self';", "style-src 'self';", "default-src 'none';"} {
			if !strings.Contains(csp, want) {
				t.Errorf("%s: CSP %q lacks %q", tt.path, csp, want)
			}
		}
		if strings.Contains(csp, "unsafe") {
			t.Errorf("%s: CSP %q allows unsafe sources", tt.path, csp)
		}
	}
}

// TestFrontPaging follows "older" links through every page, then checks that
// a link handed out before new stories arrived still leads to the same page.
func TestFrontPaging(t *testing.T) {
	fs := newFrontSite(t, 75)
	pageOf := func(path string) (titles []string, next string) {
		resp, body := fs.get(t, path)
		if resp.StatusCode != 200 {
			t.Fatalf("GET %s: %d", path, resp.StatusCode)
		}
		doc := parseHTML(t, body)
		next, _ = doc.Find(`.pager a[rel="next"]`).Attr("href")
		return texts(doc.Find(".story h2")), next
	}
	// Each run adds one story to "thoi-su", which the later runs count.
	for i, start := range []string{"/c/thoi-su", "/c/thoi-su?story_lang=vi", "/?lang=en"} {
		t.Run(start, func(t *testing.T) {
			seen := map[string]bool{}
			var pages [][]string
			var links []string
			for path := start; path != ""; {
				titles, next := pageOf(path)
				if len(titles) == 0 {
					t.Fatalf("%s: empty page", path)
				}
				for _, ti := range titles {
					if seen[ti] {
						t.Fatalf("%s: %q seen on an earlier page", path, ti)
					}
					seen[ti] = true
				}
				if next != "" {
					u, err := url.Parse(next)
					if err != nil {
						t.Fatal(err)
					}
					start, _ := url.Parse(start)
					for k := range start.Query() {
						if u.Query().Get(k) != start.Query().Get(k) {
							t.Errorf("next link %q drops %s", next, k)
						}
					}
				}
				pages, links = append(pages, titles), append(links, path)
				path = next
			}
			want := map[string]int{"/c/thoi-su": 78, "/c/thoi-su?story_lang=vi": 78, "/?lang=en": 83}[start]
			if len(seen) != want {
				t.Errorf("%d stories over %d pages, want %d", len(seen), len(pages), want)
			}
			if len(pages) < 3 {
				t.Fatalf("only %d pages", len(pages))
			}
			fs.add(t, fixtureStory{Source: "ttxvn", GUID: fmt.Sprintf("ttxvn-moi-%d", i), Link: fmt.Sprintf("http://127.0.0.1:9/ttxvn/moi-%d.html", i),
				Title: fmt.Sprintf("Tin mới số %d đến sau khi đã chia trang", i), MinutesAgo: 0, Language: "vi", Categories: []string{"thoi-su"}})
			if again, _ := pageOf(links[1]); !slices.Equal(again, pages[1]) {
				t.Errorf("page 2 moved after a new story:\n%q\nwas\n%q", again, pages[1])
			}
		})
	}
}

func TestFrontConditional(t *testing.T) {
	fs := newFrontSite(t, 0)
	resp, _ := fs.get(t, "/")
	etag := resp.Header.Get("ETag")
	if etag == "" || resp.Header.Get("Cache-Control") == "" || !strings.Contains(resp.Header.Get("Vary"), "Accept-Language") {
		t.Fatalf("headers %v", resp.Header)
	}
	// The page says its language, and varies by no encoding it never uses.
	if got := resp.Header.Get("Content-Language"); got != "vi" || strings.Contains(resp.Header.Get("Vary"), "Accept-Encoding") {
		t.Errorf("Content-Language %q, Vary %q; want vi, and no Accept-Encoding", got, resp.Header.Get("Vary"))
	}
	if resp, _ := fs.get(t, "/?lang=en"); resp.Header.Get("Content-Language") != "en" {
		t.Errorf("?lang=en: Content-Language %q", resp.Header.Get("Content-Language"))
	}
	if resp, _ := fs.get(t, "/", "If-None-Match", etag); resp.StatusCode != http.StatusNotModified {
		t.Errorf("same page revalidated: %d, want 304", resp.StatusCode)
	}
	if resp, _ := fs.get(t, "/", "If-None-Match", etag, "Accept-Language", "en"); resp.StatusCode != 200 {
		t.Errorf("English page with the Vietnamese tag: %d, want 200", resp.StatusCode)
	}
	if resp, _ := fs.get(t, "/?lang=en", "If-None-Match", etag); resp.StatusCode != 200 {
		t.Errorf("?lang=en with the Vietnamese tag: %d, want 200", resp.StatusCode)
	}
	fs.add(t, fixtureStory{Source: "vov", GUID: "vov-moi", Link: "http://127.0.0.1:9/vov/moi.html", Title: "Tin mới",
		Language: "vi", Categories: []string{"van-hoa"}})
	if resp, _ := fs.get(t, "/", "If-None-Match", etag); resp.StatusCode != 200 {
		t.Errorf("after a new story: %d, want 200", resp.StatusCode)
	}
}

func TestStaticFiles(t *testing.T) {
	fs := newFrontSite(t, 0)
	for name, ctype := range map[string]string{"site.css": "text/css", "copy.js": "text/javascript", "icon.svg": "image/svg+xml"} {
		resp, body := fs.get(t, assetURL(name))
		if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), ctype) || body == "" {
			t.Errorf("%s: %d %q, %d bytes", name, resp.StatusCode, resp.Header.Get("Content-Type"), len(body))
		}
		if !strings.Contains(resp.Header.Get("Cache-Control"), "immutable") {
			t.Errorf("%s: Cache-Control %q for a hashed address", name, resp.Header.Get("Cache-Control"))
		}
		if resp, _ := fs.get(t, assetURL(name), "If-None-Match", resp.Header.Get("ETag")); resp.StatusCode != http.StatusNotModified {
			t.Errorf("%s: revalidation %d, want 304", name, resp.StatusCode)
		}
	}
	if resp, _ := fs.get(t, "/static/nope.css"); resp.StatusCode != 404 {
		t.Errorf("missing file: %d", resp.StatusCode)
	}
}

// TestFrontPageWeight renders 50 stories as long as outlets write them, each
// carried by three outlets, with images on, and holds the page under 100 KB.
func TestFrontPageWeight(t *testing.T) {
	fs := newFrontSite(t, 0)
	s := New(fs.cfg, fs.st, slog.New(slog.DiscardHandler))
	page, err := fs.st.Latest("du-lich", 1, "")
	if err != nil || len(page.Stories) != 1 {
		t.Fatalf("Latest: %v %d", err, len(page.Stories))
	}
	st := page.Stories[0]
	st.Title = strings.Repeat("Khai mạc tuần văn hoá du lịch trên cao nguyên đá Đồng Văn ", 3)
	st.Summary = strings.Repeat("Hàng nghìn du khách đã về thị trấn Mèo Vạc dự phiên chợ tình và xem trình diễn trang phục. ", 20)
	m := catalog["vi"]
	v := frontView{Lang: "vi", T: m, CSS: assetURL("site.css"), JS: assetURL("copy.js"), Icon: assetURL("icon.svg"),
		Category: categoryView{ID: "all", Title: m.AllStories, URL: "/"}, Images: true}
	v.Categories = s.frontCategories(frontQuery{category: "all", ui: "vi"}, m)
	for range 50 {
		v.Stories = append(v.Stories, s.storyView(st, m, time.Now(), true))
	}
	body, err := execute("front.html", v)
	if err != nil {
		t.Fatal(err)
	}
	if len(body) > 100<<10 {
		t.Errorf("50 stories weigh %d bytes, want under %d", len(body), 100<<10)
	}
	t.Logf("50 stories: %d bytes of HTML", len(body))
}

func TestWhen(t *testing.T) {
	now := time.Date(2026, 11, 20, 3, 30, 0, 0, time.UTC) // 10:30 in Hà Nội
	tests := []struct {
		t      time.Time
		vi, en string
	}{
		{now.Add(-20 * time.Second), "vừa xong", "just now"},
		{now.Add(5 * time.Minute), "vừa xong", "just now"},
		{now.Add(-90 * time.Second), "1 phút trước", "1 minute ago"},
		{now.Add(-42 * time.Minute), "42 phút trước", "42 minutes ago"},
		{now.Add(-70 * time.Minute), "1 giờ trước", "1 hour ago"},
		{now.Add(-150 * time.Minute), "2 giờ trước", "2 hours ago"},
		{time.Date(2026, 11, 19, 8, 22, 0, 0, time.UTC), "hôm qua 15:22", "yesterday 15:22"},
		{time.Date(2026, 11, 19, 16, 0, 0, 0, time.UTC), "hôm qua 23:00", "yesterday 23:00"},
		{time.Date(2026, 11, 19, 17, 5, 0, 0, time.UTC), "10 giờ trước", "10 hours ago"}, // 00:05 today in Hà Nội
		{time.Date(2026, 3, 2, 1, 0, 0, 0, time.UTC), "08:00 2/3", "2 Mar 08:00"},
		{time.Date(2025, 12, 31, 20, 0, 0, 0, time.UTC), "03:00 1/1", "1 Jan 03:00"}, // 2026 in Hà Nội
		{time.Date(2025, 12, 31, 16, 0, 0, 0, time.UTC), "31/12/2025", "31 Dec 2025"},
		{time.Date(2024, 7, 4, 3, 0, 0, 0, time.UTC), "4/7/2024", "4 Jul 2024"},
		{time.Time{}, "", ""},
	}
	for _, tt := range tests {
		if got := catalog["vi"].when(tt.t, now); got != tt.vi {
			t.Errorf("vi when(%v) = %q, want %q", tt.t, got, tt.vi)
		}
		if got := catalog["en"].when(tt.t, now); got != tt.en {
			t.Errorf("en when(%v) = %q, want %q", tt.t, got, tt.en)
		}
	}
}

func TestCutWords(t *testing.T) {
	tests := []struct {
		in   string
		n    int
		want string
	}{
		{"Ngắn gọn.", 20, "Ngắn gọn."},
		{"Mưa lớn kéo dài khiến nhiều tuyến đường bị sạt lở", 24, "Mưa lớn kéo dài khiến…"},
		{"Mưalớnkéodàikhiếnnhiềutuyếnđường", 10, "Mưalớnkéod…"},
	}
	for _, tt := range tests {
		if got := cutWords(tt.in, tt.n); got != tt.want {
			t.Errorf("cutWords(%q, %d) = %q, want %q", tt.in, tt.n, got, tt.want)
		}
	}
}

func TestImageOrigin(t *testing.T) {
	tests := []struct{ in, want string }{
		{"https://baohagiang.example/anh/1.jpg", "https://baohagiang.example"},
		{"http://127.0.0.1:8081/img/a.png?w=100", "http://127.0.0.1:8081"},
		{"http://[::1]:8081/a.png", "http://[::1]:8081"},
		{"javascript:alert(1)", ""},
		{"data:image/png;base64,AAAA", ""},
		{"/relative.png", ""},
		{"https://a.example;script-src%20*/x.png", ""},
		{"", ""},
	}
	for _, tt := range tests {
		if got := imageOrigin(tt.in); got != tt.want {
			t.Errorf("imageOrigin(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestFrontLandmarks: everything a reader comes for is in a landmark, the
// page's title and its stories in the main one, where "skip to stories"
// and a screen reader's "go to main" land, and the panel to subscribe is
// a named region of its own there rather than an aside nested in main.
func TestFrontLandmarks(t *testing.T) {
	fs := newFrontSite(t, 0)
	for _, path := range []string{"/", "/c/du-lich?lang=en", "/?images=1&story_lang=en"} {
		t.Run(path, func(t *testing.T) {
			_, body := fs.get(t, path)
			doc := parseHTML(t, body)
			if n := doc.Find("main").Length(); n != 1 {
				t.Fatalf("%d main elements, want 1", n)
			}
			for _, sel := range []string{"h1", "p.lede", "nav.cats", ".stories", ".subscribe"} {
				if doc.Find("main "+sel).Length() != 1 {
					t.Errorf("%s is not in main", sel)
				}
			}
			target, _ := doc.Find("a.skip").Attr("href")
			if !strings.HasPrefix(target, "#") || doc.Find(target+" .stories").Length() != 1 {
				t.Errorf("skip link to %q, which does not hold the stories", target)
			}
			// Every text of the page is in the banner, main or the footer.
			doc.Find("body > *").Each(func(_ int, s *goquery.Selection) {
				if s.Is("a.skip, header, main, footer, script") {
					return
				}
				loose := s.ChildrenFiltered(":not(main):not(footer)").Length() > 0
				s.Contents().Each(func(_ int, c *goquery.Selection) {
					loose = loose || goquery.NodeName(c) == "#text" && strings.TrimSpace(c.Text()) != ""
				})
				if loose {
					html, _ := goquery.OuterHtml(s)
					t.Errorf("content outside any landmark: %.200s", html)
				}
			})
			if n := doc.Find("main aside").Length(); n != 0 {
				t.Errorf("%d aside elements in main: a complementary landmark belongs at the top level", n)
			}
			sub := doc.Find(".subscribe")
			if id, _ := sub.Attr("aria-labelledby"); !sub.Is("section") || id == "" || doc.Find("#"+id).Length() != 1 {
				t.Errorf("the subscribe panel is not a section named by its heading")
			}
		})
	}
}

// TestFrontPagerOnlyWithPages: the pages' navigation is there when there is
// another page to go to, rather than an empty landmark that screen readers
// list among the page's navigations.
func TestFrontPagerOnlyWithPages(t *testing.T) {
	fs := newFrontSite(t, 40)
	_, body := fs.get(t, "/c/du-lich")
	if n := parseHTML(t, body).Find("nav").FilterFunction(func(_ int, s *goquery.Selection) bool {
		return s.Find("a").Length() == 0
	}).Length(); n != 0 {
		t.Errorf("a page of 3 stories has %d navigation landmarks without a link", n)
	}
	_, body = fs.get(t, "/c/thoi-su")
	doc := parseHTML(t, body)
	next, _ := doc.Find(`nav.pager a[rel="next"]`).Attr("href")
	if next == "" {
		t.Fatalf("the first of several pages has no link to the next")
	}
	_, body = fs.get(t, next)
	if got := texts(parseHTML(t, body).Find("nav.pager a")); len(got) == 0 {
		t.Errorf("a later page has no link back to the newest")
	}
}
