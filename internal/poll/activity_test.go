package poll

import (
	"context"
	"regexp"
	"strings"
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
