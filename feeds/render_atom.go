package feeds

import (
	"encoding/xml"
	"fmt"
	"io"
	"time"

	"github.com/cespare/xxhash/v2"
	gfeeds "github.com/gorilla/feeds"
)

// atomFeed completes the library's feed. Fields named like the library's
// replace them: it writes one <link> only and no xml:lang.
type atomFeed struct {
	*gfeeds.AtomFeed
	Lang      string         `xml:"xml:lang,attr,omitempty"`
	NSMedia   string         `xml:"xmlns:media,attr"`
	NSFH      string         `xml:"xmlns:fh,attr,omitempty"`
	Links     []xmlLink      `xml:"link"`
	Archive   *struct{}      `xml:"fh:archive"`
	Complete  *struct{}      `xml:"fh:complete"`
	Generator *atomGenerator `xml:"generator"`
	Entries   []*atomEntry   `xml:"entry"`
}

// FeedXml lets gfeeds.WriteXML write the document.
func (f *atomFeed) FeedXml() interface{} { return f }

type atomGenerator struct {
	Name string `xml:",chardata"`
}

// atomEntry completes the library's entry, replacing its single author,
// category (without term) and link, and its text-only source.
type atomEntry struct {
	*gfeeds.AtomEntry
	Lang       string `xml:"xml:lang,attr,omitempty"`
	Links      []atomLink
	Authors    []*gfeeds.AtomAuthor `xml:"author"`
	Categories []atomCategory       `xml:"category"`
	Source     *atomSource          `xml:"source"`
	Thumbnail  *mediaThumbnail
	Content    *atomContent
}

// atomContent replaces the library's content, to write the empty XHTML
// content of a story with no text, as well as text and HTML.
type atomContent struct {
	XMLName xml.Name  `xml:"content"`
	Type    string    `xml:"type,attr"`
	Text    string    `xml:",chardata"`
	Div     *xhtmlDiv `xml:"http://www.w3.org/1999/xhtml div"`
}

type xhtmlDiv struct{}

// atomLink is an entry link. encoding/xml names an untagged slice field by
// the field's name, so atomEntry.Links stays untagged to replace the
// library's field of that name; the element name comes from XMLName.
type atomLink struct {
	XMLName xml.Name `xml:"link"`
	xmlLink
}

type atomCategory struct {
	Term   string `xml:"term,attr"`
	Scheme string `xml:"scheme,attr,omitempty"`
}

// atomSource is the first publisher's feed (RFC 4287 section 4.2.11). Its
// author is the outlet, so an entry without authors of its own is credited to
// the outlet rather than to the merged feed.
type atomSource struct {
	ID      string             `xml:"id"`
	Title   string             `xml:"title"`
	Updated string             `xml:"updated,omitempty"`
	Links   []xmlLink          `xml:"link"`
	Author  *gfeeds.AtomAuthor `xml:"author"`
}

// Atom writes the stories as an Atom 1.0 feed, in the order given.
func (r Renderer) Atom(w io.Writer, ch Channel, stories []Story) error {
	ss := r.prepare(stories)
	ch = cleanChannel(ch, ss)
	base := (&gfeeds.Atom{Feed: gorillaFeed(ch, ss)}).AtomFeed()
	// The library takes the feed id from the site link.
	base.Id = ch.ID
	if ch.Description == ch.Title {
		base.Subtitle = ""
	}
	// Atom wants an author for every entry; entries without one of their
	// own and without a source fall back to this.
	base.Author = &gfeeds.AtomAuthor{AtomPerson: gfeeds.AtomPerson{Name: ch.Title}}
	f := &atomFeed{
		AtomFeed:  base,
		Lang:      ch.Language,
		NSMedia:   nsMedia,
		Links:     append([]xmlLink{{Href: ch.Link, Rel: "alternate", Type: "text/html"}}, feedLinks(ch, "application/atom+xml")...),
		Generator: &atomGenerator{Name: generator},
		Entries:   make([]*atomEntry, len(ss)),
	}
	if ch.Archive {
		f.NSFH, f.Archive = nsFH, &struct{}{}
	}
	if ch.Complete {
		f.NSFH, f.Complete = nsFH, &struct{}{}
	}
	updated := uniqueTimes{used: make(map[string]bool, len(ss))}
	for i, s := range ss {
		f.Entries[i] = r.atomEntry(base.Entries[i], s)
		f.Entries[i].Lang = itemLanguage(s, ch.Language)
		f.Entries[i].Updated = updated.format(s.updated, s.id)
	}
	if err := gfeeds.WriteXML(f, w); err != nil {
		return fmt.Errorf("feeds: render atom %s: %w", ch.SelfURL, err)
	}
	return nil
}

func (r Renderer) atomEntry(base *gfeeds.AtomEntry, s story) *atomEntry {
	base.Published = rfc3339(s.published)
	if base.Summary != nil {
		base.Summary.Type = "text" // the library assumes HTML
	}
	e := &atomEntry{AtomEntry: base}
	if base.Content != nil {
		e.Content = &atomContent{Type: base.Content.Type, Text: base.Content.Content}
	} else {
		// A story with no text (a bulletin with its audio alone): an
		// entry without content nor summary draws a validator's warning,
		// and so does an empty text content; an empty XHTML div says
		// there is none, where a body made of the title would be stored
		// as its text by a newswire reading this one.
		e.Content = &atomContent{Type: "xhtml", Div: &xhtmlDiv{}}
	}
	if s.link != "" {
		e.Links = append(e.Links, atomLink{xmlLink: xmlLink{Href: s.link, Rel: "alternate", Type: "text/html"}})
	}
	for _, enc := range s.enclosures {
		e.Links = append(e.Links, atomLink{xmlLink: xmlLink{Href: enc.URL, Rel: "enclosure", Type: enc.Type, Length: fmt.Sprint(enc.Length)}})
	}
	for _, l := range viaLinks(s) {
		e.Links = append(e.Links, atomLink{xmlLink: l})
	}
	for _, a := range s.authors {
		e.Authors = append(e.Authors, &gfeeds.AtomAuthor{AtomPerson: gfeeds.AtomPerson{Name: a.Name, Email: a.Email, Uri: a.URL}})
	}
	for _, t := range s.terms {
		e.Categories = append(e.Categories, atomCategory{Term: t.name, Scheme: t.scheme})
	}
	if c, ok := origin(s); ok {
		src := &atomSource{
			ID:      c.feedID,
			Title:   c.outlet.Title,
			Updated: rfc3339(firstTime(c.published, s.updated)),
			Author:  &gfeeds.AtomAuthor{AtomPerson: gfeeds.AtomPerson{Name: c.outlet.Title, Uri: c.outlet.Link}},
		}
		if c.outlet.Link != "" {
			src.Links = append(src.Links, xmlLink{Href: c.outlet.Link, Rel: "alternate", Type: "text/html"})
		}
		if c.outlet.FeedURL != "" {
			src.Links = append(src.Links, xmlLink{Href: c.outlet.FeedURL, Rel: "self"})
		}
		e.Source = src
	}
	if s.image != "" {
		e.Thumbnail = &mediaThumbnail{URL: s.image}
	}
	return e
}

// sourceID identifies an outlet whose feed URL we do not know, so that
// atom:source still has the id Atom asks for.
func sourceID(authority, id string) string {
	return "tag:" + authority + ",2026:source/" + id
}

// firstString is the first non-empty string.
func firstString(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}

// uniqueTimes gives each entry of a document an atom:updated of its own:
// validators warn about two entries updated at the same instant, which
// happens when an outlet dates a batch of items alike. What an entry says
// must not depend on the others in the document, or a story would seem
// edited whenever a story dated alike came or went beside it: a time with
// nothing below the millisecond (an outlet's, to the second) is written
// with the story's own number of nanoseconds after it (from its id, under
// a millisecond); a finer time (the one newswire saw the story at) is
// written as it is, to the nanosecond, as JSON Feed writes it. Only two
// stories dated alike whose ids give the same nanoseconds, one pair in a
// million, are told apart by the document, the second a nanosecond later.
type uniqueTimes struct {
	used map[string]bool
}

func (u uniqueTimes) format(t time.Time, id string) string {
	if t.IsZero() {
		return ""
	}
	t = t.UTC()
	if t.Nanosecond()%int(time.Millisecond) == 0 {
		t = t.Add(time.Duration(1 + xxhash.Sum64String(id)%uint64(time.Millisecond-1)))
	}
	for {
		v := t.Format(time.RFC3339Nano)
		if !u.used[v] {
			u.used[v] = true
			return v
		}
		t = t.Add(time.Nanosecond)
	}
}
