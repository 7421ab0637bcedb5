package main

import (
	"encoding/xml"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"

	"newswire/internal/config"
)

// opmlOutline is an OPML 1.0/2.0 outline, as feed readers export them.
type opmlOutline struct {
	Text     string        `xml:"text,attr"`
	Title    string        `xml:"title,attr"`
	XMLURL   string        `xml:"xmlUrl,attr"`
	Lang     string        `xml:"language,attr"`
	Children []opmlOutline `xml:"outline"`
}

// importOPML prints the config.yaml source entries for the feeds of an OPML
// file. An outline nested in one whose text is provincial or central (as
// /sources.opml groups them) gets that level.
func importOPML(path string, stdout io.Writer) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("import-opml: %w", err)
	}
	var doc struct {
		Body []opmlOutline `xml:"body>outline"`
	}
	if err := xml.Unmarshal(data, &doc); err != nil {
		return fmt.Errorf("import-opml: %s: %w", path, err)
	}
	ids := map[string]int{}
	n := 0
	fmt.Fprintln(stdout, "sources:")
	var walk func(list []opmlOutline, level string)
	walk = func(list []opmlOutline, level string) {
		for _, o := range list {
			title := strings.TrimSpace(firstNonEmpty(o.Title, o.Text))
			if o.XMLURL == "" {
				l := level
				if t := strings.ToLower(strings.TrimSpace(o.Text)); t == config.LevelProvincial || t == config.LevelCentral {
					l = t
				}
				walk(o.Children, l)
				continue
			}
			id := slug(firstNonEmpty(title, o.XMLURL))
			if ids[id]++; ids[id] > 1 {
				id = fmt.Sprintf("%s-%d", id, ids[id])
			}
			line := fmt.Sprintf("  - {id: %s, title: %s, url: %s", id, strconv.Quote(norm.NFC.String(firstNonEmpty(title, id))), strconv.Quote(o.XMLURL))
			if level != "" {
				line += ", level: " + level
			}
			if o.Lang != "" {
				line += ", language: " + strconv.Quote(o.Lang)
			}
			fmt.Fprintln(stdout, line+"}")
			n++
			walk(o.Children, level)
		}
	}
	walk(doc.Body, "")
	if n == 0 {
		return fmt.Errorf("import-opml: %s: no outline with an xmlUrl", path)
	}
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
