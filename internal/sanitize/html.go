package sanitize

import (
	"net/url"
	"regexp"
	"slices"
	"strings"

	"github.com/microcosm-cc/bluemonday"
	"golang.org/x/net/html"
)

// policy is built once: bluemonday policies are safe for concurrent use.
var policy = newPolicy()

// linkURL and sourceURL match what the URL pass leaves in href (a page or
// an address to write to) and in src (what a reader's browser loads: a
// mailto: there loads nothing, and is no picture of the story): bluemonday
// does not check <source src> itself, and they keep anything relative out.
var (
	linkURL   = regexp.MustCompile(`^(?i:https?://|mailto:)`)
	sourceURL = regexp.MustCompile(`^(?i:https?://)`)
)

func newPolicy() *bluemonday.Policy {
	p := bluemonday.NewPolicy()
	p.AllowElements("p", "br", "figure", "figcaption", "ul", "ol", "li", "blockquote",
		"strong", "em", "b", "i", "u", "h2", "h3", "h4", "h5", "h6",
		"table", "thead", "tbody", "tr", "th", "td")
	p.AllowAttrs("href").Matching(linkURL).OnElements("a")
	p.AllowAttrs("title").OnElements("a", "img")
	p.AllowAttrs("src").Matching(sourceURL).OnElements("img", "audio", "video", "source")
	p.AllowAttrs("alt").OnElements("img")
	p.AllowAttrs("width", "height").Matching(regexp.MustCompile(`^[0-9]{1,4}$`)).OnElements("img")
	p.AllowAttrs("controls").Matching(regexp.MustCompile(`^(?i:controls)?$`)).OnElements("audio", "video")
	p.AllowElements("audio", "video", "source")
	p.AllowURLSchemes("http", "https", "mailto")
	p.RequireParseableURLs(true)
	p.AllowRelativeURLs(false)
	return p
}

// HTML returns raw outlet HTML made safe to republish, with relative URLs
// made absolute against base.
//
// It runs three passes, each linear in the input: URLs are resolved first so
// that bluemonday judges the final absolute URL; bluemonday then applies the
// allowlist; a last pass over its output sets rel on links, drops images left
// without a source, and balances tags so the fragment closes every element it
// opens. The output is not NFC-normalised on purpose: composing a combining
// mark with a preceding ">" or "=" would rewrite markup after it was checked.
func HTML(raw, base string) string {
	clean, _ := htmlAndLead(raw, base)
	return clean
}

// htmlAndLead is HTML(raw, base), and the first picture in it that can be
// the story's own (leadSource), found on the way.
func htmlAndLead(raw, base string) (clean, lead string) {
	raw = stripForbidden(raw)
	if strings.TrimSpace(raw) == "" {
		return "", ""
	}
	return finish(policy.Sanitize(resolveURLs(raw, parseBase(base))))
}

// parseBase returns base as a URL to resolve against, or nil when it is not
// an absolute http(s) URL; relative URLs are then dropped.
func parseBase(base string) *url.URL {
	u, err := url.Parse(strings.TrimSpace(base))
	if err != nil || !isHTTP(u) {
		return nil
	}
	return u
}

func isHTTP(u *url.URL) bool {
	return (u.Scheme == "http" || u.Scheme == "https") && u.Host != "" && u.Opaque == ""
}

// resolveURLs rewrites every href and src to an absolute URL, or removes it
// when it cannot be one we allow. Every other token passes through as it was.
func resolveURLs(raw string, base *url.URL) string {
	var b strings.Builder
	b.Grow(len(raw) + len(raw)/8)
	z := html.NewTokenizer(strings.NewReader(raw))
	for {
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			return b.String()
		case html.StartTagToken, html.SelfClosingTagToken:
			// Token unescapes in place, so a tag is written from the token,
			// never from the raw bytes, once it has been read.
			tok := z.Token()
			rewriteURLAttrs(&tok, base)
			b.WriteString(tok.String())
		default:
			b.Write(z.Raw())
		}
	}
}

// lazyAttrs hold an image's own address where a page loads it late (a
// script swaps it in for src, which holds a placeholder until then), in
// the order lazy-loading scripts use them.
var lazyAttrs = []string{"data-src", "data-original", "data-lazy-src", "data-lazy"}

// lazySource gives an img the address a lazy-loading page keeps out of its
// src, where readers, which run no script, would see only the placeholder
// or nothing: for an img whose src is missing or a placeholder (a data:
// URI, a blank gif: placeholder), the first of lazyAttrs, else the first
// candidate of its srcset (or data-srcset). An img with a src of its own
// keeps it (its data-original may be a larger copy for a zoom).
func lazySource(tok *html.Token) {
	if src, _ := attr(*tok, "src"); !placeholder(src) {
		return
	}
	refused := false // an address that cannot be the picture's
	for _, k := range lazyAttrs {
		if v, ok := attr(*tok, k); ok && !placeholder(v) {
			if loadable(v) {
				setAttr(tok, "src", v)
				return
			}
			refused = true
		}
	}
	for _, k := range []string{"srcset", "data-srcset"} {
		if v, ok := attr(*tok, k); ok {
			first, _, _ := strings.Cut(strings.TrimSpace(v), ",")
			if u, _, _ := strings.Cut(strings.TrimSpace(first), " "); u != "" && !isDataURI(u) {
				if loadable(u) {
					setAttr(tok, "src", u)
					return
				}
				refused = true
			}
		}
	}
	if refused { // the img goes, placeholder and all
		tok.Attr = slices.DeleteFunc(tok.Attr, func(a html.Attribute) bool { return a.Key == "src" })
	}
}

// loadable reports whether an address a lazy-loading page keeps may be
// the picture's: a relative one, or an http or https one (url.Parse gives
// the scheme in lower case). Any other (a mailto:, a javascript:) is
// passed over for an address after it.
func loadable(ref string) bool {
	u, err := url.Parse(strings.TrimSpace(ref))
	return err == nil && (u.Scheme == "" || u.Scheme == "http" || u.Scheme == "https")
}

func isDataURI(v string) bool {
	return len(strings.TrimSpace(v)) >= 5 && strings.EqualFold(strings.TrimSpace(v)[:5], "data:")
}

// placeholderName matches the file names lazy-loading pages put in src
// until a script loads the image: blank.gif, placeholder.png, lazy.svg,
// loading.gif, spacer.gif, 1x1.png, grey.gif…
var placeholderName = regexp.MustCompile(`(?i)(blank|placeholder|lazy|loading|spacer|transparent|pixel|1x1|grey|gray|empty)[^/]*\.(gif|png|svg|jpe?g|webp)$`)

// placeholder reports whether an img's src holds no picture of the story:
// none, a data: URI, or a placeholder's file name.
func placeholder(src string) bool {
	src = strings.TrimSpace(src)
	if src == "" || isDataURI(src) {
		return true
	}
	path, _, _ := strings.Cut(src, "?")
	return placeholderName.MatchString(path)
}

func attr(tok html.Token, key string) (string, bool) {
	for _, a := range tok.Attr {
		if a.Key == key {
			return a.Val, true
		}
	}
	return "", false
}

func setAttr(tok *html.Token, key, val string) {
	for i := range tok.Attr {
		if tok.Attr[i].Key == key {
			tok.Attr[i].Val = val
			return
		}
	}
	tok.Attr = append(tok.Attr, html.Attribute{Key: key, Val: val})
}

// rewriteURLAttrs resolves the href and src attributes of tok, removing those
// that cannot be made an allowed absolute URL (for src, an http or https
// one); an img first takes the address a lazy-loading page keeps out of its
// src (lazySource).
func rewriteURLAttrs(tok *html.Token, base *url.URL) {
	if tok.Data == "img" {
		lazySource(tok)
	}
	attrs := tok.Attr[:0]
	for _, a := range tok.Attr {
		if a.Key == "href" || a.Key == "src" {
			v, ok := absolute(a.Val, base)
			if !ok || a.Key == "src" && !sourceURL.MatchString(v) {
				continue
			}
			a.Val = v
		}
		attrs = append(attrs, a)
	}
	tok.Attr = attrs
}

// absolute returns ref as an absolute http, https or mailto URL, the way a
// browser reads it: surrounding white space ignored, tabs and newlines inside
// removed, "//host/x" taken as https.
func absolute(ref string, base *url.URL) (string, bool) {
	ref = strings.Map(func(r rune) rune {
		if r == '\t' || r == '\n' || r == '\r' {
			return -1
		}
		return r
	}, strings.TrimSpace(ref))
	u, err := url.Parse(ref)
	if err != nil {
		return "", false
	}
	switch {
	case strings.HasPrefix(ref, "//"):
		u.Scheme = "https"
	case u.Scheme == "":
		if base == nil {
			return "", false
		}
		u = base.ResolveReference(u)
	}
	switch {
	case isHTTP(u):
	case u.Scheme == "mailto" && u.Opaque != "":
	default:
		return "", false
	}
	return u.String(), true
}

// voidElements are the allowed elements that never have content or an end tag.
var voidElements = map[string]bool{"br": true, "img": true, "source": true}

// finish re-serialises bluemonday's output: links get rel="nofollow noopener",
// an image without a source is dropped, stray end tags are dropped, end tags
// HTML lets authors omit are written, and open elements are closed. It
// returns too the first image that can be the story's own (leadSource).
func finish(clean string) (out, lead string) {
	var b strings.Builder
	b.Grow(len(clean) + len(clean)/8)
	var open []string
	z := html.NewTokenizer(strings.NewReader(clean))
	for {
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			closeFrom(&b, open, 0)
			return strings.TrimSpace(b.String()), lead
		case html.TextToken:
			// Decoded, "&#x9d;" or "&#x202e;" is what HTML's raw pass
			// dropped: dropped again.
			b.WriteString(html.EscapeString(stripForbidden(string(z.Text()))))
		case html.StartTagToken, html.SelfClosingTagToken:
			tok := z.Token()
			for i := range tok.Attr {
				tok.Attr[i].Val = stripForbidden(tok.Attr[i].Val)
			}
			switch tok.Data {
			case "a":
				setRel(&tok)
			case "img":
				if !hasAttr(tok, "src") {
					continue
				}
				if lead == "" {
					lead = leadSource(tok)
				}
			}
			if voidElements[tok.Data] {
				tok.Type = html.SelfClosingTagToken
			} else {
				if rule, ok := impliedEnds[tok.Data]; ok {
					open = closeFrom(&b, open, implicitlyClosed(open, rule))
				}
				if len(open) >= maxDepth {
					continue // its text stays, in the element around it
				}
				tok.Type = html.StartTagToken
				open = append(open, tok.Data)
			}
			b.WriteString(tok.String())
		case html.EndTagToken:
			name, _ := z.TagName()
			open = closeFrom(&b, open, lastIndex(open, string(name)))
		}
	}
}

// maxDepth is how deeply elements may nest in sanitised HTML; the start
// tags of deeper ones are dropped, their text kept. No story needs more
// than a few levels, while an outlet's thousands of unclosed tags made each
// end tag's search for its element a walk through all of them: a poll spent
// minutes of CPU on one item, and readers' parsers got a document nested
// thousands deep.
const maxDepth = 32

// impliedEnd says which open elements a start tag ends, the way HTML parsers
// read "<li>a<li>b" or "<td>1<td>2": the nearest open element named in ends,
// unless an element named in scope comes first.
type impliedEnd struct {
	ends, scope []string
}

var (
	pScope      = []string{"li", "td", "th", "blockquote", "figure", "figcaption", "table", "ul", "ol"}
	closesP     = impliedEnd{ends: []string{"p"}, scope: pScope}
	impliedEnds = map[string]impliedEnd{
		"li":         {ends: []string{"li"}, scope: []string{"ul", "ol"}},
		"td":         {ends: []string{"td", "th"}, scope: []string{"tr", "table"}},
		"th":         {ends: []string{"td", "th"}, scope: []string{"tr", "table"}},
		"tr":         {ends: []string{"tr"}, scope: []string{"thead", "tbody", "table"}},
		"thead":      {ends: []string{"thead", "tbody"}, scope: []string{"table"}},
		"tbody":      {ends: []string{"thead", "tbody"}, scope: []string{"table"}},
		"p":          closesP,
		"ul":         closesP,
		"ol":         closesP,
		"table":      closesP,
		"blockquote": closesP,
		"figure":     closesP,
		"h2":         closesP, "h3": closesP, "h4": closesP, "h5": closesP, "h6": closesP,
	}
)

// implicitlyClosed returns the index in open of the element rule ends, or -1.
func implicitlyClosed(open []string, rule impliedEnd) int {
	for i := len(open) - 1; i >= 0; i-- {
		switch {
		case slices.Contains(rule.ends, open[i]):
			return i
		case slices.Contains(rule.scope, open[i]):
			return -1
		}
	}
	return -1
}

// closeFrom writes end tags for open[i:], innermost first, and returns
// open[:i]; with i < 0 it does nothing.
func closeFrom(b *strings.Builder, open []string, i int) []string {
	if i < 0 {
		return open
	}
	for j := len(open) - 1; j >= i; j-- {
		b.WriteString("</" + open[j] + ">")
	}
	return open[:i]
}

func setRel(tok *html.Token) {
	attrs := tok.Attr[:0]
	for _, a := range tok.Attr {
		if a.Key != "rel" {
			attrs = append(attrs, a)
		}
	}
	tok.Attr = attrs
	if hasAttr(*tok, "href") {
		tok.Attr = append(tok.Attr, html.Attribute{Key: "rel", Val: "nofollow noopener"})
	}
}

func hasAttr(tok html.Token, key string) bool {
	_, ok := attr(tok, key)
	return ok
}

func lastIndex(list []string, s string) int {
	for i := len(list) - 1; i >= 0; i-- {
		if list[i] == s {
			return i
		}
	}
	return -1
}
