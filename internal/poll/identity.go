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
