//go:build linux

package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestLoadPeak checks the peak resident memory of loading a config of
// 10,000 sources, as every start of the daemon does before the memory limit
// the config sets can apply. goccy/go-yaml's syntax tree of such a config
// took 50 MiB, and the process peaked at 128 MiB; go.yaml.in/yaml/v3's nodes
// take 18 MiB, and it peaks at 56 MiB (62–70 with the collector at
// GOGC=100 while it loads), 15 of them the executable, which nothing
// releases in check-config.
func TestLoadPeak(t *testing.T) {
	bin := newswireBinary(t)
	dir := t.TempDir()
	var b strings.Builder
	b.WriteString("listen: 127.0.0.1:0\nmemory_limit_bytes: 75497472\npoll: {interval: 1m0s, min_interval: 1s}\n")
	b.WriteString("categories: [{id: tin-tuc, title: Tin tức}]\ndefault_category: tin-tuc\nsources:\n")
	for i := range 10000 {
		fmt.Fprintf(&b, "  - {id: tin-%d, title: \"Báo số %d\", url: \"http://127.0.0.%d:8080/feed/%d.xml\", level: provincial, language: vi}\n", i, i, 2+i%49, i)
	}
	path := filepath.Join(dir, "config.yaml")
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	// The peak is read from the process's own VmHWM while it runs: its
	// rusage would count the test's own peak, since Go starts a command
	// from a vfork that shares the test's memory until the exec.
	cmd := exec.Command(bin, "check-config", "-config", path)
	cmd.Env = append(os.Environ(), "GOGC=") // the default collector, as a daemon runs
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	var peak int64 // kB
	for waiting := true; waiting; {
		select {
		case err := <-done:
			if err != nil {
				t.Fatalf("check-config: %v\n%s", err, out.String())
			}
			waiting = false
		case <-time.After(2 * time.Millisecond):
			status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", cmd.Process.Pid))
			if err != nil {
				continue
			}
			for line := range strings.Lines(string(status)) {
				if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmHWM:" {
					kb, _ := strconv.ParseInt(f[1], 10, 64)
					peak = max(peak, kb)
				}
			}
		}
	}
	if peak == 0 {
		t.Fatal("no VmHWM read from /proc while check-config ran")
	}
	const limit = 64 << 10
	if peak > limit {
		t.Errorf("loading a config of 10,000 sources peaked at %d kB resident, want at most %d", peak, limit)
	}
	t.Logf("loading a config of 10,000 sources (%d kB) peaked at %d kB resident", len(b.String())>>10, peak)
}
