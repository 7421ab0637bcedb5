package poll

import (
	"bytes"
	"fmt"
	"mime"
	"net/url"
	"slices"
	"strings"

	"github.com/PuerkitoBio/goquery"

	"newswire/feeds"
	"newswire/internal/fetch"
	"newswire/internal/urlsafe"
)

// feedTypes are the link types autodiscovery follows, best first.
var feedTypes = []string{"application/rss+xml", "application/atom+xml", "application/feed+json", "application/json"}

// isHTML reports whether resp is a web page rather than a feed: by its
// Content-Type, or by how it starts, since outlets often serve pages with a
// feed's type and feeds with no type at all; but a document whose root is a
// feed's is a feed, whatever its type says (many are served as text/html).
func isHTML(resp *fetch.Response) bool {
	if mt, _, _ := mime.ParseMediaType(resp.ContentType); mt != "text/html" && mt != "application/xhtml+xml" {
		head := bytes.TrimPrefix(resp.Body[:min(len(resp.Body), 512)], []byte("\xef\xbb\xbf"))
		head = bytes.ToLower(bytes.TrimSpace(head))
		if !bytes.HasPrefix(head, []byte("<!doctype html")) && !bytes.HasPrefix(head, []byte("<html")) {
			return false
		}
	}
	_, feed := feeds.FeedKind(resp.Body, resp.ContentType)
	return !feed
}

// discover finds the feed a web page announces with <link rel="alternate">,
// as an absolute URL.
func discover(resp *fetch.Response) (string, error) {
	doc, err := goquery.NewDocumentFromReader(bytes.NewReader(resp.Body))
	if err != nil {
		return "", fmt.Errorf("poll: %s is a web page that cannot be read: %w", urlsafe.Redacted(resp.URL), err)
	}
	base, err := url.Parse(resp.URL)
	if err != nil {
		return "", fmt.Errorf("poll: page URL %q: %w", urlsafe.Redacted(resp.URL), err)
	}
	if href, ok := doc.Find("base[href]").First().Attr("href"); ok {
		if b, err := base.Parse(href); err == nil {
			base = b
		}
	}
	found := make(map[string]string)
	doc.Find("link[href]").Each(func(_ int, s *goquery.Selection) {
		rel := strings.Fields(strings.ToLower(s.AttrOr("rel", "")))
		typ := strings.ToLower(strings.TrimSpace(s.AttrOr("type", "")))
		if !slices.Contains(rel, "alternate") {
			return
		}
		if _, seen := found[typ]; seen {
			return
		}
		ref, err := base.Parse(strings.TrimSpace(s.AttrOr("href", "")))
		if err != nil || (ref.Scheme != "http" && ref.Scheme != "https") {
			return
		}
		found[typ] = ref.String()
	})
	for _, typ := range feedTypes {
		if u, ok := found[typ]; ok {
			return u, nil
		}
	}
	return "", fmt.Errorf("poll: %s is a web page, not a feed, and links to no feed (<link rel=\"alternate\" type=\"application/rss+xml\">)", urlsafe.Redacted(resp.URL))
}
