package poll_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"newswire/feeds"
	"newswire/internal/config"
	"newswire/internal/poll"
	"newswire/internal/server"
	"newswire/store"
)

// A newswire instance polled by another, as a district's by its province's:
// both real, each with its own bbolt store, the lower one serving its
// merged feeds through its own HTTP handler.

// districtOutlet is the RSS feed of an outlet the lower newswire polls.
type districtOutlet struct {
	mu    sync.Mutex
	items []outletItem
	base  time.Time
}

type outletItem struct {
	n           int
	title, body string
}

// publish adds n stories, numbered on from the last.
func (o *districtOutlet) publish(n int) {
	o.mu.Lock()
	defer o.mu.Unlock()
	places := []string{"Mèo Vạc", "Đồng Văn", "Yên Minh", "Quản Bạ", "Bắc Mê", "Vị Xuyên", "Bắc Quang", "Xín Mần"}
	works := []string{"khánh thành cầu treo", "mở lớp dạy chữ", "trồng rừng phòng hộ", "sửa đường liên xã", "đón đoàn khách", "khai trương chợ phiên"}
	for range n {
		k := len(o.items) + 1
		o.items = append(o.items, outletItem{n: k,
			title: fmt.Sprintf("Xã số %d huyện %s %s", k, places[k%len(places)], works[k%len(works)]),
			body:  fmt.Sprintf("Bài %d: người dân huyện %s phấn khởi; district news item %d.", k, places[k%len(places)], k)})
	}
}

// edit rewrites story k's headline and text, as an outlet correcting it.
func (o *districtOutlet) edit(k int, title string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.items[k-1].title = title
	o.items[k-1].body += " Đã cập nhật số liệu."
}

func (o *districtOutlet) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	o.mu.Lock()
	defer o.mu.Unlock()
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Tin huyện</title><link>http://huyen.example/</link><description>Tin huyện</description>`)
	for i := len(o.items) - 1; i >= 0; i-- {
		it := o.items[i]
		fmt.Fprintf(&b, `<item><title>%s</title><link>http://huyen.example/tin/%d</link><guid>http://huyen.example/tin/%d</guid><description>%s</description><pubDate>%s</pubDate></item>`,
			it.title, it.n, it.n, it.body, o.base.Add(time.Duration(it.n)*time.Minute).Format(time.RFC1123Z))
	}
	b.WriteString(`</channel></rss>`)
	w.Header().Set("Content-Type", "application/rss+xml; charset=utf-8")
	_, _ = w.Write([]byte(b.String()))
}

// tier is one newswire: its config, store and poller.
type tier struct {
	cfg    *config.Config
	st     *store.Store
	poller *poll.Poller
	logs   *syncBuffer
}

type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *syncBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *syncBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// newTier opens a store at path (a new one in a temporary folder when
// empty) for a newswire whose config has the given lines before its
// sources, and polls source id from url.
func newTier(t *testing.T, path, head, id, url string) *tier {
	t.Helper()
	dir := t.TempDir()
	yml := fmt.Sprintf(`data_dir: %s
%s
poll: {interval: 10m, min_interval: 5m, max_interval: 1h, timeout: 5s, host_gap: 0s, commit_delay: 0s}
sources:
  - {id: %s, url: %q, language: vi}
categories: [{id: thoi-su}]
default_category: thoi-su
`, dir, head, id, url)
	cfg, err := config.Parse([]byte(yml), "config.yaml")
	if err != nil {
		t.Fatalf("config:\n%s\n%v", yml, err)
	}
	if path == "" {
		path = filepath.Join(dir, "newswire.db")
	}
	st, err := store.Open(path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	logs := &syncBuffer{}
	log := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	return &tier{cfg: cfg, st: st, poller: poll.New(cfg, st, log), logs: logs}
}

// poll polls the tier's one source once, and fails the test on an error.
func (tr *tier) poll(t *testing.T) poll.Report {
	t.Helper()
	rep := tr.poller.Poll(context.Background(), tr.cfg.Sources[0])
	if rep.Err != nil {
		t.Fatalf("poll %s: %v\n%s", tr.cfg.Sources[0].ID, rep.Err, tr.logs.String())
	}
	return rep
}

// stories is every story of the tier's store by title.
func (tr *tier) stories(t *testing.T) map[string]feeds.Story {
	t.Helper()
	out := map[string]feeds.Story{}
	if err := tr.st.ForEach(func(s feeds.Story) error {
		if _, dup := out[s.Title]; dup {
			return fmt.Errorf("two stories titled %q", s.Title)
		}
		out[s.Title] = s
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return out
}

func (tr *tier) state(t *testing.T) store.SourceState {
	t.Helper()
	states, err := tr.poller.States()
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range states {
		if s.ID == tr.cfg.Sources[0].ID {
			return s
		}
	}
	t.Fatalf("no state of %s", tr.cfg.Sources[0].ID)
	return store.SourceState{}
}

// lowerServer serves a lower newswire's HTTP handler on a loopback
// address of its own, recording the query of every feed request; its
// handler can be swapped, as a daemon restarted over another store.
type lowerServer struct {
	URL     string
	handler atomic.Pointer[http.Handler]
	mu      sync.Mutex
	queries []string
	// failing counts down the requests of changes to the one answered
	// with a 503; zero: none is.
	failing int
	// mangle, when set, rewrites the pages of changes served.
	mangle func([]byte) []byte
}

// mangleSince makes the pages of changes from now be served through f;
// nil serves them as they are.
func (ls *lowerServer) mangleSince(f func([]byte) []byte) {
	ls.mu.Lock()
	defer ls.mu.Unlock()
	ls.mangle = f
}

// failSince makes the kth request of changes from now fail.
func (ls *lowerServer) failSince(k int) {
	ls.mu.Lock()
	defer ls.mu.Unlock()
	ls.failing = k
}

func serveLower(t *testing.T, ip string, tr *tier) *lowerServer {
	t.Helper()
	ls := &lowerServer{}
	ls.serve(tr)
	ln, err := net.Listen("tcp", ip+":0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &httptest.Server{Listener: ln, Config: &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ls.mu.Lock()
		ls.queries = append(ls.queries, r.URL.RawQuery)
		fail := false
		if ls.failing > 0 && r.URL.Query().Has("since") {
			ls.failing--
			fail = ls.failing == 0
		}
		mangle := ls.mangle
		ls.mu.Unlock()
		if fail {
			http.Error(w, "tạm thời quá tải", http.StatusServiceUnavailable)
			return
		}
		if mangle != nil && r.URL.Query().Has("since") {
			rec := httptest.NewRecorder()
			r = r.Clone(r.Context())
			r.Header.Del("Accept-Encoding") // the page as text, to mangle
			(*ls.handler.Load()).ServeHTTP(rec, r)
			for k, v := range rec.Header() {
				if k != "Content-Length" && k != "Etag" {
					w.Header()[k] = v
				}
			}
			w.WriteHeader(rec.Code)
			_, _ = w.Write(mangle(rec.Body.Bytes()))
			return
		}
		(*ls.handler.Load()).ServeHTTP(w, r)
	})}}
	srv.Start()
	t.Cleanup(srv.Close)
	ls.URL = srv.URL
	return ls
}

func (ls *lowerServer) serve(tr *tier) {
	h := server.New(tr.cfg, tr.st, slog.New(slog.DiscardHandler)).Handler()
	ls.handler.Store(&h)
}

// asked returns the queries of the feed requests since the last call.
func (ls *lowerServer) asked() []string {
	ls.mu.Lock()
	defer ls.mu.Unlock()
	q := ls.queries
	ls.queries = nil
	return q
}

// district is an outlet and the lower newswire that polls it, with
// items_per_feed 5, serving on ip.
func district(t *testing.T, ip string) (*districtOutlet, *tier, *lowerServer) {
	t.Helper()
	outlet := &districtOutlet{base: time.Now().Add(-6 * time.Hour).Truncate(time.Minute)}
	out := httptest.NewServer(outlet)
	t.Cleanup(out.Close)
	// Two district newswires never publish under one tag authority.
	head := fmt.Sprintf("items_per_feed: 5\ntag_authority: huyen-%s.example", strings.ReplaceAll(ip, ".", "-"))
	lower := newTier(t, "", head, "bao-huyen", out.URL+"/rss")
	return outlet, lower, serveLower(t, ip, lower)
}

func titles(m map[string]feeds.Story) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// TestFollowsLowerNewswire is the federation of the design: a lower
// newswire serving 5 stories a feed gets 8 between two polls of the upper
// one, which must store all of them, page after page when the limit it
// asks is smaller, whether the source's URL names a cursor or not; an
// edit comes again and updates the story; a page of no changes is no
// emptied feed, and an unchanged one is a 304.
func TestFollowsLowerNewswire(t *testing.T) {
	for _, tc := range []struct {
		name, feed, query string
		pages             int // pages read for the 8 stories
	}{
		{"plain url", "all.rss", "", 1},
		{"limit 3", "all.rss", "?limit=3", 3},
		{"since written in the url", "all.rss", "?limit=5&since=" + store.ChangeCursor(0), 2},
		{"atom, limit 3", "all.atom", "?limit=3", 3},
		{"json feed, limit 3", "thoi-su.json", "?limit=3", 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			outlet, lower, ls := district(t, "127.0.0.31")
			upper := newTier(t, "", "", "tinh-huyen", ls.URL+"/feeds/"+tc.feed+tc.query)

			outlet.publish(3)
			lower.poll(t)
			if rep := upper.poll(t); rep.New != 3 || upper.state(t).Cursor == "" {
				t.Fatalf("first poll: %+v; cursor %q", rep, upper.state(t).Cursor)
			}
			outlet.publish(8)
			if rep := lower.poll(t); rep.New != 8 {
				t.Fatalf("lower poll: %+v", rep)
			}
			ls.asked()
			rep := upper.poll(t)
			asked := ls.asked()
			if rep.New != 8 || rep.Items != 8 || len(asked) != tc.pages {
				t.Errorf("poll after 8 stories: new %d, items %d in %d requests, want 8 in %d\n%s", rep.New, rep.Items, len(asked), tc.pages, upper.logs.String())
			}
			if got, want := titles(upper.stories(t)), titles(lower.stories(t)); !slices.Equal(got, want) {
				t.Fatalf("upper holds %d stories, lower %d:\n%q\n%q", len(got), len(want), got, want)
			}
			for _, q := range asked {
				if !strings.Contains(q, "since=") {
					t.Errorf("request %q does not follow the cursor", q)
				}
			}
			head, err := lower.st.Head()
			if err != nil {
				t.Fatal(err)
			}
			if got := upper.state(t).Cursor; got != head {
				t.Errorf("cursor held %q, want the lower one's head %q", got, head)
			}
			if !strings.Contains(upper.logs.String(), fmt.Sprintf("pages=%d", tc.pages)) {
				t.Errorf("no poll line says pages=%d:\n%s", tc.pages, upper.logs.String())
			}

			// An edit at the outlet: the same story, updated, in both.
			outlet.edit(4, "Xã số 4 huyện Mèo Vạc khánh thành cầu treo thứ hai")
			if rep := lower.poll(t); rep.Updated != 1 {
				t.Fatalf("lower poll of the edit: %+v", rep)
			}
			before := upper.stories(t)
			rep = upper.poll(t)
			after := upper.stories(t)
			if rep.New != 0 || rep.Updated != 1 || len(after) != len(before) {
				t.Fatalf("poll of the edit: new %d updated %d, %d stories before, %d after", rep.New, rep.Updated, len(before), len(after))
			}
			if _, ok := after["Xã số 4 huyện Mèo Vạc khánh thành cầu treo thứ hai"]; !ok {
				t.Fatalf("the edit is not stored: %q", titles(after))
			}

			// Nothing more: a page with no change, then the same page again.
			prev := upper.state(t)
			rep = upper.poll(t)
			st := upper.state(t)
			if rep.Warning != "" || st.EmptiedFrom != 0 || st.PublishGap != prev.PublishGap || !st.NewestItem.Equal(prev.NewestItem) {
				t.Errorf("an empty page of changes: warning %q, emptied from %d, gap %s→%s, newest %s→%s",
					rep.Warning, st.EmptiedFrom, prev.PublishGap, st.PublishGap, prev.NewestItem, st.NewestItem)
			}
			if rep = upper.poll(t); rep.Result != poll.ResultNotModified || rep.Status != http.StatusNotModified {
				t.Errorf("the same page of changes again: %s %d, want a 304", rep.Result, rep.Status)
			}
		})
	}
}

// TestFollowsRestoredNewswire restores the lower newswire's store from a
// backup older than the upper one's cursor: the 400 it answers drops the
// cursor, the feed is read plainly once, and followed again from there.
func TestFollowsRestoredNewswire(t *testing.T) {
	outlet, lower, ls := district(t, "127.0.0.32")
	upper := newTier(t, "", "", "tinh-huyen", ls.URL+"/feeds/all.rss")
	outlet.publish(3)
	lower.poll(t)
	upper.poll(t)
	backup := filepath.Join(t.TempDir(), "backup.db")
	f, err := os.Create(backup)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := lower.st.Backup(f); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	outlet.publish(8)
	lower.poll(t)
	upper.poll(t)
	held := upper.state(t).Cursor

	// The lower store is lost, and the backup goes in its place, going
	// on after the highest story id a reader saw (restore -after ID): the
	// cursor held is past its log.
	lost, err := lower.st.Counters()
	if err != nil {
		t.Fatal(err)
	}
	if err := store.GoOn(backup, store.Counters{Story: lost.Story}, ""); err != nil {
		t.Fatal(err)
	}
	restored := newTier(t, backup, "items_per_feed: 5\ntag_authority: huyen-127-0-0-32.example", "bao-huyen", lower.cfg.Sources[0].URL)
	ls.serve(restored)
	ls.asked()
	rep := upper.poll(t)
	asked := ls.asked()
	if len(asked) != 2 || !strings.Contains(asked[0], "since="+held) || strings.Contains(asked[1], "since=") {
		t.Fatalf("requests %q, want one after the cursor held, %s, and one plain", asked, held)
	}
	if !strings.Contains(upper.logs.String(), "source refused the cursor held (400)") {
		t.Errorf("the log does not say why the cursor was dropped:\n%s", upper.logs.String())
	}
	if rep.Items != 3 || rep.New != 0 {
		t.Errorf("the plain read: %d items, %d new; want the backup's 3, known", rep.Items, rep.New)
	}
	head, err := restored.st.Head()
	if err != nil {
		t.Fatal(err)
	}
	if got := upper.state(t).Cursor; got != head {
		t.Errorf("cursor after the plain read %q, want the restored store's head %q", got, head)
	}

	// From there on it follows the restored store, which stores the
	// outlet's items after the backup again, and one more.
	outlet.publish(1)
	restored.poll(t)
	ls.asked()
	rep = upper.poll(t)
	if rep.New != 1 || rep.Items != 9 {
		t.Errorf("after the restored store caught up: %d items, %d new; want 9, 1", rep.Items, rep.New)
	}
	if asked := ls.asked(); len(asked) != 1 || !strings.Contains(asked[0], "since="+head) {
		t.Errorf("requests %q, want the changes after %s", asked, head)
	}
	if got, want := titles(upper.stories(t)), titles(restored.stories(t)); !slices.Equal(got, want) {
		t.Errorf("upper holds %d stories, the restored lower %d:\n%q\n%q", len(got), len(want), got, want)
	}
}

// TestCursorAndSourceURL changes the source's URL in the config: another
// limit keeps the cursor; another newswire drops it, and the first poll
// there reads its feed plainly, although the cursor held would pass
// there as one of its own.
func TestCursorAndSourceURL(t *testing.T) {
	outlet, lower, ls := district(t, "127.0.0.33")
	outlet2, lower2, ls2 := district(t, "127.0.0.34")
	upper := newTier(t, "", "", "tinh-huyen", ls.URL+"/feeds/all.rss")
	outlet.publish(3)
	lower.poll(t)
	upper.poll(t)
	held := upper.state(t).Cursor
	if held == "" {
		t.Fatal("no cursor held after the first poll")
	}

	reconfigure := func(url string) {
		t.Helper()
		next := *upper
		cfg := *upper.cfg
		cfg.Sources = slices.Clone(cfg.Sources)
		cfg.Sources[0].URL = url
		next.cfg = &cfg
		next.poller = poll.New(&cfg, upper.st, slog.New(slog.NewTextHandler(upper.logs, nil)))
		*upper = next
	}

	reconfigure(ls.URL + "/feeds/all.rss?limit=4")
	ls.asked()
	upper.poll(t)
	if asked := ls.asked(); len(asked) != 1 || !strings.Contains(asked[0], "since="+held) || !strings.Contains(asked[0], "limit=4") {
		t.Errorf("after a new limit: requests %q, want the changes after %s, 4 at most", asked, held)
	}

	// The other newswire has more stories than the first: the cursor
	// held is within its log, and would skip its first stories.
	outlet2.publish(9)
	lower2.poll(t)
	reconfigure(ls2.URL + "/feeds/all.rss")
	rep := upper.poll(t)
	if asked := ls2.asked(); len(asked) != 1 || strings.Contains(asked[0], "since=") {
		t.Errorf("after a new url: requests %q, want one plain", asked)
	}
	if rep.New != 5 {
		t.Errorf("the plain read of the new url stored %d stories, want its feed's 5", rep.New)
	}
	head, err := lower2.st.Head()
	if err != nil {
		t.Fatal(err)
	}
	if got := upper.state(t).Cursor; got != head {
		t.Errorf("cursor after the new url %q, want its head %q", got, head)
	}
}

// TestFollowsLongBacklog reads at most a poll's worth of pages of
// changes, and polls again soon for the rest.
func TestFollowsLongBacklog(t *testing.T) {
	outlet, lower, ls := district(t, "127.0.0.35")
	upper := newTier(t, "", "", "tinh-huyen", ls.URL+"/feeds/all.rss?limit=1")
	outlet.publish(1)
	lower.poll(t)
	upper.poll(t)
	outlet.publish(25)
	lower.poll(t)
	ls.asked()
	rep := upper.poll(t)
	if asked := ls.asked(); rep.New != 20 || len(asked) != 20 {
		t.Fatalf("first poll of 25: %d new in %d requests, want 20 in 20", rep.New, len(asked))
	}
	st := upper.state(t)
	if lo := upper.cfg.Poll.MinInterval.D(); st.IntervalReason != "catching up: more changes wait at the source" || st.Interval != lo {
		t.Errorf("next poll in %s (%s), want %s to catch up", st.Interval, st.IntervalReason, lo)
	}
	rep = upper.poll(t)
	if asked := ls.asked(); rep.New != 5 || len(asked) != 6 {
		t.Errorf("second poll: %d new in %d requests, want 5 in 6 (the last one empty)", rep.New, len(asked))
	}
	if got, want := titles(upper.stories(t)), titles(lower.stories(t)); !slices.Equal(got, want) {
		t.Errorf("upper holds %d stories, lower %d", len(got), len(want))
	}
	if st := upper.state(t); st.IntervalReason == "catching up: more changes wait at the source" {
		t.Errorf("still catching up after the backlog: %s", st.IntervalReason)
	}
}

// TestStatusShowsCursor: the upper newswire's status page and API show
// the cursor it follows the lower one from.
func TestStatusShowsCursor(t *testing.T) {
	outlet, lower, ls := district(t, "127.0.0.36")
	upper := newTier(t, "", "", "tinh-huyen", ls.URL+"/feeds/all.rss")
	outlet.publish(2)
	lower.poll(t)
	upper.poll(t)
	head, err := lower.st.Head()
	if err != nil {
		t.Fatal(err)
	}
	web := server.New(upper.cfg, upper.st, slog.New(slog.DiscardHandler))
	web.SetSourceStates(upper.poller.States)
	srv := httptest.NewServer(web.Handler())
	t.Cleanup(srv.Close)

	var v struct {
		Sources []struct {
			ID     string `json:"id"`
			Cursor string `json:"cursor"`
		} `json:"sources"`
	}
	getJSON(t, srv.URL+"/api/status", &v)
	if len(v.Sources) != 1 || v.Sources[0].Cursor != head {
		t.Errorf("/api/status sources %+v, want the cursor %q", v.Sources, head)
	}
	resp, err := http.Get(srv.URL + "/status")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	page, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(page), "<code>"+head+"</code>") {
		t.Errorf("/status does not show the cursor %q", head)
	}
}

// TestFollowsPastFailedPage: a page of changes that fails keeps what the
// pages before it brought, and the next poll goes on from there.
func TestFollowsPastFailedPage(t *testing.T) {
	outlet, lower, ls := district(t, "127.0.0.37")
	upper := newTier(t, "", "", "tinh-huyen", ls.URL+"/feeds/all.rss?limit=3")
	outlet.publish(3)
	lower.poll(t)
	upper.poll(t)
	before := upper.state(t).Cursor
	outlet.publish(8)
	lower.poll(t)
	ls.failSince(2)
	rep := upper.poller.Poll(context.Background(), upper.cfg.Sources[0])
	if rep.Err == nil || rep.New != 3 {
		t.Fatalf("poll whose second page fails: %d new, error %v; want the first page's 3 and the error", rep.New, rep.Err)
	}
	saved, _, err := upper.st.Source("tinh-huyen")
	if err != nil {
		t.Fatal(err)
	}
	if saved.Cursor == "" || saved.Cursor == before {
		t.Errorf("cursor saved after the first page %q, was %q before it", saved.Cursor, before)
	}
	if got := len(upper.stories(t)); got != 6 {
		t.Errorf("%d stories stored, want the 3 before and the first page's 3", got)
	}
	ls.asked()
	upper.poll(t)
	if asked := ls.asked(); len(asked) != 2 || !strings.Contains(asked[0], "since="+saved.Cursor) {
		t.Errorf("requests %q, want 2 pages from %s", asked, saved.Cursor)
	}
	if got, want := titles(upper.stories(t)), titles(lower.stories(t)); !slices.Equal(got, want) {
		t.Errorf("upper holds %d stories, lower %d", len(got), len(want))
	}
}

// TestFollowsMovedNewswire: a lower newswire that moves for good (301)
// while followed is polled at its new address, with no cursor frozen in it.
func TestFollowsMovedNewswire(t *testing.T) {
	outlet, lower, ls := district(t, "127.0.0.38")
	var moved atomic.Bool
	old := serveLower(t, "127.0.0.39", lower)
	oldHandler := server.New(lower.cfg, lower.st, slog.New(slog.DiscardHandler)).Handler()
	redirect := http.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if moved.Load() {
			http.Redirect(w, r, ls.URL+r.URL.RequestURI(), http.StatusMovedPermanently)
			return
		}
		oldHandler.ServeHTTP(w, r)
	}))
	old.handler.Store(&redirect)
	upper := newTier(t, "", "", "tinh-huyen", old.URL+"/feeds/all.rss?limit=3")
	outlet.publish(3)
	lower.poll(t)
	upper.poll(t)

	moved.Store(true)
	outlet.publish(5)
	lower.poll(t)
	rep := upper.poll(t)
	if rep.New != 5 {
		t.Errorf("poll at the new address: %d new, want 5", rep.New)
	}
	if got, want := upper.state(t).URL, ls.URL+"/feeds/all.rss?limit=3"; got != want {
		t.Errorf("polled at %s, want %s", got, want)
	}
	if got, want := titles(upper.stories(t)), titles(lower.stories(t)); !slices.Equal(got, want) {
		t.Errorf("upper holds %d stories, lower %d", len(got), len(want))
	}
}

// TestFollowsInSmallerPages: a page of changes over poll.max_body_bytes
// (long stories, many of them) is asked again for fewer changes, rather
// than fail the same way at every poll.
func TestFollowsInSmallerPages(t *testing.T) {
	outlet, lower, ls := district(t, "127.0.0.38")
	upper := newTier(t, "", "", "tinh-huyen", ls.URL+"/feeds/all.rss?limit=20")
	outlet.publish(1)
	lower.poll(t)
	upper.poll(t)
	outlet.publish(12)
	lower.poll(t)
	resp, err := http.Get(ls.URL + "/feeds/all.rss?limit=4")
	if err != nil {
		t.Fatal(err)
	}
	four, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	// A page of four fits; one of the twelve changes does not.
	upper.cfg.Poll.MaxBodyBytes = int64(len(four)) + 200
	upper.poller = poll.New(upper.cfg, upper.st, slog.New(slog.DiscardHandler))
	rep := upper.poller.Poll(context.Background(), upper.cfg.Sources[0])
	if rep.Err != nil || rep.New != 12 {
		t.Fatalf("poll over the body cap: %d new, err %v; want the 12 changes in smaller pages", rep.New, rep.Err)
	}
	if got, want := titles(upper.stories(t)), titles(lower.stories(t)); !slices.Equal(got, want) {
		t.Errorf("upper holds %d stories, lower %d", len(got), len(want))
	}
}

// unreadTitle makes the first item of a JSON Feed page one that cannot be
// read: its title a number.
func unreadTitle(b []byte) []byte {
	items := bytes.Index(b, []byte(`"items":[`))
	if items < 0 {
		return b
	}
	at := bytes.Index(b[items:], []byte(`"title":"`))
	if at < 0 {
		return b
	}
	at += items
	return slices.Concat(b[:at], []byte(`"title":5,"x":"`), b[at+len(`"title":"`):])
}

// TestHoldsPageWithUnreadChanges: a page of changes with an item that cannot
// be read (a proxy that mangled it, a fault of the source) is stored for
// what can be read, and its cursor is held: the next poll asks the same
// page again, and stores the item once it reads. A page that stays so is
// followed past at its third reading, with a warning that says the items
// were skipped, and the source is followed on from there.
func TestHoldsPageWithUnreadChanges(t *testing.T) {
	outlet, lower, ls := district(t, "127.0.0.41")
	upper := newTier(t, "", "", "tinh-huyen", ls.URL+"/feeds/all.json?limit=3")
	outlet.publish(3)
	lower.poll(t)
	upper.poll(t)
	first := upper.state(t).Cursor
	if first == "" {
		t.Fatal("no cursor after the first poll")
	}

	outlet.publish(2)
	lower.poll(t)
	ls.mangleSince(unreadTitle)
	rep := upper.poll(t)
	if st := upper.state(t); rep.New != 1 || st.Cursor != first || !strings.Contains(rep.Warning, "read again") {
		t.Fatalf("a page with an unread change: %d new, cursor %q (was %q), warning %q; want the readable one stored and the cursor held",
			rep.New, st.Cursor, first, rep.Warning)
	}
	ls.mangleSince(nil)
	rep = upper.poll(t)
	if st := upper.state(t); rep.New != 1 || st.Cursor == first || st.UnreadCursor != "" {
		t.Fatalf("the page read whole again: %d new, cursor %q, held %q; want the other stored and the cursor moved on", rep.New, st.Cursor, st.UnreadCursor)
	}
	if got, want := titles(upper.stories(t)), titles(lower.stories(t)); !slices.Equal(got, want) {
		t.Fatalf("upper holds %q, lower %q", got, want)
	}

	held := upper.state(t).Cursor
	outlet.publish(2)
	lower.poll(t)
	ls.mangleSince(unreadTitle)
	for i := range 2 {
		rep := upper.poll(t)
		if st := upper.state(t); st.Cursor != held || !strings.Contains(rep.Warning, "read again") {
			t.Fatalf("reading %d of a page that stays unread: cursor %q (was %q), warning %q", i+1, st.Cursor, held, rep.Warning)
		}
	}
	rep = upper.poll(t)
	if st := upper.state(t); st.Cursor == held || st.UnreadCursor != "" || !strings.Contains(rep.Warning, "skipped") {
		t.Fatalf("third reading: cursor %q (was %q), held %q, warning %q; want the page followed past with a warning",
			st.Cursor, held, st.UnreadCursor, rep.Warning)
	}
	ls.mangleSince(nil)
	outlet.publish(1)
	lower.poll(t)
	if rep := upper.poll(t); rep.New != 1 || rep.Warning != "" {
		t.Errorf("after the page followed past: %d new, warning %q; want the next change", rep.New, rep.Warning)
	}
}
