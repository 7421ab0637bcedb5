package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"newswire/internal/config"
	"newswire/internal/metrics"
	"newswire/internal/poll"
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

// TestRestartKeepsMemo runs the real binary twice over one store: the
// second run takes over what the first knew of the source's last document,
// so that an unchanged item of its next document is not even parsed.
func TestRestartKeepsMemo(t *testing.T) {
	bin := newswireBinary(t)
	url, version := memoOutlet(t)
	cfgPath := memoConfig(t, url)
	dir := filepath.Dir(cfgPath)
	type line struct {
		Msg      string `json:"msg"`
		Result   string `json:"result"`
		New      int    `json:"new"`
		Repeated int    `json:"repeated"`
		Sources  int    `json:"sources"`
	}
	// run serves until a poll stores a new item, stops with SIGTERM, and
	// returns the log.
	run := func(name string) []line {
		t.Helper()
		logPath := filepath.Join(dir, name+".log")
		cmd := startServe(t, bin, cfgPath, logPath)
		var lines []line
		read := func() {
			lines = lines[:0]
			b, _ := os.ReadFile(logPath)
			for _, l := range strings.Split(string(b), "\n") {
				var rec line
				if json.Unmarshal([]byte(l), &rec) == nil {
					lines = append(lines, rec)
				}
			}
		}
		stored := func() bool {
			for _, l := range lines {
				if l.Msg == "poll" && l.Result == "ok" && l.New > 0 {
					return true
				}
			}
			return false
		}
		for deadline := time.Now().Add(15 * time.Second); ; {
			if read(); stored() {
				break
			}
			if time.Now().After(deadline) {
				_ = cmd.Process.Kill()
				_ = cmd.Wait()
				t.Fatalf("%s: no poll stored a new item within 15s: %+v", name, lines)
			}
			time.Sleep(50 * time.Millisecond)
		}
		_ = cmd.Process.Signal(syscall.SIGTERM)
		if err := cmd.Wait(); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		read()
		return lines
	}
	find := func(lines []line, msg string) (line, bool) {
		for _, l := range lines {
			if l.Msg == msg {
				return l, true
			}
		}
		return line{}, false
	}

	first := run("first")
	if l, ok := find(first, "kept what the poller knows of sources' documents for the next run"); !ok || l.Sources != 1 {
		t.Fatalf("first run did not set its memo aside: %+v", first)
	}
	version.Store(1)
	second := run("second")
	if l, ok := find(second, "taking over what the last run knew of sources' documents"); !ok || l.Sources != 1 {
		t.Fatalf("second run did not take the memo over: %+v", second)
	}
	for _, l := range second {
		if l.Msg == "poll" && l.Result == "ok" && l.New > 0 && l.Repeated != 2 {
			t.Fatalf("second run's poll of the changed document: %+v; want the 2 items of the first taken unparsed", l)
		}
	}
}

// TestFetchKeepsMemo: `newswire fetch` takes over what the last run knew of
// each source's document and sets it aside again, so that fetch from cron
// spares what a running daemon spares.
func TestFetchKeepsMemo(t *testing.T) {
	url, version := memoOutlet(t)
	cfgPath := memoConfig(t, url)
	cfg, err := loadConfig(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	set := func() int {
		t.Helper()
		st, err := openStore(cfg)
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		var m poll.Memo
		n, err := m.Load(st)
		if err != nil {
			t.Fatal(err)
		}
		// Set it aside again, as it was, for the next fetch.
		if err := m.Save(st); err != nil {
			t.Fatal(err)
		}
		return n
	}
	fetch := func() string {
		t.Helper()
		out, err := runCmd(t, "fetch", "-config", cfgPath)
		if err != nil {
			t.Fatalf("fetch: %v\n%s", err, out)
		}
		return out
	}
	fetch()
	if n := set(); n != 1 {
		t.Fatalf("fetch set aside %d sources' documents, want 1", n)
	}
	// The same document again is not stored, nor remembered, again: what
	// is set aside after is what the first fetch set aside.
	fetch()
	if n := set(); n != 1 {
		t.Fatalf("after a second fetch, %d sources' documents set aside, want the first fetch's 1", n)
	}
	version.Store(1)
	if out := fetch(); !strings.Contains(out, "1 new") {
		t.Fatalf("third fetch, of a changed document:\n%s", out)
	}
	if n := set(); n != 1 {
		t.Fatalf("after a third fetch, %d sources' documents set aside, want 1", n)
	}
}

// TestReadersKeepMemo: export, backup and stories --explain, run while no
// daemon holds the store, leave the file as it was, so that the next run
// still takes over what the last one set aside.
func TestReadersKeepMemo(t *testing.T) {
	url, _ := memoOutlet(t)
	cfgPath := memoConfig(t, url)
	if out, err := runCmd(t, "fetch", "-config", cfgPath); err != nil {
		t.Fatalf("fetch: %v\n%s", err, out)
	}
	path := filepath.Join(filepath.Dir(cfgPath), "data", "newswire.db")
	before, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}

	if recs := exportAll(t, cfgPath); len(recs) != 2 {
		t.Fatalf("export: %d stories, want 2", len(recs))
	}
	if out, err := runCmd(t, "backup", "-config", cfgPath, filepath.Join(t.TempDir(), "copy.db")); err != nil {
		t.Fatalf("backup: %v\n%s", err, out)
	}
	if out, err := runCmd(t, "stories", "-config", cfgPath, "--explain", "1"); err != nil || !strings.Contains(out, "story 1") {
		t.Fatalf("stories --explain: %v\n%s", err, out)
	}
	if after, err := os.ReadFile(path); err != nil || !bytes.Equal(before, after) {
		t.Fatalf("export, backup and stories changed the store file (err %v)", err)
	}

	cfg, err := loadConfig(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	st, err := openStore(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var m poll.Memo
	if n, err := m.Load(st); n != 1 || err != nil {
		t.Fatalf("after export, backup and stories: %d sources' documents taken over, %v; want 1", n, err)
	}
}

// memoOutlet serves one source's RSS: two items, and a third once version
// is set to 1.
func memoOutlet(t *testing.T) (string, *atomic.Int32) {
	t.Helper()
	version := new(atomic.Int32)
	ln, err := net.Listen("tcp", "127.0.0.2:0")
	if err != nil {
		t.Fatal(err)
	}
	outlet := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/rss+xml")
		fmt.Fprintf(w, `<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Đài Yên Bái</title><link>https://yenbai.test/</link><description>tin</description><lastBuildDate>Sat, 28 Nov 2026 %02d:00:00 +0700</lastBuildDate>`, 6+version.Load())
		if version.Load() > 0 {
			io.WriteString(w, `<item><title>Mù Cang Chải mở lại đường lên đèo Khau Phạ</title><link>https://yenbai.test/3.html</link><pubDate>Sat, 28 Nov 2026 07:30:00 +0700</pubDate></item>`)
		}
		io.WriteString(w, `<item><title>Văn Chấn thu hoạch 500 ha cam sành</title><link>https://yenbai.test/2.html</link><pubDate>Sat, 28 Nov 2026 07:00:00 +0700</pubDate></item>`+
			`<item><title>Lục Yên khai mạc phiên chợ đá quý</title><link>https://yenbai.test/1.html</link><pubDate>Sat, 28 Nov 2026 06:00:00 +0700</pubDate></item>`+
			`</channel></rss>`)
	}))
	outlet.Listener = ln
	outlet.Start()
	t.Cleanup(outlet.Close)
	return outlet.URL + "/rss", version
}

// memoConfig writes a config polling url every second, and returns its path.
func memoConfig(t *testing.T, url string) string {
	t.Helper()
	cfgPath := filepath.Join(t.TempDir(), "config.yaml")
	err := os.WriteFile(cfgPath, []byte(fmt.Sprintf(`listen: %s
data_dir: ./data
log: {format: json}
poll: {interval: 1s, min_interval: 1s, max_interval: 2s, timeout: 5s}
sources:
  - {id: yenbai, url: %q, language: vi}
categories: [{id: thoi-su}]
default_category: thoi-su
`, freeAddr(t), url)), 0o644)
	if err != nil {
		t.Fatal(err)
	}
	return cfgPath
}
