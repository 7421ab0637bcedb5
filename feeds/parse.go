package feeds

import (
	"bytes"
	"cmp"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"html"
	"io"
	"mime"
	"net/url"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	_ "time/tzdata" // outlet dates default to Asia/Ho_Chi_Minh on any host

	"github.com/mmcdole/gofeed"
	"github.com/mmcdole/gofeed/atom"
	ext "github.com/mmcdole/gofeed/extensions"
	jsonfeed "github.com/mmcdole/gofeed/json"
	"github.com/mmcdole/gofeed/rss"
	"golang.org/x/text/language"

	"newswire/internal/urlsafe"
)

// ErrNotFeed is wrapped by Parse's error when the document is neither RSS,
// Atom nor JSON Feed (an HTML page, an empty body).
var ErrNotFeed = errors.New("not a feed")

// ParseOptions tell Parse where a document came from.
type ParseOptions struct {
	FeedURL     string         // URL fetched (after redirects); base for relative links
	ContentType string         // HTTP Content-Type header, may carry charset
	Location    *time.Location // zone for dates without one; nil = Asia/Ho_Chi_Minh
	MaxItems    int            // keep at most this many items, from the document's newest end (capItems); 0 = no cap
	Now         time.Time      // for clamping future dates; zero = time.Now()
}

// vietnam is the default zone for dates that carry none.
var vietnam = sync.OnceValue(func() *time.Location {
	if loc, err := time.LoadLocation("Asia/Ho_Chi_Minh"); err == nil {
		return loc
	}
	return time.FixedZone("ICT", 7*3600) // unreachable with time/tzdata embedded
})

// Parse reads one outlet document (RSS 0.9x, 1.0 or 2.0, Atom 0.3 or 1.0,
// JSON Feed 1.0 or 1.1) into a Feed.
//
// It decodes the charset itself (BOM, XML declaration, Content-Type, UTF-8;
// see toUTF8): a body that is not UTF-8 and names no charset is an error,
// unless only a few bytes are broken, which then read as U+FFFD.
//
// It fills every text field with NFC text free of the control characters XML
// forbids, every URL field with an absolute http(s) URL (relative ones
// resolved against opt.FeedURL, or dropped when that is impossible), and
// every time with UTC, zero when the outlet gave no date we could read (see
// parseDate), never later than opt.Now. Summary and ContentHTML keep the
// outlet's HTML; GUID keeps the outlet's string, only trimmed. Atom
// published falls back to updated, and JSON Feed date_published to
// date_modified; an Atom or JSON Feed item without authors gets the
// feed's, as both specifications say, but for an Atom entry
// copied from another feed (see entryAuthors). An item copied from another
// feed names the outlet it came from in Origin: an Atom entry's atom:source,
// an RSS item's <source url>, the outlet of newswire's JSON Feed
// _newswire.sources that published the item.
//
// Errors start with "feeds: parse " and the feed URL. A document that is not
// a feed wraps ErrNotFeed; truncated or malformed XML is an error with no
// items. A wrongly closed tag inside an item may still parse (gofeed's XML
// reader is lenient), possibly with fewer items.
func Parse(body []byte, opt ParseOptions) (*Feed, error) {
	return guardParse(opt.FeedURL, func() (*Feed, error) { return parse(body, opt) })
}

// guardParse runs one parse so that a malformed document can cost the poll
// of one source but never the daemon: a panic in the parsers becomes an
// error. It also gives every error its "feeds: parse URL: " prefix, with
// the URL's credentials masked.
func guardParse(feedURL string, parse func() (*Feed, error)) (feed *Feed, err error) {
	if feedURL == "" {
		feedURL = "document"
	}
	feedURL = urlsafe.Redacted(feedURL)
	defer func() {
		if r := recover(); r != nil {
			feed, err = nil, fmt.Errorf("feeds: parse %s: panic: %v", feedURL, r)
		}
	}()
	feed, err = parse()
	if err != nil {
		return nil, fmt.Errorf("feeds: parse %s: %w", feedURL, err)
	}
	return feed, nil
}

type format int

const (
	formatRSS format = iota + 1
	formatAtom
	formatJSON
)

// detectFormat finds the root of the document. Unlike gofeed, which looks at
// the first 4 KiB only, it reads past any amount of leading comments,
// whitespace and doctype.
func detectFormat(body []byte) (format, error) {
	trimmed := bytes.TrimLeft(body, " \t\r\n")
	if len(trimmed) == 0 {
		return 0, fmt.Errorf("%w: empty body", ErrNotFeed)
	}
	switch trimmed[0] {
	case '{':
		return formatJSON, nil
	case '<':
	default:
		return 0, fmt.Errorf("%w: starts with %q", ErrNotFeed, firstRunes(trimmed, 16))
	}
	d := xml.NewDecoder(bytes.NewReader(trimmed))
	d.Strict = false
	for {
		tok, err := d.RawToken()
		if errors.Is(err, io.EOF) {
			return 0, fmt.Errorf("%w: no root element", ErrNotFeed)
		}
		if err != nil {
			return 0, err
		}
		if el, ok := tok.(xml.StartElement); ok {
			switch strings.ToLower(el.Name.Local) {
			case "rss", "rdf":
				return formatRSS, nil
			case "feed":
				return formatAtom, nil
			}
			return 0, fmt.Errorf("%w: root element <%s>", ErrNotFeed, el.Name.Local)
		}
	}
}

// FeedKind names the format of a document that is a feed, whatever type
// its server gave it: "RSS", "Atom" or "JSON Feed", from its root element
// (or a JSON object), read past a byte order mark, the XML declaration,
// comments and doctype; ok is false for anything else, a web page
// included. Many outlets serve their feeds as text/html. The document is
// read in its charset as the parser reads it (contentType is its server's
// Content-Type): an XML declaration of windows-1258 or ISO-8859-1 must not
// hide a feed.
func FeedKind(body []byte, contentType string) (kind string, ok bool) {
	if u, err := toUTF8(body, contentType); err == nil {
		body = u
	}
	f, err := detectFormat(body)
	if err != nil {
		return "", false
	}
	return [...]string{formatRSS: "RSS", formatAtom: "Atom", formatJSON: "JSON Feed"}[f], true
}

func firstRunes(b []byte, n int) string {
	s := []rune(string(b[:min(len(b), 4*n)]))
	return string(s[:min(len(s), n)])
}

// converter holds what every field conversion of one document needs.
type converter struct {
	base *url.URL // opt.FeedURL, nil when not an absolute URL
	loc  *time.Location
	now  time.Time
	// feedAuthors are the feed's authors where its items inherit them
	// (Atom, JSON Feed).
	feedAuthors []Person
}

func parse(body []byte, opt ParseOptions) (*Feed, error) {
	body, err := toUTF8(body, opt.ContentType)
	if err != nil {
		return nil, err
	}
	kind, err := detectFormat(body)
	if err != nil {
		return nil, err
	}
	feed, _, err := parseUTF8(body, kind, opt)
	if err == nil && kind != formatJSON {
		feed.Unread = unread(body, kind, opt, feed)
	}
	return feed, err
}

// unread is how many items a scan of the markup finds that the parse of
// the document into feed did not read (Feed.Unread).
func unread(body []byte, kind format, opt ParseOptions, feed *Feed) int {
	sp, ok := scanFeed(body, kind)
	if !ok {
		return 0
	}
	return unreadOf(len(sp.items), opt, feed)
}

// unreadOf is unread for a document in which the scan found found items.
func unreadOf(found int, opt ParseOptions, feed *Feed) int {
	if opt.MaxItems > 0 {
		found = min(found, opt.MaxItems)
	}
	return max(0, found-len(feed.Items))
}

// parseUTF8 parses a document already in UTF-8 whose format is known. It
// also returns a hash of what the conversion of every item took from the
// feed (see Layout.ItemContext).
func parseUTF8(body []byte, kind format, opt ParseOptions) (*Feed, uint64, error) {
	c := converter{loc: opt.Location, now: opt.Now}
	if c.loc == nil {
		c.loc = vietnam()
	}
	if c.now.IsZero() {
		c.now = time.Now()
	}
	// Relative links would take the feed's credentials with them (user
	// info, and a key in the query for a link that is a fragment alone):
	// they resolve against the feed's public URL.
	if u, err := url.Parse(urlsafe.Public(strings.TrimSpace(opt.FeedURL))); err == nil && u.IsAbs() {
		c.base = u
	}
	var (
		feed *Feed
		err  error
	)
	switch kind {
	case formatRSS:
		feed, err = c.parseRSS(body, opt.MaxItems)
	case formatAtom:
		feed, err = c.parseAtom(body, opt.MaxItems)
	case formatJSON:
		feed, err = c.parseJSON(body, opt.MaxItems)
	}
	if err != nil {
		return nil, 0, err
	}
	feed.FeedURL = opt.FeedURL
	d := NewDigest()
	d.String(feed.Language)
	d.Int(int64(len(c.feedAuthors)))
	for _, a := range c.feedAuthors {
		d.String(a.Name)
		d.String(a.Email)
		d.String(a.URL)
	}
	return feed, d.Sum64(), nil
}

// capItems keeps max of a document's items (all when max is 0): its newest
// end. Most feeds list their newest items first, and the first max are kept;
// a feed that lists them oldest first keeps its last max, or it would never
// show a new one. date gives an item's publication (or update) date as
// written.
func capItems[T any](items []T, max int, date func(T) string) []T {
	lo, hi := capRange(items, max, date)
	return items[lo:hi]
}

// capRange is the range of items capItems keeps.
func capRange[T any](items []T, max int, date func(T) string) (lo, hi int) {
	if max <= 0 || len(items) <= max {
		return 0, len(items)
	}
	if oldestFirst(len(items), func(i int) string { return date(items[i]) }) {
		return len(items) - max, len(items)
	}
	return 0, max
}

// oldestFirst reports whether a document of n items, whose item i carries
// date(i), lists them oldest first: more of its dated items follow an
// older one than a newer one, so that one wrong date does not turn a
// document round. A date without a zone is read in UTC: all are read
// alike, and only their order matters.
func oldestFirst(n int, date func(i int) string) bool {
	var (
		prev         time.Time
		dated        bool
		older, newer int
	)
	for i := range n {
		t, ok := parseDate(date(i), time.UTC)
		if !ok {
			continue
		}
		if dated && t.After(prev) {
			older++
		} else if dated && t.Before(prev) {
			newer++
		}
		prev, dated = t, true
	}
	return older > newer
}

func rssDate(it *rss.Item) string {
	if it == nil {
		return ""
	}
	if it.PubDate == "" && it.DublinCoreExt != nil && len(it.DublinCoreExt.Date) > 0 {
		return it.DublinCoreExt.Date[0]
	}
	return it.PubDate
}

func atomDate(e *atom.Entry) string {
	if e == nil {
		return ""
	}
	if e.Published != "" {
		return e.Published
	}
	return e.Updated
}

func jsonDate(it *jsonfeed.Item) string {
	if it.DatePublished != "" {
		return it.DatePublished
	}
	return it.DateModified
}

// The format parsers are called directly rather than through gofeed.Parser:
// that keeps the format-specific fields gofeed's universal feed drops (RSS
// ttl, Atom hub links and author URIs, JSON content_text) without holding a
// second copy of the feed, and caps the items before they are translated.

func (c *converter) parseRSS(body []byte, maxItems int) (*Feed, error) {
	rf, err := (&rss.Parser{}).Parse(bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	lo, hi := capRange(rf.Items, maxItems, rssDate)
	rf.Items = rf.Items[lo:hi]
	tr := &gofeed.DefaultRSSTranslator{DisableContentImageScan: true}
	uf, err := tr.Translate(rf)
	if err != nil {
		return nil, err
	}
	feed := c.feed(uf)
	feed.TTL = rssTTL(rf.TTL)
	if feed.TTL == 0 {
		feed.TTL = syndicationTTL(rf.Extensions)
	}
	for _, l := range atomLinkExtensions(rf.Extensions) {
		switch l.Attrs["rel"] {
		case "hub":
			feed.Hubs = appendURL(feed.Hubs, c.resolve(l.Attrs["href"]))
		case "self":
			feed.Self = cmp.Or(feed.Self, c.resolve(l.Attrs["href"]))
		}
	}
	var permalinks []permalinkGUID
	// Without an isPermaLink attribute no guid is marked a link, and the
	// second reading of the document (explicitPermalinks) would find none.
	markedPermalinks := containsFold(body, "ispermalink")
	for i, gi := range uf.Items {
		if m := dctermsModified(gi); m != "" {
			// What RSS says of an edit (a newswire's RSS among
			// others): gofeed reads dc:date and atom:updated alone.
			gi.Updated = m
		}
		item := c.item(gi, feed.Language)
		if item.Link == "" && item.GUID != "" && markedPermalinks {
			if permalinks == nil {
				permalinks = explicitPermalinks(body)
			}
			if j := lo + i; j < len(permalinks) && permalinks[j].guid == item.GUID {
				item.Link = c.resolve(permalinks[j].link)
			}
		}
		if gi.DublinCoreExt != nil {
			item.Language = ownLanguage(firstOf(gi.DublinCoreExt.Language), item.Language)
		}
		if src := rf.Items[i].Source; src != nil {
			item.Origin = c.origin(feed, Origin{Title: plainText(src.Title), FeedURL: c.resolve(src.URL)})
		}
		for _, l := range atomLinkExtensions(rf.Items[i].Extensions) {
			if isVia(l.Attrs["rel"]) {
				item.Via = appendURL(item.Via, c.resolve(l.Attrs["href"]))
			}
		}
		feed.Items[i] = item
	}
	return feed, nil
}

// containsFold reports whether b holds lower, an ASCII word in lower case,
// in any case; it looks only where the word's last letter is.
func containsFold(b []byte, lower string) bool {
	last := lower[len(lower)-1]
	either := string([]byte{last, last - 'a' + 'A'})
	for i := len(lower) - 1; i < len(b); i++ {
		j := bytes.IndexAny(b[i:], either)
		if j < 0 {
			return false
		}
		i += j
		if bytes.EqualFold(b[i+1-len(lower):i+1], []byte(lower)) {
			return true
		}
	}
	return false
}

// permalinkGUID is an RSS item's guid as written, and as a link: resolved
// against the xml:base in effect at it, when its outlet marked it
// isPermaLink="true"; link is "" otherwise.
type permalinkGUID struct{ guid, link string }

// explicitPermalinks reads the guids of an RSS document's items, one for
// each item in document order, for the items that have no link: gofeed
// resolves a relative <link> against xml:base, but not a guid, and it takes
// an absent isPermaLink for true, as RSS 2.0 says, which would make a link
// of every relative id ("12345"). A relative guid is a link only when the
// outlet wrote isPermaLink="true".
func explicitPermalinks(body []byte) []permalinkGUID {
	d := xml.NewDecoder(bytes.NewReader(body))
	d.Strict = false
	d.Entity = xml.HTMLEntity
	var (
		bases    []*url.URL // the xml:base in effect inside each open element
		out      []permalinkGUID
		itemLvl  int // len(bases) inside the open item; 0 outside items
		guid     *strings.Builder
		guidBase *url.URL
		marked   bool
	)
	for {
		tok, err := d.RawToken()
		if err != nil {
			return out
		}
		switch t := tok.(type) {
		case xml.StartElement:
			var base *url.URL
			if len(bases) > 0 {
				base = bases[len(bases)-1]
			}
			for _, a := range t.Attr {
				if a.Name.Space == "xml" && a.Name.Local == "base" {
					if u, err := url.Parse(strings.TrimSpace(a.Value)); err == nil {
						if base != nil {
							u = base.ResolveReference(u)
						}
						base = u
					}
				}
			}
			bases = append(bases, base)
			switch {
			case t.Name.Space == "" && t.Name.Local == "item" && itemLvl == 0:
				itemLvl = len(bases)
				out = append(out, permalinkGUID{})
			case t.Name.Space == "" && t.Name.Local == "guid" && itemLvl == len(bases)-1:
				guid, guidBase, marked = new(strings.Builder), base, false
				for _, a := range t.Attr {
					if a.Name.Space == "" && strings.EqualFold(a.Name.Local, "isPermaLink") {
						marked = strings.EqualFold(strings.TrimSpace(a.Value), "true")
					}
				}
			}
		case xml.CharData:
			if guid != nil {
				guid.Write(t)
			}
		case xml.EndElement:
			if len(bases) == 0 {
				continue
			}
			if guid != nil && len(bases) == itemLvl+1 {
				g := permalinkGUID{guid: strings.TrimSpace(stripForbidden(guid.String()))}
				if u, err := url.Parse(g.guid); marked && err == nil {
					if guidBase != nil {
						u = guidBase.ResolveReference(u)
					}
					g.link = u.String()
				}
				out[len(out)-1], guid = g, nil
			}
			if len(bases) == itemLvl {
				itemLvl = 0
			}
			bases = bases[:len(bases)-1]
		}
	}
}

func (c *converter) parseAtom(body []byte, maxItems int) (*Feed, error) {
	af, err := (&atom.Parser{}).Parse(bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	types := atomTextTypes(body, len(af.Entries))
	var langs []*string
	if types == nil {
		langs = atomEntryLangs(body, len(af.Entries))
	}
	lo, hi := capRange(af.Entries, maxItems, atomDate)
	af.Entries = af.Entries[lo:hi]
	if types != nil {
		types = types[lo:hi]
	}
	if langs != nil {
		langs = langs[lo:hi]
	}
	uf, err := (&gofeed.DefaultAtomTranslator{}).Translate(af)
	if err != nil {
		return nil, err
	}
	feed := c.feed(uf)
	feed.TTL = syndicationTTL(af.Extensions)
	for _, l := range af.Links {
		switch l.Rel {
		case "hub":
			feed.Hubs = appendURL(feed.Hubs, c.resolve(l.Href))
		case "self":
			feed.Self = cmp.Or(feed.Self, c.resolve(l.Href))
		}
	}
	c.feedAuthors = c.atomPersons(af.Authors)
	for i, gi := range uf.Items {
		// An entry's xml:lang wins over the feed's, which it inherits
		// when it has none (XML 1.0, 2.12); an empty one declares none.
		lang := feed.Language
		switch {
		case types != nil && types[i].hasLang:
			lang = langTag(types[i].lang)
		case langs != nil && langs[i] != nil:
			lang = langTag(*langs[i])
		}
		item := c.item(gi, lang)
		item.Authors = c.entryAuthors(af.Entries[i])
		if src := af.Entries[i].Source; src != nil {
			item.Origin = c.atomOrigin(feed, src)
		}
		for _, l := range af.Entries[i].Links {
			if isVia(l.Rel) {
				item.Via = appendURL(item.Via, c.resolve(l.Href))
			}
		}
		// Text constructs of type text hold text, not markup (RFC 4287,
		// 3.1.1.1): "thẻ <video>" is a title's words, not a tag to strip.
		if types != nil && types[i].title == "text" {
			item.Title = collapseSpace(normText(af.Entries[i].Title))
		}
		if types != nil && types[i].summary == "text" {
			item.Summary = html.EscapeString(normText(af.Entries[i].Summary))
			// Made the content of an entry that has none, the summary's
			// words go in paragraphs, so that the markup around them
			// tells them from markup escaped once more than meant,
			// which is decoded (sanitize.Item).
			if item.ContentHTML == "" {
				item.ContentHTML = textToHTML(normText(af.Entries[i].Summary))
			}
		}
		if ct := af.Entries[i].Content; ct != nil && ct.Src == "" && (ct.Type == "" || strings.EqualFold(ct.Type, "text")) {
			item.ContentHTML = textToHTML(normText(ct.Value))
		}
		feed.Items[i] = item
	}
	return feed, nil
}

// entryAuthors are an Atom entry's authors: its own, else those of its
// atom:source, else the feed's (RFC 4287, 4.2.1). An entry copied from
// another feed (it carries an atom:source) is not the copying feed's work:
// it takes none of the feed's authors, nor an author of the source that
// names the source feed itself (an aggregator such as newswire names the
// outlet so, for the entries of its own that have none), since the outlet is
// the item's origin, not a person who wrote it. RSS and JSON Feed give such
// an item no author either.
func (c *converter) entryAuthors(e *atom.Entry) []Person {
	if own := c.atomPersons(e.Authors); len(own) > 0 {
		return own
	}
	if e.Source == nil {
		return c.feedAuthors
	}
	title := plainText(e.Source.Title)
	var out []Person
	for _, p := range c.atomPersons(e.Source.Authors) {
		if p.Email != "" || p.Name != title {
			out = append(out, p)
		}
	}
	return out
}

// atomOrigin is the outlet an entry's atom:source names: its title, the
// feed (rel="self"), its home page (rel="alternate") and, where the feed is
// not given, its id.
func (c *converter) atomOrigin(feed *Feed, src *atom.Source) Origin {
	o := Origin{Title: plainText(src.Title)}
	for _, l := range src.Links {
		switch strings.ToLower(strings.TrimSpace(l.Rel)) {
		case "self":
			o.FeedURL = cmp.Or(o.FeedURL, c.resolve(l.Href))
		case "", "alternate":
			o.Link = cmp.Or(o.Link, c.resolve(l.Href))
		}
	}
	if id := strings.TrimSpace(stripForbidden(normText(src.ID))); id != o.FeedURL {
		o.ID = id
	}
	return c.origin(feed, o)
}

// isVia reports whether rel, a link's relation, is "via".
func isVia(rel string) bool { return strings.EqualFold(strings.TrimSpace(rel), "via") }

// origin is o as an item's Origin: zero when it names nothing, or the feed
// the item is in (an outlet that names its own feed as every item's source).
func (c *converter) origin(feed *Feed, o Origin) Origin {
	if o.Title == "" && o.FeedURL == "" && o.ID == "" {
		return Origin{}
	}
	if o.FeedURL != "" && (o.FeedURL == feed.Self || c.base != nil && o.FeedURL == webURI(c.base.String())) {
		return Origin{}
	}
	return o
}

func (c *converter) atomPersons(persons []*atom.Person) []Person {
	var out []Person
	for _, p := range persons {
		out = appendPerson(out, Person{Name: p.Name, Email: p.Email, URL: c.resolve(p.URI)})
	}
	return out
}

// withoutBadItems returns the JSON Feed body without the items that do not
// decode as JSON Feed items (a number where the title goes), and how many
// it left out; 0 when the document's trouble is elsewhere.
func withoutBadItems(body []byte) ([]byte, int) {
	var doc map[string]json.RawMessage
	var items []json.RawMessage
	if json.Unmarshal(body, &doc) != nil || json.Unmarshal(doc["items"], &items) != nil {
		return nil, 0
	}
	kept := items[:0]
	for _, raw := range items {
		var it jsonfeed.Item
		if bytes.Equal(bytes.TrimSpace(raw), []byte("null")) || json.Unmarshal(raw, &it) == nil {
			kept = append(kept, raw)
		}
	}
	bad := len(items) - len(kept)
	if bad == 0 {
		return nil, 0
	}
	var err error
	if doc["items"], err = json.Marshal(kept); err != nil {
		return nil, 0
	}
	out, err := json.Marshal(doc)
	if err != nil {
		return nil, 0
	}
	return out, bad
}

// jsonError says what a JSON Feed decoding error means in the feed's own
// terms: "items[].title is a number, not a string" rather than the Go
// types the decoder names.
func jsonError(err error) error {
	var te *json.UnmarshalTypeError
	if !errors.As(err, &te) {
		return err
	}
	field := strings.ReplaceAll(strings.ReplaceAll(te.Field, "alias.", ""), ".alias", "")
	if field == "" || field == "alias" {
		field = "the document"
	}
	want := "a " + te.Type.Kind().String()
	switch te.Type.Kind() {
	case reflect.Struct, reflect.Map, reflect.Pointer:
		want = "an object"
	case reflect.Slice, reflect.Array:
		want = "an array"
	case reflect.Int, reflect.Int64, reflect.Float64:
		want = "a number"
	case reflect.Bool:
		want = "true or false"
	}
	return fmt.Errorf("JSON Feed: %s is a JSON %s, where the spec has %s", field, te.Value, want)
}

// jsonHubs is the part of a JSON Feed that gofeed drops: its hubs, and the
// outlets newswire's items credit.
type jsonHubs struct {
	Hubs []struct {
		Type string `json:"type"`
		URL  string `json:"url"`
	} `json:"hubs"`
	Items []struct {
		ID       any    `json:"id"`
		URL      string `json:"url"`
		Newswire struct {
			Sources []struct {
				Title   string `json:"title"`
				Link    string `json:"link"`
				Level   string `json:"level"`
				FeedURL string `json:"feed_url"`
				HomeURL string `json:"home_page_url"`
				Via     *struct {
					FeedURL string `json:"feed_url"`
					HomeURL string `json:"home_page_url"`
				} `json:"via"`
			} `json:"sources"`
		} `json:"_newswire"`
	} `json:"items"`
}

// jsonCredit is what newswire's JSON Feed says of one item's outlets: the
// outlet it credits (jsonCredits) and the newswires it came through.
type jsonCredit struct {
	origin Origin
	via    []string // each source's via, its home page and feed
}

// jsonCredits are the credits of newswire's JSON Feed items, by item id:
// the origin is the source whose link is the item's (the one its title and
// text are of), else the first publisher; via, every source's via.
func (c *converter) jsonCredits(feed *Feed, doc *jsonHubs) map[string]jsonCredit {
	var out map[string]jsonCredit
	for _, it := range doc.Items {
		id, ok := it.ID.(string)
		sources := it.Newswire.Sources
		if !ok || len(sources) == 0 {
			continue
		}
		pick := sources[0]
		for _, s := range sources {
			if s.Link != "" && strings.TrimSpace(s.Link) == strings.TrimSpace(it.URL) {
				pick = s
				break
			}
		}
		o := c.origin(feed, Origin{
			Title: plainText(pick.Title), FeedURL: c.resolve(pick.FeedURL), Link: c.resolve(pick.HomeURL),
			Level: strings.ToLower(collapseSpace(normText(pick.Level))),
		})
		var via []string
		for _, s := range sources {
			if s.Via != nil {
				via = appendURL(appendURL(via, c.resolve(s.Via.HomeURL)), c.resolve(s.Via.FeedURL))
			}
		}
		if o.IsZero() && len(via) == 0 {
			continue
		}
		if out == nil {
			out = make(map[string]jsonCredit)
		}
		key := strings.TrimSpace(stripForbidden(id))
		cr := out[key] // an id given twice: the last item's origin, and via, that name any
		if !o.IsZero() {
			cr.origin = o
		}
		if len(via) > 0 {
			cr.via = via
		}
		out[key] = cr
	}
	return out
}

func (c *converter) parseJSON(body []byte, maxItems int) (*Feed, error) {
	jf, err := (&jsonfeed.Parser{}).Parse(bytes.NewReader(body))
	bad := 0
	if err != nil {
		// One item of the wrong shape fails the whole document in
		// gofeed: read again without the items that do not decode.
		var kept []byte
		if kept, bad = withoutBadItems(body); bad > 0 {
			jf, err = (&jsonfeed.Parser{}).Parse(bytes.NewReader(kept))
		}
		if err != nil {
			return nil, jsonError(err)
		}
	}
	// gofeed's translator dereferences every item and author: a null in
	// those arrays, which JSON allows, would panic it.
	jf.Items = capItems(slices.DeleteFunc(jf.Items, isNil), maxItems, jsonDate)
	jf.Authors = slices.DeleteFunc(jf.Authors, isNil)
	for _, ji := range jf.Items {
		ji.Authors = slices.DeleteFunc(ji.Authors, isNil)
	}
	uf, err := (&gofeed.DefaultJSONTranslator{}).Translate(jf)
	if err != nil {
		return nil, err
	}
	feed := c.feed(uf)
	feed.Unread = bad

	// The document decoded once already, so an error here can only be a
	// "hubs" of the wrong shape, which leaves no hubs: that is all it costs.
	var hubs jsonHubs
	_ = json.Unmarshal(body, &hubs)
	feed.Self = c.resolve(jf.FeedURL)
	for _, h := range hubs.Hubs {
		if strings.EqualFold(strings.TrimSpace(h.Type), "websub") {
			feed.Hubs = appendURL(feed.Hubs, c.resolve(h.URL))
		}
	}

	credits := c.jsonCredits(feed, &hubs)
	c.feedAuthors = c.jsonPersons(jf.Authors, jf.Author)
	for i, gi := range uf.Items {
		ji := jf.Items[i]
		item := c.item(gi, feed.Language)
		item.Language = ownLanguage(ji.Language, item.Language)
		// An item with date_modified alone is dated by it, as an Atom
		// entry with only updated is, rather than when it is first seen.
		if item.Published.IsZero() {
			if t, issue := c.published(gi.Updated); !t.IsZero() || item.DateIssue.IsZero() {
				// One date, and one issue to say of it.
				item.Published, item.DateIssue, item.UpdatedIssue = t, issue, DateIssue{}
			}
		}
		item.ContentHTML = normText(ji.ContentHTML)
		if item.ContentHTML == "" {
			item.ContentHTML = textToHTML(normText(ji.ContentText))
		}
		// An item without authors has the feed's (JSON Feed 1.1).
		item.Authors = c.jsonPersons(ji.Authors, ji.Author)
		if len(item.Authors) == 0 {
			item.Authors = c.feedAuthors
		}
		cr := credits[item.GUID]
		item.Origin, item.Via = cr.origin, cr.via
		feed.Items[i] = item
	}
	return feed, nil
}

func isNil[T any](p *T) bool { return p == nil }

// jsonPersons reads JSON Feed 1.1 authors, or the 1.0 author.
func (c *converter) jsonPersons(authors []*jsonfeed.Author, author *jsonfeed.Author) []Person {
	if len(authors) == 0 && author != nil {
		authors = []*jsonfeed.Author{author}
	}
	var out []Person
	for _, a := range authors {
		out = appendPerson(out, Person{Name: a.Name, URL: c.resolve(a.URL)})
	}
	return out
}

// dctermsModified is an RSS item's dcterms:modified, the date it was last
// changed, or "".
func dctermsModified(gi *gofeed.Item) string {
	for _, e := range gi.Extensions["dcterms"]["modified"] {
		if v := strings.TrimSpace(e.Value); v != "" {
			return v
		}
	}
	return ""
}

// feed converts the feed-level fields and sizes Items; each format fills them.
func (c *converter) feed(uf *gofeed.Feed) *Feed {
	return &Feed{
		Title:       plainText(uf.Title),
		Link:        c.resolve(uf.Link),
		Description: normText(uf.Description),
		Language:    langTag(uf.Language),
		Items:       make([]Item, len(uf.Items)),
	}
}

// item converts the fields every format shares.
func (c *converter) item(gi *gofeed.Item, feedLanguage string) Item {
	item := Item{
		GUID:        strings.TrimSpace(stripForbidden(gi.GUID)),
		Link:        c.resolve(gi.Link),
		Title:       plainText(gi.Title),
		Summary:     normText(gi.Description),
		ContentHTML: normText(gi.Content),
		Language:    feedLanguage,
	}
	item.Published, item.DateIssue = c.published(gi.Published)
	item.Updated, item.UpdatedIssue = c.published(gi.Updated)
	if strings.TrimSpace(gi.Updated) == strings.TrimSpace(gi.Published) {
		// The published date is the updated one (an Atom entry with
		// updated alone, an RSS item with dc:date alone): its issue is
		// said once, of the published date.
		item.UpdatedIssue = DateIssue{}
	}
	// Other links (JSON Feed external_url, a second RSS link), then a guid
	// that is a URL, stand in for a missing or unusable link.
	for _, l := range gi.Links {
		if item.Link == "" {
			item.Link = c.resolve(l)
		}
	}
	if item.Link == "" && isWebURLString(item.GUID) {
		item.Link = item.GUID
	}
	for _, p := range gi.Authors {
		if p != nil {
			item.Authors = appendPerson(item.Authors, Person{Name: p.Name, Email: p.Email})
		}
	}
	for _, label := range gi.Categories {
		item.Labels = appendLabel(item.Labels, label)
	}
	if gi.Image != nil {
		item.Image = c.resolve(gi.Image.URL)
	}
	for _, e := range gi.Enclosures {
		if e != nil {
			item.Enclosures = c.appendEnclosure(item.Enclosures, e.URL, e.Type, e.Length)
		}
	}
	c.addMedia(&item, gi.Extensions["media"])
	if item.Image == "" {
		for _, e := range item.Enclosures {
			if strings.HasPrefix(e.Type, "image/") {
				item.Image = e.URL
				break
			}
		}
	}
	return item
}

// addMedia takes Media RSS thumbnails and contents, loose or in a
// media:group, which gofeed leaves in its extension map: images become the
// item's Image when it has none, audio and video become enclosures.
func (c *converter) addMedia(item *Item, media map[string][]ext.Extension) {
	if media == nil {
		return
	}
	contents := media["content"]
	thumbnails := media["thumbnail"]
	for _, g := range media["group"] {
		// The contents of a group are one media object in several
		// versions (bitrates, sizes): one of them is the enclosure.
		contents = append(contents, c.groupChoice(item, g.Children["content"])...)
		thumbnails = append(thumbnails, g.Children["thumbnail"]...)
	}
	for _, m := range contents {
		thumbnails = append(thumbnails, m.Children["thumbnail"]...)
	}

	if item.Summary == "" && item.ContentHTML == "" {
		descriptions := media["description"]
		for _, g := range media["group"] {
			descriptions = append(descriptions, g.Children["description"]...)
		}
		for _, m := range contents {
			descriptions = append(descriptions, m.Children["description"]...)
		}
		item.Summary = mediaDescription(descriptions)
	}
	for _, t := range thumbnails {
		if item.Image != "" {
			break
		}
		item.Image = c.resolve(t.Attrs["url"])
	}
	for _, m := range contents {
		mediaURL, typ, mediumAttr := m.Attrs["url"], strings.ToLower(m.Attrs["type"]), strings.ToLower(m.Attrs["medium"])
		isImage := strings.HasPrefix(typ, "image/") || mediumAttr == "image" ||
			(typ == "" && mediumAttr == "" && hasImageExtension(mediaURL))
		if isImage {
			if item.Image == "" {
				item.Image = c.resolve(mediaURL)
			}
			continue
		}
		item.Enclosures = c.appendEnclosure(item.Enclosures, mediaURL, typ, m.Attrs["fileSize"])
	}
}

// mediaDescription is the first of an item's media:description elements
// that holds text, as HTML: plain text unless it says type="html" (Media
// RSS), and escaped then. It gives the summary of an item that has no other
// text, such as a photo or a clip with a caption.
func mediaDescription(descriptions []ext.Extension) string {
	for _, d := range descriptions {
		text := normText(d.Value)
		if text == "" {
			continue
		}
		if strings.EqualFold(strings.TrimSpace(d.Attrs["type"]), "html") {
			return text
		}
		return textToHTML(text)
	}
	return ""
}

// groupChoice is the one of a media:group's versions that stands for it:
// none when the item's enclosures hold one of them already, else the one
// marked isDefault, else the first; with the group's images, which only
// give the item its Image.
func (c *converter) groupChoice(item *Item, versions []ext.Extension) []ext.Extension {
	var images, media []ext.Extension
	for _, m := range versions {
		typ, medium := strings.ToLower(m.Attrs["type"]), strings.ToLower(m.Attrs["medium"])
		if strings.HasPrefix(typ, "image/") || medium == "image" || (typ == "" && medium == "" && hasImageExtension(m.Attrs["url"])) {
			images = append(images, m)
			continue
		}
		media = append(media, m)
	}
	if len(media) == 0 {
		return images
	}
	for _, m := range media {
		u := c.resolve(m.Attrs["url"])
		for _, e := range item.Enclosures {
			if u != "" && e.URL == u {
				return images
			}
		}
	}
	pick := media[0]
	for _, m := range media {
		if strings.EqualFold(strings.TrimSpace(m.Attrs["isDefault"]), "true") {
			pick = m
			break
		}
	}
	return append(images, pick)
}

func hasImageExtension(rawURL string) bool {
	u, err := url.Parse(rawURL)
	if err != nil {
		return false
	}
	p := strings.ToLower(u.Path)
	for _, ext := range []string{".jpg", ".jpeg", ".png", ".gif", ".webp", ".avif"} {
		if strings.HasSuffix(p, ext) {
			return true
		}
	}
	return false
}

// appendEnclosure adds an enclosure unless its URL is unusable or already
// there (media:content often repeats the RSS enclosure).
func (c *converter) appendEnclosure(list []Enclosure, rawURL, typ, length string) []Enclosure {
	u := c.resolve(rawURL)
	if u == "" {
		return list
	}
	for _, e := range list {
		if e.URL == u {
			return list
		}
	}
	n, err := strconv.ParseInt(strings.TrimSpace(length), 10, 64)
	if err != nil || n < 0 {
		n = 0
	}
	return append(list, Enclosure{URL: u, Type: mediaType(typ), Length: n})
}

// mediaType is typ as a media type ("audio/mpeg"), lower-cased and without
// parameters; "" when it is none (markup, a word), and the renderer names
// the file's type from its extension.
func mediaType(typ string) string {
	t, _, err := mime.ParseMediaType(strings.TrimSpace(typ))
	if err != nil || strings.Count(t, "/") != 1 || strings.HasPrefix(t, "/") || strings.HasSuffix(t, "/") {
		return ""
	}
	return t
}

// published reads an item's raw date string (see parseDate), its published
// or its updated one, clamped to now: an item "published" tomorrow would
// otherwise sit on top of every merged feed. It says when the date is not
// taken as its outlet wrote it: one it cannot read, or one later than now by
// more than FutureSlack.
func (c *converter) published(raw string) (time.Time, DateIssue) {
	raw = stripForbidden(raw)
	t, ok := parseDate(raw, c.loc)
	switch {
	case !ok && strings.TrimSpace(raw) != "":
		return time.Time{}, DateIssue{Raw: issueText(raw)}
	case !ok:
		return time.Time{}, DateIssue{}
	}
	return ClampFuture(t, c.now, raw)
}

// ClampFuture dates an item read as dated t (from raw, as its outlet wrote
// it) no later than now: one "published" tomorrow would otherwise top
// every merged feed. More than FutureSlack ahead, it is a DateIssue.
func ClampFuture(t, now time.Time, raw string) (time.Time, DateIssue) {
	if !t.After(now) {
		return t, DateIssue{}
	}
	var issue DateIssue
	if t.Sub(now) > FutureSlack {
		issue = DateIssue{Raw: issueText(raw), Future: true}
	}
	return now.UTC(), issue
}

// issueText is an outlet's date as a DateIssue quotes it.
func issueText(raw string) string {
	s := []rune(collapseSpace(normText(raw)))
	if len(s) > 80 {
		return string(s[:79]) + "…"
	}
	return string(s)
}

// resolve makes raw an absolute http(s) URL against the feed URL, spelled
// as a URI (webURI), or returns "" when it cannot. Absolute URLs that are
// URIs already are kept as the outlet wrote them, so that the same link
// compares equal wherever it appears.
func (c *converter) resolve(raw string) string {
	raw = strings.TrimSpace(stripForbidden(raw))
	if raw == "" {
		return ""
	}
	u, err := url.Parse(raw)
	if err != nil {
		return ""
	}
	if u.IsAbs() {
		if isWebURL(u) {
			return webURI(raw)
		}
		return ""
	}
	if c.base == nil {
		return ""
	}
	u = c.base.ResolveReference(u)
	if !isWebURL(u) {
		return ""
	}
	return webURI(u.String())
}

func isWebURL(u *url.URL) bool {
	return (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}

func isWebURLString(s string) bool {
	u, err := url.Parse(s)
	return err == nil && isWebURL(u)
}

func appendURL(list []string, u string) []string {
	if u == "" {
		return list
	}
	for _, have := range list {
		if have == u {
			return list
		}
	}
	return append(list, u)
}

func appendPerson(list []Person, p Person) []Person {
	p.Name = collapseSpace(normText(p.Name))
	p.Email = normText(p.Email)
	if p.Name == "" && p.Email == "" {
		return list
	}
	for _, have := range list {
		if have == p {
			return list
		}
	}
	return append(list, p)
}

func appendLabel(list []string, label string) []string {
	label = collapseSpace(normText(label))
	if label == "" {
		return list
	}
	for _, have := range list {
		if have == label {
			return list
		}
	}
	return append(list, label)
}

// langTag writes a language tag in BCP 47's canonical form: "vi_VN" and
// "VI-vn" become "vi-VN", "zh-hant-tw" becomes "zh-Hant-TW". A tag that is
// not well-formed BCP 47 is lower-cased, with "-" for "_".
func langTag(tag string) string {
	return LanguageTag(normText(tag))
}

// ownLanguage is the language of an item that declares tag, in a document
// of language inherited: tag's, none for "und" (a language not known,
// rather than the document's), else inherited.
func ownLanguage(tag, inherited string) string {
	if strings.EqualFold(strings.TrimSpace(tag), Undetermined) {
		return ""
	}
	return cmp.Or(langTag(tag), inherited)
}

// LanguageTag is tag, trimmed, in BCP 47's canonical form (see langTag);
// "" for what is no language tag at all (markup, spaces, a word), which
// would be written into xml:lang and <language> as it came.
func LanguageTag(tag string) string {
	tag = strings.ReplaceAll(strings.TrimSpace(tag), "_", "-")
	if strings.EqualFold(tag, Undetermined) {
		return "" // a language not known is none
	}
	if isPrimaryOnly(tag) {
		return tag // "vi", "en": nearly every feed's, already canonical
	}
	if t, err := language.Parse(tag); err == nil {
		return t.String()
	}
	if !wellFormedTag(tag) {
		return ""
	}
	return strings.ToLower(tag)
}

// wellFormedTag reports whether tag has the shape of a BCP 47 tag: subtags
// of one to eight letters or digits, joined by "-", the first letters only.
func wellFormedTag(tag string) bool {
	for i, sub := range strings.Split(tag, "-") {
		if len(sub) < 1 || len(sub) > 8 {
			return false
		}
		for _, c := range sub {
			letter := 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z'
			if !letter && (i == 0 || c < '0' || c > '9') {
				return false
			}
		}
	}
	return true
}

// isPrimaryOnly reports whether tag is two or three lower-case letters.
func isPrimaryOnly(tag string) bool {
	if len(tag) < 2 || len(tag) > 3 {
		return false
	}
	for i := range len(tag) {
		if tag[i] < 'a' || tag[i] > 'z' {
			return false
		}
	}
	return true
}

func firstOf(list []string) string {
	if len(list) == 0 {
		return ""
	}
	return list[0]
}

// atomLinkExtensions are the atom:link elements of an RSS channel, under any
// of the prefixes gofeed files the Atom namespaces under.
func atomLinkExtensions(exts ext.Extensions) []ext.Extension {
	var links []ext.Extension
	for _, prefix := range []string{"atom", "atom10", "atom03"} {
		links = append(links, exts[prefix]["link"]...)
	}
	return links
}

// rssTTL reads RSS <ttl>, in minutes.
func rssTTL(ttl string) time.Duration {
	n, err := strconv.Atoi(strings.TrimSpace(ttl))
	if err != nil || n <= 0 {
		return 0
	}
	return time.Duration(n) * time.Minute
}

// syndicationTTL reads sy:updatePeriod and sy:updateFrequency (updates per
// period, default 1).
func syndicationTTL(exts ext.Extensions) time.Duration {
	sy := exts["sy"]
	if len(sy["updatePeriod"]) == 0 {
		return 0
	}
	periods := map[string]time.Duration{
		"hourly":  time.Hour,
		"daily":   24 * time.Hour,
		"weekly":  7 * 24 * time.Hour,
		"monthly": 30 * 24 * time.Hour,
		"yearly":  365 * 24 * time.Hour,
	}
	period := periods[strings.ToLower(strings.TrimSpace(sy["updatePeriod"][0].Value))]
	frequency := 1
	if f := sy["updateFrequency"]; len(f) > 0 {
		if n, err := strconv.Atoi(strings.TrimSpace(f[0].Value)); err == nil && n > 0 {
			frequency = n
		}
	}
	return period / time.Duration(frequency)
}
