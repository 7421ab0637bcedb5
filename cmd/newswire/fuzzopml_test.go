package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"newswire/internal/config"
)

// FuzzImportOPML: whatever an OPML file holds, import-opml prints either an
// error or source entries that, pasted into a config.yaml, check-config
// takes whole.
func FuzzImportOPML(f *testing.F) {
	for _, s := range []string{
		`<?xml version="1.0"?><opml version="2.0"><head><title>Nguồn</title></head><body><outline text="provincial"><outline text="Báo Hà Giang" xmlUrl="https://baohagiang.example.vn/rss" language="vi"/></outline><outline text="central"><outline text="Thời sự" title="Tin &quot;nóng&quot;: #1" xmlUrl="http://tin.example.vn/feed?x=1&amp;y=2"/></outline></body></opml>`,
		`<opml><body><outline text="a: b" xmlUrl="https://a.example/{x}"/><outline text="a: b" xmlUrl="https://a.example/2" language="x-"/></body></opml>`,
		`<opml><body><outline text="- [x]" xmlUrl="https://u:p@a.example/ #c"/></body></opml>`,
	} {
		f.Add([]byte(s))
	}
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		path := filepath.Join(dir, "in.opml")
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		var out strings.Builder
		if err := importOPML(path, &out); err != nil {
			return
		}
		cfg := out.String() + "categories: [{id: thoi-su}]\ndefault_category: thoi-su\n"
		if _, err := config.Parse([]byte(cfg), "config.yaml"); err != nil {
			t.Errorf("import-opml printed entries check-config refuses: %v\n%s", err, cfg)
		}
	})
}
