package server

import (
	"crypto/subtle"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"newswire/internal/config"
)

// partner is one configured partner and what it has pulled.
type partner struct {
	name     string
	token    []byte
	pulls    atomic.Int64
	lastPull atomic.Int64 // unix nanoseconds; 0 = never
}

func (p *partner) pulled(now time.Time) {
	p.pulls.Add(1)
	p.lastPull.Store(now.UnixNano())
}

// partners authenticates feed requests by token.
type partners struct{ list []*partner }

func newPartners(cfg []config.Partner) *partners {
	ps := &partners{}
	for _, p := range cfg {
		ps.list = append(ps.list, &partner{name: p.Name, token: []byte(p.Token)})
	}
	return ps
}

// authenticate returns the partner whose token the request carries
// ("Authorization: Bearer TOKEN", or ?token= for readers that cannot send
// headers), or nil. Tokens are compared in constant time.
func (ps *partners) authenticate(r *http.Request) *partner {
	if len(ps.list) == 0 {
		return nil
	}
	token := ""
	if auth := firstValue(r.Header["Authorization"]); len(auth) > 7 && strings.EqualFold(auth[:7], "bearer ") {
		token = strings.TrimSpace(auth[7:])
	} else if r.URL.RawQuery != "" {
		token = r.URL.Query().Get("token")
	}
	if token == "" {
		return nil
	}
	var found *partner
	for _, p := range ps.list {
		// Every token is compared, so the time taken says nothing of which
		// one nearly matched.
		if subtle.ConstantTimeCompare([]byte(token), p.token) == 1 {
			found = p
		}
	}
	return found
}

// partnerStatus is one partner's line on the status API.
type partnerStatus struct {
	Name     string     `json:"name"`
	Pulls    int64      `json:"pulls"`
	LastPull *time.Time `json:"last_pull,omitempty"`
}

func (ps *partners) status() []partnerStatus {
	out := make([]partnerStatus, 0, len(ps.list))
	for _, p := range ps.list {
		st := partnerStatus{Name: p.name, Pulls: p.pulls.Load()}
		if ns := p.lastPull.Load(); ns != 0 {
			t := time.Unix(0, ns).UTC()
			st.LastPull = &t
		}
		out = append(out, st)
	}
	return out
}

// limiter is a token bucket per client, kept as the generic cell rate
// algorithm: a client's bucket is one time, when it will be full again (the
// "theoretical arrival time" of the algorithm), moved on with one
// compare-and-swap per request, so that the feed path takes no lock.
// Buckets idle long enough to be full again are forgotten, so that a crowd
// of one-time clients cannot grow it without end.
type limiter struct {
	every   int64 // nanoseconds a token takes to come back
	ahead   int64 // how far a bucket's time may run ahead of now: burst-1 tokens
	full    int64 // how long an empty bucket takes to fill, in nanoseconds
	clients sync.Map
	count   atomic.Int64 // of clients, about: a sweep recounts
	sweep   sync.Mutex
	swept   atomic.Int64 // when last swept, unix nanoseconds
}

// clientBucket is the time at which a client's bucket is full again, unix
// nanoseconds: each request moves it one token's time on from now or from
// where it was, whichever is later.
type clientBucket struct{ at atomic.Int64 }

// newLimiter returns nil, meaning no limit, when perSecond is 0.
func newLimiter(perSecond, burst int) *limiter {
	if perSecond <= 0 {
		return nil
	}
	every := int64(time.Second) / int64(perSecond)
	burst = max(1, burst)
	return &limiter{every: every, ahead: int64(burst-1) * every, full: int64(burst) * every}
}

// allow takes a token for client, or says how long until one is free.
func (l *limiter) allow(client string, now time.Time) (time.Duration, bool) {
	t := now.UnixNano()
	v, ok := l.clients.Load(client)
	if !ok {
		if l.count.Load() >= 1024 {
			l.forget(t)
		}
		if v, ok = l.clients.LoadOrStore(client, &clientBucket{}); !ok {
			l.count.Add(1)
		}
	}
	b := v.(*clientBucket)
	for {
		at := b.at.Load()
		from := max(at, t)
		if from-t > l.ahead {
			return time.Duration(from - t - l.ahead), false
		}
		if b.at.CompareAndSwap(at, from+l.every) {
			return 0, true
		}
	}
}

// forget drops the buckets that are full by t, at most once in the time a
// bucket takes to fill. A client dropped while it takes a token gets a full
// bucket at its next request, which it had anyway.
func (l *limiter) forget(t int64) {
	if t-l.swept.Load() < l.full || !l.sweep.TryLock() {
		return
	}
	defer l.sweep.Unlock()
	n := int64(0)
	l.clients.Range(func(k, v any) bool {
		if v.(*clientBucket).at.Load() <= t {
			l.clients.Delete(k)
		} else {
			n++
		}
		return true
	})
	l.count.Store(n)
	l.swept.Store(t)
}

// clientIP is the address a request came from, without its port.
func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

func categoryIDs(cats []config.Category) []string {
	ids := make([]string, len(cats))
	for i, c := range cats {
		ids[i] = c.ID
	}
	return ids
}

// firstValue is a header's first value, looked up by its canonical name
// as net/http stores it, without canonicalising the name again.
func firstValue(vs []string) string {
	if len(vs) == 0 {
		return ""
	}
	return vs[0]
}
