package server

import (
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// Guard bounds how long the connections of an http.Server may wait and
// work: for a request's header, for the next request on a kept-alive
// connection, and for a request's handler to write its response. That is
// what ReadHeaderTimeout, IdleTimeout and a write deadline per response do,
// but those reset a runtime timer on the socket three or four times a
// request; on newswire's busiest path, a cached feed over a kept-alive
// connection, that was half of what newswire added to net/http (BENCHMARKS.md,
// Serving). A Guard notes instead in which part of a request each connection
// is, and since when, with two atomic stores a request, and one goroutine
// looks at every connection a few times a second and closes those past their
// limit. A limit is thus kept to within a step of its sweep (a fifth of the
// smallest limit, at most a second): a bound on misbehaving clients, which
// need not be exact.
//
// Use Listener for the server's listener, and ConnState as its ConnState
// hook. A request body keeps its own deadline (setBodyDeadline): reading it is
// a part of a request the server's states do not show.
type Guard struct {
	limits [phases]int64 // in steps
	step   time.Duration
	start  time.Time
	now    atomic.Int64 // steps since start, as the sweeper or an accept last read the clock

	mu       sync.Mutex
	conns    map[*guardedConn]struct{}
	sweeping bool
	closed   bool
	done     chan struct{}
}

// GuardLimits are a Guard's bounds; each must be positive.
type GuardLimits struct {
	Header time.Duration // from a request's first byte (or the connection's accept) to the end of its header
	Idle   time.Duration // from a response's end to the next request's first byte
	Active time.Duration // from a request's header read to its response's end
}

const (
	phaseHeader = iota // reading a request's header
	phaseIdle          // waiting for a request
	phaseActive        // handling a request, writing its response
	phases
)

// NewGuard returns a Guard keeping limits.
func NewGuard(limits GuardLimits) *Guard {
	least := min(limits.Header, limits.Idle, limits.Active)
	step := min(time.Second, max(time.Millisecond, least/5))
	g := &Guard{step: step, start: time.Now(), conns: map[*guardedConn]struct{}{}, done: make(chan struct{})}
	for p, d := range [phases]time.Duration{phaseHeader: limits.Header, phaseIdle: limits.Idle, phaseActive: limits.Active} {
		g.limits[p] = int64((d + step - 1) / step)
	}
	return g
}

// Listener returns ln, its connections guarded.
func (g *Guard) Listener(ln net.Listener) net.Listener { return guardedListener{ln, g} }

// ConnState is the http.Server's ConnState hook: it tells the Guard where
// each connection is.
func (g *Guard) ConnState(c net.Conn, state http.ConnState) {
	gc, ok := c.(*guardedConn)
	if !ok {
		return
	}
	switch state {
	case http.StateActive:
		gc.set(phaseActive, g.now.Load())
	case http.StateIdle:
		gc.set(phaseIdle, g.now.Load())
	case http.StateClosed, http.StateHijacked:
		g.forget(gc)
	}
}

// Close stops the Guard's sweeping; connections it holds are left as they
// are (http.Server.Shutdown or Close ends them).
func (g *Guard) Close() {
	g.mu.Lock()
	defer g.mu.Unlock()
	if !g.closed {
		g.closed = true
		close(g.done)
	}
}

// Watched reports how many connections the Guard watches.
func (g *Guard) Watched() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return len(g.conns)
}

func (g *Guard) tick() int64 {
	n := int64(time.Since(g.start) / g.step)
	g.now.Store(n)
	return n
}

// watch registers a new connection, reading its header, and makes sure the
// sweeper runs.
func (g *Guard) watch(c net.Conn) *guardedConn {
	gc := &guardedConn{Conn: c, g: g}
	gc.set(phaseHeader, g.tick())
	g.mu.Lock()
	defer g.mu.Unlock()
	g.conns[gc] = struct{}{}
	if !g.sweeping && !g.closed {
		g.sweeping = true
		go g.sweep()
	}
	return gc
}

func (g *Guard) forget(gc *guardedConn) {
	g.mu.Lock()
	defer g.mu.Unlock()
	delete(g.conns, gc)
}

// sweep closes the connections past their limits, every step, until there
// are none left to watch: an idle daemon has no timer running for them.
func (g *Guard) sweep() {
	t := time.NewTicker(g.step)
	defer t.Stop()
	var late []*guardedConn
	for {
		select {
		case <-g.done:
			return
		case <-t.C:
		}
		now := g.tick()
		g.mu.Lock()
		if len(g.conns) == 0 {
			g.sweeping = false
			g.mu.Unlock()
			return
		}
		late = late[:0]
		for gc := range g.conns {
			phase, since := gc.get()
			if now-since > g.limits[phase] {
				late = append(late, gc)
				delete(g.conns, gc)
			}
		}
		g.mu.Unlock()
		for _, gc := range late {
			_ = gc.Conn.Close()
		}
	}
}

type guardedListener struct {
	net.Listener
	g *Guard
}

func (l guardedListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return l.g.watch(c), nil
}

// guardedConn is a connection with where it is: its phase and since which
// step, packed in one word so that the two change together.
type guardedConn struct {
	net.Conn
	g     *Guard
	state atomic.Uint64 // since<<2 | phase
}

func (c *guardedConn) set(phase int, since int64) { c.state.Store(packState(phase, since)) }

func (c *guardedConn) get() (phase int, since int64) {
	s := c.state.Load()
	return int(s & 3), int64(s >> 2)
}

// packState is the word of a connection in phase since step since.
func packState(phase int, since int64) uint64 { return uint64(since)<<2 | uint64(phase) }

// Read notes a request's first byte on a connection that was waiting for
// one: from there its header has the header's limit, not the idle one.
func (c *guardedConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	if n > 0 {
		if s := c.state.Load(); s&3 == phaseIdle {
			c.state.CompareAndSwap(s, packState(phaseHeader, c.g.now.Load()))
		}
	}
	return n, err
}

// CloseWrite lets net/http half-close the connection, as it does a TCP
// connection, so that a client reads an error response before the reset.
func (c *guardedConn) CloseWrite() error {
	if cw, ok := c.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return nil
}
