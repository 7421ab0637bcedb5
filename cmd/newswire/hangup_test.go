package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestHangupWhileStarting: a SIGHUP, the reload signal, that comes while
// the daemon loads its config and opens its store does not end it; the
// reload it asks for comes once the daemon runs.
func TestHangupWhileStarting(t *testing.T) {
	bin := newswireBinary(t)
	dir := t.TempDir()
	addr := freeAddr(t)
	// Thousands of sources make the config's load take long enough for
	// the signal to come during it.
	var b strings.Builder
	fmt.Fprintf(&b, "listen: %s\ndata_dir: ./data\nsources:\n", addr)
	for i := range 8000 {
		fmt.Fprintf(&b, "  - {id: nguon-%d, title: Nguồn thứ %d, url: \"http://127.0.0.1:9/rss/%d\", level: provincial, language: vi, disabled: true}\n", i, i, i)
	}
	b.WriteString("categories: [{id: thoi-su, title: Thời sự}]\ndefault_category: thoi-su\n")
	cfgPath := filepath.Join(dir, "config.yaml")
	if err := os.WriteFile(cfgPath, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	logPath := filepath.Join(dir, "daemon.log")
	cmd := startServe(t, bin, cfgPath, logPath)
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	time.Sleep(150 * time.Millisecond) // past the runtime's start, within the config's load
	if err := cmd.Process.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-exited:
		log, _ := os.ReadFile(logPath)
		t.Fatalf("a SIGHUP while starting ended the daemon: %v\n%s", err, tail(string(log), 2000))
	case <-time.After(200 * time.Millisecond):
	}
	waitServing(t, "http://"+addr+"/healthz", logPath)
	deadline := time.Now().Add(10 * time.Second)
	for {
		log, _ := os.ReadFile(logPath)
		if strings.Contains(string(log), "trigger=signal") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the reload the signal asked for did not come:\n%s", tail(string(log), 2000))
		}
		time.Sleep(100 * time.Millisecond)
	}
	_ = cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-exited:
	case <-time.After(10 * time.Second):
		t.Error("the daemon did not stop on SIGTERM")
	}
}
