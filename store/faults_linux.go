//go:build linux

package store

import (
	"errors"
	"fmt"
	"math"
	"sync"

	"golang.org/x/sys/unix"

	"newswire/internal/uffd"
)

// wideMapping is how much of the address space the store maps at Open on
// a 64-bit Linux: address space only, since the mapping is of a file read
// through the page cache, and the file grows as data is written, not to the
// mapping's size. bbolt maps the file anew whenever it outgrows the mapping,
// doubling it up to 1 GiB and then in steps of 1 GiB, and each new mapping is
// unregistered (see pageFaults) for the rest of the commit that made it:
// that commit faulted in the pages around every page it read, a peak of some
// 50 MB at 10,000 sources. A mapping wider than any store this daemon is
// meant for is never remapped. Beyond it, bbolt remaps in steps as before.
const wideMapping = 64 << 30

// mapSize is the store's initial mapping: wideMapping where the address
// space allows, within a quarter of RLIMIT_AS when one is set.
func mapSize() int {
	size := uint64(wideMapping)
	if uint64(math.MaxInt) < size {
		return initialMmapSize // a 32-bit address space
	}
	var lim unix.Rlimit
	if err := unix.Getrlimit(unix.RLIMIT_AS, &lim); err == nil && lim.Cur != unix.RLIM_INFINITY {
		size = min(size, lim.Cur/4)
	}
	return int(max(size, initialMmapSize))
}

// pageFaults registers the store's mapping, each time bbolt maps the file
// anew, so that a read fault maps the one page it needs.
//
// The store is read at scattered places: identifying one new story
// reads some thirty leaves over the identity index, and a source's first
// document of 50 stories mapped some 90 MB for the moment of its commit, with
// the pages the kernel maps around each one read (fault-around; MADV_RANDOM
// does not stop it). The store registers its mapping with a userfaultfd
// (internal/uffd), so that a read fault maps the one page it needs. bbolt
// maps its file read-only and writes with pwrite, so no write fault ever
// happens there. Where the kernel refuses (older than 6.7, a seccomp profile
// that forbids userfaultfd), the mapping stays as it was.
type pageFaults struct {
	mu         sync.Mutex
	fd         *uffd.FD // nil when single-page faults are off
	why        error    // why they are off
	start, end uintptr
}

func (p *pageFaults) open() {
	fd, err := uffd.Open()
	if err != nil {
		p.why = err
		return
	}
	p.fd = fd
}

// off gives single-page faults up for good, saying why. The registration of
// a mapping goes with the userfaultfd, so the kernel faults around again.
func (p *pageFaults) off(why error) {
	if p.fd != nil {
		_ = p.fd.Close()
	}
	p.fd, p.why = nil, why
}

// track registers the mapping at start if bbolt mapped the file anew since
// the last call: at another address, or, at the same one, past the end
// registered, since bbolt remaps only when the file outgrows its mapping.
// size is the file's length in bytes; the caller holds a transaction, so the
// mapping cannot move meanwhile.
func (p *pageFaults) track(start, size uintptr) {
	if start == 0 || size == 0 {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.fd == nil || (start == p.start && start+size <= p.end) {
		return
	}
	end, err := uffd.MappingEnd(start)
	if err != nil {
		p.off(err)
		return
	}
	if err := p.fd.Register(start, end-start); err != nil {
		p.off(fmt.Errorf("the store's mapping: %w", err))
		return
	}
	p.start, p.end = start, end
}

func (p *pageFaults) err() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.fd == nil {
		if p.why == nil {
			return errors.New("no userfaultfd opened")
		}
		return p.why
	}
	if p.start == 0 {
		return errors.New("the store's mapping is not registered yet")
	}
	return nil
}

func (p *pageFaults) close() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.off(errors.New("store closed"))
}
