//go:build linux

package store

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

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
	return s.db.View(func(tx *bolt.Tx) error {
		abs, err := filepath.Abs(s.path)
		if err != nil {
			return fmt.Errorf("store: release mapped pages: %w", err)
		}
		return releaseMapping(abs)
	})
}

// releaseMapping applies MADV_DONTNEED to every mapping of path listed in
// /proc/self/maps.
func releaseMapping(path string) error {
	f, err := os.Open("/proc/self/maps")
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("store: release mapped pages: %w", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		// address perms offset dev inode path
		if len(fields) < 6 || fields[5] != path {
			continue
		}
		lo, hi, ok := strings.Cut(fields[0], "-")
		if !ok {
			continue
		}
		start, err1 := strconv.ParseUint(lo, 16, 64)
		end, err2 := strconv.ParseUint(hi, 16, 64)
		if err1 != nil || err2 != nil || end <= start {
			continue
		}
		if _, _, errno := unix.Syscall(unix.SYS_MADVISE, uintptr(start), uintptr(end-start), unix.MADV_DONTNEED); errno != 0 {
			return fmt.Errorf("store: release mapped pages of %s: %w", path, errno)
		}
	}
	return sc.Err()
}
