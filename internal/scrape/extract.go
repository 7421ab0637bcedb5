package scrape

import (
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/PuerkitoBio/goquery"
	"github.com/andybalholm/cascadia"
	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
	"golang.org/x/text/unicode/norm"

	"newswire/feeds"
	"newswire/internal/notice"
	"newswire/internal/story"
	"newswire/internal/urlsafe"
)

// vietnam is the zone of dates that carry none when Options names no other,
// as for feeds.
var vietnam = sync.OnceValue(func() *time.Location {
	if loc, err := time.LoadLocation("Asia/Ho_Chi_Minh"); err == nil {
		return loc
	}
	return time.FixedZone("ICT", 7*3600)
})

// Extract reads the items of a listing page by r, first on the page first.
//
// Items are feeds.Item values as feeds.Parse makes them: NFC text, absolute
// links, UTC dates no later than opt.Now, Summary holding the outlet's HTML.
// Each item's GUID is story.CanonicalLink of its link, and an item whose link
// is already on the page is skipped.
//
// A page on which the item selector matches nothing, or on which no item has
// a title or a link, is an error naming the selector that matched nothing; so
// is a date selector that matches in no item or reads no date in any. Items
// missing only some of these are left out and counted in warnings, as are
// optional selectors (summary, image) that match in no item.
//
// Errors start with "scrape: " and the page URL. Detail pages are not
// fetched here; see Scraper.
func Extract(page Page, r Rules, opt Options) (*feeds.Feed, []notice.Notice, error) {
	c, err := compile(r)
	if err != nil {
		return nil, nil, fmt.Errorf("scrape: %s: %w", urlsafe.Redacted(page.URL), err)
	}
	feed, warnings, err := c.extract(page, opt)
	if err != nil {
		return nil, nil, fmt.Errorf("scrape: %s: %w", urlsafe.Redacted(page.URL), err)
	}
	return feed, warnings, nil
}

// tally counts, over the blocks of one page, what each selector found.
type tally struct {
	blocks              int
	noTitle, emptyTitle int
	noLink, badLink     int
	noDate, badDate     int
	summaries, images   int
	duplicates          int
	firstBadDate        string
}

func (c *compiled) extract(page Page, opt Options) (feed *feeds.Feed, warnings []notice.Notice, err error) {
	// A hostile page may cost its source one poll, never the daemon.
	defer func() {
		if r := recover(); r != nil {
			feed, warnings, err = nil, nil, fmt.Errorf("panic while extracting: %v", r)
		}
	}()
	if opt.Location == nil {
		opt.Location = vietnam()
	}
	if opt.Now.IsZero() {
		opt.Now = time.Now()
	}
	doc, err := parsePage(page)
	if err != nil {
		return nil, nil, err
	}
	feed = &feeds.Feed{
		Title:   text(doc.Find("title").First()),
		Link:    urlsafe.Public(doc.base.String()),
		FeedURL: page.URL,
	}
	if lang, ok := doc.Find("html").Attr("lang"); ok {
		feed.Language = feeds.LanguageTag(lang)
	}

	var t tally
	seen := map[string]bool{}
	doc.FindMatcher(c.item).Each(func(_ int, block *goquery.Selection) {
		t.blocks++
		it, ok := c.item1(doc, block, opt, &t)
		if !ok {
			return
		}
		if seen[it.GUID] {
			t.duplicates++
			return
		}
		seen[it.GUID] = true
		if opt.MaxItems > 0 && len(feed.Items) >= opt.MaxItems {
			return
		}
		it.Language = feed.Language
		feed.Items = append(feed.Items, it)
	})
	if err := c.check(t, len(feed.Items)); err != nil {
		if t.blocks == 0 {
			err = fmt.Errorf("%w: %s", err, emptyPageHint(doc))
		}
		return nil, nil, err
	}
	return feed, c.warnings(t), nil
}

// item1 reads one block. ok is false when it lacks a title or a link.
func (c *compiled) item1(doc *document, block *goquery.Selection, opt Options, t *tally) (feeds.Item, bool) {
	var it feeds.Item
	ok := true

	titleSel := first(block, c.title)
	switch it.Title = text(titleSel); {
	case titleSel.Length() == 0:
		t.noTitle++
		ok = false
	case it.Title == "":
		t.emptyTitle++
		ok = false
	}

	linkSel := first(block, c.link)
	switch it.Link = doc.resolve(href(linkSel)); {
	case linkSel.Length() == 0:
		t.noLink++
		ok = false
	case it.Link == "":
		t.badLink++
		ok = false
	}
	it.GUID = story.CanonicalLink(it.Link)
	if it.Link != "" && it.GUID == "" {
		t.badLink++
		ok = false
	}

	if c.date != nil {
		dateSel := first(block, c.date)
		if dateSel.Length() == 0 {
			t.noDate++
		} else if d, found := c.readDate(dateSel, opt.Location, opt.Now); found {
			it.Published, it.DateIssue = feeds.ClampFuture(d, opt.Now, dateText(dateSel))
		} else {
			t.badDate++
			if t.firstBadDate == "" {
				t.firstBadDate = dateText(dateSel)
			}
		}
	}
	if c.summary != nil {
		if s := first(block, c.summary); s.Length() > 0 {
			// Its links are the listing page's: made absolute against
			// it here, before anything reads them against the item's.
			doc.absolutize(s)
			if h, err := s.Html(); err == nil && strings.TrimSpace(h) != "" {
				it.Summary = norm.NFC.String(strings.TrimSpace(h))
				t.summaries++
			}
		}
	}
	if c.image != nil {
		if img := doc.resolve(imageURL(first(block, c.image))); img != "" {
			it.Image = img
			t.images++
		}
	}
	return it, ok
}

// check turns what the selectors found into the error that names the one
// that stopped matching, if any did.
func (c *compiled) check(t tally, items int) error {
	switch {
	case t.blocks == 0:
		return fmt.Errorf("item selector %q matched nothing", c.Item)
	case t.noTitle == t.blocks:
		return fmt.Errorf("title selector %q matched nothing in any of the %d items (item selector %q)", c.Title, t.blocks, c.Item)
	case t.noTitle+t.emptyTitle == t.blocks:
		return fmt.Errorf("title selector %q matched only empty text in the %d items (item selector %q)", c.Title, t.blocks, c.Item)
	case t.noLink == t.blocks:
		return fmt.Errorf("link selector %q matched nothing in any of the %d items (item selector %q)", c.Link, t.blocks, c.Item)
	case t.noLink+t.badLink == t.blocks:
		return fmt.Errorf("link selector %q matched no element with a usable http(s) href in the %d items (item selector %q)", c.Link, t.blocks, c.Item)
	case items == 0 && t.duplicates == 0:
		return fmt.Errorf("no item has both a title and a link: title selector %q failed in %d and link selector %q in %d of the %d items",
			c.Title, t.noTitle+t.emptyTitle, c.Link, t.noLink+t.badLink, t.blocks)
	}
	if c.date == nil {
		return nil
	}
	switch {
	case t.noDate == t.blocks:
		return fmt.Errorf("date selector %q matched nothing in any of the %d items (item selector %q)", c.Date, t.blocks, c.Item)
	case t.noDate+t.badDate == t.blocks:
		return fmt.Errorf("date selector %q: no date %s in any of the %d items (first text: %q)", c.Date, c.dateForm(), t.blocks, t.firstBadDate)
	}
	return nil
}

// warnings describe selectors that failed in some items only, and optional
// ones that matched in none.
func (c *compiled) warnings(t tally) []notice.Notice {
	var w []notice.Notice
	if n := t.noTitle + t.emptyTitle; n > 0 {
		w = append(w, notice.New(notice.SelectorTitle, n, t.blocks, c.Title))
	}
	if n := t.noLink + t.badLink; n > 0 {
		w = append(w, notice.New(notice.SelectorLink, n, t.blocks, c.Link))
	}
	if t.noDate > 0 {
		w = append(w, notice.New(notice.SelectorDate, t.noDate, t.blocks, c.Date))
	}
	if t.badDate > 0 {
		layout := ""
		if c.layout != nil {
			layout = c.DateLayout
		}
		w = append(w, notice.New(notice.SelectorDateText, t.badDate, t.blocks, c.Date, layout, t.firstBadDate))
	}
	if c.summary != nil && t.summaries == 0 {
		w = append(w, notice.New(notice.SelectorSummary, c.Summary))
	}
	if c.image != nil && t.images == 0 {
		w = append(w, notice.New(notice.SelectorImage, c.Image))
	}
	return w
}

func (c *compiled) dateForm() string {
	if c.layout != nil {
		return fmt.Sprintf("in the layout %q", c.DateLayout)
	}
	return "in a known form (set date_layout)"
}

// readDate reads the date of the element the date selector matched: its
// datetime (or content) attribute when it has one, else its text, which
// may count back from now ("2 giờ trước", "Hôm qua, 16:30").
func (c *compiled) readDate(s *goquery.Selection, loc *time.Location, now time.Time) (time.Time, bool) {
	for _, attr := range []string{"datetime", "content"} {
		if v, ok := s.Attr(attr); ok {
			if t, ok := feeds.ParseDate(v, loc); ok {
				return t, true
			}
		}
	}
	txt := text(s)
	if c.layout != nil {
		if t, ok := c.layout.find(txt, loc); ok {
			return t, true
		}
	} else if t, ok := feeds.ParseDate(txt, loc); ok {
		return t, true
	}
	return relativeDate(txt, now, loc)
}

func dateText(s *goquery.Selection) string {
	if v, ok := s.Attr("datetime"); ok {
		return v
	}
	return shorten(text(s), 80)
}

// first is the first element under block that m matches, the block itself
// included, so that an item selector "a.title" can use "a.title" again (or
// ":scope") for its title and link.
func first(block *goquery.Selection, m cascadia.Selector) *goquery.Selection {
	if m == nil {
		return block.Slice(0, 0)
	}
	if block.IsMatcher(m) {
		return block
	}
	return block.FindMatcher(m).First()
}

// text is the element's text with whitespace collapsed, NFC; an element with
// no text (an image link) gives its title attribute or its image's alt.
func text(s *goquery.Selection) string {
	if s.Length() == 0 {
		return ""
	}
	t := collapse(visibleText(s))
	if t == "" {
		t = collapse(s.AttrOr("title", ""))
	}
	if t == "" {
		t = collapse(s.Find("img[alt]").First().AttrOr("alt", ""))
	}
	return t
}

// visibleText is the text of s that a reader of the page sees: what its
// script, style, template and noscript elements hold is left out.
func visibleText(s *goquery.Selection) string {
	var b strings.Builder
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		switch n.Type {
		case html.TextNode:
			b.WriteString(n.Data)
			return
		case html.ElementNode:
			switch n.DataAtom {
			case atom.Script, atom.Style, atom.Template, atom.Noscript:
				return
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	for _, n := range s.Nodes {
		walk(n)
	}
	return b.String()
}

func collapse(s string) string {
	return norm.NFC.String(strings.Join(strings.Fields(s), " "))
}

// href is the element's href, or that of the first link inside it.
func href(s *goquery.Selection) string {
	if s.Length() == 0 {
		return ""
	}
	if v, ok := s.Attr("href"); ok && strings.TrimSpace(v) != "" {
		return v
	}
	return s.Find("a[href]").First().AttrOr("href", "")
}

// imageAttrs are where pages keep an image's address, lazy-loading ones
// first: their src is often a placeholder, whether they give one address
// or a srcset.
var imageAttrs = []string{"data-src", "data-original", "data-lazy-src", "data-srcset", "src", "srcset"}

// imageURL is the address of the image the element is, or of the first one
// inside it; of a srcset, its largest candidate.
func imageURL(s *goquery.Selection) string {
	if s.Length() == 0 {
		return ""
	}
	if !s.Is("img, source") {
		if img := s.Find("img").First(); img.Length() > 0 {
			s = img
		}
	}
	for _, attr := range imageAttrs {
		v, ok := s.Attr(attr)
		if !ok {
			continue
		}
		if strings.HasSuffix(attr, "srcset") {
			v = largestCandidate(v)
		}
		if v = strings.TrimSpace(v); v != "" && !strings.HasPrefix(v, "data:") {
			return v
		}
	}
	return ""
}

// largestCandidate is the address in a srcset with the largest width or
// density descriptor ("a.jpg 320w, b.jpg 640w" gives b.jpg); the first one
// when none has a descriptor it can read.
func largestCandidate(srcset string) string {
	best, size := "", -1.0
	for cand := range strings.SplitSeq(srcset, ",") {
		f := strings.Fields(cand)
		if len(f) == 0 || strings.HasPrefix(f[0], "data:") {
			continue
		}
		n := 0.0
		if len(f) > 1 {
			if d := f[1]; len(d) > 1 && (d[len(d)-1] == 'w' || d[len(d)-1] == 'x') {
				n, _ = strconv.ParseFloat(d[:len(d)-1], 64)
			}
		}
		if n > size {
			best, size = f[0], n
		}
	}
	return best
}

// shorten cuts s to at most n runes, for quoting page text in messages.
func shorten(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "…"
}

// errorWords are what error, maintenance and bot-check pages say, in their
// title or their first lines, lower case.
var errorWords = []string{
	"bảo trì", "nâng cấp hệ thống", "tạm ngừng", "không tìm thấy", "không tồn tại", "lỗi", "truy cập bị từ chối",
	"maintenance", "not found", "error", "unavailable", "forbidden", "access denied", "bad gateway",
	"just a moment", "checking your browser", "captcha", "404", "500", "502", "503",
}

// emptyPageHint says what a page on which the item selector matched
// nothing looks like: an error or maintenance page served as a success (the
// selectors are likely still right, and the source is tried again as any
// failing one), a page its scripts fill in (its list is not in the HTML),
// or else a listing whose layout changed.
func emptyPageHint(doc *document) string {
	title := text(doc.Find("title").First())
	body := doc.Find("body")
	scripts := doc.Find("script").Length()
	body.Find("script, style, noscript, template").Remove()
	words := strings.Join(strings.Fields(body.Text()), " ")
	links := body.Find("a[href]").Length()
	head := strings.ToLower(title + " " + words[:min(len(words), 2000)])
	if links < 15 {
		for _, w := range errorWords {
			if strings.Contains(head, w) {
				return fmt.Sprintf("the page looks like an error or maintenance page, not the listing (title %q, %d links): the selectors are likely still right, and the page is asked again at the next polls; if this lasts, open it in a browser", title, links)
			}
		}
	}
	if n := utf8.RuneCountInString(words); scripts >= 3 && n < 1000 && links < 15 {
		return fmt.Sprintf("the page has little but scripts (%d scripts, %d characters of text, %d links): its list is filled in by a script, not in the HTML; look for the site's feed or for the address its script reads its news from (newswire probe URL lists the feeds a page names)", scripts, n, links)
	}
	return "the page's layout may have changed: newswire probe URL proposes selectors for it as it is now"
}
