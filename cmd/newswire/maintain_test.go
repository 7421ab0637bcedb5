package main

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"newswire/store"
)

func TestBackupCompactRestore(t *testing.T) {
	o := newOutlets(t)
	cfgPath := writeConfig(t, o, "127.0.0.1:0")
	_, _ = runCmd(t, "fetch", "-config", cfgPath)
	want := exportAll(t, cfgPath)
	if len(want) == 0 {
		t.Fatal("nothing stored")
	}

	backup := filepath.Join(t.TempDir(), "newswire-backup.db")
	nowhere := filepath.Join(filepath.Dir(backup), "no-such-folder", "b.db")
	if _, err := runCmd(t, "backup", "-config", cfgPath, nowhere); err == nil || !strings.Contains(err.Error(), "no folder "+filepath.Dir(nowhere)) {
		t.Errorf("backup into a folder that does not exist: %v", err)
	}
	if out, err := runCmd(t, "backup", "-config", cfgPath, backup); err != nil {
		t.Fatalf("backup: %v\n%s", err, out)
	}
	store := filepath.Join(filepath.Dir(cfgPath), "data", "newswire.db")
	before, err := os.Stat(store)
	if err != nil {
		t.Fatal(err)
	}
	out, err := runCmd(t, "compact", "-config", cfgPath)
	if err != nil {
		t.Fatalf("compact: %v\n%s", err, out)
	}
	after, err := os.Stat(store)
	if err != nil {
		t.Fatal(err)
	}
	if want := fmt.Sprintf("%s: %d → %d bytes", store, before.Size(), after.Size()); !strings.Contains(out, want) {
		t.Errorf("compact said %q, want %q", out, want)
	}
	if got := exportAll(t, cfgPath); !equalJSON(t, got, want) {
		t.Fatal("compaction changed the stories")
	}

	// Lose the store, then bring the backup back.
	if err := os.WriteFile(store, []byte("not a store"), 0o600); err != nil {
		t.Fatal(err)
	}
	if out, err := runCmd(t, "restore", "-config", cfgPath, cfgPath); err == nil {
		t.Fatalf("restore accepted a YAML file as a backup:\n%s", out)
	}
	if err := os.Remove(store); err != nil {
		t.Fatal(err)
	}
	if out, err := runCmd(t, "restore", "-config", cfgPath, backup); err != nil {
		t.Fatalf("restore: %v\n%s", err, out)
	}
	if got := exportAll(t, cfgPath); !equalJSON(t, got, want) {
		t.Fatal("the restored store differs from the one backed up")
	}
}

func TestRestoreKeepsTheStoreItReplaces(t *testing.T) {
	o := newOutlets(t)
	cfgPath := writeConfig(t, o, "127.0.0.1:0")
	_, _ = runCmd(t, "fetch", "-config", cfgPath)
	backup := filepath.Join(t.TempDir(), "b.db")
	// Flags after the file, as README writes the commands.
	if out, err := runCmd(t, "backup", backup, "-config", cfgPath); err != nil {
		t.Fatalf("backup FILE -config X: %v\n%s", err, out)
	}
	out, err := runCmd(t, "restore", backup, "-config", cfgPath)
	if err != nil || !strings.Contains(out, "before-restore-") {
		t.Fatalf("restore: %v\n%s", err, out)
	}
	kept, _ := filepath.Glob(filepath.Join(filepath.Dir(cfgPath), "data", "newswire.db.before-restore-*"))
	if len(kept) != 1 {
		t.Fatalf("kept copies: %v", kept)
	}
	// Two more within the second: each keeps the store it replaced.
	for range 2 {
		if out, err := runCmd(t, "restore", "-config", cfgPath, backup); err != nil {
			t.Fatalf("restore: %v\n%s", err, out)
		}
	}
	kept, _ = filepath.Glob(filepath.Join(filepath.Dir(cfgPath), "data", "newswire.db.before-restore-*"))
	if len(kept) != 3 {
		t.Fatalf("after three restores, kept copies: %v", kept)
	}
}

// TestBackupRefusesTheStoreItself: a backup written over the store would be
// renamed over the file the daemon writes to, and lose what it stored since.
func TestBackupRefusesTheStoreItself(t *testing.T) {
	o := newOutlets(t)
	cfgPath := writeConfig(t, o, "127.0.0.1:0")
	_, _ = runCmd(t, "fetch", "-config", cfgPath)
	want := exportAll(t, cfgPath)
	data := filepath.Join(filepath.Dir(cfgPath), "data")
	link := filepath.Join(t.TempDir(), "store-link.db")
	if err := os.Symlink(filepath.Join(data, "newswire.db"), link); err != nil {
		t.Fatal(err)
	}
	for _, target := range []string{filepath.Join(data, "newswire.db"), filepath.Join(data, ".", "newswire.db"), link} {
		out, err := runCmd(t, "backup", "-config", cfgPath, target)
		if err == nil || !strings.Contains(err.Error()+out, "is the store itself") {
			t.Errorf("backup onto %s: %v\n%s", target, err, out)
		}
	}
	if got := exportAll(t, cfgPath); !equalJSON(t, got, want) {
		t.Fatal("the store changed")
	}
}

// TestBackupRefusesTheDaemonsFiles: a backup named after another file the
// daemon keeps in data_dir (a typo away from the store) would replace it:
// the install's key, the served dates, the listen address.
func TestBackupRefusesTheDaemonsFiles(t *testing.T) {
	o := newOutlets(t)
	cfgPath := writeConfig(t, o, "127.0.0.1:0")
	_, _ = runCmd(t, "fetch", "-config", cfgPath)
	data := filepath.Join(filepath.Dir(cfgPath), "data")
	for name, what := range map[string]string{
		"newswire.key":                              "the install's key",
		"newswire.dates":                            "the dates the feeds were served with",
		"newswire.listen":                           "the address the daemon listens on",
		"newswire.db.tmp":                           "the store's temporary file",
		"newswire.db.compact":                       "the file compact writes",
		"newswire.db.restore":                       "the file restore writes",
		"newswire.db.before-restore-20260101T0000Z": "the store a restore replaced",
	} {
		path := filepath.Join(data, name)
		before := []byte("Tin giữ lại: không được ghi đè.")
		if err := os.WriteFile(path, before, 0o600); err != nil {
			t.Fatal(err)
		}
		out, err := runCmd(t, "backup", "-config", cfgPath, path)
		if err == nil || !strings.Contains(err.Error()+out, what) {
			t.Errorf("backup onto %s: %v\n%s", name, err, out)
		}
		if got, _ := os.ReadFile(path); string(got) != string(before) {
			t.Errorf("backup onto %s replaced it", name)
		}
	}
}

// TestBackupIsPrivate: a backup holds what the store holds, and is as
// private: readable and writable by its owner only, like the store, even
// where it replaces a file, or a leftover of an interrupted backup, that
// others could read.
func TestBackupIsPrivate(t *testing.T) {
	o := newOutlets(t)
	cfgPath := writeConfig(t, o, "127.0.0.1:0")
	_, _ = runCmd(t, "fetch", "-config", cfgPath)
	dir := t.TempDir()
	fresh := filepath.Join(dir, "fresh.db")
	over := filepath.Join(dir, "over.db")
	for _, name := range []string{over, over + ".tmp"} {
		if err := os.WriteFile(name, []byte("bản sao cũ"), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(name, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, path := range []string{fresh, over} {
		if out, err := runCmd(t, "backup", "-config", cfgPath, path); err != nil {
			t.Fatalf("backup: %v\n%s", err, out)
		}
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if mode := fi.Mode().Perm(); mode != 0o600 {
			t.Errorf("backup %s has mode %#o, want 0600 as the store", filepath.Base(path), mode)
		}
	}
	fi, err := os.Stat(filepath.Join(filepath.Dir(cfgPath), "data", "newswire.db"))
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("the store: %v, %v; want mode 0600", fi, err)
	}
}

// TestCompactWithNoStore: compact where there is no store says so, naming
// the path and data_dir, and makes none.
func TestCompactWithNoStore(t *testing.T) {
	o := newOutlets(t)
	cfgPath := writeConfig(t, o, "127.0.0.1:0")
	store := filepath.Join(filepath.Dir(cfgPath), "data", "newswire.db")
	_, err := runCmd(t, "compact", "-config", cfgPath)
	if err == nil || !strings.Contains(err.Error(), "no store at "+store) || !strings.Contains(err.Error(), "nothing to compact") {
		t.Fatalf("compact with no store: %v", err)
	}
	if _, err := os.Stat(store); !os.IsNotExist(err) {
		t.Errorf("compact made a store: %v", err)
	}
}

// TestBackupCompactRestoreKeepSubscriptions: the WebSub subscriptions the
// store keeps are in a backup, stay through compact, and come back with
// restore.
func TestBackupCompactRestoreKeepSubscriptions(t *testing.T) {
	o := newOutlets(t)
	cfgPath := writeConfig(t, o, "127.0.0.1:0")
	_, _ = runCmd(t, "fetch", "-config", cfgPath)
	path := filepath.Join(filepath.Dir(cfgPath), "data", "newswire.db")
	asked := time.Now().UTC().Truncate(time.Second)
	want := store.Subscription{Source: "baohagiang", URL: "http://tin.test/rss", Hub: "http://hub.test/", Topic: "http://tin.test/rss",
		Callback: "http://127.0.0.1:8080/websub/callback/baohagiang", Secret: "khoa-bi-mat-cua-toa-soan", Lease: 24 * time.Hour,
		Asked: asked, Verified: true, LeaseEnds: asked.Add(24 * time.Hour), RenewAt: asked.Add(19 * time.Hour)}
	st, err := store.Open(path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	err = st.SaveSubscription(want)
	if cerr := st.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		t.Fatal(err)
	}
	kept := func(when string) {
		t.Helper()
		st, err := store.Open(path, store.Options{ReadOnly: true})
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		got, err := st.Subscriptions()
		if err != nil || len(got) != 1 || !reflect.DeepEqual(got[0], want) {
			t.Errorf("%s the store keeps the subscriptions %+v (%v), want %+v", when, got, err, want)
		}
	}

	backup := filepath.Join(t.TempDir(), "newswire-backup.db")
	if out, err := runCmd(t, "backup", "-config", cfgPath, backup); err != nil {
		t.Fatalf("backup: %v\n%s", err, out)
	}
	if out, err := runCmd(t, "compact", "-config", cfgPath); err != nil {
		t.Fatalf("compact: %v\n%s", err, out)
	}
	kept("after compact")
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	if out, err := runCmd(t, "restore", "-config", cfgPath, backup); err != nil {
		t.Fatalf("restore: %v\n%s", err, out)
	}
	kept("after restore")
}

// TestRestoreKeepsCurrentSubscriptions: restore over a store keeps that
// store's WebSub subscriptions, which the hubs hold now, rather than the
// backup's older ones: the lease and secret renewed since, a source
// subscribed since, and none for a source unsubscribed since.
func TestRestoreKeepsCurrentSubscriptions(t *testing.T) {
	o := newOutlets(t)
	cfgPath := writeConfig(t, o, "127.0.0.1:0")
	_, _ = runCmd(t, "fetch", "-config", cfgPath)
	path := filepath.Join(filepath.Dir(cfgPath), "data", "newswire.db")
	asked := time.Now().UTC().Add(-30 * time.Hour).Truncate(time.Second)
	sub := func(source, secret string, asked time.Time) store.Subscription {
		feed := "http://" + source + ".test/rss"
		return store.Subscription{Source: source, URL: feed, Hub: "http://hub.test/", Topic: feed,
			Callback: "http://127.0.0.1:8080/websub/callback/" + source, Secret: secret, Lease: 24 * time.Hour,
			Asked: asked, Verified: true, LeaseEnds: asked.Add(24 * time.Hour), RenewAt: asked.Add(19 * time.Hour)}
	}
	write := func(save []store.Subscription, drop ...string) {
		t.Helper()
		st, err := store.Open(path, store.Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		for _, s := range save {
			if err := st.SaveSubscription(s); err != nil {
				t.Fatal(err)
			}
		}
		if err := st.DeleteSubscriptions(drop...); err != nil {
			t.Fatal(err)
		}
	}
	old := sub("baohagiang", "khoa-cu-cua-toa-soan-ha-giang", asked)
	write([]store.Subscription{old, sub("ttxvn", "khoa-cua-thong-tan-xa", asked)})
	backup := filepath.Join(t.TempDir(), "newswire-backup.db")
	if out, err := runCmd(t, "backup", "-config", cfgPath, backup); err != nil {
		t.Fatalf("backup: %v\n%s", err, out)
	}

	// Since the backup: baohagiang renewed under a new secret, vov
	// subscribed, ttxvn unsubscribed.
	renewed := sub("baohagiang", "khoa-moi-cua-toa-soan-ha-giang", time.Now().UTC().Add(-time.Hour).Truncate(time.Second))
	added := sub("vov", "khoa-cua-dai-tieng-noi", renewed.Asked)
	write([]store.Subscription{renewed, added}, "ttxvn")

	out, err := runCmd(t, "restore", "-config", cfgPath, backup)
	if err != nil {
		t.Fatalf("restore: %v\n%s", err, out)
	}
	if !strings.Contains(out, "restore: WebSub subscriptions: the 2 of the store it replaced, which the hubs hold, rather than the backup's 2\n") {
		t.Errorf("restore does not say whose subscriptions it kept:\n%s", out)
	}
	st, err := store.Open(path, store.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	got, err := st.Subscriptions()
	if err != nil {
		t.Fatal(err)
	}
	want := []store.Subscription{renewed, added}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("the restored store keeps the subscriptions\n%+v\nwant those of the store it replaced\n%+v", got, want)
	}
}
