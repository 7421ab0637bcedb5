package store

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// TestMigrationsEndAtSchemaVersion: migrations are consecutive and the last
// one reaches schemaVersion, so that a new build cannot forget either.
func TestMigrationsEndAtSchemaVersion(t *testing.T) {
	for i, m := range migrations {
		if m.to != uint64(i+2) {
			t.Errorf("migration %d goes to version %d, want %d", i, m.to, i+2)
		}
	}
	if last := migrations[len(migrations)-1].to; last != schemaVersion {
		t.Errorf("last migration reaches %d, schemaVersion is %d", last, schemaVersion)
	}
}

// writeV1 writes a store as version 1 left it: stories joined by text and
// by link, fingerprints without their band keys, no change log and no
// tombstones, story records in JSON. It is made with this build and then
// rewound, which is exactly what versions 2 to 4 added. It returns each story's band keys as version 2
// records them.
func writeV1(t *testing.T, path string) map[uint64][]string {
	t.Helper()
	ts := openTestStore(t, path, Options{})
	sy := newSynth()
	var own, copies []Incoming
	for i := range 40 {
		own = append(own, sy.item(i))
		if i%4 == 0 {
			c := sy.item(i)
			c.Item.GUID, c.Item.Link = fmt.Sprintf("vov-%d", i), fmt.Sprintf("https://vov.example.vn/%d.html", i)
			c.Key = c.Item.Link
			copies = append(copies, c)
		}
	}
	at := synthT0.Add(40 * 90 * time.Second)
	ts.apply("archive", at, own...)
	if r := ts.apply("vov", at, copies...); r.Joined != len(copies) {
		t.Fatalf("copies: %+v, want all joined", r)
	}
	ts.close()

	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	bands := map[uint64][]string{}
	err = db.Update(func(tx *bolt.Tx) error {
		if err := tx.Bucket(bucketMeta).Put(keySchema, u64(1)); err != nil {
			return err
		}
		if err := rewindCounts(tx); err != nil {
			return err
		}
		if err := rewindRecordsTx(tx); err != nil {
			return err
		}
		for _, b := range [][]byte{bucketTombs, bucketTombTimes, bucketChanges, bucketChangeOf} {
			if err := tx.DeleteBucket(b); err != nil {
				return fmt.Errorf("delete %s: %w", b, err)
			}
		}
		docs := tx.Bucket(bucketFPDocs)
		var keys [][]byte
		if err := docs.ForEach(func(k, _ []byte) error { keys = append(keys, bytes.Clone(k)); return nil }); err != nil {
			return err
		}
		for _, k := range keys {
			e, err := loadDocs(docs, binary.BigEndian.Uint64(k))
			if err != nil {
				return err
			}
			bands[binary.BigEndian.Uint64(k)] = bandList(e.Bands)
			e.Bands = nil
			v, err := json.Marshal(e)
			if err != nil {
				return err
			}
			if err := docs.Put(k, v); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatalf("rewind to version 1: %v", err)
	}
	return bands
}

func bandList(b []byte) []string {
	var out []string
	for i := 0; i+bandRef <= len(b); i += bandRef {
		out = append(out, fmt.Sprintf("%x", b[i:i+bandRef]))
	}
	slices.Sort(out)
	return slices.Compact(out)
}

func schemaOf(t *testing.T, ts *testStore) uint64 {
	t.Helper()
	var v uint64
	err := ts.db.View(func(tx *bolt.Tx) error {
		v = binary.BigEndian.Uint64(tx.Bucket(bucketMeta).Get(keySchema))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// TestMigrateV1 opens a version-1 file: it reaches the current version with
// its band keys rebuilt as version 2 would have written them, every story in
// the change log in id order, its counts equal to a walk, and retention able
// to delete every story whole (the invariant check on close covers every
// bucket).
func TestMigrateV1(t *testing.T) {
	path := filepath.Join(t.TempDir(), "newswire.db")
	want := writeV1(t, path)
	if err := CheckFile(path); err != nil {
		t.Fatalf("CheckFile of a version-1 store: %v", err)
	}

	ts := openTestStore(t, path, Options{})
	if v := schemaOf(t, ts); v != schemaVersion {
		t.Fatalf("schema after Open = %d, want %d", v, schemaVersion)
	}
	err := ts.db.View(func(tx *bolt.Tx) error {
		docs := tx.Bucket(bucketFPDocs)
		for id, bands := range want {
			e, err := loadDocs(docs, id)
			if err != nil {
				return err
			}
			if got := bandList(e.Bands); !slices.Equal(got, bands) {
				return fmt.Errorf("story %d: band keys %v, want %v", id, got, bands)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if st := ts.checkStats("migrated"); st.Stories != 40 {
		t.Errorf("Stats after migration = %+v, want 40 stories", st)
	}
	got, _ := ts.changes(AllCategory, "", 7)
	if ids := ids(got); len(ids) != 40 || !slices.IsSorted(ids) {
		t.Errorf("change log after migration: ids %v, want the 40 stories in id order", ids)
	}
	res, err := ts.Prune(t.Context(), synthT0.Add(400*day), Policy{MaxAge: day})
	if err != nil || res.Removed != 40 {
		t.Fatalf("Prune after migration = %+v, %v; want all 40 removed", res, err)
	}
	ts.close()

	// Opening again migrates nothing and changes nothing.
	ts = openTestStore(t, path, Options{})
	if v := schemaOf(t, ts); v != schemaVersion {
		t.Errorf("schema after second Open = %d", v)
	}
}

// TestMigrateAllOrNothing: a migration that fails leaves the file as the
// version before the first one found it, because all run in Open's one
// write transaction.
func TestMigrateAllOrNothing(t *testing.T) {
	ts := newTestStore(t)
	boom := errors.New("disk said no")
	ms := []migration{
		{to: 2, what: "make a bucket", run: func(tx *bolt.Tx) error {
			_, err := tx.CreateBucket([]byte("made-by-2"))
			return err
		}},
		{to: 3, what: "fail", run: func(*bolt.Tx) error { return boom }},
	}
	err := ts.db.Update(func(tx *bolt.Tx) error {
		if err := tx.Bucket(bucketMeta).Put(keySchema, u64(1)); err != nil {
			return err
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	err = ts.db.Update(func(tx *bolt.Tx) error { return migrate(tx, 1, ms) })
	if !errors.Is(err, boom) || !bytes.Contains([]byte(err.Error()), []byte("migrate schema 2 to 3 (fail)")) {
		t.Fatalf("migrate = %v, want the failing step named", err)
	}
	if v := schemaOf(t, ts); v != 1 {
		t.Errorf("schema after a failed migration = %d, want 1", v)
	}
	err = ts.db.View(func(tx *bolt.Tx) error {
		if tx.Bucket([]byte("made-by-2")) != nil {
			return errors.New("the first migration's bucket survived the failure")
		}
		return nil
	})
	if err != nil {
		t.Error(err)
	}
	// Put the version back so that the cleanup check sees a current store.
	if err := ts.db.Update(func(tx *bolt.Tx) error { return tx.Bucket(bucketMeta).Put(keySchema, u64(schemaVersion)) }); err != nil {
		t.Fatal(err)
	}
}

// TestNewStoreRunsEveryMigration: a new file starts as an empty version-1
// store and goes through every migration.
func TestNewStoreRunsEveryMigration(t *testing.T) {
	ts := newTestStore(t)
	if v := schemaOf(t, ts); v != schemaVersion {
		t.Errorf("new store at schema %d, want %d", v, schemaVersion)
	}
	err := ts.db.View(func(tx *bolt.Tx) error {
		for _, b := range [][]byte{bucketTombs, bucketTombTimes, bucketChanges, bucketChangeOf, bucketCounts, bucketSubscriptions} {
			if tx.Bucket(b) == nil {
				return fmt.Errorf("new store lacks bucket %s", b)
			}
		}
		return nil
	})
	if err != nil {
		t.Error(err)
	}
}
