//go:build linux

package store

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"unsafe"

	bolt "go.etcd.io/bbolt"
	"golang.org/x/sys/unix"

	"newswire/internal/uffd"
	"newswire/internal/uffd/uffdtest"
)

// readScattered reads n values of the scratch bucket, stride keys apart,
// each on a leaf of its own, and returns how many kB of the file are then
// resident.
func readScattered(t *testing.T, s *Store, n, stride int) int {
	t.Helper()
	if err := s.ReleaseMapped(); err != nil {
		t.Fatal(err)
	}
	err := s.db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket([]byte("scratch"))
		for i := range n {
			if v := b.Get(fmt.Appendf(nil, "tin-%06d", i*stride)); len(v) == 0 {
				return fmt.Errorf("no value %d", i*stride)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return mappedResidentKB(t, s.Path())
}

// TestSinglePageFaults checks that reading scattered pages of the store
// maps those pages alone, and that without the registration the kernel maps
// many more around them, which is what it is for.
func TestSinglePageFaults(t *testing.T) {
	uffdtest.NeedWPAsync(t)
	s := newTestStore(t)
	if err := s.SinglePageFaults(); err != nil {
		t.Fatalf("single-page faults: %v", err)
	}
	// Some 16 MB of pages written one at a time, as bbolt writes them.
	err := s.db.Update(func(tx *bolt.Tx) error {
		b, err := tx.CreateBucket([]byte("scratch"))
		if err != nil {
			return err
		}
		v := bytes.Repeat([]byte("Bản tin thời sự tối nay có phóng sự về vụ lúa đông xuân. "), 32)
		for i := range 8000 {
			if err := b.Put(fmt.Appendf(nil, "tin-%06d", i), v); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// A value of some 2 kB to a leaf: 100 leaves 64 keys apart, each on
	// at most two 4 KiB pages of the file, and the branch pages above them,
	// at most one more each.
	const leaves, stride = 100, 64
	single := readScattered(t, s.Store, leaves, stride)
	if limit := (3*leaves + 8) * 4; single > limit {
		t.Errorf("reading %d scattered leaves brought %d kB of the file into the resident set, want at most %d", leaves, single, limit)
	}
	s.faults.close() // closing the userfaultfd ends the registration
	if s.SinglePageFaults() == nil {
		t.Error("single-page faults still reported after the userfaultfd was closed")
	}
	around := readScattered(t, s.Store, leaves, stride)
	if around < 4*single {
		t.Skipf("this kernel maps %d kB around %d leaves read, %d kB with the mapping registered: no fault-around to stop", around, leaves, single)
	}
	t.Logf("%d scattered leaves read: %d kB resident with the mapping registered, %d kB without", leaves, single, around)
}

// registered tells whether the mapping that starts at start is registered
// with a userfaultfd in write-protect mode (VmFlags uw).
func registered(t *testing.T, start uintptr) bool {
	t.Helper()
	maps, err := uffd.Smaps(0)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range maps {
		if m.Start == start {
			return slices.Contains(m.Flags, "uw")
		}
	}
	t.Fatalf("no mapping at %#x in /proc/self/smaps", start)
	return false
}

// TestPageFaultsFollowRemap checks that a mapping made anew, at another
// address or longer at the same one, is registered at the next track, as
// bbolt's mapping is when the file outgrows it.
func TestPageFaultsFollowRemap(t *testing.T) {
	uffdtest.NeedWPAsync(t)
	path := filepath.Join(t.TempDir(), "mapped")
	if err := os.WriteFile(path, bytes.Repeat([]byte("tin vắn "), 1<<18), 0o600); err != nil { // 2 MiB
		t.Fatal(err)
	}
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var p pageFaults
	p.open()
	defer p.close()
	if err := p.err(); err == nil {
		t.Fatal("registered before any mapping was tracked")
	}
	mapping := func(size int) (uintptr, func()) {
		b, err := unix.Mmap(int(f.Fd()), 0, size, unix.PROT_READ, unix.MAP_SHARED)
		if err != nil {
			t.Fatal(err)
		}
		return uintptr(unsafe.Pointer(&b[0])), func() { _ = unix.Munmap(b) }
	}
	start, unmap := mapping(1 << 20)
	p.track(start, 4096)
	if err := p.err(); err != nil || !registered(t, start) {
		t.Fatalf("first mapping: registered %v, %v", registered(t, start), err)
	}
	p.track(start, 1<<20) // the file grew within the mapping: nothing to do
	if p.start != start || p.end != start+1<<20 {
		t.Fatalf("tracked %#x-%#x, want %#x-%#x", p.start, p.end, start, start+1<<20)
	}
	unmap()
	start2, unmap2 := mapping(2 << 20)
	defer unmap2()
	if registered(t, start2) {
		t.Fatal("a new mapping is registered before it is tracked")
	}
	p.track(start2, 1<<20+4096)
	if err := p.err(); err != nil || !registered(t, start2) {
		t.Fatalf("mapping made anew (at the same address: %t): registered %v, %v", start2 == start, registered(t, start2), err)
	}
	if p.end != start2+2<<20 {
		t.Errorf("registered up to %#x, want %#x", p.end, start2+2<<20)
	}
}

// TestWideMapping checks that the store maps its file wide at Open, so that
// bbolt does not map it anew, unregistered, as it grows.
func TestWideMapping(t *testing.T) {
	var lim unix.Rlimit
	if err := unix.Getrlimit(unix.RLIMIT_AS, &lim); err != nil {
		t.Fatal(err)
	}
	if want := mapSize(); lim.Cur == unix.RLIM_INFINITY && want != wideMapping {
		t.Fatalf("mapSize() = %d with no RLIMIT_AS, want %d", want, wideMapping)
	}
	s := newTestStore(t)
	start := s.db.Info().Data
	end, err := uffd.MappingEnd(start)
	if err != nil {
		t.Fatal(err)
	}
	if got := int(end - start); got != mapSize() {
		t.Errorf("store mapped %d bytes, want %d", got, mapSize())
	}
	if fi, err := os.Stat(s.Path()); err != nil || fi.Size() > 64<<20 {
		t.Errorf("a new store's file: %v, %v; the mapping must not grow it", fi.Size(), err)
	}
}
