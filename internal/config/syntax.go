package config

import (
	"bytes"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode"

	goccy "github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/parser"
	"github.com/goccy/go-yaml/token"
	"golang.org/x/text/width"

	"newswire/internal/urlsafe"
)

// unknownAnchor matches go.yaml.in/yaml/v3's error for an alias to no
// anchor, which says no line.
var unknownAnchor = regexp.MustCompile(`^yaml: unknown anchor '(.*)' referenced$`)

// syntaxProblem turns a YAML parse error into a Problem. The parser stops at
// the first syntax error, so there is only ever one. go.yaml.in/yaml/v3 often
// names the line before the one at fault; goccy/go-yaml's parser, whose tree
// is too large to parse every config with, says where and what more
// exactly, so a file refused is parsed again with it. Its words are the
// grammar's ("mapping value is not allowed in this context"): the mistakes
// an admin makes by hand are recognised from where it stopped and the lines
// around, and said as what to change (syntaxMistake).
func syntaxProblem(err error, data []byte) Problem {
	lines := strings.Split(string(data), "\n")
	for i, l := range lines {
		lines[i] = strings.TrimSuffix(l, "\r")
	}
	if _, gerr := parser.ParseBytes(data, 0, parser.AllowDuplicateMapKey()); gerr != nil {
		var yerr goccy.Error
		if !errors.As(gerr, &yerr) {
			return Problem{Message: "invalid YAML: " + gerr.Error()}
		}
		tk := yerr.GetToken()
		if tk == nil || tk.Position == nil {
			return Problem{Message: "invalid YAML: " + yerr.GetMessage()}
		}
		s := syntaxError{lines: lines, msg: yerr.GetMessage(), tk: tk}
		m := s.mistake()
		if m.message == "" {
			m = mistake{line: tk.Position.Line, col: tk.Position.Column, message: yerr.GetMessage()}
		}
		return Problem{Line: m.line, Column: m.col, Message: "invalid YAML: " + m.message, Excerpt: excerpt(lines, m.from, m.line, m.col)}
	}
	msg := err.Error()
	if strings.Contains(msg, "did not find expected ',' or '}'") {
		if m := flowColon(lines); m.message != "" {
			return Problem{Line: m.line, Column: m.col, Message: "invalid YAML: " + m.message, Excerpt: excerpt(lines, 0, m.line, m.col)}
		}
	}
	if m := unknownAnchor.FindStringSubmatch(msg); m != nil {
		p := Problem{Message: fmt.Sprintf("invalid YAML: unknown alias *%s: no anchor &%s is written before it (a value that begins with * is an alias: quote it to write it as text)", m[1], m[1])}
		if i := bytes.Index(data, []byte("*"+m[1])); i >= 0 {
			p.Line = 1 + bytes.Count(data[:i], []byte("\n"))
			start := bytes.LastIndexByte(data[:i], '\n') + 1
			p.Column = 1 + len([]rune(string(data[start:i])))
			p.Excerpt = excerpt(lines, 0, p.Line, p.Column)
		}
		return p
	}
	return Problem{Message: "invalid YAML: " + strings.TrimPrefix(msg, "yaml: ")}
}

// mistake is what was wrong, in an admin's words, and where: line and col
// (1-based, in characters) point at it, and from, when not 0, is an earlier
// line it is measured against, shown with it.
type mistake struct {
	line, col, from int
	message         string
}

// syntaxError is where goccy/go-yaml's parser stopped, and why in its words.
type syntaxError struct {
	lines []string
	msg   string
	tk    *token.Token
}

// mistake recognises the common mistakes of a config edited by hand from
// where the parser stopped; the zero mistake when it is none of them.
func (s syntaxError) mistake() mistake {
	line, col := s.tk.Position.Line, s.tk.Position.Column
	at := s.layout(line)
	if tabIndented(s.lines, line) {
		return mistake{line: line, col: 1, message: "a tab indents this line; YAML indents with spaces only"}
	}
	if m := s.openQuote(); m.message != "" {
		return m
	}
	if m := s.badStart(line, at); m.message != "" {
		return m
	}
	if m := s.afterQuote(line, at); m.message != "" {
		return m
	}
	if strings.HasPrefix(s.msg, "found unknown escape character") {
		return s.unknownEscape(line, at)
	}
	if m := s.brackets(); m.message != "" {
		return m
	}
	if m := noSpaceAfterColon(line, at); m.message != "" {
		return m
	}
	// A plain value that goes on over the lines after its own (more
	// indented than its key) ends where one of them holds "key: ".
	cont := s.continuation(line, col)
	for _, l := range append([]int{line}, cont) {
		if m := noSpaceAfterDash(l, s.layout(l)); m.message != "" {
			return m
		}
	}
	switch {
	case cont > 0:
		return s.misindented(cont)
	case s.msg == "mapping value is not allowed in this context":
		return colonInValue(line, col, at)
	}
	first := col == at.indent+1 // the token opens its line
	switch {
	case s.tk.Type == token.SequenceEntryType && first:
		return s.misplacedItem(line)
	case s.msg == "non-map value is specified" && first:
		return missingColon(line, at)
	case strings.HasPrefix(s.msg, "value is not allowed in this context") && first:
		return s.misindented(line)
	}
	return mistake{}
}

// layout is the layout of line n (1-based); a blank one past the end.
func (s syntaxError) layout(n int) lineLayout {
	if n < 1 || n > len(s.lines) {
		return lineLayout{blank: true}
	}
	return layoutOf(s.lines[n-1])
}

// layoutOf lays out a line as an excerpt shows it (shown): the messages
// quote from it, and must not quote a secret.
func layoutOf(line string) lineLayout {
	r := shown(line)
	l := layoutRunes(r)
	l.masked = string(r) != line
	return l
}

// lineLayout is what one line of block YAML says of its structure, as far as
// the line alone tells. Columns are 0-based, in characters.
type lineLayout struct {
	text     []rune
	indent   int   // spaces before the first other character
	dashes   []int // columns of the "- " list markers that open the line
	key      string
	keyCol   int    // column of key; meaningless when key is ""
	value    string // after "key: " or the last "- ", without a comment
	valueCol int
	blank    bool // empty, or a comment alone
	masked   bool // shown with a secret masked: no line to suggest
}

// layoutRunes lays out the characters of a line.
func layoutRunes(r []rune) lineLayout {
	l := lineLayout{text: r}
	for l.indent < len(r) && r[l.indent] == ' ' {
		l.indent++
	}
	pos := l.indent
	if pos == len(r) || r[pos] == '#' {
		l.blank = true
		return l
	}
	for pos < len(r) && r[pos] == '-' && (pos+1 == len(r) || r[pos+1] == ' ') {
		l.dashes = append(l.dashes, pos)
		pos++
		for pos < len(r) && r[pos] == ' ' {
			pos++
		}
	}
	if end := keyEnd(r, pos); end > pos {
		l.key = strings.TrimRight(string(r[pos:end]), " ")
		l.keyCol = pos
		pos = end + 1
		for pos < len(r) && r[pos] == ' ' {
			pos++
		}
	}
	l.valueCol = pos
	l.value = strings.TrimRight(string(r[pos:commentStart(r, pos)]), " \t")
	return l
}

// keyEnd is the column of the colon that ends a key written at pos, or -1:
// a colon followed by a space or the line's end, before any quote, bracket
// or comment.
func keyEnd(r []rune, pos int) int {
	if pos >= len(r) || strings.ContainsRune("\"'[]{}#&*!|>%@`,", r[pos]) {
		return -1
	}
	for i := pos; i < len(r); i++ {
		switch {
		case r[i] == ':' && (i+1 == len(r) || r[i+1] == ' ' || r[i+1] == '\t'):
			return i
		case r[i] == '#' && i > 0 && r[i-1] == ' ':
			return -1
		}
	}
	return -1
}

// commentStart is the column where the comment of a line begins (a # after
// white space, outside quotes), or its length.
func commentStart(r []rune, from int) int {
	var quote rune
	for i := from; i < len(r); i++ {
		switch c := r[i]; {
		case quote != 0:
			if c == quote {
				quote = 0
			} else if c == '\\' && quote == '"' {
				i++
			}
		case c == '"' || c == '\'':
			if i == from || r[i-1] == ' ' || strings.ContainsRune("[{,:", r[i-1]) {
				quote = c
			}
		case c == '#' && (i == 0 || r[i-1] == ' ' || r[i-1] == '\t'):
			return i
		}
	}
	return len(r)
}

// openQuote: a quoted value not closed on its line runs on to the next
// quote of the file, where the parser stops, far from the mistake.
func (s syntaxError) openQuote() mistake {
	prev := s.tk.Prev
	var kind string
	switch {
	case strings.HasPrefix(s.msg, "could not find end character of double-quoted text"):
		kind = "double"
	case strings.HasPrefix(s.msg, "could not find end character of single-quoted text"):
		kind = "single"
	case prev != nil && prev.Position != nil && prev.Position.Line < s.tk.Position.Line &&
		(prev.Type == token.DoubleQuoteType || prev.Type == token.SingleQuoteType) &&
		!closedOnItsLine(s.layout(prev.Position.Line).text, prev.Position.Column-1):
		kind = "double"
		if prev.Type == token.SingleQuoteType {
			kind = "single"
		}
		line, col := prev.Position.Line, prev.Position.Column
		at := s.layout(line)
		return mistake{line: line, col: col, message: fmt.Sprintf(
			"the %s quote that opens %s is not closed on its line, so the value runs on to the next quote, on line %d: end the value with %s on this line",
			kind, at.what(col-1), s.tk.Position.Line, quoteChar(kind))}
	default:
		return mistake{}
	}
	line, col := s.tk.Position.Line, s.tk.Position.Column
	at := s.layout(line)
	// The token's column is the quote's, or the blank before it.
	for col-1 < len(at.text) && at.text[col-1] == ' ' {
		col++
	}
	msg := fmt.Sprintf("the %s quote that opens %s is never closed: end the value with %s", kind, at.what(col-1), quoteChar(kind))
	if kind == "double" && strings.HasSuffix(strings.TrimRight(string(at.text), " "), `\"`) {
		msg += `; the \" at its end is a quote inside the value, not its end (a backslash is written \\, or quote the value with single quotes, in which \ is itself)`
	}
	return mistake{line: line, col: col, message: msg}
}

// closedOnItsLine tells whether the quote at col of a line is closed on it.
func closedOnItsLine(r []rune, col int) bool {
	if col < 0 || col >= len(r) {
		return false
	}
	q := r[col]
	for i := col + 1; i < len(r); i++ {
		switch {
		case q == '"' && r[i] == '\\':
			i++
		case r[i] == q && q == '\'' && i+1 < len(r) && r[i+1] == '\'':
			i++
		case r[i] == q:
			return true
		}
	}
	return false
}

func quoteChar(kind string) string {
	if kind == "single" {
		return "'"
	}
	return `"`
}

// what names what begins at col of a line, for a message: "the value of
// title", "a list item", "an entry of keywords".
func (l lineLayout) what(col int) string {
	switch {
	case l.key != "" && col == l.valueCol:
		return "the value of " + l.key
	case l.key != "" && col > l.valueCol && l.value != "" && strings.ContainsRune("[{", rune(l.value[0])):
		return "an entry of " + l.key
	case len(l.dashes) > 0 && col > l.valueCol && l.value != "" && strings.ContainsRune("[{", rune(l.value[0])):
		return "an entry of the list item"
	case len(l.dashes) > 0 && col == l.valueCol:
		return "a list item"
	}
	return "a value"
}

// badStart: a value beginning with a character YAML reads as something
// other than text.
func (s syntaxError) badStart(line int, at lineLayout) mistake {
	if at.value == "" || at.blank {
		return mistake{}
	}
	col := at.valueCol + 1
	v := at.value
	var why string
	switch c := v[0]; {
	case c == '@' || c == '`':
		why = fmt.Sprintf("a value cannot begin with %c, which YAML reserves", c)
	case c == '%':
		why = "a value cannot begin with %, which starts a YAML directive"
	case c == '*':
		why = "a value that begins with * is an alias (of an anchor written &name before)"
	case c == '&':
		why = "a value that begins with & sets an anchor (&name), not text"
	case c == '!':
		why = "a value that begins with ! is a YAML tag"
	case (c == '|' || c == '>') && strings.HasPrefix(s.msg, "invalid header option"):
		why = fmt.Sprintf("a value that begins with %c starts a block of text on the lines below it, and nothing but a comment may follow the %c", c, c)
	case (c == '[' || c == '{') && s.tk.Position.Line == line && s.tk.Value != "]" && s.tk.Value != "}" && s.tk.Prev != nil && s.tk.Prev.Position != nil &&
		s.tk.Prev.Position.Line == line && (s.tk.Prev.Type == token.SequenceEndType || s.tk.Prev.Type == token.MappingEndType) &&
		strings.HasPrefix(s.msg, "value is not allowed in this context") && s.tk.Position.Column > col:
		close := ']'
		what := "list"
		if c == '{' {
			close, what = '}', "mapping"
		}
		why = fmt.Sprintf("a value that begins with %c is a %s, and text follows its %c", c, what, close)
	default:
		return mistake{}
	}
	return mistake{line: line, col: col, message: why + ": quote the value" + suggestion(at, yamlQuote(v))}
}

// suggestion writes the line as it should be, when it is short enough to
// read in a message: " (title: "[Video] Lễ hội")".
func suggestion(at lineLayout, value string) string {
	if at.masked {
		return ""
	}
	var b strings.Builder
	switch {
	case at.key != "":
		b.WriteString(at.key + ": ")
	case len(at.dashes) > 0:
		b.WriteString("- ")
	}
	b.WriteString(value)
	if len([]rune(b.String())) > 100 {
		return ""
	}
	return " (" + b.String() + ")"
}

// yamlQuote quotes text so that YAML reads it back as it is: in double
// quotes, unless it holds a double quote or a backslash and no single one.
func yamlQuote(text string) string {
	if strings.ContainsAny(text, `"\`) && !strings.Contains(text, "'") {
		return "'" + text + "'"
	}
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(text) + `"`
}

// afterQuote: text after a quoted value's closing quote (`listen: "a"b`),
// most often a quote meant to be inside the value.
func (s syntaxError) afterQuote(line int, at lineLayout) mistake {
	prev := s.tk.Prev
	if prev == nil || prev.Position == nil || prev.Position.Line != line || s.tk.Position.Line != line ||
		(prev.Type != token.DoubleQuoteType && prev.Type != token.SingleQuoteType) {
		return mistake{}
	}
	q := '"'
	if prev.Type == token.SingleQuoteType {
		q = '\''
	}
	col := s.tk.Position.Column
	open := prev.Position.Column - 1
	what := at.what(open)
	msg := fmt.Sprintf("text after a quoted value: the quote before %s ends %s", quoteWord(at.text, col-1), what)
	v := []rune(at.value)
	if open == at.valueCol && len(v) > 2 && v[len(v)-1] == q {
		// The value was meant to hold the quote: quoted as a whole, the
		// way its quotes allow.
		inner := string(v[1 : len(v)-1])
		if q == '\'' {
			msg += "; a ' inside single quotes is written ''"
			inner = strings.ReplaceAll(inner, "''", "'")
		} else {
			msg += `; a " inside double quotes is written \"`
		}
		return mistake{line: line, col: col, message: msg + ", or quote it with the other quotes" + suggestion(at, yamlQuote(inner))}
	}
	return mistake{line: line, col: col, message: msg + ": put all of the value inside the quotes"}
}

// quoteWord quotes the word that begins at col of r, for a message.
func quoteWord(r []rune, col int) string {
	end := col
	for end < len(r) && r[end] != ' ' && r[end] != ',' && r[end] != ']' && r[end] != '}' {
		end++
	}
	return strconv.Quote(string(r[col:end]))
}

// unknownEscape: a backslash in a double-quoted value that starts no YAML
// escape, as in a Windows path.
func (s syntaxError) unknownEscape(line int, at lineLayout) mistake {
	col := 0
	for i := at.valueCol; i+1 < len(at.text); i++ {
		if at.text[i] == '\\' {
			if !strings.ContainsRune(`0abt	nvfre "/\N_LPxuU`, at.text[i+1]) {
				col = i + 1
				break
			}
			i++
		}
	}
	if col == 0 {
		return mistake{}
	}
	msg := fmt.Sprintf(`\%c is no escape in a double-quoted value: write \\ for a backslash, or quote the value with single quotes, in which \ is itself`, at.text[col])
	if v := []rune(at.value); len(v) > 2 && v[0] == '"' && v[len(v)-1] == '"' && !strings.ContainsRune(string(v[1:len(v)-1]), '\'') {
		msg += suggestion(at, "'"+string(v[1:len(v)-1])+"'")
	}
	return mistake{line: line, col: col, message: msg}
}

// brackets: a [ or { that is not closed, or a ] or } that closes nothing.
func (s syntaxError) brackets() mistake {
	line, col := s.tk.Position.Line, s.tk.Position.Column
	atEnd := strings.Contains(s.msg, "end token") || strings.Contains(s.msg, "not found")
	unclosed := atEnd || strings.Contains(s.msg, "must be specified")
	stray := s.tk.Type == token.SequenceEndType || s.tk.Type == token.MappingEndType || s.tk.Value == "]" || s.tk.Value == "}"
	if !unclosed && !stray {
		return mistake{}
	}
	type opener struct {
		line, col int
		c         rune
	}
	var open []opener
	last := line
	if atEnd {
		last = len(s.lines)
	}
	for n := 1; n <= last; n++ {
		at := s.layout(n)
		if at.blank {
			continue
		}
		end := commentStart(at.text, 0)
		if n == line && !atEnd {
			end = min(end, col-1)
		}
		var quote rune
		for i := 0; i < end; i++ {
			switch c := at.text[i]; {
			case quote != 0:
				if c == quote {
					quote = 0
				}
			case c == '"' || c == '\'':
				quote = c
			case c == '[' || c == '{':
				open = append(open, opener{n, i + 1, c})
			case c == ']' || c == '}':
				if len(open) > 0 {
					open = open[:len(open)-1]
				}
			}
		}
	}
	switch {
	case stray && len(open) == 0:
		c := s.tk.Value
		o := map[string]string{"]": "[", "}": "{"}[c]
		return mistake{line: line, col: col, message: fmt.Sprintf("a %s that closes no %s: remove it", c, o)}
	case unclosed && len(open) > 0:
		o := open[len(open)-1]
		at := s.layout(o.line)
		close, what := ']', "list"
		if o.c == '{' {
			close, what = '}', "mapping"
		}
		where := fmt.Sprintf("before line %d", line)
		if line == o.line {
			where = "on its line"
		}
		if atEnd {
			where = "before the end of the file"
		}
		return mistake{line: o.line, col: o.col, message: fmt.Sprintf("the %c that opens %s is not closed %s: end the %s with %c, its entries separated by commas",
			o.c, at.what(o.col-1), where, what, close)}
	}
	return mistake{}
}

// continuation is the line, after line, where a plain value that the
// token at line and col begins and that goes on over the next lines meets
// a "key: "; 0 when the value ends on its own line.
func (s syntaxError) continuation(line, col int) int {
	if s.tk.Type == token.SequenceEntryType || line < 1 || line > len(s.lines) {
		return 0
	}
	r := []rune(s.lines[line-1])
	if col < 1 || col > len(r) {
		return 0
	}
	rest := strings.TrimSpace(string(r[col-1 : commentStart(r, col-1)]))
	if strings.HasPrefix(rest, s.tk.Value) || !strings.HasPrefix(s.tk.Value, rest) {
		return 0
	}
	for n := line + 1; n <= len(s.lines); n++ {
		if at := s.layout(n); !at.blank && (at.key != "" || len(at.dashes) > 0) {
			return n
		}
	}
	return 0
}

// level is a mapping's key or a list's item that the lines so far leave
// open: a line indented to its column is another of its kind.
type level struct {
	col, line int
	key       string // "" for a list item
	value     string // what follows on its line
}

// openLevels are the levels the lines before line n leave open, outermost
// first.
func (s syntaxError) openLevels(n int) []level {
	var open []level
	block := -1 // the column a block scalar's text is indented past
	for i := 1; i < n && i <= len(s.lines); i++ {
		// Only the structure counts, and the keys: no value is shown,
		// and the lines need no masking.
		at := layoutRunes([]rune(s.lines[i-1]))
		if at.blank {
			continue
		}
		if block >= 0 && at.indent > block {
			continue
		}
		block = -1
		first := at.indent
		for len(open) > 0 {
			top := open[len(open)-1]
			// A list may be written at its key's column ("key:" then
			// "- item").
			if top.col < first || top.col == first && top.key != "" && top.value == "" && len(at.dashes) > 0 {
				break
			}
			open = open[:len(open)-1]
		}
		for j, d := range at.dashes {
			v := ""
			if j == len(at.dashes)-1 && at.key == "" {
				v = at.value
			}
			open = append(open, level{col: d, line: i, value: v})
		}
		if at.key != "" {
			open = append(open, level{col: at.keyCol, line: i, key: at.key, value: at.value})
			if strings.HasPrefix(at.value, "|") || strings.HasPrefix(at.value, ">") {
				block = at.indent
			}
		}
	}
	return open
}

// misindented: a key at line n lines up with none of the keys open before
// it.
func (s syntaxError) misindented(n int) mistake {
	at := s.layout(n)
	if at.key == "" || len(at.dashes) > 0 {
		return mistake{}
	}
	open := s.openLevels(n)
	if len(open) == 0 {
		return mistake{}
	}
	x := at.keyCol
	top := open[len(open)-1]
	m := mistake{line: n, col: x + 1, from: top.line}
	if open[0].col > 0 && x < open[0].col {
		m.from = open[0].line
		m.message = fmt.Sprintf("the first key of the file (%s, line %d) is indented %s, and line %d is indented %s: top-level keys begin at the start of their line",
			open[0].key, open[0].line, spaces(open[0].col), n, spaces(x))
		return m
	}
	if top.key == "" {
		if x == top.col {
			m.message = fmt.Sprintf("line %d is a key at the indentation of the list item of line %d: a list and the keys of a mapping cannot share one level; give the list a key of its own, alone on its line (key:), its items below it", n, top.line)
			return m
		}
		m.message = fmt.Sprintf("line %d is indented %s, but the list item before it (line %d) at %d holds a single value: indented further, line %d reads as more of that value; a key of a list entry follows its - on the entry's first line, and its other keys line up with it",
			n, spaces(x), top.line, top.col, n)
		return m
	}
	if x == top.col {
		return mistake{}
	}
	for i := len(open) - 1; i >= 0; i-- {
		if open[i].col == x {
			// A list with no key of its own (a key with it is a line
			// that lost its indentation).
			if open[i].key == "" && !slices.ContainsFunc(open[:i], func(l level) bool { return l.key != "" }) {
				m.from = open[i].line
				m.message = fmt.Sprintf("line %d is a key at the indentation of the list item of line %d: a list and the keys of a mapping cannot share one level; give the list a key of its own, alone on its line (key:), its items below it", n, open[i].line)
				return m
			}
			break
		}
	}
	m.message = fmt.Sprintf("line %d is indented %s, but the key before it (%s, line %d) at %d: keys of one mapping must line up", n, spaces(x), top.key, top.line, top.col)
	if x > top.col && top.value != "" {
		m.message += fmt.Sprintf(" (indented further, line %d reads as more of %s's value)", n, top.key)
	}
	// The keys it may have been meant to line up with, nearest first
	// (the latest, of two as near).
	var options []string
	seen := map[int]bool{x: true}
	for len(options) < 2 {
		best := -1
		for i := len(open) - 1; i >= 0; i-- {
			if l := open[i]; l.key != "" && !seen[l.col] && (best < 0 || abs(l.col-x) < abs(open[best].col-x)) {
				best = i
			}
		}
		if best < 0 {
			break
		}
		seen[open[best].col] = true
		o := open[best]
		if len(options) == 0 {
			options = append(options, fmt.Sprintf("%s, as %s", spaces(o.col), o.key))
		} else {
			options = append(options, fmt.Sprintf("%d, as %s", o.col, o.key))
		}
	}
	m.message += fmt.Sprintf("; indent %s %s", at.key, strings.Join(options, ", or "))
	return m
}

// misplacedItem: a list item at line n where the lines before it leave no
// list open at its column.
func (s syntaxError) misplacedItem(n int) mistake {
	at := s.layout(n)
	if len(at.dashes) == 0 {
		return mistake{}
	}
	x := at.dashes[0]
	open := s.openLevels(n)
	for i := len(open) - 1; i >= 0; i-- {
		if l := open[i]; l.key == "" {
			if l.col == x {
				return mistake{}
			}
			return mistake{line: n, col: x + 1, from: l.line, message: fmt.Sprintf(
				"line %d is a list item indented %s, but the item before it (line %d) at %d: items of one list must line up", n, spaces(x), l.line, l.col)}
		}
	}
	if len(open) == 0 {
		return mistake{}
	}
	top := open[len(open)-1]
	return mistake{line: n, col: x + 1, from: top.line, message: fmt.Sprintf(
		"line %d is a list item, but the key before it (%s, line %d) has a value on its line: a list goes under a key of its own, alone on its line (key:), its items below it",
		n, top.key, top.line)}
}

// colonInValue: ": " inside a plain value, which YAML reads as a key.
func colonInValue(line, col int, at lineLayout) mistake {
	r := at.text
	end := commentStart(r, col-1)
	for i := col - 1; i < end; i++ {
		if r[i] != ':' {
			continue
		}
		where := "followed by a space inside"
		if i+1 == end || strings.TrimSpace(string(r[i+1:end])) == "" {
			where = "at the end of"
		} else if r[i+1] != ' ' && r[i+1] != '\t' {
			continue
		}
		of := "a value"
		if at.key != "" {
			of = "the value of " + at.key
		}
		value := strings.TrimRight(string(r[col-1:end]), " \t")
		return mistake{line: line, col: i + 1, message: fmt.Sprintf("a colon %s %s: quote the value%s", where, of, suggestion(at, yamlQuote(value)))}
	}
	return mistake{}
}

// flowColon finds a colon followed by a space inside a value in braces
// ({id: a, title: Tin: x}), which go.yaml.in/yaml/v3 refuses without a
// line and goccy/go-yaml takes.
func flowColon(lines []string) mistake {
	for n, line := range lines {
		if !strings.ContainsRune(line, '{') {
			continue
		}
		at := layoutOf(line)
		r := at.text
		var open []rune
		var quote rune
		entry, colons := 0, 0 // where the entry in braces began; its colons so far
		for i := 0; i < commentStart(r, 0); i++ {
			switch c := r[i]; {
			case quote != 0:
				if c == quote {
					quote = 0
				}
			case c == '"' || c == '\'':
				quote = c
			case c == '{' || c == '[':
				open = append(open, c)
				entry, colons = i+1, 0
			case c == '}' || c == ']':
				if len(open) > 0 {
					open = open[:len(open)-1]
				}
			case c == ',':
				entry, colons = i+1, 0
			case c == ':' && len(open) > 0 && open[len(open)-1] == '{' && (i+1 == len(r) || r[i+1] == ' '):
				if colons++; colons < 2 {
					continue
				}
				key, _, _ := strings.Cut(strings.TrimSpace(string(r[entry:i])), ":")
				valueStart := entry + strings.Index(string(r[entry:i]), ":") + 1
				end := i
				for end < len(r) && r[end] != ',' && r[end] != '}' {
					end++
				}
				value := strings.TrimSpace(string(r[valueStart:end]))
				fix := ""
				if !at.masked {
					fix = fmt.Sprintf(" (%s: %s)", key, yamlQuote(value))
				}
				return mistake{line: n + 1, col: i + 1, message: fmt.Sprintf("a colon followed by a space inside the value of %s: quote the value%s", key, fix)}
			}
		}
	}
	return mistake{}
}

// noSpaceAfterColon: "listen:127.0.0.1:8080", a key without the space that
// makes it one.
var keyWithoutSpace = regexp.MustCompile(`^([A-Za-z_][A-Za-z0-9_]*):([^\s:/].*)$`)

func noSpaceAfterColon(line int, at lineLayout) mistake {
	rest := strings.TrimRight(string(at.text[at.valueCol:commentStart(at.text, at.valueCol)]), " ")
	m := keyWithoutSpace.FindStringSubmatch(rest)
	if at.key != "" || m == nil {
		return mistake{}
	}
	col := at.valueCol + len([]rune(m[1])) + 2
	return mistake{line: line, col: col, message: fmt.Sprintf("no space after the colon of %s: a key's colon is followed by a space (%s: %s)", m[1], m[1], m[2])}
}

// noSpaceAfterDash: "-id: a", a list item without the space that makes it
// one.
func noSpaceAfterDash(line int, at lineLayout) mistake {
	r := at.text
	i := at.indent
	if at.blank || i+1 >= len(r) || r[i] != '-' || r[i+1] == ' ' || r[i+1] == '-' || unicode.IsDigit(r[i+1]) {
		return mistake{}
	}
	return mistake{line: line, col: i + 2, message: fmt.Sprintf("no space after the - of a list item: write - %s", strings.TrimSpace(string(r[i+1:])))}
}

// missingColon: a line among keys that is neither a key nor a list item.
func missingColon(line int, at lineLayout) mistake {
	text := strings.TrimSpace(at.value)
	word, rest, ok := strings.Cut(text, " ")
	if !ok {
		return mistake{line: line, col: at.indent + 1, message: fmt.Sprintf(
			"line %d (%s) is neither key: value nor a list item: add a colon and a value (%s: …), or remove it", line, text, text)}
	}
	return mistake{line: line, col: at.indent + len([]rune(word)) + 1, message: fmt.Sprintf(
		"line %d is neither key: value nor a list item: is the colon after %s missing? (%s: %s)", line, word, word, strings.TrimSpace(rest))}
}

func spaces(n int) string {
	if n == 1 {
		return "1 space"
	}
	return fmt.Sprintf("%d spaces", n)
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}

// tabIndented reports whether line (1-based) begins with white space that
// holds a tab.
func tabIndented(lines []string, line int) bool {
	if line < 1 || line > len(lines) {
		return false
	}
	l := lines[line-1]
	indent := l[:len(l)-len(strings.TrimLeft(l, " \t"))]
	return strings.IndexByte(indent, '\t') >= 0
}

// maxExcerptWidth is how many characters of a line an excerpt shows: a
// config written on one line shows the part around the column.
const maxExcerptWidth = 100

// excerpt shows line (1-based) of lines with a caret under col, as good
// compilers do, with the lines from from (when within a few lines before):
//
//	2 |   - id: a
//	3 |    title: x
//	  |    ^
//
// Control characters are shown as spaces and secrets (a token's value, a
// URL's password and keys) as x, so that it can go where the config's own
// text may not (the status page, the log).
func excerpt(lines []string, from, line, col int) string {
	if line < 1 || line > len(lines) {
		return ""
	}
	if from < 1 || from >= line || line-from > 4 {
		from = line
	}
	gutter := len(strconv.Itoa(line))
	var b strings.Builder
	for n := from; n <= line; n++ {
		r := shown(lines[n-1])
		start := 0
		if n == line && len(r) > maxExcerptWidth {
			start = max(0, min(col-1-maxExcerptWidth/2, len(r)-maxExcerptWidth))
		}
		text := cut(r, start)
		fmt.Fprintf(&b, "%*d | %s\n", gutter, n, strings.TrimRight(text, " "))
		if n == line && col >= 1 {
			var caret strings.Builder
			if start > 0 {
				caret.WriteByte(' ') // under the "…"
			}
			for _, c := range r[start:min(col-1, len(r))] {
				switch {
				case c == '\t':
					caret.WriteByte('\t')
				case unicode.Is(unicode.Mn, c):
				case width.LookupRune(c).Kind() == width.EastAsianWide || width.LookupRune(c).Kind() == width.EastAsianFullwidth:
					caret.WriteString("  ")
				default:
					caret.WriteByte(' ')
				}
			}
			fmt.Fprintf(&b, "%*s | %s^", gutter, "", caret.String())
		}
	}
	return b.String()
}

// cut is r from start, at most maxExcerptWidth characters, with "…" where
// it is cut.
func cut(r []rune, start int) string {
	end := min(len(r), start+maxExcerptWidth)
	s := string(r[start:end])
	if start > 0 {
		s = "…" + s
	}
	if end < len(r) {
		s += "…"
	}
	return s
}

// secretValue finds a key whose value is a secret (token, secret,
// admin_token) and the value that follows it on its line.
var secretValue = regexp.MustCompile(`(^|[\s{,])([A-Za-z_]*(?:token|secret|password)[A-Za-z_]*)(\s*:\s*)((?:"[^"]*"?|'[^']*'?)?[^,}#]*)`)

// urlSecrets finds the user info of a URL, and the value of a query
// parameter, to be masked when its name says it holds a secret.
var (
	urlUserInfo = regexp.MustCompile(`(?i)\b[a-z][a-z0-9+.-]*://([^\s/?#@"']*)@`)
	queryParam  = regexp.MustCompile(`[?&]([^=&#\s"']+)=([^&#\s"',}\]]*)`)
)

// shown is a line as an excerpt shows it: control and bidirectional
// characters as spaces, secrets as x, the length kept so that the caret
// lines up.
func shown(line string) []rune {
	r := []rune(line)
	for i, c := range r {
		if c != '\t' && (unicode.IsControl(c) || unicode.Is(unicode.Cf, c)) {
			r[i] = ' '
		}
	}
	s := string(r)
	var spans [][2]int // byte ranges of s to mask
	if strings.Contains(s, "token") || strings.Contains(s, "secret") || strings.Contains(s, "password") {
		for _, m := range secretValue.FindAllStringSubmatchIndex(s, -1) {
			spans = append(spans, [2]int{m[8], m[9]})
		}
	}
	if strings.Contains(s, "@") {
		for _, m := range urlUserInfo.FindAllStringSubmatchIndex(s, -1) {
			spans = append(spans, [2]int{m[2], m[3]})
		}
	}
	if strings.Contains(s, "=") {
		for _, m := range queryParam.FindAllStringSubmatchIndex(s, -1) {
			if urlsafe.Secret(s[m[2]:m[3]]) {
				spans = append(spans, [2]int{m[4], m[5]})
			}
		}
	}
	if len(spans) == 0 {
		return r
	}
	b := []byte(s)
	masked := make([]bool, len(b))
	for _, sp := range spans {
		for i := sp[0]; i < sp[1]; i++ {
			masked[i] = true
		}
	}
	out := make([]rune, 0, len(r))
	for i, c := range s {
		if masked[i] && c != '"' && c != '\'' {
			c = 'x'
		}
		out = append(out, c)
	}
	return out
}
