package feeds

import (
	"encoding/json"
	"fmt"
	"io"
	"time"

	gfeeds "github.com/gorilla/feeds"
)

// jsonFeed completes the library's feed. Items replaces the library's field,
// which is omitted when empty although JSON Feed requires it.
type jsonFeed struct {
	*gfeeds.JSONFeed
	Items    []*jsonItem   `json:"items"`
	Newswire *jsonFeedWire `json:"_newswire"`
}

// jsonFeedWire is newswire's feed-level extension object.
type jsonFeedWire struct {
	Generator string `json:"generator"`
	Cursor    string `json:"cursor,omitempty"`
	// RFC 5005's archived feeds, which JSON Feed has no words for: the
	// same links as the XML formats' rel="prev-archive", "next-archive"
	// and "current", and whether this is an archive document or one that
	// holds every story of the feed.
	Archive     bool   `json:"archive,omitempty"`
	Complete    bool   `json:"complete,omitempty"`
	PrevArchive string `json:"prev_archive,omitempty"`
	NextArchive string `json:"next_archive,omitempty"`
	Current     string `json:"current,omitempty"`
}

// jsonItem completes the library's item: attachments replace the library's
// (which name the size "size" and which it never fills), and the extension
// object credits every outlet.
type jsonItem struct {
	*gfeeds.JSONItem
	// ContentText replaces the library's, which is left out when empty:
	// an item with no text has an empty one, as JSON Feed 1.1 wants
	// content_html or content_text in every item.
	ContentText *string          `json:"content_text,omitempty"`
	Language    string           `json:"language,omitempty"`
	Attachments []jsonAttachment `json:"attachments,omitempty"`
	Newswire    *jsonItemWire    `json:"_newswire"`
}

type jsonAttachment struct {
	URL      string `json:"url"`
	MIMEType string `json:"mime_type"`
	Size     int64  `json:"size_in_bytes,omitempty"`
}

// jsonItemWire is newswire's item-level extension object.
type jsonItemWire struct {
	Sources    []jsonSource `json:"sources"`
	Categories []string     `json:"categories,omitempty"` // newswire category ids, apart from the outlets' labels
}

// jsonSource is one outlet that carried the story, first publisher first.
// Source is the id, in this install's config, of the source that brought
// it; when that source (another newswire) copied the item from an outlet,
// the other fields are the outlet's, and Via the source's.
type jsonSource struct {
	Source    string     `json:"source"`
	Title     string     `json:"title,omitempty"`
	Link      string     `json:"link,omitempty"`
	Published *time.Time `json:"published,omitempty"`
	Level     string     `json:"level,omitempty"`
	FeedURL   string     `json:"feed_url,omitempty"`
	HomeURL   string     `json:"home_page_url,omitempty"`
	Via       *jsonVia   `json:"via,omitempty"`
}

// jsonVia is the source an outlet's item came through.
type jsonVia struct {
	Source  string `json:"source"`
	Title   string `json:"title,omitempty"`
	Level   string `json:"level,omitempty"`
	FeedURL string `json:"feed_url,omitempty"`
	HomeURL string `json:"home_page_url,omitempty"`
}

// JSON writes the stories as a JSON Feed 1.1 document, in the order given.
func (r Renderer) JSON(w io.Writer, ch Channel, stories []Story) error {
	ss := r.prepare(stories)
	ch = cleanChannel(ch, ss)
	base := (&gfeeds.JSON{Feed: gorillaFeed(ch, ss)}).JSONFeed()
	base.Language = ch.Language
	base.FeedUrl = ch.SelfURL
	base.NextUrl = ch.NextURL
	if ch.HubURL != "" {
		base.Hubs = []*gfeeds.JSONHub{{Type: "WebSub", Url: ch.HubURL}}
	}
	f := &jsonFeed{
		JSONFeed: base,
		Items:    make([]*jsonItem, len(ss)),
		Newswire: &jsonFeedWire{
			Generator: generator, Cursor: ch.Cursor,
			Archive: ch.Archive, Complete: ch.Complete, PrevArchive: ch.PrevArchiveURL, NextArchive: ch.NextArchiveURL, Current: ch.CurrentURL,
		},
	}
	for i, s := range ss {
		f.Items[i] = jsonItemOf(base.Items[i], s)
		f.Items[i].Language = itemLanguage(s, ch.Language)
	}
	// Compact: indenting re-reads the whole document after encoding it, and
	// made a render of 500 items 2.7 times as slow (BENCHMARKS.md, Rendering).
	e := json.NewEncoder(w)
	e.SetEscapeHTML(false) // the feed is not embedded in HTML; keep content_html readable
	if err := e.Encode(f); err != nil {
		return fmt.Errorf("feeds: render json %s: %w", ch.SelfURL, err)
	}
	return nil
}

func jsonItemOf(base *gfeeds.JSONItem, s story) *jsonItem {
	base.Image = s.image
	for _, a := range s.authors {
		base.Authors = append(base.Authors, &gfeeds.JSONAuthor{Name: a.Name, Url: a.URL})
	}
	seen := make(map[string]bool, len(s.terms))
	for _, t := range s.terms {
		// A label may repeat a category id; tags carry no scheme to tell them apart.
		if !seen[t.name] {
			seen[t.name] = true
			base.Tags = append(base.Tags, t.name)
		}
	}
	it := &jsonItem{JSONItem: base, Newswire: &jsonItemWire{Sources: []jsonSource{}}}
	if base.ContentHTML == "" {
		it.ContentText = new(string)
	}
	for _, e := range s.enclosures {
		it.Attachments = append(it.Attachments, jsonAttachment{URL: e.URL, MIMEType: e.Type, Size: e.Length})
	}
	for _, t := range s.terms {
		if t.scheme != "" {
			it.Newswire.Categories = append(it.Newswire.Categories, t.name)
		}
	}
	for _, c := range s.sources {
		src := jsonSource{Source: c.outlet.ID, Title: c.outlet.Title, Link: c.link, Level: c.outlet.Level, FeedURL: c.outlet.FeedURL, HomeURL: c.outlet.Link}
		if !c.published.IsZero() {
			src.Published = &c.published
		}
		if v := c.via; v != nil {
			src.Via = &jsonVia{Source: v.ID, Title: v.Title, Level: v.Level, FeedURL: v.FeedURL, HomeURL: v.Link}
		}
		it.Newswire.Sources = append(it.Newswire.Sources, src)
	}
	return it
}
