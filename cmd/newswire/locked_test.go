package main

import (
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"newswire/store"
)

// TestCommandsGoToTheDaemonAtOnce: while the daemon runs, export, backup
// and stories --explain ask it without first waiting for the store's lock,
// and fetch, compact and restore, which cannot run beside it, say so at
// once, naming it.
func TestCommandsGoToTheDaemonAtOnce(t *testing.T) {
	o := newOutlets(t)
	addr := freeAddr(t)
	cfgPath := writeConfig(t, o, addr)
	_, _ = runCmd(t, "fetch", "-config", cfgPath)
	serveDaemon(t, cfgPath, addr)

	for _, args := range [][]string{
		{"export", "-config", cfgPath},
		{"backup", "-config", cfgPath, filepath.Join(t.TempDir(), "copy.db")},
		{"stories", "-config", cfgPath, "--explain", "1"},
	} {
		start := time.Now()
		out, err := runCmd(t, args...)
		if err != nil {
			t.Fatalf("%s: %v\n%.300s", args[0], err, out)
		}
		// Waiting for the lock takes 2 s (lockWait); asking the daemon
		// takes milliseconds.
		if took := time.Since(start); took >= 1500*time.Millisecond {
			t.Errorf("%s took %s: it waited for the lock the daemon holds", args[0], took)
		}
	}
	backup := filepath.Join(t.TempDir(), "restore.db")
	if out, err := runCmd(t, "backup", "-config", cfgPath, backup); err != nil {
		t.Fatalf("backup: %v\n%s", err, out)
	}
	for _, args := range [][]string{
		{"fetch", "-config", cfgPath},
		{"compact", "-config", cfgPath},
		{"restore", "-config", cfgPath, backup},
	} {
		out, err := runCmd(t, args...)
		if err == nil || !strings.Contains(err.Error(), "the daemon listening at "+addr+" holds the store; stop it first") {
			t.Errorf("%s beside the daemon: %v\n%s; want it told to stop the daemon first", args[0], err, out)
		}
	}
	// A second daemon on the same data_dir names the first.
	if out, err := runCmd(t, "serve", "-config", cfgPath); err == nil || !strings.Contains(err.Error(), "the daemon listening at "+addr+" already serves this data_dir") {
		t.Errorf("a second serve: %v\n%s", err, out)
	}
}

// TestStaleListenFile: the address a crashed daemon left in data_dir is not
// taken for a daemon: the commands read the store, or wait for another
// command that holds it.
func TestStaleListenFile(t *testing.T) {
	o := newOutlets(t)
	cfgPath := writeConfig(t, o, freeAddr(t))
	_, _ = runCmd(t, "fetch", "-config", cfgPath)
	want := exportAll(t, cfgPath)
	data := filepath.Join(filepath.Dir(cfgPath), "data")
	gone := freeAddr(t)
	if err := os.WriteFile(filepath.Join(data, "newswire.listen"), []byte(gone+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}

	if got := exportAll(t, cfgPath); !equalJSON(t, got, want) {
		t.Error("export with a stale listen file differs from the one before")
	}
	if out, err := runCmd(t, "fetch", "-config", cfgPath); err != nil && !strings.Contains(out, "ok") {
		t.Errorf("fetch with a stale listen file: %v\n%s", err, out)
	}

	// Another command holds the store, and nothing listens at the address.
	other, err := store.Open(filepath.Join(data, "newswire.db"), store.Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	if out, err := runCmd(t, "export", "-config", cfgPath); err == nil || !strings.Contains(err.Error(), "locked by another process") {
		t.Errorf("export beside another command: %v\n%.300s; want it locked", err, out)
	}
	out, err := runCmd(t, "fetch", "-config", cfgPath)
	if err == nil || strings.Contains(err.Error(), gone) || !strings.Contains(err.Error(), "or let the other command finish") {
		t.Errorf("fetch beside another command: %v\n%s; want it locked, no daemon named", err, out)
	}
}

// TestListenFileOfAnotherDaemon: where a crashed daemon's address is now
// another store's daemon, the commands do not take that daemon's answer
// for their store's: export says whose store answered, and fetch does not
// name that daemon as the one holding its store.
func TestListenFileOfAnotherDaemon(t *testing.T) {
	o := newOutlets(t)
	cfgPath := writeConfig(t, o, freeAddr(t))
	_, _ = runCmd(t, "fetch", "-config", cfgPath)
	otherAddr := freeAddr(t)
	otherCfg := writeConfig(t, o, otherAddr)
	serveDaemon(t, otherCfg, otherAddr)

	data := filepath.Join(filepath.Dir(cfgPath), "data")
	if err := os.WriteFile(filepath.Join(data, "newswire.listen"), []byte(otherAddr+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	held, err := store.Open(filepath.Join(data, "newswire.db"), store.Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer held.Close()

	for _, args := range [][]string{
		{"export", "-config", cfgPath},
		{"stories", "-config", cfgPath, "--explain", "1"},
	} {
		out, err := runCmd(t, args...)
		want := "the daemon at " + otherAddr + " holds the store " + filepath.Join(filepath.Dir(otherCfg), "data", "newswire.db")
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v\n%.300s; want %q", args[0], err, out, want)
		}
	}
	out, err := runCmd(t, "fetch", "-config", cfgPath)
	if err == nil || strings.Contains(err.Error(), otherAddr) || !strings.Contains(err.Error(), "or let the other command finish") {
		t.Errorf("fetch: %v\n%s; want the store locked, the other daemon not named", err, out)
	}
}

// TestFeedDatesAfterACrash: a daemon that crashed may have sent dates it did
// not save. A start that finds the address a running daemon leaves in
// data_dir dates a feed from its start on; a start after a clean stop
// serves it with the date it was served with before.
func TestFeedDatesAfterACrash(t *testing.T) {
	o := newOutlets(t)
	addr := freeAddr(t)
	cfgPath := writeConfig(t, o, addr)
	_, _ = runCmd(t, "fetch", "-config", cfgPath)
	lastModified := func() string {
		t.Helper()
		resp, err := http.Get("http://" + addr + "/feeds/tin-tinh.rss")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET /feeds/tin-tinh.rss: %s", resp.Status)
		}
		return resp.Header.Get("Last-Modified")
	}

	stop := startDaemon(t, cfgPath, addr)
	first := lastModified()
	stop()
	if first == "" {
		t.Fatal("no Last-Modified")
	}
	stop = startDaemon(t, cfgPath, addr)
	if got := lastModified(); got != first {
		t.Errorf("after a clean stop: Last-Modified %q, want %q as before", got, first)
	}
	stop()

	// What a crash leaves: the daemon's address, which a clean stop removes.
	listen := filepath.Join(filepath.Dir(cfgPath), "data", "newswire.listen")
	if err := os.WriteFile(listen, []byte(addr+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	// A start in a later second than the date served before.
	time.Sleep(time.Until(time.Now().Truncate(time.Second).Add(1100 * time.Millisecond)))
	started := time.Now().Truncate(time.Second)
	stop = startDaemon(t, cfgPath, addr)
	defer stop()
	// Until its date's second comes, a rendering goes without one.
	time.Sleep(1100 * time.Millisecond)
	got := lastModified()
	at, err := http.ParseTime(got)
	if err != nil || at.Before(started) {
		t.Errorf("after a crash: Last-Modified %q (%v), want the start's, %s or after", got, err, started.UTC().Format(http.TimeFormat))
	}
}

// TestFetchBesideADaemonWhoseDataDirMoved: a reload that changes data_dir
// takes effect at the restart; meanwhile fetch under the edited config
// finds no store at the new place, and is told of the daemon that runs
// under this config rather than make a second store beside it.
func TestFetchBesideADaemonWhoseDataDirMoved(t *testing.T) {
	o := newOutlets(t)
	addr := freeAddr(t)
	cfgPath := writeConfig(t, o, addr)
	serveDaemon(t, cfgPath, addr)
	cfg, err := os.ReadFile(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	moved := strings.Replace(string(cfg), "data_dir: ./data", "data_dir: ./data2", 1)
	if moved == string(cfg) {
		t.Fatalf("no data_dir to move in:\n%s", cfg)
	}
	replaceFile(t, cfgPath, moved)
	out, err := runCmd(t, "fetch", "-config", cfgPath)
	if err == nil || !strings.Contains(err.Error(), "the daemon listening at "+addr+" runs under this config") {
		t.Errorf("fetch under a config whose data_dir moved, beside its daemon: %v\n%.300s", err, out)
	}
	if _, err := os.Stat(filepath.Join(filepath.Dir(cfgPath), "data2", "newswire.db")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("fetch made a second store: %v", err)
	}
}
