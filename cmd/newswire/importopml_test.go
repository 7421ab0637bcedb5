package main

import (
	"bytes"
	"strings"
	"testing"

	"newswire/internal/config"
)

// TestImportOPML checks that import-opml prints source entries that make a
// valid config, with ids from the titles and levels from the grouping.
func TestImportOPML(t *testing.T) {
	var out bytes.Buffer
	if err := run(t.Context(), []string{"import-opml", "testdata/import.opml"}, &out); err != nil {
		t.Fatal(err)
	}
	yaml := out.String() + "categories: [{id: thoi-su}]\ndefault_category: thoi-su\n"
	cfg, err := config.Parse([]byte(yaml), "imported.yaml")
	if err != nil {
		t.Fatalf("printed entries are not a valid config: %v\n%s", err, out.String())
	}
	want := []config.Source{
		{ID: "bao-ha-giang", Title: "Báo Hà Giang", URL: "https://baohagiang.example.vn/rss", Level: "provincial", Language: "vi"},
		{ID: "bao-ha-giang-2", Title: "Báo Hà Giang", URL: "https://baohagiang.example.vn/rss/du-lich", Level: "provincial"},
		{ID: "dai-tieng-noi-viet-nam", Title: "Đài Tiếng nói Việt Nam", URL: "https://vov.example.vn/rss", Level: "central"},
		{ID: "vietnamplus-english", Title: "VietnamPlus English", URL: "https://en.vietnamplus.example.vn/rss", Language: "en"},
	}
	if len(cfg.Sources) != len(want) {
		t.Fatalf("%d sources, want %d:\n%s", len(cfg.Sources), len(want), out.String())
	}
	for i, w := range want {
		g := cfg.Sources[i]
		if g.ID != w.ID || g.Title != w.Title || g.URL != w.URL || g.Level != w.Level || g.Language != w.Language {
			t.Errorf("source %d = %+v, want %+v", i, g, w)
		}
	}
	if err := run(t.Context(), []string{"import-opml", "testdata/outlets/baohagiang.xml"}, &out); err == nil || !strings.Contains(err.Error(), "no outline") {
		t.Errorf("a feed instead of OPML: err = %v, want no outline", err)
	}
}
