package route

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// fold returns s in NFC with every rune case-folded. Folding is simple
// (one rune to one rune): upper-casing first makes variants such as a final
// sigma or the Kelvin sign meet their plain lower-case form.
func fold(s string) string {
	return strings.Map(foldRune, norm.NFC.String(s))
}

func foldRune(r rune) rune {
	if r < utf8.RuneSelf {
		if 'A' <= r && r <= 'Z' {
			r += 'a' - 'A'
		}
		return r
	}
	return unicode.ToLower(unicode.ToUpper(r))
}

// isWordRune reports whether r belongs to a word. Combining marks count, so
// that a letter NFC could not compose stays one word with its diacritics.
func isWordRune(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.M, r)
}

// words splits folded text into its words; every other rune (space,
// punctuation, symbol) separates them. The words are substrings of s.
func words(s string) []string {
	var out []string
	start := -1
	for i, r := range s {
		switch {
		case isWordRune(r):
			if start < 0 {
				start = i
			}
		case start >= 0:
			out = append(out, s[start:i])
			start = -1
		}
	}
	if start >= 0 {
		out = append(out, s[start:])
	}
	return out
}

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
	ws := words(fold(keyword))
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
