package scrape

import (
	"fmt"
	"regexp"
	"strings"
	"time"
)

// layoutPattern finds a date written in a Go time layout inside longer text,
// such as "Cập nhật: 15:22, 13/12/2021 | Thời sự", which time.Parse alone
// cannot read.
type layoutPattern struct {
	layout string
	re     *regexp.Regexp
}

// layoutChunks are the elements of a Go layout with the text each matches,
// longest first where one is a prefix of another (as time.Parse reads them).
var layoutChunks = []struct{ chunk, pattern string }{
	{"January", `\pL+`}, {"Jan", `\pL{3}`},
	{"Monday", `\pL+`}, {"Mon", `\pL{3}`},
	{"MST", `[A-Z]{3,5}`},
	{"2006", `\d{4}`}, {"_2006", `[ \d]\d{3}`},
	{"Z07:00:00", `(?:Z|[+-]\d{2}:\d{2}:\d{2})`}, {"Z070000", `(?:Z|[+-]\d{6})`},
	{"Z07:00", `(?:Z|[+-]\d{2}:\d{2})`}, {"Z0700", `(?:Z|[+-]\d{4})`}, {"Z07", `(?:Z|[+-]\d{2})`},
	{"-07:00:00", `[+-]\d{2}:\d{2}:\d{2}`}, {"-070000", `[+-]\d{6}`},
	{"-07:00", `[+-]\d{2}:\d{2}`}, {"-0700", `[+-]\d{4}`}, {"-07", `[+-]\d{2}`},
	{"002", `\d{3}`}, {"__2", `[ \d]{2}\d`},
	{"01", `\d{2}`}, {"02", `\d{2}`}, {"03", `\d{2}`}, {"04", `\d{2}`}, {"05", `\d{2}`}, {"06", `\d{2}`},
	{"_2", `[ \d]?\d`},
	{"15", `\d{1,2}`},
	{"1", `\d{1,2}`}, {"2", `\d{1,2}`}, {"3", `\d{1,2}`}, {"4", `\d{1,2}`}, {"5", `\d{1,2}`},
	{"PM", `(?i:[AP]M)`}, {"pm", `(?i:[AP]M)`},
	{".000000000", `\.\d{9}`}, {".000000", `\.\d{6}`}, {".000", `\.\d{3}`},
	{".999999999", `(?:\.\d{1,9})?`}, {".999999", `(?:\.\d{1,6})?`}, {".999", `(?:\.\d{1,3})?`},
}

// compileLayout turns layout into a pattern. A layout with no day, month or
// time element (a typo such as "dd/mm/yyyy") is refused: it would match any
// text and read every date as the zero time.
func compileLayout(layout string) (*layoutPattern, error) {
	var b strings.Builder
	elements := 0
	for rest := layout; rest != ""; {
		matched := false
		for _, c := range layoutChunks {
			if strings.HasPrefix(rest, c.chunk) {
				b.WriteString(c.pattern)
				rest = rest[len(c.chunk):]
				elements++
				matched = true
				break
			}
		}
		if matched {
			continue
		}
		if rest[0] == ' ' {
			// time.Parse lets one space in the layout stand for several.
			b.WriteString(` +`)
			rest = strings.TrimLeft(rest, " ")
			continue
		}
		r := []rune(rest)[0]
		b.WriteString(regexp.QuoteMeta(string(r)))
		rest = rest[len(string(r)):]
	}
	// A time unlike the reference time, so that a layout with no element
	// formats to itself.
	ref := time.Date(2021, 12, 13, 9, 8, 7, 0, time.UTC)
	if elements == 0 || ref.Format(layout) == layout {
		return nil, fmt.Errorf("not a Go time layout such as \"15:04, 02/01/2006\": %q", layout)
	}
	if _, err := time.Parse(layout, ref.Format(layout)); err != nil {
		return nil, fmt.Errorf("not a Go time layout such as \"15:04, 02/01/2006\": %q: %w", layout, err)
	}
	re, err := regexp.Compile(`(?:^|\D)(` + b.String() + `)(?:\D|$)`)
	if err != nil {
		return nil, fmt.Errorf("date layout %q: %w", layout, err)
	}
	return &layoutPattern{layout: layout, re: re}, nil
}

// find reads the first date in text written in the layout, in loc unless the
// layout carries a zone. ok is false when no part of text reads as one.
func (p *layoutPattern) find(text string, loc *time.Location) (time.Time, bool) {
	text = strings.Join(strings.Fields(text), " ")
	for _, m := range p.re.FindAllStringSubmatchIndex(text, -1) {
		if t, err := time.ParseInLocation(p.layout, text[m[2]:m[3]], loc); err == nil && t.Year() >= 1970 {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}
