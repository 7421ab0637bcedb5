package poll

import (
	"context"

	"newswire/feeds"
	"newswire/internal/config"
	"newswire/internal/fetch"
	"newswire/internal/scrape"
)

// scrapePage reads the items of a source of type html from its listing page
// and, with html.detail, from each new item's page, fetched through the
// poller's client so that per-host limits hold for those too.
//
// A selector that stopped matching is an error naming it, so that the
// source shows as failing on /status at this very poll; selectors that
// failed for some items only become the report's warning.
func (p *Poller) scrapePage(ctx context.Context, src config.Source, resp *fetch.Response, rep *Report) (*feeds.Feed, error) {
	page := scrape.Page{URL: resp.URL, Body: resp.Body, ContentType: resp.ContentType}
	feed, warnings, err := p.scraper.Scrape(ctx, p.client, page, src.HTML.Rules(), scrape.Options{
		Location: p.cfg.Location(src),
		MaxItems: p.cfg.Poll.MaxItems,
		Now:      p.now(),
	})
	if err != nil {
		return nil, err
	}
	rep.Notices = warnings
	return feed, nil
}

// rulesDigest digests the selectors src's page is read with.
func rulesDigest(src config.Source) uint64 {
	return digestJSON(0, src.HTML)
}
