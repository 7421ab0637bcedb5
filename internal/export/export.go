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
type Source struct {
	Source    string `json:"source"`
	Link      string `json:"link"`
	GUID      string `json:"guid"`
	Published string `json:"published"`
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
		rec.Sources = append(rec.Sources, Source{Source: o.Source, Link: o.Link, GUID: o.GUID, Published: rfc3339(o.Published)})
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
