package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// TestKillKeepsCounts: the counts of what a source brought (total_new,
// items_24h) are written with the stories they count, so a SIGKILL right
// after a poll, before the poller's periodic write of states, loses none
// of them: the stories are stored and no longer new after the restart.
func TestKillKeepsCounts(t *testing.T) {
	bin := newswireBinary(t)
	var n atomic.Int64
	n.Store(3)
	outlet := loopbackServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/rss+xml; charset=utf-8")
		var b strings.Builder
		for i := range n.Load() {
			fmt.Fprintf(&b, `<item><title>Bản tin số %d: xã vùng cao %d đón điện lưới quốc gia</title><link>http://tin.test/%d.html</link><guid>http://tin.test/%d.html</guid><description>Thêm %d hộ dân ở thôn số %d có điện sinh hoạt.</description></item>`, i, i, i, i, 40+i, i)
		}
		fmt.Fprintf(w, `<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Báo Hà Giang</title><link>http://tin.test/</link><description>Tin</description>%s</channel></rss>`, b.String())
	}))
	addr := freeAddr(t)
	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "config.yaml")
	cfg := fmt.Sprintf(`listen: %s
data_dir: ./data
poll: {interval: 1s, min_interval: 1s, timeout: 5s}
identity: {join: false}
sources:
  - {id: baohagiang, title: Báo Hà Giang, url: "%s/rss", level: provincial, language: vi, interval: 1s}
categories: [{id: thoi-su, title: Thời sự}]
default_category: thoi-su
`, addr, outlet.URL)
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	counts := func() (totalNew, day int) {
		t.Helper()
		resp, err := http.Get("http://" + addr + "/api/status")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var st struct {
			Sources []struct {
				TotalNew int `json:"total_new"`
				Items24h int `json:"items_24h"`
			} `json:"sources"`
		}
		if err := json.NewDecoder(resp.Body).Decode(&st); err != nil || len(st.Sources) != 1 {
			t.Fatalf("/api/status: %v", err)
		}
		return st.Sources[0].TotalNew, st.Sources[0].Items24h
	}
	logPath := filepath.Join(dir, "serve.log")
	cmd := startServe(t, bin, cfgPath, logPath)
	waitServing(t, "http://"+addr+"/healthz", logPath)
	for round := range 3 {
		want := int(n.Load())
		deadline := time.Now().Add(10 * time.Second)
		for {
			if total, _ := counts(); total == want {
				break
			}
			if time.Now().After(deadline) {
				total, day := counts()
				b, _ := os.ReadFile(logPath)
				t.Fatalf("round %d: total_new %d, items_24h %d, want %d\n%s", round, total, day, want, b)
			}
			time.Sleep(50 * time.Millisecond)
		}
		// Well within the minute before the poller writes its states.
		if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		_ = cmd.Wait()
		n.Add(2) // the outlet publishes while the daemon is down
		cmd = startServe(t, bin, cfgPath, logPath)
		waitServing(t, "http://"+addr+"/healthz", logPath)
		if total, day := counts(); total < want || day < want {
			t.Fatalf("round %d: after a SIGKILL, total_new %d and items_24h %d, want at least the %d stored before it", round, total, day, want)
		}
	}
	_ = cmd.Process.Signal(syscall.SIGTERM)
	_ = cmd.Wait()
}
