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
)

// Mapping is one mapping of a process as /proc/PID/smaps (or, without the
// figures, /proc/PID/maps) describes it.
type Mapping struct {
	Start, End uintptr
	Perms      string   // r-xp, r--p, rw-s…
	Path       string   // the file mapped; empty for anonymous memory
	Resident   int64    // bytes resident (Rss)
	Anonymous  int64    // bytes of copy-on-write copies and other anonymous pages; -1 when not said
	Flags      []string // VmFlags: uw is a registration with a userfaultfd in write-protect mode
}

// Smaps reads /proc/PID/smaps of the process pid; pid 0 is this process.
func Smaps(pid int) ([]Mapping, error) {
	name := "/proc/self/smaps"
	if pid != 0 {
		name = fmt.Sprintf("/proc/%d/smaps", pid)
	}
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	maps, err := readMappings(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return maps, nil
}

// MappingEnd returns the end of this process's mapping that starts at
// start, from /proc/self/maps, which the kernel writes without walking the
// pages of each mapping as it does for smaps.
func MappingEnd(start uintptr) (uintptr, error) {
	f, err := os.Open("/proc/self/maps")
	if err != nil {
		return 0, err
	}
	defer f.Close()
	maps, err := readMappings(f)
	if err != nil {
		return 0, fmt.Errorf("/proc/self/maps: %w", err)
	}
	for _, m := range maps {
		if m.Start == start {
			return m.End, nil
		}
	}
	return 0, fmt.Errorf("/proc/self/maps: no mapping starts at %#x", start)
}

// readMappings reads the mappings of a smaps or maps file.
func readMappings(r io.Reader) ([]Mapping, error) {
	var out []Mapping
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		line := sc.Bytes()
		if m, ok := mappingHeader(line); ok {
			m.Anonymous = -1
			out = append(out, m)
			continue
		}
		if len(out) == 0 {
			continue
		}
		cur := &out[len(out)-1]
		if kb, ok := field(line, "Rss:"); ok {
			cur.Resident = kb << 10
		} else if kb, ok := field(line, "Anonymous:"); ok {
			cur.Anonymous = kb << 10
		} else if flags, ok := bytes.CutPrefix(line, []byte("VmFlags:")); ok {
			cur.Flags = strings.Fields(string(flags))
		}
	}
	return out, sc.Err()
}

// mappingHeader parses the first line of a mapping in smaps, or a line of
// maps: "start-end perms offset dev inode   path", where path may hold
// spaces.
func mappingHeader(line []byte) (Mapping, bool) {
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
		return m, false
	}
	start, err1 := strconv.ParseUint(span[:dash], 16, 64)
	end, err2 := strconv.ParseUint(span[dash+1:], 16, 64)
	if err := errors.Join(err1, err2); err != nil || end <= start {
		return m, false
	}
	m.Start, m.End, m.Perms = uintptr(start), uintptr(end), next()
	for range 3 { // offset, device, inode
		next()
	}
	m.Path = string(bytes.TrimLeft(rest, " "))
	return m, true
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
