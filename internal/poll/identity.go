package poll

import (
	"cmp"
	"strings"

	"newswire/feeds"
	"newswire/internal/config"
	"newswire/internal/lang"
	"newswire/internal/sanitize"
	"newswire/internal/story"
	"newswire/store"
)

// detectLanguage gives an item that neither its feed nor its source tags a
// language detected from its headline and summary, so that per-language
// routing and feeds still place it; it stays untagged when detection cannot tell.
// A declared Vietnamese or English that the text clearly contradicts is
// overruled (lang.Clearly): many Vietnamese sites' feed templates declare
// en-US, and a Vietnamese story must not reach the readers of an English
// feed, or be marked up as English for their screen readers. So is a
// declared Vietnamese or English of a text in a script neither writes (a
// Chinese or Khmer item in a feed that says vi), which is also how an
// untagged item in such a script gets its language (lang.Script).
func detectLanguage(it *feeds.Item) {
	text := it.Title + ". " + it.Summary
	if it.Language == "" {
		it.Language = cmp.Or(lang.Detect(text), lang.Script(text))
		return
	}
	primary, _, _ := strings.Cut(strings.ToLower(it.Language), "-")
	if primary != lang.Vietnamese && primary != lang.English {
		return
	}
	if clearly := lang.Clearly(text); clearly != "" && clearly != primary {
		it.Language = clearly
	} else if script := lang.Script(text); script != "" {
		it.Language = script
	}
}

// fingerprint makes the item's text fingerprint for joining it to the same
// story carried by another outlet, or is nil when joining is off for src.
// The store calls it only for items their keys do not find. The item is
// expected sanitised: Summary plain text, ContentHTML safe.
func (p *Poller) fingerprint(src config.Source, it *feeds.Item) func() *story.Doc {
	if !p.cfg.Joins(src) {
		return nil
	}
	in := story.Input{Title: it.Title, Text: it.Summary, Published: it.Published, Language: it.Language}
	content := it.ContentHTML
	return func() *story.Doc {
		if content != "" {
			in.Text += "\n" + sanitize.Text(content)
		}
		return story.NewDoc(in)
	}
}

// countDrop counts an item of the current document that a filter dropped,
// under the filter and value that dropped it, for the status page.
func countDrop(st *store.SourceState, reason string) {
	if st.Dropped == nil {
		st.Dropped = map[string]int{}
	}
	st.Dropped[reason]++
}
