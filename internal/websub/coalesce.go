package websub

import "sync"

// Coalesce wraps what a push does for a source (poll it) so that pushes for
// one source never run it twice at once: a push that arrives while it runs
// makes it run once more when it ends, however many such pushes came. A
// hub that pushes ten times in a burst costs the outlet two fetches, not
// ten at once, which the poller's per-host limits would not have seen.
func Coalesce(fn func(sourceID string)) func(sourceID string) {
	var (
		mu    sync.Mutex
		state = map[string]bool{} // by source: present while running; true when pushed meanwhile
	)
	return func(id string) {
		mu.Lock()
		if _, running := state[id]; running {
			state[id] = true
			mu.Unlock()
			return
		}
		state[id] = false
		mu.Unlock()
		for {
			fn(id)
			mu.Lock()
			if !state[id] {
				delete(state, id)
				mu.Unlock()
				return
			}
			state[id] = false
			mu.Unlock()
		}
	}
}
