package poll

import (
	"context"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// TestPollRecordsActivityAndCounts checks what the status page and /readyz
// read from a poll: the poller's last activity, the source's recent counts,
// and the poll's one log line.
func TestPollRecordsActivityAndCounts(t *testing.T) {
	url := serveOn(t, "127.0.0.1", fixture(t, "good.xml"))
	cfg := testConfig(t, fastPoll, "hagiang "+url+"/rss")
	p, st, logs := newPoller(t, cfg)
	if got := p.LastActivity(); !got.IsZero() {
		t.Fatalf("LastActivity before any poll = %s, want zero", got)
	}
	before := time.Now()
	reps := p.PollAll(context.Background(), nil)
	if len(reps) != 1 || reps[0].Err != nil || reps[0].New == 0 {
		t.Fatalf("reports = %+v", reps)
	}
	if got := p.LastActivity(); got.Before(before) {
		t.Errorf("LastActivity = %s, before the poll started at %s", got, before)
	}
	s := savedState(t, st, "hagiang")
	if n := s.Recent.Last24h(time.Now()); n != reps[0].New+reps[0].Joined {
		t.Errorf("Recent.Last24h = %d, want %d new and joined", n, reps[0].New+reps[0].Joined)
	}

	var line string
	for l := range strings.Lines(logs.String()) {
		if strings.Contains(l, "msg=poll ") && strings.Contains(l, "source=hagiang") {
			if line != "" {
				t.Errorf("more than one log line for one poll:\n%s%s", line, l)
			}
			line = l
		}
	}
	for _, attr := range []string{`source=hagiang`, `result=ok`, `status=200`, `duration=\d`, `new=\d+`, `updated=0`} {
		if !regexp.MustCompile(`\b` + attr).MatchString(line) {
			t.Errorf("poll log line lacks %s: %q", attr, line)
		}
	}
}

// TestWaitingIsActivity: a poller whose every source waits for the time
// its server asked (a Retry-After of an hour, past max_interval) is
// working, not stuck: its activity stays current while it waits, whichever
// of its polls ends last.
func TestWaitingIsActivity(t *testing.T) {
	for _, sources := range []int{1, 2} {
		t.Run(fmt.Sprint(sources), func(t *testing.T) { waitingIsActivity(t, sources) })
	}
}

func waitingIsActivity(t *testing.T, sources int) {
	var hits atomic.Int32
	outlet := func(delay time.Duration) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			time.Sleep(delay)
			hits.Add(1)
			w.Header().Set("Retry-After", "3600")
			http.Error(w, "máy chủ đang bảo trì", http.StatusServiceUnavailable)
		})
	}
	var list []string
	for i := range sources {
		// The second answers later: its poll ends last, on its worker.
		url := serveOn(t, fmt.Sprintf("127.0.0.%d", 2+i), outlet(time.Duration(i)*400*time.Millisecond))
		list = append(list, fmt.Sprintf("baotri%d %s/rss", i, url))
	}
	cfg := testConfig(t, fastPoll, list...)
	p, _, _ := newPoller(t, cfg)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- p.Run(ctx) }()
	defer func() { cancel(); <-done }()
	deadline := time.Now().Add(5 * time.Second)
	for hits.Load() < int32(sources) {
		if time.Now().After(deadline) {
			t.Fatal("the sources were not polled")
		}
		time.Sleep(20 * time.Millisecond)
	}
	time.Sleep(2500 * time.Millisecond)
	if n := hits.Load(); n != int32(sources) {
		t.Fatalf("%d polls; the Retry-After was not kept", n)
	}
	if since := time.Since(p.LastActivity()); since > time.Second {
		t.Errorf("LastActivity is %s old while the poller waits for the server's Retry-After", since.Round(time.Millisecond))
	}
}
