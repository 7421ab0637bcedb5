package websub

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"path/filepath"
	"slices"
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

// lowerNewswire is a newswire on loopback that another one follows: its
// store, its server and its publisher, pinging hubURL. Its config can be
// replaced (setBase), as a reload does.
type lowerNewswire struct {
	t       *testing.T
	st      *store.Store
	hubURL  string
	dataDir string
	handler atomic.Pointer[http.Handler]
	stop    func()
	// moved, when set, is the address that answers 301 to base_url.
	moved atomic.Pointer[string]
	bases []*atomic.Pointer[string]
}

func startLower(t *testing.T, hubURL string) *lowerNewswire {
	t.Helper()
	l := &lowerNewswire{t: t, hubURL: hubURL, dataDir: filepath.Join(t.TempDir(), "lower")}
	st, err := store.Open(filepath.Join(l.dataDir, "newswire.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	l.st = st
	t.Cleanup(func() {
		if l.stop != nil {
			l.stop()
		}
		st.Close()
	})
	return l
}

// listen serves the lower newswire on a fresh loopback address, which it
// returns.
func (l *lowerNewswire) listen() string {
	srv, u := loopback(l.t)
	var base atomic.Pointer[string] // where this address's documents say they are
	srv.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if m := l.moved.Load(); m != nil && *m == u {
			http.Redirect(w, r, *base.Load()+r.URL.RequestURI(), http.StatusMovedPermanently)
			return
		}
		(*l.handler.Load()).ServeHTTP(w, r)
	})
	l.bases = append(l.bases, &base)
	srv.Start()
	return u
}

// setBase runs the lower newswire under base_url base, with a publisher of
// its own from then on.
func (l *lowerNewswire) setBase(base string, cursor *Cursor) {
	l.t.Helper()
	cfg := parse(l.t, fmt.Sprintf(`
base_url: %s
data_dir: %s
websub: {hub: "%s/"}
sources: [{id: baohagiang, title: Báo Hà Giang, url: "https://baohagiang.example.vn/rss", level: provincial}]
categories: [{id: thoi-su, title: Thời sự}]
default_category: thoi-su
`, base, l.dataDir, l.hubURL))
	if l.stop != nil {
		l.stop()
	}
	h := server.New(cfg, l.st, slog.New(slog.DiscardHandler)).Handler()
	l.handler.Store(&h)
	for _, b := range l.bases {
		b.Store(&base)
	}
	pub := NewPublisher(cfg, l.st, &http.Client{Timeout: 5 * time.Second}, slog.New(slog.DiscardHandler))
	pub.Cursor = cursor
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { _ = pub.Run(ctx); close(done) }()
	l.stop = func() { cancel(); <-done }
	time.Sleep(300 * time.Millisecond) // the publisher has its place
}

// add stores a story of Báo Hà Giang in the lower newswire.
func (l *lowerNewswire) add(slug, title string) {
	l.t.Helper()
	link := "https://baohagiang.example.vn/tin/" + slug
	if _, err := l.st.Apply("baohagiang", []store.Incoming{{
		Item: feeds.Item{GUID: link, Link: link, Title: title, Summary: title + ".", Language: "vi", Published: time.Now()},
		Key:  link, Categories: []string{"thoi-su"},
	}}, time.Now()); err != nil {
		l.t.Fatal(err)
	}
}

// upperNewswire follows a lower one (source "huyen") with its poller and
// subscriber, as the daemon runs them: a push has the source polled.
type upperNewswire struct {
	base   string
	st     *store.Store
	poller *poll.Poller
	sub    *Subscriber
	src    config.Source
}

func startUpper(t *testing.T, sourceURL string) *upperNewswire {
	t.Helper()
	log := slog.New(slog.DiscardHandler)
	srv, base := loopback(t)
	cfg := parse(t, fmt.Sprintf(`
base_url: %s
data_dir: %s
poll: {interval: 1h, timeout: 5s}
websub: {subscribe: true, secret: %s, lease: 1h}
sources: [{id: huyen, title: Newswire huyện, url: %q}]
categories: [{id: tin-tinh, title: Tin tỉnh}]
default_category: tin-tinh
`, base, filepath.Join(t.TempDir(), "upper"), secret, sourceURL))
	st, err := store.Open(filepath.Join(cfg.DataDir, "newswire.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	u := &upperNewswire{base: base, st: st, poller: poll.New(cfg, st, log), src: cfg.Sources[0]}
	u.sub = NewSubscriber(cfg, u.poller.HTTPClient(), log, u.poller.Soon)
	u.poller.WatchAdvertised(u.sub.Advertised)
	mux := http.NewServeMux()
	mux.Handle(CallbackPath, u.sub)
	srv.Config.Handler = mux
	srv.Start()
	// The first poll, then the schedule (the next is an hour away) and
	// the subscriber.
	if rep := u.poller.Poll(context.Background(), u.src); rep.Err != nil {
		t.Fatal(rep.Err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() { _ = u.poller.Run(ctx) })
	wg.Go(func() { _ = u.sub.Run(ctx) })
	t.Cleanup(func() { cancel(); wg.Wait(); st.Close() })
	return u
}

// subscribed reports whether hub holds the upper newswire's subscription
// to topic.
func (u *upperNewswire) subscribed(hub *Hub, topic string) bool {
	hub.mu.Lock()
	defer hub.mu.Unlock()
	_, ok := hub.subs[topic][callbackAt(u.base, "huyen")]
	return ok
}

// cursor is the cursor the upper newswire follows its source from.
func (u *upperNewswire) cursor(t *testing.T) string {
	t.Helper()
	states, err := u.poller.States()
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range states {
		if s.ID == u.src.ID {
			return s.Cursor
		}
	}
	return ""
}

// has reports whether the upper newswire holds a story titled title.
func (u *upperNewswire) has(t *testing.T, title string) bool {
	t.Helper()
	page, err := u.st.Latest(store.AllCategory, 50, "")
	if err != nil {
		t.Fatal(err)
	}
	return slices.ContainsFunc(page.Stories, func(s feeds.Story) bool { return s.Title == title })
}

// waitFor waits up to d for cond.
func waitFor(d time.Duration, cond func() bool) bool {
	for deadline := time.Now().Add(d); !cond(); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			return false
		}
	}
	return true
}

// TestPushForAFeedReadWithAQuery: a newswire that follows another by
// the cursor of its feed, read with a query (a limit, a since cursor),
// subscribes to the plain feed, the one the lower newswire pings its hub
// with; a story stored below is pushed, polled from the cursor held, and
// stored above within seconds, though the source's interval is an hour.
func TestPushForAFeedReadWithAQuery(t *testing.T) {
	hubSrv, hubURL := loopback(t)
	hub := NewHub(&http.Client{Timeout: 5 * time.Second}, slog.New(slog.DiscardHandler))
	hubSrv.Config.Handler = hub
	hubSrv.Start()
	lower := startLower(t, hubURL)
	aURL := lower.listen()
	lower.setBase(aURL, nil)
	lower.add("cau-treo", "Khánh thành cầu treo Nậm Lang")
	plain := aURL + "/feeds/all.atom"

	resp, err := http.Get(plain)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	head := resp.Header.Get("X-Newswire-Cursor")

	for i, query := range []string{"?limit=50", "?since=" + head} {
		t.Run(query, func(t *testing.T) {
			up := startUpper(t, plain+query)
			if !waitFor(10*time.Second, func() bool { return up.subscribed(hub, plain) }) {
				t.Fatalf("no subscription to %s", plain)
			}
			if up.subscribed(hub, plain+query) {
				t.Errorf("subscribed to %s too, which is never pinged", plain+query)
			}
			before := up.cursor(t)
			if before == "" {
				t.Fatal("the source is not followed by its cursor")
			}
			title := fmt.Sprintf("Chợ phiên Đồng Văn mở cửa lại, lần %d", i+1)
			lower.add(fmt.Sprintf("cho-phien-%d", i), title)
			if !waitFor(10*time.Second, func() bool { return up.has(t, title) }) {
				t.Fatal("a story stored below did not reach the newswire above within 10 s")
			}
			// The pushed document may store the story before the poll
			// the push asks for has moved the cursor on.
			if !waitFor(10*time.Second, func() bool { after := up.cursor(t); return after != "" && after != before }) {
				t.Errorf("cursor after the push's poll %q, before %q", up.cursor(t), before)
			}
		})
	}
}

// TestResubscribesWhenTheFeedMoves: the newswire below changes its
// base_url (it is still reached at the address the newswire above polls).
// The next scheduled poll above reads the new address as the feed's own:
// the newswire above subscribes to the new topic, the one now pinged, and
// unsubscribes the old one; a story stored below then arrives within
// seconds, not at the next scheduled poll.
func TestResubscribesWhenTheFeedMoves(t *testing.T) {
	t.Run("base_url", func(t *testing.T) { testResubscribes(t, false) })
	// The old address answers 301 to the new one: the poller follows it
	// from then on, and so does the subscription.
	t.Run("301", func(t *testing.T) { testResubscribes(t, true) })
}

func testResubscribes(t *testing.T, redirect bool) {
	hubSrv, hubURL := loopback(t)
	hub := NewHub(&http.Client{Timeout: 5 * time.Second}, slog.New(slog.DiscardHandler))
	hubSrv.Config.Handler = hub
	hubSrv.Start()
	lower := startLower(t, hubURL)
	oldURL, newURL := lower.listen(), lower.listen()
	var cursor Cursor
	lower.setBase(oldURL, &cursor)
	lower.add("cau-treo", "Khánh thành cầu treo Nậm Lang")

	up := startUpper(t, oldURL+"/feeds/all.atom")
	oldTopic, newTopic := oldURL+"/feeds/all.atom", newURL+"/feeds/all.atom"
	if !waitFor(10*time.Second, func() bool { return up.subscribed(hub, oldTopic) }) {
		t.Fatalf("no subscription to %s", oldTopic)
	}

	lower.setBase(newURL, &cursor) // a reload below with another base_url
	if redirect {
		lower.moved.Store(&oldURL)
	}
	lower.add("ruong-bac-thang", "Ruộng bậc thang Hoàng Su Phì vào mùa lúa chín")
	// The scheduled poll above.
	if rep := up.poller.Poll(context.Background(), up.src); rep.Err != nil || rep.New != 1 {
		t.Fatalf("poll: %+v", rep)
	}
	if !waitFor(10*time.Second, func() bool { return up.subscribed(hub, newTopic) }) {
		t.Fatalf("not subscribed to %s after a poll read it as the feed's own", newTopic)
	}
	if !waitFor(5*time.Second, func() bool { return !up.subscribed(hub, oldTopic) }) {
		t.Errorf("still subscribed to %s", oldTopic)
	}
	if st := up.sub.Status()["huyen"]; st.State != "verified" {
		t.Errorf("subscription %+v", st)
	}

	title := "Chợ phiên Đồng Văn mở cửa lại"
	lower.add("cho-phien", title)
	if !waitFor(10*time.Second, func() bool { return up.has(t, title) }) {
		t.Fatal("a story stored below after the move did not reach the newswire above within 10 s")
	}
}
