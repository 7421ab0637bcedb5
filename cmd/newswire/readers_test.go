package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"newswire/store"
)

// needTool finds a feed reader installed by `make test`; outside CI a
// missing one skips the test with a clear message.
func needTool(t *testing.T, path string) {
	t.Helper()
	if _, err := os.Stat(path); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s is missing in CI: scripts/test-deps should have installed it", path)
		}
		t.Skipf("%s not installed (run scripts/test-deps)", path)
	}
}

// TestRealReaders reads the merged feeds with Debian's python3-feedparser and
// newsboat, as subscribers would.
func TestRealReaders(t *testing.T) {
	o := newOutlets(t)
	addr := freeAddr(t)
	cfgPath := writeConfig(t, o, addr)
	_, _ = runCmd(t, "fetch", "-config", cfgPath)
	serveDaemon(t, cfgPath, addr)
	base := "http://" + addr

	t.Run("feedparser", func(t *testing.T) {
		needTool(t, "/usr/bin/python3")
		script := `
import sys, feedparser
bad = ("<script", "javascript:", "onerror", "onclick", "<iframe")
for url in sys.argv[1:]:
    d = feedparser.parse(url)
    if d.bozo:
        sys.exit("%s: not well-formed: %s" % (url, d.bozo_exception))
    if len(d.entries) != 14:
        sys.exit("%s: %d entries" % (url, len(d.entries)))
    ids = set()
    for e in d.entries:
        if not e.get("id") or not e.get("title") or not e.get("link"):
            sys.exit("%s: entry without id/title/link: %r" % (url, e))
        ids.add(e.id)
        text = " ".join(str(c.value) for c in e.get("content", [])) + e.get("summary", "")
        for b in bad:
            if b in text.lower():
                sys.exit("%s: %s in %r" % (url, b, e.title))
    if len(ids) != 14:
        sys.exit("%s: ids not unique" % url)
    print(url, d.version, len(d.entries))
`
		args := []string{"-c", script}
		for _, ext := range []string{"rss", "atom", "json"} {
			args = append(args, base+"/feeds/all."+ext)
		}
		// feedparser 6 reads no JSON Feed: check the two XML formats with it.
		args = args[:len(args)-1]
		// A partner's first pull from the start of the change log: every
		// story, oldest change first.
		args = append(args, base+"/feeds/all.rss?since="+store.ChangeCursor(0), base+"/feeds/all.atom?since="+store.ChangeCursor(0))
		out, err := exec.Command("/usr/bin/python3", args...).CombinedOutput()
		if err != nil {
			t.Fatalf("feedparser: %v\n%s", err, out)
		}
		t.Logf("%s", out)
	})

	t.Run("newsboat", func(t *testing.T) {
		needTool(t, "/usr/bin/newsboat")
		dir := t.TempDir()
		urls := filepath.Join(dir, "urls")
		if err := os.WriteFile(urls, []byte(base+"/feeds/all.rss\n"+base+"/feeds/all.atom\n"+base+"/feeds/du-lich.rss\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		conf := filepath.Join(dir, "config")
		if err := os.WriteFile(conf, []byte("download-timeout 10\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		newsboat := func(args ...string) string {
			cmd := exec.Command("/usr/bin/newsboat", append([]string{"-u", urls, "-c", filepath.Join(dir, "cache.db"), "-C", conf}, args...)...)
			cmd.Env = append(os.Environ(), "HOME="+dir, "XDG_CONFIG_HOME="+dir, "XDG_DATA_HOME="+dir)
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("newsboat %v: %v\n%s", args, err, out)
			}
			return string(out)
		}
		reload := newsboat("-x", "reload")
		if strings.Contains(strings.ToLower(reload), "error") {
			t.Fatalf("newsboat reload reported an error:\n%s", reload)
		}
		unread := newsboat("-x", "print-unread")
		// newsboat counts an article once per id: the 14 stories carry the
		// same ids in RSS and Atom and in every category feed.
		var n int
		if _, err := fmt.Sscanf(strings.TrimSpace(unread), "%d", &n); err != nil || n != 14 {
			t.Fatalf("newsboat print-unread = %q, want 14 unread", unread)
		}
	})
}
