package poll

import (
	"cmp"
	"slices"
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

// corrections marks the items of incoming that may be the correction of an
// item that left the document, for an outlet whose links follow its
// headlines and that gives no guid (or a new one with the new link): its
// corrected headline comes under a new link, and the item of the old one
// is gone from the document. Such an item replaced another in place when
// the document held one item of its publication second before (prev) and
// holds one now (seen), and they differ: the store then finds the story of
// the one that left by its text (store.Incoming.Corrects). Items of one
// second that stay side by side (a bulletin's parts, a day's lottery
// results of several provinces) are never marked, nor is an item with no
// date of its own, nor a new first item as the last one leaves: in a feed
// whose items are dated by the day alone, the oldest of the day leaving the
// end of the feed as a new one comes in at its head is not corrected by it.
// arrivals holds the memo's entry of each item of incoming.
func corrections(prev memoDoc, seen []memoItem, incoming []store.Incoming, arrivals []memoEntry) {
	if len(prev.digests) == 0 || len(incoming) == 0 {
		return
	}
	now := make(map[uint64]bool, len(seen))
	arrived := map[uint32]int{}
	for _, it := range seen {
		now[it.digest] = true
		if it.published != 0 && !slices.Contains(prev.digests, it.digest) {
			arrived[it.published]++
		}
	}
	left := map[uint32]int{}
	leftLast := uint32(0) // the second of the last item, if it left
	for i, d := range prev.digests {
		if s := prev.published[i]; s != 0 && !now[d] && prev.drops[d] == "" && arrived[s] > 0 {
			left[s]++
			if d == prev.last {
				leftLast = s
			}
		}
	}
	for i, e := range arrivals {
		s := e.published
		if s == 0 || arrived[s] != 1 || left[s] != 1 || s == leftLast && e.digest == seen[0].digest {
			continue
		}
		incoming[i].Corrects = int64(s)
	}
}
