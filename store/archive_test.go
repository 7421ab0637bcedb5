package store

import (
	"encoding/binary"
	"errors"
	"path/filepath"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// archiveIDs are the ids of an archive's stories, and whether they are in
// feed order (newest SortTime first).
func archiveIDs(t *testing.T, s *testStore, category string, n, upto uint64) (ArchivePage, []uint64) {
	t.Helper()
	page, err := s.Archive(category, n, upto)
	if err != nil {
		t.Fatalf("Archive(%s, %d, %d): %v", category, n, upto, err)
	}
	var ids []uint64
	for i, st := range page.Stories {
		ids = append(ids, st.ID)
		if i > 0 && st.SortTime.After(page.Stories[i-1].SortTime) {
			t.Errorf("archive %d of %s: story %d after an older one", n, category, st.ID)
		}
	}
	return page, ids
}

func TestArchivesByID(t *testing.T) {
	s := newTestStore(t)
	fillStories(t, s, "baotuyenquang", 600) // ids 1-600; every third in van-hoa
	for _, tt := range []struct {
		category        string
		n, upto         uint64
		stories         int
		lowest, highest uint64
		prev, next      int64
		full            bool
	}{
		{AllCategory, 0, 0, 250, 1, 250, -1, 1, true},
		{AllCategory, 1, 0, 250, 251, 500, 0, 2, true},
		{AllCategory, 2, 0, 100, 501, 600, 1, -1, false},
		{AllCategory, 2, 550, 50, 501, 550, 1, 2, false}, // a snapshot: the rest of its archive comes next
		{"van-hoa", 1, 0, 83, 253, 499, 0, 2, true},
		{"van-hoa", 2, 0, 33, 502, 598, 1, -1, false},
	} {
		page, ids := archiveIDs(t, s, tt.category, tt.n, tt.upto)
		lo, hi := ids[0], ids[0]
		for _, id := range ids {
			lo, hi = min(lo, id), max(hi, id)
		}
		if len(ids) != tt.stories || lo != tt.lowest || hi != tt.highest || page.Prev != tt.prev || page.Next != tt.next || page.Full != tt.full {
			t.Errorf("archive %d-%d of %s: %d stories %d-%d, prev %d, next %d, full %v; want %d stories %d-%d, prev %d, next %d, full %v",
				tt.n, tt.upto, tt.category, len(ids), lo, hi, page.Prev, page.Next, page.Full,
				tt.stories, tt.lowest, tt.highest, tt.prev, tt.next, tt.full)
		}
	}
	for _, bad := range [][2]uint64{{3, 0}, {2, 601}, {2, 500}, {1, 501}} {
		if _, err := s.Archive(AllCategory, bad[0], bad[1]); !errors.Is(err, ErrNoArchive) {
			t.Errorf("Archive(all, %d, %d): %v, want ErrNoArchive", bad[0], bad[1], err)
		}
	}
	head, ok, err := s.NewestArchive("van-hoa")
	if err != nil || !ok || head != (ArchiveHead{N: 2, Top: 598}) {
		t.Errorf("NewestArchive(van-hoa) = %+v, %v, %v; want archive 2 up to 598, not full", head, ok, err)
	}
	if _, ok, _ := s.NewestArchive("khong-co"); ok {
		t.Error("a category with no story has a newest archive")
	}
}

// TestNewestArchiveWithoutATopItCanTrust: a store that builds without tops
// wrote to (no tops bucket, or a top whose count is not the index's) is
// walked rather than trusted, and its top is right again after a write.
func TestNewestArchiveWithoutATopItCanTrust(t *testing.T) {
	path := filepath.Join(t.TempDir(), "newswire.db")
	s := openTestStore(t, path, Options{})
	fillStories(t, s, "baotuyenquang", 300)
	s.close()
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		// A build without tops stored stories in van-hoa after story 250
		// set its top: the count moved on, the top did not.
		count := binary.BigEndian.Uint64(tx.Bucket(bucketCounts).Get([]byte("van-hoa")))
		if err := tx.Bucket(bucketTops).Put([]byte("van-hoa"), binary.BigEndian.AppendUint64(u64(250), count-17)); err != nil {
			return err
		}
		// And one before tops: none for all.
		return tx.Bucket(bucketTops).Delete([]byte(AllCategory))
	})
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	s = openTestStore(t, path, Options{})
	for _, c := range []string{"van-hoa", AllCategory, "thoi-su"} {
		head, ok, err := s.NewestArchive(c)
		if err != nil || !ok || head.N != 1 || head.Top < 298 {
			t.Errorf("NewestArchive(%s) = %+v, %v, %v; want archive 1 up to 298 or 300", c, head, ok, err)
		}
	}
	fillMore := []Incoming{news("tq-moi", "https://baotuyenquang.example/tin/moi.html", "Tin mới về lễ hội Lồng Tồng", 10, "van-hoa")}
	s.apply("baotuyenquang", t0.Add(48*time.Hour), fillMore...)
	err = s.db.View(func(tx *bolt.Tx) error {
		if top, valid := readTop(tx, "van-hoa"); !valid || top != 301 {
			t.Errorf("after a write van-hoa's top is %d (trusted %v), want 301", top, valid)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
