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

// fillTextStories stores 2000 stories of one source, in documents of 50.
func fillTextStories(s *testStore) {
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
}

// TestApplyReleasesPastBudget checks that a write of a single new story
// releases the file's pages when they have grown past the budget since the
// last release: identifying it reads leaves all over the identity index, and
// a trickle of such writes would otherwise pile them up.
func TestApplyReleasesPastBudget(t *testing.T) {
	s := newTestStore(t)
	fillTextStories(s)
	for id := range uint64(2000) { // one story at a time, which releases nothing
		s.story(id + 1)
	}
	kb := mappedResidentKB(t, s.Path())
	if kb < 1024 {
		t.Fatalf("only %d kB of the file resident after reading 2000 stories", kb)
	}
	s.mappedBudget = int64(kb) << 10 / 2
	r := s.apply("baodiaphuong", t0, textItem("tin-moi", "Tỉnh khai trương bến xe khách mới ở phía nam thành phố",
		"Bến xe rộng 3 ha, phục vụ 40 tuyến liên tỉnh, thay cho bến cũ nằm giữa khu dân cư.", 3000))
	if r.New != 1 {
		t.Fatalf("apply: %+v", r)
	}
	if kb := mappedResidentKB(t, s.Path()); kb != 0 {
		t.Errorf("%d kB of the file resident after storing one story past the budget, want 0", kb)
	}
}

// TestTrickleStaysWithinBudget checks that single new stories, one write
// each, release the mapped pages only when they have grown past the budget:
// never under a budget larger than the file, after every write under none,
// and under a budget of one write often enough that the file's resident
// pages stay under it plus what two writes map. Each release costs the next
// write the faults of every page it reads again.
func TestTrickleStaysWithinBudget(t *testing.T) {
	s := newTestStore(t)
	if s.meter == nil {
		t.Skip("no /proc/self/statm")
	}
	fillTextStories(s)
	n := 3000
	write := func() int { // kB of the file it left resident
		before := mappedResidentKB(t, s.Path())
		n++
		s.apply("baodiaphuong", t0, textItem(fmt.Sprintf("tin-moi-%d", n), fmt.Sprintf("Huyện %d mở lớp dạy nghề cho thanh niên", n),
			fmt.Sprintf("Lớp học nghề thứ %d kéo dài %d tháng, học viên được hỗ trợ tiền ăn và đi lại.", n, n%5+2), n))
		return mappedResidentKB(t, s.Path()) - before
	}
	const stories = 20
	trickle := func(budget int64) (releases int64, most int) {
		s.mappedBudget = budget
		before := s.releases.Load()
		for range stories {
			write()
			most = max(most, mappedResidentKB(t, s.Path()))
		}
		return s.releases.Load() - before, most
	}

	if err := s.ReleaseMapped(); err != nil {
		t.Fatal(err)
	}
	s.mappedBudget = 1 << 40
	one := write()
	if one <= 0 {
		t.Fatalf("a write of one story left %d kB of the file resident", one)
	}
	if released, _ := trickle(1 << 40); released != 0 {
		t.Errorf("under a budget larger than the file, %d writes released %d times", stories, released)
	}
	if released, _ := trickle(0); released < stories {
		t.Errorf("under no budget, %d writes released %d times", stories, released)
	}
	if kb := mappedResidentKB(t, s.Path()); kb != 0 {
		t.Errorf("under no budget, %d kB of the file resident after a write", kb)
	}
	released, most := trickle(int64(one) << 10)
	if released == 0 || most > 3*one {
		t.Errorf("under a budget of %d kB, %d writes released %d times and left up to %d kB of the file resident", one, stories, released, most)
	}
	t.Logf("one write maps %d kB; under a budget of one, %d writes released %d times, at most %d kB resident", one, stories, released, most)
}

// TestBulkWriteCommitsAsItGoes checks that a write of many new stories, a
// source's first document, commits and releases whenever its mapped pages
// pass the budget, and stores the document in one transaction under a budget
// it does not reach: fifty new stories of a large store map 150 MB, most of
// them again at the commit.
func TestBulkWriteCommitsAsItGoes(t *testing.T) {
	s := newTestStore(t)
	if s.meter == nil {
		t.Skip("no /proc/self/statm")
	}
	fillTextStories(s)
	doc := func(first int) []Incoming {
		items := make([]Incoming, 0, 100)
		for i := range 100 {
			n := first + i
			items = append(items, textItem(fmt.Sprintf("tin-dau-%d", n), fmt.Sprintf("Thôn %d đón nhận danh hiệu văn hóa", n),
				fmt.Sprintf("Sau %d năm xây dựng đời sống văn hóa, thôn có %d hộ gia đình văn hóa.", n%7+3, n%90+10), n))
		}
		return items
	}
	for _, c := range []struct {
		budget  int64
		commits func(uint64) bool
		want    string
	}{
		{1 << 40, func(n uint64) bool { return n == 1 }, "one"},
		{256 << 10, func(n uint64) bool { return n >= 5 }, "five or more"},
	} {
		s.mappedBudget = c.budget
		v := s.Version()
		if r := s.apply("baomoi", t0, doc(5000+int(v)*1000)...); r.New+r.Joined != 100 {
			t.Fatalf("budget %d kB: apply: %+v", c.budget>>10, r)
		}
		if n := s.Version() - v; !c.commits(n) {
			t.Errorf("a write of 100 new stories under a budget of %d kB committed %d times, want %s", c.budget>>10, n, c.want)
		}
	}
	if got := len(s.all(AllCategory, 500)); got < 2200 {
		t.Errorf("%d stories stored, want 2200", got)
	}
}

// TestSplitWriteFailsWhole checks what a failed item does to a document
// stored in several transactions: the items committed before it stay, Apply
// counts them with its error, and storing the document again finds them
// unchanged and stores the rest.
func TestSplitWriteFailsWhole(t *testing.T) {
	s := newTestStore(t)
	if s.meter == nil {
		t.Skip("no /proc/self/statm")
	}
	fillTextStories(s)
	s.mappedBudget = 0 // commit after every item
	var items []Incoming
	for i := range 6 {
		n := 7000 + i
		items = append(items, textItem(fmt.Sprintf("tin-loi-%d", n), fmt.Sprintf("Xã %d sửa chữa kênh mương trước mùa mưa", n),
			fmt.Sprintf("Kênh mương dài %d km được nạo vét, bảo đảm nước tưới cho %d ha lúa.", n%6+1, n%40+20), n))
	}
	bad := append(append(append([]Incoming{}, items[:4]...), tooLongGUID(7100)), items[4:]...)
	r, err := s.Apply("baodiaphuong", bad, t0)
	if err == nil {
		t.Fatal("Apply of a document with a too long GUID succeeded")
	}
	if r.New != 4 {
		t.Errorf("failed Apply counted %+v, want the 4 stories committed before the bad item", r)
	}
	r = s.apply("baodiaphuong", t0, items...)
	if r.New != 2 || r.Unchanged != 4 {
		t.Errorf("the document again: %+v, want 2 new and 4 unchanged", r)
	}
}

// TestSaveSourcesReleases checks that saving many source states, as the
// poller's flush does, releases the file's pages it mapped past the budget.
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
	s.mappedBudget = 0 // any growth: release
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
