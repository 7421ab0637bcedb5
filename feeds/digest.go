package feeds

import (
	"encoding/binary"

	"github.com/cespare/xxhash/v2"
)

// Digest hashes values one after another, each string length-prefixed, so
// that moving text from one field to the next changes the sum. The store keeps
// such sums, so the byte stream must never change.
type Digest struct {
	d *xxhash.Digest
	n [8]byte
}

// NewDigest returns an empty Digest.
func NewDigest() *Digest { return &Digest{d: xxhash.New()} }

// String adds s, prefixed by its length.
func (d *Digest) String(s string) {
	d.Int(int64(len(s)))
	_, _ = d.d.WriteString(s)
}

// Int adds v as 8 big-endian bytes.
func (d *Digest) Int(v int64) {
	binary.BigEndian.PutUint64(d.n[:], uint64(v))
	_, _ = d.d.Write(d.n[:])
}

// Sum64 returns the hash of everything added.
func (d *Digest) Sum64() uint64 { return d.d.Sum64() }
