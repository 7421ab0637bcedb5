package store

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"testing"
)

// TestAside: what one process sets aside is taken, once, by the next one to
// open the file, and only if nothing was written to it in between.
func TestAside(t *testing.T) {
	ts := newTestStore(t)
	path := ts.Path()
	save := func(ts *testStore, n int) {
		t.Helper()
		err := ts.SaveAside("memo", func(put func(k, v []byte) error) error {
			for i := range n {
				if err := put([]byte(fmt.Sprintf("nguon-%02d", i)), []byte(fmt.Sprintf("tài liệu %d", i))); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	take := func(ts *testStore) (map[string]string, bool, error) {
		got := map[string]string{}
		found, err := ts.TakeAside("memo", func(k, v []byte) error {
			got[string(k)] = string(v)
			return nil
		})
		return got, found, err
	}
	reopen := func(ts *testStore) *testStore {
		ts.close()
		return openTestStore(t, path, Options{})
	}

	tx := ts.txID()
	if _, found, err := take(ts); found || err != nil {
		t.Fatalf("take from a new store: found %v, %v", found, err)
	}
	if ts.txID() != tx {
		t.Fatal("a take that found nothing wrote to the file")
	}
	save(ts, 5)
	save(ts, 3) // replaces the first
	ts = reopen(ts)
	got, found, err := take(ts)
	if err != nil || !found || len(got) != 3 || got["nguon-02"] != "tài liệu 2" {
		t.Fatalf("take after a reopen: found %v, %v, %v", found, err, got)
	}
	ts = reopen(ts)
	if _, found, err := take(ts); found || err != nil {
		t.Fatalf("second take: found %v, %v; want nothing, it was taken", found, err)
	}

	// A write after it was set aside makes it stale, and it is removed.
	save(ts, 3)
	if err := ts.SaveSource(SourceState{ID: "lai-chau", ETag: `"v2"`}); err != nil {
		t.Fatal(err)
	}
	ts = reopen(ts)
	if got, found, err := take(ts); !found || !errors.Is(err, ErrAsideStale) || len(got) != 0 {
		t.Fatalf("take after a later write: found %v, %v, %d pairs; want ErrAsideStale and none", found, err, len(got))
	}
	ts = reopen(ts)
	if _, found, err := take(ts); found || err != nil {
		t.Fatalf("take after a stale one: found %v, %v; want it removed", found, err)
	}

	// Set aside and taken in one process: written after this Open, so stale.
	save(ts, 2)
	if _, _, err := take(ts); !errors.Is(err, ErrAsideStale) {
		t.Fatalf("take in the process that set it aside: %v, want ErrAsideStale", err)
	}

	// An error of the taker leaves what was set aside as it was.
	save(ts, 2)
	ts = reopen(ts)
	boom := errors.New("giải mã hỏng")
	if _, err := ts.TakeAside("memo", func(k, v []byte) error { return boom }); !errors.Is(err, boom) {
		t.Fatalf("take with a failing taker: %v", err)
	}
	if got, found, err := take(ts); !found || err != nil || len(got) != 2 {
		t.Fatalf("take after a failed one: found %v, %v, %v", found, err, got)
	}

	err = ts.SaveAside("memo", func(put func(k, v []byte) error) error { return put([]byte("\x00x"), nil) })
	if err == nil {
		t.Fatal("a key starting with a zero byte was set aside")
	}
}

// TestAsideOutlivesReaders: a process that opens the store, reads and
// closes it between SaveAside and the next Open (an export, a backup)
// leaves the file as it was, and what was set aside is still taken.
func TestAsideOutlivesReaders(t *testing.T) {
	ts := newTestStore(t)
	path := ts.Path()
	fillStories(t, ts, "baotuyenquang", 6)
	err := ts.SaveAside("memo", func(put func(k, v []byte) error) error {
		if err := put([]byte("baotuyenquang"), []byte("tài liệu cuối")); err != nil {
			return err
		}
		return put([]byte("baohagiang"), []byte("tài liệu đầu"))
	})
	if err != nil {
		t.Fatal(err)
	}
	ts.close()
	before, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}

	for range 2 {
		reader := openTestStore(t, path, Options{})
		if got := reader.all(AllCategory, 100); len(got) != 6 {
			t.Fatalf("reader found %d stories, want 6", len(got))
		}
		if _, err := reader.Backup(new(bytes.Buffer)); err != nil {
			t.Fatal(err)
		}
		reader.close()
	}
	if after, err := os.ReadFile(path); err != nil || !bytes.Equal(before, after) {
		t.Fatalf("opening and reading the store changed the file (err %v)", err)
	}

	ts = openTestStore(t, path, Options{})
	got := map[string]string{}
	found, err := ts.TakeAside("memo", func(k, v []byte) error {
		got[string(k)] = string(v)
		return nil
	})
	if !found || err != nil || got["baohagiang"] != "tài liệu đầu" || len(got) != 2 {
		t.Fatalf("take after two readers: found %v, %v, %v; want both pairs", found, err, got)
	}
}
