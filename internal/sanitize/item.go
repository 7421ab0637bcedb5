package sanitize

import (
	"slices"
	"strconv"
	"strings"

	"golang.org/x/net/html"

	"newswire/feeds"
	"newswire/internal/story"
)

// Item normalises a parsed item in place: Link without tracking parameters
// (story.WithoutTracking); Title = TextLine(Title); ContentHTML =
// HTML(content, or the summary when there is no content, base = item link);
// Summary = plain text of the summary (or of the content when there is none),
// cut at about 400 characters on a word boundary with "…"; Labels
// text-cleaned; control characters XML forbids, C1 controls and
// bidirectional overrides removed from every field (stripForbidden).
//
// Content that holds no tag, only markup escaped once more than the outlet
// meant ("&lt;p&gt;Hội thi…"), is decoded until it is markup, as Text
// decodes a title, so that readers get the paragraph and not its tags as
// words; content with tags of its own that merely writes "&lt;p&gt;" in its
// text stays as it is.
//
// Empty labels are dropped and repeated ones kept once; author names and
// the origin's title are made plain text like the title. Titles, labels and
// names are cut like the summary, at titleRunes, labelRunes and nameRunes,
// before they are stored, so that every format and the export carry the
// same text: an outlet's headline of 800,000 characters would otherwise go
// whole onto the front page and into every feed.
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
	it.Title = shorten(TextLine(it.Title), titleRunes)
	var lead string
	it.ContentHTML, lead = htmlAndLead(unescapedMarkup(content), it.Link)
	it.Summary = shorten(Text(summary), summaryRunes)
	if it.Image == "" {
		it.Image = lead
	}

	labels := it.Labels[:0]
	for _, l := range it.Labels {
		if l = shorten(TextLine(l), labelRunes); l != "" && !slices.Contains(labels, l) {
			labels = append(labels, l)
		}
	}
	it.Labels = labels

	for i := range it.Authors {
		a := &it.Authors[i]
		a.Name = shorten(TextLine(a.Name), nameRunes)
		a.Email = cleanValue(a.Email)
		a.URL = cleanValue(a.URL)
	}
	for i := range it.Enclosures {
		e := &it.Enclosures[i]
		e.URL = cleanValue(e.URL)
		e.Type = cleanValue(e.Type)
	}
	o := &it.Origin
	o.Title = shorten(TextLine(o.Title), nameRunes)
	o.FeedURL, o.ID, o.Link, o.Level = cleanValue(o.FeedURL), cleanValue(o.ID), cleanValue(o.Link), cleanValue(o.Level)
}

// leadSource is the source of img, a sanitised image, when it can be the
// story's image where the outlet names none of its own (no
// media:thumbnail, no image enclosure): many put their photo only in the
// article's text. An image a size smaller than minLeadImage says is an icon
// or a counter's pixel, not the story's.
func leadSource(img html.Token) string {
	src := ""
	for _, a := range img.Attr {
		switch a.Key {
		case "src":
			src = a.Val
		case "width", "height":
			if n, err := strconv.Atoi(a.Val); err == nil && n < minLeadImage {
				return ""
			}
		}
	}
	return src
}

// minLeadImage is the least width or height, in pixels, of an image that
// can be a story's own.
const minLeadImage = 50

// The longest titles, labels and names kept whole, in runes: the longest
// headlines outlets write run to about 200 characters, labels and names to
// a few words.
const (
	titleRunes = 300
	labelRunes = 100
	nameRunes  = 100
)

// cleanValue cleans a one-word field: a URL, an id, a language tag, a type.
func cleanValue(s string) string { return strings.TrimSpace(stripForbidden(s)) }

// unescapedMarkup is content without a tag of its own whose entities would
// decode to one (hidesTag), decoded until it holds one, at most
// maxTextPasses-1 times, as Text decodes; any other content as it is.
func unescapedMarkup(content string) string {
	for range maxTextPasses - 1 {
		if looksLikeTag(content) || !hidesTag(content) {
			break
		}
		content = html.UnescapeString(content)
	}
	return content
}
