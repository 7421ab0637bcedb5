package main

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// TestReadOnlyDisk: on a disk the system remounted read-only (as after
// I/O errors), the daemon refuses to start, but export, backup and
// stories --explain still read the store. It needs to mount a tmpfs, and
// is skipped where that is not allowed.
func TestReadOnlyDisk(t *testing.T) {
	o := newOutlets(t)
	cfgPath := writeConfig(t, o, "127.0.0.1:0")
	data := filepath.Join(filepath.Dir(cfgPath), "data")
	if err := os.MkdirAll(data, 0o750); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mount("tmpfs", data, "tmpfs", 0, "size=64m"); err != nil {
		t.Skipf("cannot mount a tmpfs here: %v", err)
	}
	t.Cleanup(func() { _ = syscall.Unmount(data, syscall.MNT_DETACH) })
	if out, err := runCmd(t, "fetch", "-config", cfgPath); err != nil && !strings.Contains(out, "ok") {
		t.Fatalf("fetch: %v\n%s", err, out)
	}
	want := exportAll(t, cfgPath)
	if len(want) == 0 {
		t.Fatal("nothing stored")
	}
	if err := syscall.Mount("", data, "", syscall.MS_REMOUNT|syscall.MS_RDONLY, ""); err != nil {
		t.Skipf("cannot remount the tmpfs read-only: %v", err)
	}

	if got := exportAll(t, cfgPath); !equalJSON(t, got, want) {
		t.Error("export from the read-only disk differs from the one before")
	}
	backup := filepath.Join(t.TempDir(), "rescue.db")
	if out, err := runCmd(t, "backup", "-config", cfgPath, backup); err != nil {
		t.Fatalf("backup from the read-only disk: %v\n%s", err, out)
	}
	if out, err := runCmd(t, "stories", "-config", cfgPath, "--explain", "1"); err != nil || !strings.Contains(out, "story 1") {
		t.Errorf("stories --explain from the read-only disk: %v\n%s", err, out)
	}
	out, err := runCmd(t, "fetch", "-config", cfgPath)
	if err == nil || !strings.Contains(out+err.Error(), "read-only file system") {
		t.Errorf("fetch onto the read-only disk: %v\n%s; want it refused, naming the read-only file system", err, out)
	}
}
