// Package poll runs the item pipeline for each source: fetch, parse,
// normalise, route, store; and schedules when each source is polled next.
//
// It owns the order of the pipeline and each source's schedule. It does not
// know HTTP serving or rendering: it only writes to the store, which the HTTP
// side reads.
package poll

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"strings"
	"sync"
	"time"

	"github.com/cespare/xxhash/v2"

	"newswire/feeds"
	"newswire/internal/config"
	"newswire/internal/fetch"
	"newswire/internal/route"
	"newswire/internal/sanitize"
	"newswire/internal/story"
	"newswire/store"
)

// Results of one poll, as recorded in SourceState.LastResult.
const (
	ResultOK          = "ok"
	ResultNotModified = "not-modified"
	ResultError       = "error"
)

// Report is the outcome of polling one source once.
type Report struct {
	Source   string
	Result   string
	Status   int // HTTP status, 0 when no response
	Items    int // items in the document
	New      int
	Updated  int
	Joined   int
	Dropped  int // removed by filters
	Duration time.Duration
	Warning  string
	Err      error
}

// Poller polls sources into a store. It is safe for concurrent use.
type Poller struct {
	cfg    *config.Config
	store  *store.Store
	client *fetch.Client
	router *route.Router
	log    *slog.Logger
	now    func() time.Time
}

// New returns a Poller for cfg writing to st.
func New(cfg *config.Config, st *store.Store, log *slog.Logger) *Poller {
	return &Poller{
		cfg:   cfg,
		store: st,
		client: fetch.New(fetch.Options{
			Timeout:   cfg.Poll.Timeout.D(),
			MaxBody:   cfg.Poll.MaxBodyBytes,
			PerHost:   cfg.Poll.PerHost,
			UserAgent: UserAgent(cfg),
		}),
		router: route.New(cfg),
		log:    log,
		now:    time.Now,
	}
}

// UserAgent names newswire and where to find out who runs it.
func UserAgent(cfg *config.Config) string {
	return fmt.Sprintf("newswire/1.0 (+%s)", cfg.BaseURL)
}

// Poll fetches one source once and stores what it carries. Failures are
// recorded in the source's state and returned in the report, never panicked.
func (p *Poller) Poll(ctx context.Context, src config.Source) Report {
	start := p.now()
	rep := Report{Source: src.ID}
	prev, _, err := p.store.Source(src.ID)
	if err != nil {
		rep.Result, rep.Err = ResultError, err
		return rep
	}
	st := prev
	st.ID = src.ID
	st.LastPoll = start

	err = p.poll(ctx, src, &st, &rep)
	rep.Duration = p.now().Sub(start)
	st.LastDuration = rep.Duration
	interval := p.cfg.SourceInterval(src)
	if err != nil {
		if ctx.Err() != nil {
			// Shutting down: not the outlet's fault, and nothing to record.
			rep.Result, rep.Err = ResultError, ctx.Err()
			return rep
		}
		rep.Result, rep.Err = ResultError, err
		st.LastResult = ResultError
		st.LastError = err.Error()
		st.ConsecutiveFailures++
		if st.FailingSince.IsZero() {
			st.FailingSince = start
		}
		var se *fetch.StatusError
		if errors.As(err, &se) {
			st.LastStatus = se.Status
			rep.Status = se.Status
		}
		st.Interval = p.backoff(interval, st.ConsecutiveFailures, se)
	} else {
		st.LastResult = rep.Result
		st.LastError = ""
		st.LastSuccess = start
		st.ConsecutiveFailures = 0
		st.FailingSince = time.Time{}
		st.Interval = jitter(interval)
	}
	st.NextPoll = start.Add(st.Interval)
	st.Warning = rep.Warning
	if serr := p.store.SaveSource(st); serr != nil && rep.Err == nil {
		rep.Result, rep.Err = ResultError, serr
	}
	p.logReport(rep)
	return rep
}

func (p *Poller) poll(ctx context.Context, src config.Source, st *store.SourceState, rep *Report) error {
	resp, err := p.client.Get(ctx, fetch.Request{URL: src.URL, ETag: st.ETag, LastModified: st.LastModified})
	if err != nil {
		return err
	}
	rep.Status = resp.Status
	st.LastStatus = resp.Status
	if resp.NotModified {
		rep.Result = ResultNotModified
		rep.Items = st.LastItems
		return nil
	}
	st.ETag, st.LastModified = resp.ETag, resp.LastModified
	hash := xxhash.Sum64(resp.Body)
	if hash == st.BodyHash && st.LastResult != ResultError && !st.LastSuccess.IsZero() {
		// Same bytes as last time: nothing can have changed.
		rep.Result = ResultNotModified
		rep.Items = st.LastItems
		return nil
	}

	feed, err := feeds.Parse(resp.Body, feeds.ParseOptions{
		FeedURL:     resp.URL,
		ContentType: resp.ContentType,
		Location:    p.cfg.Location(src),
		MaxItems:    p.cfg.Poll.MaxItems,
		Now:         p.now(),
	})
	if err != nil {
		return err
	}
	incoming := make([]store.Incoming, 0, len(feed.Items))
	for i := range feed.Items {
		it := &feed.Items[i]
		sanitize.Item(it)
		if it.Language == "" {
			it.Language = strings.ToLower(src.Language)
		}
		d := p.router.Route(src, it)
		if d.Drop {
			rep.Dropped++
			p.log.Debug("item dropped", "source", src.ID, "title", it.Title, "reason", d.Reason)
			continue
		}
		incoming = append(incoming, store.Incoming{Item: *it, Key: story.CanonicalLink(it.Link), Categories: d.Categories})
	}
	res, err := p.store.Apply(src.ID, incoming, p.now())
	if err != nil {
		return fmt.Errorf("poll: storing %d items of %s: %w", len(incoming), src.ID, err)
	}
	rep.Result = ResultOK
	rep.Items = len(feed.Items)
	rep.New, rep.Updated, rep.Joined = res.New, res.Updated, res.Joined
	if rep.Items == 0 && st.LastItems > 0 {
		rep.Warning = fmt.Sprintf("the feed had %d items last time and has none now", st.LastItems)
	}
	st.BodyHash = hash
	st.LastItems = rep.Items
	st.LastNew, st.LastUpdated = rep.New, rep.Updated
	st.TotalNew += rep.New
	return nil
}

// backoff is the wait after n consecutive failures: the interval doubled per
// failure, capped at poll.max_interval, or exactly what the server asked for.
func (p *Poller) backoff(interval time.Duration, n int, se *fetch.StatusError) time.Duration {
	if se != nil && se.RetryAfter > 0 {
		return se.RetryAfter
	}
	max := p.cfg.Poll.MaxInterval.D()
	d := interval
	for i := 1; i < n && d < max; i++ {
		d *= 2
	}
	if d > max {
		d = max
	}
	return jitter(d)
}

// jitter spreads d by ±10% so that sources with one interval drift apart.
func jitter(d time.Duration) time.Duration {
	if d <= 0 {
		return d
	}
	spread := int64(d) / 10
	if spread == 0 {
		return d
	}
	return d + time.Duration(rand.Int64N(2*spread+1)-spread)
}

func (p *Poller) logReport(r Report) {
	attrs := []any{"source", r.Source, "result", r.Result, "status", r.Status, "duration", r.Duration.Round(time.Millisecond),
		"items", r.Items, "new", r.New, "updated", r.Updated, "joined", r.Joined, "dropped", r.Dropped}
	switch {
	case r.Err != nil:
		p.log.Warn("poll failed", append(attrs, "error", r.Err.Error())...)
	case r.Warning != "":
		p.log.Warn("poll", append(attrs, "warning", r.Warning)...)
	default:
		p.log.Info("poll", attrs...)
	}
}

// PollAll polls every enabled source once, at most poll.concurrency at a
// time, calling done (if not nil) as each finishes. Reports come back in
// config order.
func (p *Poller) PollAll(ctx context.Context, done func(Report)) []Report {
	srcs := p.cfg.EnabledSources()
	reports := make([]Report, len(srcs))
	// Workers take sources in config order, so with concurrency 1 the order
	// of polls, and so of first publication, is the config's.
	next := make(chan int)
	var mu sync.Mutex
	var wg sync.WaitGroup
	for range min(max(1, p.cfg.Poll.Concurrency), len(srcs)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				r := p.Poll(ctx, srcs[i])
				reports[i] = r
				if done != nil {
					mu.Lock()
					done(r)
					mu.Unlock()
				}
			}
		}()
	}
	for i, src := range srcs {
		select {
		case next <- i:
		case <-ctx.Done():
			reports[i] = Report{Source: src.ID, Result: ResultError, Err: ctx.Err()}
		}
	}
	close(next)
	wg.Wait()
	return reports
}
