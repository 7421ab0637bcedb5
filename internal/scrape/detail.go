package scrape

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"github.com/PuerkitoBio/goquery"
	"github.com/andybalholm/cascadia"
	"golang.org/x/text/unicode/norm"

	"newswire/feeds"
	"newswire/internal/fetch"
	"newswire/internal/notice"
	"newswire/internal/urlsafe"
)

// Fetcher is the one thing Scraper needs of internal/fetch: a GET that
// shares the poller's per-host limits.
type Fetcher interface {
	Get(ctx context.Context, r fetch.Request) (*fetch.Response, error)
}

// MaxDetailFetches is how many item pages one call of Scrape fetches at most,
// so that a first poll of a busy listing does not fire dozens of requests.
// The rest are not cached, so a later call fetches them.
const MaxDetailFetches = 20

// maxCachedDetails bounds the cache of item pages; the oldest go first.
const maxCachedDetails = 4096

// Scraper extracts listing pages and, when the rules ask, fills each item
// from its own page, which it fetches once: the body found there is cached
// by URL (and body selector) for the life of the Scraper. The zero value is
// ready to use; a Scraper is safe for concurrent use.
type Scraper struct {
	mu    sync.Mutex
	cache map[string]string
	order []string // cache keys, oldest first
}

// Scrape is Extract, then, with r.Detail, each item's ContentHTML from the
// elements r.Body matches on the item's page (their outer HTML, in order),
// fetched with f.
//
// Item pages are fetched one after another, at most MaxDetailFetches per
// call, each only once in the Scraper's life. An item page that cannot be
// fetched leaves its item without content, with a warning, and is tried
// again next time. A body selector that matches nothing on every item page
// fetched is an error naming it.
func (s *Scraper) Scrape(ctx context.Context, f Fetcher, page Page, r Rules, opt Options) (*feeds.Feed, []notice.Notice, error) {
	feed, warnings, err := Extract(page, r, opt)
	if err != nil || !r.Detail {
		return feed, warnings, err
	}
	w, err := s.fillBodies(ctx, f, feed.Items, r.Body)
	if err != nil {
		return nil, nil, fmt.Errorf("scrape: %s: %w", urlsafe.Redacted(page.URL), err)
	}
	return feed, append(warnings, w...), nil
}

func (s *Scraper) fillBodies(ctx context.Context, f Fetcher, items []feeds.Item, bodySel string) ([]notice.Notice, error) {
	if bodySel == "" {
		return nil, fmt.Errorf("body selector is required when detail is on")
	}
	sel, err := cascadia.Compile(bodySel)
	if err != nil {
		return nil, fmt.Errorf("body selector %q: %w", bodySel, err)
	}
	var fetched, matched, failed, postponed int
	var firstFailure, firstMiss string
	for i := range items {
		it := &items[i]
		key := bodySel + "\x00" + it.GUID
		if body, ok := s.cached(key); ok {
			it.ContentHTML = body
			continue
		}
		if fetched+failed >= MaxDetailFetches {
			postponed++
			continue
		}
		resp, err := f.Get(ctx, fetch.Request{URL: it.Link})
		if err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			failed++
			if firstFailure == "" {
				firstFailure = err.Error()
			}
			continue
		}
		fetched++
		body, err := bodyHTML(Page{URL: resp.URL, Body: resp.Body, ContentType: resp.ContentType}, sel)
		if err != nil {
			failed++
			if firstFailure == "" {
				firstFailure = fmt.Sprintf("%s: %v", urlsafe.Redacted(it.Link), err)
			}
			continue
		}
		if body == "" {
			if firstMiss == "" {
				firstMiss = urlsafe.Redacted(it.Link)
			}
		} else {
			matched++
		}
		// A page without the body is cached too: it was fetched once, and
		// fetching it again would find the same.
		s.store(key, body)
		it.ContentHTML = body
	}
	if fetched > 0 && matched == 0 {
		return nil, fmt.Errorf("body selector %q matched nothing on any of the %d item pages fetched (first: %s)", bodySel, fetched, firstMiss)
	}
	var w []notice.Notice
	if failed > 0 {
		w = append(w, notice.New(notice.DetailFailed, failed, firstFailure))
	}
	if fetched > matched {
		w = append(w, notice.New(notice.SelectorBody, bodySel, fetched-matched, fetched, firstMiss))
	}
	if postponed > 0 {
		w = append(w, notice.New(notice.DetailPostponed, postponed, MaxDetailFetches))
	}
	return w, nil
}

// bodyHTML is the outer HTML of every element of page the body selector
// matches, NFC, or "" when it matches nothing.
func bodyHTML(page Page, sel cascadia.Selector) (body string, err error) {
	defer func() {
		if r := recover(); r != nil {
			body, err = "", fmt.Errorf("panic while reading the page: %v", r)
		}
	}()
	doc, err := parsePage(page)
	if err != nil {
		return "", err
	}
	var parts []string
	doc.FindMatcher(sel).Each(func(_ int, s *goquery.Selection) {
		if h, err := goquery.OuterHtml(s); err == nil {
			parts = append(parts, h)
		}
	})
	return norm.NFC.String(strings.TrimSpace(strings.Join(parts, "\n"))), nil
}

func (s *Scraper) cached(key string) (string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	body, ok := s.cache[key]
	return body, ok
}

func (s *Scraper) store(key, body string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.cache[key]; ok {
		return
	}
	if s.cache == nil {
		s.cache = map[string]string{}
	}
	if len(s.order) >= maxCachedDetails {
		delete(s.cache, s.order[0])
		s.order = s.order[1:]
	}
	s.cache[key] = body
	s.order = append(s.order, key)
}
