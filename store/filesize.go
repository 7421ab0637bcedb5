package store

import (
	"encoding/binary"
	"fmt"
	"hash/fnv"
	"io"
	"os"
)

// checkFileSize refuses a store file shorter than its own header says: a
// copy cut short (a plain cp interrupted, a disk that filled up) would
// otherwise be mapped whole, and the first read past its end would kill
// the process with SIGBUS, or trip one of bbolt's assertions. A file that
// does not exist, is empty, or whose header cannot be read, is left to
// bbolt, which makes the one or names the other.
func checkFileSize(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return nil
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil || !fi.Mode().IsRegular() {
		return nil
	}
	// Two meta pages open the file; the one of the later transaction
	// whose checksum holds is the one bbolt uses.
	m0, ok0 := readMeta(f, 0)
	if !ok0 || m0.pageSize == 0 {
		return nil
	}
	m := m0
	if m1, ok1 := readMeta(f, int64(m0.pageSize)); ok1 && m1.txid > m0.txid {
		m = m1
	}
	if need := int64(m.highWater) * int64(m.pageSize); fi.Size() < need {
		return fmt.Errorf("%s is cut short: %d bytes, where its header says %d; it is not a whole store (an interrupted copy?)", path, fi.Size(), need)
	}
	return nil
}

type metaPage struct {
	pageSize  uint32
	highWater uint64 // the number of pages in use: the file holds at least these
	txid      uint64
}

// readMeta reads the bbolt meta page at off: a 16-byte page header, then
// magic, version, page size, flags (4 bytes each), the root bucket (16),
// the free list's page, the high water mark and the transaction id (8
// each), and an FNV-64a checksum of all that.
func readMeta(r io.ReaderAt, off int64) (metaPage, bool) {
	var b [16 + 64]byte
	if _, err := r.ReadAt(b[:], off); err != nil {
		return metaPage{}, false
	}
	m := b[16:]
	const magic = 0xED0CDAED
	if binary.LittleEndian.Uint32(m[0:]) != magic || binary.LittleEndian.Uint32(m[4:]) != 2 {
		return metaPage{}, false
	}
	h := fnv.New64a()
	_, _ = h.Write(m[:56])
	if h.Sum64() != binary.LittleEndian.Uint64(m[56:]) {
		return metaPage{}, false
	}
	return metaPage{
		pageSize:  binary.LittleEndian.Uint32(m[8:]),
		highWater: binary.LittleEndian.Uint64(m[40:]),
		txid:      binary.LittleEndian.Uint64(m[48:]),
	}, true
}
