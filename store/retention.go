package store

import (
	"bytes"
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"slices"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Retention deletes stories by age and by count per category, each with
// every entry that refers to it, and remembers the identity keys of what it
// deleted, so that an outlet still listing an old item does not bring it back
// as new:
//
//	tombstones       hash of "g" + guid key, or "l" + canonical link (16)  → deletion unix nanos (8)
//	tombstone_times  deletion unix nanos (8) + hash (16)                    → empty
//	meta "retention" → JSON RetentionStats
//
// A tombstone holds a hash, not the key: it only has to answer "was this
// deleted?", and 16 bytes of SHA-256 make a false answer as likely as never.
// Tombstones are forgotten after Policy.TombstoneAge, in deletion order.
var (
	bucketTombs     = []byte("tombstones")
	bucketTombTimes = []byte("tombstone_times")
	keyRetention    = []byte("retention")
)

const (
	// defaultPruneBatch is how many stories one retention transaction
	// deletes: small enough that Apply, waiting for the writer lock, waits
	// some milliseconds; large enough that the fsyncs are few.
	defaultPruneBatch = 200
	// tombBatch is how many tombstones one transaction forgets; they are
	// small and touch two buckets only.
	tombBatch = 2000
	// MinTombstoneAge is the least time a tombstone is kept by default: an
	// outlet may list an item for weeks after it was published.
	MinTombstoneAge = 30 * 24 * time.Hour
	tombHashSize    = 16
)

// Policy says which stories retention keeps.
type Policy struct {
	// MaxAge deletes stories whose SortTime is older than now minus MaxAge;
	// zero keeps stories whatever their age.
	MaxAge time.Duration
	// PerCategory keeps the newest PerCategory stories of each category
	// index; an older story leaves the category, and a story that leaves
	// its last category is deleted. The "all" index is not a category: it
	// holds every story there is and loses only deleted ones. Zero means no
	// limit.
	PerCategory int
	// TombstoneAge is how long the identity keys of a deleted story are
	// kept; zero means DefaultTombstoneAge(MaxAge).
	TombstoneAge time.Duration
	// Batch is how many stories one write transaction deletes; zero means 200.
	Batch int
}

// DefaultTombstoneAge is twice maxAge, and at least MinTombstoneAge.
func DefaultTombstoneAge(maxAge time.Duration) time.Duration {
	return max(2*maxAge, MinTombstoneAge)
}

// PruneResult counts what one Prune did.
type PruneResult struct {
	Removed           int `json:"removed"`            // stories deleted with all their entries
	Aged              int `json:"aged"`               // of Removed, those deleted for their age
	LeftCategory      int `json:"left_category"`      // category index entries dropped past PerCategory
	TombstonesAdded   int `json:"tombstones_added"`   // identity keys of deleted stories remembered
	TombstonesExpired int `json:"tombstones_expired"` // tombstones forgotten after TombstoneAge
	Transactions      int `json:"transactions"`       // write transactions committed
}

func (r *PruneResult) add(d PruneResult) {
	r.Removed += d.Removed
	r.Aged += d.Aged
	r.LeftCategory += d.LeftCategory
	r.TombstonesAdded += d.TombstonesAdded
	r.TombstonesExpired += d.TombstonesExpired
	r.Transactions += d.Transactions
}

// RetentionStats is what retention has done to the store since it was
// created, kept in the file so that it survives restarts.
type RetentionStats struct {
	Runs    int         `json:"runs"`
	LastRun time.Time   `json:"last_run"`
	Last    PruneResult `json:"last"` // the last run's result
	// Totals over every run; each transaction adds what it deleted in the
	// same commit, so they are exact even across a crash mid-run.
	Removed           int `json:"removed"`
	LeftCategory      int `json:"left_category"`
	TombstonesExpired int `json:"tombstones_expired"`
	Tombstones        int `json:"tombstones"` // tombstones held now
}

// RetentionStats returns what retention has done to this store.
func (s *Store) RetentionStats() (RetentionStats, error) {
	var rs RetentionStats
	err := s.view(func(tx *bolt.Tx) error {
		var err error
		rs, err = loadRetentionStats(tx)
		return err
	})
	if err != nil {
		return RetentionStats{}, fmt.Errorf("store: retention stats: %w", err)
	}
	return rs, nil
}

func loadRetentionStats(tx *bolt.Tx) (RetentionStats, error) {
	var rs RetentionStats
	v := tx.Bucket(bucketMeta).Get(keyRetention)
	if v == nil {
		return rs, nil
	}
	if err := json.Unmarshal(v, &rs); err != nil {
		return rs, fmt.Errorf("meta %s: %w", keyRetention, err)
	}
	return rs, nil
}

func saveRetentionStats(tx *bolt.Tx, rs RetentionStats) error {
	v, err := json.Marshal(rs)
	if err != nil {
		return fmt.Errorf("meta %s: %w", keyRetention, err)
	}
	return tx.Bucket(bucketMeta).Put(keyRetention, v)
}

// Prune applies p at time now: it deletes the stories older than p.MaxAge,
// then trims every category to its newest p.PerCategory, then forgets the
// tombstones older than p.TombstoneAge. It works in write transactions of
// p.Batch stories, so that Apply and readers never wait long, and one run
// at a time. A partner reading the change log sees neither a gap nor a
// repeat: a deleted story's log entry goes with it, and the others keep
// their sequence numbers. When ctx ends it stops between two transactions
// and returns what it did with ctx's error.
func (s *Store) Prune(ctx context.Context, now time.Time, p Policy) (PruneResult, error) {
	s.pruneMu.Lock()
	defer s.pruneMu.Unlock()
	now = now.UTC()
	if p.Batch <= 0 {
		p.Batch = defaultPruneBatch
	}
	if p.TombstoneAge <= 0 {
		p.TombstoneAge = DefaultTombstoneAge(p.MaxAge)
	}
	var res PruneResult
	if p.MaxAge > 0 {
		cutoff := timeKey(now.Add(-p.MaxAge), 0)
		if err := s.pruneAll(ctx, now, &res, func(pr *pruner) (bool, error) { return pr.removeOlder(cutoff, p.Batch) }); err != nil {
			return res, err
		}
	}
	if p.PerCategory > 0 {
		bounds, err := s.categoryBounds(p.PerCategory)
		if err != nil {
			return res, err
		}
		for _, b := range bounds {
			if err := s.pruneAll(ctx, now, &res, func(pr *pruner) (bool, error) { return pr.leaveOlder(b.category, b.key, p.Batch) }); err != nil {
				return res, err
			}
		}
	}
	cutoff := binary.BigEndian.AppendUint64(nil, uint64(max(0, now.Add(-p.TombstoneAge).UnixNano())))
	if err := s.pruneAll(ctx, now, &res, func(pr *pruner) (bool, error) { return pr.forget(cutoff) }); err != nil {
		return res, err
	}
	err := s.db.Update(func(tx *bolt.Tx) error {
		rs, err := loadRetentionStats(tx)
		if err != nil {
			return err
		}
		rs.Runs++
		rs.LastRun, rs.Last = now, res
		return saveRetentionStats(tx, rs)
	})
	if err != nil {
		return res, fmt.Errorf("store: prune: %w", err)
	}
	return res, nil
}

// pruneAll runs step in write transactions until it reports nothing more.
func (s *Store) pruneAll(ctx context.Context, now time.Time, res *PruneResult, step func(*pruner) (bool, error)) error {
	for {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("store: prune: %w", err)
		}
		more, err := s.pruneTx(now, res, step)
		if err != nil || !more {
			return err
		}
	}
}

// pruneTx runs step in one write transaction, adds what it did to the
// stored totals in the same commit, and reports whether more remains.
func (s *Store) pruneTx(now time.Time, res *PruneResult, step func(*pruner) (bool, error)) (bool, error) {
	tx, err := s.db.Begin(true)
	if err != nil {
		return false, fmt.Errorf("store: prune: %w", err)
	}
	pr := newPruner(tx, now)
	more, err := step(pr)
	if err == nil && !pr.dirty {
		_ = tx.Rollback()
		return more, nil
	}
	if err == nil {
		err = pr.saveTotals()
	}
	if err != nil {
		_ = tx.Rollback()
		return false, fmt.Errorf("store: prune: %w", err)
	}
	if err := s.commit(tx); err != nil {
		return false, fmt.Errorf("store: prune: commit: %w", err)
	}
	pr.did.Transactions = 1
	res.add(pr.did)
	if pr.did.Removed+pr.did.LeftCategory > 0 {
		// Recorded before the version moves, so that a reader who sees
		// the new version finds what changed.
		s.pruned.record(pr.left, pr.relisted)
		s.version.Add(1)
	}
	return more, nil
}

// prunedCategories records, in memory, what retention changed in each
// category. The change log does not tell: a deleted story's entry goes with
// it, and a story that only left a category is no change to partners. Yet
// each feed that held such a story changed, and a WebSub hub must hear of
// it.
type prunedCategories struct {
	mu   sync.Mutex
	mark uint64 // the retention transactions recorded
	// The mark of the last transaction that took a story out of a
	// category, and that took one out of a category (the first) while it
	// stayed in another (the second).
	left     map[string]uint64
	relisted map[[2]string]uint64
}

func (p *prunedCategories) record(left map[string]bool, relisted map[[2]string]bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.mark++
	if p.left == nil {
		p.left, p.relisted = map[string]uint64{}, map[[2]string]uint64{}
	}
	for c := range left {
		p.left[c] = p.mark
	}
	for r := range relisted {
		p.relisted[r] = p.mark
	}
}

// Pruning is what retention changed after a mark.
type Pruning struct {
	// Left lists the categories a story left, deleted or trimmed out of
	// them, sorted. Every deleted story left the "all" index too.
	Left []string
	// Relisted pairs a category a story was trimmed out of with each
	// category it stays in, where it is now listed without the first.
	Relisted [][2]string
}

// Pruned returns what retention changed after mark, and the mark to pass
// next time. A mark from PruneMark or an earlier Pruned starts after what
// it saw; the record is kept in memory only, so it starts again at Open.
func (s *Store) Pruned(mark uint64) (Pruning, uint64) {
	p := &s.pruned
	p.mu.Lock()
	defer p.mu.Unlock()
	var pr Pruning
	for c, m := range p.left {
		if m > mark {
			pr.Left = append(pr.Left, c)
		}
	}
	for r, m := range p.relisted {
		if m > mark {
			pr.Relisted = append(pr.Relisted, r)
		}
	}
	slices.Sort(pr.Left)
	slices.SortFunc(pr.Relisted, func(a, b [2]string) int {
		return cmp.Or(cmp.Compare(a[0], b[0]), cmp.Compare(a[1], b[1]))
	})
	return pr, p.mark
}

// PruneMark is the mark of Pruned now: what retention changes after this
// call.
func (s *Store) PruneMark() uint64 {
	s.pruned.mu.Lock()
	defer s.pruned.mu.Unlock()
	return s.pruned.mark
}

type categoryBound struct {
	category string
	key      []byte // the oldest index key that stays
}

// categoryBounds finds, for every category holding more than keep stories,
// the time-index key of its keep-th newest: the entries before it go.
// Stories stored after this read with an older key are past the limit too.
func (s *Store) categoryBounds(keep int) ([]categoryBound, error) {
	var out []categoryBound
	err := s.view(func(tx *bolt.Tx) error {
		index := tx.Bucket(bucketIndex)
		return index.ForEachBucket(func(name []byte) error {
			if string(name) == AllCategory {
				return nil
			}
			c := index.Bucket(name).Cursor()
			k, _ := c.Last()
			for i := 1; k != nil && i < keep; i++ {
				k, _ = c.Prev()
			}
			if k == nil {
				return nil
			}
			if prev, _ := c.Prev(); prev != nil {
				out = append(out, categoryBound{category: string(name), key: bytes.Clone(k)})
			}
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("store: prune: category sizes: %w", err)
	}
	return out, nil
}

// pruner deletes within one write transaction and counts what it did.
type pruner struct {
	tx                                         *bolt.Tx
	stories, guids, links, index, tombs, times *bolt.Bucket
	now                                        []byte // deletion time, unix nanos
	counts                                     tally  // keys taken from each index
	did                                        PruneResult
	dirty                                      bool               // something was written
	left                                       map[string]bool    // categories a story left
	relisted                                   map[[2]string]bool // a category left, one a story stays in
}

func newPruner(tx *bolt.Tx, now time.Time) *pruner {
	return &pruner{
		tx:       tx,
		stories:  tx.Bucket(bucketStories),
		guids:    tx.Bucket(bucketGUIDs),
		links:    tx.Bucket(bucketLinks),
		index:    tx.Bucket(bucketIndex),
		tombs:    tx.Bucket(bucketTombs),
		times:    tx.Bucket(bucketTombTimes),
		now:      u64(uint64(max(0, now.UnixNano()))),
		counts:   newTally(),
		left:     map[string]bool{},
		relisted: map[[2]string]bool{},
	}
}

// removeOlder deletes up to limit stories whose "all" key sorts before
// cutoff, oldest first.
func (pr *pruner) removeOlder(cutoff []byte, limit int) (bool, error) {
	ids := firstIDs(pr.index.Bucket([]byte(AllCategory)), cutoff, limit)
	for _, id := range ids {
		rec, err := loadRecord(pr.stories, id)
		if err != nil {
			return false, err
		}
		if err := pr.remove(rec); err != nil {
			return false, err
		}
		pr.did.Aged++
	}
	return len(ids) == limit, nil
}

// leaveOlder takes up to limit stories whose key in category sorts before
// bound out of that category, oldest first.
func (pr *pruner) leaveOlder(category string, bound []byte, limit int) (bool, error) {
	b := pr.index.Bucket([]byte(category))
	if b == nil {
		return false, nil
	}
	ids := firstIDs(b, bound, limit)
	for _, id := range ids {
		rec, err := loadRecord(pr.stories, id)
		if err != nil {
			return false, err
		}
		if err := pr.leave(rec, category); err != nil {
			return false, err
		}
	}
	return len(ids) == limit, nil
}

// firstIDs returns the ids of up to limit keys of a time index that sort
// before bound, oldest first.
func firstIDs(b *bolt.Bucket, bound []byte, limit int) []uint64 {
	if b == nil {
		return nil
	}
	var ids []uint64
	c := b.Cursor()
	for k, _ := c.First(); k != nil && len(ids) < limit && bytes.Compare(k, bound) < 0; k, _ = c.Next() {
		if len(k) == 16 {
			ids = append(ids, binary.BigEndian.Uint64(k[8:]))
		}
	}
	return ids
}

// leave takes rec out of category; a story left in none is deleted. It is
// no change for the change log: the story's content did not change.
func (pr *pruner) leave(rec *record, category string) error {
	id := rec.Story.ID
	if err := pr.counts.delete(pr.index.Bucket([]byte(category)), category, timeKey(rec.Story.SortTime, id)); err != nil {
		return fmt.Errorf("story %d: index %s: %w", id, category, err)
	}
	pr.left[category] = true
	for _, c := range rec.Story.Categories {
		if c != category {
			pr.relisted[[2]string{category, c}] = true
		}
	}
	rec.Story.Categories = slices.DeleteFunc(rec.Story.Categories, func(c string) bool { return c == category })
	pr.did.LeftCategory++
	pr.dirty = true
	if len(rec.Story.Categories) == 0 {
		return pr.remove(rec)
	}
	if err := pr.stories.Put(u64(id), encodeRecord(rec)); err != nil {
		return fmt.Errorf("story %d: %w", id, err)
	}
	return nil
}

// remove deletes rec and every entry that refers to it: its time-index keys,
// the GUID and link keys it owns (which become tombstones), its fingerprint
// band keys and record, and its change-log entry.
func (pr *pruner) remove(rec *record) error {
	id := rec.Story.ID
	key := u64(id)
	tk := timeKey(rec.Story.SortTime, id)
	for _, c := range append([]string{AllCategory}, rec.Story.Categories...) {
		if err := pr.counts.delete(pr.index.Bucket([]byte(c)), c, tk); err != nil {
			return fmt.Errorf("story %d: index %s: %w", id, c, err)
		}
	}
	for _, gk := range rec.GUIDKeys {
		if err := pr.dropIdentity(pr.guids, 'g', gk, id); err != nil {
			return fmt.Errorf("story %d: guid key: %w", id, err)
		}
	}
	for _, lk := range rec.LinkKeys {
		if err := pr.dropIdentity(pr.links, 'l', lk, id); err != nil {
			return fmt.Errorf("story %d: link key: %w", id, err)
		}
	}
	if docs := pr.tx.Bucket(bucketFPDocs); docs != nil {
		e, err := loadDocs(docs, id)
		if err != nil {
			return err
		}
		bands := pr.tx.Bucket(bucketFPBands)
		for i := 0; i+bandRef <= len(e.Bands); i += bandRef {
			bk := append(bytes.Clone(e.Bands[i:i+bandRef]), key...)
			if err := deleteKey(bands, bk); err != nil {
				return fmt.Errorf("story %d: fingerprint band: %w", id, err)
			}
		}
		if err := docs.Delete(key); err != nil {
			return fmt.Errorf("story %d: fingerprints: %w", id, err)
		}
	}
	if changes, of := pr.tx.Bucket(bucketChanges), pr.tx.Bucket(bucketChangeOf); changes != nil && of != nil {
		if seq := of.Get(key); seq != nil {
			if err := changes.Delete(bytes.Clone(seq)); err != nil {
				return fmt.Errorf("story %d: change log: %w", id, err)
			}
			if err := of.Delete(key); err != nil {
				return fmt.Errorf("story %d: change log: %w", id, err)
			}
		}
	}
	if err := pr.stories.Delete(key); err != nil {
		return fmt.Errorf("story %d: %w", id, err)
	}
	for _, c := range rec.Story.Categories {
		pr.left[c] = true
	}
	pr.did.Removed++
	pr.dirty = true
	return nil
}

// dropIdentity deletes key from b if it points to story id, and buries it.
// A key another story took over is left to that story.
func (pr *pruner) dropIdentity(b *bolt.Bucket, kind byte, key string, id uint64) error {
	if got, ok := lookup(b, []byte(key)); !ok || got != id {
		return nil
	}
	if err := b.Delete([]byte(key)); err != nil {
		return err
	}
	return pr.bury(tombKey(kind, key))
}

// bury records a tombstone for hash at the pruner's time, moving an older
// one of the same hash.
func (pr *pruner) bury(hash []byte) error {
	if old := pr.tombs.Get(hash); old != nil {
		if bytes.Equal(old, pr.now) {
			return nil
		}
		if err := pr.times.Delete(append(bytes.Clone(old), hash...)); err != nil {
			return err
		}
	} else {
		pr.did.TombstonesAdded++
	}
	if err := pr.tombs.Put(hash, pr.now); err != nil {
		return err
	}
	return pr.times.Put(append(bytes.Clone(pr.now), hash...), nil)
}

// forget deletes up to tombBatch tombstones laid before cutoff (unix
// nanos, 8 bytes), oldest first.
func (pr *pruner) forget(cutoff []byte) (bool, error) {
	var keys [][]byte
	c := pr.times.Cursor()
	for k, _ := c.First(); k != nil && len(keys) < tombBatch && bytes.Compare(k[:min(8, len(k))], cutoff) < 0; k, _ = c.Next() {
		keys = append(keys, bytes.Clone(k))
	}
	for _, k := range keys {
		pr.dirty = true
		if err := pr.times.Delete(k); err != nil {
			return false, fmt.Errorf("tombstone: %w", err)
		}
		if len(k) != 8+tombHashSize {
			continue
		}
		// Only the tombstone's current time counts; bury keeps one per hash.
		if hash := k[8:]; bytes.Equal(pr.tombs.Get(hash), k[:8]) {
			if err := pr.tombs.Delete(hash); err != nil {
				return false, fmt.Errorf("tombstone: %w", err)
			}
			pr.did.TombstonesExpired++
		}
	}
	return len(keys) == tombBatch, nil
}

// saveTotals adds what the pruner did to the stored totals, and the keys it
// took from each index to their counts.
func (pr *pruner) saveTotals() error {
	if err := pr.counts.save(pr.tx); err != nil {
		return err
	}
	rs, err := loadRetentionStats(pr.tx)
	if err != nil {
		return err
	}
	rs.Removed += pr.did.Removed
	rs.LeftCategory += pr.did.LeftCategory
	rs.TombstonesExpired += pr.did.TombstonesExpired
	rs.Tombstones += pr.did.TombstonesAdded - pr.did.TombstonesExpired
	return saveRetentionStats(pr.tx, rs)
}

// tombKey is the tombstone of an identity key: kind 'g' for a GUID key
// (source, NUL, GUID), 'l' for a canonical link.
func tombKey(kind byte, key string) []byte {
	h := sha256.New()
	h.Write([]byte{kind})
	h.Write([]byte(key))
	return h.Sum(nil)[:tombHashSize]
}

// buried reports whether an identity key belonged to a story retention
// deleted, within the tombstones' age.
func buried(tombs *bolt.Bucket, kind byte, key string) bool {
	return tombs != nil && tombs.Get(tombKey(kind, key)) != nil
}

func deleteKey(b *bolt.Bucket, key []byte) error {
	if b == nil {
		return nil
	}
	return b.Delete(key)
}

func loadRecord(stories *bolt.Bucket, id uint64) (*record, error) {
	v := stories.Get(u64(id))
	if v == nil {
		return nil, fmt.Errorf("story %d: %w", id, ErrNotFound)
	}
	rec := new(record)
	if err := decodeRecord(v, rec); err != nil {
		return nil, fmt.Errorf("story %d: %w", id, err)
	}
	return rec, nil
}

// migrateTombstones brings a version-1 store to version 2: the tombstone
// buckets, the change log (logging every story in id order, as a store
// that never had it does on its first write), and the band keys of each
// story's fingerprints, read back from the band index one period at a time.
func migrateTombstones(tx *bolt.Tx) error {
	for _, name := range [][]byte{bucketTombs, bucketTombTimes} {
		if _, err := tx.CreateBucketIfNotExists(name); err != nil {
			return fmt.Errorf("create bucket %s: %w", name, err)
		}
	}
	if _, _, err := changeBuckets(tx); err != nil {
		return fmt.Errorf("change log: %w", err)
	}
	bands, docs := tx.Bucket(bucketFPBands), tx.Bucket(bucketFPDocs)
	if bands == nil || docs == nil {
		return nil
	}
	found := map[uint64][]byte{}
	flush := func() error {
		for id, refs := range found {
			e, err := loadDocs(docs, id)
			if err != nil {
				return err
			}
			e.Bands = append(e.Bands, refs...)
			v, err := json.Marshal(e)
			if err != nil {
				return fmt.Errorf("fingerprints of story %d: %w", id, err)
			}
			if err := docs.Put(u64(id), v); err != nil {
				return fmt.Errorf("fingerprints of story %d: %w", id, err)
			}
		}
		clear(found)
		return nil
	}
	var cur []byte
	c := bands.Cursor()
	for k, _ := c.First(); k != nil; k, _ = c.Next() {
		if len(k) != bandRef+8 {
			continue
		}
		if cur != nil && !bytes.Equal(k[:4], cur) {
			if err := flush(); err != nil {
				return err
			}
		}
		cur = bytes.Clone(k[:4])
		id := binary.BigEndian.Uint64(k[bandRef:])
		found[id] = append(found[id], k[:bandRef]...)
	}
	return flush()
}
