package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"newswire/internal/config"
	"newswire/internal/metrics"
	"newswire/store"
)

// TestReloadKeepsMemo: a reload hands what the poller knows of each source's
// last document to the next config's poller, unless it changed what the
// pipeline makes of that source's items.
func TestReloadKeepsMemo(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.2:0")
	if err != nil {
		t.Fatal(err)
	}
	// Once its document is stored, the outlet fails every poll, so that
	// nothing the pollers of later configs do changes what they know.
	var down atomic.Bool
	outlet := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if down.Load() {
			http.Error(w, "maintenance", http.StatusServiceUnavailable)
			return
		}
		w.Header().Set("Content-Type", "application/rss+xml")
		_, _ = io.WriteString(w, `<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Đài Sơn La</title><link>https://sonla.test/</link><description>tin</description>`+
			`<item><title>Mộc Châu đón 30 nghìn khách mùa hoa cải</title><link>https://sonla.test/1.html</link><pubDate>Sat, 28 Nov 2026 07:00:00 +0700</pubDate></item>`+
			`<item><title>Quảng cáo: Tour Tà Xùa hai ngày</title><link>https://sonla.test/2.html</link><pubDate>Sat, 28 Nov 2026 06:00:00 +0700</pubDate></item>`+
			`</channel></rss>`)
	}))
	outlet.Listener = ln
	outlet.Start()
	t.Cleanup(outlet.Close)

	dir := t.TempDir()
	parse := func(extra string) *config.Config {
		t.Helper()
		cfg, err := config.Parse([]byte(fmt.Sprintf(`data_dir: %s
listen: 127.0.0.1:0
poll: {interval: 1s, min_interval: 1s, max_interval: 4s, timeout: 2s, host_gap: 0s}
sources:
  - {id: sonla, url: %q, language: vi}
categories: [{id: thoi-su}]
default_category: thoi-su
%s`, dir, outlet.URL+"/rss", extra)), "config.yaml")
		if err != nil {
			t.Fatal(err)
		}
		return cfg
	}
	st, err := store.Open(filepath.Join(dir, "newswire.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	d := &daemon{ctx: ctx, st: st, log: slog.New(slog.DiscardHandler), metrics: metrics.New()}
	d.start(parse(""))
	defer d.shutdown()
	for deadline := time.Now().Add(10 * time.Second); d.memo.Len() == 0; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the outlet's document was not stored within 10s")
		}
	}
	down.Store(true)
	if err := d.apply(parse("cache_max_age: 2m\n")); err != nil {
		t.Fatal(err)
	}
	if n := d.memo.Len(); n != 1 {
		t.Fatalf("after a reload that changed only caching, the poller knows %d sources' documents, want 1", n)
	}
	if err := d.apply(parse(`filters: {drop_title_prefixes: ["Quảng cáo"]}` + "\n")); err != nil {
		t.Fatal(err)
	}
	if n := d.memo.Len(); n != 0 {
		t.Fatalf("after a reload that added a filter, the poller knows %d sources' documents, want none", n)
	}
}
