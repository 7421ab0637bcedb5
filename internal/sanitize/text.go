package sanitize

import (
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/net/html"
	"golang.org/x/text/unicode/norm"
)

// hiddenElements hold text a reader never sees; Text drops it.
var hiddenElements = map[string]bool{
	"script": true, "style": true, "noscript": true, "template": true,
	"iframe": true, "object": true, "noembed": true, "noframes": true,
}

// inlineElements sit inside a line of text; every other tag separates words,
// so "<p>a</p><p>b</p>" reads "a b" and "<b>Hà</b> Giang" stays "Hà Giang".
var inlineElements = map[string]bool{
	"a": true, "abbr": true, "b": true, "bdi": true, "bdo": true, "cite": true, "code": true,
	"data": true, "del": true, "dfn": true, "em": true, "font": true, "i": true, "ins": true,
	"kbd": true, "mark": true, "q": true, "s": true, "samp": true, "small": true, "span": true,
	"strong": true, "sub": true, "sup": true, "time": true, "u": true, "var": true, "wbr": true,
}

// Text returns the plain text of an HTML fragment: tags removed, entities
// decoded, whitespace collapsed, NFC, without the controls stripForbidden
// drops.
//
// What it returns never holds anything that looks like a tag (see
// looksLikeTag), nor entities that would decode to one, however many times
// the outlet escaped it: the parsers decode a title once already, and
// outlets escape once more than they mean to, so that one more pass turns
// "&amp;lt;img onerror=…&amp;gt;" into a live "<img onerror=…>", which
// readers that take a title for HTML (RSS leaves that open) would run, and
// so would an aggregator downstream that decodes once more. The text is
// taken again while decoding it further would show a tag, up to
// maxTextPasses; after that, it is decoded to the end and every "<" in it
// is dropped. A lone "<" ("a < b", "giá <5 triệu"), and escaped text that
// decodes to no tag ("Tom &amp; Jerry"), stay as they are.
func Text(raw string) string { return text(raw, false) }

// TextLine is Text for a line of text an outlet wrote as text, where a hidden
// element never closed is no element but words that name one: a title,
// a label, a name. "Học về <script> và &amp; trong HTML" (decoded once by
// the feed's parser from an Atom text title) keeps what follows the
// "<script>" rather than lose the rest of the headline. A summary or
// content, cut by the outlet in the middle of a script, is read by Text,
// which drops it to the end.
func TextLine(raw string) string { return text(raw, true) }

func text(raw string, keepUnclosed bool) string {
	s := textOnce(raw, keepUnclosed)
	for range maxTextPasses - 1 {
		if !hidesTag(s) {
			return s
		}
		s = textOnce(s, keepUnclosed)
	}
	if hidesTag(s) {
		s = collapse(strings.ReplaceAll(Unescaped(s), "<", " "))
	}
	return s
}

// maxTextPasses bounds Text's passes: each undoes one level of escaping,
// and no outlet escapes a title more than twice by mistake.
const maxTextPasses = 4

// tagStart is what an HTML parser takes for the start of a tag, a comment
// or a processing instruction: "<" and a letter, "</" and a letter, "<!"
// or "<?".
var tagStart = regexp.MustCompile(`<(?:[A-Za-z!?]|/[A-Za-z])`)

// looksLikeTag reports whether s holds something an HTML parser would take
// for markup rather than text.
func looksLikeTag(s string) bool {
	return strings.Contains(s, "<") && tagStart.MatchString(s)
}

// hidesTag reports whether s holds a tag, or would once its entities are
// decoded, as many times as they decode.
func hidesTag(s string) bool {
	return strings.ContainsAny(s, "<&") && looksLikeTag(Unescaped(s))
}

// Unescaped is s with its entities decoded until none are left, at most
// maxUnescapes times: text that tools escaped once more than they meant
// ("Tin &amp;amp; Báo"), as decoded as it ever was.
func Unescaped(s string) string {
	for range maxUnescapes {
		if !strings.Contains(s, "&") {
			break
		}
		u := html.UnescapeString(s)
		if u == s {
			break
		}
		s = u
	}
	return s
}

const maxUnescapes = 8

// textOnce is one pass of Text (or of TextLine, with keepUnclosed): tags
// dropped, entities decoded once.
func textOnce(raw string, keepUnclosed bool) string {
	if !strings.ContainsAny(raw, "<&") {
		return collapse(raw)
	}
	var b, held strings.Builder
	b.Grow(len(raw))
	hidden := 0
	z := html.NewTokenizer(strings.NewReader(raw))
	for {
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			if hidden > 0 && keepUnclosed {
				// What followed a hidden element never closed is kept,
				// decoded as text is (see TextLine).
				b.WriteString(html.UnescapeString(held.String()))
			}
			return collapse(b.String())
		case html.TextToken:
			if hidden == 0 {
				b.Write(z.Text())
			} else if keepUnclosed {
				held.Write(z.Raw())
			}
		case html.StartTagToken, html.SelfClosingTagToken, html.EndTagToken:
			name, _ := z.TagName()
			if hiddenElements[string(name)] && tt != html.SelfClosingTagToken {
				if tt == html.StartTagToken {
					hidden++
				} else if hidden > 0 {
					hidden--
				}
				if hidden == 0 {
					held.Reset() // closed: hidden indeed
				}
			}
			if !inlineElements[string(name)] {
				b.WriteByte(' ')
			}
		}
	}
}

// collapse makes s NFC, drops what XML forbids, and makes every run of white
// space (no-break spaces included) one space, trimming both ends.
func collapse(s string) string {
	return strings.Join(strings.Fields(norm.NFC.String(stripForbidden(s))), " ")
}

// stripForbidden removes what XML 1.0 does not allow in a document:
// control characters other than tab, newline and carriage return, U+FFFE,
// U+FFFF and bytes that are not UTF-8. Renderers copy text raw into CDATA,
// where one such character makes the whole feed unreadable. It removes too
// what no news text needs and what turns it against the people who read
// it (unwanted).
func stripForbidden(s string) string {
	i := 0
	for i < len(s) {
		r, size := utf8.DecodeRuneInString(s[i:])
		if xmlForbidden(r, size) || unwanted(r) {
			break
		}
		i += size
	}
	if i == len(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	b.WriteString(s[:i])
	for i < len(s) {
		r, size := utf8.DecodeRuneInString(s[i:])
		if !xmlForbidden(r, size) && !unwanted(r) {
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

func xmlForbidden(r rune, size int) bool {
	switch {
	case r == utf8.RuneError && size == 1:
		return true
	case r < 0x20:
		return r != '\t' && r != '\n' && r != '\r'
	default:
		return r == 0xFFFE || r == 0xFFFF
	}
}

// unwanted reports the characters XML allows but newswire drops from every
// text it stores, HTML content included:
//   - C1 controls (U+0080–U+009F): never in news text, and terminals act
//     on some of them (CSI U+009B, OSC U+009D, ST U+009C) when a title is
//     printed;
//   - bidirectional embeddings, overrides and isolates (U+202A–U+202E,
//     U+2066–U+2069): one that is not closed reorders everything after it
//     on the line, past the title or the element it came in (a status
//     line, a reader's list, the front page), which makes a link or a
//     number read as another. Dropped from HTML content as well, rather
//     than kept where they are closed inside an element: the allowlist
//     keeps no dir attribute or bdo either, and right-to-left text is
//     laid out by the Unicode bidirectional algorithm without them. The
//     marks (U+200E, U+200F, U+061C) change no order beyond a character
//     and stay.
func unwanted(r rune) bool {
	return (r >= 0x80 && r <= 0x9F) || (r >= 0x202A && r <= 0x202E) || (r >= 0x2066 && r <= 0x2069)
}

// Printable is s as it may be shown on one line of a terminal or a status
// page: every control character (C0, DEL, C1: a terminal's escapes,
// newlines) and every bidirectional control (which reorders what follows
// it on the line) replaced by a space. For what an outlet or a hub wrote
// that newswire shows as it is: an error quoting its document, a warning,
// a reason.
func Printable(s string) string {
	if strings.IndexFunc(s, unprintable) < 0 {
		return s
	}
	return strings.Map(func(r rune) rune {
		if unprintable(r) {
			return ' '
		}
		return r
	}, s)
}

// Line is what someone else wrote, as newswire shows it in one line: as
// Printable makes it, white space collapsed, cut at about n runes on a word
// boundary with "…".
func Line(s string, n int) string {
	return shorten(strings.Join(strings.Fields(Printable(s)), " "), n)
}

func unprintable(r rune) bool {
	return unicode.IsControl(r) || unicode.Is(unicode.Bidi_Control, r)
}

// summaryRunes is about where a summary is cut: a few sentences, what feed
// readers show in a list.
const summaryRunes = 400

// shorten cuts text, already collapsed, to at most n runes plus "…", at the
// last space before the limit unless that would lose more than half of it.
func shorten(text string, n int) string {
	cut, count := 0, 0
	for cut < len(text) && count < n {
		_, size := utf8.DecodeRuneInString(text[cut:])
		cut += size
		count++
	}
	if cut == len(text) {
		return text
	}
	head := text[:cut]
	if text[cut] != ' ' {
		if i := strings.LastIndexByte(head, ' '); i > len(head)/2 {
			head = head[:i]
		}
	}
	head = strings.TrimRightFunc(head, func(r rune) bool {
		return unicode.IsSpace(r) || strings.ContainsRune(",;:.-–—", r)
	})
	return head + "…"
}
