package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"newswire/internal/export"
)

// newsDesk is an outlet whose feed the test rewrites, item by item.
type newsDesk struct {
	srv   *httptest.Server
	items atomic.Pointer[[]string]
}

func newNewsDesk(t *testing.T) *newsDesk {
	t.Helper()
	d := &newsDesk{}
	d.items.Store(&[]string{})
	d.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/rss+xml")
		_, _ = io.WriteString(w, `<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Báo Hà Giang</title><link>https://baohagiang.test/</link><description>tin</description>`+
			strings.Join(*d.items.Load(), "")+`</channel></rss>`)
	}))
	t.Cleanup(d.srv.Close)
	return d
}

// publish makes the feed list these items, each a guid and a title.
func (d *newsDesk) publish(items ...[2]string) {
	var xs []string
	for i, it := range items {
		xs = append(xs, fmt.Sprintf(`<item><guid isPermaLink="false">%s</guid><title>%s</title><link>https://baohagiang.test/%s.html</link><pubDate>Sat, 28 Nov 2026 %02d:00:00 +0700</pubDate><description>%s, theo phóng viên thường trú.</description></item>`,
			it[0], it[1], it[0], 7+i, it[1]))
	}
	d.items.Store(&xs)
}

func (d *newsDesk) config(t *testing.T, addr string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "config.yaml")
	cfg := fmt.Sprintf(`listen: %s
data_dir: ./data
poll: {interval: 1h, min_interval: 1s, max_interval: 6h, timeout: 5s}
sources:
  - {id: baohagiang, title: Báo Hà Giang, url: "%s/rss", level: provincial, language: vi}
categories: [{id: thoi-su, title: Thời sự}]
default_category: thoi-su
`, addr, d.srv.URL)
	if err := os.WriteFile(path, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

var (
	bridge    = [2]string{"cau-treo", "Hà Giang khánh thành cầu treo mới cho học sinh xã vùng cao"}
	bridgeFix = [2]string{"cau-treo", "Hà Giang khánh thành cầu treo Nậm Lang cho học sinh xã vùng cao"}
	landslide = [2]string{"sat-lo", "Mưa lớn gây sạt lở trên quốc lộ 4C, giao thông tạm ngừng"}
	fair      = [2]string{"hoi-cho", "Hội chợ nông sản vùng cao thu hút hàng nghìn lượt khách"}
)

// cursorOf is the X-Newswire-Cursor of the daemon serving cfgPath at addr.
func cursorOf(t *testing.T, cfgPath, addr string) string {
	t.Helper()
	stop := startDaemon(t, cfgPath, addr)
	defer stop()
	resp, err := http.Get("http://" + addr + "/feeds/all.json")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	c := resp.Header.Get("X-Newswire-Cursor")
	if c == "" {
		t.Fatal("no X-Newswire-Cursor")
	}
	return c
}

// since is what a partner holding cursor gets from the daemon serving
// cfgPath at addr: the titles, or the error status.
func since(t *testing.T, cfgPath, addr, cursor string) ([]string, int) {
	t.Helper()
	stop := startDaemon(t, cfgPath, addr)
	defer stop()
	resp, err := http.Get("http://" + addr + "/feeds/all.json?since=" + cursor)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var doc struct {
		Items []struct {
			Title string `json:"title"`
		} `json:"items"`
	}
	if resp.StatusCode != http.StatusOK {
		return nil, resp.StatusCode
	}
	if err := json.NewDecoder(resp.Body).Decode(&doc); err != nil {
		t.Fatal(err)
	}
	var titles []string
	for _, it := range doc.Items {
		titles = append(titles, it.Title)
	}
	return titles, resp.StatusCode
}

// TestRestoreGoesOn: a backup restored goes on from the story ids and the
// cursors that the store it replaces handed out, or, with no store left to
// replace, from those implied by a cursor given with -after. A partner
// holding a cursor of the lost history gets every change made after the
// restore, and no id names two stories.
func TestRestoreGoesOn(t *testing.T) {
	tests := []struct {
		name string
		lost bool
		// after are the -after values given with no store to replace;
		// "P" is the partner's cursor.
		after []string
		fair  string // the fair's id
	}{
		{name: "over the store", fair: "tag:127.0.0.1,2026:story/3"},
		// Cursor 3 came after one edit and one new story; restore takes
		// both changes for new stories.
		{name: "with the store lost, after a partner's cursor", lost: true, after: []string{"P"}, fair: "tag:127.0.0.1,2026:story/4"},
		{
			name: "with the store lost, after a cursor and a story a reader saw", lost: true,
			after: []string{"P", "tag:127.0.0.1,2026:story/40"}, fair: "tag:127.0.0.1,2026:story/41",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			desk := newNewsDesk(t)
			addr := freeAddr(t)
			cfgPath := desk.config(t, addr)
			desk.publish(bridge)
			if out, err := runCmd(t, "fetch", "-config", cfgPath); err != nil {
				t.Fatalf("fetch: %v\n%s", err, out)
			}
			backup := filepath.Join(t.TempDir(), "newswire-backup.db")
			if out, err := runCmd(t, "backup", "-config", cfgPath, backup); err != nil {
				t.Fatalf("backup: %v\n%s", err, out)
			}
			// After the backup: the outlet corrects a headline and
			// breaks a story; a partner pulls both.
			desk.publish(bridgeFix, landslide)
			if out, err := runCmd(t, "fetch", "-config", cfgPath); err != nil {
				t.Fatalf("fetch: %v\n%s", err, out)
			}
			handedOut := map[string]string{} // id → title
			for _, r := range exportAll(t, cfgPath) {
				handedOut[r.ID] = r.Title
			}
			partner := cursorOf(t, cfgPath, addr)

			args := []string{"restore", "-config", cfgPath, backup}
			if tt.lost {
				if err := os.Remove(filepath.Join(filepath.Dir(cfgPath), "data", "newswire.db")); err != nil {
					t.Fatal(err)
				}
				for _, a := range tt.after {
					args = append(args, "-after", strings.Replace(a, "P", partner, 1))
				}
			}
			out, err := runCmd(t, args...)
			if err != nil {
				t.Fatalf("restore: %v\n%s", err, out)
			}
			// Meanwhile the outlet took the landslide down and reports a fair.
			desk.publish(bridge, fair)
			if out, err := runCmd(t, "fetch", "-config", cfgPath); err != nil {
				t.Fatalf("fetch after the restore: %v\n%s", err, out)
			}
			var fairRec export.Record
			for _, r := range exportAll(t, cfgPath) {
				if old, ok := handedOut[r.ID]; ok && old != r.Title && r.Title == fair[1] {
					t.Errorf("%s named %q before the restore, and names %q after it", r.ID, old, r.Title)
				}
				if r.Title == fair[1] {
					fairRec = r
				}
			}
			if fairRec.ID != tt.fair {
				t.Fatalf("the fair was stored as %q, want %s", fairRec.ID, tt.fair)
			}
			got, status := since(t, cfgPath, addr, partner)
			if status != http.StatusOK || len(got) != 1 || got[0] != fair[1] {
				t.Fatalf("the partner at %s gets %d %q; want the fair stored after the restore", partner, status, got)
			}
		})
	}
}

// TestRestoreAfterNamesTheLostStore: with no store to replace, a story id
// given with -after names the authority the lost store published its ids
// under, and new ids go on under it; over a store, an id of another
// authority is refused, as are ids of two authorities, and a cursor the
// backup is already past still prints where the store goes on from.
func TestRestoreAfterNamesTheLostStore(t *testing.T) {
	desk := newNewsDesk(t)
	addr := freeAddr(t)
	cfgPath := desk.config(t, addr)
	desk.publish(bridge, landslide)
	if out, err := runCmd(t, "fetch", "-config", cfgPath); err != nil {
		t.Fatalf("fetch: %v\n%s", err, out)
	}
	backup := filepath.Join(t.TempDir(), "newswire-backup.db")
	if out, err := runCmd(t, "backup", "-config", cfgPath, backup); err != nil {
		t.Fatalf("backup: %v\n%s", err, out)
	}
	oldCursor := cursorOf(t, cfgPath, addr)

	// Over the store: its authority is 127.0.0.1's.
	for _, tt := range []struct {
		after []string
		want  string
	}{
		{[]string{"tag:tin.example.vn,2026:story/40"}, "published its ids as tag:127.0.0.1,2026:story/"},
		{[]string{"0"}, `restore: -after: "0" is not a story id`},
		{[]string{"tag:tin.example.vn,2026:story/x"}, "is not a story id"},
		{[]string{"tag:tin.example.vn,2025:story/4"}, "is not a story id of newswire"},
	} {
		args := []string{"restore", "-config", cfgPath}
		for _, a := range tt.after {
			args = append(args, "-after", a)
		}
		out, err := runCmd(t, append(args, backup)...)
		if err == nil || !strings.Contains(err.Error(), tt.want) || strings.Contains(err.Error(), "explain:") {
			t.Errorf("restore -after %q: %v\n%s\nwant an error saying %q", tt.after, err, out, tt.want)
		}
	}

	if err := os.Remove(filepath.Join(filepath.Dir(cfgPath), "data", "newswire.db")); err != nil {
		t.Fatal(err)
	}
	out, err := runCmd(t, "restore", "-config", cfgPath, "-after", "tag:tin.example.vn,2026:story/40", "-after", "tag:other.example,2026:story/41", backup)
	if err == nil || !strings.Contains(err.Error(), "another -after under") {
		t.Errorf("ids of two authorities: %v\n%s", err, out)
	}
	out, err = runCmd(t, "restore", "-config", cfgPath, "-after", oldCursor, backup)
	if err != nil {
		t.Fatalf("restore -after %s: %v\n%s", oldCursor, err, out)
	}
	if !strings.Contains(out, "numbered after 2 and changes after cursor "+oldCursor+", the backup's own") {
		t.Errorf("restore -after a cursor the backup is past says:\n%s", out)
	}
	if err := os.Remove(filepath.Join(filepath.Dir(cfgPath), "data", "newswire.db")); err != nil {
		t.Fatal(err)
	}
	// A host name compares without case.
	out, err = runCmd(t, "restore", "-config", cfgPath, "-after", "tag:Tin.Example.VN,2026:story/40", backup)
	if err != nil {
		t.Fatalf("restore: %v\n%s", err, out)
	}
	if !strings.Contains(out, "story ids go on under tin.example.vn, the authority of -after (the backup's: 127.0.0.1)") {
		t.Errorf("restore with the lost store's id says:\n%s", out)
	}
	desk.publish(bridge, landslide, fair)
	if out, err := runCmd(t, "fetch", "-config", cfgPath); err != nil {
		t.Fatalf("fetch after the restore: %v\n%s", err, out)
	}
	ids := map[string]string{}
	for _, r := range exportAll(t, cfgPath) {
		ids[r.Title] = r.ID
	}
	if got := ids[fair[1]]; got != "tag:tin.example.vn,2026:story/41" {
		t.Errorf("the fair stored after the restore is %q, want tag:tin.example.vn,2026:story/41; all: %v", got, ids)
	}
}
