package store

import (
	"time"

	"newswire/feeds"
	"newswire/internal/notice"
	"newswire/internal/story"
)

// Options tune Open.
type Options struct {
	// Timeout bounds the wait for the file lock held by another process.
	// Zero means 5 seconds.
	Timeout time.Duration
	// MaxSize caps the file in bytes, as an early alarm before the disk
	// fills: a write past it fails with ErrFull. Zero means no limit.
	MaxSize int64
	// ReadOnly opens the file for reading only, beside other readers: a
	// store on a disk the system remounted read-only can still be exported
	// or backed up. The file must exist and be of this build's schema
	// version (an older one is ErrMigrate); every write fails.
	ReadOnly bool

	// pageSize, when not zero, is a new file's page size instead of
	// pageSize (tests and benchmarks).
	pageSize int
}

// Incoming is one normalised, routed item ready to be stored.
type Incoming struct {
	Item feeds.Item
	// Key is the canonical link used to find the same item carried by another
	// source; empty when the item has no usable link.
	Key        string
	Categories []string // newswire category ids, already routed
	// Doc fingerprints the item's text (package story) so that the same
	// story carried by another outlet under another link is found; nil turns
	// that off for the item: it is neither joined by its text nor found by it.
	Doc *story.Doc
	// Fingerprint, when Doc is nil, makes Doc on demand: only for items that
	// neither their GUID nor their link finds.
	Fingerprint func() *story.Doc
	// Window bounds how far apart two outlets' publication times may be for
	// a join by text; zero means story.DefaultWindow.
	Window time.Duration
	// SharedGUID and SharedLink say that the item's document gives its
	// GUID, or its link, to other stories too: it identifies none of them,
	// and the item is known within its source by what else it has (its
	// link, else its headline). With SharedLink, Key is not used.
	SharedGUID, SharedLink bool
	// GUIDOf is set by Apply when the item's GUID named a story of its
	// source whose link and text both differ from the item's (an outlet
	// that gave an old GUID to another story) and the item was stored as
	// a new story for it: the GUID stays with story GUIDOf.
	GUIDOf uint64
	// Corrects is the publication time (unix seconds) of an item of the
	// same source that left its document as this one came into it, in its
	// place (poll's corrections): when no key finds the item, the source's
	// story of that time whose text this one confirms is its earlier
	// version (a headline corrected under a link that follows it), and is
	// updated rather than stored again. Zero: no such item.
	Corrects int64
}

// Result counts what one Apply did.
type Result struct {
	New       int // stories created
	Updated   int // stories whose content changed (an outlet edit)
	Joined    int // occurrences added to a story another source carried first
	Unchanged int
	Skipped   int // items with no GUID, link or title to know them by
	// Expired counts items whose GUID or link belonged to a story that
	// retention deleted: an outlet still listing an old item does not bring
	// it back.
	Expired int
}

// wrote reports whether the Apply changed a story: created, updated or
// credited one.
func (r Result) wrote() bool { return r.New+r.Updated+r.Joined > 0 }

// SourceState is what newswire remembers of one source between polls.
type SourceState struct {
	ID                  string        `json:"id"`
	URL                 string        `json:"url,omitempty"` // effective URL when it differs from config (permanent redirect)
	LastPoll            time.Time     `json:"last_poll"`
	LastSuccess         time.Time     `json:"last_success"`
	LastResult          string        `json:"last_result"` // ok | not-modified | error
	LastError           string        `json:"last_error,omitempty"`
	LastStatus          int           `json:"last_status,omitempty"` // HTTP status
	FailingSince        time.Time     `json:"failing_since"`
	ConsecutiveFailures int           `json:"consecutive_failures"`
	NextPoll            time.Time     `json:"next_poll"`
	Interval            time.Duration `json:"interval"`
	ETag                string        `json:"etag,omitempty"`
	LastModified        string        `json:"last_modified,omitempty"`
	BodyHash            uint64        `json:"body_hash,omitempty"`
	LastDuration        time.Duration `json:"last_duration"`
	LastItems           int           `json:"last_items"`             // items in the last document
	EmptiedFrom         int           `json:"emptied_from,omitempty"` // items before its documents began to parse to none; 0 once items come back
	LastNew             int           `json:"last_new"`
	LastUpdated         int           `json:"last_updated"`
	TotalNew            int           `json:"total_new"`
	Warning             string        `json:"warning,omitempty"` // e.g. a feed that suddenly has no items
	// Notices are what Warning says, each as a code and its arguments,
	// for the status page to word in its language.
	Notices []notice.Notice `json:"notices,omitempty"`
	// DocumentNotices are what the last document stored said of itself
	// when it was read (malformed, repeating its items, a scraper's
	// selectors failing for some): they hold while it is unchanged.
	DocumentNotices []notice.Notice `json:"document_notices,omitempty"`
	// Dates counts the items of the last document stored that are not
	// dated as their outlet dated them (feeds.DateIssue).
	Dates Dates `json:"dates,omitzero"`
	// Dropped counts the items of the last document each filter dropped,
	// keyed by the filter and its value (`filters.drop_keywords: "PR"`).
	Dropped map[string]int `json:"dropped,omitempty"`

	// ConfigURL is the configured URL the last poll was made under. What
	// its server said (a Retry-After, a Cache-Control or ttl wait, the
	// validators) and the backoff of its failures belong to that address:
	// they no longer hold once the config gives the source another.
	ConfigURL string `json:"config_url,omitempty"`
	// Title and Level are the source's in the config of its last poll:
	// once the source is removed from the config, the feeds go on
	// crediting its stories with them.
	Title string `json:"title,omitempty"`
	Level string `json:"level,omitempty"`
	// Rules is a digest of the selectors an html source's last poll read
	// its page with: a page read with others is read again, even unchanged.
	Rules uint64 `json:"rules,omitempty"`
	// ShrunkFrom is how many items an html source's page gave before it
	// fell to a third or less of them, 0 once it is back to half.
	ShrunkFrom int `json:"shrunk_from,omitempty"`
	// URLFrom is the configured URL that URL replaces; URL is used only while
	// the config still says URLFrom, so an admin's edit wins.
	URLFrom   string `json:"url_from,omitempty"`
	URLReason string `json:"url_reason,omitempty"` // moved (301/308) | discovered (HTML page)
	// GoneURL is the URL that answered 410 Gone; it is not polled again.
	GoneURL string `json:"gone_url,omitempty"`
	// Home is the outlet's site as its feed names it (RSS channel link,
	// Atom alternate link, JSON Feed home_page_url): what readers and
	// partners are sent to for the outlet, rather than its feed's host.
	Home           string        `json:"home,omitempty"`
	IntervalReason string        `json:"interval_reason,omitempty"` // why Interval is what it is
	PublishGap     time.Duration `json:"publish_gap,omitempty"`     // typical time between the source's items
	NewestItem     time.Time     `json:"newest_item"`               // publication time of its newest item
	FeedTTL        time.Duration `json:"feed_ttl,omitempty"`        // RSS ttl / sy:updatePeriod of its last document
	// Cursor is where the poller follows a newswire source's changes
	// from: the X-Newswire-Cursor of its last document read, asked again
	// with ?since= at its next poll. Empty for any other source.
	Cursor string `json:"cursor,omitempty"`
	// UnreadCursor is the cursor whose page of changes had items that
	// could not be read, held rather than followed past them; UnreadTries
	// is how many times that page was read so.
	UnreadCursor string `json:"unread_cursor,omitempty"`
	UnreadTries  int    `json:"unread_tries,omitempty"`
	// Recent counts the items new from this source (stories it created or
	// joined) in the last hours and days.
	Recent Recent `json:"recent,omitzero"`
}

// Dates counts the items of a document whose dates newswire did not take
// as the outlet wrote them, with the first of each kind as written: their
// published dates (feeds.Item.DateIssue), then their updated ones
// (feeds.Item.UpdatedIssue).
type Dates struct {
	Unreadable        int    `json:"unreadable,omitempty"` // a date newswire cannot read: dated when first seen
	UnreadableExample string `json:"unreadable_example,omitempty"`
	Future            int    `json:"future,omitempty"` // well in the future: dated when first seen
	FutureExample     string `json:"future_example,omitempty"`
	// An updated date newswire cannot read: the story's is its published
	// date (or when an edit was seen).
	UpdatedUnreadable        int    `json:"updated_unreadable,omitempty"`
	UpdatedUnreadableExample string `json:"updated_unreadable_example,omitempty"`
	// An updated date well in the future: taken as updated when first
	// seen.
	UpdatedFuture        int    `json:"updated_future,omitempty"`
	UpdatedFutureExample string `json:"updated_future_example,omitempty"`
}

// Page is one slice of a category index, newest first.
type Page struct {
	Stories []feeds.Story
	// Next is the opaque cursor of the next (older) page; empty at the end.
	Next string
}

// Stats describes the store for the status page and metrics.
type Stats struct {
	Stories    int
	Categories map[string]int // stories per category id ("all" not included)
	Sources    int            // sources with a saved state
	FileSize   int64          // bytes on disk
	// UsedBytes is what the pages in use take, about what `newswire
	// compact` would leave: the file grows in large steps and never
	// shrinks, and freed pages are reused before it grows again.
	UsedBytes int64
}
