package poll

import (
	"container/heap"
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/url"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	"newswire/internal/config"
	"newswire/internal/urlsafe"
	"newswire/store"
)

// Run polls every enabled source on its own schedule until ctx ends. A
// source whose state says when it is due next keeps that time across
// restarts; the others are spread over the first minute instead of all
// firing at once. A gone source (410) is not polled.
func (p *Poller) Run(ctx context.Context) error {
	if err := p.loadStates(); err != nil {
		return err
	}
	p.batching = true
	now := p.now()
	p.activity.mark(now)
	d := p.newDispatcher(true)
	p.fill(d, now)
	p.schedMu.Lock()
	pushed := p.pushed
	p.sched, p.pushed = d, nil
	for id := range pushed {
		d.soon(id)
	}
	p.schedMu.Unlock()
	defer func() {
		p.schedMu.Lock()
		p.sched = nil
		p.schedMu.Unlock()
	}()
	flushed := make(chan struct{})
	go func() {
		defer close(flushed)
		flush := time.NewTicker(flushEvery)
		defer flush.Stop()
		release := time.NewTicker(releaseEvery)
		defer release.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-flush.C:
				if err := p.Flush(); err != nil {
					p.log.Warn("saving source states", "error", err)
				}
			case <-release.C:
				// Reads of the store (the HTTP side's) and the flush
				// of source states leave its pages resident; writes of
				// stories release them at once (store.Apply).
				if err := p.store.ReleaseMapped(); err != nil {
					p.log.Warn("releasing mapped store pages", "error", err)
				}
			}
		}
	}()
	d.run(ctx)
	<-flushed
	return p.flush(true)
}

// fill schedules every enabled source of p's config on d, which Run then
// runs. A source whose state says when it is due next keeps that time,
// aligned and placed on its host's grid as after a poll (finish), so that
// a reload or a restart leaves the polls in the batches they fell in: left
// each at its own instant, they woke the daemon for every poll, and cost
// 10,000 sources five times a quiet interval's CPU (BenchmarkReloadFarm).
// A failure's time (backoff, Retry-After) is kept to the instant, as finish
// keeps it. One whose wait the config now makes clearly shorter (a shorter
// interval, a lower max_interval under a server's ttl or a backoff) falls
// due that much after its last poll (settingsNext). One the config gives a
// new URL is due now: its wait was the old address's (urlChanged).
//
// The sources already due (never polled, or due while the daemon was
// stopped or reloading) are spread over a share of the first minute as
// large as their share of the sources: all of them at a first start, so
// that they do not fire at once, and the few due during a reload within a
// second or two of it, not up to a minute late.
func (p *Poller) fill(d *dispatcher, now time.Time) {
	// Entries point into the config's own sources: a copy of 10,000 of
	// them would be 3 MB of heap for the life of the poller.
	srcs := p.cfg.Sources
	type plan struct {
		src    int
		url    string
		next   time.Time // zero: due now
		exact  bool      // a failure's time, kept to the instant
		repeat time.Duration
	}
	plans := make([]plan, 0, len(srcs))
	due := 0
	for i, src := range srcs {
		if src.Disabled {
			continue
		}
		st, err := p.state(src.ID)
		ok := err == nil && st.ID != ""
		if ok && IsGone(src, st) {
			level := slog.LevelWarn
			if !p.said.first("gone\x00" + src.ID + "\x00" + st.GoneURL) {
				level = slog.LevelDebug // said when the daemon started
			}
			p.log.Log(context.Background(), level, "source is gone (410) and not polled; remove it or give it a new url in config.yaml", "source", src.ID, "url", urlsafe.Redacted(st.GoneURL))
			continue
		}
		if ok && urlChanged(src, st) && st.NextPoll.After(now) {
			// The wait its last poll set is the old address's: a source
			// given a new URL is polled there at once (Soon, at a reload).
			st.NextPoll, st.Interval, st.IntervalReason = now, 0, newURLReason
			_ = p.saveState(st, true, false) // written at the next flush
		}
		pl := plan{src: i, url: EffectiveURL(src, st), repeat: p.cfg.SourceInterval(src)}
		if ok && p.afterCrash && (st.IntervalReason == hintCache || st.IntervalReason == hintTTL) && st.Interval > 0 &&
			!st.NextPoll.After(now) && now.Sub(st.LastPoll) < flushEvery+st.Interval && !urlChanged(src, st) {
			// Its saved state may be a minute behind its polls: the
			// server's wait counts from now.
			st.NextPoll = now.Add(st.Interval)
		}
		if ok && st.NextPoll.After(now) {
			pl.next, pl.exact = st.NextPoll, st.LastResult == ResultError
			if st.Interval > 0 {
				pl.repeat = st.Interval
			}
			if next, interval, reason, sooner := p.settingsNext(src, st); sooner {
				pl.next, pl.repeat = next, interval
				if !next.After(now) {
					next, pl.next, pl.exact = now, time.Time{}, false // due: spread below
				}
				st.NextPoll, st.Interval, st.IntervalReason = next, interval, reason
				_ = p.saveState(st, true, false) // written at the next flush
			}
		}
		if pl.next.IsZero() {
			due++
		}
		plans = append(plans, pl)
	}
	window := time.Duration(0)
	if len(plans) > 1 {
		window = min(time.Minute, p.cfg.Poll.Interval.D()) * time.Duration(due) / time.Duration(len(plans))
	}
	for _, pl := range plans {
		src := &srcs[pl.src]
		switch {
		case pl.exact:
			d.add(src, pl.url, pl.next)
		case !pl.next.IsZero():
			d.addPlaced(src, pl.url, align(pl.next, pl.repeat), alignGrid(pl.repeat))
		case window > 0:
			at := now.Add(time.Duration(rand.Int64N(int64(window))))
			d.addPlaced(src, pl.url, align(at, pl.repeat), alignGrid(pl.repeat))
		default:
			d.add(src, pl.url, now)
		}
	}
}

// Soon has source id polled as soon as the limits on its host allow: a
// WebSub push says the source has news. It goes through Run's dispatcher
// like every poll, so a push never breaks poll.per_host or poll.host_gap,
// and it never cuts short a wait the server asked for (Retry-After). A
// source already waiting for its host is left there; one being polled is
// polled once more when that poll ends, however many pushes came meanwhile.
// Before Run starts (a reload), the source is polled first once it does.
func (p *Poller) Soon(id string) {
	p.schedMu.Lock()
	defer p.schedMu.Unlock()
	if p.sched == nil {
		if p.pushed == nil {
			p.pushed = make(map[string]bool)
		}
		p.pushed[id] = true
		return
	}
	p.sched.soon(id)
}

// serverWait reports whether src waits for a time its server asked for: a
// push must not cut that short. The server of an address the config no
// longer names asks nothing of the new one.
func (p *Poller) serverWait(src config.Source) bool {
	st, _ := p.state(src.ID)
	return serverWaits(st) && !urlChanged(src, st)
}

// serverWaits reports whether st waits for a time its server asked for.
func serverWaits(st store.SourceState) bool {
	return st.LastResult == ResultError && isRetryAfter(st.IntervalReason)
}

// flushEvery is how stale the stored states of sources may get: a crash
// loses at most this much of them, which costs at worst one more conditional
// GET of each source polled in that time. The status page reads the poller's
// own states (States). Each flush rewrites the pages of every state polled
// since the last, so with thousands of sources it is the bulk of an idle
// poller's work when it comes often.
const flushEvery = time.Minute

// releaseEvery is how often the store's mapped pages are released: the
// pages state flushes and the HTTP side's reads touch in that time stay
// resident until then (a few MB), and each release costs the transactions
// after it a page fault for every page they read again.
const releaseEvery = 30 * time.Second

// PollAll polls every enabled source once (gone ones included, which report
// so without a request), under the same worker, per-host and gap limits as
// Run, calling done (if not nil) as each finishes. A source whose server
// asked to be left alone for a time that has not ended (Retry-After) is not
// asked, unless the config has given it a new URL since: it is reported as
// waiting, until when and why. Reports come back in config order.
func (p *Poller) PollAll(ctx context.Context, done func(Report)) []Report {
	srcs := p.cfg.EnabledSources()
	reports := make([]Report, len(srcs))
	index := make(map[string]int, len(srcs))
	d := p.newDispatcher(false)
	now := p.now()
	if err := p.loadStates(); err != nil {
		p.log.Warn("reading source states", "error", err)
	}
	p.batching = true
	d.finished = func(r Report) {
		reports[index[r.Source]] = r
		if done != nil {
			done(r)
		}
	}
	for i, src := range srcs {
		index[src.ID] = i
		st, _ := p.state(src.ID)
		if serverWaits(st) && st.NextPoll.After(now) && !urlChanged(src, st) {
			d.finished(Report{Source: src.ID, Result: ResultWaiting, Next: st.NextPoll, Why: st.IntervalReason})
			continue
		}
		d.add(&srcs[i], EffectiveURL(src, st), now)
	}
	d.run(ctx)
	if err := p.Flush(); err != nil {
		p.log.Warn("saving source states", "error", err)
	}
	for i, r := range reports {
		if r.Source == "" {
			reports[i] = Report{Source: srcs[i].ID, Result: ResultError, Err: ctx.Err()}
		}
	}
	return reports
}

// dispatcher starts polls when they are due, keeping three limits: at most
// poll.concurrency polls at once, at most poll.per_host against one host, and
// poll.host_gap between two starts against one host. A due poll whose host is
// busy waits in that host's queue without taking a worker, so a slow host
// holds at most per_host workers and every other host keeps its pace.
//
// A worker that finishes a poll does the bookkeeping itself and goes on with
// the next poll the limits allow, so that the dispatcher's goroutine wakes
// only when a time it waits for comes (a poll falling due, a host's gap
// ending), not once for every poll: in an idle poller the wake-ups and
// hand-offs around each poll cost more than the bookkeeping.
type dispatcher struct {
	p       *Poller
	repeat  bool // Run: reschedule each source after its poll; PollAll: once
	workers int
	perHost int
	gap     time.Duration

	mu      sync.Mutex
	due     schedule              // sources not yet due, by time
	hosts   map[string]*hostQueue // every host seen
	waiting map[string]*hostQueue // hosts with due sources that have not started
	running int                   // polls started, queued for a worker or under way
	again   map[string]bool       // sources pushed while their poll ran (soon)
	wakeAt  time.Time             // when the dispatcher's timer fires; zero if it has none
	stopped bool                  // the dispatcher has returned: start nothing more
	kick    chan struct{}         // tells the dispatcher to look again before wakeAt

	finishMu sync.Mutex
	finished func(Report) // called from the workers, one at a time
}

type hostQueue struct {
	running   int
	lastStart time.Time
	queue     []*entry        // due, in the order they fell due
	due       map[int64]int32 // Run's polls not yet due, by the time they fall due (UnixNano)
}

type entry struct {
	src  *config.Source // in the slice the dispatcher was filled from: with 10,000 sources a copy each was 5 MB
	url  string         // polled at, as last looked up
	host string         // of url
	next time.Time
	slot int64 // next as counted in its host's due; 0 if not counted
}

func (p *Poller) newDispatcher(repeat bool) *dispatcher {
	return &dispatcher{
		p:       p,
		repeat:  repeat,
		workers: max(1, p.cfg.Poll.Concurrency),
		perHost: max(1, p.cfg.Poll.PerHost),
		gap:     p.cfg.Poll.HostGap.D(),
		hosts:   make(map[string]*hostQueue),
		waiting: make(map[string]*hostQueue),
		kick:    make(chan struct{}, 1),
	}
}

func (d *dispatcher) add(src *config.Source, rawURL string, next time.Time) {
	e := &entry{src: src, url: rawURL, host: hostOf(rawURL), next: next}
	d.count(e)
	heap.Push(&d.due, e)
}

// addPlaced adds src at next as finish reschedules a polled source: placed
// a grid step either way where fewer of its host's polls fall due.
func (d *dispatcher) addPlaced(src *config.Source, rawURL string, next time.Time, grid time.Duration) {
	e := &entry{src: src, url: rawURL, host: hostOf(rawURL)}
	d.place(e, next, grid)
	heap.Push(&d.due, e)
}

// planned returns when each source waiting for its time is to be polled.
func (d *dispatcher) planned() map[string]time.Time {
	d.mu.Lock()
	defer d.mu.Unlock()
	m := make(map[string]time.Time, len(d.due))
	for _, e := range d.due {
		m[e.src.ID] = e.next
	}
	return m
}

// soon makes source id due now (Poller.Soon).
func (d *dispatcher) soon(id string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.stopped {
		return
	}
	for i, e := range d.due {
		if e.src.ID != id {
			continue
		}
		now := d.p.now()
		if !e.next.After(now) || d.p.serverWait(*e.src) {
			return
		}
		d.uncount(e)
		e.next = now
		heap.Fix(&d.due, i)
		select {
		case d.kick <- struct{}{}:
		default:
		}
		return
	}
	for _, h := range d.waiting {
		for _, e := range h.queue {
			if e.src.ID == id {
				return // starts as soon as its host allows
			}
		}
	}
	// Being polled, or between its poll and finish: once more after it.
	if d.again == nil {
		d.again = make(map[string]bool)
	}
	d.again[id] = true
}

// host is the queue of the named host, made on first use.
func (d *dispatcher) host(name string) *hostQueue {
	h := d.hosts[name]
	if h == nil {
		h = &hostQueue{}
		d.hosts[name] = h
	}
	return h
}

// spreads reports whether the dispatcher counts and places each host's
// polls (place): in Run, with a host gap.
func (d *dispatcher) spreads() bool { return d.repeat && d.gap > 0 }

// count adds e to its host's polls falling due at e.next, when the
// dispatcher spreads them.
func (d *dispatcher) count(e *entry) {
	if !d.spreads() {
		return
	}
	h := d.host(e.host)
	if h.due == nil {
		h.due = make(map[int64]int32)
	}
	e.slot = e.next.UnixNano()
	h.due[e.slot]++
}

// uncount takes e out of its host's polls falling due (count).
func (d *dispatcher) uncount(e *entry) {
	if e.slot == 0 {
		return
	}
	h := d.hosts[e.host]
	if h.due[e.slot]--; h.due[e.slot] <= 0 {
		delete(h.due, e.slot)
	}
	e.slot = 0
}

// place schedules e at next, or a grid step later or earlier where fewer
// polls of its host fall due, and counts it there.
//
// A host's polls falling due together start one host_gap apart, in waves
// shared with the other hosts, and each wave wakes the daemon's threads.
// Where each poll falls due is otherwise left to chance (where its source's
// first poll happened to fall): with 204 sources on a host polled every
// minute, 3.4 a second on average, some seconds hold 7 or 8 of them, and the
// last of those start in waves of a few polls, each waking threads for
// little work. Spread, a host's polls of one second fit in fewer waves. One
// step either way is at most a second, well within an interval's tolerance,
// and a source's next poll still counts from the start of its last.
func (d *dispatcher) place(e *entry, next time.Time, grid time.Duration) {
	e.next = next
	if !d.spreads() || grid < time.Millisecond {
		return
	}
	if h := d.hosts[e.host]; h != nil {
		if least := h.due[next.UnixNano()]; least > 0 {
			for _, t := range [...]time.Time{next.Add(grid), next.Add(-grid)} {
				if n := h.due[t.UnixNano()]; n < least {
					e.next, least = t, n
				}
			}
		}
	}
	d.count(e)
}

// hostOf is the host a URL's requests go to; an unparsable URL gets a host
// of its own so that its (failing) polls still run.
func hostOf(rawURL string) string {
	u, err := url.Parse(rawURL)
	if err != nil || u.Host == "" {
		return "?" + rawURL
	}
	return strings.ToLower(u.Host)
}

func (d *dispatcher) run(ctx context.Context) {
	// The workers live as long as the dispatcher: a goroutine started for
	// each poll grew its stack through the HTTP client on every one of them.
	// A started poll counts as running, so jobs never holds more than
	// workers and a send on it never blocks.
	jobs := make(chan *entry, d.workers)
	var wg sync.WaitGroup
	for range d.workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for e := range jobs {
				for e != nil {
					e = d.finish(ctx, e, d.p.pollSafely(ctx, *e.src), jobs)
				}
			}
		}()
	}
	defer wg.Wait()
	defer close(jobs)
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for {
		d.mu.Lock()
		now := d.p.now()
		d.promote(now)
		wake := d.start(now, jobs, nil)
		if d.drained() {
			d.stopped = true
			d.mu.Unlock()
			return
		}
		wake = d.withDue(wake)
		// With every worker busy, only a finished poll can let work
		// start, and the worker that finished it starts it.
		if d.running >= d.workers {
			wake = time.Time{}
		}
		d.wakeAt = wake
		if d.running == 0 {
			d.p.activity.idle(wake)
		} else {
			d.p.activity.busy()
		}
		d.mu.Unlock()
		var tick <-chan time.Time
		if !wake.IsZero() {
			timer.Reset(max(0, wake.Sub(now)))
			tick = timer.C
		}
		select {
		case <-ctx.Done():
			d.mu.Lock()
			d.stopped = true
			d.mu.Unlock()
			return
		case <-d.kick:
		case <-tick:
		}
	}
}

// finish does the bookkeeping of e's poll, which rep reports, on the worker
// that ran it (an entry does not keep its report: with 10,000 sources that
// was 2.6 MB of heap, and each held its poll's notices until the next): e is
// scheduled again (in Run), and the worker takes the next poll the limits
// allow now, which it returns (nil if none). The dispatcher is told to look
// again only when the worker leaves work behind that falls due before the
// dispatcher's timer.
func (d *dispatcher) finish(ctx context.Context, e *entry, rep Report, jobs chan<- *entry) *entry {
	if d.finished != nil {
		d.finishMu.Lock()
		d.finished(rep)
		d.finishMu.Unlock()
	}
	again := d.repeat && !rep.Next.IsZero()
	var url string
	if again {
		url = d.p.effectiveURL(*e.src)
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	now := d.p.now()
	d.running--
	d.hosts[e.host].running--
	if again {
		if url != e.url {
			e.url, e.host = url, hostOf(url)
		}
		pushed := d.again[e.src.ID]
		delete(d.again, e.src.ID)
		switch {
		case pushed && !d.p.serverWait(*e.src):
			e.next = now // pushed while it ran: its news may be newer
		case rep.Result != ResultError:
			// Not a failure's time: a Retry-After must not be cut short.
			interval := rep.Next.Sub(now)
			d.place(e, align(rep.Next, interval), alignGrid(interval))
		default:
			e.next = rep.Next
		}
		heap.Push(&d.due, e)
	}
	if d.stopped || ctx.Err() != nil {
		return nil
	}
	d.promote(now)
	var mine *entry
	wake := d.start(now, jobs, &mine)
	wake = d.withDue(wake)
	if d.running == 0 {
		// The last poll in flight: the poller waits for the next due,
		// whether or not the dispatcher is told to look again.
		d.p.activity.idle(wake)
	}
	// With every worker busy, the next to finish looks again.
	busy := d.running >= d.workers
	last := d.drained()
	if last || (!busy && !wake.IsZero() && (d.wakeAt.IsZero() || wake.Before(d.wakeAt))) {
		select {
		case d.kick <- struct{}{}:
		default:
		}
	}
	return mine
}

// drained reports whether PollAll's dispatcher has nothing left to do.
func (d *dispatcher) drained() bool {
	return !d.repeat && d.running == 0 && len(d.due) == 0 && len(d.waiting) == 0
}

// withDue is wake, or the time the next source falls due if that is sooner.
func (d *dispatcher) withDue(wake time.Time) time.Time {
	if len(d.due) > 0 && (wake.IsZero() || d.due[0].next.Before(wake)) {
		return d.due[0].next
	}
	return wake
}

// promote moves the sources due by now into their hosts' queues.
func (d *dispatcher) promote(now time.Time) {
	for len(d.due) > 0 && !d.due[0].next.After(now) {
		e := heap.Pop(&d.due).(*entry)
		d.uncount(e)
		h := d.host(e.host)
		h.queue = append(h.queue, e)
		d.waiting[e.host] = h
	}
}

// start begins every waiting poll the limits allow now: the first on the
// calling worker when it asks for one (mine not nil), the others on idle
// workers. It returns when to look again for the ones a host's gap held
// back (zero if none): the earliest end of a gap, rounded up to gapStep.
// With every worker busy it returns at once, and what it returns does not
// matter: the next worker to finish looks again.
func (d *dispatcher) start(now time.Time, jobs chan<- *entry, mine **entry) (wake time.Time) {
	step := gapStep(d.gap)
	for host, h := range d.waiting {
		if d.running >= d.workers {
			break
		}
		for len(h.queue) > 0 && d.running < d.workers && h.running < d.perHost {
			if ready := gapEnd(h.lastStart, d.gap, step); d.gap > 0 && ready.After(now) {
				if wake.IsZero() || ready.Before(wake) {
					wake = ready
				}
				break
			}
			e := h.queue[0]
			h.queue[0] = nil
			h.queue = h.queue[1:]
			h.running++
			h.lastStart = now
			d.running++
			if mine != nil && *mine == nil {
				*mine = e
			} else {
				jobs <- e
			}
		}
		if len(h.queue) == 0 {
			delete(d.waiting, host)
		}
	}
	return wake
}

// gapEnd is when a host last started at last may start again: the end of its
// gap rounded up to step. Rounded, the gaps of hosts started a moment apart
// end together, for the workers as for the dispatcher, and their next polls
// start together too, in one wake-up and one stretch of busy threads; exact,
// the hosts of one batch drift apart, and polls come one at a time all
// through the second, each waking a thread that then goes idle again. A gap
// is a least time between two requests to a host, and stays one.
func gapEnd(last time.Time, gap, step time.Duration) time.Time {
	end := last.Add(gap)
	if step <= 0 {
		return end
	}
	return end.Add(step - 1).Truncate(step)
}

// gapStep is the grid to which gapEnd rounds up the end of a host's gap: a
// tenth of the gap, at most 10ms.
func gapStep(gap time.Duration) time.Duration {
	return min(gap/10, 10*time.Millisecond)
}

// effectiveURL reads src's state for the URL it is polled at now.
func (p *Poller) effectiveURL(src config.Source) string {
	st, _ := p.state(src.ID)
	return EffectiveURL(src, st)
}

// pollSafely polls src. A panic anywhere in the pipeline is logged and
// treated as a failed poll retried at max_interval: one hostile document must
// not take the daemon down.
func (p *Poller) pollSafely(ctx context.Context, src config.Source) (rep Report) {
	defer func() {
		if r := recover(); r != nil {
			p.log.Error("poll panicked", "source", src.ID, "panic", fmt.Sprint(r), "stack", string(debug.Stack()))
			rep = Report{Source: src.ID, Result: ResultError, Err: fmt.Errorf("poll: %s: panic: %v", src.ID, r),
				Next: p.now().Add(p.cfg.Poll.MaxInterval.D())}
		}
	}()
	defer func() { p.activity.mark(p.now()) }()
	rep = p.Poll(ctx, src)
	if rep.Next.IsZero() && rep.Result != ResultGone {
		// Not recorded (shutting down, or the store failed): try again later.
		rep.Next = p.now().Add(p.cfg.SourceInterval(src))
	}
	return rep
}

// align moves a poll due after interval to the nearest point of a grid of
// a second (a twentieth of a shorter interval), so that polls fall due in
// batches: the poller then wakes once a second for all the sources due,
// rather than once for each, which costs more CPU than the 304s themselves.
// A poll is at most half a grid step early or late (one and a half where the
// dispatcher places it a step away, for a host's gap), and, since a poll's
// next time counts from its start, that does not drift.
func align(t time.Time, interval time.Duration) time.Time {
	grid := alignGrid(interval)
	if grid < time.Millisecond {
		return t
	}
	return t.Round(grid)
}

// alignGrid is the step of align's grid for a poll due after interval.
func alignGrid(interval time.Duration) time.Duration {
	return min(time.Second, interval/20)
}

// schedule is a min-heap of sources by next poll time.
type schedule []*entry

func (s schedule) Len() int           { return len(s) }
func (s schedule) Less(i, j int) bool { return s[i].next.Before(s[j].next) }
func (s schedule) Swap(i, j int)      { s[i], s[j] = s[j], s[i] }
func (s *schedule) Push(x any)        { *s = append(*s, x.(*entry)) }
func (s *schedule) Pop() any {
	old := *s
	e := old[len(old)-1]
	old[len(old)-1] = nil
	*s = old[:len(old)-1]
	return e
}
