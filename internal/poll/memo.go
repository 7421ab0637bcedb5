package poll

import (
	"cmp"
	"encoding/binary"
	"encoding/json"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/cespare/xxhash/v2"

	"newswire/feeds"
	"newswire/internal/config"
)

// Memo remembers, for each source, every item of the last document it
// stored: the hash of its bytes, a digest of it as parsed, its publication
// time, and why a filter dropped it if one did. A changed document then costs
// the parsers only the items whose bytes changed (feeds.ParseChanged), and
// the pipeline (sanitising, routing, fingerprinting, storing) only those
// whose content did: the rest are exactly what the store already holds.
//
// What the pipeline made of an item depends on the settings it ran under, so
// each source's document is kept under a key of those settings (memoKey):
// one Memo serves the pollers of successive configs (Poller.UseMemo), and a
// source whose settings a reload changed starts over with its next document,
// while the others keep theirs. A daemon sets its Memo aside in the store
// when it stops, for the next run of the same build (Save, Load). The zero
// Memo is empty and ready.
type Memo struct {
	mu       sync.Mutex
	bySource map[string]memoDoc
}

// memoDoc is what is known of one source's last stored document: with ten
// thousand sources of fifty items, half a million items, so 20 bytes each in
// three slices sorted alike (a struct would take 24), and the rare dropped
// item's reason in a map of its own. A memoDoc is never changed once made: a
// poll reads it without the lock.
type memoDoc struct {
	key uint64 // memoKey of the settings the document was stored under
	// context and itemContext are the document's feeds.Layout; zero when
	// it was not split into items, and its items have no raw hash.
	context, itemContext uint64
	raws                 []uint64          // hash of each item's bytes, sorted; zero when unknown
	digests              []uint64          // itemDigest of the item at the same index
	published            []uint32          // its publication time, unix seconds; zero when it had none
	drops                map[uint64]string // why a filter dropped an item, by digest; nil when none was
	last                 uint64            // digest of the document's last item, where the oldest leave it
	// dates holds, by digest, the items not dated as their outlet wrote
	// (an unreadable date, one in the future); nil when none is: a
	// skipped item counts in the source's warning as it did when parsed.
	// updated holds the same of their updated dates.
	dates, updated map[uint64]feeds.DateIssue
}

// memoEntry is one item of a document as the memo knows it.
type memoEntry struct {
	raw, digest uint64
	published   uint32
}

// memoItem is one item of a document as the poll saw it.
type memoItem struct {
	memoEntry
	drop    string          // the filter that dropped it; "" when it was stored
	date    feeds.DateIssue // its date, when not taken as the outlet wrote it
	updated feeds.DateIssue // its updated date, likewise
}

// unixSeconds is t as the memo keeps it: seconds from 1970 to 2106, zero
// for no date (or one outside that span).
func unixSeconds(t time.Time) uint32 {
	if s := t.Unix(); s > 0 && s <= math.MaxUint32 {
		return uint32(s)
	}
	return 0
}

// publishedTimes is the publication times of items that had one, parsed or
// taken from the memo alike: the rhythm of a source is measured over its
// whole document.
func publishedTimes(items []memoItem) []time.Time {
	times := make([]time.Time, 0, len(items))
	for _, it := range items {
		if it.published != 0 {
			times = append(times, time.Unix(int64(it.published), 0).UTC())
		}
	}
	return times
}

// doc returns what is known of source's last stored document, if it was
// stored under the settings of key; else nothing.
func (m *Memo) doc(source string, key uint64) memoDoc {
	m.mu.Lock()
	doc := m.bySource[source]
	m.mu.Unlock()
	if doc.key != key {
		return memoDoc{}
	}
	return doc
}

// keep forgets the sources for which key reports none (they are gone) or
// another key than their document's (their settings changed), and returns
// how many it kept and how many of the second kind it forgot.
func (m *Memo) keep(key func(source string) (uint64, bool)) (kept, changed int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for id, doc := range m.bySource {
		k, ok := key(id)
		if ok && k == doc.key {
			continue
		}
		if ok {
			changed++
		}
		delete(m.bySource, id)
	}
	return len(m.bySource), changed
}

// Len is how many sources m knows the last document of.
func (m *Memo) Len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.bySource)
}

// memoSettings digests everything of cfg, bar its sources, that decides
// what the pipeline makes of an item, and the build that runs it. It is
// written as what it leaves out, settings known not to touch an item on its
// way into the store, so that a setting added later counts until someone
// shows it does not.
func memoSettings(cfg *config.Config) uint64 {
	c := *cfg
	c.Sources = nil
	// Where this newswire is reached decides which items are its own
	// coming back (ownAddresses), not the rest of listen and base_url.
	c.Listen, c.BaseURL, c.TagAuthority, c.DataDir = strings.Join(ownAddresses(cfg), " "), "", "", ""
	c.ItemsPerFeed = 0
	c.Poll = config.Poll{MaxItems: cfg.Poll.MaxItems}
	c.Log = config.Log{}
	c.CacheMaxAge, c.WebSub, c.Partners, c.AdminToken = 0, config.WebSub{}, nil, ""
	c.RateLimit, c.Retention, c.MemoryLimitBytes = config.RateLimit{}, config.Retention{}, 0
	return digestJSON(buildDigest(), c)
}

// memoKey is the key of src's documents under the settings digested in
// settings: those and every field of the source that reaches its items
// (not its interval, nor whether it is polled at all).
func memoKey(settings uint64, src config.Source) uint64 {
	src.Interval, src.Disabled = 0, false
	return digestJSON(settings, src)
}

// digestJSON digests v as encoding/json writes it, after seed: every
// exported field, maps in key order.
func digestJSON(seed uint64, v any) uint64 {
	b, err := json.Marshal(v)
	if err != nil {
		// A config is plain data; should it ever not marshal, no key
		// matches another and every document goes through whole.
		return rand.Uint64()
	}
	d := xxhash.New()
	_, _ = d.Write(binary.LittleEndian.AppendUint64(nil, seed))
	_, _ = d.Write(b)
	return d.Sum64()
}

// layout is what feeds.ParseChanged needs of the last document.
func (d memoDoc) layout() feeds.Layout {
	return feeds.Layout{Context: d.context, ItemContext: d.itemContext}
}

// byRaw finds the item whose bytes hash to raw.
func (d memoDoc) byRaw(raw uint64) (memoEntry, bool) {
	if raw == 0 {
		return memoEntry{}, false
	}
	i, found := slices.BinarySearch(d.raws, raw)
	if !found {
		return memoEntry{}, false
	}
	return memoEntry{raw: raw, digest: d.digests[i], published: d.published[i]}, true
}

// byDigest reports whether the document carried an item with this digest,
// and the filter that dropped it. Fifty digests are read faster than they
// would be sorted a second time.
func (d memoDoc) byDigest(digest uint64) (drop string, ok bool) {
	if slices.Contains(d.digests, digest) {
		return d.drops[digest], true
	}
	return "", false
}

// dateIssue is what was wrong with the date of the item of this digest.
func (d memoDoc) dateIssue(digest uint64) feeds.DateIssue {
	return d.dates[digest]
}

// updatedIssue is what was wrong with its updated date.
func (d memoDoc) updatedIssue(digest uint64) feeds.DateIssue {
	return d.updated[digest]
}

// remember replaces what is known of source's last stored document, stored
// under the settings of key. It sorts items by raw hash.
func (m *Memo) remember(source string, key uint64, lay feeds.Layout, items []memoItem) {
	var last uint64
	if len(items) > 0 {
		last = items[len(items)-1].digest
	}
	slices.SortFunc(items, func(a, b memoItem) int { return cmp.Compare(a.raw, b.raw) })
	doc := memoDoc{
		key:     key,
		context: lay.Context, itemContext: lay.ItemContext, last: last,
		raws: make([]uint64, len(items)), digests: make([]uint64, len(items)), published: make([]uint32, len(items)),
	}
	for i, it := range items {
		doc.raws[i], doc.digests[i], doc.published[i] = it.raw, it.digest, it.published
		if it.drop != "" {
			if doc.drops == nil {
				doc.drops = make(map[uint64]string)
			}
			doc.drops[it.digest] = it.drop
		}
		if !it.date.IsZero() {
			if doc.dates == nil {
				doc.dates = make(map[uint64]feeds.DateIssue)
			}
			doc.dates[it.digest] = it.date
		}
		if !it.updated.IsZero() {
			if doc.updated == nil {
				doc.updated = make(map[uint64]feeds.DateIssue)
			}
			doc.updated[it.digest] = it.updated
		}
	}
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
	if o := it.Origin; !o.IsZero() {
		str(o.Title)
		str(o.FeedURL)
		str(o.ID)
		str(o.Link)
		str(o.Level)
	}
	num(int64(len(it.Via)))
	for _, v := range it.Via {
		str(v)
	}
	return d.Sum64()
}
