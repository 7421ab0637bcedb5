package store

import (
	"path/filepath"
	"testing"
	"time"
)

// TestPageSize checks that a new store file has pageSize pages, that a file
// made with the operating system's 4 KiB pages (every store before) keeps
// them and works as before, and that Compact rewrites it with pageSize.
func TestPageSize(t *testing.T) {
	dir := t.TempDir()
	s := openTestStore(t, filepath.Join(dir, "new.db"), Options{})
	if got := s.db.Info().PageSize; got != pageSize {
		t.Errorf("new store: %d-byte pages, want %d", got, pageSize)
	}
	s.close()

	old := filepath.Join(dir, "old.db")
	s = openTestStore(t, old, Options{pageSize: 4096})
	fillStories(t, s, "baotuyenquang", 40)
	s.apply("baohagiang", t0, news("hg-1", "https://baotuyenquang.example/tin/3.html", "Hà Giang đưa tin Tuyên Quang", 0, "tin-tinh"))
	want := s.all(AllCategory, 100)
	s.close()

	s = openTestStore(t, old, Options{})
	if got := s.db.Info().PageSize; got != 4096 {
		t.Errorf("reopened store made with 4096-byte pages: %d-byte pages", got)
	}
	if got := s.all(AllCategory, 100); !equalStories(got, want) {
		t.Error("stories of the 4096-byte store changed across reopen")
	}
	s.close()

	compacted := filepath.Join(dir, "compacted.db")
	if _, _, err := Compact(old, compacted, time.Second); err != nil {
		t.Fatal(err)
	}
	s = openTestStore(t, compacted, Options{})
	if got := s.db.Info().PageSize; got != pageSize {
		t.Errorf("compacted store: %d-byte pages, want %d", got, pageSize)
	}
	if got := s.all(AllCategory, 100); !equalStories(got, want) {
		t.Error("compaction into smaller pages changed the stories")
	}
	if got := ids(s.all("tin-tinh", 10)); len(got) != 1 {
		t.Errorf("tin-tinh after compaction = %v, want the one joined story", got)
	}
}
