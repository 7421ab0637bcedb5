package feeds

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/mmcdole/gofeed"
	"golang.org/x/text/unicode/norm"
)

// TestGofeedGaps pins the gofeed v1.4.2 behaviours that Parse works around
// (LIBRARIES.md). When an upgrade changes one, this test fails: then check
// whether the workaround is still needed, and keep TestParse* green.
func TestGofeedGaps(t *testing.T) {
	parse := func(t *testing.T, doc []byte) *gofeed.Feed {
		t.Helper()
		f, err := gofeed.NewParser().Parse(bytes.NewReader(doc))
		if err != nil {
			t.Fatalf("gofeed: %v", err)
		}
		return f
	}
	rssItem := func(inner string) []byte {
		return []byte(`<rss version="2.0"><channel><title>Báo Hà Giang</title><item>` + inner + `</item></channel></rss>`)
	}

	t.Run("a long leading comment is not a feed", func(t *testing.T) {
		_, err := gofeed.NewParser().Parse(bytes.NewReader(readFixture(t, "leading-comment.xml")))
		if !errors.Is(err, gofeed.ErrFeedTypeNotDetected) {
			t.Errorf("err = %v, want ErrFeedTypeNotDetected", err)
		}
	})
	t.Run("zone-less and ICT dates are read as UTC", func(t *testing.T) {
		for _, raw := range []string{"Mon, 13 Dec 2021 15:22:05 ICT", "2021-12-13 15:22:05", "Mon, 13 Dec 2021 15:22:05"} {
			f := parse(t, rssItem(`<title>x</title><pubDate>`+raw+`</pubDate>`))
			want := time.Date(2021, 12, 13, 15, 22, 5, 0, time.UTC)
			if p := f.Items[0].PublishedParsed; p == nil || !p.Equal(want) {
				t.Errorf("%q parsed as %v, want the wrong %v", raw, p, want)
			}
		}
	})
	t.Run("day-first date with time is not read", func(t *testing.T) {
		f := parse(t, rssItem(`<title>x</title><pubDate>13/12/2021 15:22</pubDate>`))
		if p := f.Items[0].PublishedParsed; p != nil {
			t.Errorf("parsed as %v, want nil", p)
		}
	})
	t.Run("windows-1258 decodes to NFD", func(t *testing.T) {
		f := parse(t, readFixture(t, "win1258-decl.xml"))
		title := f.Items[0].Title
		if norm.NFC.IsNormalString(title) || norm.NFC.String(title) != "Hồ Ba Bể đón đoàn khách quốc tế đầu tiên" {
			t.Errorf("title %+q, want the NFD form of the fixture's title", title)
		}
	})
	t.Run("a declaration left after transcoding decodes twice", func(t *testing.T) {
		decoded, err := toUTF8(readFixture(t, "win1258-nodecl.xml"), "text/xml; charset=windows-1258")
		if err != nil {
			t.Fatal(err)
		}
		doc := append([]byte(`<?xml version="1.0" encoding="windows-1258"?>`), decoded...)
		f := parse(t, doc)
		if title := norm.NFC.String(f.Items[0].Title); title == "Hồ Ba Bể đón đoàn khách quốc tế đầu tiên" {
			t.Errorf("title %q came out right: gofeed no longer decodes twice", title)
		}
	})
	t.Run("HTML-typed Atom titles arrive as markup", func(t *testing.T) {
		f := parse(t, readFixture(t, "atom10.xml"))
		if title := f.Items[0].Title; !strings.Contains(title, "<em>") {
			t.Errorf("title %q, want markup", title)
		}
	})
	t.Run("an item with only a guid has no link", func(t *testing.T) {
		f := parse(t, readFixture(t, "guid-only.xml"))
		if link := f.Items[0].Link; link != "" {
			t.Errorf("link %q, want empty", link)
		}
	})
	t.Run("relative links are not resolved without xml:base", func(t *testing.T) {
		f := parse(t, readFixture(t, "relative-links.xml"))
		if link := f.Items[0].Link; link != "/du-lich/moc-chau-hoa-man.html" {
			t.Errorf("link %q, want it relative", link)
		}
	})
	t.Run("media:thumbnail and video media:content stay in extensions", func(t *testing.T) {
		p := gofeed.NewParser()
		p.RSSTranslator = &gofeed.DefaultRSSTranslator{DisableContentImageScan: true}
		f, err := p.Parse(bytes.NewReader(readFixture(t, "rss20.xml")))
		if err != nil {
			t.Fatal(err)
		}
		it := f.Items[0]
		if it.Image != nil || len(it.Enclosures) != 1 || len(it.Extensions["media"]["thumbnail"]) != 1 {
			t.Errorf("image %v, enclosures %v: want no image, only the RSS enclosure", it.Image, it.Enclosures)
		}
	})
	t.Run("RDF items have no GUID", func(t *testing.T) {
		f := parse(t, readFixture(t, "rss10.xml"))
		if guid := f.Items[0].GUID; guid != "" {
			t.Errorf("GUID %q, want empty", guid)
		}
	})
}
