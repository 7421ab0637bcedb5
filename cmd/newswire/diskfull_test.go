package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"newswire/internal/testmount"
)

func countStories(t *testing.T, base string) int {
	t.Helper()
	resp, err := http.Get(base + "/feeds/all.json?limit=500")
	if err != nil {
		t.Fatalf("feeds not served: %v", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("feeds not served: %s", resp.Status)
	}
	var doc struct {
		Items []json.RawMessage `json:"items"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&doc); err != nil {
		t.Fatal(err)
	}
	return len(doc.Items)
}

// TestDiskFull runs the real daemon on a store in a small tmpfs while it
// ingests: when the disk fills, polls fail with a clear error and nothing
// panics, the feeds are still served, and ingest resumes once there is room.
func TestDiskFull(t *testing.T) {
	bin := newswireBinary(t)
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	if err := os.Mkdir(data, 0o755); err != nil {
		t.Fatal(err)
	}
	testmount.Tmpfs(t, data, 1<<20)

	outlets := &slidingOutlets{served: map[string][][]string{}, next: map[string]int{}}
	srv := httptest.NewServer(outlets)
	defer srv.Close()
	addr := freeAddr(t)
	cfgPath := filepath.Join(dir, "config.yaml")
	cfg := fmt.Sprintf(`listen: %s
data_dir: ./data
log: {format: json}
poll: {interval: 1s, min_interval: 1s, max_interval: 2s, timeout: 5s, concurrency: 2, per_host: 2, host_gap: 0s}
sources:
  - {id: s0, title: Nguồn 0, url: "%[2]s/s0", level: provincial, language: vi}
  - {id: s1, title: Nguồn 1, url: "%[2]s/s1", level: central, language: vi}
categories:
  - {id: thoi-su, title: Thời sự}
default_category: thoi-su
`, addr, srv.URL)
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	logPath := filepath.Join(dir, "daemon.log")
	cmd := startServe(t, bin, cfgPath, logPath)
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	defer func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
		}
	}()
	base := "http://" + addr

	waitFor := func(what string, limit time.Duration, ok func() bool) {
		t.Helper()
		deadline := time.Now().Add(limit)
		for !ok() {
			select {
			case err := <-exited:
				log, _ := os.ReadFile(logPath)
				t.Fatalf("daemon exited (%v) while waiting for %s:\n%s", err, what, tail(string(log), 3000))
			default:
			}
			if time.Now().After(deadline) {
				log, _ := os.ReadFile(logPath)
				t.Fatalf("no %s within %s:\n%s", what, limit, tail(string(log), 3000))
			}
			time.Sleep(200 * time.Millisecond)
		}
	}
	logHas := func(s string) func() bool {
		return func() bool {
			log, _ := os.ReadFile(logPath)
			return strings.Contains(string(log), s)
		}
	}
	waitFor("daemon", 10*time.Second, func() bool {
		resp, err := http.Get(base + "/healthz")
		if err == nil {
			resp.Body.Close()
		}
		return err == nil
	})
	waitFor("disk-full poll failure", 60*time.Second, logHas("no space left on device"))
	full := countStories(t, base)
	if full == 0 {
		t.Fatal("nothing was stored before the disk filled")
	}
	time.Sleep(2 * time.Second)
	if n := countStories(t, base); n != full {
		t.Logf("stories while full: %d then %d", full, n)
	}

	if out, err := exec.Command("mount", "-o", "remount,size=64m", data).CombinedOutput(); err != nil {
		t.Fatalf("remount: %v %s", err, out)
	}
	waitFor("ingest after space returned", 30*time.Second, func() bool { return countStories(t, base) > full })
	log, _ := os.ReadFile(logPath)
	if strings.Contains(string(log), "panic") {
		t.Fatalf("the daemon panicked:\n%s", tail(string(log), 3000))
	}
}

func tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}
