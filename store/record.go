package store

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"time"

	"newswire/feeds"
	"newswire/internal/codec"
)

// A story record is stored in binary: reading one was four fifths of the cost
// of paging through a category, all of it in encoding/json (BENCHMARKS.md,
// Rendering). Records written before schema 4 are JSON, which starts with '{',
// and are read as such until the story is next written.
//
//	format (0x03; 0x02 before origins, 0x01 before MediaFrom), uvarint ID, Title, Link, Summary, ContentHTML,
//	count + (Name, Email, URL)…                          authors
//	time Published, time Updated, time FirstSeen, Language,
//	count + string…                                      categories
//	count + string…                                      labels
//	count + (URL, Type, varint Length)…                  enclosures
//	Image,
//	count + (Source, Link, GUID, Title, time Published, time FirstSeen, uvarint Hash)…  sources
//	time SortTime, Rep,
//	count + string…                                      join labels, GUID keys, link keys (three lists)
//	MediaFrom                                            since format 2 (format 1 records end above)
//	count + (uvarint source index, Title, FeedURL, ID, Link, Level)…  origins of the sources that have one, since format 3
//
// Strings are uvarint length + bytes. A time is one byte 0 (the zero time),
// or 1, varint Unix seconds and uvarint nanoseconds, read back in UTC.
const recordFormat = 3

// Binary formats before the current one, still read: before MediaFrom, and
// before the sources' origins.
const (
	recordFormatNoMedia  = 1
	recordFormatNoOrigin = 2
)

// smallestString is the fewest bytes a string takes (its length): the floor
// that lets a count be checked against what is left.
const smallestString = 1

func encodeRecord(rec *record) []byte {
	st := &rec.Story
	b := make([]byte, 0, 256+len(st.Title)+len(st.Summary)+len(st.ContentHTML)+len(st.Link)*(1+len(st.Sources)))
	b = append(b, recordFormat)
	b = binary.AppendUvarint(b, st.ID)
	b = codec.AppendString(b, st.Title)
	b = codec.AppendString(b, st.Link)
	b = codec.AppendString(b, st.Summary)
	b = codec.AppendString(b, st.ContentHTML)
	b = binary.AppendUvarint(b, uint64(len(st.Authors)))
	for _, a := range st.Authors {
		b = codec.AppendString(b, a.Name)
		b = codec.AppendString(b, a.Email)
		b = codec.AppendString(b, a.URL)
	}
	b = appendTime(b, st.Published)
	b = appendTime(b, st.Updated)
	b = appendTime(b, st.FirstSeen)
	b = codec.AppendString(b, st.Language)
	b = appendStrings(b, st.Categories)
	b = appendStrings(b, st.Labels)
	b = binary.AppendUvarint(b, uint64(len(st.Enclosures)))
	for _, e := range st.Enclosures {
		b = codec.AppendString(b, e.URL)
		b = codec.AppendString(b, e.Type)
		b = binary.AppendVarint(b, e.Length)
	}
	b = codec.AppendString(b, st.Image)
	b = binary.AppendUvarint(b, uint64(len(st.Sources)))
	for _, o := range st.Sources {
		b = codec.AppendString(b, o.Source)
		b = codec.AppendString(b, o.Link)
		b = codec.AppendString(b, o.GUID)
		b = codec.AppendString(b, o.Title)
		b = appendTime(b, o.Published)
		b = appendTime(b, o.FirstSeen)
		b = binary.AppendUvarint(b, o.Hash)
	}
	b = appendTime(b, st.SortTime)
	b = codec.AppendString(b, rec.Rep)
	b = appendStrings(b, rec.JoinLabels)
	b = appendStrings(b, rec.GUIDKeys)
	b = appendStrings(b, rec.LinkKeys)
	b = codec.AppendString(b, rec.MediaFrom)
	origins := 0
	for _, o := range st.Sources {
		if !o.Origin.IsZero() {
			origins++
		}
	}
	b = binary.AppendUvarint(b, uint64(origins))
	for i, o := range st.Sources {
		if o.Origin.IsZero() {
			continue
		}
		b = binary.AppendUvarint(b, uint64(i))
		b = codec.AppendString(b, o.Origin.Title)
		b = codec.AppendString(b, o.Origin.FeedURL)
		b = codec.AppendString(b, o.Origin.ID)
		b = codec.AppendString(b, o.Origin.Link)
		b = codec.AppendString(b, o.Origin.Level)
	}
	return b
}

// decodeRecord reads a record in either form; the strings it returns are
// copies, safe to keep after the transaction.
func decodeRecord(v []byte, rec *record) error {
	switch {
	case len(v) == 0:
		return fmt.Errorf("empty record")
	case v[0] == '{':
		return json.Unmarshal(v, rec)
	case v[0] < recordFormatNoMedia || v[0] > recordFormat:
		return fmt.Errorf("record in format %d, this build reads %d to %d", v[0], recordFormatNoMedia, recordFormat)
	}
	r := codec.Reader{B: v[1:]}
	st := &rec.Story
	st.ID = r.Uvarint()
	st.Title = r.String()
	st.Link = r.String()
	st.Summary = r.String()
	st.ContentHTML = r.String()
	if n := r.Count(3 * smallestString); n > 0 {
		st.Authors = make([]feeds.Person, n)
		for i := range st.Authors {
			st.Authors[i] = feeds.Person{Name: r.String(), Email: r.String(), URL: r.String()}
		}
	}
	st.Published = readTime(&r)
	st.Updated = readTime(&r)
	st.FirstSeen = readTime(&r)
	st.Language = r.String()
	st.Categories = readStrings(&r)
	st.Labels = readStrings(&r)
	if n := r.Count(3); n > 0 {
		st.Enclosures = make([]feeds.Enclosure, n)
		for i := range st.Enclosures {
			st.Enclosures[i] = feeds.Enclosure{URL: r.String(), Type: r.String(), Length: r.Varint()}
		}
	}
	st.Image = r.String()
	if n := r.Count(4*smallestString + 3); n > 0 {
		st.Sources = make([]feeds.Occurrence, n)
		for i := range st.Sources {
			o := &st.Sources[i]
			o.Source, o.Link, o.GUID, o.Title = r.String(), r.String(), r.String(), r.String()
			o.Published = readTime(&r)
			o.FirstSeen = readTime(&r)
			o.Hash = r.Uvarint()
		}
	}
	st.SortTime = readTime(&r)
	rec.Rep = r.String()
	rec.JoinLabels = readStrings(&r)
	rec.GUIDKeys = readStrings(&r)
	rec.LinkKeys = readStrings(&r)
	if v[0] >= recordFormatNoOrigin {
		rec.MediaFrom = r.String()
	}
	if v[0] >= recordFormat {
		for n := r.Count(1 + 5*smallestString); n > 0; n-- {
			i := r.Uvarint()
			o := feeds.Origin{Title: r.String(), FeedURL: r.String(), ID: r.String(), Link: r.String(), Level: r.String()}
			if r.Err == nil && i >= uint64(len(st.Sources)) {
				r.Err, r.B = fmt.Errorf("origin of source %d of %d", i, len(st.Sources)), nil
			}
			if r.Err != nil {
				break
			}
			st.Sources[i].Origin = o
		}
	}
	switch {
	case r.Err != nil:
		return fmt.Errorf("record: %w", r.Err)
	case len(r.B) > 0:
		return fmt.Errorf("record: %d bytes past its end", len(r.B))
	}
	return nil
}

func appendStrings(b []byte, list []string) []byte {
	b = binary.AppendUvarint(b, uint64(len(list)))
	for _, s := range list {
		b = codec.AppendString(b, s)
	}
	return b
}

// readStrings reads a list appendStrings wrote; an empty list is nil, as
// JSON's omitempty left it.
func readStrings(r *codec.Reader) []string {
	n := r.Count(smallestString)
	if n == 0 {
		return nil
	}
	out := make([]string, n)
	for i := range out {
		out[i] = r.String()
	}
	return out
}

func appendTime(b []byte, t time.Time) []byte {
	if t.IsZero() {
		return append(b, 0)
	}
	b = append(b, 1)
	b = binary.AppendVarint(b, t.Unix())
	return binary.AppendUvarint(b, uint64(t.Nanosecond()))
}

func readTime(r *codec.Reader) time.Time {
	switch r.Byte() {
	case 0:
		return time.Time{}
	case 1:
		sec, nsec := r.Varint(), r.Uvarint()
		if nsec >= uint64(time.Second) {
			r.Err, r.B = fmt.Errorf("time with %d nanoseconds", nsec), nil
			return time.Time{}
		}
		return time.Unix(sec, int64(nsec)).UTC()
	default:
		if r.Err == nil {
			r.Err, r.B = fmt.Errorf("bad time marker"), nil
		}
		return time.Time{}
	}
}
