package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
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
	if err := run(t.Context(), []string{"import-opml", "testdata/outlets/baohagiang.xml"}, &out); err == nil || !strings.Contains(err.Error(), "its root element is <rss>, not <opml>") {
		t.Errorf("a feed instead of OPML: err = %v, want its root element named", err)
	}
}

// TestImportNotOPML: a file that is not an OPML list of feeds is refused with
// a message that says what the file is instead, and nothing is printed.
func TestImportNotOPML(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		name, body string
		want       []string
	}{
		{"empty", "", []string{"is empty: not an OPML file"}},
		{"blank", "\ufeff \n\n", []string{"holds nothing but white space: not an OPML file"}},
		{"text", "Danh sách báo tỉnh Hà Giang\nbaohagiang.example.vn\n", []string{`is not XML (it begins "Danh sách báo tỉnh Hà Giang"): not an OPML file`}},
		{"binary", "\x1f\x8b\x08\x00\x00", []string{"is not XML (it begins with bytes that are not text)"}},
		{"declaration", "<?xml version=\"1.0\"?>\n<!-- xuất từ trình đọc tin -->\n", []string{"holds no XML element"}},
		{"cut short", "<opml version=\"2.0\"><body>\n<outline text=\"Báo Sơn La\" xmlUrl=\"https://baosonla.example.vn/rss\"/>\n<outline text=\"Tin", []string{"is XML cut short: it ends on line 3"}},
		{"broken", "<opml><body>\n<outline text=\"a\"></body></opml>", []string{"is not well-formed XML: line 2: element <outline> closed by </body>"}},
		{"atom", `<feed xmlns="http://www.w3.org/2005/Atom"><title>Tin Hà Giang</title></feed>`, []string{"is XML but not OPML: its root element is <feed>, not <opml>", "a feed itself"}},
		{"page", "<!DOCTYPE html>\n<html><head><meta charset=utf-8><title>Báo Hà Giang</title></head></html>", []string{"its root element is <html>, not <opml>", "newswire probe"}},
		{"no body", `<opml version="2.0"><head><title>Nguồn</title></head></opml>`, []string{"is OPML without a <body>"}},
		{"no outline", `<opml version="2.0"><head/><body></body></opml>`, []string{"is OPML whose <body> lists no outline: nothing to import"}},
		{"folders", `<opml version="2.0"><body><outline text="Tỉnh"><outline text="Huyện"/></outline></body></opml>`, []string{"lists 2 outlines, none with an xmlUrl (the address of a feed): nothing to import"}},
		{"no http", `<opml version="2.0"><body><outline text="Trang" htmlUrl="https://trang.example.vn/"/><outline text="Tin cũ" xmlUrl="ftp://cu.example.vn/rss"/></body></opml>`,
			[]string{"lists 2 outlines, and none is a feed newswire can poll: nothing to import\n", "\n  left out \"Trang\": no xmlUrl, only the page \"https://trang.example.vn/\"", "\n  left out \"Tin cũ\": its xmlUrl \"ftp://cu.example.vn/rss\" is not an absolute http(s) URL"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(dir, strings.ReplaceAll(tc.name, " ", "-")+".opml")
			if err := os.WriteFile(path, []byte(tc.body), 0o644); err != nil {
				t.Fatal(err)
			}
			var out bytes.Buffer
			err := run(t.Context(), []string{"import-opml", path}, &out)
			if err == nil {
				t.Fatalf("taken:\n%s", out.String())
			}
			if out.Len() > 0 {
				t.Errorf("printed %q", out.String())
			}
			if !strings.HasPrefix(err.Error(), "import-opml: "+path+" ") {
				t.Errorf("error %q does not start with the file's name", err)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not say %q", err, w)
				}
			}
		})
	}
	// The real binary says it on standard error, as it is.
	empty := filepath.Join(dir, "empty.opml")
	out, err := exec.Command(newswireBinary(t), "import-opml", empty).CombinedOutput()
	if want := "newswire: import-opml: " + empty + " is empty: not an OPML file\n"; err == nil || string(out) != want {
		t.Errorf("binary: %v, said %q, want %q", err, out, want)
	}
}

// TestImportMessyOPML: an OPML file as older tools and careless hands make
// them (windows-1258, an ftp and a relative xmlUrl, one feed listed twice,
// an outline with a page and no feed) gives entries check-config takes as
// they are, and says in comments what it left out and why; a file that is
// not OPML prints nothing.
func TestImportMessyOPML(t *testing.T) {
	dir := t.TempDir()
	// "Báo Sơn La" in windows-1258: á is E1, ơ is F5.
	body := "<?xml version=\"1.0\" encoding=\"windows-1258\"?>\n<opml version=\"2.0\"><head><title>Ngu\xf4n</title></head><body>\n" +
		"<outline text=\"B\xe1o S\xf5n La\" xmlUrl=\"https://baosonla.example.vn/rss\"/>\n" +
		"<outline text=\"Tin c\xfb\" xmlUrl=\"ftp://cu.example.vn/rss\"/>\n" +
		"<outline text=\"Tin l\xe9\" xmlUrl=\"/rss/le.xml\"/>\n" +
		"<outline text=\"Ch\xe9p\" xmlUrl=\"https://baosonla.example.vn/rss\"/>\n" +
		"<outline text=\"Trang\" htmlUrl=\"https://trang.example.vn/\"/>\n" +
		"</body></opml>\n"
	path := filepath.Join(dir, "messy.opml")
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := run(t.Context(), []string{"import-opml", path}, &out); err != nil {
		t.Fatalf("import-opml: %v\n%s", err, out.String())
	}
	cfg, err := config.Parse([]byte(out.String()+"categories: [{id: thoi-su}]\ndefault_category: thoi-su\n"), "imported.yaml")
	if err != nil {
		t.Fatalf("printed entries are not a valid config: %v\n%s", err, out.String())
	}
	if len(cfg.Sources) != 1 || cfg.Sources[0].Title != "Báo Sơn La" || cfg.Sources[0].ID != "bao-son-la" {
		t.Fatalf("sources %+v\n%s", cfg.Sources, out.String())
	}
	for _, want := range []string{`ftp://cu.example.vn/rss\" is not an absolute http(s) URL`, `"/rss/le.xml" is not`, "the same xmlUrl as bao-son-la", `only the page \"https://trang.example.vn/\"`} {
		if !strings.Contains(out.String(), strings.ReplaceAll(want, `\"`, `"`)) {
			t.Errorf("output does not say %q:\n%s", want, out.String())
		}
	}
	// Titles whose ids would meet: each printed once.
	same := filepath.Join(dir, "same.opml")
	if err := os.WriteFile(same, []byte(`<opml version="2.0"><body>
<outline text="Tin" xmlUrl="https://a.example.vn/rss"/>
<outline text="Tin" xmlUrl="https://b.example.vn/rss"/>
<outline text="Tin 2" xmlUrl="https://c.example.vn/rss"/>
</body></opml>`), 0o644); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	if err := run(t.Context(), []string{"import-opml", same}, &out); err != nil {
		t.Fatal(err)
	}
	if cfg, err := config.Parse([]byte(out.String()+"categories: [{id: thoi-su}]\ndefault_category: thoi-su\n"), "same.yaml"); err != nil || len(cfg.Sources) != 3 {
		t.Errorf("three outlets whose titles make one id: %v\n%s", err, out.String())
	}
	broken := filepath.Join(dir, "broken.opml")
	if err := os.WriteFile(broken, []byte(`<opml><body><outline text="a" xmlUrl="https://a.example.vn/rss"`), 0o644); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	if err := run(t.Context(), []string{"import-opml", broken}, &out); err == nil || out.Len() > 0 {
		t.Errorf("a broken file: err %v, printed %q", err, out.String())
	}
}

// TestImportHostileOPML: the real binary's import-opml, given an OPML file
// whose attributes try to write YAML of their own into its output (a
// newline in an htmlUrl that opens a source entry, C1 and bidirectional
// controls) or carry escaped markup in titles, prints entries that
// check-config accepts as they are, and no others: a title is made plain
// text, a language check-config refuses is left out, and an entry it would
// still refuse is left out with a comment that says why. It prints nothing
// the terminal would act on.
func TestImportHostileOPML(t *testing.T) {
	bin := newswireBinary(t)
	dir := t.TempDir()
	body := `<?xml version="1.0" encoding="utf-8"?>
<opml version="2.0"><head><title>Nguồn</title></head><body>
<outline text="Trang" htmlUrl="https://x.example.vn/&#10;  - {id: evil, url: &quot;http://evil.example/rss&quot;}&#10;  # "/>
<outline text="Trang hai" htmlUrl="https://y.example.vn/` + "\u009b2J\u202e" + `"/>
<outline text="Tin &amp;amp; Báo" xmlUrl="https://tinbao.example.vn/rss"/>
<outline text="A &lt;b&gt;bold&lt;/b&gt; outlet" xmlUrl="https://bold.example.vn/rss"/>
<outline text="Báo &amp;lt;script&amp;gt;alert(1)&amp;lt;/script&amp;gt; Lào Cai" xmlUrl="https://laocai.example.vn/rss"/>
<outline text="Đài ` + "\u202e" + `Yên Bái` + "\u0085" + `" xmlUrl="https://yenbai.example.vn/rss" language="Tiếng Việt"/>
<outline text="Tin &amp;` + strings.Repeat("amp;", 10) + ` sâu" xmlUrl="https://sau.example.vn/rss"/>
</body></opml>
`
	path := filepath.Join(dir, "hostile.opml")
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(bin, "import-opml", path).Output()
	if err != nil {
		t.Fatalf("import-opml: %v\n%s", err, out)
	}
	if r := unprintable(string(out)); r >= 0 {
		t.Errorf("import-opml printed %U:\n%q", r, out)
	}
	cfgPath := filepath.Join(dir, "config.yaml")
	if err := os.WriteFile(cfgPath, append(out, "categories: [{id: thoi-su}]\ndefault_category: thoi-su\n"...), 0o644); err != nil {
		t.Fatal(err)
	}
	if check, err := exec.Command(bin, "check-config", "-config", cfgPath).CombinedOutput(); err != nil {
		t.Fatalf("check-config refuses what import-opml printed: %v\n%s\n%s", err, check, out)
	}
	cfg, err := config.Load(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, s := range cfg.Sources {
		got = append(got, s.ID+" "+s.Title+" "+s.Language)
	}
	want := []string{"tin-bao Tin & Báo ", "a-bold-outlet A bold outlet ", "bao-lao-cai Báo Lào Cai ", "dai-yen-bai Đài Yên Bái "}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("sources %q, want %q\n%s", got, want, out)
	}
	for _, said := range []string{`only the page "https://x.example.vn/\n  - {id: evil`, `# dai-yen-bai: its language "Tiếng Việt" is not a language tag`,
		`# left out "Tin &amp; sâu": check-config would refuse it: "plain text only`} {
		if !strings.Contains(string(out), said) {
			t.Errorf("import-opml does not say %s:\n%s", said, out)
		}
	}
}
