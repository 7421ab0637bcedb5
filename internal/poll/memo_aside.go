package poll

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"slices"
	"sync"

	"github.com/cespare/xxhash/v2"

	"newswire/feeds"
	"newswire/store"
)

// asideName is the name the memo is set aside under in the store.
const asideName = "poll-memo"

// memoFormat is the first byte of a memoDoc set aside: its encoding's
// version. Format 2, without the items' date issues, and format 3, without
// their updated dates' issues, are still read.
const memoFormat = 4

// The flags of a date issue set aside.
const (
	issueFuture  = 1 << iota // feeds.DateIssue.Future
	issueUpdated             // of the item's updated date
)

// buildDigest digests the running executable: a memo set aside by another
// build is not used (see memoSettings), since another sanitiser, router or
// parser could make something else of the same item. Should the file not
// be readable, it is a number no other run draws.
var buildDigest = sync.OnceValue(func() uint64 {
	if path, err := os.Executable(); err == nil {
		if f, err := os.Open(path); err == nil {
			defer f.Close()
			d := xxhash.New()
			if _, err := io.Copy(d, f); err == nil {
				return d.Sum64()
			}
		}
	}
	return rand.Uint64()
})

// Save sets m aside in st, for the next process to open st (Load). Call it
// when polling has stopped, just before closing st: anything written to st
// after it makes it stale.
func (m *Memo) Save(st *store.Store) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	// bbolt keeps what is put until the transaction commits: each
	// document has a buffer of its own.
	return st.SaveAside(asideName, func(put func(k, v []byte) error) error {
		for id, doc := range m.bySource {
			if err := put([]byte(id), doc.appendBinary(make([]byte, 0, 40+20*len(doc.raws)))); err != nil {
				return err
			}
		}
		return nil
	})
}

// Load adds to m what the last process set aside in st, and reports how
// many sources' documents that was; a document it cannot read is skipped.
// It is nothing, with an error that says why, when st was written to since
// (store.ErrAsideStale).
func (m *Memo) Load(st *store.Store) (int, error) {
	docs := make(map[string]memoDoc)
	bad := 0
	_, err := st.TakeAside(asideName, func(k, v []byte) error {
		doc, err := decodeMemoDoc(v)
		if err != nil {
			bad++
			return nil
		}
		docs[string(k)] = doc
		return nil
	})
	if err != nil {
		return 0, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.bySource == nil {
		m.bySource = make(map[string]memoDoc, len(docs))
	}
	for id, doc := range docs {
		m.bySource[id] = doc
	}
	if bad > 0 {
		return len(docs), fmt.Errorf("poll: %d documents set aside could not be read", bad)
	}
	return len(docs), nil
}

// appendBinary encodes d after b: format, key, layout, the item count, each
// item's raw hash, digest and date, the dropped items' digests and reasons,
// the last item's digest, then the digests and date issues of the items not
// dated as their outlet wrote (each with its flags: in the future, of the
// updated date).
func (d memoDoc) appendBinary(b []byte) []byte {
	b = append(b, memoFormat)
	b = binary.LittleEndian.AppendUint64(b, d.key)
	b = binary.LittleEndian.AppendUint64(b, d.context)
	b = binary.LittleEndian.AppendUint64(b, d.itemContext)
	b = binary.AppendUvarint(b, uint64(len(d.raws)))
	for i := range d.raws {
		b = binary.LittleEndian.AppendUint64(b, d.raws[i])
		b = binary.LittleEndian.AppendUint64(b, d.digests[i])
		b = binary.LittleEndian.AppendUint32(b, d.published[i])
	}
	b = binary.AppendUvarint(b, uint64(len(d.drops)))
	for digest, reason := range d.drops {
		b = binary.LittleEndian.AppendUint64(b, digest)
		b = binary.AppendUvarint(b, uint64(len(reason)))
		b = append(b, reason...)
	}
	b = binary.LittleEndian.AppendUint64(b, d.last)
	b = binary.AppendUvarint(b, uint64(len(d.dates)+len(d.updated)))
	for updated, issues := range []map[uint64]feeds.DateIssue{d.dates, d.updated} {
		for digest, issue := range issues {
			b = binary.LittleEndian.AppendUint64(b, digest)
			flags := byte(0)
			if issue.Future {
				flags |= issueFuture
			}
			if updated == 1 {
				flags |= issueUpdated
			}
			b = append(b, flags)
			b = binary.AppendUvarint(b, uint64(len(issue.Raw)))
			b = append(b, issue.Raw...)
		}
	}
	return b
}

var errMemoDoc = errors.New("poll: malformed memo document")

// decodeMemoDoc reads what appendBinary wrote; v is the store's, only valid
// during the transaction, so nothing of it is kept.
func decodeMemoDoc(v []byte) (memoDoc, error) {
	var d memoDoc
	if len(v) < 25 || v[0] != memoFormat && v[0] != 3 && v[0] != 2 {
		return d, errMemoDoc
	}
	format := v[0]
	d.key = binary.LittleEndian.Uint64(v[1:])
	d.context = binary.LittleEndian.Uint64(v[9:])
	d.itemContext = binary.LittleEndian.Uint64(v[17:])
	v = v[25:]
	n, w := binary.Uvarint(v)
	if w <= 0 || n > uint64(len(v)-w)/20 {
		return d, errMemoDoc
	}
	v = v[w:]
	d.raws, d.digests, d.published = make([]uint64, n), make([]uint64, n), make([]uint32, n)
	for i := range n {
		d.raws[i] = binary.LittleEndian.Uint64(v)
		d.digests[i] = binary.LittleEndian.Uint64(v[8:])
		d.published[i] = binary.LittleEndian.Uint32(v[16:])
		v = v[20:]
	}
	if !slices.IsSorted(d.raws) {
		return d, errMemoDoc
	}
	drops, w := binary.Uvarint(v)
	if w <= 0 || drops > uint64(len(v)-w)/9 {
		return d, errMemoDoc
	}
	v = v[w:]
	for range drops {
		if len(v) < 9 {
			return d, errMemoDoc
		}
		digest := binary.LittleEndian.Uint64(v)
		l, w := binary.Uvarint(v[8:])
		if w <= 0 || l > uint64(len(v)-8-w) {
			return d, errMemoDoc
		}
		if d.drops == nil {
			d.drops = make(map[uint64]string, drops)
		}
		d.drops[digest] = string(v[8+w : 8+w+int(l)])
		v = v[8+w+int(l):]
	}
	if len(v) < 8 {
		return d, errMemoDoc
	}
	d.last = binary.LittleEndian.Uint64(v)
	v = v[8:]
	if format == 2 {
		if len(v) != 0 {
			return d, errMemoDoc
		}
		return d, nil
	}
	dates, w := binary.Uvarint(v)
	if w <= 0 || dates > uint64(len(v)-w)/10 {
		return d, errMemoDoc
	}
	v = v[w:]
	known := byte(issueFuture)
	if format == memoFormat {
		known |= issueUpdated
	}
	for range dates {
		if len(v) < 10 || v[8]&^known != 0 {
			return d, errMemoDoc
		}
		digest, flags := binary.LittleEndian.Uint64(v), v[8]
		l, w := binary.Uvarint(v[9:])
		if w <= 0 || l > uint64(len(v)-9-w) {
			return d, errMemoDoc
		}
		issues := &d.dates
		if flags&issueUpdated != 0 {
			issues = &d.updated
		}
		if *issues == nil {
			*issues = make(map[uint64]feeds.DateIssue)
		}
		(*issues)[digest] = feeds.DateIssue{Raw: string(v[9+w : 9+w+int(l)]), Future: flags&issueFuture != 0}
		v = v[9+w+int(l):]
	}
	if len(v) != 0 {
		return d, errMemoDoc
	}
	return d, nil
}
