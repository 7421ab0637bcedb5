package scrape

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestProposeShapes proves that the rules Propose prints extract, without
// editing, the same items as the rules written by hand for each shape.
func TestProposeShapes(t *testing.T) {
	const base = "http://outlet.test"
	for _, s := range shapes {
		t.Run(s.name, func(t *testing.T) {
			page := s.page(t, base)
			p, err := Propose(page, Options{Now: now})
			if err != nil {
				t.Fatal(err)
			}
			if p.Rules.Item == "" {
				t.Fatal("no rules proposed")
			}
			t.Logf("proposed %+v", p.Rules)
			want, _, err := Extract(page, s.rules, Options{Now: now})
			if err != nil {
				t.Fatal(err)
			}
			// The proposal is run again as an admin would, from its rules.
			got, warnings, err := Extract(page, p.Rules, Options{Now: now})
			if err != nil {
				t.Fatal(err)
			}
			if len(warnings) > 0 {
				t.Errorf("warnings: %q", warnings)
			}
			checkShape(t, s, base, got.Items)
			for i := range want.Items {
				g, w := got.Items[i], want.Items[i]
				if g.Title != w.Title || g.Link != w.Link || g.GUID != w.GUID || !g.Published.Equal(w.Published) {
					t.Errorf("item %d: got %q %s %s, want %q %s %s", i, g.Title, g.Link, g.Published, w.Title, w.Link, w.Published)
				}
				if (s.rules.Summary != "") != (g.Summary != "") || s.rules.Summary != "" && strings.TrimSpace(g.Summary) != strings.TrimSpace(w.Summary) {
					t.Errorf("item %d: summary %q, want %q", i, g.Summary, w.Summary)
				}
				if g.Image != w.Image {
					t.Errorf("item %d: image %q, want %q", i, g.Image, w.Image)
				}
			}
			if len(p.Items) != len(want.Items) {
				t.Errorf("proposal shows %d items, want %d", len(p.Items), len(want.Items))
			}
		})
	}
}

func TestProposeAutodiscovery(t *testing.T) {
	page := Page{URL: "http://outlet.test/tin-tuc/", Body: []byte(`<html><head><title>Báo tỉnh</title>
<link rel="alternate" type="application/rss+xml" title="Tin mới" href="/rss/tin-moi.rss">
<link rel="Alternate" type="application/atom+xml; charset=utf-8" href="https://outlet.test/atom.xml">
<link rel="alternate" hreflang="en" href="/en/">
<link rel="stylesheet" type="text/css" href="/site.css">
</head><body><p>Trang chủ</p></body></html>`)}
	p, err := Propose(page, Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := []FeedLink{
		{URL: "http://outlet.test/rss/tin-moi.rss", Type: "application/rss+xml", Title: "Tin mới"},
		{URL: "https://outlet.test/atom.xml", Type: "application/atom+xml"},
	}
	if len(p.Feeds) != len(want) {
		t.Fatalf("feeds = %+v, want %+v", p.Feeds, want)
	}
	for i := range want {
		if p.Feeds[i] != want[i] {
			t.Errorf("feed %d = %+v, want %+v", i, p.Feeds[i], want[i])
		}
	}
	if p.PageTitle != "Báo tỉnh" {
		t.Errorf("page title = %q", p.PageTitle)
	}
	if p.Rules.Item != "" {
		t.Errorf("proposed %+v on a page without news items", p.Rules)
	}
}

// FuzzExtractAndPropose feeds arbitrary pages to both: errors are fine, a
// panic is not. The seeds are the saved listing pages.
func FuzzExtractAndPropose(f *testing.F) {
	for _, s := range shapes {
		f.Add(readFixtureF(f, s.file))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		page := Page{URL: "http://outlet.test/tin/", Body: body}
		for _, s := range shapes {
			_, _, _ = Extract(page, s.rules, Options{})
		}
		if p, err := Propose(page, Options{}); err == nil && p.Rules.Item != "" {
			if _, _, err := Extract(page, p.Rules, Options{}); err != nil {
				t.Errorf("proposed rules %+v fail on the page they came from: %v", p.Rules, err)
			}
		}
	})
}

func readFixtureF(f *testing.F, name string) []byte {
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		f.Fatal(err)
	}
	return b
}
