package store

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"newswire/feeds"
)

// testStore is a Store opened on a real file in a temporary directory. On
// cleanup (or an explicit close) it checks bbolt's page consistency and the
// store's own invariants, then closes the file.
type testStore struct {
	*Store
	t    testing.TB
	once sync.Once
}

func newTestStore(t testing.TB) *testStore {
	t.Helper()
	return openTestStore(t, filepath.Join(t.TempDir(), "data", "newswire.db"), Options{})
}

func openTestStore(t testing.TB, path string, opt Options) *testStore {
	t.Helper()
	s, err := Open(path, opt)
	if err != nil {
		t.Fatalf("Open(%s): %v", path, err)
	}
	ts := &testStore{Store: s, t: t}
	t.Cleanup(ts.close)
	return ts
}

func (ts *testStore) close() {
	ts.t.Helper()
	ts.once.Do(func() {
		err := ts.db.View(func(tx *bolt.Tx) error {
			for err := range tx.Check() {
				ts.t.Errorf("bbolt check %s: %v", ts.path, err)
			}
			return checkInvariants(tx)
		})
		if err != nil {
			ts.t.Errorf("check %s: %v", ts.path, err)
		}
		if err := ts.Store.Close(); err != nil {
			ts.t.Errorf("Close: %v", err)
		}
	})
}

// checkInvariants verifies that the indexes and the stories agree: every
// story is in "all" and in each of its categories at its SortTime, every
// index entry it owns points back to it, and no index entry points elsewhere.
func checkInvariants(tx *bolt.Tx) error {
	stories := tx.Bucket(bucketStories)
	index := tx.Bucket(bucketIndex)
	n := 0
	err := stories.ForEach(func(k, v []byte) error {
		n++
		var rec record
		if err := decodeRecord(v, &rec); err != nil {
			return err
		}
		st := rec.Story
		if id := binary.BigEndian.Uint64(k); id != st.ID {
			return fmt.Errorf("story under key %d has id %d", id, st.ID)
		}
		tk := timeKey(st.SortTime, st.ID)
		for _, c := range append([]string{AllCategory}, st.Categories...) {
			b := index.Bucket([]byte(c))
			if b == nil || b.Get(tk) == nil {
				return fmt.Errorf("story %d missing from index %s", st.ID, c)
			}
		}
		if rec.occurrence(rec.Rep) < 0 {
			return fmt.Errorf("story %d: representative %s has no occurrence", st.ID, rec.Rep)
		}
		for _, gk := range rec.GUIDKeys {
			if id, _ := lookup(tx.Bucket(bucketGUIDs), []byte(gk)); id != st.ID {
				return fmt.Errorf("story %d: guid key %q points to %d", st.ID, gk, id)
			}
		}
		for _, lk := range rec.LinkKeys {
			if id, _ := lookup(tx.Bucket(bucketLinks), []byte(lk)); id != st.ID {
				return fmt.Errorf("story %d: link key %q points to %d", st.ID, lk, id)
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	err = index.ForEachBucket(func(name []byte) error {
		keys := 0
		err := index.Bucket(name).ForEach(func(k, _ []byte) error {
			keys++
			st, err := getStory(stories, binary.BigEndian.Uint64(k[8:]))
			if err != nil {
				return fmt.Errorf("index %s: %w", name, err)
			}
			if !bytes.Equal(k, timeKey(st.SortTime, st.ID)) {
				return fmt.Errorf("index %s: key %x is not story %d's", name, k, st.ID)
			}
			if string(name) != AllCategory && !slices.Contains(st.Categories, string(name)) {
				return fmt.Errorf("index %s holds story %d of categories %v", name, st.ID, st.Categories)
			}
			return nil
		})
		if err == nil && string(name) == AllCategory && keys != n {
			err = fmt.Errorf("index all has %d keys for %d stories", keys, n)
		}
		if top, valid := readTop(tx, string(name)); err == nil && valid && top < walkTop(index.Bucket(name)) {
			err = fmt.Errorf("index %s: top %d below its story %d", name, top, walkTop(index.Bucket(name)))
		}
		return err
	})
	if err != nil {
		return err
	}
	for _, b := range [][]byte{bucketGUIDs, bucketLinks} {
		err := tx.Bucket(b).ForEach(func(k, v []byte) error {
			if stories.Get(v) == nil {
				return fmt.Errorf("%s key %q points to missing story %x", b, k, v)
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	if err := checkBandIndex(tx); err != nil {
		return err
	}
	if err := checkChangeLog(tx, n); err != nil {
		return err
	}
	if err := checkCounts(tx); err != nil {
		return err
	}
	return checkTombstones(tx)
}

// walkStats counts what Stats reports by walking every page of the indexes
// and of sources, as Stats did before the counts were kept.
func walkStats(tx *bolt.Tx) (Stats, error) {
	st := Stats{Categories: map[string]int{}}
	index := tx.Bucket(bucketIndex)
	err := index.ForEachBucket(func(name []byte) error {
		n := index.Bucket(name).Stats().KeyN
		if string(name) == AllCategory {
			st.Stories = n
		} else {
			st.Categories[string(name)] = n
		}
		return nil
	})
	if err != nil {
		return Stats{}, err
	}
	st.Sources = tx.Bucket(bucketSources).Stats().KeyN
	return st, nil
}

// checkCounts verifies that the counts bucket holds one count for every
// index and no other, each equal to the keys a walk finds, and that the
// count of sources is right.
func checkCounts(tx *bolt.Tx) error {
	want, err := walkStats(tx)
	if err != nil {
		return err
	}
	got := Stats{Categories: map[string]int{}}
	if err := readCounts(tx, &got); err != nil {
		return err
	}
	if tx.Bucket(bucketCounts).Get([]byte(AllCategory)) == nil {
		return errors.New("counts: no count for index all")
	}
	if got.Stories != want.Stories || got.Sources != want.Sources || !maps.Equal(got.Categories, want.Categories) {
		return fmt.Errorf("counts say %d stories, %d sources, categories %v; a walk finds %d, %d, %v",
			got.Stories, got.Sources, got.Categories, want.Stories, want.Sources, want.Categories)
	}
	return nil
}

// checkBandIndex verifies that every fingerprint record belongs to a
// story and lists exactly the band entries filed under it.
func checkBandIndex(tx *bolt.Tx) error {
	stories, bands, docs := tx.Bucket(bucketStories), tx.Bucket(bucketFPBands), tx.Bucket(bucketFPDocs)
	if bands == nil && docs == nil {
		return nil
	}
	if bands == nil || docs == nil {
		return fmt.Errorf("fpbands exists: %v, fpdocs exists: %v", bands != nil, docs != nil)
	}
	listed := map[string]bool{}
	err := docs.ForEach(func(k, v []byte) error {
		if stories.Get(k) == nil {
			return fmt.Errorf("fpdocs entry of missing story %x", k)
		}
		e, err := decodeDocEntry(v)
		if err != nil {
			return fmt.Errorf("fpdocs %x: %w", k, err)
		}
		if len(e.Bands)%bandRef != 0 {
			return fmt.Errorf("fpdocs %x: %d bytes of band keys", k, len(e.Bands))
		}
		for i := 0; i < len(e.Bands); i += bandRef {
			bk := string(e.Bands[i:i+bandRef]) + string(k)
			if bands.Get([]byte(bk)) == nil {
				return fmt.Errorf("fpdocs %x lists band key %x that fpbands lacks", k, bk)
			}
			listed[bk] = true
		}
		return nil
	})
	if err != nil {
		return err
	}
	return bands.ForEach(func(k, _ []byte) error {
		if len(k) != bandRef+8 {
			return fmt.Errorf("fpbands key %x of %d bytes", k, len(k))
		}
		if stories.Get(k[bandRef:]) == nil {
			return fmt.Errorf("fpbands key %x points to a missing story", k)
		}
		if !listed[string(k)] {
			return fmt.Errorf("fpbands key %x is not listed by its story's fpdocs", k)
		}
		return nil
	})
}

// checkChangeLog verifies that changes and change_of are one map and its
// inverse over exactly the n stored stories, within the log's sequence.
func checkChangeLog(tx *bolt.Tx, n int) error {
	stories, changes, of := tx.Bucket(bucketStories), tx.Bucket(bucketChanges), tx.Bucket(bucketChangeOf)
	if changes == nil || of == nil {
		return fmt.Errorf("change log missing: changes %v, change_of %v", changes != nil, of != nil)
	}
	entries := 0
	err := changes.ForEach(func(seq, v []byte) error {
		entries++
		if binary.BigEndian.Uint64(seq) > changes.Sequence() {
			return fmt.Errorf("change %x is past the log's sequence %d", seq, changes.Sequence())
		}
		if len(v) != 8 && len(v) != 16 {
			return fmt.Errorf("change %x is %d bytes: %x", seq, len(v), v)
		}
		if len(v) == 16 && bytes.Compare(v[8:], seq) >= 0 {
			return fmt.Errorf("change %x says its feeds gave it at %x, not before", seq, v[8:])
		}
		id := v[:8]
		if stories.Get(id) == nil {
			return fmt.Errorf("change %x points to missing story %x", seq, id)
		}
		if !bytes.Equal(of.Get(id), seq) {
			return fmt.Errorf("change %x of story %x, but change_of says %x", seq, id, of.Get(id))
		}
		return nil
	})
	if err != nil {
		return err
	}
	if ofN := of.Stats().KeyN; entries != n || ofN != n {
		return fmt.Errorf("change log has %d changes and %d change_of entries for %d stories", entries, ofN, n)
	}
	return nil
}

// checkTombstones verifies that the tombstones and their time index agree,
// and that the retention totals count them.
func checkTombstones(tx *bolt.Tx) error {
	tombs, times := tx.Bucket(bucketTombs), tx.Bucket(bucketTombTimes)
	if tombs == nil || times == nil {
		return fmt.Errorf("tombstones missing: tombstones %v, tombstone_times %v", tombs != nil, times != nil)
	}
	err := times.ForEach(func(k, _ []byte) error {
		if len(k) != 8+tombHashSize {
			return fmt.Errorf("tombstone time key %x of %d bytes", k, len(k))
		}
		if !bytes.Equal(tombs.Get(k[8:]), k[:8]) {
			return fmt.Errorf("tombstone time key %x, but the tombstone says %x", k, tombs.Get(k[8:]))
		}
		return nil
	})
	if err != nil {
		return err
	}
	rs, err := loadRetentionStats(tx)
	if err != nil {
		return err
	}
	if tn, xn := tombs.Stats().KeyN, times.Stats().KeyN; tn != xn || tn != rs.Tombstones {
		return fmt.Errorf("%d tombstones, %d tombstone times, retention stats count %d", tn, xn, rs.Tombstones)
	}
	return nil
}

// txID is the id of the file's last committed transaction.
func (ts *testStore) txID() int {
	ts.t.Helper()
	var id int
	if err := ts.db.View(func(tx *bolt.Tx) error { id = tx.ID(); return nil }); err != nil {
		ts.t.Fatal(err)
	}
	return id
}

func (ts *testStore) apply(source string, now time.Time, items ...Incoming) Result {
	ts.t.Helper()
	res, err := ts.Apply(source, items, now)
	if err != nil {
		ts.t.Fatalf("Apply(%s): %v", source, err)
	}
	return res
}

func (ts *testStore) story(id uint64) feeds.Story {
	ts.t.Helper()
	st, ok, err := ts.Story(id)
	if err != nil || !ok {
		ts.t.Fatalf("Story(%d) = ok %v, err %v", id, ok, err)
	}
	return st
}

// all pages through category with page size limit and returns the stories.
func (ts *testStore) all(category string, limit int) []feeds.Story {
	ts.t.Helper()
	var out []feeds.Story
	cursor := ""
	for {
		p, err := ts.Latest(category, limit, cursor)
		if err != nil {
			ts.t.Fatalf("Latest(%s, %d, %q): %v", category, limit, cursor, err)
		}
		out = append(out, p.Stories...)
		if p.Next == "" {
			return out
		}
		cursor = p.Next
	}
}

func ids(stories []feeds.Story) []uint64 {
	out := make([]uint64, len(stories))
	for i, st := range stories {
		out[i] = st.ID
	}
	return out
}

var t0 = time.Date(2025, 3, 10, 8, 0, 0, 0, time.UTC)

// news builds an item of source-side identity guid and link, published at
// t0 plus minutes, routed to cats.
func news(guid, link, title string, minutes int, cats ...string) Incoming {
	return Incoming{
		Item: feeds.Item{
			GUID:        guid,
			Link:        link,
			Title:       title,
			Summary:     title + ". Tin từ phóng viên thường trú.",
			ContentHTML: "<p>" + title + "</p>",
			Published:   t0.Add(time.Duration(minutes) * time.Minute),
			Language:    "vi",
			Labels:      []string{"Thời sự"},
		},
		Key:        link,
		Categories: cats,
	}
}
