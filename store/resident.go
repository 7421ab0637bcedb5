//go:build linux

package store

import (
	"fmt"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"
	"golang.org/x/sys/unix"
)

// ReleaseMapped tells the kernel that the store's memory-mapped pages are not
// needed now. bbolt reads the file through a shared mapping, so every page a
// transaction touched stays in the process's resident set; with hundreds of
// thousands of stories that is most of the file. The pages stay in the page
// cache, and a later read faults them back in at no cost but a page-table
// entry.
func (s *Store) ReleaseMapped() error {
	// A read transaction holds bbolt's mmap lock, so the mapping cannot move
	// while it is released.
	return s.db.View(func(tx *bolt.Tx) error { return s.releaseTx(tx) })
}

// releaseTx releases the mapped pages of the store under tx, from inside
// the transaction: in a long write, the pages it has read so far. The mapping
// starts at Info().Data and is at least as long as the file; pages past the
// file's end are never touched. Pages come back from the page cache as they
// are read again, unchanged: bbolt never writes through the mapping.
func (s *Store) releaseTx(tx *bolt.Tx) error {
	start, size := tx.DB().Info().Data, uintptr(tx.Size())
	if start == 0 || size == 0 {
		return nil
	}
	s.releases.Add(1)
	if _, _, errno := unix.Syscall(unix.SYS_MADVISE, start, size, unix.MADV_DONTNEED); errno != 0 {
		return fmt.Errorf("store: release mapped pages of %s: %w", tx.DB().Path(), errno)
	}
	return nil
}

// releaseTick is how often releaseDuring releases the mapped pages; zero
// turns those releases off. A bulk
// commit reads the old page of every leaf it rewrites, about 2 MB of mapping
// a millisecond at 10,000 sources.
var releaseTick = 2 * time.Millisecond

// releaseDuring releases the store's mapped pages every releaseTick, from a
// goroutine of its own, until the returned stop is called. It is for long
// writes: bbolt's commit reads the old page of every page it rewrites, and
// for a document of fifty new stories those are some 1,500 leaves scattered
// over the identity index, around each of which the kernel maps a few dozen
// pages (90 MB at 10,000 sources). Nothing inside the commit can release
// them, since it reads them until it ends. A release takes bbolt's read lock
// on the mapping, so it never races a remap; the commit faults back in what
// it reads again.
func (s *Store) releaseDuring() (stop func()) {
	if releaseTick <= 0 {
		return func() {}
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		t := time.NewTicker(releaseTick)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				_ = s.ReleaseMapped()
			}
		}
	})
	return func() {
		close(done)
		wg.Wait()
	}
}
