package poll

import (
	"math/rand/v2"
	"slices"
	"time"

	"newswire/internal/config"
	"newswire/internal/fetch"
	"newswire/internal/notice"
	"newswire/store"
)

// rhythmItems is how many of a feed's newest items measure its rhythm.
const rhythmItems = 20

// retryAfterCap bounds how long a Retry-After can silence a source, so that
// a mistaken header cannot stop polling for good.
const retryAfterCap = 7 * 24 * time.Hour

// interval is the wait after a successful poll, and why: the source's own
// interval from config, else its publishing rhythm, else poll.interval;
// lengthened when the server asks for more (Cache-Control, Expires, ttl,
// sy:updatePeriod); clamped to [min_interval, max_interval]; jittered by up
// to 10% so that sources drift apart. The jitter never makes a poll late on
// our own interval, which bounds how long a change waits to be seen, nor
// early on the server's, which is how long it asked to be left alone.
func (p *Poller) interval(src config.Source, st store.SourceState, hint serverHint, now time.Time) (time.Duration, string) {
	d, reason := p.ownInterval(src, st, now)
	lo, hi := p.cfg.Poll.MinInterval.D(), p.cfg.Poll.MaxInterval.D()
	if hint.wait > d {
		if hint.wait < hi {
			return clamp(jitterUp(max(hint.wait, lo)), lo, hi), hint.reason
		}
		d, reason = hint.wait, hint.reason // past max_interval, which wins
	}
	w := clamp(jitterDown(clamp(d, lo, hi)), lo, hi)
	if hint.wait <= hi && w < hint.wait {
		// Our own interval, a little longer than the server's wait, or
		// max_interval equal to it: drawn shorter, it must still not
		// come before what the server asked.
		w = hint.wait
	}
	return w, reason
}

// ownInterval is the interval the settings give src, before the server's
// word, the clamp and the jitter: its own from config, else its rhythm, else
// poll.interval; and which of those it is.
func (p *Poller) ownInterval(src config.Source, st store.SourceState, now time.Time) (time.Duration, string) {
	switch {
	case src.Interval > 0:
		return src.Interval.D(), reasonConfig
	case st.PublishGap > 0:
		return adaptive(st.PublishGap, st.NewestItem, now), reasonAdaptive
	}
	return p.cfg.Poll.Interval.D(), reasonDefault
}

// settingsNext is when src falls due under p's config, counted from its
// last poll, when the config now gives a clearly shorter wait (past the
// jitter's 10 %) than the one that set its stored next poll: an admin who
// shortens an interval, a source's or poll.interval, or lowers
// poll.max_interval, sees it apply from the last poll rather than after the
// old wait. That holds for an interval from the settings alone (ownInterval's
// three reasons), for a wait the server asked for in Cache-Control, Expires
// or a feed's ttl, which max_interval caps, and for a failing source's
// backoff, which it caps too. ok is false otherwise: a Retry-After stands to
// the instant, as the server asked, and a longer wait applies from the next
// poll.
func (p *Poller) settingsNext(src config.Source, st store.SourceState) (next time.Time, interval time.Duration, reason string, ok bool) {
	if st.LastPoll.IsZero() {
		return time.Time{}, 0, "", false
	}
	lo, hi := p.cfg.Poll.MinInterval.D(), p.cfg.Poll.MaxInterval.D()
	shorter := func(d time.Duration) bool { return d < st.Interval*9/10 }
	switch r := st.IntervalReason; {
	case r == reasonDefault || r == reasonConfig || r == reasonAdaptive:
		if own, _ := p.ownInterval(src, st, st.LastPoll); !shorter(clamp(own, lo, hi)) {
			return time.Time{}, 0, "", false
		}
		// As a poll that found nothing to go on from the server would set it.
		interval, reason = p.interval(src, st, serverHint{}, st.LastPoll)
	case r == hintCache || r == hintTTL:
		if !shorter(clamp(st.Interval, lo, hi)) {
			return time.Time{}, 0, "", false
		}
		// As the poll would have set it under this max_interval.
		interval, reason = p.interval(src, st, serverHint{wait: st.Interval, reason: r}, st.LastPoll)
	case isBackoff(r):
		base, _ := p.backoffBase(src, st)
		if !shorter(base) {
			return time.Time{}, 0, "", false
		}
		interval, reason = p.backoff(src, st, nil)
	default:
		return time.Time{}, 0, "", false
	}
	return st.LastPoll.Add(interval), interval, reason, true
}

// adaptive is the interval that follows a source's rhythm: half its typical
// gap between items, so a new item waits on average a quarter of a gap; and
// half the age of its newest item when that is longer, so a source that has
// gone quiet is asked less often.
func adaptive(gap time.Duration, newest, now time.Time) time.Duration {
	if age := now.Sub(newest); !newest.IsZero() && age > gap {
		gap = age
	}
	return gap / 2
}

// publishRhythm measures the median gap between the newest of a document's
// items' publication times, and the newest of them. It keeps the previous
// values when the items carry too few dates to tell. It sorts times.
func publishRhythm(times []time.Time, prevGap time.Duration, prevNewest time.Time) (time.Duration, time.Time) {
	if len(times) == 0 {
		return prevGap, prevNewest
	}
	slices.SortFunc(times, func(a, b time.Time) int { return b.Compare(a) })
	newest := times[0]
	if len(times) > rhythmItems {
		times = times[:rhythmItems]
	}
	if len(times) < 3 {
		return prevGap, newest
	}
	gaps := make([]time.Duration, 0, len(times)-1)
	for i := 1; i < len(times); i++ {
		gaps = append(gaps, times[i-1].Sub(times[i]))
	}
	slices.Sort(gaps)
	gap := gaps[len(gaps)/2]
	if gap <= 0 {
		// Many items stamped with one time tell nothing about rhythm.
		return prevGap, newest
	}
	return gap, newest
}

// backoff is the wait after a failure, and why: exactly what the server
// asked for in Retry-After on a 429 or a 503 (never less than min_interval);
// else the source's usual interval doubled per
// consecutive failure, capped at poll.max_interval. A source is never dropped:
// at the cap it is still tried every max_interval.
func (p *Poller) backoff(src config.Source, st store.SourceState, se *fetch.StatusError) (time.Duration, string) {
	if se != nil && se.RetryAfter > 0 {
		return clamp(se.RetryAfter, p.cfg.Poll.MinInterval.D(), retryAfterCap), english(notice.IntervalRetryAfter, se.Status)
	}
	d, reason := p.backoffBase(src, st)
	return clamp(jitterDown(d), p.cfg.Poll.MinInterval.D(), p.cfg.Poll.MaxInterval.D()), reason
}

// backoffBase is the backoff after st.ConsecutiveFailures failures before
// the jitter: the source's usual interval doubled per failure after the
// first, capped at poll.max_interval.
func (p *Poller) backoffBase(src config.Source, st store.SourceState) (time.Duration, string) {
	hi := p.cfg.Poll.MaxInterval.D()
	d := p.cfg.SourceInterval(src)
	for i := 1; i < st.ConsecutiveFailures && d < hi; i++ {
		d *= 2
	}
	return clamp(d, p.cfg.Poll.MinInterval.D(), hi), english(notice.IntervalBackoff, st.ConsecutiveFailures)
}

// catchUp is the wait of a source that has more changes waiting than one
// poll reads: the shortest the settings and the server allow.
func (p *Poller) catchUp(hint serverHint) time.Duration {
	lo, hi := p.cfg.Poll.MinInterval.D(), p.cfg.Poll.MaxInterval.D()
	return clamp(max(hint.wait, lo), lo, hi)
}

func clamp(d, lo, hi time.Duration) time.Duration {
	return max(lo, min(d, hi))
}

// jitterDown shortens d by up to 10% at random, so that sources with one
// interval drift apart: by at least half a step of the scheduler's grid and
// at most 10% less half a step, so that where align then moves the poll it
// falls between 90% and 100% of d.
func jitterDown(d time.Duration) time.Duration {
	return d - jitter(d)
}

// jitterUp lengthens d as jitterDown shortens it: to 100–110% of d.
func jitterUp(d time.Duration) time.Duration {
	return d + jitter(d)
}

func jitter(d time.Duration) time.Duration {
	half := alignGrid(d) / 2
	spread := int64(d/10 - 2*half)
	if spread <= 0 {
		return half
	}
	return half + time.Duration(rand.Int64N(spread+1))
}
