package poll

import (
	"slices"
	"sync"

	"newswire/feeds"
)

// memo remembers, for each source, a digest of every item of the last
// document it stored, and why a filter dropped it if one did. A changed
// document then costs the pipeline (sanitising, routing, fingerprinting,
// storing) only its new and edited items: the rest are exactly what the store
// already holds. It lives in memory, so a restart or a new config starts it
// over, and the first document after that goes through whole.
type memo struct {
	mu       sync.Mutex
	bySource map[string]memoDoc
}

// memoDoc is what is known of one source's last stored document: with ten
// thousand sources of fifty items, half a million digests, so eight bytes
// each, and the rare dropped item's reason in a map of its own.
type memoDoc struct {
	digests []uint64          // sorted
	drops   map[uint64]string // why a filter dropped an item, by digest; nil when none was
}

type memoItem struct {
	digest uint64
	drop   string // the filter that dropped it; "" when it was stored
}

// lookup reports whether the last stored document of source carried an item
// with this digest, and the filter that dropped it.
func (m *memo) lookup(source string, digest uint64) (drop string, ok bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	doc := m.bySource[source]
	if _, found := slices.BinarySearch(doc.digests, digest); !found {
		return "", false
	}
	return doc.drops[digest], true
}

// remember replaces what is known of source's last stored document.
func (m *memo) remember(source string, items []memoItem) {
	doc := memoDoc{digests: make([]uint64, len(items))}
	for i, it := range items {
		doc.digests[i] = it.digest
		if it.drop != "" {
			if doc.drops == nil {
				doc.drops = make(map[uint64]string)
			}
			doc.drops[it.digest] = it.drop
		}
	}
	slices.Sort(doc.digests)
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.bySource == nil {
		m.bySource = make(map[string]memoDoc)
	}
	m.bySource[source] = doc
}

// itemDigest fingerprints an item as parsed, before anything else touches it.
func itemDigest(it *feeds.Item) uint64 {
	d := feeds.NewDigest()
	str, num := d.String, d.Int
	str(it.GUID)
	str(it.Link)
	str(it.Title)
	str(it.Summary)
	str(it.ContentHTML)
	str(it.Language)
	str(it.Image)
	num(it.Published.UnixNano())
	num(it.Updated.UnixNano())
	num(int64(len(it.Labels)))
	for _, l := range it.Labels {
		str(l)
	}
	num(int64(len(it.Authors)))
	for _, a := range it.Authors {
		str(a.Name)
		str(a.Email)
		str(a.URL)
	}
	num(int64(len(it.Enclosures)))
	for _, e := range it.Enclosures {
		str(e.URL)
		str(e.Type)
		num(e.Length)
	}
	return d.Sum64()
}
