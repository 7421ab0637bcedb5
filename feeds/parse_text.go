package feeds

import (
	"html"
	"regexp"
	"strings"
	"unicode"

	nethtml "golang.org/x/net/html"
	"golang.org/x/text/unicode/norm"
)

// normText trims s, drops the characters XML forbids and puts it in NFC:
// windows-1258 decodes Vietnamese letters decomposed, and some outlets send
// NFD outright, which would defeat keyword matching and deduplication.
func normText(s string) string {
	return strings.TrimSpace(norm.NFC.String(stripForbidden(s)))
}

// forbiddenInXML reports the characters XML 1.0 does not allow: C0 controls
// other than tab, newline and carriage return, and U+FFFE, U+FFFF. (Invalid
// UTF-8 and lone surrogates never reach here: the decoders replace them.)
func forbiddenInXML(r rune) bool {
	return (r < 0x20 && r != '\t' && r != '\n' && r != '\r') || r == 0xFFFE || r == 0xFFFF
}

func stripForbidden(s string) string {
	if strings.IndexFunc(s, forbiddenInXML) < 0 {
		return s
	}
	return strings.Map(func(r rune) rune {
		if forbiddenInXML(r) {
			return -1
		}
		return r
	}, s)
}

// collapseSpace trims s and turns every run of white space in it into one
// space. Most titles and names are that way already, and come back as they
// are.
func collapseSpace(s string) string {
	if spaceCollapsed(s) {
		return s
	}
	return strings.Join(strings.Fields(s), " ")
}

// spaceCollapsed reports whether collapseSpace would leave s as it is: no
// white space at either end, and none inside but single ASCII spaces.
func spaceCollapsed(s string) bool {
	space := true // as if s followed a space: a leading one fails
	for _, r := range s {
		if !unicode.IsSpace(r) {
			space = false
			continue
		}
		if r != ' ' || space {
			return false
		}
		space = true
	}
	return !space || s == ""
}

// plainText turns a title into plain text: Atom HTML titles, and many RSS
// titles, arrive as markup or with entities escaped twice. Tags go (script and
// style with their content), entities are decoded and whitespace collapses.
func plainText(s string) string {
	s = normText(s)
	if !strings.ContainsAny(s, "<&") {
		return collapseSpace(s)
	}
	var b strings.Builder
	z := nethtml.NewTokenizer(strings.NewReader(s))
	skip := 0 // depth inside script or style
	for {
		switch z.Next() {
		case nethtml.ErrorToken:
			return collapseSpace(normText(b.String()))
		case nethtml.TextToken:
			if skip == 0 {
				b.Write(z.Text())
			}
		case nethtml.StartTagToken:
			if name, _ := z.TagName(); isRawTextElement(name) {
				skip++
			}
			b.WriteByte(' ')
		case nethtml.EndTagToken:
			if name, _ := z.TagName(); isRawTextElement(name) && skip > 0 {
				skip--
			}
			b.WriteByte(' ')
		case nethtml.SelfClosingTagToken:
			b.WriteByte(' ')
		}
	}
}

func isRawTextElement(name []byte) bool {
	return string(name) == "script" || string(name) == "style"
}

var blankLines = regexp.MustCompile(`\n[ \t]*\n\s*`)

// textToHTML renders JSON Feed content_text as HTML: escaped, one paragraph
// per blank-line-separated block, single newlines kept as <br>.
func textToHTML(text string) string {
	text = strings.ReplaceAll(text, "\r\n", "\n")
	if strings.TrimSpace(text) == "" {
		return ""
	}
	var b strings.Builder
	for _, para := range blankLines.Split(strings.TrimSpace(text), -1) {
		b.WriteString("<p>")
		b.WriteString(strings.ReplaceAll(html.EscapeString(para), "\n", "<br>"))
		b.WriteString("</p>")
	}
	return b.String()
}
