package poll

import (
	"container/heap"
	"context"
	"fmt"
	"maps"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
	"unsafe"

	"newswire/store"
)

// limitServer serves good.xml on one host after a pause, recording what
// the dispatcher's limits are about: requests at once over every host
// (running), at once on this host, and when each started, by path.
type limitServer struct {
	running  *atomic.Int32 // shared by every host
	peak     *atomic.Int32 // of running
	mu       sync.Mutex
	inFlight int // on this host
	hostMax  int // of inFlight
	starts   []time.Time
	byPath   map[string]int
}

func (s *limitServer) handler(t *testing.T, pause time.Duration) http.Handler {
	good := fixture(t, "good.xml")
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := s.running.Add(1)
		defer s.running.Add(-1)
		for p := s.peak.Load(); n > p && !s.peak.CompareAndSwap(p, n); p = s.peak.Load() {
		}
		s.mu.Lock()
		s.inFlight++
		s.hostMax = max(s.hostMax, s.inFlight)
		s.starts = append(s.starts, time.Now())
		s.byPath[r.URL.Path]++
		s.mu.Unlock()
		time.Sleep(pause)
		s.mu.Lock()
		s.inFlight--
		s.mu.Unlock()
		good(w, r)
	})
}

// TestDispatcherKeepsLimitsWhileRunning runs the scheduler over two hosts
// of five sources polled every second, with two workers, so that workers go from one poll to the next themselves and the
// dispatcher wakes only for gaps and due times: the limits hold, and every
// source keeps its pace.
func TestDispatcherKeepsLimitsWhileRunning(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the scheduler for 5 seconds")
	}
	var running, peak atomic.Int32
	var servers []*limitServer
	var sources []string
	for i, ip := range []string{"127.0.0.2", "127.0.0.3"} {
		s := &limitServer{running: &running, peak: &peak, byPath: map[string]int{}}
		servers = append(servers, s)
		url := serveOn(t, ip, s.handler(t, 40*time.Millisecond))
		for _, id := range []string{"a", "b", "c", "d", "e"} {
			sources = append(sources, "tinh-"+string(rune('x'+i))+id+" "+url+"/"+id+".xml")
		}
	}
	cfg := testConfig(t, `  interval: 1s
  min_interval: 1s
  max_interval: 1s
  timeout: 2s
  concurrency: 2
  per_host: 1
  host_gap: 150ms`, sources...)
	p, _, _ := newPoller(t, cfg)
	runFor(t, p, 5*time.Second)

	if pk := peak.Load(); pk > 2 {
		t.Fatalf("%d requests at once, concurrency is 2", pk)
	}
	for i, s := range servers {
		// A handler may still be finishing a request cut by the end of Run.
		s.mu.Lock()
		hostMax, starts, byPath := s.hostMax, append([]time.Time(nil), s.starts...), maps.Clone(s.byPath)
		s.mu.Unlock()
		if hostMax > 1 {
			t.Fatalf("host %d: %d requests at once, per_host is 1", i, hostMax)
		}
		for k := 1; k < len(starts); k++ {
			// Measured at the server, so allow for the network's own jitter.
			if gap := starts[k].Sub(starts[k-1]); gap < 130*time.Millisecond {
				t.Fatalf("host %d: requests %d and %d %s apart, host_gap is 150ms", i, k-1, k, gap)
			}
		}
		if len(byPath) != 5 {
			t.Fatalf("host %d: polled %v, want its 5 sources", i, byPath)
		}
		for path, n := range byPath {
			// Spread over the first second, then once a second.
			if n < 4 {
				t.Errorf("host %d: %s polled %d times in 5s at a 1s interval", i, path, n)
			}
		}
	}
}

// TestPollAllWithOneWorker: with a single worker every poll after the
// first is started by the worker that finished the one before, and PollAll
// still ends, with a report of each source in config order.
func TestPollAllWithOneWorker(t *testing.T) {
	var running, peak atomic.Int32
	var sources []string
	for i, ip := range []string{"127.0.0.2", "127.0.0.3"} {
		s := &limitServer{running: &running, peak: &peak, byPath: map[string]int{}}
		url := serveOn(t, ip, s.handler(t, 10*time.Millisecond))
		for _, id := range []string{"a", "b", "c"} {
			sources = append(sources, "mot-"+string(rune('x'+i))+id+" "+url+"/"+id+".xml")
		}
	}
	cfg := testConfig(t, "  interval: 1m\n  min_interval: 1s\n  max_interval: 1h\n  concurrency: 1\n  per_host: 1\n  host_gap: 0s", sources...)
	p, _, _ := newPoller(t, cfg)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var seen []string
	reports := p.PollAll(ctx, func(r Report) { seen = append(seen, r.Source) })
	if len(reports) != len(sources) || len(seen) != len(sources) {
		t.Fatalf("%d reports, %d callbacks, for %d sources", len(reports), len(seen), len(sources))
	}
	for i, r := range reports {
		if r.Err != nil {
			t.Fatal(r.Err)
		}
		if want := cfg.Sources[i].ID; r.Source != want {
			t.Fatalf("report %d is of %s, want %s", i, r.Source, want)
		}
	}
	if pk := peak.Load(); pk != 1 {
		t.Fatalf("%d requests at once, concurrency is 1", pk)
	}
}

// TestGapEndsRoundedUp: the dispatcher looks again for hosts held back by
// their gaps at the earliest end of a gap rounded up to a step of the gap,
// never before it, so that hosts started a moment apart start again together.
func TestGapEndsRoundedUp(t *testing.T) {
	d := &dispatcher{workers: 8, perHost: 2, gap: 100 * time.Millisecond, waiting: map[string]*hostQueue{}}
	now := time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)
	for i, started := range []time.Duration{-42*time.Millisecond - 300*time.Microsecond, -41 * time.Millisecond, -10 * time.Millisecond} {
		d.waiting[string(rune('a'+i))] = &hostQueue{lastStart: now.Add(started), queue: []*entry{{}}}
	}
	wake := d.start(now, nil, nil)
	earliest := now.Add(58*time.Millisecond - 300*time.Microsecond)
	if step := gapStep(d.gap); wake.Before(earliest) || !wake.Before(earliest.Add(step)) || wake.Sub(now)%step != 0 {
		t.Fatalf("wake %s after now, want the first %s step at or after %s", wake.Sub(now), step, earliest.Sub(now))
	}
	if d.running != 0 {
		t.Fatalf("%d polls started, every host is within its gap", d.running)
	}
	// At that time the first two hosts start, the third waits.
	jobs := make(chan *entry, 8)
	d.start(wake, jobs, nil)
	if len(jobs) != 2 {
		t.Fatalf("%d polls started at %s, want the 2 whose gaps have ended", len(jobs), wake.Sub(now))
	}
}

// TestWorkersKeepTheRoundedGap: a worker that finishes a poll after a host's
// gap has ended, but before the end rounded up to the step, does not start
// that host; at the rounded end it does. So the polls of hosts started
// together start together again, whoever starts them.
func TestWorkersKeepTheRoundedGap(t *testing.T) {
	d := &dispatcher{workers: 8, perHost: 2, gap: 100 * time.Millisecond, waiting: map[string]*hostQueue{}}
	step := gapStep(d.gap)
	base := time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)
	last := base.Add(-d.gap + 3*time.Millisecond) // the gap ends at base+3ms
	d.hosts = map[string]*hostQueue{"a": {lastStart: last, queue: []*entry{{host: "a"}}}}
	d.waiting["a"] = d.hosts["a"]
	var mine *entry
	early := base.Add(step - time.Millisecond)
	wake := d.start(early, nil, &mine)
	if mine != nil {
		t.Fatalf("a worker started the host at %s, before its gap's end rounded up to %s", early.Sub(last), step)
	}
	if !wake.Equal(base.Add(step)) {
		t.Fatalf("wake at %s after the last start, want %s", wake.Sub(last), base.Add(step).Sub(last))
	}
	d.start(base.Add(step), nil, &mine)
	if mine == nil {
		t.Fatalf("the host did not start at its gap's rounded end")
	}
}

// TestPlaceSpreadsAHostsPolls: polls of one host that would fall due at one
// time are placed a grid step either way where fewer of that host's polls
// fall due, never further, and other hosts are not counted with it.
func TestPlaceSpreadsAHostsPolls(t *testing.T) {
	d := &dispatcher{repeat: true, gap: 100 * time.Millisecond, hosts: map[string]*hostQueue{}, waiting: map[string]*hostQueue{}}
	at := time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)
	const grid = time.Second
	for range 3 {
		d.add(nil, "http://127.0.0.3/feed", at) // another host, due at the same time
	}
	count := map[time.Duration]int{}
	for range 9 {
		e := &entry{host: "127.0.0.2"}
		d.place(e, at, grid)
		off := e.next.Sub(at)
		if off != 0 && off != grid && off != -grid {
			t.Fatalf("placed %s away from its time, want at most one step of %s", off, grid)
		}
		count[off]++
		heap.Push(&d.due, e)
	}
	for _, off := range []time.Duration{-grid, 0, grid} {
		if count[off] != 3 {
			t.Fatalf("nine polls of one host placed %v, want three at each of -1s, 0 and +1s", count)
		}
	}
	// Falling due, they leave the counts.
	d.promote(at.Add(grid))
	for name, h := range d.hosts {
		if len(h.due) != 0 {
			t.Fatalf("host %s still counts %v after every poll fell due", name, h.due)
		}
	}
}

// TestPlaceLeavesAlonePollsWithoutGap: with no host gap, or outside Run,
// a poll stays where align put it.
func TestPlaceLeavesAlonePollsWithoutGap(t *testing.T) {
	at := time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)
	for _, d := range []*dispatcher{
		{repeat: true, hosts: map[string]*hostQueue{}},
		{gap: time.Second, hosts: map[string]*hostQueue{}},
	} {
		for range 4 {
			e := &entry{host: "127.0.0.2"}
			d.place(e, at, time.Second)
			if !e.next.Equal(at) || e.slot != 0 {
				t.Fatalf("repeat %v, gap %s: placed %s away, counted %v", d.repeat, d.gap, e.next.Sub(at), e.slot != 0)
			}
		}
	}
}

// fillFrom stores states, and has p read them and schedule its sources on
// a new dispatcher at now, as Run does at a start or a reload.
// dueAt is when each source of d falls due, by id.
func dueAt(d *dispatcher) map[string]time.Time {
	at := map[string]time.Time{}
	for _, e := range d.due {
		at[e.src.ID] = e.next
	}
	return at
}

// dueNear checks that source id falls due between from and to, give or
// take the grid's placing of a second and a half.
func dueNear(t *testing.T, at map[string]time.Time, now time.Time, id string, from, to time.Time) {
	t.Helper()
	if got := at[id]; got.Before(from.Add(-1500*time.Millisecond)) || got.After(to.Add(1500*time.Millisecond)) {
		t.Errorf("%s due %s from now, want between %s and %s", id, got.Sub(now), from.Sub(now), to.Sub(now))
	}
}

func fillFrom(t *testing.T, p *Poller, st *store.Store, states []store.SourceState, now time.Time) *dispatcher {
	t.Helper()
	if err := st.SaveSources(states); err != nil {
		t.Fatal(err)
	}
	if err := p.loadStates(); err != nil {
		t.Fatal(err)
	}
	d := p.newDispatcher(true)
	p.fill(d, now)
	return d
}

// TestFillKeepsPollsOnTheGrid: a reload or a restart schedules each source
// whose state says when it is due next as a poll reschedules it: on its
// host's one-second grid, placed a step either way where fewer of the
// host's polls fall due. A failing source keeps its time to the instant (a
// Retry-After is never cut short), and one whose time has passed is spread
// over the first minute, on the grid too.
func TestFillKeepsPollsOnTheGrid(t *testing.T) {
	const block = `  interval: 60s
  min_interval: 1s
  max_interval: 1h
  concurrency: 4
  per_host: 2
  host_gap: 100ms`
	var srcs []string
	for i := range 11 {
		srcs = append(srcs, fmt.Sprintf("tin-%d http://127.0.0.2/tin-%d.xml", i, i))
	}
	p, st, _ := newPoller(t, testConfig(t, block, srcs...))
	now := time.Date(2026, 11, 28, 15, 0, 0, 0, time.UTC)
	second := now.Add(20 * time.Second)
	var states []store.SourceState
	stored := map[string]time.Time{}
	for i := range 9 {
		// Nine polls that fell due within one second, each at its own
		// instant: where a poll's start plus its interval put them.
		at := second.Add(time.Duration(100+83*i) * time.Millisecond)
		states = append(states, store.SourceState{ID: fmt.Sprintf("tin-%d", i), LastResult: ResultNotModified,
			Interval: time.Minute, NextPoll: at, LastPoll: at.Add(-time.Minute)})
		stored[fmt.Sprintf("tin-%d", i)] = at
	}
	retry := now.Add(120*time.Second + 337*time.Millisecond)
	states = append(states,
		store.SourceState{ID: "tin-9", LastResult: ResultError, ConsecutiveFailures: 1, Interval: 120 * time.Second, NextPoll: retry},
		store.SourceState{ID: "tin-10", LastResult: ResultOK, Interval: time.Minute, NextPoll: now.Add(-3 * time.Second)})
	d := fillFrom(t, p, st, states, now)
	if len(d.due) != 11 {
		t.Fatalf("%d sources scheduled, want 11", len(d.due))
	}
	at := map[string]time.Time{}
	for _, e := range d.due {
		at[e.src.ID] = e.next
	}
	slots := map[time.Time]int{}
	for i := range 9 {
		id := fmt.Sprintf("tin-%d", i)
		next := at[id]
		if !next.Equal(next.Round(time.Second)) {
			t.Errorf("%s due at %s, off the one-second grid", id, next.Format("15:04:05.000"))
		}
		if off := next.Sub(stored[id]); off < -1500*time.Millisecond || off > 1500*time.Millisecond {
			t.Errorf("%s moved %s from its stored time, want at most a step and a half", id, off)
		}
		slots[next]++
	}
	// Aligned alone, five would fall due at one step and four at the
	// next; placed, no step holds more than three.
	for slot, n := range slots {
		if n > 3 {
			t.Errorf("%d polls of one host due at %s, want at most three: %v", n, slot.Format("15:04:05"), slots)
		}
	}
	if !at["tin-9"].Equal(retry) {
		t.Errorf("the failing source is due at %s, want its stored %s to the instant", at["tin-9"].Format("15:04:05.000"), retry.Format("15:04:05.000"))
	}
	late := at["tin-10"]
	if !late.Equal(late.Round(time.Second)) || late.Before(now.Add(-time.Second)) || late.After(now.Add(61*time.Second)) {
		t.Errorf("the source whose time had passed is due at %s, want within the first minute on the grid", late.Format("15:04:05.000"))
	}
}

// TestFillAppliesAShorterInterval: after a reload that shortens a source's
// interval, the source falls due that long after its last poll (at once,
// spread over the first minute, when that has passed), and its state says
// so; a time the server asked for, an unchanged interval and a longer one
// keep their stored times.
func TestFillAppliesAShorterInterval(t *testing.T) {
	const block = `  interval: 10m
  min_interval: 1s
  max_interval: 1h
  host_gap: 100ms`
	cfg := testConfig(t, block,
		"fast http://127.0.0.2/fast.xml 2m",
		"soon http://127.0.0.2/soon.xml 20m",
		"ttl http://127.0.0.3/ttl.xml",
		"same http://127.0.0.3/same.xml",
		"longer http://127.0.0.4/longer.xml 1h")
	p, st, _ := newPoller(t, cfg)
	now := time.Date(2026, 11, 28, 15, 0, 0, 0, time.UTC)
	last := now.Add(-5 * time.Minute)
	was := func(id string, interval time.Duration, reason string) store.SourceState {
		return store.SourceState{ID: id, LastResult: ResultNotModified, LastPoll: last,
			Interval: interval, IntervalReason: reason, NextPoll: last.Add(interval)}
	}
	states := []store.SourceState{
		was("fast", 30*time.Minute, "config"),
		was("soon", 30*time.Minute, "config"),
		was("ttl", 30*time.Minute, "server ttl"),
		was("same", 9*time.Minute+30*time.Second, "default"),
		was("longer", 30*time.Minute, "config"),
	}
	d := fillFrom(t, p, st, states, now)
	at := dueAt(d)
	near := func(id string, from, to time.Time) { t.Helper(); dueNear(t, at, now, id, from, to) }
	near("fast", now, now.Add(time.Minute))
	near("soon", last.Add(18*time.Minute), last.Add(20*time.Minute))
	near("ttl", last.Add(30*time.Minute), last.Add(30*time.Minute))
	near("same", last.Add(9*time.Minute+30*time.Second), last.Add(9*time.Minute+30*time.Second))
	near("longer", last.Add(30*time.Minute), last.Add(30*time.Minute))
	for id, want := range map[string]time.Duration{"fast": 2 * time.Minute, "soon": 20 * time.Minute} {
		s, err := p.state(id)
		if err != nil {
			t.Fatal(err)
		}
		if s.Interval < want*9/10 || s.Interval > want || s.IntervalReason != "config" || s.NextPoll.Before(now) {
			t.Errorf("%s: state says interval %s (%s), next poll %s from now; want about %s from config, not before now",
				id, s.Interval, s.IntervalReason, s.NextPoll.Sub(now), want)
		}
	}
}

// TestFillCapsWaitsAtALowerMaxInterval: an admin who lowers
// poll.max_interval sees it cap, from each source's last poll, the waits
// it capped before: a feed's ttl or Cache-Control, and a failing source's
// backoff (kept to the instant, as a failure's time is). A Retry-After
// stands, as the server asked, and so does a wait already under the cap.
func TestFillCapsWaitsAtALowerMaxInterval(t *testing.T) {
	const block = `  interval: 5m
  min_interval: 1s
  max_interval: 30m
  host_gap: 100ms`
	cfg := testConfig(t, block,
		"ttl http://127.0.0.2/ttl.xml",
		"cache http://127.0.0.2/cache.xml",
		"failing http://127.0.0.3/failing.xml",
		"failing-long http://127.0.0.3/failing-long.xml",
		"retry http://127.0.0.4/retry.xml")
	p, st, _ := newPoller(t, cfg)
	now := time.Date(2026, 11, 28, 17, 0, 0, 0, time.UTC)
	was := func(id string, last time.Time, interval time.Duration, reason string, failures int) store.SourceState {
		s := store.SourceState{ID: id, LastResult: ResultNotModified, LastPoll: last,
			Interval: interval, IntervalReason: reason, NextPoll: last.Add(interval)}
		if failures > 0 {
			s.LastResult, s.ConsecutiveFailures, s.LastError = ResultError, failures, "connection refused"
		}
		return s
	}
	last := now.Add(-20 * time.Minute)
	states := []store.SourceState{
		// Set under max_interval: 6h.
		was("ttl", last, 6*time.Hour, hintTTL, 0),
		was("cache", last, 25*time.Minute, hintCache, 0),
		was("failing", last, 6*time.Hour, "backoff: 8 failures in a row", 8),
		was("failing-long", now.Add(-2*time.Hour), 6*time.Hour, "backoff: 9 failures in a row", 9),
		was("retry", last, 2*time.Hour, "server: Retry-After on 429", 1),
	}
	d := fillFrom(t, p, st, states, now)
	at := dueAt(d)
	near := func(id string, from, to time.Time) { t.Helper(); dueNear(t, at, now, id, from, to) }
	near("ttl", last.Add(27*time.Minute), last.Add(30*time.Minute))
	near("cache", last.Add(25*time.Minute), last.Add(25*time.Minute))
	near("failing-long", now, now.Add(time.Minute))
	near("retry", last.Add(2*time.Hour), last.Add(2*time.Hour))
	if got := at["failing"]; got.Before(last.Add(27*time.Minute)) || got.After(last.Add(30*time.Minute)) {
		t.Errorf("failing due %s from now, want between %s and %s, to the instant", got.Sub(now), 7*time.Minute, 10*time.Minute)
	}
	if got := at["retry"]; !got.Equal(last.Add(2 * time.Hour)) {
		t.Errorf("retry due at %s, want exactly %s: a Retry-After is never cut short", got, last.Add(2*time.Hour))
	}
	for id, reason := range map[string]string{"ttl": hintTTL, "failing": "backoff: 8 failures in a row"} {
		s, err := p.state(id)
		if err != nil {
			t.Fatal(err)
		}
		if s.Interval > 30*time.Minute || s.Interval < 27*time.Minute || s.IntervalReason != reason {
			t.Errorf("%s: state says interval %s (%s), want 27–30m (%s)", id, s.Interval, s.IntervalReason, reason)
		}
	}
}

// TestFillSpreadsWhatIsDueByItsShare: the sources due when the poller
// starts are spread over their share of the first minute: a twentieth of
// the sources over three seconds (the few that fell due during a reload),
// all of them over the whole minute (a first start).
func TestFillSpreadsWhatIsDueByItsShare(t *testing.T) {
	const block = `  interval: 60s
  min_interval: 1s
  max_interval: 1h
  host_gap: 100ms`
	var srcs []string
	for i := range 100 {
		srcs = append(srcs, fmt.Sprintf("tin-%d http://127.0.0.%d/tin-%d.xml", i, 2+i%10, i))
	}
	now := time.Date(2026, 11, 28, 15, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name   string
		stored int // sources with a stored next poll in the next minute; the others are due
		within time.Duration
	}{
		{"reload", 95, 3 * time.Second},
		{"first start", 0, time.Minute},
	} {
		p, st, _ := newPoller(t, testConfig(t, block, srcs...))
		var states []store.SourceState
		for i := range 100 {
			next := now.Add(-2 * time.Second) // fell due during the reload
			if i < tc.stored {
				next = now.Add(time.Duration(1+i%59) * time.Second)
			}
			states = append(states, store.SourceState{ID: fmt.Sprintf("tin-%d", i), LastResult: ResultNotModified,
				Interval: time.Minute, IntervalReason: "config", LastPoll: next.Add(-time.Minute), NextPoll: next})
		}
		d := fillFrom(t, p, st, states, now)
		var latest time.Duration
		for _, e := range d.due {
			var i int
			fmt.Sscanf(e.src.ID, "tin-%d", &i)
			if i >= tc.stored {
				latest = max(latest, e.next.Sub(now))
			}
		}
		// Aligned, then placed a step away at most: a second and a half.
		if latest > tc.within+1500*time.Millisecond {
			t.Errorf("%s: a due source waits %s, want at most %s and a step and a half", tc.name, latest, tc.within)
		}
		if tc.within == time.Minute && latest < 30*time.Second {
			t.Errorf("%s: every due source within %s: not spread over the minute", tc.name, latest)
		}
	}
}

// TestPollAllKeepsRetryAfter: a run of PollAll (newswire fetch, from cron)
// does not ask a server whose Retry-After, given to an earlier run, has not
// ended: the source is reported as waiting, until when and why, not as a
// failure. A backoff after other failures does not hold it back.
func TestPollAllKeepsRetryAfter(t *testing.T) {
	var limited, failing, fine hits
	good := fixture(t, "good.xml")
	mux := http.NewServeMux()
	mux.Handle("/han-che.xml", limited.wrap(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "3600")
		http.Error(w, "quá nhiều yêu cầu", http.StatusTooManyRequests)
	})))
	mux.Handle("/loi.xml", failing.wrap(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "lỗi máy chủ", http.StatusInternalServerError)
	})))
	mux.Handle("/tot.xml", fine.wrap(good))
	url := serveOn(t, "127.0.0.2", mux)
	cfg := testConfig(t, fastPoll, "hanche "+url+"/han-che.xml", "loi "+url+"/loi.xml", "tot "+url+"/tot.xml")
	p, st, _ := newPoller(t, cfg)
	first := p.PollAll(context.Background(), nil)
	if first[0].Status != http.StatusTooManyRequests || first[1].Err == nil || first[2].Err != nil {
		t.Fatalf("first run: %+v", first)
	}

	// The next run, as the next fetch from cron: a poller of its own.
	p2 := New(cfg, st, p.log)
	var done []Report
	second := p2.PollAll(context.Background(), func(r Report) { done = append(done, r) })
	if n := limited.count(); n != 1 {
		t.Errorf("a server that asked for an hour was asked %d times in two runs, want once", n)
	}
	if failing.count() != 2 || fine.count() != 2 {
		t.Errorf("the other sources were asked %d and %d times in two runs, want twice each", failing.count(), fine.count())
	}
	w := second[0]
	want := savedState(t, st, "hanche").NextPoll
	if w.Result != ResultWaiting || w.Err != nil || !w.Next.Equal(want) || !strings.Contains(w.Why, "Retry-After on 429") {
		t.Errorf("source inside its Retry-After: %s, err %v, until %s (%s); want waiting, no error, until %s (Retry-After on 429)",
			w.Result, w.Err, w.Next.Format(time.TimeOnly), w.Why, want.Format(time.TimeOnly))
	}
	if len(done) != 3 {
		t.Errorf("done called for %d sources, want 3, the waiting one too", len(done))
	}
	if s := savedState(t, st, "hanche"); s.ConsecutiveFailures != 1 || s.LastResult != ResultError {
		t.Errorf("state of the waiting source: %d failures, %s; want it left as the 429 set it", s.ConsecutiveFailures, s.LastResult)
	}
}

// TestNewURLLeavesTheOldServersWait: a source given a new URL while its old
// server's Retry-After runs is polled at the new one at once, by Run (a
// reload, a restart) and by PollAll (fetch), with none of what the old
// server said: no wait, no validators, no failures to back off from.
func TestNewURLLeavesTheOldServersWait(t *testing.T) {
	for _, how := range []string{"Run", "PollAll"} {
		t.Run(how, func(t *testing.T) {
			var overloaded atomic.Bool
			good := fixture(t, "good.xml")
			oldURL := serveOn(t, "127.0.0.2", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if overloaded.Load() {
					w.Header().Set("Retry-After", "3600")
					http.Error(w, "máy chủ bảo trì", http.StatusServiceUnavailable)
					return
				}
				w.Header().Set("ETag", `"ban-cu"`)
				good(w, r)
			}))
			var mu sync.Mutex
			var sentINM []string
			newURL := serveOn(t, "127.0.0.3", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				mu.Lock()
				sentINM = append(sentINM, r.Header.Get("If-None-Match"))
				mu.Unlock()
				http.Error(w, "chưa sẵn sàng", http.StatusBadGateway)
			}))
			cfg := testConfig(t, "  interval: 1h\n  min_interval: 1s\n  max_interval: 6h\n  host_gap: 0s", "doidiachi "+oldURL+"/rss.xml")
			p, st, logs := newPoller(t, cfg)
			src := source(t, cfg, "doidiachi")
			if rep := p.Poll(context.Background(), src); rep.Err != nil {
				t.Fatal(rep.Err)
			}
			overloaded.Store(true)
			if rep := p.Poll(context.Background(), src); rep.Status != http.StatusServiceUnavailable {
				t.Fatalf("second poll: %+v, want the 503", rep)
			}
			if s := savedState(t, st, "doidiachi"); !strings.Contains(s.IntervalReason, "Retry-After") || s.ConsecutiveFailures != 1 {
				t.Fatalf("after the 503: %s, %d failures", s.IntervalReason, s.ConsecutiveFailures)
			}

			// The admin moves the source to another host; the poller of
			// the new config (a reload's, a restart's, fetch's) reads the
			// same store.
			moved := testConfig(t, "  interval: 1h\n  min_interval: 1s\n  max_interval: 6h\n  host_gap: 0s", "doidiachi "+newURL+"/rss.xml")
			p2 := New(moved, st, p.log)
			if how == "Run" {
				runFor(t, p2, 800*time.Millisecond)
			} else {
				reps := p2.PollAll(context.Background(), nil)
				if reps[0].Status != http.StatusBadGateway {
					t.Errorf("fetch of the new URL: %+v, want the new host's 502", reps[0])
				}
			}
			mu.Lock()
			asked := append([]string(nil), sentINM...)
			mu.Unlock()
			if len(asked) != 1 {
				t.Fatalf("the new URL was asked %d times, want once, at once:\n%s", len(asked), logs)
			}
			if asked[0] != "" {
				t.Errorf("the new URL was sent the old server's ETag %s", asked[0])
			}
			s := savedState(t, st, "doidiachi")
			if s.ConsecutiveFailures != 1 || s.IntervalReason != "backoff: 1 failure" || s.ETag != "" {
				t.Errorf("after the new URL's first failure: %d failures (%s), ETag %q; want 1, backoff: 1 failure, none",
					s.ConsecutiveFailures, s.IntervalReason, s.ETag)
			}
		})
	}
}

// The schedule holds an entry, and the memo a memoDoc, for every source:
// with 10,000 sources each byte of either is 10 kB of heap, and a memoDoc
// past 128 bytes is no longer kept in its map's own table but allocated
// apart. An entry kept its poll's report until 29 Nov (336 bytes, 3.4 MB in
// all); a field that grows either should be a choice, not an accident.
func TestPerSourceTablesStaySmall(t *testing.T) {
	if n := unsafe.Sizeof(entry{}); n > 80 {
		t.Errorf("a schedule entry takes %d bytes, want at most 80", n)
	}
	if n := unsafe.Sizeof(memoDoc{}); n > 128 {
		t.Errorf("a memoDoc takes %d bytes, want at most 128", n)
	}
}
