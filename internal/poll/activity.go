package poll

import (
	"sync/atomic"
	"time"
)

// activity is when the poller last showed it is working: Run starting, or a
// poll finishing (whatever its result). Readiness checks read it.
type activity struct{ unixNano atomic.Int64 }

func (a *activity) mark(t time.Time) { a.unixNano.Store(t.UnixNano()) }

// LastActivity is when Run started or a poll last finished; zero before
// either. A poller stuck on every worker stops moving it.
func (p *Poller) LastActivity() time.Time {
	ns := p.activity.unixNano.Load()
	if ns == 0 {
		return time.Time{}
	}
	return time.Unix(0, ns)
}
