package server

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/cespare/xxhash/v2"
)

// cache keeps rendered responses until the store's version moves on.
type cache struct {
	mu      sync.Mutex
	max     int
	version uint64
	entries map[string]*entry
}

// entry is one rendered response, with every header it is served with built
// once, so that serving it from the cache allocates next to nothing.
type entry struct {
	representation
	etag     string
	modified time.Time

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

func newCache(max int) *cache { return &cache{max: max, entries: make(map[string]*entry)} }

// newEntry builds the entry of body; extra headers (the partner cursor) are
// part of the response like the body.
func newEntry(body []byte, contentType string, modified time.Time, maxAge time.Duration, extra http.Header) *entry {
	e := &entry{
		etag:     fmt.Sprintf(`"%016x"`, xxhash.Sum64(body)),
		modified: modified,
	}
	header := http.Header{
		"Content-Type":  {contentType},
		"Cache-Control": {fmt.Sprintf("public, max-age=%d", int(maxAge.Seconds()))},
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

func (c *cache) put(key string, version uint64, e *entry) {
	c.mu.Lock()
	defer c.mu.Unlock()
	switch {
	case version < c.version:
		// Rendered from a store older than what others already cached.
		return
	case version > c.version:
		clear(c.entries)
		c.version = version
	}
	if len(c.entries) >= c.max {
		// Queries with odd limits and cursors could grow this without end;
		// starting over is cheap next to rendering.
		clear(c.entries)
	}
	c.entries[key] = e
}
