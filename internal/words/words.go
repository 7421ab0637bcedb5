// Package words is how newswire cuts news text into words for matching:
// NFC, simple case folding, and word boundaries that keep Vietnamese letters
// whole with their diacritics. Routing (keywords) and story identity
// (fingerprints) both match on it, so that they agree on what a word is.
package words

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Fold returns s in NFC with every rune case-folded. Folding is simple (one
// rune to one rune): upper-casing first makes variants such as a final sigma
// or the Kelvin sign meet their plain lower-case form.
//
// Invisible format characters are dropped (a soft hyphen, a zero-width
// joiner or non-joiner, a word joiner, a byte order mark, bidirectional
// controls), so that "Quả\u00adng" is the word a reader sees, and a
// filter or a keyword cannot be slipped past with them; a zero-width space,
// which marks a break between words, is a space.
func Fold(s string) string {
	return strings.Map(foldRune, norm.NFC.String(s))
}

func foldRune(r rune) rune {
	if r < utf8.RuneSelf {
		if 'A' <= r && r <= 'Z' {
			r += 'a' - 'A'
		}
		return r
	}
	if r == zeroWidthSpace {
		return ' '
	}
	if (r == softHyphen || r >= firstFormatAfterLatin) && unicode.Is(unicode.Cf, r) {
		return -1
	}
	return unicode.ToLower(unicode.ToUpper(r))
}

const (
	zeroWidthSpace = '\u200b'
	softHyphen     = '\u00ad'
	// firstFormatAfterLatin is the first format character (Cf) after the
	// soft hyphen: Vietnamese letters below it need no table lookup.
	firstFormatAfterLatin = '\u0600'
)

// IsWordRune reports whether r belongs to a word. Combining marks count, so
// that a letter NFC could not compose stays one word with its diacritics.
func IsWordRune(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.M, r)
}

// Split cuts s into its words; every other rune (space, punctuation, symbol)
// separates them. The words are substrings of s.
func Split(s string) []string {
	var out []string
	start := -1
	for i, r := range s {
		switch {
		case IsWordRune(r):
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
