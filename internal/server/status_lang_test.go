package server

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"newswire/internal/config"
	"newswire/internal/reload"
)

// langSite is newswire after polling, twice, loopback outlets in the
// conditions an admin most often meets: a feed that parses to none, a
// malformed document, a server asking to wait (429 Retry-After), one that
// moved (301), one gone (410), a refused connection, and dates newswire
// cannot take as written.
func langSite(t *testing.T) *statusSite {
	t.Helper()
	read := func(path string) []byte {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	good, empty, dates := read("../poll/testdata/good.xml"), read("../poll/testdata/empty.xml"), read("../poll/testdata/dates.xml")
	malformed := read("testdata/status/malformed.json")
	var emptied, rebuilt atomic.Int32
	mux := http.NewServeMux()
	rss := func(w http.ResponseWriter, body []byte) {
		w.Header().Set("Content-Type", "application/rss+xml; charset=utf-8")
		_, _ = w.Write(body)
	}
	mux.HandleFunc("/rong.rss", func(w http.ResponseWriter, r *http.Request) {
		if emptied.Add(1) == 1 {
			rss(w, good)
			return
		}
		rss(w, empty)
	})
	mux.HandleFunc("/hong.json", func(w http.ResponseWriter, r *http.Request) {
		// Rebuilt at every request, so that each poll reads it.
		w.Header().Set("Content-Type", "application/feed+json")
		_, _ = w.Write([]byte(strings.Replace(string(malformed), `"Báo Sơn La điện tử"`, fmt.Sprintf(`"Báo Sơn La điện tử %d"`, rebuilt.Add(1)), 1)))
	})
	mux.HandleFunc("/cham.rss", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "120")
		http.Error(w, "chậm lại", http.StatusTooManyRequests)
	})
	mux.HandleFunc("/cu.rss", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/moi.rss", http.StatusMovedPermanently)
	})
	mux.HandleFunc("/moi.rss", func(w http.ResponseWriter, r *http.Request) { rss(w, good) })
	mux.HandleFunc("/ngung.rss", func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "gone", http.StatusGone)
	})
	mux.HandleFunc("/lich.rss", func(w http.ResponseWriter, r *http.Request) { rss(w, dates) })
	outlet := httptest.NewServer(mux)
	t.Cleanup(outlet.Close)

	// An address nothing listens on any more: its connections are refused.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := ln.Addr().String()
	_ = ln.Close()

	ss := siteOf(t, fmt.Sprintf(`  - {id: rong, title: Báo Rỗng, url: "%[1]s/rong.rss"}
  - {id: hong, title: Báo Sơn La, url: "%[1]s/hong.json"}
  - {id: cham, title: Báo Chậm, url: "%[1]s/cham.rss"}
  - {id: chuyen, title: Báo Chuyển, url: "%[1]s/cu.rss"}
  - {id: ngung, title: Báo Ngừng, url: "%[1]s/ngung.rss"}
  - {id: tuchoi, title: Báo Từ Chối, url: "http://%[2]s/rss"}
  - {id: lich, title: Báo Biên Cương, url: "%[1]s/lich.rss"}
`, outlet.URL, closed), "")
	for range 2 {
		ss.poller.PollAll(context.Background(), nil)
	}
	return ss
}

// TestStatusInTheAdminsLanguage: the Vietnamese status page words the
// poller's warnings and why each source is polled when it is in
// Vietnamese, and never shows them in English; the English page (asked for
// by ?lang=en or Accept-Language) shows them as the poller wrote them, and
// /api/status keeps its English words, for the tools that read them, with
// each warning's code beside them.
func TestStatusInTheAdminsLanguage(t *testing.T) {
	ss := langSite(t)
	tests := []struct {
		id         string
		vi         []string // on the Vietnamese page
		en         []string // not on it (outside the raw error), but in /api/status
		warning    string   // /api/status: the warning, in English
		reason     string   // /api/status: the interval reason, in English
		codes      []string // /api/status: the warning's notices
		errorKind  string
		stateClass string
	}{
		{id: "rong", vi: []string{"Feed từng có 3 tin, nay không đọc ra tin nào; hãy kiểm tra feed của báo", "(theo nhịp đăng tin của nguồn)"},
			en:      []string{"parses to none", "(adaptive)"},
			warning: "the feed had 3 items and now parses to none; check the outlet's feed", reason: "adaptive", codes: []string{"emptied"}},
		{id: "hong", vi: []string{"Feed sai định dạng: 2 tin không đọc được (đã lưu 1 tin đọc được); hãy kiểm tra feed của báo", "(theo poll.interval mặc định)"},
			en:      []string{"malformed", "could not be read", "(default)"},
			warning: "the document is malformed: 2 of its items could not be read (the 1 read are stored); check the outlet's feed", reason: "default", codes: []string{"malformed"}},
		{id: "cham", vi: []string{"Máy chủ của báo yêu cầu lấy tin thưa hơn (429)", "(máy chủ của báo hẹn lại: Retry-After trong câu trả lời HTTP 429)"},
			en: []string{"server: Retry-After"}, reason: "server: Retry-After on 429", errorKind: "rate-limited"},
		{id: "chuyen", vi: []string{"Đã chuyển địa chỉ (301/308)", "/moi.rss", "(theo nhịp đăng tin của nguồn)"},
			en: []string{"(adaptive)"}, reason: "adaptive"},
		{id: "ngung", vi: []string{"Nguồn đã ngừng (410 Gone)", "(đã dừng: 410 Gone)"},
			en: []string{"stopped: 410 Gone"}, reason: "stopped: 410 Gone", errorKind: "gone"},
		{id: "tuchoi", vi: []string{"Máy chủ của báo từ chối kết nối.", "(lấy thưa dần sau 2 lần lỗi liên tiếp)"},
			en: []string{"backoff:", "failures in a row"}, reason: "backoff: 2 failures in a row", errorKind: "refused"},
		{id: "lich", vi: []string{
			"2 trong số 4 tin có ngày đăng mà newswire không đọc được (“29 tháng 11, 2026 8 giờ”): các tin này lấy lúc newswire thấy lần đầu làm ngày đăng",
			"1 trong số 4 tin ghi ngày đăng ở tương lai (“2099-12-03 08:00 +07:00”): tin này lấy lúc newswire thấy lần đầu làm ngày đăng; hãy kiểm tra múi giờ của báo"},
			en: []string{"cannot read", "in the future", "time zone"},
			warning: `2 of 4 items have a date newswire cannot read ("29 tháng 11, 2026 8 giờ"): they are dated when first seen; ` +
				`1 of 4 items is dated in the future ("2099-12-03 08:00 +07:00"): it is dated when first seen instead; check the outlet's time zone`,
			reason: "default", codes: []string{"dates-unreadable", "dates-future"}},
	}

	_, body := ss.get(t, "/status")
	page := parseHTML(t, body)
	if lang, _ := page.Find("html").Attr("lang"); lang != "vi" {
		t.Errorf("the page asked for in no language is in %q, want vi", lang)
	}
	_, body = ss.get(t, "/status?lang=en")
	english := parseHTML(t, body)
	req, err := http.NewRequest(http.MethodGet, ss.srv.URL+"/status", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Accept-Language", "en-GB,en;q=0.9")
	resp, err := ss.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	accepted, err := goquery.NewDocumentFromReader(resp.Body)
	resp.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	if resp.Header.Get("Content-Language") != "en" || !strings.Contains(resp.Header.Get("Vary"), "Accept-Language") {
		t.Errorf("the page for Accept-Language: en: Content-Language %q, Vary %q", resp.Header.Get("Content-Language"), resp.Header.Get("Vary"))
	}
	for name, doc := range map[string]*goquery.Document{"Vietnamese": page, "English": english} {
		want := map[string]string{"Vietnamese": "Đang lỗi: 2 Đã ngừng (410): 1 Cảnh báo: 4", "English": "Failing: 2 Gone (410): 1 Warning: 4"}[name]
		if got := strings.Join(strings.Fields(doc.Find(".state-summary").Text()), " "); got != want {
			t.Errorf("the %s page's summary: %q, want %q", name, got, want)
		}
	}
	v, _ := ss.apiStatus(t)
	for _, tt := range tests {
		t.Run(tt.id, func(t *testing.T) {
			row := page.Find("tr#nguon-" + tt.id).Clone()
			raw := strings.Join(strings.Fields(row.Find("details").Text()), " ")
			row.Find("details").Remove()
			text := strings.Join(strings.Fields(row.Text()), " ")
			for _, want := range tt.vi {
				if !strings.Contains(text, want) {
					t.Errorf("the Vietnamese page lacks %q:\n%s", want, text)
				}
			}
			for _, english := range tt.en {
				if strings.Contains(text, english) {
					t.Errorf("the Vietnamese page says %q in English:\n%s", english, text)
				}
			}
			if tt.errorKind != "" && raw == "" {
				t.Errorf("the raw error is not kept beside the explanation:\n%s", text)
			}
			for name, doc := range map[string]*goquery.Document{"?lang=en": english, "Accept-Language: en": accepted} {
				row := doc.Find("tr#nguon-" + tt.id).Clone()
				row.Find("details").Remove()
				text := strings.Join(strings.Fields(row.Text()), " ")
				for _, want := range tt.en {
					if !strings.Contains(text, want) {
						t.Errorf("the English page (%s) lacks %q:\n%s", name, want, text)
					}
				}
				for _, vi := range tt.vi {
					if strings.Contains(text, vi) && !strings.Contains(vi, "/moi.rss") {
						t.Errorf("the English page (%s) says %q in Vietnamese:\n%s", name, vi, text)
					}
				}
			}

			i := slices.IndexFunc(v.Sources, func(s sourceStatus) bool { return s.ID == tt.id })
			if i < 0 {
				t.Fatalf("no %s in /api/status", tt.id)
			}
			s := v.Sources[i]
			if s.Warning != tt.warning || s.IntervalReason != tt.reason || s.ErrorKind != tt.errorKind {
				t.Errorf("/api/status: warning %q, interval_reason %q, error_kind %q;\nwant %q, %q, %q", s.Warning, s.IntervalReason, s.ErrorKind, tt.warning, tt.reason, tt.errorKind)
			}
			var codes []string
			for _, n := range s.Notices {
				codes = append(codes, n.Code)
			}
			if !slices.Equal(codes, tt.codes) {
				t.Errorf("/api/status: notices %+v, want the codes %q", s.Notices, tt.codes)
			}
		})
	}
}

// TestUpdatedDatesWarn: an Atom entry whose updated date newswire cannot
// read, or one in the future, counts in the source's dates and is a warning
// on /api/status and, in Vietnamese, on /status, as a published date is,
// also at a poll that does not parse it again; an entry with an updated
// date alone is said once, as its published date.
// The stories keep an updated time no later than now: their published one
// for the date newswire cannot read, the poll's for the one in the future.
func TestUpdatedDatesWarn(t *testing.T) {
	atom, err := os.ReadFile("testdata/status/updated.atom")
	if err != nil {
		t.Fatal(err)
	}
	var served atomic.Pointer[[]byte]
	served.Store(&atom)
	outlet := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/atom+xml; charset=utf-8")
		_, _ = w.Write(*served.Load())
	}))
	t.Cleanup(outlet.Close)
	ss := siteOf(t, fmt.Sprintf("  - {id: tuyenquang, title: Báo Tuyên Quang, url: %q}\n", outlet.URL+"/tin-moi.atom"), "")
	before := time.Now()
	ss.poller.PollAll(context.Background(), nil)
	after := time.Now()
	// A new entry beside the same ones: those are not parsed again, and
	// count by what the first poll kept of them.
	more := []byte(strings.Replace(string(atom), "<entry>", `<entry>
    <title>Hàm Yên thu hoạch cam sành sớm hai tuần</title>
    <id>tag:baotuyenquang.example,2026:tin/2105</id>
    <link rel="alternate" href="http://baotuyenquang.example/kinh-te/2105.html"/>
    <published>2026-11-28T06:00:00+07:00</published>
    <summary>Giá cam đầu vụ cao hơn năm trước.</summary>
  </entry>
  <entry>`, 1))
	served.Store(&more)
	ss.poller.PollAll(context.Background(), nil)

	v, body := ss.apiStatus(t)
	i := slices.IndexFunc(v.Sources, func(s sourceStatus) bool { return s.ID == "tuyenquang" })
	if i < 0 {
		t.Fatal("no tuyenquang in /api/status")
	}
	s := v.Sources[i]
	var raw struct {
		Sources []struct {
			Dates map[string]any `json:"dates"`
		} `json:"sources"`
	}
	if err := json.Unmarshal([]byte(body), &raw); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"unreadable": 1.0, "unreadable_example": "hôm kia",
		"updated_unreadable": 1.0, "updated_unreadable_example": "thứ Hai, 31/13/2026 lúc 25 giờ",
		"updated_future": 1.0, "updated_future_example": "2099-06-01T08:00:00+07:00"}
	if got := raw.Sources[i].Dates; !maps.Equal(got, want) {
		t.Errorf("/api/status dates: %v, want %v", got, want)
	}
	var codes []string
	for _, n := range s.Notices {
		codes = append(codes, n.Code)
	}
	if want := []string{"dates-unreadable", "updated-unreadable", "updated-future"}; !slices.Equal(codes, want) {
		t.Errorf("/api/status notices %+v, want the codes %q", s.Notices, want)
	}
	if want := `1 of 5 items has a date newswire cannot read ("hôm kia"): it is dated when first seen; ` +
		`1 of 5 items has an updated date newswire cannot read ("thứ Hai, 31/13/2026 lúc 25 giờ"): it is dated by its publication date alone; ` +
		`1 of 5 items has an updated date in the future ("2099-06-01T08:00:00+07:00"): it is taken as updated when first seen instead; check the outlet's time zone`; s.State != "warning" || s.Warning != want {
		t.Errorf("/api/status: state %q, warning:\n%s\nwant warning:\n%s", s.State, s.Warning, want)
	}

	_, body = ss.get(t, "/status")
	row := parseHTML(t, body).Find("tr#nguon-tuyenquang")
	row.Find("details").Remove()
	text := strings.Join(strings.Fields(row.Text()), " ")
	for _, want := range []string{
		"1 trong số 5 tin có ngày cập nhật mà newswire không đọc được (“thứ Hai, 31/13/2026 lúc 25 giờ”): tin này lấy ngày đăng làm ngày cập nhật",
		"1 trong số 5 tin ghi ngày cập nhật ở tương lai (“2099-06-01T08:00:00+07:00”): tin này lấy lúc newswire thấy lần đầu làm ngày cập nhật; hãy kiểm tra múi giờ của báo",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("the Vietnamese page lacks %q:\n%s", want, text)
		}
	}

	_, body = ss.get(t, "/feeds/all.json")
	var doc struct {
		Items []struct {
			Title    string    `json:"title"`
			Modified time.Time `json:"date_modified"`
		} `json:"items"`
	}
	if err := json.Unmarshal([]byte(body), &doc); err != nil {
		t.Fatal(err)
	}
	modified := map[string]time.Time{}
	for _, it := range doc.Items {
		modified[it.Title] = it.Modified
	}
	if got, want := modified["Lâm Bình trồng mới 300 héc-ta rừng gỗ lớn"], time.Date(2026, 11, 27, 1, 0, 0, 0, time.UTC); !got.Equal(want) {
		t.Errorf("the story whose updated date is unreadable is updated %s, want its publication date %s", got, want)
	}
	if got := modified["Chiêm Hóa tổ chức phiên chợ nông sản cuối tuần"]; got.Before(before.Truncate(time.Second)) || got.After(after) {
		t.Errorf("the story updated in the future is updated %s, want the poll's time, %s to %s", got, before, after)
	}
	if got, want := modified["Na Hang đón đoàn khách quốc tế đầu tiên của mùa lễ hội"], time.Date(2026, 11, 28, 0, 15, 0, 0, time.UTC); !got.Equal(want) {
		t.Errorf("the story updated as its outlet wrote is updated %s, want %s", got, want)
	}
}

// TestStatusMarksEnglishText: what the Vietnamese status page quotes in
// English as it was written (a source's exact error, a reload's error, its
// problems and changes) is marked lang="en", so that a screen reader reads
// it in English rather than with Vietnamese sounds.
func TestStatusMarksEnglishText(t *testing.T) {
	ss := langSite(t)
	ss.web.SetReloadStatus(func() reload.Status {
		return reload.Status{At: time.Now(), Trigger: "file", Error: "config.yaml: 1 problem; the running config stays",
			Problems: []config.Problem{{Path: "poll.intervall", Line: 7, Message: `unknown key (did you mean "interval"?)`}}}
	})
	langOf := func(s *goquery.Selection) string {
		l, _ := s.Closest("[lang]").Attr("lang")
		return l
	}
	_, body := ss.get(t, "/status")
	page := parseHTML(t, body)
	errs := page.Find("#nguon-tuchoi details code")
	if errs.Length() != 1 || !strings.Contains(errs.Text(), "refused") {
		t.Fatalf("no exact error of the refused source: %q", errs.Text())
	}
	if l := langOf(errs); l != "en" {
		t.Errorf("the exact error %q is in lang %q, want en", errs.Text(), l)
	}
	if p := page.Find("#nguon-tuchoi td").FilterFunction(func(_ int, s *goquery.Selection) bool {
		return strings.Contains(s.Text(), "từ chối kết nối")
	}); p.Length() != 1 || langOf(p) != "vi" {
		t.Errorf("the error in Vietnamese words is not in lang vi")
	}
	for _, sel := range []string{"#cau-hinh .problems code", "#cau-hinh .reload-error"} {
		s := page.Find(sel)
		if s.Length() == 0 {
			t.Errorf("no %s", sel)
			continue
		}
		if l := langOf(s); l != "en" {
			t.Errorf("%s %q is in lang %q, want en", sel, s.Text(), l)
		}
	}

	ss.web.SetReloadStatus(func() reload.Status {
		return reload.Status{At: time.Now(), Trigger: "file", OK: true, Changes: []string{"source added: caobang"}}
	})
	_, body = ss.get(t, "/status")
	changes := parseHTML(t, body).Find("#cau-hinh li")
	if changes.Length() != 1 || langOf(changes) != "en" {
		t.Errorf("the reload's changes %q are not in lang en", changes.Text())
	}
}
