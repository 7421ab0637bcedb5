package server

import (
	"bytes"
	"compress/gzip"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/cespare/xxhash/v2"
)

// cacheEntries is how many renderings the cache keeps, and how many feeds'
// dates (Dates).
const cacheEntries = 512

// cacheBytes bounds the bytes the cached renderings hold, gzip variants
// counted: any client can ask for renderings of 500 stories under as many
// cursors as the store has changes, and a count alone let one client hold
// gigabytes. A rendering over an eighth of it is served without being kept.
const cacheBytes = 32 << 20

// cache keeps rendered responses until the store's version moves on.
type cache struct {
	mu       sync.Mutex
	max      int
	maxBytes int
	bytes    int // the entries' cost
	version  uint64
	entries  map[string]*entry
	// served holds, by key, the validators of the last rendering served,
	// across versions: a document that changed with no newer story in it
	// (retention deleted one, an outlet was credited) must not keep the
	// Last-Modified a client's If-Modified-Since already holds.
	served *Dates
}

// Dates holds, by feed and query, the validators of the last rendering
// served (cache.served). It outlives a Server: a daemon hands its one Dates
// to the Server of every config it runs (Server.UseDates), so that a reload
// does not date a changed feed by its stories again, as if no client held
// a later Last-Modified. The zero value is ready to use.
type Dates struct {
	mu sync.Mutex
	m  map[string]validators
	// floor bounds the Last-Modified a key not held may have been sent
	// with: one forgotten to keep within cacheEntries, or any after a run
	// that stopped without saving (Unsaved). A new rendering of such a key
	// is dated after it.
	floor   time.Time
	changes uint64 // updates so far
	saved   uint64 // changes at the last Save
	key     []byte // digests partners' tokens (SetKey)
}

// savedDates is the file Dates.Save writes.
type savedDates struct {
	Floor time.Time            `json:"floor,omitzero"`
	Feeds map[string]savedDate `json:"feeds"`
}

// savedDate is one feed's validators in the file Dates.Save writes.
type savedDate struct {
	ETag     string    `json:"etag"`
	Modified time.Time `json:"modified"`
	Sent     time.Time `json:"sent"`
}

// Save writes the validators held to path, readable by its owner only, for
// the daemon's next run to Load: what clients were sent stays sent across
// a restart, whatever happened to the store meanwhile.
func (d *Dates) Save(path string) error {
	d.mu.Lock()
	saved := savedDates{Floor: d.floor, Feeds: make(map[string]savedDate, len(d.m))}
	for k, v := range d.m {
		saved.Feeds[k] = savedDate{ETag: v.etag, Modified: v.modified, Sent: v.sent}
	}
	changes := d.changes
	d.mu.Unlock()
	b, err := json.Marshal(saved)
	if err != nil {
		return err
	}
	tmp := path + ".tmp"
	_ = os.Remove(tmp) // one a broken save left keeps its mode on open
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		return err
	}
	d.mu.Lock()
	d.saved = max(d.saved, changes)
	d.mu.Unlock()
	return nil
}

// SaveIfChanged saves to path (Save) when the validators held changed since
// the last save, and reports whether it did: the daemon saves them every so
// often, so that a crash loses only the dates sent since.
func (d *Dates) SaveIfChanged(path string) (bool, error) {
	d.mu.Lock()
	changed := d.changes != d.saved
	d.mu.Unlock()
	if !changed {
		return false, nil
	}
	return true, d.Save(path)
}

// Load takes in the validators an earlier run saved at path (Save), beside
// those held; a missing file is no error.
func (d *Dates) Load(path string) error {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	var saved savedDates
	if err = json.Unmarshal(b, &saved); err == nil && saved.Feeds == nil {
		// Saved before the floor was: the feeds alone.
		err = json.Unmarshal(b, &saved.Feeds)
	}
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	d.mu.Lock()
	unsaved := d.changes != d.saved
	d.floor = later(d.floor, saved.Floor)
	d.mu.Unlock()
	for k, v := range saved.Feeds {
		if d.datesKey(k) != k {
			// Saved before keys held digests of tokens: the file is
			// to be saved again without them.
			unsaved = true
		}
		d.update(k, func(last validators, ok bool) (validators, bool) {
			return validators{etag: v.ETag, modified: v.Modified, sent: later(last.sent, v.Sent)}, !ok
		})
	}
	if !unsaved {
		// What was loaded is in the file already.
		d.mu.Lock()
		d.saved = d.changes
		d.mu.Unlock()
	}
	return nil
}

// Unsaved says that the run before this one may have sent, until at, dates
// that were not saved (it stopped without its last save: a crash): a feed
// that changes from now on is dated after at, whatever its stories say or
// the dates held say. Until it changes, a feed answers If-Modified-Since
// by the date it is served with now.
func (d *Dates) Unsaved(at time.Time) {
	at = at.UTC().Truncate(time.Second)
	d.mu.Lock()
	defer d.mu.Unlock()
	d.floor = later(d.floor, at)
	for k, v := range d.m {
		// Its rendering may have changed since, and changed back.
		v.etag, v.sent = "", later(v.sent, at)
		d.m[k] = v
	}
	d.changes++
}

// UseDates makes the server date its feeds by the validators held in d,
// which earlier servers may have served already. Call it before serving.
func (s *Server) UseDates(d *Dates) { s.cache.served = d }

// datesKey is the key under which d holds the validators of the rendering
// cached under key: a partner's ?token= (last in a canonical query) becomes
// a digest of it, keyed with d's key (SetKey, the install's) when it has
// one, so that newswire.dates, which outlives the config that listed the
// token, holds no token, nor a digest to check guesses against. Applied to
// a key it made, it gives the key back.
func (d *Dates) datesKey(key string) string {
	i := strings.LastIndex(key, "token=")
	if i <= 0 || (key[i-1] != '?' && key[i-1] != '&') {
		return key
	}
	mac := hmac.New(sha256.New, d.key)
	mac.Write([]byte(key[i+len("token="):]))
	return key[:i] + "token-hmac=" + hex.EncodeToString(mac.Sum(nil)[:12])
}

// SetKey makes d digest partners' tokens with key (the install's key for
// digests of secrets). Call it before Load.
func (d *Dates) SetKey(key []byte) {
	d.mu.Lock()
	d.key = key
	d.mu.Unlock()
}

// update replaces the validators held for key (under its datesKey) with
// what f makes of them (ok: some were held; if not, last.sent is the
// floor), unless f says to keep them as they are; it keeps at most
// cacheEntries keys: when full, one other key is forgotten, at random, and
// the floor raised to its date.
func (d *Dates) update(key string, f func(last validators, ok bool) (validators, bool)) {
	key = d.datesKey(key)
	d.mu.Lock()
	defer d.mu.Unlock()
	last, ok := d.m[key]
	if !ok {
		last.sent = d.floor
	}
	v, replace := f(last, ok)
	if !replace {
		return
	}
	if d.m == nil {
		d.m = make(map[string]validators)
	}
	if !ok && len(d.m) >= cacheEntries {
		// A feed's own key (no query) is kept over a page's or a since
		// pull's, which come by the thousand: forgotten, it would be
		// dated anew (after the floor) at its next rendering.
		victim, found := "", false
		for k := range d.m {
			if victim, found = k, true; strings.Contains(k, "?") {
				break
			}
		}
		if found {
			d.floor = later(d.floor, d.m[victim].sent)
			delete(d.m, victim)
		}
	}
	d.m[key] = v
	d.changes++
}

type validators struct {
	etag string
	// modified is the Last-Modified of etag's rendering, which may be
	// ahead of the clock (entry.due).
	modified time.Time
	// sent is the latest Last-Modified sent under the key, whatever the
	// bytes: a different rendering must be dated after it.
	sent time.Time
}

// entry is one rendered response, with every header it is served with built
// once, so that serving it from the cache allocates next to nothing.
type entry struct {
	representation
	etag     string
	modified time.Time // sent as Last-Modified; zero: none
	// due is the Last-Modified the entry takes once the clock reaches it
	// (cache.settle); until then it is sent without one.
	due time.Time

	gzipOnce sync.Once
	gz       *representation // the body gzipped, made when a client first asks
}

// representation is the bytes of an entry as sent, identity or gzip, with
// their fields: header goes with a 200; revalidate is the part of it a 304
// repeats; length goes with a 200 body. The gzip variant has its own strong
// ETag, since its bytes differ.
type representation struct {
	body       []byte
	header     http.Header
	revalidate []field
	length     []string
}

type field struct {
	name  string
	value []string
}

// notModifiedFields are the fields of a cached response a 304 repeats
// (RFC 9110 section 15.4.5): those a cache needs to refresh what it holds,
// and no other representation metadata.
var notModifiedFields = []string{"Etag", "Cache-Control", "Expires", "Vary", "Content-Location"}

func newRepresentation(body []byte, header http.Header) representation {
	r := representation{body: body, header: header, length: []string{strconv.Itoa(len(body))}}
	for _, k := range notModifiedFields {
		if v, ok := header[k]; ok {
			r.revalidate = append(r.revalidate, field{k, v})
		}
	}
	return r
}

func newCache(max int) *cache {
	return &cache{max: max, maxBytes: cacheBytes, entries: make(map[string]*entry), served: &Dates{}}
}

// cost is what an entry holds once its gzip variant is made too, which is
// smaller than the body it compresses.
func (e *entry) cost() int { return 2 * len(e.body) }

// newEntry builds the entry of body; extra headers (the partner cursor) are
// part of the response like the body. A private entry (a partners-only
// feed, read with a token) may be kept by the partner's own client but by
// no shared cache, which would hand it to anyone (RFC 9111, 3.5).
func newEntry(body []byte, contentType string, modified time.Time, maxAge time.Duration, private bool, extra http.Header) *entry {
	e := &entry{
		etag:     fmt.Sprintf(`"%016x"`, xxhash.Sum64(body)),
		modified: modified,
	}
	scope := "public"
	if private {
		scope = "private"
	}
	header := http.Header{
		"Content-Type":  {contentType},
		"Cache-Control": {fmt.Sprintf("%s, max-age=%d", scope, int(maxAge.Seconds()))},
		"Vary":          {"Accept-Encoding"},
		"Etag":          {e.etag},
	}
	if !modified.IsZero() {
		header["Last-Modified"] = []string{modified.UTC().Format(http.TimeFormat)}
	}
	for k, v := range extra {
		header[k] = v
	}
	e.representation = newRepresentation(body, header)
	return e
}

// gzipped returns the gzip variant, compressing once per entry.
func (e *entry) gzipped() *representation {
	e.gzipOnce.Do(func() {
		var buf bytes.Buffer
		zw := gzip.NewWriter(&buf)
		_, _ = zw.Write(e.body) // writes to a bytes.Buffer cannot fail
		_ = zw.Close()
		header := make(http.Header, len(e.header)+2)
		for k, vs := range e.header {
			header[k] = vs
		}
		header["Etag"] = []string{e.etag[:len(e.etag)-1] + `-gz"`}
		header["Content-Encoding"] = []string{"gzip"}
		gz := newRepresentation(buf.Bytes(), header)
		e.gz = &gz
	})
	return e.gz
}

func (c *cache) get(key string, version uint64) (*entry, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if version != c.version {
		return nil, false
	}
	e, ok := c.entries[key]
	return e, ok
}

// stamp dates a new rendering of key. A document whose bytes differ from
// the last one served under key, but whose stories are no newer, changed
// now, and says so in Last-Modified. Whatever its stories say, it is dated
// after every Last-Modified already sent under key for other bytes:
// If-Modified-Since compares whole seconds, and a client holding a document
// of the same second would otherwise be told that it holds this one. A
// Last-Modified is never later than now (RFC 9110, 8.8.2.1): when the
// second after the last one sent is still to come, the entry goes without
// one until then (settle), its ETag validating it meanwhile. stamp must be
// called before e is served.
func (c *cache) stamp(key string, e *entry, now time.Time) {
	now = now.UTC().Truncate(time.Second)
	date := e.modified.UTC().Truncate(time.Second)
	if date.After(now) {
		// A story dated ahead of the clock.
		date = now
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.served.update(key, func(last validators, ok bool) (validators, bool) {
		switch {
		case ok && last.etag == e.etag:
			date = last.modified
		case !last.sent.IsZero() && !date.After(last.sent):
			date = last.sent.Add(time.Second)
			if now.After(date) {
				date = now
			}
		}
		e.setModified(date, now)
		return validators{etag: e.etag, modified: date, sent: later(last.sent, e.modified)}, true
	})
}

// settle returns e with the Last-Modified it is due, once the clock has
// reached it: a copy, which replaces e in the cache. A rendering that is no
// longer the last one served under key stays without: its date may have
// gone to the one that replaced it.
func (c *cache) settle(key string, version uint64, e *entry, now time.Time) *entry {
	now = now.UTC().Truncate(time.Second)
	if e.due.IsZero() || e.due.After(now) {
		return e
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	settled := e
	c.served.update(key, func(last validators, ok bool) (validators, bool) {
		if !ok || last.etag != e.etag || !last.modified.Equal(e.due) {
			return last, false
		}
		d := &entry{etag: e.etag}
		d.representation = newRepresentation(e.body, maps.Clone(e.header))
		d.setModified(e.due, now)
		if version == c.version && c.entries[key] == e {
			c.entries[key] = d
		}
		last.sent = later(last.sent, d.modified)
		settled = d
		return last, true
	})
	return settled
}

// setModified makes t the entry's Last-Modified, or the one it is due when
// t is later than now.
func (e *entry) setModified(t, now time.Time) {
	e.modified, e.due = t, time.Time{}
	if t.After(now) {
		e.modified, e.due = time.Time{}, t
	}
	if e.modified.IsZero() {
		delete(e.header, "Last-Modified")
		return
	}
	e.header["Last-Modified"] = []string{e.modified.UTC().Format(http.TimeFormat)}
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

func (c *cache) put(key string, version uint64, e *entry) {
	c.mu.Lock()
	defer c.mu.Unlock()
	switch {
	case version < c.version:
		// Rendered from a store older than what others already cached.
		return
	case version > c.version:
		clear(c.entries)
		c.version, c.bytes = version, 0
	}
	cost := e.cost()
	if cost > c.maxBytes/8 {
		return
	}
	if old, ok := c.entries[key]; ok {
		c.bytes -= old.cost()
		delete(c.entries, key)
	}
	// Queries with odd limits and cursors could grow this without end:
	// entries go, at random, to make room.
	for k, old := range c.entries {
		if len(c.entries) < c.max && c.bytes+cost <= c.maxBytes {
			break
		}
		c.bytes -= old.cost()
		delete(c.entries, k)
	}
	c.entries[key] = e
	c.bytes += cost
}
