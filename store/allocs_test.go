package store

import (
	"os"
	"testing"
	"time"
)

// TestForgetAllocations pins the bbolt layout allocs.go reaches into, and
// checks that a store whose record of page allocations is emptied again and
// again, also while a reader is open, stays whole and reuses its free pages.
func TestForgetAllocations(t *testing.T) {
	s := newTestStore(t)
	if n := s.allocs.len(); n < 0 {
		t.Fatal("bbolt's map of page allocations not found: its layout changed; update allocs.go")
	}
	for round := range 20 {
		s.apply("baohagiang", t0, benchDoc(round, 50)...)
	}
	filled := s.allocs.len()
	if filled == 0 {
		t.Fatal("no page allocations recorded after 20 writes: allocs.go reads the wrong map")
	}

	s.allocsKeep = 40 // every write below empties it
	fileSize := func() int64 {
		fi, err := os.Stat(s.Path())
		if err != nil {
			t.Fatal(err)
		}
		return fi.Size()
	}
	var sizes []int64
	for cycle := range 4 {
		// A reader open across part of the writes: pages they free must
		// wait for it, whether bbolt knows who allocated them or not.
		reader, err := s.db.Begin(false)
		if err != nil {
			t.Fatal(err)
		}
		for round := range 10 {
			s.apply("baohagiang", t0.Add(time.Duration(cycle)*time.Hour), benchDoc(1000*(cycle+1)+round, 50)...)
			if round == 4 {
				if err := reader.Rollback(); err != nil {
					t.Fatal(err)
				}
			}
		}
		res, err := s.Prune(t.Context(), t0.Add(400*day), Policy{MaxAge: day})
		if err != nil || res.Removed == 0 {
			t.Fatalf("cycle %d: Prune = %+v, %v", cycle, res, err)
		}
		sizes = append(sizes, fileSize())
	}
	if s.allocsForgotten.Load() == 0 {
		t.Fatal("the record of page allocations was never emptied")
	}
	// A write empties the record before it commits, so what the record
	// holds afterwards is at most what that commit allocated. (Comparing
	// with the count after the first 20 writes is not enough: the free
	// list hands out pages in map order, and one large commit can allocate
	// more than 20 small ones left.)
	pages := func() int64 { st := s.db.Stats(); return st.TxStats.GetPageCount() }
	s.allocsKeep = 0 // empty it whatever the last write left
	before := pages()
	s.apply("baohagiang", t0.Add(400*day), benchDoc(9000, 50)...)
	allocated := pages() - before
	if n := s.allocs.len(); int64(n) > allocated {
		t.Errorf("%d page allocations recorded after a write that allocated %d pages: the record was not emptied", n, allocated)
	}
	// Each cycle writes and deletes the same amount: once the first has
	// grown the file, freed pages are reused and it stops growing.
	if last, second := sizes[len(sizes)-1], sizes[1]; last > second {
		t.Errorf("file grew from %d to %d bytes over cycles that write and delete alike: free pages not reused (sizes %v)", second, last, sizes)
	}
}
