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
// changed: the feed of each changed story's categories, in every format, and
// the feed of all categories.
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

// Cursor is a publisher's place in the store's change log, kept across
// publishers.
type Cursor struct {
	mu sync.Mutex
	v  string
}

func (c *Cursor) load() string {
	if c == nil {
		return ""
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.v
}

func (c *Cursor) store(v string) {
	if c != nil {
		c.mu.Lock()
		c.v = v
		c.mu.Unlock()
	}
}

// Ping retries after a failure wait retryFirst, doubling up to retryMax.
const (
	retryFirst = 5 * time.Second
	retryMax   = 5 * time.Minute
)

// NewPublisher returns a publisher for cfg.WebSub.Hub, or nil when no hub
// is configured.
func NewPublisher(cfg *config.Config, st *store.Store, client *http.Client, log *slog.Logger) *Publisher {
	if cfg.WebSub.Hub == "" {
		return nil
	}
	return &Publisher{cfg: cfg, st: st, client: client, log: log}
}

// Run pings until ctx ends. It follows the store's change log from its
// Cursor, or from the moment it starts, so that a restart does not ping for
// old stories. A failed ping is tried again after 5 s, doubling to 5 min.
func (p *Publisher) Run(ctx context.Context) error {
	cursor := p.Cursor.load()
	if cursor == "" {
		head, err := p.st.Head()
		if err != nil {
			return err
		}
		cursor = head
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
			if v := p.st.Version(); v == version && (retryAt.IsZero() || now.Before(retryAt)) {
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
			// The cursor stays: these feeds are pinged again after a
			// wait that doubles, or with the next change.
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
// cursor, and the cursor to continue from.
func (p *Publisher) changedFeeds(cursor string) ([]string, string, error) {
	cats := map[string]bool{}
	for {
		page, err := p.st.Changes(store.AllCategory, 500, cursor, nil)
		if err != nil {
			return nil, cursor, err
		}
		for _, st := range page.Stories {
			for _, c := range st.Categories {
				if !p.cfg.PartnersOnly(c) {
					cats[c] = true
				}
			}
		}
		cursor = page.Next
		if !page.More {
			break
		}
	}
	if len(cats) == 0 {
		return nil, cursor, nil
	}
	base := strings.TrimRight(p.cfg.BaseURL, "/")
	var topics []string
	for _, c := range append([]string{store.AllCategory}, sortedKeys(cats)...) {
		for _, ext := range []string{"rss", "atom", "json"} {
			topics = append(topics, base+"/feeds/"+c+"."+ext)
		}
	}
	return topics, cursor, nil
}

func sortedKeys(m map[string]bool) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
