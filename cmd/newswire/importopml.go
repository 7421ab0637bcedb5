package main

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/net/html/charset"
	"golang.org/x/text/unicode/norm"

	"newswire/internal/config"
	"newswire/internal/sanitize"
)

// opmlOutline is an OPML 1.0/2.0 outline, as feed readers export them.
type opmlOutline struct {
	Text     string        `xml:"text,attr"`
	Title    string        `xml:"title,attr"`
	XMLURL   string        `xml:"xmlUrl,attr"`
	HTMLURL  string        `xml:"htmlUrl,attr"`
	Lang     string        `xml:"language,attr"`
	Children []opmlOutline `xml:"outline"`
}

// importOPML prints the config.yaml source entries for the feeds of an OPML
// file. An outline nested in one whose text is provincial or central (as
// /sources.opml groups them) gets that level. What it leaves out (a feed
// URL that is not an absolute http(s) one, a feed listed again, an outline
// with a page but no feed) it says in YAML comments among the entries, so
// that the output pastes into config.yaml as it is. It prints nothing when
// the file is no OPML list of feeds, and its error says what the file is
// (readOPML), or why each outline was left out when none is a feed.
func importOPML(path string, stdout io.Writer) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("import-opml: %w", err)
	}
	body, err := readOPML(data)
	if err != nil {
		return fmt.Errorf("import-opml: %s %w", path, err)
	}
	var out strings.Builder
	used := map[string]bool{} // the ids printed
	urls := map[string]string{}
	n := 0
	var walk func(list []opmlOutline, level string)
	walk = func(list []opmlOutline, level string) {
		for _, o := range list {
			title := plainTitle(firstNonEmpty(o.Title, o.Text))
			feedURL := strings.TrimSpace(o.XMLURL)
			if feedURL == "" {
				if len(o.Children) == 0 && o.HTMLURL != "" {
					// Quoted, as every value the comments give: the
					// file's text must not end the comment's line.
					fmt.Fprintf(&out, "  # left out %s: no xmlUrl, only the page %s (newswire probe finds its feed)\n", strconv.Quote(title), strconv.Quote(strings.TrimSpace(o.HTMLURL)))
				}
				l := level
				if t := strings.ToLower(strings.TrimSpace(o.Text)); t == config.LevelProvincial || t == config.LevelCentral {
					l = t
				}
				walk(o.Children, l)
				continue
			}
			u, err := url.Parse(feedURL)
			switch {
			case err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "":
				fmt.Fprintf(&out, "  # left out %s: its xmlUrl %s is not an absolute http(s) URL\n", strconv.Quote(title), strconv.Quote(feedURL))
				walk(o.Children, level)
				continue
			case urls[feedURL] != "":
				fmt.Fprintf(&out, "  # left out %s: the same xmlUrl as %s\n", strconv.Quote(title), urls[feedURL])
				walk(o.Children, level)
				continue
			}
			// "Tin", "Tin" and "Tin 2" make tin, tin-2 and tin-2-2: an id
			// is never printed twice, whatever the titles.
			base := slug(firstNonEmpty(title, feedURL))
			id := base
			for k := 2; used[id]; k++ {
				id = fmt.Sprintf("%s-%d", base, k)
			}
			line := fmt.Sprintf("  - {id: %s, title: %s, url: %s", id, strconv.Quote(firstNonEmpty(title, id)), strconv.Quote(feedURL))
			if level != "" {
				line += ", level: " + level
			}
			entry := line + "}"
			if lang := strings.TrimSpace(o.Lang); lang != "" {
				// A language check-config refuses is left out alone.
				if withLang := line + ", language: " + strconv.Quote(lang) + "}"; refused(withLang) == nil {
					entry = withLang
				} else {
					fmt.Fprintf(&out, "  # %s: its language %s is not a language tag, left out\n", id, strconv.Quote(lang))
				}
			}
			if problems := refused(entry); problems != nil {
				fmt.Fprintf(&out, "  # left out %s: check-config would refuse it: %s\n", strconv.Quote(title), strconv.Quote(strings.Join(problems, "; ")))
				walk(o.Children, level)
				continue
			}
			used[id] = true
			urls[feedURL] = id
			out.WriteString(entry + "\n")
			n++
			walk(o.Children, level)
		}
	}
	walk(body, "")
	if n == 0 {
		if out.Len() == 0 {
			return fmt.Errorf("import-opml: %s lists %s, none with an xmlUrl (the address of a feed): nothing to import", path, outlines(count(body)))
		}
		// What was left out is all there is to say: say it, as the
		// comments would have.
		left := strings.Split(strings.TrimRight(out.String(), "\n"), "\n")
		for i, l := range left {
			left[i] = "  " + strings.TrimPrefix(l, "  # ")
		}
		return fmt.Errorf("import-opml: %s lists %s, and none is a feed newswire can poll: nothing to import\n%s", path, outlines(count(body)), strings.Join(left, "\n"))
	}
	fmt.Fprint(stdout, "sources:\n"+out.String())
	return nil
}

// readOPML returns the outlines of an OPML file's body. When the file is no
// OPML, its error says what it is instead (empty, not XML, XML cut short,
// another kind of XML such as a feed or a web page, an OPML without
// outlines), completing a sentence that starts with the file's name.
func readOPML(data []byte) ([]opmlOutline, error) {
	text := bytes.TrimSpace(bytes.TrimPrefix(data, []byte("\ufeff")))
	switch {
	case len(data) == 0:
		return nil, errors.New("is empty: not an OPML file")
	case len(text) == 0:
		return nil, errors.New("holds nothing but white space: not an OPML file")
	case text[0] != '<':
		return nil, fmt.Errorf("is not XML (it begins %s): not an OPML file", beginning(text))
	}
	dec := xml.NewDecoder(bytes.NewReader(data))
	dec.CharsetReader = charset.NewReaderLabel // OPML from older tools is often in windows-1258
	var root xml.StartElement
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			return nil, errors.New("holds no XML element (only a declaration or comments): not an OPML file")
		}
		if err != nil {
			return nil, notWellFormed(err)
		}
		if se, ok := tok.(xml.StartElement); ok {
			root = se
			break
		}
	}
	if root.Name.Local != "opml" {
		msg := fmt.Sprintf("is XML but not OPML: its root element is <%s>, not <opml>", root.Name.Local)
		switch root.Name.Local {
		case "rss", "feed", "RDF":
			msg += "; it is a feed itself, not a list of feeds: give its URL as a source's url in config.yaml"
		case "html":
			msg += "; it is a web page: newswire probe URL finds the feeds a page announces"
		}
		return nil, errors.New(msg)
	}
	var doc struct {
		Body *struct {
			Outlines []opmlOutline `xml:"outline"`
		} `xml:"body"`
	}
	if err := dec.DecodeElement(&doc, &root); err != nil {
		return nil, notWellFormed(err)
	}
	switch {
	case doc.Body == nil:
		return nil, errors.New("is OPML without a <body>, so without outlines: nothing to import")
	case len(doc.Body.Outlines) == 0:
		return nil, errors.New("is OPML whose <body> lists no outline: nothing to import")
	}
	return doc.Body.Outlines, nil
}

// notWellFormed words an XML decoding error of a file that looked like XML.
func notWellFormed(err error) error {
	var serr *xml.SyntaxError
	if !errors.As(err, &serr) {
		return fmt.Errorf("cannot be read as XML: %w", err)
	}
	if serr.Msg == "unexpected EOF" {
		return fmt.Errorf("is XML cut short: it ends on line %d before its elements are closed (a download or copy that stopped?)", serr.Line)
	}
	return fmt.Errorf("is not well-formed XML: line %d: %s", serr.Line, serr.Msg)
}

// beginning quotes the first words of a file's text, for a message.
func beginning(text []byte) string {
	if i := bytes.IndexByte(text, '\n'); i >= 0 {
		text = text[:i]
	}
	if !utf8.Valid(text) || bytes.IndexByte(text, 0) >= 0 {
		return "with bytes that are not text"
	}
	s := strings.TrimSpace(string(text))
	if r := []rune(s); len(r) > 40 {
		s = string(r[:40]) + "…"
	}
	return strconv.Quote(s)
}

// count is how many outlines list holds, nested ones included.
func count(list []opmlOutline) int {
	n := len(list)
	for _, o := range list {
		n += count(o.Children)
	}
	return n
}

// outlines writes "1 outline" or "n outlines".
func outlines(n int) string { return fmt.Sprintf("%d %s", n, plural(n, "outline", "outlines")) }

// plainTitle is an outline's title as config.yaml takes one: plain text.
// OPML carries it in an attribute, where tools escape markup and entities
// once more than they mean to ("Tin &amp;amp; Báo", "A &lt;b&gt;bold&lt;/b&gt;
// outlet"): entities are decoded as often as they decode, and what is a tag
// then is dropped, as newswire does with an outlet's titles.
func plainTitle(s string) string { return sanitize.Text(sanitize.Unescaped(s)) }

// refused returns what check-config would say of a source entry, alone in
// a config with nothing else to find fault with; nil when it takes it.
func refused(entry string) []string {
	_, err := config.Parse([]byte("sources:\n"+entry+"\ncategories: [{id: thoi-su}]\ndefault_category: thoi-su\n"), "import")
	if err == nil {
		return nil
	}
	var cerr *config.Error
	if !errors.As(err, &cerr) {
		return []string{err.Error()}
	}
	problems := make([]string, len(cerr.Problems))
	for i, p := range cerr.Problems {
		problems[i] = p.Message
	}
	return problems
}

// slug makes a source id from a title: lower-case ASCII letters, digits and
// dashes, Vietnamese letters without their marks ("Báo Hà Giang" → "bao-ha-giang").
func slug(s string) string {
	var b strings.Builder
	dash := false
	for _, r := range norm.NFD.String(strings.ToLower(s)) {
		switch {
		case r == 'đ':
			r = 'd'
		case unicode.Is(unicode.Mn, r):
			continue
		}
		if r < 128 && (unicode.IsLetter(r) || unicode.IsDigit(r)) {
			b.WriteRune(r)
			dash = false
		} else if !dash && b.Len() > 0 {
			b.WriteByte('-')
			dash = true
		}
	}
	id := strings.TrimRight(b.String(), "-")
	if id == "" {
		return "source"
	}
	return id
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}
