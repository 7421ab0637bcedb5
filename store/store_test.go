package store

import (
	"bytes"
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"newswire/feeds"
)

func TestOpenCreatesDirectory(t *testing.T) {
	path := filepath.Join(t.TempDir(), "a", "b", "newswire.db")
	s := openTestStore(t, path, Options{})
	if s.Path() != path {
		t.Errorf("Path = %q, want %q", s.Path(), path)
	}
	if _, err := os.Stat(path); err != nil {
		t.Fatal(err)
	}
}

func TestOpenLocked(t *testing.T) {
	s := newTestStore(t)
	start := time.Now()
	second, err := Open(s.Path(), Options{Timeout: 100 * time.Millisecond})
	if err == nil {
		_ = second.Close()
		t.Fatal("second Open of a locked file succeeded")
	}
	if !errors.Is(err, ErrLocked) {
		t.Errorf("err = %v, want ErrLocked", err)
	}
	// The default timeout is 5s: returning well before it shows ours was used.
	if waited := time.Since(start); waited > 3*time.Second {
		t.Errorf("gave up after %v, want about 100ms", waited)
	}
}

func TestOpenRefusesNewerSchema(t *testing.T) {
	path := filepath.Join(t.TempDir(), "newswire.db")
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		b, err := tx.CreateBucket(bucketMeta)
		if err != nil {
			return err
		}
		return b.Put(keySchema, binary.BigEndian.AppendUint64(nil, schemaVersion+1))
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	s, err := Open(path, Options{})
	if err == nil {
		_ = s.Close()
	}
	if !errors.Is(err, ErrSchema) {
		t.Fatalf("err = %v, want ErrSchema", err)
	}
	// The refused file is closed again: it can be opened at once.
	db, err = bolt.Open(path, 0o600, &bolt.Options{Timeout: 100 * time.Millisecond})
	if err != nil {
		t.Fatalf("file still locked after refusal: %v", err)
	}
	_ = db.Close()
}

func TestReopenKeepsEverything(t *testing.T) {
	path := filepath.Join(t.TempDir(), "newswire.db")
	s := openTestStore(t, path, Options{})
	fillStories(t, s, "baotuyenquang", 30)
	s.apply("baohagiang", t0, news("hg-1", "https://baotuyenquang.example/tin/3.html", "Hà Giang đưa tin Tuyên Quang", 0, "tin-tinh"))
	if err := s.SaveSource(SourceState{ID: "baotuyenquang", ETag: `W/"42"`, TotalNew: 30}); err != nil {
		t.Fatal(err)
	}
	before := s.all(AllCategory, 100)
	s.close()

	s = openTestStore(t, path, Options{})
	if got := s.all(AllCategory, 100); !equalStories(got, before) {
		t.Errorf("stories changed across reopen")
	}
	if st, ok, err := s.Source("baotuyenquang"); err != nil || !ok || st.ETag != `W/"42"` || st.TotalNew != 30 {
		t.Errorf("Source after reopen = %+v, %v, %v", st, ok, err)
	}
	if got := ids(s.all("tin-tinh", 10)); !slices.Equal(got, []uint64{4}) {
		t.Errorf("tin-tinh after reopen = %v, want the joined story 4", got)
	}
	// Hashes and indexes survive: the same document is unchanged, and ids go on.
	res := s.apply("baohagiang", t0, news("hg-1", "https://baotuyenquang.example/tin/3.html", "Hà Giang đưa tin Tuyên Quang", 0, "tin-tinh"))
	if res != (Result{Unchanged: 1}) {
		t.Errorf("re-apply after reopen: %+v", res)
	}
	s.apply("baohagiang", t0, news("hg-2", hgLink, "Tin mới sau khi khởi động lại", 0))
	if _, ok, _ := s.Story(31); !ok {
		t.Error("next id after reopen is not 31")
	}
}

func TestBackup(t *testing.T) {
	s := newTestStore(t)
	fillStories(t, s, "baotuyenquang", 80)
	path := filepath.Join(t.TempDir(), "backup.db")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	n, err := s.Backup(f)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(path); err != nil || fi.Size() != n {
		t.Fatalf("backup file %v bytes, Backup said %d (%v)", fi.Size(), n, err)
	}
	// The copy is taken while the original keeps changing.
	s.apply("baohagiang", t0, news("hg-1", hgLink, "Tin sau bản sao", 0))

	b := openTestStore(t, path, Options{})
	want := slices.DeleteFunc(s.all(AllCategory, 100), func(st feeds.Story) bool { return st.Title == "Tin sau bản sao" })
	if got := b.all(AllCategory, 100); !equalStories(got, want) {
		t.Errorf("backup holds %d stories, want the %d before the copy", len(got), len(want))
	}
}

func TestStats(t *testing.T) {
	s := newTestStore(t)
	fillStories(t, s, "baotuyenquang", 30)
	if err := s.SaveSource(SourceState{ID: "baotuyenquang"}); err != nil {
		t.Fatal(err)
	}
	st, err := s.Stats()
	if err != nil {
		t.Fatal(err)
	}
	if st.Stories != 30 || st.Categories["thoi-su"] != 30 || st.Categories["van-hoa"] != 10 || len(st.Categories) != 2 || st.Sources != 1 {
		t.Errorf("Stats = %+v", st)
	}
	fi, err := os.Stat(s.Path())
	if err != nil || st.FileSize != fi.Size() {
		t.Errorf("FileSize %d, file %v (%v)", st.FileSize, fi.Size(), err)
	}
}

func TestMaxSize(t *testing.T) {
	s := openTestStore(t, filepath.Join(t.TempDir(), "newswire.db"), Options{MaxSize: 1 << 20})
	big := make([]byte, 64<<10)
	for i := range big {
		big[i] = 'a' + byte(i%26)
	}
	var stored int
	for i := range 100 {
		in := news("hg-"+string(rune('A'+i)), "", "Bài dài", i)
		in.Item.ContentHTML = string(big) + string(rune('A'+i))
		_, err := s.Apply("baohagiang", []Incoming{in}, t0)
		if errors.Is(err, ErrFull) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		stored++
	}
	if stored == 0 || stored == 100 {
		t.Fatalf("stored %d items of 64 KiB under a 1 MiB cap", stored)
	}
	// What was stored before the failed commit is intact.
	if got := len(s.all(AllCategory, 200)); got != stored {
		t.Errorf("%d stories after the cap, want %d", got, stored)
	}
}

func equalStories(a, b []feeds.Story) bool {
	return slices.EqualFunc(a, b, func(x, y feeds.Story) bool {
		return x.ID == y.ID && x.Title == y.Title && x.Link == y.Link && x.SortTime.Equal(y.SortTime) &&
			x.FirstSeen.Equal(y.FirstSeen) && slices.Equal(x.Categories, y.Categories) && len(x.Sources) == len(y.Sources)
	})
}

// TestOpenReadOnly: a store opened for reading reads as it was written,
// beside another reader, refuses every write with an error, and holds off
// a writer (the daemon) as a reader does; a file that does not exist or
// whose schema must be migrated is refused rather than created or changed.
func TestOpenReadOnly(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "newswire.db")
	s := openTestStore(t, path, Options{})
	fillStories(t, s, "baotuyenquang", 12)
	want := s.all(AllCategory, 100)
	s.close()
	before, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}

	ro, err := Open(path, Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	other, err := Open(path, Options{ReadOnly: true, Timeout: time.Second})
	if err != nil {
		t.Fatalf("a second reader: %v", err)
	}
	page, err := other.Latest(AllCategory, 100, "")
	if err != nil || !equalStories(page.Stories, want) {
		t.Errorf("second reader's stories differ (err %v)", err)
	}
	_ = other.Close()
	page, err = ro.Latest(AllCategory, 100, "")
	if err != nil || !equalStories(page.Stories, want) {
		t.Errorf("stories read from the read-only store differ (err %v)", err)
	}
	var backup bytes.Buffer
	if _, err := ro.Backup(&backup); err != nil || backup.Len() == 0 {
		t.Errorf("backup of the read-only store: %d bytes, %v", backup.Len(), err)
	}
	if _, err := ro.Apply("baohagiang", []Incoming{news("hg-ro", "https://baohagiang.example/ro.html", "Tin", 0, "tin-tinh")}, t0); err == nil {
		t.Error("Apply on a read-only store succeeded")
	}
	if w, err := Open(path, Options{Timeout: 100 * time.Millisecond}); !errors.Is(err, ErrLocked) {
		if err == nil {
			_ = w.Close()
		}
		t.Errorf("a writer beside the reader: %v, want ErrLocked", err)
	}
	if err := ro.Close(); err != nil {
		t.Fatal(err)
	}
	if after, err := os.ReadFile(path); err != nil || !bytes.Equal(before, after) {
		t.Errorf("reading changed the file (err %v)", err)
	}

	if _, err := Open(filepath.Join(dir, "none.db"), Options{ReadOnly: true}); err == nil {
		t.Error("a missing file opened for reading")
	}
	if _, err := os.Stat(filepath.Join(dir, "none.db")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("opening a missing file for reading created it (%v)", err)
	}
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	_ = db.Update(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketMeta).Put(keySchema, binary.BigEndian.AppendUint64(nil, schemaVersion-1))
	})
	_ = db.Close()
	if _, err := Open(path, Options{ReadOnly: true}); !errors.Is(err, ErrMigrate) {
		t.Errorf("read-only open of an older schema: %v, want ErrMigrate", err)
	}
}

// TestOpenWaitsForTheFileInPlace: a store put in place of the file while
// Open waited for its lock (as compact and restore do, holding the lock) is
// the one Open gives: what is written after is in the file in the
// directory, not in the one it replaced.
func TestOpenWaitsForTheFileInPlace(t *testing.T) {
	dir := t.TempDir()
	path, next := filepath.Join(dir, "newswire.db"), filepath.Join(dir, "newswire.db.compact")
	for _, f := range []struct{ path, id string }{{path, "cu"}, {next, "moi"}} {
		st, err := Open(f.path, Options{})
		if err != nil {
			t.Fatal(err)
		}
		if err := st.SaveSource(SourceState{ID: f.id}); err != nil {
			t.Fatal(err)
		}
		if err := st.Close(); err != nil {
			t.Fatal(err)
		}
	}
	holder, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	opened := make(chan *Store, 1)
	go func() {
		st, err := Open(path, Options{Timeout: 10 * time.Second})
		if err != nil {
			t.Error(err)
		}
		opened <- st
	}()
	time.Sleep(300 * time.Millisecond) // the second Open waits for the lock
	if err := os.Rename(next, path); err != nil {
		t.Fatal(err)
	}
	if err := holder.Close(); err != nil {
		t.Fatal(err)
	}
	st := <-opened
	if st == nil {
		t.FailNow()
	}
	defer st.Close()
	if _, ok, _ := st.Source("moi"); !ok {
		_, old, _ := st.Source("cu")
		t.Errorf("Open gave the store that was replaced while it waited (its source found: %v), want the one in place", old)
	}
}

// TestOpenGarbageSaysNotAStore: a file that is no bbolt file at all (a
// config saved over the store, say) is named as none of newswire's.
func TestOpenGarbageSaysNotAStore(t *testing.T) {
	path := filepath.Join(t.TempDir(), "newswire.db")
	junk := bytes.Repeat([]byte("Bản tin sáng: mưa lớn ở Hà Giang. Morning bulletin.\n"), 200)
	if err := os.WriteFile(path, junk, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, ro := range []bool{false, true} {
		_, err := Open(path, Options{ReadOnly: ro})
		if err == nil || !strings.Contains(err.Error(), "is not a newswire store") {
			t.Errorf("Open (read-only %v): %v", ro, err)
		}
	}
	if err := CheckFile(path); err == nil || !strings.Contains(err.Error(), "is not a newswire store") {
		t.Errorf("CheckFile: %v", err)
	}
}
