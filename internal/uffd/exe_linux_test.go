//go:build linux

package uffd

import (
	"os"
	"slices"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"newswire/internal/uffd/uffdtest"
)

func TestReadOnlyMappings(t *testing.T) {
	const smaps = `00400000-0066a000 r-xp 00000000 08:01 1234                               /srv/bản tin/newswire
Size:               2472 kB
Rss:                2152 kB
Anonymous:             0 kB
VmFlags: rd ex mr mw me
0066a000-0092e000 r--p 0026a000 08:01 1234                               /srv/bản tin/newswire
Rss:                2192 kB
Anonymous:             0 kB
VmFlags: rd mr mw me
0092e000-00989000 rw-p 0052e000 08:01 1234                               /srv/bản tin/newswire
Rss:                 228 kB
Anonymous:            40 kB
00989000-009a0000 r--p 00589000 08:01 1234                               /srv/bản tin/newswire
Rss:                  12 kB
Anonymous:             4 kB
7f0000000000-7f0000100000 r--s 00000000 08:01 99                         /srv/data/newswire.db
Rss:                  64 kB
Anonymous:             0 kB
7f0000200000-7f0000300000 r-xp 00000000 08:01 77                         /usr/lib/x86_64-linux-gnu/libc.so.6
Rss:                 896 kB
Anonymous:             0 kB
7f0000400000-7f0000500000 r--p 00000000 00:00 0 
Rss:                   4 kB
Anonymous:             4 kB
7f0000600000-7f0000700000 r-xp 00000000 08:01 1234                               /srv/bản tin/newswire
Rss:                   4 kB
`
	all, err := readMappings(strings.NewReader(smaps))
	if err != nil {
		t.Fatal(err)
	}
	// Not the writable one, not the one with a written page, not another
	// file's, and not one whose Anonymous line is missing.
	type span struct {
		start, end uintptr
		perms      string
		resident   int64
	}
	var got []span
	for _, m := range readOnly(all, "/srv/bản tin/newswire") {
		got = append(got, span{m.Start, m.End, m.Perms, m.Resident})
	}
	want := []span{
		{0x400000, 0x66a000, "r-xp", 2152 << 10},
		{0x66a000, 0x92e000, "r--p", 2192 << 10},
	}
	if !slices.Equal(got, want) {
		t.Errorf("read-only mappings:\n got %+v\nwant %+v", got, want)
	}
}

// mapping reads the smaps entry of the mapping that starts at start: its
// resident kB and VmFlags.
func mapping(t *testing.T, start uintptr) (int64, []string) {
	t.Helper()
	maps, err := Smaps(0)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range maps {
		if m.Start == start {
			return m.Resident >> 10, m.Flags
		}
	}
	t.Fatalf("no mapping at %#x in /proc/self/smaps", start)
	return 0, nil
}

// readScattered reads one byte every stride bytes of m through
// /proc/self/mem, which faults the pages into this process as a read of its
// own would, and returns how many kB of m are then resident.
func readScattered(t *testing.T, m Mapping, stride uintptr) (reads int, kb int64) {
	t.Helper()
	mem, err := os.Open("/proc/self/mem")
	if err != nil {
		t.Fatal(err)
	}
	defer mem.Close()
	var b [1]byte
	for at := m.Start + stride/2; at < m.End; at += stride {
		if _, err := mem.ReadAt(b[:], int64(at)); err != nil {
			t.Fatalf("read %#x: %v", at, err)
		}
		reads++
	}
	kb, _ = mapping(t, m.Start)
	return reads, kb
}

// TestExecutable registers the test binary's own read-only mappings and
// checks that they are released, and that reading scattered pages of them
// then maps those pages alone; closing the userfaultfd brings fault-around
// back, which is what the registration is for.
func TestExecutable(t *testing.T) {
	uffdtest.NeedWPAsync(t)
	fd, err := Open()
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if fd != nil {
			fd.Close()
		}
	}()
	maps, err := fd.Executable()
	if err != nil {
		t.Fatal(err)
	}
	var code, data *Mapping
	for i, m := range maps {
		if _, flags := mapping(t, m.Start); !slices.Contains(flags, "uw") { // VM_UFFD_WP
			t.Errorf("mapping %#x (%s) is not registered: VmFlags %v", m.Start, m.Perms, flags)
		}
		switch {
		case m.Perms == "r-xp":
			code = &maps[i]
		case data == nil || m.End-m.Start > data.End-data.Start:
			data = &maps[i]
		}
	}
	if code == nil || data == nil {
		t.Fatalf("want the executable's code and read-only data among %+v", maps)
	}
	if data.End-data.Start < 512<<10 {
		t.Skipf("the read-only data is %d kB, too small to tell fault-around apart", (data.End-data.Start)>>10)
	}
	// Nothing of the data should be resident but what this test read
	// since the release: a few pages.
	before, _ := mapping(t, data.Start)
	if before*1024 >= data.Resident && data.Resident > 64<<10 {
		t.Errorf("read-only data: %d kB resident after the release, %d kB before", before, data.Resident>>10)
	}

	// One page a read, and some for what the runtime reads meanwhile (its
	// type data and function tables, under -race more): fault-around would
	// map 64 kB a read.
	const stride = 64 << 10
	reads, single := readScattered(t, *data, stride)
	if limit := before + int64(reads)*4 + 256; single > limit {
		t.Errorf("reading %d scattered pages of the read-only data left %d kB resident (%d before), want at most %d", reads, single, before, limit)
	}
	fd.Close() // closing the userfaultfd ends the registration
	fd = nil
	if _, _, errno := unix.Syscall(unix.SYS_MADVISE, data.Start, data.End-data.Start, unix.MADV_DONTNEED); errno != 0 {
		t.Fatal(errno)
	}
	_, around := readScattered(t, *data, stride)
	if around < 4*single {
		t.Skipf("this kernel maps %d kB around %d pages read, %d kB with the mapping registered: no fault-around to stop", around, reads, single)
	}
	t.Logf("%d scattered pages of %d kB of read-only data: %d kB resident with the mapping registered, %d kB without", reads, (data.End-data.Start)>>10, single, around)
}
