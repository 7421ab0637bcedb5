package server

import (
	"bytes"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
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

	// A file saved before the floor was holds the feeds alone.
	old := filepath.Join(t.TempDir(), "newswire.dates")
	if err := os.WriteFile(old, []byte(`{"/feeds/du-lich.rss":{"etag":"\"a1\"","modified":"2026-03-10T14:00:00Z","sent":"2026-03-10T14:00:00Z"}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	var older Dates
	if err := older.Load(old); err != nil {
		t.Fatal(err)
	}
	if v := older.m["/feeds/du-lich.rss"]; v.etag != `"a1"` || !v.sent.Equal(sent) {
		t.Errorf("loaded from a file of the earlier form: %+v", v)
	}
	if err := os.WriteFile(old, []byte(`{"/feeds/du-lich.rss":7}`), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := older.Load(old); err == nil {
		t.Error("a file of neither form loaded without an error")
	}
}

// TestDatesAfterAnUnsavedStop: a run that stopped without saving (a crash)
// may have sent dates the file does not hold. A feed whose rendering
// changed since the last save, with no story newer than one it was served
// with before the crash, is dated after the start of the next run, so that
// a client holding that rendering's date does not get a 304 for the new
// one; the file keeps that bound for the runs after.
func TestDatesAfterAnUnsavedStop(t *testing.T) {
	file := filepath.Join(t.TempDir(), "newswire.dates")
	t1 := time.Date(2026, 3, 10, 8, 0, 0, 0, time.UTC)
	t2 := t1.Add(time.Hour)
	crash := t1.Add(3 * time.Hour)
	start := crash.Add(time.Minute)
	rss := func(body string, newest time.Time) *entry {
		return newEntry([]byte(body), "application/rss+xml", newest, time.Minute, false, nil)
	}

	before := newCache(16)
	before.stamp("all.rss", rss("<rss>một tin</rss>", t1), t1)
	if err := before.served.Save(file); err != nil {
		t.Fatal(err)
	}
	// Sent after the last save: a newer story, then a deletion.
	before.stamp("all.rss", rss("<rss>hai tin</rss>", t2), t2)
	held := rss("<rss>tin mới, tin cũ đã xoá</rss>", t2)
	before.stamp("all.rss", held, crash)
	if !held.modified.Equal(crash) {
		t.Fatalf("before the crash the deletion was dated %s, want %s", held.modified, crash)
	}

	for _, tt := range []struct {
		name string
		load func(d *Dates)
	}{
		{"start after the crash", func(d *Dates) {
			if err := d.Load(file); err != nil {
				t.Fatal(err)
			}
			d.Unsaved(start)
		}},
		{"a later start", func(d *Dates) {
			var after Dates
			if err := after.Load(file); err != nil {
				t.Fatal(err)
			}
			after.Unsaved(start)
			next := filepath.Join(t.TempDir(), "newswire.dates")
			if err := after.Save(next); err != nil {
				t.Fatal(err)
			}
			if err := d.Load(next); err != nil {
				t.Fatal(err)
			}
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c := newCache(16)
			tt.load(c.served)
			// The story the deletion left is back (as if its deletion were
			// undone), so the feed shows the one before the crash's bytes.
			again := rss("<rss>hai tin</rss>", t2)
			served := start.Add(5 * time.Second)
			c.stamp("all.rss", again, served)
			if !again.modified.After(crash) {
				t.Errorf("after the crash, a changed feed dated %s: a client holding %s would get a 304", again.modified, crash)
			}
			other := rss("<rss>tin khác</rss>", t2)
			c.stamp("du-lich.rss", other, served)
			if !other.modified.After(crash) {
				t.Errorf("after the crash, a feed the file did not hold dated %s, before the crash at %s", other.modified, crash)
			}
		})
	}

	// A clean stop's file dates a feed by its stories, as before.
	c := newCache(16)
	if err := c.served.Load(file); err != nil {
		t.Fatal(err)
	}
	fresh := rss("<rss>tin khác</rss>", t2)
	c.stamp("du-lich.rss", fresh, start)
	if !fresh.modified.Equal(t2) {
		t.Errorf("after a clean stop, a feed never served dated %s, want its newest story's %s", fresh.modified, t2)
	}
}

// TestDatesOfAForgottenFeed: a feed whose dates were forgotten to keep the
// record within its bound is dated, when it changes, after every date it
// may have been sent with.
func TestDatesOfAForgottenFeed(t *testing.T) {
	c := newCache(16)
	t1 := time.Date(2026, 3, 10, 8, 0, 0, 0, time.UTC)
	sent := make(map[string]time.Time)
	for i := range cacheEntries + 1 {
		key := fmt.Sprintf("/feeds/all.rss?since=%d", i)
		e := newEntry(fmt.Appendf(nil, "<rss>%d</rss>", i), "application/rss+xml", t1, time.Minute, false, nil)
		c.stamp(key, e, t1.Add(time.Duration(i)*time.Second))
		// A second rendering with no newer story: dated when served.
		e = newEntry(fmt.Appendf(nil, "<rss>%d, sửa</rss>", i), "application/rss+xml", t1, time.Minute, false, nil)
		c.stamp(key, e, t1.Add(time.Duration(i)*time.Second+time.Hour))
		sent[key] = e.modified
	}
	if len(c.served.m) != cacheEntries {
		t.Fatalf("%d keys held, want %d", len(c.served.m), cacheEntries)
	}
	for key, last := range sent {
		if _, ok := c.served.m[key]; ok {
			continue
		}
		e := newEntry([]byte("<rss>khác</rss>"), "application/rss+xml", t1, time.Minute, false, nil)
		c.stamp(key, e, t1.Add(2*time.Hour))
		if !e.modified.After(last) {
			t.Errorf("%s, forgotten, changed: dated %s, not after the %s it was sent with", key, e.modified, last)
		}
	}
}

// TestCacheBoundedByBytes: the cache keeps no more than its bytes allow,
// whatever the number of entries, and does not keep a rendering too large
// for it; the bytes it counts are those of the entries it holds.
func TestCacheBoundedByBytes(t *testing.T) {
	c := newCache(cacheEntries)
	c.maxBytes = 10 << 20
	body := bytes.Repeat([]byte("tin "), 128<<10) // 512 KiB, 1 MiB with its gzip variant
	for i := range 50 {
		c.put(fmt.Sprintf("/feeds/all.rss?since=%d", i), 1, newEntry(body, "application/rss+xml", time.Time{}, time.Minute, false, nil))
		sum := 0
		for _, e := range c.entries {
			sum += e.cost()
		}
		if sum != c.bytes || c.bytes > c.maxBytes {
			t.Fatalf("after %d puts: %d bytes counted, %d held, bound %d", i+1, c.bytes, sum, c.maxBytes)
		}
	}
	if len(c.entries) != 10 {
		t.Errorf("%d entries of 1 MiB kept under 10 MiB, want 10", len(c.entries))
	}
	c.put("/feeds/all.rss?since=1", 1, newEntry(body, "application/rss+xml", time.Time{}, time.Minute, false, nil))
	if c.bytes > c.maxBytes {
		t.Errorf("a key put again counted twice: %d bytes", c.bytes)
	}
	huge := bytes.Repeat([]byte("tin "), 512<<10) // 2 MiB, over an eighth of the bound
	c.put("/feeds/all.rss?limit=500", 1, newEntry(huge, "application/rss+xml", time.Time{}, time.Minute, false, nil))
	if _, ok := c.entries["/feeds/all.rss?limit=500"]; ok {
		t.Error("a rendering over an eighth of the bound was kept")
	}
	c.put("/feeds/all.rss", 2, newEntry(body, "application/rss+xml", time.Time{}, time.Minute, false, nil))
	if len(c.entries) != 1 || c.bytes != 1<<20 {
		t.Errorf("after the store changed: %d entries, %d bytes; want the one new", len(c.entries), c.bytes)
	}
}

// TestDatesKeepThePlainFeeds: a record full of pages' and pulls' keys
// forgets one of those for a new key, not a feed's own, which would then
// be dated anew at its next rendering though its bytes did not change.
func TestDatesKeepThePlainFeeds(t *testing.T) {
	c := newCache(16)
	t1 := time.Date(2026, 3, 10, 8, 0, 0, 0, time.UTC)
	plain := newEntry([]byte("<rss>tin</rss>"), "application/rss+xml", t1, time.Minute, false, nil)
	c.stamp("thoi-su.rss", plain, t1)
	for i := range 3 * cacheEntries {
		e := newEntry(fmt.Appendf(nil, "<rss>%d</rss>", i), "application/rss+xml", t1, time.Minute, false, nil)
		c.stamp(fmt.Sprintf("all.rss?since=%d", i), e, t1.Add(time.Duration(i)*time.Second))
	}
	again := newEntry([]byte("<rss>tin</rss>"), "application/rss+xml", t1, time.Minute, false, nil)
	c.stamp("thoi-su.rss", again, t1.Add(2*time.Hour))
	if !again.modified.Equal(t1) {
		t.Errorf("the feed's unchanged rendering dated %s, want %s as before", again.modified, t1)
	}
}

// TestDatesHoldNoToken: newswire.dates outlives the config that listed a
// partner's token, so it keeps a digest of a ?token= rather than the token,
// and a partner's If-Modified-Since still answers 304 after a restart.
func TestDatesHoldNoToken(t *testing.T) {
	fs := newFeedSite(t, "")
	fs.fill(t)
	key := []byte("khoa-cua-ban-cai-dat-nay-32-byte")
	var before Dates
	before.SetKey(key)
	web := New(fs.cfg, fs.st, slog.New(slog.DiscardHandler))
	web.UseDates(&before)
	srv := httptest.NewServer(web.Handler())
	defer srv.Close()
	path := "/feeds/noi-bo.atom?limit=3&token=" + tokenVTV
	resp, _ := request(t, "GET", srv.URL+path)
	held := resp.Header.Get("Last-Modified")
	if resp.StatusCode != http.StatusOK || held == "" {
		t.Fatalf("status %d, Last-Modified %q", resp.StatusCode, held)
	}
	file := filepath.Join(t.TempDir(), "newswire.dates")
	if err := before.Save(file); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(b), tokenVTV) || !strings.Contains(string(b), `noi-bo.atom?limit=3\u0026token-hmac=`) {
		t.Fatalf("saved dates hold the token, or no digest of it:\n%s", b)
	}

	var after Dates
	after.SetKey(key)
	if err := after.Load(file); err != nil {
		t.Fatal(err)
	}
	web = New(fs.cfg, fs.st, slog.New(slog.DiscardHandler))
	web.UseDates(&after)
	srv2 := httptest.NewServer(web.Handler())
	defer srv2.Close()
	if resp, _ := request(t, "GET", srv2.URL+path, "If-Modified-Since: "+held); resp.StatusCode != http.StatusNotModified {
		t.Errorf("after a restart, If-Modified-Since %s: status %d, want 304", held, resp.StatusCode)
	}

	// A file saved before keeps the token until it is loaded.
	old := strings.ReplaceAll(string(b), "token-hmac="+before.datesKey("?token=" + tokenVTV)[len("?token-hmac="):], "token="+tokenVTV)
	if !strings.Contains(old, tokenVTV) {
		t.Fatal("test: could not write the old form")
	}
	if err := os.WriteFile(file, []byte(old), 0o600); err != nil {
		t.Fatal(err)
	}
	var loaded Dates
	loaded.SetKey(key)
	if err := loaded.Load(file); err != nil {
		t.Fatal(err)
	}
	if saved, err := loaded.SaveIfChanged(file); err != nil || !saved {
		t.Fatalf("an old file's tokens not saved away: saved %v, %v", saved, err)
	}
	if b, _ := os.ReadFile(file); strings.Contains(string(b), tokenVTV) {
		t.Errorf("an old file's token saved again:\n%s", b)
	}
}
