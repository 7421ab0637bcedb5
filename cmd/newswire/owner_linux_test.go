package main

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// TestMaintenanceKeepsTheStoresOwner: compact and restore run as root (an
// admin's sudo) on the store of a daemon that runs as its own user leave a
// store that user can still open: the file they put in place takes the
// owner, group and permissions of the one it replaces.
func TestMaintenanceKeepsTheStoresOwner(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root, to give files to another user")
	}
	const daemonUser = 65534 // nobody
	o := newOutlets(t)
	cfgPath := writeConfig(t, o, "127.0.0.1:0")
	_, _ = runCmd(t, "fetch", "-config", cfgPath)
	dataDir := filepath.Join(filepath.Dir(cfgPath), "data")
	path := filepath.Join(dataDir, "newswire.db")
	backup := filepath.Join(t.TempDir(), "b.db")
	if out, err := runCmd(t, "backup", "-config", cfgPath, backup); err != nil {
		t.Fatalf("backup: %v\n%s", err, out)
	}
	if err := filepath.Walk(dataDir, func(p string, _ os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		return os.Chown(p, daemonUser, daemonUser)
	}); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, 0o640); err != nil {
		t.Fatal(err)
	}
	check := func(after string) {
		t.Helper()
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		st := fi.Sys().(*syscall.Stat_t)
		if st.Uid != daemonUser || st.Gid != daemonUser || fi.Mode().Perm() != 0o640 {
			t.Errorf("after %s the store is uid %d gid %d mode %v, want the daemon's %d and 0640", after, st.Uid, st.Gid, fi.Mode().Perm(), daemonUser)
		}
	}
	if out, err := runCmd(t, "compact", "-config", cfgPath); err != nil {
		t.Fatalf("compact: %v\n%s", err, out)
	}
	check("compact")
	if out, err := runCmd(t, "restore", "-config", cfgPath, backup); err != nil {
		t.Fatalf("restore: %v\n%s", err, out)
	}
	check("restore")
	// With no store to replace, the restored one is the data_dir owner's.
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	if out, err := runCmd(t, "restore", "-config", cfgPath, backup); err != nil {
		t.Fatalf("restore: %v\n%s", err, out)
	}
	if fi, err := os.Stat(path); err != nil || fi.Sys().(*syscall.Stat_t).Uid != daemonUser {
		t.Errorf("restore with no store to replace: %v, %+v; want the data_dir owner's", err, fi)
	}
}
