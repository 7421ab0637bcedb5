package server

import (
	"encoding/xml"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path"
	"path/filepath"
	"strings"
	"testing"

	"newswire/internal/config"
	"newswire/store"
)

func TestOPML(t *testing.T) {
	fs := newFeedSite(t, "")
	type outline struct {
		Text     string    `xml:"text,attr"`
		XMLURL   string    `xml:"xmlUrl,attr"`
		Children []outline `xml:"outline"`
	}
	read := func(path string) []outline {
		resp, body := fs.get(t, "GET", path)
		if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "text/x-opml; charset=utf-8" {
			t.Fatalf("%s: status %d, Content-Type %q", path, resp.StatusCode, resp.Header.Get("Content-Type"))
		}
		var doc struct {
			Body []outline `xml:"body>outline"`
		}
		if err := xml.Unmarshal(body, &doc); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		return doc.Body
	}
	t.Run("sources by level", func(t *testing.T) {
		got := map[string][]string{}
		for _, g := range read("/sources.opml") {
			for _, c := range g.Children {
				got[g.Text] = append(got[g.Text], c.XMLURL)
			}
		}
		if len(got) != 2 || got["provincial"][0] != "https://baohagiang.example.vn/rss" || got["central"][0] != "https://vov.example.vn/rss" {
			t.Errorf("groups = %v", got)
		}
	})
	t.Run("public feeds only", func(t *testing.T) {
		var got []string
		for _, o := range read("/feeds.opml") {
			got = append(got, o.XMLURL)
		}
		want := []string{"/feeds/all.rss", "/feeds/thoi-su.rss", "/feeds/du-lich.rss", "/feeds/the-thao.rss"}
		if len(got) != len(want) {
			t.Fatalf("feeds = %q, want %q", got, want)
		}
		for i := range want {
			if got[i] != fs.srv.URL+want[i] {
				t.Errorf("feed %d = %q, want %q", i, got[i], fs.srv.URL+want[i])
			}
		}
	})
}

// TestSourcesOPMLWherePolled: /sources.opml lists each source where it is
// polled now, and leaves out one gone with 410: an admin importing it
// gets no dead address.
func TestSourcesOPMLWherePolled(t *testing.T) {
	fs := newFeedSite(t, "")
	moved := "https://baohagiang.example.vn/rss-moi.xml"
	if err := fs.st.SaveSources([]store.SourceState{
		{ID: "baohagiang", URL: moved, URLFrom: "https://baohagiang.example.vn/rss", URLReason: "moved", LastResult: "ok"},
		{ID: "vov", GoneURL: "https://vov.example.vn/rss", LastResult: "gone"},
	}); err != nil {
		t.Fatal(err)
	}
	_, body := fs.get(t, "GET", "/sources.opml")
	var doc struct {
		Body []struct {
			Children []struct {
				XMLURL  string `xml:"xmlUrl,attr"`
				HTMLURL string `xml:"htmlUrl,attr"`
			} `xml:"outline"`
		} `xml:"body>outline"`
	}
	if err := xml.Unmarshal(body, &doc); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, g := range doc.Body {
		for _, c := range g.Children {
			got = append(got, c.XMLURL)
		}
	}
	if len(got) != 1 || got[0] != moved {
		t.Errorf("sources listed at %q, want only the moved one at %q\n%s", got, moved, body)
	}
}

// TestFeedsOPMLLanguage: /feeds.opml declares each feed's language as the
// feed does: that of a one-language category, else Vietnamese.
func TestFeedsOPMLLanguage(t *testing.T) {
	cfg, err := config.Parse([]byte(`
base_url: http://127.0.0.1:8080
data_dir: `+t.TempDir()+`
sources:
  - {id: vov, title: VOV, url: "https://vov.example.vn/rss"}
categories:
  - {id: thoi-su, title: Thời sự}
  - {id: english, title: English, languages: [en]}
default_category: thoi-su
`), "config.yaml")
	if err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(filepath.Join(cfg.DataDir, "newswire.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	rec := httptest.NewRecorder()
	New(cfg, st, slog.New(slog.DiscardHandler)).Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/feeds.opml", nil))
	var doc struct {
		Body []struct {
			XMLURL string `xml:"xmlUrl,attr"`
			Lang   string `xml:"language,attr"`
		} `xml:"body>outline"`
	}
	if err := xml.Unmarshal(rec.Body.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	langs := map[string]string{}
	for _, o := range doc.Body {
		langs[path.Base(o.XMLURL)] = o.Lang
	}
	if langs["english.rss"] != "en" || langs["thoi-su.rss"] != "vi" || langs["all.rss"] != "vi" {
		t.Errorf("languages %v", langs)
	}
}

// TestWrongTokenChallenge: a partners-only feed asked for with a token that
// is not one says so in its challenge (RFC 6750, 3.1) and in its words;
// asked for with none, it only asks for one.
func TestWrongTokenChallenge(t *testing.T) {
	fs := newFeedSite(t, "")
	for _, tt := range []struct {
		path, header, want, says string
	}{
		{"/feeds/noi-bo.atom", "", `Bearer realm="newswire partners"`, "a partner token is required"},
		{"/feeds/noi-bo.atom", "Authorization: Bearer sai-" + tokenVTV, `Bearer realm="newswire partners", error="invalid_token"`, "the partner token sent is not valid"},
		{"/feeds/noi-bo.atom?token=sai", "", `Bearer realm="newswire partners", error="invalid_token"`, "the partner token sent is not valid"},
	} {
		var h []string
		if tt.header != "" {
			h = append(h, tt.header)
		}
		resp, body := fs.get(t, "GET", tt.path, h...)
		if got := resp.Header.Get("WWW-Authenticate"); resp.StatusCode != http.StatusUnauthorized || got != tt.want {
			t.Errorf("%s %s: %d, WWW-Authenticate %q; want 401, %q", tt.path, tt.header, resp.StatusCode, got, tt.want)
		}
		if !strings.Contains(string(body), tt.says) {
			t.Errorf("%s %s: %q, want it to say %q", tt.path, tt.header, body, tt.says)
		}
	}
}

// TestPullsAreOfPartnersFeeds: a partner's token on a public feed, or on a
// request refused as malformed, is no pull of the partners' feeds.
func TestPullsAreOfPartnersFeeds(t *testing.T) {
	fs := newFeedSite(t, "")
	fs.get(t, "GET", "/feeds/thoi-su.rss", "Authorization: Bearer "+tokenVTV)
	fs.get(t, "GET", "/feeds/noi-bo.rss?limit=abc", "Authorization: Bearer "+tokenVTV)
	fs.get(t, "GET", "/feeds/noi-bo.rss", "Authorization: Bearer "+tokenVTV)
	for _, p := range fs.srvPartners(t) {
		if want := map[string]int64{"vtv": 1}[p.Name]; p.Pulls != want {
			t.Errorf("%s: %d pulls, want %d", p.Name, p.Pulls, want)
		}
	}
}
