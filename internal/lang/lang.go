// Package lang guesses the language of a short news text when neither the
// item nor its source declares one, so that per-language feeds and routing
// still work. It tells Vietnamese from English, the two languages the
// province's outlets mostly write in, and names a text in a script only one
// language of the region writes (Script); it answers "" for anything else
// or anything too short to tell: it is not a general language identifier.
package lang

import (
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// Language tags Detect returns.
const (
	Vietnamese = "vi"
	English    = "en"
)

// vietnameseLetters are the letters only Vietnamese writes among the
// languages newswire meets: ă â đ ê ô ơ ư and the vowels with a tone mark.
const vietnameseLetters = "ăâđêôơư" +
	"àáảãạằắẳẵặầấẩẫậèéẻẽẹềếểễệìíỉĩịòóỏõọồốổỗộờớởỡợùúủũụừứửữựỳýỷỹỵ"

var viStop = set("và của các những được trong cho với là có không người này đã một để khi từ tại đến theo")

var enStop = set("the of and to in is for on with that as at by from are was be has have it its an this will were said")

func set(words string) map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(words) {
		m[w] = true
	}
	return m
}

// minEvidence is how many signs a language needs before Detect names it.
const minEvidence = 2

// Detect returns "vi" or "en" for text written in Vietnamese or English, or
// "" when it cannot tell. Signs of Vietnamese are words with its letters and
// its common function words; signs of English are its function words in
// words without Vietnamese letters.
func Detect(text string) string {
	if len(text) > 4096 {
		text = text[:4096] // the lead tells; strings.Fields copes with a cut rune
	}
	var vi, en int
	for _, w := range strings.FieldsFunc(strings.ToLower(norm.NFC.String(text)), notLetter) {
		switch {
		case strings.ContainsAny(w, vietnameseLetters):
			vi++
			if viStop[w] {
				vi++
			}
		case viStop[w]:
			vi++
		case enStop[w]:
			en++
		}
	}
	switch {
	case vi >= minEvidence && vi > 2*en:
		return Vietnamese
	case en >= minEvidence && en > 2*vi:
		return English
	}
	return ""
}

// foreignAllowed is how many words no Vietnamese syllable is spelled like a
// headline in capitals with viAny words of Vietnamese letters may have and
// still be Vietnamese: a borrowed word ("SEA GAMES") in a headline of six
// such words or more, one in three; none in a shorter one, which names more
// than it says. Words of four letters or fewer are not counted: they may be
// abbreviations and terms (HLV, CSGT, OCOP) in either language.
func foreignAllowed(viAny int) int {
	if viAny < 6 {
		return 0
	}
	return viAny / 3
}

// syllable reports whether w, in lower case without Vietnamese letters, is
// spelled as a Vietnamese syllable can be: an initial consonant, one to
// three vowels, and a final of those Vietnamese allows ("cao", "qua",
// "tin", "xe"), which English words mostly are not ("visits", "province").
func syllable(w string) bool {
	for _, in := range initials {
		if rest, ok := strings.CutPrefix(w, in); ok {
			if nucleus(rest) {
				return true
			}
		}
	}
	return nucleus(w)
}

// nucleus reports one to three vowels and a final Vietnamese allows.
func nucleus(s string) bool {
	n := 0
	for n < len(s) && strings.IndexByte("aeiouy", s[n]) >= 0 {
		n++
	}
	if n == 0 || n > 3 {
		return false
	}
	switch s[n:] {
	case "", "c", "ch", "m", "n", "ng", "nh", "p", "t":
		return true
	}
	return false
}

// initials are the consonants a Vietnamese syllable may start with, longest
// first.
var initials = []string{"ngh", "ng", "nh", "ch", "gh", "gi", "kh", "ph", "qu", "th", "tr",
	"b", "c", "d", "g", "h", "k", "l", "m", "n", "p", "r", "s", "t", "v", "x"}

func notLetter(r rune) bool { return !unicode.IsLetter(r) && !unicode.Is(unicode.M, r) }

// Clearly returns "vi" or "en" when text is beyond doubt written in that
// language, or "". It asks for more than Detect: it is used to overrule a
// declared language (a Vietnamese site whose feed template says en-US, an
// English desk's item in a source configured vi), where Detect only fills
// in a missing one. Vietnamese needs three of its function words, and
// three times as many words of its own as English function words; or, in
// a headline alone, four words in lower case with its letters (names,
// which English writes with Vietnamese letters too, are capitalised), two
// thirds of the words in lower case Vietnamese (with its letters, or
// spelled as one of its syllables: "cao", "hoa"), and no English function
// word. English
// needs four of its function words, none of Vietnamese's, and at least
// twice as many as words with Vietnamese letters (an English story names
// Vietnamese places).
//
// A text with no word in lower case (a headline in capitals, or with every
// word capitalised) cannot tell names from other words: it is Vietnamese
// with four words with its letters, no English function word, and no word
// longer than four letters that no Vietnamese syllable is spelled like
// ("VISITS", "Province": the English of a headline that names Vietnamese
// people and places), or few in a long one (foreignAllowed).
func Clearly(text string) string {
	if len(text) > 4096 {
		text = text[:4096]
	}
	var viLetters, viFunc, enFunc, lower, viLower, viLike, viAny, foreign int
	for _, w := range strings.FieldsFunc(norm.NFC.String(text), notLetter) {
		folded := strings.ToLower(w)
		isLower := folded == w
		hasVi := strings.ContainsAny(folded, vietnameseLetters)
		if isLower {
			lower++
			if hasVi || viStop[folded] || syllable(folded) {
				viLike++ // "người", "cao", "hoa", "nay"
			}
		}
		switch {
		case hasVi:
			viAny++
		case len(folded) > 4 && !syllable(folded):
			// Words spelled as a Vietnamese syllable can be ("QUANG",
			// "SAO", "KIM"), or short enough to be an abbreviation or a
			// term (HLV, CSGT, OCOP), may be of either language.
			foreign++
		}
		switch {
		case viStop[folded]:
			viFunc++
		case hasVi:
			viLetters++
			if isLower {
				viLower++
			}
		case enStop[folded]:
			enFunc++
		}
	}
	switch {
	case viFunc >= 3 && viFunc+viLetters >= 3*enFunc:
		return Vietnamese
	case viLower >= 4 && enFunc == 0 && 3*viLike >= 2*lower:
		return Vietnamese
	case lower == 0 && viAny >= 4 && enFunc == 0 && foreign <= foreignAllowed(viAny):
		return Vietnamese
	case enFunc >= 4 && viFunc == 0 && enFunc >= 2*viLetters:
		return English
	}
	return ""
}

// Script returns the language of text written in a script that tells it
// (Chinese "zh", Japanese "ja", Korean "ko", Khmer "km", Lao "lo", Thai
// "th", Burmese "my"): two thirds of its letters, and two at least, are in
// that script; Chinese characters with kana among them are Japanese. It
// returns "" for text in the Latin script (Vietnamese, English, Hmong
// alike), in Cyrillic (several languages), or mixed.
func Script(text string) string {
	if len(text) > 4096 {
		text = text[:4096]
	}
	var letters, han, kana, hangul, khmer, lao, thai, myanmar int
	for _, r := range text {
		if !unicode.IsLetter(r) {
			continue
		}
		letters++
		switch {
		case r < 0x0E00 || r >= 0x1E00 && r < 0x2E80:
			// None of the scripts counted here: Latin (Vietnamese's
			// precomposed letters at U+1E00 too), Greek, Cyrillic…
		case unicode.Is(unicode.Han, r):
			han++
		case unicode.In(r, unicode.Hiragana, unicode.Katakana):
			kana++
		case unicode.Is(unicode.Hangul, r):
			hangul++
		case unicode.Is(unicode.Khmer, r):
			khmer++
		case unicode.Is(unicode.Lao, r):
			lao++
		case unicode.Is(unicode.Thai, r):
			thai++
		case unicode.Is(unicode.Myanmar, r):
			myanmar++
		}
	}
	most := func(n int) bool { return n >= 2 && 3*n >= 2*letters }
	switch {
	case kana > 0 && most(han+kana):
		return "ja"
	case most(han):
		return "zh"
	case most(hangul):
		return "ko"
	case most(khmer):
		return "km"
	case most(lao):
		return "lo"
	case most(thai):
		return "th"
	case most(myanmar):
		return "my"
	}
	return ""
}
