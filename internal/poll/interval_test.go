package poll

import (
	"context"
	"fmt"
	"testing"
	"time"

	"newswire/internal/config"
	"newswire/internal/fetch"
	"newswire/internal/notice"
	"newswire/store"
)

func TestPublishRhythm(t *testing.T) {
	// at gives the publication times of items published so many minutes
	// ago; -1 is an undated item, which the poll leaves out.
	at := func(minutesAgo ...int) []time.Time {
		now := time.Date(2026, 11, 20, 8, 0, 0, 0, time.UTC)
		var times []time.Time
		for _, m := range minutesAgo {
			if m >= 0 {
				times = append(times, now.Add(-time.Duration(m)*time.Minute))
			}
		}
		return times
	}
	tests := []struct {
		name    string
		items   []time.Time
		prevGap time.Duration
		wantGap time.Duration
	}{
		{"every 30 minutes", at(0, 30, 60, 90, 120), 0, 30 * time.Minute},
		{"document order does not matter", at(60, 0, 120, 30, 90), 0, 30 * time.Minute},
		{"median, not mean: one long silence", at(0, 10, 20, 30, 600), 0, 10 * time.Minute},
		{"too few dates keep the old gap", at(0, 30), time.Hour, time.Hour},
		{"undated items are ignored", at(0, -1, 20, -1, 40), 0, 20 * time.Minute},
		{"one timestamp for all tells nothing", at(5, 5, 5, 5), time.Hour, time.Hour},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			gap, _ := publishRhythm(tt.items, tt.prevGap, time.Time{})
			if gap != tt.wantGap {
				t.Fatalf("gap = %s, want %s", gap, tt.wantGap)
			}
		})
	}
}

func TestAdaptiveInterval(t *testing.T) {
	now := time.Date(2026, 11, 20, 8, 0, 0, 0, time.UTC)
	tests := []struct {
		name   string
		gap    time.Duration
		newest time.Time
		want   time.Duration
	}{
		{"half the gap", 30 * time.Minute, now.Add(-5 * time.Minute), 15 * time.Minute},
		{"a quiet source is asked less", 30 * time.Minute, now.Add(-4 * time.Hour), 2 * time.Hour},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := adaptive(tt.gap, tt.newest, now); got != tt.want {
				t.Fatalf("adaptive = %s, want %s", got, tt.want)
			}
		})
	}
}

// TestJitterKeepsItsSide draws intervals many times: on newswire's own
// interval a poll may come early but never late, since the interval bounds
// how long a change waits to be seen; on what a server asked for it may come
// late but never early; and the scheduler's grid (align) keeps either within
// 10% of the interval.
func TestJitterKeepsItsSide(t *testing.T) {
	cfg := testConfig(t, "  interval: 60s\n  min_interval: 1s\n  max_interval: 1h",
		"thoisu http://127.0.0.2/rss.xml", "vungcao http://127.0.0.2/vungcao.xml 20m")
	p, _, _ := newPoller(t, cfg)
	start := time.Date(2026, 11, 26, 8, 0, 0, 0, time.UTC)
	hint := func(d time.Duration) serverHint { return serverHint{wait: d, reason: "server: feed ttl"} }
	tests := []struct {
		name     string
		src      string
		hint     serverHint
		lo, hi   time.Duration // after align, inclusive
		reason   string
		spreadAt time.Duration // the draws must spread over at least this much
	}{
		{"default: early, never late", "thoisu", serverHint{}, 54 * time.Second, 60 * time.Second, "default", 4 * time.Second},
		{"config: early, never late", "vungcao", serverHint{}, 18 * time.Minute, 20 * time.Minute, "config", time.Minute},
		{"shorter server hint: ours wins", "thoisu", hint(30 * time.Second), 54 * time.Second, 60 * time.Second, "default", 4 * time.Second},
		{"server hint: late, never early", "thoisu", hint(10 * time.Minute), 10 * time.Minute, 11 * time.Minute, "server: feed ttl", 50 * time.Second},
		{"server hint over the cap: the cap, never later", "thoisu", hint(3 * time.Hour), 54 * time.Minute, time.Hour, "server: feed ttl", 4 * time.Minute},
		// A config interval of 20m over a max-age of 19m: drawn shorter,
		// never before the 19m the server asked.
		{"ours a little over the server's: never before the server's", "vungcao", hint(19 * time.Minute), 19 * time.Minute, 20 * time.Minute, "config", 30 * time.Second},
		{"server hint at the cap: exactly the cap", "thoisu", hint(time.Hour), time.Hour, time.Hour, "server: feed ttl", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := source(t, cfg, tt.src)
			low, high := tt.hi, tt.lo
			for range 2000 {
				d, reason := p.interval(src, store.SourceState{}, tt.hint, start)
				at := align(start.Add(d), d).Sub(start)
				if at < tt.lo || at > tt.hi || reason != tt.reason {
					t.Fatalf("next poll after %s (%s, aligned from %s), want within [%s, %s] (%s)", at, reason, d, tt.lo, tt.hi, tt.reason)
				}
				low, high = min(low, at), max(high, at)
			}
			if high-low < tt.spreadAt {
				t.Fatalf("2000 draws all within [%s, %s]: sources with one interval would not drift apart", low, high)
			}
		})
	}
}

// TestAfterACrashTheServersWaitCountsFromNow: after a crash the saved state
// of a source may be a minute behind its polls, its next poll already past;
// a source whose server asked for a wait (here a feed's ttl of 3 s) is not
// asked again before that wait has passed from the start. Without a crash,
// a next poll that has passed is due at once.
func TestAfterACrashTheServersWaitCountsFromNow(t *testing.T) {
	for _, crashed := range []bool{true, false} {
		t.Run(fmt.Sprint("crashed=", crashed), func(t *testing.T) {
			var h hits
			url := serveOn(t, "127.0.0.2", h.wrap(fixture(t, "good.xml")))
			cfg := testConfig(t, "  interval: 1s\n  min_interval: 1s\n  max_interval: 1h\n  timeout: 2s\n  host_gap: 0s", "tin-a "+url)
			p, st, _ := newPoller(t, cfg)
			now := time.Now()
			saved := store.SourceState{ID: "tin-a", URL: url, ConfigURL: url, LastPoll: now.Add(-2 * time.Second), LastSuccess: now.Add(-2 * time.Second),
				LastResult: ResultOK, NextPoll: now.Add(-time.Second), Interval: 3 * time.Second, IntervalReason: hintTTL}
			if err := st.SaveSource(saved); err != nil {
				t.Fatal(err)
			}
			if crashed {
				p.AfterUncleanStop()
			}
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan struct{})
			go func() { _ = p.Run(ctx); close(done) }()
			defer func() { cancel(); <-done }()
			time.Sleep(1500 * time.Millisecond)
			got := len(h.all())
			switch {
			case crashed && got != 0:
				t.Errorf("after a crash, asked %d times within 1.5 s of the start, where the server asked for 3 s", got)
			case !crashed && got == 0:
				t.Errorf("without a crash, a next poll already past was not due at once")
			}
		})
	}
}

// TestReasonsAreWorded: every interval reason the poller writes, and the
// drop reason of an echoed item, is one the status page words in its
// language.
func TestReasonsAreWorded(t *testing.T) {
	p, _, _ := newPoller(t, testConfig(t, fastPoll))
	reasons := []string{"config", "default", "adaptive", hintCache, hintTTL, reasonCatchUp, newURLReason, "stopped: 410 Gone"}
	for _, status := range []int{429, 503} {
		_, r := p.backoff(config.Source{}, store.SourceState{}, &fetch.StatusError{Status: status, RetryAfter: time.Minute})
		reasons = append(reasons, r)
	}
	for _, failures := range []int{1, 2, 7} {
		_, r := p.backoffBase(config.Source{}, store.SourceState{ConsecutiveFailures: failures})
		reasons = append(reasons, r)
	}
	for _, r := range reasons {
		if n, ok := notice.Reason(r); !ok || n.Text("en") != r {
			t.Errorf("reason %q is not worded: read as %+v, %v", r, n, ok)
		}
	}
	if got := notice.New(notice.Echo).Text("en"); got != reasonEcho {
		t.Errorf("the echo's notice says %q, the poller %q", got, reasonEcho)
	}
}
