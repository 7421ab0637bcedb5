//go:build linux

package uffd

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

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

// Mapping is one read-only mapping of the executable as Executable found it.
type Mapping struct {
	Start, End uintptr
	Perms      string // as /proc/self/maps gives them: r-xp, r--p
	Resident   int64  // bytes resident before the release
}

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
	smaps, err := os.Open("/proc/self/smaps")
	if err != nil {
		return nil, err
	}
	maps, err := readOnlyMappings(smaps, exe)
	smaps.Close()
	if err != nil {
		return nil, fmt.Errorf("/proc/self/smaps: %w", err)
	}
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

// readOnlyMappings reads /proc/PID/smaps for the private mappings of path
// that are neither writable nor hold a page written since they were mapped
// (Anonymous, which copy-on-write makes of such a page, is zero).
func readOnlyMappings(r io.Reader, path string) ([]Mapping, error) {
	var (
		out  []Mapping
		cur  *Mapping
		anon int64 = -1
	)
	flush := func() {
		if cur != nil && anon == 0 {
			out = append(out, *cur)
		}
		cur, anon = nil, -1
	}
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		line := sc.Bytes()
		if m, name, ok := mappingHeader(line); ok {
			flush()
			if name == path && len(m.Perms) == 4 && m.Perms[0] == 'r' && m.Perms[1] == '-' && m.Perms[3] == 'p' {
				cur = &m
			}
			continue
		}
		if cur == nil {
			continue
		}
		if kb, ok := field(line, "Rss:"); ok {
			cur.Resident = kb << 10
		} else if kb, ok := field(line, "Anonymous:"); ok {
			anon = kb
		}
	}
	flush()
	return out, sc.Err()
}

// mappingHeader parses the first line of a mapping in smaps:
// "start-end perms offset dev inode   path", where path may hold spaces.
func mappingHeader(line []byte) (Mapping, string, bool) {
	var m Mapping
	rest := line
	next := func() string {
		rest = bytes.TrimLeft(rest, " ")
		i := bytes.IndexByte(rest, ' ')
		if i < 0 {
			i = len(rest)
		}
		f := string(rest[:i])
		rest = rest[i:]
		return f
	}
	span := next()
	dash := strings.IndexByte(span, '-')
	if dash < 0 {
		return m, "", false
	}
	start, err1 := strconv.ParseUint(span[:dash], 16, 64)
	end, err2 := strconv.ParseUint(span[dash+1:], 16, 64)
	if err := errors.Join(err1, err2); err != nil || end <= start {
		return m, "", false
	}
	m.Start, m.End, m.Perms = uintptr(start), uintptr(end), next()
	for range 3 { // offset, device, inode
		next()
	}
	return m, string(bytes.TrimLeft(rest, " ")), true
}

// field parses "Name:   123 kB".
func field(line []byte, name string) (int64, bool) {
	rest, ok := bytes.CutPrefix(line, []byte(name))
	if !ok {
		return 0, false
	}
	rest = bytes.TrimSuffix(bytes.TrimSpace(rest), []byte(" kB"))
	n, err := strconv.ParseInt(string(rest), 10, 64)
	return n, err == nil
}
