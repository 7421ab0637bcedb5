package main

import (
	"bytes"
	"context"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"newswire/feeds"
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
