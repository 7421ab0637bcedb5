//go:build linux

package store

import (
	"fmt"

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
	return s.view(func(tx *bolt.Tx) error { return s.releaseTx(tx) })
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
	s.faults.track(start, size)
	s.releases.Add(1)
	if _, _, errno := unix.Syscall(unix.SYS_MADVISE, start, size, unix.MADV_DONTNEED); errno != 0 {
		return fmt.Errorf("store: release mapped pages of %s: %w", tx.DB().Path(), errno)
	}
	return nil
}
