package poll

import (
	"context"
	"fmt"
	"io"
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"newswire/internal/fetch"
	"newswire/store"
)

func TestNotModifiedCostsNoParseNoWrite(t *testing.T) {
	tests := []struct {
		name       string
		validators bool // the server sends an ETag and answers 304
	}{
		{"304 on the ETag sent back", true},
		{"same body hash without validators", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			good := fixture(t, "good.xml")
			var sentINM []string
			url := serveOn(t, "127.0.0.2", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				sentINM = append(sentINM, r.Header.Get("If-None-Match"))
				if tt.validators {
					if r.Header.Get("If-None-Match") == `"v1"` {
						w.WriteHeader(http.StatusNotModified)
						return
					}
					w.Header().Set("ETag", `"v1"`)
				}
				good(w, r)
			}))
			cfg := testConfig(t, fastPoll, "vungcao "+url)
			p, st, _ := newPoller(t, cfg)
			src := source(t, cfg, "vungcao")

			first := p.Poll(context.Background(), src)
			if first.Err != nil || first.New != 3 {
				t.Fatalf("first poll: %+v", first)
			}
			version := st.Version()
			second := p.Poll(context.Background(), src)
			if second.Err != nil || second.Result != ResultNotModified || second.Items != 3 {
				t.Fatalf("second poll: %+v", second)
			}
			if st.Version() != version {
				t.Fatalf("an unchanged feed wrote stories: version %d → %d", version, st.Version())
			}
			if tt.validators && sentINM[1] != `"v1"` {
				t.Fatalf("If-None-Match sent back as %q", sentINM[1])
			}
			if !tt.validators && sentINM[1] != "" {
				t.Fatalf("invented a validator: %q", sentINM[1])
			}
		})
	}
}

// TestNotModifiedUpdatesValidators: a 304 that carries a new ETag or
// Last-Modified replaces the stored ones (RFC 9111, 4.3.4), so that a
// server that 304s only its current tag is not sent the old one for ever.
func TestNotModifiedUpdatesValidators(t *testing.T) {
	const (
		firstDate = "Sat, 28 Nov 2026 01:00:00 GMT"
		newDate   = "Sat, 28 Nov 2026 03:00:00 GMT"
	)
	good := fixture(t, "good.xml")
	var mu sync.Mutex
	var sentINM, sentIMS []string
	url := serveOn(t, "127.0.0.2", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		sentINM = append(sentINM, r.Header.Get("If-None-Match"))
		sentIMS = append(sentIMS, r.Header.Get("If-Modified-Since"))
		mu.Unlock()
		switch r.Header.Get("If-None-Match") {
		case `"ban-tin-1"`, `"ban-tin-2"`:
			// The same document, known now by another tag and date.
			w.Header().Set("ETag", `"ban-tin-2"`)
			w.Header().Set("Last-Modified", newDate)
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("ETag", `"ban-tin-1"`)
		w.Header().Set("Last-Modified", firstDate)
		good(w, r)
	}))
	cfg := testConfig(t, fastPoll, "thoitiet "+url)
	p, st, _ := newPoller(t, cfg)
	src := source(t, cfg, "thoitiet")
	for i := range 3 {
		if rep := p.Poll(context.Background(), src); rep.Err != nil {
			t.Fatalf("poll %d: %+v", i+1, rep)
		}
	}
	s := savedState(t, st, "thoitiet")
	if s.ETag != `"ban-tin-2"` || s.LastModified != newDate {
		t.Errorf("stored validators after a 304 with new ones: %s, %q; want \"ban-tin-2\", %q", s.ETag, s.LastModified, newDate)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(sentINM) != 3 || sentINM[2] != `"ban-tin-2"` || sentIMS[2] != newDate {
		t.Errorf("validators sent: If-None-Match %q, If-Modified-Since %q; want the third request to send the 304's", sentINM, sentIMS)
	}
}

// TestFeedThatParsesToNone: a feed that had items and now parses to none
// has no items in its last document, and is flagged at every poll, a 304
// too, until items come back.
func TestFeedThatParsesToNone(t *testing.T) {
	good, empty := fixture(t, "good.xml"), fixture(t, "empty.xml")
	var emptied atomic.Bool
	url := serveOn(t, "127.0.0.2", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !emptied.Load() {
			good(w, r)
			return
		}
		if r.Header.Get("If-None-Match") == `"rong"` {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("ETag", `"rong"`)
		empty(w, r)
	}))
	cfg := testConfig(t, fastPoll, "vungcao "+url)
	p, st, _ := newPoller(t, cfg)
	src := source(t, cfg, "vungcao")
	if rep := p.Poll(context.Background(), src); rep.Err != nil || rep.Items != 3 {
		t.Fatalf("first poll: %+v", rep)
	}
	emptied.Store(true)
	for _, want := range []string{ResultOK, ResultNotModified} {
		rep := p.Poll(context.Background(), src)
		s := savedState(t, st, "vungcao")
		if rep.Err != nil || rep.Result != want || rep.Items != 0 || s.LastItems != 0 {
			t.Errorf("poll of the emptied feed: %s, %d items, %d stored as the last document's; want %s, 0, 0", rep.Result, rep.Items, s.LastItems, want)
		}
		if !strings.Contains(rep.Warning, "had 3 items") || s.Warning != rep.Warning {
			t.Errorf("poll of the emptied feed (%s): warning %q, stored %q; want one saying it had 3 items", rep.Result, rep.Warning, s.Warning)
		}
	}
	emptied.Store(false)
	rep := p.Poll(context.Background(), src)
	if s := savedState(t, st, "vungcao"); rep.Err != nil || rep.Warning != "" || s.Warning != "" || s.LastItems != 3 {
		t.Errorf("items back: %+v, stored %d items, warning %q; want 3 and no warning", rep, s.LastItems, s.Warning)
	}
}

func TestRetryAfterPostponesThatSourceExactly(t *testing.T) {
	url := serveOn(t, "127.0.0.2", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "120")
		w.WriteHeader(http.StatusTooManyRequests)
	}))
	cfg := testConfig(t, fastPoll, "banhang "+url)
	p, st, _ := newPoller(t, cfg)
	rep := p.Poll(context.Background(), source(t, cfg, "banhang"))
	var se *fetch.StatusError
	if rep.Err == nil || rep.Status != http.StatusTooManyRequests {
		t.Fatalf("429: %+v (%T)", rep, se)
	}
	s := savedState(t, st, "banhang")
	// Counted from the answer (LastPoll is the request's start); the
	// stored times are the wall clock's, the duration the monotonic
	// clock's, which drift apart by some nanoseconds.
	if wait := s.NextPoll.Sub(s.LastPoll.Add(s.LastDuration)); (wait - 120*time.Second).Abs() > time.Millisecond {
		t.Fatalf("next poll %s after the 429, want 120s (max_interval is 4s)", wait)
	}
	if !strings.Contains(s.IntervalReason, "Retry-After") {
		t.Fatalf("interval reason %q", s.IntervalReason)
	}

	// Run keeps that promise: no second request within the next seconds.
	var h hits
	url2 := serveOn(t, "127.0.0.3", h.wrap(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "120")
		w.WriteHeader(http.StatusTooManyRequests)
	})))
	cfg2 := testConfig(t, fastPoll, "banhang "+url2)
	p2, _, _ := newPoller(t, cfg2)
	runFor(t, p2, 3500*time.Millisecond)
	if n := h.count(); n != 1 {
		t.Fatalf("%d requests in 3.5s to a source that asked for 120s", n)
	}
}

// TestHugeServerWaits: a Retry-After or a max-age of more seconds than a
// time.Duration holds asks for as long as newswire allows (7 days for a
// Retry-After, max_interval for a max-age), and must not wrap around to a
// short wait: a server that asked to be left alone would then be polled at
// every min_interval, with no backoff.
func TestHugeServerWaits(t *testing.T) {
	good := fixture(t, "good.xml")
	mux := http.NewServeMux()
	mux.HandleFunc("/ra/{status}/{secs}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", r.PathValue("secs"))
		w.WriteHeader(map[string]int{"429": http.StatusTooManyRequests, "503": http.StatusServiceUnavailable}[r.PathValue("status")])
	})
	mux.HandleFunc("/ma/{secs}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age="+r.PathValue("secs"))
		good(w, r)
	})
	url := serveOn(t, "127.0.0.2", mux)
	cfg := testConfig(t, fastPoll,
		"tranhchap "+url+"/ra/429/18446744074", "quatai "+url+"/ra/503/10000000000",
		"baotri "+url+"/ra/503/99999999999999999999999", "luutru "+url+"/ma/10000000000",
		"luutru2 "+url+"/ma/18446744074", "nghile "+url+"/ra/429/864000")
	p, st, logs := newPoller(t, cfg)
	const week = 7 * 24 * time.Hour
	for id, asked := range map[string]string{"tranhchap": "over 292 years", "quatai": "over 292 years", "baotri": "over 292 years", "nghile": "10 days"} {
		t.Run(id, func(t *testing.T) {
			if rep := p.Poll(context.Background(), source(t, cfg, id)); rep.Err == nil {
				t.Fatalf("poll: %+v, want an error", rep)
			}
			s := savedState(t, st, id)
			if wait := s.NextPoll.Sub(s.LastPoll.Add(s.LastDuration)); (wait-week).Abs() > time.Millisecond ||
				!strings.HasPrefix(s.IntervalReason, "server: Retry-After on ") {
				t.Errorf("next poll %s after the answer (%s), want 7 days (Retry-After)", wait, s.IntervalReason)
			}
			// The message says what is obeyed, and what was asked.
			want := "(retry after 7 days; asked " + asked + ")"
			if !strings.HasSuffix(s.LastError, want) || !strings.Contains(logs.String(), want) {
				t.Errorf("error %q, want it to end in %q, in the state and the log", s.LastError, want)
			}
		})
	}
	for _, id := range []string{"luutru", "luutru2"} {
		t.Run(id, func(t *testing.T) {
			if rep := p.Poll(context.Background(), source(t, cfg, id)); rep.Err != nil {
				t.Fatal(rep.Err)
			}
			s := savedState(t, st, id)
			if hi := cfg.Poll.MaxInterval.D(); s.Interval < hi*9/10 || s.Interval > hi || s.IntervalReason != hintCache {
				t.Errorf("interval %s (%s), want max_interval %s (%s)", s.Interval, s.IntervalReason, hi, hintCache)
			}
		})
	}
}

// TestRetryAfterWrittenAtOnce: under the scheduler, whose states wait for
// the next flush, a server's Retry-After is written at once: a crash must
// not have the daemon ask again a server that asked to be left alone.
func TestRetryAfterWrittenAtOnce(t *testing.T) {
	var busy atomic.Bool
	good := fixture(t, "good.xml")
	url := serveOn(t, "127.0.0.2", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if busy.Load() {
			w.Header().Set("Retry-After", "600")
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		good(w, r)
	}))
	cfg := testConfig(t, fastPoll, "nhipcau "+url)
	p, st, _ := newPoller(t, cfg)
	src := source(t, cfg, "nhipcau")
	if rep := p.Poll(context.Background(), src); rep.Err != nil {
		t.Fatal(rep.Err)
	}
	p.batching = true // as under Run
	busy.Store(true)
	if rep := p.Poll(context.Background(), src); rep.Status != http.StatusServiceUnavailable {
		t.Fatalf("second poll: %+v, want a 503", rep)
	}
	s := savedState(t, st, "nhipcau")
	if s.LastResult != ResultError || s.NextPoll.Before(time.Now().Add(590*time.Second)) {
		t.Errorf("stored state after the 503: %s, next poll %s; want the Retry-After of 600s written at once",
			s.LastResult, s.NextPoll.Format(time.TimeOnly))
	}
}

// TestRetryAfterCountsFromTheAnswer: a server that takes its time to
// answer 429 is left alone for its Retry-After from when the answer came,
// not from when the request went out.
func TestRetryAfterCountsFromTheAnswer(t *testing.T) {
	const delay, wait = 1500 * time.Millisecond, 2 * time.Second
	var mu sync.Mutex
	var arrived, answered []time.Time
	url := serveOn(t, "127.0.0.2", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		arrived = append(arrived, time.Now())
		mu.Unlock()
		time.Sleep(delay)
		w.Header().Set("Retry-After", fmt.Sprint(int(wait.Seconds())))
		w.WriteHeader(http.StatusTooManyRequests)
		mu.Lock()
		answered = append(answered, time.Now())
		mu.Unlock()
	}))
	cfg := testConfig(t, strings.Replace(fastPoll, "timeout: 2s", "timeout: 5s", 1), "chamchap "+url)
	p, _, _ := newPoller(t, cfg)
	runFor(t, p, 6*time.Second)
	mu.Lock()
	defer mu.Unlock()
	if len(arrived) < 2 {
		t.Fatalf("%d requests in 6s, want the retry after the first 429's %s", len(arrived), wait)
	}
	// Measured at the server, so allow for the network's own jitter.
	if gap := arrived[1].Sub(answered[0]); gap < wait-20*time.Millisecond {
		t.Errorf("retried %s after the 429 was sent, want at least its Retry-After of %s", gap.Round(time.Millisecond), wait)
	}
}

// TestStatusOfTheFailingPoll: a poll that fails without an answer (here a
// timeout) shows no HTTP status, not the one an earlier poll got.
func TestStatusOfTheFailingPoll(t *testing.T) {
	var slow, broken atomic.Bool
	url := serveOn(t, "127.0.0.2", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if broken.Load() {
			w.Header().Set("Content-Type", "application/rss+xml")
			_, _ = io.WriteString(w, "<rss version=\"2.0\"><channel><title>Tin cụt")
			return
		}
		if slow.Load() {
			select {
			case <-r.Context().Done():
			case <-time.After(5 * time.Second):
			}
			return
		}
		w.Header().Set("Retry-After", "1")
		w.WriteHeader(http.StatusTooManyRequests)
	}))
	cfg := testConfig(t, strings.Replace(fastPoll, "timeout: 2s", "timeout: 300ms", 1), "chamchap "+url)
	p, st, _ := newPoller(t, cfg)
	src := source(t, cfg, "chamchap")
	if rep := p.Poll(context.Background(), src); rep.Status != http.StatusTooManyRequests {
		t.Fatalf("first poll: %+v, want a 429", rep)
	}
	slow.Store(true)
	rep := p.Poll(context.Background(), src)
	if rep.Err == nil || rep.Status != 0 {
		t.Fatalf("timed-out poll: %+v, want an error and no status", rep)
	}
	if s := savedState(t, st, "chamchap"); s.LastStatus != 0 || s.ConsecutiveFailures != 2 {
		t.Errorf("after a timeout the state shows HTTP %d (%d failures), want no status: the 429 was the poll before", s.LastStatus, s.ConsecutiveFailures)
	}
	// A malformed feed came with an answer: its status stands.
	broken.Store(true)
	if rep := p.Poll(context.Background(), src); rep.Err == nil || rep.Status != http.StatusOK {
		t.Fatalf("truncated feed: %+v, want an error with status 200", rep)
	}
	if s := savedState(t, st, "chamchap"); s.LastStatus != http.StatusOK {
		t.Errorf("after a truncated 200 the state shows HTTP %d, want 200", s.LastStatus)
	}
}

func TestBackoffNeverGivesUp(t *testing.T) {
	var h hits
	url := serveOn(t, "127.0.0.2", h.wrap(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Obeyed on a 429 or a 503 only: on any other error the backoff
		// and its cap stand.
		w.Header().Set("Retry-After", "3600")
		http.Error(w, "lỗi máy chủ", http.StatusInternalServerError)
	})))
	cfg := testConfig(t, fastPoll, "hongmai "+url)
	p, st, _ := newPoller(t, cfg)
	src := source(t, cfg, "hongmai")
	if err := st.SaveSource(store.SourceState{ID: "hongmai", ConsecutiveFailures: 49, LastResult: ResultError}); err != nil {
		t.Fatal(err)
	}
	rep := p.Poll(context.Background(), src)
	s := savedState(t, st, "hongmai")
	max := cfg.Poll.MaxInterval.D()
	if rep.Err == nil || s.ConsecutiveFailures != 50 {
		t.Fatalf("50th failure: %+v, state %+v", rep, s)
	}
	if s.Interval < max*9/10 || s.Interval > max || s.NextPoll.IsZero() {
		t.Fatalf("after 50 failures interval = %s, next = %s; want within 10%% under the cap %s", s.Interval, s.NextPoll, max)
	}
	if !strings.Contains(s.IntervalReason, "backoff") {
		t.Fatalf("interval reason %q", s.IntervalReason)
	}

	// And it is still tried at the cap (4s here).
	before := h.count()
	p2, _, _ := newPoller(t, cfg)
	runFor(t, p2, 5500*time.Millisecond)
	if got := h.count() - before; got < 2 {
		t.Fatalf("a source at the backoff cap was polled %d times in 5.5s, want at least 2", got)
	}
}

func TestBackoffDoublesAndResets(t *testing.T) {
	fail := true
	good := fixture(t, "good.xml")
	url := serveOn(t, "127.0.0.2", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if fail {
			http.Error(w, "quá tải", http.StatusBadGateway)
			return
		}
		good(w, r)
	}))
	cfg := testConfig(t, "  interval: 1m\n  min_interval: 1m\n  max_interval: 6h", "tinmoi "+url)
	p, st, _ := newPoller(t, cfg)
	src := source(t, cfg, "tinmoi")
	for n, want := range []time.Duration{time.Minute, 2 * time.Minute, 4 * time.Minute, 8 * time.Minute} {
		p.Poll(context.Background(), src)
		s := savedState(t, st, "tinmoi")
		if s.Interval < want*9/10 || s.Interval > want {
			t.Fatalf("after %d failures interval = %s, want %s less at most 10%%", n+1, s.Interval, want)
		}
	}
	fail = false
	p.Poll(context.Background(), src)
	s := savedState(t, st, "tinmoi")
	if s.ConsecutiveFailures != 0 || s.LastError != "" || !s.FailingSince.IsZero() {
		t.Fatalf("success did not reset the failures: %+v", s)
	}
}

func TestPermanentRedirectIsUsedFromThenOn(t *testing.T) {
	for _, code := range []int{http.StatusMovedPermanently, http.StatusPermanentRedirect} {
		t.Run(http.StatusText(code), func(t *testing.T) {
			var old hits
			mux := http.NewServeMux()
			mux.Handle("/rss-cu.xml", old.wrap(http.RedirectHandler("/rss.xml", code)))
			mux.Handle("/rss.xml", fixture(t, "good.xml"))
			url := serveOn(t, "127.0.0.2", mux)
			cfg := testConfig(t, fastPoll, "vungcao "+url+"/rss-cu.xml")
			p, st, logs := newPoller(t, cfg)
			src := source(t, cfg, "vungcao")

			if rep := p.Poll(context.Background(), src); rep.Err != nil || rep.New != 3 {
				t.Fatalf("first poll: %+v", rep)
			}
			s := savedState(t, st, "vungcao")
			if s.URL != url+"/rss.xml" || s.URLReason != "moved" || EffectiveURL(src, s) != url+"/rss.xml" {
				t.Fatalf("move not recorded: %+v", s)
			}
			if !strings.Contains(logs.String(), "update its url in config.yaml") {
				t.Fatalf("no log line for the admin:\n%s", logs)
			}
			p.Poll(context.Background(), src)
			p.Poll(context.Background(), src)
			if n := old.count(); n != 1 {
				t.Fatalf("the old URL was asked %d times, want once", n)
			}

			// An admin who edits the URL wins over the recorded move.
			src.URL = url + "/rss.xml?edited"
			if EffectiveURL(src, savedState(t, st, "vungcao")) != src.URL {
				t.Fatal("the recorded move overrides an edited config")
			}
		})
	}
}

func TestGoneStopsPolling(t *testing.T) {
	var h hits
	url := serveOn(t, "127.0.0.2", h.wrap(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "trang đã gỡ", http.StatusGone)
	})))
	cfg := testConfig(t, fastPoll, "dadong "+url+"/rss.xml")
	p, st, logs := newPoller(t, cfg)
	src := source(t, cfg, "dadong")

	rep := p.Poll(context.Background(), src)
	if rep.Result != ResultGone || rep.Err == nil || !rep.Next.IsZero() {
		t.Fatalf("410: %+v", rep)
	}
	s := savedState(t, st, "dadong")
	if s.GoneURL != src.URL || !strings.Contains(s.LastError, "polling stopped") || !s.NextPoll.IsZero() {
		t.Fatalf("state after 410: %+v", s)
	}
	if !strings.Contains(logs.String(), "polling stopped") {
		t.Fatalf("no log line for the admin:\n%s", logs)
	}
	if rep := p.Poll(context.Background(), src); rep.Result != ResultGone {
		t.Fatalf("second poll of a gone source: %+v", rep)
	}
	// The pollers of one daemon's configs (one per reload) remind the
	// admin of it once, not at every reload.
	var said Said
	var reminders []int
	for range 2 {
		p2, _, logs2 := newPoller(t, cfg)
		p2.store = st
		p2.UseSaid(&said)
		runFor(t, p2, 1250*time.Millisecond)
		reminders = append(reminders, strings.Count(logs2.String(), "level=WARN msg=\"source is gone (410) and not polled"))
	}
	if n := h.count(); n != 1 {
		t.Fatalf("a gone source was requested %d times, want once", n)
	}
	if reminders[0] != 1 || reminders[1] != 0 {
		t.Errorf("reminders that the source is gone by the first and the next config's poller: %v, want [1 0]", reminders)
	}

	// A new URL in the config brings it back.
	src.URL = url + "/rss-moi.xml"
	if IsGone(src, savedState(t, st, "dadong")) {
		t.Fatal("a source with a new URL is still gone")
	}
}

func TestHTMLPageLeadsToItsFeed(t *testing.T) {
	page, err := os.ReadFile(filepath.Join("testdata", "page.html"))
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write(page)
	})
	mux.Handle("/rss/tin-moi.xml", fixture(t, "good.xml"))
	url := serveOn(t, "127.0.0.2", mux)
	cfg := testConfig(t, fastPoll, "vungcao "+url+"/")
	p, st, logs := newPoller(t, cfg)
	rep := p.Poll(context.Background(), source(t, cfg, "vungcao"))
	if rep.Err != nil || rep.New != 3 {
		t.Fatalf("poll of a page: %+v", rep)
	}
	s := savedState(t, st, "vungcao")
	if s.URL != url+"/rss/tin-moi.xml" || s.URLReason != "discovered" {
		t.Fatalf("discovered feed not recorded: %+v", s)
	}
	if !strings.Contains(logs.String(), "put that url in config.yaml") {
		t.Fatalf("no log line for the admin:\n%s", logs)
	}
}

// TestFeedServedAsAWebPage: many outlets serve their feeds as text/html;
// a document whose root is a feed's is read as one, whatever the type, and
// an XHTML page with an XML declaration is still a page.
func TestFeedServedAsAWebPage(t *testing.T) {
	good, err := os.ReadFile(filepath.Join("testdata", "good.xml"))
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	for path, typ := range map[string]string{"/html.xml": "text/html; charset=utf-8", "/xhtml.xml": "application/xhtml+xml"} {
		mux.HandleFunc(path, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", typ)
			_, _ = w.Write(good)
		})
	}
	mux.HandleFunc("/page", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/xhtml+xml")
		_, _ = io.WriteString(w, `<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE html><html xmlns="http://www.w3.org/1999/xhtml"><head><title>Tin vùng cao</title></head><body><p>Trang chủ</p></body></html>`)
	})
	url := serveOn(t, "127.0.0.2", mux)
	cfg := testConfig(t, fastPoll, "html "+url+"/html.xml", "xhtml "+url+"/xhtml.xml", "page "+url+"/page")
	p, _, _ := newPoller(t, cfg)
	for _, id := range []string{"html", "xhtml"} {
		if rep := p.Poll(context.Background(), source(t, cfg, id)); rep.Err != nil || rep.Items != 3 {
			t.Errorf("%s: a feed served as a web page: %+v", id, rep)
		}
	}
	if rep := p.Poll(context.Background(), source(t, cfg, "page")); rep.Err == nil || !strings.Contains(rep.Err.Error(), "web page") {
		t.Errorf("an XHTML page without a feed: %+v, want the web page error", rep)
	}
}

func TestServerAskedIntervals(t *testing.T) {
	ttl := fixture(t, "ttl.xml")
	good := fixture(t, "good.xml")
	mux := http.NewServeMux()
	mux.Handle("/ttl.xml", ttl)
	mux.HandleFunc("/max-age.xml", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=3600")
		good(w, r)
	})
	mux.HandleFunc("/too-long.xml", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "max-age=604800")
		good(w, r)
	})
	url := serveOn(t, "127.0.0.2", mux)
	cfg := testConfig(t, "  interval: 15m\n  min_interval: 5m\n  max_interval: 6h",
		"ttl "+url+"/ttl.xml", "maxage "+url+"/max-age.xml 10m", "toolong "+url+"/too-long.xml 10m", "pinned "+url+"/max-age.xml 10m")
	p, st, _ := newPoller(t, cfg)
	tests := []struct {
		id     string
		want   time.Duration
		reason string
	}{
		{"ttl", 90 * time.Minute, "server: feed ttl"},
		{"maxage", time.Hour, "server: Cache-Control/Expires"},
		{"toolong", 6 * time.Hour, "server: Cache-Control/Expires"},
		{"pinned", time.Hour, "server: Cache-Control/Expires"},
	}
	for _, tt := range tests {
		t.Run(tt.id, func(t *testing.T) {
			if rep := p.Poll(context.Background(), source(t, cfg, tt.id)); rep.Err != nil {
				t.Fatal(rep.Err)
			}
			s := savedState(t, st, tt.id)
			// Never earlier than the server asked, but for the cap.
			lo, hi := tt.want, tt.want*11/10
			if tt.want >= 6*time.Hour {
				lo, hi = tt.want*9/10, tt.want
			}
			if s.Interval < lo || s.Interval > hi || s.IntervalReason != tt.reason {
				t.Fatalf("interval %s (%s), want within [%s, %s] (%s)", s.Interval, s.IntervalReason, lo, hi, tt.reason)
			}
		})
	}
}

// runFor runs p's scheduler for d.
func runFor(t *testing.T, p *Poller, d time.Duration) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	if err := p.Run(ctx); err != nil {
		t.Fatal(err)
	}
}

// TestStatesBeforeFlush: the status page reads States, which carries a
// poll's outcome before the batched write has saved it. The counts of what
// the poll stored are saved already, with the stories.
func TestStatesBeforeFlush(t *testing.T) {
	url := serveOn(t, "127.0.0.2", fixture(t, "good.xml"))
	cfg := testConfig(t, fastPoll, "tin-a "+url)
	p, st, _ := newPoller(t, cfg)
	p.batching = true // as under Run
	if rep := p.Poll(context.Background(), cfg.Sources[0]); rep.Result != ResultOK {
		t.Fatalf("poll: %+v", rep)
	}
	if saved, _, _ := st.Source("tin-a"); saved.LastResult != "" || saved.TotalNew != 3 || saved.Recent.Last24h(time.Now()) != 3 {
		t.Fatalf("state saved before Flush: %+v; want the counts of the stories alone", saved)
	}
	states, err := p.States()
	if err != nil {
		t.Fatal(err)
	}
	if len(states) != 1 || states[0].ID != "tin-a" || states[0].LastResult != ResultOK || states[0].LastItems == 0 {
		t.Fatalf("States before Flush = %+v, want tin-a's poll", states)
	}
	if err := p.Flush(); err != nil {
		t.Fatal(err)
	}
	if saved, _, _ := st.Source("tin-a"); saved.LastResult != ResultOK {
		t.Fatalf("after Flush the store has %+v", saved)
	}
}

// TestRoutineStatesWaitForRefresh: a poll that changes nothing but its
// times (a 304 after a 304) is written by a flush only once its stored state
// is refreshEvery old, or at shutdown; any other change is written by the
// next flush.
func TestRoutineStatesWaitForRefresh(t *testing.T) {
	var etag atomic.Value
	etag.Store(`"v1"`)
	body, err := os.ReadFile(filepath.Join("testdata", "good.xml"))
	if err != nil {
		t.Fatal(err)
	}
	url := serveOn(t, "127.0.0.2", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tag := etag.Load().(string)
		w.Header().Set("ETag", tag)
		if r.Header.Get("If-None-Match") == tag {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("Content-Type", "application/rss+xml; charset=utf-8")
		_, _ = w.Write(body)
	}))
	cfg := testConfig(t, fastPoll, "tin-a "+url)
	p, st, _ := newPoller(t, cfg)
	p.batching = true // as under Run
	clock := time.Date(2026, 11, 26, 8, 0, 0, 0, time.UTC)
	p.now = func() time.Time { return clock }
	poll := func(want string) time.Time {
		t.Helper()
		clock = clock.Add(time.Minute)
		if rep := p.Poll(context.Background(), cfg.Sources[0]); rep.Result != want {
			t.Fatalf("poll at %s: %+v, want %s", clock, rep, want)
		}
		if err := p.Flush(); err != nil {
			t.Fatal(err)
		}
		return clock
	}
	stored := func(want time.Time, why string) {
		t.Helper()
		if got := savedState(t, st, "tin-a").LastPoll; !got.Equal(want) {
			t.Fatalf("%s: stored last poll %s, want %s", why, got, want)
		}
	}
	first := poll(ResultOK)
	stored(first, "the first poll")
	firstNotModified := poll(ResultNotModified)
	stored(firstNotModified, "a 304 after a 200 changes the last result")
	for range int(refreshEvery/time.Minute) - 1 { // a minute apart
		poll(ResultNotModified)
		stored(firstNotModified, "a 304 after a 304, within refreshEvery")
	}
	refreshed := poll(ResultNotModified)
	stored(refreshed, "a 304 refreshEvery after the last write")

	routinePoll := poll(ResultNotModified)
	stored(refreshed, "a 304 after the refresh")
	if err := p.flush(true); err != nil {
		t.Fatal(err)
	}
	stored(routinePoll, "the flush at shutdown")

	poll(ResultNotModified)
	// The same bytes under a new ETag: nothing to parse, but a validator
	// to keep.
	etag.Store(`"v2"`)
	changed := poll(ResultNotModified)
	if s := savedState(t, st, "tin-a"); !s.LastPoll.Equal(changed) || s.ETag != `"v2"` {
		t.Fatalf("a new ETag after routine polls: stored %+v", s)
	}
}

// TestFlushInChunks: Flush writes every deferred state, a chunk per
// transaction; a chunk the store refuses stays to be written, with every
// chunk after it, and the chunks before it are saved.
func TestFlushInChunks(t *testing.T) {
	cfg := testConfig(t, fastPoll)
	p, st, _ := newPoller(t, cfg)
	const n = 3*flushChunk + 17
	when := time.Date(2026, 11, 26, 8, 0, 0, 0, time.UTC)
	id := func(i int) string { return fmt.Sprintf("bao-tinh-%05d", i) }
	for i := range n {
		if err := p.saveState(store.SourceState{ID: id(i), LastPoll: when, LastResult: ResultNotModified, LastItems: i}, true, false); err != nil {
			t.Fatal(err)
		}
	}
	// An id longer than bbolt takes as a key, sorted into the second chunk.
	bad := id(flushChunk+3) + "-" + strings.Repeat("x", 40000)
	if err := p.saveState(store.SourceState{ID: bad, LastPoll: when}, true, false); err != nil {
		t.Fatal(err)
	}
	if err := p.Flush(); err == nil {
		t.Fatal("Flush saved a state whose id bbolt cannot take")
	}
	saved := func() map[string]store.SourceState {
		t.Helper()
		all, err := st.Sources()
		if err != nil {
			t.Fatal(err)
		}
		m := map[string]store.SourceState{}
		for _, s := range all {
			m[s.ID] = s
		}
		return m
	}
	if got := saved(); len(got) != flushChunk {
		t.Fatalf("after the failed flush the store has %d states, want the first chunk's %d", len(got), flushChunk)
	}
	p.states.mu.Lock()
	delete(p.states.byID, bad)
	delete(p.states.dirty, bad)
	pending := len(p.states.dirty)
	p.states.mu.Unlock()
	if pending != n-flushChunk {
		t.Fatalf("%d states left to write, want %d", pending, n-flushChunk)
	}
	if err := p.Flush(); err != nil {
		t.Fatal(err)
	}
	got := saved()
	if len(got) != n {
		t.Fatalf("store has %d states, want %d", len(got), n)
	}
	for i := range n {
		s := got[id(i)]
		if s.LastItems != i || s.LastResult != ResultNotModified || !s.LastPoll.Equal(when) {
			t.Fatalf("state %s saved as %+v", id(i), s)
		}
	}
	if p.states.dirty == nil || len(p.states.dirty) != 0 {
		t.Fatalf("%d states still dirty after a flush that wrote them all", len(p.states.dirty))
	}
}

// TestRepeatedGUIDStoredOnce: an outlet that lists one guid twice, the
// second copy touched at every request, has the story stored once, from
// the first, and not updated at each poll (which sent it again to every
// partner following since).
func TestRepeatedGUIDStoredOnce(t *testing.T) {
	var n atomic.Int32
	url := serveOn(t, "127.0.0.2", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		k := n.Add(1)
		w.Header().Set("Content-Type", "application/rss+xml")
		fmt.Fprintf(w, `<rss version="2.0"><channel><title>Tin Điện Biên</title>
<item><guid isPermaLink="false">db-7</guid><title>Điện Biên mở lễ hội hoa ban</title><link>http://dienbien.example/7</link><pubDate>Sat, 28 Nov 2026 08:00:00 +0700</pubDate></item>
<item><guid isPermaLink="false">db-7</guid><title>Lễ hội hoa ban, bản sửa %d</title><link>http://dienbien.example/7b</link><pubDate>Sat, 28 Nov 2026 08:%02d:00 +0700</pubDate></item>
<item><guid isPermaLink="false">db-8</guid><title>Mường Thanh vào vụ lúa</title><link>http://dienbien.example/8</link><pubDate>Sat, 28 Nov 2026 07:00:00 +0700</pubDate></item>
</channel></rss>`, k, k)
	}))
	cfg := testConfig(t, fastPoll, "dienbien "+url)
	p, _, _ := newPoller(t, cfg)
	src := source(t, cfg, "dienbien")
	rep := p.Poll(context.Background(), src)
	if rep.Err != nil || rep.New != 2 || !strings.Contains(rep.Warning, "repeat") {
		t.Fatalf("first poll: %+v", rep)
	}
	for i := range 3 {
		if rep := p.Poll(context.Background(), src); rep.Err != nil || rep.New != 0 || rep.Updated != 0 {
			t.Fatalf("poll %d: %+v; want nothing new or updated", i+2, rep)
		}
	}
}

// TestPollsOfOneSourceNeverOverlap: a push's poll and the schedule's of
// one source run one after the other, or the one that ended last would
// write its state over the other's; another source's poll runs beside them.
func TestPollsOfOneSourceNeverOverlap(t *testing.T) {
	good, err := os.ReadFile(filepath.Join("testdata", "good.xml"))
	if err != nil {
		t.Fatal(err)
	}
	var now, most atomic.Int32
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := now.Add(1)
		for m := most.Load(); n > m && !most.CompareAndSwap(m, n); m = most.Load() {
		}
		time.Sleep(150 * time.Millisecond)
		now.Add(-1)
		_, _ = w.Write(good)
	})
	one := serveOn(t, "127.0.0.2", handler)
	cfg := testConfig(t, fastPoll, "mot "+one+"/a.xml", "hai "+one+"/b.xml")
	p, _, _ := newPoller(t, cfg)
	var wg sync.WaitGroup
	for range 2 {
		wg.Go(func() {
			if rep := p.Poll(context.Background(), source(t, cfg, "mot")); rep.Err != nil {
				t.Error(rep.Err)
			}
		})
	}
	wg.Wait()
	if m := most.Load(); m != 1 {
		t.Errorf("two polls of one source: %d requests at once, want 1", m)
	}
	most.Store(0)
	wg.Go(func() { p.Poll(context.Background(), source(t, cfg, "mot")) })
	wg.Go(func() { p.Poll(context.Background(), source(t, cfg, "hai")) })
	wg.Wait()
	if m := most.Load(); m != 2 {
		t.Errorf("polls of two sources: %d requests at once, want 2", m)
	}
}

// TestFetchTimeApart: the poll's log line tells how long the outlet took
// apart from the whole poll, which includes the wait for the store's
// group commit (commit_delay): a fast outlet does not read as a slow one.
func TestFetchTimeApart(t *testing.T) {
	url := serveOn(t, "127.0.0.2", fixture(t, "good.xml"))
	cfg := testConfig(t, fastPoll, "nhanh "+url)
	p, st, logs := newPoller(t, cfg)
	const delay = 300 * time.Millisecond
	st.SetCommitDelay(delay, 100)
	rep := p.Poll(context.Background(), source(t, cfg, "nhanh"))
	if rep.Err != nil || rep.New == 0 {
		t.Fatalf("poll: %+v", rep)
	}
	if rep.Fetch <= 0 || rep.Duration-rep.Fetch < delay {
		t.Errorf("fetch %s of a poll of %s, want the commit_delay of %s outside the fetch", rep.Fetch, rep.Duration, delay)
	}
	if !strings.Contains(logs.String(), "fetch="+rep.Fetch.Round(time.Millisecond).String()) {
		t.Errorf("the poll's log line does not give the fetch time:\n%s", logs)
	}
}

// TestGUIDReusedInLaterDocument: an outlet whose CMS gives a morning
// story's guid to an evening story of another link and text has the
// evening story stored as a new one, dated as it is, with a line in the
// log; the morning story stays as it was.
func TestGUIDReusedInLaterDocument(t *testing.T) {
	var evening atomic.Bool
	url := serveOn(t, "127.0.0.2", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		item := `<item><title>Khánh thành nhà máy chế biến chè xuất khẩu công suất 20 tấn mỗi ngày</title><link>http://baotayninh.example/kinh-te/nha-may-che.html</link><guid isPermaLink="false">123</guid><description>Nhà máy chế biến chè của hợp tác xã Tân Thành tạo việc làm cho 150 lao động địa phương, thu mua chè búp tươi của hơn 400 hộ trồng chè.</description><pubDate>Sun, 29 Nov 2026 08:40:00 +0700</pubDate></item>`
		if evening.Load() {
			item = `<item><title>Cảnh báo lốc sét và mưa đá tại các huyện phía bắc tỉnh chiều tối nay</title><link>http://baotayninh.example/thoi-tiet/canh-bao-loc-set.html</link><guid isPermaLink="false">123</guid><description>Trung tâm khí tượng thủy văn tỉnh khuyến cáo người dân không trú dưới gốc cây lớn và theo dõi bản tin thời tiết.</description><pubDate>Sun, 29 Nov 2026 16:45:00 +0700</pubDate></item>`
		}
		w.Header().Set("Content-Type", "application/rss+xml")
		fmt.Fprintf(w, `<rss version="2.0"><channel><title>Báo Tây Ninh</title><link>http://baotayninh.example/</link>%s</channel></rss>`, item)
	}))
	cfg := testConfig(t, fastPoll, "baotayninh "+url)
	p, st, logs := newPoller(t, cfg)
	src := source(t, cfg, "baotayninh")
	if rep := p.Poll(context.Background(), src); rep.Err != nil || rep.New != 1 {
		t.Fatalf("morning poll: %+v", rep)
	}
	evening.Store(true)
	if rep := p.Poll(context.Background(), src); rep.Err != nil || rep.New != 1 || rep.Updated != 0 {
		t.Fatalf("evening poll: %+v, want a new story", rep)
	}
	if rep := p.Poll(context.Background(), src); rep.Err != nil || rep.New != 0 || rep.Updated != 0 {
		t.Fatalf("evening poll again: %+v, want nothing new", rep)
	}
	page, err := st.Latest(store.AllCategory, 10, "")
	if err != nil {
		t.Fatal(err)
	}
	stories := page.Stories
	if len(stories) != 2 {
		t.Fatalf("%d stories, want the morning's and the evening's", len(stories))
	}
	if s := stories[0]; !strings.Contains(s.Link, "canh-bao-loc-set") || s.Published.Hour() != 9 || s.Published.Minute() != 45 {
		t.Errorf("evening story: %s published %s", s.Link, s.Published)
	}
	if s := stories[1]; !strings.Contains(s.Link, "nha-may-che") || !strings.Contains(s.Title, "nhà máy chế biến chè") {
		t.Errorf("morning story became %q %s", s.Title, s.Link)
	}
	if !strings.Contains(logs.String(), "guid given to another story") || !strings.Contains(logs.String(), "guid=123") {
		t.Errorf("no log line names the guid given to another story:\n%s", logs)
	}
}

// TestSharedKeysAreNoIdentity: a document in which two different stories
// share a guid, two share the section page as their link with no guid, and
// two share a link under guids of their own has each story stored under its
// own id; the outlet turning the order of its items round moves no story to
// another item, and updates none. The warning names the guid and the links.
func TestSharedKeysAreNoIdentity(t *testing.T) {
	items := []string{
		`<item><title>Lũ quét cuốn trôi ba ngôi nhà ở bản Khuổi My</title><link>http://baobackan.example/lu-quet-khuoi-my.html</link><guid isPermaLink="false">bk-1001</guid><description>Chính quyền xã đã di dời các hộ dân đến nơi an toàn trong đêm.</description><pubDate>Sun, 29 Nov 2026 10:00:00 +0700</pubDate></item>`,
		`<item><title>Bệnh viện huyện tiếp nhận máy chụp cắt lớp mới</title><link>http://baobackan.example/benh-vien-may-ct.html</link><guid isPermaLink="false">bk-dung-chung</guid><description>Thiết bị trị giá 9 tỷ đồng do một doanh nghiệp trong tỉnh tài trợ.</description><pubDate>Sun, 29 Nov 2026 10:10:00 +0700</pubDate></item>`,
		`<item><title>Đội bóng chuyền nữ của tỉnh giành huy chương đồng giải quốc gia</title><link>http://baobackan.example/bong-chuyen-nu.html</link><guid isPermaLink="false">bk-dung-chung</guid><description>Trận tranh hạng ba kết thúc với tỉ số 3-1 sau hơn hai giờ thi đấu.</description><pubDate>Sun, 29 Nov 2026 10:15:00 +0700</pubDate></item>`,
		`<item><title>Khai mạc hội thi bắn nỏ truyền thống</title><link>http://baobackan.example/su-kien.html</link><description>Hơn sáu mươi vận động viên tham gia hội thi bắn nỏ năm nay.</description><pubDate>Sun, 29 Nov 2026 10:25:00 +0700</pubDate></item>`,
		`<item><title>Phát động tháng hành động vì an toàn thực phẩm</title><link>http://baobackan.example/su-kien.html</link><description>Các đoàn kiểm tra liên ngành sẽ làm việc tại chợ đầu mối.</description><pubDate>Sun, 29 Nov 2026 10:30:00 +0700</pubDate></item>`,
		`<item><title>Nông dân Ba Bể thu hoạch mận trái vụ</title><link>http://baobackan.example/chuyen-muc.html</link><guid isPermaLink="false">bk-2001</guid><description>Mận trái vụ bán được giá gấp đôi chính vụ.</description><pubDate>Sun, 29 Nov 2026 10:35:00 +0700</pubDate></item>`,
		`<item><title>Tuyến xe buýt mới nối thành phố với hồ Ba Bể</title><link>http://baobackan.example/chuyen-muc.html</link><guid isPermaLink="false">bk-2002</guid><description>Mỗi ngày có tám chuyến, giá vé bốn mươi nghìn đồng.</description><pubDate>Sun, 29 Nov 2026 10:40:00 +0700</pubDate></item>`,
	}
	var reversed atomic.Bool
	var polls atomic.Int32
	url := serveOn(t, "127.0.0.2", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// The dates' seconds move at every request, as some outlets'
		// do: every item is read again, and none is a change.
		sec := fmt.Sprintf(":%02d +0700", polls.Add(1))
		doc := slices.Clone(items)
		for i := range doc {
			doc[i] = strings.Replace(doc[i], ":00 +0700", sec, 1)
		}
		if reversed.Load() {
			slices.Reverse(doc)
		}
		w.Header().Set("Content-Type", "application/rss+xml")
		fmt.Fprintf(w, `<rss version="2.0"><channel><title>Báo Bắc Kạn</title><link>http://baobackan.example/</link>%s</channel></rss>`, strings.Join(doc, "\n"))
	}))
	cfg := testConfig(t, fastPoll, "baobackan "+url)
	p, st, _ := newPoller(t, cfg)
	src := source(t, cfg, "baobackan")
	rep := p.Poll(context.Background(), src)
	if rep.Err != nil || rep.New != len(items) {
		t.Fatalf("first poll: %+v, want %d new stories", rep, len(items))
	}
	for _, want := range []string{`"bk-dung-chung"`, `"http://baobackan.example/su-kien.html"`, `"http://baobackan.example/chuyen-muc.html"`} {
		if !strings.Contains(rep.Warning, want) {
			t.Errorf("warning %q does not name %s", rep.Warning, want)
		}
	}
	stored := func() map[uint64]string {
		page, err := st.Latest(store.AllCategory, 20, "")
		if err != nil {
			t.Fatal(err)
		}
		m := map[uint64]string{}
		for _, s := range page.Stories {
			m[s.ID] = s.Title + " " + s.Link
		}
		return m
	}
	first := stored()
	if len(first) != len(items) {
		t.Fatalf("%d stories stored, want %d", len(first), len(items))
	}
	for i, rev := range []bool{true, false, true} {
		reversed.Store(rev)
		if rep := p.Poll(context.Background(), src); rep.Err != nil || rep.New != 0 || rep.Updated != 0 {
			t.Fatalf("poll %d, order turned round: %+v, want nothing new or updated", i+2, rep)
		}
		if got := stored(); !maps.Equal(got, first) {
			t.Fatalf("poll %d: stories became %v, were %v", i+2, got, first)
		}
	}
}

// TestLinkQueryNewAtEveryRequest: an outlet that gives its item no guid
// and a link whose query it makes anew at every request (?t=…) has the
// item stored once, under the link it first gave, and neither stored nor
// updated again for the query alone. Articles whose query is their id
// (index.php?id=…) are stories of their own, even two notices of one day
// under one headline.
func TestLinkQueryNewAtEveryRequest(t *testing.T) {
	var n atomic.Int32
	url := serveOn(t, "127.0.0.2", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		i := n.Add(1)
		w.Header().Set("Content-Type", "application/rss+xml")
		fmt.Fprintf(w, `<rss version="2.0"><channel><title>Báo An Bình</title><link>http://baoanbinh.example/</link>
<item><title>Tỉnh phát động phong trào thi đua chào mừng đại hội</title><link>http://baoanbinh.example/thi-dua-chao-mung.html?t=%08x</link><description>Phong trào thi đua chào mừng đại hội kéo dài đến hết quý I năm sau.</description><pubDate>Sun, 29 Nov 2026 08:00:00 +0700</pubDate></item>
<item><title>Thông báo</title><link>http://baoanbinh.example/index.php?option=com_content&amp;id=101</link><description>Sở Nội vụ thông báo tuyển dụng 12 viên chức làm việc tại các trung tâm văn hóa huyện.</description><pubDate>Sun, 29 Nov 2026 09:00:00 +0700</pubDate></item>
<item><title>Thông báo</title><link>http://baoanbinh.example/index.php?option=com_content&amp;id=102</link><description>Lịch tiếp công dân của lãnh đạo tỉnh trong tháng 12 được niêm yết tại trụ sở tiếp dân.</description><pubDate>Sun, 29 Nov 2026 09:00:00 +0700</pubDate></item>
</channel></rss>`, i*7919)
	}))
	cfg := testConfig(t, fastPoll, "baoanbinh "+url)
	p, st, _ := newPoller(t, cfg)
	src := source(t, cfg, "baoanbinh")
	if rep := p.Poll(context.Background(), src); rep.Err != nil || rep.New != 3 {
		t.Fatalf("first poll: %+v", rep)
	}
	for range 3 {
		if rep := p.Poll(context.Background(), src); rep.Err != nil || rep.New != 0 || rep.Updated != 0 {
			t.Fatalf("poll: %+v, want nothing new", rep)
		}
	}
	page, err := st.Latest(store.AllCategory, 10, "")
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, s := range page.Stories {
		got[s.Link] = s.Summary
	}
	want := map[string]string{
		"http://baoanbinh.example/thi-dua-chao-mung.html?t=00001eef":   "quý I",
		"http://baoanbinh.example/index.php?option=com_content&id=101": "tuyển dụng",
		"http://baoanbinh.example/index.php?option=com_content&id=102": "tiếp công dân",
	}
	for link, words := range want {
		if !strings.Contains(got[link], words) {
			t.Errorf("%s: %q, want its own text (%s)", link, got[link], words)
		}
	}
	if len(got) != len(want) {
		t.Errorf("stories %q, want three", got)
	}
}

// TestSectionLinkNoLongerShared: two stories without guids that link to one
// section page are each known by their headline; when one leaves the
// document the other's link is its own, and its edit updates it, found by
// the headline it was known by, instead of storing it again.
func TestSectionLinkNoLongerShared(t *testing.T) {
	const (
		road = `<item><title>Mưa lớn làm sạt lở đất trên đường tỉnh 176</title><link>http://baohagiang.example/c/thoi-su</link><description>Đêm qua mưa kéo dài làm hàng trăm mét khối đất đá đổ xuống đường tỉnh 176, lực lượng chức năng đang khẩn trương thông tuyến%s</description><pubDate>Sun, 29 Nov 2026 07:00:00 +0700</pubDate></item>`
		scan = `<item><title>Bệnh viện tỉnh đưa vào sử dụng máy chụp cộng hưởng từ</title><link>http://baohagiang.example/c/thoi-su</link><description>Người bệnh không còn phải chuyển lên tuyến trên để chụp cộng hưởng từ, tiết kiệm chi phí và thời gian đi lại.</description><pubDate>Sun, 29 Nov 2026 06:00:00 +0700</pubDate></item>`
	)
	var stage atomic.Int32
	url := serveOn(t, "127.0.0.2", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		items := fmt.Sprintf(road, ".") + scan
		switch stage.Load() {
		case 1:
			items = fmt.Sprintf(road, ".")
		case 2:
			items = fmt.Sprintf(road, ". Đến trưa, một làn xe đã thông.")
		}
		w.Header().Set("Content-Type", "application/rss+xml")
		fmt.Fprintf(w, `<rss version="2.0"><channel><title>Báo Hà Giang</title><link>http://baohagiang.example/</link>%s</channel></rss>`, items)
	}))
	cfg := testConfig(t, fastPoll, "baohagiang "+url)
	p, st, _ := newPoller(t, cfg)
	src := source(t, cfg, "baohagiang")
	if rep := p.Poll(context.Background(), src); rep.Err != nil || rep.New != 2 {
		t.Fatalf("first poll: %+v, want two new stories", rep)
	}
	stage.Store(1)
	if rep := p.Poll(context.Background(), src); rep.Err != nil || rep.New != 0 || rep.Updated != 0 {
		t.Fatalf("one story left the document: %+v, want nothing new", rep)
	}
	stage.Store(2)
	if rep := p.Poll(context.Background(), src); rep.Err != nil || rep.New != 0 || rep.Updated != 1 {
		t.Fatalf("the other edited: %+v, want it updated", rep)
	}
	if rep := p.Poll(context.Background(), src); rep.Err != nil || rep.New != 0 || rep.Updated != 0 {
		t.Fatalf("polled again: %+v, want nothing new", rep)
	}
	page, err := st.Latest(store.AllCategory, 10, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Stories) != 2 {
		t.Fatalf("%d stories, want 2", len(page.Stories))
	}
	if s := page.Stories[0]; !strings.Contains(s.Summary, "một làn xe đã thông") {
		t.Errorf("the edited story: %q", s.Summary)
	}
}

// TestGUIDGivenSaidOnce: the log says that an outlet gave an old guid to
// another story at the poll that stores the story, and the poll's report
// says it too (fetch prints it); polls that read an item of the guid again
// and store nothing say nothing of it.
func TestGUIDGivenSaidOnce(t *testing.T) {
	items := []string{
		`<item><title>Thị xã khai trương chợ nông sản đầu mối</title><link>http://baoyenbai.example/kinh-te/cho-nong-san.html</link><guid isPermaLink="false">r1</guid><description>Chợ nông sản mới của thị xã có hơn hai trăm gian hàng, ưu tiên bố trí cho các hộ trồng rau an toàn và các hợp tác xã trong vùng.</description><pubDate>Sun, 29 Nov 2026 06:00:00 +0700</pubDate></item>`,
		`<item><title>Khánh thành cầu treo bản Nậm qua sông Chảy</title><link>http://baoyenbai.example/xa-hoi/cau-treo-ban-nam.html</link><guid isPermaLink="false">r1</guid><description>Cây cầu treo dài 120 mét thay cho bến đò ngang, giúp hơn ba nghìn người dân hai bên bờ sông đi lại an toàn trong mùa mưa lũ.</description><pubDate>Sun, 29 Nov 2026 16:00:00 +0700</pubDate></item>`,
		`<item><title>Đội văn nghệ xã Mồ Dề đoạt giải nhất hội diễn</title><link>http://baoyenbai.example/van-hoa/hoi-dien-mo-de.html</link><guid isPermaLink="false">r1</guid><description>Tiết mục múa khèn của đồng bào Mông được ban giám khảo đánh giá cao về sự sáng tạo và giữ gìn bản sắc.</description><pubDate>Sun, 29 Nov 2026 20:00:00 +0700</pubDate></item>`,
	}
	var polls, stage atomic.Int32
	url := serveOn(t, "127.0.0.2", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// The channel's date moves at every request: the item is read
		// again whole each time.
		n := polls.Add(1)
		w.Header().Set("Content-Type", "application/rss+xml")
		fmt.Fprintf(w, `<rss version="2.0"><channel><title>Báo Yên Bái</title><link>http://baoyenbai.example/</link><lastBuildDate>Sun, 29 Nov 2026 21:%02d:00 +0700</lastBuildDate>%s</channel></rss>`, n, items[stage.Load()])
	}))
	cfg := testConfig(t, fastPoll, "baoyenbai "+url)
	p, _, logs := newPoller(t, cfg)
	src := source(t, cfg, "baoyenbai")
	if rep := p.Poll(context.Background(), src); rep.Err != nil || rep.New != 1 || len(rep.Notes) != 0 {
		t.Fatalf("morning poll: %+v", rep)
	}
	for _, s := range []int32{1, 2} {
		stage.Store(s)
		rep := p.Poll(context.Background(), src)
		if rep.Err != nil || rep.New != 1 || len(rep.Notes) != 1 || !strings.Contains(rep.Notes[0], "guid given to another story") || !strings.Contains(rep.Notes[0], `"r1"`) {
			t.Fatalf("story %d under the guid: %+v, want a new story and a note of the guid", s+1, rep)
		}
	}
	// The outlet lists the evening story again.
	stage.Store(1)
	for i := range 3 {
		if rep := p.Poll(context.Background(), src); rep.Err != nil || rep.New != 0 || rep.Updated != 0 || len(rep.Notes) != 0 {
			t.Fatalf("poll %d: %+v, want nothing new and nothing said", i+1, rep)
		}
	}
	if n := strings.Count(logs.String(), "guid given to another story"); n != 2 {
		t.Errorf("the log says %d times that the guid was given to another story, want twice:\n%s", n, logs)
	}
}

// TestAlikeItemsOnOneKeyByText: items that share a link or a guid are told
// apart by their texts when both have one: clips without headlines under
// their own guids on one video page, and two daily price reports whose
// headlines differ in a word, on one section link or under one guid, are
// each a story, and none updates another at later polls.
func TestAlikeItemsOnOneKeyByText(t *testing.T) {
	items := []string{
		`<item><link>http://truyenhinhyb.example/video/</link><guid isPermaLink="false">clip-1</guid><description>Huyện Mù Cang Chải khánh thành cây cầu treo dài 110 mét qua suối Nậm Kim, hơn 200 hộ dân không còn phải lội suối mỗi mùa mưa.</description><pubDate>Sun, 29 Nov 2026 07:00:00 +0700</pubDate></item>`,
		`<item><link>http://truyenhinhyb.example/video/</link><guid isPermaLink="false">clip-2</guid><description>Các hợp tác xã ở Văn Chấn thu hoạch chè vụ đông, sản lượng ước đạt 3.000 tấn búp tươi, giá bán cao hơn năm trước.</description><pubDate>Sun, 29 Nov 2026 07:10:00 +0700</pubDate></item>`,
		`<item><title>Giá cà phê hôm nay 29/11: tăng mạnh</title><link>http://truyenhinhyb.example/gia-ca/</link><guid isPermaLink="false">gc-1</guid><description>Giá cà phê nhân xô tại các tỉnh Tây Nguyên sáng nay tăng 1.500 đồng mỗi kilôgam, lên mức cao nhất trong tháng do nguồn cung khan hiếm.</description><pubDate>Sun, 29 Nov 2026 08:00:00 +0700</pubDate></item>`,
		`<item><title>Giá tiêu hôm nay 29/11: giảm nhẹ</title><link>http://truyenhinhyb.example/gia-ca/</link><guid isPermaLink="false">gc-2</guid><description>Thương lái thu mua hồ tiêu ở Đắk Nông và Bình Phước hạ giá 500 đồng mỗi kilôgam, người trồng tiêu chờ giá lên mới bán ra.</description><pubDate>Sun, 29 Nov 2026 08:10:00 +0700</pubDate></item>`,
		`<item><title>Giá lúa hôm nay 29/11: tăng nhẹ</title><link>http://truyenhinhyb.example/gia-lua.html</link><guid isPermaLink="false">gia-hom-nay</guid><description>Lúa tươi IR 50404 ở đồng bằng sông Cửu Long được thương lái mua tại ruộng với giá 7.200 đồng mỗi kilôgam, nhích 100 đồng so với hôm qua.</description><pubDate>Sun, 29 Nov 2026 09:00:00 +0700</pubDate></item>`,
		`<item><title>Giá heo hôm nay 29/11: giảm nhẹ</title><link>http://truyenhinhyb.example/gia-heo.html</link><guid isPermaLink="false">gia-hom-nay</guid><description>Heo hơi tại các tỉnh miền Bắc được các trại chăn nuôi bán ra từ 58.000 đến 60.000 đồng mỗi kilôgam, thấp hơn tuần trước.</description><pubDate>Sun, 29 Nov 2026 09:10:00 +0700</pubDate></item>`,
	}
	var polls atomic.Int32
	url := serveOn(t, "127.0.0.2", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := polls.Add(1)
		w.Header().Set("Content-Type", "application/rss+xml")
		fmt.Fprintf(w, `<rss version="2.0"><channel><title>Truyền hình Yên Bái</title><link>http://truyenhinhyb.example/</link><lastBuildDate>Sun, 29 Nov 2026 10:%02d:00 +0700</lastBuildDate>%s</channel></rss>`, n, strings.Join(items, "\n"))
	}))
	cfg := testConfig(t, fastPoll, "truyenhinhyb "+url)
	p, st, _ := newPoller(t, cfg)
	src := source(t, cfg, "truyenhinhyb")
	if rep := p.Poll(context.Background(), src); rep.Err != nil || rep.New != len(items) {
		t.Fatalf("first poll: %+v, want %d new stories", rep, len(items))
	}
	for i := range 2 {
		if rep := p.Poll(context.Background(), src); rep.Err != nil || rep.New != 0 || rep.Updated != 0 {
			t.Fatalf("poll %d: %+v, want nothing new or updated", i+2, rep)
		}
	}
	page, err := st.Latest(store.AllCategory, 20, "")
	if err != nil {
		t.Fatal(err)
	}
	texts := map[string]bool{}
	for _, s := range page.Stories {
		texts[s.Summary] = true
	}
	if len(texts) != len(items) {
		t.Errorf("%d stories of their own, want %d", len(texts), len(items))
	}
}

// TestHeadlineCorrectedUnderNewLink: an outlet without guids whose links
// follow its headlines corrects one: the corrected item comes under a new
// link in the old one's place, with its date, and the story is updated,
// not stored twice. An item of the same second that arrives beside one
// that stays (a bulletin's next part) is a story of its own.
func TestHeadlineCorrectedUnderNewLink(t *testing.T) {
	const (
		fire = `<item><title>%s</title><link>http://baolaocai.example/xa-hoi/%s.html</link><description>Vụ cháy xảy ra lúc rạng sáng tại một xưởng chế biến gỗ ở phường Bắc Cường; lực lượng cứu hỏa đã khống chế đám cháy sau hơn một giờ, nguyên nhân đang được điều tra.</description><pubDate>Sun, 29 Nov 2026 05:40:00 +0700</pubDate></item>`
		road = `<item><title>Thông xe cầu Phố Mới sau ba tháng sửa chữa</title><link>http://baolaocai.example/giao-thong/thong-xe-cau-pho-moi.html</link><description>Cầu Phố Mới được gia cố mố trụ và thay mặt cầu, cho phép xe tải đến 30 tấn lưu thông trở lại.</description><pubDate>Sun, 29 Nov 2026 07:15:00 +0700</pubDate></item>`
		part = `<item><title>Bản tin thời tiết: vùng núi cao có sương muối</title><link>http://baolaocai.example/thoi-tiet/suong-muoi.html</link><description>Nhiệt độ tại Sa Pa và Bát Xát có thể xuống dưới 3 độ, người dân cần che chắn cho gia súc và cây trồng.</description><pubDate>Sun, 29 Nov 2026 07:15:00 +0700</pubDate></item>`
	)
	var stage atomic.Int32
	url := serveOn(t, "127.0.0.2", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		items := road + fmt.Sprintf(fire, "Cháy xưởng gỗ ở Bắc Cường, hai người bị thương", "chay-xuong-go-hai-nguoi-bi-thuong")
		switch stage.Load() {
		case 1:
			items = road + fmt.Sprintf(fire, "Cháy xưởng gỗ ở Bắc Cường, ba người bị thương", "chay-xuong-go-ba-nguoi-bi-thuong")
		case 2:
			items = part + road + fmt.Sprintf(fire, "Cháy xưởng gỗ ở Bắc Cường, ba người bị thương", "chay-xuong-go-ba-nguoi-bi-thuong")
		}
		w.Header().Set("Content-Type", "application/rss+xml")
		fmt.Fprintf(w, `<rss version="2.0"><channel><title>Báo Lào Cai</title><link>http://baolaocai.example/</link>%s</channel></rss>`, items)
	}))
	cfg := testConfig(t, fastPoll, "baolaocai "+url)
	p, st, _ := newPoller(t, cfg)
	src := source(t, cfg, "baolaocai")
	if rep := p.Poll(context.Background(), src); rep.Err != nil || rep.New != 2 {
		t.Fatalf("first poll: %+v, want two new stories", rep)
	}
	stage.Store(1)
	if rep := p.Poll(context.Background(), src); rep.Err != nil || rep.New != 0 || rep.Updated != 1 {
		t.Fatalf("headline corrected under a new link: %+v, want the story updated", rep)
	}
	stage.Store(2)
	if rep := p.Poll(context.Background(), src); rep.Err != nil || rep.New != 1 || rep.Updated != 0 {
		t.Fatalf("an item of an earlier item's second beside it: %+v, want a new story", rep)
	}
	if rep := p.Poll(context.Background(), src); rep.Err != nil || rep.New != 0 || rep.Updated != 0 {
		t.Fatalf("polled again: %+v, want nothing new", rep)
	}
	page, err := st.Latest(store.AllCategory, 10, "")
	if err != nil {
		t.Fatal(err)
	}
	var titles []string
	for _, s := range page.Stories {
		titles = append(titles, s.Title+" "+s.Link)
	}
	if len(page.Stories) != 3 {
		t.Fatalf("stories %q, want three", titles)
	}
	found := false
	for _, s := range page.Stories {
		if strings.Contains(s.Title, "Cháy xưởng") {
			found = true
			if !strings.Contains(s.Title, "ba người") || !strings.HasSuffix(s.Link, "chay-xuong-go-ba-nguoi-bi-thuong.html") || !s.Updated.After(s.Published) {
				t.Errorf("the corrected story: %q %s updated %v, want the correction, updated", s.Title, s.Link, s.Updated)
			}
		}
	}
	if !found {
		t.Errorf("stories %q, want the fire story", titles)
	}
}

// TestDayDatedNoticeLeavesTheEnd: in a feed whose items are dated by the
// day alone, a notice of the day that comes in at the head as the oldest
// of the day leaves the end is a story of its own, however alike their
// texts (one template, another area), and the one that left stays stored.
func TestDayDatedNoticeLeavesTheEnd(t *testing.T) {
	notice := func(area, streets string) string {
		return fmt.Sprintf(`<item><title>Lịch tạm ngừng cấp điện khu vực %s ngày 30/11</title><link>http://dienluc.example/thong-bao/%s.html</link><description>Điện lực thành phố thông báo tạm ngừng cấp điện từ 7 giờ đến 16 giờ ngày 30/11 tại khu vực %s (%s) để bảo dưỡng đường dây trung thế. Kính mong khách hàng thông cảm.</description><pubDate>Sun, 29 Nov 2026 00:00:00 +0700</pubDate></item>`,
			area, strings.ToLower(strings.ReplaceAll(area, " ", "-")), area, streets)
	}
	a, b, c := notice("Pha Khe", "đường Lê Lợi, đường Trần Phú"), notice("Dong Tam", "tổ 3, tổ 4, tổ 5"), notice("Tan Ha", "đường Hoàng Liên")
	d := notice("Kim Tan", "đường Nguyễn Huệ, chợ Kim Tân")
	var stage atomic.Int32
	url := serveOn(t, "127.0.0.2", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		items := a + b + c
		if stage.Load() == 1 {
			items = d + a + b
		}
		w.Header().Set("Content-Type", "application/rss+xml")
		fmt.Fprintf(w, `<rss version="2.0"><channel><title>Điện lực</title><link>http://dienluc.example/</link>%s</channel></rss>`, items)
	}))
	cfg := testConfig(t, fastPoll, "dienluc "+url)
	p, st, _ := newPoller(t, cfg)
	src := source(t, cfg, "dienluc")
	if rep := p.Poll(context.Background(), src); rep.Err != nil || rep.New != 3 {
		t.Fatalf("first poll: %+v, want three new stories", rep)
	}
	stage.Store(1)
	if rep := p.Poll(context.Background(), src); rep.Err != nil || rep.New != 1 || rep.Updated != 0 {
		t.Fatalf("a new notice at the head, the oldest gone from the end: %+v, want one new story", rep)
	}
	page, err := st.Latest(store.AllCategory, 10, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Stories) != 4 {
		var titles []string
		for _, s := range page.Stories {
			titles = append(titles, s.Title)
		}
		t.Fatalf("stories %q, want four", titles)
	}
}
