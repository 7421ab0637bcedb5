package store

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestTruncatedFileRefused: a store file cut short (an interrupted copy of
// a backup) is refused by Open and CheckFile with a message that says so,
// where it crashed the process (SIGBUS on the mapping, or a bbolt
// assertion) before; an empty file is refused by CheckFile. The whole file
// still opens.
func TestTruncatedFileRefused(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "newswire.db")
	ts := openTestStore(t, path, Options{})
	now := time.Date(2026, 11, 28, 9, 0, 0, 0, time.UTC)
	for i := range 300 {
		n := strconv.Itoa(i)
		ts.apply("baohagiang", now, news("hg-"+n, "https://baohagiang.example.vn/tin/"+n+".html", "Hà Giang mở thêm chợ phiên số "+n, i))
	}
	ts.close()
	whole, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	// bbolt grows its file ahead of use: cut it within the pages in use.
	m0, ok0 := readMeta(strings.NewReader(string(whole)), 0)
	m1, ok1 := readMeta(strings.NewReader(string(whole)), int64(m0.pageSize))
	if !ok0 || !ok1 {
		t.Fatal("no meta pages")
	}
	used := int(max(m0.highWater, m1.highWater)) * int(m0.pageSize)
	cut := filepath.Join(dir, "cut.db")
	if err := os.WriteFile(cut, whole[:used/2], 0o600); err != nil {
		t.Fatal(err)
	}
	if err := CheckFile(cut); err == nil || !strings.Contains(err.Error(), "cut short") {
		t.Errorf("CheckFile of half a store: %v", err)
	}
	if s, err := Open(cut, Options{}); err == nil || !strings.Contains(err.Error(), "cut short") {
		if s != nil {
			s.Close()
		}
		t.Errorf("Open of half a store: %v", err)
	}
	empty := filepath.Join(dir, "empty.db")
	if err := os.WriteFile(empty, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := CheckFile(empty); err == nil || !strings.Contains(err.Error(), "is empty") {
		t.Errorf("CheckFile of an empty file: %v", err)
	}
	if err := CheckFile(path); err != nil {
		t.Errorf("CheckFile of the whole store: %v", err)
	}
}
