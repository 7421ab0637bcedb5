package scrape

import (
	"bytes"
	"fmt"
	"mime"
	"net/url"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/PuerkitoBio/goquery"
	"golang.org/x/net/html/charset"
	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"newswire/internal/urlsafe"
	"newswire/internal/utf8repair"
)

// Page is one fetched web page.
type Page struct {
	URL         string // the address it was fetched from, after redirects; base of relative links
	Body        []byte
	ContentType string // HTTP Content-Type, may name the charset
}

// document is a parsed page with the base its relative links resolve against.
type document struct {
	*goquery.Document
	base *url.URL
}

// parsePage decodes page to UTF-8 (see decodePage) and parses it;
// windows-1258 pages decode like feeds do and are NFC-normalised later with
// every text field.
func parsePage(page Page) (*document, error) {
	// Relative links would take the page's credentials with them (user
	// info, and a key in the query for a link that is a fragment alone):
	// they resolve against the page's public URL.
	base, err := url.Parse(urlsafe.Public(page.URL))
	if err != nil || !base.IsAbs() {
		return nil, fmt.Errorf("page URL %q is not absolute", urlsafe.Redacted(page.URL))
	}
	body, err := decodePage(page.Body, page.ContentType)
	if err != nil {
		return nil, err
	}
	doc, err := goquery.NewDocumentFromReader(bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("parse HTML: %w", err)
	}
	// <base href> moves every relative link of the page.
	if href, ok := doc.Find("base[href]").First().Attr("href"); ok {
		if u, err := base.Parse(strings.TrimSpace(href)); err == nil && isWebURL(u) {
			base = u
		}
	}
	return &document{Document: doc, base: base}, nil
}

// metaCharset finds the charset a <meta> declares, as <meta charset="…">
// or in a Content-Type http-equiv.
var metaCharset = regexp.MustCompile(`(?i)<meta\s[^>]*?charset\s*=\s*["']?\s*([a-z0-9_:.-]+)`)

// maxHeadScan is how far into a page its <meta> charset is looked for: a
// head of script preloads and social tags pushes it past the 1024 bytes
// the HTML standard's prescan reads.
const maxHeadScan = 64 << 10

// decodePage returns body as UTF-8. A byte order mark decides; then text
// beyond ASCII that is valid UTF-8 is UTF-8, whatever a label says (a CMS
// template declaring ISO-8859-1 over UTF-8, as feeds are read); then the
// Content-Type charset, then a <meta> one. A page that declares none, or
// declares UTF-8 over bytes far from it, is windows-1258 when its bytes
// put Vietnamese tone marks after vowels, else windows-1252, as browsers
// guess.
func decodePage(body []byte, contentType string) ([]byte, error) {
	if enc, name, certain := charset.DetermineEncoding(body, ""); certain { // a byte order mark
		return decodeWith(enc, name, body)
	}
	valid := utf8.Valid(body)
	if valid && bytes.ContainsFunc(body, func(r rune) bool { return r >= utf8.RuneSelf }) {
		return body, nil
	}
	var labels []string
	if _, params, err := mime.ParseMediaType(contentType); err == nil && params["charset"] != "" {
		labels = append(labels, params["charset"])
	}
	if m := metaCharset.FindSubmatch(body[:min(len(body), maxHeadScan)]); m != nil {
		labels = append(labels, string(m[1]))
	}
	for _, label := range labels {
		enc, name := charset.Lookup(label)
		switch {
		case enc == nil:
			continue
		case name != "utf-8":
			return decodeWith(enc, name, body)
		case valid || utf8repair.Repairable(body):
			// A few stray bytes (a letter cut in two) are replaced.
			return bytes.ToValidUTF8(body, []byte("\uFFFD")), nil
		}
	}
	if valid {
		return body, nil
	}
	if vietnameseTones(body) {
		return decodeWith(charmap.Windows1258, "windows-1258", body)
	}
	return decodeWith(charmap.Windows1252, "windows-1252", body)
}

func decodeWith(enc encoding.Encoding, name string, body []byte) ([]byte, error) {
	out, err := enc.NewDecoder().Bytes(body)
	if err != nil {
		return nil, fmt.Errorf("decode %s: %w", name, err)
	}
	return out, nil
}

// vietnameseTones reports whether b reads as windows-1258 Vietnamese: its
// combining tone marks (bytes that windows-1252 reads as Ì, ì, Ò, ò, Þ)
// right after vowels, a few times over.
func vietnameseTones(b []byte) bool {
	n := 0
	for i := 1; i < len(b) && n < 3; i++ {
		switch b[i] {
		case 0xCC, 0xEC, 0xD2, 0xF2, 0xDE:
			if strings.IndexByte("aeiouyAEIOUY\xe2\xea\xf4\xe3\xf5\xfd\xc2\xca\xd4\xc3\xd5\xdd", b[i-1]) >= 0 {
				n++
			}
		}
	}
	return n >= 3
}

// resolve makes raw an absolute http(s) URL against the page, or "".
func (d *document) resolve(raw string) string {
	raw = strings.TrimSpace(raw)
	if raw == "" || strings.HasPrefix(raw, "#") {
		return ""
	}
	u, err := d.base.Parse(raw)
	if err != nil || !isWebURL(u) {
		return ""
	}
	u.Fragment = ""
	return u.String()
}

// urlAttrs are the attributes whose value is a URL, in markup a summary
// may carry.
var urlAttrs = []string{"href", "src", "poster", "cite", "longdesc", "data-src"}

// absolutize makes every URL in the markup under sel (sel's elements and
// their descendants) absolute against the page, as a browser showing the
// page would read them; srcset candidates too. What is not a URL at all
// is left for the sanitiser to judge.
func (d *document) absolutize(sel *goquery.Selection) {
	sel.Find("*").AddSelection(sel).Each(func(_ int, el *goquery.Selection) {
		for _, name := range urlAttrs {
			if v, ok := el.Attr(name); ok {
				if u, err := d.base.Parse(strings.TrimSpace(v)); err == nil {
					el.SetAttr(name, u.String())
				}
			}
		}
		if v, ok := el.Attr("srcset"); ok {
			var out []string
			for cand := range strings.SplitSeq(v, ",") {
				fields := strings.Fields(cand)
				if len(fields) == 0 {
					continue
				}
				if u, err := d.base.Parse(fields[0]); err == nil {
					fields[0] = u.String()
				}
				out = append(out, strings.Join(fields, " "))
			}
			el.SetAttr("srcset", strings.Join(out, ", "))
		}
	})
}

func isWebURL(u *url.URL) bool {
	return (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}
