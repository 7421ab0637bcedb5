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
	body     []byte
	etag     string
	modified time.Time
	// header is sent with 200 and 304 alike; length only with a 200 body.
	header http.Header
	length []string

	gzipOnce sync.Once
	gz       *variant // the body gzipped, made when a client first asks
}

// variant is the gzip representation of an entry: its own strong ETag, since
// its bytes differ.
type variant struct {
	body   []byte
	header http.Header
	length []string
}

func newCache(max int) *cache { return &cache{max: max, entries: make(map[string]*entry)} }

// newEntry builds the entry of body; extra headers (the partner cursor) are
// part of the response like the body.
func newEntry(body []byte, contentType string, modified time.Time, maxAge time.Duration, extra http.Header) *entry {
	e := &entry{
		body:     body,
		etag:     fmt.Sprintf(`"%016x"`, xxhash.Sum64(body)),
		modified: modified,
		header: http.Header{
			"Content-Type":  {contentType},
			"Cache-Control": {fmt.Sprintf("public, max-age=%d", int(maxAge.Seconds()))},
			"Vary":          {"Accept-Encoding"},
		},
		length: []string{strconv.Itoa(len(body))},
	}
	e.header["Etag"] = []string{e.etag}
	if !modified.IsZero() {
		e.header["Last-Modified"] = []string{modified.UTC().Format(http.TimeFormat)}
	}
	for k, v := range extra {
		e.header[k] = v
	}
	return e
}

// gzipped returns the gzip variant, compressing once per entry.
func (e *entry) gzipped() *variant {
	e.gzipOnce.Do(func() {
		var buf bytes.Buffer
		zw := gzip.NewWriter(&buf)
		_, _ = zw.Write(e.body) // writes to a bytes.Buffer cannot fail
		_ = zw.Close()
		v := &variant{body: buf.Bytes(), header: make(http.Header, len(e.header)+2)}
		for k, vs := range e.header {
			v.header[k] = vs
		}
		v.header["Etag"] = []string{e.etag[:len(e.etag)-1] + `-gz"`}
		v.header["Content-Encoding"] = []string{"gzip"}
		v.length = []string{strconv.Itoa(len(v.body))}
		e.gz = v
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
