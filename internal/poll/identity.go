package poll

import (
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
func detectLanguage(it *feeds.Item) {
	if it.Language == "" {
		it.Language = lang.Detect(it.Title + ". " + it.Summary)
	}
}

// fingerprint is the item's text fingerprint for joining it to the same
// story carried by another outlet, or nil when joining is off for src.
// The item is expected sanitised: Summary plain text, ContentHTML safe.
func (p *Poller) fingerprint(src config.Source, it *feeds.Item) *story.Doc {
	if !p.cfg.Joins(src) {
		return nil
	}
	text := it.Summary
	if it.ContentHTML != "" {
		text += "\n" + sanitize.Text(it.ContentHTML)
	}
	return story.NewDoc(story.Input{Title: it.Title, Text: text, Published: it.Published, Language: it.Language})
}

// countDrop counts an item of the current document that a filter dropped,
// under the filter and value that dropped it, for the status page.
func countDrop(st *store.SourceState, reason string) {
	if st.Dropped == nil {
		st.Dropped = map[string]int{}
	}
	st.Dropped[reason]++
}
