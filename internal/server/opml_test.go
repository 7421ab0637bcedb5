package server

import (
	"encoding/xml"
	"testing"

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
