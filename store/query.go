package store

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"

	bolt "go.etcd.io/bbolt"

	"newswire/feeds"
)

// DefaultLimit is the page size Latest uses when given none.
const DefaultLimit = 50

// forEachPage is how many stories ForEach reads per read transaction.
const forEachPage = 500

// Latest returns up to limit stories of category, newest first (by SortTime),
// starting after cursor; "" starts at the newest, and AllCategory covers
// every story. A category with no stories gives an empty page. A cursor
// that Latest did not hand out fails with ErrBadCursor.
func (s *Store) Latest(category string, limit int, cursor string) (Page, error) {
	if limit <= 0 {
		limit = DefaultLimit
	}
	var from []byte
	if cursor != "" {
		k, err := base64.RawURLEncoding.DecodeString(cursor)
		if err != nil || len(k) != 16 {
			return Page{}, fmt.Errorf("store: latest %s: cursor %q: %w", category, cursor, ErrBadCursor)
		}
		from = k
	}
	var page Page
	err := s.view(func(tx *bolt.Tx) error {
		idx := tx.Bucket(bucketIndex).Bucket([]byte(category))
		if idx == nil {
			return nil
		}
		stories := tx.Bucket(bucketStories)
		c := idx.Cursor()
		var k []byte
		switch {
		case from == nil:
			k, _ = c.Last()
		default:
			// Seek lands on the cursor's key, or on the next newer one if
			// that story is gone; either way the page starts just before.
			if k, _ = c.Seek(from); k == nil {
				k, _ = c.Last()
			} else {
				k, _ = c.Prev()
			}
		}
		var last []byte
		for ; k != nil && len(page.Stories) < limit; k, _ = c.Prev() {
			st, err := getStory(stories, binary.BigEndian.Uint64(k[8:]))
			if err != nil {
				return fmt.Errorf("index %s: %w", category, err)
			}
			page.Stories = append(page.Stories, st)
			last = k
			s.releaseRead(tx, len(page.Stories))
		}
		if k != nil {
			page.Next = base64.RawURLEncoding.EncodeToString(last)
		}
		s.releaseReadDone(tx, len(page.Stories))
		return nil
	})
	if err != nil {
		return Page{}, fmt.Errorf("store: latest %s: %w", category, err)
	}
	return page, nil
}

// Story returns the story with id, and false if there is none.
func (s *Store) Story(id uint64) (feeds.Story, bool, error) {
	var st feeds.Story
	err := s.view(func(tx *bolt.Tx) error {
		var err error
		st, err = getStory(tx.Bucket(bucketStories), id)
		return err
	})
	if errors.Is(err, ErrNotFound) {
		return feeds.Story{}, false, nil
	}
	if err != nil {
		return feeds.Story{}, false, fmt.Errorf("store: story %d: %w", id, err)
	}
	return st, true, nil
}

// releaseAfterRead is how many stories a read decodes between releases of
// the store's mapped pages (ReleaseMapped): the stories of a feed lie on pages
// scattered over the file, which would otherwise stay resident until the end
// of the read, and then until the poller's periodic release; where the kernel
// maps the pages around each one read (faults_linux.go), some 20 MB for a
// 300-story feed.
const releaseAfterRead = 50

// releaseRead releases the mapped pages under a read transaction after every
// releaseAfterRead stories it decoded; a read calls it with its count after
// each story. Decoded stories are copies, and the pages the cursor reads
// again come back from the page cache. A failed release fails no read: the
// pages stay resident until the next one.
func (s *Store) releaseRead(tx *bolt.Tx, stories int) {
	if stories%releaseAfterRead == 0 {
		_ = s.releaseTx(tx)
	}
}

// releaseReadDone releases, at the end of a read of stories stories long
// enough to release at all, what it mapped since its last release (its
// cursor moved on after the last story).
func (s *Store) releaseReadDone(tx *bolt.Tx, stories int) {
	if stories >= releaseAfterRead {
		_ = s.releaseTx(tx)
	}
}

// ForEach calls fn with every story, oldest id first. It reads a page of
// stories per short read transaction and calls fn outside it, so fn may take
// its time, or even Apply. It stops at fn's first error and returns it.
func (s *Store) ForEach(fn func(feeds.Story) error) error {
	var after []byte
	for {
		batch := make([]feeds.Story, 0, forEachPage)
		err := s.view(func(tx *bolt.Tx) error {
			c := tx.Bucket(bucketStories).Cursor()
			var k, v []byte
			if after == nil {
				k, v = c.First()
			} else if k, v = c.Seek(after); bytes.Equal(k, after) {
				k, v = c.Next()
			}
			for ; k != nil && len(batch) < forEachPage; k, v = c.Next() {
				st, err := decodeStory(k, v)
				if err != nil {
					return err
				}
				batch = append(batch, st)
				after = append(after[:0], k...)
			}
			_ = s.releaseTx(tx) // a walk of every story: see releaseRead
			return nil
		})
		if err != nil {
			return fmt.Errorf("store: for each story: %w", err)
		}
		for _, st := range batch {
			if err := fn(st); err != nil {
				return err
			}
		}
		if len(batch) < forEachPage {
			return nil
		}
	}
}

// SaveSource stores st under st.ID, replacing what was there.
func (s *Store) SaveSource(st SourceState) error {
	if st.ID == "" {
		return errors.New("store: save source: empty id")
	}
	v, err := json.Marshal(st)
	if err != nil {
		return fmt.Errorf("store: save source %s: %w", st.ID, err)
	}
	err = s.db.Update(func(tx *bolt.Tx) error { return putSource(tx, st.ID, v) })
	if err != nil {
		return fmt.Errorf("store: save source %s: %w", st.ID, err)
	}
	return nil
}

// putSource stores the encoded state v of source id in tx, counting a
// source saved for the first time.
func putSource(tx *bolt.Tx, id string, v []byte) error {
	b := tx.Bucket(bucketSources)
	if b.Get([]byte(id)) == nil {
		if err := addSources(tx, 1); err != nil {
			return err
		}
	}
	return b.Put([]byte(id), v)
}

// Source returns the saved state of source id, and false if there is none.
func (s *Store) Source(id string) (SourceState, bool, error) {
	var (
		st SourceState
		ok bool
	)
	err := s.view(func(tx *bolt.Tx) error {
		v := tx.Bucket(bucketSources).Get([]byte(id))
		if v == nil {
			return nil
		}
		ok = true
		return json.Unmarshal(v, &st)
	})
	if err != nil {
		return SourceState{}, false, fmt.Errorf("store: source %s: %w", id, err)
	}
	return st, ok, nil
}

// Sources returns every saved source state, by id.
func (s *Store) Sources() ([]SourceState, error) {
	var all []SourceState
	err := s.view(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketSources).ForEach(func(k, v []byte) error {
			var st SourceState
			if err := json.Unmarshal(v, &st); err != nil {
				return fmt.Errorf("source %s: %w", k, err)
			}
			all = append(all, st)
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("store: sources: %w", err)
	}
	return all, nil
}

// getStory decodes a story; decoding copies it out of the transaction.
func getStory(stories *bolt.Bucket, id uint64) (feeds.Story, error) {
	k := u64(id)
	v := stories.Get(k)
	if v == nil {
		return feeds.Story{}, fmt.Errorf("story %d: %w", id, ErrNotFound)
	}
	return decodeStory(k, v)
}

func decodeStory(k, v []byte) (feeds.Story, error) {
	var rec record
	if err := decodeRecord(v, &rec); err != nil {
		return feeds.Story{}, fmt.Errorf("story %d: %w", binary.BigEndian.Uint64(k), err)
	}
	return rec.Story, nil
}
