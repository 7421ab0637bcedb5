package server

import (
	"fmt"
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

type entry struct {
	body     []byte
	etag     string
	modified time.Time
}

func newCache(max int) *cache { return &cache{max: max, entries: make(map[string]*entry)} }

func (c *cache) get(key string, version uint64) (*entry, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if version != c.version {
		return nil, false
	}
	e, ok := c.entries[key]
	return e, ok
}

func (c *cache) put(key string, version uint64, body []byte, modified time.Time) *entry {
	e := &entry{body: body, etag: fmt.Sprintf(`"%016x"`, xxhash.Sum64(body)), modified: modified}
	c.mu.Lock()
	defer c.mu.Unlock()
	switch {
	case version < c.version:
		// Rendered from a store older than what others already cached.
		return e
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
	return e
}
