package config

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

func TestDiff(t *testing.T) {
	old := mustParse(t, `
sources:
  - {id: baohagiang, title: Báo Hà Giang, url: "https://baohagiang.test/rss", level: provincial, language: vi, interval: 8m}
  - {id: vov, title: VOV, url: "https://vov.test/rss", level: central, language: vi}
categories:
  - {id: thoi-su, title: Thời sự}
default_category: thoi-su
`)
	new := mustParse(t, `
poll: {interval: 30m, host_gap: 0s}
sources:
  - {id: baohagiang, title: Báo Hà Giang, url: "https://baohagiang.test/rss2", level: provincial, language: vi, categories: [du-lich]}
  - {id: ttxvn, title: TTXVN, url: "https://ttxvn.test/rss", level: central, language: vi}
categories:
  - {id: thoi-su, title: Thời sự}
  - {id: du-lich, title: Du lịch, keywords: [homestay]}
default_category: thoi-su
`)
	var got []string
	for _, c := range Diff(old, new) {
		got = append(got, c.String())
	}
	want := []string{
		"changed poll.interval: 15m → 30m",
		"changed poll.host_gap: 1s → 0s",
		"changed sources[baohagiang].url: https://baohagiang.test/rss → https://baohagiang.test/rss2",
		"changed sources[baohagiang].categories: [] → [du-lich]",
		"changed sources[baohagiang].interval: 8m → unset",
		"removed sources[vov]",
		"added sources[ttxvn]",
		"added categories[du-lich]",
	}
	if !slices.Equal(got, want) {
		t.Fatalf("Diff:\n got %q\nwant %q", got, want)
	}
	if d := Diff(old, old); len(d) != 0 {
		t.Fatalf("Diff of a config with itself: %v", d)
	}
}

// TestDiffNotesRename: a source added with the URL of one removed looks
// like a renamed id, which credits the stored stories to both: the change
// says so.
func TestDiffNotesRename(t *testing.T) {
	old := mustParse(t, `
sources:
  - {id: vov, title: VOV, url: "https://vov.test/rss"}
  - {id: ttxvn, title: TTXVN, url: "https://ttxvn.test/rss"}
categories: [{id: thoi-su}]
default_category: thoi-su
`)
	new := mustParse(t, `
sources:
  - {id: vov-tieng-viet, title: VOV, url: "https://vov.test/rss"}
  - {id: baohagiang, title: Báo Hà Giang, url: "https://baohagiang.test/rss"}
categories: [{id: thoi-su}]
default_category: thoi-su
`)
	var got []string
	for _, c := range Diff(old, new) {
		got = append(got, c.String())
	}
	want := []string{
		"removed sources[vov]",
		"removed sources[ttxvn]",
		"added sources[vov-tieng-viet] (the url of removed source vov: renaming a source credits its stored stories to both ids; keep the old id)",
		"added sources[baohagiang]",
	}
	if !slices.Equal(got, want) {
		t.Fatalf("Diff:\n got %q\nwant %q", got, want)
	}
}

// TestDiffAuthority: a new base_url changes no story id once the store
// has published them (PublishedAuthority carried over); a tag_authority
// that differs changes every one, and Diff says so first.
func TestDiffAuthority(t *testing.T) {
	const src = `
sources:
  - {id: baohagiang, title: Báo Hà Giang, url: "https://baohagiang.test/rss", level: provincial, language: vi}
categories:
  - {id: thoi-su, title: Thời sự}
default_category: thoi-su
`
	old := mustParse(t, src)
	old.PublishedAuthority = "127.0.0.1"
	moved := mustParse(t, "base_url: https://tin.example.vn/nw\n"+src)
	moved.PublishedAuthority = old.PublishedAuthority
	var got []string
	for _, c := range Diff(old, moved) {
		got = append(got, c.String())
	}
	if want := []string{"changed base_url: http://127.0.0.1:8080 → https://tin.example.vn/nw"}; !slices.Equal(got, want) {
		t.Errorf("Diff of a new base_url:\n got %q\nwant %q", got, want)
	}
	named := mustParse(t, "tag_authority: tin.example.vn\n"+src)
	named.PublishedAuthority = old.PublishedAuthority
	got = got[:0]
	for _, c := range Diff(old, named) {
		got = append(got, c.String())
	}
	want := []string{
		"story ids change from tag:127.0.0.1,2026:story/… to tag:tin.example.vn,2026:story/…: partners will get every story again",
		`changed tag_authority: "" → tin.example.vn`,
	}
	if !slices.Equal(got, want) {
		t.Errorf("Diff of a new tag_authority:\n got %q\nwant %q", got, want)
	}
}

func mustParse(t *testing.T, yaml string) *Config {
	t.Helper()
	c, err := Parse([]byte(yaml), "test.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestRedacted(t *testing.T) {
	c := mustParse(t, `
partners:
  - {name: vtv, token: "a-partner-token-0123456789"}
sources:
  - {id: vov, title: VOV, url: "https://vov.test/rss"}
categories:
  - {id: thoi-su}
default_category: thoi-su
`)
	r := c.Redacted()
	if r.Partners[0].Token == c.Partners[0].Token || !strings.HasPrefix(r.Partners[0].Token, "redacted:") {
		t.Fatalf("token not redacted: %q", r.Partners[0].Token)
	}
	if c.Partners[0].Token != "a-partner-token-0123456789" {
		t.Fatal("Redacted changed the original")
	}
	other := mustParse(t, strings.Replace(`
partners:
  - {name: vtv, token: "a-partner-token-0123456789"}
sources:
  - {id: vov, title: VOV, url: "https://vov.test/rss"}
categories:
  - {id: thoi-su}
default_category: thoi-su
`, "0123456789", "9876543210", 1))
	if d := Diff(r, other.Redacted()); len(d) != 1 || strings.Contains(d[0].String(), "0123456789") {
		t.Fatalf("a changed token should show as one change without the token: %v", d)
	}

	// A source's URL is the only place for an outlet's credentials.
	withKey := func(password, key string) *Config {
		return mustParse(t, fmt.Sprintf(`
sources:
  - {id: vov, title: VOV, url: "https://editor:%s@vov.test/rss?api_key=%s&cat=5"}
categories:
  - {id: thoi-su}
default_category: thoi-su
`, password, key))
	}
	a := withKey("S3cretPassw0rd", "KEY12345").Redacted()
	if u := a.Sources[0].URL; strings.Contains(u, "S3cretPassw0rd") || strings.Contains(u, "KEY12345") || !strings.Contains(u, "cat=5") {
		t.Errorf("source URL redacted as %q", u)
	}
	if d := Diff(a, withKey("S3cretPassw0rd", "KEY12345").Redacted()); len(d) != 0 {
		t.Errorf("the same credentials differ: %v", d)
	}
	for _, b := range []*Config{withKey("0therPassw0rd", "KEY12345"), withKey("S3cretPassw0rd", "KEY54321")} {
		d := Diff(a, b.Redacted())
		if len(d) != 1 || strings.Contains(d[0].String(), "Passw0rd") || strings.Contains(d[0].String(), "KEY") {
			t.Errorf("changed credentials: %v; want one change that shows neither", d)
		}
	}
}

// TestDiffNotesCategoryRename: a category added beside one removed does
// not take its stories; the change says so.
func TestDiffNotesCategoryRename(t *testing.T) {
	old := mustParse(t, `
sources: [{id: vov, title: VOV, url: "https://vov.test/rss"}]
categories: [{id: thoi-su}, {id: tin-tinh, title: Tin tỉnh}]
default_category: thoi-su
`)
	new := mustParse(t, `
sources: [{id: vov, title: VOV, url: "https://vov.test/rss"}]
categories: [{id: thoi-su}, {id: tinh-nha, title: Tin tỉnh nhà}]
default_category: thoi-su
`)
	var got []string
	for _, c := range Diff(old, new) {
		got = append(got, c.String())
	}
	if len(got) != 2 || got[0] != "removed categories[tin-tinh]" ||
		!strings.HasPrefix(got[1], "added categories[tinh-nha] (if it renames tin-tinh: it starts empty, and the stories stored under tin-tinh stay there") {
		t.Fatalf("Diff: %q", got)
	}
}
