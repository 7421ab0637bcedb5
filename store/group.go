package store

import (
	"fmt"
	"sync"
	"time"
)

// applyQueue makes one transaction of the Applies that arrive while another
// is writing. bbolt has one writer at a time, and a commit's cost is largely
// fixed: the meta page, the branch pages above the changed leaves, and the
// flush to disk (fdatasync), which alone took a quarter of a new story's
// commit on the outlet farm. A poller that finds several changed feeds at
// once (a burst of news) then pays it once for several.
//
// The first Apply to arrive leads: it takes the writer lock and, once it
// holds it, the Applies queued behind it (within maxGroup and
// maxGroupItems), and stores them in arrival order in one transaction. When
// it has committed, the first Apply still queued leads the next group.
// Nothing waits for company: an Apply alone goes through at once, as before.
//
// Each Apply still succeeds or fails alone: when a group fails (one
// document's item cannot be stored, the commit fails), the transaction is
// rolled back and each of its Applies goes again in a transaction of its
// own, so that one bad document costs the others only time.
type applyQueue struct {
	mu      sync.Mutex
	writing bool        // a leader is at work
	queue   []*applyReq // in arrival order; the leader's own request first
	limit   int         // documents a group may hold; 0: maxGroup (benchmarks set 1)
}

// maxGroup and maxGroupItems bound what one transaction stores: the
// documents and their items (a leader's document alone may have more).
// Each new story changes some thirty leaves of the indexes, which stay in
// memory as bbolt nodes until the commit, and a group's Applies all wait for
// the whole of it. Two first documents of fifty items never share one; a
// burst of one-item changes does.
const (
	maxGroup      = 32
	maxGroupItems = 64
)

type applyReq struct {
	source string
	items  []Incoming
	now    time.Time

	res  Result
	err  error
	turn chan bool // true: lead the next group; false: done, res and err set
}

// do stores r, in a group led by this call or another, and returns its
// result once its transaction has committed or failed.
func (q *applyQueue) do(s *Store, r *applyReq) (Result, error) {
	q.mu.Lock()
	q.queue = append(q.queue, r)
	if q.writing {
		r.turn = make(chan bool, 1)
		q.mu.Unlock()
		if lead := <-r.turn; !lead {
			return r.res, r.err
		}
	} else {
		q.writing = true
		q.mu.Unlock()
	}
	q.lead(s)
	return r.res, r.err
}

// lead stores the group at the head of the queue, whose first request is
// the caller's, hands the lead to the next request still queued, and tells
// the group's others that they are done. A panic (a bug) fails the others
// and goes on up the leader's own call, with the lead handed on.
func (q *applyQueue) lead(s *Store) {
	var group []*applyReq
	defer func() {
		if p := recover(); p != nil {
			if group == nil {
				group = q.take()
			}
			for _, r := range group[1:] {
				r.res, r.err = Result{}, fmt.Errorf("store: apply %s: writing its group failed: %v", r.source, p)
			}
			q.handOff(group)
			panic(p)
		}
	}()
	tx, err := s.db.Begin(true)
	group = q.take()
	written := false
	switch {
	case err != nil:
		for _, r := range group {
			r.err = fmt.Errorf("store: apply %s: %w", r.source, err)
		}
	case len(group) == 1:
		if written, err = s.applyGroup(tx, group); err != nil {
			group[0].res, group[0].err = Result{}, err
		}
	default:
		if written, err = s.applyGroup(tx, group); err != nil {
			for _, r := range group {
				w := false
				w, r.res, r.err = s.applyAlone(r)
				written = written || w
			}
		}
	}
	// The next group need not wait for the release.
	q.handOff(group)
	if written {
		s.releaseWritten()
	}
}

// take removes the group at the head of the queue: the leader's request and
// those queued behind it, within maxGroup and maxGroupItems.
func (q *applyQueue) take() []*applyReq {
	q.mu.Lock()
	defer q.mu.Unlock()
	limit := maxGroup
	if q.limit > 0 {
		limit = q.limit
	}
	n, items := 1, len(q.queue[0].items)
	for n < len(q.queue) && n < limit && items+len(q.queue[n].items) <= maxGroupItems {
		items += len(q.queue[n].items)
		n++
	}
	group := append([]*applyReq(nil), q.queue[:n]...)
	clear(q.queue[:n])
	q.queue = q.queue[n:]
	return group
}

// handOff gives the lead to the first request still queued, or ends the
// writing, and tells the group's others that they are done.
func (q *applyQueue) handOff(group []*applyReq) {
	q.mu.Lock()
	if len(q.queue) > 0 {
		q.queue[0].turn <- true
	} else {
		q.writing = false
	}
	q.mu.Unlock()
	for _, r := range group[1:] {
		r.turn <- false
	}
}

// applyAlone stores r in a transaction of its own.
func (s *Store) applyAlone(r *applyReq) (written bool, _ Result, _ error) {
	tx, err := s.db.Begin(true)
	if err != nil {
		return false, Result{}, fmt.Errorf("store: apply %s: %w", r.source, err)
	}
	if written, err = s.applyGroup(tx, []*applyReq{r}); err != nil {
		return false, Result{}, err
	}
	return written, r.res, nil
}
