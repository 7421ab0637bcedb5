// Package heapfloor keeps the Go collector's heap goal from falling below a
// floor, and from rising more than a headroom above the live heap.
//
// With GOGC=100 a collection starts when the heap has grown to twice what
// the last one left live, and never below 4 MiB. A daemon whose live heap
// is a few MiB of tables and templates, serving cached bytes at tens of
// thousands of requests a second, then collects a thousand times a minute
// and marks the same few MiB each time: on newswire's busiest path that was
// several per cent of the CPU, for a heap that never grew. Past a floor of
// some MiB the goal is GOGC=100's own, and a memory limit (GOMEMLIMIT,
// memory_limit_bytes) still bounds everything.
//
// A large heap has the opposite trouble: with 10,000 sources the poller's
// tables (each source's state and schedule, each item's hashes) are some
// 40 MB live, and doubling them put the daemon's resident memory past
// 100 MB. Past a headroom the goal is the live heap plus that headroom,
// with GOGC never below half its default, so that a heap ten times as
// large is not collected at every few per cent of growth.
//
// After each collection, Start's hook sets GOGC so that the next collection
// starts when the heap reaches the larger of the floor and twice the live
// heap, or the live heap and the headroom if that is less. The hook is the
// cleanup of a sentinel object, which the runtime runs after each cycle
// that found the sentinel unreachable.
package heapfloor

import (
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"sync"
	"sync/atomic"
)

// DefaultFloor is the heap goal newswire keeps at least.
const DefaultFloor = 16 << 20

// DefaultHeadroom is how far above the live heap newswire keeps the heap
// goal at most.
const DefaultHeadroom = 24 << 20

// basePercent is GOGC's default, which the floor never goes below.
const basePercent = 100

// leastPercent is the lowest GOGC the headroom sets.
const leastPercent = 50

var (
	mu      sync.Mutex
	floor   atomic.Uint64 // 0: stopped
	room    atomic.Uint64 // the headroom; 0: none
	percent atomic.Int64  // GOGC as last set; 0 before Start
	round   atomic.Uint64 // Start's call count: a hook of an earlier Start stops
	hooks   atomic.Uint64 // hooks run, for tests to wait on
)

// sentinel is garbage whose cleanup runs once a collection has found it
// unreachable, that is after each cycle. It is larger than the tiny
// allocator's blocks, whose cleanups may never run.
type sentinel struct{ _ [32]byte }

// Start keeps the heap goal at least floor bytes, and at most headroom
// bytes above the live heap (0: no such bound), until Stop. It replaces
// the bounds set before.
func Start(bytes, headroom uint64) {
	mu.Lock()
	defer mu.Unlock()
	floor.Store(bytes)
	room.Store(headroom)
	r := round.Add(1)
	adjust()
	arm(r)
}

// Stop ends the floor and sets GOGC back to 100.
func Stop() {
	mu.Lock()
	defer mu.Unlock()
	floor.Store(0)
	round.Add(1)
	percent.Store(0)
	debug.SetGCPercent(basePercent)
}

// Percent is the GOGC the floor last set, 0 when it is not running.
func Percent() int { return int(percent.Load()) }

func arm(r uint64) {
	runtime.AddCleanup(new(sentinel), onCollected, r)
}

// onCollected runs in the cleanup goroutine after a collection.
func onCollected(r uint64) {
	mu.Lock()
	defer mu.Unlock()
	if r != round.Load() || floor.Load() == 0 {
		return
	}
	adjust()
	arm(r)
	hooks.Add(1)
}

var samples = []metrics.Sample{
	{Name: "/gc/heap/live:bytes"},
	{Name: "/gc/scan/globals:bytes"},
	{Name: "/gc/scan/stack:bytes"},
}

// adjust sets GOGC from what the last collection left. The caller holds mu.
func adjust() {
	metrics.Read(samples)
	var v [3]uint64
	for i, s := range samples {
		if s.Value.Kind() == metrics.KindUint64 {
			v[i] = s.Value.Uint64()
		}
	}
	p := goal(floor.Load(), room.Load(), v[0], v[0]+v[1]+v[2])
	if int64(p) != percent.Load() {
		debug.SetGCPercent(p)
		percent.Store(int64(p))
	}
}

// heapMinimum is the runtime's least heap goal at GOGC=100, which it scales
// with GOGC.
const heapMinimum = 4 << 20

// goal is the GOGC at which the collector's heap goal reaches floor, never
// less than GOGC's default; or, when GOGC's default would put the goal more
// than headroom above the live heap, the GOGC that puts it headroom above,
// never less than leastPercent. The runtime's goal is the larger of
// live + roots*GOGC/100 (roots: the live heap, globals and stacks) and
// heapMinimum*GOGC/100.
func goal(floor, headroom, live, roots uint64) int {
	switch {
	case roots == 0:
		return basePercent
	case floor > live+roots*basePercent/100:
		p := min((floor-live)*100/roots, floor*100/heapMinimum)
		return int(max(p, basePercent))
	case headroom > 0 && roots*basePercent/100 > headroom:
		return int(max(headroom*100/roots, leastPercent))
	}
	return basePercent
}
