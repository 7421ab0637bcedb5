//go:build linux

package store

import (
	"bytes"
	"fmt"
	"os"
	"strconv"

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
	if s.meter != nil {
		if v, ok := s.meter.read(); ok {
			s.mappedBase.Store(v)
		}
	}
	return nil
}

// mappedMeter reads the file-backed part of the process's resident set: the
// third field of /proc/self/statm, in pages. That is the store's mapped
// pages plus the executable's, which the store counts as its own until the
// next release measures them again. Each read faults around the page it
// needs (64 kB of the file here), and a lookup in a large store reads dozens
// of leaves, so the count moves by megabytes a story.
type mappedMeter struct {
	f    *os.File // held open: a read is one pread
	page int64
}

func openMappedMeter() *mappedMeter {
	f, err := os.Open("/proc/self/statm")
	if err != nil {
		return nil
	}
	m := &mappedMeter{f: f, page: int64(os.Getpagesize())}
	if _, ok := m.read(); !ok {
		_ = f.Close()
		return nil
	}
	return m
}

// read returns the file-backed resident bytes, and false when /proc did not
// answer as expected.
func (m *mappedMeter) read() (int64, bool) {
	var buf [160]byte
	n, _ := m.f.ReadAt(buf[:], 0) // short reads end in io.EOF
	fields := bytes.Fields(buf[:n])
	if len(fields) < 3 {
		return 0, false
	}
	pages, err := strconv.ParseInt(string(fields[2]), 10, 64)
	if err != nil {
		return 0, false
	}
	return pages * m.page, true
}

func (m *mappedMeter) close() {
	if m != nil {
		_ = m.f.Close()
	}
}
