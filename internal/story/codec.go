package story

import (
	"encoding/binary"
	"errors"
	"fmt"
	"time"
)

// docFormat is the first byte of a Doc's binary form.
const docFormat = 1

// AppendBinary appends d's binary form to b. A store reads fingerprints back
// several times for every new item it identifies, so they are kept in a form
// that decodes without reflection: strings and lists length-prefixed, hashes
// as fixed four bytes.
func (d *Doc) AppendBinary(b []byte) ([]byte, error) {
	b = append(b, docFormat)
	b = binary.AppendVarint(b, d.Published.Unix())
	b = binary.AppendUvarint(b, uint64(d.Published.Nanosecond()))
	b = appendString(b, d.Language)
	b = appendString(b, d.Title)
	for _, l := range [...][]string{d.TitleNums, d.TextNums, d.TitlePlaces, d.TextPlaces, d.TitleNames} {
		b = binary.AppendUvarint(b, uint64(len(l)))
		for _, s := range l {
			b = appendString(b, s)
		}
	}
	for _, l := range [...][]uint32{d.TextNames, d.Body} {
		b = binary.AppendUvarint(b, uint64(len(l)))
		for _, h := range l {
			b = binary.LittleEndian.AppendUint32(b, h)
		}
	}
	return binary.AppendUvarint(b, uint64(d.BodySize)), nil
}

// DecodeDoc reads the Doc at the front of b, as AppendBinary wrote it, and
// returns the bytes after it.
func DecodeDoc(b []byte) (*Doc, []byte, error) {
	r := reader{b: b}
	if f := r.byte(); f != docFormat {
		return nil, nil, fmt.Errorf("story: fingerprint in format %d, want %d", f, docFormat)
	}
	d := &Doc{}
	sec := r.varint()
	d.Published = time.Unix(sec, int64(r.uvarint())).UTC()
	d.Language, d.Title = r.string(), r.string()
	for _, l := range [...]*[]string{&d.TitleNums, &d.TextNums, &d.TitlePlaces, &d.TextPlaces, &d.TitleNames} {
		if n := r.count(1); n > 0 {
			*l = make([]string, n)
			for i := range *l {
				(*l)[i] = r.string()
			}
		}
	}
	for _, l := range [...]*[]uint32{&d.TextNames, &d.Body} {
		if n := r.count(4); n > 0 {
			*l = make([]uint32, n)
			for i := range *l {
				(*l)[i] = r.uint32()
			}
		}
	}
	d.BodySize = int(r.uvarint())
	if r.err != nil {
		return nil, nil, fmt.Errorf("story: fingerprint: %w", r.err)
	}
	return d, r.b, nil
}

func appendString(b []byte, s string) []byte {
	return append(binary.AppendUvarint(b, uint64(len(s))), s...)
}

var errShort = errors.New("truncated")

// reader takes values off the front of b; after the first error every read
// gives zero and err stays set.
type reader struct {
	b   []byte
	err error
}

func (r *reader) fail() {
	r.b, r.err = nil, errShort
}

func (r *reader) byte() byte {
	if len(r.b) < 1 {
		r.fail()
		return 0
	}
	c := r.b[0]
	r.b = r.b[1:]
	return c
}

func (r *reader) uvarint() uint64 {
	v, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.fail()
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *reader) varint() int64 {
	v, n := binary.Varint(r.b)
	if n <= 0 {
		r.fail()
		return 0
	}
	r.b = r.b[n:]
	return v
}

// count reads a list's length, failing when the rest of b cannot hold that
// many elements of at least size bytes.
func (r *reader) count(size int) int {
	n := r.uvarint()
	if n > uint64(len(r.b)/size) {
		r.fail()
		return 0
	}
	return int(n)
}

func (r *reader) string() string {
	n := r.count(1)
	s := string(r.b[:n])
	r.b = r.b[n:]
	return s
}

func (r *reader) uint32() uint32 {
	if len(r.b) < 4 {
		r.fail()
		return 0
	}
	v := binary.LittleEndian.Uint32(r.b)
	r.b = r.b[4:]
	return v
}
