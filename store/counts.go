package store

import (
	"encoding/binary"
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// The counts Stats reads (package doc, Counts), so that it never walks an
// index: a walk reads every page of it, which on a store of hundreds of
// thousands of stories costs CPU and brings the whole index into the
// resident set at every /metrics scrape.
//
//	counts  index name (category, or "all")  → keys in that index (8)
//	meta    "sources"                         → keys in sources (8)
var (
	bucketCounts = []byte("counts")
	keySources   = []byte("sources")
)

// tally is what one write transaction adds to (and takes from) the
// category indexes, by index name, until save adds it to the counts in the
// same transaction. A name is present from its first change on, even when
// its changes add up to nothing, so that a new index gets its count. It also
// holds the highest story id the transaction put in each index, for the
// index's top (archive.go).
type tally struct {
	n   map[string]int
	top map[string]uint64
}

func newTally() tally { return tally{n: map[string]int{}, top: map[string]uint64{}} }

// put adds key to the index b named name, counting it if it is new.
func (t tally) put(b *bolt.Bucket, name string, key []byte) error {
	n := t.n[name]
	if b.Get(key) == nil {
		n++
	}
	t.n[name] = n
	if id := binary.BigEndian.Uint64(key[8:]); id > t.top[name] {
		t.top[name] = id
	}
	return b.Put(key, nil)
}

// delete removes key from the index b named name, counting it if it was
// there; a nil b (no such index) holds nothing.
func (t tally) delete(b *bolt.Bucket, name string, key []byte) error {
	if b == nil || b.Get(key) == nil {
		return nil
	}
	t.n[name]--
	return b.Delete(key)
}

// save adds the tally to the counts bucket of tx, and moves each index's
// top on with it.
func (t tally) save(tx *bolt.Tx) error {
	counts := tx.Bucket(bucketCounts)
	for name, d := range t.n {
		before := readCount(counts.Get([]byte(name)))
		if err := addCount(counts, []byte(name), d); err != nil {
			return fmt.Errorf("count of index %s: %w", name, err)
		}
		if err := saveTop(tx, name, before, t.top[name]); err != nil {
			return fmt.Errorf("top of index %s: %w", name, err)
		}
	}
	return nil
}

// addCount adds d to the count under key in b, creating it at d. A count
// never goes below zero: it is a statistic, and no write fails for it.
func addCount(b *bolt.Bucket, key []byte, d int) error {
	n := int64(readCount(b.Get(key))) + int64(d)
	return b.Put(key, u64(uint64(max(n, 0))))
}

// readCount decodes a count; a missing or malformed one is 0.
func readCount(v []byte) int {
	if len(v) != 8 {
		return 0
	}
	return int(binary.BigEndian.Uint64(v))
}

// addSources adds d to the count of saved sources.
func addSources(tx *bolt.Tx, d int) error {
	if d == 0 {
		return nil
	}
	if err := addCount(tx.Bucket(bucketMeta), keySources, d); err != nil {
		return fmt.Errorf("count of sources: %w", err)
	}
	return nil
}

// readCounts fills st's story, category and source counts from the
// counters of tx.
func readCounts(tx *bolt.Tx, st *Stats) error {
	counts := tx.Bucket(bucketCounts)
	if counts == nil {
		return fmt.Errorf("bucket %s missing: %w", bucketCounts, ErrSchema)
	}
	err := counts.ForEach(func(name, v []byte) error {
		if string(name) == AllCategory {
			st.Stories = readCount(v)
		} else {
			st.Categories[string(name)] = readCount(v)
		}
		return nil
	})
	if err != nil {
		return err
	}
	st.Sources = readCount(tx.Bucket(bucketMeta).Get(keySources))
	return nil
}

// migrateCounts brings a version-2 store to version 3: it counts the keys
// of every index and of sources once, by walking them, into the counters
// that every write keeps from then on.
func migrateCounts(tx *bolt.Tx) error {
	if tx.Bucket(bucketCounts) != nil {
		if err := tx.DeleteBucket(bucketCounts); err != nil {
			return fmt.Errorf("delete bucket %s: %w", bucketCounts, err)
		}
	}
	counts, err := tx.CreateBucket(bucketCounts)
	if err != nil {
		return fmt.Errorf("create bucket %s: %w", bucketCounts, err)
	}
	index := tx.Bucket(bucketIndex)
	err = index.ForEachBucket(func(name []byte) error {
		return counts.Put(name, u64(uint64(index.Bucket(name).Stats().KeyN)))
	})
	if err != nil {
		return fmt.Errorf("count index: %w", err)
	}
	n := tx.Bucket(bucketSources).Stats().KeyN
	if err := tx.Bucket(bucketMeta).Put(keySources, u64(uint64(n))); err != nil {
		return fmt.Errorf("count of sources: %w", err)
	}
	return nil
}
