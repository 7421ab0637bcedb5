package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"newswire/internal/config"
	"newswire/internal/metrics"
	"newswire/store"
)

// TestStoryIDsKeepTheirAuthority: without tag_authority, story ids (and
// the feeds' own) keep the authority they were first published under,
// whatever base_url becomes, across a restart and a reload, in the feeds, export and
// stories, and after a restore; a tag_authority that changes them is
// obeyed, and check-config -diff and the reload say that every id changes.
func TestStoryIDsKeepTheirAuthority(t *testing.T) {
	desk := newNewsDesk(t)
	addr := freeAddr(t)
	cfgPath := desk.config(t, addr)
	plain, err := os.ReadFile(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	write := func(path, extra string) {
		t.Helper()
		if err := os.WriteFile(path, append(append([]byte(nil), plain...), extra...), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	const first = "tag:127.0.0.1,2026:story/1"
	desk.publish(bridge)
	if out, err := runCmd(t, "fetch", "-config", cfgPath); err != nil {
		t.Fatalf("fetch: %v\n%s", err, out)
	}
	ids := func(want string) {
		t.Helper()
		recs := exportAll(t, cfgPath)
		if len(recs) != 1 || recs[0].ID != want {
			t.Fatalf("export: %+v; want the one story as %s", recs, want)
		}
	}
	ids(first)
	backup := filepath.Join(t.TempDir(), "newswire-backup.db")
	if out, err := runCmd(t, "backup", "-config", cfgPath, backup); err != nil {
		t.Fatalf("backup: %v\n%s", err, out)
	}

	// The service moves behind the newsroom's domain: ids stay.
	write(cfgPath, "base_url: https://tin.example.vn/nw\n")
	ids(first)
	stop := startDaemon(t, cfgPath, addr)
	defer func() { stop() }()
	base := "http://" + addr
	feedHas := func(want string) {
		t.Helper()
		resp, err := http.Get(base + "/feeds/all.atom")
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if !strings.Contains(string(b), "<id>"+want+"</id>") {
			t.Fatalf("the feed lacks %s:\n%s", want, b)
		}
	}
	// The feed's own Atom id is minted under the story ids' authority,
	// and stays with them.
	const feedID = "tag:127.0.0.1,2026:feed/all"
	feedHas(first)
	feedHas(feedID)
	ids(first)
	if out, err := runCmd(t, "stories", "-config", cfgPath, "--explain", first); err != nil {
		t.Fatalf("stories --explain %s: %v\n%s", first, err, out)
	}
	reloaded := func(extra string) apiStatus {
		t.Helper()
		before := getStatus(t, base)
		write(cfgPath, extra)
		for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
			if st := getStatus(t, base); st.Reload.At.After(before.Reload.At) {
				if !st.Reload.OK {
					t.Fatalf("reload refused: %+v", st.Reload)
				}
				return st
			}
			if time.Now().After(deadline) {
				t.Fatal("no reload within 10s")
			}
		}
	}
	st := reloaded("base_url: https://baohagiang.example.vn/tin\n")
	if changes := strings.Join(st.Reload.Changes, "\n"); strings.Contains(changes, "story ids") {
		t.Errorf("a new base_url reloaded as %q", changes)
	}
	feedHas(first)
	feedHas(feedID)

	// The admin's own authority changes every id, and both the diff and
	// the reload say so.
	next := filepath.Join(filepath.Dir(cfgPath), "next.yaml")
	write(next, "base_url: https://tin.example.vn/nw\n")
	if out, err := runCmd(t, "check-config", "-diff", "-config", next); err != nil || strings.Contains(out, "story ids") || !strings.Contains(out, "changed base_url") {
		t.Errorf("check-config -diff of a new base_url: %v\n%s", err, out)
	}
	withAuthority := "base_url: https://baohagiang.example.vn/tin\ntag_authority: baohagiang.example.vn\n"
	write(next, withAuthority)
	change := config.AuthorityChange("127.0.0.1", "baohagiang.example.vn")
	if out, err := runCmd(t, "check-config", "-diff", "-config", next); err != nil || !strings.Contains(out, change) {
		t.Errorf("check-config -diff: %v\n%s\nwant %q", err, out, change)
	}
	if st := reloaded(withAuthority); !strings.Contains(strings.Join(st.Reload.Changes, "\n"), change) {
		t.Errorf("reload changes: %q; want %q", st.Reload.Changes, change)
	}
	feedHas("tag:baohagiang.example.vn,2026:story/1")
	stop()
	stop = func() {}

	// Removing tag_authority keeps the ids it gave, and so does a backup
	// from before it, restored.
	write(cfgPath, "base_url: https://tin.example.vn/nw\n")
	ids("tag:baohagiang.example.vn,2026:story/1")
	if out, err := runCmd(t, "restore", "-config", cfgPath, backup); err != nil {
		t.Fatalf("restore: %v\n%s", err, out)
	}
	ids("tag:baohagiang.example.vn,2026:story/1")
}

// TestDaemonRecordsItsAuthority: a daemon's first start records the
// authority its story ids are published under; one that a new
// tag_authority replaces, at a start or a reload, is warned of.
func TestDaemonRecordsItsAuthority(t *testing.T) {
	dir := t.TempDir()
	parse := func(extra string) *config.Config {
		t.Helper()
		cfg, err := config.Parse([]byte(fmt.Sprintf(`data_dir: %s
listen: 127.0.0.1:0
categories: [{id: thoi-su}]
default_category: thoi-su
%s`, dir, extra)), "config.yaml")
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
	recorded := func(want string) {
		t.Helper()
		if a, err := st.Authority(); err != nil || a != want {
			t.Fatalf("recorded authority %q, %v; want %q", a, err, want)
		}
	}
	var logs syncBuffer
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	d := &daemon{ctx: ctx, st: st, log: slog.New(slog.NewTextHandler(&logs, nil)), metrics: metrics.New()}
	d.start(parse(""))
	recorded("127.0.0.1")
	if err := d.apply(parse("base_url: https://tin.example.vn\n")); err != nil {
		t.Fatal(err)
	}
	recorded("127.0.0.1")
	if d.cfg.Authority() != "127.0.0.1" {
		t.Errorf("after a new base_url the daemon publishes under %s", d.cfg.Authority())
	}
	if strings.Contains(logs.String(), "level=WARN") {
		t.Errorf("warned with nothing changed:\n%s", logs.String())
	}
	if err := d.apply(parse("tag_authority: tin.example.vn\n")); err != nil {
		t.Fatal(err)
	}
	d.shutdown()
	recorded("tin.example.vn")
	want := "level=WARN msg=\"" + config.AuthorityChange("127.0.0.1", "tin.example.vn") + "\""
	if !strings.Contains(logs.String(), want) {
		t.Errorf("log lacks %s:\n%s", want, logs.String())
	}
}
