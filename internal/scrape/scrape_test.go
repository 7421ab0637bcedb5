package scrape

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"newswire/feeds"
	"newswire/internal/fetch"
	"newswire/internal/notice"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// now is after every date in the fixtures, so none is clamped.
var now = time.Date(2022, 1, 10, 0, 0, 0, 0, time.UTC)

// shape is one saved listing page, the path it is served at and the rules an
// admin would write for it.
type shape struct {
	name  string
	file  string
	path  string
	rules Rules
	// What the first and last items must be, checked by hand rather than
	// only against the golden file.
	count                 int
	firstTitle, firstLink string // link relative to the server
	firstDate, lastDate   string // RFC 3339, UTC
}

var shapes = []shape{
	{
		name: "card grid", file: "card-grid.html", path: "/tin-tuc/",
		rules: Rules{Item: "article.card", Title: "h3.card-title", Link: "h3.card-title a", Date: "time.pub",
			Summary: "p.sapo", Image: "a.thumb img", Body: "div.noi-dung"},
		count:      6,
		firstTitle: "Ruộng bậc thang vào mùa vàng, du khách đổ về các xã vùng cao",
		firstLink:  "/tin/ruong-bac-thang-mua-vang-1201.html?utm_source=home&utm_medium=grid",
		firstDate:  "2021-12-13T08:22:00Z", lastDate: "2021-12-11T00:15:00Z",
	},
	{
		name: "plain list, dates in text", file: "plain-list.html", path: "/tin-hoat-dong",
		rules: Rules{Item: "ul.list-news > li", Title: "a.title", Link: "a.title", Date: "span.date",
			DateLayout: "15:04, 02/01/2006", Summary: "div.des", Body: "div.noi-dung"},
		count:      5,
		firstTitle: "Hội nghị tổng kết công tác năm 2021 của Ủy ban nhân dân huyện",
		firstLink:  "/tin-hoat-dong/hoi-nghi-tong-ket-cong-tac-nam-2021-a1042.html",
		firstDate:  "2021-12-13T08:22:00Z", lastDate: "2021-11-30T16:50:00Z",
	},
	{
		name: "table", file: "table.html", path: "/van-hoa/",
		rules: Rules{Item: "table.tbl-news tbody tr:has(a[href])", Title: "td a", Link: "td a", Date: "td.ngay",
			Body: "div.noi-dung"},
		count:      4,
		firstTitle: "Thông báo tổ chức Hội thi hát dân ca các dân tộc năm 2021",
		firstLink:  "/van-hoa/thong-bao/to-chuc-hoi-thi-hat-dan-ca-2021.html",
		firstDate:  "2021-12-12T17:00:00Z", lastDate: "2021-11-28T17:00:00Z",
	},
	{
		// The lead story is bigger (h2) and outside the list's box, and a
		// "most read" box repeats stories of the list.
		name: "lead story and grid", file: "lead-grid.html", path: "/chuyen-muc/xa-hoi",
		rules: Rules{Item: "div.story", Title: ".story__title", Link: ".story__title a", Date: "span.time",
			Summary: "p.story__sapo", Image: "img", Body: "div.noi-dung"},
		count:      5,
		firstTitle: "Lũ quét tại xã vùng cao, hai người mất tích khi đi làm nương",
		firstLink:  "/chuyen-muc/xa-hoi/lu-quet-tai-xa-vung-cao-hai-nguoi-mat-tich-a2201.html",
		firstDate:  "2021-12-13T01:15:00Z", lastDate: "2021-12-11T07:20:00Z",
	},
	{
		// A list in a layout table, closed by a row linking to page two.
		name: "table with a more link", file: "table-more.html", path: "/tin-hoat-dong",
		rules: Rules{Item: "tr:has(span.ngay)", Title: "a.link-tin", Link: "a.link-tin", Date: "span.ngay",
			DateLayout: "02-01-2006", Body: "div.noi-dung"},
		count:      5,
		firstTitle: "Huyện tổ chức hội nghị triển khai kế hoạch phát triển kinh tế - xã hội năm 2022",
		firstLink:  "/default.aspx?tabid=55&newsid=3301",
		firstDate:  "2021-12-12T17:00:00Z", lastDate: "2021-12-05T17:00:00Z",
	},
	{
		// Only the picture is linked; the headline is a caption beside it.
		name: "image links", file: "image-links.html", path: "/video",
		rules:      Rules{Item: "div.video-item", Title: "p.name", Link: "a", Date: "span.date", Image: "img", Body: "div.noi-dung"},
		count:      4,
		firstTitle: "Bản tin thời sự tối 13/12/2021",
		firstLink:  "/video/ban-tin-thoi-su-toi-13-12-v901.html",
		firstDate:  "2021-12-12T17:00:00Z", lastDate: "2021-12-09T17:00:00Z",
	},
	{
		// The newest items count back from now: "15 phút trước", "Hôm qua".
		name: "relative dates", file: "relative-dates.html", path: "/tin-moi",
		rules:      Rules{Item: "li.news-row", Title: "h3", Link: "h3 a", Date: "span.ago", Summary: "p", Body: "div.noi-dung"},
		count:      5,
		firstTitle: "Nghiệm thu công trình thủy lợi hồ Khuổi Lừa sau hai năm thi công",
		firstLink:  "/tin/nghiem-thu-cong-trinh-thuy-loi-8801.html",
		firstDate:  "2022-01-09T23:45:00Z", lastDate: "2022-01-05T17:00:00Z",
	},
}

func readFixture(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// outlet serves listing pages and an article page at every other path, on
// loopback, counting requests per path.
type outlet struct {
	*httptest.Server
	mu    sync.Mutex
	pages map[string][]byte // path → listing page
	hits  map[string]int
	// article writes the article page for a path.
	article func(path string) string
}

func newOutlet(t *testing.T) *outlet {
	t.Helper()
	o := &outlet{pages: map[string][]byte{}, hits: map[string]int{}, article: articlePage}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	o.Server = &httptest.Server{Listener: ln, Config: &http.Server{Handler: http.HandlerFunc(o.serve)}}
	o.Start()
	t.Cleanup(o.Close)
	return o
}

func (o *outlet) serve(w http.ResponseWriter, r *http.Request) {
	o.mu.Lock()
	o.hits[r.URL.Path]++
	page, listing := o.pages[r.URL.Path]
	article := o.article
	o.mu.Unlock()
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	if listing {
		_, _ = w.Write(page)
		return
	}
	fmt.Fprint(w, article(r.URL.Path))
}

func (o *outlet) set(path string, page []byte) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.pages[path] = page
}

func (o *outlet) articleHits() int {
	o.mu.Lock()
	defer o.mu.Unlock()
	n := 0
	for p, h := range o.hits {
		if _, listing := o.pages[p]; !listing {
			n += h
		}
	}
	return n
}

func articlePage(path string) string {
	return `<!DOCTYPE html><html><head><meta charset="utf-8"><title>Bài viết</title></head><body>
<div class="menu"><a href="/">Trang chủ</a></div>
<div class="noi-dung"><p>Nội dung đầy đủ của bài ` + path + `.</p><img src="anh-minh-hoa.jpg" alt=""></div>
<div class="binh-luan">Bình luận</div></body></html>`
}

// wantBody is the ContentHTML Scrape takes from articlePage.
func wantBody(path string) string {
	return `<div class="noi-dung"><p>Nội dung đầy đủ của bài ` + path + `.</p><img src="anh-minh-hoa.jpg" alt=""/></div>`
}

func (s shape) page(t *testing.T, base string) Page {
	return Page{URL: base + s.path, Body: readFixture(t, s.file), ContentType: "text/html; charset=utf-8"}
}

// checkShape checks the items of a shape by hand and against its golden file.
func checkShape(t *testing.T, s shape, base string, items []feeds.Item) {
	t.Helper()
	if len(items) != s.count {
		t.Fatalf("got %d items, want %d", len(items), s.count)
	}
	first, last := items[0], items[len(items)-1]
	if first.Title != s.firstTitle {
		t.Errorf("first title = %q, want %q", first.Title, s.firstTitle)
	}
	if first.Link != base+s.firstLink {
		t.Errorf("first link = %q, want %q", first.Link, base+s.firstLink)
	}
	if got := first.Published.Format(time.RFC3339); got != s.firstDate {
		t.Errorf("first date = %s, want %s", got, s.firstDate)
	}
	if got := last.Published.Format(time.RFC3339); got != s.lastDate {
		t.Errorf("last date = %s, want %s", got, s.lastDate)
	}
	for i, it := range items {
		if it.Published.Location() != time.UTC {
			t.Errorf("item %d: date %v not in UTC", i, it.Published)
		}
		if it.GUID == "" || strings.Contains(it.GUID, "://") || strings.Contains(it.GUID, "utm_") {
			t.Errorf("item %d: guid %q is not a canonical link", i, it.GUID)
		}
	}
}

func golden(t *testing.T, name string, items []feeds.Item, base string) {
	t.Helper()
	got, err := json.MarshalIndent(items, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	// The golden files hold links as if served from outlet.test.
	got = []byte(strings.ReplaceAll(string(got), strings.TrimPrefix(base, "http://"), "outlet.test") + "\n")
	path := filepath.Join("testdata", name+".golden.json")
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if string(got) != string(want) {
		t.Errorf("items differ from %s (go test -update rewrites it):\n%s", path, got)
	}
}

func TestExtractShapes(t *testing.T) {
	const base = "http://outlet.test"
	for _, s := range shapes {
		t.Run(s.name, func(t *testing.T) {
			feed, warnings, err := Extract(s.page(t, base), s.rules, Options{Now: now})
			if err != nil {
				t.Fatal(err)
			}
			if len(warnings) > 0 {
				t.Errorf("warnings: %q", warnings)
			}
			checkShape(t, s, base, feed.Items)
			golden(t, strings.TrimSuffix(s.file, ".html"), feed.Items, base)
		})
	}
}

func TestScrapeWithDetail(t *testing.T) {
	for _, s := range shapes {
		t.Run(s.name, func(t *testing.T) {
			o := newOutlet(t)
			o.set(s.path, readFixture(t, s.file))
			sc := &Scraper{}
			client := fetch.New(fetch.Options{})
			rules := s.rules
			rules.Detail = true

			feed, warnings, err := sc.Scrape(context.Background(), client, s.page(t, o.URL), rules, Options{Now: now})
			if err != nil {
				t.Fatal(err)
			}
			if len(warnings) > 0 {
				t.Errorf("warnings: %q", warnings)
			}
			checkShape(t, s, o.URL, feed.Items)
			plain, _, err := Extract(s.page(t, o.URL), s.rules, Options{Now: now})
			if err != nil {
				t.Fatal(err)
			}
			for i, it := range feed.Items {
				path := strings.TrimPrefix(strings.SplitN(it.Link, "?", 2)[0], o.URL)
				if it.ContentHTML != wantBody(path) {
					t.Errorf("item %d content = %q, want %q", i, it.ContentHTML, wantBody(path))
				}
				it.ContentHTML = ""
				if fmt.Sprint(it) != fmt.Sprint(plain.Items[i]) {
					t.Errorf("item %d differs from the item without detail:\n%+v\n%+v", i, it, plain.Items[i])
				}
			}
			if got := o.articleHits(); got != s.count {
				t.Errorf("first scrape fetched %d item pages, want %d", got, s.count)
			}

			// Polled again: every item page comes from the cache.
			again, _, err := sc.Scrape(context.Background(), client, s.page(t, o.URL), rules, Options{Now: now})
			if err != nil {
				t.Fatal(err)
			}
			if got := o.articleHits(); got != s.count {
				t.Errorf("after a second scrape %d item pages were fetched, want still %d", got, s.count)
			}
			for i := range again.Items {
				if again.Items[i].ContentHTML != feed.Items[i].ContentHTML {
					t.Errorf("item %d: cached content differs", i)
				}
			}
		})
	}
}

func TestScrapeDetailLimitAndFailures(t *testing.T) {
	o := newOutlet(t)
	var list strings.Builder
	list.WriteString("<ul>")
	for i := range MaxDetailFetches + 5 {
		fmt.Fprintf(&list, `<li><a href="/bai-%d.html">Tin số %d trong ngày</a></li>`, i, i)
	}
	list.WriteString(`<li><a href="http://127.0.0.1:1/khong-toi-duoc.html">Tin không tải được</a></li></ul>`)
	o.set("/", []byte(list.String()))
	page := Page{URL: o.URL + "/", Body: []byte(list.String())}
	rules := Rules{Item: "li", Title: "a", Link: "a", Detail: true, Body: "div.noi-dung"}
	var sc Scraper
	client := fetch.New(fetch.Options{Timeout: 5 * time.Second})

	_, warnings, err := sc.Scrape(context.Background(), client, page, rules, Options{Now: now})
	if err != nil {
		t.Fatal(err)
	}
	if got := o.articleHits(); got != MaxDetailFetches {
		t.Errorf("fetched %d item pages in one poll, want at most %d", got, MaxDetailFetches)
	}
	if w := strings.Join(notice.Texts(warnings, "en"), "\n"); !strings.Contains(w, "6 item pages wait for the next change of the page") {
		t.Errorf("warnings %q do not report the 6 postponed pages", warnings)
	}

	_, warnings, err = sc.Scrape(context.Background(), client, page, rules, Options{Now: now})
	if err != nil {
		t.Fatal(err)
	}
	if got := o.articleHits(); got != MaxDetailFetches+5 {
		t.Errorf("after the second poll %d item pages were fetched, want %d", got, MaxDetailFetches+5)
	}
	if w := strings.Join(notice.Texts(warnings, "en"), "\n"); !strings.Contains(w, "1 item pages could not be fetched") || !strings.Contains(w, "127.0.0.1:1") {
		t.Errorf("warnings %q do not name the page that could not be fetched", warnings)
	}
}

// redesign rewrites a shape's page the way a new site template would.
type redesign struct {
	name    string
	shape   int
	rewrite func(string) string
	rules   func(Rules) Rules
	wantErr string // "" when the page must still scrape
	warning string // part of a warning, when one is expected
	items   int
}

func replace(pairs ...string) func(string) string {
	return func(s string) string { return strings.NewReplacer(pairs...).Replace(s) }
}

var redesigns = []redesign{
	{name: "item blocks renamed", shape: 0, rewrite: replace(`<article class="card`, `<article class="story`),
		wantErr: `item selector "article.card" matched nothing: the page's layout may have changed: newswire probe URL proposes selectors`},
	{name: "empty page", shape: 1, rewrite: func(string) string { return "<html><body><p>Bảo trì hệ thống</p></body></html>" },
		wantErr: `item selector "ul.list-news > li" matched nothing: the page looks like an error or maintenance page, not the listing`},
	{name: "maintenance page served as a success", shape: 0, rewrite: func(string) string {
		return `<html><head><title>Thông báo</title></head><body><h1>Hệ thống đang nâng cấp</h1><p>Trang tin điện tử tạm dừng phục vụ từ 22 giờ đến 23 giờ để nâng cấp hệ thống. Mong bạn đọc thông cảm.</p><a href="/">Trang chủ</a></body></html>`
	}, wantErr: `item selector "article.card" matched nothing: the page looks like an error or maintenance page, not the listing (title "Thông báo", 1 links)`},
	{name: "list filled in by scripts", shape: 0, rewrite: func(string) string {
		return `<html><head><title>Báo điện tử</title><script src="/js/vendor.js"></script><script src="/js/app.js"></script></head><body><div id="app"></div><script>window.__STATE__ = {"page": "home"};</script><noscript>Vui lòng bật JavaScript.</noscript></body></html>`
	}, wantErr: `item selector "article.card" matched nothing: the page has little but scripts (3 scripts, 0 characters of text, 0 links)`},
	{name: "headings changed", shape: 0, rewrite: replace(`<h3 class="card-title">`, `<h2 class="tieu-de">`, `</h3>`, `</h2>`),
		wantErr: `title selector "h3.card-title" matched nothing in any of the 6 items`},
	{name: "links lost their href", shape: 2, rewrite: replace(`<a href="thong-bao/`, `<a data-href="thong-bao/`),
		rules:   func(r Rules) Rules { r.Item = "table.tbl-news tbody tr"; return r },
		wantErr: `link selector "td a" matched no element with a usable http(s) href in the 6 items`},
	{name: "links point nowhere", shape: 1, rewrite: replace(`href="/tin-hoat-dong/`, `href="javascript:void(0)/`),
		wantErr: `link selector "a.title" matched no element with a usable http(s) href in the 5 items`},
	{name: "dates moved", shape: 0, rewrite: replace(`<time class="pub"`, `<time class="ngay-dang"`),
		wantErr: `date selector "time.pub" matched nothing in any of the 6 items`},
	{name: "date format changed", shape: 1, rewrite: replace("15:22, 13/12/2021", "13-12-2021", "09:00, 13/12/2021", "13-12-2021",
		"16:45, 10/12/2021", "10-12-2021", "07:30, 02/12/2021", "02-12-2021", "23:50, 30/11/2021", "30-11-2021"),
		wantErr: `date selector "span.date": no date in the layout "15:04, 02/01/2006" in any of the 5 items (first text: "(Cập nhật: 13-12-2021)")`},
	{name: "one card without a title", shape: 0, rewrite: replace(`<h3 class="card-title"><a href="/tin/nang-cap`, `<h4><a href="/tin/nang-cap`),
		warning: `1 of 6 items left out: title selector "h3.card-title"`, items: 5},
	{name: "one row without a date", shape: 2, rewrite: replace(`<td class="ngay">06/12/2021</td>`, `<td>06/12/2021</td>`),
		warning: `1 of 4 items without a date: date selector "td.ngay" matched nothing in them`, items: 4},
	{name: "summaries gone", shape: 1, rewrite: replace(`class="des"`, `class="mo-ta"`),
		warning: `summary selector "div.des" matched nothing in any item`, items: 5},
	{name: "duplicate link on the page", shape: 2, rewrite: replace("thong-bao/lich-mo-cua-bao-tang-dip-tet.html", "thong-bao/tuyen-sinh-lop-nang-khieu-the-thao.html"),
		items: 3},
}

func TestExtractRedesign(t *testing.T) {
	for _, rd := range redesigns {
		t.Run(rd.name, func(t *testing.T) {
			s := shapes[rd.shape]
			page := s.page(t, "http://outlet.test")
			page.Body = []byte(rd.rewrite(string(page.Body)))
			rules := s.rules
			if rd.rules != nil {
				rules = rd.rules(rules)
			}
			feed, warnings, err := Extract(page, rules, Options{Now: now})
			if rd.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), rd.wantErr) {
					t.Fatalf("err = %v, want one containing %q", err, rd.wantErr)
				}
				if !strings.HasPrefix(err.Error(), "scrape: http://outlet.test"+s.path+": ") {
					t.Errorf("err %q does not start with the page URL", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(feed.Items) != rd.items {
				t.Errorf("got %d items, want %d", len(feed.Items), rd.items)
			}
			w := strings.Join(notice.Texts(warnings, "en"), "\n")
			if rd.warning == "" && w != "" || !strings.Contains(w, rd.warning) {
				t.Errorf("warnings = %q, want %q", warnings, rd.warning)
			}
		})
	}
}

func TestScrapeBodySelectorStopsMatching(t *testing.T) {
	s := shapes[0]
	o := newOutlet(t)
	o.set(s.path, readFixture(t, s.file))
	o.article = func(path string) string {
		return `<html><body><article class="bai-viet"><p>Nội dung ` + path + `</p></article></body></html>`
	}
	rules := s.rules
	rules.Detail = true
	_, _, err := new(Scraper).Scrape(context.Background(), fetch.New(fetch.Options{}), s.page(t, o.URL), rules, Options{Now: now})
	want := `body selector "div.noi-dung" matched nothing on any of the 6 item pages fetched`
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("err = %v, want one containing %q", err, want)
	}
}

func TestCompileErrors(t *testing.T) {
	tests := []struct {
		rules Rules
		want  string
	}{
		{Rules{Item: "article[", Title: "h3", Link: "a"}, `item selector "article["`},
		{Rules{Item: "li", Title: "h3 >", Link: "a"}, `title selector "h3 >"`},
		{Rules{Item: "li", Title: "h3", Link: "a", Date: "span", DateLayout: "dd/mm/yyyy"}, `date_layout: not a Go time layout such as "15:04, 02/01/2006": "dd/mm/yyyy"`},
		{Rules{Item: "li", Link: "a"}, "title selector is required"},
		{Rules{Item: "li", Title: "h3", Link: "a", Detail: true}, "body selector is required"},
		{Rules{Item: "li", Title: "h3", Link: "a", Image: ":nth-child(x)"}, `image selector ":nth-child(x)"`},
	}
	for _, tt := range tests {
		_, _, err := Extract(Page{URL: "http://outlet.test/", Body: []byte("<ul><li><h3>x</h3></li></ul>")}, tt.rules, Options{})
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%+v: err = %v, want one containing %q", tt.rules, err, tt.want)
		}
	}
}

func TestExtractCharset(t *testing.T) {
	// windows-1258 writes Vietnamese with combining tone marks: "Lễ hội"
	// is L, ê, combining tilde, " h", ô, combining dot below, "i".
	title := "L\xea\xde h\xf4\xf2i \xf0\xe8n l\xe0ng"
	tests := []struct {
		name, contentType, head string
	}{
		{"Content-Type header", "text/html; charset=windows-1258", ""},
		{"meta charset", "text/html", `<meta charset="windows-1258">`},
		{"meta http-equiv", "", `<meta http-equiv="Content-Type" content="text/html; charset=windows-1258">`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := "<html><head>" + tt.head + "</head><body><ul><li><a href=\"/a.html\">" + title + "</a></li></ul></body></html>"
			feed, _, err := Extract(Page{URL: "http://outlet.test/", Body: []byte(body), ContentType: tt.contentType},
				Rules{Item: "li", Title: "a", Link: "a"}, Options{})
			if err != nil {
				t.Fatal(err)
			}
			if got, want := feed.Items[0].Title, "Lễ hội đèn làng"; got != want {
				t.Errorf("title = %q (% x), want %q (NFC)", got, got, want)
			}
		})
	}
}

// TestExtractTitleLeavesScripts: a title is the text a reader of the page
// sees, without what a script or a style inside the title's element holds.
func TestExtractTitleLeavesScripts(t *testing.T) {
	body := `<ul><li><a href="/a.html">Cầu treo mới <script>dem('cau-treo')</script><style>.x{color:red}</style>về bản<noscript> (bật JavaScript)</noscript></a></li></ul>`
	feed, _, err := Extract(Page{URL: "http://outlet.test/", Body: []byte(body)}, Rules{Item: "li", Title: "a", Link: "a"}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := feed.Items[0].Title, "Cầu treo mới về bản"; got != want {
		t.Errorf("title = %q, want %q", got, want)
	}
}

func TestExtractHostilePages(t *testing.T) {
	rules := Rules{Item: "li", Title: "a", Link: "a", Date: "span", Image: "img"}
	pages := []string{
		"",
		"\x00\xff\xfe<li>",
		strings.Repeat("<div>", 100000),
		`<li><a href="http://[::1">Tin</a><span>99/99/9999</span><img srcset=","></li>`,
	}
	for i, p := range pages {
		// Errors are expected; a panic or a hang is not.
		if _, _, err := Extract(Page{URL: "http://outlet.test/", Body: []byte(p)}, rules, Options{}); err == nil {
			t.Errorf("page %d: Extract found items on a hostile page", i)
		}
		_, _ = Propose(Page{URL: "http://outlet.test/", Body: []byte(p)}, Options{})
	}

	// A <base href> that is not a web address is ignored.
	feed, _, err := Extract(Page{URL: "http://outlet.test/tin/", Body: []byte(`<base href="javascript:alert(1)"><li><a href="a.html">Tin</a><span>13/12/2021</span></li>`)}, rules, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got := feed.Items[0].Link; got != "http://outlet.test/tin/a.html" {
		t.Errorf("link = %q, want it resolved against the page", got)
	}
}

func TestLayoutFind(t *testing.T) {
	loc := time.FixedZone("ICT", 7*3600)
	tests := []struct {
		layout, text, want string // want "" = no date found
	}{
		{"15:04, 02/01/2006", "(Cập nhật: 15:22, 13/12/2021)", "2021-12-13T08:22:00Z"},
		{"15:04, 02/01/2006", "Cập nhật:  15:22,   13/12/2021 | Thời sự", "2021-12-13T08:22:00Z"},
		{"15:04, 02/01/2006", "15:22, 3/12/2021", ""},
		{"15:04, 2/1/2006", "9:05, 3/1/2022", "2022-01-03T02:05:00Z"},
		{"02/01/2006 - 15:04", "Thứ hai, 13/12/2021 - 15:22 GMT+7", "2021-12-13T08:22:00Z"},
		{"2006-01-02T15:04:05Z07:00", "đăng lúc 2021-12-13T15:22:00+07:00.", "2021-12-13T08:22:00Z"},
		{"2 January 2006", "Published 13 December 2021", "2021-12-12T17:00:00Z"},
		{"02/01/2006", "Số 113/12/20215", ""},
		{"02/01/2006", "31/02/2021", ""},
	}
	for _, tt := range tests {
		p, err := compileLayout(tt.layout)
		if err != nil {
			t.Fatalf("%q: %v", tt.layout, err)
		}
		got, ok := p.find(tt.text, loc)
		gotS := ""
		if ok {
			gotS = got.Format(time.RFC3339)
		}
		if gotS != tt.want {
			t.Errorf("%q in %q = %q, want %q", tt.layout, tt.text, gotS, tt.want)
		}
	}
	for _, bad := range []string{"dd/mm/yyyy", "", "hh:mm"} {
		if err := CheckLayout(bad); err == nil {
			t.Errorf("CheckLayout(%q) = nil, want an error", bad)
		}
	}
}

// TestExtractSummaryLinksReadAgainstThePage: a summary's markup comes from
// the listing page, so its relative links and images are the page's (and
// its <base href>'s), not the item's, which may be on another host; and the
// sanitiser, which reads what is left relative against the item's link,
// gets them absolute.
func TestExtractSummaryLinksReadAgainstThePage(t *testing.T) {
	rules := Rules{Item: "li", Title: "a.t", Link: "a.t", Summary: ".s"}
	body := `<ul><li><a class="t" href="https://tin.example.org/a/1.html">Báo cáo kinh tế quý IV</a>
<div class="s">Xem <a href="docs/bao-cao.pdf">báo cáo</a>, <a href="/top">mục lục</a> và <a href="#phan-2">phần 2</a>
<img src="img/bieu-do.png" srcset="img/bieu-do-2x.png 2x, /img/nho.png 480w"></div></li></ul>`
	const page = "http://outlet.test/danh-muc/kinh-te.html"
	for _, tt := range []struct{ base, dir, root, fragment string }{
		{"", "http://outlet.test/danh-muc/", "http://outlet.test", page + "#phan-2"},
		{`<base href="http://cdn.outlet.test/tin/">`, "http://cdn.outlet.test/tin/", "http://cdn.outlet.test", "http://cdn.outlet.test/tin/#phan-2"},
	} {
		feed, _, err := Extract(Page{URL: page, Body: []byte(tt.base + body)}, rules, Options{})
		if err != nil {
			t.Fatal(err)
		}
		s := feed.Items[0].Summary
		for _, want := range []string{
			`href="` + tt.dir + `docs/bao-cao.pdf"`, `href="` + tt.root + `/top"`, `href="` + tt.fragment + `"`,
			`src="` + tt.dir + `img/bieu-do.png"`, `srcset="` + tt.dir + `img/bieu-do-2x.png 2x, ` + tt.root + `/img/nho.png 480w"`,
		} {
			if !strings.Contains(s, want) {
				t.Errorf("page with %q: summary lacks %s:\n%s", tt.base, want, s)
			}
		}
		if strings.Contains(s, "tin.example.org/a/") {
			t.Errorf("a summary link read against the item's link:\n%s", s)
		}
	}
}

// TestExtractFutureDate: an item of a page dated well ahead of now is dated
// now and says so, as a feed's item is; minutes ahead is a clock's drift.
func TestExtractFutureDate(t *testing.T) {
	body := `<ul><li><a href="/a.html">Khai mạc chợ phiên vùng cao</a> <time datetime="2022-01-10T09:00:00+07:00">9:00</time></li>` +
		`<li><a href="/b.html">Hội chợ nông sản sạch</a> <time datetime="2022-01-10T07:05:00+07:00">7:05</time></li>` +
		`<li><a href="/c.html">Lớp học tiếng Mông cho cán bộ xã</a> <time datetime="2022-01-09T15:00:00+07:00">15:00</time></li></ul>`
	feed, _, err := Extract(Page{URL: "http://outlet.test/", Body: []byte(body)}, Rules{Item: "li", Title: "a", Link: "a", Date: "time"}, Options{Now: now})
	if err != nil || len(feed.Items) != 3 {
		t.Fatalf("%v, %d items", err, len(feed.Items))
	}
	want := []feeds.DateIssue{{Raw: "2022-01-10T09:00:00+07:00", Future: true}, {}, {}}
	for i, it := range feed.Items {
		if it.DateIssue != want[i] {
			t.Errorf("item %d: date issue %+v, want %+v", i, it.DateIssue, want[i])
		}
		if it.Published.After(now) {
			t.Errorf("item %d: dated %s, after now", i, it.Published)
		}
	}
}

// TestExtractLazyImages reads the image a reader sees from lazy-loading
// markup: the address in data-src, data-original or data-srcset rather than
// the placeholder in src, and the largest candidate of a srcset.
func TestExtractLazyImages(t *testing.T) {
	page := Page{URL: "http://outlet.test/chuyen-muc/xa-hoi", Body: readFixture(t, "lead-grid.html"), ContentType: "text/html; charset=utf-8"}
	feed, _, err := Extract(page, Rules{Item: "div.story", Title: ".story__title", Link: ".story__title a", Image: "img"}, Options{Now: now})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"http://cdn.outlet.test/2021/12/lu-quet.jpg",     // data-src over a data: src
		"http://cdn.outlet.test/2021/12/ban-tru-640.jpg", // data-srcset over a placeholder src
		"http://cdn.outlet.test/2021/12/hoi-cho-2x.jpg",  // srcset alone: its largest
		"http://outlet.test/uploads/2021/12/cau-treo.jpg",
		"http://outlet.test/uploads/2021/12/tiem-chung.jpg",
	}
	if len(feed.Items) != len(want) {
		t.Fatalf("got %d items, want %d", len(feed.Items), len(want))
	}
	for i, it := range feed.Items {
		if it.Image != want[i] {
			t.Errorf("item %d (%s): image %q, want %q", i, it.Title, it.Image, want[i])
		}
	}
}

// TestExtractCharsetMislabelled reads pages whose charset label is missing,
// out of the prescan's reach or wrong, as a reader of the page would want
// them: valid UTF-8 as UTF-8 whatever the label, and undeclared (or
// mislabelled) windows-1258 as windows-1258.
func TestExtractCharsetMislabelled(t *testing.T) {
	const vi = "Lễ hội đèn làng mở cửa đón khách"
	// The same headline in windows-1258: tone marks as combining bytes.
	const vi1258 = "L\xea\xde h\xf4\xf2i \xf0\xe8n l\xe0ng m\xf5\xd2 c\xfd\xd2a \xf0\xf3n kha\xecch"
	const en = "Caf\xe9 owners sign \x93green coffee\x94 pledge" // windows-1252
	longHead := strings.Repeat(`<link rel="preload" href="/static/js/chunk.js" as="script">`+"\n", 30)
	tests := []struct {
		name, contentType, head, title, want string
	}{
		{"UTF-8, meta past the first KiB", "text/html", longHead + `<meta charset="utf-8">`, vi, vi},
		{"UTF-8, no label and a long head", "", longHead, vi, vi},
		{"UTF-8 under a meta saying ISO-8859-1", "", `<meta charset="iso-8859-1">`, vi, vi},
		{"UTF-8 under a header saying windows-1252", "text/html; charset=windows-1252", "", vi, vi},
		{"windows-1258 with no label", "text/html", "", vi1258, vi},
		{"windows-1258 under a meta saying UTF-8", "", `<meta charset="utf-8">`, vi1258, vi},
		{"windows-1258, meta past the first KiB", "", longHead + `<meta charset="windows-1258">`, vi1258, vi},
		{"windows-1252 with no label", "text/html", "", en, "Café owners sign “green coffee” pledge"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := "<html><head>" + tt.head + "</head><body><ul><li><a href=\"/a.html\">" + tt.title + "</a></li></ul></body></html>"
			feed, _, err := Extract(Page{URL: "http://outlet.test/", Body: []byte(body), ContentType: tt.contentType},
				Rules{Item: "li", Title: "a", Link: "a"}, Options{})
			if err != nil {
				t.Fatal(err)
			}
			if got := feed.Items[0].Title; got != tt.want {
				t.Errorf("title = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestRelativeDate(t *testing.T) {
	loc := vietnam()
	now := time.Date(2022, 1, 10, 3, 20, 42, 0, time.UTC) // 10:20 in Vietnam
	tests := []struct{ text, want string }{
		{"15 phút trước", "2022-01-10T03:05:00Z"},
		{"Cập nhật 2 giờ trước", "2022-01-10T01:20:00Z"},
		{"3 NGÀY TRƯỚC", "2022-01-07T03:20:00Z"},
		{"1 tuần trước", "2022-01-03T03:20:00Z"},
		{"Hôm nay 08:15", "2022-01-10T01:15:00Z"},
		{"Hôm qua, 16:30", "2022-01-09T09:30:00Z"},
		{"16h30 hôm qua", "2022-01-09T09:30:00Z"},
		{"Hôm qua", "2022-01-08T17:00:00Z"},
		{"Vừa xong", "2022-01-10T03:20:00Z"},
		{"an hour ago", "2022-01-10T02:20:00Z"},
		{"5 mins ago", "2022-01-10T03:15:00Z"},
		{"Yesterday 9:05", "2022-01-09T02:05:00Z"},
		{"Thời sự", ""},
		{"Hôm qua 25:70", ""},
	}
	for _, tt := range tests {
		got, ok := relativeDate(tt.text, now, loc)
		if tt.want == "" {
			if ok {
				t.Errorf("%q: read as %s, want no date", tt.text, got)
			}
			continue
		}
		if !ok || got.Format(time.RFC3339) != tt.want {
			t.Errorf("%q: got %s (%v), want %s", tt.text, got.Format(time.RFC3339), ok, tt.want)
		}
	}
}
