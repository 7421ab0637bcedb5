package config

import (
	"errors"
	"strings"
	"testing"
)

// TestSyntaxMistakes: each mistake an admin makes editing config.yaml by
// hand is said as what is wrong and what to do, at the line to change, with
// that line shown and a caret under the column.
func TestSyntaxMistakes(t *testing.T) {
	for _, tc := range []struct {
		name    string
		yaml    string
		line    int
		message []string // what the message says, in order
		excerpt string   // "" to leave unchecked
	}{
		{"key indented less than the one before", "sources:\n  - id: baohagiang\n   title: Báo Hà Giang\n", 3,
			[]string{"line 3 is indented 3 spaces, but the key before it (id, line 2) at 4: keys of one mapping must line up", "indent title 4 spaces, as id, or 0, as sources"},
			"2 |   - id: baohagiang\n3 |    title: Báo Hà Giang\n  |    ^"},
		{"key at the list item's dash", "sources:\n  - id: vov\n  title: VOV\n", 3,
			[]string{"line 3 is indented 2 spaces, but the key before it (id, line 2) at 4"}, ""},
		{"key under a key with a value", "poll:\n  interval: 15m\n    timeout: 20s\n", 3,
			[]string{"line 3 is indented 4 spaces, but the key before it (interval, line 2) at 2", "reads as more of interval's value", "indent timeout 2 spaces, as interval"},
			"2 |   interval: 15m\n3 |     timeout: 20s\n  |     ^"},
		{"key between two levels", "identity:\n  join: true\n window: 72h\n", 3,
			[]string{"line 3 is indented 1 space, but the key before it (join, line 2) at 2", "indent window 2 spaces, as join, or 0, as identity"}, ""},
		{"key after a block of text", "categories:\n  - id: du-lich\n    description: |\n      Tin du lịch\n   title: Du lịch\n", 5,
			[]string{"line 5 is indented 3 spaces, but the key before it (description, line 3) at 4"}, ""},
		{"key after a quoted value", "sources:\n  - id: a\n    url: \"https://a.example.vn/rss?page=\\\"1\\\"\"\n   title: Báo A\n", 4,
			[]string{"line 4 is indented 3 spaces, but the key before it (url, line 3) at 4"}, ""},
		{"key after a single-quoted value", "sources:\n  - id: a\n    title: 'Báo ''A'''\n   url: https://a.example.vn/rss\n", 4,
			[]string{"line 4 is indented 3 spaces, but the key before it (title, line 3) at 4"}, ""},
		{"first key indented", " listen: 127.0.0.1:8080\nsources: []\n", 2,
			[]string{"the first key of the file (listen, line 1) is indented 1 space", "top-level keys begin at the start of their line"}, ""},
		{"list item out of line", "sources:\n  - id: a\n    url: https://a.example.vn/rss\n   - id: b\n", 4,
			[]string{"line 4 is a list item indented 3 spaces, but the item before it (line 2) at 2: items of one list must line up"}, ""},
		{"list item beside a key", "listen: 127.0.0.1:8080\n- id: baohagiang\n", 2,
			[]string{"line 2 is a list item, but the key before it (listen, line 1) has a value on its line", "a list goes under a key of its own"}, ""},
		{"key beside a list", "- id: a\nlisten: 127.0.0.1:8080\n", 2,
			[]string{"line 2 is a key at the indentation of the list item of line 1"}, ""},
		{"colon in a value", "listen: a: b\n", 1,
			[]string{`a colon followed by a space inside the value of listen: quote the value (listen: "a: b")`},
			"1 | listen: a: b\n  |          ^"},
		{"colon in a title", "sources:\n  - id: a\n    title: Hà Giang: tin mới\n", 3,
			[]string{`a colon followed by a space inside the value of title: quote the value (title: "Hà Giang: tin mới")`},
			"3 |     title: Hà Giang: tin mới\n  |                    ^"},
		{"colon in a value in braces", "sources:\n  - {id: a, title: \"Tin: mới\", url: \"https://a.example.vn/rss\"}\n  - {id: b, title: Hà Giang: tin mới, url: \"https://b.example.vn/rss\"}\n", 3,
			[]string{`a colon followed by a space inside the value of title: quote the value (title: "Hà Giang: tin mới")`},
			"3 |   - {id: b, title: Hà Giang: tin mới, url: \"https://b.example.vn/rss\"}\n  |                            ^"},
		{"colon in a value before a comment", "sources:\n  - id: a\n    title: Tin hay: số 1 # ghi chú: tạm\n", 3,
			[]string{`quote the value (title: "Tin hay: số 1")`}, ""},
		{"colon ending a value", "default_category: thoi-su:\n", 1,
			[]string{`a colon at the end of the value of default_category: quote the value (default_category: "thoi-su:")`}, ""},
		{"text after a quoted value", "listen: \"a\"b\n", 1,
			[]string{`text after a quoted value: the quote before "b" ends the value of listen: put all of the value inside the quotes`},
			"1 | listen: \"a\"b\n  |            ^"},
		{"double quote inside double quotes", "sources:\n  - id: a\n    title: \"Báo \"Hà Giang\"\"\n", 3,
			[]string{"text after a quoted value", `a " inside double quotes is written \"`, `(title: 'Báo "Hà Giang"')`}, ""},
		{"single quote inside single quotes", "categories:\n  - {id: a, title: 'Người ta nói 'tốt''}\n", 2,
			[]string{"text after a quoted value", "an entry of the list item"}, ""},
		{"apostrophe", "title: 'It's news'\n", 1,
			[]string{"a ' inside single quotes is written ''", `(title: "It's news")`}, ""},
		{"quoted keyword followed by text", "categories:\n  - id: x\n    keywords: [du lịch, \"lễ hội\" mùa xuân]\n", 3,
			[]string{`text after a quoted value: the quote before "mùa" ends an entry of keywords`}, ""},
		{"quote never closed", "sources:\n  - id: a\n    url: \"https://a.example.vn/rss\n", 3,
			[]string{`the double quote that opens the value of url is never closed: end the value with "`},
			"3 |     url: \"https://a.example.vn/rss\n  |          ^"},
		{"quote closed lines later", "sources:\n  - id: a\n    url: \"https://a.example.vn/rss\n  - id: b\n    title: \"B\"\n", 3,
			[]string{"the double quote that opens the value of url is not closed on its line", "on line 5"}, ""},
		{"backslash before the closing quote", "data_dir: \"D:\\newswire\\\"\n", 1,
			[]string{`the \" at its end is a quote inside the value`}, ""},
		{"Windows path", "data_dir: \"C:\\newswire\\data\"\n", 1,
			[]string{`\d is no escape in a double-quoted value: write \\ for a backslash`, `(data_dir: 'C:\newswire\data')`},
			"1 | data_dir: \"C:\\newswire\\data\"\n  |                       ^"},
		{"list not closed", "sources:\n  - id: vov\n    categories: [thoi-su\ncategories: []\n", 3,
			[]string{"the [ that opens the value of categories is not closed before line 4: end the list with ]"},
			"3 |     categories: [thoi-su\n  |                 ^"},
		{"list not closed at the end", "categories: [thoi-su, du-lich\n", 1,
			[]string{"the [ that opens the value of categories is not closed before the end of the file"}, ""},
		{"mapping not closed", "sources:\n  - {id: a, url: https://a.example.vn/rss\n  - {id: b}\n", 2,
			[]string{"the { that opens a list item is not closed before line 3: end the mapping with }"}, ""},
		{"bracket closing nothing", "categories: [thoi-su]]\n", 1,
			[]string{"a ] that closes no [: remove it"}, ""},
		{"title in brackets", "sources:\n  - id: a\n    title: [Video] Hà Giang\n", 3,
			[]string{`a value that begins with [ is a list, and text follows its ]: quote the value (title: "[Video] Hà Giang")`},
			"3 |     title: [Video] Hà Giang\n  |            ^"},
		{"value beginning with @", "sources:\n  - id: a\n    title: @baohagiang\n", 3,
			[]string{`a value cannot begin with @`, `(title: "@baohagiang")`}, ""},
		{"value beginning with *", "sources:\n  - id: a\n    title: *Nóng* tin bão\n", 3,
			[]string{"a value that begins with * is an alias", `(title: "*Nóng* tin bão")`}, ""},
		{"value beginning with %", "listen: %x\n", 1, []string{"a value cannot begin with %"}, ""},
		{"block header", "sources:\n  - id: a\n    title: > Tin nóng\n", 3,
			[]string{"a value that begins with > starts a block of text", `(title: "> Tin nóng")`}, ""},
		{"no space after a colon", "listen:127.0.0.1:8080\nsources: []\n", 1,
			[]string{"no space after the colon of listen: a key's colon is followed by a space (listen: 127.0.0.1:8080)"},
			"1 | listen:127.0.0.1:8080\n  |        ^"},
		{"no space after a nested colon", "log:\n  level: info\n  format:json\n", 3,
			[]string{"no space after the colon of format", "(format: json)"}, ""},
		{"no space after a dash", "sources:\n  - id: a\n  -id: b\n", 3,
			[]string{"no space after the - of a list item: write - id: b"}, ""},
		{"no space after the first dash", "sources:\n  -id: a\n    url: https://a.example.vn/rss\n", 2,
			[]string{"no space after the - of a list item: write - id: a"}, ""},
		{"colon missing", "listen: 127.0.0.1:8080\ndata_dir ./data\nsources: []\n", 2,
			[]string{"line 2 is neither key: value nor a list item: is the colon after data_dir missing? (data_dir: ./data)"},
			"2 | data_dir ./data\n  |         ^"},
		{"a word alone", "listen: 127.0.0.1:8080\nsources\n", 2,
			[]string{"line 2 (sources) is neither key: value nor a list item"}, ""},
		{"tab", "sources:\n\t- {id: vov}\n", 2,
			[]string{"a tab indents this line; YAML indents with spaces only"}, "2 | \t- {id: vov}\n  | ^"},
		{"unknown alias", "categories: [{id: thoi-su}]\ndefault_category: *thoisu\n", 2,
			[]string{"unknown alias *thoisu: no anchor &thoisu is written before it"},
			"2 | default_category: *thoisu\n  |                   ^"},
		{"CRLF line ends", "a:\r\n  b: 1\r\n   c: 2\r\n", 3,
			[]string{"line 3 is indented 3 spaces, but the key before it (b, line 2) at 2"}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := onlyProblem(t, tc.yaml)
			if p.Line != tc.line {
				t.Errorf("line %d, want %d: %s", p.Line, tc.line, p)
			}
			if !strings.HasPrefix(p.Message, "invalid YAML: ") {
				t.Errorf("message %q does not begin with invalid YAML", p.Message)
			}
			rest := p.Message
			for _, w := range tc.message {
				i := strings.Index(rest, w)
				if i < 0 {
					t.Errorf("message %q does not say %q (after what it said before)", p.Message, w)
					break
				}
				rest = rest[i+len(w):]
			}
			if strings.Contains(p.Message, "\n") || strings.Contains(p.String(), "\n") {
				t.Errorf("message on more than one line: %q", p.Message)
			}
			if tc.excerpt != "" && p.Excerpt != tc.excerpt {
				t.Errorf("excerpt\n%s\nwant\n%s", p.Excerpt, tc.excerpt)
			}
			if p.Excerpt == "" || p.Column < 1 {
				t.Errorf("no excerpt, or no column: %+v", p)
			}
		})
	}
}

func onlyProblem(t *testing.T, yaml string) Problem {
	t.Helper()
	_, err := Parse([]byte(yaml), "config.yaml")
	var cerr *Error
	if !errors.As(err, &cerr) || len(cerr.Problems) != 1 {
		t.Fatalf("Parse = %v, want one problem", err)
	}
	return cerr.Problems[0]
}

// TestSyntaxExcerptSecrets: an excerpt and the message of a syntax error
// go where the config's secrets may not (the status page, the log): a
// token's value and a URL's password and keys are shown as x, as long as
// they are, so that the caret still points where it should.
func TestSyntaxExcerptSecrets(t *testing.T) {
	for _, tc := range []struct {
		name, yaml string
		secrets    []string
		excerpt    string
	}{
		{"admin token", "admin_token: \"s3cr3t-t0ken\"x9\n", []string{"s3cr3t", "x9"},
			"1 | admin_token: \"xxxxxxxxxxxx\"xx\n  |                            ^"},
		{"websub secret", "websub:\n  secret: 'hub-secret-0123456789' tail\n", []string{"hub-secret", "tail"}, ""},
		{"partner token", "partners:\n  - {name: vov, token: \"p4rtner\"oops}\n", []string{"p4rtner", "oops"}, ""},
		{"url password and key", "sources:\n  - id: a\n    url: https://user:pa55w0rd@a.example.vn/rss?api_key=k3y&page=1: more\n", []string{"pa55w0rd", "k3y"},
			"3 |     url: https://xxxxxxxxxxxxx@a.example.vn/rss?api_key=xxx&page=1: more\n  |                                                                   ^"},
		{"token with no space", "admin_token:\"s3cr3t\"x\n", []string{"s3cr3t"}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := onlyProblem(t, tc.yaml)
			for _, s := range tc.secrets {
				if strings.Contains(p.Message, s) || strings.Contains(p.Excerpt, s) {
					t.Errorf("%q shown:\n%s\n%s", s, p, p.Excerpt)
				}
			}
			if tc.excerpt != "" && p.Excerpt != tc.excerpt {
				t.Errorf("excerpt\n%s\nwant\n%s", p.Excerpt, tc.excerpt)
			}
		})
	}
}

// TestSyntaxExcerptLongLine: a config written on one long line shows the
// part of it around the column, the caret under it.
func TestSyntaxExcerptLongLine(t *testing.T) {
	var b strings.Builder
	b.WriteString("sources: [")
	for i := range 40 {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString("{id: nguon-so-" + strings.Repeat("a", i%3) + "}")
	}
	b.WriteString(", {id: x, title: \"Tin\"hay}]\n")
	p := onlyProblem(t, b.String())
	lines := strings.Split(p.Excerpt, "\n")
	if len(lines) != 2 {
		t.Fatalf("excerpt:\n%s", p.Excerpt)
	}
	text, caret := []rune(lines[0]), []rune(lines[1])
	if len(text) > maxExcerptWidth+10 || !strings.Contains(lines[0], "…") {
		t.Errorf("a line of %d characters shown whole:\n%s", len(b.String()), p.Excerpt)
	}
	if at := len(caret) - 1; caret[at] != '^' || at >= len(text) || string(text[at:at+3]) != "hay" {
		t.Errorf("caret not under the text after the quote:\n%s", p.Excerpt)
	}
}

// TestMappingWhereTextWanted: a list item or value that a colon and a space
// make a mapping is said to be so, with the text quoted.
func TestMappingWhereTextWanted(t *testing.T) {
	_, err := Parse([]byte("filters:\n  drop_title_prefixes:\n    - Quảng cáo: tin\n  drop_keywords: [tin: hot]\nadmin_token:\n  abc: s3cr3t\nsources:\n  - id: a\n    url: https://a.example.vn/rss\n    title: {Báo: x}\ncategories: [{id: thoi-su}]\ndefault_category: thoi-su\n"), "config.yaml")
	var cerr *Error
	if !errors.As(err, &cerr) {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, p := range cerr.Problems {
		got[p.Path] = p.Message
	}
	for path, want := range map[string]string{
		"filters.drop_title_prefixes[0]": `want a single value, got a mapping (a colon followed by a space makes a key of what is before it: quote the text, "Quảng cáo: tin")`,
		"filters.drop_keywords[0]":       `quote the text, "tin: hot")`,
		"admin_token":                    "want a single value, got a mapping",
		"sources[0].title":               "want a single value, got a mapping",
	} {
		if !strings.Contains(got[path], want) {
			t.Errorf("%s: %q, want %q", path, got[path], want)
		}
	}
	if strings.Contains(got["admin_token"], "s3cr3t") || strings.Contains(got["sources[0].title"], "quote") {
		t.Errorf("a secret repeated, or a mapping in braces taken for text: %q, %q", got["admin_token"], got["sources[0].title"])
	}
}

// TestErrorExcerpt: an Error lists a syntax error's excerpt under its line,
// indented, where the daemon and the commands print it on refusing a config.
func TestErrorExcerpt(t *testing.T) {
	_, err := Parse([]byte("listen: a: b\n"), "config.yaml")
	want := "config: config.yaml: invalid YAML: a colon followed by a space inside the value of listen: quote the value (listen: \"a: b\") (line 1)\n" +
		"  1 | listen: a: b\n" +
		"    |          ^"
	if err == nil || err.Error() != want {
		t.Errorf("Error() =\n%v\nwant\n%s", err, want)
	}
}
