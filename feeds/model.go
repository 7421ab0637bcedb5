// Package feeds owns newswire's item and feed model, parsing outlet feeds into
// it (with github.com/mmcdole/gofeed) and rendering merged feeds from it (with
// github.com/gorilla/feeds plus our own structs where the library falls short).
//
// It does not fetch, store or route anything: bytes come in from the fetcher,
// stories go out to the HTTP server.
package feeds

import "time"

// Feed is one outlet document as parsed, before routing and storage.
type Feed struct {
	Title       string
	Link        string // the outlet's home page, absolute
	Description string
	Language    string // BCP 47 tag from the feed, in canonical form ("vi", "en-US"); empty if none
	FeedURL     string // the URL the document was fetched from
	Self        string // the URL the document gives as its own (rel="self", JSON feed_url); empty if none
	Hubs        []string
	// TTL is how long the outlet asks to be left alone (RSS <ttl>,
	// sy:updatePeriod/sy:updateFrequency); zero when it says nothing.
	TTL   time.Duration
	Items []Item
	// Unread is how many items a scan of the markup found that the parser
	// did not read: gofeed reads a malformed document as far as it can.
	Unread int
}

// Item is one entry of an outlet feed, after parsing and normalisation.
//
// Parsing fills every field with NFC text, absolute URLs and UTC times;
// Summary and ContentHTML still hold the outlet's raw HTML. The normalise step
// (internal/sanitize) then makes Summary plain text and ContentHTML safe HTML.
type Item struct {
	GUID        string
	Link        string
	Title       string // plain text
	Summary     string
	ContentHTML string
	Authors     []Person
	Published   time.Time // UTC; zero when the outlet gave none we could read
	Updated     time.Time // UTC; zero when none, or none newswire can read
	Language    string    // the item's own tag, else the feed's; empty if neither
	Labels      []string  // the outlet's own category labels
	Enclosures  []Enclosure
	Image       string // thumbnail or lead image, absolute
	// Origin is the outlet that published the item, when the feed copied
	// it from another (another newswire, a planet): zero for an outlet's
	// own item.
	Origin Origin
	// Via are the addresses an aggregator credits as the ways its item
	// came, absolute: Atom and RSS rel="via" links (newswire credits the
	// newswire a story came through by its home page there), and the via
	// of each source newswire's JSON Feed names. A newswire finds in them
	// its own stories coming back through another that polls it.
	Via []string `json:",omitempty"`
	// DateIssue says why the item is not dated as its outlet dated it:
	// zero when it is, or when the outlet gave no date.
	DateIssue DateIssue `json:",omitzero"`
	// UpdatedIssue says the same of its updated date, which is then
	// zero (a date newswire cannot read) or clamped to the parse (one in
	// the future): zero when it is as its outlet dated it, or when it is
	// the published date, whose DateIssue says it.
	UpdatedIssue DateIssue `json:",omitzero"`
}

// DateIssue is an item's date that newswire did not take as its outlet
// wrote it: one it cannot read, which leaves the item undated (dated when
// first seen), or one well in the future, which it dates at the parse
// instead, as an item dated tomorrow would otherwise top every feed.
type DateIssue struct {
	Raw    string // the date as the outlet wrote it, on one line and cut at 80 characters
	Future bool   // read, and ahead of the parse by more than FutureSlack; else unreadable
}

// IsZero reports whether d is no issue.
func (d DateIssue) IsZero() bool { return d == DateIssue{} }

// FutureSlack is how far ahead of the parse an item's date may be without a
// DateIssue: a drifting clock or a story scheduled a few minutes ahead, not
// a wrong time zone. The date is still clamped to the parse's time.
const FutureSlack = 15 * time.Minute

// CursorHeader is the response header in which a newswire gives the cursor
// of its change log with every feed: the value to pass as ?since= next time.
const CursorHeader = "X-Newswire-Cursor"

// Origin is the outlet an aggregator's item came from: the feed an Atom
// entry's atom:source or an RSS item's <source url> names, or the outlet
// newswire's JSON Feed credits in _newswire.sources. Any field may be
// empty, but not all of Title, FeedURL and ID.
type Origin struct {
	Title   string `json:"title,omitempty"`    // plain text, e.g. "Báo Nhân Dân"
	FeedURL string `json:"feed_url,omitempty"` // the outlet's feed, absolute
	// ID is the Atom id of the outlet's feed where it is not its FeedURL
	// (an aggregator that does not give the feed's address).
	ID    string `json:"id,omitempty"`
	Link  string `json:"home_page_url,omitempty"` // the outlet's home page, absolute
	Level string `json:"level,omitempty"`         // "provincial", "central", as newswire's JSON Feed gives it
}

// IsZero reports whether o names no outlet.
func (o Origin) IsZero() bool { return o == Origin{} }

// Person is an author or contributor.
type Person struct {
	Name  string `json:"name,omitempty"`
	Email string `json:"email,omitempty"`
	URL   string `json:"url,omitempty"`
}

// Enclosure is a media file attached to an item (RSS enclosure, Atom
// link rel="enclosure", media:content, JSON Feed attachment).
type Enclosure struct {
	URL    string `json:"url"`
	Type   string `json:"type,omitempty"`
	Length int64  `json:"length,omitempty"`
}

// Story is what newswire stores and republishes: one piece of news, carried by
// one or more outlets. Its representative fields (title, link, content) come
// from the first occurrence stored and stay stable; Sources credits every
// outlet that carried it, first publisher first.
type Story struct {
	ID          uint64       `json:"id"`
	Title       string       `json:"title"`
	Link        string       `json:"link"`
	Summary     string       `json:"summary,omitempty"`      // plain text
	ContentHTML string       `json:"content_html,omitempty"` // sanitised HTML
	Authors     []Person     `json:"authors,omitempty"`
	Published   time.Time    `json:"published"`
	Updated     time.Time    `json:"updated"`
	FirstSeen   time.Time    `json:"first_seen"`
	Language    string       `json:"language,omitempty"`
	Categories  []string     `json:"categories,omitempty"` // newswire category ids
	Labels      []string     `json:"labels,omitempty"`     // outlets' own labels
	Enclosures  []Enclosure  `json:"enclosures,omitempty"`
	Image       string       `json:"image,omitempty"`
	Sources     []Occurrence `json:"sources"`
	// SortTime orders the story in feeds, newest first. It is fixed when the
	// story is first stored (published time, never later than first seen) so
	// that edits never move a story.
	SortTime time.Time `json:"sort_time"`
}

// Occurrence is one outlet's copy of a story.
type Occurrence struct {
	Source    string    `json:"source"` // source id from config
	Link      string    `json:"link"`
	GUID      string    `json:"guid,omitempty"`
	Title     string    `json:"title,omitempty"`
	Published time.Time `json:"published"`
	FirstSeen time.Time `json:"first_seen"`
	// Hash fingerprints the occurrence's content as last seen, so that an
	// unchanged item costs no write.
	Hash uint64 `json:"hash"`
	// Origin is the outlet that published the item, when Source (another
	// newswire, an aggregator) copied it from that outlet; zero otherwise.
	Origin Origin `json:"origin,omitzero"`
}
