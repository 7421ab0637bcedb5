package store

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// backupTo writes a backup of ts to a file and returns its path.
func backupTo(t *testing.T, ts *testStore) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "backup.db")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ts.Backup(f); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

func (ts *testStore) counters() Counters {
	ts.t.Helper()
	c, err := ts.Counters()
	if err != nil {
		ts.t.Fatal(err)
	}
	return c
}

// TestGoOn puts a backup in the place of a store that went on after it:
// the backup, raised to the store's counters, neither reuses a story id nor
// a cursor, and a cursor of the history it lost means "after this point".
func TestGoOn(t *testing.T) {
	bridge := news("cau-treo", "https://baohagiang.example.vn/cau-treo", "Khánh thành cầu treo Nậm Lang", 0, "thoi-su")
	bridgeFix := bridge
	bridgeFix.Item.Title = "Khánh thành cầu treo Nậm Lang cho học sinh vùng cao"
	landslide := news("sat-lo", "https://baohagiang.example.vn/sat-lo", "Sạt lở trên quốc lộ 4C", 10, "thoi-su")
	fair := news("hoi-cho", "https://baohagiang.example.vn/hoi-cho", "Hội chợ nông sản vùng cao", 20, "thoi-su")

	ts := newTestStore(t)
	ts.apply("baohagiang", t0, bridge)
	backup := backupTo(t, ts)
	from, err := ReadCounters(backup)
	if err != nil || from != (Counters{Story: 1, Change: 1}) {
		t.Fatalf("ReadCounters(backup) = %+v, %v; want story 1, change 1", from, err)
	}
	ts.apply("baohagiang", t0.Add(time.Hour), bridgeFix, landslide)
	lost := ts.counters()
	partner := ts.head()
	if lost != (Counters{Story: 2, Change: 3}) || partner != lost.Cursor() {
		t.Fatalf("counters %+v, head %s; want story 2, change 3", lost, partner)
	}
	ts.close()

	if err := GoOn(backup, lost, ""); err != nil {
		t.Fatal(err)
	}
	// Raising them again to less changes nothing.
	if err := GoOn(backup, from, ""); err != nil {
		t.Fatal(err)
	}
	restored := openTestStore(t, backup, Options{})
	if got := restored.counters(); got != lost {
		t.Fatalf("restored counters %+v, want %+v", got, lost)
	}
	if got, _ := restored.changes(AllCategory, partner, 10); len(got) > 0 {
		t.Errorf("the partner's cursor gets %q before anything changed", titles(got))
	}
	restored.apply("baohagiang", t0.Add(2*time.Hour), bridge, fair)
	got, next := restored.changes(AllCategory, partner, 10)
	if !slices.Equal(titles(got), []string{fair.Item.Title}) || got[0].ID != 3 {
		t.Fatalf("after the restore the partner gets %v; want the fair as story 3", got)
	}
	if next != ChangeCursor(4) {
		t.Errorf("next cursor %s, want change 4", next)
	}
	// The whole log from an older cursor still has the backup's changes.
	if all, _ := restored.changes(AllCategory, "", 10); !slices.Equal(titles(all), []string{bridge.Item.Title, fair.Item.Title}) {
		t.Errorf("from the start: %q", titles(all))
	}
}

// TestGoOnOlderThanTheLog: a backup written before the change log existed
// gets the log, its stories in it, and the counters on top.
func TestGoOnOlderThanTheLog(t *testing.T) {
	ts := newTestStore(t)
	fillStories(t, ts, "baotuyenquang", 3)
	path := ts.path
	ts.close()
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		if err := tx.DeleteBucket(bucketChanges); err != nil {
			return err
		}
		return tx.DeleteBucket(bucketChangeOf)
	})
	if cerr := db.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		t.Fatal(err)
	}
	if err := GoOn(path, Counters{Story: 10, Change: 20}, ""); err != nil {
		t.Fatal(err)
	}
	s := openTestStore(t, path, Options{})
	if got := s.counters(); got != (Counters{Story: 10, Change: 20}) {
		t.Fatalf("counters %+v", got)
	}
	if all, _ := s.changes(AllCategory, "", 10); len(all) != 3 {
		t.Errorf("the log holds %d stories, want the 3 stored", len(all))
	}
}

func TestCountersUpTo(t *testing.T) {
	backup := Counters{Story: 40, Change: 100}
	tests := []struct {
		cursor string
		want   Counters
	}{
		{ChangeCursor(90), backup},
		{ChangeCursor(100), backup},
		{ChangeCursor(130), Counters{Story: 70, Change: 130}},
	}
	for _, tt := range tests {
		if got, err := backup.UpTo(tt.cursor); err != nil || got != tt.want {
			t.Errorf("UpTo(%s) = %+v, %v; want %+v", tt.cursor, got, err, tt.want)
		}
	}
	if _, err := backup.UpTo("tin-moi"); err == nil {
		t.Error("UpTo of a malformed cursor succeeded")
	}
}

// TestCompactKeepsCounters: compaction rewrites the file, and ids and
// cursors go on from where they were.
func TestCompactKeepsCounters(t *testing.T) {
	ts := newTestStore(t)
	fillStories(t, ts, "baotuyenquang", 5)
	ts.apply("baotuyenquang", t0.Add(time.Hour), news("btq-1", "https://baotuyenquang.example/tin/1.html", "Tin 1 (đã sửa)", 1))
	want := ts.counters()
	path := ts.path
	ts.close()
	dst := filepath.Join(t.TempDir(), "compact.db")
	if _, _, err := Compact(path, dst, time.Second); err != nil {
		t.Fatal(err)
	}
	c := openTestStore(t, dst, Options{})
	if got := c.counters(); got != want {
		t.Fatalf("compacted counters %+v, want %+v", got, want)
	}
}

// TestAuthority: the authority of story ids is recorded once, kept across
// a reopen and a compaction, read by a read-only open, and set by GoOn.
func TestAuthority(t *testing.T) {
	ts := newTestStore(t)
	if a, err := ts.Authority(); err != nil || a != "" {
		t.Fatalf("a new store's authority: %q, %v; want none", a, err)
	}
	if err := ts.SetAuthority("127.0.0.1"); err != nil {
		t.Fatal(err)
	}
	path := ts.path
	ts.close()
	dst := filepath.Join(t.TempDir(), "compact.db")
	if _, _, err := Compact(path, dst, time.Second); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{path, dst} {
		ro := openTestStore(t, p, Options{ReadOnly: true})
		if a, err := ro.Authority(); err != nil || a != "127.0.0.1" {
			t.Errorf("%s: authority %q, %v; want 127.0.0.1", p, a, err)
		}
		ro.close()
	}
	if err := GoOn(dst, Counters{}, "tin.example.vn"); err != nil {
		t.Fatal(err)
	}
	s := openTestStore(t, dst, Options{})
	if a, err := s.Authority(); err != nil || a != "tin.example.vn" {
		t.Errorf("after GoOn: authority %q, %v; want tin.example.vn", a, err)
	}
}
