package feeds

import (
	"fmt"
	"html"
	"net/mail"
	"net/url"
	"path"
	"strings"
	"time"
	"unicode/utf8"

	gfeeds "github.com/gorilla/feeds"
)

// Media types of the three rendered formats, as served over HTTP.
const (
	ContentTypeRSS  = "application/rss+xml; charset=utf-8"
	ContentTypeAtom = "application/atom+xml; charset=utf-8"
	ContentTypeJSON = "application/feed+json; charset=utf-8"
)

// generator names newswire in every rendered feed.
const generator = "newswire"

// Namespaces the XML formats declare.
const (
	nsAtom    = "http://www.w3.org/2005/Atom"
	nsContent = "http://purl.org/rss/1.0/modules/content/"
	nsDC      = "http://purl.org/dc/elements/1.1/"
	nsMedia   = "http://search.yahoo.com/mrss/"
	nsFH      = "http://purl.org/syndication/history/1.0" // RFC 5005
)

// Channel describes one merged feed.
type Channel struct {
	ID          string    // absolute URI identifying the feed (Atom id)
	Title       string    // e.g. "Du lịch"
	Description string    // one line for feed readers; the title when empty
	Link        string    // the HTML page for people
	SelfURL     string    // this document's URL (rel="self")
	Language    string    // BCP 47 tag, e.g. "vi"
	Updated     time.Time // newest change among the stories; zero → newest story time
	HubURL      string    // WebSub hub; "" = none
	NextURL     string    // RFC 5005 rel="next" (older page); "" = none
	// RFC 5005 archived feeds: the older and the newer archive document
	// (rel="prev-archive", "next-archive"), and in an archive the feed's
	// newest document (rel="current"); "" = none. Archive marks an
	// archive document (fh:archive), Complete a document that holds every
	// story of the feed (fh:complete).
	PrevArchiveURL, NextArchiveURL, CurrentURL string
	Archive, Complete                          bool
	// Cursor is the opaque cursor a partner passes as ?since= next. Only
	// JSON Feed carries it in the document (in _newswire); RSS and Atom carry
	// attribution and paging in standard elements alone, since validators
	// warn about any extension namespace, and the HTTP response carries the
	// cursor in a header for every format.
	Cursor string
}

// Outlet describes one source, for attribution.
type Outlet struct {
	ID      string // source id from config
	Title   string // e.g. "Báo Hà Giang"
	Link    string // the outlet's home page
	FeedURL string // the feed newswire polls
	Level   string // "provincial", "central", …
}

// Renderer writes merged feeds of stories in RSS 2.0, Atom 1.0 and JSON Feed
// 1.1. The zero value works but credits outlets by their ids only and mints
// story ids without an authority; set both.
type Renderer struct {
	Authority string            // tag URI authority, e.g. "news.example.vn"
	Outlets   map[string]Outlet // by source id
}

// StoryID is a story's permanent id in every format: a tag URI (RFC 4151),
// absolute as Atom requires and independent of the story's link, which may
// change.
func StoryID(authority string, id uint64) string {
	return fmt.Sprintf("tag:%s,2026:story/%d", authority, id)
}

// FeedID is the Atom id of a category's merged feed, under the same
// authority as its stories' ids: a tag URI rather than the feed's address,
// so that a base_url that changes (a new host name, https) changes no
// feed's id, as it changes no story's.
func FeedID(authority, category string) string {
	return "tag:" + authority + ",2026:feed/" + category
}

// categoryScheme names the vocabulary of newswire category ids, so that a
// reader can tell them from the outlets' own labels.
func categoryScheme(authority string) string {
	return "tag:" + authority + ",2026:category"
}

// story is one Story cleaned and resolved for rendering: what every format
// writes, computed once.
type story struct {
	id         string
	title      string
	link       string
	summary    string
	content    string // HTML; empty when the story has no text
	authors    []Person
	published  time.Time
	updated    time.Time
	language   string
	terms      []term
	enclosures []Enclosure
	image      string
	sources    []credit
}

// term is one category: a newswire category id (with the scheme) or an
// outlet's label (without).
type term struct {
	name   string
	scheme string
}

// credit is one outlet's copy of a story, joined with what we know of the
// outlet. For an item that a source (another newswire) copied from an
// outlet, outlet is that outlet, its origin, and via the source.
type credit struct {
	outlet    Outlet
	feedID    string // the Atom id of the outlet's feed
	link      string
	published time.Time
	via       *Outlet
}

// cleanChannel is ch cleaned, with Updated resolved.
func cleanChannel(ch Channel, stories []story) Channel {
	ch = Channel{
		ID:          cleanText(ch.ID),
		Title:       cleanText(ch.Title),
		Description: cleanText(ch.Description),
		Link:        cleanText(ch.Link),
		SelfURL:     cleanText(ch.SelfURL),
		Language:    cleanText(ch.Language),
		Updated:     ch.Updated.UTC(),
		HubURL:      cleanText(ch.HubURL),
		NextURL:     cleanText(ch.NextURL),
		Cursor:      cleanText(ch.Cursor),

		PrevArchiveURL: cleanText(ch.PrevArchiveURL),
		NextArchiveURL: cleanText(ch.NextArchiveURL),
		CurrentURL:     cleanText(ch.CurrentURL),
		Archive:        ch.Archive,
		Complete:       ch.Complete,
	}
	if ch.Description == "" {
		ch.Description = ch.Title
	}
	if ch.Updated.IsZero() {
		for _, s := range stories {
			if s.updated.After(ch.Updated) {
				ch.Updated = s.updated
			}
		}
	}
	if ch.Updated.IsZero() {
		// Atom requires a date; an empty feed that nobody dated gets the
		// epoch rather than the clock, so that its bytes (and ETag) are stable.
		ch.Updated = time.Unix(0, 0).UTC()
	}
	return ch
}

// prepare cleans every string of the stories and resolves the fallbacks that
// all three formats share.
func (r Renderer) prepare(in []Story) []story {
	out := make([]story, len(in))
	scheme := categoryScheme(r.Authority)
	for i, s := range in {
		p := story{
			id:        StoryID(r.Authority, s.ID),
			title:     cleanText(s.Title),
			link:      cleanURL(s.Link),
			summary:   cleanText(s.Summary),
			content:   cleanText(s.ContentHTML),
			published: firstTime(s.Published, s.SortTime, s.FirstSeen),
			language:  cleanText(s.Language),
			image:     pictureURL(s.Image),
		}
		if p.link == "" && len(s.Sources) > 0 {
			p.link = cleanURL(s.Sources[0].Link)
		}
		p.updated = s.Updated.UTC()
		if p.updated.Before(p.published) {
			p.updated = p.published
		}
		for _, a := range s.Authors {
			a = Person{Name: cleanText(a.Name), Email: cleanEmail(a.Email), URL: cleanURL(a.URL)}
			if a.Name == "" {
				a.Name = a.Email
			}
			if a.Name != "" {
				p.authors = append(p.authors, a)
			}
		}
		seen := make(map[term]bool, len(s.Categories)+len(s.Labels))
		add := func(name, scheme string) {
			t := term{name: cleanText(name), scheme: scheme}
			if t.name != "" && !seen[t] {
				seen[t] = true
				p.terms = append(p.terms, t)
			}
		}
		for _, c := range s.Categories {
			add(c, scheme)
		}
		for _, l := range s.Labels {
			add(l, "")
		}
		for _, e := range s.Enclosures {
			e = Enclosure{URL: cleanURL(e.URL), Type: cleanText(e.Type), Length: max(e.Length, 0)}
			if e.URL == "" {
				continue
			}
			if e.Type == "" {
				e.Type = guessType(e.URL)
			}
			p.enclosures = append(p.enclosures, e)
		}
		for _, o := range s.Sources {
			p.sources = append(p.sources, r.credit(o))
		}
		if strings.TrimSpace(p.title) == "" {
			// Atom requires a title and readers list items by theirs. An
			// item is given one before it is stored (Headline); a story
			// stored before that was done gets the same here.
			u := Untitled{Summary: p.summary, Enclosures: p.enclosures, Image: p.image, Link: p.link, Language: p.language}
			if len(p.sources) > 0 {
				u.Outlet = p.sources[0].outlet.Title
			}
			p.title, _ = Headline(u)
		}
		if p.content == "" && p.summary != "" {
			// Every format gets full content: readers show it, and Atom and
			// JSON Feed want it. A story with no text gets none: its
			// headline (made up, for an untitled item) is not its body,
			// which a newswire reading this one would store as such.
			p.content = "<p>" + html.EscapeString(p.summary) + "</p>"
		}
		out[i] = p
	}
	return out
}

// Undetermined is the BCP 47 tag of a language that is not known ("und").
const Undetermined = "und"

// itemLanguage is the language s declares in a document that declares
// docLang: its own, or, when it has none that a reader would otherwise
// take to be the document's, Undetermined. (A story from an outlet that
// declares no language, too short to tell, or in a language newswire does
// not recognise is not the newsroom's Vietnamese.)
func itemLanguage(s story, docLang string) string {
	if s.language == "" && docLang != "" {
		return Undetermined
	}
	return s.language
}

// credit is what the formats say of one occurrence: the outlet that
// published it, and the source it came through when that is another.
func (r Renderer) credit(o Occurrence) credit {
	known, ok := r.Outlets[o.Source]
	if !ok {
		known = Outlet{ID: o.Source}
	}
	outlet := Outlet{
		ID:      cleanText(known.ID),
		Title:   cleanText(known.Title),
		Link:    cleanURL(known.Link),
		FeedURL: cleanURL(known.FeedURL),
		Level:   cleanText(known.Level),
	}
	if outlet.Title == "" {
		outlet.Title = outlet.ID
	}
	c := credit{
		outlet:    outlet,
		feedID:    outlet.FeedURL,
		link:      cleanURL(o.Link),
		published: firstTime(o.Published, o.FirstSeen),
	}
	if c.feedID == "" {
		c.feedID = sourceID(r.Authority, outlet.ID) // built only when needed: this runs for every credit rendered
	}
	if o.Origin.IsZero() {
		return c
	}
	via := outlet
	c.via = &via
	// The origin keeps the source's id, which names it in this install's
	// config: the outlet itself has none here.
	c.outlet = Outlet{
		ID:      outlet.ID,
		Title:   cleanText(o.Origin.Title),
		Link:    cleanURL(o.Origin.Link),
		FeedURL: cleanURL(o.Origin.FeedURL),
		Level:   cleanText(o.Origin.Level),
	}
	c.feedID = firstString(c.outlet.FeedURL, cleanText(o.Origin.ID))
	if c.outlet.Title == "" {
		c.outlet.Title = firstString(c.outlet.FeedURL, c.feedID)
	}
	if c.feedID == "" {
		c.feedID = sourceID(r.Authority, outlet.ID+"/"+url.PathEscape(c.outlet.Title))
	}
	return c
}

// gorillaFeed is the library's generic feed of the stories, which each format
// turns into its own struct and then completes.
func gorillaFeed(ch Channel, stories []story) *gfeeds.Feed {
	f := &gfeeds.Feed{
		Title:       ch.Title,
		Link:        &gfeeds.Link{Href: ch.Link},
		Description: ch.Description,
		Updated:     ch.Updated,
		Id:          ch.ID,
		Items:       make([]*gfeeds.Item, 0, len(stories)),
	}
	for _, s := range stories {
		it := &gfeeds.Item{
			Title:       s.title,
			Link:        &gfeeds.Link{Href: s.link},
			Description: s.summary,
			Id:          s.id,
			IsPermaLink: "false",
			Created:     s.published,
			Updated:     s.updated,
			Content:     s.content,
		}
		if len(s.enclosures) > 0 {
			e := s.enclosures[0]
			it.Enclosure = &gfeeds.Enclosure{Url: e.URL, Type: e.Type, Length: fmt.Sprint(e.Length)}
		}
		f.Items = append(f.Items, it)
	}
	return f
}

// cleanText drops what XML 1.0 does not allow in a document (C0 controls but
// tab, CR and LF; surrogates; U+FFFE and U+FFFF) and invalid UTF-8. The
// library copies content raw into CDATA, so one stray control character from
// an outlet would make the whole feed ill-formed.
func cleanText(s string) string {
	clean := utf8.ValidString(s)
	for _, c := range s {
		if !clean {
			break
		}
		clean = xmlChar(c)
	}
	if clean {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for i, c := range s {
		if c == utf8.RuneError {
			if _, n := utf8.DecodeRuneInString(s[i:]); n == 1 {
				continue
			}
		}
		if xmlChar(c) {
			b.WriteRune(c)
		}
	}
	return b.String()
}

// cleanURL is cleanText for a URL, spelled as a URI: stories stored before
// the parser did so may hold IRIs.
func cleanURL(s string) string { return webURI(cleanText(s)) }

// pictureURL is a story's image as every format carries it: an http or
// https URL, or none. A store may hold another kind: an earlier sanitiser
// could take a mailto: img for an item's lead picture.
func pictureURL(s string) string {
	if u := cleanURL(s); isWebURLString(u) {
		return u
	}
	return ""
}

// titleFrom makes a title of a story's plain-text summary, for a story
// that has none: its first sentence when that is short, else its first
// words up to titleRunes, with an ellipsis.
func titleFrom(summary string) string {
	text := strings.Join(strings.Fields(summary), " ")
	if i := strings.Index(text, ". "); i > 0 && utf8.RuneCountInString(text[:i]) <= titleRunes {
		return text[:i]
	}
	if utf8.RuneCountInString(text) <= titleRunes {
		return strings.TrimSuffix(text, ".")
	}
	cut := runePrefix(text, titleRunes)
	if sp := strings.LastIndexByte(cut, ' '); sp > 0 {
		cut = cut[:sp]
	}
	return strings.TrimRight(cut, " ,;:") + "…"
}

// titleRunes is the longest title titleFrom makes, and the longest file
// name or link an untitled item's headline is made of (headline.go); the
// titles outlets write are cut longer, when they are stored
// (internal/sanitize).
const titleRunes = 90

// xmlChar reports whether c matches XML 1.0's Char production.
func xmlChar(c rune) bool {
	switch {
	case c == '\t' || c == '\n' || c == '\r':
		return true
	case c < 0x20:
		return false
	case c <= 0xD7FF:
		return true
	case c < 0xE000:
		return false
	case c <= 0xFFFD:
		return true
	default:
		return c >= 0x10000 && c <= utf8.MaxRune
	}
}

// cleanEmail is email when it is an address (name@host, as RFC 5322 and
// the formats want it), else "": an author's "email" may be anything an
// outlet wrote there.
func cleanEmail(email string) string {
	email = cleanText(email)
	if email == "" {
		return ""
	}
	a, err := mail.ParseAddress(email)
	if err != nil || a.Address != email || a.Name != "" || strings.ContainsAny(email, ":/ ") {
		return ""
	}
	return email
}

// guessType names an enclosure's media type from its URL's extension, since
// every format wants one and outlets often leave it out. The table is ours,
// not the system's mime.types, so output does not vary by machine.
func guessType(link string) string {
	p := link
	if u, err := url.Parse(link); err == nil {
		p = u.Path
	}
	if t, ok := mediaTypes[strings.ToLower(path.Ext(p))]; ok {
		return t
	}
	return "application/octet-stream"
}

var mediaTypes = map[string]string{
	".mp3":  "audio/mpeg",
	".m4a":  "audio/mp4",
	".aac":  "audio/aac",
	".ogg":  "audio/ogg",
	".oga":  "audio/ogg",
	".opus": "audio/ogg",
	".wav":  "audio/wav",
	".mp4":  "video/mp4",
	".m4v":  "video/mp4",
	".webm": "video/webm",
	".ogv":  "video/ogg",
	".mov":  "video/quicktime",
	".jpg":  "image/jpeg",
	".jpeg": "image/jpeg",
	".png":  "image/png",
	".gif":  "image/gif",
	".webp": "image/webp",
	".avif": "image/avif",
	".pdf":  "application/pdf",
}

// medium is the Media RSS medium of a media type.
func medium(mediaType string) string {
	kind, _, _ := strings.Cut(mediaType, "/")
	switch kind {
	case "image", "audio", "video":
		return kind
	}
	return "document"
}

// firstTime is the first non-zero time, in UTC.
func firstTime(times ...time.Time) time.Time {
	for _, t := range times {
		if !t.IsZero() {
			return t.UTC()
		}
	}
	return time.Time{}
}

// rfc3339 formats t for Atom and the extension attributes; "" when zero.
func rfc3339(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}
