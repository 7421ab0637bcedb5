package feeds

import (
	"bytes"
	"encoding/xml"
	"io"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mmcdole/gofeed"
)

// TestRenderRoundTrip parses every format back with gofeed and checks that
// the stories come back the same: ids, titles, links, categories,
// enclosures, dates, in the order given.
func TestRenderRoundTrip(t *testing.T) {
	stories := testStories()
	want := testRenderer().prepare(stories)
	for _, f := range formats {
		t.Run(f.ext, func(t *testing.T) {
			ch := channelFor(f.ext)
			var buf bytes.Buffer
			if err := f.render(testRenderer(), &buf, ch, stories); err != nil {
				t.Fatal(err)
			}
			feed, err := gofeed.NewParser().Parse(&buf)
			if err != nil {
				t.Fatal(err)
			}
			if feed.Title != ch.Title || feed.Link != ch.Link || feed.FeedLink != ch.SelfURL || feed.Language != ch.Language {
				t.Errorf("feed = %q %q %q %q, want %q %q %q %q",
					feed.Title, feed.Link, feed.FeedLink, feed.Language, ch.Title, ch.Link, ch.SelfURL, ch.Language)
			}
			if f.ext != "json" && (feed.UpdatedParsed == nil || !feed.UpdatedParsed.Equal(ch.Updated)) {
				t.Errorf("feed updated = %v, want %v", feed.UpdatedParsed, ch.Updated)
			}
			if len(feed.Items) != len(want) {
				t.Fatalf("%d items, want %d", len(feed.Items), len(want))
			}
			for i, it := range feed.Items {
				w := want[i]
				if it.GUID != w.id {
					t.Errorf("item %d id = %q, want %q", i, it.GUID, w.id)
				}
				if it.Title != w.title {
					t.Errorf("item %d title = %q, want %q", i, it.Title, w.title)
				}
				if it.Link != w.link {
					t.Errorf("item %d link = %q, want %q", i, it.Link, w.link)
				}
				if !sameTime(it.PublishedParsed, w.published) {
					t.Errorf("item %d published = %v, want %v", i, it.PublishedParsed, w.published)
				}
				// RSS has no date of change; Atom's is the story's, told
				// apart from others dated alike within a millisecond.
				if f.ext != "rss" && !sameTime(it.UpdatedParsed, w.updated) &&
					(f.ext != "atom" || it.UpdatedParsed == nil || it.UpdatedParsed.Sub(w.updated).Abs() >= time.Millisecond) {
					t.Errorf("item %d updated = %v, want %v", i, it.UpdatedParsed, w.updated)
				}
				var names []string
				for _, tm := range w.terms {
					names = append(names, tm.name)
				}
				if got, want := uniq(it.Categories), uniq(names); !slices.Equal(got, want) {
					t.Errorf("item %d categories = %q, want %q", i, got, want)
				}
				if got := enclosuresOf(it); !slices.Equal(got, w.enclosures) {
					t.Errorf("item %d enclosures = %v, want %v", i, got, w.enclosures)
				}
				if got := imageOf(it); got != w.image {
					t.Errorf("item %d image = %q, want %q", i, got, w.image)
				}
				// gofeed reads a bare address as an email without a name.
				if len(w.authors) > 0 && (len(it.Authors) == 0 || firstString(it.Authors[0].Name, it.Authors[0].Email) != w.authors[0].Name) {
					t.Errorf("item %d authors = %+v, want first %q", i, it.Authors, w.authors[0].Name)
				}
			}
		})
	}
}

func sameTime(got *time.Time, want time.Time) bool {
	return got != nil && got.Equal(want)
}

// uniq drops repeats, keeping the first of each: tags in JSON Feed carry no
// scheme, so a label equal to a category id appears once there.
func uniq(ss []string) []string {
	var out []string
	for _, s := range ss {
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}

// enclosuresOf collects an item's enclosures, including the media:content
// elements that carry RSS enclosures past the first.
func enclosuresOf(it *gofeed.Item) []Enclosure {
	var out []Enclosure
	for _, e := range it.Enclosures {
		n, _ := strconv.ParseInt(e.Length, 10, 64)
		out = append(out, Enclosure{URL: e.URL, Type: e.Type, Length: n})
	}
	for _, m := range it.Extensions["media"]["content"] {
		n, _ := strconv.ParseInt(m.Attrs["fileSize"], 10, 64)
		out = append(out, Enclosure{URL: m.Attrs["url"], Type: m.Attrs["type"], Length: n})
	}
	return out
}

// imageOf is the item's image: JSON Feed "image", or media:thumbnail, which
// gofeed leaves among the extensions.
func imageOf(it *gofeed.Item) string {
	if th := it.Extensions["media"]["thumbnail"]; len(th) > 0 {
		return th[0].Attrs["url"]
	}
	if it.Image != nil {
		return it.Image.URL
	}
	return ""
}

// TestRenderKnownNamespaces checks that RSS and Atom declare only namespaces
// the W3C validator knows: it warns about any other, and partners must get a
// feed with no warning at all. The cursor therefore never appears in them.
func TestRenderKnownNamespaces(t *testing.T) {
	known := map[string]bool{nsAtom: true, nsContent: true, nsDC: true, nsMedia: true}
	tests := []struct {
		name    string
		stories []Story
	}{
		{"stories", testStories()},
		{"empty", nil},
	}
	for _, tt := range tests {
		for _, f := range formats[:2] {
			t.Run(tt.name+"."+f.ext, func(t *testing.T) {
				ch := channelFor(f.ext)
				var buf bytes.Buffer
				if err := f.render(testRenderer(), &buf, ch, tt.stories); err != nil {
					t.Fatal(err)
				}
				if strings.Contains(buf.String(), ch.Cursor) {
					t.Errorf("the document carries the cursor %q", ch.Cursor)
				}
				d := xml.NewDecoder(&buf)
				for {
					tok, err := d.Token()
					if err == io.EOF {
						break
					}
					if err != nil {
						t.Fatal(err)
					}
					se, ok := tok.(xml.StartElement)
					if !ok {
						continue
					}
					if se.Name.Space != "" && !known[se.Name.Space] {
						t.Errorf("element %s in unknown namespace %q", se.Name.Local, se.Name.Space)
					}
					for _, a := range se.Attr {
						if a.Name.Space == "xmlns" && !known[a.Value] {
							t.Errorf("declares unknown namespace %s=%q", a.Name.Local, a.Value)
						}
					}
				}
			})
		}
	}
}
