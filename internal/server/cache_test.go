package server

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
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

// testClock is a clock the test moves by hand.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *testClock) set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

// TestIfModifiedSinceAfterTwoChangesInOneSecond: a feed that changes twice
// within one second, with no newer story, is never answered 304 to the
// Last-Modified of its first change. Its second rendering goes without a
// Last-Modified until the next second, never one ahead of the clock, and
// then takes that second.
func TestIfModifiedSinceAfterTwoChangesInOneSecond(t *testing.T) {
	sec := time.Date(2026, 3, 10, 14, 0, 0, 0, time.UTC)
	clock := &testClock{t: sec.Add(100 * time.Millisecond)}
	fs := newFeedSiteAt(t, "", clock.now)
	fs.fill(t)
	modified := func(header ...string) (int, string) {
		t.Helper()
		resp, _ := fs.get(t, "GET", "/feeds/du-lich.rss", header...)
		return resp.StatusCode, resp.Header.Get("Last-Modified")
	}
	if _, lm := modified(); lm == "" {
		t.Fatal("the first rendering has no Last-Modified")
	}

	// Stories published earlier than those already in the feed: the
	// document changes, its newest story does not.
	fs.apply(t, "vov", story("vov", "cho-phien-dong-van", "Chợ phiên Đồng Văn đông khách dịp cuối tuần", 1, "du-lich"))
	_, first := modified()
	if first != sec.Format(http.TimeFormat) {
		t.Fatalf("changed without a newer story: Last-Modified %q, want now, %q", first, sec.Format(http.TimeFormat))
	}
	clock.set(sec.Add(600 * time.Millisecond))
	fs.apply(t, "vov", story("vov", "homestay-lung-cu", "Homestay ở Lũng Cú kín phòng mùa hoa", 2, "du-lich"))

	if status, _ := modified("If-Modified-Since: " + first); status != http.StatusOK {
		t.Fatalf("If-Modified-Since %s after a second change in the same second: status %d, want 200", first, status)
	}
	status, lm := modified()
	if status != http.StatusOK || lm != "" {
		t.Errorf("second change, same second: status %d, Last-Modified %q; want 200 and none until the next second", status, lm)
	}
	next := sec.Add(time.Second).Format(http.TimeFormat)
	// A date a second ahead of the clock is not one this server gave.
	if status, _ := modified("If-Modified-Since: " + next); status != http.StatusOK {
		t.Errorf("If-Modified-Since ahead of the clock: status %d, want 200", status)
	}

	clock.set(sec.Add(1200 * time.Millisecond))
	if _, lm := modified(); lm != next {
		t.Errorf("in the next second: Last-Modified %q, want %q", lm, next)
	}
	if status, _ := modified("If-Modified-Since: " + first); status != http.StatusOK {
		t.Errorf("in the next second, If-Modified-Since %s: status %d, want 200", first, status)
	}
	if status, _ := modified("If-Modified-Since: " + next); status != http.StatusNotModified {
		t.Errorf("in the next second, If-Modified-Since %s: status %d, want 304", next, status)
	}
}

// TestIfModifiedSinceAcrossNewServers: the dates a feed was served with
// outlive the Server: a reload hands its Dates to the next config's, a
// restart saves them at the stop and loads them at the start (Dates.Save,
// Load). A feed that changed with no newer story meanwhile, served again
// within the second of its last Last-Modified, does not answer 304 to that
// Last-Modified.
func TestIfModifiedSinceAcrossNewServers(t *testing.T) {
	for _, tt := range []struct {
		name string
		keep func(t *testing.T, before *Dates) *Dates
	}{
		{"reload", func(t *testing.T, before *Dates) *Dates { return before }},
		{"restart", func(t *testing.T, before *Dates) *Dates {
			file := filepath.Join(t.TempDir(), "newswire.dates")
			if err := before.Save(file); err != nil {
				t.Fatal(err)
			}
			if fi, err := os.Stat(file); err != nil || fi.Mode().Perm() != 0o600 {
				t.Fatalf("saved dates: %v, mode %v; want 0600", err, fi.Mode())
			}
			var after Dates
			if err := after.Load(file); err != nil {
				t.Fatal(err)
			}
			return &after
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			sec := time.Date(2026, 3, 10, 14, 0, 0, 0, time.UTC)
			clock := &testClock{t: sec.Add(100 * time.Millisecond)}
			fs := newFeedSiteAt(t, "", clock.now)
			fs.fill(t)
			serve := func(d *Dates) string {
				web := New(fs.cfg, fs.st, slog.New(slog.DiscardHandler))
				web.now = clock.now
				web.UseDates(d)
				srv := httptest.NewServer(web.Handler())
				t.Cleanup(srv.Close)
				return srv.URL
			}
			var before Dates
			url := serve(&before)
			request(t, "GET", url+"/feeds/du-lich.rss")
			fs.apply(t, "vov", story("vov", "cho-phien-dong-van", "Chợ phiên Đồng Văn đông khách dịp cuối tuần", 1, "du-lich"))
			resp, _ := request(t, "GET", url+"/feeds/du-lich.rss")
			held := resp.Header.Get("Last-Modified")
			if held != sec.Format(http.TimeFormat) {
				t.Fatalf("changed without a newer story: Last-Modified %q, want now, %q", held, sec.Format(http.TimeFormat))
			}

			// An older story comes in; a new server serves within the second.
			fs.apply(t, "vov", story("vov", "homestay-lung-cu", "Homestay ở Lũng Cú kín phòng mùa hoa", 2, "du-lich"))
			clock.set(sec.Add(700 * time.Millisecond))
			url = serve(tt.keep(t, &before))
			if resp, _ := request(t, "GET", url+"/feeds/du-lich.rss", "If-Modified-Since: "+held); resp.StatusCode != http.StatusOK {
				t.Fatalf("after a %s, If-Modified-Since %s on a feed changed since: status %d, want 200", tt.name, held, resp.StatusCode)
			}
		})
	}
	// A start with no saved dates is no error.
	var none Dates
	if err := none.Load(filepath.Join(t.TempDir(), "newswire.dates")); err != nil {
		t.Errorf("no saved dates: %v", err)
	}
}

// TestDatesSavedWhenChanged: the daemon saves the dates every so often
// (Dates.SaveIfChanged), writing the file only when a feed was dated since
// the last save or load.
func TestDatesSavedWhenChanged(t *testing.T) {
	file := filepath.Join(t.TempDir(), "newswire.dates")
	var d Dates
	if saved, err := d.SaveIfChanged(file); saved || err != nil {
		t.Fatalf("nothing dated: saved %v, %v", saved, err)
	}
	if _, err := os.Stat(file); err == nil {
		t.Fatal("a file was written with nothing to save")
	}
	sent := time.Date(2026, 3, 10, 14, 0, 0, 0, time.UTC)
	d.update("/feeds/du-lich.rss", func(validators, bool) (validators, bool) {
		return validators{etag: `"a1"`, modified: sent, sent: sent}, true
	})
	if saved, err := d.SaveIfChanged(file); !saved || err != nil {
		t.Fatalf("after a feed was dated: saved %v, %v", saved, err)
	}
	if saved, err := d.SaveIfChanged(file); saved || err != nil {
		t.Fatalf("nothing dated since the save: saved %v, %v", saved, err)
	}
	var next Dates
	if err := next.Load(file); err != nil {
		t.Fatal(err)
	}
	if saved, _ := next.SaveIfChanged(file); saved {
		t.Error("saved again right after loading the file")
	}
	if v := next.m["/feeds/du-lich.rss"]; v.etag != `"a1"` || !v.sent.Equal(sent) {
		t.Errorf("loaded %+v", v)
	}
}
