package store

import (
	"sync/atomic"
	"time"

	bolt "go.etcd.io/bbolt"
)

// WriteStats counts, since Open, the transactions that stored documents
// (Apply): how many there were, what they carried and what they cost the
// disk. With several pollers' documents sharing a transaction (the commit
// delay), Documents per Commits is the sharing; Bytes per Documents is
// what a changed document costs the disk.
type WriteStats struct {
	Commits    int64         // transactions that committed documents
	Documents  int64         // documents (Apply calls) they committed
	Items      int64         // items those documents brought to the store
	Bytes      int64         // pages written for them, meta page included
	CommitTime time.Duration // time spent committing them: writing and syncing
}

// writeCounters are WriteStats as the writer counts them.
type writeCounters struct {
	commits, documents, items, bytes, nanos atomic.Int64
	pageSize                                int64 // the file's, set by Open
}

// count records a committed transaction of group, which took took to commit.
func (c *writeCounters) count(tx *bolt.Tx, group []*applyReq, took time.Duration) {
	items := 0
	for _, r := range group {
		items += len(r.items)
	}
	stats := tx.Stats()
	c.commits.Add(1)
	c.documents.Add(int64(len(group)))
	c.items.Add(int64(items))
	c.bytes.Add(stats.GetPageAlloc() + c.pageSize)
	c.nanos.Add(int64(took))
}

// WriteStats returns what the store's writes of documents have cost since
// Open.
func (s *Store) WriteStats() WriteStats {
	c := &s.writes
	return WriteStats{
		Commits:    c.commits.Load(),
		Documents:  c.documents.Load(),
		Items:      c.items.Load(),
		Bytes:      c.bytes.Load(),
		CommitTime: time.Duration(c.nanos.Load()),
	}
}
