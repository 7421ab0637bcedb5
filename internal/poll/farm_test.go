package poll

import (
	"context"
	"fmt"
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
