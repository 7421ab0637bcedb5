// Package store is newswire's persistent state: every story once, the
// indexes that find a story again (by outlet GUID and by canonical link) and
// page through it (per category, newest first), and what the poller remembers
// of each source. It keeps them in one bbolt file.
//
// It does not decide what is the same story beyond exact keys (the caller
// computes the canonical link), route items to categories, sanitise HTML or
// render feeds: it stores what it is given and answers queries.
//
// # Layout
//
// All keys are fixed-width big-endian where they are numbers, so that byte
// order is numeric order:
//
//	stories  id (8 bytes, from NextSequence)        → JSON record (feeds.Story plus private fields)
//	guids    source + "\x00" + GUID (or link)       → id
//	links    canonical link                          → id
//	index    one nested bucket per category, and "all":
//	         SortTime unix-nanos (8) + id (8)        → empty
//	sources  source id                               → JSON SourceState
//	meta     "schema"                                → schema version (8 bytes)
//
// A story's SortTime is fixed when it is created, so its time-index keys never
// move: an outlet's edit changes the story in place, and a partner paging with
// a cursor neither misses nor repeats a story.
//
// # Transactions
//
// Apply writes one fetched document in one write transaction, which is far
// cheaper than one per item; when nothing changed it rolls back, so an
// unchanged feed costs no disk write at all. bbolt allows one writer at a time:
// concurrent Apply calls are safe but run one after another.
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
// stopped). A process killed mid-write loses only the open transaction. A full
// disk, or Options.MaxSize, fails the commit and rolls it back.
package store
