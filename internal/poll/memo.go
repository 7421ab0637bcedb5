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
	bySource map[string][]memoItem // sorted by digest
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
	items := m.bySource[source]
	i, found := slices.BinarySearchFunc(items, digest, func(it memoItem, d uint64) int {
		switch {
		case it.digest < d:
			return -1
		case it.digest > d:
			return 1
		}
		return 0
	})
	if !found {
		return "", false
	}
	return items[i].drop, true
}

// remember replaces what is known of source's last stored document.
func (m *memo) remember(source string, items []memoItem) {
	slices.SortFunc(items, func(a, b memoItem) int {
		switch {
		case a.digest < b.digest:
			return -1
		case a.digest > b.digest:
			return 1
		}
		return 0
	})
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.bySource == nil {
		m.bySource = make(map[string][]memoItem)
	}
	m.bySource[source] = items
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
