package store

import (
	"errors"
	"fmt"
	"reflect"
	"unsafe"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
)

// bbolt keeps in memory, for every page allocated since the file was opened
// and not freed since, the transaction that allocated it (its free list's
// allocs map, bbolt v1.5). Pages that stay in use (a story's leaf that never
// changes again) keep their entry until Close: with a 2.7 GB store, 16 of a
// 40 MB heap, which under a memory limit makes the collector run some 40 %
// more often (BENCHMARKS.md, Polling).
//
// The entry serves one purpose: a page freed while an old reader is open
// may be reused early when every reader that could see it is gone, which
// needs the transaction that allocated it. Without an entry, bbolt frees the
// page as it frees any other, once no reader older than its release remains
// (its allocating transaction counts as unknown, txid 0). Forgetting entries
// is therefore always safe; what it costs is that a page written before the
// forgetting and freed during a long read (a backup) waits for the read to
// end before it is reused.
//
// So the store empties the map, inside a write transaction (bbolt's writer
// lock keeps its own writes away), whenever it holds more than
// allocsKeep entries. The map is private to bbolt and reached by
// reflection; TestForgetAllocations pins the layout, and a bbolt whose
// layout differs is left alone. The map is kept small: under a memory
// limit, its room is room the collector does not have.
const allocsKeep = 1 << 14 // 0.55 MB measured (1 << 16: 2.4 MB)

// pageAllocs is bbolt's map from page to allocating transaction, settable;
// the zero value stands for a bbolt whose layout this code does not know.
type pageAllocs struct{ m reflect.Value }

func findPageAllocs(db *bolt.DB) pageAllocs {
	fl := reflect.ValueOf(db).Elem().FieldByName("freelist")
	if fl.Kind() != reflect.Interface || fl.IsNil() {
		return pageAllocs{}
	}
	impl := fl.Elem() // *freelist.hashMap or *freelist.array
	if impl.Kind() != reflect.Pointer || impl.IsNil() || impl.Elem().Kind() != reflect.Struct {
		return pageAllocs{}
	}
	shared := impl.Elem().FieldByName("shared")
	if shared.Kind() != reflect.Pointer || shared.IsNil() || shared.Elem().Kind() != reflect.Struct {
		return pageAllocs{}
	}
	allocs := shared.Elem().FieldByName("allocs")
	if allocs.Kind() != reflect.Map || allocs.Type().Key().Kind() != reflect.Uint64 || allocs.Type().Elem().Kind() != reflect.Uint64 {
		return pageAllocs{}
	}
	return pageAllocs{m: reflect.NewAt(allocs.Type(), unsafe.Pointer(allocs.UnsafeAddr())).Elem()}
}

// len is how many pages the map holds; -1 when the layout is unknown.
func (a pageAllocs) len() int {
	if !a.m.IsValid() {
		return -1
	}
	return a.m.Len()
}

// forget replaces the map with an empty one, letting the old one's memory
// go; it must run inside a write transaction.
func (a pageAllocs) forget() {
	if a.m.IsValid() {
		a.m.Set(reflect.MakeMap(a.m.Type()))
	}
}

// trimAllocs forgets bbolt's page allocations when they have piled up; it
// must run inside a write transaction that has not committed yet.
func (s *Store) trimAllocs() {
	if s.allocs.len() <= s.allocsKeep {
		return
	}
	s.allocs.forget()
	s.allocsForgotten.Add(1)
}

// commit commits the write transaction tx, first forgetting bbolt's page
// allocations if they have piled up. A file at Options.MaxSize fails with
// ErrFull.
func (s *Store) commit(tx *bolt.Tx) error {
	s.trimAllocs()
	err := tx.Commit()
	if errors.Is(err, berrors.ErrMaxSizeReached) {
		err = fmt.Errorf("%w: %w", ErrFull, err)
	}
	return err
}
