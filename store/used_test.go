package store

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestUsedBytes: the file grows in large steps and never shrinks, so its
// size says little of what the stories take; UsedBytes says what the pages
// in use take. Retention frees pages, which UsedBytes loses and the file
// size keeps; compact then gives a file about that size.
func TestUsedBytes(t *testing.T) {
	path := filepath.Join(t.TempDir(), "data", "newswire.db")
	ts := openTestStore(t, path, Options{})
	body := strings.Repeat("Nội dung bài viết về đời sống đồng bào vùng cao. ", 40)
	for doc := range 20 {
		var items []Incoming
		for i := range 50 {
			n := doc*50 + i
			it := news(fmt.Sprintf("g%d", n), fmt.Sprintf("https://tin.test/%d.html", n), fmt.Sprintf("Tin số %d về xã %d", n, n), n, "thoi-su")
			it.Item.ContentHTML = "<p>" + body + fmt.Sprint(n) + "</p>"
			items = append(items, it)
		}
		ts.apply("baohagiang", t0.Add(time.Duration(doc)*time.Minute), items...)
	}
	full, err := ts.Stats()
	if err != nil {
		t.Fatal(err)
	}
	if full.UsedBytes <= 0 || full.UsedBytes > full.FileSize {
		t.Fatalf("1000 stories: %d bytes used of a file of %d", full.UsedBytes, full.FileSize)
	}
	if _, err := ts.Prune(t.Context(), t0.Add(2000*time.Minute), Policy{PerCategory: 50}); err != nil {
		t.Fatal(err)
	}
	pruned, err := ts.Stats()
	if err != nil {
		t.Fatal(err)
	}
	if pruned.UsedBytes > full.UsedBytes/2 || pruned.FileSize < full.FileSize {
		t.Fatalf("950 of 1000 stories deleted: %d bytes used (%d before), file %d (%d before)", pruned.UsedBytes, full.UsedBytes, pruned.FileSize, full.FileSize)
	}
	ts.close()
	_, after, err := Compact(path, path+".compact", 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if after > 2*pruned.UsedBytes+64<<10 {
		t.Errorf("compact gave %d bytes where %d were used", after, pruned.UsedBytes)
	}
	t.Logf("1000 stories: %d used of %d; 50 left: %d used of %d; compacted: %d", full.UsedBytes, full.FileSize, pruned.UsedBytes, pruned.FileSize, after)
}
