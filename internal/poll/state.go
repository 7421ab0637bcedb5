package poll

import (
	"fmt"
	"maps"
	"slices"
	"sync"
	"time"

	"newswire/internal/notice"
	"newswire/store"
)

// states holds every source's state in memory, so that a poll under the
// scheduler — most often a 304 — costs no store write of its own: its state is
// written with everyone else's in one transaction by Flush.
type states struct {
	// write orders store writes of states, so that a flush of an older
	// deferred state never lands after a newer direct save.
	write sync.Mutex
	mu    sync.Mutex
	byID  map[string]store.SourceState
	// dirty holds the states not yet written: true when something changed
	// beyond the times every poll moves (routine), false when only those.
	dirty map[string]bool
	// saved is when each state was last written, unix seconds.
	saved map[string]int64
}

// refreshEvery is how old the stored state of a source may get when its
// polls change nothing but their times (a 304, as most are): a flush writes
// it only then. A crash loses at most that much of its poll times, which
// costs one conditional GET of the source soon after the restart; every
// other change (validators, failures, a new interval's reason, new items)
// is written by the next flush. At 10,000 sources polled every minute,
// writing each state every minute was a fifteenth of an idle poller's CPU,
// and every ten minutes still a tenth (the farm's phase A, profiled): an
// hour of lost times costs a restart after a crash what ten minutes do, one
// early conditional GET of each source polled more often than that.
const refreshEvery = time.Hour

// routine reports whether st differs from prev only in the times every poll
// moves: when it ran and took how long, when it last succeeded, and the
// interval drawn for the next and when that falls due.
//
// It compares field by field: reflect.DeepEqual, which it used before, was a
// tenth of an idle poller's CPU. TestRoutineSeesEveryField fails when a field
// is added to store.SourceState and not here.
func routine(prev, st store.SourceState) bool {
	return prev.ID == st.ID && prev.URL == st.URL &&
		prev.LastResult == st.LastResult && prev.LastError == st.LastError && prev.LastStatus == st.LastStatus &&
		prev.FailingSince == st.FailingSince && prev.ConsecutiveFailures == st.ConsecutiveFailures &&
		prev.ETag == st.ETag && prev.LastModified == st.LastModified && prev.BodyHash == st.BodyHash &&
		prev.LastItems == st.LastItems && prev.EmptiedFrom == st.EmptiedFrom && prev.LastNew == st.LastNew && prev.LastUpdated == st.LastUpdated &&
		prev.TotalNew == st.TotalNew && prev.Warning == st.Warning && notice.Equal(prev.Notices, st.Notices) && notice.Equal(prev.DocumentNotices, st.DocumentNotices) && prev.Dates == st.Dates && maps.Equal(prev.Dropped, st.Dropped) &&
		prev.ConfigURL == st.ConfigURL && prev.Rules == st.Rules && prev.URLFrom == st.URLFrom && prev.URLReason == st.URLReason && prev.GoneURL == st.GoneURL &&
		prev.IntervalReason == st.IntervalReason && prev.PublishGap == st.PublishGap &&
		prev.NewestItem == st.NewestItem && prev.FeedTTL == st.FeedTTL && prev.Recent == st.Recent &&
		prev.Cursor == st.Cursor && prev.Home == st.Home && prev.UnreadCursor == st.UnreadCursor && prev.UnreadTries == st.UnreadTries &&
		prev.Title == st.Title && prev.Level == st.Level && prev.ShrunkFrom == st.ShrunkFrom
}

// state returns the source's state, from memory or else from the store.
func (p *Poller) state(id string) (store.SourceState, error) {
	p.states.mu.Lock()
	st, ok := p.states.byID[id]
	p.states.mu.Unlock()
	if ok {
		return st, nil
	}
	st, _, err := p.store.Source(id)
	return st, err
}

// States returns every source's state as the poller knows it: what it holds
// in memory, which may be newer than what it has saved, over what the store
// has.
func (p *Poller) States() ([]store.SourceState, error) {
	saved, err := p.store.Sources()
	if err != nil {
		return nil, err
	}
	// Where Run has placed each source's next poll: after a start the
	// sources due while the daemon was stopped are spread over the first
	// minute, and a push makes one due now; the states still hold the
	// time their last poll set. Taken before states.mu, which the
	// dispatcher takes under its own lock.
	p.schedMu.Lock()
	d := p.sched
	p.schedMu.Unlock()
	var planned map[string]time.Time
	if d != nil {
		planned = d.planned()
	}
	p.states.mu.Lock()
	defer p.states.mu.Unlock()
	known := make(map[string]bool, len(saved))
	for i, st := range saved {
		known[st.ID] = true
		if mem, ok := p.states.byID[st.ID]; ok {
			saved[i] = mem
		}
	}
	for id, st := range p.states.byID {
		if !known[id] {
			saved = append(saved, st)
		}
	}
	for i := range saved {
		if t, ok := planned[saved[i].ID]; ok {
			saved[i].NextPoll = t
		}
	}
	return saved, nil
}

// loadStates reads every saved state into memory in one transaction.
func (p *Poller) loadStates() error {
	all, err := p.store.Sources()
	if err != nil {
		return err
	}
	p.states.mu.Lock()
	defer p.states.mu.Unlock()
	for _, st := range all {
		if _, ok := p.states.byID[st.ID]; !ok {
			p.states.byID[st.ID] = st
		}
	}
	return nil
}

// saveState records st: in memory only when deferred, else in the store too.
// A deferred state whose change is routine waits for refreshEvery.
func (p *Poller) saveState(st store.SourceState, deferred, isRoutine bool) error {
	if !deferred {
		p.states.write.Lock()
		defer p.states.write.Unlock()
	}
	p.states.mu.Lock()
	p.states.byID[st.ID] = st
	if deferred {
		// A routine poll after a real change still has it to write.
		p.states.dirty[st.ID] = p.states.dirty[st.ID] || !isRoutine
	} else {
		delete(p.states.dirty, st.ID)
	}
	p.states.mu.Unlock()
	if deferred {
		return nil
	}
	if err := p.store.SaveSource(st); err != nil {
		return err
	}
	p.markSaved([]string{st.ID})
	return nil
}

func (p *Poller) markSaved(ids []string) {
	now := p.now().Unix()
	p.states.mu.Lock()
	defer p.states.mu.Unlock()
	for _, id := range ids {
		p.states.saved[id] = now
	}
}

// flushChunk is how many states Flush writes in one transaction: 10,000
// states copied and encoded at once held 8–10 MB of heap for the length of
// the write.
const flushChunk = 500

// Flush writes the states whose saving was deferred, but for those whose
// polls changed only their times and were written less than refreshEvery ago,
// in transactions of flushChunk states in the order of their ids, so that
// each writes its own range of the store's pages. States it could not write
// stay to be written.
func (p *Poller) Flush() error { return p.flush(false) }

// flush is Flush; with all, it writes every deferred state (at shutdown).
func (p *Poller) flush(all bool) error {
	p.states.write.Lock()
	defer p.states.write.Unlock()
	stale := p.now().Add(-refreshEvery).Unix()
	p.states.mu.Lock()
	ids := make([]string, 0, len(p.states.dirty))
	for id, changed := range p.states.dirty {
		if all || changed || p.states.saved[id] <= stale {
			ids = append(ids, id)
			delete(p.states.dirty, id)
		}
	}
	p.states.mu.Unlock()
	slices.Sort(ids)
	batch := make([]store.SourceState, 0, min(len(ids), flushChunk))
	for i := 0; i < len(ids); i += flushChunk {
		chunk := ids[i:min(i+flushChunk, len(ids))]
		batch = batch[:0]
		p.states.mu.Lock()
		for _, id := range chunk {
			batch = append(batch, p.states.byID[id])
		}
		p.states.mu.Unlock()
		if err := p.store.SaveSources(batch); err != nil {
			p.states.mu.Lock()
			for _, id := range ids[i:] {
				p.states.dirty[id] = true
			}
			p.states.mu.Unlock()
			return fmt.Errorf("poll: flushing source states: %w", err)
		}
		p.markSaved(chunk)
	}
	return nil
}
