package store

import (
	"errors"
	"fmt"
	"os"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
)

// DamagedError is the error of a store whose file does not hold what was
// written to it (a failing disk, a stray write): bbolt found a page that
// is not what the page pointing to it says. It matches ErrDamaged.
type DamagedError struct {
	Path  string
	Cause string // what bbolt found
}

func (e *DamagedError) Error() string {
	return fmt.Sprintf("%s is damaged (a page does not read back as written: %s)", e.Path, e.Cause)
}

// Is makes errors.Is(err, ErrDamaged) hold.
func (e *DamagedError) Is(target error) bool { return target == ErrDamaged }

// catchDamage, deferred, turns a panic of bbolt's reading path into a
// DamagedError in *err: bbolt asserts what a sound file holds by
// panicking. It must be the deferred function itself, for recover to see
// the panic.
func catchDamage(path string, err *error) {
	if r := recover(); r != nil {
		*err = &DamagedError{Path: path, Cause: fmt.Sprint(r)}
	}
}

// openError words what bolt.Open returned for the file at path: a file
// without a valid meta page is none of newswire's, and a meta page whose
// checksum fails is damage.
func openError(path string, err error) error {
	switch {
	case errors.Is(err, berrors.ErrInvalid):
		return fmt.Errorf("%w: %s is not a newswire store, nor any bbolt file", err, path)
	case errors.Is(err, berrors.ErrChecksum):
		return &DamagedError{Path: path, Cause: err.Error()}
	}
	return err
}

// checkPages reads every page the buckets of the file at path reach, in
// this goroutine, and returns a DamagedError at the first that is not
// what it should be. Opening a store for writing rebuilds its free list
// (Options.NoFreelistSync) in a goroutine of bbolt's own, where such a
// page panics beyond any recover and ends the process: the pages are read
// here first. A file missing or empty is left to bolt.Open.
func checkPages(path string, timeout time.Duration) (err error) {
	if fi, err := os.Stat(path); err != nil || fi.Size() == 0 {
		return nil
	}
	db, err := bolt.Open(path, 0o400, &bolt.Options{Timeout: timeout, ReadOnly: true, InitialMmapSize: mapSize()})
	if errors.Is(err, berrors.ErrTimeout) {
		return fmt.Errorf("%w (another newswire running? waited %s)", ErrLocked, timeout)
	}
	if err != nil {
		return openError(path, err)
	}
	defer db.Close()
	return checkAll(db, path)
}

// checkAll reads every page the buckets of db reach (checkPages).
func checkAll(db *bolt.DB, path string) (err error) {
	defer catchDamage(path, &err)
	return db.View(func(tx *bolt.Tx) error {
		return tx.ForEach(func(_ []byte, b *bolt.Bucket) error { return walkBucket(b) })
	})
}

// walkBucket visits every key of b and of the buckets under it, which
// reads each of their pages.
func walkBucket(b *bolt.Bucket) error {
	c := b.Cursor()
	for k, v := c.First(); k != nil; k, v = c.Next() {
		if v != nil {
			continue
		}
		if child := b.Bucket(k); child != nil {
			if err := walkBucket(child); err != nil {
				return err
			}
		}
	}
	return nil
}

// view is db.View for the store's reads, with a damaged page an error
// rather than a panic (catchDamage). bbolt rolls the transaction back as
// the panic passes.
func (s *Store) view(fn func(*bolt.Tx) error) (err error) {
	defer catchDamage(s.path, &err)
	return s.db.View(fn)
}
