package main

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// newsB serves a central outlet's feed on loopback, at /rss.
func newsB(t *testing.T) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/rss" {
			http.NotFound(w, r)
			return
		}
		body, err := os.ReadFile(filepath.Join("testdata", "federation", "newsb.xml"))
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/rss+xml; charset=utf-8")
		_, _ = w.Write(body)
	}))
	t.Cleanup(srv.Close)
	return srv
}

// federationConfig writes a newswire's config, with sources as YAML list
// items, into a folder of its own; dir reuses a folder (a new version of
// the config).
func federationConfig(t *testing.T, dir, listen, sources string) string {
	t.Helper()
	if dir == "" {
		dir = t.TempDir()
	}
	cfg := fmt.Sprintf(`listen: %[1]s
base_url: http://%[1]s
data_dir: ./data
poll: {interval: 15m, min_interval: 1s, max_interval: 6h, timeout: 5s, concurrency: 1, per_host: 2, host_gap: 0s}
sources:
%[2]s
categories:
  - {id: thoi-su, title: Thời sự}
  - {id: english, title: English, languages: [en]}
default_category: thoi-su
`, listen, sources)
	path := filepath.Join(dir, "config.yaml")
	if err := os.WriteFile(path, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// lowerNewswire runs the newswire of a province, which polls News B, and
// returns its address.
func lowerNewswire(t *testing.T, outlet string) string {
	t.Helper()
	addr := freeAddr(t)
	cfg := federationConfig(t, "", addr, fmt.Sprintf(`  - {id: newsb, title: News B Central, url: "%s/rss", level: central}`, outlet))
	if out, err := runCmd(t, "fetch", "-config", cfg); err != nil {
		t.Fatalf("fetch of the lower newswire: %v\n%s", err, out)
	}
	serveDaemon(t, cfg, addr)
	return addr
}

// upperFeeds are the stories of an upper newswire's /feeds/all in its three
// formats, as far as attribution goes.
type upperFeeds struct {
	atom struct {
		Entries []struct {
			Title   string   `xml:"title"`
			Lang    string   `xml:"http://www.w3.org/XML/1998/namespace lang,attr"`
			Authors []string `xml:"author>name"`
			Links   []struct {
				Rel   string `xml:"rel,attr"`
				Href  string `xml:"href,attr"`
				Title string `xml:"title,attr"`
			} `xml:"link"`
			Source struct {
				ID    string `xml:"id"`
				Title string `xml:"title"`
			} `xml:"source"`
		} `xml:"entry"`
	}
	rss struct {
		Items []struct {
			Title    string   `xml:"title"`
			Creators []string `xml:"http://purl.org/dc/elements/1.1/ creator"`
			Language string   `xml:"http://purl.org/dc/elements/1.1/ language"`
			Source   struct {
				URL   string `xml:"url,attr"`
				Title string `xml:",chardata"`
			} `xml:"source"`
			Links []struct {
				Rel   string `xml:"rel,attr"`
				Title string `xml:"title,attr"`
			} `xml:"http://www.w3.org/2005/Atom link"`
		} `xml:"channel>item"`
	}
	json struct {
		Items []struct {
			Title    string            `json:"title"`
			Language string            `json:"language"`
			Authors  []json.RawMessage `json:"authors"`
			Newswire struct {
				Sources []struct {
					Source  string `json:"source"`
					Title   string `json:"title"`
					Level   string `json:"level"`
					FeedURL string `json:"feed_url"`
					Via     *struct {
						Source string `json:"source"`
						Title  string `json:"title"`
						Level  string `json:"level"`
					} `json:"via"`
				} `json:"sources"`
			} `json:"_newswire"`
		} `json:"items"`
	}
}

func getUpperFeeds(t *testing.T, addr string) *upperFeeds {
	t.Helper()
	var f upperFeeds
	for ext, into := range map[string]func([]byte) error{
		"atom": func(b []byte) error { return xml.Unmarshal(b, &f.atom) },
		"rss":  func(b []byte) error { return xml.Unmarshal(b, &f.rss) },
		"json": func(b []byte) error { return json.Unmarshal(b, &f.json) },
	} {
		resp, err := http.Get("http://" + addr + "/feeds/all." + ext)
		if err != nil {
			t.Fatal(err)
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("all.%s: %d, %v", ext, resp.StatusCode, err)
		}
		if err := into(body); err != nil {
			t.Fatalf("all.%s: %v", ext, err)
		}
		if dir := os.Getenv("NEWSWIRE_ARTIFACTS"); dir != "" {
			name := strings.ReplaceAll(strings.TrimPrefix(t.Name(), "Test"), "/", "-")
			if err := os.WriteFile(filepath.Join(dir, name+"."+ext), body, 0o644); err != nil {
				t.Error(err)
			}
		}
	}
	return &f
}

const teaTitle = "Ha Giang tea growers sign first export deal with Japan"

// TestFederationCreditsTheOrigin: a newswire polling another newswire's
// feed, in each format, stores and republishes a story as the outlet's:
// in the story's language, without the lower feed's name for an author,
// credited to the outlet (atom:source, RSS <source>, JSON Feed
// _newswire.sources and the export) with the lower newswire as the way it
// came.
func TestFederationCreditsTheOrigin(t *testing.T) {
	outlet := newsB(t)
	lower := lowerNewswire(t, outlet.URL)
	feedURL := outlet.URL + "/rss"
	for _, ext := range []string{"atom", "rss", "json"} {
		t.Run(ext, func(t *testing.T) {
			addr := freeAddr(t)
			cfg := federationConfig(t, "", addr, fmt.Sprintf(`  - {id: hagiang, title: Newswire Hà Giang, url: "http://%s/feeds/all.%s", level: provincial}`, lower, ext))
			if out, err := runCmd(t, "fetch", "-config", cfg); err != nil {
				t.Fatalf("fetch: %v\n%s", err, out)
			}
			level := ""
			if ext == "json" {
				level = "central" // only newswire's JSON Feed says it
			}

			recs := exportAll(t, cfg)
			// A headline too short to tell its language by is in the
			// language its item declares.
			for _, title := range []string{teaTitle, "Dong Van Karst Plateau"} {
				if r := byTitle(t, recs, title); r.Language != "en" || !contains(r.Categories, "english") {
					t.Errorf("export: %q in language %q, categories %q; want en, in english", title, r.Language, r.Categories)
				}
			}
			tea := byTitle(t, recs, teaTitle)
			if len(tea.Sources) != 1 {
				t.Fatalf("export: sources %+v, want one", tea.Sources)
			}
			src := tea.Sources[0]
			if src.Source != "hagiang" || src.Origin == nil || src.Origin.Title != "News B Central" || src.Origin.FeedURL != feedURL || src.Origin.Level != level {
				t.Errorf("export: source %+v, origin %+v; want hagiang, from News B Central (%s, level %q)", src, src.Origin, feedURL, level)
			}

			serveDaemon(t, cfg, addr)
			f := getUpperFeeds(t, addr)
			for _, e := range f.atom.Entries {
				if e.Title != teaTitle {
					continue
				}
				if e.Lang != "en" || len(e.Authors) != 0 || e.Source.Title != "News B Central" || e.Source.ID != feedURL {
					t.Errorf("atom: xml:lang %q, authors %q, source %+v; want en, none, News B Central (%s)", e.Lang, e.Authors, e.Source, feedURL)
				}
				via := false
				for _, l := range e.Links {
					via = via || l.Rel == "via" && l.Title == "Newswire Hà Giang"
				}
				if !via {
					t.Errorf("atom: links %+v, want one via Newswire Hà Giang", e.Links)
				}
			}
			for _, it := range f.rss.Items {
				if it.Title != teaTitle {
					continue
				}
				if it.Language != "en" || len(it.Creators) != 0 || it.Source.Title != "News B Central" || it.Source.URL != feedURL {
					t.Errorf("rss: dc:language %q, dc:creator %q, source %+v; want en, none, News B Central (%s)", it.Language, it.Creators, it.Source, feedURL)
				}
				via := false
				for _, l := range it.Links {
					via = via || l.Rel == "via" && l.Title == "Newswire Hà Giang"
				}
				if !via {
					t.Errorf("rss: atom:links %+v, want one via Newswire Hà Giang", it.Links)
				}
			}
			for _, it := range f.json.Items {
				if it.Title != teaTitle {
					continue
				}
				ss := it.Newswire.Sources
				if it.Language != "en" || len(it.Authors) != 0 || len(ss) != 1 {
					t.Fatalf("json: language %q, authors %s, sources %+v; want en, none, one", it.Language, it.Authors, ss)
				}
				if s := ss[0]; s.Title != "News B Central" || s.Level != level || s.FeedURL != feedURL || s.Via == nil ||
					s.Via.Source != "hagiang" || s.Via.Title != "Newswire Hà Giang" || s.Via.Level != "provincial" {
					t.Errorf("json: source %+v via %+v; want News B Central (level %q) via Newswire Hà Giang", s, s.Via, level)
				}
			}
			if len(f.atom.Entries) != 3 || len(f.rss.Items) != 3 || len(f.json.Items) != 3 {
				t.Errorf("%d, %d, %d stories in the three formats; want 3", len(f.atom.Entries), len(f.rss.Items), len(f.json.Items))
			}
		})
	}
}

// TestFederationDirectOutletComesFirst: a newswire that polls an outlet
// itself names it first publisher of its story, though a lower newswire
// brought the story first, dated as the outlet dated it.
func TestFederationDirectOutletComesFirst(t *testing.T) {
	outlet := newsB(t)
	lower := lowerNewswire(t, outlet.URL)
	addr := freeAddr(t)
	throughLower := fmt.Sprintf(`  - {id: hagiang, title: Newswire Hà Giang, url: "http://%s/feeds/all.json", level: provincial}`, lower)
	cfg := federationConfig(t, "", addr, throughLower)
	if out, err := runCmd(t, "fetch", "-config", cfg); err != nil {
		t.Fatalf("fetch: %v\n%s", err, out)
	}
	direct := fmt.Sprintf(`  - {id: newsb, title: News B Central, url: "%s/rss", level: central}`, outlet.URL)
	cfg = federationConfig(t, filepath.Dir(cfg), addr, throughLower+"\n"+direct)
	if out, err := runCmd(t, "fetch", "-config", cfg); err != nil {
		t.Fatalf("fetch: %v\n%s", err, out)
	}

	tea := byTitle(t, exportAll(t, cfg), teaTitle)
	if len(tea.Sources) != 2 || tea.Sources[0].Source != "newsb" || tea.Sources[0].Origin != nil || tea.Sources[1].Source != "hagiang" {
		t.Fatalf("export: sources %+v; want newsb first, then hagiang", tea.Sources)
	}
	serveDaemon(t, cfg, addr)
	f := getUpperFeeds(t, addr)
	for _, it := range f.json.Items {
		if it.Title != teaTitle {
			continue
		}
		ss := it.Newswire.Sources
		if len(ss) != 2 || ss[0].Source != "newsb" || ss[0].Via != nil || ss[1].Via == nil || ss[1].Via.Source != "hagiang" {
			t.Errorf("json: sources %+v; want newsb first, then News B Central via hagiang", ss)
		}
	}
}

// TestFederationOwnStoriesComeBack: two newswires that poll each other (a
// province's and the nation's) each republish the other's stories; a
// story the province published comes back to it through the nation's
// feed, credited as having come via the province, and is not stored
// there again as the nation's copy: the province's stories keep the
// outlet that carried them alone, in every format.
func TestFederationOwnStoriesComeBack(t *testing.T) {
	outlet := newsB(t)
	direct := fmt.Sprintf(`  - {id: newsb, title: News B Central, url: "%s/rss", level: central}`, outlet.URL)
	for _, ext := range []string{"atom", "rss", "json"} {
		t.Run(ext, func(t *testing.T) {
			province := freeAddr(t)
			provinceCfg := federationConfig(t, "", province, direct)
			if out, err := runCmd(t, "fetch", "-config", provinceCfg); err != nil {
				t.Fatalf("fetch of the province: %v\n%s", err, out)
			}
			stop := startDaemon(t, provinceCfg, province)
			nation := freeAddr(t)
			nationCfg := federationConfig(t, "", nation, fmt.Sprintf(`  - {id: hagiang, title: Newswire Hà Giang, url: "http://%s/feeds/all.%s", level: provincial}`, province, ext))
			if out, err := runCmd(t, "fetch", "-config", nationCfg); err != nil {
				stop()
				t.Fatalf("fetch of the nation: %v\n%s", err, out)
			}
			stop()
			if tea := byTitle(t, exportAll(t, nationCfg), teaTitle); len(tea.Sources) != 1 || tea.Sources[0].Source != "hagiang" {
				t.Fatalf("the nation's export: sources %+v; want the province's newswire", tea.Sources)
			}
			serveDaemon(t, nationCfg, nation)

			before := exportAll(t, provinceCfg)
			provinceCfg = federationConfig(t, filepath.Dir(provinceCfg), province, direct+"\n"+
				fmt.Sprintf(`  - {id: quocgia, title: Newswire Quốc gia, url: "http://%s/feeds/all.%s", level: central}`, nation, ext))
			out, err := runCmd(t, "fetch", "-config", provinceCfg)
			if err != nil {
				t.Fatalf("fetch of the province with the nation's feed: %v\n%s", err, out)
			}
			after := exportAll(t, provinceCfg)
			if len(after) != len(before) {
				t.Errorf("the province has %d stories after reading the nation's feed, %d before", len(after), len(before))
			}
			for _, r := range after {
				for _, s := range r.Sources {
					if s.Source == "quocgia" {
						t.Errorf("%q credited to the nation's newswire, which only echoed it: sources %+v", r.Title, r.Sources)
					}
				}
			}
			if !strings.Contains(out, "quocgia") {
				t.Errorf("fetch did not report the nation's source:\n%s", out)
			}
		})
	}
}
