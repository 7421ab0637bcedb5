package poll

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"newswire/internal/config"
	"newswire/internal/metrics"
	"newswire/internal/notice"
	"newswire/store"
)

// TestDatesNotTakenAreWarnedWhileTheyStay: an outlet's items whose date
// newswire cannot read, or that lie in the future, are counted in the
// source's warning with an example as the outlet wrote it, at every poll
// while the document keeps them: a 304, the same bytes again, and a changed
// document whose bad items are not parsed again; the warning goes once the
// outlet fixes its dates.
func TestDatesNotTakenAreWarnedWhileTheyStay(t *testing.T) {
	read := func(name string) string {
		b, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	bad, fixed := read("dates.xml"), read("dates-fixed.xml")
	const lead = `<description>Tin biên giới</description>`
	more := strings.Replace(bad, lead, lead+`
<item><title>Lào Cai mở thêm tuyến xe buýt lên Y Tý</title><link>http://biencuong.example/tin/105.html</link><guid>http://biencuong.example/tin/105.html</guid><pubDate>Sun, 29 Nov 2026 07:15:00 +0700</pubDate><description>Tuyến mới chạy hai chuyến mỗi ngày.</description></item>`, 1)

	var (
		mu         sync.Mutex
		body, etag string
	)
	serve := func(b, tag string) {
		mu.Lock()
		body, etag = b, tag
		mu.Unlock()
	}
	url := serveOn(t, "127.0.0.2", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		b, tag := body, etag
		mu.Unlock()
		if tag != "" {
			if r.Header.Get("If-None-Match") == tag {
				w.WriteHeader(http.StatusNotModified)
				return
			}
			w.Header().Set("ETag", tag)
		}
		w.Header().Set("Content-Type", "application/rss+xml; charset=utf-8")
		_, _ = w.Write([]byte(b))
	}))
	cfg := testConfig(t, fastPoll, "biencuong "+url)
	p, st, _ := newPoller(t, cfg)
	m := metrics.New()
	p.SetMetrics(m.Poll)
	src := source(t, cfg, "biencuong")

	badDates := store.Dates{Unreadable: 2, UnreadableExample: "29 tháng 11, 2026 8 giờ", Future: 1, FutureExample: "2099-12-03 08:00 +07:00"}
	steps := []struct {
		name, body, etag string
		result           string
		items            int
		dates            store.Dates
		warning          []string // what the warning says; none when empty
	}{
		{"first poll", bad, `"v1"`, ResultOK, 4, badDates, []string{
			`2 of 4 items have a date newswire cannot read ("29 tháng 11, 2026 8 giờ"): they are dated when first seen`,
			`1 of 4 items is dated in the future ("2099-12-03 08:00 +07:00"): it is dated when first seen instead; check the outlet's time zone`}},
		{"304", bad, `"v1"`, ResultNotModified, 4, badDates, []string{"2 of 4 items have a date", "1 of 4 items is dated in the future"}},
		{"the same bytes without validators", bad, "", ResultNotModified, 4, badDates, []string{"2 of 4 items have a date", "1 of 4 items is dated in the future"}},
		{"a new item beside the same bad ones", more, `"v2"`, ResultOK, 5, badDates, []string{
			`2 of 5 items have a date newswire cannot read ("29 tháng 11, 2026 8 giờ")`,
			`1 of 5 items is dated in the future ("2099-12-03 08:00 +07:00")`}},
		{"the outlet fixed its dates", fixed, `"v3"`, ResultOK, 4, store.Dates{}, nil},
	}
	for i, step := range steps {
		serve(step.body, step.etag)
		rep := p.Poll(context.Background(), src)
		if rep.Err != nil || rep.Result != step.result || rep.Items != step.items {
			t.Fatalf("%s: %s, %d items, %v; want %s, %d items", step.name, rep.Result, rep.Items, rep.Err, step.result, step.items)
		}
		if i == 3 && rep.Repeated != 4 {
			t.Errorf("%s: %d items not parsed again, want the 4 of the last document", step.name, rep.Repeated)
		}
		s := savedState(t, st, "biencuong")
		if s.Dates != step.dates {
			t.Errorf("%s: dates of the stored state %+v, want %+v", step.name, s.Dates, step.dates)
		}
		if s.Warning != rep.Warning {
			t.Errorf("%s: stored warning %q, the poll's %q", step.name, s.Warning, rep.Warning)
		}
		if len(step.warning) == 0 && rep.Warning != "" {
			t.Errorf("%s: warning %q, want none", step.name, rep.Warning)
		}
		for _, want := range step.warning {
			if !strings.Contains(rep.Warning, want) {
				t.Errorf("%s: warning %q\ndoes not say %q", step.name, rep.Warning, want)
			}
		}
	}

	// Each bad item counted once, when it was taken in: the document
	// that kept them did not parse them again.
	got := gathered(t, m)
	for series, want := range map[string]float64{
		`newswire_poll_redated_items_total{date="unreadable"}`: 2,
		`newswire_poll_redated_items_total{date="future"}`:     1,
	} {
		if got[series] != want {
			t.Errorf("%s = %v, want %v", series, got[series], want)
		}
	}
}

// TestDocumentWarningHoldsWhileUnchanged: what a document says of itself
// when it is read (here: malformed, some of its items unreadable) is the
// source's warning at every poll that finds it unchanged, a 304, a 304
// after a failed poll, the same bytes again, until the outlet fixes it.
func TestDocumentWarningHoldsWhileUnchanged(t *testing.T) {
	bad, err := os.ReadFile(filepath.Join("testdata", "bad-items.json"))
	if err != nil {
		t.Fatal(err)
	}
	fixed := strings.NewReplacer(`"title": 2026,`, `"title": "Chè Shan tuyết Tà Xùa được mùa",`, `  "tin bị hỏng"`+"\n", "").Replace(string(bad))
	fixed = strings.Replace(fixed, `"content_text": "Tiêu đề là một con số."},`, `"content_text": "Tiêu đề là một con số."}`, 1)
	type answer struct {
		status     int
		body, etag string
	}
	var (
		mu  sync.Mutex
		now answer
	)
	url := serveOn(t, "127.0.0.2", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		a := now
		mu.Unlock()
		if a.status != 0 {
			http.Error(w, "bảo trì", a.status)
			return
		}
		if a.etag != "" {
			if r.Header.Get("If-None-Match") == a.etag {
				w.WriteHeader(http.StatusNotModified)
				return
			}
			w.Header().Set("ETag", a.etag)
		}
		w.Header().Set("Content-Type", "application/feed+json")
		_, _ = w.Write([]byte(a.body))
	}))
	cfg := testConfig(t, fastPoll, "sonla "+url)
	p, st, _ := newPoller(t, cfg)
	src := source(t, cfg, "sonla")
	const malformed = "the document is malformed: 2 of its items could not be read (the 1 read are stored); check the outlet's feed"
	steps := []struct {
		name    string
		answer  answer
		result  string
		warning string
	}{
		{"first poll", answer{body: string(bad), etag: `"v1"`}, ResultOK, malformed},
		{"304", answer{body: string(bad), etag: `"v1"`}, ResultNotModified, malformed},
		{"a failure", answer{status: http.StatusServiceUnavailable}, ResultError, ""},
		{"a 304 after it", answer{body: string(bad), etag: `"v1"`}, ResultNotModified, malformed},
		{"the same bytes without validators", answer{body: string(bad)}, ResultNotModified, malformed},
		{"fixed", answer{body: fixed, etag: `"v2"`}, ResultOK, ""},
		{"304 of the fixed one", answer{body: fixed, etag: `"v2"`}, ResultNotModified, ""},
	}
	for _, step := range steps {
		mu.Lock()
		now = step.answer
		mu.Unlock()
		rep := p.Poll(context.Background(), src)
		s := savedState(t, st, "sonla")
		if rep.Result != step.result || rep.Warning != step.warning || s.Warning != step.warning {
			t.Errorf("%s: %s, warning %q, stored %q (%v); want %s, %q", step.name, rep.Result, rep.Warning, s.Warning, rep.Err, step.result, step.warning)
		}
		if step.warning != "" && (len(s.Notices) != 1 || s.Notices[0].Code != notice.Malformed) {
			t.Errorf("%s: notices %+v, want the malformed document's", step.name, s.Notices)
		}
	}
}

// TestDocumentWarningsAllSaid: a document that is malformed and also gives
// one guid to two stories has both said, not only the first.
func TestDocumentWarningsAllSaid(t *testing.T) {
	bad, err := os.ReadFile(filepath.Join("testdata", "bad-items.json"))
	if err != nil {
		t.Fatal(err)
	}
	shared := strings.Replace(string(bad), `"items": [`, `"items": [
  {"id": "sl-1", "url": "https://sonla.example.vn/tin/9.html", "title": "Khai mạc hội chợ nông sản vùng cao", "content_text": "Hơn một trăm gian hàng của các hợp tác xã trong tỉnh tham gia hội chợ năm nay.", "date_published": "2026-11-28T09:00:00+07:00"},`, 1)
	url := serveOn(t, "127.0.0.2", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/feed+json")
		_, _ = w.Write([]byte(shared))
	}))
	cfg := testConfig(t, fastPoll, "sonla "+url)
	p, _, _ := newPoller(t, cfg)
	rep := p.Poll(context.Background(), source(t, cfg, "sonla"))
	var codes []string
	for _, n := range rep.Notices {
		codes = append(codes, n.Code)
	}
	if !slices.Contains(codes, notice.Malformed) || !slices.Contains(codes, notice.SharedGUID) {
		t.Errorf("notices %q (%q), want the malformed document's and the shared guid's", codes, rep.Warning)
	}
}

// TestHTMLPageShrunk: an html source whose page gives a third or less of the
// items it gave (a redesign that left the item selector matching a box,
// the rest of the list unread) is warned of at every poll while it does,
// a 304 and a changed page included, and no more once the list is read
// whole again.
func TestHTMLPageShrunk(t *testing.T) {
	type page struct {
		items, renamed int // items on the page; how many lost the class
		etag           string
	}
	var (
		mu  sync.Mutex
		now page
	)
	url := serveOn(t, "127.0.0.2", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		pg := now
		mu.Unlock()
		if r.Header.Get("If-None-Match") == pg.etag {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("ETag", pg.etag)
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		var b strings.Builder
		b.WriteString(`<html><head><title>Tin huyện</title></head><body><ul class="list">`)
		for i := range pg.items {
			class := "tin"
			if i < pg.renamed {
				class = "tin-moi"
			}
			fmt.Fprintf(&b, `<li class="%s"><a href="/tin/%d.html">Bản tin số %d: xã vùng cao đón mùa lúa chín thứ %d</a></li>`, class, i, i, i)
		}
		b.WriteString(`</ul></body></html>`)
		_, _ = w.Write([]byte(b.String()))
	}))
	yml := fmt.Sprintf(`data_dir: %s
poll: {interval: 1m, min_interval: 1s, max_interval: 1h, timeout: 5s, host_gap: 0s}
sources:
  - id: huyen
    url: %s/tin/
    type: html
    html: {item: li.tin, title: a, link: a}
categories: [{id: thoi-su}]
default_category: thoi-su
`, t.TempDir(), url)
	cfg, err := config.Parse([]byte(yml), "test.yaml")
	if err != nil {
		t.Fatal(err)
	}
	p, _, _ := newPoller(t, cfg)
	src := source(t, cfg, "huyen")
	for _, step := range []struct {
		name string
		page page
		want bool
	}{
		{"the whole list", page{items: 9, etag: `"a"`}, false},
		{"all but two renamed", page{items: 9, renamed: 7, etag: `"b"`}, true},
		{"304", page{items: 9, renamed: 7, etag: `"b"`}, true},
		{"a new item, still two read", page{items: 10, renamed: 8, etag: `"c"`}, true},
		{"the whole list again", page{items: 10, etag: `"d"`}, false},
	} {
		mu.Lock()
		now = step.page
		mu.Unlock()
		rep := p.Poll(context.Background(), src)
		if rep.Err != nil {
			t.Fatalf("%s: %v", step.name, rep.Err)
		}
		got := slices.ContainsFunc(rep.Notices, func(n notice.Notice) bool { return n.Code == notice.Shrunk })
		if got != step.want {
			t.Errorf("%s: notices %+v (%q), want the shrunk page's: %v", step.name, rep.Notices, rep.Warning, step.want)
		}
	}
}

// TestUpdatedDatesCounted: items whose updated date newswire cannot take as
// the outlet gave it are counted, apart from those whose publication date
// it cannot, once each when taken in: not again when a changed document
// keeps them unparsed.
func TestUpdatedDatesCounted(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join("testdata", "updated.atom"))
	if err != nil {
		t.Fatal(err)
	}
	var (
		mu   sync.Mutex
		body = string(doc)
	)
	url := serveOn(t, "127.0.0.2", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		b := body
		mu.Unlock()
		w.Header().Set("Content-Type", "application/atom+xml; charset=utf-8")
		_, _ = w.Write([]byte(b))
	}))
	cfg := testConfig(t, fastPoll, "tuyenquang "+url)
	p, _, _ := newPoller(t, cfg)
	m := metrics.New()
	p.SetMetrics(m.Poll)
	src := source(t, cfg, "tuyenquang")
	if rep := p.Poll(context.Background(), src); rep.Err != nil || rep.New != 4 {
		t.Fatalf("first poll: %d new, %v", rep.New, rep.Err)
	}
	mu.Lock()
	body = strings.Replace(body, "<author>", `<entry>
    <title>Hàm Yên thu hoạch cam sành sớm nửa tháng</title>
    <id>tag:baotuyenquang.example,2026:tin/2105</id>
    <link rel="alternate" href="http://baotuyenquang.example/kinh-te/2105.html"/>
    <published>2026-11-28T08:00:00+07:00</published>
    <summary>Giá cam đầu vụ cao hơn năm ngoái.</summary>
  </entry>
  <author>`, 1)
	mu.Unlock()
	if rep := p.Poll(context.Background(), src); rep.Err != nil || rep.New != 1 {
		t.Fatalf("second poll: %d new, %v", rep.New, rep.Err)
	}
	got := gathered(t, m)
	for series, want := range map[string]float64{
		`newswire_poll_redated_updates_total{date="unreadable"}`: 1,
		`newswire_poll_redated_updates_total{date="future"}`:     1,
		// The item with an unreadable updated date and no other is
		// counted by its publication.
		`newswire_poll_redated_items_total{date="unreadable"}`: 1,
		`newswire_poll_redated_items_total{date="future"}`:     0,
	} {
		if got[series] != want {
			t.Errorf("%s = %v, want %v", series, got[series], want)
		}
	}
}
