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
//
// With a commit delay (SetCommitDelay), a leader whose group has room waits
// that long for company before it begins, as bbolt's own DB.Batch does: a
// feed that gained one item costs a commit of some 175 pages at 500,000
// stories, of which two such documents share about 65 (the branch pages
// near the roots, the ends of the append-only indexes, the meta page) and
// the two fdatasyncs. The wait ends early once the group holds as many
// documents as the caller chose, so that a burst does not hold every poll
// worker. A leader with a large document (a source's first) does not wait;
// nor does any without a delay.
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
	delay   time.Duration
	enough  int // documents a waiting leader goes with at once
	// company, while a leader waits for company, is told of each Apply
	// that queues behind it.
	company chan struct{}
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
	// counted, when set, makes the source's state to write with the
	// items (ApplyCounting).
	counted func(Result) SourceState

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
		if q.company != nil {
			select {
			case q.company <- struct{}{}:
			default: // the leader has yet to look at the last one
			}
		}
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
	q.gather()
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

// SetCommitDelay makes an Apply of a small document wait up to delay for
// others to share its transaction, or until the group holds gather
// documents; a delay of zero or a gather below 2 does not wait. It takes
// effect from the next group on.
func (s *Store) SetCommitDelay(delay time.Duration, gather int) {
	q := &s.applies
	q.mu.Lock()
	defer q.mu.Unlock()
	q.delay, q.enough = max(0, delay), gather
	if gather < 2 {
		q.delay = 0
	}
}

// gather waits, for at most the commit delay, while the group at the head
// of the queue has room for more: fewer documents than its limit and the
// number to gather, at most half of maxGroupItems, and nothing queued that
// it cannot take.
func (q *applyQueue) gather() {
	q.mu.Lock()
	delay := q.delay
	if delay <= 0 || !q.roomy() {
		q.mu.Unlock()
		return
	}
	company := make(chan struct{}, 1)
	q.company = company
	q.mu.Unlock()
	defer func() {
		q.mu.Lock()
		q.company = nil
		q.mu.Unlock()
	}()
	t := time.NewTimer(delay)
	defer t.Stop()
	for {
		select {
		case <-t.C:
			return
		case <-company:
			q.mu.Lock()
			roomy := q.roomy()
			q.mu.Unlock()
			if !roomy {
				return
			}
		}
	}
}

// roomy reports whether the group at the head of the queue could take more
// documents; q.mu is held.
func (q *applyQueue) roomy() bool {
	n, items := q.head()
	return n == len(q.queue) && n < min(q.groupLimit(), q.enough) && 2*items <= maxGroupItems
}

func (q *applyQueue) groupLimit() int {
	if q.limit > 0 {
		return q.limit
	}
	return maxGroup
}

// head is how many requests at the head of the queue make its next group,
// within maxGroup and maxGroupItems, and how many items they hold; q.mu is
// held.
func (q *applyQueue) head() (n, items int) {
	limit := q.groupLimit()
	n, items = 1, len(q.queue[0].items)
	for n < len(q.queue) && n < limit && items+len(q.queue[n].items) <= maxGroupItems {
		items += len(q.queue[n].items)
		n++
	}
	return n, items
}

// take removes the group at the head of the queue: the leader's request and
// those queued behind it, within maxGroup and maxGroupItems.
func (q *applyQueue) take() []*applyReq {
	q.mu.Lock()
	defer q.mu.Unlock()
	n, _ := q.head()
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
