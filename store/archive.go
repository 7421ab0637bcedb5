package store

import (
	"cmp"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"

	bolt "go.etcd.io/bbolt"

	"newswire/feeds"
)

// Archives (RFC 5005 section 4) divide a category's stories by id, which the
// store hands out in the order stories arrive: archive n holds the stories
// whose ids are n*ArchiveSpan+1 to (n+1)*ArchiveSpan. A story never joins an
// archive once the store has handed out every id of its span (the archive
// is full), however old its date, so a full archive keeps its stories: only
// an edit of one of them, retention, or a reload that routes stories anew
// changes it.
//
//	tops  index name → the highest story id ever put in the index (8), then
//	                   the index's count when that was written (8)
//
// A category's top says which archive is its newest without walking its
// index. Every write that changes an index's count writes its top in the
// same transaction (tally.save); a top whose count is not the index's is
// one a build without tops left behind, and the index is walked instead.
// Retention never lowers a top: the newest archive it names may then hold
// nothing, and its links lead on to the older ones.
const ArchiveSpan = 250

var bucketTops = []byte("tops")

// ErrNoArchive means an archive asked for lies beyond every id handed out.
var ErrNoArchive = errors.New("store: no such archive")

// ArchivePage is one archive of a category.
type ArchivePage struct {
	Stories []feeds.Story // newest first, as Latest gives them
	// Prev is the nearest older archive holding a story of the category,
	// and Next the archive of the category's next story after those of
	// the page (for a snapshot, possibly its own archive); -1 when there
	// is none.
	Prev, Next int64
	// Full: every id of the archive's span has been handed out.
	Full bool
}

// ArchiveHead is a category's newest archive.
type ArchiveHead struct {
	N    uint64 // its number
	Top  uint64 // the highest story id of the category in it
	Full bool   // every id of its span has been handed out
}

// archiveOf is the archive a story id belongs to (ids start at 1).
func archiveOf(id uint64) uint64 { return (id - 1) / ArchiveSpan }

// NewestArchive returns the newest archive of category, or false when the
// category has never held a story.
func (s *Store) NewestArchive(category string) (ArchiveHead, bool, error) {
	var head ArchiveHead
	var ok bool
	err := s.view(func(tx *bolt.Tx) error {
		idx := tx.Bucket(bucketIndex).Bucket([]byte(category))
		if idx == nil {
			return nil
		}
		top, valid := readTop(tx, category)
		if !valid {
			top = walkTop(idx)
		}
		if top == 0 {
			return nil
		}
		n := archiveOf(top)
		head = ArchiveHead{N: n, Top: top, Full: tx.Bucket(bucketStories).Sequence() >= (n+1)*ArchiveSpan}
		ok = true
		return nil
	})
	if err != nil {
		return ArchiveHead{}, false, fmt.Errorf("store: newest archive of %s: %w", category, err)
	}
	return head, ok, nil
}

// Archive returns archive n of category: its stories with ids up to upto
// when upto is not 0 (a snapshot of an archive not yet full, which keeps
// its stories whatever joins the archive later). An archive beyond every id
// handed out, or an upto outside the archive, fails with ErrNoArchive.
func (s *Store) Archive(category string, n, upto uint64) (ArchivePage, error) {
	lo, hi := n*ArchiveSpan+1, (n+1)*ArchiveSpan
	if n > archiveOf(^uint64(0)) || upto != 0 && (upto < lo || upto > hi) {
		return ArchivePage{}, fmt.Errorf("store: archive %d of %s up to %d: %w", n, category, upto, ErrNoArchive)
	}
	last := hi
	if upto != 0 {
		last = upto
	}
	page := ArchivePage{Prev: -1, Next: -1}
	err := s.view(func(tx *bolt.Tx) error {
		stories := tx.Bucket(bucketStories)
		seq := stories.Sequence()
		if seq < lo || upto > seq {
			return ErrNoArchive
		}
		page.Full = seq >= hi
		idx := tx.Bucket(bucketIndex).Bucket([]byte(category))
		if idx == nil {
			return nil
		}
		var ids []uint64 // the archive's stories
		if category == AllCategory {
			// Every story is in "all": the stories are read by id.
			c := stories.Cursor()
			k, _ := c.Seek(u64(lo))
			for ; k != nil && binary.BigEndian.Uint64(k) <= last; k, _ = c.Next() {
				ids = append(ids, binary.BigEndian.Uint64(k))
			}
			if k, _ = c.Seek(u64(lo)); k == nil {
				k, _ = c.Last() // every story is older
			} else {
				k, _ = c.Prev()
			}
			if k != nil {
				page.Prev = int64(archiveOf(binary.BigEndian.Uint64(k)))
			}
			if k, _ := c.Seek(u64(last + 1)); k != nil {
				page.Next = int64(archiveOf(binary.BigEndian.Uint64(k)))
			}
		} else {
			// A category's index is in time order: it is walked whole,
			// keys alone, which is what an archive, asked for seldom
			// and cached, can afford.
			var below, above uint64
			c := idx.Cursor()
			for k, _ := c.First(); k != nil; k, _ = c.Next() {
				id := binary.BigEndian.Uint64(k[8:])
				switch {
				case id < lo:
					below = max(below, id)
				case id > last:
					if above == 0 || id < above {
						above = id
					}
				default:
					ids = append(ids, id)
				}
			}
			if below != 0 {
				page.Prev = int64(archiveOf(below))
			}
			if above != 0 {
				page.Next = int64(archiveOf(above))
			}
		}
		for _, id := range ids {
			st, err := getStory(stories, id)
			if err != nil {
				return fmt.Errorf("story %d: %w", id, err)
			}
			page.Stories = append(page.Stories, st)
			s.releaseRead(tx, len(page.Stories))
		}
		s.releaseReadDone(tx, len(page.Stories))
		return nil
	})
	if errors.Is(err, ErrNoArchive) {
		return ArchivePage{}, fmt.Errorf("store: archive %d of %s: %w", n, category, ErrNoArchive)
	}
	if err != nil {
		return ArchivePage{}, fmt.Errorf("store: archive %d of %s: %w", n, category, err)
	}
	// Newest first, as in every feed: by SortTime, then id.
	slices.SortFunc(page.Stories, func(a, b feeds.Story) int {
		if c := b.SortTime.Compare(a.SortTime); c != 0 {
			return c
		}
		return cmp.Compare(b.ID, a.ID)
	})
	return page, nil
}

// readTop is the top of index name, and whether it is still the index's:
// written with the count the index has now.
func readTop(tx *bolt.Tx, name string) (uint64, bool) {
	tops := tx.Bucket(bucketTops)
	if tops == nil {
		return 0, false
	}
	return decodeTop(tops.Get([]byte(name)), readCount(tx.Bucket(bucketCounts).Get([]byte(name))))
}

// decodeTop reads a top, and tells whether it was written with count, the
// count of its index.
func decodeTop(v []byte, count int) (uint64, bool) {
	if len(v) != 16 {
		return 0, false
	}
	return binary.BigEndian.Uint64(v), binary.BigEndian.Uint64(v[8:]) == uint64(count)
}

// walkTop is the highest story id in an index, read key by key.
func walkTop(idx *bolt.Bucket) uint64 {
	var top uint64
	if idx == nil {
		return 0
	}
	c := idx.Cursor()
	for k, _ := c.First(); k != nil; k, _ = c.Next() {
		top = max(top, binary.BigEndian.Uint64(k[8:]))
	}
	return top
}

// saveTop moves the top of index name on to put, the highest id a write put
// in it, once the write's count is saved; before is the count the index had
// before the write. A top missing, or not the index's, is walked for.
func saveTop(tx *bolt.Tx, name string, before int, put uint64) error {
	tops, err := tx.CreateBucketIfNotExists(bucketTops)
	if err != nil {
		return err
	}
	key := []byte(name)
	counts := tx.Bucket(bucketCounts)
	top, valid := decodeTop(tops.Get(key), before)
	if !valid {
		top = walkTop(tx.Bucket(bucketIndex).Bucket(key))
	}
	top = max(top, put)
	return tops.Put(key, binary.BigEndian.AppendUint64(u64(top), uint64(readCount(counts.Get(key)))))
}
