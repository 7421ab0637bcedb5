package scrape

import (
	"cmp"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/PuerkitoBio/goquery"
	"github.com/andybalholm/cascadia"
	"golang.org/x/net/html"

	"newswire/feeds"
	"newswire/internal/urlsafe"
)

// FeedLink is a feed a page announces with <link rel="alternate">.
type FeedLink struct {
	URL   string
	Type  string
	Title string
}

// Proposal is what Propose found on a page.
type Proposal struct {
	PageTitle string
	Feeds     []FeedLink // feeds the page announces; better than any selectors
	// Rules extract Items from the page with no error and no warning; zero
	// when no repeated block looked like a news item.
	Rules Rules
	Items []feeds.Item
}

// feedTypes are the media types of feed autodiscovery links.
var feedTypes = map[string]bool{
	"application/rss+xml":   true,
	"application/atom+xml":  true,
	"application/feed+json": true,
	"application/rdf+xml":   true,
	"application/json":      true,
}

// minItems is how many repeated blocks it takes to look like a list of news.
const minItems = 3

// Propose reads a page it has never seen: the feeds it announces, and rules
// for the repeated blocks that look like news items (siblings that each hold
// a link, best with a heading, whose texts are long like headlines rather
// than short like menu entries). The rules it returns have been run on the
// page and extract every such block without error or warning.
func Propose(page Page, opt Options) (*Proposal, error) {
	doc, err := parsePage(page)
	if err != nil {
		return nil, fmt.Errorf("scrape: probe %s: %w", urlsafe.Redacted(page.URL), err)
	}
	p := &Proposal{PageTitle: text(doc.Find("title").First())}
	doc.Find("link[rel][href]").Each(func(_ int, s *goquery.Selection) {
		rel := strings.Fields(strings.ToLower(s.AttrOr("rel", "")))
		typ := strings.ToLower(strings.TrimSpace(strings.Split(s.AttrOr("type", ""), ";")[0]))
		if !slices.Contains(rel, "alternate") || !feedTypes[typ] {
			return
		}
		if u := doc.resolve(s.AttrOr("href", "")); u != "" {
			p.Feeds = append(p.Feeds, FeedLink{URL: u, Type: typ, Title: collapse(s.AttrOr("title", ""))})
		}
	})

	for _, g := range candidateGroups(doc) {
		r, ok := g.rules(doc, cmp.Or(opt.Now, time.Now()))
		if !ok {
			continue
		}
		c, err := compile(r)
		if err != nil {
			continue
		}
		feed, warnings, err := c.extract(page, opt)
		if err != nil || len(warnings) > 0 || len(feed.Items) < minItems {
			continue
		}
		p.Rules, p.Items = r, feed.Items
		break
	}
	return p, nil
}

// group is a set of sibling elements that each hold a headline link.
type group struct {
	members []*html.Node
	titles  []*html.Node // the headline element of each member
	links   []*html.Node // the a[href] of each member's headline
	score   float64
}

// candidateGroups lists the groups of siblings that look like news items,
// most likely first.
func candidateGroups(doc *document) []*group {
	var groups []*group
	doc.Find("*").Each(func(_ int, parent *goquery.Selection) {
		byTag := map[string][]*html.Node{}
		var tags []string
		for c := parent.Nodes[0].FirstChild; c != nil; c = c.NextSibling {
			if c.Type != html.ElementNode {
				continue
			}
			if _, ok := byTag[c.Data]; !ok {
				tags = append(tags, c.Data)
			}
			byTag[c.Data] = append(byTag[c.Data], c)
		}
		for _, tag := range tags {
			if g := newGroup(byTag[tag]); g != nil {
				groups = append(groups, g)
			}
		}
	})
	// A lead story bigger than the rest, or a second row of cards, sits
	// outside the siblings of the list it belongs to, under the same
	// classes: the group of every block with those classes is one too.
	seen := map[string]bool{}
	for _, g := range slices.Clone(groups) {
		sel := simple(g.members[0], g.members)
		if !strings.Contains(sel, ".") || seen[sel] {
			continue
		}
		seen[sel] = true
		if nodes := matchAll(doc, sel); len(nodes) > len(g.members) && !nested(nodes) {
			if wide := newGroup(nodes); wide != nil && len(wide.members) > len(g.members) {
				groups = append(groups, wide)
			}
		}
	}
	slices.SortStableFunc(groups, func(a, b *group) int { return cmp.Compare(b.score, a.score) })
	return groups
}

// nested reports whether one of nodes holds another.
func nested(nodes []*html.Node) bool {
	for _, n := range nodes {
		for a := n.Parent; a != nil; a = a.Parent {
			if slices.Contains(nodes, a) {
				return true
			}
		}
	}
	return false
}

// newGroup keeps the siblings that hold a headline, or returns nil when too
// few do.
func newGroup(siblings []*html.Node) *group {
	if len(siblings) < minItems {
		return nil
	}
	g := &group{}
	headings, length, targets := 0, 0, 0
	titles := make([]*html.Node, len(siblings))
	lengths := make([]int, 0, len(siblings))
	for i, n := range siblings {
		if titles[i], _, _ = headline(n); titles[i] != nil {
			lengths = append(lengths, utf8.RuneCountInString(collapse(nodeText(titles[i]))))
		}
	}
	if len(lengths) == 0 {
		return nil
	}
	slices.Sort(lengths)
	median := lengths[len(lengths)/2]
	for i, n := range siblings {
		if titles[i] == nil {
			continue
		}
		if 3*utf8.RuneCountInString(collapse(nodeText(titles[i]))) < median {
			// "Xem tiếp »", "Trang sau": a link to more of the list
			// in a row of its own, not a story.
			continue
		}
		title, link, heading := headline(n)
		g.members = append(g.members, n)
		g.titles = append(g.titles, title)
		g.links = append(g.links, link)
		length += min(utf8.RuneCountInString(collapse(nodeText(title))), 150)
		if heading {
			headings++
		}
		targets += distinctLinks(n)
	}
	n := len(g.members)
	if n < minItems || 2*n < len(siblings) {
		return nil
	}
	avg := float64(length) / float64(n)
	if avg < 15 {
		// Menus, tags and page numbers: links, but not headlines.
		return nil
	}
	g.score = float64(n) * avg
	if 5*headings >= 4*n {
		g.score *= 2
	}
	// A news item links to its story and perhaps its section or author;
	// a block linking to many places is a column or a whole page part.
	if perItem := float64(targets) / float64(n); perItem > 3 {
		g.score /= perItem
	}
	for a := siblings[0].Parent; a != nil; a = a.Parent {
		if a.Type == html.ElementNode && (a.Data == "nav" || a.Data == "header" || a.Data == "footer" || a.Data == "aside") {
			g.score /= 4
			break
		}
	}
	return g
}

// headline finds the headline of a block: a heading that holds a link or sits
// in one, else the link with the longest text.
func headline(block *html.Node) (title, link *html.Node, heading bool) {
	s := goquery.NewDocumentFromNode(block).Selection
	s.Find("h1, h2, h3, h4, h5, h6").EachWithBreak(func(_ int, h *goquery.Selection) bool {
		if a := h.Find("a[href]").First(); a.Length() > 0 && collapse(h.Text()) != "" {
			title, link = h.Nodes[0], a.Nodes[0]
			return false
		}
		if a := h.ParentsFiltered("a[href]").First(); a.Length() > 0 && collapse(h.Text()) != "" && isWithin(a.Nodes[0], block) {
			title, link = h.Nodes[0], a.Nodes[0]
			return false
		}
		return true
	})
	if title != nil {
		return title, link, true
	}
	best := 0
	s.Find("a[href]").Each(func(_ int, a *goquery.Selection) {
		if n := utf8.RuneCountInString(collapse(a.Text())); n > best {
			best, title, link = n, a.Nodes[0], a.Nodes[0]
		}
	})
	if title != nil {
		return title, link, false
	}
	// Only an image is linked (a video or photo list): the headline is
	// the text beside it, a caption long enough to be one.
	a := s.Find("a[href]:has(img)").First()
	if a.Length() == 0 {
		return nil, nil, false
	}
	s.Find("p, div, span, strong, b").EachWithBreak(func(_ int, e *goquery.Selection) bool {
		if e.Find("a[href], p, div").Length() > 0 || e.Is("a[href] *") {
			return true
		}
		t := collapse(e.Text())
		if utf8.RuneCountInString(dateLike.ReplaceAllString(t, "")) >= 15 {
			title = e.Nodes[0]
			return false
		}
		return true
	})
	if title == nil {
		return nil, nil, false
	}
	return title, a.Nodes[0], false
}

// distinctLinks counts the different addresses block links to.
func distinctLinks(block *html.Node) int {
	seen := map[string]bool{}
	goquery.NewDocumentFromNode(block).Find("a[href]").Each(func(_ int, a *goquery.Selection) {
		seen[strings.TrimSpace(a.AttrOr("href", ""))] = true
	})
	return len(seen)
}

func isWithin(n, ancestor *html.Node) bool {
	for ; n != nil; n = n.Parent {
		if n == ancestor {
			return true
		}
	}
	return false
}

func nodeText(n *html.Node) string {
	return goquery.NewDocumentFromNode(n).Text()
}

// rules derives selectors for g, or ok=false when none picks exactly its
// members and their parts.
func (g *group) rules(doc *document, now time.Time) (r Rules, ok bool) {
	if r.Title, ok = relativeSelector(g.members, g.titles); !ok {
		return r, false
	}
	if r.Link, ok = relativeSelector(g.members, g.links); !ok {
		return r, false
	}
	if r.Item, ok = itemSelector(doc, g.members, r.Link); !ok {
		return r, false
	}
	r.Date, r.DateLayout = g.dateRules(now)
	if nodes, ok := partOfEach(g.members, func(m *html.Node, i int) *html.Node { return summaryNode(m, g.titles[i]) }); ok {
		r.Summary, _ = relativeSelector(g.members, nodes)
	}
	if nodes, ok := partOfEach(g.members, func(m *html.Node, _ int) *html.Node { return imageNode(m) }); ok && !sameImage(nodes) {
		r.Image, _ = relativeSelector(g.members, nodes)
	}
	return r, true
}

// partOfEach finds a part in every member, or ok=false when one lacks it.
func partOfEach(members []*html.Node, find func(*html.Node, int) *html.Node) ([]*html.Node, bool) {
	nodes := make([]*html.Node, len(members))
	for i, m := range members {
		if nodes[i] = find(m, i); nodes[i] == nil {
			return nil, false
		}
	}
	return nodes, true
}

// dateLike finds a date or a time of day in text.
var dateLike = regexp.MustCompile(`\b(\d{1,2}[/.-]\d{1,2}[/.-]\d{4}|\d{4}-\d{2}-\d{2}|\d{1,2}:\d{2})\b`)

// holdsDate reports whether text holds a date, written out or counted back
// from now.
func holdsDate(text string) bool {
	if dateLike.MatchString(text) {
		return true
	}
	// "hôm nay" in a sentence of the summary is no date.
	t := collapse(text)
	return utf8.RuneCountInString(t) <= 40 && relativeLike(t)
}

// probeLayouts are the date layouts Propose tries on text that holds more
// than a date, most specific first. Non-padded day, month and hour fields
// read padded ones too.
var probeLayouts = []string{
	"15:04, 2/1/2006", "15:04 2/1/2006", "15:04 - 2/1/2006", "15:04 | 2/1/2006",
	"2/1/2006, 15:04", "2/1/2006 15:04", "2/1/2006 - 15:04", "2/1/2006 | 15:04",
	"2006-01-02 15:04", "2-1-2006 15:04", "2.1.2006 15:04",
	"2/1/2006", "2006-01-02", "2-1-2006", "2.1.2006",
}

// dateRules proposes a date selector and layout that read a date in every
// member, or nothing.
func (g *group) dateRules(now time.Time) (sel, layout string) {
	nodes, ok := partOfEach(g.members, func(m *html.Node, i int) *html.Node { return dateNode(m, g.titles[i]) })
	if !ok {
		return "", ""
	}
	sel, ok = relativeSelector(g.members, nodes)
	if !ok {
		return "", ""
	}
	readsAll := func(read func(*goquery.Selection) bool) bool {
		for _, n := range nodes {
			if !read(goquery.NewDocumentFromNode(n).Selection) {
				return false
			}
		}
		return true
	}
	loc := vietnam()
	plain := &compiled{}
	if readsAll(func(s *goquery.Selection) bool { _, ok := plain.readDate(s, loc, now); return ok }) {
		return sel, ""
	}
	for _, l := range probeLayouts {
		c := &compiled{}
		c.layout, _ = compileLayout(l)
		if readsAll(func(s *goquery.Selection) bool { _, ok := c.readDate(s, loc, now); return ok }) {
			return sel, l
		}
	}
	return "", ""
}

// dateNode is a <time> in the block, else the innermost element whose text
// holds a date, outside the headline.
func dateNode(block, title *html.Node) *html.Node {
	s := goquery.NewDocumentFromNode(block).Selection
	if t := s.Find("time").First(); t.Length() > 0 {
		return t.Nodes[0]
	}
	var found *html.Node
	s.Find("*").EachWithBreak(func(_ int, e *goquery.Selection) bool {
		n := e.Nodes[0]
		if isWithin(n, title) || isWithin(title, n) || !holdsDate(e.Text()) {
			return true
		}
		if e.ChildrenFiltered("*").FilterFunction(func(_ int, c *goquery.Selection) bool {
			return holdsDate(c.Text())
		}).Length() > 0 {
			return true // a child holds it: look deeper
		}
		found = n
		return false
	})
	return found
}

// summaryNode is the first element after-or-beside the headline that holds a
// sentence of its own text, outside the headline and its link.
func summaryNode(block, title *html.Node) *html.Node {
	var found *html.Node
	goquery.NewDocumentFromNode(block).Find("p, div, span").EachWithBreak(func(_ int, e *goquery.Selection) bool {
		n := e.Nodes[0]
		if isWithin(n, title) || isWithin(title, n) || e.Find("a[href], h1, h2, h3, h4, h5, h6").Length() > 0 || e.Is("a[href] *") {
			return true
		}
		if t := collapse(e.Text()); utf8.RuneCountInString(t) >= 40 && !dateLike.MatchString(t) {
			found = n
			return false
		}
		return true
	})
	return found
}

// sameImage reports whether every one of imgs shows one address: a bullet
// or an icon beside each item, not a picture of its story.
func sameImage(imgs []*html.Node) bool {
	first := imageURL(goquery.NewDocumentFromNode(imgs[0]).Selection)
	for _, n := range imgs[1:] {
		if imageURL(goquery.NewDocumentFromNode(n).Selection) != first {
			return false
		}
	}
	return true
}

// imageNode is the block's first image with a usable address.
func imageNode(block *html.Node) *html.Node {
	var found *html.Node
	goquery.NewDocumentFromNode(block).Find("img").EachWithBreak(func(_ int, e *goquery.Selection) bool {
		if imageURL(e) != "" {
			found = e.Nodes[0]
			return false
		}
		return true
	})
	return found
}

// identifier is a class or id usable in a selector without escaping.
var identifier = regexp.MustCompile(`^-?[A-Za-z_][A-Za-z0-9_-]*$`)

func classes(n *html.Node) []string {
	for _, a := range n.Attr {
		if a.Key == "class" {
			var out []string
			for _, c := range strings.Fields(a.Val) {
				if identifier.MatchString(c) && !slices.Contains(out, c) {
					out = append(out, c)
				}
			}
			return out
		}
	}
	return nil
}

// simple is tag.class.class for n, with only the classes every one of like
// also has (like includes n).
func simple(n *html.Node, like []*html.Node) string {
	var b strings.Builder
	b.WriteString(n.Data)
	for _, c := range classes(n) {
		shared := true
		for _, o := range like {
			if !slices.Contains(classes(o), c) {
				shared = false
				break
			}
		}
		if shared {
			b.WriteString("." + c)
		}
	}
	return b.String()
}

// classesOnly is .class.class for the classes every one of like shares
// with n, whatever their tags (an h2 lead headline and h3 others), or "".
func classesOnly(n *html.Node, like []*html.Node) string {
	sel := simple(n, like)
	if i := strings.IndexByte(sel, '.'); i >= 0 {
		return sel[i:]
	}
	return ""
}

func matchAll(doc *document, sel string) []*html.Node {
	m, err := cascadia.Compile(sel)
	if err != nil {
		return nil
	}
	return doc.FindMatcher(m).Nodes
}

// itemSelector finds a selector matching exactly members on the page; link
// is the selector of their headline links, which a sibling that is no story
// (a row with a "more" link) may lack.
func itemSelector(doc *document, members []*html.Node, link string) (string, bool) {
	base := simple(members[0], members)
	parent := uniqueSelector(doc, members[0].Parent)
	candidates := []string{base, base + ":has(a[href])"}
	if parent != "" {
		candidates = append(candidates, parent+" > "+base, parent+" > "+base+":has(a[href])")
	}
	if link != "a" && link != "a[href]" {
		candidates = append(candidates, base+":has("+link+")")
		if parent != "" {
			candidates = append(candidates, parent+" > "+base+":has("+link+")")
		}
	}
	for _, c := range candidates {
		if sameNodes(matchAll(doc, c), members) {
			return c, true
		}
	}
	return "", false
}

func sameNodes(a, b []*html.Node) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// uniqueSelector is a selector matching only n on the page: its id, its tag
// and classes, or a path of those from the nearest ancestor that is unique.
func uniqueSelector(doc *document, n *html.Node) string {
	if n == nil || n.Type != html.ElementNode {
		return ""
	}
	for _, a := range n.Attr {
		if a.Key == "id" && identifier.MatchString(a.Val) && len(matchAll(doc, "#"+a.Val)) == 1 {
			return "#" + a.Val
		}
	}
	own := simple(n, []*html.Node{n})
	if sameNodes(matchAll(doc, own), []*html.Node{n}) {
		return own
	}
	up := uniqueSelector(doc, n.Parent)
	if up == "" {
		return ""
	}
	sel := up + " > " + own
	if sameNodes(matchAll(doc, sel), []*html.Node{n}) {
		return sel
	}
	k := 1
	for s := n.PrevSibling; s != nil; s = s.PrevSibling {
		if s.Type == html.ElementNode && s.Data == n.Data {
			k++
		}
	}
	sel = fmt.Sprintf("%s > %s:nth-of-type(%d)", up, own, k)
	if sameNodes(matchAll(doc, sel), []*html.Node{n}) {
		return sel
	}
	return ""
}

// relativeSelector finds a selector whose first match in each member is that
// member's part, trying short ones first.
func relativeSelector(members, parts []*html.Node) (string, bool) {
	p := parts[0]
	candidates := []string{simple(p, parts), p.Data}
	if c := classesOnly(p, parts); c != "" {
		candidates = append(candidates, c)
	}
	if up := p.Parent; up != nil && up != members[0] && up.Type == html.ElementNode {
		ups := make([]*html.Node, len(parts))
		for i, q := range parts {
			ups[i] = q.Parent
		}
		candidates = append(candidates, simple(up, ups)+" > "+simple(p, parts), simple(up, ups)+" "+p.Data)
		if c := classesOnly(up, ups); c != "" {
			candidates = append(candidates, c+" > "+simple(p, parts))
		}
	}
	candidates = append(candidates, childPath(members[0], p))
	for _, c := range candidates {
		m, err := cascadia.Compile(c)
		if err != nil {
			continue
		}
		works := true
		for i, member := range members {
			s := first(goquery.NewDocumentFromNode(member).Selection, m)
			if s.Length() == 0 || s.Nodes[0] != parts[i] {
				works = false
				break
			}
		}
		if works {
			return c, true
		}
	}
	return "", false
}

// childPath is the path of tag names from block down to n, "div > h3 > a".
func childPath(block, n *html.Node) string {
	var steps []string
	for ; n != nil && n != block; n = n.Parent {
		steps = append(steps, n.Data)
	}
	slices.Reverse(steps)
	return strings.Join(steps, " > ")
}
