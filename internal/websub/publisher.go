package websub

import (
	"context"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"newswire/internal/config"
	"newswire/store"
)

// checkEvery is how often the publisher looks at the store's version: a
// new story reaches the hub within this plus one ping.
const checkEvery = 200 * time.Millisecond

// Publisher pings the configured hub with the URL of every public feed that
// changed: the feed of each category of a story stored, changed, or deleted
// or taken out of a category by retention, in every format, and the feed of
// all categories.
type Publisher struct {
	cfg    *config.Config
	st     *store.Store
	client *http.Client
	log    *slog.Logger
	// Cursor, when set, is where Run starts (once it holds one) and where
	// it keeps its place: the publishers of successive configs share one,
	// so that the changes between one's last look and the next one's start
	// are pinged too.
	Cursor *Cursor
}

// Cursor is a publisher's place in the store's change log and in its
// record of what retention changed, kept across publishers.
type Cursor struct {
	mu sync.Mutex
	at place
}

// place is where a publisher is: the zero place is nowhere yet.
type place struct {
	changes string // a cursor of store.Changes
	pruned  uint64 // a mark of store.Pruned
}

func (c *Cursor) load() place {
	if c == nil {
		return place{}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.at
}

func (c *Cursor) store(at place) {
	if c != nil {
		c.mu.Lock()
		c.at = at
		c.mu.Unlock()
	}
}

// Ping retries after a failure wait retryFirst, doubling up to retryMax:
// a hub that is down is pinged once a minute, and one that is back hears
// of the changes at most a minute late.
const (
	retryFirst = 5 * time.Second
	retryMax   = time.Minute
)

// NewPublisher returns a publisher for cfg.WebSub.Hub, or nil when no hub
// is configured.
func NewPublisher(cfg *config.Config, st *store.Store, client *http.Client, log *slog.Logger) *Publisher {
	if cfg.WebSub.Hub == "" {
		return nil
	}
	return &Publisher{cfg: cfg, st: st, client: client, log: log}
}

// Run pings until ctx ends. It follows the store's change log and what
// retention changes from its Cursor, or from the moment it starts, so that a
// restart does not ping for old stories. A failed ping is tried again after
// 5 s, doubling to a minute, and no ping is sent before then.
func (p *Publisher) Run(ctx context.Context) error {
	cursor := p.Cursor.load()
	if cursor.changes == "" {
		head, err := p.st.Head()
		if err != nil {
			return err
		}
		cursor = place{changes: head, pruned: p.st.PruneMark()}
		p.Cursor.store(cursor)
	}
	// Zero: the first look reads the log, for what came since the cursor.
	var version uint64
	var retryAt time.Time // after a failed ping: when to try again
	wait := retryFirst
	t := time.NewTicker(checkEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case now := <-t.C:
			if !retryAt.IsZero() && now.Before(retryAt) {
				// A hub that failed is left alone until the wait
				// ends, however often the store changes meanwhile:
				// the next ping names those changes' feeds too.
				continue
			}
			if v := p.st.Version(); v == version && retryAt.IsZero() {
				continue
			} else {
				version = v
			}
		}
		topics, next, err := p.changedFeeds(cursor)
		if err != nil {
			p.log.Warn("websub: reading changes", "error", err)
			continue
		}
		if len(topics) == 0 {
			cursor = next
			p.Cursor.store(cursor)
			continue
		}
		pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		err = Publish(pctx, p.client, p.cfg.WebSub.Hub, topics)
		cancel()
		if err != nil {
			// The cursor stays: these feeds are pinged again, with
			// those of the changes meanwhile, after a wait that
			// doubles.
			retryAt, wait = time.Now().Add(wait), min(2*wait, retryMax)
			p.log.Warn("websub: ping", "hub", p.cfg.WebSub.Hub, "feeds", len(topics), "error", err, "retry", time.Until(retryAt).Round(time.Second))
			continue
		}
		retryAt, wait = time.Time{}, retryFirst
		cursor = next
		p.Cursor.store(cursor)
		p.log.Debug("websub: pinged", "hub", p.cfg.WebSub.Hub, "feeds", len(topics))
	}
}

// changedFeeds lists the public feed URLs whose content changed after
// from, and the place to continue from. A story in no public category
// changes no public feed, not even that of all categories, which leaves it
// out.
func (p *Publisher) changedFeeds(from place) ([]string, place, error) {
	cats := map[string]bool{}
	public := func(categories []string) {
		for _, c := range categories {
			if !p.cfg.PartnersOnly(c) {
				cats[c] = true
			}
		}
	}
	at := from
	pruned, mark := p.st.Pruned(at.pruned)
	public(pruned.Left)
	for _, r := range pruned.Relisted {
		// Public feeds do not name partners-only categories: a story
		// that left one is listed there as it was.
		if !p.cfg.PartnersOnly(r[0]) {
			public(r[1:])
		}
	}
	at.pruned = mark
	for {
		page, err := p.st.Changes(store.AllCategory, 500, at.changes, nil)
		if err != nil {
			return nil, from, err
		}
		for _, st := range page.Stories {
			public(st.Categories)
		}
		at.changes = page.Next
		if !page.More {
			break
		}
	}
	if len(cats) == 0 {
		return nil, at, nil
	}
	base := strings.TrimRight(p.cfg.BaseURL, "/")
	var topics []string
	for _, c := range append([]string{store.AllCategory}, sortedKeys(cats)...) {
		for _, ext := range []string{"rss", "atom", "json"} {
			topics = append(topics, base+"/feeds/"+c+"."+ext)
		}
	}
	return topics, at, nil
}

func sortedKeys(m map[string]bool) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
