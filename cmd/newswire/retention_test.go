package main

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"newswire/feeds"
	"newswire/internal/config"
	"newswire/store"
)

// syncBuffer is a log sink the retention goroutine and the test share.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestRunRetention runs the daemon's retention loop on a real store: the
// old stories go, the run is logged with its counts, and the loop stops with
// its context.
func TestRunRetention(t *testing.T) {
	st, err := store.Open(filepath.Join(t.TempDir(), "newswire.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	now := time.Now().UTC()
	var items []store.Incoming
	for i, age := range []time.Duration{100 * 24 * time.Hour, 95 * 24 * time.Hour, time.Hour} {
		link := "https://baohagiang.example.vn/tin-" + string(rune('a'+i))
		items = append(items, store.Incoming{
			Item:       feeds.Item{GUID: link, Link: link, Title: "Tin Hà Giang " + link, Published: now.Add(-age)},
			Key:        link,
			Categories: []string{"thoi-su"},
		})
	}
	if _, err := st.Apply("baohagiang", items, now); err != nil {
		t.Fatal(err)
	}
	var logs syncBuffer
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan struct{})
	go func() {
		runRetention(ctx, st, store.Policy{MaxAge: 90 * 24 * time.Hour}, time.Millisecond, time.Hour, slog.New(slog.NewTextHandler(&logs, nil)))
		close(done)
	}()
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		rs, err := st.RetentionStats()
		if err != nil {
			t.Fatal(err)
		}
		if rs.Runs > 0 {
			if rs.Removed != 2 || rs.Tombstones != 4 {
				t.Errorf("after one run: %+v, want 2 removed and 4 tombstones", rs)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("retention did not run")
		}
	}
	cancel()
	<-done
	if out := logs.String(); !strings.Contains(out, "msg=retention removed=2 aged=2") {
		t.Errorf("log = %q, want the run with its counts", out)
	}
	if st2, _, err := st.Story(3); err != nil || st2.Title == "" {
		t.Errorf("the recent story: %+v, %v", st2, err)
	}
}

func TestRetentionWait(t *testing.T) {
	now := time.Date(2026, 11, 28, 23, 0, 0, 0, time.UTC)
	for _, tt := range []struct {
		name  string
		last  time.Time
		every time.Duration
		want  time.Duration
	}{
		{"never ran", time.Time{}, 24 * time.Hour, retentionFirstDelay},
		{"never ran, short interval", time.Time{}, 10 * time.Second, 10 * time.Second},
		{"ran 10 minutes ago", now.Add(-10 * time.Minute), time.Hour, 50 * time.Minute},
		{"overdue", now.Add(-3 * time.Hour), time.Hour, 0},
		{"clock set back", now.Add(5 * time.Hour), time.Hour, time.Hour},
	} {
		if got := retentionWait(tt.last, now, tt.every); got != tt.want {
			t.Errorf("%s: wait %s, want %s", tt.name, got, tt.want)
		}
	}
}

// TestRetentionNotPutOffByReloads: each reload starts retention anew; an
// overdue run comes at once, however often the config is reloaded, and a
// run not yet due is not repeated.
func TestRetentionNotPutOffByReloads(t *testing.T) {
	st, err := store.Open(filepath.Join(t.TempDir(), "newswire.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, err := st.Prune(t.Context(), time.Now().Add(-2*time.Minute), store.Policy{MaxAge: 90 * 24 * time.Hour}); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Parse([]byte(fmt.Sprintf("data_dir: %s\nsources: [{id: baohagiang, url: \"http://127.0.0.1:9/rss\"}]\n"+
		"categories: [{id: thoi-su}]\ndefault_category: thoi-su\nretention:\n  max_age: 90d\n  interval: 1m\n", t.TempDir())), "retention.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var logs syncBuffer
	log := slog.New(slog.NewTextHandler(&logs, nil))
	runs := func() int {
		rs, err := st.RetentionStats()
		if err != nil {
			t.Fatal(err)
		}
		return rs.Runs
	}
	// Reloads every 200ms, each stopping the last config's retention.
	for deadline := time.Now().Add(10 * time.Second); runs() < 2; {
		if time.Now().After(deadline) {
			t.Fatalf("retention overdue by a minute did not run within 10s of reloads every 200ms\n%s", logs.String())
		}
		ctx, cancel := context.WithCancel(t.Context())
		startRetention(ctx, cfg, st, log)
		time.Sleep(200 * time.Millisecond)
		cancel()
	}
	for range 3 {
		ctx, cancel := context.WithCancel(t.Context())
		startRetention(ctx, cfg, st, log)
		time.Sleep(200 * time.Millisecond)
		cancel()
	}
	if n := runs(); n != 2 {
		t.Errorf("%d retention runs, want 2: the overdue one, then none until its interval is over", n)
	}
}
