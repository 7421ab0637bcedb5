package store

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"newswire/internal/testmount"
)

// TestCompactLeavesTheOriginal: Compact reads the store it compacts without
// writing to it or growing it, and reports the sizes the two files have.
func TestCompactLeavesTheOriginal(t *testing.T) {
	dir := t.TempDir()
	s := openTestStore(t, filepath.Join(dir, "newswire.db"), Options{})
	fillStories(t, s, "baotuyenquang", 300)
	want := s.all(AllCategory, 1000)
	// The original is a backup: it ends at its last page in use, where a
	// write past that end would show in its size.
	var backup bytes.Buffer
	if _, err := s.Backup(&backup); err != nil {
		t.Fatal(err)
	}
	s.close()
	src := filepath.Join(dir, "backup.db")
	if err := os.WriteFile(src, backup.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	before := backup.Bytes()

	dst := filepath.Join(dir, "compacted.db")
	gotBefore, gotAfter, err := Compact(src, dst, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	after, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(before, after) {
		t.Errorf("compaction changed the original: %d bytes before, %d after", len(before), len(after))
	}
	if gotBefore != int64(len(before)) {
		t.Errorf("Compact reported the original as %d bytes, it has %d", gotBefore, len(before))
	}
	fi, err := os.Stat(dst)
	if err != nil {
		t.Fatal(err)
	}
	if gotAfter != fi.Size() {
		t.Errorf("Compact reported the copy as %d bytes, it has %d", gotAfter, fi.Size())
	}
	c := openTestStore(t, dst, Options{})
	if got := c.all(AllCategory, 1000); !equalStories(got, want) {
		t.Error("the compacted copy's stories differ")
	}
}

// TestCopyFileIsPrivate: the copy (restore's, of a backup over the store)
// is readable by its owner only, even over a file an interrupted copy left
// at its temporary name with another mode.
func TestCopyFileIsPrivate(t *testing.T) {
	dir := t.TempDir()
	src, dst := filepath.Join(dir, "backup.db"), filepath.Join(dir, "newswire.db")
	if err := os.WriteFile(src, []byte("bản sao lưu"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dst+".tmp", []byte("dở dang"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := CopyFile(src, dst); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(dst)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("copy has mode %v, want 0600", fi.Mode().Perm())
	}
	if b, _ := os.ReadFile(dst); string(b) != "bản sao lưu" {
		t.Errorf("copy holds %q", b)
	}
}

// TestCompactOnAFullDiskLeavesNothing: a copy that does not fit fails with
// what compact needs, and leaves no part of itself behind.
func TestCompactOnAFullDiskLeavesNothing(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "newswire.db")
	s := openTestStore(t, src, Options{})
	fillStories(t, s, "baotuyenquang", 300)
	s.close()

	small := filepath.Join(dir, "small")
	if err := os.Mkdir(small, 0o755); err != nil {
		t.Fatal(err)
	}
	testmount.Tmpfs(t, small, 64<<10)
	dst := filepath.Join(small, "newswire.db.compact")
	_, _, err := Compact(src, dst, time.Second)
	if !errors.Is(err, syscall.ENOSPC) || !strings.Contains(err.Error(), "free about as much as the store uses") {
		t.Fatalf("Compact onto a full disk: %v", err)
	}
	if _, err := os.Lstat(dst); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a failed compaction left %s behind: %v", dst, err)
	}
}
