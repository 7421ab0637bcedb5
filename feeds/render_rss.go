package feeds

import (
	"encoding/xml"
	"fmt"
	"io"
	"strings"
	"time"

	gfeeds "github.com/gorilla/feeds"
)

// rssDoc replaces the library's RssFeedXml: it declares the namespaces our
// extra elements need.
type rssDoc struct {
	XMLName   xml.Name    `xml:"rss"`
	Version   string      `xml:"version,attr"`
	NSContent string      `xml:"xmlns:content,attr"`
	NSAtom    string      `xml:"xmlns:atom,attr"`
	NSDC      string      `xml:"xmlns:dc,attr"`
	NSMedia   string      `xml:"xmlns:media,attr"`
	NSFH      string      `xml:"xmlns:fh,attr,omitempty"`
	Channel   *rssChannel `xml:"channel"`
}

// FeedXml lets gfeeds.WriteXML write the document.
func (d *rssDoc) FeedXml() interface{} { return d }

// rssChannel completes the library's channel with atom:link (self, hub,
// next); its items replace the library's.
type rssChannel struct {
	*gfeeds.RssFeed
	AtomLinks []xmlLink  `xml:"atom:link"`
	Archive   *struct{}  `xml:"fh:archive"`
	Complete  *struct{}  `xml:"fh:complete"`
	Items     []*rssItem `xml:"item"`
}

// rssItem completes the library's item. Fields named like the library's
// (link, category, source) replace them: the library writes an empty link,
// one category and a <source> without the url attribute RSS requires.
type rssItem struct {
	*gfeeds.RssItem
	Link string `xml:"link,omitempty"` // optional in RSS; the library writes it empty
	// Description and Content replace the library's, which writes an
	// empty description for a story without a summary (RSS asks for a
	// title or a description, and an empty one is neither) and puts it
	// after content:encoded, which the validator warns about.
	Description string `xml:"description,omitempty"`
	Content     *gfeeds.RssContent
	Categories  []rssCategory `xml:"category"`
	Creators    []string      `xml:"dc:creator"`
	// Language is the story's, where it is not the channel's: RSS 2.0
	// has no language of its own for an item.
	Language string `xml:"dc:language,omitempty"`
	// Updated is when a story published before was last changed (a
	// corrected headline, an outlet's updated date): RSS 2.0 has no
	// element for it, and partners reading RSS would not see the change
	// for what it is. atom:updated is what gofeed and feedparser read.
	Updated   string     `xml:"atom:updated,omitempty"`
	Source    *rssSource `xml:"source"`
	Media     []mediaContent
	Thumbnail *mediaThumbnail
	// Via credits the outlets that carried the story after the first
	// publisher, which <source> names.
	Via []xmlLink `xml:"atom:link"`
}

type rssCategory struct {
	Domain string `xml:"domain,attr,omitempty"`
	Name   string `xml:",chardata"`
}

type rssSource struct {
	URL   string `xml:"url,attr"`
	Title string `xml:",chardata"`
}

// xmlLink is an Atom link, in Atom itself or as atom:link in RSS.
type xmlLink struct {
	Href   string `xml:"href,attr"`
	Rel    string `xml:"rel,attr,omitempty"`
	Type   string `xml:"type,attr,omitempty"`
	Title  string `xml:"title,attr,omitempty"`
	Length string `xml:"length,attr,omitempty"`
}

// mediaContent carries the enclosures past the first one in RSS, which allows
// only one <enclosure> per item.
type mediaContent struct {
	XMLName  xml.Name `xml:"media:content"`
	URL      string   `xml:"url,attr"`
	Type     string   `xml:"type,attr,omitempty"`
	FileSize int64    `xml:"fileSize,attr,omitempty"`
	Medium   string   `xml:"medium,attr,omitempty"`
}

type mediaThumbnail struct {
	XMLName xml.Name `xml:"media:thumbnail"`
	URL     string   `xml:"url,attr"`
}

// RSS writes the stories as an RSS 2.0 feed, in the order given.
func (r Renderer) RSS(w io.Writer, ch Channel, stories []Story) error {
	ss := r.prepare(stories)
	ch = cleanChannel(ch, ss)
	base := (&gfeeds.Rss{Feed: gorillaFeed(ch, ss)}).RssFeed()
	base.Language = ch.Language
	base.Generator = generator
	c := &rssChannel{
		RssFeed:   base,
		AtomLinks: feedLinks(ch, "application/rss+xml"),
		Items:     make([]*rssItem, len(ss)),
	}
	for i, s := range ss {
		c.Items[i] = rssItemOf(base.Items[i], s)
		if l := itemLanguage(s, ch.Language); l != "" && !strings.EqualFold(l, ch.Language) {
			c.Items[i].Language = l
		}
		if s.updated.After(s.published) {
			c.Items[i].Updated = s.updated.UTC().Format(time.RFC3339Nano)
		}
	}
	doc := &rssDoc{
		Version:   "2.0",
		NSContent: nsContent,
		NSAtom:    nsAtom,
		NSDC:      nsDC,
		NSMedia:   nsMedia,
		Channel:   c,
	}
	if ch.Archive {
		doc.NSFH, c.Archive = nsFH, &struct{}{}
	}
	if ch.Complete {
		doc.NSFH, c.Complete = nsFH, &struct{}{}
	}
	if err := gfeeds.WriteXML(doc, w); err != nil {
		return fmt.Errorf("feeds: render rss %s: %w", ch.SelfURL, err)
	}
	return nil
}

// htmlText escapes plain text for an HTML context; unlike html.EscapeString
// it leaves quotes alone, which need no escaping outside attributes.
var htmlText = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")

func rssItemOf(base *gfeeds.RssItem, s story) *rssItem {
	// RSS readers take description as HTML; the summary is plain text.
	// A story with no text has its title and enclosure alone: RSS needs
	// no content.
	it := &rssItem{RssItem: base, Link: s.link, Description: htmlText.Replace(s.summary), Content: base.Content, Via: viaLinks(s)}
	if it.Description == "" && it.Content != nil {
		// Content with no text to sum it up (a photo, a player): the
		// content is the description, which validators want before
		// any content:encoded, and which every reader shows.
		it.Description, it.Content = it.Content.Content, nil
	}
	// RSS <author> is "email (Name)": a lone author with both goes there,
	// everyone else into dc:creator (validators warn on an item with both,
	// and on an address without a name).
	if a := s.authors; len(a) == 1 && a[0].Email != "" && a[0].Name != a[0].Email {
		base.Author = a[0].Email + " (" + a[0].Name + ")"
	} else {
		for _, a := range s.authors {
			it.Creators = append(it.Creators, a.Name)
		}
	}
	for _, t := range s.terms {
		it.Categories = append(it.Categories, rssCategory{Domain: t.scheme, Name: t.name})
	}
	if c, ok := origin(s); ok && c.outlet.FeedURL != "" {
		it.Source = &rssSource{URL: c.outlet.FeedURL, Title: c.outlet.Title}
	}
	if len(s.enclosures) > 1 {
		for _, e := range s.enclosures[1:] {
			it.Media = append(it.Media, mediaContent{URL: e.URL, Type: e.Type, FileSize: e.Length, Medium: medium(e.Type)})
		}
	}
	if s.image != "" {
		it.Thumbnail = &mediaThumbnail{URL: s.image}
	}
	return it
}

// feedLinks are the feed's own links but the alternate one: self, hub, next,
// and those of archived feeds.
func feedLinks(ch Channel, selfType string) []xmlLink {
	var links []xmlLink
	if ch.SelfURL != "" {
		links = append(links, xmlLink{Href: ch.SelfURL, Rel: "self", Type: selfType})
	}
	if ch.HubURL != "" {
		links = append(links, xmlLink{Href: ch.HubURL, Rel: "hub"})
	}
	if ch.NextURL != "" {
		links = append(links, xmlLink{Href: ch.NextURL, Rel: "next", Type: selfType})
	}
	if ch.CurrentURL != "" {
		links = append(links, xmlLink{Href: ch.CurrentURL, Rel: "current", Type: selfType})
	}
	if ch.PrevArchiveURL != "" {
		links = append(links, xmlLink{Href: ch.PrevArchiveURL, Rel: "prev-archive", Type: selfType})
	}
	if ch.NextArchiveURL != "" {
		links = append(links, xmlLink{Href: ch.NextArchiveURL, Rel: "next-archive", Type: selfType})
	}
	return links
}

// origin is the outlet whose item the story's title, text and link are
// (its representative: the occurrence with the story's link), credited by
// RSS <source> and atom:source, which name the feed an entry was copied
// from; the first publisher when no occurrence has the story's link.
func origin(s story) (credit, bool) {
	for _, c := range s.sources {
		if c.link != "" && c.link == s.link {
			return c, true
		}
	}
	if len(s.sources) == 0 {
		return credit{}, false
	}
	return s.sources[0], true
}

// viaLinks credit, as rel="via" links, every other outlet's article of the
// story, first publisher first: the story's own link is its origin's. A
// source that copied an outlet's item (another newswire) is credited by a
// link to its home page, else to its feed, after that outlet's article.
func viaLinks(s story) []xmlLink {
	var links []xmlLink
	for _, c := range s.sources {
		if c.link != "" && c.link != s.link {
			links = append(links, xmlLink{Href: c.link, Rel: "via", Type: "text/html", Title: c.outlet.Title})
		}
		switch {
		case c.via == nil:
		case c.via.Link != "":
			links = append(links, xmlLink{Href: c.via.Link, Rel: "via", Type: "text/html", Title: c.via.Title})
		case c.via.FeedURL != "":
			links = append(links, xmlLink{Href: c.via.FeedURL, Rel: "via", Title: c.via.Title})
		}
	}
	return links
}
