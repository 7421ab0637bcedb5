package store

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"time"

	bolt "go.etcd.io/bbolt"

	"newswire/feeds"
)

// The change log lets a partner pull "everything that changed since my last
// pull" without gaps or repeats:
//
//	changes    sequence (8)  → story id (8) [+ the sequence its categories' feeds gave it at (8)]
//	change_of  story id (8)  → its sequence (8)
//
// Every new story, every content update, every join (another outlet's
// credit, a category) and every story logged again (a new tag_authority, a
// category made public) takes the next sequence number, in the same write
// transaction as the change, and gives up its previous one. bbolt commits one writer at a time and a
// reader sees whole commits, so the numbers a reader sees are gapless up to
// the bucket's sequence: a cursor taken from one read is complete up to
// there, whatever is being written meanwhile. Numbers only grow, so a story
// changed again after a partner's cursor is delivered once, in its new place.
//
// A story logged again because a category made public brought it into
// "all" (logAgainForAll) keeps the sequence of its last change beside its
// id: the feeds of its own categories gave it then, and give it again only
// from a cursor before that, which has not had it. Every other entry is
// the id alone, and goes to every feed.
var (
	bucketChanges  = []byte("changes")
	bucketChangeOf = []byte("change_of")
)

// maxChangeScan bounds the log entries one Changes call reads, so that a
// category that rarely changes cannot make a partner's request read the
// whole log; the partner continues from the cursor it gets.
const maxChangeScan = 5000

// ChangePage is one slice of the change log.
type ChangePage struct {
	// Stories changed after the cursor, oldest change first.
	Stories []feeds.Story
	// Next is the cursor to pass next time; it equals the cursor given when
	// nothing changed.
	Next string
	// More reports that changes after Next already exist.
	More bool
}

// Changes returns up to limit stories of category (AllCategory: any) that
// were created or changed after cursor and that keep (nil: every story)
// accepts, oldest change first; a category's feed leaves out a story
// logged again for "all" alone (logAgainForAll) when cursor had it. The
// empty cursor starts before the first change. A cursor that Changes did
// not hand out, or one from ahead of this store (a store restored from an
// older backup), fails with ErrBadCursor. Stories deleted since they
// changed are left out.
func (s *Store) Changes(category string, limit int, cursor string, keep func(*feeds.Story) bool) (ChangePage, error) {
	if limit <= 0 {
		limit = DefaultLimit
	}
	var after uint64
	if cursor != "" {
		var ok bool
		if after, ok = parseCursor(cursor); !ok {
			return ChangePage{}, fmt.Errorf("store: changes %s: cursor %q: %w", category, cursor, ErrBadCursor)
		}
	}
	page := ChangePage{Next: cursor}
	err := s.view(func(tx *bolt.Tx) error {
		changes := tx.Bucket(bucketChanges)
		if changes == nil {
			if after > 0 {
				return fmt.Errorf("cursor %q is ahead of an empty log: %w", cursor, ErrBadCursor)
			}
			page.Next = ChangeCursor(0)
			return nil
		}
		head := changes.Sequence()
		if after > head {
			return fmt.Errorf("cursor %q is ahead of the log (at %d): %w", cursor, head, ErrBadCursor)
		}
		stories := tx.Bucket(bucketStories)
		c := changes.Cursor()
		last := after
		scanned := 0
		k, v := c.Seek(u64(after + 1))
		for ; k != nil && len(page.Stories) < limit && scanned < maxChangeScan; k, v = c.Next() {
			scanned++
			s.releaseRead(tx, scanned)
			last = binary.BigEndian.Uint64(k)
			if category != AllCategory && len(v) == 16 && after >= binary.BigEndian.Uint64(v[8:]) {
				continue // logged again for "all" alone: this feed gave it to this cursor already
			}
			st, err := getStory(stories, binary.BigEndian.Uint64(v[:8]))
			if errors.Is(err, ErrNotFound) {
				continue // removed by retention after it changed
			}
			if err != nil {
				return err
			}
			if (category == AllCategory || slices.Contains(st.Categories, category)) && (keep == nil || keep(&st)) {
				page.Stories = append(page.Stories, st)
			}
		}
		if k == nil {
			last = head
		}
		page.More = k != nil
		page.Next = ChangeCursor(last)
		s.releaseReadDone(tx, scanned)
		return nil
	})
	if err != nil {
		return ChangePage{}, fmt.Errorf("store: changes %s: %w", category, err)
	}
	return page, nil
}

// ChangeCursor is the opaque cursor of sequence number seq; 0 is the start
// of the log.
func ChangeCursor(seq uint64) string {
	return base64.RawURLEncoding.EncodeToString(u64(seq))
}

// parseCursor reads the sequence number ChangeCursor wrote; ok is false
// for anything it cannot have written.
func parseCursor(cursor string) (seq uint64, ok bool) {
	k, err := base64.RawURLEncoding.DecodeString(cursor)
	if err != nil || len(k) != 8 {
		return 0, false
	}
	return binary.BigEndian.Uint64(k), true
}

// Head returns the cursor of the newest change: a partner that passes it to
// Changes gets what changes after this call.
func (s *Store) Head() (string, error) {
	var head uint64
	err := s.view(func(tx *bolt.Tx) error {
		if b := tx.Bucket(bucketChanges); b != nil {
			head = b.Sequence()
		}
		return nil
	})
	if err != nil {
		return "", fmt.Errorf("store: change head: %w", err)
	}
	return ChangeCursor(head), nil
}

// logChange gives story id the next sequence number in the change log of
// tx, dropping the number it had.
func logChange(tx *bolt.Tx, id uint64) error { return logStory(tx, id, false) }

// logAgainForAll gives story id the next sequence number in the change log
// of tx for the "all" feed alone, which has not given it (it was only in
// partners-only categories): the feeds of its categories gave it at its
// last change, and give it again only from a cursor before that one, where
// it no longer is.
func logAgainForAll(tx *bolt.Tx, id uint64) error { return logStory(tx, id, true) }

func logStory(tx *bolt.Tx, id uint64, forAll bool) error {
	changes, of, err := changeBuckets(tx)
	if err != nil {
		return fmt.Errorf("change log: %w", err)
	}
	changes.FillPercent = appendFill
	key := u64(id)
	value := key
	if old := of.Get(key); old != nil {
		if forAll {
			given := old
			if v := changes.Get(old); len(v) == 16 {
				given = v[8:] // logged again already: the feeds gave it before that
			}
			value = append(bytes.Clone(key), given...)
		}
		if err := changes.Delete(old); err != nil {
			return fmt.Errorf("change log: story %d: %w", id, err)
		}
	}
	seq, err := changes.NextSequence()
	if err != nil {
		return fmt.Errorf("change log: story %d: %w", id, err)
	}
	if err := changes.Put(u64(seq), value); err != nil {
		return fmt.Errorf("change log: story %d: %w", id, err)
	}
	if err := of.Put(key, u64(seq)); err != nil {
		return fmt.Errorf("change log: story %d: %w", id, err)
	}
	return nil
}

// changeBuckets returns the change log's buckets, creating them on a store
// written before the log existed; its stories are then logged in id order,
// so that a partner starting from the empty cursor gets them all.
func changeBuckets(tx *bolt.Tx) (changes, of *bolt.Bucket, err error) {
	if changes, of = tx.Bucket(bucketChanges), tx.Bucket(bucketChangeOf); changes != nil && of != nil {
		return changes, of, nil
	}
	if changes, err = tx.CreateBucketIfNotExists(bucketChanges); err != nil {
		return nil, nil, err
	}
	if of, err = tx.CreateBucketIfNotExists(bucketChangeOf); err != nil {
		return nil, nil, err
	}
	c := tx.Bucket(bucketStories).Cursor()
	for k, _ := c.First(); k != nil; k, _ = c.Next() {
		if of.Get(k) != nil {
			continue
		}
		seq, err := changes.NextSequence()
		if err != nil {
			return nil, nil, err
		}
		if err := changes.Put(u64(seq), append([]byte(nil), k...)); err != nil {
			return nil, nil, err
		}
		if err := of.Put(append([]byte(nil), k...), u64(seq)); err != nil {
			return nil, nil, err
		}
	}
	return changes, of, nil
}

// logIfChanged logs a change of rec when its content (Updated) or its
// categories moved since updated and cats were read: a partner gets an edited
// story again, and a story that joins a category reaches that category's
// partners. (A new outlet crediting the story is logged by join.)
func (w *writer) logIfChanged(rec *record, updated time.Time, cats int) error {
	if rec.Story.Updated.Equal(updated) && len(rec.Story.Categories) == cats {
		return nil
	}
	return logChange(w.stories.Tx(), rec.Story.ID)
}
