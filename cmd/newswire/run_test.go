package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mmcdole/gofeed"
	"golang.org/x/text/unicode/norm"

	"newswire/internal/export"
)

// outlets serves testdata/outlets as a dozen outlets of every kind, on
// loopback. Files can be swapped while it runs, as an outlet edits its feed.
type outlets struct {
	srv   *httptest.Server
	mu    sync.Mutex
	files map[string]string // path → file in testdata/outlets
}

func newOutlets(t *testing.T) *outlets {
	o := &outlets{files: map[string]string{
		"/baohagiang/rss":     "baohagiang.xml",
		"/baotuyenquang/atom": "baotuyenquang.atom",
		"/ttxvn/rss":          "ttxvn.xml",
		"/vov/feed.json":      "vov.json",
		"/nhandan/rdf":        "nhandan.rdf",
		"/baolaocai/rss":      "baolaocai.xml",
		"/vietnamplus/en":     "vietnamplus-en.atom",
		"/caobang/feed.json":  "caobang.json",
		"/dantoc/rss":         "dantoc.xml",
		"/hostile/rss":        "hostile.xml",
		"/broken/rss":         "broken.xml",
	}}
	o.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		o.mu.Lock()
		name, ok := o.files[r.URL.Path]
		o.mu.Unlock()
		if !ok {
			http.NotFound(w, r)
			return
		}
		body, err := os.ReadFile(filepath.Join("testdata", "outlets", name))
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		switch {
		case strings.HasSuffix(name, ".json"):
			w.Header().Set("Content-Type", "application/feed+json")
		case name == "dantoc.xml":
			// No XML declaration: only the HTTP header names the charset.
			w.Header().Set("Content-Type", "application/rss+xml; charset=windows-1258")
		default:
			w.Header().Set("Content-Type", "application/xml")
		}
		_, _ = w.Write(body)
	}))
	t.Cleanup(o.srv.Close)
	return o
}

func (o *outlets) swap(path, file string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.files[path] = file
}

// writeConfig writes a config for the outlets into a temporary folder.
func writeConfig(t *testing.T, o *outlets, listen string) string {
	t.Helper()
	dir := t.TempDir()
	u := o.srv.URL
	// One poll at a time, in config order, so that which outlet published a
	// shared story first does not depend on goroutine scheduling.
	cfg := fmt.Sprintf(`listen: %[2]s
base_url: http://%[2]s
data_dir: ./data
poll: {interval: 15m, min_interval: 1s, max_interval: 6h, timeout: 5s, concurrency: 1, per_host: 2}
sources:
  - {id: baohagiang, title: Báo Hà Giang, url: "%[1]s/baohagiang/rss", level: provincial, language: vi, categories: [tin-tinh]}
  - {id: baotuyenquang, title: Báo Tuyên Quang, url: "%[1]s/baotuyenquang/atom", level: provincial, language: vi, categories: [tin-tinh]}
  - {id: ttxvn, title: TTXVN, url: "%[1]s/ttxvn/rss", level: central, language: vi}
  - {id: vov, title: VOV, url: "%[1]s/vov/feed.json", level: central, language: vi}
  - {id: nhandan, title: Nhân Dân, url: "%[1]s/nhandan/rdf", level: central, language: vi}
  - {id: baolaocai, title: Báo Lào Cai, url: "%[1]s/baolaocai/rss", level: provincial, language: vi, categories: [tin-tinh]}
  - {id: vietnamplus-en, title: VietnamPlus English, url: "%[1]s/vietnamplus/en", level: central, language: en}
  - {id: caobang, title: Báo Cao Bằng, url: "%[1]s/caobang/feed.json", level: provincial, language: vi, categories: [tin-tinh]}
  - {id: dantoc, title: Dân tộc và Phát triển, url: "%[1]s/dantoc/rss", level: central, language: vi}
  - {id: hostile, title: Trang tin lạ, url: "%[1]s/hostile/rss", level: central, language: vi}
  - {id: broken, title: Nguồn hỏng, url: "%[1]s/broken/rss", level: central, language: vi}
  - {id: gone, title: Nguồn đã đóng, url: "%[1]s/gone/rss", level: central, language: vi}
categories:
  - {id: thoi-su, title: Thời sự}
  - {id: tin-tinh, title: Tin các tỉnh}
  - id: du-lich
    title: Du lịch
    keywords: [du lịch, homestay, lễ hội]
    source_categories: [Du lịch]
  - {id: kinh-te, title: Kinh tế, keywords: [xuất khẩu, đầu tư]}
  - {id: english, title: English, languages: [en]}
default_category: thoi-su
filters:
  drop_title_prefixes: ["Quảng cáo", "PR"]
  drop_keywords: []
  drop_source_categories: ["Quảng cáo"]
`, u, listen)
	path := filepath.Join(dir, "config.yaml")
	if err := os.WriteFile(path, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func runCmd(t *testing.T, args ...string) (string, error) {
	t.Helper()
	var out bytes.Buffer
	err := run(context.Background(), args, &out)
	return out.String(), err
}

func exportAll(t *testing.T, cfgPath string) []export.Record {
	t.Helper()
	out, err := runCmd(t, "export", "-config", cfgPath)
	if err != nil {
		t.Fatalf("export: %v", err)
	}
	var recs []export.Record
	sc := bufio.NewScanner(strings.NewReader(out))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var r export.Record
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatalf("export line %q: %v", sc.Text(), err)
		}
		recs = append(recs, r)
	}
	return recs
}

func byTitle(t *testing.T, recs []export.Record, prefix string) export.Record {
	t.Helper()
	var found []export.Record
	for _, r := range recs {
		if strings.HasPrefix(r.Title, prefix) {
			found = append(found, r)
		}
	}
	if len(found) != 1 {
		t.Fatalf("%d stories titled %q…, want exactly 1", len(found), prefix)
	}
	return found[0]
}

func TestFetchExportEndToEnd(t *testing.T) {
	o := newOutlets(t)
	cfgPath := writeConfig(t, o, "127.0.0.1:0")

	out, err := runCmd(t, "fetch", "-config", cfgPath)
	var ex exitError
	if !errors.As(err, &ex) || !strings.Contains(ex.msg, "2 of 12 sources failed") {
		t.Fatalf("first fetch: err = %v, want the two bad sources reported\n%s", err, out)
	}
	for _, want := range []string{"broken", "gone", "404", "12 sources polled"} {
		if !strings.Contains(out, want) {
			t.Errorf("fetch output lacks %q:\n%s", want, out)
		}
	}

	recs := exportAll(t, cfgPath)
	// 14 stories: 16 items, less one filtered advert
	// and one carried by two outlets.
	if len(recs) != 14 {
		for _, r := range recs {
			t.Logf("%s %q %v", r.ID, r.Title, r.Sources)
		}
		t.Fatalf("%d stories exported, want 14", len(recs))
	}

	t.Run("one story, two outlets, first publisher first", func(t *testing.T) {
		r := byTitle(t, recs, "Hà Giang đón 50 nghìn lượt khách")
		if len(r.Sources) != 2 || r.Sources[0].Source != "baohagiang" || r.Sources[1].Source != "ttxvn" {
			t.Fatalf("sources = %+v", r.Sources)
		}
		if r.Published != "2026-11-20T01:30:00Z" {
			t.Errorf("published = %s", r.Published)
		}
		if !contains(r.Categories, "du-lich") || !contains(r.Categories, "tin-tinh") {
			t.Errorf("categories = %v", r.Categories)
		}
		if !strings.Contains(r.ContentHTML, `src="http://baohagiang.test/anh/tam-giac-mach.jpg"`) {
			t.Errorf("relative image not made absolute: %s", r.ContentHTML)
		}
	})

	t.Run("filters drop adverts", func(t *testing.T) {
		for _, r := range recs {
			if strings.HasPrefix(r.Title, "Quảng cáo") {
				t.Fatalf("advert stored: %q", r.Title)
			}
		}
	})

	t.Run("times in UTC from the outlets' own forms", func(t *testing.T) {
		tests := []struct{ title, published string }{
			{"Huyện Vị Xuyên hoàn thành", "2026-11-19T08:22:00Z"},        // 19/11/2026 15:22, Asia/Ho_Chi_Minh
			{"Sa Pa đón đợt rét đầu mùa", "2026-11-19T09:00:00Z"},        // ICT
			{"Lào Cai xuất khẩu chuối", "2026-11-19T02:30:00Z"},          // GMT+7
			{"Mở lớp dạy chữ Mông", "2026-11-18T01:00:00Z"},              // zone-less, windows-1258 body
			{"Cao Bằng khởi công đường cao tốc", "2026-11-20T23:10:00Z"}, // windows-1258 declared
			{"Ha Giang buckwheat flower festival", "2026-11-21T02:30:00Z"},
		}
		for _, tt := range tests {
			if r := byTitle(t, recs, tt.title); r.Published != tt.published {
				t.Errorf("%q published %s, want %s", tt.title, r.Published, tt.published)
			}
		}
	})

	t.Run("routing", func(t *testing.T) {
		tests := []struct {
			title string
			want  []string
		}{
			{"Ha Giang buckwheat", []string{"english"}},
			{"Xuất khẩu chè mười tháng", []string{"kinh-te"}},
			{"Chính phủ họp phiên thường kỳ", []string{"thoi-su"}},
			{"Sa Pa đón đợt rét", []string{"tin-tinh", "du-lich"}},
		}
		for _, tt := range tests {
			r := byTitle(t, recs, tt.title)
			for _, c := range tt.want {
				if !contains(r.Categories, c) {
					t.Errorf("%q in %v, want %s among them", tt.title, r.Categories, c)
				}
			}
		}
	})

	t.Run("NFC text and safe HTML everywhere", func(t *testing.T) {
		for _, r := range recs {
			for _, s := range []string{r.Title, r.Summary, r.ContentHTML} {
				if !norm.NFC.IsNormalString(s) {
					t.Errorf("not NFC: %q", s)
				}
				low := strings.ToLower(s)
				for _, bad := range []string{"<script", "javascript:", "onerror", "onclick", "onload", "<iframe", "<style", "\x01", "\x08", "\x0b"} {
					if strings.Contains(low, bad) {
						t.Errorf("%q survived in %q", bad, s)
					}
				}
			}
		}
		byTitle(t, recs, "Mở lớp dạy chữ Mông cho cán bộ xã vùng cao")
		byTitle(t, recs, "Sa Pa đón đợt rét đầu mùa, nhiệt độ xuống 6 độ C")
	})

	t.Run("polling again adds nothing", func(t *testing.T) {
		out, _ := runCmd(t, "fetch", "-config", cfgPath)
		if !strings.Contains(out, "0 new, 0 updated") {
			t.Errorf("second fetch:\n%s", out)
		}
		again := exportAll(t, cfgPath)
		if !equalJSON(t, recs, again) {
			t.Fatalf("second fetch changed the store")
		}
	})

	t.Run("an edited title updates the story in place", func(t *testing.T) {
		before := byTitle(t, recs, "Hà Giang đón 50 nghìn lượt khách")
		o.swap("/baohagiang/rss", "baohagiang-edited.xml")
		if _, err := runCmd(t, "fetch", "-config", cfgPath); !errors.As(err, &ex) {
			t.Fatalf("fetch: %v", err)
		}
		after := exportAll(t, cfgPath)
		if len(after) != len(recs) {
			t.Fatalf("%d stories after the edit, want %d", len(after), len(recs))
		}
		edited := byTitle(t, after, "Hà Giang đón hơn 52 nghìn lượt khách")
		if edited.ID != before.ID || edited.Published != before.Published || len(edited.Sources) != 2 {
			t.Fatalf("edit moved or split the story:\nbefore %+v\nafter  %+v", before, edited)
		}
		if edited.Updated <= before.Updated {
			t.Errorf("updated %s not after %s", edited.Updated, before.Updated)
		}
	})
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func equalJSON(t *testing.T, a, b any) bool {
	t.Helper()
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	return bytes.Equal(ja, jb)
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// serveDaemon runs `newswire serve` until the test ends.
func serveDaemon(t *testing.T, cfgPath, addr string) {
	t.Helper()
	t.Cleanup(startDaemon(t, cfgPath, addr))
}

// startDaemon runs `newswire serve` until the returned func stops it as
// SIGTERM would.
func startDaemon(t *testing.T, cfgPath, addr string) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- run(ctx, []string{"serve", "-config", cfgPath}, &bytes.Buffer{}) }()
	stop = func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("serve: %v", err)
			}
		case <-time.After(15 * time.Second):
			t.Errorf("serve did not stop within 15s of cancel")
		}
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		resp, err := http.Get("http://" + addr + "/healthz")
		if err == nil {
			resp.Body.Close()
			return stop
		}
		if time.Now().After(deadline) {
			stop()
			t.Fatalf("daemon not up at %s: %v", addr, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestFetchKeepsRetryAfter: fetch run from cron does not ask again an
// outlet whose Retry-After, given to an earlier run, has not ended. The
// source is reported as waiting, until when and why, and alone does not make
// the exit status 1.
func TestFetchKeepsRetryAfter(t *testing.T) {
	outletURL, polled := recordingOutlet(t, "/qua-tai 86400")
	cfgPath := filepath.Join(t.TempDir(), "config.yaml")
	cfg := fmt.Sprintf(`data_dir: ./data
poll: {interval: 15m, min_interval: 1s, max_interval: 1h, timeout: 5s}
sources:
  - {id: baohagiang, title: Báo Hà Giang, url: "%[1]s/rss"}
  - {id: quatai, title: Báo Quá Tải, url: "%[1]s/qua-tai"}
categories: [{id: thoi-su, title: Thời sự}]
default_category: thoi-su
`, outletURL)
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}

	out, err := runCmd(t, "fetch", "-config", cfgPath)
	var ex exitError
	if !errors.As(err, &ex) || !strings.Contains(out, "503 Service Unavailable") {
		t.Fatalf("first fetch: err = %v, want the 503 reported as a failure\n%s", err, out)
	}
	out, err = runCmd(t, "fetch", "-config", cfgPath)
	if err != nil {
		t.Errorf("second fetch: err = %v, want none: the waiting source did not fail\n%s", err, out)
	}
	for _, want := range []string{"not asked until", "server: Retry-After on 503", "2 sources polled", "1 ok, 0 failed, 1 waiting"} {
		if !strings.Contains(out, want) {
			t.Errorf("second fetch's output lacks %q:\n%s", want, out)
		}
	}
	if busy, rss := polled("/qua-tai"), polled("/rss"); busy != 1 || rss != 2 {
		t.Errorf("requests in two fetches: /qua-tai %d, /rss %d; want the outlet that asked for a day once, the other twice", busy, rss)
	}
}

func TestServeMergedFeeds(t *testing.T) {
	o := newOutlets(t)
	addr := freeAddr(t)
	cfgPath := writeConfig(t, o, addr)
	if _, err := runCmd(t, "fetch", "-config", cfgPath); err == nil {
		t.Fatal("fetch reported no failure although two sources are bad")
	}
	serveDaemon(t, cfgPath, addr)
	base := "http://" + addr

	for _, ext := range []string{"rss", "atom", "json"} {
		t.Run(ext, func(t *testing.T) {
			resp, err := http.Get(base + "/feeds/all." + ext)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			if resp.StatusCode != 200 || !strings.Contains(resp.Header.Get("Content-Type"), "charset=utf-8") {
				t.Fatalf("status %d, type %q", resp.StatusCode, resp.Header.Get("Content-Type"))
			}
			feed, err := gofeed.NewParser().Parse(resp.Body)
			if err != nil {
				t.Fatalf("gofeed cannot read our %s: %v", ext, err)
			}
			if len(feed.Items) != 14 {
				t.Fatalf("%d items, want 14", len(feed.Items))
			}
			for i := 1; i < len(feed.Items); i++ {
				if a, b := feed.Items[i-1].PublishedParsed, feed.Items[i].PublishedParsed; a != nil && b != nil && a.Before(*b) {
					t.Errorf("item %d older than item %d: not newest first", i-1, i)
				}
			}
			etag := resp.Header.Get("ETag")
			req, _ := http.NewRequest(http.MethodGet, base+"/feeds/all."+ext, nil)
			req.Header.Set("If-None-Match", etag)
			again, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			again.Body.Close()
			if etag == "" || again.StatusCode != http.StatusNotModified {
				t.Errorf("conditional GET with ETag %q: %d", etag, again.StatusCode)
			}
		})
	}

	t.Run("categories and errors", func(t *testing.T) {
		tests := []struct {
			path   string
			status int
			want   string
		}{
			{"/feeds/du-lich.rss", 200, "tam giác mạch"},
			{"/feeds/english.atom", 200, "buckwheat"},
			{"/feeds/khong-co.rss", 404, "unknown category"},
			{"/feeds/du-lich.xml", 404, "no such feed"},
			{"/feeds/all.rss?limit=abc", 400, "limit"},
			{"/feeds/all.rss?cursor=%21%21", 400, "cursor"},
			{"/", 200, `rel="alternate" type="application/rss+xml"`},
			{"/status", 200, "Nguồn hỏng"},
			{"/api/status", 200, `"state": "failing"`},
			{"/sources.opml", 200, "baohagiang"},
			{"/feeds.opml", 200, "/feeds/du-lich.rss"},
		}
		for _, tt := range tests {
			resp, err := http.Get(base + tt.path)
			if err != nil {
				t.Fatal(err)
			}
			var body bytes.Buffer
			_, _ = body.ReadFrom(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tt.status || !strings.Contains(body.String(), tt.want) {
				t.Errorf("GET %s: %d, want %d with %q; body: %.300s", tt.path, resp.StatusCode, tt.status, tt.want, body.String())
			}
		}
	})

	t.Run("export and backup while the daemon holds the store", func(t *testing.T) {
		recs := exportAll(t, cfgPath)
		if len(recs) != 14 {
			t.Fatalf("export through the daemon: %d stories", len(recs))
		}
		file := filepath.Join(t.TempDir(), "copy.db")
		if out, err := runCmd(t, "backup", "-config", cfgPath, file); err != nil {
			t.Fatalf("backup: %v\n%s", err, out)
		}
		if fi, err := os.Stat(file); err != nil || fi.Size() == 0 {
			t.Fatalf("backup file: %v", err)
		}
	})

	t.Run("export while a new listen waits for the restart", func(t *testing.T) {
		// The daemon keeps its address until it restarts; the commands
		// find it there, not at the file's new listen.
		moved := filepath.Join(t.TempDir(), "config.yaml")
		b, err := os.ReadFile(cfgPath)
		if err != nil {
			t.Fatal(err)
		}
		text := strings.Replace(string(b), addr, freeAddr(t), 1)
		text = strings.Replace(text, "data_dir: ./data", "data_dir: "+filepath.Join(filepath.Dir(cfgPath), "data"), 1)
		if err := os.WriteFile(moved, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		if recs := exportAll(t, moved); len(recs) != 14 {
			t.Fatalf("export with the file's listen changed: %d stories", len(recs))
		}
	})
}

func TestCheckConfig(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.yaml")
	if err := os.WriteFile(bad, []byte(`listen: 127.0.0.1:8080
sources:
  - {id: a, title: A, url: "not a url", level: provincial}
  - {id: a, title: B, url: "https://b.test/rss", level: district}
categories:
  - {id: x, sources: [nobody]}
default_category: x
poll: {interval: 15 minutes}
colour: blue
`), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := runCmd(t, "check-config", "-config", bad)
	if err == nil {
		t.Fatalf("bad config accepted:\n%s", out)
	}
	for _, want := range []string{"sources[0].url", "sources[1].id", "sources[1].level", "categories[0].sources", "poll.interval", "colour", "(line "} {
		if !strings.Contains(out, want) {
			t.Errorf("check-config output lacks %q:\n%s", want, out)
		}
	}
	good, err := runCmd(t, "check-config", "-config", "../../config.yaml")
	if err != nil {
		t.Fatalf("example config.yaml refused: %v\n%s", err, good)
	}

	// Two sources polling one feed are accepted, with a note.
	twice := filepath.Join(dir, "twice.yaml")
	if err := os.WriteFile(twice, []byte("sources:\n  - {id: a, title: A, url: \"https://a.test/rss\"}\n  - {id: b, title: B, url: \"https://a.test/rss\"}\ncategories: [{id: x, title: X}]\ndefault_category: x\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := runCmd(t, "check-config", "-config", twice); err != nil || !strings.Contains(out, "ok (2 sources") || !strings.Contains(out, "note: sources[1].url: the same feed as sources[0] (a, line 2)") {
		t.Errorf("check-config of two sources polling one feed: %v\n%s", err, out)
	}

	// A listen this machine cannot have would keep the daemon from
	// starting.
	away := filepath.Join(dir, "away.yaml")
	if err := os.WriteFile(away, []byte("listen: 192.0.2.1:8080\nsources: []\ncategories: [{id: a, title: A}]\ndefault_category: a\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := runCmd(t, "check-config", "-config", away); err == nil || !strings.Contains(out, `listen: this machine cannot listen at "192.0.2.1:8080"`) || !strings.Contains(out, "(line 1)") {
		t.Errorf("check-config of a listen on no interface: %v\n%s", err, out)
	}

	// A file given without -config is not the config checked: the one
	// at -config (here a good one) would be, and say ok for the bad one.
	for _, cmd := range []string{"check-config", "export"} {
		out, err := runCmd(t, cmd, "-config", "../../config.yaml", bad)
		if err == nil || !strings.Contains(err.Error(), `unexpected argument "`+bad+`"`) || !strings.Contains(err.Error(), "-config FILE") {
			t.Errorf("%s with a stray argument: %v\n%s", cmd, err, out)
		}
	}
}
