//go:build linux

package uffd

import (
	"fmt"
	"os"

	"golang.org/x/sys/unix"
)

// A Go executable is some 25 MB, most of it code and read-only data (type
// information, the function tables the runtime reads to walk stacks), and
// Linux maps almost all of it at start: fault-around maps 64 KiB with each
// page the start reads. The daemon at 10,000 sources held 14–15 MiB of its
// own executable resident, for code and data it mostly never reads again.
//
// Executable registers each read-only mapping of the running executable and
// releases its pages, so that from then on a page of the executable is
// resident when the process reads it, one page at a time. The pages stay in
// the page cache: one read again costs a page fault and no disk read.

// Executable registers the read-only private mappings of the running
// executable with f and releases their resident pages. It leaves alone a
// mapping that holds a page written since it was mapped (the dynamic
// loader's relocations in a position-independent build, a debugger's
// breakpoint): releasing it would lose what was written. It returns the
// mappings it registered and released, and stops at the first mapping it
// cannot register, which then stays as it was.
func (f *FD) Executable() ([]Mapping, error) {
	exe, err := os.Readlink("/proc/self/exe")
	if err != nil {
		return nil, fmt.Errorf("the running executable: %w", err)
	}
	all, err := Smaps(0)
	if err != nil {
		return nil, err
	}
	maps := readOnly(all, exe)
	if len(maps) == 0 {
		return nil, fmt.Errorf("/proc/self/smaps has no read-only mapping of %s", exe)
	}
	var done []Mapping
	for _, m := range maps {
		if err := f.Register(m.Start, m.End-m.Start); err != nil {
			return done, fmt.Errorf("%s (%s): %w", exe, m.Perms, err)
		}
		if _, _, errno := unix.Syscall(unix.SYS_MADVISE, m.Start, m.End-m.Start, unix.MADV_DONTNEED); errno != 0 {
			return done, fmt.Errorf("release %s (%s): %w", exe, m.Perms, errno)
		}
		done = append(done, m)
	}
	return done, nil
}

// readOnly picks the private mappings of path that are neither writable
// nor hold a page written since they were mapped (Anonymous, which
// copy-on-write makes of such a page, is zero; a mapping whose smaps does
// not say is left out).
func readOnly(maps []Mapping, path string) []Mapping {
	var out []Mapping
	for _, m := range maps {
		if m.Path == path && len(m.Perms) == 4 && m.Perms[0] == 'r' && m.Perms[1] == '-' && m.Perms[3] == 'p' && m.Anonymous == 0 {
			out = append(out, m)
		}
	}
	return out
}
