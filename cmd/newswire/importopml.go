package main

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"net/url"
	"os"
	"strconv"
	"strings"
	"unicode"

	"golang.org/x/net/html/charset"
	"golang.org/x/text/unicode/norm"

	"newswire/internal/config"
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
// that the output pastes into config.yaml as it is; it prints nothing when
// the file cannot be read.
func importOPML(path string, stdout io.Writer) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("import-opml: %w", err)
	}
	var doc struct {
		Body []opmlOutline `xml:"body>outline"`
	}
	dec := xml.NewDecoder(bytes.NewReader(data))
	dec.CharsetReader = charset.NewReaderLabel // OPML from older tools is often in windows-1258
	if err := dec.Decode(&doc); err != nil {
		return fmt.Errorf("import-opml: %s: %w", path, err)
	}
	var out strings.Builder
	ids := map[string]int{}
	urls := map[string]string{}
	n := 0
	var walk func(list []opmlOutline, level string)
	walk = func(list []opmlOutline, level string) {
		for _, o := range list {
			title := norm.NFC.String(strings.TrimSpace(firstNonEmpty(o.Title, o.Text)))
			feedURL := strings.TrimSpace(o.XMLURL)
			if feedURL == "" {
				if len(o.Children) == 0 && o.HTMLURL != "" {
					fmt.Fprintf(&out, "  # left out %s: no xmlUrl, only the page %s (newswire probe finds its feed)\n", strconv.Quote(title), o.HTMLURL)
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
			id := slug(firstNonEmpty(title, feedURL))
			if ids[id]++; ids[id] > 1 {
				id = fmt.Sprintf("%s-%d", id, ids[id])
			}
			urls[feedURL] = id
			line := fmt.Sprintf("  - {id: %s, title: %s, url: %s", id, strconv.Quote(firstNonEmpty(title, id)), strconv.Quote(feedURL))
			if level != "" {
				line += ", level: " + level
			}
			if o.Lang != "" {
				line += ", language: " + strconv.Quote(o.Lang)
			}
			out.WriteString(line + "}\n")
			n++
			walk(o.Children, level)
		}
	}
	walk(doc.Body, "")
	if n == 0 {
		return fmt.Errorf("import-opml: %s: no outline with an http(s) xmlUrl", path)
	}
	fmt.Fprint(stdout, "sources:\n"+out.String())
	return nil
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
