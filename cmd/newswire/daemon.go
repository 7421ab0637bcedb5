package main

import (
	"context"
	"errors"
	"log/slog"
	"math"
	"net/http"
	"os"
	"runtime/debug"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"newswire/internal/config"
	"newswire/internal/metrics"
	"newswire/internal/poll"
	"newswire/internal/reload"
	"newswire/internal/server"
	"newswire/internal/websub"
	"newswire/store"
)

// daemon runs the HTTP side and the poller for one config at a time. A valid
// new config replaces both whole: the store, the listener, the metrics, the
// partners' pull counts, the dates feeds were served with and what is known
// of each source's last document stay; polls in flight are cancelled and
// retried under the new config.
type daemon struct {
	ctx     context.Context
	st      *store.Store
	log     *slog.Logger
	self    string // the address it listens on, which its polls never reach
	metrics *metrics.Metrics
	status  func() reload.Status
	// memo is what the poller knows of each source's last document; each
	// config's poller takes it over from the last (poll.Poller.UseMemo).
	memo poll.Memo
	// pinged is where the WebSub publisher is in the change log; each
	// config's publisher goes on from the last one's.
	pinged websub.Cursor
	// subscribed are the WebSub subscriptions, kept for the next config's
	// subscriber, and in the store for the next run's: neither a reload
	// nor a restart asks every hub again.
	subscribed websub.Subscriptions
	// said are the reminders the pollers gave, not repeated at reloads.
	said poll.Said
	// pulls counts each partner's pulls since the daemon started; each
	// config's server counts on in it.
	pulls server.Pulls
	// dates are the validators each feed was last served with, by which
	// each config's server dates a feed that changed.
	dates server.Dates
	// crashed: the run before this one stopped without saving (its
	// address file was left), which the first poller is told.
	crashed bool

	handler atomic.Pointer[http.Handler]

	mu   sync.Mutex
	cfg  *config.Config // the config running
	stop context.CancelFunc
	done chan error
	// subscriber is closed once the WebSub subscriber has stopped.
	subscriber <-chan struct{}
}

func (d *daemon) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	(*d.handler.Load()).ServeHTTP(w, r)
}

// start serves and polls under cfg, polling the sources named in soon
// first. The caller holds d.mu, or is alone.
func (d *daemon) start(cfg *config.Config, soon ...string) {
	record := publishUnder(cfg, d.st, d.log)
	for _, n := range cfg.Notes() {
		d.log.Warn("config: " + n.String())
	}
	d.cfg = cfg
	setMemoryLimit(cfg)
	setCommitDelay(d.st, cfg)
	web := server.New(cfg, d.st, d.log)
	web.SetWriteTimeout(0) // serve's Guard bounds every response
	web.SetMetrics(d.metrics)
	web.UsePulls(&d.pulls)
	web.UseDates(&d.dates)
	web.SetReloadStatus(d.status)
	poller := poll.New(cfg, d.st, d.log)
	poller.SetMetrics(d.metrics.Poll)
	if d.crashed {
		// The first config's poller alone: a reload's finds the states
		// the running daemon keeps.
		poller.AfterUncleanStop()
		d.crashed = false
	}
	if d.self != "" {
		if err := poller.RefuseSelf(d.self); err != nil {
			d.log.Warn("polls are not kept from this daemon's own address", "error", err)
		}
	}
	if kept, changed := poller.UseMemo(&d.memo); changed > 0 {
		d.log.Info("sources whose items are read under changed settings (their own, or the filters, categories or identity every source's items go through): their next documents are read whole", "sources", changed, "kept", kept)
	}
	poller.UseSaid(&d.said)
	for _, id := range soon {
		poller.Soon(id)
	}
	web.SetPollActivity(poller.LastActivity)
	web.SetSourceStates(poller.States)
	poller.WatchHomes(web.SetHome)

	ctx, cancel := context.WithCancel(d.ctx)
	subscriber := startWebSub(ctx, cfg, d.st, web, poller, d.log, &d.pinged, &d.subscribed)
	startRetention(ctx, cfg, d.st, d.log)
	h := web.Handler()
	d.handler.Store(&h)
	// Stories logged as changed for partners only once they are served
	// under cfg: a pull in between would move a partner's cursor past
	// them, under the old ids or with their category still private.
	if record != nil {
		record()
	}
	madePublic(cfg, d.st, d.log)
	done := make(chan error, 1)
	go func() { done <- poller.Run(ctx) }()
	d.stop, d.done, d.subscriber = cancel, done, subscriber
}

// halt stops the poller and the WebSub subscriber, and waits for them to
// save their states.
func (d *daemon) halt() {
	d.stop()
	if err := <-d.done; err != nil {
		d.log.Warn("poller stopped", "error", err)
	}
	<-d.subscriber
}

// apply switches to cfg; it is the reload watcher's apply function.
func (d *daemon) apply(cfg *config.Config) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.halt()
	d.start(cfg, newURLs(d.cfg, cfg)...)
	return nil
}

// newURLs lists the sources of next whose url differs from prev's: an
// admin who mends a source's address wants it polled there now, not at
// the time the old address was due.
func newURLs(prev, next *config.Config) []string {
	if prev == nil {
		return nil
	}
	var ids []string
	for _, src := range next.Sources {
		if old, ok := prev.Source(src.ID); ok && old.URL != src.URL && !src.Disabled {
			ids = append(ids, src.ID)
		}
	}
	return ids
}

// shutdown stops polling for good.
func (d *daemon) shutdown() {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.halt()
}

// takeMemo takes over what the last run, stopped cleanly, knew of each
// source's last document (poll.Memo.Load). Call it before start.
func (d *daemon) takeMemo() {
	n, err := d.memo.Load(d.st)
	switch {
	case errors.Is(err, store.ErrAsideStale):
		d.log.Info("not using what the last run knew of sources' documents: the store was written to after it stopped; each source's next changed document is read whole")
	case err != nil:
		d.log.Warn("reading what the last run knew of sources' documents", "error", err, "sources", n)
	case n > 0:
		d.log.Info("taking over what the last run knew of sources' documents", "sources", n)
	}
}

// takeSubscriptions takes over the WebSub subscriptions the store kept
// (websub.Subscriptions.Load), so that the hubs are not all asked again.
// Call it before start.
func (d *daemon) takeSubscriptions() {
	n, err := d.subscribed.Load(d.st)
	switch {
	case err != nil:
		d.log.Warn("reading the WebSub subscriptions the last run kept: each source is subscribed again", "error", err)
	case n > 0:
		d.log.Info("taking over the WebSub subscriptions the last run kept", "subscriptions", n)
	}
}

// setMemoAside keeps what the poller knows of each source's last document
// in the store for the next run (poll.Memo.Save). Call it after shutdown,
// as the last write before the store is closed.
func (d *daemon) setMemoAside() {
	start := time.Now()
	if err := d.memo.Save(d.st); err != nil {
		d.log.Warn("keeping what the poller knows of sources' documents for the next run", "error", err)
		return
	}
	d.log.Info("kept what the poller knows of sources' documents for the next run", "sources", d.memo.Len(), "took", time.Since(start).Round(time.Millisecond))
}

// setMemoryLimit applies memory_limit_bytes, unless the GOMEMLIMIT
// environment variable has set the limit already.
func setMemoryLimit(cfg *config.Config) {
	if os.Getenv("GOMEMLIMIT") != "" {
		return
	}
	limit := cfg.MemoryLimitBytes
	if limit == 0 {
		limit = math.MaxInt64
	}
	debug.SetMemoryLimit(limit)
}

// madePublic logs as changed the stories of every category that the store
// records as partners-only and cfg makes public, at a reload or across a
// restart: partners pulling "all" with since were given none of them while
// the category was private, and would never get them. It then records cfg's
// partners-only categories, and those recorded that cfg no longer has: a
// removed partners-only category's stories are not published by its
// removal, and come to partners pulling "all" if it comes back public.
func madePublic(cfg *config.Config, st *store.Store, log *slog.Logger) {
	was, err := st.PrivateCategories()
	if err != nil {
		log.Error("reading which categories were partners-only", "error", err)
		return
	}
	var now []string
	for _, c := range cfg.Categories {
		if c.PartnersOnly {
			now = append(now, c.ID)
		}
	}
	for _, id := range was {
		c, ok := cfg.Category(id)
		if !ok {
			// Removed: its stories stay out of the public feeds
			// (server.Server withholds them) until it comes back.
			now = append(now, id)
			continue
		}
		if c.PartnersOnly {
			continue
		}
		n, err := st.RelogCategory(id, was)
		if err != nil {
			log.Error("a category made public: its stories are not all given to partners pulling with since", "category", id, "error", err)
			return // recorded as it was, so that the next start tries again
		}
		log.Info("a category made public: its stories that were in no public category come to partners pulling all with since", "category", id, "stories", n)
	}
	if slices.Equal(was, now) {
		return // recorded already: nothing to write
	}
	if err := st.SetPrivateCategories(now); err != nil {
		log.Error("recording which categories are partners-only", "error", err)
	}
}
