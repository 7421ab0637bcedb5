//go:build linux

package main

import (
	"os"
	"slices"
	"strings"
	"testing"

	"newswire/internal/uffd"
	"newswire/internal/uffd/uffdtest"
)

// TestLeanExecutable runs the real daemon and checks that its executable's
// code and read-only data are registered (internal/uffd) and mostly not
// resident once it serves and has polled: the kernel used to map almost all
// of them at start.
func TestLeanExecutable(t *testing.T) {
	uffdtest.NeedWPAsync(t)
	cmd, _, logPath := serveOutlets(t, "/feeds/all.rss")
	bin := newswireBinary(t) // built once, the one serving
	log := func() string { b, _ := os.ReadFile(logPath); return string(b) }

	maps, err := uffd.Smaps(cmd.Process.Pid)
	if err != nil {
		t.Fatal(err)
	}
	var size, rss int64 // kB
	kinds := 0
	for _, m := range maps {
		if m.Path != bin || m.Perms != "r-xp" && m.Perms != "r--p" {
			continue
		}
		kinds++
		size, rss = size+int64(m.End-m.Start)>>10, rss+m.Resident>>10
		if !slices.Contains(m.Flags, "uw") { // registered with a userfaultfd
			t.Errorf("the executable's %s mapping (%d kB) is not registered with a userfaultfd", m.Perms, (m.End-m.Start)>>10)
		}
	}
	if kinds < 2 {
		t.Fatalf("want the executable's code and read-only data among its mappings %+v", maps)
	}
	// Before, 14 of 17 MiB were resident; now about a quarter.
	if rss*2 > size {
		t.Errorf("%d kB of the executable's %d kB of code and read-only data resident, want at most half", rss, size)
	}
	if strings.Contains(log(), "newswire's executable") {
		t.Errorf("the daemon says it could not register its executable:\n%s", log())
	}
	t.Logf("%d kB of %d kB of the executable's code and read-only data resident", rss, size)
}
