package sanitize

import (
	"slices"
	"strings"

	"newswire/feeds"
	"newswire/internal/story"
)

// Item normalises a parsed item in place: Link without tracking parameters
// (story.WithoutTracking); Title = Text(Title); ContentHTML =
// HTML(content, or the summary when there is no content, base = item link);
// Summary = plain text of the summary (or of the content when there is none),
// cut at about 400 characters on a word boundary with "…"; Labels
// text-cleaned; control characters XML forbids, C1 controls and
// bidirectional overrides removed from every field (stripForbidden).
//
// Empty labels are dropped and repeated ones kept once; author names and
// the origin's title are made plain text like the title.
func Item(it *feeds.Item) {
	it.GUID = cleanValue(it.GUID)
	it.Link = story.WithoutTracking(cleanValue(it.Link))
	it.Image = cleanValue(it.Image)
	it.Language = cleanValue(it.Language)

	content, summary := it.ContentHTML, it.Summary
	if strings.TrimSpace(content) == "" {
		content = summary
	}
	if strings.TrimSpace(summary) == "" {
		summary = content
	}
	// The parsers give the title as plain text already, but a title
	// goes out where some readers take it for HTML (RSS leaves that
	// open): what looks like a tag in it is dropped, at the cost of an
	// Atom text title's literal "<video>".
	it.Title = Text(it.Title)
	it.ContentHTML = HTML(content, it.Link)
	it.Summary = shorten(Text(summary), summaryRunes)

	labels := it.Labels[:0]
	for _, l := range it.Labels {
		if l = Text(l); l != "" && !slices.Contains(labels, l) {
			labels = append(labels, l)
		}
	}
	it.Labels = labels

	for i := range it.Authors {
		a := &it.Authors[i]
		a.Name = Text(a.Name)
		a.Email = cleanValue(a.Email)
		a.URL = cleanValue(a.URL)
	}
	for i := range it.Enclosures {
		e := &it.Enclosures[i]
		e.URL = cleanValue(e.URL)
		e.Type = cleanValue(e.Type)
	}
	o := &it.Origin
	o.Title = Text(o.Title)
	o.FeedURL, o.ID, o.Link, o.Level = cleanValue(o.FeedURL), cleanValue(o.ID), cleanValue(o.Link), cleanValue(o.Level)
}

// cleanValue cleans a one-word field: a URL, an id, a language tag, a type.
func cleanValue(s string) string { return strings.TrimSpace(stripForbidden(s)) }
