package config

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/goccy/go-yaml"
	"golang.org/x/text/unicode/norm"
)

// TestProblems loads every file in testdata/problems. Each file ends with the
// problems it must produce, in order, one per line:
//
//	# want: <path or -> @<line> <text the message contains>
func TestProblems(t *testing.T) {
	files, err := filepath.Glob("testdata/problems/*.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no fixtures: %v", err)
	}
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			data, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			want := wantProblems(t, data)
			c, err := Parse(data, file)
			if c != nil {
				t.Errorf("Parse returned a config along with problems")
			}
			var cerr *Error
			if !errors.As(err, &cerr) {
				t.Fatalf("Parse error = %v, want *Error", err)
			}
			if cerr.File != file {
				t.Errorf("Error.File = %q, want %q", cerr.File, file)
			}
			got := cerr.Problems
			for i := range max(len(got), len(want)) {
				switch {
				case i >= len(got):
					t.Errorf("missing problem %s @%d %q", want[i].Path, want[i].Line, want[i].Message)
				case i >= len(want):
					t.Errorf("unexpected problem %s", got[i])
				case got[i].Path != want[i].Path || got[i].Line != want[i].Line ||
					!strings.Contains(got[i].Message, want[i].Message):
					t.Errorf("problem %d = %s\n\twant %s @%d containing %q", i, got[i], want[i].Path, want[i].Line, want[i].Message)
				}
			}
		})
	}
}

func wantProblems(t *testing.T, data []byte) []Problem {
	t.Helper()
	var want []Problem
	for _, line := range strings.Split(string(data), "\n") {
		rest, ok := strings.CutPrefix(line, "# want: ")
		if !ok {
			continue
		}
		fields := strings.SplitN(rest, " ", 3)
		if len(fields) < 3 || !strings.HasPrefix(fields[1], "@") {
			t.Fatalf("bad want line %q", line)
		}
		n, err := strconv.Atoi(fields[1][1:])
		if err != nil {
			t.Fatalf("bad want line %q: %v", line, err)
		}
		p := Problem{Path: fields[0], Line: n, Message: fields[2]}
		if p.Path == "-" {
			p.Path = ""
		}
		want = append(want, p)
	}
	if len(want) == 0 {
		t.Fatal("fixture has no # want: lines")
	}
	return want
}

func TestExampleConfig(t *testing.T) {
	const path = "../../config.yaml"
	c, err := Load(path)
	if err != nil {
		t.Fatalf("the example config does not load:\n%v", err)
	}
	if len(c.Sources) < 10 {
		t.Errorf("%d sources, want about a dozen", len(c.Sources))
	}
	levels := map[string]int{}
	languages := map[string]int{}
	for _, s := range c.Sources {
		levels[s.Level]++
		languages[s.Language]++
	}
	if levels[LevelProvincial] == 0 || levels[LevelCentral] == 0 || languages["vi"] == 0 || languages["en"] == 0 {
		t.Errorf("levels %v, languages %v: want provincial and central, vi and en", levels, languages)
	}
	for _, id := range []string{"thoi-su", "tin-tinh", "du-lich", "kinh-te", "van-hoa", "english"} {
		if _, ok := c.Category(id); !ok {
			t.Errorf("category %q missing", id)
		}
	}
	enabled := c.EnabledSources()
	if len(enabled) != len(c.Sources)-1 || slices.ContainsFunc(enabled, func(s Source) bool { return s.Disabled }) {
		t.Errorf("EnabledSources gives %d of %d sources, want all but the one disabled", len(enabled), len(c.Sources))
	}
	if c.DefaultCategory != "thoi-su" {
		t.Errorf("default_category = %q", c.DefaultCategory)
	}
	abs, err := filepath.Abs("../../data")
	if err != nil {
		t.Fatal(err)
	}
	if c.DataDir != abs {
		t.Errorf("DataDir = %q, want %q", c.DataDir, abs)
	}
	// The keys that tools write (DESIGN.md) must all be present.
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{
		"$.listen", "$.base_url", "$.data_dir", "$.poll.interval", "$.poll.min_interval", "$.poll.max_interval",
		"$.poll.timeout", "$.poll.concurrency", "$.poll.per_host", "$.sources[0].id", "$.sources[0].title",
		"$.sources[0].url", "$.sources[0].level", "$.sources[0].language", "$.sources[0].categories",
		"$.categories[0].keywords", "$.categories[0].source_categories", "$.categories[5].languages",
		"$.default_category", "$.filters.drop_title_prefixes", "$.filters.drop_keywords",
		"$.filters.drop_source_categories", "$.items_per_feed", "$.log.level", "$.log.format",
	} {
		p, err := yaml.PathString(key)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := p.ReadNode(strings.NewReader(string(data))); err != nil {
			t.Errorf("example config lacks %s: %v", key, err)
		}
	}
}

func TestDefaults(t *testing.T) {
	c, err := Load("testdata/valid/minimal.yaml")
	if err != nil {
		t.Fatal(err)
	}
	dataDir, err := filepath.Abs("testdata/valid/data")
	if err != nil {
		t.Fatal(err)
	}
	want := Config{
		Listen:       "127.0.0.1:8080",
		BaseURL:      "http://127.0.0.1:8080",
		DataDir:      dataDir,
		ItemsPerFeed: 50,
		TimeZone:     "Asia/Ho_Chi_Minh",
		Poll: Poll{
			Interval:     Duration(15 * time.Minute),
			MinInterval:  Duration(5 * time.Minute),
			MaxInterval:  Duration(6 * time.Hour),
			Timeout:      Duration(20 * time.Second),
			Concurrency:  8,
			PerHost:      2,
			HostGap:      Duration(time.Second),
			MaxBodyBytes: 10 << 20,
			MaxItems:     200,
			CommitDelay:  Duration(500 * time.Millisecond),
		},
		Categories:      []Category{{ID: "thoi-su", Title: "thoi-su"}},
		DefaultCategory: "thoi-su",
		Log:             Log{Level: "info", Format: "text"},
		Identity:        Identity{Join: true, Window: Duration(72 * time.Hour)},
		CacheMaxAge:     Duration(time.Minute),
		WebSub:          WebSub{Lease: Duration(24 * time.Hour)},
		Retention:       Retention{Interval: Duration(time.Hour)},
		file:            "testdata/valid/minimal.yaml",
		dataDirWritten:  "./data",
	}
	c.zones = nil
	if !reflect.DeepEqual(*c, want) {
		t.Errorf("defaults:\n got %+v\nwant %+v", *c, want)
	}
}

func TestAnchorsAndMergeKeys(t *testing.T) {
	c, err := Load("testdata/valid/anchors.yaml")
	if err != nil {
		t.Fatal(err)
	}
	s, ok := c.Source("baotuyenquang")
	if !ok {
		t.Fatal("source baotuyenquang missing")
	}
	want := Source{
		ID: "baotuyenquang", Title: "Báo Tuyên Quang", URL: "https://baotuyenquang.example/rss",
		Level: LevelProvincial, Language: "hmn", Categories: []string{"tin-tinh"}, Join: true,
	}
	if !reflect.DeepEqual(s, want) {
		t.Errorf("merged source:\n got %+v\nwant %+v", s, want)
	}
	cat, _ := c.Category("thoi-su")
	if !reflect.DeepEqual(cat.Sources, []string{"baohagiang", "baotuyenquang"}) {
		t.Errorf("aliased list = %q", cat.Sources)
	}
}

func TestNormalisation(t *testing.T) {
	// Written decomposed, as some keyboards and the windows-1258 code page do.
	nfd := norm.NFD.String
	yml := "sources:\n" +
		"  - {id: vov, url: \"https://vov.example/rss\", language: VI, title: \"" + nfd("Đài Tiếng nói") + "\"}\n" +
		"categories:\n" +
		"  - id: du-lich\n" +
		"    title: \"" + nfd("Du lịch") + "\"\n" +
		"    keywords: [\"" + nfd(" Du lịch ") + "\", \"" + nfd("lễ hội") + "\"]\n" +
		"    source_categories: [\"" + nfd("Văn hoá") + "\"]\n" +
		"    languages: [EN, iw]\n" +
		"default_category: du-lich\n" +
		"base_url: https://tin.example.vn/newswire/\n" +
		"filters:\n" +
		"  drop_title_prefixes: [\"" + nfd("Quảng cáo") + "\"]\n" +
		"  drop_keywords: [\"" + nfd("cá cược") + "\"]\n" +
		"  drop_source_categories: [\"" + nfd("Quảng cáo") + "\"]\n"
	if yml == norm.NFC.String(yml) {
		t.Fatal("test input is not decomposed")
	}
	c, err := Parse([]byte(yml), "")
	if err != nil {
		t.Fatal(err)
	}
	cat := c.Categories[0]
	for _, tc := range []struct {
		name string
		got  any
		want any
	}{
		{"keywords", cat.Keywords, []string{"Du lịch", "lễ hội"}},
		{"source_categories", cat.SourceCategories, []string{"Văn hoá"}},
		{"category title", cat.Title, "Du lịch"},
		{"source title", c.Sources[0].Title, "Đài Tiếng nói"},
		{"drop_title_prefixes", c.Filters.DropTitlePrefixes, []string{"Quảng cáo"}},
		{"drop_keywords", c.Filters.DropKeywords, []string{"cá cược"}},
		{"drop_source_categories", c.Filters.DropSourceCategories, []string{"Quảng cáo"}},
		{"source language", c.Sources[0].Language, "vi"},
		{"category languages", cat.Languages, []string{"en", "he"}},
		{"base_url", c.BaseURL, "https://tin.example.vn/newswire"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if !reflect.DeepEqual(tc.got, tc.want) {
				t.Errorf("got %q, want %q", tc.got, tc.want)
			}
		})
	}
}

func TestDataDir(t *testing.T) {
	tests := []struct {
		name, dataDir, file, want string
	}{
		{"relative to the config folder", "store", "/etc/newswire/config.yaml", "/etc/newswire/store"},
		{"dot-relative", "./data", "/srv/nw/config.yaml", "/srv/nw/data"},
		{"parent", "../data", "/srv/nw/conf/config.yaml", "/srv/nw/data"},
		{"absolute kept", "/var/lib/newswire", "/etc/newswire/config.yaml", "/var/lib/newswire"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			yml := "data_dir: " + tc.dataDir + "\ncategories: [{id: thoi-su}]\ndefault_category: thoi-su\n"
			c, err := Parse([]byte(yml), tc.file)
			if err != nil {
				t.Fatal(err)
			}
			if c.DataDir != tc.want {
				t.Errorf("DataDir = %q, want %q", c.DataDir, tc.want)
			}
		})
	}
}

func TestBaseURLFromListen(t *testing.T) {
	tests := []struct{ listen, want string }{
		{"127.0.0.1:9090", "http://127.0.0.1:9090"},
		{":9090", "http://localhost:9090"},
		{"0.0.0.0:80", "http://localhost:80"},
		{"[::1]:8080", "http://[::1]:8080"},
	}
	for _, tc := range tests {
		t.Run(tc.listen, func(t *testing.T) {
			yml := "listen: \"" + tc.listen + "\"\ncategories: [{id: thoi-su}]\ndefault_category: thoi-su\n"
			c, err := Parse([]byte(yml), "config.yaml")
			if err != nil {
				t.Fatal(err)
			}
			if c.BaseURL != tc.want {
				t.Errorf("BaseURL = %q, want %q", c.BaseURL, tc.want)
			}
		})
	}
}

func TestAccessors(t *testing.T) {
	yml := `
base_url: https://tin.example.vn:8443/newswire
time_zone: Asia/Bangkok
poll: {interval: 20m}
sources:
  - {id: vov, url: "https://vov.example/rss", interval: 1h, time_zone: UTC}
  - {id: baohagiang, url: "https://baohagiang.example/rss"}
categories: [{id: thoi-su, title: Thời sự}]
default_category: thoi-su
`
	c, err := Parse([]byte(yml), "config.yaml")
	if err != nil {
		t.Fatal(err)
	}
	vov, ok := c.Source("vov")
	if !ok {
		t.Fatal("Source(vov) not found")
	}
	hg, _ := c.Source("baohagiang")
	if _, ok := c.Source("nhandan"); ok {
		t.Error("Source(nhandan) found")
	}
	if cat, ok := c.Category("thoi-su"); !ok || cat.Title != "Thời sự" {
		t.Errorf("Category(thoi-su) = %+v, %v", cat, ok)
	}
	if _, ok := c.Category("all"); ok {
		t.Error("Category(all) found")
	}
	for _, tc := range []struct {
		name      string
		got, want any
	}{
		{"source zone", c.Location(vov).String(), "UTC"},
		{"config zone", c.Location(hg).String(), "Asia/Bangkok"},
		{"default zone", (&Config{}).Location(hg).String(), "Asia/Ho_Chi_Minh"},
		{"source interval", c.SourceInterval(vov), time.Hour},
		{"poll interval", c.SourceInterval(hg), 20 * time.Minute},
		{"authority from base_url", c.Authority(), "tin.example.vn"},
		{"authority set", (&Config{TagAuthority: "baotinh.example.vn", BaseURL: c.BaseURL}).Authority(), "baotinh.example.vn"},
		{"authority published", (&Config{PublishedAuthority: "127.0.0.1", BaseURL: c.BaseURL}).Authority(), "127.0.0.1"},
		{"authority set over published", (&Config{TagAuthority: "baotinh.example.vn", PublishedAuthority: "127.0.0.1"}).Authority(), "baotinh.example.vn"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.got != tc.want {
				t.Errorf("got %v, want %v", tc.got, tc.want)
			}
		})
	}
}

func TestErrorFormat(t *testing.T) {
	e := &Error{File: "config.yaml", Problems: []Problem{
		{Path: "sources[3].url", Line: 42, Message: "not an absolute http(s) URL"},
		{Path: "default_category", Message: "required"},
		{Line: 7, Message: "invalid YAML: x"},
	}}
	want := "config: config.yaml: sources[3].url: not an absolute http(s) URL (line 42)\n" +
		"config: config.yaml: default_category: required\n" +
		"config: config.yaml: invalid YAML: x (line 7)"
	if got := e.Error(); got != want {
		t.Errorf("Error() =\n%s\nwant\n%s", got, want)
	}
}

func TestLoadMissingFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "nowhere.yaml")
	_, err := Load(path)
	if err == nil || !strings.Contains(err.Error(), path) || !errors.Is(err, os.ErrNotExist) || !strings.Contains(err.Error(), "-config FILE") {
		t.Errorf("Load = %v, want an os.ErrNotExist naming %s", err, path)
	}
}

func TestDuration(t *testing.T) {
	for _, tc := range []struct {
		text   string
		want   time.Duration
		String string
	}{
		{"15m", 15 * time.Minute, "15m"},
		{"6h", 6 * time.Hour, "6h"},
		{"1h30m", 90 * time.Minute, "1h30m"},
		{"90s", 90 * time.Second, "1m30s"},
		{"1h0m5s", time.Hour + 5*time.Second, "1h0m5s"},
		{"0s", 0, "0s"},
		{"30d", 30 * 24 * time.Hour, "30d"},
		{"1d12h", 36 * time.Hour, "1d12h"},
		{"2000000h", 2000000 * time.Hour, "2000000h"}, // more days than a day count reads
	} {
		t.Run(tc.text, func(t *testing.T) {
			var d Duration
			if err := d.UnmarshalText([]byte(tc.text)); err != nil {
				t.Fatal(err)
			}
			if d.D() != tc.want || d.String() != tc.String {
				t.Errorf("%q: got %v (String %q), want %v (String %q)", tc.text, d.D(), d, tc.want, tc.String)
			}
			var back Duration
			if err := back.UnmarshalText([]byte(d.String())); err != nil || back != d {
				t.Errorf("%q written as %q reads back as %v, %v", tc.text, d, back, err)
			}
		})
	}
	// goccy's own decoder reads Duration too, through UnmarshalText.
	var v struct {
		D Duration `yaml:"d"`
	}
	if err := yaml.Unmarshal([]byte("d: 2h\n"), &v); err != nil || v.D.D() != 2*time.Hour {
		t.Errorf("yaml.Unmarshal 2h = %v, %v", v.D, err)
	}
	if err := yaml.Unmarshal([]byte("d: 15 minutes\n"), &v); err == nil {
		t.Error("yaml.Unmarshal 15 minutes: no error")
	}
}

// FuzzParse checks that no input panics and that every failure is an *Error
// whose problems all carry a message.
func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob("testdata/*/*.yaml")
	files = append(files, "../../config.yaml")
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte(""))
	f.Add([]byte("sources: [~, {id: *a}]\ncategories:\n  - \n"))
	// Syntax mistakes, each explained from the lines around it.
	for _, s := range []string{
		"sources:\n  - id: a\n   title: x\n", "poll:\n  interval: 15m\n    timeout: 20s\n", "listen: a: b\n",
		"listen: \"a\"b\n", "a: b\n- c\n", "title: 'It's'\n", "data_dir: \"C:\\x\\d\"\n", "k: [a, \"b\"c]\n",
		"u: \"x\n  - id: b\n    t: \"z\"\n", "c: [a, b\nd: 1\n", "t: [V] x\n", "t: @x\n", "l:127.0.0.1:1\ns: []\n",
		"s:\n  -id: a\n    u: x\n", "k v\n", " a: 1\nb: 2\n", "a: |\n  x\n b: 1\n", "admin_token: \"s\"x\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := Parse(data, "fuzz.yaml")
		if err == nil {
			if c == nil {
				t.Fatal("nil config and nil error")
			}
			return
		}
		var cerr *Error
		if !errors.As(err, &cerr) || len(cerr.Problems) == 0 {
			t.Fatalf("error %v is not an *Error with problems", err)
		}
		for _, p := range cerr.Problems {
			if p.Message == "" {
				t.Fatalf("problem without message: %+v", p)
			}
		}
	})
}

// TestAliasBomb checks that a config whose aliases stand for millions of
// values is refused with one problem, and quickly, rather than walked.
func TestAliasBomb(t *testing.T) {
	var b strings.Builder
	b.WriteString("categories: [{id: tin-tuc}]\ndefault_category: tin-tuc\nfilters:\n  drop_keywords: &k [")
	for i := range 1500 {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "tu-khoa-%d", i)
	}
	b.WriteString("]\nsources:\n  - &s {id: vov, url: \"https://vov.example/rss\", categories: *k}\n")
	for range 1500 {
		b.WriteString("  - *s\n")
	}
	start := time.Now()
	c, err := Parse([]byte(b.String()), "bomb.yaml")
	took := time.Since(start)
	var cerr *Error
	if c != nil || !errors.As(err, &cerr) {
		t.Fatalf("Parse = %v, %v; want a *Error", c, err)
	}
	if len(cerr.Problems) != 1 || !strings.Contains(cerr.Problems[0].Message, "through its aliases") {
		t.Errorf("problems: %v; want one, about aliases", cerr.Problems)
	}
	t.Logf("refused in %s: %v", took, cerr.Problems)

	// An alias inside the node it refers to stands for endlessly many.
	for _, doc := range []string{
		"categories: &x [{id: a, sources: *x}]\n",
		"filters: {drop_keywords: &k [a, *k]}\n",
	} {
		c, err := Parse([]byte(doc), "loop.yaml")
		if c != nil || !errors.As(err, &cerr) || !strings.Contains(cerr.Problems[0].Message, "through its aliases") {
			t.Errorf("Parse(%q) = %v, %v; want a problem about aliases", doc, c, err)
		}
	}
}

// TestLoadRefusesAHugeFile: a config file far larger than any real one is
// refused before it is parsed, whose node tree would take some 60 times
// its size in memory.
func TestLoadRefusesAHugeFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "config.yaml")
	line := "# " + strings.Repeat("nguồn tin ", 100) + "\n"
	body := strings.Repeat(line, MaxFileBytes/len(line)+1)
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(path); err == nil || !strings.Contains(err.Error(), "the most a config may be") {
		t.Errorf("Load of %d bytes: %v", len(body), err)
	}
}

// TestProblemWithADefault: a default the file never wrote, which another
// setting rules out, is said to be the default, not a value "got" on the
// line of its section.
func TestProblemWithADefault(t *testing.T) {
	_, err := Parse([]byte("poll:\n  min_interval: 20m\nsources: []\ncategories: [{id: thoi-su}]\ndefault_category: thoi-su\n"), "config.yaml")
	var cerr *Error
	if !errors.As(err, &cerr) || len(cerr.Problems) != 1 || !strings.Contains(cerr.Problems[0].Message, "got 15m (the default: the file does not set it)") {
		t.Fatalf("problems: %v", err)
	}
	_, err = Parse([]byte("poll:\n  interval: 10m\n  min_interval: 20m\nsources: []\ncategories: [{id: thoi-su}]\ndefault_category: thoi-su\n"), "config.yaml")
	if !errors.As(err, &cerr) || strings.Contains(cerr.Problems[0].Message, "default") {
		t.Fatalf("a value the file sets said to be the default: %v", err)
	}
}

// TestDataDirAt: data_dir is named as the file sets it, with its line, for
// the messages about the folder.
func TestDataDirAt(t *testing.T) {
	base := "categories: [{id: thoi-su}]\ndefault_category: thoi-su\n"
	for _, tc := range []struct{ yaml, want string }{
		{"data_dir: /srv/newswire\n" + base, `data_dir "/srv/newswire" (/etc/newswire/config.yaml line 1)`},
		{base + "data_dir: kho\n", `data_dir "/etc/newswire/kho" (/etc/newswire/config.yaml line 3: "kho")`},
		{base, `data_dir "/etc/newswire/data" (the default ./data: /etc/newswire/config.yaml does not set it)`},
	} {
		c, err := Parse([]byte(tc.yaml), "/etc/newswire/config.yaml")
		if err != nil {
			t.Fatal(err)
		}
		if got := c.DataDirAt(); got != tc.want {
			t.Errorf("DataDirAt() = %s, want %s", got, tc.want)
		}
	}
}
