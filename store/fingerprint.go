package store

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"time"

	bolt "go.etcd.io/bbolt"

	"newswire/feeds"
	"newswire/internal/codec"
	"newswire/internal/story"
)

// The fingerprint index finds a story another outlet carried under another
// link, by its text (package story):
//
//	fpbands  period (4) + LSH band key (8) + story id (8)  → publication time, unix seconds (8)
//	fpdocs   story id (8)                                  → docEntry (binary; JSON before format 2)
//
// A period is a fixed span of publication time (periodSeconds). Filing band
// keys under it keeps the entries of recent stories together, so that a
// write touches few pages however large the archive, and a lookup reads only
// the periods the time window overlaps. Within a period and band, entries
// sort by story id, so the newest are read first with a backward cursor, and
// at most story.MaxPerBand of them: a lookup costs a fixed number of seeks
// and reads however many stories are stored. Publication times sit in the
// values, so stories outside the window are skipped without being read.
const periodSeconds = 72 * 60 * 60

var (
	bucketFPBands = []byte("fpbands")
	bucketFPDocs  = []byte("fpdocs")
)

// docEntry is what a story's text looked like to identity: one fingerprint
// per occurrence that had one, and why each later one was joined.
type docEntry struct {
	Docs  []sourceDoc `json:"docs"`
	Joins []Join      `json:"joins,omitempty"`
	// Bands holds the period (4) and band key (8) of every fpbands entry
	// filed under the story, so that removing the story removes them: a
	// stored fingerprint cannot give back all its band keys.
	Bands []byte `json:"bands,omitempty"`
}

// bandRef is the length of one entry of docEntry.Bands.
const bandRef = 12

type sourceDoc struct {
	Source string     `json:"source"`
	Doc    *story.Doc `json:"doc"`
}

// Join records why an occurrence was joined to a story by its text.
type Join struct {
	Source  string        `json:"source"`
	GUID    string        `json:"guid,omitempty"`
	At      time.Time     `json:"at"`
	Verdict story.Verdict `json:"verdict"`
	// Against is the outlet whose occurrence the verdict confirmed; empty
	// in joins stored before it was kept. AgainstCorrected reports that it
	// was that outlet's corrected version, not its first; AgainstVersions
	// is how many versions of its item were filed then (1 or 2).
	Against          string `json:"against,omitempty"`
	AgainstCorrected bool   `json:"against_corrected,omitempty"`
	AgainstVersions  int    `json:"against_versions,omitempty"`
}

// match is story.MatchAt of d against the occurrences of a story: the
// verdict, and the index in docs of the occurrence it is of (the first that
// confirms, else the most similar; -1 when there is none).
func match(d *story.Doc, docs []sourceDoc, window time.Duration) (story.Verdict, int) {
	occ := make([]*story.Doc, len(docs))
	for i, o := range docs {
		occ[i] = o.Doc
	}
	return story.MatchAt(d, occ, window)
}

// version says which version of its outlet's item docs[i] is: whether it
// is a correction (the outlet's second fingerprint), and how many of the
// outlet's are filed.
func version(docs []sourceDoc, i int) (corrected bool, versions int) {
	for j, d := range docs {
		if d.Source == docs[i].Source {
			versions++
			if j < i {
				corrected = true
			}
		}
	}
	return corrected, versions
}

// corrected lists the outlets whose item in docs was corrected: they have
// a second fingerprint filed.
func corrected(docs []sourceDoc) []string {
	var out []string
	for i := range docs {
		if c, _ := version(docs, i); c && !slices.Contains(out, docs[i].Source) {
			out = append(out, docs[i].Source)
		}
	}
	return out
}

// findSimilar returns the story that in's text confirms as the same, carried
// by other sources only, with the verdict and the occurrence it is of; nil
// means none.
func (w *writer) findSimilar(in *Incoming) (uint64, *Join, error) {
	tx := w.stories.Tx()
	bands, docs := tx.Bucket(bucketFPBands), tx.Bucket(bucketFPDocs)
	if bands == nil || docs == nil {
		return 0, nil, nil
	}
	window := in.Window
	if window <= 0 {
		window = story.DefaultWindow
	}
	w.dateDoc(in)
	pub, win := max(0, in.Doc.Published.Unix()), int64(window/time.Second)
	c := bands.Cursor()
	// The window reaches a period past the newest one filed (a new story's
	// always does: a period is as long as the default window), which holds
	// nothing: a lookup there would cost every band a seek for nothing.
	last, _ := c.Last()
	if len(last) < 4 {
		return 0, nil, nil // no fingerprint filed yet
	}
	newest := int64(binary.BigEndian.Uint32(last))
	lookup := func(band uint64) []uint64 {
		var out []uint64
		for p := min(period(pub+win), newest); p >= period(pub-win) && len(out) < story.MaxPerBand; p-- {
			out = append(out, newestInBand(c, uint32(p), band, pub, win, story.MaxPerBand-len(out))...)
		}
		return out
	}
	for _, id := range story.Candidates(lookup, in.Doc) {
		e, err := loadDocs(docs, id)
		if err != nil {
			return 0, nil, err
		}
		mine, at := false, -1
		for i, d := range e.Docs {
			mine = mine || d.Source == w.source
			if at < 0 && d.Source == w.source && corrects(in, d.Doc) {
				at = i
			}
		}
		if at >= 0 {
			// The item took the place of the story's in its outlet's
			// document, in its very second, and keeps enough of it.
			_, oi, err := w.loadOwn(id)
			if err != nil {
				return 0, nil, err
			}
			if oi < 0 {
				continue
			}
			j := &Join{Verdict: story.Confirm(in.Doc, e.Docs[at].Doc, window), Against: w.source}
			j.AgainstCorrected, j.AgainstVersions = version(e.Docs, at)
			j.Verdict.Candidate = id
			return id, j, nil
		}
		if mine {
			continue // an outlet's two items are never one story by text
		}
		v, at := match(in.Doc, e.Docs, window)
		if !v.Same {
			continue
		}
		rec, err := w.load(id)
		if err != nil {
			return 0, nil, err
		}
		if rec.occurrence(w.source) >= 0 {
			continue
		}
		j := &Join{Verdict: v}
		if at >= 0 {
			j.Against = e.Docs[at].Source
			j.AgainstCorrected, j.AgainstVersions = version(e.Docs, at)
		}
		j.Verdict.Candidate = id
		return id, j, nil
	}
	return 0, nil, nil
}

// corrects reports whether in, an item no key found, is the correction of
// its source's item that d fingerprints: it came into the document in that
// item's place, as an item of the same second left it
// (Incoming.Corrects), and their texts, or without texts their headlines,
// are not another story's (story.Unrelated). An outlet's two items are
// otherwise never one story by text.
func corrects(in *Incoming, d *story.Doc) bool {
	return in.Corrects != 0 && d.Published.Unix() == in.Corrects && !story.Unrelated(in.Doc, d)
}

// period is the span of publication time a unix time falls in; times
// before 1970 or past 2^32 periods share the first or the last.
func period(unix int64) int64 { return min(max(0, unix)/periodSeconds, math.MaxUint32) }

// dateDoc gives a fingerprint without a publication time the time the item
// is stored, as the story's own published time is.
func (w *writer) dateDoc(in *Incoming) {
	if in.Doc.Published.IsZero() {
		in.Doc.Published = w.now
	}
}

func bandPrefix(p uint32, band uint64) []byte {
	k := binary.BigEndian.AppendUint32(make([]byte, 0, 20), p)
	return binary.BigEndian.AppendUint64(k, band)
}

// newestInBand returns at most limit ids filed under band in period p,
// newest first, whose publication time lies within window seconds of pub;
// it reads at most 2×MaxPerBand entries.
func newestInBand(c *bolt.Cursor, p uint32, band uint64, pub, window int64, limit int) []uint64 {
	prefix := bandPrefix(p, band)
	k, _ := c.Seek(binary.BigEndian.AppendUint64(bytes.Clone(prefix), ^uint64(0)))
	var v []byte
	if k == nil {
		k, v = c.Last()
	} else {
		k, v = c.Prev()
	}
	var out []uint64
	for read := 0; k != nil && bytes.HasPrefix(k, prefix) && read < 2*story.MaxPerBand && len(out) < limit; read++ {
		if len(k) == 20 && len(v) == 8 {
			if d := int64(binary.BigEndian.Uint64(v)) - pub; d <= window && d >= -window {
				out = append(out, binary.BigEndian.Uint64(k[12:]))
			}
		}
		k, v = c.Prev()
	}
	return out
}

// hasBandRef reports whether refs, entries of docEntry.Bands, holds ref.
func hasBandRef(refs, ref []byte) bool {
	for i := 0; i+bandRef <= len(refs); i += bandRef {
		if bytes.Equal(refs[i:i+bandRef], ref) {
			return true
		}
	}
	return false
}

func loadDocs(docs *bolt.Bucket, id uint64) (docEntry, error) {
	e, err := decodeDocEntry(docs.Get(u64(id)))
	if err != nil {
		return e, fmt.Errorf("fingerprints of story %d: %w", id, err)
	}
	return e, nil
}

// docEntryFormat is the first byte of a docEntry in binary form; entries
// written before it are JSON, which starts with '{'. Identity reads entries
// for every candidate of every new item, and JSON was most of its cost.
//
//	0x02, uvarint len + Bands, uvarint count + (uvarint len + source, story.Doc)…,
//	uvarint len + JSON of Joins (0 when none)
const docEntryFormat = 2

func (e *docEntry) appendBinary(b []byte) ([]byte, error) {
	b = append(b, docEntryFormat)
	b = codec.AppendBytes(b, e.Bands)
	b = binary.AppendUvarint(b, uint64(len(e.Docs)))
	for _, d := range e.Docs {
		b = codec.AppendString(b, d.Source)
		var err error
		if b, err = d.Doc.AppendBinary(b); err != nil {
			return nil, err
		}
	}
	var joins []byte
	if len(e.Joins) > 0 {
		var err error
		if joins, err = json.Marshal(e.Joins); err != nil {
			return nil, err
		}
	}
	return codec.AppendBytes(b, joins), nil
}

func decodeDocEntry(v []byte) (docEntry, error) {
	var e docEntry
	switch {
	case len(v) == 0:
		return e, nil
	case v[0] == '{':
		return e, json.Unmarshal(v, &e)
	case v[0] != docEntryFormat:
		return e, fmt.Errorf("entry in format %d, want %d", v[0], docEntryFormat)
	}
	r := codec.Reader{B: v[1:]}
	e.Bands = bytes.Clone(r.Bytes())
	// A story.Doc takes at least a few bytes: ten is a safe floor.
	e.Docs = make([]sourceDoc, r.Count(10))
	for i := range e.Docs {
		src := r.String()
		if r.Err != nil {
			return e, r.Err
		}
		doc, rest, err := story.DecodeDoc(r.B)
		if err != nil {
			return e, err
		}
		e.Docs[i], r.B = sourceDoc{Source: src, Doc: doc}, rest
	}
	joins := r.Bytes()
	if r.Err != nil {
		return e, r.Err
	}
	if len(joins) > 0 {
		if err := json.Unmarshal(joins, &e.Joins); err != nil {
			return e, err
		}
	}
	return e, nil
}

// indexDoc files in's fingerprint under story id, with why it joined when
// it did (its Source, GUID and At are set here). An item without a
// fingerprint files nothing.
// With replace (refile), in's fingerprint is added beside the first one
// w's source filed, or takes the place of the last correction's. A band key
// the story has filed already is not written again.
func (w *writer) indexDoc(id uint64, in *Incoming, why *Join, replace bool) error {
	in.fingerprint()
	if in.Doc == nil {
		return nil
	}
	tx := w.stories.Tx()
	bands, err := tx.CreateBucketIfNotExists(bucketFPBands)
	if err != nil {
		return fmt.Errorf("fingerprint index: %w", err)
	}
	docs, err := tx.CreateBucketIfNotExists(bucketFPDocs)
	if err != nil {
		return fmt.Errorf("fingerprint index: %w", err)
	}
	docs.FillPercent = appendFill
	w.dateDoc(in)
	unix := max(0, in.Doc.Published.Unix())
	pub := u64(uint64(unix))
	e, err := loadDocs(docs, id)
	if err != nil {
		return err
	}
	for _, b := range in.Doc.Bands() {
		prefix := bandPrefix(uint32(period(unix)), b)
		if hasBandRef(e.Bands, prefix) {
			continue // filed under this story by another occurrence
		}
		if err := bands.Put(binary.BigEndian.AppendUint64(prefix, id), pub); err != nil {
			return fmt.Errorf("fingerprint index: story %d: %w", id, err)
		}
		e.Bands = append(e.Bands, prefix...)
	}
	mine, n := -1, 0
	for i, d := range e.Docs {
		if replace && d.Source == w.source {
			mine, n = i, n+1
		}
	}
	if n >= 2 {
		e.Docs[mine].Doc = in.Doc
	} else {
		e.Docs = append(e.Docs, sourceDoc{Source: w.source, Doc: in.Doc})
	}
	if why != nil {
		j := *why
		j.Source, j.GUID, j.At = w.source, in.Item.GUID, w.now
		e.Joins = append(e.Joins, j)
	}
	v, err := e.appendBinary(nil)
	if err != nil {
		return fmt.Errorf("fingerprints of story %d: %w", id, err)
	}
	if err := docs.Put(u64(id), v); err != nil {
		return fmt.Errorf("fingerprints of story %d: %w", id, err)
	}
	return nil
}

// refile files in's fingerprint for the occurrence of w's source in story
// id beside its first one: an outlet that corrects its item (a death toll,
// a name in the headline) is then found by coverage of the corrected facts,
// where its first fingerprint's numbers would forbid the join, and still
// by coverage of the first version. An outlet keeps two fingerprints at
// most, its first and its latest; the band keys of every version stay
// filed, as they stay listed.
func (w *writer) refile(id uint64, in *Incoming) error {
	in.fingerprint()
	if in.Doc == nil {
		return nil
	}
	return w.indexDoc(id, in, nil, true)
}

// Explanation is how a story came together, for admins.
type Explanation struct {
	Story feeds.Story
	// Representative is the source whose occurrence created the story: its
	// title and link are the story's, and stay so.
	Representative string
	// MediaFrom is the source whose enclosures and image the story carries
	// when they are not the representative's; empty otherwise.
	MediaFrom string
	// Joins says why each occurrence joined by its text was joined, oldest
	// first; occurrences joined by GUID or canonical link have none.
	Joins []Join
	// Corrected lists the outlets whose item was corrected since it was
	// filed: their corrected version is filed beside their first.
	Corrected []string
}

// Explain returns how story id came together; false when there is no such story.
func (s *Store) Explain(id uint64) (Explanation, bool, error) {
	var ex Explanation
	found := false
	err := s.view(func(tx *bolt.Tx) error {
		var err error
		ex, _, found, err = explainIn(tx, id)
		return err
	})
	if err != nil {
		return Explanation{}, false, fmt.Errorf("store: explain story %d: %w", id, err)
	}
	return ex, found, nil
}

// explainIn returns how story id came together, with its fingerprints;
// false when there is no such story.
func explainIn(tx *bolt.Tx, id uint64) (Explanation, docEntry, bool, error) {
	v := tx.Bucket(bucketStories).Get(u64(id))
	if v == nil {
		return Explanation{}, docEntry{}, false, nil
	}
	var rec record
	if err := decodeRecord(v, &rec); err != nil {
		return Explanation{}, docEntry{}, true, fmt.Errorf("story %d: %w", id, err)
	}
	ex := Explanation{Story: rec.Story, Representative: rec.Rep, MediaFrom: rec.MediaFrom}
	var e docEntry
	if docs := tx.Bucket(bucketFPDocs); docs != nil {
		var err error
		if e, err = loadDocs(docs, id); err != nil {
			return ex, e, true, err
		}
		ex.Joins, ex.Corrected = e.Joins, corrected(e.Docs)
	}
	return ex, e, true, nil
}

// fingerprint makes in.Doc from in.Fingerprint when it is not made yet: it
// costs more than the rest of storing an item, so it is made only for items
// their keys did not find.
func (in *Incoming) fingerprint() {
	if in.Doc == nil && in.Fingerprint != nil {
		in.Doc = in.Fingerprint()
		in.Fingerprint = nil
	}
}

// Comparison is why two stored stories are one or two, for admins: what
// the candidate search and the confirmation said, or would say, of the
// later one's text against the earlier one's.
type Comparison struct {
	Earlier, Later Explanation
	// Fingerprinted reports whether both stories have a fingerprint: an
	// item stored with joining off, or with no text, has none and is
	// never compared.
	Fingerprinted bool
	// SharedSources are the outlets that carried both: an outlet's two
	// items are never one story by their text.
	SharedSources []string
	// SharedBands counts the later story's band keys filed under the
	// earlier one too, in any period; the candidate search finds a story
	// by one at least. LaterBands is how many the later one filed.
	SharedBands, LaterBands int
	// Verdict is the confirmation of the later story's first occurrence
	// against every occurrence of the earlier one, within window.
	Verdict story.Verdict
	// From is the outlet of the later story's first occurrence, the new
	// item of Verdict's pairs; Against is the outlet of the earlier story's
	// occurrence the verdict is of, the story's item of its pairs, and
	// AgainstCorrected whether that was its corrected version. FromText and
	// AgainstText report whether each had a text, or a headline alone;
	// FromLanguage and AgainstLanguage are the languages each was
	// compared in.
	From, Against                 string
	AgainstCorrected              bool
	FromText, AgainstText         bool
	FromLanguage, AgainstLanguage string
	// FirstVersions is the confirmation against the earlier story's
	// occurrences as first filed, leaving out corrections; it differs from
	// Verdict when a correction made the difference.
	FirstVersions story.Verdict
}

// Compare compares stories a and b (in either order); false when either is
// not stored.
func (s *Store) Compare(a, b uint64, window time.Duration) (Comparison, bool, error) {
	earlier, later := min(a, b), max(a, b)
	var c Comparison
	var ok bool
	err := s.view(func(tx *bolt.Tx) error {
		var docs [2]docEntry
		var found bool
		var err error
		if c.Earlier, docs[0], found, err = explainIn(tx, earlier); !found || err != nil {
			return err
		}
		if c.Later, docs[1], found, err = explainIn(tx, later); !found || err != nil {
			return err
		}
		ok = true
		for _, o := range c.Later.Story.Sources {
			for _, e := range c.Earlier.Story.Sources {
				if e.Source == o.Source {
					c.SharedSources = append(c.SharedSources, o.Source)
				}
			}
		}
		// A lookup reads a band key in every period the window overlaps:
		// the periods the two were filed under do not matter here.
		for i := 0; i+bandRef <= len(docs[1].Bands); i += bandRef {
			c.LaterBands++
			for j := 0; j+bandRef <= len(docs[0].Bands); j += bandRef {
				if bytes.Equal(docs[0].Bands[j+4:j+bandRef], docs[1].Bands[i+4:i+bandRef]) {
					c.SharedBands++
					break
				}
			}
		}
		if len(docs[0].Docs) == 0 || len(docs[1].Docs) == 0 {
			return nil
		}
		c.Fingerprinted = true
		from := docs[1].Docs[0]
		c.From, c.FromText, c.FromLanguage = from.Source, from.Doc.BodySize > 0, from.Doc.Language
		var at int
		c.Verdict, at = match(from.Doc, docs[0].Docs, window)
		if at >= 0 {
			against := docs[0].Docs[at]
			c.Against, c.AgainstText, c.AgainstLanguage = against.Source, against.Doc.BodySize > 0, against.Doc.Language
			c.AgainstCorrected, _ = version(docs[0].Docs, at)
		}
		var firsts []sourceDoc
		for i, d := range docs[0].Docs {
			if corrected, _ := version(docs[0].Docs, i); !corrected {
				firsts = append(firsts, d)
			}
		}
		c.Verdict.Candidate = earlier
		c.FirstVersions = c.Verdict // no correction: the same occurrences
		if len(firsts) < len(docs[0].Docs) {
			c.FirstVersions, _ = match(from.Doc, firsts, window)
			c.FirstVersions.Candidate = earlier
		}
		return nil
	})
	if err != nil {
		return Comparison{}, false, fmt.Errorf("store: compare stories %d and %d: %w", a, b, err)
	}
	return c, ok, nil
}
