package main

import (
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"newswire/internal/config"
	"newswire/internal/server"
	"newswire/store"
)

// identityOutlets serves a provincial outlet and a central one that
// republishes its story under another link and headline.
func identityOutlets(t *testing.T) string {
	t.Helper()
	srv := httptest.NewServer(http.FileServer(http.Dir(filepath.Join("testdata", "identity"))))
	t.Cleanup(srv.Close)
	return srv.URL
}

// writeIdentityConfig writes the config at path: joining on or off, and the
// central outlet polled or not yet.
func writeIdentityConfig(t *testing.T, path, outlets string, join, central bool) {
	t.Helper()
	cfg := fmt.Sprintf(`data_dir: ./data
poll: {min_interval: 1s, timeout: 5s}
identity: {join: %t}
sources:
  - {id: baohagiang, title: Báo Hà Giang, url: "%[2]s/provincial.xml", level: provincial, language: vi}
  - {id: trunguong, title: Thông tấn trung ương, url: "%[2]s/central.xml", level: central, language: vi, disabled: %[3]t}
categories: [{id: thoi-su}]
default_category: thoi-su
`, join, outlets, !central)
	if err := os.WriteFile(path, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
}

// identityConfig polls the provincial outlet, then both, so that the
// provincial original is stored first, as in a day of polling, and returns
// the config's path.
func identityConfig(t *testing.T, join bool) string {
	t.Helper()
	outlets := identityOutlets(t)
	path := filepath.Join(t.TempDir(), "config.yaml")
	for _, central := range []bool{false, true} {
		writeIdentityConfig(t, path, outlets, join, central)
		if out, err := runCmd(t, "fetch", "-config", path); err != nil {
			t.Fatalf("fetch: %v\n%s", err, out)
		}
	}
	return path
}

func TestJoinAcrossOutletsEndToEnd(t *testing.T) {
	cfgPath := identityConfig(t, true)
	recs := exportAll(t, cfgPath)
	// Five items: the festival story twice (joined), the Hà Nam festival, and
	// the bulletins of 13 and 14 December, which stay apart.
	if len(recs) != 4 {
		for _, r := range recs {
			t.Logf("%s %q %v", r.ID, r.Title, r.Sources)
		}
		t.Fatalf("%d stories, want 4", len(recs))
	}
	r := byTitle(t, recs, "Hà Giang đón 50 nghìn lượt khách")
	if len(r.Sources) != 2 || r.Sources[0].Source != "baohagiang" || r.Sources[1].Source != "trunguong" {
		t.Fatalf("sources = %+v", r.Sources)
	}
	if r.Link != "http://baohagiang.test/du-lich/le-hoi-tam-giac-mach.html" {
		t.Errorf("representative link = %s, want the provincial original", r.Link)
	}

	t.Run("explain", func(t *testing.T) {
		out, err := runCmd(t, "stories", "-config", cfgPath, "--explain", r.ID)
		if err != nil {
			t.Fatalf("stories --explain %s: %v", r.ID, err)
		}
		for _, want := range []string{"representative: baohagiang", "media: from trunguong", "created the story", "joined by text against baohagiang's item, pairs read trunguong / baohagiang: same story",
			"numbers ok", "provinces ok (Hà Giang / Hà Giang)", "time ok (1h15m0s apart"} {
			if !strings.Contains(out, want) {
				t.Errorf("explanation lacks %q:\n%s", want, out)
			}
		}
		if _, err := runCmd(t, "stories", "-config", cfgPath, "--explain", "99999"); err == nil {
			t.Error("explaining a missing story succeeded")
		}
		if _, err := runCmd(t, "stories", "-config", cfgPath); err == nil {
			t.Error("stories without --explain succeeded")
		}
		// The same number under another newswire's authority is not this
		// story.
		other := strings.Replace(r.ID, "tag:", "tag:tin.example.org.", 1)
		if out, err := runCmd(t, "stories", "-config", cfgPath, "--explain", other); err == nil || !strings.Contains(err.Error(), "is not a story id of this newswire") {
			t.Errorf("explaining another newswire's %s: %v\n%s", other, err, out)
		}
	})

	t.Run("attribution in the merged feeds", func(t *testing.T) {
		cfg, err := config.Load(cfgPath)
		if err != nil {
			t.Fatal(err)
		}
		st, err := store.Open(filepath.Join(cfg.DataDir, "newswire.db"), store.Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		site := httptest.NewServer(server.New(cfg, st, slog.New(slog.DiscardHandler)).Handler())
		defer site.Close()
		for _, tt := range []struct{ path, want string }{
			{"/feeds/all.atom", `<source>`},
			{"/feeds/all.atom", `rel="via" type="text/html" title="Thông tấn trung ương"`},
			{"/feeds/all.rss", `url="` + cfg.Sources[0].URL + `"`},
			{"/feeds/all.rss", `rel="via"`},
			{"/feeds/all.json", `"_newswire"`},
			// The provincial original had no media; the central outlet's
			// audio and picture come with the story.
			{"/feeds/all.rss", `<enclosure url="http://trunguong.test/audio/tam-giac-mach-20261120.mp3" length="2457600" type="audio/mpeg">`},
			{"/feeds/all.atom", `href="http://trunguong.test/audio/tam-giac-mach-20261120.mp3" rel="enclosure"`},
			{"/feeds/all.json", `"image":"http://trunguong.test/anh/tam-giac-mach-20261120.jpg"`},
		} {
			resp, err := http.Get(site.URL + tt.path)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if !strings.Contains(string(body), tt.want) {
				t.Errorf("%s lacks %s:\n%s", tt.path, tt.want, body)
			}
		}
	})
}

func TestJoinOffEndToEnd(t *testing.T) {
	cfgPath := identityConfig(t, false)
	if recs := exportAll(t, cfgPath); len(recs) != 5 {
		t.Fatalf("%d stories with joining off, want all 5 items apart", len(recs))
	}
}

// TestCompareEndToEnd: `stories --compare A B` says why two stories are
// two, from the store and through the daemon alike, and refuses what is
// not two stories of this newswire.
func TestCompareEndToEnd(t *testing.T) {
	cfgPath := identityConfig(t, false)
	cfg, err := config.Load(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	offline, err := runCmd(t, "stories", "-config", cfgPath, "--compare", "1", "tag:"+cfg.Authority()+",2026:story/2")
	if err != nil {
		t.Fatalf("stories --compare: %v\n%s", err, offline)
	}
	for _, want := range []string{"story 1: ", "story 2: ", "why story 2 was not joined to story 1:", "joining by text is off for"} {
		if !strings.Contains(offline, want) {
			t.Errorf("want %q in:\n%s", want, offline)
		}
	}

	addr := freeAddr(t)
	if err := os.WriteFile(cfgPath, []byte(fmt.Sprintf("listen: %s\n", addr)+mustRead(t, cfgPath)), 0o644); err != nil {
		t.Fatal(err)
	}
	serveDaemon(t, cfgPath, addr)
	online, err := runCmd(t, "stories", "-config", cfgPath, "--compare", "2", "1")
	if err != nil || online != offline {
		t.Errorf("through the daemon: %v\n%s\nwant what the store said:\n%s", err, online, offline)
	}
	for _, args := range [][]string{
		{"--compare", "1", "1"},
		{"--compare", "1", "99"},
		{"--compare", "1"},
		{"--compare", "1", "2", "--explain", "1"},
	} {
		if out, err := runCmd(t, append([]string{"stories", "-config", cfgPath}, args...)...); err == nil {
			t.Errorf("stories %v: no error\n%s", args, out)
		}
	}
}

// TestCapitalHeadlineDeclaredEnglishJoins: an outlet whose feed template
// declares en-US carries, headline alone and in capitals, a story a
// Vietnamese outlet published: the headline's letters overrule the
// declaration, the item joins the story, and no story reaches the English
// category.
func TestCapitalHeadlineDeclaredEnglishJoins(t *testing.T) {
	dir := t.TempDir()
	feed := func(name, language, item string) {
		t.Helper()
		doc := `<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>` + name + `</title><link>http://` + name + `.test/</link><description>Tin</description>
<language>` + language + `</language>` + item + `</channel></rss>`
		if err := os.WriteFile(filepath.Join(dir, name+".xml"), []byte(doc), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	feed("baolangson", "vi", `<item><title>Lạng Sơn đón đoàn khách du lịch quốc tế đầu tiên qua cửa khẩu Chi Ma</title>
<link>http://baolangson.test/doan-khach-chi-ma.html</link>
<description>Sáng nay, đoàn 45 du khách đến từ nhiều nước đã làm thủ tục nhập cảnh qua cửa khẩu Chi Ma, huyện Lộc Bình, mở đầu tuyến du lịch xuyên biên giới mới của tỉnh.</description>
<pubDate>Fri, 27 Nov 2026 09:00:00 +0700</pubDate></item>`)
	feed("tinbienai", "en-US", `<item><title>LẠNG SƠN ĐÓN ĐOÀN KHÁCH DU LỊCH QUỐC TẾ ĐẦU TIÊN QUA CỬA KHẨU CHI MA</title>
<link>http://tinbienai.test/tin/lang-son-chi-ma.html</link>
<pubDate>Fri, 27 Nov 2026 09:40:00 +0700</pubDate></item>`)
	srv := httptest.NewServer(http.FileServer(http.Dir(dir)))
	t.Cleanup(srv.Close)
	cfgPath := filepath.Join(t.TempDir(), "config.yaml")
	for _, both := range []bool{false, true} {
		cfg := fmt.Sprintf(`data_dir: ./data
poll: {min_interval: 1s, timeout: 5s}
sources:
  - {id: baolangson, url: "%[1]s/baolangson.xml", language: vi}
  - {id: tinbienai, url: "%[1]s/tinbienai.xml", disabled: %[2]t}
categories:
  - {id: thoi-su}
  - {id: english, languages: [en]}
default_category: thoi-su
`, srv.URL, !both)
		if err := os.WriteFile(cfgPath, []byte(cfg), 0o644); err != nil {
			t.Fatal(err)
		}
		if out, err := runCmd(t, "fetch", "-config", cfgPath); err != nil {
			t.Fatalf("fetch: %v\n%s", err, out)
		}
	}
	recs := exportAll(t, cfgPath)
	if len(recs) != 1 {
		for _, r := range recs {
			t.Logf("%s %q %s %v %v", r.ID, r.Title, r.Language, r.Categories, r.Sources)
		}
		t.Fatalf("%d stories, want the one both outlets carried", len(recs))
	}
	if r := recs[0]; len(r.Sources) != 2 || r.Language != "vi" || strings.Join(r.Categories, ",") != "thoi-su" {
		t.Errorf("story %s: language %q, categories %v, sources %+v; want vi, thoi-su, both outlets", r.ID, r.Language, r.Categories, r.Sources)
	}
}

func mustRead(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
