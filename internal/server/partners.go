package server

import (
	"crypto/subtle"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/time/rate"

	"newswire/internal/config"
)

// partner is one configured partner and what it has pulled.
type partner struct {
	name  string
	token []byte
	*pulls
}

// pulls is what one partner has pulled.
type pulls struct {
	count    atomic.Int64
	lastPull atomic.Int64 // unix nanoseconds; 0 = never
}

func (p *pulls) pulled(now time.Time) {
	p.count.Add(1)
	p.lastPull.Store(now.UnixNano())
}

// Pulls counts each partner's pulls by its name, for as long as the daemon
// runs. It outlives a Server: a daemon hands its one Pulls to the Server of
// every config it runs (Server.UsePulls), so that a reload keeps the counts
// of the partners it keeps, whatever their new token, and forgets those of
// the partners it removes or renames. The zero value is ready to use.
type Pulls struct {
	mu     sync.Mutex
	byName map[string]*pulls
}

// of returns the counts of the partners named, in order, and forgets any
// other partner's.
func (ps *Pulls) of(names []string) []*pulls {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	kept := make(map[string]*pulls, len(names))
	out := make([]*pulls, len(names))
	for i, name := range names {
		p, ok := ps.byName[name]
		if !ok {
			p = &pulls{}
		}
		kept[name], out[i] = p, p
	}
	ps.byName = kept
	return out
}

// partners authenticates feed requests by token.
type partners struct{ list []*partner }

func newPartners(cfg []config.Partner, counts *Pulls) *partners {
	names := make([]string, len(cfg))
	for i, p := range cfg {
		names[i] = p.Name
	}
	ps := &partners{}
	for i, c := range counts.of(names) {
		ps.list = append(ps.list, &partner{name: cfg[i].Name, token: []byte(cfg[i].Token), pulls: c})
	}
	return ps
}

// UsePulls makes the server count partners' pulls in p, which earlier
// servers may have counted in already. Call it before serving.
func (s *Server) UsePulls(p *Pulls) { s.partners = newPartners(s.cfg.Partners, p) }

// authenticate returns the partner whose token the request carries
// ("Authorization: Bearer TOKEN", or ?token= for readers that cannot send
// headers), or nil. Tokens are compared in constant time.
func (ps *partners) authenticate(r *http.Request) *partner {
	if len(ps.list) == 0 {
		return nil
	}
	token := bearerToken(r)
	if token == "" && r.URL.RawQuery != "" {
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
		st := partnerStatus{Name: p.name, Pulls: p.count.Load()}
		if ns := p.lastPull.Load(); ns != 0 {
			t := time.Unix(0, ns).UTC()
			st.LastPull = &t
		}
		out = append(out, st)
	}
	return out
}

// limiter is a token bucket per client. Buckets idle long enough to be full
// again are forgotten, so that a crowd of one-time clients cannot grow it
// without end.
type limiter struct {
	mu      sync.Mutex
	every   rate.Limit
	burst   int
	full    time.Duration // how long an empty bucket takes to fill
	clients map[string]*clientBucket
	swept   time.Time
}

type clientBucket struct {
	lim  *rate.Limiter
	seen time.Time
}

// newLimiter returns nil, meaning no limit, when perSecond is 0.
func newLimiter(perSecond, burst int) *limiter {
	if perSecond <= 0 {
		return nil
	}
	return &limiter{
		every:   rate.Limit(perSecond),
		burst:   burst,
		full:    time.Duration(float64(burst) / float64(perSecond) * float64(time.Second)),
		clients: map[string]*clientBucket{},
	}
}

// allow takes a token for client, or says how long until one is free.
func (l *limiter) allow(client string, now time.Time) (time.Duration, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.clients) > 1024 && now.Sub(l.swept) > l.full {
		for k, b := range l.clients {
			if now.Sub(b.seen) > l.full {
				delete(l.clients, k)
			}
		}
		l.swept = now
	}
	b, ok := l.clients[client]
	if !ok {
		b = &clientBucket{lim: rate.NewLimiter(l.every, l.burst)}
		l.clients[client] = b
	}
	b.seen = now
	if b.lim.AllowN(now, 1) {
		return 0, true
	}
	missing := 1 - b.lim.TokensAt(now)
	return time.Duration(missing / float64(l.every) * float64(time.Second)), false
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
