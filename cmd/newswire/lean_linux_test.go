//go:build linux

package main

import (
	"bufio"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"newswire/internal/uffd/uffdtest"
)

// exeMapping is one mapping of the daemon's executable in its smaps.
type exeMapping struct {
	perms         string
	size, rss     int64 // kB
	registeredUFD bool  // VmFlags has uw: registered with a userfaultfd
}

func exeMappings(t *testing.T, pid int, exe string) []exeMapping {
	t.Helper()
	f, err := os.Open(fmt.Sprintf("/proc/%d/smaps", pid))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []exeMapping
	var cur *exeMapping
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) >= 5 && strings.Contains(fields[0], "-") && !strings.HasSuffix(fields[0], ":") {
			cur = nil
			if len(fields) == 6 && fields[5] == exe {
				out = append(out, exeMapping{perms: fields[1]})
				cur = &out[len(out)-1]
			}
			continue
		}
		if cur == nil || len(fields) < 2 {
			continue
		}
		switch fields[0] {
		case "Size:":
			cur.size, _ = strconv.ParseInt(fields[1], 10, 64)
		case "Rss:":
			cur.rss, _ = strconv.ParseInt(fields[1], 10, 64)
		case "VmFlags:":
			cur.registeredUFD = slices.Contains(fields[1:], "uw")
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestLeanExecutable runs the real daemon and checks that its executable's
// code and read-only data are registered (internal/uffd) and mostly not
// resident once it serves and has polled: the kernel used to map almost all
// of them at start.
func TestLeanExecutable(t *testing.T) {
	uffdtest.NeedWPAsync(t)
	bin := newswireBinary(t)
	o := newOutlets(t)
	addr := freeAddr(t)
	cfgPath := writeConfig(t, o, addr)
	cmd := exec.Command(bin, "serve", "-config", cfgPath)
	logFile, err := os.Create(filepath.Join(t.TempDir(), "serve.log"))
	if err != nil {
		t.Fatal(err)
	}
	defer logFile.Close()
	cmd.Stdout, cmd.Stderr = logFile, logFile
	log := func() string { b, _ := os.ReadFile(logFile.Name()); return string(b) }
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Signal(unix.SIGTERM)
		cmd.Wait()
	})
	deadline := time.Now().Add(15 * time.Second)
	for {
		resp, err := http.Get("http://" + addr + "/feeds/all.rss")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("daemon not serving at %s: %v\n%s", addr, err, log())
		}
		time.Sleep(100 * time.Millisecond)
	}

	maps := exeMappings(t, cmd.Process.Pid, bin)
	var size, rss int64
	kinds := 0
	for _, m := range maps {
		if m.perms != "r-xp" && m.perms != "r--p" {
			continue
		}
		kinds++
		size, rss = size+m.size, rss+m.rss
		if !m.registeredUFD {
			t.Errorf("the executable's %s mapping (%d kB) is not registered with a userfaultfd", m.perms, m.size)
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
