package feeds

import (
	"bytes"
	"encoding/xml"
	"html"
	"regexp"
	"slices"
	"strings"

	"github.com/cespare/xxhash/v2"
)

// An outlet's feed usually changes by one item at a time, and many rewrite
// their build date at every request, so that the body is new while nearly
// every item is the same to the byte. ParseChanged reads such a document
// without parsing those items again: it finds each item's bytes with a scan
// of the markup, and drops from the document the items its caller has seen,
// in the same place, before the parsers run.
//
// An item's parse depends on its own bytes and on its context: what comes
// before the root element (declaration, doctype), the start tags of the
// elements around it (namespaces, xml:base, RSS version), the options, the
// feed's language and, in Atom, the feed's authors. The first three are known
// before parsing (Layout.Context), the last two after it
// (Layout.ItemContext); an item is skipped only when both match the previous
// document's. A document the scan cannot follow to the end (JSON Feed, a
// doctype with its own declarations, items outside the usual place, an
// element left open, markup the scan does not know) is parsed whole.

// Layout says where the items of a parsed document are, so that the next
// document of the same source can skip those it repeats.
type Layout struct {
	// Context hashes what an item's parse depends on that is known before
	// parsing; zero when the document was not split and its items have no
	// Raw hash.
	Context uint64
	// ItemContext hashes what an item's conversion takes from the feed.
	ItemContext uint64
	// Raw holds each item's bytes hashed, in document order (items past
	// ParseOptions.MaxItems excluded).
	Raw []uint64
	// Parsed holds, for each item in document order, its index in
	// Feed.Items, or -1 when it was skipped as seen. Nil when the document
	// was not split: Feed.Items are then all its items.
	Parsed []int
}

// Items is how many items the document has, parsed or skipped.
func (l *Layout) Items(f *Feed) int {
	if l.Parsed == nil {
		return len(f.Items)
	}
	return len(l.Parsed)
}

// splitVersion changes whenever the scan or the parse of an item does, so
// that a running daemon's Contexts never match a new build's.
const splitVersion = "feeds-split-2"

// ParseChanged parses body as Parse does, except the items seen reports as
// parsed before, when prev holds the Context and ItemContext of the Layout
// that document returned and they are still the same: those it leaves out of
// Feed.Items and marks -1 in Layout.Parsed. With a zero prev.Context or a nil
// seen, it parses every item.
func ParseChanged(body []byte, opt ParseOptions, prev Layout, seen func(raw uint64) bool) (*Feed, Layout, error) {
	var (
		feed *Feed
		lay  Layout
	)
	_, err := guardParse(opt.FeedURL, func() (*Feed, error) {
		var err error
		feed, lay, err = parseChanged(body, opt, prev, seen)
		return feed, err
	})
	if err != nil {
		return nil, Layout{}, err
	}
	return feed, lay, nil
}

func parseChanged(body []byte, opt ParseOptions, prev Layout, seen func(raw uint64) bool) (*Feed, Layout, error) {
	utf, err := toUTF8(body, opt.ContentType)
	if err != nil {
		return nil, Layout{}, err
	}
	kind, err := detectFormat(utf)
	if err != nil {
		return nil, Layout{}, err
	}
	// whole parses the document whole; found is how many items the scan
	// of its markup found (Feed.Unread), or -1 when it made none.
	whole := func(found int) (*Feed, Layout, error) {
		feed, _, err := parseUTF8(utf, kind, opt)
		if err == nil && found >= 0 {
			feed.Unread = unreadOf(found, opt, feed)
		}
		return feed, Layout{}, err
	}
	if kind == formatJSON {
		return whole(-1)
	}
	sp, ok := scanFeed(utf, kind)
	if !ok {
		return whole(-1)
	}
	if repeatsKey(utf, sp.items) {
		// Which of them name one story and which several is told from
		// all of them (the poller's), parsed.
		return whole(len(sp.items))
	}
	// The items kept are sp.items[lo:lo+n]: the document's newest end,
	// as capItems keeps it in a whole parse.
	n, lo := len(sp.items), 0
	if opt.MaxItems > 0 && n > opt.MaxItems {
		if oldestFirst(n, func(i int) string { return rawDate(utf[sp.items[i].start:sp.items[i].end]) }) {
			lo = n - opt.MaxItems
		}
		n = opt.MaxItems
	}
	lay := Layout{Context: sp.context(utf, kind, opt), Raw: make([]uint64, n), Parsed: make([]int, n)}
	for i := range n {
		lay.Raw[i] = xxhash.Sum64(utf[sp.items[lo+i].start:sp.items[lo+i].end])
	}
	skip := make([]bool, n)
	skipped := 0
	if seen != nil && prev.Context == lay.Context {
		for i, raw := range lay.Raw {
			if seen(raw) {
				skip[i] = true
				skipped++
			}
		}
	}
	// The document as the parsers read it: without the skipped items, nor
	// those past the cap, which a whole parse would drop anyway.
	doc := utf
	if skipped > 0 || n < len(sp.items) {
		doc = make([]byte, 0, len(utf))
		pos := 0
		for i, it := range sp.items {
			if i >= lo && i < lo+n && !skip[i-lo] {
				continue
			}
			doc = append(doc, utf[pos:it.start]...)
			pos = it.end
		}
		doc = append(doc, utf[pos:]...)
	}
	feed, itemCtx, err := parseUTF8(doc, kind, opt)
	if err != nil {
		if skipped == 0 {
			return nil, Layout{}, err
		}
		return whole(len(sp.items)) // reported as the whole document's error
	}
	if len(feed.Items) != n-skipped {
		// The parsers saw the items otherwise than the scan did: a
		// malformed document, which gofeed's lenient reader reads in
		// part (whole says how many it did not).
		return whole(len(sp.items))
	}
	if skipped > 0 && itemCtx != prev.ItemContext {
		// The feed's language or authors changed: every item changes.
		return parseChanged(body, opt, Layout{}, nil)
	}
	lay.ItemContext = itemCtx
	j := 0
	for i := range n {
		if skip[i] {
			lay.Parsed[i] = -1
			continue
		}
		lay.Parsed[i] = j
		j++
	}
	return feed, lay, nil
}

// span is an element's bytes, from '<' of its start tag to after the '>'
// of its end tag.
type span struct{ start, end int }

// scanned is what scanFeed found: where the prologue ends, the start tags
// of the items' ancestors, and the items.
type scanned struct {
	prologue  int
	ancestors []span // start tags only
	items     []span
}

// context hashes what an item's parse depends on that lies outside it.
func (s *scanned) context(b []byte, kind format, opt ParseOptions) uint64 {
	d := NewDigest()
	d.String(splitVersion)
	d.Int(int64(kind))
	d.String(opt.FeedURL)
	loc := ""
	if opt.Location != nil {
		loc = opt.Location.String()
	}
	d.String(loc)
	d.String(string(b[:s.prologue]))
	for _, a := range s.ancestors {
		d.String(string(b[a.start:a.end]))
	}
	sum := d.Sum64()
	if sum == 0 {
		sum = 1 // zero means not split
	}
	return sum
}

// repeatsKey reports whether two of the items carry the same guid (RSS) or
// id (Atom), or the same link, as written.
func repeatsKey(b []byte, items []span) bool {
	keys := make([]uint64, 0, 2*len(items))
	for _, it := range items {
		item := b[it.start:it.end]
		for i, open := range keyElements {
			if key := elementText(item, open); len(key) > 0 {
				// The element's index keeps a guid from equalling a link.
				keys = append(keys, xxhash.Sum64(key)+uint64(i)*0x9e3779b97f4a7c15)
			}
		}
	}
	slices.Sort(keys)
	for i := 1; i < len(keys); i++ {
		if keys[i] == keys[i-1] {
			return true
		}
	}
	return false
}

// keyElements are the elements that identify an item, as "<" and a name:
// its guid (RSS), its id (Atom) and its link.
var keyElements = [][]byte{[]byte("<guid"), []byte("<id"), []byte("<link")}

// startTag finds, from index from of an item's bytes, the first start tag
// of the element that open names ("<" and a name: a longer name is another
// element). It returns what stands between the name and the tag's '>' (its
// attributes, and a '/' when it closes itself) and the index after the
// '>'; ok is false when there is none.
func startTag(item, open []byte, from int) (attrs []byte, end int, ok bool) {
	for i := from; ; {
		j := bytes.Index(item[i:], open)
		if j < 0 {
			return nil, 0, false
		}
		i += j + len(open)
		if i >= len(item) || item[i] != '>' && item[i] != '/' && !isSpace(item[i]) {
			continue // a longer name
		}
		gt := bytes.IndexByte(item[i:], '>')
		if gt < 0 {
			return nil, 0, false
		}
		return item[i : i+gt], i + gt + 1, true
	}
}

// elementText is the trimmed text of the first element open names in an
// item's bytes (its start tag may have attributes); nil when there is none,
// or when it closes itself.
func elementText(item, open []byte) []byte {
	for from := 0; ; {
		attrs, end, ok := startTag(item, open, from)
		switch {
		case !ok:
			return nil
		case len(attrs) > 0 && attrs[0] == '/':
			from = end // "<link/>": not the element looked for
			continue
		case len(attrs) > 0 && attrs[len(attrs)-1] == '/':
			return nil
		}
		text := item[end:]
		if i := bytes.IndexByte(text, '<'); i >= 0 {
			text = text[:i]
		}
		return bytes.TrimSpace(text)
	}
}

// textTypes are the type attributes of an Atom entry's title and summary:
// "text" when the element has none, "" when there is no such element. lang
// is the entry's own xml:lang, when hasLang says it has one.
type textTypes struct {
	title, summary string
	lang           string
	hasLang        bool
}

var titleOpen, summaryOpen = []byte("<title"), []byte("<summary")

// atomTextTypes reads the types of each of an Atom document's n entries'
// title and summary, and each entry's xml:lang, which gofeed does not keep;
// nil when the scan does not find exactly n entries.
func atomTextTypes(b []byte, n int) []textTypes {
	sp, ok := scanFeed(b, formatAtom)
	if !ok || len(sp.items) != n {
		return nil
	}
	out := make([]textTypes, n)
	for i, it := range sp.items {
		e := b[it.start:it.end]
		out[i] = textTypes{title: textType(e, titleOpen), summary: textType(e, summaryOpen)}
		if t, ok := nextToken(b, it.start); ok {
			if m := langAttr.FindSubmatch(b[it.start:t.end]); m != nil {
				out[i].lang, out[i].hasLang = html.UnescapeString(string(m[1])), true
			}
		}
	}
	return out
}

// langAttr finds a start tag's xml:lang attribute.
var langAttr = regexp.MustCompile(`\sxml:lang\s*=\s*["']([^"']*)["']`)

// atomEntryLangs is each of an Atom document's n entries' xml:lang (nil
// where an entry has none), read with encoding/xml where the scan of
// atomTextTypes could not follow the markup; nil when it finds other than n
// entries.
func atomEntryLangs(b []byte, n int) []*string {
	d := xml.NewDecoder(bytes.NewReader(b))
	d.Strict = false
	var (
		out   []*string
		depth int
	)
	for {
		tok, err := d.RawToken()
		if err != nil {
			break
		}
		switch t := tok.(type) {
		case xml.StartElement:
			depth++
			if depth == 2 && t.Name.Space == "" && t.Name.Local == "entry" {
				var lang *string
				for _, a := range t.Attr {
					if a.Name.Space == "xml" && a.Name.Local == "lang" {
						lang = &a.Value
					}
				}
				out = append(out, lang)
			}
		case xml.EndElement:
			depth--
		}
	}
	if len(out) != n {
		return nil
	}
	return out
}

// typeAttr finds a start tag's type attribute.
var typeAttr = regexp.MustCompile(`\stype\s*=\s*["']([^"']*)["']`)

// textType is the type of the first element open names in an entry's
// bytes (lower-cased, "text" when it has none), or "" when there is none.
func textType(entry, open []byte) string {
	attrs, _, ok := startTag(entry, open, 0)
	if !ok {
		return ""
	}
	if m := typeAttr.FindSubmatch(attrs); m != nil {
		return strings.ToLower(strings.TrimSpace(string(m[1])))
	}
	return "text"
}

// dateElements are the elements rawDate reads, in its order.
var dateElements = [][]byte{[]byte("<pubDate"), []byte("<dc:date"), []byte("<published"), []byte("<updated")}

// rawDate is the text of the first date element in an item's bytes, as a
// whole parse would read it for capItems: an RSS pubDate or dc:date, an
// Atom published or updated, written without attributes; "" when it has
// none or it holds markup.
func rawDate(item []byte) string {
	for _, open := range dateElements {
		for from := 0; ; {
			attrs, end, ok := startTag(item, open, from)
			if !ok {
				break
			}
			if len(attrs) > 0 {
				from = end
				continue
			}
			text := item[end:]
			if i := bytes.IndexByte(text, '<'); i >= 0 {
				return string(text[:i])
			}
			return ""
		}
	}
	return ""
}

// scanFeed finds the items of an RSS 2.0 (rss > channel > item), RSS 1.0
// (rdf:RDF > item) or Atom (feed > entry) document. It reports false for
// anything else, and for any markup it does not follow exactly.
func scanFeed(b []byte, kind format) (scanned, bool) {
	var (
		s       scanned
		stack   []string // open elements outside items
		root    string
		done    bool // the root element has closed
		channel bool // an rss root's channel has opened
	)
	itemName := "item"
	if kind == formatAtom {
		itemName = "entry"
	}
	for i := 0; i < len(b); {
		lt := bytes.IndexByte(b[i:], '<')
		if lt < 0 {
			lt = len(b) - i
		}
		if (root == "" || done) && len(bytes.TrimSpace(b[i:i+lt])) > 0 {
			return s, false // text outside the root
		}
		if i += lt; i == len(b) {
			break
		}
		t, ok := nextToken(b, i)
		if !ok {
			return s, false
		}
		switch t.kind {
		case tokComment, tokPI:
		case tokCDATA:
			if len(stack) == 0 {
				return s, false
			}
		case tokDoctype:
			if root != "" {
				return s, false
			}
		case tokEnd:
			if len(stack) == 0 || stack[len(stack)-1] != string(t.name) {
				return s, false
			}
			stack = stack[:len(stack)-1]
			if len(stack) == 0 {
				done = true
			}
		case tokStart:
			if done {
				return s, false // a second root
			}
			prefix, local := cutPrefix(string(t.name))
			lower := strings.ToLower(local)
			switch {
			case root == "":
				switch {
				case kind == formatRSS && prefix == "" && lower == "rss":
				case kind == formatRSS && lower == "rdf":
				case kind == formatAtom && prefix == "" && lower == "feed":
				default:
					return s, false
				}
				root = lower
				s.prologue = i
				s.ancestors = append(s.ancestors, span{i, t.end})
			case lower == itemName || lower == "channel" || lower == "item" || lower == "entry":
				depth := len(stack)
				switch {
				case prefix == "" && local == itemName && (root == "rss" && depth == 2 && stack[1] == "channel" || root != "rss" && depth == 1):
					end := t.end
					if !t.selfClosing {
						if end, ok = itemEnd(b, t.end, t.name); !ok {
							return s, false
						}
					}
					s.items = append(s.items, span{i, end})
					i = end
					continue
				case root == "rss" && prefix == "" && local == "channel" && depth == 1 && !channel:
					channel = true
					s.ancestors = append(s.ancestors, span{i, t.end})
				case root == "rdf" && prefix == "" && local == "channel" && depth == 1:
					// RSS 1.0's channel is the items' sibling.
				default:
					return s, false
				}
			}
			if !t.selfClosing {
				stack = append(stack, string(t.name))
			} else if root != "" && len(stack) == 0 {
				done = true
			}
		}
		i = t.end
	}
	if len(stack) > 0 || !done {
		return s, false
	}
	return s, true
}

// itemEnd returns the end of the element named name whose start tag ends at
// i: after its matching end tag, elements of the same name nested in it
// counted.
func itemEnd(b []byte, i int, name []byte) (int, bool) {
	depth := 1
	for i < len(b) {
		lt := bytes.IndexByte(b[i:], '<')
		if lt < 0 {
			return 0, false
		}
		i += lt
		t, ok := nextToken(b, i)
		if !ok {
			return 0, false
		}
		switch {
		case t.kind == tokDoctype:
			return 0, false
		case t.kind == tokStart && !t.selfClosing && bytes.Equal(t.name, name):
			depth++
		case t.kind == tokEnd && bytes.Equal(t.name, name):
			depth--
			if depth == 0 {
				return t.end, true
			}
		}
		i = t.end
	}
	return 0, false
}

// cutPrefix splits a qualified XML name at its colon.
func cutPrefix(name string) (prefix, local string) {
	if p, l, found := strings.Cut(name, ":"); found {
		return p, l
	}
	return "", name
}

type tokenKind int

const (
	tokStart tokenKind = iota + 1
	tokEnd
	tokComment
	tokCDATA
	tokPI
	tokDoctype
)

type token struct {
	kind        tokenKind
	name        []byte // start and end tags, within the document
	selfClosing bool
	end         int // index just after the token
}

// nextToken reads the markup starting with the '<' at b[i].
func nextToken(b []byte, i int) (token, bool) {
	rest := b[i:]
	closeAt := func(prefix int, term string) (token, bool) {
		k := bytes.Index(rest[prefix:], []byte(term))
		if k < 0 {
			return token{}, false
		}
		return token{end: i + prefix + k + len(term)}, true
	}
	switch {
	case bytes.HasPrefix(rest, []byte("<!--")):
		t, ok := closeAt(4, "-->")
		t.kind = tokComment
		return t, ok
	case bytes.HasPrefix(rest, []byte("<![CDATA[")):
		t, ok := closeAt(9, "]]>")
		t.kind = tokCDATA
		return t, ok
	case bytes.HasPrefix(rest, []byte("<?")):
		t, ok := closeAt(2, "?>")
		t.kind = tokPI
		return t, ok
	case bytes.HasPrefix(rest, []byte("<!")):
		// A doctype, followed only when it declares nothing itself.
		end, ok := tagEnd(rest, 2)
		if !ok || bytes.IndexByte(rest[:end], '[') >= 0 {
			return token{}, false
		}
		return token{kind: tokDoctype, end: i + end}, true
	case bytes.HasPrefix(rest, []byte("</")):
		n := nameLen(rest[2:])
		if n == 0 {
			return token{}, false
		}
		j := 2 + n
		for j < len(rest) && isSpace(rest[j]) {
			j++
		}
		if j >= len(rest) || rest[j] != '>' {
			return token{}, false
		}
		return token{kind: tokEnd, name: rest[2 : 2+n], end: i + j + 1}, true
	}
	n := nameLen(rest[1:])
	if n == 0 {
		return token{}, false
	}
	end, ok := tagEnd(rest, 1+n)
	if !ok {
		return token{}, false
	}
	return token{kind: tokStart, name: rest[1 : 1+n], selfClosing: rest[end-2] == '/', end: i + end}, true
}

// tagEnd returns the index after the '>' that ends the tag in b, reading
// from j: a '>' inside a quoted attribute value does not end it. A quote
// opens a value only right after '=' (and spaces), as in XML.
func tagEnd(b []byte, j int) (int, bool) {
	afterEq := false
	for j < len(b) {
		c := b[j]
		switch {
		case c == '>':
			return j + 1, true
		case c == '<':
			return 0, false
		case (c == '"' || c == '\'') && afterEq:
			k := bytes.IndexByte(b[j+1:], c)
			if k < 0 {
				return 0, false
			}
			j += k + 2
			afterEq = false
			continue
		case c == '=':
			afterEq = true
		case isSpace(c):
		default:
			afterEq = false
		}
		j++
	}
	return 0, false
}

// nameLen is the length of the XML name b starts with: up to a space, '/',
// '>' or anything that cannot be in a name.
func nameLen(b []byte) int {
	n := 0
	for n < len(b) {
		c := b[n]
		if isSpace(c) || c == '/' || c == '>' || c == '<' || c == '=' || c == '"' || c == '\'' || c == '!' || c == '?' {
			break
		}
		n++
	}
	return n
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }
