package story

import (
	"encoding/binary"
	"fmt"
	"time"

	"newswire/internal/codec"
)

// docFormat is the first byte of a Doc's binary form. Format 1 had no
// LeadDate, format 2 no SaysToday and LeadPlaces; they read as a Doc
// without them, whose guards then do not act.
const docFormat = 3

// AppendBinary appends d's binary form to b. A store reads fingerprints back
// several times for every new item it identifies, so they are kept in a form
// that decodes without reflection: strings and lists length-prefixed, hashes
// as fixed four bytes.
func (d *Doc) AppendBinary(b []byte) ([]byte, error) {
	b = append(b, docFormat)
	b = binary.AppendVarint(b, d.Published.Unix())
	b = binary.AppendUvarint(b, uint64(d.Published.Nanosecond()))
	b = codec.AppendString(b, d.Language)
	b = codec.AppendString(b, d.Title)
	for _, l := range [...][]string{d.TitleNums, d.TextNums, d.TitlePlaces, d.TextPlaces, d.TitleNames} {
		b = binary.AppendUvarint(b, uint64(len(l)))
		for _, s := range l {
			b = codec.AppendString(b, s)
		}
	}
	for _, l := range [...][]uint32{d.TextNames, d.Body} {
		b = binary.AppendUvarint(b, uint64(len(l)))
		for _, h := range l {
			b = binary.LittleEndian.AppendUint32(b, h)
		}
	}
	b = binary.AppendUvarint(b, uint64(d.BodySize))
	b = codec.AppendString(b, d.LeadDate)
	var today byte
	if d.SaysToday {
		today = 1
	}
	b = append(b, today)
	b = binary.AppendUvarint(b, uint64(len(d.LeadPlaces)))
	for _, s := range d.LeadPlaces {
		b = codec.AppendString(b, s)
	}
	return b, nil
}

// DecodeDoc reads the Doc at the front of b, as AppendBinary wrote it, and
// returns the bytes after it.
func DecodeDoc(b []byte) (*Doc, []byte, error) {
	r := codec.Reader{B: b}
	f := r.Byte()
	if f < 1 || f > docFormat {
		return nil, nil, fmt.Errorf("story: fingerprint in format %d, want %d", f, docFormat)
	}
	d := &Doc{}
	sec := r.Varint()
	d.Published = time.Unix(sec, int64(r.Uvarint())).UTC()
	d.Language, d.Title = r.String(), r.String()
	for _, l := range [...]*[]string{&d.TitleNums, &d.TextNums, &d.TitlePlaces, &d.TextPlaces, &d.TitleNames} {
		if n := r.Count(1); n > 0 {
			*l = make([]string, n)
			for i := range *l {
				(*l)[i] = r.String()
			}
		}
	}
	for _, l := range [...]*[]uint32{&d.TextNames, &d.Body} {
		if n := r.Count(4); n > 0 {
			*l = make([]uint32, n)
			for i := range *l {
				(*l)[i] = r.Uint32()
			}
		}
	}
	d.BodySize = int(r.Uvarint())
	if f >= 2 {
		d.LeadDate = r.String()
	}
	if f >= 3 {
		d.SaysToday = r.Byte() == 1
		if n := r.Count(1); n > 0 {
			d.LeadPlaces = make([]string, n)
			for i := range d.LeadPlaces {
				d.LeadPlaces[i] = r.String()
			}
		}
	}
	if r.Err != nil {
		return nil, nil, fmt.Errorf("story: fingerprint: %w", r.Err)
	}
	return d, r.B, nil
}
