package store

import (
	"encoding/binary"
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// statsOf is Stats without the file size, which moves with every commit.
func (ts *testStore) statsOf() Stats {
	ts.t.Helper()
	st, err := ts.Stats()
	if err != nil {
		ts.t.Fatalf("Stats: %v", err)
	}
	st.FileSize, st.UsedBytes = 0, 0
	return st
}

// checkStats compares Stats with a walk of the indexes and of sources.
func (ts *testStore) checkStats(when string) Stats {
	ts.t.Helper()
	got := ts.statsOf()
	var want Stats
	err := ts.db.View(func(tx *bolt.Tx) error {
		var err error
		want, err = walkStats(tx)
		return err
	})
	if err != nil {
		ts.t.Fatal(err)
	}
	if !sameStats(got, want) {
		ts.t.Fatalf("%s: Stats = %+v, a walk finds %+v", when, got, want)
	}
	return got
}

func sameStats(a, b Stats) bool {
	return a.Stories == b.Stories && a.Sources == b.Sources && maps.Equal(a.Categories, b.Categories)
}

var (
	mixSources    = []string{"baohagiang", "vov", "ttxvn", "nhandan"}
	mixCategories = []string{"thoi-su", "kinh-te", "the-thao", "van-hoa", "giao-duc", "du-lich"}
	mixTitles     = []string{
		"Lũ quét tại huyện vùng cao, hàng chục hộ dân phải di dời",
		"Giá cà phê xuất khẩu tăng mạnh trong tuần đầu tháng",
		"Đội tuyển bóng chuyền nữ giành vé vào bán kết",
		"Lễ hội đền Hùng thu hút đông đảo du khách thập phương",
		"Học sinh miền núi đến trường bằng cầu treo mới",
		"Provincial authorities reopen the mountain pass after a landslide",
		"Rice exporters expect higher prices this season",
		"Ferry service resumes between the two islands",
	}
)

// mixItem is story n as source lists it: its own GUID, the link every
// source shares (so that a second source joins it), a title of edition ed
// and the categories cats.
func mixItem(source string, n, ed int, cats []string) Incoming {
	link := fmt.Sprintf("https://tin.example.vn/bai-%d.html", n)
	title := fmt.Sprintf("%s (%d)", mixTitles[n%len(mixTitles)], n)
	if ed > 0 {
		title += fmt.Sprintf(", cập nhật lần %d", ed)
	}
	return news(source+"-"+fmt.Sprint(n), link, title, n*10, cats...)
}

func randomCats(rng *rand.Rand) []string {
	var cats []string
	for range rng.IntN(3) {
		cats = append(cats, mixCategories[rng.IntN(len(mixCategories))])
	}
	return cats
}

// TestCountsRandomMix runs random documents (new stories, outlets' edits,
// the same story from several sources, re-listed deleted stories), retention
// runs by age and by count, source saves and failed documents, and after
// each compares Stats with a walk; then again after reopening the file.
func TestCountsRandomMix(t *testing.T) {
	for seed := range uint64(4) {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(seed, 3))
			path := filepath.Join(t.TempDir(), "newswire.db")
			ts := openTestStore(t, path, Options{})
			ts.checkStats("new store")
			editions := map[string]int{} // source + n → edition listed last
			next := 0                    // stories 0..next-1 have been listed
			var res Result
			var pruned PruneResult
			for step := range 120 {
				now := t0.Add(time.Duration(step) * time.Hour)
				switch r := rng.IntN(10); {
				case r < 6:
					source := mixSources[rng.IntN(len(mixSources))]
					var doc []Incoming
					for range 1 + rng.IntN(12) {
						n := rng.IntN(next + 4)
						next = max(next, n+1)
						k := source + fmt.Sprint(n)
						if rng.IntN(4) == 0 {
							editions[k]++
						}
						doc = append(doc, mixItem(source, n, editions[k], randomCats(rng)))
					}
					got := ts.apply(source, now, doc...)
					res.New += got.New
					res.Updated += got.Updated
					res.Joined += got.Joined
					res.Expired += got.Expired
				case r < 8:
					p := Policy{Batch: 1 + rng.IntN(6)}
					if rng.IntN(2) == 0 {
						p.MaxAge = time.Duration(2+rng.IntN(30)) * time.Hour
					} else {
						p.PerCategory = 1 + rng.IntN(15)
					}
					did, err := ts.Prune(t.Context(), now, p)
					if err != nil {
						t.Fatalf("step %d: Prune(%+v): %v", step, p, err)
					}
					pruned.add(did)
				case r < 9:
					var states []SourceState
					for range 1 + rng.IntN(4) {
						states = append(states, SourceState{ID: fmt.Sprintf("nguon-%d", rng.IntN(12)), LastPoll: now})
					}
					var err error
					if len(states) == 1 {
						err = ts.SaveSource(states[0])
					} else {
						err = ts.SaveSources(states)
					}
					if err != nil {
						t.Fatalf("step %d: save sources: %v", step, err)
					}
				default:
					before := ts.statsOf()
					doc := []Incoming{mixItem("vov", next, 0, []string{"thoi-su", "tam-thoi"}), tooLongGUID(next + 1)}
					next += 2
					if _, err := ts.Apply("vov", doc, now); err == nil {
						t.Fatalf("step %d: Apply of an item with a %d-byte GUID succeeded", step, len(doc[1].Item.GUID))
					}
					if got := ts.statsOf(); !sameStats(got, before) {
						t.Fatalf("step %d: failed Apply changed Stats from %+v to %+v", step, before, got)
					}
				}
				ts.checkStats(fmt.Sprintf("step %d", step))
			}
			if res.New == 0 || res.Updated == 0 || res.Joined == 0 || res.Expired == 0 || pruned.Removed == 0 || pruned.LeftCategory == 0 {
				t.Fatalf("the mix missed a case: applied %+v, pruned %+v", res, pruned)
			}
			before := ts.checkStats("end")
			ts.close()

			ts = openTestStore(t, path, Options{})
			if got := ts.checkStats("reopened"); !sameStats(got, before) {
				t.Errorf("reopened: Stats = %+v, before closing %+v", got, before)
			}
		})
	}
}

// tooLongGUID is an item whose GUID key is past bbolt's key size: storing
// it fails after its index keys are written, in a category of its own.
func tooLongGUID(n int) Incoming {
	in := news(strings.Repeat("g", bolt.MaxKeySize+1), fmt.Sprintf("https://tin.example.vn/dai-%d.html", n),
		"Thông cáo báo chí có mã định danh quá dài", n*10, "tam-thoi")
	return in
}

// TestCountsFailedApply: a document that fails halfway, and one whose
// commit fails on the size cap, leave the counts as they were, and a
// category only the failed document had does not appear.
func TestCountsFailedApply(t *testing.T) {
	ts := openTestStore(t, filepath.Join(t.TempDir(), "newswire.db"), Options{MaxSize: 1 << 20})
	ts.apply("baohagiang", t0, mixItem("baohagiang", 1, 0, []string{"thoi-su"}), mixItem("baohagiang", 2, 0, nil))
	before := ts.checkStats("before")

	doc := []Incoming{mixItem("baohagiang", 3, 0, []string{"thoi-su", "kinh-te"}), tooLongGUID(4)}
	if _, err := ts.Apply("baohagiang", doc, t0); err == nil {
		t.Fatal("Apply of an item with a too long GUID succeeded")
	}
	got := ts.checkStats("after a failed item")
	if !sameStats(got, before) {
		t.Errorf("after a failed item: Stats = %+v, want %+v", got, before)
	}
	if _, ok := got.Categories["tam-thoi"]; ok {
		t.Error("a category of the failed document appears in Stats")
	}

	big := mixItem("baohagiang", 5, 0, []string{"van-hoa"})
	big.Item.ContentHTML = strings.Repeat("<p>Toàn văn bài phát biểu tại hội nghị tổng kết năm.</p>", 40_000)
	_, err := ts.Apply("baohagiang", []Incoming{big}, t0)
	if !errors.Is(err, ErrFull) {
		t.Fatalf("Apply of a 2 MB story under a 1 MiB cap = %v, want ErrFull", err)
	}
	if got := ts.checkStats("after a failed commit"); !sameStats(got, before) {
		t.Errorf("after a failed commit: Stats = %+v, want %+v", got, before)
	}
}

// TestStatsEmptyCategory: a category whose stories retention has all
// removed is still reported, with 0, as a walk of its empty index did.
func TestStatsEmptyCategory(t *testing.T) {
	ts := newTestStore(t)
	ts.apply("baohagiang", t0,
		mixItem("baohagiang", 1, 0, []string{"the-thao"}),
		mixItem("baohagiang", 2, 0, []string{"thoi-su"}))
	ts.apply("baohagiang", t0.Add(10*day), mixItem("baohagiang", 1440, 0, []string{"thoi-su"})) // published at t0 plus 10 days
	if _, err := ts.Prune(t.Context(), t0.Add(10*day), Policy{MaxAge: day}); err != nil {
		t.Fatal(err)
	}
	st := ts.checkStats("after prune")
	if n, ok := st.Categories["the-thao"]; !ok || n != 0 || st.Categories["thoi-su"] != 1 || st.Stories != 1 {
		t.Errorf("Stats = %+v, want the-thao at 0, thoi-su at 1, 1 story", st)
	}
}

// TestStatsNewStore: a new store counts nothing and reports no category.
func TestStatsNewStore(t *testing.T) {
	st := newTestStore(t).checkStats("new store")
	if st.Stories != 0 || st.Sources != 0 || len(st.Categories) != 0 {
		t.Errorf("Stats of a new store = %+v", st)
	}
}

// rewindCounts takes from a store what version 3 added: the counts.
func rewindCounts(tx *bolt.Tx) error {
	if err := tx.DeleteBucket(bucketCounts); err != nil {
		return fmt.Errorf("delete %s: %w", bucketCounts, err)
	}
	return tx.Bucket(bucketMeta).Delete(keySources)
}

// writeV2 writes a store as version 2 left it: stories in several
// categories, one category emptied by retention, saved sources, and no
// counts. It is made with this build and then rewound.
func writeV2(t *testing.T, path string) {
	t.Helper()
	ts := openTestStore(t, path, Options{})
	rng := rand.New(rand.NewPCG(7, 7))
	for i := range 60 {
		source := mixSources[i%len(mixSources)]
		ts.apply(source, t0.Add(day), mixItem(source, i/2, 0, randomCats(rng)))
	}
	ts.apply("vov", t0, mixItem("vov", 500, 0, []string{"tam-thoi"}))
	if _, err := ts.Prune(t.Context(), t0.Add(day), Policy{MaxAge: 20 * time.Hour}); err != nil {
		t.Fatal(err)
	}
	for i := range 7 {
		if err := ts.SaveSource(SourceState{ID: fmt.Sprintf("nguon-%d", i)}); err != nil {
			t.Fatal(err)
		}
	}
	ts.close()

	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	err = db.Update(func(tx *bolt.Tx) error {
		if err := tx.Bucket(bucketMeta).Put(keySchema, u64(2)); err != nil {
			return err
		}
		return rewindCounts(tx)
	})
	if err != nil {
		t.Fatalf("rewind to version 2: %v", err)
	}
}

// TestMigrateV2 opens a version-2 file: it reaches version 3 with counts
// equal to a walk, the emptied category at 0, and the counts kept from
// then on.
func TestMigrateV2(t *testing.T) {
	path := filepath.Join(t.TempDir(), "newswire.db")
	writeV2(t, path)
	if err := CheckFile(path); err != nil {
		t.Fatalf("CheckFile of a version-2 store: %v", err)
	}

	ts := openTestStore(t, path, Options{})
	if v := schemaOf(t, ts); v != schemaVersion {
		t.Fatalf("schema after Open = %d, want %d", v, schemaVersion)
	}
	st := ts.checkStats("migrated")
	if n, ok := st.Categories["tam-thoi"]; !ok || n != 0 || st.Stories == 0 || st.Sources != 7 {
		t.Errorf("Stats after migration = %+v, want stories, tam-thoi at 0 and 7 sources", st)
	}
	ts.apply("nhandan", t0.Add(day), mixItem("nhandan", 600, 0, []string{"tam-thoi", "giao-duc"}))
	if got := ts.checkStats("after a write"); got.Stories != st.Stories+1 || got.Categories["tam-thoi"] != 1 {
		t.Errorf("after one more story: Stats = %+v", got)
	}
	ts.close()

	// Opening again migrates nothing and changes nothing.
	ts = openTestStore(t, path, Options{})
	if v := schemaOf(t, ts); v != schemaVersion {
		t.Errorf("schema after second Open = %d", v)
	}
	ts.checkStats("reopened")
}

// TestStatsCountsOnly: Stats answers from the counts alone. With the
// counts set to values no walk would find, it reports them.
func TestStatsCountsOnly(t *testing.T) {
	ts := newTestStore(t)
	ts.apply("baohagiang", t0, mixItem("baohagiang", 1, 0, []string{"thoi-su"}))
	set := func(all, cat, sources uint64) {
		t.Helper()
		err := ts.db.Update(func(tx *bolt.Tx) error {
			counts := tx.Bucket(bucketCounts)
			if err := counts.Put([]byte(AllCategory), binary.BigEndian.AppendUint64(nil, all)); err != nil {
				return err
			}
			if err := counts.Put([]byte("thoi-su"), binary.BigEndian.AppendUint64(nil, cat)); err != nil {
				return err
			}
			return tx.Bucket(bucketMeta).Put(keySources, binary.BigEndian.AppendUint64(nil, sources))
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	set(500_000, 120_000, 10_000)
	if st := ts.statsOf(); st.Stories != 500_000 || st.Categories["thoi-su"] != 120_000 || st.Sources != 10_000 {
		t.Errorf("Stats = %+v, want the counts as set", st)
	}
	set(1, 1, 0) // as they were, for the check on close
}
