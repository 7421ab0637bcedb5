package server

import (
	"net/http"
	"testing"
	"time"
)

// TestStampDatesAChangeWithoutNewerStories: a rendering whose bytes differ
// from the last one served under its key, with no newer story in it (a
// story deleted by retention), is dated now, so that a client's
// If-Modified-Since of the old date gets the new document; the same bytes
// keep their date; newer stories date it themselves.
func TestStampDatesAChangeWithoutNewerStories(t *testing.T) {
	c := newCache(16)
	t1 := time.Date(2026, 11, 28, 9, 0, 0, 0, time.UTC)
	now := t1.Add(5 * time.Hour)
	modified := func(e *entry) string { return e.header.Get("Last-Modified") }

	a := newEntry([]byte("<rss>ba tin</rss>"), "application/rss+xml", t1, time.Minute, false, nil)
	c.stamp("all.rss", a, now)
	if !a.modified.Equal(t1) {
		t.Fatalf("first rendering dated %s, want its newest story's %s", a.modified, t1)
	}
	b := newEntry([]byte("<rss>hai tin</rss>"), "application/rss+xml", t1, time.Minute, false, nil)
	c.stamp("all.rss", b, now)
	if !b.modified.Equal(now) || modified(b) != now.Format(http.TimeFormat) {
		t.Errorf("a document changed by a deletion dated %s (%s), want now %s", b.modified, modified(b), now)
	}
	again := newEntry([]byte("<rss>hai tin</rss>"), "application/rss+xml", t1, time.Minute, false, nil)
	c.stamp("all.rss", again, now.Add(time.Hour))
	if !again.modified.Equal(now) {
		t.Errorf("the same bytes rendered again dated %s, want %s", again.modified, now)
	}
	t3 := now.Add(2 * time.Hour)
	d := newEntry([]byte("<rss>bốn tin</rss>"), "application/rss+xml", t3, time.Minute, false, nil)
	c.stamp("all.rss", d, t3.Add(time.Minute))
	if !d.modified.Equal(t3) {
		t.Errorf("a document with a newer story dated %s, want the story's %s", d.modified, t3)
	}
}
