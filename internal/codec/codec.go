// Package codec reads and writes the length-prefixed binary forms the store
// keeps where JSON would cost too much to decode (story fingerprints):
// unsigned and signed varints, fixed four-byte words, and byte strings
// prefixed with their length.
package codec

import (
	"encoding/binary"
	"errors"
)

// AppendBytes appends p with its length before it.
func AppendBytes(b, p []byte) []byte {
	return append(binary.AppendUvarint(b, uint64(len(p))), p...)
}

// AppendString appends s with its length before it.
func AppendString(b []byte, s string) []byte {
	return append(binary.AppendUvarint(b, uint64(len(s))), s...)
}

// ErrShort is the error of a Reader that ran out of bytes.
var ErrShort = errors.New("truncated")

// Reader takes values off the front of B. After the first error every read
// gives zero, B is empty and Err stays set.
type Reader struct {
	B   []byte
	Err error
}

func (r *Reader) fail() {
	r.B, r.Err = nil, ErrShort
}

// Byte reads one byte.
func (r *Reader) Byte() byte {
	if len(r.B) < 1 {
		r.fail()
		return 0
	}
	c := r.B[0]
	r.B = r.B[1:]
	return c
}

// Uvarint reads an unsigned varint.
func (r *Reader) Uvarint() uint64 {
	v, n := binary.Uvarint(r.B)
	if n <= 0 {
		r.fail()
		return 0
	}
	r.B = r.B[n:]
	return v
}

// Varint reads a signed varint.
func (r *Reader) Varint() int64 {
	v, n := binary.Varint(r.B)
	if n <= 0 {
		r.fail()
		return 0
	}
	r.B = r.B[n:]
	return v
}

// Count reads a list's length, failing when the rest cannot hold that many
// elements of at least size bytes.
func (r *Reader) Count(size int) int {
	n := r.Uvarint()
	if n > uint64(len(r.B)/size) {
		r.fail()
		return 0
	}
	return int(n)
}

// Bytes reads a length-prefixed byte string; the result shares B's memory.
func (r *Reader) Bytes() []byte {
	n := r.Count(1)
	p := r.B[:n:n]
	r.B = r.B[n:]
	return p
}

// String reads a length-prefixed string.
func (r *Reader) String() string { return string(r.Bytes()) }

// Uint32 reads four bytes, little-endian.
func (r *Reader) Uint32() uint32 {
	if len(r.B) < 4 {
		r.fail()
		return 0
	}
	v := binary.LittleEndian.Uint32(r.B)
	r.B = r.B[4:]
	return v
}
