package scrape

import (
	"bytes"
	"fmt"
	"net/url"
	"strings"

	"github.com/PuerkitoBio/goquery"
	"golang.org/x/net/html/charset"
	"newswire/internal/urlsafe"
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

// parsePage decodes page to UTF-8 and parses it. The charset comes from a
// byte order mark, the Content-Type header, a <meta> charset in the first
// KiB, or the bytes themselves (UTF-8 when they are valid), as browsers do;
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
	enc, name, _ := charset.DetermineEncoding(page.Body, page.ContentType)
	body, err := enc.NewDecoder().Bytes(page.Body)
	if err != nil {
		return nil, fmt.Errorf("decode %s: %w", name, err)
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
