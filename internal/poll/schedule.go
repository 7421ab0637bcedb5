package poll

import (
	"container/heap"
	"context"
	"fmt"
	"math/rand/v2"
	"runtime/debug"
	"sync"
	"time"

	"newswire/internal/config"
)

// Run polls every enabled source on its own schedule until ctx ends, at most
// poll.concurrency at a time. A source whose state says when it is due next
// keeps that time across restarts; the others are spread over the first
// minute instead of all firing at once.
func (p *Poller) Run(ctx context.Context) error {
	srcs := p.cfg.EnabledSources()
	now := p.now()
	q := make(schedule, 0, len(srcs))
	spread := min(time.Minute, p.cfg.Poll.Interval.D())
	for _, src := range srcs {
		next := now
		if st, ok, err := p.store.Source(src.ID); err == nil && ok && st.NextPoll.After(now) {
			next = st.NextPoll
		} else if len(srcs) > 1 && spread > 0 {
			next = now.Add(time.Duration(rand.Int64N(int64(spread))))
		}
		q = append(q, &entry{src: src, next: next})
	}
	heap.Init(&q)

	workers := max(1, p.cfg.Poll.Concurrency)
	done := make(chan *entry)
	var wg sync.WaitGroup
	defer wg.Wait()
	timer := time.NewTimer(0)
	defer timer.Stop()
	inFlight := 0
	for {
		// With every worker busy, only a finished poll can let work start.
		var due <-chan time.Time
		if len(q) > 0 && inFlight < workers {
			timer.Reset(max(0, q[0].next.Sub(p.now())))
			due = timer.C
		}
		select {
		case <-ctx.Done():
			return nil
		case e := <-done:
			inFlight--
			heap.Push(&q, e)
		case <-due:
			for len(q) > 0 && !q[0].next.After(p.now()) && inFlight < workers {
				e := heap.Pop(&q).(*entry)
				inFlight++
				wg.Add(1)
				go func() {
					defer wg.Done()
					e.next = p.pollSafely(ctx, e.src)
					select {
					case done <- e:
					case <-ctx.Done():
					}
				}()
			}
		}
	}
}

// pollSafely polls src and returns when it is due next. A panic anywhere in
// the pipeline is logged and treated as a failed poll: one hostile document
// must not take the daemon down.
func (p *Poller) pollSafely(ctx context.Context, src config.Source) (next time.Time) {
	defer func() {
		if r := recover(); r != nil {
			p.log.Error("poll panicked", "source", src.ID, "panic", fmt.Sprint(r), "stack", string(debug.Stack()))
			next = p.now().Add(p.cfg.Poll.MaxInterval.D())
		}
	}()
	p.Poll(ctx, src)
	if st, ok, err := p.store.Source(src.ID); err == nil && ok && !st.NextPoll.IsZero() {
		return st.NextPoll
	}
	return p.now().Add(p.cfg.SourceInterval(src))
}

type entry struct {
	src   config.Source
	next  time.Time
	index int
}

// schedule is a min-heap of sources by next poll time.
type schedule []*entry

func (s schedule) Len() int           { return len(s) }
func (s schedule) Less(i, j int) bool { return s[i].next.Before(s[j].next) }
func (s schedule) Swap(i, j int) {
	s[i], s[j] = s[j], s[i]
	s[i].index, s[j].index = i, j
}
func (s *schedule) Push(x any) {
	e := x.(*entry)
	e.index = len(*s)
	*s = append(*s, e)
}
func (s *schedule) Pop() any {
	old := *s
	e := old[len(old)-1]
	*s = old[:len(old)-1]
	return e
}
