package story

import (
	"strings"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"newswire/internal/words"
)

// Normalize returns s as compared, never as displayed: NFC, case folded,
// Vietnamese tone marks placed one way, every run of punctuation, symbols
// and white space made one space, the ends trimmed. Diacritics are kept:
// "Hà Giang" and "Hà Giảng" stay different words. Normalize is idempotent.
func Normalize(s string) string {
	return strings.Join(words.Split(fold(s)), " ")
}

// fold is NFC, simple case folding and one tone-mark placement.
func fold(s string) string {
	return toneNew(words.Fold(s))
}

// toneOld maps the old placement of a tone mark on an open syllable ending
// in "oa", "oe" or "uy" (hoà, thuỷ) to the new one (hòa, thủy). Outlets use
// either, and the same word must compare equal. Only lower-case forms: the
// text is folded first.
var toneOld = map[string]string{
	"oà": "òa", "oá": "óa", "oả": "ỏa", "oã": "õa", "oạ": "ọa",
	"oè": "òe", "oé": "óe", "oẻ": "ỏe", "oẽ": "õe", "oẹ": "ọe",
	"uỳ": "ùy", "uý": "úy", "uỷ": "ủy", "uỹ": "ũy", "uỵ": "ụy",
}

// toneNew rewrites old-style tone placement at the end of a syllable only:
// inside a syllable ("hoàn", "khuyến") both styles already agree.
func toneNew(s string) string {
	if !strings.ContainsAny(s, "àáảãạèéẻẽẹỳýỷỹỵ") {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if (r == 'o' || r == 'u') && i+size < len(s) {
			_, size2 := utf8.DecodeRuneInString(s[i+size:])
			pair := s[i : i+size+size2]
			if repl, ok := toneOld[pair]; ok {
				end := i + size + size2
				next, _ := utf8.DecodeRuneInString(s[end:])
				if end == len(s) || !words.IsWordRune(next) {
					b.WriteString(repl)
					i = end
					continue
				}
			}
		}
		b.WriteString(s[i : i+size])
		i += size
	}
	return b.String()
}

// Title is a headline split for comparison.
type Title struct {
	// Core is the normalised headline without outlet affixes, its
	// abbreviations spelled out.
	Core string
	// Text is the same headline in its own spelling and case.
	Text string
	// Prefix is a stripped leading label ("Hà Giang" of "Hà Giang: …"),
	// in its original spelling; it often names the place of the story.
	Prefix string
	// Suffix is a stripped tail after " - " and the like, in its original
	// spelling: an outlet's name, or the second end of a route ("Bắc Quang
	// - Xín Mần") whose names still tell the story apart.
	Suffix string
}

// maxAffixWords bounds what counts as an outlet's label around a headline:
// longer text is part of the headline itself.
const maxAffixWords = 5

// SplitTitle strips what outlets add around a headline they carry: bracketed
// tags at either end ("[Video]", "(TTXVN)"), a short label before a colon
// ("Hà Giang: "), and a short outlet name after " - ", " – ", " — " or " | "
// ("… - Báo Hà Giang", "… | VOV"). A label before a colon is kept as Prefix,
// as it names the place or the subject.
func SplitTitle(title string) Title {
	t := strings.TrimSpace(norm.NFC.String(title))
	var prefix, suffix string
	for range 4 { // affixes come stacked: "[Video] Hà Giang: … (TTXVN)"
		before := t
		t = stripBrackets(t)
		if p, rest, ok := cutLabel(t); ok {
			if prefix == "" {
				prefix = p
			}
			t = rest
		}
		var tail string
		if t, tail = cutOutletSuffix(t); suffix == "" {
			suffix = tail
		}
		if t == before {
			break
		}
	}
	return Title{Core: expand(Normalize(t)), Text: t, Prefix: prefix, Suffix: suffix}
}

// abbreviations are the short forms outlets write for words others spell
// out in a headline, folded: "TP.HCM" and "Thành phố Hồ Chí Minh", "UBND"
// and "Ủy ban nhân dân", "VĐV" and "vận động viên".
var abbreviations = map[string]string{
	"tphcm": "thành phố hồ chí minh", "tp": "thành phố", "ubnd": "ủy ban nhân dân",
	"hđnd": "hội đồng nhân dân", "vđv": "vận động viên",
}

// expand spells out the abbreviations of a normalised headline.
func expand(core string) string {
	if !strings.Contains(core, "tp") && !strings.Contains(core, "nd") && !strings.Contains(core, "vđv") {
		return core
	}
	ws := strings.Fields(core)
	changed := false
	for i := 0; i < len(ws); i++ {
		if ws[i] == "tp" && i+1 < len(ws) && ws[i+1] == "hcm" {
			ws = append(ws[:i+1], ws[i+2:]...)
			ws[i] = "tphcm"
		}
		if long, ok := abbreviations[ws[i]]; ok {
			ws[i], changed = long, true
		}
	}
	if !changed {
		return core
	}
	return strings.Join(ws, " ")
}

// stripBrackets removes a short bracketed or parenthesised tag at the start
// or the end of t.
func stripBrackets(t string) string {
	for _, p := range [][2]string{{"[", "]"}, {"(", ")"}} {
		if strings.HasPrefix(t, p[0]) {
			if i := strings.Index(t, p[1]); i > 0 && len(words.Split(t[1:i])) <= maxAffixWords && strings.TrimSpace(t[i+1:]) != "" {
				t = strings.TrimSpace(t[i+1:])
			}
		}
		if strings.HasSuffix(t, p[1]) {
			if i := strings.LastIndex(t, p[0]); i > 0 && len(words.Split(t[i:])) <= maxAffixWords {
				t = strings.TrimSpace(t[:i])
			}
		}
	}
	return t
}

// cutLabel splits "Label: rest" when the label is short and holds no digit
// (a time or a score such as "15:30" or "2:1" is not a label).
func cutLabel(t string) (label, rest string, ok bool) {
	i := strings.Index(t, ":")
	if i <= 0 {
		return "", t, false
	}
	label, rest = strings.TrimSpace(t[:i]), strings.TrimSpace(t[i+1:])
	n := len(words.Split(label))
	if n == 0 || n > maxAffixWords || strings.ContainsAny(label, "0123456789") || len(words.Split(rest)) < 3 {
		return "", t, false
	}
	return label, rest, true
}

// cutOutletSuffix drops a short tail after a dash or bar separator, when
// what remains is still a headline of its own, and returns the tail too.
func cutOutletSuffix(t string) (string, string) {
	best := -1
	for _, sep := range []string{" | ", " - ", " – ", " — "} {
		if i := strings.LastIndex(t, sep); i > best {
			tail := t[i+len(sep):]
			if n := len(words.Split(tail)); n > 0 && n <= maxAffixWords && len(words.Split(t[:i])) >= 4 {
				best = i
			}
		}
	}
	if best < 0 {
		return t, ""
	}
	_, size := utf8.DecodeRuneInString(t[best+1:])
	return strings.TrimSpace(t[:best]), strings.TrimSpace(t[best+2+size:])
}
