// Package poll runs the item pipeline for each source: fetch, parse,
// normalise, route, store; and schedules when each source is polled next.
//
// It owns the order of the pipeline and each source's schedule: its interval
// (adaptive, server-asked, backoff), its effective URL (permanent redirects,
// discovered feeds) and whether it is still polled at all (410 Gone). It does
// not know HTTP serving or rendering: it only writes to the store, which the
// HTTP side reads.
package poll

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/cespare/xxhash/v2"

	"newswire/feeds"
	"newswire/internal/config"
	"newswire/internal/fetch"
	"newswire/internal/metrics"
	"newswire/internal/notice"
	"newswire/internal/route"
	"newswire/internal/sanitize"
	"newswire/internal/scrape"
	"newswire/internal/story"
	"newswire/internal/urlsafe"
	"newswire/store"
)

// Results of one poll, as recorded in SourceState.LastResult.
const (
	ResultOK          = "ok"
	ResultNotModified = "not-modified"
	ResultError       = "error"
	ResultGone        = "gone" // the server answered 410: the source is no longer polled
)

// ResultWaiting is the result of a source PollAll did not ask, because its
// server asked to be left alone until the report's Next (Retry-After). It
// is never recorded: the source's state stays as the server's answer left it.
const ResultWaiting = "waiting"

// Report is the outcome of polling one source once.
type Report struct {
	Source   string
	Result   string
	Status   int // HTTP status, 0 when no response
	Bytes    int // size of the document fetched, after decompression
	Items    int // items in the document
	New      int
	Updated  int
	Joined   int
	Dropped  int           // removed by filters
	Repeated int           // items whose bytes were those of the last document stored, not parsed again
	Duration time.Duration // the whole poll, storing (and its commit_delay) included
	Fetch    time.Duration // of which the requests: how long the outlet took
	Next     time.Time     // when the source is due again; zero once it is gone
	Why      string        // why Next is when it is: the source's IntervalReason
	// Warning is Notices in English, "; " between them.
	Warning string
	// Notices are what the poll warns of, for the status page to word
	// in its language.
	Notices []notice.Notice
	// Notes are what the log says of the poll besides its line: a guid
	// the outlet gave another story, for each story stored for it.
	Notes []string
	Err   error
	// Pages counts the pages of changes read from a newswire source
	// followed by its cursor (?since=); Cursor is the cursor it is
	// followed from after the poll. More: it has more changes waiting
	// than one poll reads.
	Pages  int
	Cursor string
	More   bool
}

// Poller polls sources into a store. It is safe for concurrent use.
type Poller struct {
	cfg     *config.Config
	store   *store.Store
	client  *fetch.Client
	router  *route.Router
	log     *slog.Logger
	metrics *metrics.Poll
	states  states
	// batching is set by Run and PollAll, which flush states themselves.
	batching bool
	// afterCrash: the run before stopped without writing the states of
	// its last minute (AfterUncleanStop).
	afterCrash bool
	now        func() time.Time
	scraper    scrape.Scraper // item pages of html sources, each fetched once
	memo       *Memo          // items of each source's last stored document
	settings   uint64         // memoSettings of cfg
	own        []string       // ownAddresses of cfg
	activity   activity       // see LastActivity
	said       *Said          // reminders given, not repeated (UseSaid)

	// polling holds, by source id, the polls running now: a source's
	// polls never overlap (a push's and the schedule's), or the one that
	// ends last would write its state over the other's.
	pollingMu sync.Mutex
	polling   map[string]chan struct{}

	// sched is Run's dispatcher while Run runs; pushed holds the sources
	// Soon asked for while none ran, for the next to poll first.
	schedMu sync.Mutex
	sched   *dispatcher
	pushed  map[string]bool

	// advertised, when set, is told what each document read names as its
	// own URL and its WebSub hubs (WatchAdvertised).
	advertised func(source, self string, hubs []string)
	// homes, when set, is told the site a source's feed names for its
	// outlet when it is not the one held (WatchHomes).
	homes func(source, home string)
}

// WatchHomes has f told, when a poll reads a source's feed naming another
// site for its outlet (RSS channel link, Atom alternate link, JSON Feed
// home_page_url) than the one its state held, the source and that site.
// f runs on the poll's goroutine and must not block. Call it before Run or
// PollAll.
func (p *Poller) WatchHomes(f func(source, home string)) { p.homes = f }

// WatchAdvertised has f told, for every document of a feed that a poll
// parses, the URL the document gives as its own (rel="self", JSON
// feed_url) and the WebSub hubs it names: the subscriber learns from the
// polls that a feed moved (another base_url, a permanent redirect). f runs
// on the poll's goroutine and must not block. Call it before Run or
// PollAll.
func (p *Poller) WatchAdvertised(f func(source, self string, hubs []string)) { p.advertised = f }

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
		router:   route.New(cfg),
		log:      log,
		states:   states{byID: make(map[string]store.SourceState), dirty: make(map[string]bool), saved: make(map[string]int64)},
		now:      time.Now,
		memo:     &Memo{},
		settings: memoSettings(cfg),
		own:      ownAddresses(cfg),
	}
}

// UseMemo makes p keep what it learns of sources' documents in m, and use
// what m already holds: a daemon hands the Memo of its last config's poller
// to the next, so that a reload costs only the sources whose settings it
// changed a whole pass over their next document. It forgets, in m, the
// sources p's config no longer has or has changed. Call it before Run or
// PollAll. It reports how many sources' documents it kept, and how many it
// forgot although their source is still in the config.
func (p *Poller) UseMemo(m *Memo) (kept, changed int) {
	keys := make(map[string]uint64, len(p.cfg.Sources))
	for _, src := range p.cfg.Sources {
		keys[src.ID] = memoKey(p.settings, src)
	}
	kept, changed = m.keep(func(id string) (uint64, bool) {
		k, ok := keys[id]
		return k, ok
	})
	p.memo = m
	return kept, changed
}

// Said remembers the reminders a poller gave the admin (a source gone
// with 410 and still in config.yaml), so that the pollers of later configs
// do not repeat them at every reload. The zero value is ready to use.
type Said struct {
	mu   sync.Mutex
	said map[string]bool
}

// first reports whether key is said for the first time, and remembers it.
func (s *Said) first(key string) bool {
	if s == nil {
		return true
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.said[key] {
		return false
	}
	if s.said == nil {
		s.said = make(map[string]bool)
	}
	s.said[key] = true
	return true
}

// UseSaid makes p give each reminder once over the life of s: a daemon
// hands one Said to the poller of each config. Call it before Run.
func (p *Poller) UseSaid(s *Said) { p.said = s }

// AfterUncleanStop tells p, before Run, that the daemon's last run stopped
// without writing the states of the polls of its last minute (a crash): a
// source whose server asked for a wait (Cache-Control, Expires, a feed's
// ttl) and whose saved state is that recent is not asked again before the
// wait has passed from now, as its real last poll may have been just
// before the crash. A Retry-After was written at once, and stands.
func (p *Poller) AfterUncleanStop() { p.afterCrash = true }

// HTTPClient returns an http.Client over p's connections, with its guards
// (RefuseSelf, and Trail for a ctx that carries one): for requests to
// addresses outlets give that are not polls, a feed's WebSub hub.
func (p *Poller) HTTPClient() *http.Client { return p.client.HTTPClient() }

// RefuseSelf keeps p from fetching anything at addr, the address the
// daemon listens on, wherever an outlet's redirect or page leads it
// (fetch.Client.RefuseSelf).
func (p *Poller) RefuseSelf(addr string) error { return p.client.RefuseSelf(addr) }

// SetMetrics makes p count its polls in m. Call it before Run or PollAll.
func (p *Poller) SetMetrics(m *metrics.Poll) { p.metrics = m }

// UserAgent names newswire and where to find out who runs it.
func UserAgent(cfg *config.Config) string {
	return fmt.Sprintf("newswire/1.0 (+%s)", cfg.BaseURL)
}

// EffectiveURL is where src is polled: the address a permanent redirect or a
// discovered feed link put in its state, as long as the config still names
// the URL that led there; else the configured URL.
func EffectiveURL(src config.Source, st store.SourceState) string {
	if st.URL != "" && st.URLFrom == src.URL {
		return st.URL
	}
	return src.URL
}

// urlChanged reports whether the config gives src another URL than the one
// st's last poll was made under: what that address's server asked, and the
// backoff of its failures, do not hold at the new one.
func urlChanged(src config.Source, st store.SourceState) bool {
	from := configuredFrom(st)
	return from != "" && from != src.URL
}

// configuredFrom is the configured URL st's last poll was made under.
func configuredFrom(st store.SourceState) string {
	if st.ConfigURL == "" {
		return st.URLFrom // a state saved before ConfigURL was
	}
	return st.ConfigURL
}

// IsGone reports whether src's effective URL answered 410 Gone: it is not
// polled until the config gives it another URL.
func IsGone(src config.Source, st store.SourceState) bool {
	return st.GoneURL != "" && st.GoneURL == EffectiveURL(src, st)
}

// claim waits until no other poll of source id runs, and marks one as
// running until release; err is ctx's when it ends first.
func (p *Poller) claim(ctx context.Context, id string) (mine chan struct{}, err error) {
	for {
		p.pollingMu.Lock()
		busy, ok := p.polling[id]
		if !ok {
			if p.polling == nil {
				p.polling = make(map[string]chan struct{})
			}
			mine = make(chan struct{})
			p.polling[id] = mine
			p.pollingMu.Unlock()
			return mine, nil
		}
		p.pollingMu.Unlock()
		select {
		case <-busy:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

// release ends the poll of source id that claim marked with mine.
func (p *Poller) release(id string, mine chan struct{}) {
	p.pollingMu.Lock()
	delete(p.polling, id)
	p.pollingMu.Unlock()
	close(mine)
}

// Poll fetches one source once and stores what it carries. Failures are
// recorded in the source's state and returned in the report, never panicked.
func (p *Poller) Poll(ctx context.Context, src config.Source) Report {
	rep := Report{Source: src.ID}
	mine, err := p.claim(ctx, src.ID)
	if err != nil {
		rep.Result, rep.Err = ResultError, err
		return rep
	}
	defer p.release(src.ID, mine)
	start := p.now()
	prev, err := p.state(src.ID)
	if err != nil {
		rep.Result, rep.Err = ResultError, err
		return rep
	}
	st := prev
	st.ID = src.ID
	if urlChanged(src, st) {
		// The admin gave the source a new URL: forget where the old one
		// led, what its server said, and its failures, so that a failure
		// at the new one backs off from the start.
		st.URL, st.URLFrom, st.URLReason = "", "", ""
		st.ETag, st.LastModified, st.BodyHash, st.FeedTTL = "", "", 0, 0
		st.ConsecutiveFailures, st.FailingSince = 0, time.Time{}
		if !sameFeed(configuredFrom(st), src.URL) {
			// Another feed, or another server's: the cursor held is
			// not one it gave.
			st.Cursor = ""
		}
	}
	st.ConfigURL, st.Title, st.Level = src.URL, src.Title, src.Level
	if src.IsHTML() {
		if rules := rulesDigest(src); rules != st.Rules {
			// The admin changed the selectors (to take the lead story,
			// a summary): neither a 304 nor the same bytes may keep
			// the page from being read with them.
			st.ETag, st.LastModified, st.BodyHash = "", "", 0
			st.Rules, st.ShrunkFrom = rules, 0
		}
	}
	if IsGone(src, st) {
		rep.Result = ResultGone
		rep.Err = goneError(src, st.GoneURL)
		return rep
	}
	st.LastPoll = start
	// The status of this poll's answer (a malformed 200 shows its 200), or
	// none when no answer came (a timeout, a refused connection): never an
	// older poll's.
	st.LastStatus = 0

	hint, err := p.poll(ctx, src, &st, &rep)
	end := p.now()
	rep.Duration = end.Sub(start)
	st.LastDuration = rep.Duration
	var se *fetch.StatusError
	errors.As(err, &se)
	switch {
	case err != nil && ctx.Err() != nil:
		// Shutting down: not the outlet's fault, and nothing to record.
		rep.Result, rep.Err = ResultError, ctx.Err()
		return rep
	case se != nil && se.Status == http.StatusGone:
		rep.Result, rep.Status, rep.Err = ResultGone, se.Status, goneError(src, st.GoneURL)
		st.LastResult, st.LastStatus, st.LastError = ResultGone, se.Status, rep.Err.Error()
		st.Interval, st.IntervalReason, st.NextPoll = 0, reasonGone, time.Time{}
		p.log.Error("source is gone (410); polling stopped: remove it or give it a new url in config.yaml",
			"source", src.ID, "url", urlsafe.Redacted(st.GoneURL))
	case err != nil:
		rep.Result, rep.Err = ResultError, err
		st.LastResult = ResultError
		st.ConsecutiveFailures++
		if st.FailingSince.IsZero() {
			st.FailingSince = start
		}
		if se != nil {
			st.LastStatus = se.Status
			rep.Status = se.Status
		}
		st.Interval, st.IntervalReason = p.backoff(src, st, se)
		if se != nil && se.RetryAfter > 0 {
			// The error tells the wait kept to, not only the one asked.
			se.Obeyed = st.Interval
		}
		st.LastError = err.Error()
		// From the answer, not the request: a Retry-After counts from
		// when the response was received (RFC 9110, 10.2.3), and a slow
		// server must not have its wait cut short by its own slowness.
		st.NextPoll = end.Add(st.Interval)
	default:
		st.LastResult = rep.Result
		st.LastError = ""
		st.LastSuccess = start
		st.ConsecutiveFailures = 0
		st.FailingSince = time.Time{}
		st.Interval, st.IntervalReason = p.interval(src, st, hint, start)
		if rep.More {
			st.Interval, st.IntervalReason = p.catchUp(hint), reasonCatchUp
		}
		st.NextPoll = start.Add(st.Interval)
		// What the last document stored says of itself holds at a 304,
		// or the same bytes again, as at the poll that parsed it.
		rep.Notices = withDocumentNotices(rep.Notices, st)
	}
	rep.Next, rep.Why = st.NextPoll, st.IntervalReason
	rep.Warning = notice.English(rep.Notices)
	st.Warning, st.Notices = rep.Warning, rep.Notices
	// Under the scheduler, states wait for the next Flush (those whose poll
	// moved only its times, for refreshEvery): a crash loses that much of
	// them, which costs at worst a repeated fetch. A new URL, a gone
	// source and a server's Retry-After are written at once: after a crash
	// the daemon must not poll the old URL, or ask again a server that
	// asked to be left alone.
	deferred := p.batching && prev.URL == st.URL && prev.GoneURL == st.GoneURL && !serverWaits(st)
	if serr := p.saveState(st, deferred, routine(prev, st)); serr != nil && rep.Err == nil {
		rep.Result, rep.Err = ResultError, serr
	}
	p.metrics.Polled(rep.Result, rep.Status, rep.Bytes, rep.Duration)
	p.metrics.Items(rep.New, rep.Updated, rep.Joined, rep.Dropped)
	p.logReport(rep)
	return rep
}

func goneError(src config.Source, url string) error {
	return fmt.Errorf("poll: %s: GET %s: 410 Gone: polling stopped; remove the source or give it a new url in config.yaml", src.ID, urlsafe.Redacted(url))
}

// serverHint is how long the server asked to be left alone, and how it said so.
type serverHint struct {
	wait   time.Duration
	reason string
}

// poll runs the pipeline for src, updating st with what the server said
// and the documents carried. It reads one document; of a newswire source,
// followed by its cursor, it reads page after page of changes while they
// come full, up to sincePages. It returns what the server asked about the
// next poll.
func (p *Poller) poll(ctx context.Context, src config.Source, st *store.SourceState, rep *Report) (serverHint, error) {
	url := EffectiveURL(src, *st)
	// One trail for every request of this poll: a public page's feed link
	// or articles never lead the daemon into a private network.
	ctx = fetch.Trail(ctx)
	req := p.firstRequest(url, *st)
	resp, err := p.get(ctx, fetch.Request{URL: req.url, ETag: st.ETag, LastModified: st.LastModified}, rep)
	resp, req, err = p.smallerPages(ctx, rep, resp, req, err)
	var se *fetch.StatusError
	if st.Cursor != "" && errors.As(err, &se) && se.Status == http.StatusBadRequest {
		// The source no longer knows the cursor: its store was restored
		// from a backup that has not come back up to it. What it holds
		// is read plainly, and followed from the cursor that gives.
		p.log.Warn("source refused the cursor held (400): dropping it and reading its feed plainly",
			"source", src.ID, "cursor", st.Cursor, "error", err.Error())
		st.Cursor, st.ETag, st.LastModified = "", "", ""
		req = request{url: withoutSince(url)}
		resp, err = p.get(ctx, fetch.Request{URL: req.url}, rep)
	}
	if err != nil {
		return serverHint{}, p.failed(src, st, url, req, err)
	}
	if resp.MovedTo != "" {
		p.relocate(src, st, p.movedTo(resp.MovedTo, url, req), "moved")
	}
	rep.Status = resp.Status
	st.LastStatus = resp.Status
	hint := serverHint{wait: resp.MaxAge, reason: hintCache}
	if st.FeedTTL > hint.wait {
		hint = serverHint{wait: st.FeedTTL, reason: hintTTL}
	}
	if resp.NotModified {
		// A 304 updates the validators held (RFC 9111, 4.3.4): a server
		// may know the same document by a new tag or date, and answer
		// 304 only to those. It carries no cursor: the one held stands.
		st.ETag, st.LastModified = resp.ETag, resp.LastModified
		rep.Result = ResultNotModified
		rep.Items = st.LastItems
		rep.Notices = slices.Clone(st.DocumentNotices)
		rep.Cursor = st.Cursor
		return hint, nil
	}

	if isHTML(resp) && !src.IsHTML() {
		// An outlet's page rather than its feed: follow the page's own
		// <link rel="alternate"> to the feed, and poll that from now on.
		feedURL, err := discover(resp)
		if err != nil {
			return hint, err
		}
		if resp, err = p.get(ctx, fetch.Request{URL: feedURL}, rep); err != nil {
			return hint, fmt.Errorf("poll: feed %s discovered on %s: %w", urlsafe.Redacted(feedURL), urlsafe.Redacted(url), err)
		}
		p.relocate(src, st, feedURL, "discovered")
		rep.Status, st.LastStatus = resp.Status, resp.Status
	}
	var read documents
	n, err := p.document(ctx, src, st, rep, resp, req, &hint, &read)
	// A page of changes as full as asked may have more after it: read on
	// from the cursor it gave, each page stored before the next is asked.
	for err == nil && req.cursor != "" && st.Cursor != "" && st.Cursor != req.cursor && n > 0 && n >= req.limit {
		if rep.Pages >= sincePages {
			rep.More = true
			break
		}
		next, ok := sinceRequest(EffectiveURL(src, *st), st.Cursor, p.cfg.Poll.MaxItems)
		if !ok {
			break
		}
		req = next
		resp, err = p.get(ctx, fetch.Request{URL: req.url}, rep)
		if resp, req, err = p.smallerPages(ctx, rep, resp, req, err); err != nil {
			err = p.failed(src, st, url, req, fmt.Errorf("poll: page %d of the changes of %s: %w", rep.Pages+1, src.ID, err))
			break
		}
		rep.Status, st.LastStatus = resp.Status, resp.Status
		n, err = p.document(ctx, src, st, rep, resp, req, &hint, &read)
	}
	rep.Cursor = st.Cursor
	if read.any {
		newest := st.NewestItem
		st.PublishGap, st.NewestItem = publishRhythm(read.times, st.PublishGap, st.NewestItem)
		if read.changes && newest.After(st.NewestItem) {
			// Changes bring edits of older stories too: the newest
			// item is the newest ever read.
			st.NewestItem = newest
		}
	}
	return hint, err
}

// smallerPages asks again, for half as many changes at a time, while the
// page of changes req asked for is over the body cap; it returns the answer
// and error of the last request made, and that request.
func (p *Poller) smallerPages(ctx context.Context, rep *Report, resp *fetch.Response, req request, err error) (*fetch.Response, request, error) {
	for errors.Is(err, fetch.ErrTooLarge) {
		r, ok := smaller(req)
		if !ok {
			break
		}
		req = r
		resp, err = p.get(ctx, fetch.Request{URL: req.url}, rep)
	}
	return resp, req, err
}

// failed records in st what the failure err of req, a request of the
// source at url, says of where the source is, and returns err.
func (p *Poller) failed(src config.Source, st *store.SourceState, url string, req request, err error) error {
	var se *fetch.StatusError
	if errors.As(err, &se) {
		if se.MovedTo != "" {
			url = p.movedTo(se.MovedTo, url, req)
			p.relocate(src, st, url, "moved")
		}
		if se.Status == http.StatusGone {
			st.GoneURL = url
		}
	}
	return err
}

// movedTo is where src, at url, has moved when req was redirected for
// good to moved: moved itself, but for the cursor and limit a request of
// changes adds to the source's URL.
func (p *Poller) movedTo(moved, url string, req request) string {
	if req.url == url {
		return moved
	}
	return asConfigured(moved, url)
}

// firstRequest is the request a poll of the source at url starts with:
// for the changes after the cursor st holds, else url as it is (which may
// name a since cursor of its own, the admin's).
func (p *Poller) firstRequest(url string, st store.SourceState) request {
	if st.Cursor != "" {
		if r, ok := sinceRequest(url, st.Cursor, p.cfg.Poll.MaxItems); ok {
			return r
		}
	}
	if !strings.Contains(url, "since=") {
		// Most sources: no URL to parse at each poll.
		return request{url: url}
	}
	cursor, limit := configuredSince(url)
	return request{url: url, cursor: cursor, limit: limit}
}

// follow makes cursor, given by the document req brought, where src is
// followed from, and keeps the validators that document came with only for
// a next request of the same URL: each page of changes has its own.
func (p *Poller) follow(src config.Source, st *store.SourceState, req request, cursor string) {
	if src.IsHTML() {
		return
	}
	st.Cursor = cursor
	if req.cursor == "" && cursor == "" {
		return // a feed read whole, and again so next time
	}
	if p.firstRequest(EffectiveURL(src, *st), *st).url != req.url {
		st.ETag, st.LastModified = "", ""
	}
}

// documents is what the documents one poll read add up to.
type documents struct {
	any     bool        // one went through the pipeline
	changes bool        // pages of changes (since), not whole feeds
	times   []time.Time // the publication times of their items
}

// document runs the pipeline over resp, the document req brought, and
// stores its items. It returns how many items the document has.
func (p *Poller) document(ctx context.Context, src config.Source, st *store.SourceState, rep *Report, resp *fetch.Response, req request, hint *serverHint, read *documents) (n int, err error) {
	if req.cursor != "" {
		rep.Pages++
	}
	rep.Bytes += len(resp.Body)
	st.ETag, st.LastModified = resp.ETag, resp.LastModified
	defer func() {
		if err != nil {
			// A document that could not be read or stored (a full disk)
			// is asked for again whole: with its validators, the retry
			// would get a 304, and its items would never be stored.
			st.ETag, st.LastModified = "", ""
		}
	}()
	hash := xxhash.Sum64(resp.Body)
	if hash == st.BodyHash && st.LastResult != ResultError && !st.LastSuccess.IsZero() {
		// Same bytes as last time: nothing can have changed.
		rep.Result = ResultNotModified
		rep.Items = st.LastItems
		rep.Notices = slices.Clone(st.DocumentNotices)
		p.follow(src, st, req, resp.Cursor)
		return 0, nil
	}

	var (
		feed *feeds.Feed
		lay  feeds.Layout
		key  = memoKey(p.settings, src)
		prev = p.memo.doc(src.ID, key)
	)
	if src.IsHTML() {
		feed, err = p.scrapePage(ctx, src, resp, rep)
	} else {
		feed, lay, err = p.parse(src, resp, prev)
	}
	if err != nil {
		p.metrics.ParseError()
		return 0, err
	}
	st.FeedTTL = feed.TTL
	if p.advertised != nil && !src.IsHTML() {
		p.advertised(src.ID, feed.Self, feed.Hubs)
	}
	if home := feed.Link; home != "" && home != st.Home && !src.IsHTML() {
		st.Home = home
		if p.homes != nil {
			p.homes(src.ID, home)
		}
	}
	cursor := resp.Cursor
	if feed.Unread > 0 {
		rep.Notices = []notice.Notice{notice.New(notice.Malformed, feed.Unread, len(feed.Items))}
	}
	if req.cursor != "" && cursor != "" {
		var held []notice.Notice
		if cursor, held = holdUnread(st, req.cursor, cursor, feed.Unread, len(feed.Items)); held != nil {
			rep.Notices = held
		}
	}
	keys := sortKeys(feed.Items)
	// Each is said: a malformed document (or a scraper's selectors failing
	// for some items) and the guids or links its stories share.
	rep.Notices = append(rep.Notices, keys.notices...)
	if feed.TTL > hint.wait {
		*hint = serverHint{wait: feed.TTL, reason: hintTTL}
	}
	n = lay.Items(feed)
	incoming := make([]store.Incoming, 0, len(feed.Items))
	if !read.any {
		st.Dropped = nil
		st.Dates = store.Dates{}
	}
	seen := make([]memoItem, 0, n)
	var arrivals []memoEntry // as the memo keeps it, each item of incoming
	var redated [2]int       // of the items that go through the pipeline: unreadable dates, future ones
	var redatedUpd [2]int    // and the same of their updated dates
	for i := range n {
		if lay.Parsed != nil && lay.Parsed[i] < 0 {
			// The same bytes in the same place as in the last document
			// stored: not even parsed.
			e, _ := prev.byRaw(lay.Raw[i])
			drop := prev.drops[e.digest]
			seen = append(seen, memoItem{memoEntry: e, drop: drop, date: prev.dateIssue(e.digest), updated: prev.updatedIssue(e.digest)})
			rep.Repeated++
			if drop != "" {
				rep.Dropped++
				countDrop(st, drop)
			}
			continue
		}
		j, raw := i, uint64(0)
		if lay.Parsed != nil {
			j, raw = lay.Parsed[i], lay.Raw[i]
		}
		if keys.repeat[j] {
			continue // another copy of an earlier item's story
		}
		it := &feed.Items[j]
		entry := memoEntry{raw: raw, digest: itemDigest(it), published: unixSeconds(it.Published)}
		if drop, ok := prev.byDigest(entry.digest); ok {
			// Exactly as in the last document stored: nothing to do.
			seen = append(seen, memoItem{memoEntry: entry, drop: drop, date: it.DateIssue, updated: it.UpdatedIssue})
			if drop != "" {
				rep.Dropped++
				countDrop(st, drop)
			}
			continue
		}
		d := route.Decision{Drop: true, Reason: reasonEcho}
		if !echoed(it, p.own) {
			sanitize.Item(it)
			if it.Language == "" {
				it.Language = src.Language // canonical since the config was read
			}
			detectLanguage(it)
			d = p.router.Route(src, it)
		}
		seen = append(seen, memoItem{memoEntry: entry, drop: d.Reason, date: it.DateIssue, updated: it.UpdatedIssue})
		if d.Drop {
			rep.Dropped++
			countDrop(st, d.Reason)
			p.log.Debug("item dropped", "source", src.ID, "title", it.Title, "reason", d.Reason)
			continue
		}
		in := store.Incoming{Key: story.CanonicalLink(it.Link), Categories: d.Categories, Window: p.cfg.Identity.Window.D(),
			SharedGUID: keys.sharedGUID[j], SharedLink: keys.sharedLink[j]}
		fromText := true
		if it.Title == "" {
			// Named once here, after the filters and routing (which
			// read only what the outlet wrote), so that every format
			// and the export agree.
			it.Title, fromText = feeds.Headline(feeds.Untitled{Summary: it.Summary, Enclosures: it.Enclosures,
				Image: it.Image, Link: it.Link, Outlet: cmp.Or(src.Title, src.ID), Language: it.Language})
		}
		if fromText {
			// A headline made of a file or outlet name says nothing of
			// the story: no other outlet's item is joined to it by it.
			in.Fingerprint = p.fingerprint(src, it)
		}
		if !it.DateIssue.IsZero() {
			redated[btoi(it.DateIssue.Future)]++
		}
		if !it.UpdatedIssue.IsZero() {
			redatedUpd[btoi(it.UpdatedIssue.Future)]++
		}
		in.Item = *it
		incoming = append(incoming, in)
		arrivals = append(arrivals, entry)
	}
	n -= keys.repeats
	if req.cursor == "" && resp.Cursor == "" {
		// A page of changes (another newswire's) lists what changed,
		// not what its document holds: nothing leaves it.
		corrections(prev, seen, incoming, arrivals)
	}
	countDates(&st.Dates, seen)
	now := p.now()
	// The counts of what the source brought are written with the stories
	// they count, and so is the cursor that follows them: the rest of its
	// state may wait for the next flush, and a crash before it costs a
	// repeated fetch, but stories no count credits would stay uncounted,
	// as they are no longer new.
	counted := func(st *store.SourceState, res store.Result) {
		st.LastNew, st.LastUpdated = rep.New+res.New, rep.Updated+res.Updated
		st.TotalNew += res.New
		st.Recent.Add(now, res.New+res.Joined)
	}
	res, err := p.store.ApplyCounting(src.ID, incoming, now, func(res store.Result) store.SourceState {
		c := *st
		counted(&c, res)
		p.follow(src, &c, req, cursor)
		return c
	})
	if err != nil {
		return 0, fmt.Errorf("poll: storing %d items of %s: %w", len(incoming), src.ID, err)
	}
	for _, in := range incoming {
		if in.GUIDOf != 0 {
			p.log.Info("guid given to another story: stored as a new story, the guid stays with the earlier one",
				"source", src.ID, "guid", in.Item.GUID, "earlier_story", in.GUIDOf, "link", in.Item.Link, "title", in.Item.Title)
			rep.Notes = append(rep.Notes, fmt.Sprintf("guid given to another story: %q (%s) stored as a new story, the guid stays with story %d",
				in.Item.GUID, in.Item.Link, in.GUIDOf))
		}
	}
	p.metrics.Redated(redated[0], redated[1])
	p.metrics.RedatedUpdates(redatedUpd[0], redatedUpd[1])
	p.memo.remember(src.ID, key, lay, seen)
	counted(st, res)
	p.follow(src, st, req, cursor)
	rep.Result = ResultOK
	rep.Items += n
	rep.New, rep.Updated, rep.Joined = rep.New+res.New, rep.Updated+res.Updated, rep.Joined+res.Joined
	if req.cursor == "" {
		switch {
		case n == 0 && st.LastItems > 0:
			st.EmptiedFrom = st.LastItems
		case n > 0:
			st.EmptiedFrom = 0
		}
		if src.IsHTML() {
			st.ShrunkFrom = shrunkFrom(st.ShrunkFrom, st.LastItems, n)
		}
		st.LastItems = n
	} else {
		// A page of changes with none is a source with nothing new,
		// not a feed that parses to none.
		st.EmptiedFrom = 0
		st.LastItems = rep.Items
		read.changes = true
	}
	st.BodyHash = hash
	if st.UnreadCursor != "" {
		// The page held is read again whole, not answered 304 nor
		// taken as the same bytes: its next reading counts a try.
		st.ETag, st.LastModified, st.BodyHash = "", "", 0
	}
	st.DocumentNotices = slices.Clone(rep.Notices)
	read.any = true
	read.times = append(read.times, publishedTimes(seen)...)
	return n + feed.Unread, nil
}

// withDocumentNotices adds to notices, the poll's own, what st says of the
// last document stored, at every poll until that changes, an unchanged
// document's too: a feed that had items and now parses to none (which says
// all), else its items not dated as their outlet dated them.
func withDocumentNotices(notices []notice.Notice, st store.SourceState) []notice.Notice {
	if st.EmptiedFrom > 0 && st.LastItems == 0 {
		return []notice.Notice{notice.New(notice.Emptied, st.EmptiedFrom)}
	}
	if st.ShrunkFrom > 0 && st.LastItems > 0 {
		notices = append(notices, notice.New(notice.Shrunk, st.LastItems, st.ShrunkFrom))
	}
	d := st.Dates
	if d.Unreadable > 0 {
		notices = append(notices, notice.New(notice.DatesUnreadable, d.Unreadable, st.LastItems, d.UnreadableExample))
	}
	if d.Future > 0 {
		notices = append(notices, notice.New(notice.DatesFuture, d.Future, st.LastItems, d.FutureExample))
	}
	if d.UpdatedUnreadable > 0 {
		notices = append(notices, notice.New(notice.UpdatedUnreadable, d.UpdatedUnreadable, st.LastItems, d.UpdatedUnreadableExample))
	}
	if d.UpdatedFuture > 0 {
		notices = append(notices, notice.New(notice.UpdatedFuture, d.UpdatedFuture, st.LastItems, d.UpdatedFutureExample))
	}
	return notices
}

// shrunkFrom is how many items an html source's page gave before its count
// fell to a third or less (a redesign that left the item selector matching
// the lead story, or one box, and the rest of the list unread), given the
// count held (from), the last page's and this one's: zero while the page
// gives what it gave, or once it gives half of that again.
func shrunkFrom(from, last, n int) int {
	switch {
	case from > 0 && n*2 >= from:
		return 0
	case from == 0 && last >= 6 && n*3 <= last:
		return last
	}
	return from
}

// countDates counts in d the items not dated as their outlet dated them,
// by their published dates and by their updated ones, parsed or known from
// the memo alike, so that the count stays while the document keeps them;
// the first of each kind is the example.
func countDates(d *store.Dates, items []memoItem) {
	count := func(issue feeds.DateIssue, unreadable, future *int, unreadableExample, futureExample *string) {
		switch {
		case issue.IsZero():
		case issue.Future:
			*future++
			if *futureExample == "" {
				*futureExample = issue.Raw
			}
		default:
			*unreadable++
			if *unreadableExample == "" {
				*unreadableExample = issue.Raw
			}
		}
	}
	for _, it := range items {
		count(it.date, &d.Unreadable, &d.Future, &d.UnreadableExample, &d.FutureExample)
		count(it.updated, &d.UpdatedUnreadable, &d.UpdatedFuture, &d.UpdatedUnreadableExample, &d.UpdatedFutureExample)
	}
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// parse turns a fetched document into a feed. Every kind of source goes
// through here, so a new kind is a new branch in this one place.
//
// Items whose bytes and context are those of an item of the source's last
// stored document are not parsed again (see feeds.ParseChanged).
func (p *Poller) parse(src config.Source, resp *fetch.Response, prev memoDoc) (*feeds.Feed, feeds.Layout, error) {
	return feeds.ParseChanged(resp.Body, feeds.ParseOptions{
		FeedURL:     resp.URL,
		ContentType: resp.ContentType,
		Location:    p.cfg.Location(src),
		MaxItems:    p.cfg.Poll.MaxItems,
		Now:         p.now(),
	}, prev.layout(), func(raw uint64) bool {
		_, ok := prev.byRaw(raw)
		return ok
	})
}

// relocate makes url the source's address from now on and tells the admin,
// who should put it in config.yaml.
func (p *Poller) relocate(src config.Source, st *store.SourceState, url, reason string) {
	if url == EffectiveURL(src, *st) {
		return
	}
	st.URL, st.URLFrom, st.URLReason = url, src.URL, reason
	msg := "source moved permanently; update its url in config.yaml"
	if reason == "discovered" {
		msg = "source url is a web page; polling the feed it links to; put that url in config.yaml"
	}
	p.log.Warn(msg, "source", src.ID, "config_url", urlsafe.Redacted(src.URL), "new_url", urlsafe.Redacted(url))
}

// get fetches req, adding the time it took to rep.Fetch.
func (p *Poller) get(ctx context.Context, req fetch.Request, rep *Report) (*fetch.Response, error) {
	began := p.now()
	resp, err := p.client.Get(ctx, req)
	rep.Fetch += p.now().Sub(began)
	return resp, err
}

func (p *Poller) logReport(r Report) {
	if r.Err == nil && r.Warning == "" && r.Result == ResultNotModified && !p.log.Enabled(context.Background(), slog.LevelDebug) {
		// The common case by far, and logged at debug level only: not
		// even its attributes are made.
		return
	}
	attrs := []any{"source", r.Source, "result", r.Result, "status", r.Status, "duration", r.Duration.Round(time.Millisecond),
		"fetch", r.Fetch.Round(time.Millisecond),
		"items", r.Items, "repeated", r.Repeated, "new", r.New, "updated", r.Updated, "joined", r.Joined, "dropped", r.Dropped}
	if r.Cursor != "" || r.Pages > 0 {
		attrs = append(attrs, "pages", r.Pages, "cursor", r.Cursor)
	}
	switch {
	case r.Err != nil:
		p.log.Warn("poll failed", append(attrs, "error", r.Err.Error())...)
	case r.Warning != "":
		p.log.Warn("poll", append(attrs, "warning", r.Warning)...)
	case r.Result == ResultNotModified:
		// The common case by far: at 10,000 sources, an Info line each
		// would be most of the log and a good part of the CPU.
		p.log.Debug("poll", attrs...)
	default:
		p.log.Info("poll", attrs...)
	}
}
