package route

import (
	"strings"

	"newswire/internal/words"
)

// fold and splitWords are the shared definitions of a word, so that keywords
// match the way story identity compares text.
func fold(s string) string { return words.Fold(s) }

func splitWords(s string) []string { return words.Split(s) }

// label normalises an outlet label or a configured one for equality:
// folded, with runs of white space made one space and the ends trimmed.
func label(s string) string {
	return strings.Join(strings.Fields(fold(s)), " ")
}

// primaryLanguage returns the primary subtag of a BCP 47 tag, lower-cased:
// "en" for "en-US".
func primaryLanguage(tag string) string {
	tag = strings.TrimSpace(tag)
	if i := strings.IndexAny(tag, "-_"); i >= 0 {
		tag = tag[:i]
	}
	return strings.ToLower(tag)
}

// phrase is a keyword cut into words, found in the index by its first word.
type phrase struct {
	rest   []string // the words after the first
	target int      // index of the category or filter it belongs to
}

// phraseIndex maps a first word to every phrase starting with it, so that
// matching costs one map lookup per word of the item, whatever the number of
// keywords.
type phraseIndex map[string][]phrase

// add indexes keyword for target; a keyword without any word is ignored.
func (x phraseIndex) add(keyword string, target int) {
	ws := splitWords(fold(keyword))
	if len(ws) == 0 {
		return
	}
	x[ws[0]] = append(x[ws[0]], phrase{rest: ws[1:], target: target})
}

// match calls hit with the target of every phrase found in ws.
func (x phraseIndex) match(ws []string, hit func(target int)) {
	for i, w := range ws {
		for _, p := range x[w] {
			if i+len(p.rest) >= len(ws) {
				continue
			}
			if equalWords(ws[i+1:i+1+len(p.rest)], p.rest) {
				hit(p.target)
			}
		}
	}
}

func equalWords(a, b []string) bool {
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
