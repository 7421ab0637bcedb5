package store

import (
	"fmt"
	"testing"
	"time"
)

// benchDoc is one feed document of n new items; round makes every call's
// items new, so each iteration writes.
func benchDoc(round, n int) []Incoming {
	doc := make([]Incoming, n)
	for i := range doc {
		link := fmt.Sprintf("https://baohagiang.example/tin/%d-%d.html", round, i)
		doc[i] = news(fmt.Sprintf("hg-%d-%d", round, i), link, "Hà Giang: tin vắn số "+link, round*n+i, "thoi-su", "tin-tinh")
	}
	return doc
}

// BenchmarkApply compares storing a 50-item document in one transaction with
// storing it one item per transaction, each with its fsync.
func BenchmarkApply(b *testing.B) {
	const items = 50
	b.Run("one-tx-50-items", func(b *testing.B) {
		s := newTestStore(b)
		round := 0
		for b.Loop() {
			if _, err := s.Apply("baohagiang", benchDoc(round, items), t0); err != nil {
				b.Fatal(err)
			}
			round++
		}
	})
	b.Run("50-tx-1-item", func(b *testing.B) {
		s := newTestStore(b)
		round := 0
		for b.Loop() {
			for _, in := range benchDoc(round, items) {
				if _, err := s.Apply("baohagiang", []Incoming{in}, t0); err != nil {
					b.Fatal(err)
				}
			}
			round++
		}
	})
}

// BenchmarkLatest reads the newest page of 50 from 100,000 stories.
func BenchmarkLatest(b *testing.B) {
	s := newTestStore(b)
	// Filling is setup, not what is measured: skip its fsyncs.
	s.db.NoSync = true
	for round := range 100_000 / 1000 {
		if _, err := s.Apply("baohagiang", benchDoc(round, 1000), t0.Add(time.Duration(round)*time.Hour)); err != nil {
			b.Fatal(err)
		}
	}
	s.db.NoSync = false
	for _, cat := range []string{AllCategory, "thoi-su"} {
		b.Run(cat, func(b *testing.B) {
			for b.Loop() {
				p, err := s.Latest(cat, 50, "")
				if err != nil || len(p.Stories) != 50 {
					b.Fatalf("%d stories, %v", len(p.Stories), err)
				}
			}
		})
	}
}

// BenchmarkArchive reads archives of 250 stories from 100,000 stories in one
// category, against the newest page of 250 (Latest), the feed's own first
// page: a category's archive walks its whole index, keys alone, where "all"
// reads its stories by id.
func BenchmarkArchive(b *testing.B) {
	s := newTestStore(b)
	// Filling is setup, not what is measured: skip its fsyncs.
	s.db.NoSync = true
	const stories = 100_000
	for round := range stories / 1000 {
		if _, err := s.Apply("baohagiang", benchDoc(round, 1000), t0.Add(time.Duration(round)*time.Hour)); err != nil {
			b.Fatal(err)
		}
	}
	s.db.NoSync = false
	for _, cat := range []string{AllCategory, "thoi-su"} {
		b.Run(cat+"/latest-250", func(b *testing.B) {
			for b.Loop() {
				p, err := s.Latest(cat, ArchiveSpan, "")
				if err != nil || len(p.Stories) != ArchiveSpan {
					b.Fatalf("%d stories, %v", len(p.Stories), err)
				}
			}
		})
		for _, n := range []uint64{0, stories / ArchiveSpan / 2, stories/ArchiveSpan - 1} {
			b.Run(fmt.Sprintf("%s/archive-%d", cat, n), func(b *testing.B) {
				for b.Loop() {
					p, err := s.Archive(cat, n, 0)
					if err != nil || len(p.Stories) != ArchiveSpan {
						b.Fatalf("%d stories, %v", len(p.Stories), err)
					}
				}
			})
		}
	}
}
