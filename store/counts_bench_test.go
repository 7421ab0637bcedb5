package store

import (
	"fmt"
	"os"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// walkedStats is Stats as it was before the counts: the same transaction
// and file size, with every index and sources walked.
func (s *Store) walkedStats() (Stats, error) {
	var st Stats
	err := s.db.View(func(tx *bolt.Tx) error {
		var err error
		st, err = walkStats(tx)
		return err
	})
	if err != nil {
		return Stats{}, err
	}
	fi, err := os.Stat(s.path)
	if err != nil {
		return Stats{}, err
	}
	st.FileSize = fi.Size()
	return st, nil
}

// fillStats stores n stories of eight outlets, each in one or two of six
// categories, in transactions of 1,000 without fsync, and saves sources
// states.
func fillStats(b *testing.B, ts *testStore, n, sources int) {
	b.Helper()
	ts.db.NoSync = true
	defer func() { ts.db.NoSync = false }()
	const batch = 1000
	for done := 0; done < n; done += batch {
		source := flowSources[(done/batch)%len(flowSources)]
		doc := make([]Incoming, 0, batch)
		for i := done; i < min(n, done+batch); i++ {
			cats := []string{flowCategories[i%len(flowCategories)]}
			if i%3 == 0 {
				cats = append(cats, flowCategories[(i/3)%len(flowCategories)])
			}
			link := fmt.Sprintf("https://%s.example.vn/tin/%d.html", source, i)
			doc = append(doc, news(link, link, mixTitles[i%len(mixTitles)], i, cats...))
		}
		if _, err := ts.Apply(source, doc, t0.Add(time.Duration(done+batch)*time.Minute)); err != nil {
			b.Fatal(err)
		}
	}
	states := make([]SourceState, sources)
	for i := range states {
		states[i] = SourceState{ID: fmt.Sprintf("nguon-%05d", i), LastResult: "ok"}
	}
	if err := ts.SaveSources(states); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkStats compares Stats, which reads the counts, with the walk of
// every index and of sources it replaced, on 50,000 stories and 10,000
// saved sources. resident-KiB is how much of the file one call brings back
// into the resident set after the store's mapped pages were released, as
// the daemon releases them between /metrics scrapes (Linux only).
func BenchmarkStats(b *testing.B) {
	const stories, sources = 50_000, 10_000
	ts := newTestStore(b)
	fillStats(b, ts, stories, sources)
	for _, bm := range []struct {
		name  string
		stats func() (Stats, error)
	}{
		{"counts", ts.Stats},
		{"walk", ts.walkedStats},
	} {
		b.Run(bm.name, func(b *testing.B) {
			check := func() {
				st, err := bm.stats()
				if err != nil || st.Stories != stories || st.Sources != sources || len(st.Categories) != len(flowCategories) {
					b.Fatalf("Stats = %+v, %v", st, err)
				}
			}
			kb, measured := residentAfterRelease(b, ts.Store, check)
			for b.Loop() {
				check()
			}
			// After the loop: its first iteration clears reported metrics.
			if measured {
				b.ReportMetric(float64(kb), "resident-KiB")
			}
		})
	}
}
