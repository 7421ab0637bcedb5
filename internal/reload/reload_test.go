package reload

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"newswire/internal/config"
)

const base = `sources:
  - {id: baohagiang, title: Báo Hà Giang, url: "https://baohagiang.test/rss", level: provincial, language: vi}
categories:
  - {id: thoi-su, title: Thời sự}
default_category: thoi-su
`

type applied struct {
	mu   sync.Mutex
	cfgs []*config.Config
	ch   chan struct{}
}

func (a *applied) apply(c *config.Config) error {
	a.mu.Lock()
	a.cfgs = append(a.cfgs, c)
	a.mu.Unlock()
	a.ch <- struct{}{}
	return nil
}

func setup(t *testing.T) (string, *Watcher, *applied, chan os.Signal) {
	t.Helper()
	dir := t.TempDir()
	path := filepath.Join(dir, "config.yaml")
	if err := os.WriteFile(path, []byte(base), 0o644); err != nil {
		t.Fatal(err)
	}
	w, a, hup := watch(t, path)
	return path, w, a, hup
}

// watch runs a Watcher of the config at path until the test ends.
func watch(t *testing.T, path string) (*Watcher, *applied, chan os.Signal) {
	t.Helper()
	cur, err := config.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	a := &applied{ch: make(chan struct{}, 10)}
	w := New(path, cur, slog.New(slog.DiscardHandler), a.apply)
	w.debounce = 50 * time.Millisecond
	w.unfinished = time.Second

	hup := make(chan os.Signal, 1)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx, hup) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	})
	time.Sleep(50 * time.Millisecond) // let the watch start
	return w, a, hup
}

func waitApplied(t *testing.T, a *applied) *config.Config {
	t.Helper()
	select {
	case <-a.ch:
	case <-time.After(5 * time.Second):
		t.Fatal("new config not applied within 5s")
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.cfgs[len(a.cfgs)-1]
}

func waitStatus(t *testing.T, w *Watcher, since time.Time) Status {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		if st := w.Status(); st.At.After(since) {
			return st
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatal("no reload attempt within 5s")
	return Status{}
}

func TestReloadOnWrite(t *testing.T) {
	path, w, a, _ := setup(t)
	next := strings.Replace(base, "categories:", "  - {id: vov, title: VOV, url: \"https://vov.test/rss\", level: central}\ncategories:", 1)
	if err := os.WriteFile(path, []byte(next), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg := waitApplied(t, a)
	if _, ok := cfg.Source("vov"); !ok {
		t.Fatal("added source not in the applied config")
	}
	if st := w.Status(); !st.OK || st.Trigger != "file" || len(st.Changes) != 1 || st.Changes[0] != "added sources[vov]" {
		t.Fatalf("status %+v", st)
	}
}

func TestReloadOnRenameOver(t *testing.T) {
	path, _, a, _ := setup(t)
	tmp := path + ".swp"
	next := strings.Replace(base, "Thời sự", "Thời sự hôm nay", 1)
	if err := os.WriteFile(tmp, []byte(next), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
	cfg := waitApplied(t, a)
	if c, _ := cfg.Category("thoi-su"); c.Title != "Thời sự hôm nay" {
		t.Fatalf("title %q", c.Title)
	}
}

func TestInvalidConfigIsRefused(t *testing.T) {
	path, w, a, _ := setup(t)
	start := time.Now()
	bad := base + "poll: {interval: fifteen}\n"
	if err := os.WriteFile(path, []byte(bad), 0o644); err != nil {
		t.Fatal(err)
	}
	st := waitStatus(t, w, start)
	if st.OK || len(st.Problems) == 0 || st.Problems[0].Path != "poll.interval" || st.Problems[0].Line != 6 {
		t.Fatalf("status %+v", st)
	}
	if !strings.Contains(st.Error, "running config stays") {
		t.Fatalf("error %q", st.Error)
	}
	a.mu.Lock()
	n := len(a.cfgs)
	a.mu.Unlock()
	if n != 0 {
		t.Fatal("an invalid config was applied")
	}

	if ok, failed := w.Counts(); ok != 0 || failed != 1 {
		t.Fatalf("counts ok=%d failed=%d", ok, failed)
	}
}

// TestListenThisMachineCannotHaveIsRefused: a listen on an address of no
// interface would take effect at the restart, and keep the daemon from
// starting then: the reload is refused, with the line.
func TestListenThisMachineCannotHaveIsRefused(t *testing.T) {
	path, w, a, _ := setup(t)
	start := time.Now()
	if err := os.WriteFile(path, []byte("listen: 192.0.2.1:8080\n"+base), 0o644); err != nil {
		t.Fatal(err)
	}
	st := waitStatus(t, w, start)
	if st.OK || len(st.Problems) != 1 || st.Problems[0].Path != "listen" || st.Problems[0].Line != 1 ||
		!strings.Contains(st.Problems[0].Message, "cannot listen") || !strings.Contains(st.Error, "running config stays") {
		t.Fatalf("status %+v", st)
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if len(a.cfgs) != 0 {
		t.Fatal("a listen this machine cannot have was applied")
	}
}

// TestReloadWaitsForTheRestOfTheFile: a file caught mid-write, whose
// prefix is a valid config saying something else, is not applied; the
// whole file is, once it ends with a newline; a file that stays without one
// is read after a while all the same.
func TestReloadWaitsForTheRestOfTheFile(t *testing.T) {
	path, _, a, _ := setup(t)
	whole := base + "tag_authority: tin.example.vn\n"
	cut := strings.Index(whole, "tin.ex") + len("tin.ex")
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_TRUNC, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteString(whole[:cut]); err != nil {
		t.Fatal(err)
	}
	time.Sleep(300 * time.Millisecond) // six times the debounce
	a.mu.Lock()
	n := len(a.cfgs)
	a.mu.Unlock()
	if n != 0 {
		t.Fatalf("a file cut mid-write was applied: tag_authority %q", a.cfgs[0].TagAuthority)
	}
	if _, err := f.WriteString(whole[cut:]); err != nil {
		t.Fatal(err)
	}
	f.Close()
	if cfg := waitApplied(t, a); cfg.TagAuthority != "tin.example.vn" {
		t.Fatalf("tag_authority %q", cfg.TagAuthority)
	}

	// A file saved without a final newline is read after a while.
	start := time.Now()
	if err := os.WriteFile(path, []byte(strings.TrimRight(base, "\n")), 0o644); err != nil {
		t.Fatal(err)
	}
	if c, _ := waitApplied(t, a).Category("thoi-su"); c.Title != "Thời sự" {
		t.Fatalf("title %q", c.Title)
	}
	if took := time.Since(start); took < time.Second {
		t.Errorf("a file without a final newline was read after %s, before the wait for its rest", took)
	}
}

func TestReloadOnSignal(t *testing.T) {
	_, w, _, hup := setup(t)
	start := time.Now()
	hup <- syscall.SIGHUP
	st := waitStatus(t, w, start)
	if !st.OK || st.Trigger != "signal" || len(st.Changes) != 0 {
		t.Fatalf("status after signal %+v", st)
	}
}

func TestRestartOnlyKeysKeepTheirValues(t *testing.T) {
	path, w, a, _ := setup(t)
	if err := os.WriteFile(path, []byte("listen: 127.0.0.1:9999\n"+base), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg := waitApplied(t, a)
	if cfg.Listen != "127.0.0.1:8080" {
		t.Fatalf("listen changed on a live daemon: %s", cfg.Listen)
	}
	if st := w.Status(); !strings.Contains(strings.Join(st.Changes, "\n"), "listen takes effect at the next restart") {
		t.Fatalf("changes %v", st.Changes)
	}
	// The base_url derived from listen, and the story ids under its host,
	// wait for the restart too.
	if cfg.BaseURL != "http://127.0.0.1:8080" {
		t.Fatalf("base_url followed the new listen on a live daemon: %s", cfg.BaseURL)
	}
	// Read again with nothing new (a SIGHUP, check-config's reload): the
	// listen waiting for the restart is said once, and nothing is applied
	// again (which would restart the poller).
	a.mu.Lock()
	before := len(a.cfgs)
	a.mu.Unlock()
	if st := w.Reload("signal"); !st.OK || len(st.Changes) != 0 {
		t.Fatalf("reload of the same file: %+v, want no change", st)
	}
	// A change besides it is applied, and the listen is not said again.
	if err := os.WriteFile(path, []byte("listen: 127.0.0.1:9999\nitems_per_feed: 40\n"+base), 0o644); err != nil {
		t.Fatal(err)
	}
	if st := w.Reload("signal"); !st.OK || len(st.Changes) != 1 || !strings.Contains(st.Changes[0], "items_per_feed") {
		t.Fatalf("reload of another change: %+v, want that change alone", st)
	}
	a.mu.Lock()
	after := len(a.cfgs)
	a.mu.Unlock()
	if after != before+1 {
		t.Errorf("%d configs applied by the two reloads, want 1", after-before)
	}
}

// TestReloadChangesHideSecrets: the changes a reload lists go to the log
// and to the status pages, which need no login: tokens and the WebSub
// secret appear as digests, never in the clear.
func TestReloadChangesHideSecrets(t *testing.T) {
	path, w, a, _ := setup(t)
	secrets := "admin_token: quan-tri-0123456789abcdef\npartners:\n  - {name: vov, token: doi-tac-0123456789abcdef}\n"
	if err := os.WriteFile(path, []byte(secrets+base), 0o644); err != nil {
		t.Fatal(err)
	}
	waitApplied(t, a)
	changes := strings.Join(w.Status().Changes, "\n")
	if !strings.Contains(changes, "admin_token") || !strings.Contains(changes, "redacted:") {
		t.Fatalf("changes do not say the token changed: %s", changes)
	}
	for _, s := range []string{"quan-tri-0123456789abcdef", "doi-tac-0123456789abcdef"} {
		if strings.Contains(changes, s) {
			t.Errorf("a secret in the reload's changes: %s", changes)
		}
	}
}

// TestReloadOnConfigMapSwap: a Kubernetes ConfigMap mounts the file as a
// link through "..data", a link to a folder of the version; an update
// makes a new folder and swaps "..data", and no event names the file.
func TestReloadOnConfigMapSwap(t *testing.T) {
	dir := t.TempDir()
	version := func(name, text string) {
		t.Helper()
		if err := os.Mkdir(filepath.Join(dir, name), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name, "config.yaml"), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	version("..2026_11_28_a", base)
	if err := os.Symlink("..2026_11_28_a", filepath.Join(dir, "..data")); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "config.yaml")
	if err := os.Symlink(filepath.Join("..data", "config.yaml"), path); err != nil {
		t.Fatal(err)
	}
	_, a, _ := watch(t, path)

	version("..2026_11_28_b", strings.Replace(base, "Thời sự", "Thời sự mới", 1))
	if err := os.Symlink("..2026_11_28_b", filepath.Join(dir, "..data_tmp")); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(filepath.Join(dir, "..data_tmp"), filepath.Join(dir, "..data")); err != nil {
		t.Fatal(err)
	}
	cfg := waitApplied(t, a)
	if c, _ := cfg.Category("thoi-su"); c.Title != "Thời sự mới" {
		t.Fatalf("title %q", c.Title)
	}
}

// TestReloadThroughLinkToAnotherFolder: a config kept in another folder
// (/etc, a checkout) and linked in is edited there, in place; and after the
// link is pointed at a file in a third folder, edits there count.
func TestReloadThroughLinkToAnotherFolder(t *testing.T) {
	root := t.TempDir()
	etc, run, other := filepath.Join(root, "etc"), filepath.Join(root, "run"), filepath.Join(root, "other")
	for _, d := range []string{etc, run, other} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	kept := filepath.Join(etc, "newswire.yaml")
	if err := os.WriteFile(kept, []byte(base), 0o644); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(run, "config.yaml")
	if err := os.Symlink(filepath.Join("..", "etc", "newswire.yaml"), path); err != nil {
		t.Fatal(err)
	}
	_, a, _ := watch(t, path)

	edit := func(file, title string) {
		t.Helper()
		f, err := os.OpenFile(file, os.O_WRONLY|os.O_TRUNC, 0)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.WriteString(strings.Replace(base, "Thời sự", title, 1)); err != nil {
			t.Fatal(err)
		}
		if err := f.Close(); err != nil {
			t.Fatal(err)
		}
		cfg := waitApplied(t, a)
		if c, _ := cfg.Category("thoi-su"); c.Title != title {
			t.Fatalf("title %q, want %q", c.Title, title)
		}
	}
	edit(kept, "Thời sự sửa tại chỗ")

	moved := filepath.Join(other, "newswire.yaml")
	if err := os.WriteFile(moved, []byte(strings.Replace(base, "Thời sự", "Thời sự bản khác", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(moved, path+".tmp"); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(path+".tmp", path); err != nil {
		t.Fatal(err)
	}
	if c, _ := waitApplied(t, a).Category("thoi-su"); c.Title != "Thời sự bản khác" {
		t.Fatalf("after the link moved: title %q", c.Title)
	}
	time.Sleep(100 * time.Millisecond) // the watch moves after the reload
	edit(moved, "Thời sự sửa lần hai")
}

// TestReloadBesideABusyFile: a file written without pause beside the
// config (the daemon's own log, say) does not hold a reload off.
func TestReloadBesideABusyFile(t *testing.T) {
	path, _, a, _ := setup(t)
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		log := filepath.Join(filepath.Dir(path), "newswire.log")
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			case <-time.After(10 * time.Millisecond):
			}
			f, err := os.OpenFile(log, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
			if err != nil {
				t.Error(err)
				return
			}
			fmt.Fprintf(f, "dòng nhật ký %d\n", i)
			f.Close()
		}
	}()
	defer func() { close(stop); <-done }()
	time.Sleep(200 * time.Millisecond)
	next := strings.Replace(base, "Thời sự", "Thời sự trong ngày", 1)
	if err := os.WriteFile(path, []byte(next), 0o644); err != nil {
		t.Fatal(err)
	}
	if c, _ := waitApplied(t, a).Category("thoi-su"); c.Title != "Thời sự trong ngày" {
		t.Fatalf("title %q", c.Title)
	}
}

// TestReloadKeepsPublishedAuthority: the authority the running config
// publishes story ids under goes on into the next: a new base_url changes
// no id, and the reload does not say that it does.
func TestReloadKeepsPublishedAuthority(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "config.yaml")
	if err := os.WriteFile(path, []byte(base), 0o644); err != nil {
		t.Fatal(err)
	}
	cur, err := config.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	cur.PublishedAuthority = "127.0.0.1"
	a := &applied{ch: make(chan struct{}, 10)}
	w := New(path, cur, slog.New(slog.DiscardHandler), a.apply)
	if err := os.WriteFile(path, []byte("base_url: https://tin.example.vn/nw\n"+base), 0o644); err != nil {
		t.Fatal(err)
	}
	st := w.Reload("signal")
	cfg := waitApplied(t, a)
	if cfg.Authority() != "127.0.0.1" {
		t.Errorf("after a new base_url, ids are published under %s, want 127.0.0.1", cfg.Authority())
	}
	if !st.OK || len(st.Changes) != 1 || !strings.HasPrefix(st.Changes[0], "changed base_url") {
		t.Errorf("status %+v; want only base_url changed", st)
	}
}

// TestRestartOnlySaidOncePerSetting: two fields of one setting that waits
// for the restart (log.level and log.format) are each listed, and the
// wait said once.
func TestRestartOnlySaidOncePerSetting(t *testing.T) {
	path, w, a, _ := setup(t)
	if err := os.WriteFile(path, []byte("log: {level: debug, format: json}\n"+base), 0o644); err != nil {
		t.Fatal(err)
	}
	waitApplied(t, a)
	st := w.Status()
	if n := strings.Count(strings.Join(st.Changes, "\n"), "log takes effect at the next restart"); n != 1 {
		t.Errorf("changes %q: the wait said %d times, want once", st.Changes, n)
	}
}
