package server

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"newswire/internal/config"
	"newswire/internal/metrics"
	"newswire/internal/poll"
	"newswire/internal/reload"
	"newswire/store"
)

// outletRSS writes an RSS document whose items were published at the given
// times, newest first as outlets list them.
func outletRSS(slug string, published ...time.Time) string {
	return outletRSSBuilt(slug, time.Time{}, published...)
}

// outletRSSBuilt is outletRSS with a lastBuildDate, which changes the bytes
// of the document but none of its items.
func outletRSSBuilt(slug string, built time.Time, published ...time.Time) string {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Tin ` + slug + `</title><link>https://` + slug + `.example.vn/</link><description>Tin tức địa phương</description>`)
	if !built.IsZero() {
		fmt.Fprintf(&b, `<lastBuildDate>%s</lastBuildDate>`, built.UTC().Format(time.RFC1123Z))
	}
	for i, p := range published {
		fmt.Fprintf(&b, `<item><title>%s: bản tin số %d về mùa lúa chín ở xã Tả Lủng</title><link>https://%s.example.vn/tin/%d</link><guid>https://%s.example.vn/tin/%d</guid><pubDate>%s</pubDate><description>Bà con thu hoạch lúa, bản tin số %d.</description></item>`,
			slug, i+1, slug, i+1, slug, i+1, p.UTC().Format(time.RFC1123Z), i+1)
	}
	b.WriteString(`</channel></rss>`)
	return b.String()
}

// statusSite is newswire serving a store that a real poller filled from
// loopback outlets, one per state the status page shows.
type statusSite struct {
	srv     *httptest.Server
	web     *Server
	st      *store.Store
	poller  *poll.Poller
	metrics *metrics.Metrics
}

func newStatusSite(t *testing.T) *statusSite {
	t.Helper()
	now := time.Now()
	hoursAgo := func(hours ...float64) []time.Time {
		var ts []time.Time
		for _, h := range hours {
			ts = append(ts, now.Add(-time.Duration(h*float64(time.Hour))))
		}
		return ts
	}
	var okPolls, shrinkPolls atomic.Int32
	mux := http.NewServeMux()
	serveRSS := func(w http.ResponseWriter, body string) {
		w.Header().Set("Content-Type", "application/rss+xml; charset=utf-8")
		_, _ = io.WriteString(w, body)
	}
	mux.HandleFunc("/ok.rss", func(w http.ResponseWriter, r *http.Request) {
		// Rebuilt at every request, so that each poll parses it.
		built := now.Add(time.Duration(okPolls.Add(1)) * time.Minute)
		serveRSS(w, outletRSSBuilt("baohagiang", built, hoursAgo(1, 2, 3)...))
	})
	mux.HandleFunc("/same.rss", func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("If-None-Match") == `"v1"` {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("ETag", `"v1"`)
		serveRSS(w, outletRSS("vov", hoursAgo(5, 6)...))
	})
	mux.HandleFunc("/fail.rss", func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "maintenance", http.StatusServiceUnavailable)
	})
	mux.HandleFunc("/gone.rss", func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "gone", http.StatusGone)
	})
	mux.HandleFunc("/old.rss", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/new.rss", http.StatusMovedPermanently)
	})
	mux.HandleFunc("/new.rss", func(w http.ResponseWriter, r *http.Request) {
		serveRSS(w, outletRSS("dantoc", hoursAgo(4)...))
	})
	// Hourly news until ten days ago, then nothing.
	mux.HandleFunc("/quiet.rss", func(w http.ResponseWriter, r *http.Request) {
		serveRSS(w, outletRSS("langson", hoursAgo(240, 241, 242, 243, 244)...))
	})
	mux.HandleFunc("/shrink.rss", func(w http.ResponseWriter, r *http.Request) {
		if shrinkPolls.Add(1) == 1 {
			serveRSS(w, outletRSS("caobang", hoursAgo(7, 8)...))
			return
		}
		serveRSS(w, outletRSS("caobang"))
	})
	outlet := httptest.NewServer(mux)
	t.Cleanup(outlet.Close)

	sources := `
  - {id: baohagiang, title: Báo Hà Giang, url: "%[1]s/ok.rss", level: provincial, categories: [du-lich]}
  - {id: vov, title: VOV, url: "%[1]s/same.rss", level: central}
  - {id: hong, title: Báo Hỏng, url: "%[1]s/fail.rss", level: provincial}
  - {id: ngung, title: Báo Ngừng, url: "%[1]s/gone.rss"}
  - {id: dantoc, title: Dân tộc và Phát triển, url: "%[1]s/old.rss", level: central}
  - {id: langson, title: Báo Lạng Sơn, url: "%[1]s/quiet.rss", level: provincial}
  - {id: caobang, title: Báo Cao Bằng, url: "%[1]s/shrink.rss", level: provincial}
  - {id: tat, title: Nguồn tắt, url: "%[1]s/ok.rss", disabled: true}
`
	// The server's config has one source more, which no poll has reached yet.
	return siteOf(t, fmt.Sprintf(sources, outlet.URL), fmt.Sprintf(`  - {id: moi, title: Nguồn mới, url: "%s/ok.rss"}
`, outlet.URL))
}

// siteOf is newswire serving a store that a real poller fills from sources
// (config.yaml's entries); the server's config has the sources of more
// besides, which the poller does not poll.
func siteOf(t *testing.T, sources, more string) *statusSite {
	t.Helper()
	yaml := `data_dir: %[1]s
poll: {host_gap: 0s, per_host: 4}
identity: {join: false} # the test headlines are alike on purpose
categories:
  - {id: thoi-su, title: Thời sự}
  - {id: du-lich, title: Du lịch}
default_category: thoi-su
sources:
`
	dataDir := filepath.Join(t.TempDir(), "data")
	pollCfg, err := config.Parse(fmt.Appendf(nil, yaml+sources, dataDir), "config.yaml")
	if err != nil {
		t.Fatal(err)
	}
	webCfg, err := config.Parse(fmt.Appendf(nil, yaml+sources+more, dataDir), "config.yaml")
	if err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(filepath.Join(dataDir, "newswire.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	m := metrics.New()
	web := New(webCfg, st, slog.New(slog.DiscardHandler))
	web.SetMetrics(m)
	p := poll.New(pollCfg, st, slog.New(slog.DiscardHandler))
	p.SetMetrics(m.Poll)
	web.SetPollActivity(p.LastActivity)
	srv := httptest.NewServer(web.Handler())
	t.Cleanup(func() {
		srv.Close()
		if err := st.Close(); err != nil {
			t.Error(err)
		}
	})
	return &statusSite{srv: srv, web: web, st: st, poller: p, metrics: m}
}

// pollTwice polls every source twice: the second poll is what makes a 304,
// a second failure and a feed that lost its items.
func (ss *statusSite) pollTwice(t *testing.T) {
	t.Helper()
	for range 2 {
		ss.poller.PollAll(context.Background(), nil)
	}
}

func (ss *statusSite) get(t *testing.T, path string) (*http.Response, string) {
	t.Helper()
	resp, err := ss.srv.Client().Get(ss.srv.URL + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, string(body)
}

func (ss *statusSite) apiStatus(t *testing.T) (statusView, string) {
	t.Helper()
	resp, body := ss.get(t, "/api/status")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("/api/status: %d %s", resp.StatusCode, body)
	}
	var v statusView
	if err := json.Unmarshal([]byte(body), &v); err != nil {
		t.Fatalf("/api/status: %v\n%s", err, body)
	}
	return v, body
}

func TestStatusShowsEachState(t *testing.T) {
	ss := newStatusSite(t)
	ss.pollTwice(t)
	v, body := ss.apiStatus(t)
	if strings.Contains(body, "0001-01-01") {
		t.Errorf("/api/status carries a zero time:\n%s", body)
	}
	bySource := map[string]sourceStatus{}
	for _, s := range v.Sources {
		bySource[s.ID] = s
	}
	tests := []struct {
		id        string
		state     string
		kind      string
		items24h  int
		quiet     bool
		failing   bool
		polledURL string
		warning   string
	}{
		{id: "baohagiang", state: "ok", items24h: 3},
		{id: "vov", state: "not-modified", items24h: 2},
		{id: "hong", state: "failing", kind: "server-error", failing: true},
		{id: "ngung", state: "gone", kind: "gone"},
		{id: "dantoc", state: "redirected", items24h: 1, polledURL: "/new.rss"},
		{id: "langson", state: "warning", items24h: 5, quiet: true},
		{id: "caobang", state: "warning", items24h: 2, warning: "parses to none"},
		{id: "tat", state: "disabled"},
		{id: "moi", state: "waiting"},
	}
	for _, tt := range tests {
		t.Run(tt.id, func(t *testing.T) {
			s, ok := bySource[tt.id]
			if !ok {
				t.Fatalf("no source %s in /api/status", tt.id)
			}
			if s.State != tt.state {
				t.Errorf("state = %q, want %q (result %q, error %q, warning %q)", s.State, tt.state, s.Result, s.Error, s.Warning)
			}
			if s.ErrorKind != tt.kind {
				t.Errorf("error_kind = %q, want %q (error %q)", s.ErrorKind, tt.kind, s.Error)
			}
			if s.Items24h != tt.items24h || s.Items7d != tt.items24h {
				t.Errorf("items_24h, items_7d = %d, %d, want %d both", s.Items24h, s.Items7d, tt.items24h)
			}
			if s.Quiet != tt.quiet {
				t.Errorf("quiet = %v, want %v (newest %s, gap %s)", s.Quiet, tt.quiet, s.NewestItem, s.PublishGap)
			}
			if got := !s.FailingSince.IsZero(); got != tt.failing {
				t.Errorf("failing_since set = %v, want %v", got, tt.failing)
			}
			if !strings.HasSuffix(s.PolledURL, tt.polledURL) || (tt.polledURL == "") != (s.PolledURL == "") {
				t.Errorf("polled_url = %q, want …%q", s.PolledURL, tt.polledURL)
			}
			if !strings.Contains(s.Warning, tt.warning) || (tt.warning == "") != (s.Warning == "") {
				t.Errorf("warning = %q, want one containing %q", s.Warning, tt.warning)
			}
		})
	}
	if s := bySource["hong"]; s.ConsecutiveFailures != 2 || s.HTTPStatus != 503 {
		t.Errorf("failing source: %d failures, HTTP %d; want 2, 503", s.ConsecutiveFailures, s.HTTPStatus)
	}
	if s := bySource["caobang"]; s.LastItems != 0 {
		t.Errorf("source whose feed parses to none: last_items %d, want 0, the last document's", s.LastItems)
	}

	// Totals: baohagiang's 3 stories in du-lich, the 2+1+5+2 others in the default.
	wantCats := map[string]int{"du-lich": 3, "thoi-su": 10}
	for _, c := range v.Categories {
		if c.Stories != wantCats[c.ID] {
			t.Errorf("category %s: %d stories, want %d", c.ID, c.Stories, wantCats[c.ID])
		}
	}
	if len(v.Categories) != len(wantCats) || v.Stories != 13 {
		t.Errorf("%d categories, %d stories; want %d, 13", len(v.Categories), v.Stories, len(wantCats))
	}
	wantStates := "failing:1 gone:1 warning:2 redirected:1 waiting:1 ok:1 not-modified:1 disabled:1"
	var gotStates []string
	for _, c := range v.States {
		gotStates = append(gotStates, fmt.Sprintf("%s:%d", c.State, c.Count))
	}
	if got := strings.Join(gotStates, " "); got != wantStates {
		t.Errorf("states = %s, want %s", got, wantStates)
	}
	if v.Reload != nil {
		t.Errorf("reload = %+v without a reload status", v.Reload)
	}
}

func TestStatusPage(t *testing.T) {
	ss := newStatusSite(t)
	ss.pollTwice(t)
	resp, body := ss.get(t, "/status")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("/status: %d", resp.StatusCode)
	}
	csp := resp.Header.Get("Content-Security-Policy")
	if !strings.Contains(csp, "style-src 'self'") || strings.Contains(csp, "unsafe-inline") || !strings.Contains(csp, "default-src 'none'") {
		t.Errorf("CSP = %q, want own stylesheet only", csp)
	}
	doc := parseHTML(t, body)
	if n := doc.Find("style, script, [style]").Length(); n > 0 {
		t.Errorf("page has %d inline styles or scripts", n)
	}
	if href, _ := doc.Find(`link[rel=stylesheet]`).Attr("href"); href != assetURL("site.css") {
		t.Errorf("stylesheet = %q", href)
	}
	tests := []struct {
		id, class string
		texts     []string
	}{
		{"baohagiang", "state-ok", []string{"Bình thường", "3 / 24 giờ · 3 / 7 ngày", "provincial", "lần tới"}},
		{"vov", "state-not-modified", []string{"Không có gì mới", "HTTP 304"}},
		{"hong", "state-failing", []string{"Đang lỗi", "lỗi từ", "2 lần lỗi liên tiếp", "Máy chủ của báo đang gặp sự cố (HTTP 503)", "503 Service Unavailable"}},
		{"ngung", "state-gone", []string{"Đã ngừng (410)", "url trong config.yaml"}},
		{"dantoc", "state-redirected", []string{"Đã chuyển địa chỉ (301/308)", "/new.rss"}},
		{"langson", "state-warning", []string{"Không có tin mới đã 10 ngày", "thường cứ 60 phút có một tin"}},
		{"caobang", "state-warning", []string{"Feed từng có 2 tin, nay không đọc ra tin nào"}},
		{"tat", "state-disabled", []string{"Tắt"}},
		{"moi", "state-waiting", []string{"chưa lấy lần nào"}},
	}
	for _, tt := range tests {
		row := doc.Find("tr#nguon-" + tt.id)
		if row.Length() != 1 {
			t.Errorf("no row for %s", tt.id)
			continue
		}
		if !row.HasClass(tt.class) {
			t.Errorf("row %s: class %q, want %s", tt.id, row.AttrOr("class", ""), tt.class)
		}
		text := strings.Join(strings.Fields(row.Text()), " ")
		for _, want := range tt.texts {
			if !strings.Contains(text, want) {
				t.Errorf("row %s lacks %q:\n%s", tt.id, want, text)
			}
		}
	}
	totals := strings.Join(strings.Fields(doc.Find("table.totals").First().Text()), " ")
	for _, want := range []string{"Du lịch du-lich 3", "Thời sự thoi-su 10"} {
		if !strings.Contains(totals, want) {
			t.Errorf("category totals lack %q: %s", want, totals)
		}
	}
	summary := strings.Join(strings.Fields(doc.Find(".state-summary").Text()), " ")
	if !strings.HasPrefix(summary, "Đang lỗi: 1 Đã ngừng (410): 1 Cảnh báo: 2") {
		t.Errorf("summary = %q", summary)
	}
}

// TestStatusCounts checks the 24 h and 7 day counts of states the poller
// saved on other days.
func TestStatusCounts(t *testing.T) {
	ss := newStatusSite(t)
	now := time.Now()
	var recent store.Recent
	recent.Add(now.Add(-3*24*time.Hour), 4) // in the week, not the day
	recent.Add(now.Add(-30*time.Minute), 2)
	recent.Add(now.Add(-9*24*time.Hour), 50) // before the week: not kept
	err := ss.st.SaveSource(store.SourceState{ID: "baohagiang", LastPoll: now, LastResult: poll.ResultOK, Recent: recent})
	if err != nil {
		t.Fatal(err)
	}
	v, _ := ss.apiStatus(t)
	for _, s := range v.Sources {
		if s.ID == "baohagiang" && (s.Items24h != 2 || s.Items7d != 6) {
			t.Errorf("items_24h, items_7d = %d, %d; want 2, 6", s.Items24h, s.Items7d)
		}
	}
}

// TestStatusOfADisabledSource: a source that a reload disabled keeps what
// its last poll recorded, but it has no next poll and no interval, and the
// status says why.
func TestStatusOfADisabledSource(t *testing.T) {
	ss := newStatusSite(t)
	now := time.Now()
	err := ss.st.SaveSource(store.SourceState{ID: "tat", LastPoll: now.Add(-time.Minute), LastSuccess: now.Add(-time.Minute),
		LastResult: poll.ResultOK, LastStatus: http.StatusOK, LastItems: 3,
		NextPoll: now.Add(14 * time.Minute), Interval: 15 * time.Minute, IntervalReason: "default"})
	if err != nil {
		t.Fatal(err)
	}
	v, _ := ss.apiStatus(t)
	for _, s := range v.Sources {
		if s.ID != "tat" {
			continue
		}
		if s.State != "disabled" || !s.NextPoll.IsZero() || s.Interval != "" || s.IntervalReason != "stopped: disabled in config.yaml" {
			t.Errorf("disabled source: state %q, next_poll %v, interval %q (%q); want disabled, no next poll, no interval, stopped: disabled in config.yaml",
				s.State, s.NextPoll, s.Interval, s.IntervalReason)
		}
		if s.LastItems != 3 || s.LastPoll.IsZero() {
			t.Errorf("disabled source lost what its last poll recorded: last_items %d, last_poll %v", s.LastItems, s.LastPoll)
		}
	}
	_, body := ss.get(t, "/status")
	row := strings.Join(strings.Fields(parseHTML(t, body).Find("tr#nguon-tat").Text()), " ")
	if strings.Contains(row, "lần tới") || strings.Contains(row, "mỗi") || !strings.Contains(row, "Tắt") {
		t.Errorf("disabled source's row shows a next poll or an interval:\n%s", row)
	}
}

func TestStatusReload(t *testing.T) {
	at := time.Date(2026, 3, 10, 2, 15, 0, 0, time.UTC)
	tests := []struct {
		name      string
		status    reload.Status
		wantPage  []string
		wantClass bool // reload-bad
		success   string
	}{
		{
			name:     "good",
			status:   reload.Status{At: at, Trigger: "file", OK: true, Changes: []string{"source added: caobang"}},
			wantPage: []string{"(file) lúc 10/03/2026 09:15: thành công", "source added: caobang"},
			success:  "newswire_config_reload_success 1",
		},
		{
			name: "bad",
			status: reload.Status{At: at, Trigger: "signal", Error: "config.yaml: 1 problem; the running config stays",
				Problems: []config.Problem{{Path: "poll.intervall", Line: 7, Message: `unknown key (did you mean "interval"?)`}}},
			wantPage:  []string{"(signal) lúc 10/03/2026 09:15: bị từ chối", `poll.intervall: unknown key (did you mean "interval"?) (line 7)`},
			wantClass: true,
			success:   "newswire_config_reload_success 0",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ss := newStatusSite(t)
			ss.web.SetReloadStatus(func() reload.Status { return tt.status })
			ss.metrics.Reload(tt.status)

			v, _ := ss.apiStatus(t)
			r := v.Reload
			if r == nil || r.OK != tt.status.OK || !r.At.Equal(at) || r.Trigger != tt.status.Trigger {
				t.Fatalf("reload = %+v, want %+v", r, tt.status)
			}
			if !tt.status.OK && (len(r.Problems) != 1 || r.Problems[0].Line != 7 || r.Problems[0].Path != "poll.intervall") {
				t.Errorf("problems = %+v", r.Problems)
			}

			_, body := ss.get(t, "/status")
			sec := parseHTML(t, body).Find("#cau-hinh")
			text := strings.Join(strings.Fields(sec.Text()), " ")
			for _, want := range tt.wantPage {
				if !strings.Contains(text, want) {
					t.Errorf("reload section lacks %q: %s", want, text)
				}
			}
			if sec.HasClass("reload-bad") != tt.wantClass {
				t.Errorf("reload-bad = %v, want %v", sec.HasClass("reload-bad"), tt.wantClass)
			}

			_, m := ss.get(t, "/metrics")
			for _, want := range []string{tt.success, "newswire_config_last_reload_timestamp_seconds 1.7731089e+09"} {
				if !strings.Contains(m, want) {
					t.Errorf("/metrics lacks %q", want)
				}
			}
		})
	}
}

func TestReadyz(t *testing.T) {
	ss := newStatusSite(t)
	check := func(want int, wantBody string) {
		t.Helper()
		resp, body := ss.get(t, "/readyz")
		if resp.StatusCode != want || !strings.Contains(body, wantBody) {
			t.Errorf("/readyz = %d %q, want %d with %q", resp.StatusCode, body, want, wantBody)
		}
	}
	check(http.StatusServiceUnavailable, "poller: not started")
	ss.poller.PollAll(context.Background(), nil)
	check(http.StatusOK, "ready")

	// A poller that has finished nothing for longer than max_interval (6h).
	ss.web.SetPollActivity(func() time.Time { return time.Now().Add(-7 * time.Hour) })
	check(http.StatusServiceUnavailable, "poller: no poll finished since")
	ss.web.SetPollActivity(ss.poller.LastActivity)
	check(http.StatusOK, "ready")

	// A store that can no longer be read.
	if err := ss.st.Close(); err != nil {
		t.Fatal(err)
	}
	check(http.StatusServiceUnavailable, "store: ")
	resp, _ := ss.get(t, "/healthz")
	if resp.StatusCode != http.StatusOK {
		t.Errorf("/healthz = %d with the store closed; it says only that the process is up", resp.StatusCode)
	}
}

func TestStatusMetrics(t *testing.T) {
	ss := newStatusSite(t)
	ss.pollTwice(t)
	if resp, _ := ss.get(t, "/feeds/du-lich.rss"); resp.StatusCode != http.StatusOK {
		t.Fatalf("feed: %d", resp.StatusCode)
	}
	_, body := ss.get(t, "/metrics")
	for _, want := range []string{
		`newswire_poll_items_total{outcome="new"} 13`,
		`newswire_poll_items_total{outcome="joined"} 0`,
		`newswire_store_stories 13`,
		`newswire_store_category_stories{category="du-lich"} 3`,
		`newswire_store_category_stories{category="thoi-su"} 10`,
		`newswire_store_size_bytes `,
		`newswire_store_used_bytes `,
		`newswire_store_committed_items_total 13`,
		`newswire_store_commits_total `,
		`newswire_store_written_bytes_total `,
		`newswire_store_commit_seconds_total `,
		`newswire_feed_requests_total{code="200",format="rss"} 1`,
		`newswire_fetch_not_modified_ratio `,
		`newswire_poll_total{result="gone"} 1`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
	if strings.Contains(body, "newswire_config_reload_success") {
		t.Error("/metrics reports a reload before any was recorded")
	}

	// A category removed from the config keeps its stories, but has no
	// feed and no line on /status: nor on /metrics.
	cfg := *ss.web.cfg
	cfg.Categories = slices.DeleteFunc(slices.Clone(cfg.Categories), func(c config.Category) bool { return c.ID == "du-lich" })
	srv := httptest.NewServer(New(&cfg, ss.st, slog.New(slog.DiscardHandler)).Handler())
	defer srv.Close()
	resp, err := http.Get(srv.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if strings.Contains(string(b), `category="du-lich"`) || !strings.Contains(string(b), `newswire_store_category_stories{category="thoi-su"} 10`) {
		t.Errorf("/metrics after du-lich left the config:\n%s", b)
	}
}

func TestQuietFor(t *testing.T) {
	now := time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name   string
		gap    time.Duration
		newest time.Time
		want   bool
	}{
		{"hourly, quiet a night", time.Hour, now.Add(-10 * time.Hour), false},
		{"hourly, quiet two days", time.Hour, now.Add(-48 * time.Hour), true},
		{"every 4 h, quiet 30 h", 4 * time.Hour, now.Add(-30 * time.Hour), false},
		{"every 4 h, quiet 33 h", 4 * time.Hour, now.Add(-33 * time.Hour), true},
		{"weekly, quiet 3 weeks", 7 * 24 * time.Hour, now.Add(-21 * 24 * time.Hour), false},
		{"rhythm unknown", 0, now.Add(-30 * 24 * time.Hour), false},
		{"no dated item", time.Hour, time.Time{}, false},
	}
	for _, tt := range tests {
		if _, got := quietFor(tt.gap, tt.newest, now); got != tt.want {
			t.Errorf("%s: quiet = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestProblemKind(t *testing.T) {
	tests := []struct {
		msg    string
		status int
		want   string
	}{
		{"fetch: GET https://a.example.vn/rss: 503 Service Unavailable", 503, "server-error"},
		{"fetch: GET https://a.example.vn/rss: 429 Too Many Requests (retry after 2m0s)", 429, "rate-limited"},
		{"fetch: GET https://a.example.vn/rss: 404 Not Found", 404, "not-found"},
		{"fetch: GET https://a.example.vn/rss: 403 Forbidden", 403, "forbidden"},
		// The 503 was an earlier poll's: this one had no response.
		{"fetch: GET https://a.example.vn/rss: dial tcp 127.0.0.1:9: connect: connection refused", 503, "refused"},
		{"fetch: GET https://a.example.vn/rss: context deadline exceeded (Client.Timeout exceeded while awaiting headers)", 0, "timeout"},
		{"fetch: GET https://khong-co.example.vn/rss: dial tcp: lookup khong-co.example.vn: no such host", 0, "dns"},
		{"fetch: GET https://a.example.vn/rss: tls: failed to verify certificate: x509: certificate has expired", 0, "tls"},
		{"fetch: GET https://a.example.vn/rss: body too large (over 10485760 bytes)", 200, "too-large"},
		{"feeds: parse https://a.example.vn/rss: not a feed: starts with \"hello\"", 200, "not-a-feed"},
		{"feeds: parse https://a.example.vn/rss: XML syntax error on line 3", 200, "malformed"},
		{`item selector "article.card" matched nothing`, 200, "selector"},
		{"poll: storing 12 items of a: store: size limit reached", 200, "store"},
		{"something nobody foresaw", 0, "other"},
		// The words of a URL say nothing of the error.
		{"fetch: GET https://a.example.vn/rss?box=timeout: dial tcp 127.0.0.1:9: connect: connection refused", 0, "refused"},
		{"feeds: parse https://a.example.vn/certificate/rss: XML syntax error on line 9: unexpected EOF", 200, "malformed"},
	}
	for _, tt := range tests {
		if got := problemKind(tt.msg, tt.status); got != tt.want {
			t.Errorf("problemKind(%q, %d) = %q, want %q", tt.msg, tt.status, got, tt.want)
		}
		for _, lang := range []string{"vi", "en"} {
			w := wordsFor(lang)
			if p := w.plainProblem(tt.want, tt.status); p == "" || tt.want != "other" && p == w.other {
				t.Errorf("no plain words in %s for %q", lang, tt.want)
			}
		}
	}
}

// TestStatusShowsDatesNotTaken: a source whose items carry dates newswire
// cannot read, or dates in the future, is a warning on /status and in
// /api/status, with the counts and an example of each as the outlet wrote
// it, at the poll that parsed them and at the 304 after it.
func TestStatusShowsDatesNotTaken(t *testing.T) {
	feed, err := os.ReadFile("../poll/testdata/dates.xml")
	if err != nil {
		t.Fatal(err)
	}
	outlet := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("If-None-Match") == `"v1"` {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("ETag", `"v1"`)
		w.Header().Set("Content-Type", "application/rss+xml; charset=utf-8")
		_, _ = w.Write(feed)
	}))
	defer outlet.Close()
	ss := siteOf(t, fmt.Sprintf("  - {id: biencuong, title: Báo Biên Cương, url: %q}\n", outlet.URL), "")
	want := store.Dates{Unreadable: 2, UnreadableExample: "29 tháng 11, 2026 8 giờ", Future: 1, FutureExample: "2099-12-03 08:00 +07:00"}
	for _, result := range []string{poll.ResultOK, poll.ResultNotModified} {
		ss.poller.PollAll(context.Background(), nil)
		v, _ := ss.apiStatus(t)
		s := v.Sources[0]
		if s.Result != result || s.State != "warning" || s.Dates == nil || *s.Dates != want {
			t.Errorf("after a poll %s: result %s, state %s, dates %+v; want warning, %+v", result, s.Result, s.State, s.Dates, want)
		}
		for _, w := range []string{`2 of 4 items have a date newswire cannot read ("29 tháng 11, 2026 8 giờ")`, `1 of 4 items is dated in the future ("2099-12-03 08:00 +07:00")`} {
			if !strings.Contains(s.Warning, w) {
				t.Errorf("after a poll %s: warning %q lacks %q", result, s.Warning, w)
			}
		}
	}
}
