package poll

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"newswire/store"
)

// pathHits records when each path of a test outlet was requested.
type pathHits struct {
	mu    sync.Mutex
	times map[string][]time.Time
	all   []time.Time
}

func (h *pathHits) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.mu.Lock()
		if h.times == nil {
			h.times = map[string][]time.Time{}
		}
		now := time.Now()
		h.times[r.URL.Path] = append(h.times[r.URL.Path], now)
		h.all = append(h.all, now)
		h.mu.Unlock()
		next.ServeHTTP(w, r)
	})
}

func (h *pathHits) count(path string) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.times[path])
}

// runPoller runs p.Run until the test ends.
func runPoller(t *testing.T, p *Poller) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- p.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	})
}

// waitFor polls cond every 20ms until it holds or within passes.
func waitFor(within time.Duration, cond func() bool) bool {
	for end := time.Now().Add(within); ; time.Sleep(20 * time.Millisecond) {
		if cond() {
			return true
		}
		if time.Now().After(end) {
			return false
		}
	}
}

// TestSoonKeepsHostLimits: pushes for sources of one host (WebSub, through
// Poller.Soon) have them polled at once, but one host_gap apart and one at
// a time as per_host asks, each once however many pushes came; a source
// waiting out its server's Retry-After is not polled before its time.
func TestSoonKeepsHostLimits(t *testing.T) {
	h := &pathHits{}
	good := fixture(t, "good.xml")
	// The slow source holds the host's one request while the pushes come,
	// so that every pushed source waits its turn: a push that comes while
	// its source is being polled has it polled once more (TestSoonDuringPoll).
	slowStarted, release := make(chan struct{}), make(chan struct{})
	url := serveOn(t, "127.0.0.2", h.wrap(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/cham.xml" {
			close(slowStarted)
			<-release
		}
		if r.URL.Path == "/cho.xml" {
			w.Header().Set("Retry-After", "120")
			http.Error(w, "busy", http.StatusTooManyRequests)
			return
		}
		good(w, r)
	})))
	ids := []string{"tin-a", "tin-b", "tin-c", "tin-d"}
	var srcs []string
	for _, id := range ids {
		srcs = append(srcs, id+" "+url+"/"+id+".xml")
	}
	srcs = append(srcs, "cho "+url+"/cho.xml", "cham "+url+"/cham.xml")
	const gap = 300 * time.Millisecond
	cfg := testConfig(t, fmt.Sprintf("  interval: 1h\n  min_interval: 1s\n  max_interval: 2h\n  concurrency: 4\n  per_host: 1\n  host_gap: %s", gap), srcs...)
	p, st, _ := newPoller(t, cfg)
	now := time.Now()
	var states []store.SourceState
	for _, id := range ids {
		states = append(states, store.SourceState{ID: id, LastResult: ResultNotModified, LastPoll: now.Add(-time.Minute),
			Interval: time.Hour, IntervalReason: "config", NextPoll: now.Add(time.Hour)})
	}
	states = append(states, store.SourceState{ID: "cham", LastResult: ResultNotModified, LastPoll: now.Add(-time.Minute),
		Interval: time.Hour, IntervalReason: "config", NextPoll: now.Add(time.Hour)})
	states = append(states, store.SourceState{ID: "cho", LastResult: ResultError, ConsecutiveFailures: 1,
		LastPoll: now.Add(-time.Second), Interval: 120 * time.Second, IntervalReason: "server: Retry-After on 429",
		NextPoll: now.Add(119 * time.Second)})
	if err := st.SaveSources(states); err != nil {
		t.Fatal(err)
	}
	runPoller(t, p)
	p.Soon("cham")
	select {
	case <-slowStarted:
	case <-time.After(10 * time.Second):
		t.Fatal("the slow source was not polled within 10s of its push")
	}

	for range 10 {
		for _, id := range append(ids, "cho") {
			p.Soon(id)
		}
	}
	pushed := time.Now()
	close(release)
	if !waitFor(10*time.Second, func() bool {
		n := 0
		for _, id := range ids {
			n += h.count("/" + id + ".xml")
		}
		return n == len(ids)
	}) {
		t.Fatal("not every pushed source was polled within 10s")
	}
	time.Sleep(gap * 3) // time for polls that should not come
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, id := range append(ids, "cham") {
		if n := len(h.times["/"+id+".xml"]); n != 1 {
			t.Errorf("%s polled %d times after ten pushes, want once", id, n)
		}
	}
	if n := len(h.times["/cho.xml"]); n != 0 {
		t.Errorf("the source under Retry-After: 120 was polled %d times on a push, want none before its time", n)
	}
	for i := 1; i < len(h.all); i++ {
		// Measured at the server, so allow for the network's own jitter.
		if d := h.all[i].Sub(h.all[i-1]); d < gap-20*time.Millisecond {
			t.Errorf("requests %d and %d to one host %s apart, host_gap is %s", i-1, i, d, gap)
		}
	}
	if last := h.all[len(h.all)-1].Sub(pushed); last > time.Duration(len(ids))*gap+time.Second {
		t.Errorf("the last pushed source was polled %s after the pushes, want about %s", last.Round(time.Millisecond), time.Duration(len(ids))*gap)
	}
}

// TestSoonDuringPoll: a push that comes while its source is being polled
// has it polled once more when that poll ends, however many came: the
// news it announces may be newer than what the running poll read.
func TestSoonDuringPoll(t *testing.T) {
	h := &pathHits{}
	good := fixture(t, "good.xml")
	started, release := make(chan struct{}), make(chan struct{})
	var once sync.Once
	url := serveOn(t, "127.0.0.3", h.wrap(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		first := false
		once.Do(func() { first = true })
		if first {
			close(started)
			<-release
		}
		good(w, r)
	})))
	cfg := testConfig(t, "  interval: 1h\n  min_interval: 1s\n  max_interval: 2h\n  concurrency: 2\n  per_host: 2\n  host_gap: 0s", "tin-a "+url+"/tin-a.xml")
	p, st, logs := newPoller(t, cfg)
	now := time.Now()
	if err := st.SaveSources([]store.SourceState{{ID: "tin-a", LastResult: ResultNotModified, LastPoll: now.Add(-time.Minute),
		Interval: time.Hour, IntervalReason: "config", NextPoll: now.Add(time.Hour)}}); err != nil {
		t.Fatal(err)
	}
	p.Soon("tin-a") // before Run: polled first once it runs
	runPoller(t, p)
	select {
	case <-started:
	case <-time.After(10 * time.Second):
		t.Fatal("a source pushed before Run started was not polled when it did")
	}
	for range 5 {
		p.Soon("tin-a")
	}
	close(release)
	if !waitFor(10*time.Second, func() bool { return h.count("/tin-a.xml") >= 2 }) {
		t.Fatalf("pushes during a poll did not have the source polled again after it\n%s", logs)
	}
	time.Sleep(500 * time.Millisecond)
	if n := h.count("/tin-a.xml"); n != 2 {
		t.Errorf("source polled %d times, want 2: the first, and once for the five pushes during it", n)
	}
	states, err := p.States()
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range states {
		if s.ID == "tin-a" && s.NextPoll.Before(time.Now().Add(50*time.Minute)) {
			t.Errorf("after the pushed polls the next is at %s, want the schedule's hour on", s.NextPoll.Format(time.TimeOnly))
		}
	}
}

// TestStatesShowPlannedPolls: after a start, the sources that fell due
// while the daemon was stopped are spread over the first minute; the
// status page (States) shows when each is now to be polled, not the past
// time its last poll set.
func TestStatesShowPlannedPolls(t *testing.T) {
	url := serveOn(t, "127.0.0.2", fixture(t, "good.xml"))
	ids := []string{"tin-a", "tin-b", "tin-c"}
	var srcs []string
	for _, id := range ids {
		srcs = append(srcs, id+" "+url+"/"+id+".xml")
	}
	cfg := testConfig(t, "  interval: 1h\n  min_interval: 1s\n  max_interval: 2h", srcs...)
	p, st, _ := newPoller(t, cfg)
	stopped := time.Now().Add(-2 * time.Hour)
	var states []store.SourceState
	for _, id := range ids {
		states = append(states, store.SourceState{ID: id, LastResult: ResultNotModified, LastPoll: stopped,
			Interval: time.Hour, IntervalReason: "config", NextPoll: stopped.Add(time.Hour)})
	}
	if err := st.SaveSources(states); err != nil {
		t.Fatal(err)
	}
	started := time.Now()
	runPoller(t, p)
	if !waitFor(5*time.Second, func() bool { p.schedMu.Lock(); defer p.schedMu.Unlock(); return p.sched != nil }) {
		t.Fatal("Run did not start")
	}
	got, err := p.States()
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range got {
		// One whose time came at once has been polled, and shows the
		// next poll that poll set.
		polled := !s.LastPoll.Before(started)
		if s.NextPoll.Before(started.Add(-time.Second)) || (!polled && s.NextPoll.After(started.Add(2*time.Minute))) {
			t.Errorf("%s: next poll shown at %s, want within the first minute from %s", s.ID,
				s.NextPoll.Format(time.TimeOnly), started.Format(time.TimeOnly))
		}
	}
}
