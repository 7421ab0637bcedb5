package store

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"newswire/feeds"
	"newswire/internal/farm"
	"newswire/internal/story"
)

// BenchmarkFarmStore measures what a changed feed costs the store at the
// size of the 10,000-feed farm, in process: it copies a store the farm left
// (NEWSWIRE_FARM_KEEP in internal/farm) and applies documents of one new
// story each, written as the farm writes its items, with fsync on and the
// mapped pages released after each write, as in the daemon. The documents
// arrive at random (exponential gaps), each in a goroutine of its own as a
// poll's would, at the rate of the farm's phase C (some 650 changed feeds a
// minute) and of its phase B (1 % of 10,000 a minute), with commit delays of
// 0, 100 ms and 500 ms (SetCommitDelay, groups going at 4 documents, as with
// the daemon's 8 workers). cpu-µs/doc is the process's CPU per document,
// pages/doc the pages its commits wrote, docs/commit how many shared one.
//
//	NEWSWIRE_FARM_STORE=/tmp/farmstore.db go test -run '^$' -bench FarmStore -benchtime 120x ./store
func BenchmarkFarmStore(b *testing.B) {
	src := os.Getenv("NEWSWIRE_FARM_STORE")
	if src == "" {
		b.Skip("set NEWSWIRE_FARM_STORE to a store the 10,000-feed farm kept (NEWSWIRE_FARM_KEEP)")
	}
	path := filepath.Join(b.TempDir(), "newswire.db")
	// CopyFile syncs the copy: the first fsync of the store would
	// otherwise write all its pages.
	if err := CopyFile(src, path); err != nil {
		b.Fatal(err)
	}
	st, err := Open(path, Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	page, err := st.Latest(AllCategory, 1, "")
	if err != nil || len(page.Stories) == 0 {
		b.Fatalf("newest story: %v, %d stories", err, len(page.Stories))
	}
	newest := page.Stories[0].Published
	const feeds = 10000
	n := 0
	rng := rand.New(rand.NewPCG(1, 2))
	for _, rate := range []float64{650.0 / 60, 100.0 / 60} {
		for _, delay := range []time.Duration{0, 100 * time.Millisecond, 500 * time.Millisecond} {
			b.Run(fmt.Sprintf("per-minute=%.0f/delay=%s", rate*60, delay), func(b *testing.B) {
				st.SetCommitDelay(delay, 4)
				ts := &testStore{Store: st, t: b}
				var wg sync.WaitGroup
				cpu0, writes0, tx0, docs := processCPU(), pagesWritten(st), ts.txID(), 0
				next := time.Now()
				for b.Loop() {
					time.Sleep(time.Until(next))
					next = next.Add(time.Duration(rng.ExpFloat64() / rate * float64(time.Second)))
					feed := (n * 7919) % feeds
					in := farmItem(feed, 1000+n, newest.Add(time.Duration(n)*time.Second))
					n++
					docs++
					wg.Go(func() {
						res, err := st.Apply(fmt.Sprintf("tin-%d", feed), []Incoming{in}, in.Item.Published)
						if err != nil || res.New+res.Joined != 1 {
							b.Errorf("Apply: %+v, %v", res, err)
						}
					})
				}
				wg.Wait()
				b.ReportMetric(float64(processCPU()-cpu0)/float64(time.Microsecond)/float64(docs), "cpu-µs/doc")
				b.ReportMetric(float64(pagesWritten(st)-writes0)/float64(docs), "pages/doc")
				b.ReportMetric(float64(docs)/float64(ts.txID()-tx0), "docs/commit")
			})
		}
	}
}

func pagesWritten(st *Store) int64 {
	stats := st.db.Stats()
	return stats.TxStats.GetWrite()
}

// farmItem is item n of farm feed i as the poller hands it to Apply.
func farmItem(i, n int, pub time.Time) Incoming {
	title, text := farm.Title(i, n), farm.Summary(i, n)
	link := fmt.Sprintf("http://tin%d.example/bai/%d.html", i, n)
	return Incoming{
		Item: feeds.Item{GUID: link, Link: link, Title: title, Summary: text, Published: pub, Language: "vi"},
		Key:  link, Categories: []string{"tin-tuc"},
		Doc: story.NewDoc(story.Input{Title: title, Text: text, Published: pub, Language: "vi"}),
	}
}
