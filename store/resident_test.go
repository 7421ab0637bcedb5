//go:build linux

package store

import (
	"bufio"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestReleaseMapped checks that the store's mapped pages leave the resident
// set and that the store still reads and writes afterwards.
func TestReleaseMapped(t *testing.T) {
	st, err := Open(filepath.Join(t.TempDir(), "newswire.db"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	for i := range 200 {
		if err := st.SaveSource(SourceState{ID: "nguon-" + strconv.Itoa(i), LastError: strings.Repeat("lỗi kết nối ", 200)}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := st.Sources(); err != nil { // touch every page
		t.Fatal(err)
	}
	before := mappedResidentKB(t, st.Path())
	if err := st.ReleaseMapped(); err != nil {
		t.Fatal(err)
	}
	after := mappedResidentKB(t, st.Path())
	if before == 0 || after >= before {
		t.Fatalf("resident pages of the store file: %d kB before, %d kB after", before, after)
	}
	all, err := st.Sources()
	if err != nil || len(all) != 200 {
		t.Fatalf("after release: %d sources, %v", len(all), err)
	}
}

// residentAfterRelease releases the store's mapped pages, runs fn, and
// returns the kB of the file that fn brought back into the resident set.
func residentAfterRelease(tb testing.TB, s *Store, fn func()) (kb int, ok bool) {
	tb.Helper()
	if err := s.ReleaseMapped(); err != nil {
		tb.Fatal(err)
	}
	before := mappedResidentKB(tb, s.Path())
	fn()
	return mappedResidentKB(tb, s.Path()) - before, true
}

// mappedResidentKB sums the Rss of the mappings of path in /proc/self/smaps.
func mappedResidentKB(t testing.TB, path string) int {
	t.Helper()
	abs, _ := filepath.Abs(path)
	f, err := os.Open("/proc/self/smaps")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	in, total := false, 0
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) >= 5 && strings.Contains(fields[0], "-") {
			in = len(fields) >= 6 && fields[5] == abs
			continue
		}
		if in && len(fields) >= 2 && fields[0] == "Rss:" {
			kb, _ := strconv.Atoi(fields[1])
			total += kb
		}
	}
	return total
}
