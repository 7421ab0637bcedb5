package main

import (
	"encoding/binary"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"newswire/store"
)

// TestReadersBesideEachOther: export, backup and stories --explain read
// the store while another command reads it (a long backup from cron, say),
// rather than wait for its lock and then look for a daemon.
func TestReadersBesideEachOther(t *testing.T) {
	o := newOutlets(t)
	cfgPath := writeConfig(t, o, freeAddr(t))
	_, _ = runCmd(t, "fetch", "-config", cfgPath)
	want := exportAll(t, cfgPath)
	if len(want) == 0 {
		t.Fatal("nothing stored")
	}
	other, err := store.Open(filepath.Join(filepath.Dir(cfgPath), "data", "newswire.db"), store.Options{ReadOnly: true, Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()

	if got := exportAll(t, cfgPath); !equalJSON(t, got, want) {
		t.Error("export beside another reader differs from the one before")
	}
	if out, err := runCmd(t, "backup", "-config", cfgPath, filepath.Join(t.TempDir(), "copy.db")); err != nil {
		t.Errorf("backup beside another reader: %v\n%s", err, out)
	}
	if out, err := runCmd(t, "stories", "-config", cfgPath, "--explain", "1"); err != nil || !strings.Contains(out, "story 1") {
		t.Errorf("stories --explain beside another reader: %v\n%s", err, out)
	}
}

// TestReadersMigrateAnOlderStore: a store an older build wrote is migrated
// by the first command to open it, a reader included, as the daemon's start
// would: it cannot be read unmigrated.
func TestReadersMigrateAnOlderStore(t *testing.T) {
	o := newOutlets(t)
	cfgPath := writeConfig(t, o, freeAddr(t))
	_, _ = runCmd(t, "fetch", "-config", cfgPath)
	want := exportAll(t, cfgPath)
	path := filepath.Join(filepath.Dir(cfgPath), "data", "newswire.db")
	// The last migration rewrites nothing: a current store with the
	// version before it is what that version wrote.
	current := setSchema(t, path, func(v uint64) uint64 { return v - 1 })
	if got := exportAll(t, cfgPath); !equalJSON(t, got, want) {
		t.Error("export of the older store differs from the one before")
	}
	if v := setSchema(t, path, func(v uint64) uint64 { return v }); v != current {
		t.Errorf("schema after export = %d, want it migrated to %d", v, current)
	}
}

// setSchema sets the schema version of the store at path to to(the one it
// has), and returns the one it had.
func setSchema(t *testing.T, path string, to func(uint64) uint64) uint64 {
	t.Helper()
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second, NoFreelistSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var had uint64
	err = db.Update(func(tx *bolt.Tx) error {
		meta := tx.Bucket([]byte("meta"))
		had = binary.BigEndian.Uint64(meta.Get([]byte("schema")))
		if to(had) == had {
			return nil
		}
		return meta.Put([]byte("schema"), binary.BigEndian.AppendUint64(nil, to(had)))
	})
	if err != nil {
		t.Fatal(err)
	}
	return had
}

// TestReadersNeedAStore: export, backup and stories --explain with no store
// at data_dir say so and name the path, rather than make an empty store
// there and report nothing stored (a data_dir pointing at the wrong place
// looked like an empty archive).
func TestReadersNeedAStore(t *testing.T) {
	o := newOutlets(t)
	cfgPath := writeConfig(t, o, freeAddr(t))
	path := filepath.Join(filepath.Dir(cfgPath), "data", "newswire.db")
	for _, args := range [][]string{
		{"export", "-config", cfgPath},
		{"backup", "-config", cfgPath, filepath.Join(t.TempDir(), "copy.db")},
		{"stories", "-config", cfgPath, "--explain", "1"},
	} {
		out, err := runCmd(t, args...)
		if err == nil || !strings.Contains(err.Error(), "no store at "+path) {
			t.Errorf("%s with no store: %v\n%.300s; want it to name the missing store", args[0], err, out)
		}
		if _, err := os.Stat(path); !errors.Is(err, fs.ErrNotExist) {
			t.Fatalf("%s with no store left a file at %s (%v)", args[0], path, err)
		}
	}
}

// TestBackupToAFolder: a backup given a folder says so before it copies
// anything, and leaves no copy beside the folder.
func TestBackupToAFolder(t *testing.T) {
	o := newOutlets(t)
	cfgPath := writeConfig(t, o, freeAddr(t))
	_, _ = runCmd(t, "fetch", "-config", cfgPath)
	dir := t.TempDir()
	out, err := runCmd(t, "backup", "-config", cfgPath, dir)
	if err == nil || !strings.Contains(err.Error(), dir+" is a folder") {
		t.Errorf("backup to a folder: %v\n%s", err, out)
	}
	if _, err := os.Stat(dir + ".tmp"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("a copy was left beside the folder: %v", err)
	}
}
