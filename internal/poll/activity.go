package poll

import (
	"math"
	"sync/atomic"
	"time"
)

// activity is when the poller last showed it is working: Run starting, or a
// poll finishing (whatever its result); and, while the dispatcher waits
// with no poll in flight, until when it waits. Readiness checks read it.
type activity struct {
	unixNano atomic.Int64
	// idleUntil is when the dispatcher, waiting with no poll in flight,
	// wakes for the next one due (math.MaxInt64: none is due); zero while
	// polls run.
	idleUntil atomic.Int64
}

func (a *activity) mark(t time.Time) { a.unixNano.Store(t.UnixNano()) }

// idle records that no poll runs and none starts before until (zero: none
// is scheduled at all).
func (a *activity) idle(until time.Time) {
	if until.IsZero() {
		a.idleUntil.Store(math.MaxInt64)
		return
	}
	a.idleUntil.Store(until.UnixNano())
}

func (a *activity) busy() { a.idleUntil.Store(0) }

// LastActivity is when Run started or a poll last finished; zero before
// either. A poller stuck on every worker stops moving it. While the poller
// waits with nothing to do for a poll that falls due later (every source
// polled, or waiting for the time its server asked, a Retry-After longer
// than max_interval), it is now: waiting is its work then.
func (p *Poller) LastActivity() time.Time {
	ns := p.activity.unixNano.Load()
	if ns == 0 {
		return time.Time{}
	}
	now := p.now()
	if until := p.activity.idleUntil.Load(); until != 0 && now.UnixNano() <= until {
		return now
	}
	return time.Unix(0, ns)
}
