package store

import (
	"fmt"
	"reflect"
	"slices"
	"sync"
	"testing"
	"time"
)

const day = 24 * time.Hour

// pruneArchive stores six stories of one outlet, one a day from t0, in
// overlapping categories:
//
//	0 Cầu Nậm Lang        day 0  thoi-su
//	1 Chợ phiên Đồng Văn   day 1  du-lich
//	2 Hoa tam giác mạch    day 2  du-lich thoi-su
//	3 Lễ hội Lồng Tồng     day 3  du-lich
//	4 Homestay Pả Vi       day 4  du-lich
//	5 Đường Hạnh Phúc      day 5  thoi-su
func pruneArchive(ts *testStore) []Incoming {
	const m = 24 * 60
	items := []Incoming{
		news("hg-0", "https://baohagiang.example.vn/cau-nam-lang", "Cầu Nậm Lang", 0, "thoi-su"),
		news("hg-1", "https://baohagiang.example.vn/cho-phien", "Chợ phiên Đồng Văn", 1*m, "du-lich"),
		news("hg-2", "https://baohagiang.example.vn/tam-giac-mach", "Hoa tam giác mạch", 2*m, "du-lich", "thoi-su"),
		news("hg-3", "https://baohagiang.example.vn/long-tong", "Lễ hội Lồng Tồng", 3*m, "du-lich"),
		news("hg-4", "https://baohagiang.example.vn/pa-vi", "Homestay Pả Vi", 4*m, "du-lich"),
		news("hg-5", "https://baohagiang.example.vn/hanh-phuc", "Đường Hạnh Phúc", 5*m, "thoi-su"),
	}
	ts.apply("baohagiang", t0.Add(6*day), items...)
	return items
}

func TestPrune(t *testing.T) {
	tests := []struct {
		name   string
		policy Policy
		want   map[string][]string // category → titles kept, newest first
		res    PruneResult
	}{
		{
			name:   "by age",
			policy: Policy{MaxAge: 3*day + 12*time.Hour},
			want: map[string][]string{
				AllCategory: {"Đường Hạnh Phúc", "Homestay Pả Vi", "Lễ hội Lồng Tồng"},
				"du-lich":   {"Homestay Pả Vi", "Lễ hội Lồng Tồng"},
				"thoi-su":   {"Đường Hạnh Phúc"},
			},
			res: PruneResult{Removed: 3, Aged: 3, TombstonesAdded: 6, Transactions: 1},
		},
		{
			// Hoa tam giác mạch leaves du-lich but stays in thoi-su; Cầu
			// Nậm Lang and Chợ phiên leave their only category and go.
			name:   "per category",
			policy: Policy{PerCategory: 2},
			want: map[string][]string{
				AllCategory: {"Đường Hạnh Phúc", "Homestay Pả Vi", "Lễ hội Lồng Tồng", "Hoa tam giác mạch"},
				"du-lich":   {"Homestay Pả Vi", "Lễ hội Lồng Tồng"},
				"thoi-su":   {"Đường Hạnh Phúc", "Hoa tam giác mạch"},
			},
			res: PruneResult{Removed: 2, LeftCategory: 3, TombstonesAdded: 4, Transactions: 2},
		},
		{
			name:   "age, then count",
			policy: Policy{MaxAge: 4*day + 12*time.Hour, PerCategory: 1},
			want: map[string][]string{
				AllCategory: {"Đường Hạnh Phúc", "Homestay Pả Vi"},
				"du-lich":   {"Homestay Pả Vi"},
				"thoi-su":   {"Đường Hạnh Phúc"},
			},
			res: PruneResult{Removed: 4, Aged: 2, LeftCategory: 3, TombstonesAdded: 8, Transactions: 3},
		},
		{
			name:   "in transactions of one story",
			policy: Policy{MaxAge: 3*day + 12*time.Hour, Batch: 1},
			want: map[string][]string{
				AllCategory: {"Đường Hạnh Phúc", "Homestay Pả Vi", "Lễ hội Lồng Tồng"},
				"du-lich":   {"Homestay Pả Vi", "Lễ hội Lồng Tồng"},
				"thoi-su":   {"Đường Hạnh Phúc"},
			},
			res: PruneResult{Removed: 3, Aged: 3, TombstonesAdded: 6, Transactions: 3},
		},
		{
			name:   "nothing old enough",
			policy: Policy{MaxAge: 30 * day, PerCategory: 10},
			want: map[string][]string{
				AllCategory: {"Đường Hạnh Phúc", "Homestay Pả Vi", "Lễ hội Lồng Tồng", "Hoa tam giác mạch", "Chợ phiên Đồng Văn", "Cầu Nậm Lang"},
			},
		},
		{
			name: "no policy keeps everything",
			want: map[string][]string{
				AllCategory: {"Đường Hạnh Phúc", "Homestay Pả Vi", "Lễ hội Lồng Tồng", "Hoa tam giác mạch", "Chợ phiên Đồng Văn", "Cầu Nậm Lang"},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts := newTestStore(t)
			pruneArchive(ts)
			v := ts.Version()
			now := t0.Add(6 * day)
			res, err := ts.Prune(t.Context(), now, tt.policy)
			if err != nil {
				t.Fatal(err)
			}
			if res != tt.res {
				t.Errorf("Prune = %+v, want %+v", res, tt.res)
			}
			for cat, want := range tt.want {
				if got := titles(ts.all(cat, 2)); !slices.Equal(got, want) {
					t.Errorf("%s after prune = %q, want %q", cat, got, want)
				}
			}
			for _, st := range ts.all(AllCategory, 10) {
				for _, c := range st.Categories {
					if !slices.Contains(tt.want[c], st.Title) && tt.want[c] != nil {
						t.Errorf("%s still lists category %s", st.Title, c)
					}
				}
			}
			if changed := ts.Version() != v; changed != (res.Removed+res.LeftCategory > 0) {
				t.Errorf("Version changed: %v, after %+v", changed, res)
			}
			rs, err := ts.RetentionStats()
			if err != nil {
				t.Fatal(err)
			}
			want := RetentionStats{Runs: 1, LastRun: now, Last: tt.res, Removed: tt.res.Removed,
				LeftCategory: tt.res.LeftCategory, Tombstones: tt.res.TombstonesAdded}
			if !rs.LastRun.Equal(now) {
				t.Errorf("LastRun = %v, want %v", rs.LastRun, now)
			}
			rs.LastRun = want.LastRun
			if rs != want {
				t.Errorf("RetentionStats = %+v, want %+v", rs, want)
			}
		})
	}
}

// TestTombstones checks that an outlet still listing a deleted story does
// not bring it back, under its GUID nor under its link, until the tombstones
// are forgotten.
func TestTombstones(t *testing.T) {
	ts := newTestStore(t)
	items := pruneArchive(ts)
	now := t0.Add(6 * day)
	if _, err := ts.Prune(t.Context(), now, Policy{MaxAge: 4*day + 12*time.Hour, TombstoneAge: 20 * day}); err != nil {
		t.Fatal(err)
	}
	old := items[:2]
	kept := len(ts.all(AllCategory, 10))

	// Another outlet's copy under the same canonical link, another GUID.
	sameLink := old[0]
	sameLink.Item.GUID = "vov-cau-nam-lang"
	// Another outlet whose GUID happens to equal a deleted one: GUIDs are
	// known within their source only.
	sameGUID := news("hg-1", "https://vov.example.vn/cho-phien-khac", "Chợ phiên Mèo Vạc", 5*24*60, "du-lich")
	// The outlet edited an old item: still expired.
	edited := old[1]
	edited.Item.Title += " (cập nhật)"

	steps := []struct {
		name   string
		source string
		at     time.Time
		items  []Incoming
		want   Result
	}{
		{"the outlet lists its old items", "baohagiang", now.Add(time.Hour), old, Result{Expired: 2}},
		{"the outlet edits one", "baohagiang", now.Add(2 * time.Hour), []Incoming{edited}, Result{Expired: 1}},
		{"another outlet, same link", "vov", now.Add(3 * time.Hour), []Incoming{sameLink}, Result{Expired: 1}},
		{"another outlet, same GUID", "vov", now.Add(4 * time.Hour), []Incoming{sameGUID}, Result{New: 1}},
	}
	for _, st := range steps {
		if got := ts.apply(st.source, st.at, st.items...); got != st.want {
			t.Errorf("%s: Apply = %+v, want %+v", st.name, got, st.want)
		}
	}
	if got := len(ts.all(AllCategory, 10)); got != kept+1 {
		t.Errorf("%d stories after re-listing, want %d", got, kept+1)
	}

	// Within the tombstones' age nothing is forgotten; after it, all are.
	res, err := ts.Prune(t.Context(), now.Add(19*day), Policy{MaxAge: 300 * day, TombstoneAge: 20 * day})
	if err != nil || res.TombstonesExpired != 0 {
		t.Fatalf("prune at 19 days = %+v, %v; want no tombstone forgotten", res, err)
	}
	res, err = ts.Prune(t.Context(), now.Add(21*day), Policy{MaxAge: 300 * day, TombstoneAge: 20 * day})
	if err != nil || res.TombstonesExpired != 4 {
		t.Fatalf("prune at 21 days = %+v, %v; want 4 tombstones forgotten", res, err)
	}
	if got := ts.apply("baohagiang", now.Add(22*day), old...); got != (Result{New: 2}) {
		t.Errorf("after the tombstones expired: Apply = %+v, want 2 new", got)
	}
	rs, err := ts.RetentionStats()
	if err != nil || rs.Runs != 3 || rs.Removed != 2 || rs.TombstonesExpired != 4 || rs.Tombstones != 0 {
		t.Errorf("RetentionStats = %+v, %v", rs, err)
	}
}

// TestPruneFingerprintsAndJoins deletes stories that were joined by text and
// by link across outlets, in small transactions; the invariant check on
// cleanup verifies that no band key, fingerprint record, GUID or link key is
// left behind.
func TestPruneFingerprintsAndJoins(t *testing.T) {
	ts := newTestStore(t)
	sy := newSynth()
	const n = 300
	for start := 0; start < n; start += 50 {
		var own, copies []Incoming
		for i := start; i < start+50; i++ {
			own = append(own, sy.item(i))
			if i%3 == 0 {
				c := sy.item(i)
				c.Item.GUID = fmt.Sprintf("vov-%d", i)
				c.Item.Link = fmt.Sprintf("https://vov.example.vn/%d.html", i)
				c.Key = c.Item.Link
				copies = append(copies, c)
			}
		}
		at := synthT0.Add(time.Duration(start+50) * 90 * time.Second)
		ts.apply("archive", at, own...)
		if r := ts.apply("vov", at, copies...); r.Joined != len(copies) {
			t.Fatalf("copies: %+v, want %d joined", r, len(copies))
		}
	}
	now := synthT0.Add(n * 90 * time.Second)
	res, err := ts.Prune(t.Context(), now, Policy{MaxAge: n / 2 * 90 * time.Second, Batch: 16})
	if err != nil {
		t.Fatal(err)
	}
	if res.Removed != n/2 || res.Transactions < n/2/16 {
		t.Errorf("Prune = %+v, want %d removed in at least %d transactions", res, n/2, n/2/16)
	}
	// Two keys per story (GUID, link), and two per joined copy.
	if want := n/2*2 + 2*(n/2/3); res.TombstonesAdded != want {
		t.Errorf("%d tombstones, want %d", res.TombstonesAdded, want)
	}
	// A copy of a deleted story under a new link is new: its old story and
	// fingerprints are gone, so it is not joined to a ghost.
	c := sy.item(0)
	c.Item.GUID, c.Item.Link, c.Key = "tt-0", "https://tt.example.vn/0.html", "https://tt.example.vn/0.html"
	if r := ts.apply("tt", now, c); r.New != 1 {
		t.Errorf("copy of a deleted story: %+v, want new", r)
	}
}

// TestPruneChangesNoGapNoRepeat follows a partner that pulls the change log
// in small pages while retention deletes stories, some of them ones the
// partner has not reached yet: every surviving story is delivered once, in
// order, and nothing deleted before the pull shows up.
func TestPruneChangesNoGapNoRepeat(t *testing.T) {
	ts := newTestStore(t)
	var items []Incoming
	for i := range 10 {
		items = append(items, news(fmt.Sprintf("hg-%d", i), fmt.Sprintf("https://baohagiang.example.vn/%d", i), fmt.Sprintf("Tin %d", i), i*60, "thoi-su"))
	}
	ts.apply("baohagiang", t0.Add(10*time.Hour), items...)

	// The partner has read up to Tin 4 when retention deletes Tin 0 to Tin 6.
	p, err := ts.Changes(AllCategory, 5, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	seen := titles(p.Stories)
	if _, err := ts.Prune(t.Context(), t0.Add(10*time.Hour), Policy{MaxAge: 3*time.Hour + 30*time.Minute}); err != nil {
		t.Fatal(err)
	}
	var more []Incoming
	for i := 10; i < 13; i++ {
		more = append(more, news(fmt.Sprintf("hg-%d", i), fmt.Sprintf("https://baohagiang.example.vn/%d", i), fmt.Sprintf("Tin %d", i), i*60, "thoi-su"))
	}
	ts.apply("baohagiang", t0.Add(13*time.Hour), more...)
	// An edit of a story that survived brings it again, once, in its new place.
	edit := items[8]
	edit.Item.Summary = "Bản cập nhật."
	ts.apply("baohagiang", t0.Add(13*time.Hour), edit)

	got, _ := ts.changes(AllCategory, p.Next, 2)
	seen = append(seen, titles(got)...)
	want := []string{"Tin 0", "Tin 1", "Tin 2", "Tin 3", "Tin 4", "Tin 7", "Tin 9", "Tin 10", "Tin 11", "Tin 12", "Tin 8"}
	if !slices.Equal(seen, want) {
		t.Errorf("partner saw %q, want %q", seen, want)
	}
	// A partner starting afresh sees only what is stored.
	fresh, _ := ts.changes(AllCategory, "", 3)
	if want := []string{"Tin 7", "Tin 9", "Tin 10", "Tin 11", "Tin 12", "Tin 8"}; !slices.Equal(titles(fresh), want) {
		t.Errorf("fresh partner saw %q, want %q", titles(fresh), want)
	}
}

// TestPruneWhileApplying runs retention in small transactions while an
// outlet keeps storing; with -race it checks the locking, and the invariant
// check on cleanup checks that the interleaving left every index whole.
func TestPruneWhileApplying(t *testing.T) {
	ts := newTestStore(t)
	const rounds = 40
	var wg sync.WaitGroup
	wg.Add(1)
	errs := make(chan error, 1)
	go func() {
		defer wg.Done()
		for r := range rounds {
			var doc []Incoming
			for i := range 10 {
				n := r*10 + i
				doc = append(doc, news(fmt.Sprintf("hg-%d", n), fmt.Sprintf("https://baohagiang.example.vn/%d", n),
					fmt.Sprintf("Tin %d", n), n*10, []string{"thoi-su", "du-lich"}[n%2]))
			}
			if _, err := ts.Apply("baohagiang", doc, t0.Add(time.Duration(r*100)*time.Minute)); err != nil {
				errs <- err
				return
			}
		}
	}()
	for r := range rounds {
		if _, err := ts.Prune(t.Context(), t0.Add(time.Duration(r*100)*time.Minute), Policy{MaxAge: 5 * time.Hour, PerCategory: 20, Batch: 7}); err != nil {
			t.Fatal(err)
		}
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		t.Fatal(err)
	}
	res, err := ts.Prune(t.Context(), t0.Add(rounds*100*time.Minute), Policy{MaxAge: 5 * time.Hour, PerCategory: 20, Batch: 7})
	if err != nil {
		t.Fatal(err)
	}
	for _, cat := range []string{"thoi-su", "du-lich"} {
		if got := len(ts.all(cat, 50)); got > 20 {
			t.Errorf("%s holds %d stories after the last prune (%+v), want at most 20", cat, got, res)
		}
	}
	for _, st := range ts.all(AllCategory, 50) {
		if st.SortTime.Before(t0.Add(rounds*100*time.Minute - 5*time.Hour)) {
			t.Errorf("%s (%s) outlived max_age", st.Title, st.SortTime)
		}
	}
}

// TestPruneKeepsUncategorised: a story routed to no category is in "all"
// only, and only its age can remove it.
func TestPruneKeepsUncategorised(t *testing.T) {
	ts := newTestStore(t)
	ts.apply("baohagiang", t0.Add(day),
		news("a", "https://baohagiang.example.vn/a", "Thông báo", 0),
		news("b", "https://baohagiang.example.vn/b", "Tin B", 1, "thoi-su"),
		news("c", "https://baohagiang.example.vn/c", "Tin C", 2, "thoi-su"))
	res, err := ts.Prune(t.Context(), t0.Add(day), Policy{PerCategory: 1})
	if err != nil {
		t.Fatal(err)
	}
	got := titles(ts.all(AllCategory, 10))
	if want := []string{"Tin C", "Thông báo"}; !slices.Equal(got, want) || res.Removed != 1 {
		t.Errorf("after prune %+v: %q, want %q", res, got, want)
	}
	if _, err := ts.Prune(t.Context(), t0.Add(3*day), Policy{MaxAge: day}); err != nil {
		t.Fatal(err)
	}
	if got := ts.all(AllCategory, 10); len(got) != 0 {
		t.Errorf("after max_age: %q, want none", titles(got))
	}
}

func TestDefaultTombstoneAge(t *testing.T) {
	for _, tt := range []struct{ maxAge, want time.Duration }{
		{0, 30 * day},
		{7 * day, 30 * day},
		{90 * day, 180 * day},
	} {
		if got := DefaultTombstoneAge(tt.maxAge); got != tt.want {
			t.Errorf("DefaultTombstoneAge(%s) = %s, want %s", tt.maxAge, got, tt.want)
		}
	}
}

// TestPruned: what retention changed is told by category, from any mark
// on: the categories stories left, and where a story trimmed out of one
// stays listed; a run that changes nothing moves no mark.
func TestPruned(t *testing.T) {
	ts := newTestStore(t)
	pruneArchive(ts)
	now := t0.Add(6 * day)
	prune := func(p Policy) {
		t.Helper()
		if _, err := ts.Prune(t.Context(), now, p); err != nil {
			t.Fatal(err)
		}
	}
	start := ts.PruneMark()
	prune(Policy{MaxAge: 5*day + 12*time.Hour}) // Cầu Nậm Lang
	aged, mark := ts.Pruned(start)
	if want := (Pruning{Left: []string{"thoi-su"}}); !reflect.DeepEqual(aged, want) {
		t.Errorf("Pruned after deleting a story of thoi-su = %+v, want %+v", aged, want)
	}
	// Chợ phiên Đồng Văn leaves du-lich, its only category, and Hoa tam
	// giác mạch leaves du-lich, staying in thoi-su.
	prune(Policy{PerCategory: 2})
	want := Pruning{Left: []string{"du-lich"}, Relisted: [][2]string{{"du-lich", "thoi-su"}}}
	if got, _ := ts.Pruned(mark); !reflect.DeepEqual(got, want) {
		t.Errorf("Pruned after trimming du-lich = %+v, want %+v", got, want)
	}
	all, mark := ts.Pruned(start)
	want.Left = []string{"du-lich", "thoi-su"}
	if !reflect.DeepEqual(all, want) {
		t.Errorf("Pruned over both runs = %+v, want %+v", all, want)
	}
	prune(Policy{PerCategory: 2})
	if got, next := ts.Pruned(mark); !reflect.DeepEqual(got, Pruning{}) || next != mark {
		t.Errorf("a run that changed nothing: Pruned = %+v, mark %d → %d", got, mark, next)
	}
}
