package poll

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"newswire/internal/farm"
	"newswire/internal/metrics"
	"newswire/store"

	dto "github.com/prometheus/client_model/go"
)

// TestSmallFarm polls 200 feeds over four hosts every 2 seconds, changes a
// few, and checks the poller's manners and that the changes arrive.
func TestSmallFarm(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the scheduler for about 10 seconds")
	}
	f, err := farm.Start(farm.Options{Feeds: 200, Items: 10, Hosts: 4, Start: time.Now().Add(-time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var srcs []string
	for i, u := range f.URLs() {
		srcs = append(srcs, fmt.Sprintf("tin-%d %s 2s", i, u))
	}
	cfg := testConfig(t, "  interval: 2s\n  min_interval: 1s\n  max_interval: 1m\n  concurrency: 8\n  per_host: 2\n  host_gap: 0s", srcs...)
	p, st, _ := newPoller(t, cfg)
	m := metrics.New()
	p.SetMetrics(m.Poll)

	// The test waits for events, not for a time: each stage has a generous
	// deadline so that a loaded machine slows it down but does not fail it.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- p.Run(ctx) }()
	waitFor := func(what string, cond func() bool) {
		t.Helper()
		for deadline := time.Now().Add(2 * time.Minute); !cond(); time.Sleep(100 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("after 2 minutes: not %s", what)
			}
		}
	}
	polledAtLeast := func(n int) func() bool {
		return func() bool {
			for _, polls := range f.Polls() {
				if len(polls) < n {
					return false
				}
			}
			return true
		}
	}
	waitFor("every feed polled once", polledAtLeast(1))
	changes := f.ChangeRandom(3)
	changedFetched := func() bool {
		for _, c := range changes {
			if _, ok := f.FirstServed(c.Feed); !ok {
				return false
			}
		}
		return true
	}
	waitFor("every changed feed fetched", changedFetched)
	waitFor("every feed polled three times", polledAtLeast(3))
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}

	s := f.Stats()
	if s.Unchanged == 0 || float64(s.Unchanged304)/float64(s.Unchanged) < 0.98 {
		t.Fatalf("%d of %d requests for unchanged feeds answered 304, want ≥ 98%%", s.Unchanged304, s.Unchanged)
	}
	page, err := st.Latest(store.AllCategory, 200, "")
	if err != nil {
		t.Fatal(err)
	}
	titles := make(map[string]bool)
	for _, s := range page.Stories {
		titles[s.Title] = true
	}
	for _, c := range changes {
		if !titles[c.Title] {
			t.Errorf("the item added to feed %d (%q) is not in the store", c.Feed, c.Title)
		}
	}

	// The metrics saw the same.
	got := gathered(t, m)
	// A poll cancelled at shutdown may have had its 304 served but not
	// counted: the metrics may lag the farm by at most the polls in flight.
	counted304 := got[`newswire_fetch_responses_total{code="304"}`]
	inFlight := float64(cfg.Poll.Concurrency)
	if got[`newswire_poll_total{result="not-modified"}`] < counted304 ||
		counted304 > float64(s.Unchanged304) || counted304 < float64(s.Unchanged304)-inFlight ||
		got["newswire_fetch_not_modified_ratio"] < 0.5 || got["newswire_fetch_bytes_total"] == 0 {
		t.Fatalf("metrics disagree with the farm's %+v:\n%v", s, got)
	}
}

// gathered is the value of every counter and gauge of m, by its name and
// labels as the exposition writes them.
func gathered(t *testing.T, m *metrics.Metrics) map[string]float64 {
	t.Helper()
	families, err := m.Registry.Gather()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]float64{}
	for _, fam := range families {
		for _, mt := range fam.GetMetric() {
			got[fam.GetName()+labels(mt)] += mt.GetCounter().GetValue() + mt.GetGauge().GetValue()
		}
	}
	return got
}

func labels(m *dto.Metric) string {
	if len(m.GetLabel()) == 0 {
		return ""
	}
	out := "{"
	for i, l := range m.GetLabel() {
		if i > 0 {
			out += ","
		}
		out += fmt.Sprintf("%s=%q", l.GetName(), l.GetValue())
	}
	return out + "}"
}

// TestHeapPerSource measures the heap the poller keeps for each source once
// every source has been polled and scheduled: its config entry, its state,
// the memo of its document, its place in the schedule, and whatever a change
// adds beside them. The full 10,000-feed farm is the real measure of the
// daemon's memory but runs only when asked; this runs with every test run, so
// that a field or a table that grows every source shows at once. The figure
// is the slope between two farms, 100 and 300 feeds of 10 items, so that what
// does not grow with the sources (hosts' connections, the store, the farm's
// own servers) cancels out. It is measured in a process of its own (this
// test binary again): what the package's other tests leave behind in theirs,
// their servers and goroutines ending, would change the heap meanwhile.
func TestHeapPerSource(t *testing.T) {
	if os.Getenv("NEWSWIRE_HEAP_PER_SOURCE") != "" {
		small, large := heldPerPoller(t, 100), heldPerPoller(t, 300)
		fmt.Printf("HELD %d %d\n", small, large)
		return
	}
	if testing.Short() {
		t.Skip("polls 400 feeds")
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestHeapPerSource$", "-test.count=1")
	cmd.Env = append(os.Environ(), "NEWSWIRE_HEAP_PER_SOURCE=1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("the measuring process: %v\n%s", err, out)
	}
	var small, large int64
	for line := range strings.Lines(string(out)) {
		if _, err := fmt.Sscanf(line, "HELD %d %d", &small, &large); err == nil {
			break
		}
	}
	if small == 0 || large == 0 {
		t.Fatalf("the measuring process printed no figures:\n%s", out)
	}
	per := (large - small) / 200
	t.Logf("the poller holds %d bytes of heap a source (100 sources: %d bytes, 300: %d)", per, small, large)
	// 2,720–2,940 bytes a source on 29 Nov (Go 1.26, sixteen runs, eight
	// of them under the race detector): the state (896) with its map slots,
	// the memo of ten items, the config's source, the schedule's entry. At
	// 50 items a source the memo's share is larger. A growth of some 300
	// bytes a source shows; TestPerSourceTablesStaySmall holds the
	// schedule's entry and the memo's document to the byte.
	if per > heapPerSourceBudget {
		t.Errorf("the poller holds %d bytes of heap a source, want at most %d: something kept for every source grew", per, heapPerSourceBudget)
	}
}

// heapPerSourceBudget is TestHeapPerSource's bound: about a tenth above the
// figure measured when it was set.
const heapPerSourceBudget = 3100

// heldPerPoller starts a farm of n feeds of 10 items, has a poller over a
// new store poll each once and schedule all, and returns the live heap the
// config, the poller and its schedule added. The polls run one at a time and
// each commits at once, so that the store's commits, and what they leave
// allocated, are the same from run to run.
func heldPerPoller(t *testing.T, n int) int64 {
	f, err := farm.Start(farm.Options{Feeds: n, Items: 10, Hosts: 4, Start: time.Now().Add(-time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	st, err := store.Open(filepath.Join(t.TempDir(), "newswire.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var srcs []string
	for i, u := range f.URLs() {
		srcs = append(srcs, fmt.Sprintf("tin-%d %s", i, u))
	}
	before := liveHeap()
	cfg := testConfig(t, "  interval: 1h\n  min_interval: 1s\n  concurrency: 1\n  commit_delay: 0s\n  host_gap: 0s", srcs...)
	p := New(cfg, st, slog.New(slog.DiscardHandler))
	for _, r := range p.PollAll(context.Background(), nil) {
		if r.Result != ResultOK || r.Items != 10 {
			t.Fatalf("first poll of %s: %+v", r.Source, r)
		}
	}
	d := p.newDispatcher(true)
	p.fill(d, time.Now())
	// The connections to the farm's hosts, and the farm's ends of them,
	// are not the sources': they go before the heap is read, and so does
	// the store's free list.
	p.client.HTTPClient().CloseIdleConnections()
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(100 * time.Millisecond)
	held := liveHeap() - before
	runtime.KeepAlive(d)
	runtime.KeepAlive(p)
	return held
}

// liveHeap is the heap in use after full collections: the second one
// frees what sync.Pools held through the first.
func liveHeap() int64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return int64(m.HeapAlloc)
}
