package main

import (
	"context"
	"fmt"
	"io"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"newswire/feeds"
	"newswire/internal/fetch"
	"newswire/internal/sanitize"
	"newswire/internal/scrape"
	"newswire/internal/urlsafe"
)

// probeItems is how many of the extracted items probe shows.
const probeItems = 5

// probe fetches a page and helps write its config.yaml entry: the feeds the
// page announces, and selectors for its news items, with the first items
// those selectors extract. It fails only when it finds neither.
func probe(ctx context.Context, args []string, stdout io.Writer) error {
	if len(args) != 1 {
		return fmt.Errorf("probe: want one URL, got %d arguments", len(args))
	}
	pageURL := args[0]
	client := fetch.New(fetch.Options{UserAgent: "newswire/1.0 (probe)"})
	resp, err := client.Get(ctx, fetch.Request{URL: pageURL})
	if err != nil {
		return fmt.Errorf("probe: %w", err)
	}
	if kind, ok := feeds.FeedKind(resp.Body, resp.ContentType); ok {
		id := sourceID(resp.URL)
		// The entry keeps the URL whole, credentials included, to be
		// pasted as it is; the rest of what probe says masks them.
		fmt.Fprintf(stdout, "%s is a feed itself (%s): use it as the source's url.\n\nconfig.yaml entry:\n\n  - id: %s\n    url: %s\n",
			urlsafe.Redacted(resp.URL), kind, id, strconv.Quote(resp.URL))
		return nil
	}
	p, err := scrape.Propose(scrape.Page{URL: resp.URL, Body: resp.Body, ContentType: resp.ContentType}, scrape.Options{})
	if err != nil {
		return err
	}
	id := sourceID(resp.URL)
	// The entry's title as check-config takes one: plain text, as
	// import-opml makes an outline's.
	title := sanitize.Printable(plainTitle(p.PageTitle))
	if title == "" {
		title = id
	}
	fmt.Fprintf(stdout, "page: %s\n  %s\n", urlsafe.Redacted(resp.URL), title)

	if len(p.Feeds) > 0 {
		fmt.Fprintf(stdout, "\nThe page announces %d %s; prefer a feed to selectors:\n", len(p.Feeds), plural(len(p.Feeds), "feed", "feeds"))
		for _, f := range p.Feeds {
			fmt.Fprintf(stdout, "  %-22s %s  %s\n", f.Type, sanitize.Printable(urlsafe.Redacted(f.URL)), sanitize.Printable(f.Title))
		}
		fmt.Fprintf(stdout, "\nconfig.yaml entry for the first feed:\n\n  - id: %s\n    title: %s\n    url: %s\n",
			id, strconv.Quote(title), strconv.Quote(withUserOf(p.Feeds[0].URL, resp.URL)))
	}

	if p.Rules.Item == "" {
		if len(p.Feeds) > 0 {
			return nil
		}
		return exitError{msg: fmt.Sprintf("probe: %s announces no feed, and no repeated blocks holding a link and a heading were found", urlsafe.Redacted(resp.URL))}
	}
	if len(p.Feeds) > 0 {
		fmt.Fprintln(stdout, "\nIf those feeds fail, the page itself can be read with selectors.")
	}
	fmt.Fprintf(stdout, "\nconfig.yaml entry reading %d items from the page:\n\n", len(p.Items))
	writeHTMLSource(stdout, id, title, resp.URL, p.Rules)

	fmt.Fprintf(stdout, "\nFirst items it extracts (dates in UTC; a date without a zone is read in Asia/Ho_Chi_Minh, see time_zone):\n")
	for i, it := range p.Items[:min(len(p.Items), probeItems)] {
		date := "(no date)"
		if !it.Published.IsZero() {
			date = it.Published.Format(time.RFC3339)
		}
		fmt.Fprintf(stdout, "  %d. %s\n     %s\n     %s\n", i+1, sanitize.Printable(it.Title), sanitize.Printable(it.Link), date)
	}
	return nil
}

// writeHTMLSource writes a sources[] entry of type html, ready to paste.
func writeHTMLSource(w io.Writer, id, title, pageURL string, r scrape.Rules) {
	fmt.Fprintf(w, "  - id: %s\n    title: %s\n    url: %s\n    type: html\n    html:\n", id, strconv.Quote(title), strconv.Quote(pageURL))
	for _, kv := range [][2]string{
		{"item", r.Item}, {"title", r.Title}, {"link", r.Link}, {"date", r.Date},
		{"date_layout", r.DateLayout}, {"summary", r.Summary}, {"image", r.Image},
	} {
		if kv[1] != "" {
			fmt.Fprintf(w, "      %s: %s\n", kv[0], strconv.Quote(kv[1]))
		}
	}
	fmt.Fprintln(w, "      # detail: true     # also fetch each item's page (one request per new item)")
	fmt.Fprintln(w, "      # body: \"…\"        # and the selector of the article body on it")
}

// withUserOf is feedURL with the user info of pageURL when both are on the
// same host (scheme, host and port): a feed the page announces sits behind
// the same login, and the entry is to be pasted as it is. A feed elsewhere
// does not get them, as no request does.
func withUserOf(feedURL, pageURL string) string {
	f, err := url.Parse(feedURL)
	if err != nil || f.User != nil {
		return feedURL
	}
	p, err := url.Parse(pageURL)
	if err != nil || p.User == nil || !strings.EqualFold(p.Scheme, f.Scheme) || !strings.EqualFold(p.Host, f.Host) {
		return feedURL
	}
	f.User = p.User
	return f.String()
}

var nonID = regexp.MustCompile(`[^a-z0-9]+`)

// sourceID proposes a source id from the page's host: "www.baotinh.vn" gives
// "baotinh-vn".
func sourceID(pageURL string) string {
	u, err := url.Parse(pageURL)
	if err != nil {
		return "outlet"
	}
	host := strings.TrimPrefix(strings.ToLower(u.Hostname()), "www.")
	if id := strings.Trim(nonID.ReplaceAllString(host, "-"), "-"); id != "" {
		return id
	}
	return "outlet"
}
