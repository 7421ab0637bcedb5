//go:build linux

package store

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"newswire/feeds"
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

// TestApplyReleasesAfterOneStory checks that a write of a single new story
// leaves none of the file's pages resident: identifying it reads leaves all
// over the identity index, and a trickle of such writes would otherwise pile
// them up.
func TestApplyReleasesAfterOneStory(t *testing.T) {
	s := newTestStore(t)
	for b := range 40 {
		items := make([]Incoming, 0, 50)
		for i := range 50 {
			n := b*50 + i
			items = append(items, textItem(fmt.Sprintf("tin-%d", n),
				fmt.Sprintf("Xã %d hoàn thành đường giao thông nông thôn", n),
				fmt.Sprintf("Sau %d tháng thi công, tuyến đường dài %d km nối các thôn của xã đã thông xe, người dân góp %d ngày công.", n%12+1, n%9+2, n*3), n))
		}
		s.apply("baodiaphuong", t0, items...)
	}
	for id := range uint64(2000) { // one story at a time, which releases nothing
		s.story(id + 1)
	}
	if kb := mappedResidentKB(t, s.Path()); kb < 1024 {
		t.Fatalf("only %d kB of the file resident after reading 2000 stories", kb)
	}
	r := s.apply("baodiaphuong", t0, textItem("tin-moi", "Tỉnh khai trương bến xe khách mới ở phía nam thành phố",
		"Bến xe rộng 3 ha, phục vụ 40 tuyến liên tỉnh, thay cho bến cũ nằm giữa khu dân cư.", 3000))
	if r.New != 1 {
		t.Fatalf("apply: %+v", r)
	}
	// The write right after the 40 documents is released at the end of
	// the gap, and none of its pages stay.
	time.Sleep(releaseGap + 200*time.Millisecond)
	if kb := mappedResidentKB(t, s.Path()); kb != 0 {
		t.Errorf("%d kB of the file resident a second after storing one story, want 0", kb)
	}
}

// TestSaveSourcesReleases checks that saving many source states, as the
// poller's flush does, leaves none of the file's pages resident.
func TestSaveSourcesReleases(t *testing.T) {
	s := newTestStore(t)
	states := make([]SourceState, 2000)
	for i := range states {
		states[i] = SourceState{ID: fmt.Sprintf("nguon-%04d", i), LastResult: "not-modified", ETag: fmt.Sprintf(`"%x"`, i*7919)}
	}
	if err := s.SaveSources(states); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Sources(); err != nil { // touch every page
		t.Fatal(err)
	}
	if kb := mappedResidentKB(t, s.Path()); kb == 0 {
		t.Fatal("nothing of the file resident after reading 2000 states")
	}
	if err := s.SaveSources(states); err != nil {
		t.Fatal(err)
	}
	if kb := mappedResidentKB(t, s.Path()); kb != 0 {
		t.Errorf("%d kB of the file resident after saving 2000 states, want 0", kb)
	}
}

// TestReadsRelease checks that reading a feed's worth of stories, by page,
// by change or all of them, leaves none of the file's pages resident, and
// that reading one story leaves its pages.
func TestReadsRelease(t *testing.T) {
	s := newTestStore(t)
	applyNews(s, 1000)
	for _, read := range []struct {
		name string
		fn   func() error
	}{
		{"Latest", func() error { _, err := s.Latest(AllCategory, 300, ""); return err }},
		{"Changes", func() error { _, err := s.Changes(AllCategory, 300, "", nil); return err }},
		{"ForEach", func() error { return s.ForEach(func(feeds.Story) error { return nil }) }},
	} {
		for id := range uint64(1000) {
			s.story(id + 1)
		}
		if kb := mappedResidentKB(t, s.Path()); kb == 0 {
			t.Fatalf("%s: nothing resident after reading stories one by one", read.name)
		}
		if err := read.fn(); err != nil {
			t.Fatalf("%s: %v", read.name, err)
		}
		if kb := mappedResidentKB(t, s.Path()); kb != 0 {
			t.Errorf("%s: %d kB of the file resident after the read, want 0", read.name, kb)
		}
	}
}

// TestOpenReleases checks that opening a store, which reads every page to
// rebuild bbolt's free list, leaves none of them resident.
func TestOpenReleases(t *testing.T) {
	path := filepath.Join(t.TempDir(), "newswire.db")
	s := openTestStore(t, path, Options{})
	applyNews(s, 1000)
	s.close()
	st, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if kb := mappedResidentKB(t, path); kb != 0 {
		t.Errorf("%d kB of the file resident after Open, want 0", kb)
	}
}

// applyNews stores n stories of one source, in one document.
func applyNews(s *testStore, n int) {
	items := make([]Incoming, 0, n)
	for i := range n {
		link := fmt.Sprintf("https://baotinh.example.vn/tin/%d.html", i)
		items = append(items, news(link, link, fmt.Sprintf("Huyện %d khởi công trường học mới", i), i, "thoi-su"))
	}
	s.apply("baotinh", t0, items...)
}

// TestLongReadsReleaseAsTheyGo checks that a read of hundreds of stories
// releases the mapped pages every releaseAfterRead stories, not only at its
// end: a 300-story feed would otherwise map some 20 MB before the release.
func TestLongReadsReleaseAsTheyGo(t *testing.T) {
	s := newTestStore(t)
	applyNews(s, 1000)
	for _, read := range []struct {
		name string
		fn   func() (int, error)
	}{
		{"Latest", func() (int, error) { p, err := s.Latest(AllCategory, 300, ""); return len(p.Stories), err }},
		{"Changes", func() (int, error) { p, err := s.Changes(AllCategory, 300, "", nil); return len(p.Stories), err }},
	} {
		before := s.releases.Load()
		n, err := read.fn()
		if err != nil || n != 300 {
			t.Fatalf("%s: %d stories, %v", read.name, n, err)
		}
		// One release after every 50 stories, and one at the end for the
		// index page the cursor read after the last.
		if got, want := s.releases.Load()-before, int64(300/releaseAfterRead+1); got != want {
			t.Errorf("%s of 300 stories released %d times, want %d", read.name, got, want)
		}
	}
	before := s.releases.Load()
	if p, err := s.Latest(AllCategory, releaseAfterRead-1, ""); err != nil || len(p.Stories) != releaseAfterRead-1 {
		t.Fatalf("Latest: %d stories, %v", len(p.Stories), err)
	}
	if got := s.releases.Load() - before; got != 0 {
		t.Errorf("a read of %d stories released %d times, want none", releaseAfterRead-1, got)
	}
}
