// Package store is newswire's persistent state: every story once, the
// indexes that find a story again (by outlet GUID and by canonical link) and
// page through it (per category, newest first), what the poller remembers
// of each source, and each source's WebSub subscription. It keeps them in one
// bbolt file.
//
// It finds a story by exact keys (GUID, then the canonical link the caller
// computes), then by text: an item that carries a fingerprint (package story)
// is looked up in an LSH index of recent stories, and each candidate is
// confirmed by story.Confirm. It does not itself judge similarity, route items
// to categories, sanitise HTML or render feeds.
//
// # Representative
//
// The occurrence that created a story is its representative: the story's
// title, link and content are that occurrence's, and only that outlet's edits
// change them. An outlet that joins later (by link or by text) is credited in
// Sources, ordered by publication time so that the first publisher is first,
// but changes neither the story's id, nor its title and link, nor its place
// in any feed: a join never makes a story reappear as new.
//
// # Layout
//
// All keys are fixed-width big-endian where they are numbers, so that byte
// order is numeric order:
//
//	stories  id (8 bytes, from NextSequence)        → record (feeds.Story plus private fields; binary, record.go)
//	guids    source + "\x00" + GUID (or link)       → id
//	links    canonical link                          → id
//	index    one nested bucket per category, and "all":
//	         SortTime unix-nanos (8) + id (8)        → empty
//	sources  source id                               → JSON SourceState
//	subscriptions source id                          → JSON Subscription (its WebSub subscription; since version 7)
//	meta     "schema"                                → schema version (8 bytes)
//	         "sources"                               → keys in sources (8)
//	         "authority"                             → the authority story ids are published under (tag:AUTHORITY,2026:story/N)
//	counts   index name (category or "all")          → keys in that index (8); see counts.go
//	tops     index name                               → the highest story id put in it, and its count then (16); see archive.go
//	fpbands  period (4) + LSH band (8) + id (8)     → publication unix seconds (8); see fingerprint.go
//	fpdocs   id (8)                                  → fingerprints of its occurrences, why each joined, its band keys (binary, fingerprint.go)
//	changes, change_of                               the change log for partners; see since.go
//	tombstones, tombstone_times                      identity keys of deleted stories; see retention.go
//	aside    one nested bucket per name                what a process left for the next; see aside.go
//
// A story's SortTime is fixed when it is created, so its time-index keys never
// move: an outlet's edit changes the story in place, and a partner paging with
// a cursor neither misses nor repeats a story.
//
// The schema version counts layout changes. Open migrates an older file
// forward, all migrations in one write transaction, and refuses a newer one
// (ErrSchema). A file already at this build's version is not written to by
// Open: a commit would move it to a new transaction, and what the last
// process set aside (aside.go) would go stale.
//
// # Counts
//
// Stats reports how many stories each index holds, and how many sources are
// saved, from the counts bucket and meta "sources": a few keys, read without
// touching the indexes, however large. Every write that adds or removes an
// index key (Apply, retention) or a source changes its count in the same
// transaction, so a rolled-back write changes neither. Each index has its
// count from the transaction that creates it; an index emptied by retention
// keeps its bucket and counts 0. Version 3 added the counts: opening an older
// file counts every index once by walking it.
//
// # Retention
//
// Prune deletes stories older than a maximum age and trims each category to
// its newest stories, in small write transactions; a story goes with every
// entry that refers to it, and its GUID and link keys become tombstones, so
// that an outlet still listing the item does not bring it back (Apply counts
// it Expired). RetentionStats reports what was removed; Pruned, the
// categories whose stories a run deleted or trimmed since a mark, which the
// change log cannot tell (a WebSub publisher pings their feeds).
//
// # Transactions
//
// Apply writes one fetched document in one write transaction, which is far
// cheaper than one per item; when nothing changed it rolls back, so an
// unchanged feed costs no disk write at all. bbolt allows one writer at a time:
// Apply calls that arrive while another writes, or within the commit delay
// (SetCommitDelay), share one transaction, each still succeeding or failing
// alone (group.go).
//
// Reads are short transactions. ForEach pages through the stories in read
// transactions of a few hundred records and calls its function outside them,
// so a long export neither pins old pages nor blocks a writer that must grow
// the memory map. Backup is the exception: tx.WriteTo needs one read
// transaction for the whole copy to be consistent. Opening a write
// transaction while the same goroutine holds a read one deadlocks in bbolt,
// which is why no callback here runs inside a transaction.
//
// # Caveats
//
// The file never shrinks; compacting it needs exclusive access (the daemon
// stopped), and keeps every bucket's sequence. Story ids and change cursors
// are those sequences (Counters): a backup put in the place of a store that
// went on after it must be raised to that store's counters first (GoOn), or
// it hands out again ids and cursors that readers and partners hold. A process killed mid-write loses only the open transaction. A full
// disk, or Options.MaxSize, fails the commit and rolls it back.
package store
