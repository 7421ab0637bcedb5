// Package export writes stored stories in newswire's export format: one JSON
// object per line, the contract DESIGN.md gives to tools outside the code.
package export

import (
	"context"
	"encoding/json"
	"io"
	"time"

	"newswire/feeds"
	"newswire/store"
)

// Record is one line of the export.
type Record struct {
	ID          string   `json:"id"`
	Title       string   `json:"title"`
	Link        string   `json:"link"`
	Summary     string   `json:"summary"`
	ContentHTML string   `json:"content_html"`
	Published   string   `json:"published"`
	Updated     string   `json:"updated"`
	Language    string   `json:"language"`
	Categories  []string `json:"categories"`
	Sources     []Source `json:"sources"`
}

// Source is one outlet that carried the story, first publisher first.
// Source is the id of the source in the config; when that source (another
// newswire, an aggregator) copied the item from an outlet, Origin names the
// outlet.
type Source struct {
	Source    string  `json:"source"`
	Link      string  `json:"link"`
	GUID      string  `json:"guid"`
	Published string  `json:"published"`
	Origin    *Origin `json:"origin,omitempty"`
}

// Origin is the outlet an aggregator's item came from; a field is empty
// when the aggregator did not say.
type Origin struct {
	Title   string `json:"title,omitempty"`
	FeedURL string `json:"feed_url,omitempty"`
	ID      string `json:"id,omitempty"` // the Atom id of its feed, when FeedURL is not known
	HomeURL string `json:"home_page_url,omitempty"`
	Level   string `json:"level,omitempty"`
}

// NewRecord converts a stored story; authority makes its id (see feeds.StoryID).
func NewRecord(authority string, s feeds.Story) Record {
	rec := Record{
		ID: feeds.StoryID(authority, s.ID), Title: s.Title, Link: s.Link, Summary: s.Summary,
		ContentHTML: s.ContentHTML, Published: rfc3339(s.Published), Updated: rfc3339(s.Updated),
		Language: s.Language, Categories: s.Categories, Sources: []Source{},
	}
	if rec.Updated == "" {
		rec.Updated = rec.Published
	}
	if rec.Categories == nil {
		rec.Categories = []string{}
	}
	for _, o := range s.Sources {
		src := Source{Source: o.Source, Link: o.Link, GUID: o.GUID, Published: rfc3339(o.Published)}
		if o := o.Origin; !o.IsZero() {
			src.Origin = &Origin{Title: o.Title, FeedURL: o.FeedURL, ID: o.ID, HomeURL: o.Link, Level: o.Level}
		}
		rec.Sources = append(rec.Sources, src)
	}
	return rec
}

func rfc3339(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

// Write writes every story in st, oldest first, one JSON line each.
func Write(ctx context.Context, st *store.Store, authority string, w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	return st.ForEach(func(s feeds.Story) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		return enc.Encode(NewRecord(authority, s))
	})
}
