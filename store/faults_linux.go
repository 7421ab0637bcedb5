//go:build linux

package store

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"math"
	"os"
	"strconv"
	"sync"
	"unsafe"

	"golang.org/x/sys/unix"
)

// With each page fault in a file mapping, Linux also maps the cached pages
// around the one asked for ("fault-around", 64 KiB by default, and whole
// large folios), and the process's resident set counts them all. newswire
// reads its store at scattered places: identifying one new story reads some
// thirty leaves over the identity index, and a source's first document of 50
// stories mapped some 90 MB for the moment of its commit. MADV_RANDOM does
// not stop fault-around.
//
// The kernel skips fault-around in a mapping registered with a userfaultfd
// in write-protect mode, so that no page is mapped behind the back of the
// one watching for writes (mm/memory.c: should_fault_around); since Linux
// 6.7, a userfaultfd with UFFD_FEATURE_WP_ASYNC may register any shared file
// mapping, and resolves write faults by itself. bbolt maps its file
// read-only and writes with pwrite, so no write fault ever happens there:
// the userfaultfd is held only for what registering does to read faults, and
// nothing ever reads from it. Where any of this is missing (an older kernel,
// a seccomp profile that forbids userfaultfd), the mapping stays as it was.
const (
	uffdAPI            = 0xAA
	uffdUserModeOnly   = 1          // UFFD_USER_MODE_ONLY: allowed without privilege since 5.11
	uffdFeatureWPAsync = 1 << 15    // UFFD_FEATURE_WP_ASYNC
	uffdRegisterModeWP = 1 << 1     // UFFDIO_REGISTER_MODE_WP
	uffdioAPI          = 0xC018AA3F // _IOWR(0xAA, 0x3F, struct uffdio_api)
	uffdioRegister     = 0xC020AA00 // _IOWR(0xAA, 0x00, struct uffdio_register)
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

// uffdioAPIArg and uffdioRegisterArg are struct uffdio_api and struct
// uffdio_register of linux/userfaultfd.h.
type uffdioAPIArg struct{ api, features, ioctls uint64 }

type uffdioRegisterArg struct{ start, len, mode, ioctls uint64 }

// pageFaults registers the store's mapping, each time bbolt maps the file
// anew, so that a read fault maps the one page it needs.
type pageFaults struct {
	mu         sync.Mutex
	on         bool  // the userfaultfd is open
	fd         int   // the userfaultfd
	why        error // why single-page faults are off
	start, end uintptr
}

func (p *pageFaults) open() {
	fd, _, errno := unix.Syscall(unix.SYS_USERFAULTFD, unix.O_CLOEXEC|unix.O_NONBLOCK|uffdUserModeOnly, 0, 0)
	if errno != 0 {
		p.why = fmt.Errorf("userfaultfd: %w", errno)
		return
	}
	p.on, p.fd = true, int(fd)
	api := uffdioAPIArg{api: uffdAPI, features: uffdFeatureWPAsync}
	if _, _, errno := unix.Syscall(unix.SYS_IOCTL, fd, uffdioAPI, uintptr(unsafe.Pointer(&api))); errno != 0 {
		p.off(fmt.Errorf("userfaultfd with asynchronous write protection (Linux 6.7): %w", errno))
	}
}

// off gives single-page faults up for good, saying why. The registration of
// a mapping goes with the userfaultfd, so the kernel faults around again.
func (p *pageFaults) off(why error) {
	if p.on {
		_ = unix.Close(p.fd)
	}
	p.on, p.why = false, why
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
	if !p.on || (start == p.start && start+size <= p.end) {
		return
	}
	end, err := mappingEnd(start)
	if err != nil {
		p.off(err)
		return
	}
	reg := uffdioRegisterArg{start: uint64(start), len: uint64(end - start), mode: uffdRegisterModeWP}
	if _, _, errno := unix.Syscall(unix.SYS_IOCTL, uintptr(p.fd), uffdioRegister, uintptr(unsafe.Pointer(&reg))); errno != 0 {
		p.off(fmt.Errorf("register the store's mapping with userfaultfd: %w", errno))
		return
	}
	p.start, p.end = start, end
}

func (p *pageFaults) err() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.on {
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

// mappingEnd returns the end of the mapping that starts at start, from
// /proc/self/maps.
func mappingEnd(start uintptr) (uintptr, error) {
	f, err := os.Open("/proc/self/maps")
	if err != nil {
		return 0, err
	}
	defer f.Close()
	prefix := fmt.Appendf(nil, "%08x-", start)
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Bytes()
		if !bytes.HasPrefix(line, prefix) {
			continue
		}
		rest := line[len(prefix):]
		if i := bytes.IndexByte(rest, ' '); i > 0 {
			rest = rest[:i]
		}
		end, err := strconv.ParseUint(string(rest), 16, 64)
		if err != nil || uintptr(end) <= start {
			return 0, fmt.Errorf("/proc/self/maps: mapping at %#x: bad end %q", start, rest)
		}
		return uintptr(end), nil
	}
	if err := sc.Err(); err != nil {
		return 0, fmt.Errorf("/proc/self/maps: %w", err)
	}
	return 0, fmt.Errorf("/proc/self/maps: no mapping starts at %#x", start)
}
