package metrics

import (
	"errors"
	"io"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"newswire/internal/reload"
)

func TestHandlerServesPollMetrics(t *testing.T) {
	m := New()
	m.Poll.Polled("ok", 200, 5000, 20*time.Millisecond)
	m.Poll.Polled("not-modified", 304, 0, time.Millisecond)
	m.Poll.Polled("not-modified", 304, 0, time.Millisecond)
	m.Poll.Polled("error", 0, 0, time.Second)
	m.Poll.ParseError()
	m.Poll.Items(3, 1, 2, 0)
	m.Poll.Redated(2, 0)
	m.Poll.RedatedUpdates(0, 1)
	m.Store.Watch(func() (StoreFigures, error) {
		return StoreFigures{Stories: 42, Categories: map[string]int{"du-lich": 40}, FileSize: 1 << 20,
			Writes: StoreWrites{Commits: 7, Documents: 12, Items: 30, Bytes: 81920, CommitTime: 1500 * time.Millisecond}}, nil
	})
	m.Reload(reload.Status{At: time.Date(2026, 3, 10, 2, 15, 0, 0, time.UTC), Trigger: "signal"})
	var nilPoll *Poll
	nilPoll.Polled("ok", 200, 1, time.Second) // a poller without metrics counts nothing, and does not crash

	srv := httptest.NewServer(m.Handler())
	defer srv.Close()
	resp, err := srv.Client().Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	for _, want := range []string{
		`newswire_poll_total{result="ok"} 1`,
		`newswire_poll_total{result="not-modified"} 2`,
		`newswire_poll_total{result="error"} 1`,
		`newswire_fetch_responses_total{code="304"} 2`,
		`newswire_fetch_bytes_total 5000`,
		`newswire_poll_parse_errors_total 1`,
		`newswire_fetch_not_modified_ratio 0.6666666666666666`,
		`newswire_poll_duration_seconds_count 4`,
		`newswire_poll_items_total{outcome="new"} 3`,
		`newswire_poll_items_total{outcome="updated"} 1`,
		`newswire_poll_items_total{outcome="joined"} 2`,
		`newswire_poll_items_total{outcome="dropped"} 0`,
		`newswire_poll_redated_items_total{date="unreadable"} 2`,
		`newswire_poll_redated_items_total{date="future"} 0`,
		`newswire_poll_redated_updates_total{date="unreadable"} 0`,
		`newswire_poll_redated_updates_total{date="future"} 1`,
		`newswire_store_stories 42`,
		`newswire_store_category_stories{category="du-lich"} 40`,
		`newswire_store_size_bytes 1.048576e+06`,
		`newswire_store_commits_total 7`,
		`newswire_store_committed_documents_total 12`,
		`newswire_store_committed_items_total 30`,
		`newswire_store_written_bytes_total 81920`,
		`newswire_store_commit_seconds_total 1.5`,
		`newswire_config_reload_success 0`,
		`newswire_config_last_reload_timestamp_seconds 1.7731089e+09`,
		`go_goroutines`,
		`process_resident_memory_bytes`,
	} {
		if !strings.Contains(string(body), want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
	// The process collector's network counters count the whole network
	// namespace, not the daemon.
	for _, absent := range []string{"process_network_receive_bytes_total", "process_network_transmit_bytes_total"} {
		if strings.Contains(string(body), absent) {
			t.Errorf("/metrics has %s, which counts every socket of the network namespace", absent)
		}
	}
}

// TestHandlerBeforeSources checks that the store and reload series are
// absent, not zero, until something reports them, and that a failing store
// does not break the scrape.
func TestHandlerBeforeSources(t *testing.T) {
	m := New()
	m.Store.Watch(func() (StoreFigures, error) { return StoreFigures{}, errors.New("store: closed") })
	srv := httptest.NewServer(m.Handler())
	defer srv.Close()
	resp, err := srv.Client().Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("status %d: %s", resp.StatusCode, body)
	}
	for _, absent := range []string{"newswire_store_stories", "newswire_config_reload_success"} {
		if strings.Contains(string(body), absent+" ") {
			t.Errorf("/metrics reports %s before it is known", absent)
		}
	}
}
