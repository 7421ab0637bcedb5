//go:build linux

// Package uffd keeps Linux from mapping more of a file than is read.
//
// With each page fault in a file mapping, Linux also maps the cached pages
// around the one asked for ("fault-around", 64 KiB by default, and whole
// large folios), and the process's resident set counts them all. The kernel
// skips fault-around in a mapping registered with a userfaultfd in
// write-protect mode, so that no page is mapped behind the back of the one
// watching for writes (mm/memory.c: should_fault_around). Since Linux 6.7, a
// userfaultfd with UFFD_FEATURE_WP_ASYNC may register a mapping of any kind
// and resolves write faults by itself: nothing has to read the userfaultfd,
// which is held only for what registering does to read faults.
//
// newswire registers the store's mapping (store/faults_linux.go) and the
// read-only mappings of its own executable (Executable).
package uffd

import (
	"fmt"
	"unsafe"

	"golang.org/x/sys/unix"
)

const (
	uffdAPI            = 0xAA
	uffdUserModeOnly   = 1          // UFFD_USER_MODE_ONLY: allowed without privilege since 5.11
	uffdFeatureWPAsync = 1 << 15    // UFFD_FEATURE_WP_ASYNC
	uffdRegisterModeWP = 1 << 1     // UFFDIO_REGISTER_MODE_WP
	uffdioAPI          = 0xC018AA3F // _IOWR(0xAA, 0x3F, struct uffdio_api)
	uffdioRegister     = 0xC020AA00 // _IOWR(0xAA, 0x00, struct uffdio_register)
)

// uffdioAPIArg and uffdioRegisterArg are struct uffdio_api and struct
// uffdio_register of linux/userfaultfd.h.
type uffdioAPIArg struct{ api, features, ioctls uint64 }

type uffdioRegisterArg struct{ start, len, mode, ioctls uint64 }

// FD is a userfaultfd with asynchronous write protection. Closing it ends
// every registration made with it, and the kernel faults around again.
type FD struct{ fd int }

// Open opens a userfaultfd with asynchronous write protection. It fails
// where the kernel is older than 6.7 or forbids userfaultfd (a seccomp
// profile, vm.unprivileged_userfaultfd), saying which.
func Open() (*FD, error) {
	fd, _, errno := unix.Syscall(unix.SYS_USERFAULTFD, unix.O_CLOEXEC|unix.O_NONBLOCK|uffdUserModeOnly, 0, 0)
	if errno != 0 {
		return nil, fmt.Errorf("userfaultfd: %w", errno)
	}
	api := uffdioAPIArg{api: uffdAPI, features: uffdFeatureWPAsync}
	if _, _, errno := unix.Syscall(unix.SYS_IOCTL, fd, uffdioAPI, uintptr(unsafe.Pointer(&api))); errno != 0 {
		_ = unix.Close(int(fd))
		return nil, fmt.Errorf("userfaultfd with asynchronous write protection (Linux 6.7): %w", errno)
	}
	return &FD{fd: int(fd)}, nil
}

// Register registers the whole mappings in [start, start+length) in
// write-protect mode, so that a read fault there maps the one page it needs.
// No page is ever write-protected: writes go on as before.
func (f *FD) Register(start, length uintptr) error {
	reg := uffdioRegisterArg{start: uint64(start), len: uint64(length), mode: uffdRegisterModeWP}
	if _, _, errno := unix.Syscall(unix.SYS_IOCTL, uintptr(f.fd), uffdioRegister, uintptr(unsafe.Pointer(&reg))); errno != 0 {
		return fmt.Errorf("register %#x–%#x with userfaultfd: %w", start, start+length, errno)
	}
	return nil
}

// Close closes the userfaultfd, which ends its registrations.
func (f *FD) Close() error { return unix.Close(f.fd) }
