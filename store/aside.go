package store

import (
	"encoding/binary"
	"errors"
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// bucketAside holds what a process set aside for the next one to open the
// file: one nested bucket per name, each with the id of the transaction
// that wrote it under keyAsideTx.
var (
	bucketAside = []byte("aside")
	keyAsideTx  = []byte("\x00tx")
)

// SaveAside replaces what is set aside under name with the pairs each puts,
// in one transaction. It is meant for a process about to close the store:
// the next one to open it can take them (TakeAside) only if nothing was
// written to the file in between. Keys must not start with a zero byte.
func (s *Store) SaveAside(name string, each func(put func(key, value []byte) error) error) error {
	err := s.db.Update(func(tx *bolt.Tx) error {
		aside, err := tx.CreateBucketIfNotExists(bucketAside)
		if err != nil {
			return err
		}
		if aside.Bucket([]byte(name)) != nil {
			if err := aside.DeleteBucket([]byte(name)); err != nil {
				return err
			}
		}
		b, err := aside.CreateBucket([]byte(name))
		if err != nil {
			return err
		}
		b.FillPercent = appendFill
		if err := b.Put(keyAsideTx, u64(uint64(tx.ID()))); err != nil {
			return err
		}
		return each(func(key, value []byte) error {
			if len(key) == 0 || key[0] == 0 {
				return fmt.Errorf("key %q: empty or starting with a zero byte", key)
			}
			return b.Put(key, value)
		})
	})
	if err != nil {
		return fmt.Errorf("store: set aside %s: %w", name, err)
	}
	return nil
}

// ErrAsideStale is TakeAside's answer when what was set aside is older than
// the file: something was written to it after, by this build or another.
var ErrAsideStale = errors.New("written to since it was set aside")

// TakeAside hands each pair set aside under name to each, and removes them,
// in one transaction; the slices are valid only during the call. It reports
// false when nothing was set aside, and ErrAsideStale, having removed them
// unread, when the file was written to between SaveAside and Open. An error
// of each leaves them as they were.
func (s *Store) TakeAside(name string, each func(key, value []byte) error) (found bool, err error) {
	// Most opens find nothing set aside: they need not write to learn it.
	_ = s.view(func(tx *bolt.Tx) error {
		found = tx.Bucket(bucketAside) != nil && tx.Bucket(bucketAside).Bucket([]byte(name)) != nil
		return nil
	})
	if !found {
		return false, nil
	}
	stale := false
	err = s.db.Update(func(tx *bolt.Tx) error {
		aside := tx.Bucket(bucketAside)
		if aside == nil || aside.Bucket([]byte(name)) == nil {
			return nil
		}
		found = true
		b := aside.Bucket([]byte(name))
		if v := b.Get(keyAsideTx); len(v) != 8 || binary.BigEndian.Uint64(v) != s.openedAt {
			stale = true
		} else if err := b.ForEach(func(k, v []byte) error {
			if k[0] == 0 {
				return nil
			}
			return each(k, v)
		}); err != nil {
			return err
		}
		return aside.DeleteBucket([]byte(name))
	})
	switch {
	case err != nil:
		return found, fmt.Errorf("store: take %s set aside: %w", name, err)
	case stale:
		return true, fmt.Errorf("store: %s set aside: %w", name, ErrAsideStale)
	}
	return found, nil
}
